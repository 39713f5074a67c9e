"""The aspirations part of /api/v1/: /api/v1/aspirations.

Staff (bearer token or session), scoped like the pages with the same access helpers
(``aspirations.queries``) and actions: 404 outside the user's scope, 403 inside it
without the right, 409 with a stable code when the workflow refuses ("code: message").
The reporter's name, masked NIK and phone are left out (null) for agency operators
when the resident asked to hide them. One anonymous operation:
``GET /aspirations/track/{code}``, the public status by tracking code, without any
personal data.

No ``from __future__ import annotations`` here: ninja reads ``Query[...]``, ``Form[...]``
and ``File[...]`` from the evaluated signature.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.accounts.tokens import TokenAuth
from bujian.agencies.models import Agency
from bujian.aspirations import actions, queries
from bujian.aspirations.models import Aspiration, Event
from bujian.core.pagination import PageNumberPagination
from bujian.regions.api import ErrorOut
from bujian.regions.models import Village
from bujian.residents.api import refusals, staff_user
from bujian.residents.nik import mask_nik
from bujian.visits.actions import local_today
from bujian.visits.queries import get_visit_for_staff

router = Router(tags=["aspirations"], auth=[TokenAuth(), django_auth])

# The model's choices, spelled out for the schema; a test keeps them in step.
StatusValue = Literal[
    "received", "verified", "assigned", "in_progress", "resolved", "rejected", "merged"
]
CategoryValue = Literal[
    "infrastructure",
    "education",
    "health",
    "social_aid",
    "civil_registration",
    "agriculture",
    "economy",
    "security",
    "other",
]
ChannelIn = Literal["assisted", "dialogue", "api"]
TermValue = Literal["", "short", "long"]


# --- schemas ---------------------------------------------------------------------------


class AgencyRef(Schema):
    code: str
    short_name: str
    name: str


class ReporterOut(Schema):
    name: str
    national_id_masked: str
    phone: str
    hide_identity: bool


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    public_note: str
    agency: str | None


class PublicStatusOut(Schema):
    """What anyone with the tracking code may read: no name, NIK or phone."""

    code: str
    title: str
    category: CategoryValue
    category_label: str
    status: StatusValue
    status_label: str
    closed: bool
    received_at: dt.datetime
    village: str | None
    lead_agency: str | None
    due_date: dt.date | None = Field(description="Deadline of the step it waits for.")
    overdue: bool
    public_response: str
    merged_into: str | None
    reopen_until: dt.date | None = Field(description="The resident may reopen it until then.")
    history: list[EventOut]


class AspirationOut(Schema):
    id: int
    code: str
    status: StatusValue
    status_label: str
    category: CategoryValue
    title: str
    text: str
    channel: str
    visit_id: int | None
    village_code: str | None
    hamlet: str
    rt: str
    rw: str
    latitude: Decimal | None
    longitude: Decimal | None
    raised_by: str
    leader_response: str
    reporter: ReporterOut | None = Field(
        description="Null when anonymous, or hidden from this user (agency operators)."
    )
    lead_agency: AgencyRef | None
    supporting_agencies: list[str]
    disposition: str
    term: TermValue
    planning_year: int | None
    received_at: dt.datetime
    assigned_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_date: dt.date | None
    close_due: dt.date | None
    overdue: bool
    public_response: str
    merged_into: str | None
    attachments: int


def _out(user: User, aspiration: Aspiration) -> dict[str, Any]:
    today = local_today(aspiration.regency)
    reporter = None
    if not aspiration.is_anonymous and queries.shows_identity(user, aspiration):
        reporter = {
            "name": aspiration.reporter_name,
            "national_id_masked": mask_nik(aspiration.reporter_national_id),
            "phone": aspiration.reporter_phone,
            "hide_identity": aspiration.hide_identity,
        }
    lead = aspiration.lead_agency
    return {
        **{
            name: getattr(aspiration, name)
            for name in (
                "id",
                "code",
                "status",
                "category",
                "title",
                "text",
                "channel",
                "visit_id",
                "hamlet",
                "rt",
                "rw",
                "latitude",
                "longitude",
                "raised_by",
                "leader_response",
                "disposition",
                "term",
                "planning_year",
                "received_at",
                "assigned_at",
                "first_response_at",
                "resolved_at",
                "closed_at",
                "due_date",
                "close_due",
                "public_response",
            )
        },
        "status_label": str(aspiration.get_status_display()),
        "village_code": aspiration.village.code if aspiration.village else None,
        "reporter": reporter,
        "lead_agency": (
            {"code": lead.code, "short_name": lead.short_name, "name": lead.name} if lead else None
        ),
        "supporting_agencies": [a.code for a in aspiration.supporting_agencies.all()],
        "overdue": aspiration.is_overdue(today),
        "merged_into": aspiration.merged_into.code if aspiration.merged_into else None,
        "attachments": getattr(aspiration, "attachment_count", None)
        if hasattr(aspiration, "attachment_count")
        else aspiration.attachments.count(),
    }


def _event_out(event: Event) -> dict[str, Any]:
    return {
        "at": event.created_at,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "public_note": event.public_note,
        "agency": event.agency.short_name if event.agency else None,
    }


class AspirationIn(Schema):
    category: CategoryValue
    title: str = Field(max_length=150)
    text: str = Field(max_length=5000)
    channel: ChannelIn = "api"
    visit_id: int | None = None
    village_code: str | None = Field(default=None, description="Dotted Kemendagri code.")
    hamlet: str = ""
    rt: str = ""
    rw: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    reporter_name: str = ""
    reporter_national_id: str = ""
    reporter_phone: str = ""
    phone_consent: bool = Field(
        default=False,
        description="The resident agreed to messages on reporter_phone (required with it).",
    )
    hide_identity: bool = False
    raised_by: str = ""
    leader_response: str = ""


class NoteIn(Schema):
    note: str = ""


class AssignIn(Schema):
    lead_agency_code: str
    supporting_agency_codes: list[str] = Field(default_factory=list)
    disposition: str
    term: TermValue = ""
    planning_year: int | None = None


class ReasonIn(Schema):
    reason: str


class MergeIn(Schema):
    target_code: str
    note: str = ""


class TermIn(Schema):
    term: TermValue
    planning_year: int | None = None


class ListFiltersIn(Schema):
    status: StatusValue | Literal["open"] | None = None
    category: CategoryValue | None = None
    agency: str | None = Field(default=None, description="Lead agency code.")
    visit: int | None = None
    overdue: bool = False
    q: str | None = Field(default=None, description="Tracking code or part of the title.")


# --- public ---------------------------------------------------------------------------


@router.get(
    "/track/{code}",
    auth=None,
    response={200: PublicStatusOut, 404: ErrorOut},
    summary="Public status of an aspiration by its tracking code",
)
def track(request: HttpRequest, code: str) -> dict[str, Any]:
    aspiration = (
        Aspiration.objects.select_related("regency", "village", "lead_agency", "merged_into")
        .filter(code=code.strip().upper())
        .first()
    )
    if aspiration is None:
        raise Http404
    today = local_today(aspiration.regency)
    return {
        "code": aspiration.code,
        "title": aspiration.title,
        "category": aspiration.category,
        "category_label": str(aspiration.get_category_display()),
        "status": aspiration.status,
        "status_label": str(aspiration.get_status_display()),
        "closed": aspiration.closed_at is not None,
        "received_at": aspiration.received_at,
        "village": str(aspiration.village) if aspiration.village else None,
        "lead_agency": aspiration.lead_agency.name if aspiration.lead_agency else None,
        "due_date": aspiration.due_date if aspiration.is_open else None,
        "overdue": aspiration.is_overdue(today),
        "public_response": aspiration.public_response,
        "merged_into": aspiration.merged_into.code if aspiration.merged_into else None,
        "reopen_until": aspiration.close_due if actions.can_reopen(aspiration, today) else None,
        "history": [_event_out(e) for e in queries.public_history(aspiration)],
    }


# --- staff reads ----------------------------------------------------------------------


@router.get("", response=list[AspirationOut], summary="Aspirations the user may see")
@paginate(PageNumberPagination)
def list_aspirations(request: HttpRequest, filters: Query[ListFiltersIn]) -> list[dict[str, Any]]:
    """Newest first; the same scope as the staff list page."""
    user = staff_user(request)
    regency = staff_regency(user)
    agency_id = None
    if filters.agency:
        agency = Agency.objects.filter(code=filters.agency).first()
        agency_id = agency.pk if agency else -1
    rows: QuerySet[Aspiration] = queries.aspiration_list(
        user,
        queries.ListFilters(
            status=filters.status or "",
            category=filters.category or "",
            agency=agency_id,
            visit=filters.visit,
            overdue=filters.overdue,
            q=(filters.q or "").strip(),
        ),
        local_today(regency),
    )
    rows = queries.with_related(rows).annotate(attachment_count=Count("attachments"))
    return _LazyOut(user, rows)  # type: ignore[return-value]


class _LazyOut:
    """Lets ninja's paginator slice the queryset, then turns only that page into
    dicts (the identity rule needs the user)."""

    def __init__(self, user: User, rows: QuerySet[Aspiration]) -> None:
        self.user = user
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_out(self.user, a) for a in self.rows[item]]


@router.get("/{aspiration_id}", response={200: AspirationOut, 404: ErrorOut})
def get_aspiration(request: HttpRequest, aspiration_id: int) -> dict[str, Any]:
    user = staff_user(request)
    return _out(user, queries.get_aspiration_for_staff(user, aspiration_id))


@router.get("/{aspiration_id}/history", response={200: list[EventOut], 404: ErrorOut})
def get_history(request: HttpRequest, aspiration_id: int) -> list[dict[str, Any]]:
    user = staff_user(request)
    aspiration = queries.get_aspiration_for_staff(user, aspiration_id)
    return [_event_out(e) for e in queries.history(aspiration)]


# --- staff changes --------------------------------------------------------------------


@router.post(
    "",
    response={201: AspirationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record an aspiration (assisted entry, dialogue session or a client app)",
)
def create_aspiration(request: HttpRequest, payload: AspirationIn) -> Status[dict[str, Any]]:
    """Through ``submit_aspiration``; photos are added on the staff page."""
    user = staff_user(request)
    if not queries.can_record(user):
        raise HttpError(403, _("Your role may read aspirations but not record them."))
    regency = staff_regency(user)
    visit = get_visit_for_staff(user, payload.visit_id) if payload.visit_id else None
    village = None
    if payload.village_code:
        village = Village.objects.filter(code=payload.village_code).first()
        if village is None:
            raise HttpError(
                422, _("No village has the code %(code)s.") % {"code": payload.village_code}
            )
    if user.is_village_operator and (village or visit) is not None:
        chosen = village or (visit.village if visit else None)
        if chosen is not None and chosen.pk != user.village_id:
            raise HttpError(403, _("You record aspirations of your own village only."))
    with refusals():
        aspiration = actions.submit_aspiration(
            regency=regency,
            channel=payload.channel,
            category=payload.category,
            title=payload.title,
            text=payload.text,
            visit=visit,
            village=village,
            hamlet=payload.hamlet,
            rt=payload.rt,
            rw=payload.rw,
            latitude=payload.latitude,
            longitude=payload.longitude,
            reporter_name=payload.reporter_name,
            reporter_national_id=payload.reporter_national_id,
            reporter_phone=payload.reporter_phone,
            hide_identity=payload.hide_identity,
            phone_consent=payload.phone_consent,
            raised_by=payload.raised_by,
            leader_response=payload.leader_response,
            actor=user,
        )
    return Status(201, _out(user, queries.get_aspiration_for_staff(user, aspiration.pk)))


def _for_disposal(user: User, aspiration_id: int) -> Aspiration:
    with refusals():
        return queries.get_aspiration_for_disposal(user, aspiration_id)


def _for_answer(user: User, aspiration_id: int) -> Aspiration:
    with refusals():
        return queries.get_aspiration_for_answer(user, aspiration_id)


def _agency(aspiration: Aspiration, code: str) -> Agency:
    agency = queries.assignable_agencies(aspiration.regency).filter(code=code).first()
    if agency is None:
        raise HttpError(422, _("No agency of this regency has the code %(code)s.") % {"code": code})
    return agency


CHANGE = {200: AspirationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/{aspiration_id}/verify", response=CHANGE, summary="received → verified")
def verify(request: HttpRequest, aspiration_id: int, payload: NoteIn) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_disposal(user, aspiration_id)
    with refusals():
        actions.verify_aspiration(aspiration=aspiration, actor=user, note=payload.note)
    return _out(user, aspiration)


@router.post(
    "/{aspiration_id}/assign",
    response=CHANGE,
    summary="The Bupati's disposition: received/verified → assigned",
)
def assign(request: HttpRequest, aspiration_id: int, payload: AssignIn) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_disposal(user, aspiration_id)
    lead = _agency(aspiration, payload.lead_agency_code)
    supporting = [_agency(aspiration, code) for code in payload.supporting_agency_codes]
    with refusals():
        actions.assign_aspiration(
            aspiration=aspiration,
            actor=user,
            lead_agency=lead,
            supporting=supporting,
            disposition=payload.disposition,
            term=payload.term,
            planning_year=payload.planning_year,
        )
    return _out(user, aspiration)


@router.post("/{aspiration_id}/redirect", response=CHANGE, summary="Give it to another lead agency")
def redirect_to(request: HttpRequest, aspiration_id: int, payload: AssignIn) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_disposal(user, aspiration_id)
    lead = _agency(aspiration, payload.lead_agency_code)
    supporting = [_agency(aspiration, code) for code in payload.supporting_agency_codes]
    with refusals():
        actions.redirect_aspiration(
            aspiration=aspiration,
            actor=user,
            lead_agency=lead,
            supporting=supporting,
            disposition=payload.disposition,
        )
    return _out(user, aspiration)


@router.post(
    "/{aspiration_id}/start", response=CHANGE, summary="First answer: assigned → in progress"
)
def start(request: HttpRequest, aspiration_id: int, payload: NoteIn) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_answer(user, aspiration_id)
    with refusals():
        actions.start_work(aspiration=aspiration, actor=user, note=payload.note)
    return _out(user, aspiration)


@router.post(
    "/{aspiration_id}/resolve",
    response=CHANGE,
    summary="Resolved, with the answer and evidence (multipart: response, evidence files)",
)
def resolve(
    request: HttpRequest,
    aspiration_id: int,
    response: Form[str],
    evidence: File[list[UploadedFile]],
) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_answer(user, aspiration_id)
    with refusals():
        actions.resolve_aspiration(
            aspiration=aspiration, actor=user, response=response, evidence=evidence
        )
    return _out(user, aspiration)


@router.post("/{aspiration_id}/reject", response=CHANGE, summary="Rejected, with the reason")
def reject(request: HttpRequest, aspiration_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = staff_user(request)
    with refusals():
        aspiration = queries.get_aspiration_for_staff(user, aspiration_id)
        may = queries.can_dispose(user) or (
            queries.can_answer(user, aspiration)
            and aspiration.status in {Aspiration.Status.ASSIGNED, Aspiration.Status.IN_PROGRESS}
        )
        if not may:
            raise HttpError(403, _("Your role may read this but not change it."))
        actions.reject_aspiration(aspiration=aspiration, actor=user, reason=payload.reason)
    return _out(user, aspiration)


@router.post("/{aspiration_id}/merge", response=CHANGE, summary="Merge a duplicate into another")
def merge(request: HttpRequest, aspiration_id: int, payload: MergeIn) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_disposal(user, aspiration_id)
    target = (
        queries.visible_aspirations(user).filter(code=payload.target_code.strip().upper()).first()
    )
    if target is None:
        raise HttpError(
            422, _("No aspiration has the code %(code)s.") % {"code": payload.target_code}
        )
    with refusals():
        actions.merge_aspiration(duplicate=aspiration, target=target, actor=user, note=payload.note)
    return _out(user, aspiration)


@router.post("/{aspiration_id}/reopen", response=CHANGE, summary="Reopen for the resident")
def reopen(request: HttpRequest, aspiration_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = staff_user(request)
    aspiration = _for_disposal(user, aspiration_id)
    with refusals():
        actions.reopen_aspiration(aspiration=aspiration, actor=user, reason=payload.reason)
    return _out(user, aspiration)


@router.post("/{aspiration_id}/term", response=CHANGE, summary="Short or long term")
def term(request: HttpRequest, aspiration_id: int, payload: TermIn) -> dict[str, Any]:
    user = staff_user(request)
    with refusals():
        aspiration = queries.get_aspiration_for_staff(user, aspiration_id)
        if not (queries.can_dispose(user) or queries.can_answer(user, aspiration)):
            raise HttpError(403, _("Your role may read this but not change it."))
        actions.set_term(
            aspiration=aspiration,
            actor=user,
            term=payload.term,
            planning_year=payload.planning_year,
        )
    return _out(user, aspiration)
