"""Demo data: two regencies, the catalog, a login for every role and eleven visits.

Everything goes through the same actions the screens use, so the demo obeys the
program's rules (every OPD invited, check-in only on the visit's days, absences
recorded when a visit is finished). The output is deterministic: one seed drives
the dates, the choices and Faker's Indonesian names.

The visit day (residents, queues, documents, today's visit under way) is in
``demo_visit_day``, with a seed of its own.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from faker import Faker

from bujian.accounts.models import User
from bujian.agencies.actions import load_shipped_catalog
from bujian.agencies.models import Agency, Service
from bujian.core.demo_visit_day import DemoContext, VisitDayDemo, unused_district
from bujian.regions.actions import load_shipped_regions
from bujian.regions.models import District, Regency, Village
from bujian.visits.actions import (
    StaffEntry,
    announce_visit,
    check_in,
    check_out,
    confirm_participation,
    decide_excuse,
    finish_visit,
    invite_agency,
    mark_visit_reported,
    plan_visit,
    request_excuse,
)
from bujian.visits.models import Participation, Visit

DEMO_PASSWORD = "bujian-demo-2026"  # noqa: S105 -- printed for everyone to use; demo only
DEMO_SEED = 2026
VISIT_DAY_SEED = 2027
DEMO_REGENCY = "17.01"
OTHER_REGENCY = "18.02"

PAST_VISITS = 8
TWO_DAY_PAST_VISITS = {1, 4, 6}  # by index, oldest first
REPORTED_PAST_VISITS = 5  # the oldest ones have their report done
# Perkim misses most visits, so the compliance ledger has a clear worst agency.
ALWAYS_ABSENT = "perkim"
PERKIM_PRESENT_AT = {2, 5}
# The one excuse granted: Dinas Kelautan dan Perikanan at the fourth visit.
EXCUSED_AGENCY = "dkp"
EXCUSED_AT = 3
EXCUSE_REASON = (
    "Kepala dinas dan seluruh penyuluh perikanan mendampingi kunjungan kerja "
    "Kementerian Kelautan dan Perikanan ke TPI Pasar Bawah pada hari yang sama."
)
PENDING_EXCUSE_AGENCY = "distanpangan"
PENDING_EXCUSE_REASON = (
    "Seluruh penyuluh pertanian bertugas pada pencanangan tanam serentak "
    "bersama Gubernur Bengkulu di Kecamatan Seginim pada tanggal tersebut."
)
# Vertical agencies and stakeholders that come to every visit, and those that
# come now and then.
REGULAR_GUESTS = ["polres-lantas", "samsat", "kemenag", "bpjskes"]
OCCASIONAL_GUESTS = ["kejari", "bankbengkulu", "bpn", "bpjstk", "jasaraharja", "pa", "kpp"]
EQUIPMENT = {
    "disdukcapil": "Perangkat perekaman KTP-el (mobile enrollment), printer kartu",
    "polres-lantas": "Mobil SIM Keliling",
    "samsat": "Mobil Samsat Keliling",
    "dinkes": "Ambulans dan alat cek kesehatan gratis",
    "disperpusip": "Mobil perpustakaan keliling",
}
# What these agencies always bring, so the queue produces documents to hand over.
FEATURED_SERVICES = {
    "disdukcapil": ("DUK-AKTA-LAHIR", "DUK-KK", "DUK-KTP-CETAK"),
    "polres-lantas": ("SIM-PJG-A", "SIM-PJG-C"),
    "samsat": ("PKB-TAHUNAN",),
}
STAFF_TASKS = ["Petugas layanan", "Operator", "Verifikator", "Kepala seksi", "Petugas informasi"]


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


@dataclass
class DemoSummary:
    loaded: bool
    finished_visits: int = 0
    upcoming_visits: int = 0
    ongoing_visits: int = 0
    residents: int = 0
    tickets: int = 0
    documents: int = 0
    documents_ready: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


@dataclass(frozen=True)
class _UserSpec:
    username: str
    role: str
    regency: str | None
    job_title: str
    agency: str | None = None
    superuser: bool = False
    village: str = ""  # a village operator's village: "upcoming" (the next visit) or "today"


USERS = [
    _UserSpec("admin", "", None, "Administrator Bujian", superuser=True),
    _UserSpec(
        "bappeda", User.Role.PROGRAM_ADMIN, DEMO_REGENCY, "Analis Perencanaan, Bappeda-Litbang"
    ),
    _UserSpec("bupati", User.Role.LEADERSHIP, DEMO_REGENCY, "Bupati Bengkulu Selatan"),
    _UserSpec("sekda", User.Role.LEADERSHIP, DEMO_REGENCY, "Sekretaris Daerah"),
    _UserSpec(
        "dukcapil", User.Role.AGENCY_OPERATOR, DEMO_REGENCY, "Operator SIAK", agency="disdukcapil"
    ),
    _UserSpec("samsat", User.Role.AGENCY_OPERATOR, DEMO_REGENCY, "Petugas Samsat", agency="samsat"),
    _UserSpec(
        "satlantas",
        User.Role.AGENCY_OPERATOR,
        DEMO_REGENCY,
        "Bamin Satlantas",
        agency="polres-lantas",
    ),
    _UserSpec(
        "desa", User.Role.VILLAGE_OPERATOR, DEMO_REGENCY, "Operator Desa", village="upcoming"
    ),
    _UserSpec(
        "desa-hari-ini", User.Role.VILLAGE_OPERATOR, DEMO_REGENCY, "Operator Desa", village="today"
    ),
    _UserSpec(
        "bappeda-lteng", User.Role.PROGRAM_ADMIN, OTHER_REGENCY, "Analis Perencanaan, Bappeda"
    ),
]


def load_demo_data(*, today: dt.date | None = None, stdout: Writer | None = None) -> DemoSummary:
    """Fill an empty database with demo data and print the demo logins.

    Idempotent: when the database already holds a visit, nothing is written (a
    second ``make run`` keeps what people did with the demo); the logins are
    printed again. Everything is written in one transaction.
    """
    today = today or timezone.localdate()
    if Visit.objects.exists():
        summary = DemoSummary(loaded=False, logins=_existing_logins())
        if stdout is not None:
            stdout.write(_("The database already has visits; the demo data was not loaded.") + "\n")
            _print_logins(stdout, summary.logins)
        return summary
    with transaction.atomic():
        summary = _Demo(today).load()
        extra_lines = seed_app_demos(today)
    if stdout is not None:
        stdout.write(
            _(
                "Demo data loaded: %(finished)d past visits, %(upcoming)d upcoming visits and "
                "one visit under way today."
            )
            % {"finished": summary.finished_visits, "upcoming": summary.upcoming_visits}
            + "\n"
        )
        stdout.write(
            _(
                "Visit day: %(residents)d residents, %(tickets)d queue tickets, %(documents)d "
                "documents (%(ready)d ready for handover)."
            )
            % {
                "residents": summary.residents,
                "tickets": summary.tickets,
                "documents": summary.documents,
                "ready": summary.documents_ready,
            }
            + "\n"
        )
        for line in extra_lines:
            stdout.write(line + "\n")
        _print_logins(stdout, summary.logins)
    return summary


# Apps that add their own demo data after the core demo, in this order; each module
# has ``seed(today) -> str | None`` returning a line for the summary.
APP_DEMOS = (
    "bujian.calendars.demo",
    "bujian.aspirations.demo",
    "bujian.surveys.demo",
    "bujian.evaluation.demo",
    "bujian.planner.demo",
)


def seed_app_demos(today: dt.date) -> list[str]:
    """Run each app's demo seed; the lines they return, for the summary."""
    lines = []
    for module_name in APP_DEMOS:
        line = importlib.import_module(module_name).seed(today)
        if line:
            lines.append(line)
    return lines


