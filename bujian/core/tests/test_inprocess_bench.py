"""``bench/inprocess.py``: a round of issue, call-next and finish through the production
WSGI application, timed per request, serves every ticket it issued."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from bench.inprocess import _round
from bench.plan import load_plan
from bujian.queueing.models import Ticket
from bujian.wsgi import application

pytestmark = pytest.mark.django_db


def test_a_round_serves_every_ticket_and_times_each_request(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    call_command(
        "bench_setup", output=str(plan_file), agencies=3, residents=6, desks=1, stdout=StringIO()
    )
    plan = load_plan(plan_file, seed=1)

    # As Django's test client does: the test's transaction must keep its connection,
    # which the handler's request signals would otherwise close on PostgreSQL.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        figures = _round(application, plan, residents=6)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    tickets = Ticket.objects.count()
    assert tickets == plan.ticket_count >= 6
    assert Ticket.objects.filter(status=Ticket.Status.DONE).count() == tickets
    assert figures["issue"]["count"] == 6
    assert figures["call-next"]["count"] == figures["finish"]["count"] == tickets
    assert all(f["cpu_ms_median"] > 0 and f["wall_ms_median"] > 0 for f in figures.values())
