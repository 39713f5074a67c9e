"""The board state in the staff API: the TV board's state, an ETag per board version,
and 304 without touching the database while nothing has moved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import ServiceFactory
from bujian.conftest import client_for
from bujian.queueing import actions
from bujian.queueing.queries_board import board_state
from bujian.queueing.tests.test_board import open_hall, queue_residents
from bujian.regions.models import Regency, Village
from bujian.visits.models import Booth, Visit
from bujian.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='board')}"}


def board_url(visit: Visit) -> str:
    return f"/api/v1/queue/visits/{visit.pk}/board"


@pytest.fixture
def hall(
    regency: Regency,
    village: Village,
    budi: User,
    disdukcapil: Agency,
    samsat: Agency,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Visit:
    """Booth A (Disdukcapil, zone Utara) with 2 waiting, booth B (Samsat, Selatan)
    with 1 waiting; nobody called yet."""
    ktp: Service = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP-CETAK")
    pkb: Service = ServiceFactory.create(agency=samsat, code="PKB-TAHUNAN")
    with django_capture_on_commit_callbacks(execute=True):
        visit = open_hall(regency, village, budi, [disdukcapil, samsat])
        queue_residents(visit, ktp, 2, budi)
        queue_residents(visit, pkb, 1, budi)
    return visit


def test_anonymous_is_refused(client: Client, hall: Visit) -> None:
    assert client.get(board_url(hall)).status_code == 401


def test_the_board_is_the_state_the_tv_board_shows(hall: Visit, andi: User) -> None:
    response = Client().get(board_url(hall), headers=bearer(andi))
    assert response.status_code == 200
    body = response.json()
    expected = board_state(hall.pk)
    assert body["version"] == expected["version"]
    assert body["day"] == expected["day"]
    assert [(b["prefix"], b["waiting"], b["current"]) for b in body["booths"]] == [
        ("A", 2, None),
        ("B", 1, None),
    ]
    assert body["recent"] == []
    assert response["ETag"]
    assert "no-cache" in response["Cache-Control"]


def test_an_unchanged_board_answers_304_without_touching_the_database(
    hall: Visit, siti: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client, headers = Client(), bearer(siti)
    first = client.get(board_url(hall), headers=headers)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(board_url(hall), headers={**headers, "If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "no-cache" in again["Cache-Control"]


def test_a_call_changes_the_etag_and_the_next_poll_gets_it(
    hall: Visit,
    siti: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client, headers = Client(), bearer(siti)
    before = client.get(board_url(hall), headers=headers)
    with django_capture_on_commit_callbacks(execute=True):
        actions.call_next(booth=Booth.objects.get(visit=hall, prefix="A"), actor=siti)
    after = client.get(board_url(hall), headers={**headers, "If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    body = after.json()
    assert body["booths"][0]["current"]["label"] == "A-001"
    assert body["booths"][0]["waiting"] == 1
    assert body["recent"][0]["label"] == "A-001"
    ticket_id = body["recent"][0]["ticket"]
    assert body["recent"][0]["voice"] == reverse(
        "queueing:board_voice", kwargs={"visit_id": hall.pk, "ticket_id": ticket_id}
    )


def test_the_zone_keeps_its_booths(hall: Visit, budi: User) -> None:
    response = Client().get(f"{board_url(hall)}?zone=Selatan", headers=bearer(budi))
    assert response.status_code == 200
    assert response.json()["zone"] == "Selatan"
    assert [b["prefix"] for b in response.json()["booths"]] == ["B"]


def test_a_staff_session_reads_the_board_too(hall: Visit, bupati: User) -> None:
    assert client_for(bupati).get(board_url(hall)).status_code == 200


def test_a_draft_or_unknown_visit_is_404(regency: Regency, village: Village, budi: User) -> None:
    draft = VisitFactory.create(regency=regency, village=village, status=Visit.Status.DRAFT)
    headers = bearer(budi)
    assert Client().get(board_url(draft), headers=headers).status_code == 404
    assert Client().get("/api/v1/queue/visits/999999/board", headers=headers).status_code == 404


def test_the_schema_documents_the_board_with_its_304(client: Client) -> None:
    operation: dict[str, Any] = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/queue/visits/{visit_id}/board"
    ]["get"]
    assert set(operation["responses"]) >= {"200", "304", "404"}
    assert operation["security"]
