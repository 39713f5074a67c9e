"""``make bench`` (report): the yearly regency report and the per-visit report on a
province-scale synthetic history, on SQLite and PostgreSQL, beside the same aggregates
computed by DuckDB over the same rows (the floor).

    .venv/bin/python -m bench.report_bench --db both          # what `make bench` runs
    .venv/bin/python -m bench.report_bench --db sqlite --scale 0.02 --runs 5   # a quick look

The history (``manage.py generate_history``) is generated once into
``var/bench/history.sqlite3`` and the PostgreSQL database ``bujian_bench_history`` and
reused while its parameters match (``var/bench/history-<db>.json``); ``--regenerate``
starts again. Results: printed, and written to ``var/bench/report.json``. See the
"Report benchmark" section of bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from bench.database import PostgresTarget, SqliteTarget, Target
from bench.queue_bench import app_env
from bench.server import ROOT, manage

OUT = ROOT / "var" / "bench"
HISTORY_DATABASE = "bujian_bench_history"
REGENCY_CODE = "17.01"  # Bengkulu Selatan: the regency the reports are timed for
TARGET_POSTGRES_MS = 300.0
TARGET_DUCKDB_RATIO = 3.0
CLOSED_STATES = ("finished", "reported")
ELEMENTS = [f"u{i}" for i in range(1, 10)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--regencies", type=int, default=10)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="of the history (1: 3M records)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each report")
    parser.add_argument("--visits", type=int, default=8, help="visits whose report is timed")
    parser.add_argument("--year", type=int, help="default: the last whole year of the history")
    parser.add_argument("--regenerate", action="store_true", help="generate the history again")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--output", type=Path, default=OUT / "report.json")
    # Internal: the timing half, run in a child process with the app's settings.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the databases ------------------------------------------------------------------------


def targets(args: argparse.Namespace) -> list[Target]:
    chosen: list[Target] = []
    if args.db in {"sqlite", "both"}:
        sqlite_target = SqliteTarget(OUT)
        sqlite_target.path = OUT / "history.sqlite3"
        sqlite_target.floor_path = OUT / "history-unused.sqlite3"
        chosen.append(sqlite_target)
    if args.db in {"postgres", "both"}:
        chosen.append(PostgresTarget(args.postgres_url, database=HISTORY_DATABASE))
    return chosen


def history_params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "regencies": args.regencies,
        "years": args.years,
        "scale": args.scale,
        "seed": args.seed,
    }


def ensure_history(target: Target, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Reuse the history when its parameters match, else generate it (and time that)."""
    meta_path = OUT / f"history-{target.name}.json"
    wanted = history_params(args)
    if not args.regenerate and meta_path.exists() and _history_present(target):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("params") == wanted:
            print(f"=== {target.name}: reusing the history generated {meta['generated_at']}")
            manage("migrate", "--noinput", "-v0", env=env)  # the app may have moved on
            return dict(meta, reused=True)
    print(f"=== {target.name}: fresh database, migrate, generate_history {wanted}", flush=True)
    meta_path.unlink(missing_ok=True)
    target.reset()
    started = time.perf_counter()
    manage("migrate", "--noinput", "-v0", env=env)
    migrated = time.perf_counter()
    manage(
        "generate_history",
        f"--regencies={args.regencies}",
        f"--years={args.years}",
        f"--scale={args.scale}",
        f"--seed={args.seed}",
        env=env,
    )
    finished = time.perf_counter()
    meta = {
        "params": wanted,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "migrate_s": round(migrated - started, 1),
        "generate_s": round(finished - migrated, 1),
        "counts": table_counts(target),
        "size_mb": database_size_mb(target),
    }
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return dict(meta, reused=False)


def _history_present(target: Target) -> bool:
    try:
        connection = target.connect()
    except (sqlite3.Error, psycopg.Error):
        return False
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*) FROM visits_visit")
        return bool(cursor.fetchone()[0])
    except (sqlite3.Error, psycopg.Error):
        return False
    finally:
        connection.close()


