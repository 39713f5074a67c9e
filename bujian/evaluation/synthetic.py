"""A province-scale synthetic history for the report benchmark (issue 5, "Scale and speed").

``generate_history()`` fills the current database (SQLite or PostgreSQL) with years of
visits in the regencies of one real province (Bengkulu): every OPD invited to every
visit, booths, residents, registrations, visit tickets, booth tickets, service records,
documents and their handovers, aspirations and survey responses, with the same
relations the visit-day screens create. It writes through the driver, not the ORM:
PostgreSQL ``COPY`` and SQLite ``executemany`` inside one transaction, with ids chosen
here (the next free id of each table) so that rows can point at each other before they
are written. At ``scale=1`` with 10 regencies and 5 years it writes at least 3 million
service records, 300,000 aspirations and 1 million survey responses.

Everything here is synthetic and marked as such: the villages of regencies without
shipped region data are named "Sintetis …", every visit's notes say it is synthetic,
and the generator refuses to run twice on the same regencies.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import importlib
import io
import json
import math
import random
import time
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction

from bujian.agencies.actions import DATA_DIR as CATALOG_DIR
from bujian.agencies.actions import SHIPPED_CATALOGS, SHORT_NAMES, load_catalog_csv
from bujian.agencies.models import Agency, Service
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.actions import DOCUMENT_KIND_BY_SERVICE
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.regions.actions import (
    DATA_DIR as REGIONS_DIR,
)
from bujian.regions.actions import (
    SHIPPED_REGENCIES,
    ensure_provinces,
    import_regions_file,
)
from bujian.regions.models import District, Province, Regency, Village, default_time_zone
from bujian.residents.models import Registration, RegistrationService, Resident
from bujian.visits.models import Booth, CheckIn, Excuse, Participation, Visit

# Bengkulu's ten regencies (Kepmendagri 300.2.2-2138/2025, as in the shared domain
# data regencies.csv): the province the benchmark history covers.
PROVINCE = ("17", "Bengkulu")
REGENCIES = [
    ("17.01", "Kabupaten Bengkulu Selatan", "Manna"),
    ("17.02", "Kabupaten Rejang Lebong", "Curup"),
    ("17.03", "Kabupaten Bengkulu Utara", "Arga Makmur"),
    ("17.04", "Kabupaten Kaur", "Bintuhan"),
    ("17.05", "Kabupaten Seluma", "Tais"),
    ("17.06", "Kabupaten Mukomuko", "Mukomuko"),
    ("17.07", "Kabupaten Lebong", "Tubei"),
    ("17.08", "Kabupaten Kepahiang", "Kepahiang"),
    ("17.09", "Kabupaten Bengkulu Tengah", "Karang Tinggi"),
    ("17.71", "Kota Bengkulu", "Bengkulu"),
]
SYNTHETIC_NOTE = "Riwayat sintetis (manage.py generate_history), bukan data nyata."

# Targets at scale 1 for 10 regencies and 5 years; a little above the floors
# (3 million records, 300,000 aspirations, 1 million survey responses).
RECORDS_AT_SCALE_1 = 3_050_000
ASPIRATIONS_AT_SCALE_1 = 305_000
RESPONSES_AT_SCALE_1 = 1_020_000
VISITS_PER_MONTH = 2
FLUSH_ROWS = 20_000

# How many residents an agency's booth draws, relative to the others.
POPULARITY = {
    "DISDUKCAPIL": 12,
    "DINKES": 6,
    "SAMSAT": 5,
    "POLRES-LANTAS": 4,
    "BPJSKES": 4,
    "DINSOS": 4,
    "RSUD": 3,
    "DPPKBP3A": 2,
    "DISNAKERTRANS": 2,
    "KEMENAG": 2,
    "BANKBENGKULU": 2,
    "POLRES-INTELKAM": 2,
    "PEMDES": 2,
}
FIRST_NAMES_MALE = [
    "Agus",
    "Ahmad",
    "Andi",
    "Arif",
    "Bambang",
    "Budi",
    "Dedi",
    "Eko",
    "Fajar",
    "Hendra",
    "Irfan",
    "Joko",
    "Rahmat",
    "Rizki",
    "Rudi",
    "Slamet",
    "Taufik",
    "Wahyu",
    "Yusuf",
    "Zainal",
    "Darmawan",
    "Sukri",
    "Firman",
    "Hasan",
    "Ilham",
]
FIRST_NAMES_FEMALE = [
    "Ani",
    "Ayu",
    "Dewi",
    "Eka",
    "Fitri",
    "Indah",
    "Lestari",
    "Mega",
    "Nur",
    "Putri",
    "Rina",
    "Sari",
    "Siti",
    "Sri",
    "Wati",
    "Yanti",
    "Yuni",
    "Ratna",
    "Dian",
    "Maya",
    "Nurhayati",
    "Rahmawati",
    "Herlina",
    "Susanti",
    "Endang",
]
FAMILY_NAMES = [
    "Saputra",
    "Hidayat",
    "Santoso",
    "Wijaya",
    "Pratama",
    "Kurniawan",
    "Setiawan",
    "Nugroho",
    "Rahman",
    "Syahputra",
    "Siregar",
    "Harahap",
    "Lubis",
    "Gunawan",
    "Hakim",
    "Sembiring",
    "Wibowo",
    "Susanto",
    "Firmansyah",
    "Ramadhan",
]
REJECTION_REASONS = [
    "KK asli tidak dibawa.",
    "KTP-el belum direkam.",
    "Surat pengantar desa belum ada.",
    "Surat keterangan kelahiran belum ada.",
    "Dokumen pendukung tidak lengkap.",
]
PROXY_RELATIONSHIPS = ["Suami", "Istri", "Anak", "Orang tua", "Saudara"]
EXCUSE_REASON = "Bertepatan dengan kegiatan dinas lain yang tidak dapat ditunda."

ProgressCallback = Callable[["Progress"], None]


@dataclass
class Progress:
    """Where the generator is: visits done out of all, rows written so far."""

    visits_done: int = 0
    visits_total: int = 0
    rows: int = 0
    started: float = field(default_factory=time.perf_counter)
    stage: str = ""

    @property
    def fraction(self) -> float:
        return self.visits_done / self.visits_total if self.visits_total else 0.0

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class HistoryResult:
    regencies: list[str]
    first_day: dt.date
    last_day: dt.date
    counts: dict[str, int]
    seconds: float
    summaries_seconds: float | None


class HistoryError(Exception):
    """The history cannot be generated here (wrong arguments, already generated)."""


# --- writing ----------------------------------------------------------------------------


class _Table:
    """Rows of one table waiting to be written, and the next id to hand out.

    Rows hold the values of ``fields``; every other column gets its model default
    (``tail``), so a field another app adds later (nullable or with a default) does
    not break the load."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], *, ids: bool) -> None:
        self.model = model
        self.name = str(model._meta.db_table)
        others, self.tail = _defaults(model, fields)
        self.columns = [
            str(model._meta.get_field(name).column)  # type: ignore[union-attr]
            for name in [*fields, *others]
        ]
        self.ids = ids
        if ids:
            self.columns.insert(0, "id")
        self.rows: list[tuple[Any, ...]] = []
        self.next_id = 1
        self.written = 0


