"""Reads for the booth operator screen and the live visit dashboard, with their scope.

Booth screen: program admins and the operators of the booth's agency. An operator of
another agency gets 404 (another agency's queue is not theirs to see); leadership
and village operators, who may see the visit, get 403.

Dashboard: program admins and leadership see every booth; an agency operator sees
the booths of their agencies; everyone else gets 403.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import ExtractHour
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Requirement, Service
from bujian.queueing.actions import tickets_left_over
from bujian.queueing.models import IN_PROGRESS, Ticket
from bujian.residents.models import RegistrationService
from bujian.residents.nik import mask_nik
from bujian.visits.models import Booth, Participation, Visit
from bujian.visits.queries import get_visit_for_staff, operable_agency_ids, visible_visits

WAITING_LIST_SIZE = 10


# --- access -------------------------------------------------------------------------


BOOTH_SCREEN_RELATED = ("participation__agency", "visit__regency", "visit__village__district")


def get_booth_for_operator(
    user: User,
    booth_id: int,
    *,
    related: tuple[str, ...] = BOOTH_SCREEN_RELATED,
    only: tuple[str, ...] = (),
) -> Booth:
    """A booth the user may work at: 404 outside their scope (another agency's booth
    for an agency operator), 403 for roles that only read (leadership, villages).
    ``related`` is what the caller reads besides the booth (the API names less than
    the screen: every joined column costs time in the busiest request of the day)."""
    booths = Booth.objects.select_related(*related).filter(
        pk=booth_id, visit__in=visible_visits(user)
    )
    if only:
        booths = booths.only(*only)
    own_only = user.is_agency_operator and not user.is_program_admin
    if own_only:
        # Checked inside the same query: another agency's booth simply is not found.
        booths = booths.filter(participation__agency__in=user.agencies.all())
    booth = booths.first()
    if booth is None:
        raise Http404
    if not own_only:
        operable = operable_agency_ids(user)
        if operable is not None and booth.participation.agency_id not in operable:
            raise PermissionDenied
    return booth


def get_booth_ticket(booth: Booth, ticket_id: object) -> Ticket:
    """A ticket of this booth (404 for any other, whatever its id)."""
    try:
        pk = int(str(ticket_id))
    except ValueError as error:
        raise Http404 from error
    ticket = (
        Ticket.objects.select_related("booth__visit__regency", "visit_ticket")
        .filter(pk=pk, booth=booth)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def can_operate_booth(user: User, booth: Booth) -> bool:
    operable = operable_agency_ids(user)
    return operable is None or booth.participation.agency_id in operable


# --- the booth screen ---------------------------------------------------------------


@dataclass
class RequirementCheck:
    text: str
    present: bool | None  # None: no pre-registration says


@dataclass
class ServiceNeed:
    service: Service
    requirements: list[RequirementCheck]


@dataclass
class CurrentTicket:
    """The ticket on the operator's panel, with what they need to serve it."""

    ticket: Ticket
    resident_name: str
    masked_nik: str
    needs: list[ServiceNeed]
    preregistered: bool
    mine: bool


def in_progress_tickets(booth: Booth) -> list[Ticket]:
    """Tickets called or being served at the booth, latest call first (any day: one
    left over from yesterday can still be finished)."""
    return list(
        Ticket.objects.filter(booth=booth, status__in=IN_PROGRESS)
        .select_related("visit_ticket__resident", "called_by", "booth")
        .order_by("-called_at", "-id")
    )


def pick_current(tickets: list[Ticket], user: User, wanted: int | None = None) -> Ticket | None:
    """The ticket on the panel: the one asked for, else the user's latest call, else
    none (a colleague's ticket is listed, not taken over by itself)."""
    if wanted is not None:
        for ticket in tickets:
            if ticket.pk == wanted:
                return ticket
    for ticket in tickets:
        if ticket.called_by_id == user.pk:
            return ticket
    return None


