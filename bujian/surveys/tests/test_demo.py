"""The demo seed answers most finished tickets and leaves today's last ones open."""

from __future__ import annotations

import datetime as dt

import pytest

from bujian.surveys import demo, stats
from bujian.surveys.models import SurveyResponse
from bujian.surveys.tests.conftest import Served

pytestmark = pytest.mark.django_db


def test_seed_answers_finished_tickets_and_spares_todays_last(served: Served) -> None:
    tickets = [served.ticket() for _ in range(20)]
    served.ticket(finished=False)
    line = demo.seed(dt.date(2026, 12, 10))  # the visit is today
    assert line is not None
    responses = SurveyResponse.objects.all()
    assert 0 < responses.count() <= 20 - demo.LEFT_FOR_TODAY
    spared = {t.pk for t in tickets[-demo.LEFT_FOR_TODAY :]}
    assert not responses.filter(ticket__in=spared).exists()
    assert all(r.ticket is not None and r.ticket.status == "done" for r in responses)
    overall, _ = stats.visit_ikm(served.day.visit.pk)
    assert overall is not None
    assert overall.grade in {"A", "B", "C"}
    # Run twice: nothing is answered twice.
    count = responses.count()
    demo.seed(dt.date(2026, 12, 10))
    assert SurveyResponse.objects.filter(ticket__in=spared).count() <= len(spared)
    assert SurveyResponse.objects.count() >= count
