"""The rotation planner benchmark (`make bench BENCH=planner`), bench/README.md.

Solver-bound: the problem is built from the regions shipped with the app
(``bujian/regions/data/``) and national holidays, with need indicators drawn from a
fixed random seed, so no database is needed; ``--db`` is accepted and ignored.
Reports, per regency: time to the first feasible plan, final objective, bound and gap,
the greedy baseline's objective and the gain, and whether the independent checker
(``bujian.planner.checks``) finds the plan sound. Writes ``var/bench/planner.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bujian.settings")
    import django

    django.setup()


CASES: dict[str, dict[str, Any]] = {
    # Buji'an Dusun: twice a month, a different kecamatan each time.
    "bengkulu_selatan": {
        "file": "regions-1701-bengkulu-selatan.csv",
        "visits_per_month": 2,
        "min_visits_per_district": 2,
        "min_gap_visits": 1,
        "max_long_trips_per_month": 1,
        "target_seconds": 30,
    },
    # Bunga Kampung: weekly, every one of the 28 kecamatan at least once a year.
    "lampung_tengah": {
        "file": "regions-1802-lampung-tengah.csv",
        "visits_per_month": 4,
        "min_visits_per_district": 1,
        "min_gap_visits": 3,
        "max_long_trips_per_month": 2,
        "target_seconds": 60,
    },
}


def build_problem(case: dict[str, Any], start: dt.date, seed: int) -> Any:
    from bujian.calendars.workdays import national_holidays
    from bujian.planner import engine

    rng = random.Random(seed)  # noqa: S311 -- made-up needs, not secrets
    with (ROOT / "bujian" / "regions" / "data" / case["file"]).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    districts = {r["code"]: i for i, r in enumerate(r for r in rows if r["level"] == "district")}
    names = {i: r["name"] for r in rows if r["level"] == "district" for i in [districts[r["code"]]]}
    end = engine.add_months(start, 12) - dt.timedelta(days=1)
    villages = []
    for i, r in enumerate(r for r in rows if r["level"] == "village"):
        district = districts[r["parent_code"]]
        last = None if rng.random() < 0.6 else start - dt.timedelta(days=rng.randint(30, 900))
        months = 36 if last is None else (start - last).days / 30.4
        population = rng.randint(400, 6000)
        aspirations = rng.choice([0, 0, 1, 2, 5, 12, 30])
        documents = rng.choice([0, 0, 0, 3, 8, 20])
        weight = (
            10
            + round(min(months, 36) * 5)
            + round(60 * population / 6000)
            + 3 * min(aspirations, 50)
            + 2 * min(documents, 50)
        )
        villages.append(
            engine.Candidate(
                id=i + 1,
                district_id=district,
                weight=weight,
                travel_minutes=20 + 12 * (district % 10) + rng.randint(0, 30),
                last_visit=last,
                excluded=rng.random() < 0.02,
            )
        )
    holidays = national_holidays(range(start.year, end.year + 1))
    open_days = frozenset(
        start + dt.timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + dt.timedelta(days=i)).weekday() < 5
        and start + dt.timedelta(days=i) not in holidays
    )
    rules = engine.Rules(
        start=start,
        end=end,
        visits_per_month=case["visits_per_month"],
        weekdays=frozenset({1, 2, 3}),
        days_per_visit=1,
        min_visits_per_district=case["min_visits_per_district"],
        min_gap_visits=case["min_gap_visits"],
        revisit_months=12,
        long_trip_minutes=110,
        max_long_trips_per_month=case["max_long_trips_per_month"],
    )
    return engine.Problem(
        rules=rules, villages=villages, open_days=open_days, district_names=names, earliest=start
    )


def run_case(
    name: str,
    case: dict[str, Any],
    *,
    start: dt.date,
    seed: int,
    limit: float,
    default_portfolio: bool = False,
) -> dict[str, Any]:
    from bujian.planner import checks, engine

    t0 = time.monotonic()
    problem = build_problem(case, start, seed)
    slots, notes = engine.make_slots(problem)
    conflicts = engine.named_conflicts(problem, slots)
    prepared = time.monotonic() - t0
    g0 = time.monotonic()
    greedy_assignment, greedy_objective = engine.greedy(problem, slots)
    greedy_seconds = time.monotonic() - g0
    solution = engine.solve(
        problem,
        slots,
        time_limit=limit,
        hint=greedy_assignment if greedy_objective is not None else None,
        subsolvers=() if default_portfolio else engine.SUBSOLVERS,
    )
    violations = checks.check_plan(
        problem.rules,
        open_days=problem.open_days,
        villages=problem.villages,
        kept=problem.kept,
        new=[(slots[s], v) for s, v in solution.assignment.items()],
        districts=problem.district_names,
    )
    gain = None
    if greedy_objective and solution.objective:
        gain = (solution.objective - greedy_objective) / greedy_objective
    result = {
        "regency": name,
        "villages": len(problem.villages),
        "kecamatan": len(problem.district_names),
        "slots": len(slots),
        "notes": notes,
        "named_conflicts": conflicts,
        "prepare_seconds": round(prepared, 3),
        "status": solution.status,
        "first_feasible_seconds": solution.first_feasible_seconds,
        "solve_seconds": round(solution.seconds, 2),
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "greedy_objective": greedy_objective,
        "greedy_seconds": round(greedy_seconds, 3),
        "gain_over_greedy": gain,
        "checker_violations": violations,
        "target_seconds": case["target_seconds"],
        "met_target": bool(
            solution.gap is not None
            and solution.gap <= 0.01
            and solution.seconds <= case["target_seconds"]
            and not violations
        ),
    }
    return result


def _summary(result: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.3%}"

    first = result["first_feasible_seconds"]
    checker = "OK" if not result["checker_violations"] else result["checker_violations"]
    return (
        f"{result['regency']}: {result['villages']} villages, {result['slots']} slots, "
        f"{result['status']}, first plan after {'-' if first is None else round(first, 2)} s, "
        f"stopped after {result['solve_seconds']} s; objective {result['objective']}, "
        f"bound {result['bound']}, gap {pct(result['gap'])}; greedy "
        f"{result['greedy_objective']}, gain {pct(result['gain_over_greedy'])}; checker {checker}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="both", help="accepted for `make bench`; ignored")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--start", default="2027-01-01", help="first day of the year planned")
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--limit", type=float, default=None, help="solver time limit (s)")
    parser.add_argument(
        "--default-portfolio",
        action="store_true",
        help="CP-SAT's own 2-worker portfolio instead of max_lp + default_lp (comparison)",
    )
    args = parser.parse_args(argv)
    _setup_django()
    start = dt.date.fromisoformat(args.start)
    results = []
    for name in args.case or list(CASES):
        case = CASES[name]
        limit = args.limit or float(case["target_seconds"])
        result = run_case(
            name,
            case,
            start=start,
            seed=args.seed,
            limit=limit,
            default_portfolio=args.default_portfolio,
        )
        results.append(result)
        print(_summary(result))
    out = ROOT / "var" / "bench" / "planner.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "planner",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "results": results,
    }
    out.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")
    return 0 if all(r["met_target"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
