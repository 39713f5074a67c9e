"""``manage.py bench_setup`` with tiny numbers, so CI notices when the queue benchmark's
seeding breaks (the benchmark itself, ``make bench``, is not a test)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tokens import user_for_token
from bujian.queueing.models import Ticket
from bujian.visits.models import Booth, Visit

pytestmark = pytest.mark.django_db


def _seed(tmp_path: Path, **options: int) -> dict[str, Any]:
    output = tmp_path / "bench" / "plan.json"
    call_command("bench_setup", output=str(output), stdout=StringIO(), **options)
    plan: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return plan


def test_seeds_a_visit_day_with_open_booths_and_working_tokens(tmp_path: Path) -> None:
    plan = _seed(tmp_path, agencies=3, residents=5, desks=2)

    visit = Visit.objects.get(pk=plan["visit_id"])
    assert visit.status == Visit.Status.ONGOING  # every agency checked in
    assert Booth.objects.filter(visit=visit, is_open=True).count() == 3
    assert len(plan["residents"]) == 5
    booths = plan["booths"]
    assert len(booths) == 3
    for booth in booths:
        operator = user_for_token(booth["token"])
        assert operator is not None and operator.role == User.Role.AGENCY_OPERATOR
        assert list(operator.agencies.values_list("code", flat=True)) == [booth["agency"]]
        assert 1 <= len(booth["services"]) <= 3
    desks = plan["desks"]
    assert len(desks) == 2
    desk = user_for_token(desks[0]["token"])
    assert desk is not None and desk.role == User.Role.PROGRAM_ADMIN


def test_the_seeded_day_goes_through_the_queue_api(tmp_path: Path) -> None:
    """What the benchmark's clients do, once: issue, call next, finish."""
    plan = _seed(tmp_path, agencies=2, residents=1, desks=1)
    booths, desks, residents = plan["booths"], plan["desks"], plan["residents"]
    booth = booths[0]
    client = Client()
    issued = client.post(
        f"/api/v1/queue/visits/{plan['visit_id']}/tickets",
        {"resident_id": residents[0], "service_codes": [booth["services"][0]]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {desks[0]['token']}"},
    )
    assert issued.status_code == 201
    operator = {"Authorization": f"Bearer {booth['token']}"}
    called = client.post(f"/api/v1/queue/booths/{booth['booth_id']}/call-next", headers=operator)
    assert called.status_code == 200
    finished = client.post(
        f"/api/v1/queue/tickets/{called.json()['id']}/finish",
        {"outcomes": [{"service_code": booth["services"][0], "outcome": "completed"}]},
        content_type="application/json",
        headers=operator,
    )
    assert finished.status_code == 200
    assert Ticket.objects.get().status == Ticket.Status.DONE


def test_makes_bench_agencies_when_the_catalog_has_too_few(tmp_path: Path) -> None:
    plan = _seed(tmp_path, agencies=60, residents=1, desks=1)
    booths = plan["booths"]
    assert len(booths) == 60
    assert "bench-60" in {b["agency"] for b in booths}


def test_refuses_a_database_that_already_has_visits(tmp_path: Path) -> None:
    _seed(tmp_path, agencies=1, residents=1, desks=1)
    with pytest.raises(CommandError):
        _seed(tmp_path, agencies=1, residents=1, desks=1)
