"""CPU per request of the queue's issue, call-next and finish, in one process and one
thread, through the production WSGI application (``bujian.wsgi``, every middleware) with
no HTTP and no other load: the app's own cost, steady enough to compare two versions of
the code on a machine whose throughput figures wander (bench/README.md, "The machine's
yardstick").

    .venv/bin/python -m bench.inprocess --db sqlite            # or --db postgres
    .venv/bin/python -m bench.inprocess --db sqlite --residents 600 --rounds 3

A fresh database is seeded by ``bench_setup`` (as the queue benchmark does); then, per
round, every resident of the plan gets a visit ticket (issue) and each booth calls and
finishes its tickets. Each request is timed with ``time.process_time`` (this process's
CPU; PostgreSQL's own work is in its processes and not counted) and
``time.perf_counter``. The report gives the median CPU and wall time per endpoint of the
best round (the least disturbed), and writes ``var/bench/inprocess-<db>-<stamp>.json``.
``--profile FILE`` records the rounds with cProfile on CPU time (read it with
``python -m pstats FILE``); the timings of a profiled run are inflated.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.database import PostgresTarget, SqliteTarget, Target
from bench.plan import DayPlan, load_plan
from bench.queue_bench import app_env
from bench.server import ROOT, manage

OUT = ROOT / "var" / "bench"

Application = Callable[[dict[str, Any], Callable[..., Any]], Any]


def _environ(method: str, path: str, token: str, body: bytes = b"") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


class _Timer:
    def __init__(self, app: Application) -> None:
        self.app = app
        self.cpu: dict[str, list[float]] = {}
        self.wall: dict[str, list[float]] = {}

    def call(self, name: str, method: str, path: str, token: str, payload: Any = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else b""
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
            status.append(line)

        cpu0, wall0 = time.process_time(), time.perf_counter()
        chunks = self.app(_environ(method, path, token, body), start_response)
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        cpu1, wall1 = time.process_time(), time.perf_counter()
        code = int(status[0].split()[0])
        if code >= 300:
            raise RuntimeError(f"{name} {path}: {status[0]} {data[:300]!r}")
        if code == 204:
            return None
        self.cpu.setdefault(name, []).append(cpu1 - cpu0)
        self.wall.setdefault(name, []).append(wall1 - wall0)
        return json.loads(data)


def _round(app: Application, plan: DayPlan, residents: int) -> dict[str, dict[str, float]]:
    timer = _Timer(app)
    desk = plan.desk_tokens[0]
    booths = {b.booth_id: b for b in plan.booths}
    waiting: dict[int, int] = {}
    service_of: dict[int, str] = {}  # ticket id -> the service it was issued for
    for need in plan.needs[:residents]:
        issued = timer.call(
            "issue",
            "POST",
            f"/api/v1/queue/visits/{plan.visit_id}/tickets",
            desk,
            {"resident_id": need.resident_id, "service_codes": [c for _b, c in need.services]},
        )
        wanted = dict(need.services)
        for ticket in issued["tickets"]:
            service_of[ticket["id"]] = wanted[ticket["booth_id"]]
            waiting[ticket["booth_id"]] = waiting.get(ticket["booth_id"], 0) + 1
    # Each booth calls and finishes its tickets; a resident called elsewhere is skipped
    # by call-next, so the booths take turns until every ticket is done.
    while any(waiting.values()):
        for booth_id, left in waiting.items():
            if not left:
                continue
            booth = booths[booth_id]
            ticket = timer.call(
                "call-next", "POST", f"/api/v1/queue/booths/{booth_id}/call-next", booth.token
            )
            if ticket is None:
                continue
            timer.call(
                "finish",
                "POST",
                f"/api/v1/queue/tickets/{ticket['id']}/finish",
                booth.token,
                {"outcomes": [{"service_code": service_of[ticket["id"]], "outcome": "completed"}]},
            )
            waiting[booth_id] = left - 1
    return {
        name: {
            "count": len(values),
            "cpu_ms_median": round(1000 * statistics.median(values), 3),
            "wall_ms_median": round(1000 * statistics.median(timer.wall[name]), 3),
        }
        for name, values in timer.cpu.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--residents", type=int, default=300, help="residents per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--profile",
        type=Path,
        help="write a cProfile of the rounds (CPU time, not wall) to this file (pstats)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args(argv)
    # Before Django is set up here: it sets the process's time zone to the regency's.
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    OUT.mkdir(parents=True, exist_ok=True)
    directory = OUT / "inprocess"
    directory.mkdir(exist_ok=True)
    target: Target = (
        SqliteTarget(directory)
        if args.db == "sqlite"
        else PostgresTarget(args.postgres_url, database="bujian_inprocess")
    )
    target.reset()
    env = app_env(target, directory / "cache", var_dir=directory)
    plan_file = directory / "plan.json"
    residents = args.residents * args.rounds
    manage("migrate", "--noinput", "-v0", env=env)
    manage(
        "bench_setup",
        "--output",
        str(plan_file),
        "--residents",
        str(residents),
        "--seed",
        str(args.seed),
        env=env,
    )
    plan = load_plan(plan_file, seed=args.seed)
    os.environ.clear()  # exactly the app's environment, as the servers get it
    os.environ.update(env)
    from bujian.wsgi import application  # after the environment: settings read it

    profiler = cProfile.Profile(time.process_time) if args.profile else None
    rounds = []
    for index in range(args.rounds):
        part = DayPlan(
            visit_id=plan.visit_id,
            day=plan.day,
            booths=plan.booths,
            desk_tokens=plan.desk_tokens,
            desk_user_ids=plan.desk_user_ids,
            needs=plan.needs[index * args.residents : (index + 1) * args.residents],
        )
        if profiler is not None:
            profiler.enable()
        rounds.append(_round(application, part, args.residents))
        if profiler is not None:
            profiler.disable()
    if profiler is not None:
        profiler.dump_stats(args.profile)
    # The least disturbed round: the lowest total of medians.
    best = min(rounds, key=lambda r: sum(v["cpu_ms_median"] for v in r.values()))
    report = {
        "database": args.db,
        "residents_per_round": args.residents,
        "rounds": rounds,
        "best": best,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for name in ("issue", "call-next", "finish"):
        figures = best[name]
        print(
            f"{args.db} {name:10} CPU {figures['cpu_ms_median']:6.3f} ms  "
            f"wall {figures['wall_ms_median']:6.3f} ms  ({figures['count']} requests)"
        )
    path = OUT / f"inprocess-{args.db}-{stamp}.json"
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"Written: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
