"""Planning runs end to end on a small regency (the task runs inline in tests), each
plan verified by the independent checker and against the working-day calendar."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.calendars.models import DayOff
from bujian.calendars.workdays import WorkCalendar
from bujian.core.errors import DomainError
from bujian.planner import actions, checks, engine, planning
from bujian.planner.models import Plan, PlanSlot, Priority, VillageProfile
from bujian.planner.needs import village_needs
from bujian.planner.tests.conftest import PERIOD_END, PERIOD_START
from bujian.regions.models import District, Regency, Village
from bujian.visits import actions as visit_actions
from bujian.visits.models import Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def rules(**changes: object) -> actions.PlanRules:
    base: dict[str, object] = {
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "visits_per_month": 2,
        "min_visits_per_district": 1,
        "time_limit_seconds": 5,
    }
    base.update(changes)
    return actions.PlanRules(**base)  # type: ignore[arg-type]


def run(regency: Regency, budi: User, **changes: object) -> Plan:
    plan = actions.create_plan(regency=regency, actor=budi, rules=rules(**changes))
    plan.refresh_from_db()
    return plan


def verify(plan: Plan) -> list[str]:
    """The independent checker, on the saved slots, against the database's data."""
    context = planning.build(plan, dt.date(2026, 11, 28))
    slots = list(plan.slots.filter(kept=False))
    return checks.check_plan(
        context.problem.rules,
        open_days=context.problem.open_days,
        villages=context.problem.villages,
        kept=context.problem.kept,
        new=[(engine.Slot(s.start_date, s.end_date), s.village_id) for s in slots],
        districts=context.problem.district_names,
        history=context.problem.history,
    )