class _Writer:
    """Bulk writes through the connection Django holds (same transaction): COPY on
    PostgreSQL, executemany on SQLite."""

    def __init__(self, progress: Progress, report: ProgressCallback | None) -> None:
        self.tables: dict[str, _Table] = {}
        self.progress = progress
        self.report = report
        self.last_report = 0.0
        self.postgres = connection.vendor == "postgresql"

    def table(
        self,
        key: str,
        model: type[models.Model],
        fields: Sequence[str],
        *,
        ids: bool = True,
    ) -> _Table:
        table = _Table(model, fields, ids=ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table.name)}")  # noqa: S608 -- table names from model meta
                table.next_id = (cursor.fetchone()[0] or 0) + 1
        self.tables[key] = table
        return table

    def add(self, table: _Table, *values: Any) -> int:
        """Queue one row; returns its id (0 for tables without ids)."""
        if table.ids:
            row_id = table.next_id
            table.next_id += 1
            table.rows.append((row_id, *values, *table.tail))
        else:
            row_id = 0
            table.rows.append((*values, *table.tail))
        if len(table.rows) >= FLUSH_ROWS:
            self.flush(table)
        return row_id

    def flush(self, table: _Table) -> None:
        if not table.rows:
            return
        fresh = [i for i, value in enumerate(table.tail) if value is FRESH_UUID]
        if fresh:
            offset = len(table.columns) - len(table.tail)
            rows = []
            for row in table.rows:
                filled = list(row)
                for index in fresh:
                    filled[offset + index] = uuid.uuid4().hex
                rows.append(tuple(filled))
            table.rows = rows
        columns = ", ".join(connection.ops.quote_name(str(c)) for c in table.columns)
        name = connection.ops.quote_name(table.name)
        raw = connection.connection
        assert raw is not None
        if self.postgres:
            with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for row in table.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(table.columns))
            raw.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", table.rows)  # noqa: S608 -- names from model meta
        table.written += len(table.rows)
        self.progress.rows += len(table.rows)
        table.rows = []
        self.tick()

    def flush_all(self) -> None:
        for table in self.tables.values():
            self.flush(table)

    def tick(self, *, force: bool = False) -> None:
        now = time.perf_counter()
        if self.report is not None and (force or now - self.last_report >= 1.0):
            self.last_report = now
            self.report(self.progress)


# The tail value of a UUID column with a random default (booths, tickets, aspirations…):
# each row gets its own when written.
FRESH_UUID = object()


def _uuid(tag: int, row_id: int) -> str:
    """A unique, repeatable UUID (32 hex digits, how SQLite stores them; PostgreSQL reads
    the same): a synthetic marker, the table's tag and the row id. Never a version-4 UUID
    (the version digit is 0), so it cannot collide with the app's own."""
    return f"5e1f{tag:04x}0000{row_id:020x}"


def _ts(moment: dt.datetime) -> str:
    """A UTC datetime as both databases read it (the connection's time zone is UTC)."""
    return moment.isoformat(" ")  # whole minutes here: no fraction


# --- the setting: regions, agencies, services ---------------------------------------------


@dataclass
class _Service:
    id: int
    base_code: str
    minutes: int
    on_site: str
    document_kind: str | None


@dataclass
class _Agency:
    id: int
    base_code: str
    short_name: str
    kind: str
    weight: int
    services: list[_Service]


@dataclass
class _Village:
    id: int
    district_id: int
    nik_prefix: str
    name: str


@dataclass
class _Booth:
    id: int
    agency: _Agency
    visit_id: int
    participation_id: int
    prefix: str
    planned: dt.datetime
    counters: list[int]  # last queue number per visit day


@dataclass(slots=True)
class _BoothTicket:
    """A booth ticket before it is numbered (numbers follow the order they were taken)."""

    taken: dt.datetime
    booth: _Booth
    day_index: int
    visit_ticket_id: int
    queued: dt.datetime
    services: list[_Service]
    id: int | None = None
    status: Ticket.Status = Ticket.Status.WAITING
    called: dt.datetime | None = None
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    calls: int = 0
    skips: int = 0
    transferred_from: int | None = None


class Served(NamedTuple):
    """A booth ticket served: what a survey response or an aspiration can follow."""

    ticket_id: int
    agency_id: int
    service_id: int
    day: dt.date
    finished: dt.datetime


@dataclass
class _Regency:
    id: int
    code: str
    offset: dt.timedelta
    villages: list[_Village]
    by_district: dict[int, list[_Village]]
    agencies: list[_Agency]
    residents: list[int] = field(default_factory=list)  # ids, for returning visitors


def _ensure_regency(code: str, name: str, capital: str) -> Regency:
    province, _ = Province.objects.get_or_create(code=PROVINCE[0], defaults={"name": PROVINCE[1]})
    shipped = SHIPPED_REGENCIES.get(code)
    if shipped and not Village.objects.filter(district__regency__code=code).exists():
        import_regions_file(path=REGIONS_DIR / shipped["file"])
    regency, _ = Regency.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "province": province,
            "kind": Regency.Kind.KOTA if name.startswith("Kota ") else Regency.Kind.KABUPATEN,
            "time_zone": default_time_zone(province.code),
            "capital": capital,
        },
    )
    if not Village.objects.filter(district__regency=regency).exists():
        _synthetic_regions(regency)
    return regency


def _synthetic_regions(regency: Regency) -> None:
    """Districts and villages with codes in the decree's structure (``17.02.03`` and
    ``17.02.03.2005``; 1xxx for a kelurahan) and names that say they are synthetic."""
    now = dt.datetime.now(dt.UTC)
    for d in range(1, 13):
        district = District.objects.create(
            code=f"{regency.code}.{d:02d}", name=f"Sintetis {d:02d}", regency=regency
        )
        villages = []
        for v in range(1, 16):
            kelurahan = d == 1 and v <= 4
            villages.append(
                Village(
                    code=f"{district.code}.{1 if kelurahan else 2}{v:03d}",
                    name=f"Sintetis {d:02d}-{v:02d}",
                    district=district,
                    kind=Village.Kind.KELURAHAN if kelurahan else Village.Kind.DESA,
                    created_at=now,
                    updated_at=now,
                )
            )
        Village.objects.bulk_create(villages)


def _ensure_catalog(regency: Regency) -> None:
    """Bengkulu Selatan's shipped catalog; for the other regencies the same agencies and
    services under codes prefixed with the regency's (``1702-disdukcapil``, ``1702-DUK-KK``),
    since codes are unique across regencies."""
    if Agency.objects.filter(regencies=regency).exists():
        return
    text = (CATALOG_DIR / SHIPPED_CATALOGS["17.01"]).read_text(encoding="utf-8")
    if regency.code != "17.01":
        rows = list(csv.DictReader(io.StringIO(text)))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        prefix = regency.nik_prefix
        for row in rows:
            row["agency_code"] = f"{prefix}-{row['agency_code']}"
            row["service_code"] = f"{prefix}-{row['service_code']}"
            row["agency_name"] = row["agency_name"].replace(
                "Kabupaten Bengkulu Selatan", regency.name
            )
            writer.writerow(row)
        text = out.getvalue()
    load_catalog_csv(text=text, regency=regency)
    if regency.code != "17.01":  # the catalog loader knows Bengkulu Selatan's short names
        for agency in Agency.objects.filter(regencies=regency):
            base = agency.code.split("-", 1)[1].upper()
            agency.short_name = SHORT_NAMES.get(base, base.title())
            agency.save(update_fields=["short_name", "updated_at"])


