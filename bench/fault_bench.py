"""Fault benchmark (`make bench BENCH=fault`): kill -9 the app server in the middle of a
simulated visit day, restart it, and check that every request the server answered with
success is in the database, and nothing is there twice.

One run per database: a fresh visit day (``bench_setup``), gunicorn as ``make run``
starts it, 10 desk and 40 booth clients (issue → call-next → finish; the desks spread
the residents over the kills' span, so the queue still moves at the last kill), and
``--kills`` (10) times: after a random 2–6 s of load, SIGKILL to the master and every
worker at once, a restart, and the load goes on. A kill that finds the day already
over counts as a failure of the run: it proves nothing. Each client writes down what
the server confirmed:

- issue answered 201 → the visit ticket and every booth ticket in the answer exist,
  with the numbers the answer gave;
- call-next answered 200 → that ticket was called (never back to waiting);
- finish answered 200 → that ticket is done, with one service record per service.

A request cut by the kill has no answer: it may or may not have been committed, and
either is correct as long as the database holds the rules (no duplicate number at a
booth, no ticket called twice, no resident held by two booths). Results are printed
and written to ``var/bench/fault-<db>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bench.checks import check_day
from bench.database import PostgresTarget, SqliteTarget, Target
from bench.plan import DayPlan, load_plan
from bench.queue_bench import OUT, app_env
from bench.server import Server, manage, start_server

QUEUE = "/api/v1/queue"


@dataclass
class Confirmed:
    """What the server answered with success, by the clients' own account."""

    issued: dict[int, tuple[int, int]] = field(default_factory=dict)  # ticket → (booth, number)
    called: set[int] = field(default_factory=set)
    finished: dict[int, int] = field(default_factory=dict)  # ticket → services recorded
    lost: int = 0  # requests without an answer: cut by a kill, or refused while restarting
    lock: threading.Lock = field(default_factory=threading.Lock)


def _post(port: int, token: str, path: str, payload: object = None) -> tuple[int, Any]:
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)
    except (OSError, http.client.HTTPException, json.JSONDecodeError):
        return 0, None
    finally:
        conn.close()


def _desk(
    port: list[int],
    plan: DayPlan,
    token: str,
    queue: list[Any],
    seen: Confirmed,
    stop: threading.Event,
    gap: float,
) -> None:
    next_at = time.monotonic()
    while not stop.is_set():
        # Paced: one issue every ``gap`` seconds, so the day lasts through every kill.
        if stop.wait(max(0.0, next_at - time.monotonic())):
            return
        next_at += gap
        with seen.lock:
            if not queue:
                return
            need = queue.pop()
        payload = {
            "resident_id": need.resident_id,
            "service_codes": [code for _booth, code in need.services],
        }
        status, answer = _post(port[0], token, f"{QUEUE}/visits/{plan.visit_id}/tickets", payload)
        with seen.lock:
            if status == 201:
                for ticket in answer["tickets"]:
                    number = int(ticket["label"].rsplit("-", 1)[1])
                    seen.issued[ticket["id"]] = (ticket["booth_id"], number)
            elif status == 0:
                seen.lost += 1
                queue.insert(0, need)  # asked again after the restart (may add nothing new)
        if status == 0:
            time.sleep(0.2)


def _booth(port: list[int], booth: Any, seen: Confirmed, stop: threading.Event) -> None:
    while not stop.is_set():
        status, ticket = _post(port[0], booth.token, f"{QUEUE}/booths/{booth.booth_id}/call-next")
        if status != 200:
            if status == 0:
                with seen.lock:
                    seen.lost += 1
            time.sleep(0.3)
            continue
        with seen.lock:
            seen.called.add(ticket["id"])
        outcomes = [{"service_code": booth.services[0], "outcome": "completed"}]
        done, _answer = _post(
            port[0], booth.token, f"{QUEUE}/tickets/{ticket['id']}/finish", {"outcomes": outcomes}
        )
        with seen.lock:
            if done == 200:
                seen.finished[ticket["id"]] = len(outcomes)
            elif done == 0:
                seen.lost += 1


def _kill(server: Server) -> None:
    for pid in server.pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait()
    server.log.close()


def _verify(target: Target, seen: Confirmed) -> dict[str, Any]:
    connection = target.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(target.q("SELECT id, booth_id, number, status FROM queueing_ticket"))
        tickets = {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}
        cursor.execute(
            target.q(
                "SELECT ticket_id, service_id, COUNT(*) FROM records_servicerecord "
                "GROUP BY ticket_id, service_id"
            )
        )
        records: dict[int, int] = {}
        doubled_records = 0
        for ticket_id, _service, count in cursor.fetchall():
            records[ticket_id] = records.get(ticket_id, 0) + 1
            doubled_records += count > 1
    finally:
        connection.close()
    issued_missing = [
        t
        for t, (booth, number) in seen.issued.items()
        if t not in tickets or tickets[t][:2] != (booth, number)
    ]
    called_lost = [t for t in seen.called if t not in tickets or tickets[t][2] == "waiting"]
    finished_lost = [
        t
        for t, count in seen.finished.items()
        if t not in tickets or tickets[t][2] != "done" or records.get(t, 0) < count
    ]
    return {
        "confirmed_issued": len(seen.issued),
        "confirmed_called": len(seen.called),
        "confirmed_finished": len(seen.finished),
        "requests_without_answer": seen.lost,
        "issued_but_missing": len(issued_missing),
        "called_but_waiting_again": len(called_lost),
        "finished_but_not_done": len(finished_lost),
        "service_records_doubled": doubled_records,
    }


