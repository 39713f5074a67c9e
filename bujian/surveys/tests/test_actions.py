"""Submitting questionnaires: one per served ticket, anonymous, versioned."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.queueing.board import board_version
from bujian.surveys import actions
from bujian.surveys.models import Questionnaire, SurveyResponse
from bujian.surveys.tests.conftest import NOW, RESPONDENT, Served, answer

pytestmark = pytest.mark.django_db


def test_response_takes_visit_agency_service_and_day_from_the_ticket(served: Served) -> None:
    ticket = served.ticket()
    response = answer(ticket, (4, 3, 3, 4, 3, 4, 4, 3, 2), suggestion="  Antrean lama.  ")
    assert response.visit == served.day.visit
    assert response.agency.short_name == "Disdukcapil"
    assert response.service == served.day.ktp
    assert response.day == dt.date(2026, 12, 10)
    assert response.session == SurveyResponse.Session.MORNING  # 09.00 WIB
    assert response.answers == (4, 3, 3, 4, 3, 4, 4, 3, 2)
    assert response.suggestion == "Antrean lama."
    assert response.questionnaire.version == 1
    assert response.regency_id == served.day.visit.regency_id


def test_response_names_no_resident(served: Served) -> None:
    names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not names & {"resident", "visit_ticket", "national_id", "full_name"}
    response = answer(served.ticket())
    entry = AuditEntry.objects.get(action="surveys.response.submitted")
    assert entry.target_id == str(response.pk)
    assert "Warga" not in entry.target_repr


def test_second_survey_for_one_ticket_is_refused(served: Served) -> None:
    ticket = served.ticket()
    answer(ticket)
    with pytest.raises(DomainError) as refused:
        answer(ticket, (1, 1, 1, 1, 1, 1, 1, 1, 1))
    assert refused.value.code == "surveys.already_answered"
    assert SurveyResponse.objects.count() == 1


def test_unique_ticket_is_the_backstop(served: Served) -> None:
    """Two submissions racing past the exists() check: the one-to-one column refuses
    the second with the same message."""
    ticket = served.ticket()
    answer(ticket)
    original = actions.already_answered
    calls = iter([False, True])
    actions.already_answered = lambda t: next(calls)  # type: ignore[assignment]
    try:
        with pytest.raises(DomainError) as refused:
            answer(ticket)
    finally:
        actions.already_answered = original
    assert refused.value.code == "surveys.already_answered"
    assert SurveyResponse.objects.count() == 1


def test_unfinished_service_cannot_be_rated(served: Served) -> None:
    ticket = served.ticket(finished=False)
    with pytest.raises(DomainError) as refused:
        answer(ticket)
    assert refused.value.code == "surveys.not_served"


@pytest.mark.parametrize(
    "answers", [(4, 4, 4, 4, 4, 4, 4, 4), (4, 4, 4, 4, 4, 4, 4, 4, 5), (0, 4, 4, 4, 4, 4, 4, 4, 4)]
)
def test_incomplete_or_off_scale_answers_are_refused(served: Served, answers: tuple[int]) -> None:
    with pytest.raises(DomainError) as refused:
        answer(served.ticket(), answers)
    assert refused.value.code == "surveys.incomplete"
    assert not SurveyResponse.objects.exists()


def test_age_outside_range_is_refused(served: Served) -> None:
    with pytest.raises(DomainError) as refused:
        actions.submit_response(
            respondent=actions.Respondent(sex="L", age=7, education="sd", occupation="lainnya"),
            answers=[3] * 9,
            ticket=served.ticket(),
            channel=SurveyResponse.Channel.QR,
        )
    assert refused.value.code == "surveys.age"


def test_afternoon_session_in_the_visit_time_zone(served: Served) -> None:
    response = actions.submit_response(
        respondent=RESPONDENT,
        answers=[3] * 9,
        ticket=served.ticket(),
        channel=SurveyResponse.Channel.QR,
        now=NOW + dt.timedelta(hours=4),  # 13.00 WIB
    )
    assert response.session == SurveyResponse.Session.AFTERNOON


def test_replay_with_the_same_uuid_is_a_no_op(served: Served) -> None:
    ticket = served.ticket()
    key = uuid.uuid4()
    first = actions.submit_response(
        respondent=RESPONDENT,
        answers=[3] * 9,
        ticket=ticket,
        channel=SurveyResponse.Channel.KIOSK,
        client_uuid=key,
    )
    again = actions.submit_response(
        respondent=RESPONDENT,
        answers=[3] * 9,
        ticket=ticket,
        channel=SurveyResponse.Channel.KIOSK,
        client_uuid=key,
    )
    assert again.pk == first.pk
    assert SurveyResponse.objects.count() == 1


def test_paper_questionnaire_without_ticket(served: Served, budi: User, samsat: Agency) -> None:
    response = actions.submit_response(
        respondent=RESPONDENT,
        answers=[2] * 9,
        visit=served.day.visit,
        agency=samsat,
        service=served.day.stnk,
        day=dt.date(2026, 12, 10),
        session=SurveyResponse.Session.AFTERNOON,
        channel=SurveyResponse.Channel.PAPER,
        entered_by=budi,
    )
    assert response.ticket is None
    assert response.entered_by == budi
    assert response.session == SurveyResponse.Session.AFTERNOON


def test_paper_questionnaire_checks_day_and_agency(served: Served, budi: User) -> None:
    other = Agency.objects.create(code="bpn", short_name="BPN", name="BPN", kind="vertical")
    base = {
        "respondent": RESPONDENT,
        "answers": [2] * 9,
        "visit": served.day.visit,
        "session": SurveyResponse.Session.MORNING,
        "channel": SurveyResponse.Channel.PAPER,
        "entered_by": budi,
    }
    with pytest.raises(DomainError) as refused:
        actions.submit_response(**base, agency=other, day=dt.date(2026, 12, 10))  # type: ignore[arg-type]
    assert refused.value.code == "surveys.agency_not_at_visit"
    with pytest.raises(DomainError) as refused:
        actions.submit_response(
            **base,  # type: ignore[arg-type]
            agency=served.day.ktp.agency,
            day=dt.date(2026, 12, 11),
        )
    assert refused.value.code == "surveys.day_outside_visit"
    with pytest.raises(DomainError) as refused:
        actions.submit_response(
            **base,  # type: ignore[arg-type]
            agency=served.day.ktp.agency,
            service=served.day.stnk,
            day=dt.date(2026, 12, 10),
        )
    assert refused.value.code == "surveys.service_of_other_agency"


def test_answers_keep_their_questionnaire_version(served: Served) -> None:
    old = answer(served.ticket())
    Questionnaire.objects.filter(is_current=True).update(is_current=False)
    new_version = Questionnaire.objects.create(version=2, title="SKM 2027", is_current=True)
    new = answer(served.ticket())
    old.refresh_from_db()
    assert old.questionnaire.version == 1
    assert new.questionnaire == new_version


def test_questionnaire_v1_has_the_nine_elements_of_the_regulation(db: None) -> None:
    questionnaire = actions.current_questionnaire()
    elements = list(questionnaire.elements.order_by("position"))
    assert [e.code for e in elements] == [f"U{i}" for i in range(1, 10)]
    assert elements[3].labels == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert elements[8].name == "Penanganan Pengaduan, Saran dan Masukan"


def test_loader_restores_the_questionnaire_after_a_flush(db: None) -> None:
    Questionnaire.objects.all().delete()
    assert actions.current_questionnaire().elements.count() == 9


def test_status_page_version_moves_after_a_survey(
    served: Served, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    ticket = served.ticket()
    before = board_version(served.day.visit.pk)
    with django_capture_on_commit_callbacks(execute=True):
        answer(ticket)
    assert board_version(served.day.visit.pk) != before


def test_a_submission_key_cannot_be_reused_for_another_ticket(served: Served) -> None:
    key = uuid.uuid4()
    first, second = served.ticket(), served.ticket()
    base = {"respondent": RESPONDENT, "answers": [3] * 9, "channel": "kiosk", "client_uuid": key}
    actions.submit_response(ticket=first, **base)  # type: ignore[arg-type]
    with pytest.raises(DomainError) as refused:
        actions.submit_response(ticket=second, **base)  # type: ignore[arg-type]
    assert refused.value.code == "surveys.uuid_reused"
