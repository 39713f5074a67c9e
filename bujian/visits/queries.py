"""Reads of visits and participation, with the access scope of each role."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.regions.models import District, Regency
from bujian.visits.models import Excuse, Participation, Visit

CLOSED_STATES = [Visit.Status.FINISHED, Visit.Status.REPORTED]


# --- access scope ---------------------------------------------------------------


def visible_visits(user: User) -> QuerySet[Visit]:
    """Visits a staff member may open: all of their regency for program admins and
    leadership; those their agencies take part in for agency operators; those of
    their village for village operators."""
    visits = Visit.objects.select_related("village__district", "regency")
    if user.is_superuser:
        return visits
    if user.sees_whole_regency:
        return visits.filter(regency=user.regency) if user.regency else visits.none()
    if user.is_agency_operator:
        return visits.filter(participations__agency__in=user.agencies.all()).distinct()
    if user.is_village_operator:
        return visits.filter(village=user.village) if user.village else visits.none()
    return visits.none()


def get_visit_for_staff(user: User, pk: int) -> Visit:
    visit = visible_visits(user).filter(pk=pk).first()
    if visit is None:
        raise Http404
    return visit


def get_visit_for_admin(user: User, pk: int) -> Visit:
    """404 outside the user's scope, 403 inside it for anyone but a program admin."""
    visit = get_visit_for_staff(user, pk)
    if not user.is_program_admin:
        raise PermissionDenied
    return visit


def operable_agency_ids(user: User) -> set[int] | None:
    """Agencies whose participation the user may change; None means every agency of
    the visit (program admins)."""
    if user.is_program_admin:
        return None
    if user.is_agency_operator:
        return set(user.agencies.values_list("pk", flat=True))
    return set()


def can_operate(user: User, participation: Participation) -> bool:
    ids = operable_agency_ids(user)
    return ids is None or participation.agency_id in ids


def get_participation(user: User, pk: int, *, for_change: bool = False) -> Participation:
    """A participation the user may see (404 otherwise); with ``for_change`` it must
    also be one the user may change (403 otherwise)."""
    participation = (
        Participation.objects.select_related("agency", "visit__village__district", "visit__regency")
        .filter(pk=pk, visit__in=visible_visits(user))
        .first()
    )
    if participation is None:
        raise Http404
    if user.is_agency_operator and not can_operate(user, participation):
        raise Http404  # another agency's answers are not theirs to read
    if for_change and not can_operate(user, participation):
        raise PermissionDenied
    return participation


def get_excuse_for_admin(user: User, pk: int) -> Excuse:
    excuse = (
        Excuse.objects.select_related("participation__agency", "participation__visit__regency")
        .filter(pk=pk, participation__visit__in=visible_visits(user))
        .first()
    )
    if excuse is None:
        raise Http404
    if not user.is_program_admin:
        raise PermissionDenied
    return excuse


# --- visit pages ------------------------------------------------------------------


def participations_of(visit: Visit) -> QuerySet[Participation]:
    return (
        Participation.objects.filter(visit=visit)
        .select_related("agency")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("code")),
            "staff",
            "checkins",
            Prefetch(
                "excuses", queryset=Excuse.objects.select_related("requested_by", "decided_by")
            ),
        )
        .order_by("-mandatory", "agency__kind", "agency__short_name")
    )


@dataclass
class VisitProgress:
    invited: int = 0
    confirmed: int = 0
    excused: int = 0
    present: int = 0
    absent: int = 0
    pending_excuses: int = 0


def visit_progress(visits: list[Visit]) -> dict[int, VisitProgress]:
    """Counts per visit for lists, in one query."""
    rows = (
        Participation.objects.filter(visit__in=visits)
        .values("visit_id")
        .annotate(
            invited=Count("id"),
            confirmed=Count("id", filter=Q(status=Participation.Status.CONFIRMED)),
            excused=Count("id", filter=Q(status=Participation.Status.EXCUSED)),
            present=Count("id", filter=Q(attendance=Participation.Attendance.PRESENT)),
            absent=Count("id", filter=Q(attendance=Participation.Attendance.ABSENT)),
        )
    )
    progress: dict[int, VisitProgress] = defaultdict(VisitProgress)
    for row in rows:
        visit_id = row.pop("visit_id")
        progress[visit_id] = VisitProgress(**row)
    pending = (
        Excuse.objects.filter(participation__visit__in=visits, decision=Excuse.Decision.PENDING)
        .values("participation__visit_id")
        .annotate(n=Count("id"))
    )
    for row in pending:
        progress[row["participation__visit_id"]].pending_excuses = row["n"]
    return progress


def pending_excuses(user: User) -> QuerySet[Excuse]:
    return (
        Excuse.objects.filter(
            decision=Excuse.Decision.PENDING, participation__visit__in=visible_visits(user)
        )
        .select_related("participation__agency", "participation__visit__village", "requested_by")
        .order_by("participation__visit__start_date")
    )


def invitable_agencies(visit: Visit) -> QuerySet[Agency]:
    """Active agencies of the regency not yet invited: vertical agencies and
    stakeholders, plus any OPD added to the catalog after the visit was planned."""
    return (
        Agency.objects.active()
        .serving(visit.regency_id)
        .exclude(participations__visit=visit)
        .order_by("kind", "short_name")
    )


