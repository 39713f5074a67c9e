"""The surveys part of /api/v1/: the questionnaire, submissions and IKM results.

Public, no login: the current questionnaire, and the submission of a resident's
answers by the visit ticket's uuid (the secret in the ticket's QR) and the booth
ticket. Staff (bearer token or session): submissions (kiosk apps, paper entry) and
the results of a visit or an agency, scoped like the pages (404 outside the scope,
403 inside it without the right). Refusals answer 409 with a stable code, e.g.
``surveys.already_answered`` for a second survey about one ticket.

No ``from __future__ import annotations`` here: ninja reads the evaluated signature.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from bujian.accounts.permissions import staff_regency
from bujian.accounts.tokens import TokenAuth
from bujian.agencies.models import Agency, Service
from bujian.queueing.models import Ticket
from bujian.regions.api import ErrorOut
from bujian.residents.api import refusals, staff_user
from bujian.surveys import actions, ikm, queries
from bujian.surveys.models import SurveyResponse
from bujian.surveys.stats import IkmResult

router = Router(tags=["surveys"])
STAFF = [TokenAuth(), django_auth]

Sex = Literal["L", "P"]
Education = Literal["sd", "smp", "sma", "s1", "s2", "s3"]
Occupation = Literal["pns", "tni", "polri", "swasta", "wirausaha", "lainnya"]
SessionChoice = Literal["morning", "afternoon"]
ChannelChoice = Literal["kiosk", "qr", "paper"]
Answer = Literal[1, 2, 3, 4]


# --- schemas ---------------------------------------------------------------------------


class ElementOut(Schema):
    position: int
    code: str
    name: str
    question: str
    labels: list[str] = Field(description="Answer labels scoring 1 (worst) to 4 (best).")


class QuestionnaireOut(Schema):
    version: int
    title: str
    legal_basis: str
    elements: list[ElementOut]


class AnswersIn(Schema):
    uuid: UUID | None = Field(
        default=None, description="Made by the client; a replay with the same uuid is a no-op."
    )
    sex: Sex
    age: int = Field(ge=actions.MIN_AGE, le=actions.MAX_AGE)
    education: Education
    occupation: Occupation
    occupation_other: str = ""
    answers: list[Answer] = Field(min_length=9, max_length=9, description="U1..U9, each 1–4.")
    suggestion: str = Field(default="", max_length=1000)


class StaffAnswersIn(AnswersIn):
    channel: ChannelChoice = "paper"
    ticket_id: int | None = Field(
        default=None, description="The booth ticket; then visit, agency and day come from it."
    )
    visit_id: int | None = None
    agency_code: str | None = None
    service_code: str | None = None
    day: dt.date | None = None
    session: SessionChoice | None = None


class ResponseOut(Schema):
    id: int
    uuid: UUID
    questionnaire_version: int
    visit_id: int
    agency_code: str
    service_code: str | None
    ticket_id: int | None
    day: dt.date
    session: SessionChoice
    channel: ChannelChoice

    @staticmethod
    def resolve_questionnaire_version(obj: SurveyResponse) -> int:
        return obj.questionnaire.version

    @staticmethod
    def resolve_agency_code(obj: SurveyResponse) -> str:
        return obj.agency.code

    @staticmethod
    def resolve_service_code(obj: SurveyResponse) -> str | None:
        return obj.service.code if obj.service is not None else None


class IkmOut(Schema):
    respondents: int
    nrr: list[Decimal] = Field(description="U1..U9, 3 decimals.")
    ikm: Decimal = Field(description="IKM × 25, rounded half up to 2 decimals.")
    grade: str
    grade_label: str
    minimum_sample: int | None = Field(description="Krejcie & Morgan, for services delivered.")
    sample_ok: bool | None


class GroupIkmOut(Schema):
    id: int
    name: str
    result: IkmOut


class ResultsOut(Schema):
    overall: IkmOut | None
    services_delivered: int | None
    agencies: list[GroupIkmOut]
    services: list[GroupIkmOut]
    method: str


def _ikm(result: IkmResult) -> IkmOut:
    return IkmOut(
        respondents=result.respondents,
        nrr=list(result.nrr),
        ikm=result.ikm,
        grade=result.grade,
        grade_label=result.grade_label,
        minimum_sample=result.minimum_sample,
        sample_ok=result.sample_ok,
    )


def _results(results: queries.Results) -> ResultsOut:
    return ResultsOut(
        overall=_ikm(results.overall) if results.overall is not None else None,
        services_delivered=results.served,
        agencies=[
            GroupIkmOut(id=row.key, name=row.label, result=_ikm(row.result))
            for row in results.by_agency
        ],
        services=[
            GroupIkmOut(id=row.key, name=row.label, result=_ikm(row.result))
            for row in results.by_service
        ],
        method=str(ikm.METHOD),
    )


def _respondent(payload: AnswersIn) -> actions.Respondent:
    return actions.Respondent(
        sex=payload.sex,
        age=payload.age,
        education=payload.education,
        occupation=payload.occupation,
        occupation_other=payload.occupation_other,
    )


def _out(response: SurveyResponse) -> SurveyResponse:
    return SurveyResponse.objects.select_related("questionnaire", "agency", "service").get(
        pk=response.pk
    )


# --- public ---------------------------------------------------------------------------


@router.get("/questionnaire", response=QuestionnaireOut, summary="The current questionnaire")
def questionnaire(request: HttpRequest) -> QuestionnaireOut:
    current = actions.current_questionnaire()
    return QuestionnaireOut(
        version=current.version,
        title=current.title,
        legal_basis=current.legal_basis,
        elements=[
            ElementOut(
                position=e.position,
                code=e.code,
                name=e.name,
                question=e.question,
                labels=list(e.labels),
            )
            for e in current.elements.order_by("position")
        ],
    )


@router.post(
    "/public/{ticket_uuid}/{ticket_id}",
    response={201: ResponseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="A resident answers the survey about one finished service",
)
def submit_public(
    request: HttpRequest, ticket_uuid: UUID, ticket_id: int, payload: AnswersIn
) -> Status[SurveyResponse]:
    """``ticket_uuid`` is the visit ticket's uuid (in its QR code), ``ticket_id`` the
    booth ticket it holds. 409 ``surveys.not_served`` before the service is finished,
    ``surveys.already_answered`` the second time."""
    visit_ticket = queries.public_visit_ticket(ticket_uuid)
    ticket = queries.public_ticket(visit_ticket, ticket_id)
    with refusals():
        response = actions.submit_response(
            respondent=_respondent(payload),
            answers=list(payload.answers),
            suggestion=payload.suggestion,
            ticket=ticket,
            channel=SurveyResponse.Channel.QR,
            client_uuid=payload.uuid,
        )
    return Status(201, _out(response))


# --- staff ----------------------------------------------------------------------------


@router.post(
    "/responses",
    auth=STAFF,
    response={201: ResponseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record a questionnaire (kiosk app or paper entry)",
)
def submit_staff(request: HttpRequest, payload: StaffAnswersIn) -> Status[SurveyResponse]:
    """Either ``ticket_id`` (a finished booth ticket of a visit the user may collect
    at), or ``visit_id`` + ``agency_code`` + ``day`` + ``session`` for a paper
    questionnaire without a ticket number. Program admins and agency operators (for
    their agencies)."""
    user = staff_user(request)
    ticket = None
    visit_id = payload.visit_id
    if payload.ticket_id is not None:
        found = (
            Ticket.objects.select_related("booth__participation")
            .filter(pk=payload.ticket_id)
            .first()
        )
        if found is None:
            raise HttpError(404, _("No such ticket."))
        ticket, visit_id = found, found.booth.visit_id
    if visit_id is None:
        raise HttpError(422, _("Give ticket_id, or visit_id with agency_code, day and session."))
    visit = queries.get_visit_for_entry(user, visit_id)
    agencies = queries.entry_agencies(user, visit)
    if ticket is not None:
        agency = agencies.filter(pk=ticket.booth.participation.agency_id).first()
    else:
        agency = agencies.filter(code=payload.agency_code or "").first()
    if agency is None:
        raise HttpError(403, _("You cannot record questionnaires for this agency."))
    service = None
    if payload.service_code:
        service = Service.objects.filter(code=payload.service_code, agency=agency).first()
        if service is None:
            raise HttpError(422, _("This service belongs to another agency."))
    with refusals():
        response = actions.submit_response(
            respondent=_respondent(payload),
            answers=list(payload.answers),
            suggestion=payload.suggestion,
            ticket=ticket,
            visit=visit,
            agency=agency,
            service=service,
            day=payload.day,
            session=payload.session,
            channel=payload.channel,
            entered_by=user,
            client_uuid=payload.uuid,
        )
    return Status(201, _out(response))


@router.get(
    "/visits/{visit_id}",
    auth=STAFF,
    response={200: ResultsOut, 403: ErrorOut, 404: ErrorOut},
    summary="IKM of a visit, overall, per agency and per service",
)
def visit_results(request: HttpRequest, visit_id: int) -> ResultsOut:
    """Agency operators get their own agencies' figures only."""
    user = staff_user(request)
    visit = queries.get_visit_for_results(user, visit_id)
    return _results(queries.visit_results(user, visit))


class PeriodIn(Schema):
    start: dt.date
    end: dt.date


@router.get(
    "/agencies/{agency_id}",
    auth=STAFF,
    response={200: ResultsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="IKM of an agency over a period, overall and per service",
)
def agency_results(request: HttpRequest, agency_id: int, period: Query[PeriodIn]) -> ResultsOut:
    user = staff_user(request)
    if period.end < period.start:
        raise HttpError(422, _("The end date is before the start date."))
    agency: Agency = queries.get_agency_for_results(user, agency_id)
    results = queries.agency_results(agency, staff_regency(user), period.start, period.end)
    return _results(results)
