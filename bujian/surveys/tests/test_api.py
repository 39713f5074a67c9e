"""/api/v1/surveys: the questionnaire, submissions (public and staff) and results."""

from __future__ import annotations

import json
import typing
import uuid
from typing import Any

import pytest
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.surveys import api
from bujian.surveys.models import SurveyResponse
from bujian.surveys.tests.conftest import Served, answer

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def post(path: str, data: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return Client().post(
        path, json.dumps(data), content_type="application/json", headers=headers or {}
    )


def answers(**changes: Any) -> dict[str, Any]:
    return {
        "sex": "P",
        "age": 29,
        "education": "s1",
        "occupation": "pns",
        "answers": [4, 4, 3, 4, 3, 3, 4, 3, 3],
        "suggestion": "Tambah kursi.",
        **changes,
    }


def test_the_choices_are_those_of_the_models() -> None:
    assert set(typing.get_args(api.Sex)) == set(SurveyResponse.Sex.values)
    assert set(typing.get_args(api.Education)) == set(SurveyResponse.Education.values)
    assert set(typing.get_args(api.Occupation)) == set(SurveyResponse.Occupation.values)
    assert set(typing.get_args(api.SessionChoice)) == set(SurveyResponse.Session.values)
    assert set(typing.get_args(api.ChannelChoice)) == set(SurveyResponse.Channel.values)


def test_questionnaire_is_public(db: None) -> None:
    body = Client().get("/api/v1/surveys/questionnaire").json()
    assert body["version"] == 1
    assert [e["code"] for e in body["elements"]] == [f"U{i}" for i in range(1, 10)]
    assert body["elements"][0]["labels"] == [
        "Tidak sesuai",
        "Kurang sesuai",
        "Sesuai",
        "Sangat sesuai",
    ]


def test_resident_submits_by_ticket_uuid(served: Served) -> None:
    ticket = served.ticket()
    path = f"/api/v1/surveys/public/{ticket.visit_ticket.uuid}/{ticket.pk}"
    response = post(path, answers())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["agency_code"], body["ticket_id"]) == (
        "qr",
        "disdukcapil",
        ticket.pk,
    )
    again = post(path, answers())
    assert again.status_code == 409
    assert again.json()["detail"].startswith("surveys.already_answered")


def test_public_submission_with_a_wrong_uuid_is_404(served: Served) -> None:
    ticket = served.ticket()
    response = post(f"/api/v1/surveys/public/{uuid.uuid4()}/{ticket.pk}", answers())
    assert response.status_code == 404
    assert not SurveyResponse.objects.exists()


def test_off_scale_answer_is_422(served: Served) -> None:
    ticket = served.ticket()
    path = f"/api/v1/surveys/public/{ticket.visit_ticket.uuid}/{ticket.pk}"
    assert post(path, answers(answers=[5, 4, 4, 4, 4, 4, 4, 4, 4])).status_code == 422
    assert post(path, answers(answers=[4] * 8)).status_code == 422


def test_staff_submits_a_paper_questionnaire(served: Served, siti: User) -> None:
    payload = answers(
        visit_id=served.day.visit.pk,
        agency_code="disdukcapil",
        service_code="DUK-KTP",
        day="2026-12-10",
        session="afternoon",
    )
    response = post("/api/v1/surveys/responses", payload, bearer(siti))
    assert response.status_code == 201, response.content
    saved = SurveyResponse.objects.get()
    assert (saved.channel, saved.entered_by, saved.service) == ("paper", siti, served.day.ktp)


def test_staff_submission_is_idempotent_by_uuid(served: Served, siti: User) -> None:
    ticket = served.ticket()
    key = str(uuid.uuid4())
    payload = answers(uuid=key, ticket_id=ticket.pk, channel="kiosk")
    first = post("/api/v1/surveys/responses", payload, bearer(siti))
    again = post("/api/v1/surveys/responses", payload, bearer(siti))
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert SurveyResponse.objects.count() == 1


def test_operator_cannot_submit_for_another_agency(served: Served, andi: User) -> None:
    ticket = served.ticket()  # Disdukcapil's; Andi is Samsat's operator
    response = post("/api/v1/surveys/responses", answers(ticket_id=ticket.pk), bearer(andi))
    assert response.status_code == 403


def test_leadership_cannot_submit(served: Served, bupati: User) -> None:
    payload = answers(visit_id=served.day.visit.pk, agency_code="disdukcapil")
    assert post("/api/v1/surveys/responses", payload, bearer(bupati)).status_code == 403


def test_staff_endpoints_need_auth(served: Served) -> None:
    assert Client().get(f"/api/v1/surveys/visits/{served.day.visit.pk}").status_code == 401
    assert post("/api/v1/surveys/responses", answers()).status_code == 401


def test_visit_results(served: Served, budi: User, siti: User) -> None:
    answer(served.ticket(), [4] * 9)
    answer(served.ticket(served.day.stnk), [2] * 9)
    path = f"/api/v1/surveys/visits/{served.day.visit.pk}"
    body = Client().get(path, headers=bearer(budi)).json()
    assert body["overall"]["ikm"] == "75.00"
    assert body["overall"]["respondents"] == 2
    assert {a["name"]: a["result"]["ikm"] for a in body["agencies"]} == {
        "Disdukcapil": "100.00",
        "Samsat": "50.00",
    }
    assert "1/9" in body["method"]
    mine = Client().get(path, headers=bearer(siti)).json()
    assert [a["name"] for a in mine["agencies"]] == ["Disdukcapil"]
    assert mine["overall"]["ikm"] == "100.00"


def test_agency_results_scope(served: Served, siti: User) -> None:
    answer(served.ticket(), [3] * 9)
    disdukcapil, samsat = served.day.ktp.agency_id, served.day.stnk.agency_id
    period = "?start=2026-12-01&end=2026-12-31"
    own = Client().get(f"/api/v1/surveys/agencies/{disdukcapil}{period}", headers=bearer(siti))
    assert own.status_code == 200
    assert own.json()["overall"]["grade"] == "C"
    other = Client().get(f"/api/v1/surveys/agencies/{samsat}{period}", headers=bearer(siti))
    assert other.status_code == 404


def test_village_operator_gets_403(served: Served, kades: User) -> None:
    path = f"/api/v1/surveys/visits/{served.day.visit.pk}"
    assert Client().get(path, headers=bearer(kades)).status_code == 403


def test_the_schema_documents_the_survey_routes(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/surveys/public/{ticket_uuid}/{ticket_id}" in paths
    assert "/api/v1/surveys/responses" in paths
    assert "/api/v1/surveys/visits/{visit_id}" in paths
