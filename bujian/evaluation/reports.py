"""The laporan pelaksanaan of a visit and the evaluation of a period.

``visit_report`` and ``period_report`` return plain dataclasses that the HTML pages,
the PDF, the Excel workbook, the API and the indicator sets all render, so every
output shows the same numbers. Both read the summary tables
(``bujian.evaluation.summaries``), refreshed first when stale (a visit) or missing
(a period); attendance, documents by kind, aspirations and coverage come from small
tables directly.

IKM: sums of the answers per element are added up over the rows in scope and the
index is computed once from the totals (``bujian.surveys.stats.ikm_from_sums``), as
the regulation defines it; averaging per-visit indexes would not give the same value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import formats
from django.utils.translation import gettext as _

from bujian.agencies.models import Agency, Service
from bujian.aspirations import stats as aspiration_stats
from bujian.aspirations.models import Aspiration, Attachment
from bujian.evaluation.models import (
    SKM_ELEMENTS,
    AgencyDaySummary,
    ResidentGroupSummary,
    ServiceDaySummary,
    SurveySummary,
    VisitSummary,
)
from bujian.evaluation.summaries import missing_visit_ids, rebuild_summaries, refresh_if_stale
from bujian.records.models import Document
from bujian.regions.models import Regency, Village
from bujian.surveys.ikm import METHOD as IKM_METHOD
from bujian.surveys.stats import IkmResult, ikm_from_sums
from bujian.visits.actions import local_now, local_today
from bujian.visits.models import Participation, Visit
from bujian.visits.queries import CLOSED_STATES, LedgerRow, compliance_ledger

AGE_GROUPS = ResidentGroupSummary.AgeGroup
MAX_ASPIRATION_LINES = 200  # the visit report lists at most this many aspirations
RECENT = dt.timedelta(days=45)  # visits this recent are checked for stale summaries


_QS = TypeVar("_QS", bound=QuerySet[Any])


def _in_scope(queryset: _QS, scope: frozenset[int] | None) -> _QS:
    return queryset if scope is None else queryset.filter(agency_id__in=scope)


def ikm_method() -> str:
    return str(IKM_METHOD)


# --- shared rows --------------------------------------------------------------------------


@dataclass
class Times:
    """Wait (called − queued) and service (finished − started) times."""

    waits: int = 0
    wait_total: dt.timedelta = dt.timedelta()
    timed: int = 0
    service_total: dt.timedelta = dt.timedelta()

    def add(self, row: dict[str, Any]) -> None:
        """Add a row of ``_TIME_SUMS`` (grouped in SQL)."""
        self.waits += int(row["waits"] or 0)
        self.wait_total += row["wait_total"] or dt.timedelta()
        self.timed += int(row["timed"] or 0)
        self.service_total += row["service_total"] or dt.timedelta()

    @property
    def average_wait_minutes(self) -> float | None:
        if not self.waits:
            return None
        return round(self.wait_total.total_seconds() / 60 / self.waits, 1)

    @property
    def average_service_minutes(self) -> float | None:
        if not self.timed:
            return None
        return round(self.service_total.total_seconds() / 60 / self.timed, 1)


@dataclass
class Outcomes:
    records: int = 0
    completed: int = 0
    in_process: int = 0
    rejected: int = 0
    referred: int = 0

    def add(self, row: Outcomes) -> None:
        self.records += row.records
        self.completed += row.completed
        self.in_process += row.in_process
        self.rejected += row.rejected
        self.referred += row.referred

    @classmethod
    def of(cls, row: dict[str, Any]) -> Outcomes:
        """From a row of ``_OUTCOME_SUMS``."""
        return cls(**{name: int(row[name] or 0) for name in _OUTCOMES})

    @property
    def completion_rate(self) -> float | None:
        """Share of services finished on site, in percent."""
        return round(100 * self.completed / self.records, 1) if self.records else None


@dataclass
class ServiceRow:
    agency: Agency
    service: Service
    outcomes: Outcomes = field(default_factory=Outcomes)


@dataclass
class AgencyRow:
    """One agency's work at a visit or over a period."""

    agency: Agency
    tickets: int = 0
    served: int = 0
    skipped: int = 0
    residents: int = 0
    times: Times = field(default_factory=Times)
    outcomes: Outcomes = field(default_factory=Outcomes)
    services: list[ServiceRow] = field(default_factory=list)
    ikm: IkmResult | None = None


