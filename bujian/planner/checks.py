"""An independent check of a plan against every hard rule.

Written apart from the solver model (``engine``) on purpose: it shares only the input
dataclasses, recomputes everything from the plan's dates and villages, and is what the
tests, the benchmark and the plan page use to say "every rule holds". A rule broken
only among kept visits (history) is not the plan's fault and is not reported.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bujian.planner.engine import Candidate, Kept, Rules, Slot


@dataclass(frozen=True)
class _Visit:
    start: dt.date
    end: dt.date
    village: int
    district: int
    long: bool
    new: bool


def _months_later(day: dt.date, months: int) -> dt.date:
    year = day.year + (day.month - 1 + months) // 12
    month = (day.month - 1 + months) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _too_close(a: dt.date, b: dt.date, months: int) -> bool:
    early, late = min(a, b), max(a, b)
    return late < _months_later(early, months)


def check_plan(
    rules: Rules,
    *,
    open_days: frozenset[dt.date],
    villages: Iterable[Candidate],
    kept: Iterable[Kept],
    new: Iterable[tuple[Slot, int]],
    districts: Iterable[int],
    history: Iterable[Kept] = (),
) -> list[str]:
    """Every broken hard rule, one line each; an empty list means the plan is sound.
    ``history`` are visits before the period: they count for the kecamatan gap only."""
    by_id = {c.id: c for c in villages}
    kept_visits = list(kept)
    problems: list[str] = []

    def is_long(minutes: int) -> bool:
        return minutes >= rules.long_trip_minutes

    visits: list[_Visit] = []
    for k in kept_visits:
        if rules.start <= k.start <= rules.end:
            visits.append(
                _Visit(
                    k.start, k.end, k.village_id, k.district_id, is_long(k.travel_minutes), False
                )
            )
    for slot, village_id in new:
        candidate = by_id.get(village_id)
        if candidate is None:
            problems.append(f"{slot.start}: unknown village {village_id}")
            continue
        visits.append(
            _Visit(
                slot.start,
                slot.end,
                village_id,
                candidate.district_id,
                is_long(candidate.travel_minutes),
                True,
            )
        )
    visits.sort(key=lambda v: (v.start, v.village))
    fresh = [v for v in visits if v.new]

    for v in fresh:
        days = (v.end - v.start).days + 1
        if days != rules.days_per_visit:
            problems.append(f"{v.start}: lasts {days} days, not {rules.days_per_visit}")
        if v.start < rules.start or v.end > rules.end:
            problems.append(f"{v.start}: outside the period")
        if v.start.weekday() not in rules.weekdays:
            problems.append(f"{v.start}: weekday {v.start.weekday()} is not allowed")
        day = v.start
        while day <= v.end:
            if day not in open_days:
                problems.append(f"{v.start}: {day} is not an open day (blocked or holiday)")
            day += dt.timedelta(days=1)
        if by_id[v.village].excluded:
            problems.append(f"{v.start}: village {v.village} is excluded")

    for i, a in enumerate(visits):
        for b in visits[i + 1 :]:
            if b.start <= a.end and (a.new or b.new):
                problems.append(f"{a.start} and {b.start}: two visits overlap")

    per_month = Counter((v.start.year, v.start.month) for v in visits)
    new_months = {(v.start.year, v.start.month) for v in fresh}
    for month, count in per_month.items():
        if month in new_months and count > rules.visits_per_month:
            problems.append(f"{month}: {count} visits, more than {rules.visits_per_month}")

    district_counts = Counter(v.district for v in visits)
    for district in districts:
        if district_counts[district] < rules.min_visits_per_district:
            problems.append(
                f"kecamatan {district}: {district_counts[district]} visits, "
                f"fewer than {rules.min_visits_per_district}"
            )

    before = [
        _Visit(k.start, k.end, k.village_id, k.district_id, False, False)
        for k in history
        if k.start < rules.start
    ]
    in_order = sorted(before, key=lambda v: (v.start, v.village)) + visits
    for i, a in enumerate(in_order):
        for j in range(i + 1, len(in_order)):
            b = in_order[j]
            if a.district != b.district or not (a.new or b.new):
                continue
            if rules.min_gap_visits > 0 and j - i <= rules.min_gap_visits:
                problems.append(
                    f"{a.start} and {b.start}: kecamatan {a.district} within "
                    f"{rules.min_gap_visits} visits"
                )
            if rules.min_gap_weeks > 0 and (b.start - a.start).days < 7 * rules.min_gap_weeks:
                problems.append(
                    f"{a.start} and {b.start}: kecamatan {a.district} within "
                    f"{rules.min_gap_weeks} weeks"
                )

    if rules.revisit_months > 0:
        visited: dict[int, list[dt.date]] = defaultdict(list)
        for c in by_id.values():
            if c.last_visit is not None:
                visited[c.id].append(c.last_visit)
        for k in kept_visits:
            visited[k.village_id].append(k.start)
        for v in fresh:
            others = [d for d in visited[v.village] if d != v.start]
            others += [w.start for w in fresh if w.village == v.village and w is not v]
            for other in others:
                if _too_close(v.start, other, rules.revisit_months):
                    problems.append(
                        f"{v.start}: village {v.village} also visited on {other}, "
                        f"within {rules.revisit_months} months"
                    )

    if rules.max_long_trips_per_month is not None:
        long_per_month = Counter((v.start.year, v.start.month) for v in visits if v.long)
        new_long = {(v.start.year, v.start.month) for v in fresh if v.long}
        for month, count in long_per_month.items():
            if month in new_long and count > rules.max_long_trips_per_month:
                problems.append(
                    f"{month}: {count} long trips, more than {rules.max_long_trips_per_month}"
                )
    return problems
