"""The rotation planner's mathematics, free of the database: slot dates, the named
conflicts checked before solving, the CP-SAT model and the greedy baseline.

The problem in two stages:

1. **Dates.** Each month gets ``visits_per_month`` slots placed at evenly spaced
   ideal days (for 2 a month: around the 8th and the 23rd), each moved to the nearest
   *open* start date: an allowed weekday, a working day that is not blocked (holiday,
   cuti bersama, regency event, the Bupati's blocked date, Ramadan when paused), with
   the second day of a two-day visit open too, and no overlap with another visit.
   Visits kept from before (past, announced, locked, moved by hand) take the ideal
   position nearest to them. So dates are spread evenly by construction and a blocked
   date is never used.
2. **Villages.** CP-SAT chooses one village per free slot, ``x[slot, village]`` only
   for villages eligible on that date, maximising need-weighted coverage (a small
   bonus puts the neediest villages earlier), under the hard rules: every kecamatan
   gets at least N visits; a kecamatan not twice within ``min_gap_visits``
   consecutive visits nor within ``min_gap_weeks`` weeks; a village not revisited
   within M months (visits before the period count); at most K long trips a month.
   The kecamatan terms are sums over each kecamatan's villages (the aggregation that
   keeps the model small).

Rules that can obviously not hold together are named before solving
(:func:`named_conflicts`); when the solver still proves infeasibility, each rule group
is relaxed in turn to name the ones in conflict. Only kept visits may break a rule
among themselves (history is history); every window that holds a new slot is enforced.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ortools.sat.python import cp_model

ONE_DAY = dt.timedelta(days=1)
# The earliness bonus: a slot at the start of the period is worth up to this fraction
# more than one at the end, so the neediest villages are visited first.
EARLY_BONUS_PERCENT = 20
# The two workers' strategies (see ``solve``); an empty list is CP-SAT's own portfolio.
SUBSOLVERS = ("max_lp", "default_lp")
# The solver stops when it has proved the plan within this fraction of the bound.
RELATIVE_GAP_LIMIT = 0.001
# The cost of crowding one kecamatan's visits into one part of the period, in percent of
# an average village's need (``spread_parts``).
SPREAD_PENALTY_PERCENT = 25
# Two visits that did not find a date in their own share of the month keep at least
# this many days from the others.
MIN_SPACING_DAYS = 7


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


# --- stage 1: the slot dates ------------------------------------------------------------


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


# --- eligibility and the ordered sequence of visits -------------------------------------


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


def _windows(positions: list[Position], rules: Rules) -> list[list[Position]]:
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


# --- named conflicts, checked before solving -------------------------------------------


def named_conflicts(problem: Problem, slots: list[Slot]) -> list[str]:
    """The rules that can obviously not hold together, in words the admin knows."""
    rules = problem.rules
    conflicts: list[str] = []
    n_slots = len(slots)
    if n_slots == 0:
        return [_("No open date is left in the period: every allowed day is blocked or past.")]
    positions = sequence(problem, slots)
    kept_by_district: dict[int, int] = defaultdict(int)
    for p in positions:
        if p.counts and p.kept is not None:
            kept_by_district[p.kept.district_id] += 1
    eligible_by_district: dict[int, set[int]] = defaultdict(set)
    all_eligible: set[int] = set()
    for c in problem.villages:
        for s in slots:
            if eligible(problem, c, s):
                eligible_by_district[c.district_id].add(c.id)
                all_eligible.add(c.id)
                break
    n = rules.min_visits_per_district
    districts = sorted(problem.district_names)
    # A village comes at most once when the revisit rule spans the whole period.
    once = rules.revisit_months >= len(months_between(rules.start, rules.end))
    needed = sum(max(0, n - kept_by_district[d]) for d in districts)
    if n > 0 and needed > n_slots:
        if needed == n * len(districts):
            conflicts.append(
                _("%(districts)d kecamatan × %(visits)d visits > %(slots)d slots available")
                % {"districts": len(districts), "visits": n, "slots": n_slots}
            )
        else:
            conflicts.append(
                _(
                    "%(needed)d more visits are needed for %(visits)d per kecamatan "
                    "> %(slots)d slots available"
                )
                % {"needed": needed, "visits": n, "slots": n_slots}
            )
    for d in districts:
        want = n - kept_by_district[d]
        have = len(eligible_by_district[d])
        if want > have and (once or have == 0):
            conflicts.append(
                _(
                    "Kecamatan %(district)s needs %(want)d more visits but only %(have)d of "
                    "its villages may be visited (revisit rule, exclusions)."
                )
                % {"district": problem.district_names[d], "want": want, "have": have}
            )
    if rules.min_gap_visits > 0:
        active = [d for d in districts if eligible_by_district[d]]
        if len(active) <= rules.min_gap_visits and n_slots > 1:
            conflicts.append(
                _(
                    "A kecamatan may not come back within %(gap)d visits, but only "
                    "%(count)d kecamatan have villages that may be visited."
                )
                % {"gap": rules.min_gap_visits, "count": len(active)}
            )
        total = sum(1 for p in positions if not p.history)
        most = (total + rules.min_gap_visits) // (rules.min_gap_visits + 1)
        if n > most:
            conflicts.append(
                _(
                    "%(visits)d visits per kecamatan cannot be spaced %(gap)d visits apart "
                    "in %(total)d visits."
                )
                % {"visits": n, "gap": rules.min_gap_visits, "total": total}
            )
    if once and len(all_eligible) < n_slots:
        conflicts.append(
            _("Only %(villages)d villages may be visited for %(slots)d slots (revisit rule).")
            % {"villages": len(all_eligible), "slots": n_slots}
        )
    if rules.max_long_trips_per_month is not None:
        short = {c.id for c in problem.villages if c.id in all_eligible}
        short = {
            c.id
            for c in problem.villages
            if c.id in short and not problem.is_long(c.travel_minutes)
        }
        per_month: dict[tuple[int, int], int] = defaultdict(int)
        for s in slots:
            per_month[(s.start.year, s.start.month)] += 1
        need_short = sum(
            max(0, count - rules.max_long_trips_per_month) for count in per_month.values()
        )
        if once and need_short > len(short):
            conflicts.append(
                _(
                    "At most %(long)d long trips a month needs %(need)d short trips, but "
                    "only %(short)d villages are within %(minutes)d minutes."
                )
                % {
                    "long": rules.max_long_trips_per_month,
                    "need": need_short,
                    "short": len(short),
                    "minutes": rules.long_trip_minutes,
                }
            )
    return conflicts


# --- stage 2: CP-SAT ----------------------------------------------------------------------

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
        for group in _windows(positions, rules):
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


# --- the greedy baseline -----------------------------------------------------------------


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
    groups = _windows(positions, rules)
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
