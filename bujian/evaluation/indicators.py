"""Indicator sets: one line of numbers per visit, with no personal data, to compare
programs of different regencies (Buji'an Dusun with Bunga Kampung).

The format is documented in ``bujian/evaluation/README.md``. JSON::

    {"format": "bujian-indicators", "version": 1, "exported_at": "...",
     "regency": {"code": "17.01", "name": "Bengkulu Selatan", "program": "Buji'an Dusun"},
     "visits": [{"visit_key": "17.01-12", "village": "...", ...}, ...]}

CSV: one row per visit, the columns ``regency_code``, ``regency_name``, ``program``
and then the same keys as a JSON visit (``skm_sums`` as nine numbers separated by
``;``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.aspirations.models import Aspiration
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.evaluation.models import (
    SKM_ELEMENTS,
    AgencyDaySummary,
    IndicatorSet,
    ResidentGroupSummary,
    ServiceDaySummary,
    SurveySummary,
    VisitSummary,
)
from bujian.evaluation.reports import period_visits
from bujian.evaluation.summaries import missing_visit_ids, rebuild_summaries
from bujian.regions.models import Regency
from bujian.surveys.stats import IkmResult, ikm_from_sums

FORMAT = "bujian-indicators"
VERSION = 1
MAX_VISITS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Field:
    key: str
    kind: str  # "int", "float", "date", "text", "sums"
    description: str


# The documented columns, in file order. Counts are whole numbers; rates are percent.
FIELDS = (
    Field("visit_key", "text", "Identifier of the visit in the exporting system."),
    Field("village", "text", "Village (desa/kelurahan/kampung) visited."),
    Field("district", "text", "Kecamatan of the village."),
    Field("start_date", "date", "First service day, YYYY-MM-DD."),
    Field("end_date", "date", "Last service day, YYYY-MM-DD."),
    Field("agencies_invited", "int", "Agencies invited."),
    Field("agencies_present", "int", "Agencies that came."),
    Field("agencies_absent", "int", "Agencies absent without an approved excuse."),
    Field("agencies_excused", "int", "Agencies excused."),
    Field("residents_served", "int", "Residents served at least once."),
    Field("residents_women", "int", "Of them, women."),
    Field("residents_men", "int", "Of them, men."),
    Field("services", "int", "Services recorded (one per service per resident)."),
    Field("services_completed", "int", "Finished on site."),
    Field("services_in_process", "int", "Applied on site, delivered later."),
    Field("services_rejected", "int", "Refused (a requirement missing)."),
    Field("services_referred", "int", "Sent to another booth."),
    Field("documents_issued", "int", "Documents produced by the services."),
    Field("documents_handed_over", "int", "Of them, in the resident's hands."),
    Field("average_wait_minutes", "float", "Mean minutes from queueing to being called."),
    Field("average_service_minutes", "float", "Mean minutes of a service at the booth."),
    Field("aspirations", "int", "Aspirations raised at the visit."),
    Field("aspirations_resolved", "int", "Of them, resolved."),
    Field("aspirations_open", "int", "Of them, still open."),
    Field("skm_respondents", "int", "SKM questionnaires filled."),
    Field("skm_sums", "sums", "Sum of the scores of U1..U9 (nine whole numbers)."),
    Field("ikm", "float", "IKM × 25 (PermenPANRB 14/2017, weight exactly 1/9), 2 decimals."),
    Field("ikm_grade", "text", "A, B, C or D."),
)
FIELD_KEYS = [f.key for f in FIELDS]
REQUIRED = {"visit_key", "village", "start_date", "end_date", "residents_served"}


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- export -------------------------------------------------------------------------------


def visit_indicators(regency_id: int, visit_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The indicator set of each visit, from the summary tables (a few grouped queries)."""
    ids = list(visit_ids)
    regency = Regency.objects.get(pk=regency_id)
    summaries = {
        s.visit_id: s
        for s in VisitSummary.objects.filter(visit_id__in=ids).select_related("village", "district")
    }
    sexes: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        ResidentGroupSummary.objects.filter(visit_id__in=ids)
        .values("visit_id", "sex")
        .annotate(n=Sum("residents"))
        .order_by()
    ):
        sexes[row["visit_id"]][row["sex"]] = row["n"]
    outcomes = {
        row["visit_id"]: row
        for row in ServiceDaySummary.objects.filter(visit_id__in=ids)
        .values("visit_id")
        .annotate(
            records=Sum("records"),
            completed=Sum("completed"),
            in_process=Sum("in_process"),
            rejected=Sum("rejected"),
            referred=Sum("referred"),
        )
        .order_by()
    }
    times = {
        row["visit_id"]: row
        for row in AgencyDaySummary.objects.filter(visit_id__in=ids)
        .values("visit_id")
        .annotate(
            served=Sum("served"),
            waits=Sum("waits"),
            wait_total=Sum("wait_total"),
            timed=Sum("timed_services"),
            service_total=Sum("service_total"),
        )
        .order_by()
    }
    surveys = {
        row["visit_id"]: row
        for row in SurveySummary.objects.filter(visit_id__in=ids)
        .values("visit_id")
        .annotate(respondents=Sum("respondents"), **{u: Sum(u) for u in SKM_ELEMENTS})
        .order_by()
    }
    aspirations = {
        row["visit_id"]: row
        for row in Aspiration.objects.counted()
        .filter(visit_id__in=ids)
        .values("visit_id")
        .annotate(
            total=Count("id"),
            resolved=Count("id", filter=Q(status=Aspiration.Status.RESOLVED)),
            open=Count("id", filter=Q(status__in=Aspiration.OPEN_STATES)),
        )
        .order_by()
    }
    result = []
    for visit_id in ids:
        summary = summaries.get(visit_id)
        if summary is None:
            continue
        out = outcomes.get(visit_id, {})
        time = times.get(visit_id, {})
        survey = surveys.get(visit_id)
        sums = [int(survey[u] or 0) for u in SKM_ELEMENTS] if survey else [0] * 9
        respondents = int(survey["respondents"] or 0) if survey else 0
        ikm = ikm_from_sums(sums, respondents, population=int(time.get("served") or 0) or None)
        asp = aspirations.get(visit_id, {})
        waits, timed = int(time.get("waits") or 0), int(time.get("timed") or 0)
        result.append(
            {
                "visit_key": f"{regency.code}-{visit_id}",
                "village": summary.village.name,
                "district": summary.district.name,
                "start_date": summary.start_date.isoformat(),
                "end_date": summary.end_date.isoformat(),
                "agencies_invited": summary.invited,
                "agencies_present": summary.present,
                "agencies_absent": summary.absent,
                "agencies_excused": summary.excused,
                "residents_served": summary.residents_served,
                "residents_women": sexes[visit_id].get("P", 0),
                "residents_men": sexes[visit_id].get("L", 0),
                "services": int(out.get("records") or 0),
                "services_completed": int(out.get("completed") or 0),
                "services_in_process": int(out.get("in_process") or 0),
                "services_rejected": int(out.get("rejected") or 0),
                "services_referred": int(out.get("referred") or 0),
                "documents_issued": summary.documents_issued,
                "documents_handed_over": summary.documents_handed_over,
                "average_wait_minutes": round(time["wait_total"].total_seconds() / 60 / waits, 1)
                if waits and time.get("wait_total") is not None
                else None,
                "average_service_minutes": round(
                    time["service_total"].total_seconds() / 60 / timed, 1
                )
                if timed and time.get("service_total") is not None
                else None,
                "aspirations": int(asp.get("total") or 0),
                "aspirations_resolved": int(asp.get("resolved") or 0),
                "aspirations_open": int(asp.get("open") or 0),
                "skm_respondents": respondents,
                "skm_sums": sums,
                "ikm": float(ikm.ikm) if ikm else None,
                "ikm_grade": ikm.grade if ikm else "",
            }
        )
    return result