@dataclass
class Count2:
    label: str
    count: int
    key: str = ""


@dataclass
class Residents:
    served: int = 0
    visit_tickets: int = 0
    by_sex: list[Count2] = field(default_factory=list)
    by_age: list[Count2] = field(default_factory=list)
    by_village: list[Count2] = field(default_factory=list)


@dataclass
class SurveyTotals:
    respondents: int = 0
    sums: list[int] = field(default_factory=lambda: [0] * 9)

    def add(self, other: SurveyTotals) -> None:
        self.respondents += other.respondents
        self.sums = [a + b for a, b in zip(self.sums, other.sums, strict=True)]

    @classmethod
    def of(cls, row: dict[str, Any]) -> SurveyTotals:
        """From a row of ``_SURVEY_SUMS``."""
        return cls(int(row["respondents"] or 0), [int(row[u] or 0) for u in SKM_ELEMENTS])

    def result(self, population: int | None) -> IkmResult | None:
        return ikm_from_sums(self.sums, self.respondents, population=population or None)


def _agencies(ids: Iterable[int]) -> dict[int, Agency]:
    return Agency.objects.in_bulk(list(set(ids)))


def _residents(rows: QuerySet[ResidentGroupSummary], visit_tickets: int) -> Residents:
    """By sex, age group and village of residence: three grouped queries."""

    def by(key: str) -> dict[Any, int]:
        grouped = rows.order_by().values(key).annotate(n=Sum("residents"))
        return {row[key]: int(row["n"] or 0) for row in grouped}

    sexes, ages, villages = by("sex"), by("age_group"), by("village_id")
    names = {
        pk: f"{name} ({district})"
        for pk, name, district in Village.objects.filter(
            pk__in=[k for k in villages if k]
        ).values_list("pk", "name", "district__name")
    }
    by_village = [
        Count2(names.get(pk, "") if pk else _("Outside the regency or unknown"), n)
        for pk, n in villages.items()
    ]
    by_village.sort(key=lambda c: (-c.count, c.label))
    return Residents(
        served=sum(sexes.values()),
        visit_tickets=visit_tickets,
        by_sex=[
            Count2(_("Men"), sexes.get("L", 0), "L"),
            Count2(_("Women"), sexes.get("P", 0), "P"),
        ],
        by_age=[
            Count2(str(group.label), ages.get(group.value, 0), group.value) for group in AGE_GROUPS
        ],
        by_village=by_village,
    )


_OUTCOMES = ("records", "completed", "in_process", "rejected", "referred")
_OUTCOME_SUMS = {name: Sum(name) for name in _OUTCOMES}
_TIME_SUMS = {
    "tickets": Sum("tickets"),
    "served": Sum("served"),
    "skipped": Sum("skipped"),
    "residents": Sum("residents"),
    "waits": Sum("waits"),
    "wait_total": Sum("wait_total"),
    "timed": Sum("timed_services"),
    "service_total": Sum("service_total"),
}
_ALL_ANSWERS = sum((F(u) for u in SKM_ELEMENTS[1:]), F(SKM_ELEMENTS[0]))
_SURVEY_SUMS = {"respondents": Sum("respondents"), **{u: Sum(u) for u in SKM_ELEMENTS}}


def _grouped(
    queryset: QuerySet[Any], keys: Sequence[str], sums: dict[str, Any]
) -> list[dict[str, Any]]:
    """``SELECT keys, SUM(…) … GROUP BY keys``: the database adds, Python reads a few rows."""
    return list(queryset.order_by().values(*keys).annotate(**sums))


