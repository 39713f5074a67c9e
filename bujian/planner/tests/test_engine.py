"""The planner's mathematics on small instances, each plan verified by the independent
checker (``checks.check_plan``), never by the solver's own word."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bujian.planner import checks, engine
from bujian.planner.planning import ramadan_days

START = dt.date(2027, 4, 1)
END = dt.date(2027, 6, 30)


def weekdays_between(start: dt.date, end: dt.date, blocked: set[dt.date]) -> frozenset[dt.date]:
    days = set()
    day = start
    while day <= end + dt.timedelta(days=1):
        if day.weekday() < 5 and day not in blocked:
            days.add(day)
        day += dt.timedelta(days=1)
    return frozenset(days)


def make_problem(
    *,
    districts: int = 3,
    per_district: int = 4,
    rules: engine.Rules | None = None,
    blocked: set[dt.date] | None = None,
    weights: dict[int, int] | None = None,
    long_districts: set[int] | None = None,
    kept: list[engine.Kept] | None = None,
) -> engine.Problem:
    rules = rules or engine.Rules(start=START, end=END, visits_per_month=2)
    villages = []
    for d in range(districts):
        for i in range(per_district):
            vid = d * 100 + i
            villages.append(
                engine.Candidate(
                    id=vid,
                    district_id=d,
                    weight=(weights or {}).get(vid, 10 + i),
                    travel_minutes=120 if d in (long_districts or set()) else 30,
                )
            )
    return engine.Problem(
        rules=rules,
        villages=villages,
        open_days=weekdays_between(rules.start, rules.end, blocked or set()),
        district_names={d: f"Kec {d}" for d in range(districts)},
        kept=kept or [],
        earliest=rules.start,
    )


def solve_and_check(problem: engine.Problem) -> tuple[engine.Solution, list[engine.Slot]]:
    slots, _notes = engine.make_slots(problem)
    assert engine.named_conflicts(problem, slots) == []
    solution = engine.solve(problem, slots, time_limit=10)
    assert solution.status in {"optimal", "feasible"}
    assert len(solution.assignment) == len(slots)
    violations = checks.check_plan(
        problem.rules,
        open_days=problem.open_days,
        villages=problem.villages,
        kept=problem.kept,
        new=[(slots[s], v) for s, v in solution.assignment.items()],
        districts=problem.district_names,
        history=problem.history,
    )
    assert violations == []
    return solution, slots


def test_a_plan_fills_every_slot_and_keeps_every_rule() -> None:
    problem = make_problem()
    solution, slots = solve_and_check(problem)
    assert len(slots) == 6  # three months, two a month
    assert solution.status == "optimal"
    assert solution.gap == 0
    assert all(s.start.weekday() in {1, 2, 3} for s in slots)


def test_holidays_and_blocked_dates_are_never_used() -> None:
    # Block every Tuesday to Thursday of the first half of April but the 15th.
    blocked = {
        dt.date(2027, 4, d)
        for d in range(1, 16)
        if dt.date(2027, 4, d).weekday() in {1, 2, 3} and d != 15
    }
    problem = make_problem(blocked=blocked)
    _solution, slots = solve_and_check(problem)
    used = {s.start for s in slots}
    assert not used & blocked
    assert dt.date(2027, 4, 15) in used


def test_two_day_visits_need_both_days_open() -> None:
    rules = engine.Rules(start=START, end=END, visits_per_month=2, days_per_visit=2)
    # A Wednesday open but the Thursday after it blocked: the Wednesday cannot start one.
    blocked = {dt.date(2027, 4, 8)}
    problem = make_problem(rules=rules, blocked=blocked)
    _solution, slots = solve_and_check(problem)
    assert all((s.end - s.start).days == 1 for s in slots)
    assert dt.date(2027, 4, 7) not in {s.start for s in slots}


def test_the_same_kecamatan_never_on_consecutive_visits() -> None:
    # Kecamatan 0 holds by far the neediest villages; without the rule it would take
    # every slot.
    weights = {i: 1000 for i in range(4)}
    problem = make_problem(weights=weights)
    solution, slots = solve_and_check(problem)
    districts = [solution.assignment[s] // 100 for s in range(len(slots))]
    assert all(a != b for a, b in itertools.pairwise(districts))
    assert districts.count(0) == 3  # every other visit, the most the rule allows


def test_gap_in_weeks_spaces_a_kecamatan() -> None:
    rules = engine.Rules(
        start=START, end=END, visits_per_month=2, min_gap_visits=0, min_gap_weeks=6
    )
    problem = make_problem(rules=rules, weights={i: 1000 for i in range(4)})
    solution, slots = solve_and_check(problem)
    dates = sorted(slots[s].start for s, v in solution.assignment.items() if v // 100 == 0)
    assert all((b - a).days >= 42 for a, b in itertools.pairwise(dates))


def test_every_kecamatan_gets_its_minimum() -> None:
    rules = engine.Rules(start=START, end=END, visits_per_month=2, min_visits_per_district=2)
    problem = make_problem(rules=rules, weights={0: 5000, 1: 5000, 2: 5000, 3: 5000})
    solution, _slots = solve_and_check(problem)
    per_district = [sum(1 for v in solution.assignment.values() if v // 100 == d) for d in range(3)]
    assert per_district == [2, 2, 2]


def test_a_village_is_not_revisited_within_m_months() -> None:
    rules = engine.Rules(
        start=START, end=END, visits_per_month=2, min_gap_visits=0, revisit_months=2
    )
    # Six slots, five villages: one village comes twice, two months apart at least.
    problem = make_problem(rules=rules, districts=1, per_district=5)
    solution, slots = solve_and_check(problem)
    seen: dict[int, dt.date] = {}
    for s in sorted(solution.assignment):
        village = solution.assignment[s]
        if village in seen:
            assert slots[s].start >= engine.add_months(seen[village], 2)
        seen[village] = slots[s].start
    assert len(set(solution.assignment.values())) < len(slots)  # revisits happened


def test_a_recent_visit_before_the_period_counts_for_the_revisit_rule() -> None:
    problem = make_problem(weights={0: 9000})
    problem.villages[0] = engine.Candidate(
        id=0, district_id=0, weight=9000, last_visit=dt.date(2027, 3, 1)
    )
    solution, _slots = solve_and_check(problem)
    assert 0 not in solution.assignment.values()


def test_at_most_k_long_trips_a_month() -> None:
    rules = engine.Rules(
        start=START, end=END, visits_per_month=2, max_long_trips_per_month=1, min_gap_visits=0
    )
    # The far kecamatan 0 is the neediest.
    problem = make_problem(rules=rules, long_districts={0}, weights={i: 900 for i in range(4)})
    solution, slots = solve_and_check(problem)
    for month in (4, 5, 6):
        far = [s for s, v in solution.assignment.items() if v // 100 == 0]
        assert sum(1 for s in far if slots[s].start.month == month) == 1


def test_excluded_villages_are_never_chosen() -> None:
    problem = make_problem(weights={0: 9000})
    problem.villages[0] = engine.Candidate(id=0, district_id=0, weight=9000, excluded=True)
    solution, _slots = solve_and_check(problem)
    assert 0 not in solution.assignment.values()


def test_kept_visits_count_and_block_their_neighbours() -> None:
    kept = [engine.Kept(dt.date(2027, 4, 7), dt.date(2027, 4, 7), village_id=0, district_id=0)]
    rules = engine.Rules(start=START, end=END, visits_per_month=2, min_visits_per_district=1)
    problem = make_problem(rules=rules, kept=kept, weights={1: 5000, 2: 5000})
    solution, slots = solve_and_check(problem)
    assert len(slots) == 5  # April keeps one visit and gets one more
    first_new = min(solution.assignment)
    # The visit right after the kept one is not in kecamatan 0.
    assert solution.assignment[first_new] // 100 != 0
    assert 0 not in solution.assignment.values()  # village 0 was just visited


def test_the_named_conflict_counts_kecamatan_and_slots() -> None:
    rules = engine.Rules(
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 10, 31),
        visits_per_month=2,
        min_visits_per_district=2,
    )
    problem = make_problem(rules=rules, districts=11, per_district=3)
    slots, _notes = engine.make_slots(problem)
    assert len(slots) == 20
    conflicts = engine.named_conflicts(problem, slots)
    assert "11 kecamatan × 2 kunjungan > 20 slot tersedia" in conflicts


def test_too_few_kecamatan_for_the_gap_rule_is_named() -> None:
    problem = make_problem(districts=1)
    slots, _notes = engine.make_slots(problem)
    conflicts = engine.named_conflicts(problem, slots)
    assert any("hanya 1 kecamatan" in c for c in conflicts)


def test_an_infeasibility_found_by_the_solver_names_the_rules() -> None:
    # Two kecamatan, both far, alternating: 2 visits a month but at most 1 long trip.
    rules = engine.Rules(
        start=START, end=END, visits_per_month=2, max_long_trips_per_month=1, revisit_months=1
    )
    problem = make_problem(rules=rules, districts=2, long_districts={0, 1})
    slots, _notes = engine.make_slots(problem)
    solution = engine.solve(problem, slots, time_limit=5)
    assert solution.status == "infeasible"
    conflicts = engine.diagnose(problem, slots, time_limit=2)
    assert len(conflicts) == 1
    assert "paling banyak 1 perjalanan jauh per bulan" in conflicts[0]


def test_greedy_is_valid_and_never_beats_the_solver() -> None:
    rules = engine.Rules(start=START, end=END, visits_per_month=2, max_long_trips_per_month=1)
    problem = make_problem(
        rules=rules, districts=4, long_districts={1}, weights={100: 800, 101: 700, 0: 600}
    )
    slots, _notes = engine.make_slots(problem)
    assignment, objective = engine.greedy(problem, slots)
    assert objective is not None
    assert (
        checks.check_plan(
            problem.rules,
            open_days=problem.open_days,
            villages=problem.villages,
            kept=[],
            new=[(slots[s], v) for s, v in assignment.items()],
            districts=problem.district_names,
        )
        == []
    )
    solution = engine.solve(problem, slots, time_limit=10, hint=assignment)
    assert solution.objective is not None
    assert solution.objective >= objective


def test_the_checker_catches_each_broken_rule() -> None:
    rules = engine.Rules(
        start=START,
        end=END,
        visits_per_month=2,
        min_visits_per_district=1,
        revisit_months=12,
        max_long_trips_per_month=0,
    )
    problem = make_problem(rules=rules, long_districts={1})
    problem.villages[1] = engine.Candidate(id=1, district_id=0, weight=5, excluded=True)
    saturday = engine.Slot(dt.date(2027, 4, 3), dt.date(2027, 4, 3))
    tuesday = engine.Slot(dt.date(2027, 4, 6), dt.date(2027, 4, 6))
    wednesday = engine.Slot(dt.date(2027, 4, 7), dt.date(2027, 4, 7))
    may = engine.Slot(dt.date(2027, 5, 4), dt.date(2027, 5, 4))
    new = [(saturday, 0), (tuesday, 0), (wednesday, 1), (may, 100)]
    problems = checks.check_plan(
        rules,
        open_days=problem.open_days - {dt.date(2027, 5, 4)},
        villages=problem.villages,
        kept=[],
        new=new,
        districts=problem.district_names,
    )
    text = "\n".join(problems)
    assert "weekday 5 is not allowed" in text
    assert "not an open day" in text
    assert "is excluded" in text
    assert "3 visits, more than 2" in text
    assert "within 1 visits" in text
    assert "within 12 months" in text
    assert "long trips, more than 0" in text
    assert "kecamatan 2: 0 visits" in text


@pytest.mark.parametrize("year", [2027, 2028])
def test_ramadan_is_the_thirty_days_before_idul_fitri(year: int) -> None:
    days = ramadan_days(range(year, year + 1))
    assert len(days) == 30
    fitri = max(days) + dt.timedelta(days=1)
    assert fitri.month in {2, 3}


def test_a_kecamatan_visited_twice_comes_once_in_each_half() -> None:
    rules = engine.Rules(
        start=dt.date(2027, 4, 1),
        end=dt.date(2027, 9, 30),
        visits_per_month=2,
        min_visits_per_district=2,
    )
    # Kecamatan 0's villages are the neediest: greedy puts them first, both early.
    problem = make_problem(rules=rules, districts=4, weights={0: 400, 1: 390, 2: 380, 3: 370})
    solution, slots = solve_and_check(problem)
    assert solution.objective == engine.objective_of(problem, slots, solution.assignment)
    middle = dt.date(2027, 7, 1)
    for district in range(4):
        dates = [slots[s].start for s, v in solution.assignment.items() if v // 100 == district]
        halves = {day < middle for day in dates}
        assert halves == {True, False}, (district, dates)
    greedy_assignment, greedy_objective = engine.greedy(problem, slots)
    assert greedy_objective == engine.objective_of(problem, slots, greedy_assignment)
    assert greedy_objective is not None and greedy_objective <= solution.objective


@pytest.mark.parametrize("seed", range(24))
def test_random_instances_give_a_sound_plan_or_a_named_conflict(seed: int) -> None:
    import random

    rng = random.Random(seed)  # noqa: S311 -- test data
    rules = engine.Rules(
        start=START,
        end=END,
        visits_per_month=rng.choice([1, 2, 3, 4]),
        weekdays=frozenset(rng.sample(range(5), rng.randint(1, 4))),
        days_per_visit=rng.choice([1, 2]),
        min_visits_per_district=rng.choice([0, 1, 2]),
        min_gap_visits=rng.choice([0, 1, 2]),
        min_gap_weeks=rng.choice([0, 0, 3]),
        revisit_months=rng.choice([0, 2, 12]),
        max_long_trips_per_month=rng.choice([None, 0, 1, 2]),
    )
    blocked = {START + dt.timedelta(days=rng.randint(0, 90)) for _ in range(12)}
    problem = make_problem(
        rules=rules,
        districts=rng.randint(2, 5),
        per_district=rng.randint(2, 5),
        blocked=blocked,
        long_districts={0},
        weights={rng.randint(0, 4) * 100 + rng.randint(0, 1): rng.randint(50, 900)},
    )
    slots, _notes = engine.make_slots(problem)
    assert not {s.start for s in slots} & blocked
    conflicts = engine.named_conflicts(problem, slots)
    if conflicts:
        return
    solution = engine.solve(problem, slots, time_limit=5)
    if solution.status == "infeasible":
        assert engine.diagnose(problem, slots, time_limit=2)
        return
    assert solution.status in {"optimal", "feasible"}
    assert solution.objective == engine.objective_of(problem, slots, solution.assignment)
    violations = checks.check_plan(
        rules,
        open_days=problem.open_days,
        villages=problem.villages,
        kept=[],
        new=[(slots[s], v) for s, v in solution.assignment.items()],
        districts=problem.district_names,
    )
    assert violations == []
    assert len(solution.assignment) == len(slots)


def test_a_kecamatan_with_every_village_excluded_is_named() -> None:
    rules = engine.Rules(start=START, end=END, visits_per_month=2, revisit_months=1)
    problem = make_problem(rules=rules, per_district=2)
    problem.villages = [
        engine.Candidate(id=c.id, district_id=c.district_id, weight=c.weight, excluded=True)
        if c.district_id == 2
        else c
        for c in problem.villages
    ]
    slots, _notes = engine.make_slots(problem)
    conflicts = engine.named_conflicts(problem, slots)
    assert conflicts == [
        "Kecamatan Kec 2 perlu 1 kunjungan lagi, tetapi hanya 0 desanya yang boleh "
        "dikunjungi (aturan kunjungan ulang, pengecualian)."
    ]


def test_kept_visits_change_the_count_in_the_conflict() -> None:
    rules = engine.Rules(start=START, end=END, visits_per_month=1, min_visits_per_district=2)
    kept = [engine.Kept(dt.date(2027, 4, 6), dt.date(2027, 4, 6), village_id=0, district_id=0)]
    problem = make_problem(rules=rules, kept=kept)
    slots, _notes = engine.make_slots(problem)
    assert len(slots) == 2
    conflicts = engine.named_conflicts(problem, slots)
    assert conflicts[0] == (
        "masih perlu 5 kunjungan lagi agar tiap kecamatan mendapat 2 > 2 slot tersedia"
    )


def test_the_kecamatan_gap_reaches_back_over_the_start_of_the_period() -> None:
    # The last visit before the period was in kecamatan 0, whose villages are neediest.
    before = engine.Kept(dt.date(2027, 3, 24), dt.date(2027, 3, 24), village_id=3, district_id=0)
    problem = make_problem(weights={0: 5000, 1: 5000, 2: 5000})
    problem.history = [before]
    solution, slots = solve_and_check(problem)
    first = min(solution.assignment)
    assert solution.assignment[first] // 100 != 0
    # The checker sees the same boundary: kecamatan 0 first would be refused.
    wrong = [(slots[first], 0)]
    problems = checks.check_plan(
        problem.rules,
        open_days=problem.open_days,
        villages=problem.villages,
        kept=[],
        new=wrong,
        districts=[0],
        history=[before],
    )
    assert any("within 1 visits" in p for p in problems)
    # History never counts toward a kecamatan's minimum.
    assert engine.named_conflicts(problem, slots) == []


def test_no_eligible_village_at_all_is_named() -> None:
    problem = make_problem()
    problem.villages = [
        engine.Candidate(id=c.id, district_id=c.district_id, weight=1, excluded=True)
        for c in problem.villages
    ]
    slots, _notes = engine.make_slots(problem)
    assert engine.named_conflicts(problem, slots) == [
        "Tidak ada desa yang boleh dikunjungi dalam periode ini: setiap desa dikecualikan "
        "atau baru saja dikunjungi."
    ]
