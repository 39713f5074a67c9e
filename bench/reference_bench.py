"""The machine's yardstick: how many requests a second a bare Django view doing one
ticket transaction gets here (``bench/reference_app.py``), served by gunicorn in the
app's shape for the database, under the same 50 closed-loop keep-alive clients.

Issue 3 sets the queue's targets "on this 2-core machine" and quotes this reference as
about 1,700 requests/s on SQLite. Machines of the same kind differ from day to day
(the queue's own figures moved by a third between sessions with no code change), so
each queue benchmark measures the reference in the same minute: a day that misses the
target on a machine that also gives the reference far less than 1,700/s is a slow
machine, not a slower app. ``queue_bench`` runs it before each database's days and
keeps it in the report; it also runs alone:

    .venv/bin/python -m bench.reference_bench --db both
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.database import PostgresTarget
from bench.server import (
    ROOT,
    clean_environ,
    machine_cpu,
    postgres_pids,
    process_cpu,
    shape,
    start_server,
)
from bench.stats import percentile

OUT = ROOT / "var" / "bench"
QUOTED_SQLITE_RPS = 1700  # issue 3: "about 1,700 requests/s here on SQLite"
COUNTERS = 40  # one per booth, as the queue day has
TABLES = (
    "CREATE TABLE reference_counter (id integer PRIMARY KEY, last_number integer NOT NULL)",
    "CREATE TABLE reference_ticket (id {serial} PRIMARY KEY, counter_id integer NOT NULL, "
    "number integer NOT NULL, UNIQUE (counter_id, number))",
)


@dataclass
class _Shared:
    stop_at: float
    measure_from: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _prepare_sqlite(path: Path) -> dict[str, str]:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        for statement in TABLES:
            connection.execute(statement.format(serial="integer"))
        connection.executemany(
            "INSERT INTO reference_counter VALUES (?, 0)", [(i,) for i in range(1, COUNTERS + 1)]
        )
        connection.commit()
    finally:
        connection.close()
    return {"BUJIAN_SQLITE_PATH": str(path)}


def _prepare_postgres(url: str) -> dict[str, str]:
    target = PostgresTarget(url, database="bujian_reference")
    target.reset()
    with psycopg.connect(f"{target.url}/{target.database}", autocommit=True) as connection:
        for statement in TABLES:
            connection.execute(statement.format(serial="serial"))
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO reference_counter VALUES (%s, 0)",
                [(i,) for i in range(1, COUNTERS + 1)],
            )
    return target.app_env()


def _count_tickets(database: str, env: dict[str, str]) -> tuple[int, int]:
    """(tickets, numbers given twice at one counter): the unique constraint's word."""
    query = (
        "SELECT COUNT(*), COUNT(*) - COUNT(DISTINCT counter_id * 1000000 + number) "
        "FROM reference_ticket"
    )
    if database == "sqlite":
        connection = sqlite3.connect(env["BUJIAN_SQLITE_PATH"])
        try:
            row = connection.execute(query).fetchone()
        finally:
            connection.close()
    else:
        with psycopg.connect(env["DATABASE_URL"]) as pg:
            row = pg.execute(query).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _client(port: int, shared: _Shared, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 -- which counter, not a secret
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[float] = []
    while True:
        start = time.perf_counter()
        if start >= shared.stop_at:
            break
        path = f"/ticket?counter={rng.randint(1, COUNTERS)}"
        try:
            conn.request("POST", path, body=b"", headers={"Content-Length": "0"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with shared.lock:
                shared.errors.append(f"{type(error).__name__}: {error}")
            continue
        end = time.perf_counter()
        if status != 200:
            with shared.lock:
                shared.errors.append(f"HTTP {status}")
        elif start >= shared.measure_from:
            mine.append(end - start)
    conn.close()
    with shared.lock:
        shared.latencies.extend(mine)


def run_reference(
    database: str,
    *,
    postgres_url: str = "postgres://postgres@127.0.0.1:5432",
    clients: int = 50,
    seconds: float = 10.0,
    warmup: float = 2.0,
    directory: Path = OUT,
) -> dict[str, Any]:
    """The reference on one database: requests/s over ``seconds`` after ``warmup``
    (files, the SQLite database and the server's log, under ``directory``)."""
    directory.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        db_env = _prepare_sqlite(directory / "reference.sqlite3")
    else:
        db_env = _prepare_postgres(postgres_url)
    env = clean_environ()
    env.update({"DJANGO_SECRET_KEY": "reference-bench-only", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(db_env)
    workers, threads = shape(database)
    server = start_server(
        app="bench.reference_app:application",
        env=env,
        database=database,
        log_path=directory / f"gunicorn-reference-{database}.log",
        ready_path="/ready",
        access_log=None,
    )
    try:
        now = time.perf_counter()
        shared = _Shared(stop_at=now + warmup + seconds, measure_from=now + warmup)
        threads_ = [
            threading.Thread(target=_client, args=(server.port, shared, seed), daemon=True)
            for seed in range(clients)
        ]
        for thread in threads_:
            thread.start()
        time.sleep(max(0.0, shared.measure_from - time.perf_counter()))
        pids = server.pids()

        def reading() -> tuple[float, float, tuple[float, float], float]:
            return (
                process_cpu(pids),
                process_cpu(postgres_pids()),
                machine_cpu(),
                time.perf_counter(),
            )

        before = reading()
        for thread in threads_:
            thread.join()
        after = reading()
    finally:
        server.stop()
    tickets, duplicates = _count_tickets(database, db_env)
    wall = after[3] - before[3]
    busy = (after[2][0] - before[2][0]) / max(after[2][1] - before[2][1], 1e-9)
    ordered = sorted(shared.latencies)
    rate = len(ordered) / seconds
    return {
        "database": database,
        "server": f"gunicorn gthread, {workers} workers x {threads} threads",
        "clients": clients,
        "seconds": seconds,
        "requests_timed": len(ordered),
        "requests_per_s": round(rate, 1),
        "p50_ms": round(1000 * percentile(ordered, 50), 1) if ordered else None,
        "p95_ms": round(1000 * percentile(ordered, 95), 1) if ordered else None,
        "errors": len(shared.errors),
        "first_errors": shared.errors[:5],
        "tickets": tickets,
        "duplicate_numbers": duplicates,
        "server_cores": round((after[0] - before[0]) / wall, 2),
        "postgres_cores": round((after[1] - before[1]) / wall, 2) if database == "postgres" else 0,
        "machine_busy_pct": round(100 * busy, 1),
        "server_cpu_ms_per_request": round(1000 * (after[0] - before[0]) / max(len(ordered), 1), 3),
        # Against the figure issue 3 quotes for SQLite: below 1, this machine is slower
        # today than the one the targets were set on.
        "share_of_quoted_sqlite_figure": round(rate / QUOTED_SQLITE_RPS, 2),
    }


def describe(result: dict[str, Any]) -> str:
    return (
        f"reference (bare Django view, one ticket transaction, {result['server']}, "
        f"{result['clients']} clients): {result['requests_per_s']} requests/s, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, errors {result['errors']}, "
        f"duplicates {result['duplicate_numbers']}; server {result['server_cores']} cores"
        + (f", postgres {result['postgres_cores']}" if result["database"] == "postgres" else "")
        + f", machine busy {result['machine_busy_pct']} %; "
        f"{result['share_of_quoted_sqlite_figure']} x the 1,700/s issue 3 quotes for SQLite"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    failed = False
    for database in databases:
        result = run_reference(
            database, postgres_url=args.postgres_url, clients=args.clients, seconds=args.seconds
        )
        print(f"{database}: {describe(result)}", flush=True)
        path = OUT / f"reference-{database}-{stamp}.json"
        path.write_text(json.dumps(result, indent=1), encoding="utf-8")
        print(f"Written: {path.relative_to(ROOT)}", flush=True)
        failed = failed or bool(result["errors"] or result["duplicate_numbers"])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
