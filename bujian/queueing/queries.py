"""Reads of the queue, with the access scope of each screen."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.queries_lines import visit_lines
from bujian.queueing.queries_status import read_status
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import mask_nik
from bujian.residents.queries import find_residents, visible_residents
from bujian.visits.models import Booth, Participation, Visit
from bujian.visits.queries import get_visit_for_admin, get_visit_for_staff

# --- desk and public status ----------------------------------------------------------

# Bump when the status page shows something new: tags of the old page stop matching.
PUBLIC_STATUS_FORMAT = 1
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


def can_use_desk(user: User, visit: Visit) -> bool:
    """Program admins, and operators of an agency that is present at the visit, may
    staff the registration desk and print tickets."""
    if user.is_program_admin:
        return True
    if user.is_agency_operator:
        return Participation.objects.filter(
            visit=visit,
            agency__in=user.agencies.all(),
            attendance=Participation.Attendance.PRESENT,
        ).exists()
    return False


def get_visit_for_desk(user: User, visit_id: int) -> Visit:
    """404 outside the user's scope; 403 inside it for anyone who may not staff the
    desk (leadership, village operators, operators of an agency not present)."""
    visit = get_visit_for_staff(user, visit_id)
    if not can_use_desk(user, visit):
        raise PermissionDenied
    return visit


def get_visit_for_booth_setup(user: User, visit_id: int) -> Visit:
    return get_visit_for_admin(user, visit_id)


def get_visit_ticket_for_desk(user: User, ticket_uuid: uuid.UUID) -> VisitTicket:
    """A visit ticket with its booth tickets, for the desk and the printed ticket."""
    visit_ticket = (
        VisitTicket.objects.select_related("visit__village", "visit__regency", "resident")
        .prefetch_related(
            Prefetch(
                "tickets",
                queryset=Ticket.objects.exclude(status=Ticket.Status.TRANSFERRED)
                .select_related("booth__participation__agency")
                .order_by("booth__prefix", "day", "number"),
            )
        )
        .filter(uuid=ticket_uuid)
        .first()
    )
    if visit_ticket is None:
        raise Http404
    get_visit_for_desk(user, visit_ticket.visit_id)
    return visit_ticket


@dataclass
class DeskAgency:
    """An agency the desk can queue residents for: its open booth and services."""

    agency: Agency
    booth: Booth
    services: list[Service]
    waiting: int = 0


def desk_agencies(visit: Visit, today: dt.date) -> list[DeskAgency]:
    """Agencies with an open booth at the visit, each with the booth that
    ``issue_visit_ticket`` will use (the lowest prefix), the services offered at
    this visit (or every active service when the agency confirmed none) and how many
    tickets wait there today."""
    booths = (
        Booth.objects.filter(visit=visit, is_open=True)
        .select_related("participation__agency")
        .prefetch_related(
            Prefetch("participation__services", queryset=Service.objects.active().order_by("name")),
            Prefetch(
                "participation__agency__services",
                queryset=Service.objects.active().order_by("name"),
                to_attr="active_services",
            ),
        )
        .annotate(
            waiting=Count(
                "tickets",
                filter=Q(tickets__day=today, tickets__status=Ticket.Status.WAITING),
            )
        )
        .order_by("prefix")
    )
    chosen: dict[int, DeskAgency] = {}
    for booth in booths:
        participation = booth.participation
        if participation.agency_id in chosen:
            continue
        agency = participation.agency
        services = list(participation.services.all()) or list(
            getattr(agency, "active_services", [])
        )
        chosen[agency.pk] = DeskAgency(
            agency=agency,
            booth=booth,
            services=services,
            waiting=booth.waiting,
        )
    return sorted(chosen.values(), key=lambda d: d.booth.prefix)


@dataclass
class DeskResident:
    resident: Resident
    registration: Registration | None = None
    visit_ticket: VisitTicket | None = None

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.resident.national_id)


def desk_search(user: User, visit: Visit, q: str, *, limit: int = 20) -> list[DeskResident]:
    """Residents matching a NIK or a name, each with their registration and visit
    ticket at this visit when they have one."""
    q = q.strip()
    if len(q) < 3:
        return []
    residents = list(find_residents(user, q, limit=limit))
    ids = [r.pk for r in residents]
    registrations = {
        r.resident_id: r for r in Registration.objects.filter(visit=visit, resident_id__in=ids)
    }
    tickets = {
        t.resident_id: t for t in VisitTicket.objects.filter(visit=visit, resident_id__in=ids)
    }
    return [
        DeskResident(
            resident=r, registration=registrations.get(r.pk), visit_ticket=tickets.get(r.pk)
        )
        for r in residents
    ]


def parse_code(text: str) -> uuid.UUID | None:
    """The UUID in what a QR scanner typed: a bare UUID or a URL that holds one."""
    match = _UUID.search(text or "")
    return uuid.UUID(match.group(0)) if match else None


@dataclass
class ScannedCode:
    registration: Registration | None = None
    visit_ticket: VisitTicket | None = None
    resident: Resident | None = None
    other_visit: Visit | None = None


def scanned_code(user: User, visit: Visit, code: uuid.UUID) -> ScannedCode:
    """What a scanned QR names: a pre-registration or a visit ticket of this visit
    (or of another visit, which the desk reports), or a resident's own code."""
    registration = (
        Registration.objects.select_related("resident", "visit__village").filter(uuid=code).first()
    )
    if registration is not None:
        if registration.visit_id != visit.pk:
            return ScannedCode(other_visit=registration.visit)
        return ScannedCode(registration=registration)
    visit_ticket = VisitTicket.objects.select_related("visit__village").filter(uuid=code).first()
    if visit_ticket is not None:
        if visit_ticket.visit_id != visit.pk:
            return ScannedCode(other_visit=visit_ticket.visit)
        return ScannedCode(visit_ticket=visit_ticket)
    resident = visible_residents(user).filter(uuid=code).first()
    return ScannedCode(resident=resident)


