"""The staff queue API under /api/v1/queue: what the desk and booth screens do, for
field devices, scripts and the benchmark. Bearer token or staff session; every call
is scoped like the pages (404 outside the user's scope, 403 without the right)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from bujian.accounts.models import User
from bujian.accounts.tokens import TokenAuth
from bujian.agencies.models import Service
from bujian.core.errors import DomainError
from bujian.queueing import actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.queries_booth import get_booth_for_operator
from bujian.records.actions import OutcomeInput
from bujian.regions.api import ErrorOut
from bujian.residents.models import Resident
from bujian.visits.models import Booth, Participation, Visit
from bujian.visits.queries import get_visit_for_staff, operable_agency_ids, visible_visits

router = Router(tags=["queue"], auth=[TokenAuth(), django_auth])


class TicketOut(Schema):
    id: int
    label: str
    booth_id: int
    booth_name: str
    status: str
    queued_at: dt.datetime
    called_at: dt.datetime | None
    call_count: int


class VisitTicketOut(Schema):
    uuid: UUID
    visit_id: int
    resident_id: int
    tickets: list[TicketOut]


class IssueIn(Schema):
    resident_id: int
    service_codes: list[str]


class TransferIn(Schema):
    booth_id: int
    service_codes: list[str] = []


class OutcomeIn(Schema):
    service_code: str
    outcome: Literal["completed", "in_process", "rejected", "referred"]
    document_number: str = ""
    promised_date: dt.date | None = None
    rejection_reason: str = ""
    referred_to_booth_id: int | None = None
    notes: str = ""


class FinishIn(Schema):
    outcomes: list[OutcomeIn]


def _user(request: HttpRequest) -> User:
    user = request.user if hasattr(request, "user") else None
    if not isinstance(user, User):
        raise HttpError(401, "Unauthorized")
    return user


def _ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.pk,
        label=ticket.label,
        booth_id=ticket.booth_id,
        booth_name=ticket.booth.name,
        status=ticket.status,
        queued_at=ticket.queued_at,
        called_at=ticket.called_at,
        call_count=ticket.call_count,
    )


def _visit_ticket_out(visit_ticket: VisitTicket) -> VisitTicketOut:
    if visit_ticket.fresh_tickets is not None:  # just issued: these are all its tickets
        tickets = sorted(visit_ticket.fresh_tickets, key=lambda t: (t.booth.prefix, t.pk))
    else:
        tickets = list(visit_ticket.tickets.select_related("booth").order_by("booth__prefix", "id"))
    return VisitTicketOut(
        uuid=visit_ticket.uuid,
        visit_id=visit_ticket.visit_id,
        resident_id=visit_ticket.resident_id,
        tickets=[_ticket_out(t) for t in tickets],
    )


def _domain(error: DomainError) -> HttpError:
    return HttpError(409, f"{error.code}: {error.message}")


def _own_agencies_only(user: User) -> bool:
    """Agency operators work only their own agencies' booths (404 for the others);
    checked in the query that loads the booth, so it costs no query of its own."""
    return user.is_agency_operator and not user.is_program_admin


def _check_operable(user: User, agency_id: int) -> None:
    """For roles other than agency operators: 403 inside their scope without the right."""
    operable = operable_agency_ids(user)
    if operable is not None and agency_id not in operable:
        raise PermissionDenied


BOOTH_COLUMNS = (
    *(field.name for field in Booth._meta.concrete_fields),
    "visit__status",
    "visit__start_date",
    "visit__end_date",
    "visit__regency__time_zone",
    "visit__regency__code",
    "participation__attendance",
    "participation__agency__short_name",
    "participation__agency__name",
)


def _booth(user: User, booth_id: int) -> Booth:
    """A booth the user may work: the same rule as the booth screen."""
    return get_booth_for_operator(
        user, booth_id, related=("participation__agency", "visit__regency"), only=BOOTH_COLUMNS
    )


# What the ticket steps read of the ticket's booth, visit and agency. Every joined
# column costs compile time in the busiest requests of the day, so the rest (a visit's
# notes and venue, an agency's contacts) is left out; reading one would cost a query.
TICKET_COLUMNS = (
    *(field.name for field in Ticket._meta.concrete_fields),
    "booth__prefix",
    "booth__name",
    "booth__is_open",
    "booth__visit__status",
    "booth__visit__start_date",
    "booth__visit__end_date",
    "booth__visit__regency__time_zone",
    "booth__visit__regency__code",
    "booth__participation__attendance",
    "booth__participation__agency__short_name",
    "booth__participation__agency__name",
    "visit_ticket__resident",
    "visit_ticket__visit",
    "visit_ticket__busy_with",
)


def _ticket(user: User, ticket_id: int) -> Ticket:
    """A ticket at a booth the user may work, loaded with its booth in one query;
    404 and 403 as for ``_booth``."""
    tickets = (
        Ticket.objects.select_related(
            "booth__visit__regency", "booth__participation__agency", "visit_ticket"
        )
        .only(*TICKET_COLUMNS)
        .filter(pk=ticket_id, booth__visit__in=visible_visits(user))
    )
    if _own_agencies_only(user):
        tickets = tickets.filter(booth__participation__agency__in=user.agencies.all())
    ticket = tickets.first()
    if ticket is None:
        raise Http404
    if not _own_agencies_only(user):
        _check_operable(user, ticket.booth.participation.agency_id)
    return ticket


def _desk_visit(user: User, visit_id: int) -> Visit:
    visit = get_visit_for_staff(user, visit_id)
    if user.is_program_admin:
        return visit
    if (
        user.is_agency_operator
        and Participation.objects.filter(
            visit=visit,
            agency__in=user.agencies.all(),
            attendance=Participation.Attendance.PRESENT,
        ).exists()
    ):
        return visit
    raise PermissionDenied


@router.post(
    "/visits/{visit_id}/tickets",
    response={201: VisitTicketOut, 404: ErrorOut, 409: ErrorOut},
    summary="Issue a visit ticket (a number at each booth needed)",
)
def issue(request: HttpRequest, visit_id: int, payload: IssueIn) -> Status[VisitTicketOut]:
    user = _user(request)
    visit = _desk_visit(user, visit_id)
    resident = Resident.objects.filter(pk=payload.resident_id).first()
    if resident is None:
        raise Http404
    services = list(Service.objects.active().filter(code__in=payload.service_codes))
    if len(services) != len(set(payload.service_codes)):
        raise HttpError(422, "Unknown service code.")
    try:
        visit_ticket = actions.issue_visit_ticket(
            visit=visit, resident=resident, services=services, issued_by=user
        )
    except DomainError as error:
        raise _domain(error) from error
    return Status(201, _visit_ticket_out(visit_ticket))


@router.get("/visit-tickets/{uuid}", response={200: VisitTicketOut, 404: ErrorOut})
def visit_ticket_detail(request: HttpRequest, uuid: UUID) -> VisitTicketOut:
    user = _user(request)
    visit_ticket = VisitTicket.objects.filter(uuid=uuid, visit__in=visible_visits(user)).first()
    if visit_ticket is None:
        raise Http404
    return _visit_ticket_out(visit_ticket)


@router.post(
    "/booths/{booth_id}/call-next",
    response={200: TicketOut, 204: None, 404: ErrorOut, 409: ErrorOut},
    summary="Call the next waiting ticket at a booth (204 when nobody waits)",
)
def call_next(request: HttpRequest, booth_id: int) -> TicketOut | Status[None]:
    user = _user(request)
    booth = _booth(user, booth_id)
    try:
        ticket = actions.call_next(booth=booth, actor=user)
    except DomainError as error:
        raise _domain(error) from error
    if ticket is None:
        return Status(204, None)
    ticket.booth = booth
    return _ticket_out(ticket)


@router.post(
    "/tickets/{ticket_id}/transfer",
    response={200: TicketOut, 404: ErrorOut, 409: ErrorOut},
    summary="Send the resident to another booth, keeping their place",
)
def transfer(request: HttpRequest, ticket_id: int, payload: TransferIn) -> TicketOut:
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    to_booth = Booth.objects.filter(pk=payload.booth_id, visit_id=ticket.booth.visit_id).first()
    if to_booth is None:
        raise Http404
    services = list(Service.objects.filter(code__in=payload.service_codes))
    try:
        new = actions.transfer(ticket=ticket, to_booth=to_booth, actor=user, services=services)
    except DomainError as error:
        raise _domain(error) from error
    return _ticket_out(new)


@router.post(
    "/tickets/{ticket_id}/finish",
    response={200: TicketOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Finish a called ticket with an outcome per service",
)
def finish(request: HttpRequest, ticket_id: int, payload: FinishIn) -> TicketOut:
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    services = {
        s.code: s
        for s in Service.objects.filter(code__in=[o.service_code for o in payload.outcomes])
    }
    booths = {
        b.pk: b
        for b in Booth.objects.filter(
            visit_id=ticket.booth.visit_id,
            pk__in=[o.referred_to_booth_id for o in payload.outcomes if o.referred_to_booth_id],
        ).select_related("participation__agency")
    }
    outcomes = []
    for item in payload.outcomes:
        service = services.get(item.service_code)
        if service is None:
            raise HttpError(422, f"Unknown service code {item.service_code}.")
        outcomes.append(
            OutcomeInput(
                service=service,
                outcome=item.outcome,
                document_number=item.document_number,
                promised_date=item.promised_date,
                rejection_reason=item.rejection_reason,
                referred_to=booths.get(item.referred_to_booth_id or 0),
                notes=item.notes,
            )
        )
    try:
        actions.finish_ticket(ticket=ticket, actor=user, outcomes=outcomes)
    except DomainError as error:
        raise _domain(error) from error
    return _ticket_out(ticket)  # finish_ticket updated it in place


# Registered after transfer and finish: {step} would otherwise swallow their paths.
_STEPS: dict[str, Callable[..., Ticket]] = {
    "recall": actions.recall,
    "skip": actions.skip,
    "hold": actions.hold,
    "resume": actions.resume,
    "start": actions.start_service,
}


@router.post(
    "/tickets/{ticket_id}/{step}",
    response={200: TicketOut, 404: ErrorOut, 409: ErrorOut},
    summary="Move a ticket: recall, skip, hold, resume or start",
)
def move(
    request: HttpRequest, ticket_id: int, step: Literal["recall", "skip", "hold", "resume", "start"]
) -> TicketOut:
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    try:
        ticket = _STEPS[step](ticket=ticket, actor=user)
    except DomainError as error:
        raise _domain(error) from error
    return _ticket_out(ticket)
