"""The greedy baseline: what a careful planner with a spreadsheet does."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bujian.planner.engine.problem import (
    Candidate,
    Position,
    Problem,
    Slot,
    add_months,
    coefficient,
    eligible,
    objective_of,
    sequence,
    windows,
)


def greedy(problem: Problem, slots: list[Slot]) -> tuple[dict[int, int], int | None]:
    """What a careful planner with a spreadsheet does, twice: slot by slot, (a) the
    neediest village that keeps every rule, turning to the kecamatan still short of
    their minimum only when the remaining slots demand it; (b) the kecamatan furthest
    below its minimum first (a rotation), its neediest village. Returns the better
    complete assignment and its objective (objective None when both got stuck)."""
    best: tuple[dict[int, int], int | None] = ({}, None)
    for rotation in (False, True):
        chosen, objective = _greedy(problem, slots, rotation=rotation)
        if objective is not None and (best[1] is None or objective > best[1]):
            best = (chosen, objective)
        elif best[1] is None and len(chosen) > len(best[0]):
            best = (chosen, None)
    return best


def _greedy(
    problem: Problem, slots: list[Slot], *, rotation: bool
) -> tuple[dict[int, int], int | None]:
    rules = problem.rules
    positions = sequence(problem, slots)
    groups = windows(positions, rules)
    groups_of_slot: dict[int, list[list[Position]]] = defaultdict(list)
    for g in groups:
        for p in g:
            if p.slot is not None:
                groups_of_slot[p.slot].append(g)
    counts: dict[int, int] = defaultdict(int)
    for p in positions:
        if p.counts and p.kept is not None:
            counts[p.kept.district_id] += 1
    long_in_month: dict[tuple[int, int], int] = defaultdict(int)
    for k in problem.kept:
        if problem.is_long(k.travel_minutes):
            long_in_month[(k.start.year, k.start.month)] += 1
    chosen: dict[int, int] = {}
    chosen_dates: dict[int, list[dt.date]] = defaultdict(list)
    by_id = {c.id: c for c in problem.villages}
    n = len(slots)
    for s, slot in enumerate(slots):
        deficit = {
            d: rules.min_visits_per_district - counts[d]
            for d in problem.district_names
            if rules.min_visits_per_district - counts[d] > 0
        }
        forced = sum(deficit.values()) >= n - s
        best: Candidate | None = None
        for c in problem.villages:
            if forced and c.district_id not in deficit:
                continue
            if not eligible(problem, c, slot):
                continue
            if rules.revisit_months > 0 and any(
                slot.start < add_months(d, rules.revisit_months) for d in chosen_dates[c.id]
            ):
                continue
            month = (slot.start.year, slot.start.month)
            if (
                rules.max_long_trips_per_month is not None
                and problem.is_long(c.travel_minutes)
                and long_in_month[month] >= rules.max_long_trips_per_month
            ):
                continue
            if any(_district_in(g, c.district_id, chosen, by_id, s) for g in groups_of_slot[s]):
                continue
            if best is None or _rank(c, s, n, deficit, rotation) > _rank(
                best, s, n, deficit, rotation
            ):
                best = c
        if best is None:
            return chosen, None
        chosen[s] = best.id
        chosen_dates[best.id].append(slot.start)
        counts[best.district_id] += 1
        if problem.is_long(best.travel_minutes):
            long_in_month[(slot.start.year, slot.start.month)] += 1
    if any(counts[d] < rules.min_visits_per_district for d in problem.district_names):
        return chosen, None
    return chosen, objective_of(problem, slots, chosen)


def _rank(c: Candidate, s: int, n: int, deficit: dict[int, int], rotation: bool) -> tuple[int, int]:
    return (deficit.get(c.district_id, 0) if rotation else 0, coefficient(c, s, n))


def _district_in(
    group: list[Position],
    district: int,
    chosen: dict[int, int],
    by_id: dict[int, Candidate],
    s: int,
) -> bool:
    for p in group:
        if p.kept is not None and p.kept.district_id == district:
            return True
        if (
            p.slot is not None
            and p.slot != s
            and p.slot in chosen
            and by_id[chosen[p.slot]].district_id == district
        ):
            return True
    return False
