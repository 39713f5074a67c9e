"""The queue benchmark's paced load (``--rate``): the arithmetic from queue actions to
visit tickets a second, and desks that keep to their schedule. The benchmark itself,
``make bench``, is not a test."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bench.load import DayState, LoadConfig, _desk
from bench.plan import DayPlan, Need
from bench.queue_bench import issue_rate


def test_the_issue_rate_gives_the_offered_queue_actions() -> None:
    # 2,000 residents with 3,900 booth tickets: each visit ticket is 1 issue and
    # 1.95 calls and finishes, so 4.9 actions.
    rate = issue_rate(500, booth_tickets=3900, residents=2000)
    assert rate == pytest.approx(500 / 4.9)
    assert rate * (1 + 2 * 3900 / 2000) == pytest.approx(500)
    assert issue_rate(0, booth_tickets=3900, residents=2000) == 0.0
    assert issue_rate(500, booth_tickets=0, residents=0) == 0.0


class _FakeClient:
    """Answers every issue at once with one booth ticket, noting when it was sent."""

    def __init__(self) -> None:
        self.sent: list[float] = []

    def call(
        self, endpoint: str, method: str, path: str, **kwargs: Any
    ) -> tuple[int, dict[str, str], bytes]:
        self.sent.append(time.perf_counter())
        number = len(self.sent)
        body = f'{{"uuid": "vt-{number}", "tickets": [{{"id": {number}, "booth_id": 7}}]}}'
        return 201, {}, body.encode()


def _plan(residents: int) -> DayPlan:
    needs = tuple(Need(resident_id=i, services=((7, "KTP"),)) for i in range(residents))
    return DayPlan(
        visit_id=1, day="2027-06-10", booths=(), desk_tokens=("t",), desk_user_ids=(1,), needs=needs
    )


def test_a_paced_desk_sends_on_its_schedule_and_notes_no_lag_when_answers_are_quick() -> None:
    plan = _plan(6)
    day = DayState(desks_left=1)
    day.started = time.perf_counter()
    client = _FakeClient()
    # Desk 1 of 2 at 40 visit tickets a second: every 50 ms, starting 25 ms in.
    config = LoadConfig(host="127.0.0.1", port=1, issue_rate=40)
    _desk(client, plan, list(plan.needs), day, config, index=1, desks=2)  # type: ignore[arg-type]

    assert len(client.sent) == 6
    offsets = [sent - day.started for sent in client.sent]
    assert offsets[0] >= 0.025
    # A wait never ends early: the sixth request leaves at its slot, 5 periods later.
    for number, offset in enumerate(offsets):
        assert offset >= 0.025 + number * 0.05
    assert len(day.issue_lag) == 6
    assert day.issued == 6
    assert day.desks_left == 0


def test_a_desk_behind_its_schedule_sends_at_once_and_notes_how_late() -> None:
    plan = _plan(3)
    day = DayState(desks_left=1)
    day.started = time.perf_counter() - 1.0  # the slots were due a second ago
    client = _FakeClient()
    config = LoadConfig(host="127.0.0.1", port=1, issue_rate=100)
    began = time.perf_counter()
    _desk(client, plan, list(plan.needs), day, config, index=0, desks=1)  # type: ignore[arg-type]

    assert time.perf_counter() - began < 0.5  # no waiting: every slot had passed
    assert all(lag > 0.9 for lag in day.issue_lag)


def test_an_unpaced_desk_notes_no_lag() -> None:
    plan = _plan(3)
    day = DayState(desks_left=1)
    client = _FakeClient()
    _desk(client, plan, list(plan.needs), day, LoadConfig(host="h", port=1), index=0, desks=1)  # type: ignore[arg-type]
    assert len(client.sent) == 3
    assert day.issue_lag == []
