"""``make bench``: a visit day's queue over HTTP against gunicorn, on SQLite and on
PostgreSQL, with the same transactions straight through the driver as the floor.

    .venv/bin/python -m bench.queue_bench --db both      # what `make bench` runs
    .venv/bin/python -m bench.queue_bench --db sqlite --residents 200   # a quick look

See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

from bench.checks import check_day
from bench.database import PostgresTarget, SqliteTarget, Target
from bench.floor import run_floor
from bench.load import LoadConfig, LoadResult, Sample, held_twice, run_load, run_solo
from bench.plan import load_plan
from bench.profile import summarize
from bench.reference_bench import describe, run_reference
from bench.server import (
    BIN,
    ROOT,
    all_processes_cpu,
    clean_environ,
    machine_cpu,
    manage,
    postgres_pids,
    process_cpu,
    shape,
    start_server,
)
from bench.stats import ACTIONS, by_endpoint, latency, throughput

OUT = ROOT / "var" / "bench"
SECRET_KEY = "bench-only-secret-key-not-for-any-server-0123456789abcdefghijklmnop"  # noqa: S105
TARGET_ACTIONS_PER_S = 500
# The paced day offers 1 % more than the target: the sustained rate is measured over the
# middle 90 % of the day's completions, which puts a server that keeps up with exactly
# 500 a second anywhere from about 498 to 502; at 505 one that keeps up clears 500.
PACED_ACTIONS_PER_S = 505
TARGET_P95_MS = 50.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--agencies", type=int, default=40, help="booths, one per agency")
    parser.add_argument("--desks", type=int, default=10)
    parser.add_argument("--boards", type=int, default=10)
    parser.add_argument(
        "--workers", type=int, help="gunicorn worker processes (default: SQLite 6, PostgreSQL 5)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per gunicorn worker (default: SQLite 1, PostgreSQL 2)"
    )
    parser.add_argument("--idle-ms", type=float, default=500, help="booth wait after a 204")
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="offered queue actions per second: the desks issue visit tickets on a fixed "
        "schedule that gives this many issue + call + finish requests a second (an open "
        "loop, as residents arrive); 0 = every client sends its next request as soon as the "
        "last answer came (a closed loop: the most the server gives). Without --rate, a "
        "closed-loop day and then a day paced at --target-rate run on each database",
    )
    parser.add_argument(
        "--target-rate",
        type=float,
        default=PACED_ACTIONS_PER_S,
        help="the paced day's rate when --rate is not given (0: the closed-loop day only); "
        f"default {PACED_ACTIONS_PER_S:g}, 1 %% above the target of {TARGET_ACTIONS_PER_S}",
    )
    parser.add_argument(
        "--solo", type=int, default=50, help="residents served one request at a time afterwards"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="the app's file cache (board versions); default var/bench/cache-<db>",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the driver-only floor")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the machine's yardstick (bench/reference_bench.py) before each database",
    )
    parser.add_argument(
        "--no-count-queries",
        action="store_true",
        help="serve bujian.wsgi itself, without the X-Bench-Queries header (bench/wsgi.py)",
    )
    parser.add_argument("--access-log", action="store_true", help="gunicorn access log to a file")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record the server with py-spy during the load (py-spy must be on PATH)",
    )
    return parser.parse_args(argv)


def app_env(target: Target, cache_dir: Path, var_dir: Path = OUT) -> dict[str, str]:
    """The app's environment for ``target``: this one's, without its own DJANGO_*,
    BUJIAN_* and DATABASE_URL settings, plus the bench's."""
    env = clean_environ()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bujian.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_LOG_LEVEL": "WARNING",
            "BUJIAN_VAR_DIR": str(var_dir),
            "BUJIAN_CACHE_DIR": str(cache_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(target.app_env())
    return env


class CpuProbe:
    """CPU seconds of the server processes, PostgreSQL's and the whole machine."""

    def __init__(self, server_pids: Callable[[], list[int]], postgres: bool) -> None:
        self.server_pids = server_pids
        self.postgres = postgres

    def read(self) -> dict[str, Any]:
        server = {pid: process_cpu([pid]) for pid in self.server_pids()}
        database = {pid: process_cpu([pid]) for pid in postgres_pids()} if self.postgres else {}
        busy, total = machine_cpu()
        return {
            "server": server,
            "postgres": database,
            "all": all_processes_cpu(),
            "busy": busy,
            "total": total,
            "at": time.perf_counter(),
        }

    @staticmethod
    def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        wall = after["at"] - before["at"]

        def used(key: str) -> float:
            return float(sum(cpu - before[key].get(pid, 0.0) for pid, cpu in after[key].items()))

        ours = {os.getpid(), *after["server"], *after["postgres"]}
        others: dict[str, float] = {}
        for pid, (comm, seconds) in after["all"].items():
            if pid not in ours:
                used_by = seconds - before["all"].get(pid, (comm, 0.0))[1]
                others[comm] = others.get(comm, 0.0) + used_by
        top_others = sorted(others.items(), key=lambda item: -item[1])[:4]
        cores = os.cpu_count() or 1
        busy_share = (after["busy"] - before["busy"]) / max(after["total"] - before["total"], 1e-9)
        return {
            "wall_s": round(wall, 2),
            "server_cores": round(used("server") / wall, 2),
            "postgres_cores": round(used("postgres") / wall, 2),
            "machine_busy_pct": round(100 * busy_share, 1),
            "machine_busy_cores": round(busy_share * cores, 2),
            "machine_cores": cores,
            "busiest_other_processes_cores": {
                comm: round(seconds / wall, 2) for comm, seconds in top_others if seconds > 0
            },
        }


def run_one(
    target: Target, args: argparse.Namespace, reference: dict[str, Any] | None = None
) -> dict[str, Any]:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = target.name
    print(f"\n=== {name}: fresh database, migrate, seed", flush=True)
    cache_dir = args.cache_dir / f"cache-{name}" if args.cache_dir else OUT / f"cache-{name}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    target.reset()
    env = app_env(target, cache_dir)
    plan_file = OUT / f"plan-{name}.json"
    started = time.perf_counter()
    manage("migrate", "--noinput", "-v0", env=env)
    manage(
        "bench_setup",
        "--output",
        str(plan_file),
        "--agencies",
        str(args.agencies),
        "--residents",
        str(args.residents),
        "--desks",
        str(args.desks),
        "--seed",
        str(args.seed),
        env=env,
    )
    target.snapshot()
    setup_seconds = time.perf_counter() - started
    plan = load_plan(plan_file, seed=args.seed)

    # This database's server shape unless given (the report reads it from args).
    workers, threads = shape(name, args.workers, args.threads)
    args = argparse.Namespace(**{**vars(args), "workers": workers, "threads": threads})
    app = "bujian.wsgi:application" if args.no_count_queries else "bench.wsgi:application"
    log_path = OUT / f"gunicorn-{name}.log"
    print(
        f"=== {name}: gunicorn {app} ({args.workers} workers x {args.threads} threads, gthread)",
        flush=True,
    )
    server = start_server(
        database=name,
        app=app,
        env=env,
        workers=args.workers,
        threads=args.threads,
        log_path=log_path,
        ready_path=f"/antrian/papan/{plan.visit_id}/state.json",
        access_log=OUT / f"access-{name}.log" if args.access_log else None,
    )
    probe = CpuProbe(server.pids, postgres=name == "postgres")
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    profiler = _start_profiler(server.process.pid, name) if args.profile else None
    try:
        config = LoadConfig(
            host="127.0.0.1",
            port=server.port,
            idle_seconds=args.idle_ms / 1000,
            seed=args.seed,
            issue_rate=issue_rate(args.rate, plan.ticket_count, len(plan.needs)),
        )
        print(
            f"=== {name}: load: {len(plan.desk_tokens)} desks, {len(plan.booths)} booths, "
            f"{args.boards} boards; {len(plan.needs)} residents, {plan.ticket_count} booth tickets",
            flush=True,
        )
        result = run_load(plan, config, boards=args.boards, cpu_probe=probe.read)
        print(f"=== {name}: the same requests one at a time (no queueing)", flush=True)
        solo, solo_issued = run_solo(plan, config, residents=args.solo)
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        server.stop()
    log_text = log_path.read_text(errors="replace")
    profile = summarize(OUT / f"profile-{name}.txt") if profiler is not None else None
    cpu = CpuProbe.delta(result.cpu_before, result.cpu_after)

    print(f"=== {name}: checks in the database", flush=True)
    checks = check_day(target, floor=False, expected_tickets=result.issued + solo_issued)
    handed_twice = sum(1 for count in result.calls.values() if count > 1)

    floor: dict[str, Any] | None = None
    if not args.no_floor:
        print(f"=== {name}: the floor (driver only, same concurrency)", flush=True)
        floor_result = run_floor(target, plan, idle_seconds=args.idle_ms / 1000, seed=args.seed)
        floor = {
            "endpoints": by_endpoint(floor_result.samples),
            "throughput": throughput(floor_result.samples, floor_result.busy_seconds),
            "errors": floor_result.errors,
            "checks": {
                **check_day(target, floor=True, expected_tickets=floor_result.issued),
                "held_at_two_booths_seen_by_clients": held_twice(floor_result.held),
            },
        }

    report = _report(
        name=name,
        args=args,
        plan_tickets=plan.ticket_count,
        result=result,
        solo=solo,
        profile=profile,
        cpu=cpu,
        checks=checks,
        handed_twice=handed_twice,
        floor=floor,
        log_text=log_text,
        setup_seconds=setup_seconds,
        app=app,
        target=target,
        load_before=load_before,
        reference=reference,
    )
    load = f"paced{args.rate:g}" if args.rate > 0 else "closed"
    path = OUT / f"queue-{name}-{load}-{stamp}.json"
    path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    _print_summary(report)
    print(f"Written: {path.relative_to(ROOT)}", flush=True)
    return report


def _start_profiler(pid: int, name: str) -> subprocess.Popen[bytes]:
    py_spy = (
        os.environ.get("PY_SPY") or shutil.which("py-spy") or shutil.which("py-spy", path=str(BIN))
    )
    if py_spy is None:
        raise SystemExit("--profile needs py-spy on PATH (pip install py-spy).")
    output = OUT / f"profile-{name}.txt"
    return subprocess.Popen(  # noqa: S603 -- py-spy on our own server's pid
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "250",
            "--output",
            str(output),
            "--nonblocking",
            *(["--idle"] if os.environ.get("BENCH_PROFILE_IDLE") else []),
            # Only threads holding the GIL: where the server's CPU goes, without waits.
            *(["--gil"] if os.environ.get("BENCH_PROFILE_GIL") else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _versions(target: Target) -> dict[str, str]:
    versions = {
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "django-ninja": metadata.version("django-ninja"),
        "gunicorn": metadata.version("gunicorn"),
    }
    if isinstance(target, SqliteTarget):
        versions["sqlite"] = sqlite3.sqlite_version
    elif isinstance(target, PostgresTarget):
        with psycopg.connect(f"{target.url}/postgres") as connection:
            row = connection.execute("SHOW server_version").fetchone()
            versions["postgresql"] = str(row[0]) if row else "?"
        versions["psycopg"] = psycopg.__version__
    return versions


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _report(
    *,
    name: str,
    args: argparse.Namespace,
    plan_tickets: int,
    result: LoadResult,
    solo: list[Sample],
    profile: dict[str, Any] | None,
    cpu: dict[str, Any],
    checks: dict[str, Any],
    handed_twice: int,
    floor: dict[str, Any] | None,
    log_text: str,
    setup_seconds: float,
    app: str,
    target: Target,
    load_before: str,
    reference: dict[str, Any] | None = None,
) -> dict[str, Any]:
    busy = [s for s in result.samples if s.phase == "busy"]
    actions = [s for s in busy if s.endpoint in ACTIONS]
    web = throughput(result.samples, result.busy_seconds)
    boards = [s for s in result.samples if s.endpoint.startswith("board")]
    quiet = [s for s in boards if s.phase == "quiet"]
    not_modified = [s for s in boards if s.status == 304]
    all_latency = latency(actions)
    everything = [*result.samples, *solo]
    errors = sum(not s.ok for s in everything)
    locked = sum(s.locked for s in everything) + log_text.count("database is locked")
    server_errors = sum(s.status >= 500 for s in everything)
    floor_rate = floor["throughput"].get("actions_per_s_sustained") if floor else None
    web_rate = web.get("actions_per_s_sustained")
    board_queries = [s.queries for s in not_modified if s.queries >= 0]
    loadgen_cores = result.loadgen_cpu_seconds / result.busy_seconds
    # The server's CPU time per answer, whatever else ran on the machine: the figure
    # to compare runs by on a shared machine (board polls and empty call-nexts
    # included, so "per queue action" is an upper bound of one action's own cost).
    server_cpu_s = cpu["server_cores"] * cpu["wall_s"]
    busy_answers = sum(1 for s in result.samples if s.phase == "busy")
    return {
        "database": name,
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.queue_bench", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "cpu_model": _cpu_model(), **_versions(target)},
        "config": {
            "app": app,
            "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
            "residents": args.residents,
            "booths": args.agencies,
            "desk_clients": args.desks,
            "booth_clients": args.agencies,
            "board_clients": args.boards,
            "booth_idle_ms_after_204": args.idle_ms,
            "load": f"paced, {args.rate:g} queue actions/s offered"
            if args.rate > 0
            else "closed loop",
            "booth_tickets_planned": plan_tickets,
            "board_endpoint": result.board_path,
            "cache_dir": str(args.cache_dir or OUT),
            "setup_seconds": round(setup_seconds, 1),
        },
        "throughput": web,
        "queue_actions_latency": all_latency,
        "endpoints": by_endpoint(result.samples),
        # The same requests one at a time after the day: latency without queueing.
        "endpoints_one_at_a_time": by_endpoint(solo),
        "errors": {
            "total": errors,
            "server_5xx": server_errors,
            "database_locked": locked,
            "connection_drops": result.reconnects,
            "resent_after_idle_keepalive_close": result.resent,
            "finishes_lost": result.lost,
            "samples": [f.__dict__ for f in result.failures],
            "aborted": result.aborted,
        },
        "cpu_during_busy_period": {
            **cpu,
            "loadgen_cores": round(loadgen_cores, 2),
            # Whatever else ran on the machine meanwhile (other jobs skew the figures).
            "other_processes_cores": round(
                cpu["machine_busy_cores"]
                - cpu["server_cores"]
                - cpu["postgres_cores"]
                - loadgen_cores,
                2,
            ),
            "load_average_before": load_before,
            "server_cpu_ms_per_queue_action": round(1000 * server_cpu_s / len(actions), 2)
            if actions
            else None,
            "server_cpu_ms_per_request": round(1000 * server_cpu_s / busy_answers, 2)
            if busy_answers
            else None,
        },
        "board": {
            "polls": len(boards),
            "not_modified_304": len(not_modified),
            "share_304_pct": round(100 * len(not_modified) / len(boards), 1) if boards else None,
            "quiet_polls": len(quiet),
            "quiet_304": sum(s.status == 304 for s in quiet),
            "queries_in_304_answers_max": max(board_queries) if board_queries else None,
            "queries_in_304_answers_counted": len(board_queries),
        },
        "checks": {
            **checks,
            "handed_out_twice_by_call_next": handed_twice,
            "held_at_two_booths_seen_by_clients": held_twice(result.held),
        },
        "littles_law": _littles_law(args, actions, result.busy_seconds, web_rate),
        "pacing": _pacing(args, result),
        "floor": floor,
        # The machine's yardstick, measured just before this database's days.
        "reference": reference,
        "profile": profile,
        "web_to_floor_ratio": round(web_rate / floor_rate, 3) if web_rate and floor_rate else None,
        "targets": {
            "actions_per_s_at_least_500": bool(web_rate and web_rate >= TARGET_ACTIONS_PER_S),
            "p95_at_most_50_ms": bool(
                all_latency["p95_ms"] is not None and all_latency["p95_ms"] <= TARGET_P95_MS
            ),
            "zero_errors": errors == 0 and locked == 0 and server_errors == 0,
            "zero_duplicates_and_double_calls": (
                checks["duplicate_numbers"] == 0
                and checks["done_not_called_exactly_once"] == 0
                and checks["called_twice_in_audit"] == 0
                and handed_twice == 0
            ),
            "no_resident_at_two_booths": checks["overlapping_calls"] == 0
            and held_twice(result.held) == 0,
            "every_ticket_done": bool(checks["all_done"]),
            "board_304_without_queries": bool(board_queries) and max(board_queries) == 0,
        },
    }


def issue_rate(actions_per_s: float, booth_tickets: int, residents: int) -> float:
    """Visit tickets a second that give ``actions_per_s`` queue actions a second: each
    visit ticket is one issue, then a call and a finish per booth ticket."""
    if actions_per_s <= 0 or residents == 0:
        return 0.0
    return actions_per_s / (1 + 2 * booth_tickets / residents)


def _pacing(args: argparse.Namespace, result: LoadResult) -> dict[str, Any] | None:
    """Whether the server kept up with a paced load: how late the desks' requests left
    (a desk sends when its last answer came and its slot is due, so a server that falls
    behind shows here, not only in the latencies)."""
    if args.rate <= 0:
        return None
    lags = sorted(result.issue_lag)
    late = [lag for lag in lags if lag > TARGET_P95_MS / 1000]
    return {
        "offered_actions_per_s": args.rate,
        "issues": len(lags),
        "issue_lag_p95_ms": round(1000 * lags[int(0.95 * (len(lags) - 1))], 1) if lags else None,
        "issue_lag_max_ms": round(1000 * lags[-1], 1) if lags else None,
        "issues_later_than_50_ms": len(late),
    }


def _littles_law(
    args: argparse.Namespace, actions: list[Sample], busy_seconds: float, rate: float | None
) -> dict[str, Any]:
    """The desk and booth clients send their next request as soon as an answer comes
    (a closed loop without think time; a booth pauses only when nobody waits). By
    Little's law the requests in flight equal the rate times the mean latency: with
    every client busy, the mean latency is clients / rate. A p95 of at most 50 ms then
    needs a mean under 50 ms, so at least clients / 0.05 s actions per second: 1,000/s
    for 50 clients. That, not 500/s, is what the two targets together ask of this load."""
    clients = args.desks + args.agencies
    mean_s = sum(s.seconds for s in actions) / len(actions) if actions else 0.0
    in_flight = len(actions) * mean_s / busy_seconds if busy_seconds else None
    return {
        "closed_loop_clients": clients,
        "mean_latency_ms": round(1000 * mean_s, 1),
        "requests_in_flight_measured": round(in_flight, 1) if in_flight is not None else None,
        "mean_latency_ms_if_all_clients_busy": round(1000 * clients / rate, 1) if rate else None,
        "actions_per_s_needed_for_p95_target": round(clients / (TARGET_P95_MS / 1000)),
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_summary(report: dict[str, Any]) -> None:
    name = report["database"]
    web = report["throughput"]
    print(
        f"\n--- {name}: {report['config']['server']}; {report['config']['residents']} residents, "
        f"{report['throughput'].get('actions', 0)} queue actions in {web.get('busy_seconds')} s"
    )
    print(
        f"{'endpoint':30} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'queries':>8}"
    )
    rows = {
        **report["endpoints"],
        "ALL queue actions": report["queue_actions_latency"],
        **{f"{k}, one at a time": v for k, v in report["endpoints_one_at_a_time"].items()},
    }
    for endpoint, figures in rows.items():
        print(
            f"{endpoint:30} {figures['count']:>7} {figures['errors']:>6} "
            f"{_ms(figures['p50_ms']):>8} {_ms(figures['p95_ms']):>8} {_ms(figures['p99_ms']):>8} "
            f"{_ms(figures['queries_mean']):>8}"
        )
    floor = report["floor"]
    floor_rate = floor["throughput"].get("actions_per_s_sustained") if floor else None
    print(
        f"queue actions/s: sustained {web.get('actions_per_s_sustained')} "
        f"(whole busy period {web.get('actions_per_s_busy')}); floor (driver only) "
        f"{floor_rate}; web/floor {report['web_to_floor_ratio']}"
    )
    cpu = report["cpu_during_busy_period"]
    print(
        f"CPU (cores of {cpu.get('machine_cores')}): server {cpu.get('server_cores')}, "
        f"postgres {cpu.get('postgres_cores')}, load generator {cpu.get('loadgen_cores')}, "
        f"other processes {cpu.get('other_processes_cores')}; machine busy "
        f"{cpu.get('machine_busy_pct')} % (load average before: {cpu.get('load_average_before')}; "
        f"busiest other processes: {cpu.get('busiest_other_processes_cores')})"
    )
    print(
        f"server CPU per queue action {cpu.get('server_cpu_ms_per_queue_action')} ms "
        f"(per request of any kind {cpu.get('server_cpu_ms_per_request')} ms)"
    )
    law = report["littles_law"]
    if report.get("pacing"):
        print(
            f"Little's law: {law['requests_in_flight_measured']} requests in flight on average "
            f"(rate x mean latency {law['mean_latency_ms']} ms)"
        )
    else:
        print(
            f"Little's law: {law['closed_loop_clients']} clients without think time, "
            f"{law['requests_in_flight_measured']} requests in flight on average (rate x mean "
            f"latency {law['mean_latency_ms']} ms); a p95 <= {TARGET_P95_MS:.0f} ms at this "
            f"load needs >= {law['actions_per_s_needed_for_p95_target']} actions/s"
        )
    pacing = report.get("pacing")
    if pacing:
        print(
            f"paced: {pacing['offered_actions_per_s']:g} actions/s offered; issue requests "
            f"left late by p95 {pacing['issue_lag_p95_ms']} ms, at most "
            f"{pacing['issue_lag_max_ms']} ms ({pacing['issues_later_than_50_ms']} of "
            f"{pacing['issues']} later than 50 ms)"
        )
    errors = report["errors"]
    print(
        f"errors: {errors['total']} (5xx {errors['server_5xx']}, database is locked "
        f"{errors['database_locked']}, dropped connections {errors['connection_drops']})"
        + (f"; ABORTED: {errors['aborted']}" if errors["aborted"] else "")
    )
    board = report["board"]
    print(
        f"board ({report['config']['board_endpoint']}): {board['polls']} polls, "
        f"{board['share_304_pct']} % answered 304; after the queue stopped "
        f"{board['quiet_304']}/{board['quiet_polls']} were 304; SQL queries in a 304 answer: "
        f"at most {board['queries_in_304_answers_max']} "
        f"(over {board['queries_in_304_answers_counted']} answers)"
    )
    checks = report["checks"]
    print(
        f"checks: {checks['tickets']} tickets ({checks['statuses']}), duplicate numbers "
        f"{checks['duplicate_numbers']}, done but call_count != 1 "
        f"{checks['done_not_called_exactly_once']}, handed out twice "
        f"{checks['handed_out_twice_by_call_next']}, overlapping calls of one resident "
        f"{checks['overlapping_calls']} (worst {checks['worst_overlap_ms']} ms; seen by the "
        f"clients {checks['held_at_two_booths_seen_by_clients']}), still held "
        f"{checks['residents_still_held']}"
    )
    if floor:
        fc = floor["checks"]
        print(
            f"floor checks: {fc['tickets']} tickets, duplicates {fc['duplicate_numbers']}, "
            f"call_count != 1 {fc['done_not_called_exactly_once']}, overlaps "
            f"{fc['overlapping_calls']} (worst {fc['worst_overlap_ms']} ms; seen by the clients "
            f"{fc['held_at_two_booths_seen_by_clients']}), errors {len(floor['errors'])}"
        )
    profile = report.get("profile")
    if profile and profile.get("samples"):
        print(f"profile of the server ({profile['samples']} py-spy samples, non-idle threads):")
        for name, share in profile["by_category_pct"][:8]:
            print(f"  {share:5.1f} %  {name}")
        print("  innermost frame of our code:")
        for name, share in profile["by_innermost_bujian_frame_pct"][:10]:
            print(f"  {share:5.1f} %  {name}")
    if report.get("reference"):
        print(describe(report["reference"]))
    print(
        "targets: "
        + ", ".join(f"{k} {'OK' if v else 'MISSED'}" for k, v in report["targets"].items())
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    targets: list[Target] = []
    if args.db in {"sqlite", "both"}:
        targets.append(SqliteTarget(OUT))
    if args.db in {"postgres", "both"}:
        targets.append(PostgresTarget(args.postgres_url))
    for target in targets:
        reference = None
        if not args.no_reference:
            print(f"\n=== {target.name}: the machine's yardstick (bench/reference_bench.py)")
            reference = run_reference(target.name, postgres_url=args.postgres_url)
            print(describe(reference), flush=True)
        if args.rate > 0 or args.target_rate <= 0:
            run_one(target, args, reference)
            continue
        # The most the server gives (closed loop), then the target's own load: residents
        # arriving at the target rate (paced), where its latency target is judged.
        run_one(target, args, reference)
        print(f"\n=== {target.name}: the same day paced at {args.target_rate:g} actions/s")
        run_one(
            target,
            argparse.Namespace(**{**vars(args), "rate": args.target_rate, "no_floor": True}),
            reference,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