def my_participations(user: User, today: dt.date) -> QuerySet[Participation]:
    """An agency operator's invitations to visits that are not over."""
    return (
        Participation.objects.filter(
            agency__in=user.agencies.all(),
            visit__status__in=[Visit.Status.DRAFT, Visit.Status.ANNOUNCED, Visit.Status.ONGOING],
            visit__end_date__gte=today,
        )
        .select_related("agency", "visit__village__district")
        .prefetch_related("checkins")
        .order_by("visit__start_date", "agency__short_name")
    )


# --- public schedule ----------------------------------------------------------------


@dataclass
class DistrictSchedule:
    district: District
    visits: list[Visit] = field(default_factory=list)


def public_schedule(regency: Regency, today: dt.date) -> list[DistrictSchedule]:
    """Upcoming public visits of a regency, grouped by kecamatan in code order."""
    visits = (
        Visit.objects.public()
        .in_regency(regency.pk)
        .upcoming(today)
        .select_related("village__district")
        .annotate(
            agency_count=Count(
                "participations", filter=~Q(participations__status=Participation.Status.EXCUSED)
            )
        )
    )
    groups: dict[int, DistrictSchedule] = {}
    for visit in visits:
        district = visit.village.district
        groups.setdefault(district.pk, DistrictSchedule(district)).visits.append(visit)
    return sorted(groups.values(), key=lambda g: g.district.code)


def public_past_visits(regency: Regency, today: dt.date) -> QuerySet[Visit]:
    return (
        Visit.objects.public()
        .in_regency(regency.pk)
        .past(today)
        .select_related("village__district")
        .annotate(
            present_count=Count(
                "participations",
                filter=Q(participations__attendance=Participation.Attendance.PRESENT),
            )
        )
    )


def public_visit(pk: int) -> Visit:
    visit = (
        Visit.objects.public().select_related("village__district", "regency").filter(pk=pk).first()
    )
    if visit is None:
        raise Http404
    return visit


def public_participations(visit: Visit) -> QuerySet[Participation]:
    """Agencies coming (not excused), with the services they confirmed and what
    residents must bring. No staff names: public pages carry no personal data."""
    return (
        Participation.objects.filter(visit=visit)
        .exclude(status=Participation.Status.EXCUSED)
        .select_related("agency")
        .prefetch_related(
            Prefetch(
                "services",
                queryset=Service.objects.active().prefetch_related("requirements").order_by("code"),
            )
        )
        .order_by("-status", "agency__kind", "agency__short_name")
    )


def public_calendar_visits(regency: Regency) -> QuerySet[Visit]:
    return (
        Visit.objects.public()
        .in_regency(regency.pk)
        .select_related("village__district", "regency")
        .order_by("start_date")
    )


# --- compliance ledger ------------------------------------------------------------------


@dataclass
class LedgerRow:
    agency: Agency
    invited: int
    confirmed: int
    excused: int
    present: int
    late: int
    absent: int

    @property
    def expected(self) -> int:
        """Closed visits the agency had to attend: present plus absent."""
        return self.present + self.absent

    @property
    def attendance_rate(self) -> float | None:
        return round(100 * self.present / self.expected, 1) if self.expected else None


def compliance_ledger(
    regency: Regency, *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> list[LedgerRow]:
    """Per agency across the visits of a period: invited, confirmed, excused, present,
    late, absent. Ranked worst first: most absences, then lowest attendance rate."""
    visits = Visit.objects.in_regency(regency.pk).exclude(
        status__in=[Visit.Status.DRAFT, Visit.Status.CANCELLED]
    )
    if date_from:
        visits = visits.filter(start_date__gte=date_from)
    if date_to:
        visits = visits.filter(start_date__lte=date_to)
    rows = (
        Participation.objects.filter(visit__in=visits)
        .values("agency_id")
        .annotate(
            invited=Count("id"),
            confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
            excused=Count("id", filter=Q(status=Participation.Status.EXCUSED)),
            present=Count("id", filter=Q(attendance=Participation.Attendance.PRESENT)),
            late=Count("id", filter=Q(late=True)),
            absent=Count("id", filter=Q(attendance=Participation.Attendance.ABSENT)),
        )
    )
    agencies = Agency.objects.in_bulk([row["agency_id"] for row in rows])
    ledger = [
        LedgerRow(
            agency=agencies[row["agency_id"]],
            invited=row["invited"],
            confirmed=row["confirmed"],
            excused=row["excused"],
            present=row["present"],
            late=row["late"],
            absent=row["absent"],
        )
        for row in rows
    ]
    ledger.sort(
        key=lambda r: (
            -r.absent,
            r.attendance_rate if r.attendance_rate is not None else 101.0,
            -r.late,
            r.agency.short_name,
        )
    )
    return ledger


def absent_at_last_visit(regency: Regency) -> tuple[Visit | None, list[Participation]]:
    """The most recent closed visit and the agencies absent from it."""
    last = (
        Visit.objects.in_regency(regency.pk)
        .filter(status__in=CLOSED_STATES)
        .select_related("village")
        .order_by("-end_date", "-id")
        .first()
    )
    if last is None:
        return None, []
    absent = list(
        Participation.objects.filter(visit=last, attendance=Participation.Attendance.ABSENT)
        .select_related("agency")
        .order_by("agency__short_name")
    )
    return last, absent