def resident_by_nik(user: User, national_id: str) -> Resident | None:
    return visible_residents(user).filter(national_id=national_id).first()


def get_resident(user: User, resident_uuid: uuid.UUID) -> Resident:
    """A resident the desk officer may see (404 otherwise)."""
    resident = visible_residents(user).filter(uuid=resident_uuid).first()
    if resident is None:
        raise Http404
    return resident


@dataclass
class DeskCase:
    """What the desk knows of one resident at one visit."""

    registration: Registration | None
    needed_service_ids: set[int] = field(default_factory=set)
    visit_ticket: VisitTicket | None = None
    queued_booth_ids: set[int] = field(default_factory=set)


def desk_case(visit: Visit, resident: Resident) -> DeskCase:
    registration = (
        Registration.objects.filter(visit=visit, resident=resident)
        .prefetch_related("needs__service")
        .first()
    )
    needed = {n.service_id for n in registration.needs.all()} if registration else set()
    visit_ticket = (
        VisitTicket.objects.filter(visit=visit, resident=resident)
        .prefetch_related(
            Prefetch(
                "tickets",
                queryset=Ticket.objects.exclude(status=Ticket.Status.TRANSFERRED)
                .select_related("booth__participation__agency")
                .order_by("booth__prefix", "day", "number"),
            )
        )
        .first()
    )
    queued = (
        {
            t.booth_id
            for t in visit_ticket.tickets.all()
            if t.status not in {Ticket.Status.DONE, Ticket.Status.CANCELLED}
        }
        if visit_ticket
        else set()
    )
    return DeskCase(
        registration=registration,
        needed_service_ids=needed,
        visit_ticket=visit_ticket,
        queued_booth_ids=queued,
    )


def recent_visit_tickets(visit: Visit, *, limit: int = 10) -> QuerySet[VisitTicket]:
    """The last tickets issued at the visit, for reprinting at the desk."""
    return (
        VisitTicket.objects.filter(visit=visit)
        .select_related("resident")
        .prefetch_related(
            Prefetch(
                "tickets",
                queryset=Ticket.objects.exclude(status=Ticket.Status.TRANSFERRED)
                .select_related("booth")
                .order_by("booth__prefix"),
            )
        )
        .order_by("-created_at", "-id")[:limit]
    )


def booth_setup(visit: Visit) -> QuerySet[Participation]:
    """Every agency of the visit with its booths, present ones first."""
    return (
        Participation.objects.filter(visit=visit)
        .select_related("agency")
        .prefetch_related(Prefetch("booths", queryset=Booth.objects.order_by("prefix")))
        .order_by("attendance", "-mandatory", "agency__short_name")
    )


# The public status page: one resident's place in each queue.


@dataclass
class QueuePlace:
    """One booth ticket on the public status page. ``ahead`` is the number of tickets
    the booth will call first (waiting ones, and skipped ones whose return time has
    come, queued earlier); None when the ticket is not waiting."""

    ticket: Ticket
    ahead: int | None = None
    busy_at: Booth | None = None  # the booth the resident is at right now, if another

    @property
    def state(self) -> str:
        if self.ahead is not None:
            return "next" if self.ahead == 0 else "waiting"
        return str(self.ticket.status)

    @property
    def status_label(self) -> str:
        """A skipped ticket back in the line reads as waiting again."""
        if self.ahead is not None:
            return str(Ticket.Status.WAITING.label)
        return str(self.ticket.get_status_display())


