"""Every change to survey data: the questionnaire loader and the submission of a
filled questionnaire, from the kiosk, the QR on the ticket, paper entry or the API.

Refusals are ``DomainError`` with a stable code and an Indonesian-ready message."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.queueing.board import bump_board
from bujian.queueing.models import Ticket
from bujian.surveys.models import ANSWER_FIELDS, ELEMENT_COUNT, Questionnaire, SurveyResponse
from bujian.visits.actions import local_now
from bujian.visits.models import Participation, Visit

MIN_AGE = 10
MAX_AGE = 110


@dataclass(frozen=True)
class Respondent:
    """The profile the regulation's template asks for; nothing that names a person."""

    sex: str
    age: int
    education: str
    occupation: str
    occupation_other: str = ""


def current_questionnaire() -> Questionnaire:
    """The version new responses are given on. Loads version 1 (the data migration's
    rows) when the table is empty, e.g. after a test database was flushed."""
    questionnaire = Questionnaire.objects.filter(is_current=True).first()
    if questionnaire is None:
        migration = importlib.import_module("bujian.surveys.migrations.0002_load_questionnaire_v1")
        with transaction.atomic():
            migration.load(django_apps, None)
        questionnaire = Questionnaire.objects.get(is_current=True)
    return questionnaire


def session_at(moment: dt.datetime, visit: Visit) -> str:
    """The template's "jam survei": 08.00–12.00 or 13.00–17.00, in the visit's zone.
    The lunch hour counts with the afternoon."""
    hour = local_now(visit.regency, moment).hour
    return SurveyResponse.Session.MORNING if hour < 12 else SurveyResponse.Session.AFTERNOON


def service_of(ticket: Ticket) -> Service | None:
    """The service the ticket was served for: its first service record's, else the
    only service it was queued for."""
    record = ticket.records.select_related("service").order_by("created_at", "pk").first()
    if record is not None:
        return record.service
    services = list(ticket.services.all()[:2])
    return services[0] if len(services) == 1 else None


def _check_answers(answers: Sequence[int]) -> None:
    if len(answers) != ELEMENT_COUNT or any(a not in (1, 2, 3, 4) for a in answers):
        raise DomainError(
            "surveys.incomplete",
            _("Answer all nine questions, each with one of the four choices."),
        )


def _check_respondent(respondent: Respondent) -> None:
    if not MIN_AGE <= respondent.age <= MAX_AGE:
        raise DomainError(
            "surveys.age",
            _("Write the age in years, between %(min)d and %(max)d.")
            % {"min": MIN_AGE, "max": MAX_AGE},
        )
    valid = (
        respondent.sex in SurveyResponse.Sex.values
        and respondent.education in SurveyResponse.Education.values
        and respondent.occupation in SurveyResponse.Occupation.values
    )
    if not valid:
        raise DomainError(
            "surveys.profile", _("Choose the sex, education and occupation from the list.")
        )


def already_answered(ticket: Ticket) -> bool:
    return SurveyResponse.objects.filter(ticket_id=ticket.pk).exists()


def _refuse_twice() -> DomainError:
    return DomainError(
        "surveys.already_answered",
        _("The survey for this queue number has already been filled in. Thank you."),
    )


@transaction.atomic
def submit_response(
    *,
    respondent: Respondent,
    answers: Sequence[int],
    channel: str,
    suggestion: str = "",
    ticket: Ticket | None = None,
    visit: Visit | None = None,
    agency: Agency | None = None,
    service: Service | None = None,
    day: dt.date | None = None,
    session: str | None = None,
    entered_by: User | None = None,
    client_uuid: uuid_module.UUID | None = None,
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """Record one filled questionnaire about one service delivered.

    With a ``ticket`` (kiosk, QR, or paper with the ticket number) the visit, agency,
    service and day come from it; the ticket must be finished and not answered yet.
    Without one (paper only), ``visit``, ``agency``, ``day`` and ``session`` are given
    and checked. The response never names the resident.

    Concurrency: two submissions for one ticket race to the one-to-one column; the
    loser's IntegrityError becomes the same refusal as the exists() check. A replay
    with the same ``client_uuid`` returns the first response unchanged.
    Side effect: the visit's board version moves on commit, so the public status page
    (cached by ETag) shows the thank-you line instead of the survey link.
    """
    if client_uuid is not None:
        existing = SurveyResponse.objects.filter(uuid=client_uuid).first()
        if existing is not None:
            if ticket is not None and existing.ticket_id != ticket.pk:
                raise DomainError(
                    "surveys.uuid_reused", _("This submission belongs to another survey.")
                )
            return existing
    _check_answers(answers)
    _check_respondent(respondent)
    if channel not in SurveyResponse.Channel.values:
        raise DomainError("surveys.channel", _("Unknown survey channel."))
    moment = now or timezone.now()
    if ticket is not None:
        ticket = Ticket.objects.select_related(
            "booth__visit__regency", "booth__participation__agency"
        ).get(pk=ticket.pk)
        if ticket.status != Ticket.Status.DONE:
            raise DomainError(
                "surveys.not_served",
                _("The survey opens when the service of number %(label)s is finished.")
                % {"label": ticket.label},
            )
        if already_answered(ticket):
            raise _refuse_twice()
        visit = ticket.booth.visit
        agency = ticket.booth.participation.agency
        service = service_of(ticket)
        day = ticket.day
        if channel != SurveyResponse.Channel.PAPER or session is None:
            session = session_at(moment, visit)
    else:
        if visit is None or agency is None or day is None:
            raise DomainError(
                "surveys.no_service",
                _("Say which visit, agency and day the questionnaire is about."),
            )
        if not Participation.objects.filter(visit=visit, agency=agency).exists():
            raise DomainError(
                "surveys.agency_not_at_visit",
                _("%(agency)s did not take part in this visit.") % {"agency": agency.short_name},
            )
        if day not in visit.days:
            raise DomainError(
                "surveys.day_outside_visit", _("The survey date must be a day of the visit.")
            )
        if service is not None and service.agency_id != agency.pk:
            raise DomainError(
                "surveys.service_of_other_agency",
                _("This service belongs to another agency."),
            )
        if session not in SurveyResponse.Session.values:
            raise DomainError("surveys.session", _("Choose the survey time."))
    assert session is not None
    fields = dict(zip(ANSWER_FIELDS, (int(a) for a in answers), strict=True))
    try:
        with transaction.atomic():  # a savepoint: the race's loser keeps its transaction
            response = SurveyResponse.objects.create(
                uuid=client_uuid or uuid_module.uuid4(),
                questionnaire=current_questionnaire(),
                ticket=ticket,
                regency_id=visit.regency_id,
                visit=visit,
                agency=agency,
                service=service,
                day=day,
                session=session,
                channel=channel,
                sex=respondent.sex,
                age=respondent.age,
                education=respondent.education,
                occupation=respondent.occupation,
                occupation_other=(
                    respondent.occupation_other.strip()[:60]
                    if respondent.occupation == SurveyResponse.Occupation.OTHER
                    else ""
                ),
                suggestion=suggestion.strip()[:1000],
                entered_by=entered_by,
                **fields,
            )
    except IntegrityError as error:
        if ticket is not None and already_answered(ticket):
            raise _refuse_twice() from error
        raise
    record_audit(
        actor=entered_by,
        action="surveys.response.submitted",
        target=response,
        data={"channel": channel, "visit": visit.pk, "agency": agency.pk},
    )
    if ticket is not None:
        bump_board(visit.pk)
    return response
