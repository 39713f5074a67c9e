"""The staff queue API under /api/v1/queue: what the desk and booth screens do, for
field devices, scripts and the benchmark. Bearer token or staff session; every call
is scoped like the pages (404 outside the user's scope, 403 without the right)."""

from __future__ import annotations

import datetime as dt
import functools
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
from bujian.agencies.models import Agency, Service
from bujian.core import sql
from bujian.core.errors import DomainError
from bujian.queueing import actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.actions import OutcomeInput
from bujian.regions.api import ErrorOut
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.visits.models import Booth, Participation, Visit
from bujian.visits.queries import operable_agency_ids, visible_visits

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


# --- hand-written reads of the busiest requests ------------------------------------
#
# Issue, call next and finish run all day at every booth; the ORM's compilation of
# their scoped, joined reads cost more than the database's work (bujian/core/sql.py).
# These are the same reads in SQL written once per process: the user's scope as in
# ``visits.queries.visible_visits`` (tests compare the two for every role), the booth
# with its visit, regency, participation and agency in one row.

_VISIT = sql.Columns(Visit, "v")
_REGENCY = sql.Columns(Regency, "r")
_VILLAGE = sql.Columns(Village, "vl")
_BOOTH = sql.Columns(Booth, "b")
_PARTICIPATION = sql.Columns(Participation, "p")
_AGENCY = sql.Columns(Agency, "a")
_TICKET = sql.Columns(Ticket, "t")
_VISIT_TICKET = sql.Columns(VisitTicket, "vt")
_RESIDENT = sql.Columns(Resident)
_SERVICE = sql.Columns(Service, "s")


def visit_scope(user: User, visit: str = "v") -> tuple[str, list[object]]:
    """``AND …`` limiting the visits (table alias ``visit``) to those the user may
    open: the SQL twin of ``visits.queries.visible_visits``."""
    if user.is_superuser:
        return "", []
    if user.sees_whole_regency:
        if user.regency_id is None:
            return " AND 1 = 0", []
        return f" AND {visit}.{sql.column(Visit, 'regency')} = %s", [user.regency_id]
    if user.is_agency_operator:
        through = User.agencies.through
        return (
            f" AND EXISTS (SELECT 1 FROM {sql.table(Participation)} sp "  # noqa: S608 -- names from the models
            f"JOIN {sql.table(through)} su ON su.{sql.column(through, 'agency')} = "
            f"sp.{sql.column(Participation, 'agency')} "
            f"WHERE sp.{sql.column(Participation, 'visit')} = {visit}.id "
            f"AND su.{sql.column(through, 'user')} = %s)",
            [user.pk],
        )
    if user.is_village_operator and user.village_id is not None:
        return f" AND {visit}.{sql.column(Visit, 'village')} = %s", [user.village_id]
    return " AND 1 = 0", []


def _own_agencies(user: User, participation: str = "p") -> tuple[str, list[object]]:
    """``AND …`` keeping an agency operator to their own agencies' booths (nothing for
    other roles, whose right is checked by ``_check_operable``)."""
    if not _own_agencies_only(user):
        return "", []
    through = User.agencies.through
    return (
        f" AND {participation}.{sql.column(Participation, 'agency')} IN "  # noqa: S608 -- names from the models
        f"(SELECT {sql.column(through, 'agency')} FROM {sql.table(through)} "
        f"WHERE {sql.column(through, 'user')} = %s)",
        [user.pk],
    )


@functools.cache
def _booth_joins() -> str:
    """Booth ``b`` with its visit ``v``, regency ``r``, participation ``p``, agency ``a``."""
    return (
        f"JOIN {sql.table(Visit)} v ON v.id = b.{sql.column(Booth, 'visit')} "
        f"JOIN {sql.table(Regency)} r ON r.id = v.{sql.column(Visit, 'regency')} "
        f"JOIN {sql.table(Participation)} p ON p.id = b.{sql.column(Booth, 'participation')} "
        f"JOIN {sql.table(Agency)} a ON a.id = p.{sql.column(Participation, 'agency')}"
    )


def _booth_from_row(row: tuple[object, ...], start: int) -> Booth:
    booth = _BOOTH.build(row, start)
    start += len(_BOOTH)
    visit = _VISIT.build(row, start)
    start += len(_VISIT)
    visit.regency = _REGENCY.build(row, start)
    start += len(_REGENCY)
    participation = _PARTICIPATION.build(row, start)
    start += len(_PARTICIPATION)
    participation.agency = _AGENCY.build(row, start)
    participation.visit = visit
    booth.visit, booth.participation = visit, participation
    return booth


_BOOTH_SELECT = "{b}, {v}, {r}, {p}, {a}"


def _booth_columns() -> str:
    return _BOOTH_SELECT.format(
        b=_BOOTH.sql, v=_VISIT.sql, r=_REGENCY.sql, p=_PARTICIPATION.sql, a=_AGENCY.sql
    )


def _booth(user: User, booth_id: int) -> Booth:
    """A booth the user may work, with its visit, regency and agency: the rule of the
    booth screen (``get_booth_for_operator``): 404 outside the user's scope (another
    agency's booth for an agency operator), 403 for roles that only read."""
    scope, scope_params = visit_scope(user)
    own, own_params = _own_agencies(user)
    row = sql.fetch_one(
        f"SELECT {_booth_columns()} FROM {sql.table(Booth)} b {_booth_joins()} "  # noqa: S608 -- names from the models, values as parameters
        f"WHERE b.id = %s{scope}{own}",
        [booth_id, *scope_params, *own_params],
    )
    if row is None:
        raise Http404
    booth = _booth_from_row(row, 0)
    if not _own_agencies_only(user):
        _check_operable(user, booth.participation.agency_id)
    return booth


