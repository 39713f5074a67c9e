"""The SQL aggregations behind the stats contract equal a recomputation in Python."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from pytest_django import DjangoAssertNumQueries

from bujian.surveys import ikm, stats
from bujian.surveys.models import ANSWER_FIELDS, SurveyResponse
from bujian.surveys.tests.conftest import Served, answer

pytestmark = pytest.mark.django_db


def recompute(responses: list[SurveyResponse]) -> Decimal:
    """The regulation by hand: the mean of each element, then the mean of the means."""
    count = len(responses)
    nrrs = [
        sum((getattr(r, field) for r in responses), 0) / Decimal(count) for field in ANSWER_FIELDS
    ]
    exact = ikm.ikm_raw([ikm._exact(n) for n in nrrs])  # Decimal means of small ints are exact
    return ikm.round_half_up(exact * 25)


def test_visit_ikm_overall_and_per_agency_match_a_recomputation(
    served: Served, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    rng = random.Random(7)  # noqa: S311 -- repeatable test answers
    for _ in range(12):
        answer(served.ticket(), [rng.randint(2, 4) for _ in range(9)])
    for _ in range(5):
        answer(served.ticket(served.day.stnk), [rng.randint(1, 4) for _ in range(9)])
    served.ticket()  # served, not answered: counts in the population only
    visit = served.day.visit
    with django_assert_num_queries(3):  # totals, per-agency sums, per-agency served
        overall, per_agency = stats.visit_ikm(visit.pk)
    everything = list(SurveyResponse.objects.all())
    assert overall is not None
    assert overall.respondents == 17
    assert overall.ikm == recompute(everything)
    assert overall.minimum_sample == ikm.minimum_sample(18)
    assert overall.sample_ok is False
    ktp_agency = served.day.ktp.agency_id
    stnk_agency = served.day.stnk.agency_id
    assert per_agency[ktp_agency].respondents == 12
    assert per_agency[ktp_agency].ikm == recompute(
        [r for r in everything if r.agency_id == ktp_agency]
    )
    assert per_agency[stnk_agency].ikm == recompute(
        [r for r in everything if r.agency_id == stnk_agency]
    )
    assert per_agency[stnk_agency].minimum_sample == 5


def test_period_ikm_counts_only_days_in_the_period(served: Served) -> None:
    answer(served.ticket(), [3] * 9)
    regency_id = served.day.visit.regency_id
    day = dt.date(2026, 12, 10)
    overall, per_agency = stats.period_ikm(regency_id, day, day)
    assert overall is not None
    assert overall.ikm == Decimal("75.00")
    assert overall.grade == "C"
    assert list(per_agency) == [served.day.ktp.agency_id]
    assert stats.period_ikm(regency_id, day + dt.timedelta(days=1), day + dt.timedelta(days=9)) == (
        None,
        {},
    )


def test_ikm_by_visit(served: Served) -> None:
    answer(served.ticket(), [4] * 9)
    answer(served.ticket(), [2] * 9)
    result = stats.ikm_by_visit(
        served.day.visit.regency_id, dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert list(result) == [served.day.visit.pk]
    assert result[served.day.visit.pk].ikm == Decimal("75.00")
    assert result[served.day.visit.pk].minimum_sample == 2


def test_visit_without_responses(served: Served) -> None:
    assert stats.visit_ikm(served.day.visit.pk) == (None, {})