@dataclass
class PublicStatus:
    visit_ticket: VisitTicket
    places: list[QueuePlace]
    # The earliest moment a count may change without any queue action (a skipped
    # ticket coming back); until then the board version alone says "unchanged".
    valid_until: dt.datetime | None = None
    # The visit's board version the counts were read at.
    version: int = 0
    # The only personal data the page shows.
    first_name: str = ""
    # Ids of the finished tickets whose survey is answered.
    answered: frozenset[int] = frozenset()

    @property
    def is_active(self) -> bool:
        return any(
            p.ticket.status
            not in {Ticket.Status.DONE, Ticket.Status.CANCELLED, Ticket.Status.TRANSFERRED}
            for p in self.places
        )


def _is_in_line(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.status == Ticket.Status.WAITING:
        return True
    return (
        ticket.status == Ticket.Status.SKIPPED
        and ticket.return_at is not None
        and ticket.return_at <= now
    )


def public_status(ticket_uuid: uuid.UUID, now: dt.datetime, *, version: int) -> PublicStatus:
    """Where the holder of a visit ticket stands at each booth. Reads no NIK and no
    personal data beyond what the page shows (the first name). ``version`` is the
    visit's board version, read before calling: the ticket's own rows are read now,
    the lines ahead of it come from ``visit_lines`` (at most BUJIAN_BOARD_REBUILD_MS
    old), and the answer's ``version`` is the oldest of the reads."""
    # One statement for the visit ticket, its booth tickets and their survey answers
    # (polled: each query costs, and the ORM's compiling of it cost more than running it).
    found = read_status(ticket_uuid)
    if found is None:
        raise Http404
    visit_ticket, tickets = found.visit_ticket, found.tickets
    busy_at = None
    if visit_ticket.busy_with_id is not None:
        busy = next((t for t in tickets if t.pk == visit_ticket.busy_with_id), None)
        busy_at = busy.booth if busy else None
    places = []
    valid_until = None
    read_version = version
    for ticket in tickets:
        place = QueuePlace(ticket=ticket)
        if _is_in_line(ticket, now):
            lines = visit_lines(visit_ticket.visit_id, ticket.day, version=version)
            if lines.version != version:
                read_version = lines.version  # an older read, still within the interval
            place.ahead, returning = lines.line(ticket.booth_id).ahead(
                ticket.queued_at, ticket.pk, now
            )
            if busy_at is not None and busy_at.pk != ticket.booth_id:
                place.busy_at = busy_at
            if returning is not None and (valid_until is None or returning < valid_until):
                valid_until = returning
        elif (
            ticket.status == Ticket.Status.SKIPPED
            and ticket.return_at is not None
            and (valid_until is None or ticket.return_at < valid_until)
        ):
            valid_until = ticket.return_at  # the ticket itself comes back into the line
        places.append(place)
    return PublicStatus(
        visit_ticket=visit_ticket,
        places=places,
        valid_until=valid_until,
        version=read_version,
        first_name=first_name(found.full_name),
        answered=found.answered,
    )


def public_status_tag(state: PublicStatus, *, language: str) -> str:
    """A digest of everything the status page shows, in ``language``: the same tag
    means the same page. It reads no more than the page: the first name and, for
    finished tickets, whether their survey is answered (both read with the tickets).
    The digest is one-way, so the tag carries no name."""
    visit = state.visit_ticket.visit
    answered = sorted(
        p.ticket.pk
        for p in state.places
        if p.ticket.status == Ticket.Status.DONE and p.ticket.pk in state.answered
    )
    shown = [
        PUBLIC_STATUS_FORMAT,
        language,
        visit.pk,
        str(visit.village),
        visit.regency.program_name,
        visit.regency.time_zone,
        state.first_name,
        state.is_active,
        answered,
        [
            (
                place.ticket.pk,
                place.ticket.label,
                place.ticket.status,
                place.ticket.booth.name,
                place.ticket.booth.participation.agency.short_name,
                place.ticket.return_at.isoformat() if place.ticket.return_at else "",
                place.state,
                place.ahead,
                place.busy_at.name if place.busy_at else "",
            )
            for place in state.places
        ],
    ]
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def first_name(full_name: str) -> str:
    """The only personal data on public pages and the printed ticket."""
    parts = full_name.split()
    return parts[0] if parts else ""
