"""Every state change of the planner: village profiles, planning runs, accepting a plan
(draft visits through ``visits.actions.plan_visit``), re-planning and locking.

Each action runs in one transaction and leaves an audit entry. Claims (a plan starts
running, is accepted) update with a filter on the old status and check the row count.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.planner import engine, planning
from bujian.planner.models import Plan, PlanSlot, Priority, VillageProfile
from bujian.regions.models import Regency, Village
from bujian.visits.actions import cancel_visit, local_today, plan_visit

logger = logging.getLogger(__name__)

PROGRESS_TIMEOUT = 60 * 60
MAX_PERIOD_DAYS = 2 * 366


# --- village profiles --------------------------------------------------------------------


@transaction.atomic
def save_village_profile(
    *,
    village: Village,
    actor: User,
    population: int | None,
    travel_minutes: int | None,
    distance_km: int | None,
    priority: str,
    excluded: bool,
    reason: str,
) -> VillageProfile:
    """Record what the admin knows about a village. A priority or an exclusion
    needs a reason (the plan shows it)."""
    reason = reason.strip()
    if (priority != Priority.NORMAL or excluded) and not reason:
        raise DomainError(
            "planner.reason_required",
            _("Write why this village has a priority or is excluded."),
        )
    profile, _created = VillageProfile.objects.update_or_create(
        village=village,
        defaults={
            "population": population,
            "travel_minutes": travel_minutes,
            "distance_km": distance_km,
            "priority": priority,
            "excluded": excluded,
            "reason": reason,
            "updated_by": actor,
        },
    )
    record_audit(
        actor=actor,
        action="planner.profile.saved",
        target=profile,
        data={"priority": priority, "excluded": excluded},
    )
    return profile


# --- planning runs -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRules:
    period_start: dt.date
    period_end: dt.date
    visits_per_month: int = 2
    weekdays: tuple[int, ...] = (1, 2, 3)
    days_per_visit: int = 1
    pause_ramadan: bool = False
    min_visits_per_district: int = 1
    min_gap_visits: int = 1
    min_gap_weeks: int = 0
    revisit_months: int = 12
    long_trip_minutes: int = 90
    max_long_trips_per_month: int | None = None
    time_limit_seconds: int = 20


def _check_rules(rules: PlanRules) -> None:
    if rules.period_end < rules.period_start:
        raise DomainError("planner.period_reversed", _("The last day is before the first day."))
    if (rules.period_end - rules.period_start).days > MAX_PERIOD_DAYS:
        raise DomainError("planner.period_too_long", _("Plan at most two years at a time."))
    if not rules.weekdays or any(d not in range(7) for d in rules.weekdays):
        raise DomainError("planner.no_weekdays", _("Choose at least one weekday."))
    if rules.days_per_visit not in (1, 2):
        raise DomainError("planner.visit_days", _("A visit lasts one or two days."))
    if not 1 <= rules.visits_per_month <= 8:
        raise DomainError("planner.visits_per_month", _("Plan between 1 and 8 visits a month."))


@transaction.atomic
def create_plan(
    *,
    regency: Regency,
    actor: User,
    rules: PlanRules,
    replan_of: Plan | None = None,
    now: dt.datetime | None = None,
    enqueue: bool = True,
) -> Plan:
    """Record a planning run and queue it (``tasks.solve_plan``); the page polls its
    progress. The task row is written in this transaction, so a worker never sees a
    task without its plan. ``enqueue=False`` leaves it to the caller to call
    :func:`run_plan` (the demo, which cannot wait for a worker)."""
    _check_rules(rules)
    if rules.period_end < local_today(regency, now):
        raise DomainError(
            "planner.period_past", _("The period is over; choose a period that is still ahead.")
        )
    plan = Plan.objects.create(
        regency=regency,
        period_start=rules.period_start,
        period_end=rules.period_end,
        visits_per_month=rules.visits_per_month,
        weekdays=",".join(str(d) for d in sorted(set(rules.weekdays))),
        days_per_visit=rules.days_per_visit,
        pause_ramadan=rules.pause_ramadan,
        min_visits_per_district=rules.min_visits_per_district,
        min_gap_visits=rules.min_gap_visits,
        min_gap_weeks=rules.min_gap_weeks,
        revisit_months=rules.revisit_months,
        long_trip_minutes=rules.long_trip_minutes,
        max_long_trips_per_month=rules.max_long_trips_per_month,
        time_limit_seconds=rules.time_limit_seconds,
        replan_of=replan_of,
        created_by=actor,
        language=get_language() or "",
    )
    record_audit(actor=actor, action="planner.plan.created", target=plan)
    save_progress(plan.pk, stage="queued", percent=0)
    if enqueue:
        from bujian.planner.tasks import solve_plan

        solve_plan.enqueue(plan.pk)
    return plan


def rules_from(plan: Plan) -> PlanRules:
    return PlanRules(
        period_start=plan.period_start,
        period_end=plan.period_end,
        visits_per_month=plan.visits_per_month,
        weekdays=tuple(sorted(plan.weekday_set)),
        days_per_visit=plan.days_per_visit,
        pause_ramadan=plan.pause_ramadan,
        min_visits_per_district=plan.min_visits_per_district,
        min_gap_visits=plan.min_gap_visits,
        min_gap_weeks=plan.min_gap_weeks,
        revisit_months=plan.revisit_months,
        long_trip_minutes=plan.long_trip_minutes,
        max_long_trips_per_month=plan.max_long_trips_per_month,
        time_limit_seconds=plan.time_limit_seconds,
    )


def replan(*, plan: Plan, actor: User, now: dt.datetime | None = None) -> Plan:
    """Plan the rest of the period again with the same rules, keeping past, announced,
    locked and hand-moved visits (a cancelled visit frees its slot)."""
    if plan.status != Plan.Status.ACCEPTED:
        raise DomainError("planner.not_accepted", _("Only an accepted plan can be re-planned."))
    return create_plan(
        regency=plan.regency, actor=actor, rules=rules_from(plan), replan_of=plan, now=now
    )


# --- progress, kept in the cache for the page's polling ------------------------------


def progress_key(plan_id: int) -> str:
    return f"planner:progress:{plan_id}"


_progress_lock = threading.Lock()


def save_progress(plan_id: int, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into the run's state; the solver's callback and the clock's
    ticker write from two threads, hence the lock."""
    with _progress_lock:
        state = cache.get(progress_key(plan_id)) or {}
        state.update(changes)
        cache.set(progress_key(plan_id), state, PROGRESS_TIMEOUT)
    return state


