"""/api/v1/planner: the same rules as the pages, in JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.agencies.models import Agency
from bujian.planner.models import Plan, VillageProfile
from bujian.planner.tests.conftest import PERIOD_END, PERIOD_START
from bujian.regions.models import Village
from bujian.regions.tests.factories import ProvinceFactory, RegencyFactory
from bujian.visits.models import Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

BASE = "/api/v1/planner"


def auth(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def payload(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "visits_per_month": 2,
        "weekdays": [1, 2, 3],
        "min_visits_per_district": 1,
        "time_limit_seconds": 5,
    }
    data.update(changes)
    return data


def test_admin_runs_reads_and_accepts_a_plan(
    villages: list[Village], budi: User, disdukcapil: Agency
) -> None:
    client = Client(headers=auth(budi))
    created = client.post(f"{BASE}/plans", payload(), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "done"
    assert body["progress_percent"] == 100
    assert body["gap"] is not None and body["gap"] <= 0.01
    detail = client.get(f"{BASE}/plans/{body['id']}").json()
    assert len(detail["slots"]) == 6
    assert all(slot["reason"] and slot["kecamatan"] for slot in detail["slots"])
    accepted = client.post(f"{BASE}/plans/{body['id']}/accept")
    assert accepted.json() == {"visits_created": 6}
    assert Visit.objects.count() == 6
    again = client.post(f"{BASE}/plans/{body['id']}/accept")
    assert again.status_code == 409
    assert again.json()["detail"].startswith("planner.not_ready")
    replanned = client.post(f"{BASE}/plans/{body['id']}/replan")
    assert replanned.status_code == 201
    assert replanned.json()["replan_of_id"] == body["id"]
    assert [p["id"] for p in client.get(f"{BASE}/plans").json()] == [
        replanned.json()["id"],
        body["id"],
    ]


def test_infeasible_rules_answer_the_named_conflict(villages: list[Village], budi: User) -> None:
    client = Client(headers=auth(budi))
    body = client.post(
        f"{BASE}/plans", payload(min_visits_per_district=4), content_type="application/json"
    ).json()
    assert body["status"] == "infeasible"
    assert body["conflicts"][0] == "3 kecamatan × 4 kunjungan > 6 slot tersedia"


def test_leadership_reads_but_may_not_plan(villages: list[Village], bupati: User) -> None:
    client = Client(headers=auth(bupati))
    assert client.get(f"{BASE}/plans").status_code == 200
    assert len(client.get(f"{BASE}/villages").json()) == 9
    refused = client.post(f"{BASE}/plans", payload(), content_type="application/json")
    assert refused.status_code == 403
    assert not Plan.objects.exists()


def test_a_plan_of_another_regency_is_404(budi: User) -> None:
    other = RegencyFactory.create(
        code="18.02", name="Kabupaten Lampung Tengah", province=ProvinceFactory.create(code="18")
    )
    plan = Plan.objects.create(regency=other, period_start=PERIOD_START, period_end=PERIOD_END)
    client = Client(headers=auth(budi))
    assert client.get(f"{BASE}/plans/{plan.pk}").status_code == 404
    assert client.post(f"{BASE}/plans/{plan.pk}/accept").status_code == 404


def test_admin_corrects_a_village_profile(villages: list[Village], budi: User) -> None:
    client = Client(headers=auth(budi))
    village = villages[0]
    refused = client.put(
        f"{BASE}/villages/{village.pk}",
        {"excluded": True, "reason": ""},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("planner.reason_required")
    saved = client.put(
        f"{BASE}/villages/{village.pk}",
        {"population": 3100, "travel_minutes": 120, "priority": "urgent", "reason": "Longsor"},
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert saved.json()["priority"] == "urgent"
    assert saved.json()["population"] == 3100
    assert VillageProfile.objects.get(village=village).travel_minutes == 120


def test_anonymous_callers_are_refused(villages: list[Village]) -> None:
    assert Client().get(f"{BASE}/plans").status_code == 401


def test_a_running_plan_reports_its_progress(
    regency: object, villages: list[Village], budi: User
) -> None:
    from bujian.planner import actions

    plan = Plan.objects.create(
        regency=villages[0].district.regency,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        status=Plan.Status.RUNNING,
    )
    actions.save_progress(plan.pk, stage="solving", percent=40)
    body = Client(headers=auth(budi)).get(f"{BASE}/plans/{plan.pk}").json()
    assert (body["status"], body["progress_percent"], body["slots"]) == ("running", 40, [])