def regency_indicators(regency: Regency, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    missing = missing_visit_ids(regency.pk, start, end)
    if missing:
        rebuild_summaries(visit_ids=missing)
    return visit_indicators(regency.pk, period_visits(regency.pk, start, end))


def as_json(regency: Regency, visits: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now().isoformat(timespec="seconds"),
            "regency": {
                "code": regency.code,
                "name": regency.name,
                "program": regency.program_name,
            },
            "visits": visits,
        },
        ensure_ascii=False,
        indent=1,
    )


def as_csv(regency: Regency, visits: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["regency_code", "regency_name", "program", *FIELD_KEYS])
    for visit in visits:
        row = []
        for key in FIELD_KEYS:
            value = visit.get(key)
            if key == "skm_sums":
                value = ";".join(str(v) for v in value or [])
            row.append("" if value is None else value)
        writer.writerow([regency.code, regency.name, regency.program_name, *row])
    return out.getvalue()


# --- import --------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    regency_code: str
    regency_name: str
    program: str
    visits: list[dict[str, Any]]


def _bad(message: str) -> DomainError:
    return DomainError("evaluation.bad_indicator_file", message)


def _clean_value(field: Field, raw: Any, line: str) -> Any:
    if raw is None or raw == "":
        if field.key in REQUIRED:
            raise _bad(
                _("%(line)s: the column %(column)s is empty.") % {"line": line, "column": field.key}
            )
        return [0] * 9 if field.kind == "sums" else None
    try:
        if field.kind == "int":
            value = int(str(raw).strip())
            if value < 0:
                raise ValueError
            return value
        if field.kind == "float":
            return float(str(raw).strip().replace(",", "."))
        if field.kind == "date":
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        if field.kind == "sums":
            items = raw if isinstance(raw, list) else str(raw).split(";")
            sums = [int(str(v).strip()) for v in items]
            if len(sums) != 9 or min(sums) < 0:
                raise ValueError
            return sums
        return str(raw).strip()[:100]
    except (TypeError, ValueError):
        raise _bad(
            _("%(line)s: %(value)s is not a valid value for %(column)s.")
            % {"line": line, "value": str(raw)[:30], "column": field.key}
        ) from None


