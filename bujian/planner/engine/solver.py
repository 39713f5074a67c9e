"""Stage 2: the CP-SAT model, the solve, and the diagnosis of an infeasible one."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from bujian.planner.engine.problem import (
    Problem,
    Rules,
    Slot,
    Solution,
    add_months,
    coefficient,
    eligible,
    sequence,
    spread_parts,
    spread_penalty_unit,
    windows,
)

# The two workers' strategies (see ``solve``); an empty list is CP-SAT's own portfolio.
SUBSOLVERS = ("max_lp", "default_lp")
# The solver stops when it has proved the plan within this fraction of the bound.
RELATIVE_GAP_LIMIT = 0.001

RULE_GROUPS = ("district_minimum", "district_gap", "revisit", "long_trips")


def rule_group_label(group: str, rules: Rules) -> str:
    labels = {
        "district_minimum": _("at least %(n)d visits per kecamatan")
        % {"n": rules.min_visits_per_district},
        "district_gap": _("spacing between visits to one kecamatan"),
        "revisit": _("no village revisited within %(m)d months") % {"m": rules.revisit_months},
        "long_trips": _("at most %(k)d long trips a month")
        % {"k": rules.max_long_trips_per_month or 0},
    }
    return labels[group]


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, report: Callable[[float, float, float], None]) -> None:
        super().__init__()
        self.started = started
        self.report = report
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.first is None:
            self.first = elapsed
        self.report(elapsed, self.ObjectiveValue(), self.BestObjectiveBound())


def build_model(
    problem: Problem, slots: list[Slot], *, without: Iterable[str] = ()
) -> tuple[cp_model.CpModel, dict[tuple[int, int], cp_model.IntVar]]:
    rules = problem.rules
    skip = set(without)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_id = {c.id: c for c in problem.villages}
    for s, slot in enumerate(slots):
        for c in problem.villages:
            revisit_ok = "revisit" in skip and not c.excluded
            if revisit_ok or eligible(problem, c, slot):
                x[s, c.id] = model.new_bool_var(f"x{s}_{c.id}")
    per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    per_village: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    # The kecamatan aggregation: the villages of one kecamatan in one slot.
    per_slot_district: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (s, v), var in x.items():
        per_slot[s].append(var)
        per_village[v].append((s, var))
        per_slot_district[s, by_id[v].district_id].append(var)
    for s in range(len(slots)):
        model.add_exactly_one(per_slot[s])  # an empty list makes the model infeasible

    if "revisit" not in skip and rules.revisit_months > 0:
        for items in per_village.values():
            items.sort(key=lambda item: item[0])
            last_end = -1
            for i, (s, _var) in enumerate(items):
                limit = add_months(slots[s].start, rules.revisit_months)
                j = i
                while j + 1 < len(items) and slots[items[j + 1][0]].start < limit:
                    j += 1
                if j > i and j > last_end:
                    model.add_at_most_one(var for _s, var in items[i : j + 1])
                    last_end = j

    positions = sequence(problem, slots)
    if "district_minimum" not in skip and rules.min_visits_per_district > 0:
        for d in problem.district_names:
            kept = sum(
                1 for p in positions if p.counts and p.kept is not None and p.kept.district_id == d
            )
            want = rules.min_visits_per_district - kept
            if want > 0:
                terms = [var for (s, v), var in x.items() if by_id[v].district_id == d]
                model.add(sum(terms) >= want)

    if "district_gap" not in skip:
        for group in windows(positions, rules):
            kept_districts: dict[int, int] = defaultdict(int)
            for p in group:
                if p.kept is not None:
                    kept_districts[p.kept.district_id] += 1
            free = [p.slot for p in group if p.slot is not None]
            for d in problem.district_names:
                terms = [var for s in free for var in per_slot_district.get((s, d), [])]
                if not terms:
                    continue
                if kept_districts[d]:
                    for var in terms:
                        model.add(var == 0)
                elif len(terms) > 1:
                    model.add_at_most_one(terms)

    if "long_trips" not in skip and rules.max_long_trips_per_month is not None:
        months: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for (s, v), var in x.items():
            if problem.is_long(by_id[v].travel_minutes):
                months[(slots[s].start.year, slots[s].start.month)].append(var)
        for month, terms in months.items():
            kept_long = sum(
                1
                for k in problem.kept
                if (k.start.year, k.start.month) == month and problem.is_long(k.travel_minutes)
            )
            model.add(sum(terms) <= max(0, rules.max_long_trips_per_month - kept_long))

    n = len(slots)
    coverage = sum(coefficient(by_id[v], s, n) * var for (s, v), var in x.items())
    excesses = []
    penalty = spread_penalty_unit(problem)
    for (d, _part), (kept_count, part_slots) in spread_parts(problem, slots).items():
        terms = [var for s in part_slots for var in per_slot_district.get((s, d), [])]
        if not terms:
            continue
        excess = model.new_int_var(0, len(terms), f"spread{d}_{_part}")
        model.add(sum(terms) + kept_count - 1 <= excess)
        excesses.append(excess)
    model.maximize(coverage - penalty * sum(excesses))
    return model, x


def _status_name(status: object) -> str:
    names = {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "invalid",
    }
    return next((name for code, name in names.items() if code == status), "unknown")


def solve(
    problem: Problem,
    slots: list[Slot],
    *,
    time_limit: float = 30.0,
    hint: dict[int, int] | None = None,
    report: Callable[[float, float, float], None] | None = None,
    without: Iterable[str] = (),
    subsolvers: Iterable[str] = SUBSOLVERS,
) -> Solution:
    started = time.monotonic()
    model, x = build_model(problem, slots, without=without)
    if hint:
        for (s, v), var in x.items():
            model.add_hint(var, 1 if hint.get(s) == v else 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.relative_gap_limit = RELATIVE_GAP_LIMIT
    # Two workers on two cores: the default portfolio gives them to search strategies
    # whose bound stays at the trivial one; the LP-heavy worker proves the bound of
    # this assignment-shaped model in seconds (bench/README.md has the figures).
    solver.parameters.subsolvers.extend(subsolvers)
    callback = _Progress(started, report or (lambda _e, _o, _b: None))
    status = solver.solve(model, callback)
    seconds = time.monotonic() - started
    name = _status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(status=name, assignment={}, seconds=seconds)
    assignment = {s: v for (s, v), var in x.items() if solver.boolean_value(var)}
    return Solution(
        status=name,
        assignment=assignment,
        objective=round(solver.objective_value),
        bound=solver.best_objective_bound,
        seconds=seconds,
        first_feasible_seconds=callback.first,
    )


def diagnose(problem: Problem, slots: list[Slot], *, time_limit: float = 5.0) -> list[str]:
    """After an infeasible solve: relax each rule group in turn and name those whose
    relaxation makes a plan possible."""
    culprits = []
    for group in RULE_GROUPS:
        trial = solve(problem, slots, time_limit=time_limit, without=[group])
        if trial.status in {"optimal", "feasible"}:
            culprits.append(rule_group_label(group, problem.rules))
    if culprits:
        return [
            _("These rules cannot all hold; relaxing one of them makes a plan possible: %(rules)s.")
            % {"rules": "; ".join(culprits)}
        ]
    return [_("The rules together leave no possible plan; relax several of them.")]