def _base_code(code: str, regency: Regency) -> str:
    prefix = f"{regency.nik_prefix}-"
    return code[len(prefix) :] if code.upper().startswith(prefix.upper()) else code


def _load_regency(regency: Regency) -> _Regency:
    villages = [
        _Village(v.id, v.district_id, v.district.nik_prefix, v.name)
        for v in Village.objects.filter(district__regency=regency)
        .select_related("district")
        .order_by("code")
    ]
    by_district: dict[int, list[_Village]] = {}
    for village in villages:
        by_district.setdefault(village.district_id, []).append(village)
    agencies = []
    for agency in Agency.objects.active().filter(regencies=regency).order_by("kind", "code"):
        base = _base_code(agency.code, regency).upper()
        services = [
            _Service(
                s.id,
                _base_code(s.code, regency),
                s.typical_minutes or 8,
                s.completed_on_site,
                DOCUMENT_KIND_BY_SERVICE.get(_base_code(s.code, regency)),
            )
            for s in Service.objects.active().filter(agency=agency).order_by("code")
        ]
        if services:
            agencies.append(
                _Agency(
                    agency.id,
                    base,
                    agency.short_name,
                    agency.kind,
                    POPULARITY.get(base, 1),
                    services,
                )
            )
    offset = dt.datetime(2025, 1, 1, tzinfo=zoneinfo.ZoneInfo(regency.time_zone)).utcoffset()
    assert offset is not None
    return _Regency(regency.id, regency.code, offset, villages, by_district, agencies)


# --- the plan: how much of everything -------------------------------------------------------


@dataclass(frozen=True)
class HistoryPlan:
    regencies: int
    years: int
    scale: float
    last_day: dt.date

    @property
    def months(self) -> list[tuple[int, int]]:
        """The ``years * 12`` whole months before ``last_day``'s month, oldest first."""
        year, month = self.last_day.year, self.last_day.month
        out = []
        for _ in range(self.years * 12):
            month -= 1
            if month == 0:
                year, month = year - 1, 12
            out.append((year, month))
        return out[::-1]

    @property
    def visits_per_regency(self) -> int:
        """Two visits a month at scale ≥ 0.1; fewer below, down to one a year, so that a
        tiny scale gives a tiny history."""
        per_year = max(1, round(VISITS_PER_MONTH * 12 * min(1.0, self.scale * 10)))
        return per_year * self.years

    @property
    def share(self) -> float:
        return self.scale * (self.regencies / 10) * (self.years / 5)

    @property
    def visits(self) -> int:
        return self.visits_per_regency * self.regencies

    def per_visit(self, total_at_scale_1: int) -> int:
        return max(1, math.ceil(total_at_scale_1 * self.share / self.visits))


def _visit_days(plan: HistoryPlan, rng: random.Random) -> list[tuple[dt.date, dt.date]]:
    """Start and end of each visit of one regency: on weekdays, spread over the months."""
    months = plan.months
    count = plan.visits_per_regency
    slots: list[tuple[int, int, int]] = []  # (year, month, half)
    if count >= len(months) * VISITS_PER_MONTH:
        slots = [(y, m, h) for y, m in months for h in range(VISITS_PER_MONTH)]
    else:
        step = len(months) / count
        slots = [(*months[int(i * step)], i % 2) for i in range(count)]
    out = []
    for year, month, half in slots:
        day = dt.date(year, month, 3 + 14 * half + rng.randrange(8))
        while day.weekday() >= 4:  # Friday to Sunday: move to Monday–Thursday
            day += dt.timedelta(days=1)
        length = 2 if rng.random() < 0.3 else 1
        out.append((day, day + dt.timedelta(days=length - 1)))
    return out


# --- the generator ------------------------------------------------------------------------