COUNTED_TABLES = [
    "visits_visit",
    "visits_participation",
    "residents_resident",
    "queueing_visitticket",
    "queueing_ticket",
    "records_servicerecord",
    "records_document",
    "surveys_surveyresponse",
    "aspirations_aspiration",
]


def table_counts(target: Target) -> dict[str, int]:
    connection = target.connect()
    try:
        cursor = connection.cursor()
        counts = {}
        for table in COUNTED_TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 -- fixed names
            counts[table] = int(cursor.fetchone()[0])
        return counts
    finally:
        connection.close()


def database_size_mb(target: Target) -> float:
    if isinstance(target, SqliteTarget):
        return round(target.path.stat().st_size / 2**20, 1)
    connection = target.connect()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(int(cursor.fetchone()[0]) / 2**20, 1)
    finally:
        connection.close()


# --- the app's reports (child process) ----------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
        return round(ordered[index], 2)

    return {
        "n": len(ordered),
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "min_ms": round(ordered[0], 2),
        "max_ms": round(ordered[-1], 2),
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Time ``period_report`` for a year and ``visit_report`` for a few of its visits,
    with the app's settings (DEBUG off) in this process."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max, Min

    from bujian.evaluation.reports import period_report, period_visits, visit_report
    from bujian.regions.models import Regency
    from bujian.visits.models import Visit

    regency = Regency.objects.get(code=REGENCY_CODE)
    bounds = Visit.objects.filter(regency=regency).aggregate(
        first=Min("start_date"), last=Max("start_date")
    )
    year = args.year or (
        bounds["last"].year if bounds["last"].month == 12 else bounds["last"].year - 1
    )
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    queries: list[str] = []

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    def timed(call: Callable[[], Any]) -> tuple[float, int, Any]:
        queries.clear()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            result = call()
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, len(queries), result

    first_ms, first_queries, report = timed(lambda: period_report(regency.pk, start, end))
    runs = [timed(lambda: period_report(regency.pk, start, end)) for _ in range(args.runs)]
    visit_ids = sorted(period_visits(regency.pk, start, end))
    step = max(1, len(visit_ids) // max(1, args.visits))
    chosen = visit_ids[::step][: args.visits]
    visit_samples: list[float] = []
    visit_queries = 0
    visit_checks = {}
    for visit_id in chosen:

        def one_visit(visit_id: int = visit_id) -> Any:
            return visit_report(visit_id)

        timed(one_visit)  # the first call may refresh a stale summary
        for _ in range(max(1, args.runs // 3)):
            elapsed, n, visit = timed(one_visit)
            visit_samples.append(elapsed)
            visit_queries = max(visit_queries, n)
        visit_checks[str(visit_id)] = visit_numbers(visit)
    return {
        "regency": {"id": regency.pk, "code": regency.code, "name": regency.name},
        "year": year,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "history": {"first_visit": str(bounds["first"]), "last_visit": str(bounds["last"])},
        "visits_in_year": len(visit_ids),
        "period_report": {
            "first_ms": round(first_ms, 2),
            "first_queries": first_queries,
            "queries": runs[-1][1],
            **percentiles([r[0] for r in runs]),
        },
        "visit_report": {
            "visits": chosen,
            "queries_max": visit_queries,
            **percentiles(visit_samples),
        },
        "period_numbers": period_numbers(report),
        "visit_numbers": visit_checks,
    }


def _ikm(result: Any) -> str | None:
    return str(result.ikm) if result is not None else None


def period_numbers(report: Any) -> dict[str, Any]:
    """What the floor recomputes, read from the app's report."""
    return {
        "visits": len(report.visits),
        "tickets": report.total.tickets,
        "served": report.total.served,
        "skipped": report.total.skipped,
        "records": report.total.outcomes.records,
        "completed": report.total.outcomes.completed,
        "residents_served": report.residents.served,
        "documents_issued": report.documents_issued,
        "documents_handed_over": report.documents_handed_over,
        "ikm": _ikm(report.total.ikm),
        "agency_ikm": {
            str(row.agency.pk): _ikm(row.ikm) for row in report.agencies if row.ikm is not None
        },
        "agency_served": {str(row.agency.pk): row.served for row in report.agencies},
        "villages_visited": report.villages_visited,
        "villages_total": report.villages_total,
        "compliance_present": sum(row.present for row in report.compliance),
        "aspirations_received": sum(row.received for row in report.aspirations),
        "aspirations_resolved": sum(row.resolved for row in report.aspirations),
    }


def visit_numbers(report: Any) -> dict[str, Any]:
    total = report.total
    return {
        "served": total.served,
        "records": total.outcomes.records,
        "residents_served": report.residents.served,
        "ikm": _ikm(total.ikm),
    }


def run_worker(target: Target, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.report_bench", "--worker", f"--runs={args.runs}"]
    command += [f"--visits={args.visits}"] + ([f"--year={args.year}"] if args.year else [])
    done = subprocess.run(  # noqa: S603 -- our own interpreter and module, fixed arguments
        command, env=env, cwd=ROOT, check=False, capture_output=True, text=True
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the timing worker failed on {target.name} (its errors above)")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the floor: DuckDB over the same rows ---------------------------------------------------

# The raw rows the reports read, column by column (the driver's names).
FLOOR_TABLES: dict[str, str] = {
    "visit": "SELECT id, regency_id, village_id, start_date, end_date, status FROM visits_visit",
    "participation": (
        "SELECT id, visit_id, agency_id, mandatory, status, attendance, late, "
        "CASE WHEN confirmed_at IS NULL THEN 0 ELSE 1 END AS confirmed "
        "FROM visits_participation"
    ),
    "booth": "SELECT id, visit_id, participation_id FROM visits_booth",
    "visit_ticket": "SELECT id, visit_id, resident_id FROM queueing_visitticket",
    "ticket": (
        "SELECT id, visit_ticket_id, booth_id, day, status, queued_at, called_at, started_at, "
        "finished_at FROM queueing_ticket"
    ),
    "record": "SELECT id, ticket_id, service_id, outcome FROM records_servicerecord",
    "resident": "SELECT id, sex, birth_date, village_id FROM residents_resident",
    "document": "SELECT id, service_record_id, agency_id FROM records_document",
    "handover": "SELECT id, document_id FROM records_documenthandover",
    "village": "SELECT id, district_id FROM regions_village",
    "district": "SELECT id, regency_id FROM regions_district",
    "response": (
        "SELECT id, visit_id, agency_id, day, u1, u2, u3, u4, u5, u6, u7, u8, u9 "
        "FROM surveys_surveyresponse"
    ),
    "aspiration": (
        "SELECT id, regency_id, lead_agency_id, status, received_at, resolved_at, due_date "
        "FROM aspirations_aspiration"
    ),
}
TIMESTAMP_COLUMNS = {
    "ticket": ["queued_at", "called_at", "started_at", "finished_at"],
    "aspiration": ["received_at", "resolved_at"],
}
DATE_COLUMNS = {
    "visit": ["start_date", "end_date"],
    "ticket": ["day"],
    "resident": ["birth_date"],
    "response": ["day"],
    "aspiration": ["due_date"],
}


def export_rows(target: Target, directory: Path) -> dict[str, int]:
    """Each table to a CSV file, straight through the driver (not timed)."""
    counts = {}
    connection = target.connect()
    try:
        for name, query in FLOOR_TABLES.items():
            path = directory / f"{name}.csv"
            if isinstance(target, PostgresTarget):
                for column in TIMESTAMP_COLUMNS.get(name, []):  # naive UTC, as SQLite has them
                    query = query.replace(
                        f" {column}", f" ({column} AT TIME ZONE 'UTC') AS {column}", 1
                    )
                copy_sql = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
                with (
                    connection.cursor() as cursor,
                    path.open("wb") as out,
                    cursor.copy(copy_sql) as copy,
                ):
                    for block in copy:
                        out.write(block)
                counts[name] = sum(1 for _ in path.open("rb")) - 1
            else:
                cursor = connection.execute(query)
                with path.open("w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow([d[0] for d in cursor.description])
                    n = 0
                    while rows := cursor.fetchmany(50_000):
                        writer.writerows(rows)
                        n += len(rows)
                counts[name] = n
    finally:
        connection.close()
    return counts


def load_duckdb(directory: Path) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(":memory:")
    for name in FLOOR_TABLES:
        path = str(directory / f"{name}.csv")
        types = {c: "TIMESTAMP" for c in TIMESTAMP_COLUMNS.get(name, [])}
        types.update({c: "DATE" for c in DATE_COLUMNS.get(name, [])})
        struct = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
        options = f", types={{{struct}}}" if types else ""
        db.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv(?, header=true{options})",  # noqa: S608 -- fixed names
            [path],
        )
    # SQLite writes booleans as 0/1, PostgreSQL as t/f: the same BOOLEAN for both.
    for name in ("late", "mandatory"):
        db.execute(
            f"ALTER TABLE participation ALTER {name} TYPE BOOLEAN USING "
            f"(CAST({name} AS VARCHAR) IN ('1', 't', 'true', 'True'))"
        )
    return db


# Every aggregate of the period report, from raw rows: $regency, $start, $end and the
# day "today" for overdue aspirations. The visit report uses the same queries with
# $visit set (-1 for none) and the date filters left wide open.
FLOOR_QUERIES: dict[str, str] = {
    "visits": """
        CREATE OR REPLACE TEMP TABLE scope AS
        SELECT id, village_id, start_date FROM visit
        WHERE regency_id = $regency AND status IN ('finished', 'reported')
          AND start_date BETWEEN $start AND $end AND ($visit < 0 OR id = $visit)
    """,
    "agencies": """
        SELECT p.agency_id,
               COUNT(*) AS tickets,
               COUNT(*) FILTER (WHERE t.status = 'done') AS served,
               COUNT(*) FILTER (WHERE t.status = 'skipped') AS skipped,
               COUNT(t.called_at) AS waits,
               SUM(epoch(t.called_at - t.queued_at)) AS wait_s,
               COUNT(*) FILTER (WHERE t.status = 'done' AND t.started_at IS NOT NULL
                                AND t.finished_at IS NOT NULL) AS timed,
               SUM(epoch(t.finished_at - t.started_at))
                   FILTER (WHERE t.status = 'done') AS service_s
        FROM ticket t JOIN booth b ON b.id = t.booth_id
        JOIN participation p ON p.id = b.participation_id
        WHERE b.visit_id IN (SELECT id FROM scope)
        GROUP BY p.agency_id
    """,
    "residents_per_agency_day": """
        SELECT p.agency_id, t.day, COUNT(DISTINCT t.visit_ticket_id) AS residents
        FROM ticket t JOIN booth b ON b.id = t.booth_id
        JOIN participation p ON p.id = b.participation_id
        WHERE b.visit_id IN (SELECT id FROM scope) AND t.status = 'done'
        GROUP BY p.agency_id, t.day
    """,
    "outcomes": """
        SELECT p.agency_id, r.service_id, COUNT(*) AS records,
               COUNT(*) FILTER (WHERE r.outcome = 'completed') AS completed,
               COUNT(*) FILTER (WHERE r.outcome = 'in_process') AS in_process,
               COUNT(*) FILTER (WHERE r.outcome = 'rejected') AS rejected,
               COUNT(*) FILTER (WHERE r.outcome = 'referred') AS referred
        FROM record r JOIN ticket t ON t.id = r.ticket_id JOIN booth b ON b.id = t.booth_id
        JOIN participation p ON p.id = b.participation_id
        WHERE b.visit_id IN (SELECT id FROM scope)
        GROUP BY p.agency_id, r.service_id
    """,
    "resident_groups": """
        SELECT res.village_id, res.sex,
               CASE WHEN a < 170000 THEN 'child' WHEN a < 260000 THEN 'young'
                    WHEN a < 460000 THEN 'adult' WHEN a < 600000 THEN 'middle'
                    ELSE 'senior' END AS age_group,
               COUNT(*) AS residents
        FROM (
            SELECT vt.resident_id,
                   (year(s.start_date) * 10000 + month(s.start_date) * 100 + day(s.start_date))
                   - (year(res.birth_date) * 10000 + month(res.birth_date) * 100
                      + day(res.birth_date)) AS a,
                   res.village_id, res.sex
            FROM visit_ticket vt JOIN scope s ON s.id = vt.visit_id
            JOIN resident res ON res.id = vt.resident_id
            WHERE EXISTS (SELECT 1 FROM ticket t WHERE t.visit_ticket_id = vt.id
                          AND t.status = 'done')
        ) res
        GROUP BY ALL
    """,
    "surveys": """
        SELECT agency_id, visit_id, COUNT(*) AS respondents,
               SUM(u1), SUM(u2), SUM(u3), SUM(u4), SUM(u5), SUM(u6), SUM(u7), SUM(u8), SUM(u9)
        FROM response WHERE visit_id IN (SELECT id FROM scope)
        GROUP BY agency_id, visit_id
    """,
    "per_visit": """
        SELECT s.id,
               (SELECT COUNT(*) FROM participation p WHERE p.visit_id = s.id) AS invited,
               (SELECT COUNT(*) FROM participation p WHERE p.visit_id = s.id
                AND p.attendance = 'present') AS present,
               (SELECT COUNT(*) FROM visit_ticket vt WHERE vt.visit_id = s.id) AS visit_tickets
        FROM scope s
    """,
    "documents": """
        SELECT COUNT(*) AS issued, COUNT(h.id) AS handed_over
        FROM document d JOIN record r ON r.id = d.service_record_id
        JOIN ticket t ON t.id = r.ticket_id JOIN booth b ON b.id = t.booth_id
        LEFT JOIN handover h ON h.document_id = d.id
        WHERE b.visit_id IN (SELECT id FROM scope)
    """,
    "coverage": """
        SELECT v.id AS village_id,
               MAX(x.end_date) AS last_visit,
               COUNT(x.id) FILTER (WHERE x.start_date >= $start) AS visits_in_period
        FROM village v JOIN district d ON d.id = v.district_id
        LEFT JOIN visit x ON x.village_id = v.id AND x.status IN ('finished', 'reported')
                         AND x.start_date <= $end
        WHERE d.regency_id = $regency AND $visit < 0
        GROUP BY v.id
    """,
    "compliance": """
        SELECT p.agency_id, COUNT(*) AS invited, SUM(p.confirmed) AS confirmed,
               COUNT(*) FILTER (WHERE p.status = 'excused') AS excused,
               COUNT(*) FILTER (WHERE p.attendance = 'present') AS present,
               COUNT(*) FILTER (WHERE p.late) AS late,
               COUNT(*) FILTER (WHERE p.attendance = 'absent') AS absent
        FROM participation p JOIN visit x ON x.id = p.visit_id
        WHERE x.regency_id = $regency AND x.status NOT IN ('draft', 'cancelled')
          AND x.start_date BETWEEN $start AND $end AND $visit < 0
        GROUP BY p.agency_id
    """,
    "aspirations": """
        SELECT lead_agency_id, COUNT(*) AS received,
               COUNT(*) FILTER (WHERE status = 'resolved') AS resolved,
               COUNT(*) FILTER (WHERE status = 'rejected') AS rejected,
               COUNT(*) FILTER (WHERE status IN ('received', 'verified', 'assigned',
                                'in_progress') AND due_date < $today) AS overdue,
               MEDIAN(epoch(resolved_at - received_at) / 86400.0)
                   FILTER (WHERE status = 'resolved') AS median_days
        FROM aspiration
        WHERE regency_id = $regency AND status <> 'merged' AND lead_agency_id IS NOT NULL
          AND received_at >= $since AND received_at < $until AND $visit < 0
        GROUP BY lead_agency_id
    """,
}


def run_floor(db: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> dict[str, Any]:
    """All the queries once; returns their rows by name."""
    results = {}
    for name, query in FLOOR_QUERIES.items():
        used = {k: v for k, v in params.items() if f"${k}" in query}
        results[name] = db.execute(query, used).fetchall()
    return results


def ikm_of(sums: list[int], respondents: int) -> str | None:
    """IKM × 25 from answer sums, exact 1/9 weights, rounded half up to 2 decimals."""
    if not respondents:
        return None
    index = sum(Fraction(s, respondents) for s in sums) * Fraction(1, 9) * 25
    return str((Decimal(index.numerator) / Decimal(index.denominator)).quantize(Decimal("0.01")))


def floor_numbers(results: dict[str, Any]) -> dict[str, Any]:
    agencies = results["agencies"]
    outcomes = results["outcomes"]
    surveys = results["surveys"]
    per_agency: dict[int, list[int]] = {}
    for row in surveys:
        sums = per_agency.setdefault(row[0], [0] * 10)
        for i in range(10):
            sums[i] += int(row[2 + i])
    all_sums = [sum(s[i] for s in per_agency.values()) for i in range(10)]
    documents = results["documents"][0]
    return {
        "visits": len(results["per_visit"]),
        "tickets": sum(r[1] for r in agencies),
        "served": sum(r[2] for r in agencies),
        "skipped": sum(r[3] for r in agencies),
        "records": sum(r[2] for r in outcomes),
        "completed": sum(r[3] for r in outcomes),
        "residents_served": sum(r[3] for r in results["resident_groups"]),
        "documents_issued": documents[0],
        "documents_handed_over": documents[1],
        "ikm": ikm_of(all_sums[1:], all_sums[0]),
        "agency_ikm": {str(a): ikm_of(s[1:], s[0]) for a, s in per_agency.items()},
        "agency_served": {str(r[0]): r[2] for r in agencies},
        "villages_visited": sum(1 for r in results["coverage"] if r[2]),
        "villages_total": len(results["coverage"]),
        "compliance_present": sum(r[4] for r in results["compliance"]),
        "aspirations_received": sum(r[1] for r in results["aspirations"]),
        "aspirations_resolved": sum(r[2] for r in results["aspirations"]),
    }


def time_floor(
    db: duckdb.DuckDBPyConnection, app: dict[str, Any], runs: int, offset_hours: int = 7
) -> dict[str, Any]:
    """The period aggregates and the per-visit ones, timed like the app's reports."""
    start = dt.date.fromisoformat(app["start"])
    end = dt.date.fromisoformat(app["end"])
    local = dt.timedelta(hours=offset_hours)  # the regency's zone: WIB
    period = {
        "regency": app["regency"]["id"],
        "start": start,
        "end": end,
        "visit": -1,
        "today": dt.date.today(),
        "since": dt.datetime.combine(start, dt.time()) - local,
        "until": dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) - local,
    }
    run_floor(db, period)  # warm-up: DuckDB plans and caches nothing across runs anyway
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        results = run_floor(db, period)
        samples.append((time.perf_counter() - started) * 1000)
    numbers = floor_numbers(results)
    visit_samples = []
    visit_checks = {}
    for visit_id in app["visit_report"]["visits"]:
        params = dict(period, visit=visit_id, start=dt.date(1900, 1, 1), end=dt.date(2999, 1, 1))
        for _ in range(max(1, runs // 3)):
            started = time.perf_counter()
            results = run_floor(db, params)
            visit_samples.append((time.perf_counter() - started) * 1000)
        nums = floor_numbers(results)
        visit_checks[str(visit_id)] = {
            k: nums[k] for k in ("served", "records", "residents_served", "ikm")
        }
    return {
        "period": percentiles(samples),
        "visit": percentiles(visit_samples),
        "period_numbers": numbers,
        "visit_numbers": visit_checks,
    }


def compare(app: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """Where the app's report and the floor disagree (it must be nowhere)."""
    differences = []
    for key, value in app.items():
        if floor.get(key) != value:
            differences.append(f"{key}: app {value!r} != floor {floor.get(key)!r}")
    return differences


# --- one database ------------------------------------------------------------------------


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="report-floor-", dir=OUT) as name:
        yield Path(name)


def run_one(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    env = app_env(target, OUT / f"cache-history-{target.name}")
    history = ensure_history(target, args, env)
    print(f"=== {target.name}: timing the reports (app, DEBUG off)", flush=True)
    app = run_worker(target, args, env)
    print(f"=== {target.name}: the floor: rows to DuckDB, then the same aggregates", flush=True)
    with scratch() as directory:
        started = time.perf_counter()
        exported = export_rows(target, directory)
        db = load_duckdb(directory)
        load_s = time.perf_counter() - started
    floor = time_floor(db, app, args.runs)
    db.close()
    differences = compare(app["period_numbers"], floor["period_numbers"])
    for visit_id, numbers in app["visit_numbers"].items():
        differences += [
            f"visit {visit_id} {d}" for d in compare(numbers, floor["visit_numbers"][visit_id])
        ]
    period_ms = app["period_report"]["p50_ms"]
    visit_ms = app["visit_report"]["p50_ms"]
    return {
        "database": target.name,
        "history": history,
        "app": app,
        "floor": {
            "engine": f"duckdb {duckdb.__version__} (in-memory)",
            "rows_loaded": exported,
            "load_s": round(load_s, 1),
            "period": floor["period"],
            "visit": floor["visit"],
        },
        "ratio": {
            "period_p50": round(period_ms / max(floor["period"]["p50_ms"], 1e-6), 2),
            "visit_p50": round(visit_ms / max(floor["visit"]["p50_ms"], 1e-6), 2),
        },
        "same_numbers": not differences,
        "differences": differences[:20],
    }


def print_one(result: dict[str, Any]) -> None:
    app, floor, history = result["app"], result["floor"], result["history"]
    name = result["database"]
    print(f"\n--- {name}")
    generated = "reused" if history.get("reused") else "generated"
    print(
        f"history: {generated}, generate {history.get('generate_s')} s, "
        f"{history.get('size_mb')} MB; "
        + ", ".join(f"{k.split('_', 1)[1]} {v:,}" for k, v in history.get("counts", {}).items())
    )
    pr, vr = app["period_report"], app["visit_report"]
    print(
        f"period_report {app['regency']['code']} {app['year']} ({app['visits_in_year']} visits): "
        f"p50 {pr['p50_ms']} ms, p95 {pr['p95_ms']} ms, first {pr['first_ms']} ms, "
        f"{pr['queries']} queries"
    )
    print(
        f"visit_report ({len(vr['visits'])} visits): p50 {vr['p50_ms']} ms, "
        f"p95 {vr['p95_ms']} ms, up to {vr['queries_max']} queries"
    )
    print(
        f"DuckDB floor: period p50 {floor['period']['p50_ms']} ms, "
        f"visit p50 {floor['visit']['p50_ms']} ms (load {floor['load_s']} s, not timed)"
    )
    ratio = result["ratio"]
    print(f"ratio app/DuckDB: period {ratio['period_p50']}x, visit {ratio['visit_p50']}x")
    print(
        "same numbers as the floor: "
        + ("yes" if result["same_numbers"] else "NO: " + "; ".join(result["differences"][:5]))
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args), default=str))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for target in targets(args):
        result = run_one(target, args)
        print_one(result)
        results.append(result)
    verdicts = []
    for result in results:
        p50 = result["app"]["period_report"]["p50_ms"]
        ratio = result["ratio"]["period_p50"]
        if result["database"] == "postgres":
            verdicts.append(
                f"postgres yearly report p50 {p50} ms (target <= {TARGET_POSTGRES_MS:.0f} ms): "
                + ("met" if p50 <= TARGET_POSTGRES_MS else "NOT met")
            )
        verdicts.append(
            f"{result['database']} yearly report {ratio}x DuckDB "
            f"(target <= {TARGET_DUCKDB_RATIO:.0f}x): "
            + ("met" if ratio <= TARGET_DUCKDB_RATIO else "NOT met")
        )
    print("\n" + "\n".join(verdicts))
    report = {
        "benchmark": "report",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "params": {**history_params(args), "runs": args.runs, "visits": args.visits},
        "targets": {
            "postgres_period_p50_ms": TARGET_POSTGRES_MS,
            "duckdb_ratio": TARGET_DUCKDB_RATIO,
        },
        "verdicts": verdicts,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
