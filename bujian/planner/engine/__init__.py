"""The rotation planner's mathematics, free of the database: slot dates (``slots``), the
named conflicts checked before solving (``conflicts``), the CP-SAT model (``solver``)
and the greedy baseline (``greedy``), over the data of ``problem``.

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

from typing import TYPE_CHECKING, Any

from bujian.planner.engine.conflicts import named_conflicts
from bujian.planner.engine.greedy import greedy
from bujian.planner.engine.problem import (
    Candidate,
    Kept,
    Position,
    Problem,
    Rules,
    Slot,
    Solution,
    add_months,
    coefficient,
    eligible,
    months_between,
    objective_of,
    sequence,
    spread_parts,
    spread_penalty_unit,
    windows,
)
from bujian.planner.engine.slots import make_slots

# The CP-SAT model loads OR-Tools (and pandas with it), about half a second: only on
# first use, not in every web process that imports the planner's pages.
_SOLVER_NAMES = frozenset(
    {
        "RELATIVE_GAP_LIMIT",
        "RULE_GROUPS",
        "SUBSOLVERS",
        "build_model",
        "diagnose",
        "rule_group_label",
        "solve",
    }
)

if TYPE_CHECKING:
    from bujian.planner.engine.solver import (
        RELATIVE_GAP_LIMIT,
        RULE_GROUPS,
        SUBSOLVERS,
        build_model,
        diagnose,
        rule_group_label,
        solve,
    )


def __getattr__(name: str) -> Any:
    if name in _SOLVER_NAMES:
        from bujian.planner.engine import solver

        return getattr(solver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RELATIVE_GAP_LIMIT",
    "RULE_GROUPS",
    "SUBSOLVERS",
    "Candidate",
    "Kept",
    "Position",
    "Problem",
    "Rules",
    "Slot",
    "Solution",
    "add_months",
    "build_model",
    "coefficient",
    "diagnose",
    "eligible",
    "greedy",
    "make_slots",
    "months_between",
    "named_conflicts",
    "objective_of",
    "rule_group_label",
    "sequence",
    "solve",
    "spread_parts",
    "spread_penalty_unit",
    "windows",
]