class _Generator:
    def __init__(
        self, plan: HistoryPlan, seed: int, progress: Progress, report: ProgressCallback | None
    ) -> None:
        self.plan = plan
        self.rng = random.Random(seed)  # noqa: S311 -- repeatable synthetic data, not secrets
        self.progress = progress
        self.w = _Writer(progress, report)
        self.nik_serials: dict[str, int] = {}
        self.records_per_visit = plan.per_visit(RECORDS_AT_SCALE_1)
        self.last_moment = dt.datetime.combine(plan.last_day, dt.time(0, 0))
        self._booth_rows: list[tuple[int, dt.datetime, int, int, str, str]] = []
        self.extras: list[_Extra] = []
        for extra in _EXTRAS:
            model = extra.model()
            if model is not None:
                self.extras.append(extra(self, model))
        w = self.w
        self.t_visit = w.table(
            "visit",
            Visit,
            [
                "created_at",
                "updated_at",
                "regency",
                "village",
                "start_date",
                "end_date",
                "daily_start",
                "daily_end",
                "venue",
                "expects_bupati",
                "expects_vice_bupati",
                "expects_sekda",
                "notes",
                "status",
                "cancel_reason",
            ],
        )
        self.t_participation = w.table(
            "participation",
            Participation,
            [
                "created_at",
                "updated_at",
                "visit",
                "agency",
                "mandatory",
                "status",
                "attendance",
                "late",
                "booth_tables",
                "booth_chairs",
                "needs_power",
                "needs_network",
                "needs_printer",
                "equipment",
                "confirmed_at",
            ],
        )
        self.t_participation_services = w.table(
            "participation_services",
            Participation.services.through,
            ["participation", "service"],
            ids=False,
        )
        self.t_excuse = w.table(
            "excuse",
            Excuse,
            [
                "created_at",
                "updated_at",
                "participation",
                "reason",
                "decision",
                "decision_note",
                "decided_at",
            ],
        )
        self.t_checkin = w.table(
            "checkin",
            CheckIn,
            ["participation", "day", "checked_in_at", "late", "checked_out_at"],
        )
        self.t_booth = w.table(
            "booth",
            Booth,
            [
                "created_at",
                "updated_at",
                "visit",
                "participation",
                "prefix",
                "name",
                "zone",
                "is_open",
                "counter_day",
                "last_number",
            ],
        )
        self.t_resident = w.table(
            "resident",
            Resident,
            [
                "created_at",
                "updated_at",
                "uuid",
                "national_id",
                "family_card_number",
                "full_name",
                "sex",
                "birth_date",
                "birth_place",
                "village",
                "hamlet",
                "rt",
                "rw",
                "address",
                "phone",
                "accepted_warnings",
            ],
        )
        self.t_registration = w.table(
            "registration",
            Registration,
            ["created_at", "updated_at", "uuid", "visit", "resident", "source", "notes"],
        )
        self.t_registration_service = w.table(
            "registration_service", RegistrationService, ["registration", "service"]
        )
        self.t_visit_ticket = w.table(
            "visit_ticket",
            VisitTicket,
            ["created_at", "updated_at", "uuid", "visit", "resident", "registration"],
        )
        self.t_ticket = w.table(
            "ticket",
            Ticket,
            [
                "created_at",
                "updated_at",
                "visit_ticket",
                "booth",
                "day",
                "number",
                "status",
                "queued_at",
                "called_at",
                "started_at",
                "finished_at",
                "call_count",
                "skip_count",
                "transferred_from",
            ],
        )
        self.t_ticket_services = w.table(
            "ticket_services", Ticket.services.through, ["ticket", "service"], ids=False
        )
        self.t_record = w.table(
            "record",
            ServiceRecord,
            [
                "created_at",
                "updated_at",
                "uuid",
                "ticket",
                "service",
                "outcome",
                "document_number",
                "promised_date",
                "rejection_reason",
                "referred_to",
                "notes",
            ],
        )
        self.t_document = w.table(
            "document",
            Document,
            [
                "created_at",
                "updated_at",
                "uuid",
                "kind",
                "number",
                "resident",
                "agency",
                "service_record",
                "status",
                "promised_date",
                "ready_at",
            ],
        )
        self.t_handover = w.table(
            "handover",
            DocumentHandover,
            [
                "created_at",
                "updated_at",
                "uuid",
                "document",
                "recipient",
                "proxy_name",
                "proxy_national_id",
                "proxy_relationship",
                "place",
                "visit",
                "on_stage",
                "handed_over_at",
            ],
        )

    # -- residents --

    def new_resident(self, regency: _Regency, village: _Village, moment: dt.datetime) -> int:
        rng = self.rng
        female = rng.random() < 0.52
        age_days = int(rng.triangular(0, 80, 30) * 365.25)
        birth = self.plan.last_day - dt.timedelta(days=age_days)
        day = birth.day + 40 if female else birth.day
        head = f"{village.nik_prefix}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        serial = self.nik_serials.get(head, 0) + 1
        self.nik_serials[head] = serial
        first = rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)
        name = f"{first} {rng.choice(FAMILY_NAMES)}"
        t = self.t_resident
        stamp = _ts(moment)
        row_id = t.next_id
        self.w.add(
            t,
            stamp,
            stamp,
            _uuid(1, row_id),
            f"{head}{serial:04d}",
            "",
            name,
            "P" if female else "L",
            birth.isoformat(),
            "",
            village.id,
            "",
            "",
            "",
            "",
            "",
            "[]",
        )
        regency.residents.append(row_id)
        return row_id

    # -- one visit --

    def visit(self, regency: _Regency, start: dt.date, end: dt.date) -> None:
        rng, w = self.rng, self.w
        village = rng.choice(regency.villages)
        planned = dt.datetime.combine(start - dt.timedelta(days=30), dt.time(2, 0))
        reported = dt.datetime.combine(end + dt.timedelta(days=3), dt.time(3, 0))
        visit_id = w.add(
            self.t_visit,
            _ts(planned),
            _ts(reported),
            regency.id,
            village.id,
            start.isoformat(),
            end.isoformat(),
            "08:00:00",
            "16:00:00",
            "Balai Desa",
            rng.random() < 0.85,
            rng.random() < 0.3,
            True,
            SYNTHETIC_NOTE,
            Visit.Status.REPORTED.value,
            "",
        )
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        booths = self.participations(regency, visit_id, days, planned)
        served = self.residents(regency, village, visit_id, days, booths) if booths else []
        for extra in self.extras:
            extra.visit(regency, village, visit_id, days, served)

    def participations(
        self, regency: _Regency, visit_id: int, days: list[dt.date], planned: dt.datetime
    ) -> list[_Booth]:
        """Every OPD invited (mandatory), most other agencies too, with their answers,
        excuses and check-ins; returns a booth for each agency present."""
        rng, w = self.rng, self.w
        booths: list[_Booth] = []
        confirmed_at = _ts(planned + dt.timedelta(days=10))
        for agency in regency.agencies:
            mandatory = agency.kind == Agency.Kind.OPD
            if not mandatory and rng.random() < 0.3:
                continue  # not invited to this one
            roll = rng.random()
            if mandatory and roll < 0.03:
                status, attendance = Participation.Status.EXCUSED, Participation.Attendance.ABSENT
            elif roll < 0.08:
                status, attendance = Participation.Status.INVITED, Participation.Attendance.ABSENT
            elif roll < 0.12:
                status, attendance = Participation.Status.CONFIRMED, Participation.Attendance.ABSENT
            else:
                status, attendance = (
                    Participation.Status.CONFIRMED,
                    Participation.Attendance.PRESENT,
                )
            present = attendance == Participation.Attendance.PRESENT
            late = present and rng.random() < 0.1
            participation_id = w.add(
                self.t_participation,
                _ts(planned),
                _ts(planned + dt.timedelta(days=31)),
                visit_id,
                agency.id,
                mandatory,
                status.value,
                attendance.value,
                late,
                1,
                2,
                True,
                agency.base_code in {"DISDUKCAPIL", "SAMSAT", "BPJSKES"},
                agency.base_code == "DISDUKCAPIL",
                "",
                confirmed_at if status == Participation.Status.CONFIRMED else None,
            )
            if status == Participation.Status.EXCUSED:
                w.add(
                    self.t_excuse,
                    confirmed_at,
                    confirmed_at,
                    participation_id,
                    EXCUSE_REASON,
                    Excuse.Decision.APPROVED.value,
                    "",
                    confirmed_at,
                )
            if not present:
                continue
            for service in agency.services:
                w.add(self.t_participation_services, participation_id, service.id)
            for day in days:
                opening = dt.datetime.combine(day, dt.time(7, 30)) - regency.offset
                arrival = opening + dt.timedelta(
                    minutes=rng.randrange(35, 60) if late else rng.randrange(25)
                )
                leaving = dt.datetime.combine(day, dt.time(16, rng.randrange(30))) - regency.offset
                w.add(
                    self.t_checkin,
                    participation_id,
                    day.isoformat(),
                    _ts(arrival),
                    late,
                    _ts(leaving),
                )
            booth_id = self.t_booth.next_id  # written after the tickets, with the counters
            self.t_booth.next_id += 1
            booths.append(
                _Booth(
                    booth_id,
                    agency,
                    visit_id,
                    participation_id,
                    _prefix(len(booths)),
                    planned,
                    [0] * len(days),
                )
            )
        return booths

    def residents(
        self,
        regency: _Regency,
        village: _Village,
        visit_id: int,
        days: list[dt.date],
        booths: list[_Booth],
    ) -> list[Served]:
        """Residents come until the visit's share of service records is reached: each
        with a visit ticket and a booth ticket at 1–3 agencies (one booth at a time),
        a third of them pre-registered. Returns the booth tickets served."""
        rng, w = self.rng, self.w
        weights = list(_cumulative([booth.agency.weight for booth in booths]))
        neighbours = regency.by_district[village.district_id]
        seen: set[int] = set()
        tickets: list[_BoothTicket] = []
        served: list[Served] = []
        records = 0
        pool = regency.residents
        while records < self.records_per_visit:
            day_index = 0 if len(days) == 1 or rng.random() < 0.6 else 1
            day = days[day_index]
            arrival = (
                dt.datetime.combine(day, dt.time(7, 45))
                + dt.timedelta(minutes=int(rng.triangular(0, 390, 60)))
                - regency.offset
            )
            resident_id = 0
            if pool and rng.random() < 0.3:  # came to an earlier visit
                resident_id = pool[rng.randrange(len(pool))]
                if resident_id in seen:
                    resident_id = 0
            if not resident_id:
                roll = rng.random()
                if roll < 0.75:
                    home = village
                elif roll < 0.9:
                    home = rng.choice(neighbours)
                else:
                    home = rng.choice(regency.villages)
                known = arrival - dt.timedelta(days=rng.randrange(1, 20))
                resident_id = self.new_resident(regency, home, known)
            seen.add(resident_id)
            count = 1 if rng.random() < 0.45 else 2 if rng.random() < 0.64 else 3
            needs: list[tuple[_Booth, list[_Service]]] = []
            for index in _pick(rng, weights, count):
                services = booths[index].agency.services
                if len(services) > 1 and rng.random() < 0.2:
                    wanted = rng.sample(services, 2)
                else:
                    wanted = [services[rng.randrange(len(services))]]
                needs.append((booths[index], wanted))
            registration_id = None
            if rng.random() < 0.35:
                registered = _ts(arrival - dt.timedelta(days=rng.randrange(3, 15)))
                registration_id = w.add(
                    self.t_registration,
                    registered,
                    registered,
                    _uuid(2, self.t_registration.next_id),
                    visit_id,
                    resident_id,
                    "pre" if rng.random() < 0.7 else "import",
                    "",
                )
                for _, wanted in needs:
                    for service in wanted:
                        w.add(self.t_registration_service, registration_id, service.id)
            issued = _ts(arrival)
            visit_ticket_id = w.add(
                self.t_visit_ticket,
                issued,
                issued,
                _uuid(3, self.t_visit_ticket.next_id),
                visit_id,
                resident_id,
                registration_id,
            )
            moment = arrival  # one booth at a time: the next call waits for this finish
            for booth, wanted in needs:
                roll = rng.random()
                ticket = _BoothTicket(arrival, booth, day_index, visit_ticket_id, arrival, wanted)
                tickets.append(ticket)
                if roll < 0.02:
                    ticket.status = Ticket.Status.CANCELLED
                    continue
                ticket.called = moment + dt.timedelta(minutes=1 + int(rng.expovariate(1 / 20)))
                ticket.calls = 1
                if roll < 0.06:  # called, never came
                    ticket.status, ticket.skips = Ticket.Status.SKIPPED, 1
                    continue
                ticket.status = Ticket.Status.DONE
                ticket.started = ticket.called + dt.timedelta(minutes=1)
                minutes = max(2, int(rng.gauss(wanted[0].minutes, 3)))
                ticket.finished = moment = ticket.started + dt.timedelta(minutes=minutes)
                ticket.id = self.t_ticket.next_id
                self.t_ticket.next_id += 1
                served.append(Served(ticket.id, booth.agency.id, wanted[0].id, day, moment))
                for service in wanted:
                    records += 1
                    referred = self.record(regency, ticket, service, resident_id, visit_id, booths)
                    if referred is None:
                        continue
                    # A referral queues the resident at the other booth: a new number,
                    # their place kept (queued_at), served after this booth.
                    other = _BoothTicket(
                        moment,
                        referred,
                        day_index,
                        visit_ticket_id,
                        arrival,
                        [referred.agency.services[rng.randrange(len(referred.agency.services))]],
                    )
                    other.transferred_from = ticket.id
                    other.status, other.calls = Ticket.Status.DONE, 1
                    other.called = moment + dt.timedelta(minutes=1 + int(rng.expovariate(0.1)))
                    other.started = other.called + dt.timedelta(minutes=1)
                    other.finished = moment = other.started + dt.timedelta(
                        minutes=max(2, other.services[0].minutes)
                    )
                    other.id = self.t_ticket.next_id
                    self.t_ticket.next_id += 1
                    tickets.append(other)
                    records += 1
                    self.record(
                        regency, other, other.services[0], resident_id, visit_id, [], refer=False
                    )
                    served.append(
                        Served(other.id, referred.agency.id, other.services[0].id, day, moment)
                    )
        self.write_tickets(tickets, booths, days)
        return served

    def record(
        self,
        regency: _Regency,
        ticket: _BoothTicket,
        service: _Service,
        resident_id: int,
        visit_id: int,
        booths: list[_Booth],
        *,
        refer: bool = True,
    ) -> _Booth | None:
        """One service record (and its document and handover); returns the booth a
        referral sends the resident to."""
        rng, w = self.rng, self.w
        assert ticket.id is not None and ticket.finished is not None
        day = ticket.finished.date()
        roll = rng.random()
        referred = None
        if refer and roll < 0.02 and len(booths) > 1:
            referred = booths[rng.randrange(len(booths))]
            if referred is ticket.booth:
                referred = booths[(booths.index(referred) + 1) % len(booths)]
            outcome = ServiceRecord.Outcome.REFERRED
        elif service.on_site == Service.OnSite.YES:
            outcome = _outcome(roll, completed=0.90, in_process=0.02, rejected=0.06)
        elif service.on_site == Service.OnSite.SOMETIMES:
            outcome = _outcome(roll, completed=0.60, in_process=0.30, rejected=0.08)
        else:
            outcome = _outcome(roll, completed=0.13, in_process=0.75, rejected=0.10)
        record_id = self.t_record.next_id
        promised = (
            day + dt.timedelta(days=rng.randrange(7, 22))
            if outcome == ServiceRecord.Outcome.IN_PROCESS
            else None
        )
        number = ""
        if service.document_kind and outcome in {
            ServiceRecord.Outcome.COMPLETED,
            ServiceRecord.Outcome.IN_PROCESS,
        }:
            number = f"{service.base_code}/{regency.code}/{day.year}/{record_id:08d}"
        stamp = _ts(ticket.finished)
        w.add(
            self.t_record,
            stamp,
            stamp,
            _uuid(4, record_id),
            ticket.id,
            service.id,
            outcome.value,
            number,
            promised.isoformat() if promised else None,
            rng.choice(REJECTION_REASONS) if outcome == ServiceRecord.Outcome.REJECTED else "",
            referred.id if referred else None,
            "",
        )
        if number:
            self.document(
                service,
                number,
                resident_id,
                ticket.booth.agency,
                record_id,
                visit_id,
                ticket.finished,
                promised,
            )
        return referred

    def document(
        self,
        service: _Service,
        number: str,
        resident_id: int,
        agency: _Agency,
        record_id: int,
        visit_id: int,
        finished: dt.datetime,
        promised: dt.date | None,
    ) -> None:
        rng, w = self.rng, self.w
        if promised is None:  # made on site: ready at once, usually handed over there
            ready: dt.datetime | None = finished
            handed = finished + dt.timedelta(minutes=5) if rng.random() < 0.97 else None
            place = DocumentHandover.Place.VISIT
        else:
            ready = dt.datetime.combine(promised, dt.time(3, 0)) - dt.timedelta(
                days=rng.randrange(0, 4)
            )
            handed = (
                ready + dt.timedelta(days=rng.randrange(1, 15)) if rng.random() < 0.85 else None
            )
            place = (
                DocumentHandover.Place.VILLAGE_OFFICE
                if rng.random() < 0.7
                else DocumentHandover.Place.AGENCY_OFFICE
            )
            if ready > self.last_moment:
                ready = handed = None
        if handed is not None and handed > self.last_moment:
            handed = None
        status = (
            Document.Status.HANDED_OVER
            if handed
            else Document.Status.READY
            if ready
            else Document.Status.IN_PROCESS
        )
        document_id = self.t_document.next_id
        w.add(
            self.t_document,
            _ts(finished),
            _ts(handed or ready or finished),
            _uuid(5, document_id),
            service.document_kind,
            number,
            resident_id,
            agency.id,
            record_id,
            status.value,
            promised.isoformat() if promised else None,
            _ts(ready) if ready else None,
        )
        if handed is None:
            return
        proxy = rng.random() < 0.1
        stamp = _ts(handed)
        w.add(
            self.t_handover,
            stamp,
            stamp,
            _uuid(6, self.t_handover.next_id),
            document_id,
            "proxy" if proxy else "resident",
            f"{rng.choice(FIRST_NAMES_FEMALE)} {rng.choice(FAMILY_NAMES)}" if proxy else "",
            "",
            rng.choice(PROXY_RELATIONSHIPS) if proxy else "",
            place.value,
            visit_id if place == DocumentHandover.Place.VISIT else None,
            place == DocumentHandover.Place.VISIT and rng.random() < 0.03,
            stamp,
        )

    def write_tickets(
        self, tickets: list[_BoothTicket], booths: list[_Booth], days: list[dt.date]
    ) -> None:
        """Number the tickets of each booth and day in the order they were taken (a
        referral takes its number when it is made and keeps its place in the queue),
        write them with their services, then the booths with their last counters."""
        tickets.sort(key=lambda ticket: (ticket.taken, ticket.visit_ticket_id))
        w, t = self.w, self.t_ticket
        for ticket in tickets:
            counters = ticket.booth.counters
            counters[ticket.day_index] += 1
            if ticket.id is None:
                ticket.id = t.next_id
                t.next_id += 1
            last = ticket.finished or ticket.called or ticket.queued
            t.rows.append(
                (
                    ticket.id,
                    _ts(ticket.taken),
                    _ts(last),
                    ticket.visit_ticket_id,
                    ticket.booth.id,
                    days[ticket.day_index].isoformat(),
                    counters[ticket.day_index],
                    ticket.status.value,
                    _ts(ticket.queued),
                    _ts(ticket.called) if ticket.called else None,
                    _ts(ticket.started) if ticket.started else None,
                    _ts(ticket.finished) if ticket.finished else None,
                    ticket.calls,
                    ticket.skips,
                    ticket.transferred_from,
                    *t.tail,
                )
            )
            for service in ticket.services:
                w.add(self.t_ticket_services, ticket.id, service.id)
        if len(t.rows) >= FLUSH_ROWS:
            w.flush(t)
        for booth in booths:
            last_day = max((i for i, n in enumerate(booth.counters) if n), default=len(days) - 1)
            self.t_booth.rows.append(
                (
                    booth.id,
                    _ts(booth.planned),
                    _ts(booth.planned + dt.timedelta(days=31)),
                    booth.visit_id,
                    booth.participation_id,
                    booth.prefix,
                    f"Loket {booth.agency.short_name}",
                    "",
                    False,
                    days[last_day].isoformat(),
                    booth.counters[last_day],
                    *self.t_booth.tail,
                )
            )

    # -- the whole history --

    def run(self, regencies: list[_Regency]) -> None:
        schedule = [(regency, _visit_days(self.plan, self.rng)) for regency in regencies]
        self.progress.visits_total = sum(len(days) for _, days in schedule)
        # Visit by visit in time order across regencies, as the history happened.
        order = sorted(
            ((start, end, regency) for regency, days in schedule for start, end in days),
            key=lambda item: (item[0], item[2].code),
        )
        for start, end, regency in order:
            self.progress.stage = regency.code
            self.visit(regency, start, end)
            self.progress.visits_done += 1
            self.w.tick()
        self.w.flush_all()
        self.w.tick(force=True)


