"""The JSON API with malformed bodies, wrong content types, huge bodies and values of
the wrong type (a logged-in staff session, as the pages use it). Each: no server error,
a JSON answer, and nothing saved."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from bujian.aspirations.models import Aspiration
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.core.tests.badinput.conftest import World, counts
from bujian.core.tests.badinput.corpus import BODIES, JSON_VALUES, BadBody
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import DocumentHandover
from bujian.residents.models import Resident
from bujian.residents.nik import make_nik
from bujian.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

Endpoint = tuple[
    str, str, Callable[[World], str], Callable[[World], dict[str, Any]], list[type[Model]]
]


def _resident(world: World) -> dict[str, Any]:
    import datetime as dt

    return {
        "national_id": make_nik("17.01.05", dt.date(1991, 5, 2), "L", 77),
        "full_name": "Agus Salim",
        "sex": "L",
        "birth_date": "1991-05-02",
        "village_code": world.village.code,
        "phone": "",
    }


ENDPOINTS: list[Endpoint] = [
    ("residents", "kades", lambda w: "/api/v1/residents", _resident, [Resident, AuditEntry]),
    (
        "aspirations",
        "budi",
        lambda w: "/api/v1/aspirations",
        lambda w: {"category": "infrastructure", "title": "Jalan rusak", "text": "Berlubang."},
        [Aspiration, AuditEntry],
    ),
    (
        "survey-responses",
        "budi",
        lambda w: "/api/v1/surveys/responses",
        lambda w: {
            "ticket_id": w.finished.pk,
            "sex": "L",
            "age": 40,
            "education": "smp",
            "occupation": "swasta",
            "answers": [4] * 9,
        },
        [SurveyResponse],
    ),
    (
        "handover",
        "siti",
        lambda w: f"/api/v1/documents/{w.document.pk}/handover",
        lambda w: {"recipient": "resident", "place": "agency_office"},
        [DocumentHandover, AuditEntry],
    ),
    (
        "visit-tickets",
        "budi",
        lambda w: f"/api/v1/queue/visits/{w.visit.pk}/tickets",
        lambda w: {"resident_id": w.resident.pk, "service_codes": ["SAM-STNK"]},
        [VisitTicket, Ticket, AuditEntry],
    ),
]


def _send(client: Client, url: str, body: bytes, content_type: str) -> Any:
    return client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.id)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_a_malformed_body_is_refused_in_json(
    endpoint: Endpoint, body: BadBody, world: World
) -> None:
    name, user, url, _valid, models = endpoint
    client = client_for(getattr(world, user))
    before = counts(models)
    response = _send(client, url(world), body.body, body.content_type)
    assert response.status_code < 500, f"{name} {body.id}: HTTP {response.status_code}"
    assert 400 <= response.status_code < 500, f"{name} {body.id}: HTTP {response.status_code}"
    if body.id != "huge-body":  # refused by Django before the API: its own 400 page
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content)  # says something
    assert counts(models) == before


RESIDENT_FIELDS = ["national_id", "full_name", "sex", "birth_date", "village_code", "phone"]
# Strings a name may legitimately be: kept as typed (escaped on every page).
NAME_OK = {"string-script", "string-sql", "string-homoglyph", "string-superscript", "bad-date"}


@pytest.mark.parametrize(("label", "value"), JSON_VALUES, ids=[v[0] for v in JSON_VALUES])
@pytest.mark.parametrize("field", RESIDENT_FIELDS)
def test_a_wrong_value_for_a_resident_is_refused(
    field: str, label: str, value: Any, world: World
) -> None:
    client = client_for(world.kades)
    payload = _resident(world) | {field: value}
    body = json.dumps(payload).encode() if label != "huge-int" else _huge(payload)
    before = counts([Resident, AuditEntry])
    response = _send(client, "/api/v1/residents", body, "application/json")
    assert response.status_code < 500, f"{field}={label}: HTTP {response.status_code}"
    accepted = counts([Resident, AuditEntry]) != before
    if accepted:
        legitimate = (field == "full_name" and label in NAME_OK) or (
            field == "phone" and label == "empty-string"  # the phone is optional
        )
        assert legitimate, f"{field}={label} was accepted"
        assert response.status_code == 201
    else:
        assert 400 <= response.status_code < 500
        assert json.loads(response.content)


def _huge(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def test_the_valid_bodies_are_accepted(world: World) -> None:
    for name, user, url, valid, models in ENDPOINTS:
        client = client_for(getattr(world, user))
        before = counts(models)
        response = _send(client, url(world), json.dumps(valid(world)).encode(), "application/json")
        assert response.status_code in (200, 201), (name, response.content[:500])
        assert counts(models) != before, name