def _agency_rows(
    days: QuerySet[AgencyDaySummary],
    services: QuerySet[ServiceDaySummary],
    surveys: QuerySet[SurveySummary],
) -> tuple[list[AgencyRow], AgencyRow]:
    """Per agency (busiest first), and the totals; three grouped queries and two
    lookups, whatever the number of visits."""
    day_rows = _grouped(days, ["agency_id"], _TIME_SUMS)
    service_rows = _grouped(services, ["agency_id", "service_id"], _OUTCOME_SUMS)
    survey_rows = _grouped(surveys, ["agency_id"], _SURVEY_SUMS)
    agencies = _agencies(
        [r["agency_id"] for r in day_rows]
        + [r["agency_id"] for r in service_rows]
        + [r["agency_id"] for r in survey_rows]
    )
    service_objects = Service.objects.in_bulk(list({r["service_id"] for r in service_rows}))
    rows: dict[int, AgencyRow] = {}

    def row_of(agency_id: int) -> AgencyRow:
        if agency_id not in rows:
            rows[agency_id] = AgencyRow(agency=agencies[agency_id])
        return rows[agency_id]

    for day in day_rows:
        row = row_of(day["agency_id"])
        row.tickets = int(day["tickets"] or 0)
        row.served = int(day["served"] or 0)
        row.skipped = int(day["skipped"] or 0)
        row.residents = int(day["residents"] or 0)
        row.times.add(day)
    for line in service_rows:
        row = row_of(line["agency_id"])
        outcomes = Outcomes.of(line)
        row.outcomes.add(outcomes)
        row.services.append(
            ServiceRow(
                agency=row.agency, service=service_objects[line["service_id"]], outcomes=outcomes
            )
        )
    total_survey = SurveyTotals()
    for survey in survey_rows:
        totals = SurveyTotals.of(survey)
        row = row_of(survey["agency_id"])
        row.ikm = totals.result(row.served)
        total_survey.add(totals)
    ordered = sorted(rows.values(), key=lambda r: (-r.served, r.agency.short_name))
    for row in ordered:
        row.services.sort(key=lambda s: (-s.outcomes.records, s.service.name))
    total = AgencyRow(agency=Agency(short_name=_("Total"), name=_("Total")))
    for row in ordered:
        total.tickets += row.tickets
        total.served += row.served
        total.skipped += row.skipped
        total.residents += row.residents
        total.times.waits += row.times.waits
        total.times.wait_total += row.times.wait_total
        total.times.timed += row.times.timed
        total.times.service_total += row.times.service_total
        total.outcomes.add(row.outcomes)
    total.ikm = total_survey.result(total.served)
    return ordered, total


def ikm_value(total: int, respondents: int) -> Decimal | None:
    """IKM × 25 of questionnaires whose scores add up to ``total`` over the nine
    elements, rounded half up to 2 decimals: 25 · total / (9 · respondents), the same
    exact value as ``ikm_from_sums`` (the mean of the nine exact NRR), in integers.
    For the trend tables, where hundreds of cells need only the number."""
    if respondents <= 0:
        return None
    numerator, denominator = 2500 * total, 9 * respondents  # in hundredths
    hundredths = (2 * numerator + denominator) // (2 * denominator)
    return Decimal(hundredths) / 100


# --- the visit report ----------------------------------------------------------------------


@dataclass
class Attendance:
    agency: Agency
    mandatory: bool
    status: str
    status_label: str
    attendance: str
    attendance_label: str
    late: bool
    days_checked_in: int
    excuse: str


@dataclass
class DocumentCount:
    kind: str
    label: str
    issued: int
    handed_over: int


@dataclass
class AspirationLine:
    code: str
    title: str
    category: str
    status: str
    agency: str


@dataclass
class Photo:
    attachment_id: int
    caption: str
    path: str  # the file on the server, for the PDF


@dataclass
class VisitReport:
    visit: Visit
    generated_at: dt.datetime
    summarised_at: dt.datetime | None
    agency_scope: frozenset[int] | None
    attendance: list[Attendance]
    invited: int
    present: int
    absent: int
    excused: int
    pending: int
    late: int
    residents: Residents
    agencies: list[AgencyRow]
    total: AgencyRow
    documents: list[DocumentCount]
    documents_issued: int
    documents_handed_over: int
    documents_handed_over_at_visit: int
    aspirations: dict[str, int]
    aspiration_lines: list[AspirationLine]
    photos: list[Photo]
    ikm_method: str

    @property
    def ikm(self) -> IkmResult | None:
        return self.total.ikm

    @property
    def services(self) -> list[ServiceRow]:
        return [service for row in self.agencies for service in row.services]