def _prefix(index: int) -> str:
    """A, B, …, Z, AA, AB, …: a booth's letter."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cumulative(weights: Iterable[int]) -> Iterable[int]:
    total = 0
    for weight in weights:
        total += weight
        yield total


def _pick(rng: random.Random, cumulative: list[int], count: int) -> list[int]:
    """``count`` distinct indexes drawn by weight (fewer if there are fewer booths)."""
    count = min(count, len(cumulative))
    total = cumulative[-1]
    chosen: list[int] = []
    while len(chosen) < count:
        index = _bisect(cumulative, rng.random() * total)
        if index not in chosen:
            chosen.append(index)
    return chosen


def _bisect(cumulative: list[int], value: float) -> int:
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] > value:
            high = middle
        else:
            low = middle + 1
    return low


def _outcome(roll: float, *, completed: float, in_process: float, rejected: float) -> Any:
    """Outcome for a roll in [0.02, 1): the referral share (0.02) is taken before."""
    roll = (roll - 0.02) / 0.98
    if roll < completed:
        return ServiceRecord.Outcome.COMPLETED
    if roll < completed + in_process:
        return ServiceRecord.Outcome.IN_PROCESS
    if roll < completed + in_process + rejected:
        return ServiceRecord.Outcome.REJECTED
    return ServiceRecord.Outcome.COMPLETED


# --- aspirations and survey responses (their apps add the models) -----------------------------


class _Extra:
    """Rows of another app, written per visit when that app's table exists."""

    app_label = ""
    model_name = ""

    @classmethod
    def model(cls) -> type[models.Model] | None:
        try:
            model = apps.get_model(cls.app_label, cls.model_name)
        except LookupError:
            return None
        if model._meta.db_table not in connection.introspection.table_names():
            return None
        return model

    def __init__(self, generator: _Generator, model: type[models.Model]) -> None:
        self.g = generator
        self.rng = generator.rng

    def visit(
        self,
        regency: _Regency,
        village: _Village,
        visit_id: int,
        days: list[dt.date],
        served: list[Served],
    ) -> None:
        raise NotImplementedError