class _Demo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(DEMO_SEED)  # noqa: S311 -- repeatable demo choices, not secrets
        # An instance seed, not Faker.seed(): the same names every run without
        # reseeding the Faker instances other code (factories) shares.
        self.fake = Faker("id_ID")
        self.fake.seed_instance(DEMO_SEED)
        self.holidays = holidays.country_holidays("ID", years=range(today.year - 1, today.year + 2))

    def load(self) -> DemoSummary:
        load_shipped_regions()
        self.regency = Regency.objects.get(code=DEMO_REGENCY)
        self.zone = ZoneInfo(self.regency.time_zone)
        load_shipped_catalog(regency=self.regency)
        self.agencies = {a.code: a for a in Agency.objects.serving(self.regency.pk)}
        self.opds = list(
            Agency.objects.active().mandatory().serving(self.regency.pk).order_by("code")
        )
        self.services: dict[int, list[Service]] = {}
        for service in Service.objects.active().order_by("code"):
            self.services.setdefault(service.agency_id, []).append(service)

        districts = list(District.objects.filter(regency=self.regency).order_by("code"))
        chosen = self.rng.sample(districts, PAST_VISITS + 2)
        villages = [self._pick_village(district) for district in chosen]
        past_villages, upcoming_villages = villages[:PAST_VISITS], villages[PAST_VISITS:]
        # Today's visit goes to the kecamatan no other visit went to; its own seed keeps
        # the rest of the demo as it was.
        today_village = self._pick_village(
            unused_district(districts, chosen),
            rng=random.Random(VISIT_DAY_SEED),  # noqa: S311 -- demo choice, not a secret
        )

        logins = self._create_users(
            villages={"upcoming": upcoming_villages[0], "today": today_village}
        )
        self.admin = User.objects.get(username="bappeda")
        self.operators = {
            agency.code: user
            for user in User.objects.filter(role=User.Role.AGENCY_OPERATOR)
            for agency in user.agencies.all()
        }
        village_operators = {
            user.village_id: user
            for user in User.objects.filter(role=User.Role.VILLAGE_OPERATOR)
            if user.village_id is not None
        }
        self.visit_day = VisitDayDemo(
            DemoContext(
                regency=self.regency,
                zone=self.zone,
                today=self.today,
                admin=self.admin,
                operators=self.operators,
                confirm=lambda participation, now: self._confirm(participation, now=now),
            ),
            seed=VISIT_DAY_SEED,
            village_operators=village_operators,
        )
        self.visit_day.create_residents(
            past=past_villages, upcoming=upcoming_villages, today=today_village
        )

        for index, (village, (start, end)) in enumerate(
            zip(past_villages, self._past_dates(), strict=True)
        ):
            self._record_past_visit(index, village, start, end)
        self.visit_day.follow_up_documents()
        upcoming = self._plan_upcoming_visits(upcoming_villages)
        self.visit_day.register_office_documents(upcoming)
        self.visit_day.pre_register_upcoming(
            upcoming, [village_operators.get(v.village_id, self.admin) for v in upcoming]
        )
        self.visit_day.hold_todays_visit(
            today_village,
            guests=REGULAR_GUESTS,
            actor=village_operators.get(today_village.pk, self.admin),
        )
        counts = self.visit_day.counts()
        return DemoSummary(
            loaded=True,
            finished_visits=PAST_VISITS,
            upcoming_visits=len(upcoming_villages),
            ongoing_visits=1,
            residents=counts.residents,
            tickets=counts.tickets,
            documents=counts.documents,
            documents_ready=counts.ready,
            logins=logins,
        )

    # Places and dates

    def _pick_village(self, district: District, rng: random.Random | None = None) -> Village:
        """A desa: the program goes to villages, kelurahan are served in town."""
        candidates = list(
            Village.objects.filter(district=district, kind=Village.Kind.DESA).order_by("code")
        )
        return (rng or self.rng).choice(candidates)

    def _is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def _visit_days(self, near: dt.date, *, days: int, step: int) -> tuple[dt.date, dt.date]:
        """The first start from ``near`` (moving by ``step`` days) whose days are all
        working days."""
        start = near
        while True:
            span = [start + dt.timedelta(days=i) for i in range(days)]
            if all(self._is_working_day(day) for day in span):
                return start, span[-1]
            start += dt.timedelta(days=step)

    def _past_dates(self) -> list[tuple[dt.date, dt.date]]:
        """About one visit a month over the last eight months, oldest first."""
        dates = []
        for index in range(PAST_VISITS):
            months_back = PAST_VISITS - 1 - index
            near = self.today - dt.timedelta(days=10 + 30 * months_back + self.rng.randint(0, 6))
            days = 2 if index in TWO_DAY_PAST_VISITS else 1
            dates.append(self._visit_days(near, days=days, step=-1))
        return dates

    def _at(self, day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def _some_time_before(self, start: dt.date) -> dt.datetime:
        """Office hours a few days before a visit: when agencies answer invitations."""
        day = start - dt.timedelta(days=self.rng.randint(2, 12))
        return self._at(day, self.rng.randint(8, 15), self.rng.randint(0, 59))

    # People

    def _create_users(self, *, villages: dict[str, Village]) -> list[DemoLogin]:
        regencies = {
            r.code: r for r in Regency.objects.filter(code__in=[DEMO_REGENCY, OTHER_REGENCY])
        }
        logins = []
        for spec in USERS:
            male = self.rng.random() < 0.6
            first = self.fake.first_name_male() if male else self.fake.first_name_female()
            last = self.fake.last_name_male() if male else self.fake.last_name_female()
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": spec.role,
                    "regency": regencies[spec.regency] if spec.regency else None,
                    "village": villages.get(spec.village),
                    "job_title": spec.job_title,
                    "is_superuser": spec.superuser,
                    "is_staff": spec.superuser,
                    "phone": self.fake.numerify("08##########"),
                    "nip": self._nip() if spec.role else "",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if spec.agency:
                user.agencies.add(self.agencies[spec.agency])
            logins.append(_login_for(user, password=DEMO_PASSWORD if created else None))
        return logins

    def _nip(self) -> str:
        """18 digits: birth date, appointment month, sex, serial (the BKN layout)."""
        born = dt.date(
            self.rng.randint(1972, 1998), self.rng.randint(1, 12), self.rng.randint(1, 28)
        )
        appointed = min(born.year + self.rng.randint(23, 30), self.today.year - 1)
        return (
            f"{born:%Y%m%d}{appointed}{self.rng.randint(1, 12):02d}"
            f"{self.rng.randint(1, 2)}{self.rng.randint(1, 999):03d}"
        )

    def _staff(self, agency: Agency) -> list[StaffEntry]:
        civil_servants = agency.kind == Agency.Kind.OPD
        return [
            StaffEntry(
                name=self.fake.name(),
                nip=self._nip() if civil_servants and self.rng.random() < 0.6 else "",
                role=self.rng.choice(STAFF_TASKS),
            )
            for _ in range(self.rng.randint(1, 3))
        ]

    def _actor_for(self, agency: Agency) -> User:
        """The agency's own operator when the demo has one; otherwise Bappeda's
        staff enter it at the desk."""
        return self.operators.get(agency.code, self.admin)

    # Visits

    def _confirm(self, participation: Participation, *, now: dt.datetime) -> None:
        agency = participation.agency
        offered = self.services.get(agency.pk, [])
        if not offered:
            return
        count = min(len(offered), self.rng.randint(1, 3))
        picked = self.rng.sample(offered, count)
        featured = [s for s in offered if s.code in FEATURED_SERVICES.get(agency.code, ())]
        confirm_participation(
            participation=participation,
            actor=self._actor_for(agency),
            services=featured or picked,
            staff=self._staff(agency),
            booth_tables=self.rng.choice([1, 1, 2]),
            booth_chairs=self.rng.choice([2, 3, 4]),
            needs_network=agency.code in {"disdukcapil", "samsat", "polres-lantas", "bpjskes"},
            needs_printer=agency.code in {"disdukcapil", "samsat", "polres-lantas"},
            equipment=EQUIPMENT.get(agency.code, ""),
            now=now,
        )

    def _invite_guests(self, visit: Visit, codes: Sequence[str]) -> None:
        for code in codes:
            invite_agency(visit=visit, agency=self.agencies[code], actor=self.admin)

    def _record_past_visit(
        self, index: int, village: Village, start: dt.date, end: dt.date
    ) -> None:
        visit = plan_visit(
            regency=self.regency,
            village=village,
            start_date=start,
            end_date=end,
            created_by=self.admin,
            allow_past=True,
            now=self._at(start - dt.timedelta(days=30), 9, 0),
        )
        visit = announce_visit(visit=visit, actor=self.admin)
        guests = [*REGULAR_GUESTS, *self.rng.sample(OCCASIONAL_GUESTS, self.rng.randint(1, 2))]
        self._invite_guests(visit, guests)

        absent = self._absentees(index)
        participations = list(
            Participation.objects.filter(visit=visit).select_related("agency", "visit")
        )
        present = []
        for participation in participations:
            agency = participation.agency
            if index == EXCUSED_AT and agency.code == EXCUSED_AGENCY:
                excuse = request_excuse(
                    participation=participation, actor=self._actor_for(agency), reason=EXCUSE_REASON
                )
                decide_excuse(excuse=excuse, actor=self.admin, approve=True)
                continue
            # Some absentees had confirmed and still did not come; others never answered.
            if agency.code not in absent or self.rng.random() < 0.4:
                self._confirm(participation, now=self._some_time_before(start))
            if agency.code not in absent:
                present.append(agency)

        for day_number, day in enumerate(visit.days):
            for agency in present:
                if day_number > 0 and self.rng.random() < 0.1:
                    continue  # came on the first day only
                check_in(
                    visit=visit,
                    agency=agency,
                    actor=self._actor_for(agency),
                    now=self._arrival(day),
                )
                if self.rng.random() < 0.85:
                    leaving = self._at(day, 15, 0) + dt.timedelta(minutes=self.rng.randint(15, 75))
                    check_out(
                        visit=visit, agency=agency, actor=self._actor_for(agency), now=leaving
                    )

        # The queue of the day, served before the visit is closed.
        self.visit_day.serve_past_visit(visit, ceremony=index == PAST_VISITS - 1)
        # Closed that evening, by the visit's clock (``today`` may be another day than
        # the real one).
        visit = finish_visit(visit=visit, actor=self.admin, now=self._at(end, 17, 0))
        if index < REPORTED_PAST_VISITS:
            mark_visit_reported(visit=visit, actor=self.admin)

    def _absentees(self, index: int) -> set[str]:
        """1 to 4 OPD that never come to this visit."""
        absent = set() if index in PERKIM_PRESENT_AT else {ALWAYS_ABSENT}
        others = [
            a.code
            for a in self.opds
            if a.code not in {ALWAYS_ABSENT, EXCUSED_AGENCY, "disdukcapil", "kecamatan"}
        ]
        wanted = self.rng.randint(1, 4)
        absent.update(self.rng.sample(others, max(0, wanted - len(absent))))
        return absent

    def _arrival(self, day: dt.date) -> dt.datetime:
        """Most agencies arrive before the 08:00 opening; about one in eight comes late."""
        if self.rng.random() < 0.12:
            return self._at(day, 8, 35) + dt.timedelta(minutes=self.rng.randint(0, 100))
        return self._at(day, 7, 10) + dt.timedelta(minutes=self.rng.randint(0, 70))

    def _plan_upcoming_visits(self, villages: Sequence[Village]) -> list[Visit]:
        """Planned ten days ago; since then about half the agencies have confirmed."""
        planned_at = self._at(self.today - dt.timedelta(days=10), 9, 30)
        answered_by = self._at(self.today, 8, 0)
        near_days = [self.rng.randint(8, 12), self.rng.randint(17, 22)]
        visits = []
        for number, (village, ahead) in enumerate(zip(villages, near_days, strict=True)):
            days = 2 if number == 1 else 1
            start, end = self._visit_days(self.today + dt.timedelta(days=ahead), days=days, step=1)
            visit = plan_visit(
                regency=self.regency,
                village=village,
                start_date=start,
                end_date=end,
                created_by=self.admin,
                now=planned_at,
            )
            visit = announce_visit(visit=visit, actor=self.admin)
            self._invite_guests(visit, REGULAR_GUESTS)
            participations = Participation.objects.filter(visit=visit).select_related(
                "agency", "visit"
            )
            for participation in participations:
                code = participation.agency.code
                if number == 1 and code == PENDING_EXCUSE_AGENCY:
                    request_excuse(
                        participation=participation,
                        actor=self._actor_for(participation.agency),
                        reason=PENDING_EXCUSE_REASON,
                    )
                elif code == "disdukcapil" or self.rng.random() < 0.5:
                    seconds = int((answered_by - planned_at).total_seconds())
                    moment = planned_at + dt.timedelta(seconds=self.rng.randint(3600, seconds))
                    self._confirm(participation, now=moment)
            visits.append(visit)
        return visits


# Printing the logins


def _login_for(user: User, *, password: str | None) -> DemoLogin:
    if user.is_superuser:
        role, scope = _("Superuser"), _("everything")
    else:
        role = user.get_role_display()
        if user.role == User.Role.AGENCY_OPERATOR:
            scope = ", ".join(str(a) for a in user.agencies.all())
        elif user.role == User.Role.VILLAGE_OPERATOR and user.village is not None:
            scope = str(user.village)
        else:
            scope = str(user.regency or "")
    return DemoLogin(
        username=user.username,
        password=password if password is not None else _("(not changed)"),
        role=role,
        scope=scope,
    )


def _existing_logins() -> list[DemoLogin]:
    by_name = {
        u.username: u
        for u in User.objects.filter(username__in=[spec.username for spec in USERS])
        .select_related("regency", "village")
        .prefetch_related("agencies")
    }
    return [
        _login_for(
            by_name[spec.username],
            # Only the demo password is shown; an account someone changed keeps its secret.
            password=DEMO_PASSWORD
            if check_password(DEMO_PASSWORD, by_name[spec.username].password)
            else None,
        )
        for spec in USERS
        if spec.username in by_name
    ]


def _print_logins(stdout: Writer, logins: Sequence[DemoLogin]) -> None:
    header = DemoLogin(
        username=_("Username"), password=_("Password"), role=_("Role"), scope=_("Scope")
    )
    rows = [header, *logins]
    widths = [
        max(len(getattr(row, column)) for row in rows)
        for column in ("username", "password", "role", "scope")
    ]

    def line(row: DemoLogin) -> str:
        cells = (row.username, row.password, row.role, row.scope)
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    stdout.write(line(header).rstrip() + "\n")
    stdout.write("  ".join("-" * width for width in widths) + "\n")
    for login in logins:
        stdout.write(line(login).rstrip() + "\n")
