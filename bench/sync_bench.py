"""Field-node sync benchmark (`make bench BENCH=sync`, issue 7): a visit of 2,000
residents simulated on a field node, then its records pushed to central over loopback
and, separately, exported to a file and taken on central with ``sync_take_file``.

One run per database (central on SQLite or PostgreSQL; the node is always SQLite):

1. Central: ``bench_setup`` (a visit today, ``--agencies`` booths, ``--residents``
   residents of the village; bench/sync_fault.py's seeding), a field node registered;
   gunicorn (as ``make run``: 5 workers x 2 threads); the node pulls its package.
   A copy of central is kept at this point (``Target.snapshot``) for the file path.
2. The day: ``manage.py node_simulate_day --residents 2000 --walk-ins 100`` under
   ``/usr/bin/time -v``: its seconds and the process's peak RSS (target <= 300 MB).
3. The file: ``node_push --file`` writes every waiting record as sealed batches.
4. The push over loopback: ``node.push()`` timed inside the pushing process (and the
   whole ``node_push`` process, Django's start included), records/s.
5. The file taken on central's copy: ``receive_file()`` timed inside the process
   (and the whole ``sync_take_file`` process).
6. Both centrals are checked as in the fault script: exactly the node's records, by
   UUID. Target: <= 5 s for each path.

``--profile`` runs the push and the take under cProfile (``var/bench/sync-*.prof``)
and prints where the time goes. Results: ``var/bench/sync-<db>.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.database import PostgresTarget, SqliteTarget, Target
from bench.queue_bench import OUT, app_env
from bench.server import ROOT
from bench.sync_fault import Central, Node, check, node_from, node_template, seed_central

INSIDE = "_inside"  # python -m bench.sync_bench _inside push|take ...: the timed part
TARGET_SECONDS = 5.0
TARGET_RSS_MB = 300.0


def _profiled(profile: str, work: Any) -> Any:
    if not profile:
        return work()
    profiler = cProfile.Profile()
    result = profiler.runcall(work)
    profiler.dump_stats(profile)
    return result


def inside(argv: list[str]) -> int:
    """The timed part, in the process that does it: prints one JSON line."""
    parser = argparse.ArgumentParser(prog="bench.sync_bench _inside")
    parser.add_argument("what", choices=["push", "take"])
    parser.add_argument("--central", default="")
    parser.add_argument("--file", default="")
    parser.add_argument("--profile", default="")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.what == "push":
        from bujian.sync import node

        started, cpu = time.perf_counter(), time.process_time()
        totals = _profiled(args.profile, lambda: node.push(central_url=args.central))
    else:
        from bujian.sync import receive

        data = Path(args.file).read_bytes()
        started, cpu = time.perf_counter(), time.process_time()
        totals = _profiled(args.profile, lambda: receive.receive_file(data))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "totals": totals}))
    return 0


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command}: {result.stdout}\n{result.stderr}")
    return seconds, result.stdout


def _backup(source: Path, copy: Path) -> None:
    """A consistent copy of a SQLite file another process may have open."""
    import sqlite3

    copy.unlink(missing_ok=True)
    reader, writer = sqlite3.connect(source), sqlite3.connect(copy)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def peak_rss_day(node: Node, args: argparse.Namespace) -> dict[str, Any]:
    """The day simulation under /usr/bin/time -v: seconds and peak RSS."""
    command = [
        "/usr/bin/time",
        "-v",
        *node.command(
            "node_simulate_day",
            "--residents",
            str(args.day_residents),
            "--walk-ins",
            str(args.walk_ins),
            "--seed",
            str(args.seed),
        ),
    ]
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 -- /usr/bin/time and our manage.py
        command, cwd=ROOT, env=node.env, capture_output=True, text=True, timeout=7200
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"day simulation failed: {result.stdout}\n{result.stderr}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    rss_mb = int(match.group(1)) / 1024 if match else float("nan")
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(rss_mb, 1),
        "day": json.loads(result.stdout.strip().splitlines()[-1]),
    }


def top_functions(profile: Path, limit: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(profile), stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    out.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def floor_env(central: Central) -> dict[str, str]:
    """Central's environment pointed at the copy kept before the push."""
    env = dict(central.env)
    target = central.target
    if isinstance(target, SqliteTarget):
        env["BUJIAN_SQLITE_PATH"] = str(target.floor_path)
    elif isinstance(target, PostgresTarget):
        env["DATABASE_URL"] = f"{target.url}/{target.floor_database}"
    return env


