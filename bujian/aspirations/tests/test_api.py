"""/api/v1/aspirations: create, scoped list, transitions, public status by code."""

from __future__ import annotations

import json
from typing import Any, get_args

from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.agencies.models import Agency
from bujian.aspirations import api
from bujian.aspirations.models import Aspiration, Category
from bujian.aspirations.tests.conftest import pdf, submit
from bujian.conftest import client_for
from bujian.regions.models import Regency, Village

BASE = "/api/v1/aspirations"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_literals_follow_the_model_choices() -> None:
    assert set(get_args(api.StatusValue)) == set(Aspiration.Status.values)
    assert set(get_args(api.CategoryValue)) == set(Category.values)


def test_create_with_a_token_and_read_it_back(
    regency: Regency, village: Village, budi: User
) -> None:
    token = create_api_token(user=budi, name="tablet")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = post(
        client,
        BASE,
        {
            "category": "health",
            "title": "Posyandu tanpa timbangan",
            "text": "Sudah rusak.",
            "village_code": village.code,
            "reporter_phone": "081234567890",
            "phone_consent": True,
            "channel": "dialogue",
            "raised_by": "Ibu kader",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("BD-")
    assert body["status"] == "received"
    assert body["village_code"] == village.code
    assert body["reporter"]["phone"] == "+6281234567890"
    assert client.get(f"{BASE}/{body['id']}").json()["title"] == "Posyandu tanpa timbangan"


def test_create_refusals(regency: Regency, budi: User, kades: User) -> None:
    bad = post(
        client_for(budi),
        BASE,
        {"category": "health", "title": "x", "text": "y", "reporter_phone": "12"},
    )
    assert bad.status_code == 409
    assert bad.json()["detail"].startswith("aspirations.bad_phone")
    unknown = post(
        client_for(budi),
        BASE,
        {"category": "health", "title": "x", "text": "y", "village_code": "17.01.99.2999"},
    )
    assert unknown.status_code == 422
    assert (
        post(Client(), BASE, {"category": "health", "title": "x", "text": "y"}).status_code == 401
    )


def test_list_is_scoped(
    regency: Regency, bupati: User, siti: User, andi: User, disdukcapil: Agency
) -> None:
    mine = submit(regency)
    submit(regency)
    api_assign(client_for(bupati), mine, disdukcapil)
    assert client_for(bupati).get(BASE).json()["count"] == 2
    items = client_for(siti).get(BASE).json()["items"]
    assert [i["code"] for i in items] == [mine.code]
    assert client_for(andi).get(BASE).json()["count"] == 0
    assert client_for(andi).get(f"{BASE}/{mine.pk}").status_code == 404


def api_assign(client: Client, aspiration: Aspiration, agency: Agency) -> Any:
    return post(
        client,
        f"{BASE}/{aspiration.pk}/assign",
        {"lead_agency_code": agency.code, "disposition": "Segera tindak lanjuti."},
    )


def test_transitions_through_the_api(
    regency: Regency, budi: User, bupati: User, siti: User, disdukcapil: Agency, samsat: Agency
) -> None:
    aspiration = submit(regency, hide_identity=True, now=None)
    assert (
        post(client_for(budi), f"{BASE}/{aspiration.pk}/verify", {}).json()["status"] == "verified"
    )
    assert api_assign(client_for(siti), aspiration, disdukcapil).status_code == 404  # not hers yet
    assigned = api_assign(client_for(bupati), aspiration, disdukcapil)
    assert assigned.status_code == 200
    assert assigned.json()["lead_agency"]["code"] == disdukcapil.code
    redirect_by_agency = post(
        client_for(siti),
        f"{BASE}/{aspiration.pk}/redirect",
        {"lead_agency_code": samsat.code, "disposition": "Bukan kami."},
    )
    assert redirect_by_agency.status_code == 403
    # The agency never sees the hidden identity.
    assert client_for(siti).get(f"{BASE}/{aspiration.pk}").json()["reporter"] is None
    started = post(client_for(siti), f"{BASE}/{aspiration.pk}/start", {"note": "Dicek besok."})
    assert started.json()["status"] == "in_progress"
    again = post(client_for(siti), f"{BASE}/{aspiration.pk}/start", {"note": "Lagi."})
    assert again.status_code == 409
    assert again.json()["detail"].startswith("aspirations.wrong_state")
    no_file = client_for(siti).post(f"{BASE}/{aspiration.pk}/resolve", {"response": "Sudah."})
    assert no_file.status_code in {409, 422}
    resolved = client_for(siti).post(
        f"{BASE}/{aspiration.pk}/resolve", {"response": "Sudah.", "evidence": [pdf()]}
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"
    reopened = post(client_for(budi), f"{BASE}/{aspiration.pk}/reopen", {"reason": "Belum."})
    assert reopened.json()["status"] == "assigned"
    redirected = post(
        client_for(bupati),
        f"{BASE}/{aspiration.pk}/redirect",
        {"lead_agency_code": samsat.code, "disposition": "Ke Samsat."},
    )
    assert redirected.json()["lead_agency"]["code"] == samsat.code
    rejected = post(
        client_for(bupati), f"{BASE}/{aspiration.pk}/reject", {"reason": "Bukan wewenang."}
    )
    assert rejected.json()["status"] == "rejected"
    history = client_for(budi).get(f"{BASE}/{aspiration.pk}/history").json()
    assert [e["to_status"] for e in history] == [
        "received",
        "verified",
        "assigned",
        "in_progress",
        "resolved",
        "assigned",
        "assigned",
        "rejected",
    ]


def test_merge_and_term(regency: Regency, budi: User) -> None:
    target, duplicate = submit(regency), submit(regency)
    missing = post(client_for(budi), f"{BASE}/{duplicate.pk}/merge", {"target_code": "BD-22222"})
    assert missing.status_code == 422
    merged = post(client_for(budi), f"{BASE}/{duplicate.pk}/merge", {"target_code": target.code})
    assert merged.json()["merged_into"] == target.code
    term = post(
        client_for(budi), f"{BASE}/{target.pk}/term", {"term": "long", "planning_year": 2027}
    )
    assert term.json()["term"] == "long"


def test_public_status_by_code_needs_no_login_and_has_no_personal_data(
    client: Client, regency: Regency
) -> None:
    aspiration = submit(regency, reporter_national_id="1701054107900003")
    response = client.get(f"{BASE}/track/{aspiration.code.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "received"
    assert body["history"][0]["to_status"] == "received"
    text = json.dumps(body)
    for secret in ("Rahmat", "1701054107900003", "81234567890"):
        assert secret not in text
    assert client.get(f"{BASE}/track/BD-22222").status_code == 404


def test_schema_lists_the_operations(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/aspirations/track/{code}" in paths
    assert "security" not in paths["/api/v1/aspirations/track/{code}"]["get"]
    assert paths["/api/v1/aspirations/{aspiration_id}/resolve"]["post"]["security"]


def test_list_costs_a_fixed_number_of_queries(
    regency: Regency, budi: User, django_assert_max_num_queries: Any
) -> None:
    for _number in range(15):
        submit(regency)
    client = client_for(budi)
    client.get(BASE)
    with django_assert_max_num_queries(8):
        body = client.get(BASE).json()
    assert body["count"] == 15
    assert all(item["attachments"] == 0 for item in body["items"])
