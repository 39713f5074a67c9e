"""From the database to the planner's problem: open days (the lead's working-day
calendar, plus Ramadan when paused), the villages with their need weights, and the
visits a plan keeps or may replace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
from django.db.models import Max
from django.utils.translation import gettext as _

from bujian.calendars.workdays import WorkCalendar
from bujian.planner import engine
from bujian.planner.models import Plan, PlanSlot
from bujian.planner.needs import VillageNeed, village_needs
from bujian.regions.models import District, Regency
from bujian.visits.models import Visit

ONE_DAY = dt.timedelta(days=1)
# Ramadan is taken as the 30 days before 1 Syawal (Idul Fitri, from the `holidays`
# package). The month has 29 or 30 days and the government's isbat fixes it a day
# before; admins who need the exact first day enter it as blocked dates in /kalender/.
RAMADAN_DAYS = 30
# Visits before the period the kecamatan gap looks back at: more than any gap rule needs.
HISTORY_VISITS = 20


def idul_fitri(year: int) -> dt.date | None:
    calendar = holidays.country_holidays("ID", years=year, language="en_US")
    days = [day for day, name in calendar.items() if str(name).startswith("Eid al-Fitr")]
    return min(days) if days else None


def ramadan_days(years: range) -> dict[dt.date, str]:
    days: dict[dt.date, str] = {}
    for year in years:
        fitri = idul_fitri(year)
        if fitri is None:
            continue
        for i in range(1, RAMADAN_DAYS + 1):
            days[fitri - i * ONE_DAY] = _("Ramadan (paused)")
    return days


def closed_days(
    regency: Regency,
    start: dt.date,
    end: dt.date,
    *,
    pause_ramadan: bool,
    weekend_days: frozenset[int] = frozenset(),
) -> tuple[frozenset[dt.date], dict[dt.date, str]]:
    """The days a visit day may fall on in [start, end + 1 day], and the named
    blocked days (holidays, cuti bersama, events, the Bupati's dates, Ramadan).
    Working days are open; a Saturday or Sunday only when the admin allowed that
    weekday (``weekend_days``) and it is not a holiday."""
    last = end + ONE_DAY
    years = range(start.year, last.year + 1)
    calendar = WorkCalendar.for_regency(regency, years=years)
    blocked = calendar.blocked_for_visits(start, last)
    if pause_ramadan:
        for day, name in ramadan_days(years).items():
            if start <= day <= last:
                blocked.setdefault(day, name)
    open_days = set()
    day = start
    while day <= last:
        weekend_ok = day.weekday() in weekend_days and calendar.holiday_name(day) is None
        if (calendar.is_working_day(day) or weekend_ok) and day not in blocked:
            open_days.add(day)
        day += ONE_DAY
    return frozenset(open_days), dict(sorted(blocked.items()))


def replaceable_visits(
    regency: Regency, start: dt.date, end: dt.date, today: dt.date
) -> list[Visit]:
    """Future draft visits an accepted plan made, still on the plan's date and village
    and not locked: re-planning may replace them. A visit moved by hand, announced,
    locked or made outside the planner is kept."""
    slots = PlanSlot.objects.filter(
        plan__regency=regency,
        plan__status=Plan.Status.ACCEPTED,
        kept=False,
        locked=False,
        visit__status=Visit.Status.DRAFT,
        visit__start_date__gt=today,
        visit__start_date__gte=start,
        visit__start_date__lte=end,
    ).select_related("visit")
    locked = set(
        PlanSlot.objects.filter(
            plan__regency=regency, locked=True, visit__isnull=False
        ).values_list("visit_id", flat=True)
    )
    visits = {}
    for slot in slots:
        visit = slot.visit
        assert visit is not None
        if (
            visit.pk not in locked
            and visit.start_date == slot.start_date
            and visit.village_id == slot.village_id
        ):
            visits[visit.pk] = visit
    return sorted(visits.values(), key=lambda v: v.start_date)


@dataclass
class Context:
    problem: engine.Problem
    needs: dict[int, VillageNeed]
    kept: list[Visit]
    replaceable: list[Visit]
    blocked: dict[dt.date, str]


def rules_of(plan: Plan) -> engine.Rules:
    return engine.Rules(
        start=plan.period_start,
        end=plan.period_end,
        visits_per_month=plan.visits_per_month,
        weekdays=plan.weekday_set,
        days_per_visit=plan.days_per_visit,
        min_visits_per_district=plan.min_visits_per_district,
        min_gap_visits=plan.min_gap_visits,
        min_gap_weeks=plan.min_gap_weeks,
        revisit_months=plan.revisit_months,
        long_trip_minutes=plan.long_trip_minutes,
        max_long_trips_per_month=plan.max_long_trips_per_month,
    )


def build(plan: Plan, today: dt.date) -> Context:
    regency = plan.regency
    rules = rules_of(plan)
    needs = {n.village.pk: n for n in village_needs(regency, today)}
    open_days, blocked = closed_days(
        regency,
        plan.period_start,
        plan.period_end,
        pause_ramadan=plan.pause_ramadan,
        weekend_days=plan.weekday_set & {5, 6},
    )
    replaceable = replaceable_visits(regency, plan.period_start, plan.period_end, today)
    replaced = {v.pk for v in replaceable}
    kept = [
        v
        for v in Visit.objects.filter(
            regency=regency,
            start_date__gte=plan.period_start,
            start_date__lte=plan.period_end,
        )
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("village__district")
        .order_by("start_date")
        if v.pk not in replaced
    ]
    before = dict(
        Visit.objects.filter(regency=regency, start_date__lt=plan.period_start)
        .exclude(status=Visit.Status.CANCELLED)
        .values("village_id")
        .annotate(last=Max("start_date"))
        .values_list("village_id", "last")
    )
    villages = [
        engine.Candidate(
            id=n.village.pk,
            district_id=n.village.district_id,
            weight=max(1, n.weight),
            travel_minutes=n.travel_minutes,
            last_visit=before.get(n.village.pk),
            excluded=n.excluded,
        )
        for n in needs.values()
    ]
    # A re-plan never proposes a village again on the day its visit was cancelled.
    cancelled = frozenset(
        Visit.objects.filter(
            regency=regency,
            status=Visit.Status.CANCELLED,
            start_date__gte=plan.period_start,
            start_date__lte=plan.period_end,
        ).values_list("village_id", "start_date")
    )
    # The kecamatan gap reaches back over the period's start (engine.Problem.history).
    recent = list(
        Visit.objects.filter(regency=regency, start_date__lt=plan.period_start)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("village__district")
        .order_by("-start_date")[:HISTORY_VISITS]
    )
    district_names = dict(
        District.objects.filter(regency=regency).order_by("code").values_list("id", "name")
    )
    problem = engine.Problem(
        rules=rules,
        villages=villages,
        open_days=open_days,
        district_names=district_names,
        kept=[
            engine.Kept(
                start=v.start_date,
                end=v.end_date,
                village_id=v.village_id,
                district_id=v.village.district_id,
                travel_minutes=needs[v.village_id].travel_minutes if v.village_id in needs else 0,
            )
            for v in kept
        ],
        earliest=today + ONE_DAY,
        avoid=cancelled,
        history=[
            engine.Kept(
                start=v.start_date,
                end=v.end_date,
                village_id=v.village_id,
                district_id=v.village.district_id,
            )
            for v in reversed(recent)
        ],
    )
    return Context(
        problem=problem, needs=needs, kept=kept, replaceable=replaceable, blocked=blocked
    )