def get_progress(plan_id: int) -> dict[str, Any]:
    state = cache.get(progress_key(plan_id))
    return state if isinstance(state, dict) else {}


# --- the run itself (the task calls this) ----------------------------------------------


def run_plan(plan_id: int, *, now: dt.datetime | None = None) -> Plan | None:
    """Solve a queued plan and store its slots. Returns None when another worker
    already took it."""
    claimed = Plan.objects.filter(pk=plan_id, status=Plan.Status.QUEUED).update(
        status=Plan.Status.RUNNING, updated_at=timezone.now()
    )
    if claimed != 1:
        return None
    plan = Plan.objects.select_related("regency").get(pk=plan_id)
    try:
        _solve_and_save(plan, now=now)
    except Exception:
        logger.exception("Planning run %s failed", plan_id)
        Plan.objects.filter(pk=plan_id).update(
            status=Plan.Status.FAILED,
            conflicts=[_("The planner stopped because of an error; nothing was saved.")],
            updated_at=timezone.now(),
        )
        save_progress(plan_id, stage="failed", percent=100)
        raise
    plan.refresh_from_db()
    return plan


def _solve_and_save(plan: Plan, *, now: dt.datetime | None) -> None:
    save_progress(plan.pk, stage="preparing", percent=2)
    today = local_today(plan.regency, now)
    context = planning.build(plan, today)
    problem = context.problem
    slots, notes = engine.make_slots(problem)
    conflicts = engine.named_conflicts(problem, slots)
    if conflicts:
        _finish_infeasible(plan, conflicts, notes)
        return
    save_progress(plan.pk, stage="greedy", percent=5)
    greedy_assignment, greedy_objective = engine.greedy(problem, slots)
    limit = float(plan.time_limit_seconds)

    def report(elapsed: float, objective: float, bound: float) -> None:
        save_progress(
            plan.pk,
            stage="solving",
            percent=min(95, 5 + round(90 * elapsed / limit)),
            objective=round(objective),
            bound=round(bound),
        )

    save_progress(plan.pk, stage="solving", percent=6)
    # The bar moves with the clock too, not only when the solver finds a better plan.
    solving = threading.Event()
    started = time.monotonic()

    def tick() -> None:
        while not solving.wait(1.0):
            elapsed = time.monotonic() - started
            save_progress(plan.pk, percent=min(95, 5 + round(90 * elapsed / limit)))

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        solution = engine.solve(
            problem,
            slots,
            time_limit=limit,
            hint=greedy_assignment if greedy_objective is not None else None,
            report=report,
        )
    finally:
        solving.set()
        ticker.join()
    if solution.status == "infeasible":
        _finish_infeasible(plan, engine.diagnose(problem, slots), notes)
        return
    if not solution.assignment:
        _finish_infeasible(
            plan,
            [
                _(
                    "No plan was found within %(seconds)d seconds. Give the planner more "
                    "time or relax a rule."
                )
                % {"seconds": plan.time_limit_seconds}
            ],
            notes,
            status=Plan.Status.FAILED,
        )
        return
    _save_result(plan, context, slots, solution, greedy_objective, notes)