def _ticket(user: User, ticket_id: int) -> Ticket:
    """A ticket at a booth the user may work, with its visit ticket and booth (visit,
    regency, agency) in one query; 404 and 403 as for ``_booth``."""
    scope, scope_params = visit_scope(user)
    own, own_params = _own_agencies(user)
    row = sql.fetch_one(
        f"SELECT {_TICKET.sql}, {_VISIT_TICKET.sql}, {_booth_columns()} "  # noqa: S608 -- names from the models, values as parameters
        f"FROM {sql.table(Ticket)} t "
        f"JOIN {sql.table(VisitTicket)} vt ON vt.id = t.{sql.column(Ticket, 'visit_ticket')} "
        f"JOIN {sql.table(Booth)} b ON b.id = t.{sql.column(Ticket, 'booth')} {_booth_joins()} "
        f"WHERE t.id = %s{scope}{own}",
        [ticket_id, *scope_params, *own_params],
    )
    if row is None:
        raise Http404
    ticket = _TICKET.build(row)
    ticket.visit_ticket = _VISIT_TICKET.build(row, len(_TICKET))
    ticket.booth = _booth_from_row(row, len(_TICKET) + len(_VISIT_TICKET))
    if not _own_agencies_only(user):
        _check_operable(user, ticket.booth.participation.agency_id)
    return ticket


def _desk_visit(user: User, visit_id: int) -> Visit:
    """The visit, with its regency and village, for a desk: program admins, and agency
    operators of an agency present at it; 404 outside the user's scope, else 403."""
    scope, scope_params = visit_scope(user)
    # For an agency operator, in the same row: is one of their agencies present?
    present, present_params = "", []
    if not user.is_program_admin and user.is_agency_operator:
        own, own_params = _own_agencies(user, "dp")
        present = (
            f", EXISTS (SELECT 1 FROM {sql.table(Participation)} dp "  # noqa: S608 -- names from the models
            f"WHERE dp.{sql.column(Participation, 'visit')} = v.id "
            f"AND dp.{sql.column(Participation, 'attendance')} = %s{own})"
        )
        present_params = [Participation.Attendance.PRESENT, *own_params]
    row = sql.fetch_one(
        f"SELECT {_VISIT.sql}, {_REGENCY.sql}, {_VILLAGE.sql}{present} FROM {sql.table(Visit)} v "  # noqa: S608 -- names from the models, values as parameters
        f"JOIN {sql.table(Regency)} r ON r.id = v.{sql.column(Visit, 'regency')} "
        f"JOIN {sql.table(Village)} vl ON vl.id = v.{sql.column(Visit, 'village')} "
        f"WHERE v.id = %s{scope}",
        [*present_params, visit_id, *scope_params],
    )
    if row is None:
        raise Http404
    visit = _VISIT.build(row)
    visit.regency = _REGENCY.build(row, len(_VISIT))
    visit.village = _VILLAGE.build(row, len(_VISIT) + len(_REGENCY))
    if user.is_program_admin or (present and row[-1]):
        return visit
    raise PermissionDenied


def _resident(resident_id: int) -> Resident | None:
    row = sql.fetch_one(
        f"SELECT {_RESIDENT.sql} FROM {sql.table(Resident)} WHERE id = %s",  # noqa: S608 -- names from the model, values as parameters
        [resident_id],
    )
    return _RESIDENT.build(row) if row is not None else None


def _services(codes: list[str], *, active: bool) -> list[Service]:
    """Services by code; with ``active`` only those ``Service.objects.active()`` gives."""
    if not codes:
        return []
    active_only = ""
    params: list[object] = list(codes)
    if active:
        active_only = (
            f" AND s.{sql.column(Service, 'is_active')} = %s"
            f" AND a.{sql.column(Agency, 'is_active')} = %s"
        )
        params += [True, True]
    rows = sql.fetch(
        f"SELECT {_SERVICE.sql} FROM {sql.table(Service)} s "  # noqa: S608 -- names from the models, values as parameters
        f"JOIN {sql.table(Agency)} a ON a.id = s.{sql.column(Service, 'agency')} "
        f"WHERE s.{sql.column(Service, 'code')} IN ({sql.in_list(codes)}){active_only}",
        params,
    )
    return [_SERVICE.build(row) for row in rows]


@router.post(
    "/visits/{visit_id}/tickets",
    response={201: VisitTicketOut, 404: ErrorOut, 409: ErrorOut},
    summary="Issue a visit ticket (a number at each booth needed)",
)
def issue(request: HttpRequest, visit_id: int, payload: IssueIn) -> Status[VisitTicketOut]:
    user = _user(request)
    visit = _desk_visit(user, visit_id)
    resident = _resident(payload.resident_id)
    if resident is None:
        raise Http404
    services = _services(list(set(payload.service_codes)), active=True)
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
        s.code: s for s in _services(list({o.service_code for o in payload.outcomes}), active=False)
    }
    referred = [o.referred_to_booth_id for o in payload.outcomes if o.referred_to_booth_id]
    booths = (
        {
            b.pk: b
            for b in Booth.objects.filter(
                visit_id=ticket.booth.visit_id, pk__in=referred
            ).select_related("participation__agency")
        }
        if referred
        else {}
    )
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
