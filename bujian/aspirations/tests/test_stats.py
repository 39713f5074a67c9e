"""The read functions the evaluation module relies on."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations import actions, stats
from bujian.aspirations.tests.conftest import WIB, pdf, submit
from bujian.regions.models import Regency, Village
from bujian.visits.tests.factories import VisitFactory

JAN_4 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=WIB)


def test_visit_counts(
    regency: Regency, village: Village, budi: User, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    visit = VisitFactory.create(regency=regency, village=village)
    resolved = submit(regency, visit=visit, now=JAN_4)
    actions.assign_aspiration(
        aspiration=resolved, actor=bupati, lead_agency=disdukcapil, disposition="A", now=JAN_4
    )
    actions.resolve_aspiration(
        aspiration=resolved,
        actor=siti,
        response="Ok",
        evidence=[pdf()],
        now=JAN_4 + dt.timedelta(days=3),
    )
    rejected = submit(regency, visit=visit, now=JAN_4)
    actions.reject_aspiration(aspiration=rejected, actor=budi, reason="Tidak jelas.")
    submit(regency, visit=visit, now=dt.datetime(2026, 1, 5, 9, 0, tzinfo=WIB))  # long overdue
    merged = submit(regency, visit=visit)
    actions.merge_aspiration(duplicate=merged, target=resolved, actor=budi)
    assert stats.visit_aspiration_counts(visit.pk) == {
        "total": 3,
        "open": 1,
        "resolved": 1,
        "rejected": 1,
        "overdue": 1,
    }


def test_agency_stats_and_ranking(
    regency: Regency, bupati: User, siti: User, andi: User, disdukcapil: Agency, samsat: Agency
) -> None:
    for days in (2, 4):
        fast = submit(regency, now=JAN_4)
        actions.assign_aspiration(
            aspiration=fast, actor=bupati, lead_agency=disdukcapil, disposition="A", now=JAN_4
        )
        actions.resolve_aspiration(
            aspiration=fast,
            actor=siti,
            response="Ok",
            evidence=[pdf()],
            now=JAN_4 + dt.timedelta(days=days),
        )
    slow = submit(regency, now=JAN_4)
    actions.assign_aspiration(
        aspiration=slow, actor=bupati, lead_agency=samsat, disposition="A", now=JAN_4
    )
    outside = submit(regency, now=dt.datetime(2027, 3, 1, 9, 0, tzinfo=WIB))
    actions.assign_aspiration(
        aspiration=outside,
        actor=bupati,
        lead_agency=samsat,
        disposition="A",
        now=dt.datetime(2027, 3, 1, 9, 0, tzinfo=WIB),
    )
    with (
        time_machine.travel(dt.datetime(2027, 1, 20, 9, 0, tzinfo=WIB), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        rows = stats.agency_aspiration_stats(regency.pk, dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert len(queries) <= 3
    assert [r.agency_id for r in rows] == [disdukcapil.pk, samsat.pk]
    best, worst = rows
    assert (best.received, best.resolved, best.rejected) == (2, 2, 0)
    assert best.median_days_to_resolve == 3.0
    assert best.resolution_rate == 1.0
    assert (worst.received, worst.resolved, worst.median_days_to_resolve) == (1, 0, None)
    assert worst.resolution_rate == 0.0
    assert worst.overdue == 1  # its answer was due 11 January 2027


def test_overdue_count(regency: Regency) -> None:
    submit(regency)  # due 30 December 2026
    assert stats.overdue_count(regency.pk, dt.date(2026, 12, 30)) == 0
    assert stats.overdue_count(regency.pk, dt.date(2026, 12, 31)) == 1