def _finish_infeasible(
    plan: Plan, conflicts: list[str], notes: list[str], status: str = Plan.Status.INFEASIBLE
) -> None:
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(
            status=status, conflicts=conflicts, notes=notes, updated_at=timezone.now()
        )
        record_audit(
            actor=plan.created_by,
            action="planner.plan.infeasible",
            target=plan,
            data={"conflicts": conflicts},
        )
    save_progress(plan.pk, stage="done", percent=100)


@transaction.atomic
def _save_result(
    plan: Plan,
    context: planning.Context,
    slots: list[engine.Slot],
    solution: engine.Solution,
    greedy_objective: int | None,
    notes: list[str],
) -> None:
    rows = [
        PlanSlot(
            plan=plan,
            start_date=visit.start_date,
            end_date=visit.end_date,
            village_id=visit.village_id,
            kept=True,
            visit=visit,
            weight=context.needs[visit.village_id].weight
            if visit.village_id in context.needs
            else 0,
            reason=_("kept: %(status)s") % {"status": visit.get_status_display().lower()},
            long_trip=context.problem.is_long(
                context.needs[visit.village_id].travel_minutes
                if visit.village_id in context.needs
                else 0
            ),
        )
        for visit in context.kept
    ]
    for s, village_id in sorted(solution.assignment.items()):
        need = context.needs[village_id]
        rows.append(
            PlanSlot(
                plan=plan,
                start_date=slots[s].start,
                end_date=slots[s].end,
                village_id=village_id,
                weight=need.weight,
                reason=need.reason,
                long_trip=context.problem.is_long(need.travel_minutes),
            )
        )
    # Two kept visits on one day (two villages the same day) keep only the first row:
    # the plan's list shows one visit a day.
    seen: set[dt.date] = set()
    unique = []
    for row in sorted(rows, key=lambda r: (r.start_date, not r.kept)):
        if row.start_date not in seen:
            seen.add(row.start_date)
            unique.append(row)
    PlanSlot.objects.bulk_create(unique)
    Plan.objects.filter(pk=plan.pk).update(
        status=Plan.Status.DONE,
        solver_status=solution.status,
        objective=solution.objective,
        bound=solution.bound,
        greedy_objective=greedy_objective,
        solve_seconds=round(solution.seconds, 2),
        first_feasible_seconds=(
            round(solution.first_feasible_seconds, 2)
            if solution.first_feasible_seconds is not None
            else None
        ),
        conflicts=[],
        notes=notes,
        updated_at=timezone.now(),
    )
    record_audit(
        actor=plan.created_by,
        action="planner.plan.solved",
        target=plan,
        data={"slots": len(solution.assignment), "objective": solution.objective},
    )
    save_progress(plan.pk, stage="done", percent=100)