def _clean_visit(raw: dict[str, Any], line: str) -> dict[str, Any]:
    visit = {field.key: _clean_value(field, raw.get(field.key), line) for field in FIELDS}
    if visit["end_date"] < visit["start_date"]:
        raise _bad(_("%(line)s: the end date is before the start date.") % {"line": line})
    respondents = visit["skm_respondents"] or 0
    if respondents and any(
        total > 4 * respondents or total < respondents for total in visit["skm_sums"]
    ):
        raise _bad(
            _("%(line)s: the SKM sums do not fit the number of respondents.") % {"line": line}
        )
    return visit


def parse_indicator_file(name: str, data: bytes) -> ParsedFile:
    """Read a JSON or CSV indicator file; refuse it whole at the first bad value."""
    if len(data) > MAX_BYTES:
        raise _bad(_("The file is larger than 5 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad(_("The file is not UTF-8 text.")) from None
    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            raise _bad(_("The file is not valid JSON.")) from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise _bad(
                _("This is not a Bujian indicator file (format %(format)s).") % {"format": FORMAT}
            )
        if payload.get("version") != VERSION:
            raise _bad(_("This version of the indicator format is not supported."))
        regency = payload.get("regency") or {}
        rows = payload.get("visits")
        if not isinstance(rows, list) or not isinstance(regency, dict):
            raise _bad(_("The file has no list of visits."))
        code, regency_name, program = (
            str(regency.get("code", "")),
            str(regency.get("name", "")),
            str(regency.get("program", "")),
        )
        raw_visits = rows
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = [
            c
            for c in ("regency_code", "regency_name", *REQUIRED)
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise _bad(
                _("The CSV file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        raw_visits = list(reader)
        if not raw_visits:
            raise _bad(_("The file has no visits."))
        first = raw_visits[0]
        code, regency_name, program = (
            first["regency_code"],
            first["regency_name"],
            first.get("program") or "",
        )
        if any(r["regency_code"] != code for r in raw_visits):
            raise _bad(_("A file must hold the visits of one regency."))
    if not code.strip() or not regency_name.strip():
        raise _bad(_("The file does not say which regency it comes from."))
    if len(raw_visits) > MAX_VISITS:
        raise _bad(_("The file has more than %(max)s visits.") % {"max": MAX_VISITS})
    visits = []
    keys = set()
    for number, raw in enumerate(raw_visits, start=1):
        if not isinstance(raw, dict):
            raise _bad(_("Visit %(number)s is not an object.") % {"number": number})
        visit = _clean_visit(raw, _("Visit %(number)s") % {"number": number})
        if visit["visit_key"] in keys:
            raise _bad(_("The visit %(key)s appears twice.") % {"key": visit["visit_key"]})
        keys.add(visit["visit_key"])
        visits.append(visit)
    return ParsedFile(code.strip()[:5], regency_name.strip()[:100], program.strip()[:100], visits)


@transaction.atomic
def import_indicator_sets(
    *, parsed: ParsedFile, importing_regency: Regency, actor: User | None, is_demo: bool = False
) -> int:
    """Store the visits of another program's file; importing it again replaces the
    same visits (by regency and visit key), never doubles them. Returns the count."""
    if parsed.regency_code == importing_regency.code:
        raise _bad(_("This file comes from your own regency; its visits are already here."))
    for visit in parsed.visits:
        IndicatorSet.objects.update_or_create(
            imported_for=importing_regency,
            source_regency_code=parsed.regency_code,
            visit_key=visit["visit_key"],
            defaults={
                "source_regency_name": parsed.regency_name,
                "program_name": parsed.program or parsed.regency_name,
                "village_name": visit["village"],
                "district_name": visit["district"] or "",
                "start_date": dt.date.fromisoformat(visit["start_date"]),
                "end_date": dt.date.fromisoformat(visit["end_date"]),
                "indicators": visit,
                "is_demo": is_demo,
                "imported_by": actor,
            },
        )
    record_audit(
        actor=actor,
        action="evaluation.indicators.imported",
        data={"regency": parsed.regency_code, "visits": len(parsed.visits)},
    )
    return len(parsed.visits)


# --- comparison ---------------------------------------------------------------------------


@dataclass
class ProgramColumn:
    """One program's totals over its visits, for the side-by-side table."""

    key: str
    regency_name: str
    program: str
    visits: list[dict[str, Any]]
    is_demo: bool = False

    def total(self, key: str) -> int:
        return sum(int(v.get(key) or 0) for v in self.visits)

    def per_visit(self, key: str) -> float | None:
        return round(self.total(key) / len(self.visits), 1) if self.visits else None

    def mean(self, key: str) -> float | None:
        """Mean over the visits that have the value (visits weigh equally)."""
        values = [float(v[key]) for v in self.visits if v.get(key) is not None]
        return round(sum(values) / len(values), 1) if values else None

    @property
    def first_date(self) -> dt.date | None:
        found = min((v["start_date"] for v in self.visits), default="")
        return dt.date.fromisoformat(found) if found else None

    @property
    def last_date(self) -> dt.date | None:
        found = max((v["end_date"] for v in self.visits), default="")
        return dt.date.fromisoformat(found) if found else None

    @property
    def attendance_rate(self) -> float | None:
        return _rate(
            self.total("agencies_present"),
            self.total("agencies_present") + self.total("agencies_absent"),
        )

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.total("services_completed"), self.total("services"))

    @property
    def handover_rate(self) -> float | None:
        return _rate(self.total("documents_handed_over"), self.total("documents_issued"))

    @property
    def aspiration_resolution_rate(self) -> float | None:
        return _rate(self.total("aspirations_resolved"), self.total("aspirations"))

    @property
    def women_share(self) -> float | None:
        return _rate(self.total("residents_women"), self.total("residents_served"))

    @property
    def ikm(self) -> IkmResult | None:
        """Exact over all visits: the element sums are added, then one IKM."""
        sums = [0] * 9
        for visit in self.visits:
            sums = [a + int(b) for a, b in zip(sums, visit.get("skm_sums") or [0] * 9, strict=True)]
        return ikm_from_sums(sums, self.total("skm_respondents"))


def program_columns(
    own: Regency, own_visits: list[dict[str, Any]], imported: Iterable[IndicatorSet]
) -> list[ProgramColumn]:
    columns = [ProgramColumn(own.code, own.name, own.program_name or own.name, own_visits)]
    others: dict[str, ProgramColumn] = {}
    for item in imported:
        column = others.setdefault(
            item.source_regency_code,
            ProgramColumn(
                item.source_regency_code, item.source_regency_name, item.program_name, []
            ),
        )
        column.visits.append(item.indicators)
        column.is_demo = column.is_demo or item.is_demo
    return columns + sorted(others.values(), key=lambda c: c.key)
