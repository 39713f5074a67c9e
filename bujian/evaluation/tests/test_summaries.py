"""The summary tables equal a recomputation from the raw rows, on both databases."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import pytest

from bujian.agencies.models import Agency
from bujian.evaluation.models import (
    AgencyDaySummary,
    ResidentGroupSummary,
    ServiceDaySummary,
    SurveySummary,
    VisitSummary,
)
from bujian.evaluation.summaries import rebuild_summaries, refresh_if_stale
from bujian.evaluation.tests.builders import BuiltVisit
from bujian.queueing.models import Ticket
from bujian.records.models import Document, ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import RegencyFactory
from bujian.surveys.models import SurveyResponse
from bujian.visits.models import Participation, Visit


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _group(age: int) -> str:
    for bound, name in ((17, "0-16"), (26, "17-25"), (46, "26-45"), (60, "46-59")):
        if age < bound:
            return name
    return "60+"


@dataclass
class _AgencyDay:
    tickets: int = 0
    served: int = 0
    skipped: int = 0
    residents: set[int] = field(default_factory=set)
    waits: int = 0
    wait: dt.timedelta = dt.timedelta()
    timed: int = 0
    service: dt.timedelta = dt.timedelta()


def recompute(visit: Visit) -> dict[str, object]:
    """Every summary of one visit, computed in Python from the raw rows."""
    tickets = list(Ticket.objects.filter(booth__visit=visit).select_related("booth__participation"))
    agency_days: dict[tuple[int, dt.date], _AgencyDay] = {}
    for t in tickets:
        row = agency_days.setdefault((t.booth.participation.agency_id, t.day), _AgencyDay())
        row.tickets += 1
        if t.status == Ticket.Status.DONE:
            row.served += 1
            row.residents.add(t.visit_ticket_id)
            if t.started_at and t.finished_at:
                row.timed += 1
                row.service += t.finished_at - t.started_at
        if t.status == Ticket.Status.SKIPPED:
            row.skipped += 1
        if t.called_at:
            row.waits += 1
            row.wait += t.called_at - t.queued_at
    services: Counter[tuple[int, dt.date, str]] = Counter()
    for r in ServiceRecord.objects.filter(ticket__booth__visit=visit).select_related("ticket"):
        services[(r.service_id, r.ticket.day, "records")] += 1
        services[(r.service_id, r.ticket.day, r.outcome)] += 1
    groups: Counter[tuple[int | None, str, str]] = Counter()
    served_tickets = {t.visit_ticket_id for t in tickets if t.status == Ticket.Status.DONE}
    for vt in visit.visit_tickets.select_related("resident"):
        if vt.pk in served_tickets:
            res = vt.resident
            groups[(res.village_id, res.sex, _group(_age(res.birth_date, visit.start_date)))] += 1
    surveys: dict[int, list[int]] = {}
    for s in SurveyResponse.objects.filter(visit=visit):
        sums = surveys.setdefault(s.agency_id, [0] * 10)
        sums[0] += 1
        for i in range(1, 10):
            sums[i] += getattr(s, f"u{i}")
    parts = list(Participation.objects.filter(visit=visit))
    docs = list(Document.objects.filter(service_record__ticket__booth__visit=visit))
    return {
        "agency_days": {
            key: (
                v.tickets,
                v.served,
                v.skipped,
                len(v.residents),
                v.waits,
                v.wait if v.waits else None,
                v.timed,
                v.service if v.timed else None,
            )
            for key, v in agency_days.items()
        },
        "services": {k: v for k, v in services.items()},
        "groups": dict(groups),
        "surveys": surveys,
        "visit": (
            len(parts),
            sum(p.mandatory for p in parts),
            sum(p.attendance == Participation.Attendance.PRESENT for p in parts),
            sum(p.attendance == Participation.Attendance.ABSENT for p in parts),
            sum(p.status == Participation.Status.EXCUSED for p in parts),
            sum(p.late for p in parts),
            visit.visit_tickets.count(),
            len(served_tickets),
            len(docs),
            sum(hasattr(d, "handover") for d in docs),
        ),
    }


def stored(visit: Visit) -> dict[str, object]:
    services: Counter[tuple[int, dt.date, str]] = Counter()
    for s in ServiceDaySummary.objects.filter(visit=visit):
        for name in ("records", "completed", "in_process", "rejected", "referred"):
            if getattr(s, name):
                services[(s.service_id, s.day, name)] = getattr(s, name)
    v = VisitSummary.objects.get(visit=visit)
    return {
        "agency_days": {
            (a.agency_id, a.day): (
                a.tickets,
                a.served,
                a.skipped,
                a.residents,
                a.waits,
                a.wait_total,
                a.timed_services,
                a.service_total,
            )
            for a in AgencyDaySummary.objects.filter(visit=visit)
        },
        "services": dict(services),
        "groups": {
            (g.village_id, g.sex, g.age_group): g.residents
            for g in ResidentGroupSummary.objects.filter(visit=visit)
        },
        "surveys": {
            s.agency_id: [s.respondents, *s.sums] for s in SurveySummary.objects.filter(visit=visit)
        },
        "visit": (
            v.invited,
            v.mandatory,
            v.present,
            v.absent,
            v.excused,
            v.late,
            v.visit_tickets,
            v.residents_served,
            v.documents_issued,
            v.documents_handed_over,
        ),
    }


def test_summaries_equal_a_recomputation_from_raw_rows(built: BuiltVisit) -> None:
    rebuild_summaries(regency_id=built.visit.regency_id)
    assert stored(built.visit) == recompute(built.visit)
    summary = VisitSummary.objects.get(visit=built.visit)
    assert (summary.invited, summary.present, summary.absent, summary.excused) == (4, 2, 1, 1)
    assert summary.residents_served == 4
    assert (summary.documents_issued, summary.documents_handed_over) == (2, 1)


def test_rebuild_twice_changes_nothing(built: BuiltVisit) -> None:
    rebuild_summaries(visit_ids=[built.visit.pk])
    first = stored(built.visit)
    rebuild_summaries(visit_ids=[built.visit.pk])
    assert stored(built.visit) == first
    assert AgencyDaySummary.objects.filter(visit=built.visit).count() == 2


def test_stale_summary_is_rebuilt_when_raw_rows_change(built: BuiltVisit) -> None:
    rebuild_summaries(visit_ids=[built.visit.pk])
    assert refresh_if_stale([built.visit.pk]) == []
    ticket = Ticket.objects.filter(booth__visit=built.visit, status=Ticket.Status.SKIPPED).get()
    # Changed without touching updated_at, as a replayed offline step might.
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.DONE)
    assert refresh_if_stale([built.visit.pk]) == [built.visit.pk]
    assert stored(built.visit) == recompute(built.visit)
    assert VisitSummary.objects.get(visit=built.visit).residents_served == 5


def test_visits_not_started_have_no_summary(built: BuiltVisit) -> None:
    rebuild_summaries(visit_ids=[built.visit.pk])
    Visit.objects.filter(pk=built.visit.pk).update(status=Visit.Status.CANCELLED, cancel_reason="x")
    rebuild_summaries(visit_ids=[built.visit.pk])
    assert not VisitSummary.objects.filter(visit=built.visit).exists()
    assert not AgencyDaySummary.objects.filter(visit=built.visit).exists()


def test_many_visits_and_days_equal_the_recomputation(
    built: BuiltVisit,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
    samsat: Agency,
) -> None:
    from bujian.evaluation.tests.builders import build_visit

    second = build_visit(
        regency=regency,
        village=village,
        disdukcapil=disdukcapil,
        samsat=samsat,
        day=dt.date(2027, 7, 1),
    )
    # A second day at the same visit: one more resident served at Samsat on 2 July.
    Visit.objects.filter(pk=second.visit.pk).update(end_date=dt.date(2027, 7, 2))
    booth = second.booths["samsat"]
    ticket = Ticket.objects.filter(booth=booth).first()
    assert ticket is not None
    Ticket.objects.create(
        visit_ticket=ticket.visit_ticket,
        booth=booth,
        day=dt.date(2027, 7, 2),
        number=1,
        status=Ticket.Status.DONE,
        queued_at=ticket.queued_at + dt.timedelta(days=1),
        called_at=ticket.queued_at + dt.timedelta(days=1, minutes=5),
    )
    other_regency = RegencyFactory.create(code="18.02")
    rebuild_summaries(regency_id=regency.pk)
    for visit in (built.visit, second.visit):
        visit.refresh_from_db()
        assert stored(visit) == recompute(visit)
    assert AgencyDaySummary.objects.filter(visit=second.visit).count() == 3
    assert not VisitSummary.objects.filter(regency=other_regency).exists()
    # Rebuilding one visit leaves the other untouched.
    before = stored(built.visit)
    rebuild_summaries(visit_ids=[second.visit.pk])
    assert stored(built.visit) == before


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_of_one_visit_at_once_leave_one_summary(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency
) -> None:
    """PostgreSQL: the second rebuild waits for the first (the visit row is the lock)
    instead of failing on the unique constraints. SQLite serialises writers anyway."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("Concurrent transactions are tested on PostgreSQL.")
    from bujian.evaluation.tests.builders import build_visit

    visit = build_visit(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat
    ).visit
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def rebuild() -> None:
        try:
            barrier.wait()
            rebuild_summaries(visit_ids=[visit.pk])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rebuild) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert VisitSummary.objects.filter(visit=visit).count() == 1
    assert stored(visit) == recompute(visit)