# --- accepting, locking ------------------------------------------------------------------


@transaction.atomic
def accept_plan(*, plan: Plan, actor: User, now: dt.datetime | None = None) -> int:
    """Turn the plan's new slots into draft visits (``plan_visit`` invites every OPD).
    Draft visits of an earlier accepted plan that this one replaces are cancelled;
    one on the same date and village is reused. All or nothing: a refusal of any
    visit rolls everything back. Returns the number of draft visits created."""
    changed = Plan.objects.filter(pk=plan.pk, status=Plan.Status.DONE).update(
        status=Plan.Status.ACCEPTED,
        accepted_by=actor,
        accepted_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if changed != 1:
        plan.refresh_from_db(fields=["status"])
        raise DomainError(
            "planner.not_ready",
            _("This plan is %(status)s; only a ready plan can be accepted.")
            % {"status": plan.get_status_display().lower()},
        )
    regency = plan.regency
    today = local_today(regency, now)
    new_slots = list(
        plan.slots.filter(kept=False, visit__isnull=True).select_related("village__district")
    )
    if any(slot.start_date <= today for slot in new_slots):
        raise DomainError(
            "planner.stale",
            _("Some dates of this plan have passed. Re-plan before accepting."),
        )
    replaceable = planning.replaceable_visits(regency, plan.period_start, plan.period_end, today)
    reusable = {(v.village_id, v.start_date): v for v in replaceable}
    reused = {
        (slot.village_id, slot.start_date)
        for slot in new_slots
        if (slot.village_id, slot.start_date) in reusable
    }
    for key, visit in reusable.items():
        if key not in reused:
            cancel_visit(visit=visit, actor=actor, reason=_("Replaced by a re-planned rotation."))
    created = 0
    for slot in new_slots:
        reuse = reusable.get((slot.village_id, slot.start_date))
        if reuse is None:
            visit = plan_visit(
                regency=regency,
                village=slot.village,
                start_date=slot.start_date,
                end_date=slot.end_date,
                created_by=actor,
                notes=_("Planned by the rotation planner: %(reason)s") % {"reason": slot.reason},
                now=now,
            )
            created += 1
        else:
            visit = reuse
        slot.visit = visit
        slot.save(update_fields=["visit"])
    Plan.objects.filter(regency=regency, status=Plan.Status.ACCEPTED).exclude(pk=plan.pk).update(
        status=Plan.Status.SUPERSEDED, updated_at=timezone.now()
    )
    record_audit(
        actor=actor,
        action="planner.plan.accepted",
        target=plan,
        data={"visits_created": created, "visits_replaced": len(reusable) - len(reused)},
    )
    plan.refresh_from_db(fields=["status", "accepted_by", "accepted_at", "updated_at"])
    return created


@transaction.atomic
def set_slot_lock(*, slot: PlanSlot, actor: User, locked: bool) -> PlanSlot:
    """Lock a visit of the accepted plan so that re-planning keeps it."""
    accepted = Plan.objects.filter(pk=slot.plan_id, status=Plan.Status.ACCEPTED).exists()
    if not accepted or slot.visit_id is None:
        raise DomainError(
            "planner.lock_not_accepted",
            _("Only the visits of an accepted plan can be locked."),
        )
    PlanSlot.objects.filter(pk=slot.pk).update(locked=locked)
    slot.locked = locked
    record_audit(
        actor=actor,
        action="planner.slot.locked" if locked else "planner.slot.unlocked",
        target=slot.plan,
        data={"slot": slot.pk, "visit": slot.visit_id},
    )
    return slot