def visit_report(visit_id: int, *, agency_ids: Iterable[int] | None = None) -> VisitReport:
    """The laporan pelaksanaan of one visit. With ``agency_ids`` (an agency operator),
    only those agencies' parts: attendance, services, times, documents and IKM."""
    visit = Visit.objects.select_related("village__district", "regency").get(pk=visit_id)
    refresh_if_stale([visit.pk])
    scope = frozenset(agency_ids) if agency_ids is not None else None
    summary = VisitSummary.objects.filter(visit=visit).first()

    def scoped(queryset: _QS) -> _QS:
        return _in_scope(queryset.filter(visit=visit), scope)

    agencies, total = _agency_rows(
        scoped(AgencyDaySummary.objects.all()),
        scoped(ServiceDaySummary.objects.all()),
        scoped(SurveySummary.objects.all()),
    )
    participations = list(
        scoped(Participation.objects.all())
        .select_related("agency")
        .annotate(days=Count("checkins", distinct=True))
        .prefetch_related("excuses")
        .order_by("-mandatory", "agency__kind", "agency__short_name")
    )
    attendance = [
        Attendance(
            agency=p.agency,
            mandatory=p.mandatory,
            status=p.status,
            status_label=str(p.get_status_display()),
            attendance=p.attendance,
            attendance_label=str(p.get_attendance_display()),
            late=p.late,
            days_checked_in=p.days,
            excuse=next((e.reason for e in p.excuses.all() if e.decision == "approved"), ""),
        )
        for p in participations
    ]
    residents = (
        _residents(
            ResidentGroupSummary.objects.filter(visit=visit),
            summary.visit_tickets if summary else 0,
        )
        if scope is None
        else Residents(served=total.residents)
    )
    docs = Document.objects.filter(service_record__ticket__booth__visit=visit)
    if scope is not None:
        docs = docs.filter(agency_id__in=scope)
    kinds = dict(Document.Kind.choices)
    documents = [
        DocumentCount(
            kind=row["kind"],
            label=str(kinds.get(row["kind"], row["kind"])),
            issued=row["issued"],
            handed_over=row["handed"],
        )
        for row in docs.values("kind")
        .annotate(
            issued=Count("id"),
            handed=Count("id", filter=Q(handover__isnull=False)),
        )
        .order_by("-issued", "kind")
    ]
    at_visit = docs.filter(handover__visit=visit).count()
    aspirations = aspiration_stats.visit_aspiration_counts(visit.pk)
    asp_rows = Aspiration.objects.counted().filter(visit=visit)
    if scope is not None:
        asp_rows = asp_rows.filter(lead_agency_id__in=scope)
        aspirations = {
            "total": asp_rows.count(),
            "open": asp_rows.filter(status__in=Aspiration.OPEN_STATES).count(),
            "resolved": asp_rows.filter(status=Aspiration.Status.RESOLVED).count(),
            "rejected": asp_rows.filter(status=Aspiration.Status.REJECTED).count(),
            "overdue": asp_rows.overdue(local_today(visit.regency)).count(),
        }
    categories = dict(Aspiration._meta.get_field("category").flatchoices)
    statuses = dict(Aspiration.Status.choices)
    lines = [
        AspirationLine(
            code=code,
            title=title,
            category=str(categories.get(category, category)),
            status=str(statuses.get(status, status)),
            agency=agency or "",
        )
        for code, title, category, status, agency in asp_rows.order_by(
            "received_at", "id"
        ).values_list("code", "title", "category", "status", "lead_agency__short_name")[
            :MAX_ASPIRATION_LINES
        ]
    ]
    photos = [
        Photo(attachment_id=p.pk, caption=p.aspiration.title, path=p.file.name)
        for p in Attachment.objects.filter(
            aspiration__visit=visit,
            aspiration__in=asp_rows,
            kind=Attachment.Kind.PHOTO,
            is_public=True,
            content_type__startswith="image/",
        )
        .select_related("aspiration")
        .order_by("id")[:12]
    ]
    return VisitReport(
        visit=visit,
        generated_at=local_now(visit.regency),
        summarised_at=summary.rebuilt_at if summary else None,
        agency_scope=scope,
        attendance=attendance,
        invited=len(attendance),
        present=sum(a.attendance == Participation.Attendance.PRESENT for a in attendance),
        absent=sum(a.attendance == Participation.Attendance.ABSENT for a in attendance),
        excused=sum(a.status == Participation.Status.EXCUSED for a in attendance),
        pending=sum(
            a.attendance == Participation.Attendance.PENDING
            and a.status != Participation.Status.EXCUSED
            for a in attendance
        ),
        late=sum(a.late for a in attendance),
        residents=residents,
        agencies=agencies,
        total=total,
        documents=documents,
        documents_issued=sum(d.issued for d in documents),
        documents_handed_over=sum(d.handed_over for d in documents),
        documents_handed_over_at_visit=at_visit,
        aspirations=aspirations,
        aspiration_lines=lines,
        photos=photos,
        ikm_method=ikm_method(),
    )


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, semester, year
    year: int
    number: int  # month 1-12, quarter 1-4, semester 1-2, 1 for the year

    KINDS = ("month", "quarter", "semester", "year")
    MONTHS = {"month": 1, "quarter": 3, "semester": 6, "year": 12}

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, (self.number - 1) * self.MONTHS[self.kind] + 1, 1)

    @property
    def end(self) -> dt.date:
        last_month = self.number * self.MONTHS[self.kind]
        if last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, last_month + 1, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return formats.date_format(self.start, "F Y")
        if self.kind == "quarter":
            return _("Quarter %(number)s %(year)s") % {"number": self.number, "year": self.year}
        if self.kind == "semester":
            return _("Semester %(number)s %(year)s") % {"number": self.number, "year": self.year}
        return _("Year %(year)s") % {"year": self.year}

    @property
    def slug(self) -> str:
        """For file names, in Indonesian like the other downloads: ``triwulan-2-2027``."""
        word = {"month": "bulan", "quarter": "triwulan", "semester": "semester"}.get(self.kind)
        return f"{word}-{self.number}-{self.year}" if word else f"tahun-{self.year}"

    @classmethod
    def parse(cls, kind: str, year: int, number: int) -> Period:
        if kind not in cls.KINDS:
            raise ValueError("kind")
        most = 12 // cls.MONTHS[kind]
        if not 1 <= number <= most or not 2000 <= year <= 2100:
            raise ValueError("number")
        return cls(kind, year, number)

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        return cls(kind, day.year, (day.month - 1) // cls.MONTHS[kind] + 1)


# --- the period report ---------------------------------------------------------------------


@dataclass
class VisitTrend:
    visit_id: int
    start_date: dt.date
    end_date: dt.date
    village: str
    district: str
    invited: int
    present: int
    absent: int
    excused: int
    residents_served: int
    services: int
    completed: int
    documents_issued: int
    documents_handed_over: int
    average_wait_minutes: float | None
    ikm: IkmResult | None


@dataclass(frozen=True)
class Place:
    """A kecamatan or village as the coverage grid shows it."""

    pk: int
    code: str
    name: str


@dataclass
class VillageCoverage:
    village: Place
    last_visit: dt.date | None
    visits_in_period: int
    days_since_last_visit: int | None


@dataclass
class DistrictCoverage:
    district: Place
    villages: list[VillageCoverage]

    @property
    def visited_in_period(self) -> int:
        return sum(1 for v in self.villages if v.visits_in_period)

    @property
    def visited_ever(self) -> int:
        return sum(1 for v in self.villages if v.last_visit is not None)

    @property
    def is_visited_in_period(self) -> bool:
        return self.visited_in_period > 0


@dataclass
class IkmTrend:
    agency: Agency
    overall: IkmResult | None
    per_visit: list[Decimal | None]  # IKM × 25, in the order of the report's visits


@dataclass
class PeriodReport:
    regency: Regency
    start: dt.date
    end: dt.date
    label: str
    generated_at: dt.datetime
    agency_scope: frozenset[int] | None
    visits: list[VisitTrend]
    residents: Residents
    agencies: list[AgencyRow]
    total: AgencyRow
    documents_issued: int
    documents_handed_over: int
    coverage: list[DistrictCoverage]
    compliance: list[LedgerRow]
    aspirations: list[aspiration_stats.AgencyAspirationStats]
    ikm_trends: list[IkmTrend]
    ikm_method: str
    as_of: dt.date

    @property
    def ikm(self) -> IkmResult | None:
        return self.total.ikm

    @property
    def villages_total(self) -> int:
        return sum(len(d.villages) for d in self.coverage)

    @property
    def villages_visited(self) -> int:
        return sum(d.visited_in_period for d in self.coverage)

    @property
    def districts_visited(self) -> int:
        return sum(1 for d in self.coverage if d.is_visited_in_period)

    @property
    def villages_never_visited(self) -> int:
        return sum(1 for d in self.coverage for v in d.villages if v.last_visit is None)


def period_visits(regency_id: int, start: dt.date, end: dt.date) -> list[int]:
    return list(
        Visit.objects.filter(
            regency_id=regency_id,
            status__in=CLOSED_STATES,
            start_date__gte=start,
            start_date__lte=end,
        ).values_list("pk", flat=True)
    )


def coverage(
    regency: Regency, start: dt.date, end: dt.date, as_of: dt.date
) -> list[DistrictCoverage]:
    """Every kecamatan and village of the regency: visits in the period, the last visit
    up to the end of the period, and the days from it to ``as_of``. Two queries."""
    held = (
        Visit.objects.filter(regency=regency, status__in=CLOSED_STATES, start_date__lte=end)
        .order_by()
        .values("village_id")
        .annotate(last=Max("end_date"), n=Count("id", filter=Q(start_date__gte=start)))
    )
    visits = {row["village_id"]: (row["last"], row["n"]) for row in held}
    districts: dict[int, DistrictCoverage] = {}
    villages = (
        Village.objects.filter(district__regency=regency)
        .order_by("district__code", "code")
        .values_list("pk", "code", "name", "district_id", "district__code", "district__name")
    )
    for pk, code, name, district_id, district_code, district_name in villages:
        group = districts.get(district_id)
        if group is None:
            group = districts[district_id] = DistrictCoverage(
                district=Place(district_id, district_code, district_name), villages=[]
            )
        last_visit, count = visits.get(pk, (None, 0))
        group.villages.append(
            VillageCoverage(
                village=Place(pk, code, name),
                last_visit=last_visit,
                visits_in_period=count,
                days_since_last_visit=(as_of - last_visit).days if last_visit else None,
            )
        )
    return list(districts.values())


def period_report(
    regency_id: int,
    start: dt.date,
    end: dt.date,
    *,
    agency_ids: Iterable[int] | None = None,
    label: str = "",
) -> PeriodReport:
    """The evaluation of the visits (finished or reported) that started in
    [start, end]. With ``agency_ids`` (an agency operator), only those agencies."""
    regency = Regency.objects.get(pk=regency_id)
    today = local_today(regency)
    missing = missing_visit_ids(regency_id, start, end)
    if missing:
        rebuild_summaries(visit_ids=missing)
    visit_ids = period_visits(regency_id, start, end)
    # Data of a recent visit still moves (documents handed over later, a field laptop
    # syncing): check those few; older ones change only by correction (rebuild task).
    if end >= today - RECENT:
        refresh_if_stale(period_visits(regency_id, max(start, today - RECENT), end))
    scope = frozenset(agency_ids) if agency_ids is not None else None

    def scoped(queryset: _QS) -> _QS:
        return _in_scope(queryset.filter(regency_id=regency_id, visit_id__in=visit_ids), scope)

    days = scoped(AgencyDaySummary.objects.all())
    surveys = scoped(SurveySummary.objects.all())
    agencies, total = _agency_rows(days, scoped(ServiceDaySummary.objects.all()), surveys)

    # Per visit: the trend table, one grouped query per table.
    summaries = list(
        VisitSummary.objects.filter(visit_id__in=visit_ids)
        .select_related("village", "district")
        .order_by("start_date", "visit_id")
    )
    times: dict[int, Times] = defaultdict(Times)
    served: dict[int, int] = defaultdict(int)
    for row in _grouped(days, ["visit_id"], _TIME_SUMS):
        times[row["visit_id"]].add(row)
        served[row["visit_id"]] = int(row["served"] or 0)
    outcomes: dict[int, Outcomes] = defaultdict(Outcomes)
    for row in _grouped(scoped(ServiceDaySummary.objects.all()), ["visit_id"], _OUTCOME_SUMS):
        outcomes[row["visit_id"]] = Outcomes.of(row)
    visit_surveys = {
        row["visit_id"]: SurveyTotals.of(row)
        for row in _grouped(surveys, ["visit_id"], _SURVEY_SUMS)
    }
    trends = [
        VisitTrend(
            visit_id=s.visit_id,
            start_date=s.start_date,
            end_date=s.end_date,
            village=s.village.name,
            district=s.district.name,
            invited=s.invited,
            present=s.present,
            absent=s.absent,
            excused=s.excused,
            residents_served=s.residents_served,
            services=outcomes[s.visit_id].records,
            completed=outcomes[s.visit_id].completed,
            documents_issued=s.documents_issued,
            documents_handed_over=s.documents_handed_over,
            average_wait_minutes=times[s.visit_id].average_wait_minutes,
            ikm=visit_surveys[s.visit_id].result(served[s.visit_id])
            if s.visit_id in visit_surveys
            else None,
        )
        for s in summaries
    ]
    # Agency × visit: only the IKM value, from the sum over the nine elements.
    cells: dict[tuple[int, int], Decimal | None] = {
        (agency_id, visit_id): ikm_value(int(answers or 0), int(respondents or 0))
        for agency_id, visit_id, respondents, answers in surveys.order_by().values_list(
            "agency_id", "visit_id", "respondents", _ALL_ANSWERS
        )
    }
    ikm_trends = [
        IkmTrend(
            agency=row.agency,
            overall=row.ikm,
            per_visit=[cells.get((row.agency.pk, t.visit_id)) for t in trends],
        )
        for row in agencies
        if row.ikm is not None
    ]
    ikm_trends.sort(key=lambda t: (-(t.overall.ikm if t.overall else 0), t.agency.short_name))

    if scope is None:
        residents = _residents(
            ResidentGroupSummary.objects.filter(regency_id=regency_id, visit_id__in=visit_ids),
            sum(s.visit_tickets for s in summaries),
        )
        districts = coverage(regency, start, end, min(today, end))
        compliance = compliance_ledger(regency, date_from=start, date_to=end)
        aspirations = aspiration_stats.agency_aspiration_stats(regency_id, start, end)
        documents_issued = sum(s.documents_issued for s in summaries)
        documents_handed = sum(s.documents_handed_over for s in summaries)
    else:
        residents = Residents(served=total.residents)
        districts = []
        compliance = [
            row
            for row in compliance_ledger(regency, date_from=start, date_to=end)
            if row.agency.pk in scope
        ]
        aspirations = [
            a
            for a in aspiration_stats.agency_aspiration_stats(regency_id, start, end)
            if a.agency_id in scope
        ]
        docs = Document.objects.filter(
            service_record__ticket__booth__visit_id__in=visit_ids, agency_id__in=scope
        )
        documents_issued = docs.count()
        documents_handed = docs.filter(handover__isnull=False).count()
    return PeriodReport(
        regency=regency,
        start=start,
        end=end,
        label=label or _("%(start)s to %(end)s") % {"start": start, "end": end},
        generated_at=local_now(regency),
        agency_scope=scope,
        visits=trends,
        residents=residents,
        agencies=agencies,
        total=total,
        documents_issued=documents_issued,
        documents_handed_over=documents_handed,
        coverage=districts,
        compliance=compliance,
        aspirations=aspirations,
        ikm_trends=ikm_trends,
        ikm_method=ikm_method(),
        as_of=today,
    )
