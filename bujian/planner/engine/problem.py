"""The planner's data and the arithmetic every stage shares: the input dataclasses,
month arithmetic, eligibility, the ordered sequence of visits and the windows of the
kecamatan gap, the objective's coefficients and the spread penalty."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)
# The earliness bonus: a slot at the start of the period is worth up to this fraction
# more than one at the end, so the neediest villages are visited first.
EARLY_BONUS_PERCENT = 20
# The cost of crowding one kecamatan's visits into one part of the period, in percent of
# an average village's need (``spread_parts``).
SPREAD_PENALTY_PERCENT = 25


@dataclass(frozen=True)
class Rules:
    start: dt.date
    end: dt.date
    visits_per_month: int = 2
    weekdays: frozenset[int] = frozenset({1, 2, 3})  # Monday = 0
    days_per_visit: int = 1
    min_visits_per_district: int = 1
    min_gap_visits: int = 1  # 1: the same kecamatan not on two consecutive visits
    min_gap_weeks: int = 0
    revisit_months: int = 12
    long_trip_minutes: int = 90
    max_long_trips_per_month: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A village the planner may choose, with its need weight (a positive integer)."""

    id: int
    district_id: int
    weight: int
    travel_minutes: int = 0
    last_visit: dt.date | None = None
    excluded: bool = False


@dataclass(frozen=True)
class Kept:
    """A visit the plan keeps as it is (past, announced, locked or moved by hand)."""

    start: dt.date
    end: dt.date
    village_id: int
    district_id: int
    travel_minutes: int = 0


@dataclass
class Problem:
    rules: Rules
    villages: list[Candidate]
    open_days: frozenset[dt.date]  # days a visit day may fall on
    district_names: dict[int, str]
    kept: list[Kept] = field(default_factory=list)
    earliest: dt.date | None = None  # no new slot before this day (tomorrow)
    # The last visits before the period: only the kecamatan gap looks at them, so
    # that the first visit of a year is not in the kecamatan of the last one before.
    history: list[Kept] = field(default_factory=list)
    # (village, day) pairs never to propose: visits cancelled there (re-planning).
    avoid: frozenset[tuple[int, dt.date]] = frozenset()

    def is_long(self, travel_minutes: int) -> bool:
        return travel_minutes >= self.rules.long_trip_minutes


@dataclass(frozen=True)
class Slot:
    start: dt.date
    end: dt.date


@dataclass
class Solution:
    status: str  # optimal, feasible, infeasible, unknown
    assignment: dict[int, int]  # free slot index -> village id
    objective: int | None = None
    bound: float | None = None
    seconds: float = 0.0
    first_feasible_seconds: float | None = None
    conflicts: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.objective) / self.bound)


def months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def eligible(problem: Problem, candidate: Candidate, slot: Slot) -> bool:
    """May this village be visited in this slot, given history and kept visits?"""
    if candidate.excluded or (candidate.id, slot.start) in problem.avoid:
        return False
    months = problem.rules.revisit_months
    if months > 0:
        if candidate.last_visit is not None and slot.start < add_months(
            candidate.last_visit, months
        ):
            return False
        for kept in problem.kept:
            if kept.village_id == candidate.id and (
                slot.start < add_months(kept.start, months)
                and kept.start < add_months(slot.start, months)
            ):
                return False
    return True


@dataclass(frozen=True)
class Position:
    """One visit of the period in date order: a kept visit or a free slot."""

    start: dt.date
    kept: Kept | None = None
    slot: int | None = None  # index into the free slots
    history: bool = False  # before the period: counts for the kecamatan gap only

    @property
    def counts(self) -> bool:
        """A kept visit inside the period (minimums count it)."""
        return self.kept is not None and not self.history


def sequence(problem: Problem, slots: list[Slot]) -> list[Position]:
    period = [k for k in problem.kept if problem.rules.start <= k.start <= problem.rules.end]
    before = [k for k in problem.history if k.start < problem.rules.start]
    positions = [Position(k.start, kept=k, history=True) for k in before]
    positions += [Position(k.start, kept=k) for k in period]
    positions += [Position(s.start, slot=i) for i, s in enumerate(slots)]
    positions.sort(key=lambda p: (p.start, p.slot is not None))
    return positions


def windows(positions: list[Position], rules: Rules) -> list[list[Position]]:
    """Groups of visits in which one kecamatan may appear at most once: every run of
    ``min_gap_visits + 1`` consecutive visits, and every span shorter than
    ``min_gap_weeks`` weeks. Only groups holding a free slot matter."""
    groups: list[list[Position]] = []
    if rules.min_gap_visits > 0:
        size = rules.min_gap_visits + 1
        for i in range(max(0, len(positions) - size + 1)):
            groups.append(positions[i : i + size])
    if rules.min_gap_weeks > 0:
        reach = dt.timedelta(weeks=rules.min_gap_weeks)
        last_end = -1
        for i, p in enumerate(positions):
            j = i
            while j + 1 < len(positions) and positions[j + 1].start < p.start + reach:
                j += 1
            if j > i and j > last_end:
                groups.append(positions[i : j + 1])
                last_end = j
    return [g for g in groups if any(p.slot is not None for p in g)]


def spread_parts(
    problem: Problem, slots: list[Slot]
) -> dict[tuple[int, int], tuple[int, list[int]]]:
    """The soft half of "spreading visits evenly": with at least N visits per
    kecamatan, the period is cut into N equal parts and each kecamatan should come
    once per part (one visit each half-year for N = 2). Per (kecamatan, part): the
    kept visits there and the free slots there."""
    rules = problem.rules
    parts = rules.min_visits_per_district
    if parts < 2:
        return {}
    length = (rules.end - rules.start).days + 1

    def part_of(day: dt.date) -> int:
        return min(parts - 1, (day - rules.start).days * parts // length)

    result: dict[tuple[int, int], tuple[int, list[int]]] = {}
    for d in problem.district_names:
        for p in range(parts):
            result[d, p] = (0, [])
    for k in problem.kept:
        if rules.start <= k.start <= rules.end and (k.district_id, 0) in result:
            count, free = result[k.district_id, part_of(k.start)]
            result[k.district_id, part_of(k.start)] = (count + 1, free)
    for i, slot in enumerate(slots):
        for d in problem.district_names:
            result[d, part_of(slot.start)][1].append(i)
    return result


def spread_penalty_unit(problem: Problem) -> int:
    """What a second visit to one kecamatan in the same part costs: a quarter of an
    average village's worth, enough to move a visit, not to skip a needy village."""
    if not problem.villages:
        return 0
    average = sum(c.weight for c in problem.villages) / len(problem.villages)
    return round(average * 100 * SPREAD_PENALTY_PERCENT / 100)


def coefficient(candidate: Candidate, slot_index: int, slot_count: int) -> int:
    bonus = EARLY_BONUS_PERCENT * (slot_count - 1 - slot_index) // max(1, slot_count - 1)
    return candidate.weight * (100 + bonus)


def objective_of(problem: Problem, slots: list[Slot], assignment: dict[int, int]) -> int:
    """The solver's objective for any assignment: need-weighted coverage with the
    earliness bonus, minus the spread penalty."""
    by_id = {c.id: c for c in problem.villages}
    coverage = sum(coefficient(by_id[v], s, len(slots)) for s, v in assignment.items())
    crowded = 0
    for (d, _part), (kept_count, part_slots) in spread_parts(problem, slots).items():
        here = sum(
            1 for s in part_slots if s in assignment and by_id[assignment[s]].district_id == d
        )
        if here:
            crowded += max(0, here + kept_count - 1)
    return coverage - spread_penalty_unit(problem) * crowded