def _keep_central(target: Target) -> None:
    """Copies of central and of its floor copy as the pull left them (central stopped),
    for ``--reuse-day``: files on SQLite, template databases on PostgreSQL."""
    if isinstance(target, SqliteTarget):
        shutil.copyfile(target.floor_path, f"{target.floor_path}.pristine")
        shutil.copyfile(target.path, f"{target.path}.after-day")
    elif isinstance(target, PostgresTarget):
        target.copy_database(target.floor_database, f"{target.floor_database}_pristine")
        target.copy_database(target.database, f"{target.database}_after_day")


def _restore_central(target: Target) -> None:
    if isinstance(target, SqliteTarget):
        for path in (target.path, target.floor_path):
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(f"{target.path}.after-day", target.path)
        shutil.copyfile(f"{target.floor_path}.pristine", target.floor_path)
    elif isinstance(target, PostgresTarget):
        target.copy_database(f"{target.floor_database}_pristine", target.floor_database)
        target.copy_database(f"{target.database}_after_day", target.database)
        target.checkpoint()  # the copies are written by WAL: not the push's cost


def run_one(target: Target, template: Node, args: argparse.Namespace) -> dict[str, Any]:
    name = target.name
    saved = OUT / f"sync-bench-{name}-after-day.json"
    kept_node = OUT / f"sync-bench-node-{name}-after-day"  # the node's folder after the day
    node = node_from(template, OUT / f"sync-bench-node-{name}")
    from bench.sync_fault import TABLES

    tables = json.loads(node.run("shell", "-c", TABLES).strip().splitlines()[-1])
    reuse = args.reuse_day and saved.exists() and (kept_node / node.db.name).exists()
    if reuse:
        # The push and the take again, from the copies the last full run kept.
        kept = json.loads(saved.read_text(encoding="utf-8"))
        _restore_central(target)
        shutil.rmtree(node.directory)
        shutil.copytree(kept_node, node.directory)
        env = app_env(target, OUT / f"cache-sync-bench-{name}")
        central = Central(target=target, env=env, log=OUT / f"gunicorn-sync-bench-{name}.log")
        central.visit_id = kept["visit"]
        pull_seconds, day = kept["pull_seconds"], kept["day"]
        print(f"\n=== {name}: the day of the last full run, again ({saved})", flush=True)
        central.start()
    else:
        print(f"\n=== {name}: central seeded ({args.residents} residents), node registered")
        central, seeded = seed_central(
            target,
            residents=args.residents,
            agencies=args.agencies,
            seed=args.seed,
            tag="bench",
            migrated=template.db,
        )
        central.start()
    try:
        if not reuse:
            started = time.monotonic()
            node.run("node_pull", "--central", central.url, "--code", seeded["code"])
            pull_seconds = time.monotonic() - started
            print(f"  pull: {pull_seconds:.1f} s", flush=True)
            central.stop()  # PostgreSQL copies a database only when nobody is connected
            target.snapshot()
            _keep_central(target)  # for --reuse-day
            central.start()
            print(f"=== {name}: the day ({args.day_residents} residents) on the node", flush=True)
            day = peak_rss_day(node, args)
            print(f"  {day}", flush=True)
            shutil.rmtree(kept_node, ignore_errors=True)
            shutil.copytree(node.directory, kept_node, ignore=shutil.ignore_patterns("*.sqlite3*"))
            _backup(node.db, kept_node / node.db.name)
            saved.write_text(
                json.dumps({"visit": central.visit_id, "pull_seconds": pull_seconds, "day": day}),
                encoding="utf-8",
            )
        status = node.status()
        waiting = sum(status["waiting"].values())
        print(f"  waiting: {waiting} records {status['waiting']}", flush=True)

        push_file = OUT / f"sync-bench-{name}.bjs"
        export_seconds, _out = _timed(node.command("node_push", "--file", str(push_file)), node.env)
        profile = OUT / f"sync-push-{name}.prof" if args.profile else None
        wall, out = _timed(
            [
                sys.executable,
                "-m",
                "bench.sync_bench",
                INSIDE,
                "push",
                "--central",
                central.url,
                *(["--profile", str(profile)] if profile else []),
            ],
            node.env,
        )
        pushed = json.loads(out.strip().splitlines()[-1])
        print(f"  push over loopback: {pushed} ({wall:.1f} s with Django's start)", flush=True)
        network_check = check(central, node, tables, "push over loopback")
        print(f"  check: {network_check['ok']} {network_check['problems']}", flush=True)
    finally:
        central.stop()
    take_profile = OUT / f"sync-take-{name}.prof" if args.profile else None
    if isinstance(target, PostgresTarget):
        target.checkpoint()  # the push's writes are not the take's cost
    take_wall, out = _timed(
        [
            sys.executable,
            "-m",
            "bench.sync_bench",
            INSIDE,
            "take",
            "--file",
            str(push_file),
            *(["--profile", str(take_profile)] if take_profile else []),
        ],
        floor_env(central),
    )
    taken = json.loads(out.strip().splitlines()[-1])
    print(f"  file taken: {taken} ({take_wall:.1f} s with Django's start)", flush=True)
    file_check = check(central, node, tables, "file taken", floor=True)
    print(f"  check: {file_check['ok']} {file_check['problems']}", flush=True)
    records = int(pushed["totals"]["records"])
    result = {
        "database": name,
        "node_peak_rss_mb": day["peak_rss_mb"],
        "day_seconds": day["seconds"],
        "day": day["day"],
        "pull_seconds": round(pull_seconds, 2),
        "records_waiting": waiting,
        "waiting_by_kind": status["waiting"],
        "push": {
            "records": records,
            "batches": pushed["totals"]["batches"],
            "seconds": round(pushed["seconds"], 2),
            "records_per_s": round(records / pushed["seconds"]),
            "process_seconds": round(wall, 2),
        },
        "file": {
            "records": int(taken["totals"]["records"]),
            "bytes": push_file.stat().st_size,
            "export_process_seconds": round(export_seconds, 2),
            "take_seconds": round(taken["seconds"], 2),
            "records_per_s": round(int(taken["totals"]["records"]) / taken["seconds"]),
            "take_process_seconds": round(take_wall, 2),
        },
        "checks_ok": network_check["ok"] and file_check["ok"],
    }
    result["targets_met"] = {
        "push <= 5 s": result["push"]["seconds"] <= TARGET_SECONDS,
        "file take <= 5 s": result["file"]["take_seconds"] <= TARGET_SECONDS,
        "day RSS <= 300 MB": day["peak_rss_mb"] <= TARGET_RSS_MB,
    }
    if args.profile:
        for label, kept_profile in (
            ("push (node side)", profile),
            ("take (central side)", take_profile),
        ):
            assert kept_profile is not None
            print(f"\n--- cProfile: {label}, {kept_profile} ---")
            print(top_functions(kept_profile, args.profile_lines))
    (OUT / f"sync-{name}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    print("\n" + "=" * 78)
    print(f"{'database':<10}{'path':<30}{'records':>9}{'seconds':>9}{'records/s':>11}{'target':>9}")
    print("-" * 78)
    for r in results:
        push, file = r["push"], r["file"]
        met = r["targets_met"]
        rows = [
            (
                "push over loopback",
                push["records"],
                push["seconds"],
                push["records_per_s"],
                met["push <= 5 s"],
            ),
            ("  (process, Django's start)", push["records"], push["process_seconds"], None, None),
            (
                "file: export on the node",
                r["records_waiting"],
                file["export_process_seconds"],
                None,
                None,
            ),
            (
                "file: taken on central",
                file["records"],
                file["take_seconds"],
                file["records_per_s"],
                met["file take <= 5 s"],
            ),
            (
                "  (process, Django's start)",
                file["records"],
                file["take_process_seconds"],
                None,
                None,
            ),
        ]
        for label, records, seconds, rate, ok in rows:
            print(
                f"{r['database']:<10}{label:<30}{records:>9}{seconds:>9.2f}"
                f"{'' if rate is None else rate:>11}"
                f"{'' if ok is None else ('ok' if ok else 'MISSED'):>9}"
            )
        print(
            f"{r['database']:<10}{'day on the node: peak RSS':<30}{'':>9}{r['day_seconds']:>9.1f}"
            f"{str(r['node_peak_rss_mb']) + ' MB':>11}"
            f"{'ok' if met['day RSS <= 300 MB'] else 'MISSED':>9}"
        )
        print(f"{r['database']:<10}central == node after each path: {r['checks_ok']}")
    print("=" * 78)
    print("Figures from a shared 2-core machine: noisy; compare runs on the same machine.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [INSIDE]:
        return inside(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--residents", type=int, default=2000, help="residents on central")
    parser.add_argument("--agencies", type=int, default=20, help="agencies (booths)")
    parser.add_argument("--day-residents", type=int, default=2000)
    parser.add_argument("--walk-ins", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the push and take")
    parser.add_argument("--profile-lines", type=int, default=25)
    parser.add_argument(
        "--reuse-day",
        action="store_true",
        help="skip the seeding, pull and day; push and take again what the last full "
        "run's day left (its copies: files in var/bench/, databases <name>_after_day and "
        "<name>_floor_pristine on PostgreSQL)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    targets: list[Target] = []
    if args.db in ("sqlite", "both"):
        targets.append(SqliteTarget(OUT / "sync-bench"))
    if args.db in ("postgres", "both"):
        targets.append(PostgresTarget(args.postgres_url, database="bujian_bench_syncb"))
    template = node_template(OUT / "sync-bench-node-template")
    results = [run_one(target, template, args) for target in targets]
    print_table(results)
    return 0 if all(r["checks_ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