def current_ticket(ticket: Ticket, user: User) -> CurrentTicket:
    """Resident (masked NIK), services asked for, and the requirement checklist the
    village operator filled in at pre-registration, when there was one."""
    visit_ticket = ticket.visit_ticket
    resident = visit_ticket.resident
    services = list(
        ticket.services.order_by("name").prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("position", "id"))
        )
    )
    present: dict[int, set[int]] = {}
    preregistered = False
    registration_id = visit_ticket.registration_id
    if registration_id is None:
        registration_id = (
            resident.registrations.filter(visit_id=visit_ticket.visit_id)
            .values_list("pk", flat=True)
            .first()
        )
    if registration_id is not None:
        preregistered = True
        needs = RegistrationService.objects.filter(
            registration_id=registration_id, service__in=services
        ).prefetch_related("documents_present")
        for need in needs:
            present[need.service_id] = {r.pk for r in need.documents_present.all()}
    return CurrentTicket(
        ticket=ticket,
        resident_name=resident.full_name,
        masked_nik=mask_nik(resident.national_id),
        needs=[
            ServiceNeed(
                service=service,
                requirements=[
                    RequirementCheck(
                        text=requirement.text,
                        present=(
                            requirement.pk in present[service.pk] if service.pk in present else None
                        ),
                    )
                    for requirement in service.requirements.all()
                ],
            )
            for service in services
        ],
        preregistered=preregistered,
        mine=ticket.called_by_id == user.pk,
    )


def booth_services(booth: Booth) -> QuerySet[Service]:
    """Services an outcome may be recorded for: the agency's active services."""
    return (
        Service.objects.active()
        .filter(agency_id=booth.participation.agency_id)
        .prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("position", "id"))
        )
        .order_by("name")
    )


def transfer_targets(booth: Booth) -> QuerySet[Booth]:
    """Open booths of agencies present at the visit, other than this one."""
    return (
        Booth.objects.filter(
            visit_id=booth.visit_id,
            is_open=True,
            participation__attendance=Participation.Attendance.PRESENT,
        )
        .exclude(pk=booth.pk)
        .select_related("participation__agency")
        .order_by("prefix")
    )


@dataclass
class WaitingRow:
    ticket: Ticket
    minutes: int
    busy_elsewhere: bool
    returned: bool  # a skipped ticket back in the queue