def test_a_plan_meets_every_rule_and_avoids_holidays_and_blocked_dates(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    # The Bupati is away on the Wednesdays the plan would otherwise pick first.
    blocked = [dt.date(2027, 1, 13), dt.date(2027, 1, 20)]
    for day in blocked:
        DayOff.objects.create(
            regency=regency, date=day, kind=DayOff.Kind.LEADER_BLOCKED, name="Dinas luar"
        )
    plan = run(regency, budi)
    assert plan.status == Plan.Status.DONE
    assert plan.slots.count() == 6
    assert verify(plan) == []
    calendar = WorkCalendar.for_regency(regency, years=[2027])
    for slot in plan.slots.all():
        assert calendar.is_working_day(slot.start_date)
        assert slot.start_date not in calendar.blocked_for_visits(PERIOD_START, PERIOD_END)
        assert slot.start_date not in blocked
        assert slot.start_date.weekday() in {1, 2, 3}
        assert slot.reason
    assert plan.objective is not None and plan.bound is not None
    assert plan.gap is not None and plan.gap <= 0.01
    assert plan.greedy_objective is not None and plan.greedy_objective <= plan.objective


def test_ramadan_pause_leaves_ramadan_free(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    plan = run(regency, budi, pause_ramadan=True)
    ramadan = planning.ramadan_days(range(2027, 2028))
    assert plan.status == Plan.Status.DONE
    assert not {s.start_date for s in plan.slots.all()} & set(ramadan)
    assert plan.notes  # February and March lose visits, and the plan says so


def test_rules_that_cannot_hold_give_the_named_conflict(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    plan = run(regency, budi, min_visits_per_district=3)
    assert plan.status == Plan.Status.INFEASIBLE
    assert plan.conflicts == ["3 kecamatan × 3 kunjungan > 6 slot tersedia"]
    assert not plan.slots.exists()


def test_the_solver_found_conflict_names_the_rules(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    # Every village is far, two visits a month, at most one long trip a month.
    for village in villages:
        VillageProfile.objects.create(village=village, travel_minutes=150)
    plan = run(regency, budi, max_long_trips_per_month=1, revisit_months=1)
    assert plan.status == Plan.Status.INFEASIBLE
    assert "paling banyak 1 perjalanan jauh per bulan" in plan.conflicts[0]


def test_need_indicators_and_the_reason_line(
    regency: Regency, villages: list[Village], budi: User, disdukcapil: Agency
) -> None:
    first = villages[0]
    with time_machine.travel(dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)):
        visit = visit_actions.plan_visit(
            regency=regency,
            village=first,
            start_date=dt.date(2025, 4, 8),
            end_date=dt.date(2025, 4, 8),
            created_by=budi,
        )
        visit_actions.announce_visit(visit=visit, actor=budi)
    with time_machine.travel(dt.datetime(2025, 4, 8, 9, tzinfo=dt.UTC)):
        visit_actions.finish_visit(visit=visit, actor=budi)
    actions.save_village_profile(
        village=villages[1],
        actor=budi,
        population=4200,
        travel_minutes=40,
        distance_km=30,
        priority=Priority.URGENT,
        excluded=False,
        reason="Banjir bulan lalu",
    )
    needs = {n.village.pk: n for n in village_needs(regency, dt.date(2026, 11, 28))}
    assert needs[first.pk].last_finished == dt.date(2025, 4, 8)
    assert needs[first.pk].reason == "belum dikunjungi 19 bulan"
    assert needs[villages[2].pk].reason.startswith("belum pernah dikunjungi")
    assert needs[villages[1].pk].reason.startswith("prioritas mendesak: Banjir bulan lalu")
    assert needs[villages[1].pk].weight > needs[villages[2].pk].weight > needs[first.pk].weight


def test_a_priority_needs_a_reason(regency: Regency, villages: list[Village], budi: User) -> None:
    with pytest.raises(DomainError) as refused:
        actions.save_village_profile(
            village=villages[0],
            actor=budi,
            population=None,
            travel_minutes=None,
            distance_km=None,
            priority=Priority.NORMAL,
            excluded=True,
            reason=" ",
        )
    assert refused.value.code == "planner.reason_required"
    assert not VillageProfile.objects.exists()


def test_excluded_villages_are_left_out(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    actions.save_village_profile(
        village=villages[0],
        actor=budi,
        population=None,
        travel_minutes=None,
        distance_km=None,
        priority=Priority.NORMAL,
        excluded=True,
        reason="Sedang pemekaran",
    )
    plan = run(regency, budi)
    assert not plan.slots.filter(village=villages[0]).exists()


def test_accepting_makes_draft_visits_that_invite_every_opd(
    regency: Regency, villages: list[Village], budi: User, disdukcapil: Agency, samsat: Agency
) -> None:
    plan = run(regency, budi)
    created = actions.accept_plan(plan=plan, actor=budi)
    assert created == 6
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED
    visits = Visit.objects.filter(status=Visit.Status.DRAFT)
    assert visits.count() == 6
    for slot in plan.slots.select_related("visit"):
        assert slot.visit is not None
        assert (slot.visit.start_date, slot.visit.village_id) == (slot.start_date, slot.village_id)
        # plan_visit invites every OPD; the vertical Samsat is invited by hand.
        assert list(slot.visit.participations.values_list("agency__code", flat=True)) == [
            "disdukcapil"
        ]
    with pytest.raises(DomainError) as twice:
        actions.accept_plan(plan=plan, actor=budi)
    assert twice.value.code == "planner.not_ready"
    assert Visit.objects.count() == 6


def test_accepting_is_all_or_nothing(
    regency: Regency, villages: list[Village], budi: User, disdukcapil: Agency
) -> None:
    plan = run(regency, budi)
    last = plan.slots.order_by("start_date").last()
    assert last is not None
    # Someone planned that village on that day by hand after the plan was made.
    visit_actions.plan_visit(
        regency=regency,
        village=last.village,
        start_date=last.start_date,
        end_date=last.end_date,
        created_by=budi,
    )
    with pytest.raises(DomainError) as refused:
        actions.accept_plan(plan=plan, actor=budi)
    assert refused.value.code == "visits.overlap"
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DONE
    assert Visit.objects.count() == 1


def test_replanning_keeps_locked_announced_and_moved_visits(
    regency: Regency,
    villages: list[Village],
    districts: list[District],
    budi: User,
    disdukcapil: Agency,
) -> None:
    plan = run(regency, budi)
    actions.accept_plan(plan=plan, actor=budi)
    slots = list(plan.slots.select_related("visit").order_by("start_date"))
    announced, locked, cancelled, moved = slots[0], slots[1], slots[2], slots[3]
    assert announced.visit and locked.visit and cancelled.visit and moved.visit
    visit_actions.announce_visit(visit=announced.visit, actor=budi)
    actions.set_slot_lock(slot=locked, actor=budi, locked=True)
    visit_actions.cancel_visit(visit=cancelled.visit, actor=budi, reason="Jalan putus, longsor")
    moved_visit = moved.visit
    new_day = moved.start_date + dt.timedelta(days=1)
    visit_actions.reschedule_visit(
        visit=moved_visit,
        actor=budi,
        village=moved_visit.village,
        start_date=new_day,
        end_date=new_day,
        daily_start=moved_visit.daily_start,
        daily_end=moved_visit.daily_end,
        venue=moved_visit.venue,
        expects_bupati=True,
        expects_vice_bupati=False,
        expects_sekda=True,
        notes="",
    )

    again = actions.replan(plan=plan, actor=budi)
    again.refresh_from_db()
    assert again.status == Plan.Status.DONE
    assert again.replan_of == plan
    kept = set(again.slots.filter(kept=True).values_list("visit_id", flat=True))
    assert kept == {announced.visit.pk, locked.visit.pk, moved_visit.pk}
    assert verify(again) == []
    # The cancelled village is not proposed again on the day it was cancelled.
    assert not again.slots.filter(
        village_id=cancelled.village_id, start_date=cancelled.start_date
    ).exists()

    created = actions.accept_plan(plan=again, actor=budi)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUPERSEDED
    live = Visit.objects.exclude(status=Visit.Status.CANCELLED)
    # The kept three stay as they were; the rest of the period is the new plan's.
    assert set(live.values_list("pk", flat=True)) >= kept
    assert live.count() == again.slots.count()
    assert created <= again.slots.filter(kept=False).count()
    for slot in again.slots.filter(kept=False):
        assert slot.visit is not None and slot.visit.status == Visit.Status.DRAFT


def test_a_lock_needs_an_accepted_plan(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    plan = run(regency, budi)
    slot = plan.slots.first()
    assert slot is not None
    with pytest.raises(DomainError):
        actions.set_slot_lock(slot=slot, actor=budi, locked=True)
    assert not PlanSlot.objects.filter(locked=True).exists()


def test_a_period_already_over_is_refused(regency: Regency, budi: User) -> None:
    with pytest.raises(DomainError) as refused:
        actions.create_plan(
            regency=regency,
            actor=budi,
            rules=rules(period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31)),
        )
    assert refused.value.code == "planner.period_past"
    assert not Plan.objects.exists()


def test_open_aspirations_and_waiting_documents_count_in_the_need(
    regency: Regency, villages: list[Village], disdukcapil: Agency
) -> None:
    from django.utils import timezone

    from bujian.aspirations.models import Aspiration
    from bujian.records.models import Document
    from bujian.records.tests.factories import DocumentFactory, ResidentFactory

    village = villages[4]
    for i, status in enumerate(["received", "verified", "rejected"]):
        Aspiration.objects.create(
            regency=regency,
            code=f"ABC{i}",
            village=village,
            category="infrastructure",
            title="Jalan rusak",
            text="Jalan desa rusak berat.",
            channel="assisted",
            status=status,
            received_at=timezone.now(),
        )
    resident = ResidentFactory.create(village=village)
    DocumentFactory.create_batch(2, resident=resident, agency=disdukcapil)
    DocumentFactory.create(resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS)
    needs = {n.village.pk: n for n in village_needs(regency, dt.date(2026, 11, 28))}
    need = needs[village.pk]
    assert (need.aspirations, need.documents) == (2, 2)
    assert need.reason == (
        "belum pernah dikunjungi, 2 aspirasi terbuka, 2 dokumen menunggu diserahkan"
    )
    assert need.weight == needs[villages[3].pk].weight + 3 * 2 + 2 * 2


def test_saturdays_are_used_only_when_allowed(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    plan = run(regency, budi, weekdays=(5,))
    assert plan.status == Plan.Status.DONE
    assert {s.start_date.weekday() for s in plan.slots.all()} == {5}
    assert verify(plan) == []
    weekdays_only = run(regency, budi)
    assert all(s.start_date.weekday() < 5 for s in weekdays_only.slots.all())


def test_travel_time_is_estimated_from_the_distance_when_missing(
    regency: Regency, villages: list[Village], budi: User
) -> None:
    for village, minutes, km in [
        (villages[0], 150, None),
        (villages[1], None, 80),
        (villages[2], None, None),
    ]:
        VillageProfile.objects.create(village=village, travel_minutes=minutes, distance_km=km)
    needs = {n.village.pk: n for n in village_needs(regency, dt.date(2026, 11, 28))}
    assert [needs[v.pk].travel_minutes for v in villages[:4]] == [150, 120, 0, 0]
