"""Demo data of the visit day: residents, the queue history of the finished visits,
documents in every state, today's visit under way, and pre-registrations.

Everything goes through the actions the screens use, with ``now=`` (or ``today=``) set
to the moment it happened, so the history obeys the same rules as a real day: numbers
per booth and day, one booth at a time per resident, an outcome for every service, a
document handed over once. No row is written past the actions.

``demo.py`` drives this module; it has its own seeded ``random.Random`` and Faker, so
the foundation demo (visits, check-ins, logins) stays the same as without it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone
from faker import Faker

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Requirement, Service
from bujian.queueing.actions import (
    call_next,
    finish_ticket,
    hold,
    issue_visit_ticket,
    open_booth,
    skip,
    start_service,
)
from bujian.queueing.models import Ticket
from bujian.records.actions import OutcomeInput, document_kind_for
from bujian.records.actions_documents import hand_over_document, mark_ready, register_document
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.regions.models import District, Regency, Village
from bujian.residents.actions import pre_register, register_resident
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import WARNING_DISTRICT_UNKNOWN, RegionCodes, make_nik
from bujian.residents.queries import services_offered_at
from bujian.visits.actions import announce_visit, check_in, invite_agency, plan_visit
from bujian.visits.models import Booth, CheckIn, Participation, Visit

STEP = dt.timedelta(minutes=2)  # the clock of the queue simulation
PAST_RESIDENTS = (20, 60)  # per village of a finished or upcoming visit
TODAY_RESIDENTS_WITH_TICKETS = (40, 80)
TODAY_PRE_REGISTRATIONS = (10, 20)
UPCOMING_PRE_REGISTRATIONS = (15, 30)
TRAVELLERS_PER_VISIT = 2  # residents of today's or an upcoming village served elsewhere
# The OPD that did not come today (the same one that misses most visits).
ABSENT_TODAY = "perkim"
# NIKs first registered outside the regency (people who moved in): kecamatan Selebar
# and Gading Cempaka of Kota Bengkulu, Ilir Barat II of Palembang. Not among the loaded
# regions, so the NIK check warns and the desk accepts it.
MOVED_IN = [("17.71.01", "Bengkulu"), ("17.71.02", "Bengkulu"), ("16.71.01", "Palembang")]
# Booths in this order get the first letters (A for Disdukcapil, as in the field).
BOOTH_ORDER = ["disdukcapil", "polres-lantas", "samsat", "dinkes", "bpjskes", "dinsos"]
OUTDOOR_BOOTHS = {"polres-lantas", "samsat"}  # the SIM and Samsat cars stand outside
AGENCY_DEMAND = {  # how often residents ask for each agency, relative to 1
    "disdukcapil": 14,
    "dinkes": 5,
    "samsat": 5,
    "polres-lantas": 4,
    "bpjskes": 3,
    "dinsos": 3,
    "pemdes": 2,
    "kemenag": 2,
}
CHILD_SERVICES = {
    "DUK-AKTA-LAHIR",
    "DUK-KIA",
    "KES-IMUNISASI",
    "KES-PERIKSA",
    "KES-CKG",
    "DIK-PIP",
    "PUS-KELILING",
    "JKN-LAYAN",
}
# Adults come for a KTP-el or a KK; a birth certificate is nearly always a child's.
CHILD_ONLY_SERVICES = {"DUK-AKTA-LAHIR", "DUK-KIA", "KES-IMUNISASI", "DIK-PIP"}
# Where a resident is sent when a service needs a letter first (a referral).
REFERRAL_TARGETS = {"disdukcapil": ["pemdes", "kecamatan"], "*": ["disdukcapil"]}
REFERRAL_NOTE = "Perlu surat pengantar/keterangan lebih dulu."
ROMAN = ["I", "II", "III", "IV", "V"]
STREETS = [
    "Jalan Desa",
    "Jalan Poros Desa",
    "Jalan Masjid",
    "Jalan Kebun",
    "Jalan Lintas Barat",
    "Gang Damai",
    "Gang Melati",
]
MOBILE_PREFIXES = ["0812", "0813", "0821", "0822", "0852", "0853", "0857", "0877", "0895"]


@dataclass(frozen=True)
class DemoContext:
    """What the foundation demo already made and this module uses."""

    regency: Regency
    zone: ZoneInfo
    today: dt.date
    admin: User
    operators: dict[str, User]
    confirm: Callable[[Participation, dt.datetime], None]


@dataclass
class VisitDayCounts:
    residents: int
    tickets: int
    documents: int
    ready: int


@dataclass
class _Member:
    resident: Resident
    role: str  # head, spouse, child
    household: list[_Member]


@dataclass
class _Desk:
    """One open booth in the simulation."""

    booth: Booth
    agency: Agency
    services: list[Service]
    actor: User
    ticket: Ticket | None = None
    serving: bool = False
    until: dt.datetime | None = None
    waiting: int = 0
    retry_at: dt.datetime | None = None


@dataclass
class _Arrival:
    at: dt.datetime
    resident: Resident
    services: list[Service]
    registration: Registration | None = None


@dataclass
class _Day:
    visit: Visit
    day: dt.date
    desks: list[_Desk]
    offered: set[int]
    ends_at: dt.datetime | None  # today's visit stops at "now"; history runs to the end
    ceremony: bool = False  # the Bupati hands one document over on stage
    handed_on_stage: bool = False
    held: bool = False  # one resident went home for a missing document (today only)
    by_agency: dict[str, _Desk] = field(default_factory=dict)


class VisitDayDemo:
    def __init__(
        self, context: DemoContext, *, seed: int, village_operators: dict[int, User]
    ) -> None:
        self.ctx = context
        self.village_operators = village_operators
        self.rng = random.Random(seed)  # noqa: S311 -- repeatable demo choices, not secrets
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)
        self.now = demo_now(context.today, context.zone)
        self.members: dict[int, _Member] = {}
        self.by_village: dict[int, list[Resident]] = {}
        self.travellers: set[int] = set()
        self.traveller_villages: list[int] = []
        self.in_process: list[Document] = []
        self.requirements: dict[int, list[Requirement]] = {}
        for requirement in Requirement.objects.order_by("service_id", "position", "id"):
            self.requirements.setdefault(requirement.service_id, []).append(requirement)
        self.document_serial = 0

    # Time

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.ctx.zone)

    def _age(self, resident: Resident, day: dt.date) -> int:
        born = resident.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    # Residents

    def create_residents(
        self, *, past: Sequence[Village], upcoming: Sequence[Village], today: Village
    ) -> None:
        """Households of 1 to 5 people in each village, with valid NIKs of the
        village's kecamatan; three heads of family moved in from elsewhere. Residents
        of today's and the upcoming villages may have been served at an earlier visit
        nearby (travellers)."""
        regions = RegionCodes.load()
        used = set(Resident.objects.values_list("national_id", flat=True))
        moved_in_villages = {past[0].pk, past[-1].pk, today.pk}
        moved = iter(MOVED_IN)
        self.traveller_villages = [village.pk for village in [*upcoming, today]]
        sizes = {village.pk: PAST_RESIDENTS for village in past}
        # Enough people for the pre-registrations, and for today's queue.
        sizes.update({village.pk: (UPCOMING_PRE_REGISTRATIONS[1] + 2, 60) for village in upcoming})
        most = TODAY_RESIDENTS_WITH_TICKETS[1]
        sizes[today.pk] = (most + 5, most + 20)
        for village in [*past, *upcoming, today]:
            wanted = self.rng.randint(*sizes[village.pk])
            residents: list[Resident] = []
            first = True
            while len(residents) < wanted:
                origin = next(moved, None) if first and village.pk in moved_in_villages else None
                household = self._household(
                    village,
                    actor=self.village_operators.get(village.pk, self.ctx.admin),
                    origin=origin,
                    used=used,
                    regions=regions,
                    room=wanted - len(residents),
                )
                residents.extend(member.resident for member in household)
                first = False
            self.by_village[village.pk] = residents

    def _household(
        self,
        village: Village,
        *,
        actor: User,
        origin: tuple[str, str] | None,
        used: set[str],
        regions: RegionCodes,
        room: int,
    ) -> list[_Member]:
        today = self.ctx.today
        district = village.district
        head_age = self.rng.randint(24, 72)
        people = [("head", "L", head_age)]
        if room > 1 and self.rng.random() < 0.85:
            people.append(("spouse", "P", max(19, head_age - self.rng.randint(-2, 8))))
        mother_age = people[-1][2]
        for _ in range(min(room - len(people), self.rng.choice([0, 1, 1, 2, 2, 3]))):
            age = self.rng.randint(0, max(0, min(mother_age - 19, 30)))
            people.append(("child", self.rng.choice(["L", "P"]), age))
        kk_day = today - dt.timedelta(days=self.rng.randint(60, 3650))
        kk = make_nik(district.code, kk_day, "L", self.rng.randint(1, 9999))  # no +40 in a KK
        hamlet = f"Dusun {self.rng.choice(ROMAN[: self.rng.randint(2, 5)])}"
        rt, rw = f"{self.rng.randint(1, 12):03d}", f"{self.rng.randint(1, 4):03d}"
        address = f"{self.rng.choice(STREETS)} No. {self.rng.randint(1, 120)}"
        household: list[_Member] = []
        for role, sex, age in people:
            born = today - dt.timedelta(days=365 * age + self.rng.randint(1, 364))
            moved_here = origin is not None and role == "head"
            code = origin[0] if origin is not None and moved_here else district.code
            nik = make_nik(code, born, sex, self.rng.randint(1, 9999))
            while nik in used:
                nik = make_nik(code, born, sex, self.rng.randint(1, 9999))
            used.add(nik)
            if sex == "L":
                name = f"{self.fake.first_name_male()} {self.fake.last_name_male()}"
            else:
                name = f"{self.fake.first_name_female()} {self.fake.last_name_female()}"
            if origin is not None and moved_here:
                birth_place = origin[1]
            elif age < 35 and self.rng.random() < 0.6:
                birth_place = village.name.title()
            else:
                birth_place = self.rng.choice(["Manna", "Manna", district.name.title(), "Bengkulu"])
            phone = ""
            if age >= 17 and self.rng.random() < 0.8:
                phone = self.rng.choice(MOBILE_PREFIXES) + self.fake.numerify("#" * 8)
            resident = register_resident(
                national_id=nik,
                family_card_number=kk,
                full_name=name,
                sex=sex,
                birth_date=born,
                birth_place=birth_place,
                village=village,
                hamlet=hamlet,
                rt=rt,
                rw=rw,
                address=address,
                phone=phone,
                actor=actor,
                accept_warnings=[WARNING_DISTRICT_UNKNOWN] if moved_here else [],
                today=today,
                regions=regions,
            )
            member = _Member(resident=resident, role=role, household=household)
            household.append(member)
            self.members[resident.pk] = member
        return household

    def _eligible(self, service: Service, resident: Resident, day: dt.date) -> bool:
        if self._age(resident, day) < 17:
            return service.code in CHILD_SERVICES
        return service.code not in CHILD_ONLY_SERVICES

    # Booths and the queue

    def _open_desks(self, visit: Visit, day: dt.date, *, zones: bool) -> list[_Desk]:
        """A booth for every agency present with services to give, in BOOTH_ORDER
        first; on a later day only the agencies that checked in that day serve."""
        present = list(
            Participation.objects.filter(visit=visit, attendance=Participation.Attendance.PRESENT)
            .exclude(status=Participation.Status.EXCUSED)
            .select_related("agency")
            .prefetch_related("services")
        )
        rank = {code: number for number, code in enumerate(BOOTH_ORDER)}
        present.sort(key=lambda p: (rank.get(p.agency.code, len(rank)), p.agency.short_name))
        existing = {b.participation_id: b for b in Booth.objects.filter(visit=visit)}
        here_today = set(
            CheckIn.objects.filter(participation__visit=visit, day=day).values_list(
                "participation_id", flat=True
            )
        )
        desks = []
        for participation in present:
            agency = participation.agency
            services = list(participation.services.all()) or list(
                Service.objects.active().filter(agency=agency).order_by("code")
            )
            if not services or participation.pk not in here_today:
                continue
            participation.visit = visit
            actor = self.ctx.operators.get(agency.code, self.ctx.admin)
            booth = existing.get(participation.pk) or open_booth(
                participation=participation,
                actor=actor,
                name=f"Loket {agency.short_name}",
                zone=("Halaman" if agency.code in OUTDOOR_BOOTHS else "Aula") if zones else "",
            )
            booth.visit = visit
            desks.append(_Desk(booth=booth, agency=agency, services=services, actor=actor))
        return desks

    def _needs(self, resident: Resident, day: _Day) -> list[Service]:
        """One to three agencies, weighted by demand; one service each, sometimes two."""
        options = []
        for desk in day.desks:
            services = [s for s in desk.services if self._eligible(s, resident, day.day)]
            if services:
                options.append((desk, services))
        count = min(len(options), self.rng.choices([1, 2, 3], weights=[55, 33, 12])[0])
        chosen: list[Service] = []
        for _ in range(count):
            weights = [AGENCY_DEMAND.get(desk.agency.code, 1) for desk, _s in options]
            desk, services = options.pop(self.rng.choices(range(len(options)), weights)[0])
            many = 2 if len(services) > 1 and self.rng.random() < 0.15 else 1
            chosen.extend(self.rng.sample(services, many))
        return chosen

    def _traveller_needs(self, resident: Resident, day: _Day) -> list[Service]:
        """A civil-registry document: it will wait for the resident's own kecamatan."""
        desk = day.by_agency.get("disdukcapil")
        if desk is None:
            return []
        services = [
            s
            for s in desk.services
            if document_kind_for(s) and self._eligible(s, resident, day.day)
        ]
        return [self.rng.choice(services)] if services else []

    def _issue(self, day: _Day, arrival: _Arrival) -> None:
        registration = arrival.registration or pre_register(
            visit=day.visit,
            resident=arrival.resident,
            services=arrival.services,
            documents_present={},
            actor=self.ctx.admin,
            source=Registration.Source.WALK_IN,
            today=day.day,
            offered_ids=day.offered,
        )
        issue_visit_ticket(
            visit=day.visit,
            resident=arrival.resident,
            services=arrival.services,
            issued_by=self.ctx.admin,
            registration=registration,
            now=arrival.at,
        )
        agencies = {service.agency_id for service in arrival.services}
        for desk in day.desks:
            if desk.agency.pk in agencies:
                desk.waiting += 1

    def _run(self, day: _Day, arrivals: list[_Arrival]) -> None:
        """Minute by minute (two at a time): residents arrive and get their ticket,
        each booth calls, serves and finishes. Today stops at ``ends_at``; a past day
        runs until every queue is empty."""
        arrivals.sort(key=lambda a: a.at)
        pending = list(arrivals)
        moment = min([a.at for a in arrivals] + [self.at(day.day, 7, 30)])
        opening = self.at(day.day, 8, 0)
        last = day.ends_at or self.at(day.day, 18, 0)
        while True:
            while pending and pending[0].at <= moment:
                self._issue(day, pending.pop(0))
            for desk in day.desks:
                self._advance(day, desk, moment, calling=moment >= opening)
            if moment >= last:
                break
            if day.ends_at is None and not pending and all(d.ticket is None for d in day.desks):
                left = Ticket.objects.filter(
                    booth__visit=day.visit,
                    day=day.day,
                    status__in=[Ticket.Status.WAITING, Ticket.Status.SKIPPED],
                )
                if not left.exists():
                    break
            moment = min(moment + STEP, last)

    def _advance(self, day: _Day, desk: _Desk, moment: dt.datetime, *, calling: bool) -> None:
        ticket = desk.ticket
        if ticket is not None and desk.until is not None and moment >= desk.until:
            if not desk.serving:
                self._answer_call(day, desk, ticket, moment)
            else:
                self._finish(day, desk, ticket, moment)
        if desk.ticket is not None or desk.waiting <= 0 or not calling:
            return
        if desk.retry_at is not None and moment < desk.retry_at:
            return
        called = call_next(booth=desk.booth, actor=desk.actor, now=moment)
        if called is None:
            # The resident is at another booth, or a skipped ticket is not back yet.
            desk.waiting = Ticket.objects.filter(
                booth=desk.booth,
                day=day.day,
                status__in=[Ticket.Status.WAITING, Ticket.Status.SKIPPED],
            ).count()
            desk.retry_at = moment + 3 * STEP
            return
        desk.waiting -= 1
        desk.retry_at = None
        desk.ticket, desk.serving = called, False
        desk.until = moment + dt.timedelta(minutes=self.rng.randint(1, 4))

    def _answer_call(self, day: _Day, desk: _Desk, ticket: Ticket, moment: dt.datetime) -> None:
        roll = self.rng.random()
        if roll < 0.04 and ticket.skip_count == 0:
            skip(ticket=ticket, actor=desk.actor, now=moment)  # not there; back in 10 minutes
            desk.ticket = None
            desk.waiting += 1
            return
        if day.ends_at is not None and not day.held and roll > 0.9 and moment.hour >= 9:
            hold(ticket=ticket, actor=desk.actor)  # went home to fetch the KK
            day.held = True
            desk.ticket = None
            return
        start_service(ticket=ticket, actor=desk.actor, now=moment)
        services = list(ticket.services.all())
        minutes = services[0].typical_minutes if services else None
        length = max(3, round((minutes or 8) * self.rng.uniform(0.6, 1.4)))
        desk.serving, desk.until = True, moment + dt.timedelta(minutes=length)

    def _finish(self, day: _Day, desk: _Desk, ticket: Ticket, moment: dt.datetime) -> None:
        resident = ticket.visit_ticket.resident
        services = (
            list(ticket.services.all())
            or [s for s in desk.services if self._eligible(s, resident, day.day)][:1]
        )
        if not services:
            services = desk.services[:1]
        outcomes = [
            self._outcome(day, desk, ticket, service, resident, moment) for service in services
        ]
        records = finish_ticket(ticket=ticket, actor=desk.actor, outcomes=outcomes, now=moment)
        desk.ticket, desk.serving, desk.until = None, False, None
        for outcome in outcomes:
            if outcome.referred_to is not None:
                for other in day.desks:
                    if other.booth.pk == outcome.referred_to.pk:
                        other.waiting += 1
        for document in Document.objects.filter(service_record__in=records).order_by("id"):
            if document.status == Document.Status.IN_PROCESS:
                self.in_process.append(document)
            else:
                self._hand_over_at_visit(day, desk, document, resident, moment)

    def _outcome(
        self,
        day: _Day,
        desk: _Desk,
        ticket: Ticket,
        service: Service,
        resident: Resident,
        moment: dt.datetime,
    ) -> OutcomeInput:
        traveller = resident.pk in self.travellers
        roll = self.rng.random()
        if not traveller and roll < 0.06:
            requirements = [r.text for r in self.requirements.get(service.pk, []) if r.text != "-"]
            missing = self.rng.choice(requirements) if requirements else "berkas persyaratan"
            return OutcomeInput(
                service=service,
                outcome=ServiceRecord.Outcome.REJECTED,
                rejection_reason=f"Belum membawa: {missing}"[:250],
            )
        if not traveller and roll < 0.09 and ticket.transferred_from_id is None:
            target = self._referral_target(day, desk)
            if target is not None:
                return OutcomeInput(
                    service=service,
                    outcome=ServiceRecord.Outcome.REFERRED,
                    referred_to=target.booth,
                    notes=REFERRAL_NOTE,
                )
        on_site = {
            Service.OnSite.YES: 0.95,
            Service.OnSite.SOMETIMES: 0.6,
            Service.OnSite.NO: 0.0,
        }[Service.OnSite(service.completed_on_site)]
        if self.rng.random() < on_site:
            kind = document_kind_for(service)
            return OutcomeInput(
                service=service,
                outcome=ServiceRecord.Outcome.COMPLETED,
                document_number=self._document_number(kind, moment.date()) if kind else "",
            )
        return OutcomeInput(
            service=service,
            outcome=ServiceRecord.Outcome.IN_PROCESS,
            promised_date=moment.date() + dt.timedelta(days=self.rng.randint(3, 21)),
        )

    def _referral_target(self, day: _Day, desk: _Desk) -> _Desk | None:
        codes = REFERRAL_TARGETS.get(desk.agency.code, REFERRAL_TARGETS["*"])
        for code in codes:
            target = day.by_agency.get(code)
            if target is not None and target is not desk:
                return target
        return None

    def _document_number(self, kind: str | None, day: dt.date) -> str:
        """Numbers in the shape each office writes them (never the NIK)."""
        self.document_serial += 1
        serial = self.document_serial
        code = self.ctx.regency.code.replace(".", "")
        if kind == Document.Kind.BIRTH_CERTIFICATE:
            return f"{code}-LT-{day:%d%m%Y}-{serial:04d}"
        if kind == Document.Kind.DEATH_CERTIFICATE:
            return f"{code}-KM-{day:%d%m%Y}-{serial:04d}"
        if kind == Document.Kind.KTP_EL:
            return f"{code}-KTP-{day:%d%m%Y}-{serial:04d}"
        if kind == Document.Kind.KK:
            return f"{code}-KK-{day:%d%m%Y}-{serial:04d}"
        if kind == Document.Kind.SIM:
            return f"{day:%y%m}-{code}-{self.rng.randint(100000, 999999)}"
        if kind == Document.Kind.STNK:
            return f"BD {self.rng.randint(1000, 9999)} {self.rng.choice(['A', 'B', 'C', 'K', 'L'])}"
        if kind == Document.Kind.AK1:
            return f"AK1/{code}/{day.year}/{serial:05d}"
        if kind == Document.Kind.NIB:
            return self.fake.numerify("9120#########")
        return f"{code}/{(kind or 'doc').upper()}/{day.year}/{serial:06d}"

    # Handovers

    def _proxy(self, resident: Resident, day: dt.date) -> tuple[Resident, str] | None:
        """A family member who can collect the document, with the relationship."""
        member = self.members.get(resident.pk)
        if member is None:
            return None
        others = [m for m in member.household if m.resident.pk != resident.pk]
        adults = [m for m in others if self._age(m.resident, day) >= 17]
        if not adults:
            return None
        other = self.rng.choice(adults)
        if member.role == "child":
            relationship = "Ayah" if other.resident.sex == "L" else "Ibu"
        elif other.role == "child":
            relationship = "Anak"
        else:
            relationship = "Suami" if other.resident.sex == "L" else "Istri"
        return other.resident, relationship

    def _hand_over(
        self,
        document: Document,
        *,
        actor: User,
        moment: dt.datetime,
        place: str,
        visit: Visit | None,
        on_stage: bool = False,
        by_proxy: bool = False,
    ) -> None:
        proxy = self._proxy(document.resident, moment.date()) if by_proxy else None
        hand_over_document(
            document=document,
            actor=actor,
            recipient=(
                DocumentHandover.Recipient.PROXY if proxy else DocumentHandover.Recipient.RESIDENT
            ),
            place=place,
            visit=visit,
            proxy_name=proxy[0].full_name if proxy else "",
            proxy_national_id=proxy[0].national_id if proxy else "",
            proxy_relationship=proxy[1] if proxy else "",
            on_stage=on_stage,
            now=moment,
        )

    def _hand_over_at_visit(
        self, day: _Day, desk: _Desk, document: Document, resident: Resident, moment: dt.datetime
    ) -> None:
        """Most finished documents go into the resident's hands at once; some wait
        (the resident had left when it was printed), and travellers' documents wait for
        their own kecamatan's visit."""
        if resident.pk in self.travellers:
            return
        when = moment + dt.timedelta(minutes=self.rng.randint(1, 20))
        if day.ends_at is not None and when > day.ends_at:
            return
        if day.ceremony and not day.handed_on_stage and desk.agency.code == "disdukcapil":
            day.handed_on_stage = True
            self._hand_over(
                document,
                actor=self.ctx.admin,
                moment=when,
                place=DocumentHandover.Place.VISIT,
                visit=day.visit,
                on_stage=True,
            )
            return
        if self.rng.random() < 0.2:
            return
        child = self._age(resident, day.day) < 17
        self._hand_over(
            document,
            actor=desk.actor,
            moment=when,
            place=DocumentHandover.Place.VISIT,
            visit=day.visit,
            by_proxy=child or self.rng.random() < 0.12,
        )

    # Finished visits

    def serve_past_visit(self, visit: Visit, *, ceremony: bool = False) -> None:
        """The queue of a finished visit, day by day, before it is closed: residents
        of the village (and two from a village visited later) are served."""
        visit = Visit.objects.select_related("regency", "village__district").get(pk=visit.pk)
        residents = list(self.by_village.get(visit.village_id, []))
        self.rng.shuffle(residents)
        coming = residents[: round(len(residents) * self.rng.uniform(0.4, 0.6))]
        offered = set(services_offered_at(visit).values_list("pk", flat=True))
        for number, day in enumerate(visit.days):
            desks = self._open_desks(visit, day, zones=False)
            state = _Day(
                visit=visit,
                day=day,
                desks=desks,
                offered=offered,
                ends_at=None,
                ceremony=ceremony and number == 0,
                by_agency={d.agency.code: d for d in desks},
            )
            share = coming[number :: len(visit.days)]
            arrivals = []
            for resident in share:
                services = self._needs(resident, state)
                if services:
                    arrivals.append(_Arrival(self._arrival_time(day), resident, services))
            if number == 0:
                arrivals.extend(self._travellers(state))
            self._run(state, arrivals)

    def _arrival_time(self, day: dt.date) -> dt.datetime:
        return self.at(day, 7, 30) + dt.timedelta(minutes=self.rng.randint(0, 300))

    def _travellers(self, day: _Day) -> list[_Arrival]:
        pool = [
            resident
            for village_id in self.traveller_villages
            for resident in self.by_village.get(village_id, [])
            if resident.pk not in self.travellers
        ]
        arrivals = []
        for resident in self.rng.sample(pool, min(len(pool), TRAVELLERS_PER_VISIT)):
            services = self._traveller_needs(resident, day)
            if services:
                self.travellers.add(resident.pk)
                arrivals.append(_Arrival(self._arrival_time(day.day), resident, services))
        return arrivals

    def follow_up_documents(self) -> None:
        """What happened after the finished visits: most documents promised for a past
        date became ready; about half of those were collected at the village office,
        the rest wait (and roll to the next visit of the kecamatan). A few are late."""
        for document in self.in_process:
            promised = document.promised_date
            if promised is None or promised >= self.ctx.today or self.rng.random() < 0.2:
                continue
            actor = self.ctx.operators.get(document.agency.code, self.ctx.admin)
            ready_at = self.at(promised, self.rng.randint(9, 14), self.rng.randint(0, 59))
            document = mark_ready(
                document=document,
                actor=actor,
                number=self._document_number(document.kind, promised),
                now=ready_at,
            )
            collected = ready_at + dt.timedelta(days=self.rng.randint(1, 10))
            if (
                document.resident_id not in self.travellers
                and collected.date() < self.ctx.today
                and self.rng.random() < 0.5
            ):
                self._hand_over(
                    document,
                    actor=self.village_operators.get(
                        document.resident.village_id or 0, self.ctx.admin
                    ),
                    moment=collected,
                    place=DocumentHandover.Place.VILLAGE_OFFICE,
                    visit=None,
                    by_proxy=self.rng.random() < 0.3,
                )
        self.in_process = []

    # Before the next visits

    def register_office_documents(self, visits: Sequence[Visit]) -> None:
        """KTP-el printed at the office in Manna for residents of the next visit's
        village: ready to hand over there; and one KK still being made."""
        dukcapil = self.ctx.operators.get("disdukcapil", self.ctx.admin)
        agency = Agency.objects.get(code="disdukcapil")
        for visit in visits:
            adults = [
                resident
                for resident in self.by_village.get(visit.village_id, [])
                if self._age(resident, visit.start_date) >= 17
            ]
            for resident in self.rng.sample(adults, min(3, len(adults))):
                register_document(
                    kind=Document.Kind.KTP_EL,
                    number=self._document_number(Document.Kind.KTP_EL, self.ctx.today),
                    resident=resident,
                    agency=agency,
                    actor=dukcapil,
                    ready=True,
                )
            if adults:
                register_document(
                    kind=Document.Kind.KK,
                    number="",
                    resident=self.rng.choice(adults),
                    agency=agency,
                    actor=dukcapil,
                    promised_date=visit.start_date,
                )

    def pre_register_for(
        self,
        visit: Visit,
        *,
        count: int,
        actor: User,
        on: Callable[[], dt.date],
    ) -> list[Registration]:
        """``count`` residents of the visit's village with the services they need and
        the requirement checklist (most documents ticked, some missing)."""
        offered = list(services_offered_at(visit))
        offered_ids = {s.pk for s in offered}
        residents = self.by_village.get(visit.village_id, [])
        registrations = []
        for resident in self.rng.sample(residents, min(count, len(residents))):
            services = [s for s in offered if self._eligible(s, resident, visit.start_date)]
            if not services:
                continue
            weights = [AGENCY_DEMAND.get(s.agency.code, 1) for s in services]
            chosen = {s.pk: s for s in self.rng.choices(services, weights, k=2)}
            if self.rng.random() < 0.6:
                chosen = dict(list(chosen.items())[:1])
            checklist = {
                pk: [r.pk for r in self.requirements.get(pk, []) if self.rng.random() < 0.8]
                for pk in chosen
            }
            registrations.append(
                pre_register(
                    visit=visit,
                    resident=resident,
                    services=list(chosen.values()),
                    documents_present=checklist,
                    actor=actor,
                    today=on(),
                    offered_ids=offered_ids,
                )
            )
        return registrations

    def pre_register_upcoming(self, visits: Sequence[Visit], actors: Sequence[User]) -> None:
        for visit, actor in zip(visits, actors, strict=True):
            self.pre_register_for(
                visit,
                count=self.rng.randint(*UPCOMING_PRE_REGISTRATIONS),
                actor=actor,
                on=lambda: self.ctx.today,
            )

    # Today's visit

    def hold_todays_visit(self, village: Village, *, guests: Sequence[str], actor: User) -> Visit:
        """Today's visit, under way: agencies checked in this morning (all but one
        OPD), booths open, residents queued at one to three booths, some served."""
        ctx, today = self.ctx, self.ctx.today
        planned = self.at(today - dt.timedelta(days=21), 9, 0)
        visit = plan_visit(
            regency=ctx.regency,
            village=village,
            start_date=today,
            end_date=today,
            created_by=ctx.admin,
            now=planned,
        )
        visit = announce_visit(visit=visit, actor=ctx.admin)
        for code in guests:
            invite_agency(visit=visit, agency=Agency.objects.get(code=code), actor=ctx.admin)
        participations = list(
            Participation.objects.filter(visit=visit).select_related("agency", "visit")
        )
        for participation in participations:
            if participation.agency.code != ABSENT_TODAY:
                days_before = self.rng.randint(2, 14)
                ctx.confirm(participation, self.at(today - dt.timedelta(days=days_before), 10, 0))
        registrations = self.pre_register_for(
            visit,
            count=self.rng.randint(*TODAY_PRE_REGISTRATIONS),
            actor=actor,
            on=lambda: today - dt.timedelta(days=self.rng.randint(1, 7)),
        )
        for participation in participations:
            if participation.agency.code == ABSENT_TODAY:
                continue
            check_in(
                visit=visit,
                agency=participation.agency,
                actor=ctx.operators.get(participation.agency.code, ctx.admin),
                now=self._check_in_time(),
            )
        visit = Visit.objects.select_related("regency", "village__district").get(pk=visit.pk)
        desks = self._open_desks(visit, today, zones=True)
        state = _Day(
            visit=visit,
            day=today,
            desks=desks,
            offered=set(services_offered_at(visit).values_list("pk", flat=True)),
            ends_at=self.now,
            by_agency={d.agency.code: d for d in desks},
        )
        self._run(state, self._todays_arrivals(state, registrations))
        self._hand_over_rolled_documents(state)
        return visit

    def _check_in_time(self) -> dt.datetime:
        today = self.ctx.today
        if self.rng.random() < 0.12:
            moment = self.at(today, 8, 35) + dt.timedelta(minutes=self.rng.randint(0, 40))
        else:
            moment = self.at(today, 7, 10) + dt.timedelta(minutes=self.rng.randint(0, 70))
        return min(moment, self.now - dt.timedelta(minutes=5))

    def _todays_arrivals(self, day: _Day, registrations: list[Registration]) -> list[_Arrival]:
        """Most pre-registered residents come, with the services they registered for
        (those of an agency that has a booth); walk-ins fill the rest. Arrivals thicken
        towards "now", so the busiest booths still have a queue."""
        start, end = self.at(day.day, 7, 30), self.now - dt.timedelta(minutes=3)
        window = max(1, int((end - start).total_seconds() // 60))

        def when() -> dt.datetime:
            if self.rng.random() < 0.45:
                return end - dt.timedelta(minutes=self.rng.randint(0, min(50, window)))
            return start + dt.timedelta(minutes=self.rng.randint(0, window))

        open_agencies = {desk.agency.pk for desk in day.desks}
        arrivals = []
        registered = set()
        for registration in registrations:
            registered.add(registration.resident_id)
            if self.rng.random() < 0.25:
                continue  # not here yet
            services = [
                need.service
                for need in registration.needs.select_related("service")
                if need.service.agency_id in open_agencies
            ] or self._needs(registration.resident, day)
            if services:
                arrivals.append(_Arrival(when(), registration.resident, services, registration))
        walk_ins = [r for r in self.by_village[day.visit.village_id] if r.pk not in registered]
        self.rng.shuffle(walk_ins)
        wanted = self.rng.randint(*TODAY_RESIDENTS_WITH_TICKETS)
        for resident in walk_ins:
            if len(arrivals) >= wanted:
                break
            services = self._needs(resident, day)
            if services:
                arrivals.append(_Arrival(when(), resident, services))
        return arrivals

    def _hand_over_rolled_documents(self, day: _Day) -> None:
        """Documents finished at an earlier visit for residents of today's village,
        handed over this morning; the others still wait on the list."""
        waiting = list(
            Document.objects.filter(
                status=Document.Status.READY,
                resident__village=day.visit.village,
                service_record__ticket__visit_ticket__visit__status__in=[
                    Visit.Status.FINISHED,
                    Visit.Status.REPORTED,
                ],
            ).order_by("id")
        )
        for document in waiting[: max(0, len(waiting) - 1)]:
            moment = min(self.at(day.day, 9, 15), self.now - dt.timedelta(minutes=1))
            self._hand_over(
                document,
                actor=self.ctx.operators.get(document.agency.code, self.ctx.admin),
                moment=moment,
                place=DocumentHandover.Place.VISIT,
                visit=day.visit,
            )

    # Summary

    @staticmethod
    def counts() -> VisitDayCounts:
        by_status = {
            row["status"]: row["n"]
            for row in Document.objects.values("status").annotate(n=Count("id"))
        }
        return VisitDayCounts(
            residents=Resident.objects.count(),
            tickets=Ticket.objects.count(),
            documents=sum(by_status.values()),
            ready=by_status.get(Document.Status.READY, 0),
        )


def demo_now(today: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The moment today's visit has reached. With the real date (``make run``) it is
    the clock, kept inside 09:00–15:00 so the morning has happened and the hall is
    still open; for any other date (tests, ``--today``) it is 11:00."""
    real = timezone.now().astimezone(zone)
    if real.date() != today:
        return dt.datetime.combine(today, dt.time(11, 0), tzinfo=zone)
    earliest = dt.datetime.combine(today, dt.time(9, 0), tzinfo=zone)
    latest = dt.datetime.combine(today, dt.time(15, 0), tzinfo=zone)
    return min(max(real.replace(second=0, microsecond=0), earliest), latest)


def unused_district(districts: Sequence[District], used: Iterable[District]) -> District:
    """A kecamatan no other demo visit went to (the last one when all were used)."""
    taken = {district.pk for district in used}
    free = [district for district in districts if district.pk not in taken]
    return free[0] if free else districts[-1]