def waiting_list(
    booth: Booth, now: dt.datetime, today: dt.date, *, limit: int = WAITING_LIST_SIZE
) -> list[WaitingRow]:
    """The next tickets in calling order: waiting ones and skipped ones whose return
    time has come, oldest first. Residents being served at another booth are listed
    (they keep their place) and marked; call next passes over them."""
    tickets = (
        Ticket.objects.filter(booth=booth, day=today)
        .filter(
            Q(status=Ticket.Status.WAITING) | Q(status=Ticket.Status.SKIPPED, return_at__lte=now)
        )
        .select_related("visit_ticket__resident", "booth")
        .order_by("queued_at", "id")[:limit]
    )
    return [
        WaitingRow(
            ticket=ticket,
            minutes=max(0, int((now - ticket.queued_at).total_seconds() // 60)),
            busy_elsewhere=ticket.visit_ticket.busy_with_id is not None,
            returned=ticket.status == Ticket.Status.SKIPPED,
        )
        for ticket in tickets
    ]


def parked_tickets(booth: Booth, now: dt.datetime, today: dt.date) -> list[Ticket]:
    """Held tickets, and skipped ones not yet back in the queue."""
    return list(
        Ticket.objects.filter(booth=booth, day=today)
        .filter(Q(status=Ticket.Status.HELD) | Q(status=Ticket.Status.SKIPPED, return_at__gt=now))
        .select_related("visit_ticket__resident", "booth")
        .order_by("queued_at", "id")
    )


@dataclass
class BoothCounts:
    waiting: int
    served: int
    average_service_minutes: float | None


def _minutes(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


_WAIT = ExpressionWrapper(F("called_at") - F("queued_at"), output_field=DurationField())
_SERVICE = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())


def booth_counts(booth: Booth, today: dt.date) -> BoothCounts:
    """Waiting today, served today and the average service time, in one query."""
    done = Q(status=Ticket.Status.DONE)
    row = Ticket.objects.filter(booth=booth, day=today).aggregate(
        waiting=Count("id", filter=Q(status=Ticket.Status.WAITING)),
        served=Count("id", filter=done),
        service=Avg(_SERVICE, filter=done & Q(started_at__isnull=False)),
    )
    return BoothCounts(
        waiting=row["waiting"],
        served=row["served"],
        average_service_minutes=_minutes(row["service"]),
    )


# --- the visit dashboard ------------------------------------------------------------


def get_visit_for_dashboard(user: User, visit_id: int) -> tuple[Visit, set[int] | None]:
    """The visit and the agencies whose booths the user sees (None: every booth).
    404 outside the user's scope, 403 for village operators."""
    visit = get_visit_for_staff(user, visit_id)
    if user.sees_whole_regency:
        return visit, None
    if user.is_agency_operator:
        return visit, set(user.agencies.values_list("pk", flat=True))
    raise PermissionDenied


@dataclass
class BoothStats:
    booth: Booth | None  # None for the totals row
    waiting: int = 0
    called: int = 0
    served: int = 0
    held: int = 0
    skipped: int = 0
    average_wait_minutes: float | None = None
    average_service_minutes: float | None = None


@dataclass
class HourCount:
    hour: int
    residents: int
    percent: int  # of the busiest hour, for the bar


@dataclass
class VisitDashboard:
    booths: list[BoothStats]
    per_hour: list[HourCount]
    present: list[Participation]
    not_present: list[Participation]
    residents_today: int
    totals: BoothStats
    left_over: int = 0

    @property
    def served_residents_today(self) -> int:
        return sum(h.residents for h in self.per_hour)


def visit_dashboard(
    visit: Visit, today: dt.date, agency_ids: set[int] | None, *, with_left_over: bool = False
) -> VisitDashboard:
    """Per booth: waiting, called, served, held and skipped today, average wait
    (called − queued) and service time (finished − started); residents served per
    local hour; agencies present. A fixed number of queries, whatever the size."""
    booths = Booth.objects.filter(visit=visit).select_related("participation__agency")
    tickets = Ticket.objects.filter(booth__visit=visit, day=today)
    participations = Participation.objects.filter(visit=visit).select_related("agency")
    if agency_ids is not None:
        booths = booths.filter(participation__agency_id__in=agency_ids)
        tickets = tickets.filter(booth__participation__agency_id__in=agency_ids)
        participations = participations.filter(agency_id__in=agency_ids)
    done = Q(status=Ticket.Status.DONE)
    rows = {
        row["booth_id"]: row
        for row in tickets.values("booth_id").annotate(
            waiting=Count("id", filter=Q(status=Ticket.Status.WAITING)),
            called=Count("id", filter=Q(status__in=IN_PROGRESS)),
            served=Count("id", filter=done),
            held=Count("id", filter=Q(status=Ticket.Status.HELD)),
            skipped=Count("id", filter=Q(status=Ticket.Status.SKIPPED)),
            wait=Avg(_WAIT, filter=Q(called_at__isnull=False)),
            service=Avg(_SERVICE, filter=done & Q(started_at__isnull=False)),
        )
    }
    stats = []
    for booth in booths.order_by("prefix"):
        row = rows.get(booth.pk, {})
        stats.append(
            BoothStats(
                booth=booth,
                waiting=row.get("waiting", 0),
                called=row.get("called", 0),
                served=row.get("served", 0),
                held=row.get("held", 0),
                skipped=row.get("skipped", 0),
                average_wait_minutes=_minutes(row.get("wait")),
                average_service_minutes=_minutes(row.get("service")),
            )
        )
    overall = tickets.aggregate(
        wait=Avg(_WAIT, filter=Q(called_at__isnull=False)),
        service=Avg(_SERVICE, filter=done & Q(started_at__isnull=False)),
        residents=Count("visit_ticket", distinct=True),
    )
    totals = BoothStats(
        booth=None,
        waiting=sum(s.waiting for s in stats),
        called=sum(s.called for s in stats),
        served=sum(s.served for s in stats),
        held=sum(s.held for s in stats),
        skipped=sum(s.skipped for s in stats),
        average_wait_minutes=_minutes(overall["wait"]),
        average_service_minutes=_minutes(overall["service"]),
    )
    hours: dict[int, int] = defaultdict(int)
    zone = ZoneInfo(visit.regency.time_zone)
    for row in (
        tickets.filter(done, finished_at__isnull=False)
        .annotate(hour=ExtractHour("finished_at", tzinfo=zone))
        .values("hour")
        .annotate(residents=Count("visit_ticket", distinct=True))
    ):
        hours[row["hour"]] += row["residents"]
    busiest = max(hours.values(), default=0)
    per_hour = [
        HourCount(hour=hour, residents=count, percent=round(100 * count / busiest))
        for hour, count in sorted(hours.items())
    ]
    every = list(participations.order_by("agency__short_name"))
    present = [p for p in every if p.attendance == Participation.Attendance.PRESENT]
    not_present = [
        p
        for p in every
        if p.attendance != Participation.Attendance.PRESENT
        and p.status != Participation.Status.EXCUSED
    ]
    return VisitDashboard(
        booths=stats,
        per_hour=per_hour,
        present=present,
        not_present=not_present,
        residents_today=overall["residents"],
        totals=totals,
        left_over=tickets_left_over(visit, today).count() if with_left_over else 0,
    )
