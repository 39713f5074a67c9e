"""Stage 1: the slot dates, evenly spread, never on a blocked day."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.utils.translation import ngettext

from bujian.planner.engine.problem import ONE_DAY, Problem, Slot, months_between

# Two visits that did not find a date in their own share of the month keep at least
# this many days from the others.
MIN_SPACING_DAYS = 7


def is_open_start(problem: Problem, day: dt.date) -> bool:
    rules = problem.rules
    if day.weekday() not in rules.weekdays:
        return False
    return all(day + i * ONE_DAY in problem.open_days for i in range(rules.days_per_visit))


def _nearest(days: list[dt.date], target: dt.date) -> dt.date:
    """The day closest to ``target``; the earlier one on a tie."""
    return min(days, key=lambda day: (abs((day - target).days), day))


def make_slots(problem: Problem) -> tuple[list[Slot], list[str]]:
    """The free slots' dates, and a note for each month that gets fewer than asked."""
    rules = problem.rules
    earliest = max(rules.start, problem.earliest or rules.start)
    length = dt.timedelta(days=rules.days_per_visit - 1)
    taken: list[tuple[dt.date, dt.date]] = [(k.start, k.end) for k in problem.kept]
    slots: list[Slot] = []
    notes: list[str] = []
    for year, month in months_between(rules.start, rules.end):
        first = max(dt.date(year, month, 1), rules.start)
        last = min(dt.date(year, month, pycalendar.monthrange(year, month)[1]), rules.end)
        span = (last - first).days + 1
        n = rules.visits_per_month
        ideals = [first + dt.timedelta(days=int((i + 0.5) * span / n)) for i in range(n)]
        for kept in problem.kept:
            if first <= kept.start <= last and ideals:
                ideals.remove(_nearest(ideals, kept.start))
        missing = 0
        share = dt.timedelta(days=span / n)
        for ideal in ideals:
            if ideal < earliest:
                continue  # that part of the month has passed
            options = [
                d
                for d in (first + dt.timedelta(days=i) for i in range(span))
                if d >= earliest
                and d + length <= rules.end
                and is_open_start(problem, d)
                and not any(d <= t_end and d + length >= t_start for t_start, t_end in taken)
            ]
            # The slot's own share of the month first; else anywhere in the month at
            # least a week from the other visits, so that a blocked fortnight
            # (Ramadan, Idul Fitri) costs a visit rather than crams two into a week.
            own = [d for d in options if abs(d - ideal) <= share / 2]
            spaced = [
                d
                for d in options
                if all(abs((d - t_start).days) >= MIN_SPACING_DAYS for t_start, _end in taken)
            ]
            choices = own or spaced
            if not choices:
                missing += 1
                continue
            best = _nearest(choices, ideal)
            slots.append(Slot(best, best + length))
            taken.append((best, best + length))
        if missing:
            notes.append(
                ngettext(
                    "%(month)s: %(count)d visit fewer, no open date is left in that month.",
                    "%(month)s: %(count)d visits fewer, no open date is left in that month.",
                    missing,
                )
                % {"month": f"{month:02d}/{year}", "count": missing}
            )
    slots.sort(key=lambda s: s.start)
    return slots, notes