def run_one(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    name = target.name
    print(f"\n=== {name}: fresh database, migrate, seed", flush=True)
    target.reset()
    env = app_env(target, OUT / f"cache-fault-{name}")
    plan_file = OUT / f"plan-fault-{name}.json"
    manage("migrate", "--noinput", "-v0", env=env)
    manage(
        "bench_setup",
        "--output",
        str(plan_file),
        "--residents",
        str(args.residents),
        "--seed",
        str(args.seed),
        env=env,
    )
    plan = load_plan(plan_file, seed=args.seed)
    rng = random.Random(args.seed)  # noqa: S311 -- when to kill, not a secret

    def start() -> Server:
        return start_server(
            app="bujian.wsgi:application",
            env=env,
            database=name,
            log_path=OUT / f"gunicorn-fault-{name}.log",
            ready_path=f"/antrian/papan/{plan.visit_id}/state.json",
            access_log=None,
        )

    server = start()
    port = [server.port]
    seen = Confirmed()
    stop = threading.Event()
    queue = list(reversed(plan.needs))
    # The residents arrive over the kills' expected span (a kill every 4 s on average,
    # a restart about 1 s), so every kill lands while the queue moves. Until the seventh
    # session the desks issued as fast as answers came, and on a fast machine a day of
    # 600 residents was over before the second kill.
    day_seconds = args.day_seconds or args.kills * 5.0 + args.after
    gap = len(plan.desk_tokens) * day_seconds / max(1, len(plan.needs))
    threads = [
        threading.Thread(
            target=_desk, args=(port, plan, token, queue, seen, stop, gap), daemon=True
        )
        for token in plan.desk_tokens
    ] + [
        threading.Thread(target=_booth, args=(port, booth, seen, stop), daemon=True)
        for booth in plan.booths
    ]
    for thread in threads:
        thread.start()
    kills = []
    under_load = 0
    try:
        for round_ in range(args.kills):
            time.sleep(rng.uniform(2.0, 6.0))
            with seen.lock:
                before = (len(seen.issued), len(seen.called), len(seen.finished))
                # Residents still to come, or tickets not yet finished: the queue moves.
                moving = bool(queue) or len(seen.finished) < len(seen.issued)
            _kill(server)
            print(
                f"=== {name}: kill -9 #{round_ + 1} after {before} confirmed"
                f"{'' if moving else ' (the day was already over)'}",
                flush=True,
            )
            kills.append(before)
            under_load += moving
            server = start()
            port[0] = server.port
        time.sleep(args.after)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
        server.stop()
    result = {
        "database": name,
        "kills": args.kills,
        "kills_while_the_queue_moved": under_load,
        "issue_gap_per_desk_s": round(gap, 3),
        "confirmed_at_each_kill": kills,
        **_verify(target, seen),
        "rules": check_day(target, floor=False, expected_tickets=len(seen.issued)),
    }
    rules = result["rules"]
    result["ok"] = (
        under_load == args.kills
        and result["issued_but_missing"] == 0
        and result["called_but_waiting_again"] == 0
        and result["finished_but_not_done"] == 0
        and result["service_records_doubled"] == 0
        and rules["duplicate_numbers"] == 0
        and rules["called_twice_in_audit"] == 0
        and rules["overlapping_calls"] == 0
    )
    path = OUT / f"fault-{name}.json"
    path.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rules"}, indent=1), flush=True)
    print(f"kills while the queue moved: {under_load} of {args.kills}")
    print(
        f"rules after the kills: duplicates {rules['duplicate_numbers']}, called twice "
        f"{rules['called_twice_in_audit']}, overlapping calls {rules['overlapping_calls']}"
    )
    print(f"Written: {path}  ->  {'OK' if result['ok'] else 'FAILED'}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument(
        "--day-seconds",
        type=float,
        default=0,
        help="the desks spread the residents over this many seconds (0: kills x 5 s + --after)",
    )
    parser.add_argument(
        "--after", type=float, default=3.0, help="seconds of load after the last restart"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    targets: list[Target] = []
    if args.db in ("sqlite", "both"):
        targets.append(SqliteTarget(OUT))
    if args.db in ("postgres", "both"):
        targets.append(PostgresTarget(args.postgres_url, database="bujian_bench_fault"))
    results = [run_one(target, args) for target in targets]
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
