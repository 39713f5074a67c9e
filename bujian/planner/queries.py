"""Reads of the planner shared by its pages, the API and the exports, with access
scoping: a plan of another regency is 404; inside the regency, reading needs a
regency-wide role (program admin, leadership) and changing needs the program admin
(403 otherwise)."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.planner import checks, engine, planning
from bujian.planner.models import Plan, PlanSlot
from bujian.regions.models import District, Regency, Village
from bujian.visits.models import Visit


def _reader_regency(user: User) -> Regency:
    regency = staff_regency(user)
    if not user.sees_whole_regency:
        raise PermissionDenied
    return regency


def planner_regency(user: User, *, for_change: bool = False) -> Regency:
    regency = _reader_regency(user)
    if for_change and not user.is_program_admin:
        raise PermissionDenied
    return regency


def plans_for(user: User) -> QuerySet[Plan]:
    regency = planner_regency(user)
    return Plan.objects.in_regency(regency.pk).select_related("created_by", "accepted_by")


def get_plan_for_user(user: User, pk: int, *, for_change: bool = False) -> Plan:
    """404 outside the user's regency; 403 inside it without the right."""
    regency = staff_regency(user)
    plan = Plan.objects.select_related("regency", "created_by").filter(pk=pk).first()
    if plan is None or plan.regency_id != regency.pk:
        raise Http404
    planner_regency(user, for_change=for_change)
    return plan


def get_slot_for_user(user: User, pk: int, *, for_change: bool = False) -> PlanSlot:
    slot = PlanSlot.objects.select_related("plan__regency", "visit").filter(pk=pk).first()
    if slot is None or slot.plan.regency_id != staff_regency(user).pk:
        raise Http404
    planner_regency(user, for_change=for_change)
    return slot


def get_village_for_user(user: User, pk: int, *, for_change: bool = False) -> Village:
    village = Village.objects.select_related("district__regency").filter(pk=pk).first()
    if village is None or village.district.regency_id != staff_regency(user).pk:
        raise Http404
    planner_regency(user, for_change=for_change)
    return village


def plan_slots(plan: Plan) -> list[PlanSlot]:
    return list(
        plan.slots.select_related("village__district", "visit").order_by("start_date", "id")
    )


# --- the calendar -------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    slot: PlanSlot | None = None
    blocked: str = ""
    weekend: bool = False


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day | None]] = field(default_factory=list)
    count: int = 0

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)


def plan_calendar(plan: Plan, slots: list[PlanSlot]) -> list[Month]:
    """One month grid per month of the period (Monday first), each day with its visit
    and the name of what blocks it."""
    _open, blocked = planning.closed_days(
        plan.regency, plan.period_start, plan.period_end, pause_ramadan=plan.pause_ramadan
    )
    by_day: dict[dt.date, PlanSlot] = {}
    for slot in slots:
        for day in slot.days:
            by_day.setdefault(day, slot)
    months = []
    for year, month in engine.months_between(plan.period_start, plan.period_end):
        grid = Month(year, month)
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[Day | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                visit = by_day.get(day)
                if visit is not None and visit.start_date == day:
                    grid.count += 1
                row.append(Day(day, visit, blocked.get(day, ""), day.weekday() >= 5))
            grid.weeks.append(row)
        months.append(grid)
    return months


# --- per kecamatan and coverage ---------------------------------------------------------


@dataclass
class DistrictRow:
    district: District
    slots: list[PlanSlot]
    villages: int
    per_month: list[list[PlanSlot]]

    @property
    def count(self) -> int:
        return len(self.slots)


def plan_by_district(plan: Plan, slots: list[PlanSlot]) -> list[DistrictRow]:
    months = engine.months_between(plan.period_start, plan.period_end)
    index = {m: i for i, m in enumerate(months)}
    villages: dict[int, int] = defaultdict(int)
    for district_id in Village.objects.filter(district__regency=plan.regency).values_list(
        "district_id", flat=True
    ):
        villages[district_id] += 1
    rows = {
        d.pk: DistrictRow(d, [], villages[d.pk], [[] for _m in months])
        for d in District.objects.filter(regency=plan.regency).order_by("code")
    }
    for slot in slots:
        row = rows.get(slot.village.district_id)
        if row is None:
            continue
        row.slots.append(slot)
        position = index.get((slot.start_date.year, slot.start_date.month))
        if position is not None:
            row.per_month[position].append(slot)
    return list(rows.values())


def changed_since_accepted(slots: list[PlanSlot]) -> list[PlanSlot]:
    """Visits of the plan cancelled or moved to another day since it was accepted:
    the cue to re-plan the rest of the period."""
    return [
        s
        for s in slots
        if s.visit is not None
        and (s.visit.status == Visit.Status.CANCELLED or s.visit.start_date != s.start_date)
    ]


def coverage_months(plan: Plan) -> list[dt.date]:
    return [dt.date(y, m, 1) for y, m in engine.months_between(plan.period_start, plan.period_end)]


def verify(plan: Plan, slots: list[PlanSlot], today: dt.date) -> list[str]:
    """Run the independent checker on a ready plan against today's data."""
    context = planning.build(plan, today)
    new = [(engine.Slot(s.start_date, s.end_date), s.village_id) for s in slots if not s.kept]
    return checks.check_plan(
        context.problem.rules,
        open_days=context.problem.open_days,
        villages=context.problem.villages,
        kept=context.problem.kept,
        new=new,
        districts=context.problem.district_names,
        history=context.problem.history,
    )