def _defaults(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
    """The columns this generator does not choose, with their model defaults: rows are
    written by the driver, which knows nothing of Django's defaults."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in given:
            continue
        if isinstance(f, models.UUIDField) and callable(f.default):
            value = FRESH_UUID  # one per row, made when the rows are written
        elif f.has_default():
            value = f.get_default()
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, list | dict):
                value = json.dumps(value)
        elif f.null:
            value = None
        elif f.empty_strings_allowed:
            value = ""
        else:
            raise HistoryError(f"{model.__name__}.{f.name} needs a value from the generator.")
        names.append(f.name)
        values.append(value)
    return names, tuple(values)


class _Responses(_Extra):
    """SKM responses for a share of the booth tickets served: one per ticket at most,
    on the current questionnaire, answers drawn around each agency's own level."""

    app_label, model_name = "surveys", "SurveyResponse"
    GIVEN = [
        "created_at",
        "updated_at",
        "uuid",
        "questionnaire",
        "ticket",
        "regency",
        "visit",
        "agency",
        "service",
        "day",
        "session",
        "channel",
        "sex",
        "age",
        "education",
        "occupation",
        "u1",
        "u2",
        "u3",
        "u4",
        "u5",
        "u6",
        "u7",
        "u8",
        "u9",
        "suggestion",
    ]
    SUGGESTIONS = [
        "Antrean perlu dipercepat.",
        "Petugas ramah, terima kasih.",
        "Mohon tambah kursi tunggu.",
        "Jaringan sering putus, pencetakan lambat.",
        "Semoga program ini terus berlanjut.",
    ]

    def __init__(self, generator: _Generator, model: type[models.Model]) -> None:
        super().__init__(generator, model)
        self.table = generator.w.table("survey_response", model, self.GIVEN)
        questionnaire = apps.get_model("surveys", "Questionnaire")
        current = questionnaire._default_manager.filter(is_current=True).first()
        if current is None:
            actions = importlib.import_module("bujian.surveys.actions")
            current = actions.current_questionnaire()
        self.questionnaire_id = current.pk
        self.per_visit = generator.plan.per_visit(RESPONSES_AT_SCALE_1)
        # Per agency and element: the chances of answering 1, 2, 3 (4 is the rest).
        self.levels: dict[int, list[tuple[float, float, float]]] = {}

    def thresholds(self, agency_id: int) -> list[tuple[float, float, float]]:
        if agency_id not in self.levels:
            rng = self.rng
            quality = rng.uniform(0.0, 1.0)
            levels = []
            for _ in range(9):
                good = min(0.95, max(0.05, quality + rng.uniform(-0.25, 0.25)))
                p1, p2 = 0.03 * (1 - good), 0.25 * (1 - good)
                p3 = (1 - p1 - p2) * (1 - good)
                levels.append((p1, p1 + p2, p1 + p2 + p3))
            self.levels[agency_id] = levels
        return self.levels[agency_id]

    def visit(
        self,
        regency: _Regency,
        village: _Village,
        visit_id: int,
        days: list[dt.date],
        served: list[Served],
    ) -> None:
        rng, w, t = self.rng, self.g.w, self.table
        for s in rng.sample(served, min(self.per_visit, len(served))):
            answers = []
            for low, middle, high in self.thresholds(s.agency_id):
                roll = rng.random()
                answers.append(1 if roll < low else 2 if roll < middle else 3 if roll < high else 4)
            local_hour = (s.finished + regency.offset).hour
            roll = rng.random()
            channel = "kiosk" if roll < 0.6 else "qr" if roll < 0.9 else "paper"
            stamp = _ts(s.finished + dt.timedelta(minutes=rng.randrange(2, 30)))
            w.add(
                t,
                stamp,
                stamp,
                _uuid(7, t.next_id),
                self.questionnaire_id,
                s.ticket_id,
                regency.id,
                visit_id,
                s.agency_id,
                s.service_id,
                s.day.isoformat(),
                "morning" if local_hour < 12 else "afternoon",
                channel,
                "P" if rng.random() < 0.5 else "L",
                rng.randrange(17, 75),
                rng.choice(("sd", "smp", "sma", "sma", "s1")),
                rng.choice(("pns", "swasta", "wirausaha", "lainnya", "lainnya")),
                *answers,
                rng.choice(self.SUGGESTIONS) if rng.random() < 0.05 else "",
            )


class _Aspirations(_Extra):
    """Aspirations raised at the visit (dialogue session or recorded by staff), each
    with its way through the workflow and the history lines of each step."""

    app_label, model_name = "aspirations", "Aspiration"
    GIVEN = [
        "created_at",
        "updated_at",
        "regency",
        "code",
        "visit",
        "village",
        "category",
        "title",
        "text",
        "channel",
        "reporter_name",
        "raised_by",
        "status",
        "received_at",
        "verified_at",
        "assigned_at",
        "first_response_at",
        "resolved_at",
        "rejected_at",
        "closed_at",
        "due_date",
        "assign_due",
        "response_due",
        "close_due",
        "lead_agency",
        "term",
        "planning_year",
        "public_response",
    ]
    EVENT_GIVEN = ["aspiration", "created_at", "action", "from_status", "to_status", "agency"]
    # Category, the agency that leads on it (catalog code) and a title.
    TOPICS = [
        ("infrastructure", "PUPR", "Jalan desa rusak dan berlubang"),
        ("infrastructure", "PERKIM", "Rumah tidak layak huni perlu dibantu"),
        ("education", "DIKBUD", "Guru honorer di SD kurang"),
        ("health", "DINKES", "Puskesmas pembantu kekurangan obat"),
        ("social_aid", "DINSOS", "Bantuan sosial belum diterima"),
        ("civil_registration", "DISDUKCAPIL", "Blangko KTP-el sering habis"),
        ("agriculture", "DISTANPANGAN", "Pupuk bersubsidi sulit didapat"),
        ("agriculture", "DKP", "Bantuan alat tangkap nelayan"),
        ("economy", "DPMPTSP", "Pelatihan dan izin usaha mikro"),
        ("other", "DPMD", "Pendampingan pengelolaan dana desa"),
    ]

    def __init__(self, generator: _Generator, model: type[models.Model]) -> None:
        super().__init__(generator, model)
        w = generator.w
        self.table = w.table("aspiration", model, self.GIVEN)
        event = apps.get_model("aspirations", "Event")
        self.events = w.table("aspiration_event", event, self.EVENT_GIVEN)
        self.per_visit = generator.plan.per_visit(ASPIRATIONS_AT_SCALE_1)

    def visit(
        self,
        regency: _Regency,
        village: _Village,
        visit_id: int,
        days: list[dt.date],
        served: list[Served],
    ) -> None:
        rng, w = self.rng, self.g.w
        last = self.g.last_moment
        agencies = {agency.base_code: agency.id for agency in regency.agencies}
        for _ in range(self.per_visit):
            category, lead_code, title = self.TOPICS[rng.randrange(len(self.TOPICS))]
            lead = agencies.get(lead_code)
            day = days[rng.randrange(len(days))]
            received = (
                dt.datetime.combine(day, dt.time(9, 0))
                + dt.timedelta(minutes=rng.randrange(300))
                - regency.offset
            )
            # The steps, each some days after the previous; the history stops at
            # the last day, so recent aspirations are still open.
            steps = [("received", received)]
            moment = received
            fate = rng.random()
            for status, days_after in (
                ("verified", rng.randrange(0, 3)),
                ("assigned", rng.randrange(0, 3)),
                ("in_progress", rng.randrange(1, 6)),
                ("resolved", rng.randrange(3, 60)),
            ):
                if status == "assigned" and (lead is None or fate < 0.07):
                    status = "rejected"
                moment += dt.timedelta(days=days_after, minutes=rng.randrange(600))
                if moment > last:
                    break
                steps.append((status, moment))
                if status == "rejected":
                    break
            status, when = steps[-1]
            at = dict(steps)
            resolved = at.get("resolved")
            closed = resolved + dt.timedelta(days=14) if resolved else at.get("rejected")
            if closed is not None and closed > last:
                closed = None
            open_step = {"received": 5, "verified": 5, "assigned": 7, "in_progress": 21}
            due = (
                (when + dt.timedelta(days=open_step[status])).date()
                if status in open_step
                else None
            )
            long_term = category == "infrastructure" and rng.random() < 0.5
            aspiration_id = self.table.next_id
            w.add(
                self.table,
                _ts(received),
                _ts(when),
                regency.id,
                f"S{_code(aspiration_id)}",
                visit_id,
                village.id,
                category,
                title,
                f"{title} di {village.name}. (Data sintetis.)",
                "dialogue" if rng.random() < 0.4 else "assisted",
                f"{rng.choice(FIRST_NAMES_MALE)} {rng.choice(FAMILY_NAMES)}",
                "",
                status,
                _ts(received),
                _opt(at.get("verified")),
                _opt(at.get("assigned")),
                _opt(at.get("in_progress")),
                _opt(resolved),
                _opt(at.get("rejected")),
                _opt(closed),
                due.isoformat() if due else None,
                (received + dt.timedelta(days=5)).date().isoformat(),
                (at["assigned"] + dt.timedelta(days=7)).date().isoformat()
                if "assigned" in at
                else None,
                (resolved + dt.timedelta(days=14)).date().isoformat() if resolved else None,
                lead if "assigned" in at else None,
                ("long" if long_term else "short") if "assigned" in at else "",
                received.year + 1 if long_term and "assigned" in at else None,
                "Sudah ditindaklanjuti oleh OPD terkait." if resolved else "",
            )
            previous = ""
            for step, moment in steps:
                action = {"received": "submitted", "in_progress": "started"}.get(step, step)
                agency = lead if step in {"assigned", "in_progress", "resolved"} else None
                w.add(self.events, aspiration_id, _ts(moment), action, previous, step, agency)
                previous = step


def _code(number: int) -> str:
    """A tracking code in the aspirations' alphabet, unique per id (7 characters)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    out = ""
    for _ in range(7):
        number, digit = divmod(number, len(alphabet))
        out = alphabet[digit] + out
    return out


def _opt(moment: dt.datetime | None) -> str | None:
    return _ts(moment) if moment is not None else None


_EXTRAS: list[type[_Extra]] = [_Responses, _Aspirations]


# --- entry point --------------------------------------------------------------------------


def _counts(writer: _Writer) -> dict[str, int]:
    return {key: table.written for key, table in writer.tables.items()}


def generate_history(
    *,
    regencies: int = 10,
    years: int = 5,
    scale: float = 1.0,
    seed: int = 2026,
    last_day: dt.date | None = None,
    progress: ProgressCallback | None = None,
    rebuild: bool = True,
) -> HistoryResult:
    """Write the synthetic history into the current database, in one transaction.

    ``last_day`` (default: today) ends the history: its visits fill the ``years`` whole
    months before that month. Refuses (HistoryError) when the chosen regencies already
    hold a synthetic history. Afterwards the evaluation summaries are rebuilt (when the
    evaluation app provides ``rebuild_summaries``) and the tables analysed."""
    if not 1 <= regencies <= len(REGENCIES):
        raise HistoryError(f"--regencies must be between 1 and {len(REGENCIES)}.")
    if not 1 <= years <= 20:
        raise HistoryError("--years must be between 1 and 20.")
    if not 0 < scale <= 10:
        raise HistoryError("--scale must be above 0 and at most 10.")
    plan = HistoryPlan(regencies, years, scale, last_day or dt.date.today())
    chosen = REGENCIES[:regencies]
    if Visit.objects.filter(
        regency__code__in=[code for code, _, _ in chosen], notes=SYNTHETIC_NOTE
    ).exists():
        raise HistoryError(
            "These regencies already hold a synthetic history; use a fresh database."
        )
    state = Progress(stage="setup")
    sqlite = connection.vendor == "sqlite"
    relaxed = sqlite and not connection.in_atomic_block
    if relaxed:
        # A load, not a service: durability can wait, and the foreign keys are checked
        # once afterwards (tests) rather than per row. Both PRAGMAs are ignored inside
        # a transaction, hence outside the atomic block.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
    try:
        with transaction.atomic():
            ensure_provinces()
            settings = []
            for code, name, capital in chosen:
                regency = _ensure_regency(code, name, capital)
                _ensure_catalog(regency)
                settings.append(_load_regency(regency))
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Same idea on PostgreSQL when allowed (a superuser, as on the bench):
                    # no deferred foreign-key trigger queued for each of millions of rows.
                    cursor.execute("SELECT current_setting('is_superuser')")
                    if cursor.fetchone()[0] == "on":
                        cursor.execute("SET LOCAL session_replication_role = replica")
            generator = _Generator(plan, seed, state, progress)
            generator.run(settings)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
                    written = [t.model for t in generator.w.tables.values() if t.ids]
                    for statement in connection.ops.sequence_reset_sql(no_style(), written):
                        cursor.execute(statement)
    finally:
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA synchronous=NORMAL")
    seconds = state.seconds
    # Statistics first: right after a bulk load the planner knows nothing of the new
    # rows, and the summaries' INSERT … SELECT with correlated counts then ran for
    # over ten minutes on PostgreSQL (nested loops over millions of rows).
    _analyze()
    summaries_seconds = None
    if rebuild:
        summaries_seconds = _rebuild_summaries()
        _analyze()  # and for the summary tables the reports read
    first = dt.date(*plan.months[0], 1)
    return HistoryResult(
        regencies=[code for code, _, _ in chosen],
        first_day=first,
        last_day=plan.last_day,
        counts=_counts(generator.w),
        seconds=seconds,
        summaries_seconds=summaries_seconds,
    )


def _rebuild_summaries() -> float | None:
    """The evaluation app's summary tables, rebuilt from the new rows (when it has them)."""
    try:
        summaries = importlib.import_module("bujian.evaluation.summaries")
    except ImportError:
        return None
    rebuild = getattr(summaries, "rebuild_summaries", None)
    if rebuild is None:
        return None
    started = time.perf_counter()
    rebuild()
    return time.perf_counter() - started


def _analyze() -> None:
    """Fresh planner statistics: the reports' queries run on this data next."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
