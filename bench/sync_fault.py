"""Field-node sync under faults (`python -m bench.sync_fault`, issue 7): kill the pushing
process at random points, cut the network mid-request, restart central mid-push and
push twice at once, and prove after each that central holds exactly the node's
records: none lost, none doubled.

Central is gunicorn (``bench/server.py``) on a bench database (SQLite or PostgreSQL,
``bench/database.py``) seeded by ``manage.py bench_setup``; the field node is a
separate Django process on its own SQLite file (``BUJIAN_FIELD_NODE=true``), paired
with ``manage.py node_pull`` and driven by its management commands, as on the laptop.

One run per database:

1. Central: migrate, ``bench_setup`` (a visit today, ``--agencies`` booths,
   ``--residents`` residents of the village), the agencies' check-ins removed (the
   node checks them in: the day happens there), a field node registered.
2. The node: migrate, ``node_pull``, ``node_simulate_day`` (pulled residents and
   walk-ins), a clean push, check. Then one more round of records, pushed whole and
   timed: that is the push duration D the kills are drawn over.
3. ``--runs`` kill runs: more records (``node_simulate_day --walk-ins 0 --seed k``
   again: the same residents get new booth tickets, new service records and documents,
   survey answers, aspirations, audit entries), a push started and SIGKILLed after a
   delay uniform over [0, D]; every ``--check-every`` runs a clean push and the check.
4. Network cut: a TCP proxy on loopback between node and central closes the
   connection after N bytes of the request (``cut-request``), or relays the whole
   request and closes before relaying central's answer (``drop-answer``: central
   has committed, the node never hears it). Then a clean push and the check.
5. Central restarted mid-push: SIGKILL to gunicorn's master and workers while a push
   runs, a restart, a clean push and the check.
6. Two pushes at once: one must refuse ("already running") or both complete; check.

The check: ``node_status --json`` has nothing waiting, and for every record kind
(``bujian/sync/wire.KINDS``) central's rows have exactly the node's UUIDs (same count,
same set); audit entries, which central also writes itself, must include every one of
the node's. The pushes in the kill runs go through a small wrapper that runs
``node_push`` with batches of ``--batch-records`` records (default 100; the app sends
2,000), so a push is several batches and a kill lands between them too; 0 runs plain
``manage.py node_push``.

A summary table is printed and written to ``var/bench/sync-fault-<db>.json``; the exit
status is non-zero if any check found a record lost or doubled.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.database import PostgresTarget, SqliteTarget, Target
from bench.queue_bench import OUT, app_env
from bench.server import ROOT, Server, manage, start_server

# The push lock's refusal, in English and as the Indonesian catalog words it.
ALREADY_RUNNING = ("already running", "sedang berjalan")
NODE_WRAPPER = "_node"  # python -m bench.sync_fault _node <command> ...: runs on the node


# --- the node ------------------------------------------------------------------------


@dataclass
class Node:
    """A field node: its SQLite file, its var/ folder and the environment of its
    processes (manage.py with BUJIAN_FIELD_NODE=true)."""

    directory: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.directory / "node.sqlite3"

    @classmethod
    def fresh(cls, directory: Path) -> Node:
        shutil.rmtree(directory, ignore_errors=True)
        (directory / "var").mkdir(parents=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "BUJIAN_", "DATABASE_URL", "PYTEST"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="bujian.settings",
            DJANGO_LOG_LEVEL="WARNING",
            BUJIAN_FIELD_NODE="true",
            BUJIAN_SQLITE_PATH=str(directory / "node.sqlite3"),
            BUJIAN_VAR_DIR=str(directory / "var"),
            BUJIAN_TASKS_IMMEDIATE="true",
            PYTHONDONTWRITEBYTECODE="1",
        )
        return cls(directory=directory, env=env)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def run(self, *args: str, check: bool = True, timeout: float = 1800) -> str:
        result = subprocess.run(  # noqa: S603 -- our own manage.py, fixed arguments
            self.command(*args),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"node {args}: {result.stdout}\n{result.stderr}")
        return result.stdout

    def push_command(self, central_url: str, batch_records: int) -> list[str]:
        if batch_records:
            return [
                sys.executable,
                "-m",
                "bench.sync_fault",
                NODE_WRAPPER,
                "push",
                "--central",
                central_url,
                "--batch-records",
                str(batch_records),
            ]
        return self.command("node_push", "--central", central_url)

    def start_push(self, central_url: str, batch_records: int) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 -- our own interpreter, fixed arguments
            self.push_command(central_url, batch_records),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def status(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads(self.run("node_status", "--json"))
        return report

    def simulate(self, *, residents: int, walk_ins: int, seed: int) -> dict[str, Any]:
        day: dict[str, Any] = json.loads(
            self.run(
                "node_simulate_day",
                "--residents",
                str(residents),
                "--walk-ins",
                str(walk_ins),
                "--seed",
                str(seed),
            ).splitlines()[-1]
        )
        return day


# --- central -------------------------------------------------------------------------

SEED_CENTRAL = """
import json, os
from django.core.management import call_command
from bujian.accounts.models import User
from bujian.agencies.models import Service
from bujian.sync import actions
from bujian.visits.models import CheckIn, Participation, Visit
call_command("bench_setup", *os.environ["BENCH_SYNC_SETUP"].split())
visit = Visit.objects.get()
# node_simulate_day queues residents for an agency's first active services, offered
# or not: here every active service of an agency at the visit is offered.
for participation in Participation.objects.filter(visit=visit):
    participation.services.add(
        *Service.objects.filter(agency_id=participation.agency_id, is_active=True)
    )
# The day happens on the node: the agencies check in there (a check-in central made
# before the pairing would meet the node's own for the same day).
CheckIn.objects.all().delete()
admin = User.objects.get(username="bench-admin")
node, code = actions.register_node(visit=visit, name="Laptop bench", actor=admin)
print(json.dumps({"visit": visit.pk, "node": str(node.uuid), "code": code}))
"""

TABLES = """
import json
from bujian.sync import wire
print(json.dumps({kind.name: kind.model._meta.db_table for kind in wire.KINDS}))
"""


@dataclass
class Central:
    target: Target
    env: dict[str, str]
    log: Path
    visit_id: int = 0
    server: Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def start(self) -> None:
        self.server = start_server(
            app="bujian.wsgi:application",
            env=self.env,
            database=self.target.name,
            log_path=self.log,
            ready_path=f"/antrian/papan/{self.visit_id}/state.json",
            access_log=None,
        )

    def kill(self) -> None:
        """SIGKILL to gunicorn's master and every worker at once."""
        assert self.server is not None
        for pid in self.server.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.server.process.wait()
        self.server.log.close()
        self.server = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def shell(self, code: str, **extra: str) -> dict[str, Any]:
        """Run Python code in central's Django; ``extra`` goes into its environment."""
        out = subprocess.run(  # noqa: S603 -- our own manage.py, fixed arguments
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            cwd=ROOT,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        answer: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return answer


def seed_central(
    target: Target,
    *,
    residents: int,
    agencies: int,
    seed: int,
    tag: str,
    migrated: Path | None = None,
) -> tuple[Central, dict[str, Any]]:
    """A fresh bench database with a visit today (``bench_setup``) and a field node
    registered for it. ``migrated``: an empty migrated SQLite file to start from."""
    target.reset()
    env = app_env(target, OUT / f"cache-sync-{tag}-{target.name}")
    if migrated is not None and isinstance(target, SqliteTarget):
        target.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(migrated, target.path)
    else:
        manage("migrate", "--noinput", "-v0", env=env)
    central = Central(target=target, env=env, log=OUT / f"gunicorn-sync-{tag}-{target.name}.log")
    plan = OUT / f"plan-sync-{tag}-{target.name}.json"
    setup = f"--output {plan} --residents {residents} --agencies {agencies} --seed {seed}"
    seeded = central.shell(SEED_CENTRAL, BENCH_SYNC_SETUP=setup)
    central.visit_id = int(seeded["visit"])
    return central, seeded


def node_template(directory: Path) -> Node:
    """A migrated, empty node database (copied for each run: migrating takes a while)."""
    node = Node.fresh(directory)
    node.run("migrate", "--noinput", "-v0")
    return node


def node_from(template: Node, directory: Path) -> Node:
    node = Node.fresh(directory)
    shutil.copy(template.db, node.db)
    return node


# --- the check -----------------------------------------------------------------------


def _uuid(value: Any) -> str:
    return str(value if isinstance(value, uuidlib.UUID) else uuidlib.UUID(str(value)))


def uuid_sets(connection: Any, tables: dict[str, str]) -> dict[str, list[str]]:
    """Every UUID of every kind, as read (a doubled UUID would show as a repeat)."""
    found: dict[str, list[str]] = {}
    cursor = connection.cursor()
    for kind, table in tables.items():
        cursor.execute(f"SELECT uuid FROM {table}")  # noqa: S608 -- table names from the models
        found[kind] = [_uuid(row[0]) for row in cursor.fetchall()]
    return found


def check(
    central: Central, node: Node, tables: dict[str, str], label: str, *, floor: bool = False
) -> dict[str, Any]:
    """Central holds exactly the node's records, kind by kind, by UUID. ``floor``:
    central's copy (the database a push file was taken into)."""
    status = node.status()
    node_connection = sqlite3.connect(node.db, timeout=30)
    try:
        mine = uuid_sets(node_connection, tables)
    finally:
        node_connection.close()
    central_connection = central.target.connect(floor=floor)
    try:
        theirs = uuid_sets(central_connection, tables)
    finally:
        central_connection.close()
    lost = doubled = 0
    problems: dict[str, dict[str, int]] = {}
    for kind in tables:
        node_set, central_list = set(mine[kind]), theirs[kind]
        central_set = set(central_list)
        missing = len(node_set - central_set)
        repeats = len(central_list) - len(central_set)
        # Audit entries: central writes its own too; every one of the node's must be there.
        extra = 0 if kind == "audit" else len(central_set - node_set)
        count_off = status["records"].get(kind, 0) != len(mine[kind])
        if missing or repeats or extra or count_off:
            problems[kind] = {
                "missing": missing,
                "repeated": repeats,
                "extra_on_central": extra,
                "node_status_count_differs": int(count_off),
            }
        lost += missing
        doubled += repeats + extra
    result = {
        "label": label,
        "waiting_after": sum(status["waiting"].values()),
        "node_records": sum(len(v) for k, v in mine.items()),
        "lost": lost,
        "doubled": doubled,
        "problems": problems,
    }
    result["ok"] = not lost and not doubled and not result["waiting_after"] and not problems
    return result


def clean_push(node: Node, central: Central, batch_records: int) -> tuple[float, str]:
    """A push left to finish; returns its seconds and what it printed."""
    started = time.monotonic()
    process = node.start_push(central.url, batch_records)
    out, err = process.communicate(timeout=1800)
    if process.returncode != 0:
        raise RuntimeError(f"clean push failed: {out}\n{err}")
    return time.monotonic() - started, out.strip().splitlines()[-1] if out.strip() else ""


# --- a network cut: a proxy on loopback ---------------------------------------------


class CutProxy:
    """Relays one port to central's. ``cut-request``: the ``connection``-th connection
    is closed once ``fraction`` of its request (headers and body, by Content-Length)
    went through; ``drop-answer``: its request is relayed whole and the connection
    closed as central's answer starts, unrelayed. Other connections pass untouched."""

    def __init__(self, upstream: int, *, mode: str, fraction: float = 0.0, connection: int = 1):
        self.upstream = upstream
        self.mode = mode
        self.fraction = fraction
        self.connection = connection
        self.seen = 0
        self.cut_at: int | None = None  # bytes of the request relayed when cut
        self.dropped = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def cut(self) -> bool:
        return self.cut_at is not None or self.dropped

    def _serve(self) -> None:
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            self.seen += 1
            threading.Thread(
                target=self._relay, args=(client, self.seen == self.connection), daemon=True
            ).start()

    def _limit(self, head: bytes) -> int | None:
        """Where to cut, once the request's headers are in."""
        end = head.find(b"\r\n\r\n")
        if end < 0:
            return None
        length = 0
        for line in head[:end].split(b"\r\n")[1:]:
            name, _sep, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return max(1, int((end + 4 + length) * self.fraction))

    def _relay(self, client: socket.socket, victim: bool) -> None:
        server = socket.create_connection(("127.0.0.1", self.upstream))
        cutting = victim and self.mode == "cut-request"

        def upward() -> None:
            head, sent, limit = b"", 0, None
            with contextlib.suppress(OSError):
                while data := client.recv(65536):
                    if cutting:
                        if limit is None:
                            head += data
                            limit = self._limit(head)
                        if limit is not None and sent + len(data) >= limit:
                            server.sendall(data[: limit - sent])
                            self.cut_at = limit
                            _close(client, server)
                            return
                    server.sendall(data)
                    sent += len(data)
                server.shutdown(socket.SHUT_WR)

        up = threading.Thread(target=upward, daemon=True)
        up.start()
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                if victim and self.mode == "drop-answer":
                    self.dropped = True
                    break
                client.sendall(data)
        _close(client, server)
        up.join(timeout=5)

    def close(self) -> None:
        self.listener.close()


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()


# --- one run per database ------------------------------------------------------------


@dataclass
class Tally:
    checks: list[dict[str, Any]] = field(default_factory=list)
    kills: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)

    def checked(self, result: dict[str, Any]) -> dict[str, Any]:
        self.checks.append(result)
        mark = "ok" if result["ok"] else f"FAILED {result['problems']}"
        print(
            f"    check {result['label']}: {result['node_records']} records on the node, "
            f"lost {result['lost']}, doubled {result['doubled']} -> {mark}",
            flush=True,
        )
        return result


def _exit_word(process: subprocess.Popen[str]) -> str:
    if process.returncode == -signal.SIGKILL:
        return "killed"
    return "finished" if process.returncode == 0 else f"failed ({process.returncode})"


def kill_runs(
    central: Central,
    node: Node,
    tables: dict[str, str],
    args: argparse.Namespace,
    tally: Tally,
    rng: random.Random,
    duration: float,
) -> None:
    """Odd runs: the kill comes after a delay uniform over [0, D]. On a loaded machine
    most of those land in Django's start or before the first answer, so even runs
    kill mid-push for sure: once central has taken one of the push's batches (and a
    random 0 to D/4 later: a quarter of a whole round's push, Django's start
    included, is about the rest of its batches; a fixed 0.5 s, used until the
    seventh session, let two kills in three on a fast machine land after the push had
    finished); the central restart waits at most 0.05 s."""
    for run in range(1, args.runs + 1):
        if args.simulate_every and run % args.simulate_every == 0:
            node.simulate(residents=args.round_residents, walk_ins=0, seed=1000 + run)
        before = central_batch_count(central)
        process = node.start_push(central.url, args.batch_records)
        started = time.monotonic()
        if run % 2 or not args.mid_push:
            how = "uniform"
            time.sleep(rng.uniform(0.0, duration))
        else:
            how = "mid-push"
            while process.poll() is None and central_batch_count(central) == before:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, duration / 4))
        delay = time.monotonic() - started
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        process.communicate()
        taken = central_batch_count(central) - before
        tally.kills.append(
            {
                "run": run,
                "how": how,
                "delay": round(delay, 3),
                "push": _exit_word(process),
                "batches": taken,
            }
        )
        print(
            f"  kill {run} ({how}): after {delay:.2f} s, push {_exit_word(process)}, "
            f"{taken} batch(es) taken by central before",
            flush=True,
        )
        if run % args.check_every == 0 or run == args.runs:
            clean_push(node, central, args.batch_records)
            tally.checked(check(central, node, tables, f"after kill {run}"))


def central_batch_count(central: Central) -> int:
    """Batches central has taken so far: where in the push a kill landed."""
    connection = central.target.connect()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*) FROM sync_syncbatch")
        return int(cursor.fetchone()[0])
    finally:
        connection.close()


def proxy_cuts(
    central: Central, node: Node, tables: dict[str, str], args: argparse.Namespace, tally: Tally
) -> None:
    cases = [("cut-request", fraction) for fraction in args.cut_at] + [("drop-answer", 0.0)]
    for number, (mode, fraction) in enumerate(cases, start=1):
        node.simulate(residents=args.round_residents, walk_ins=0, seed=5000 + number)
        assert central.server is not None
        # The second connection: the first batch goes through, the second is cut.
        proxy = CutProxy(central.server.port, mode=mode, fraction=fraction, connection=2)
        try:
            process = node.start_push(f"http://127.0.0.1:{proxy.port}", args.batch_records)
            _out, err = process.communicate(timeout=600)
        finally:
            proxy.close()
        refused = process.returncode != 0
        label = mode + (f" at {fraction:.0%}" if mode == "cut-request" else "")
        print(
            f"  network {label}: cut {proxy.cut}, push {_exit_word(process)}"
            f"{' (' + err.strip().splitlines()[-1][:100] + ')' if err.strip() else ''}",
            flush=True,
        )
        clean_push(node, central, args.batch_records)
        result = tally.checked(check(central, node, tables, f"network {label}"))
        tally.scenarios.append(
            {
                "scenario": f"network {label}",
                "cut": proxy.cut,
                "cut_after_bytes": proxy.cut_at,
                "push": _exit_word(process),
                "push_reported_error": refused,
                "ok": result["ok"],
            }
        )


def central_restarts(
    central: Central,
    node: Node,
    tables: dict[str, str],
    args: argparse.Namespace,
    tally: Tally,
    rng: random.Random,
    duration: float,
) -> None:
    for number in range(1, args.restarts + 1):
        node.simulate(residents=args.round_residents, walk_ins=0, seed=7000 + number)
        before = central_batch_count(central)
        process = node.start_push(central.url, args.batch_records)
        started = time.monotonic()
        # Mid-push for sure: once central took the push's first batch, and a random
        # moment within the next batch (a longer wait let a fast push finish first).
        while process.poll() is None and central_batch_count(central) == before:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.05))
        delay = time.monotonic() - started
        central.kill()
        process.communicate(timeout=600)
        central.start()
        print(
            f"  central killed {delay:.2f} s into a push (push {_exit_word(process)}), restarted",
            flush=True,
        )
        clean_push(node, central, args.batch_records)
        result = tally.checked(check(central, node, tables, f"central restart {number}"))
        tally.scenarios.append(
            {
                "scenario": f"central SIGKILL + restart {number}",
                "delay": round(delay, 3),
                "push": _exit_word(process),
                "ok": result["ok"],
            }
        )


def two_pushes(
    central: Central, node: Node, tables: dict[str, str], args: argparse.Namespace, tally: Tally
) -> None:
    node.simulate(residents=args.round_residents, walk_ins=0, seed=9000)
    first = node.start_push(central.url, args.batch_records)
    second = node.start_push(central.url, args.batch_records)
    outcomes = []
    for process in (first, second):
        _out, err = process.communicate(timeout=600)
        refused = any(text in err for text in ALREADY_RUNNING)
        outcomes.append("refused: already running" if refused else _exit_word(process))
    print(f"  two pushes at once: {outcomes[0]} / {outcomes[1]}", flush=True)
    allowed = all(o in {"finished", "refused: already running"} for o in outcomes)
    clean_push(node, central, args.batch_records)
    result = tally.checked(check(central, node, tables, "two pushes at once"))
    tally.scenarios.append(
        {"scenario": "two pushes at once", "pushes": outcomes, "ok": result["ok"] and allowed}
    )


def run_one(
    target: Target, template: Node, args: argparse.Namespace, *, tag: str = "fault"
) -> dict[str, Any]:
    name = target.name
    rng = random.Random(args.seed)  # noqa: S311 -- when to kill, not a secret
    print(f"\n=== {name}: central seeded (bench_setup), field node registered", flush=True)
    central, seeded = seed_central(
        target,
        residents=args.residents,
        agencies=args.agencies,
        seed=args.seed,
        tag=tag,
        migrated=template.db,
    )
    node = node_from(template, OUT / f"sync-{tag}-node-{name}")
    tables = json.loads(node.run("shell", "-c", TABLES).strip().splitlines()[-1])
    tally = Tally()
    duration = args.kill_window
    central.start()
    try:
        node.run("node_pull", "--central", central.url, "--code", seeded["code"])
        day = node.simulate(residents=args.day_residents, walk_ins=args.walk_ins, seed=args.seed)
        print(f"=== {name}: node pulled, day simulated: {day}", flush=True)
        if not args.kill_window:
            seconds, totals = clean_push(node, central, args.batch_records)
            print(f"  first push: {seconds:.1f} s {totals}", flush=True)
            tally.checked(check(central, node, tables, "pull, day, push"))
            node.simulate(residents=args.round_residents, walk_ins=0, seed=999)
            duration, totals = clean_push(node, central, args.batch_records)
            print(f"  one round's push (D, the kills' range): {duration:.2f} s {totals}")
            tally.checked(check(central, node, tables, "one round"))
        print(f"=== {name}: {args.runs} kill runs, delays uniform over 0-{duration:.2f} s")
        kill_runs(central, node, tables, args, tally, rng, duration)
        if args.proxy:
            print(f"=== {name}: network cut mid-request (proxy on loopback)", flush=True)
            proxy_cuts(central, node, tables, args, tally)
        if args.restarts:
            print(f"=== {name}: central SIGKILLed mid-push", flush=True)
            central_restarts(central, node, tables, args, tally, rng, duration)
        if args.concurrent:
            print(f"=== {name}: two pushes at once", flush=True)
            two_pushes(central, node, tables, args, tally)
    finally:
        central.stop()
    kinds = {k["push"].split(" ")[0] for k in tally.kills}
    result = {
        "database": name,
        "push_seconds_D": round(duration, 3),
        "batch_records": args.batch_records,
        "kill_runs": len(tally.kills),
        "kills_by_outcome": {
            word: sum(1 for k in tally.kills if k["push"].split(" ")[0] == word) for word in kinds
        },
        "kills_landing": {
            how: {
                "runs": sum(1 for k in tally.kills if k["how"] == how),
                "before_any_batch": sum(
                    1 for k in tally.kills if k["how"] == how and k["batches"] == 0
                ),
                "after_some_batches": sum(
                    1
                    for k in tally.kills
                    if k["how"] == how and k["batches"] > 0 and k["push"] == "killed"
                ),
                "push_already_done": sum(
                    1 for k in tally.kills if k["how"] == how and k["push"] != "killed"
                ),
            }
            for how in ("uniform", "mid-push")
        },
        "checks": len(tally.checks),
        "checks_failed": sum(1 for c in tally.checks if not c["ok"]),
        "records_lost": sum(c["lost"] for c in tally.checks),
        "records_doubled": sum(c["doubled"] for c in tally.checks),
        "node_records_at_end": tally.checks[-1]["node_records"] if tally.checks else 0,
        "scenarios": tally.scenarios,
        "kills": tally.kills,
        "check_results": tally.checks,
    }
    result["ok"] = (
        result["checks_failed"] == 0
        and result["records_lost"] == 0
        and result["records_doubled"] == 0
        and all(s["ok"] for s in tally.scenarios)
    )
    path = OUT / f"sync-{tag}-{name}.json"
    path.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return result


def print_summary(results: list[dict[str, Any]]) -> None:
    print("\n" + "=" * 78)
    print(f"{'database':<10}{'scenario':<40}{'outcome':<20}{'result':>8}")
    print("-" * 78)
    for r in results:
        kills = ", ".join(f"{k} {v}" for k, v in sorted(r["kills_by_outcome"].items()))
        print(
            f"{r['database']:<10}{'push SIGKILLed x' + str(r['kill_runs']):<40}"
            f"{kills[:19]:<20}{'ok' if r['checks_failed'] == 0 else 'FAILED':>8}"
        )
        for how, landing in r["kills_landing"].items():
            if landing["runs"]:
                print(
                    f"{'':<10}{'  ' + how + ' kills: ' + str(landing['runs']):<40}"
                    f"{'before 1st batch ' + str(landing['before_any_batch']):<20}\n"
                    f"{'':<50}{'between batches ' + str(landing['after_some_batches']):<20}\n"
                    f"{'':<50}{'push done ' + str(landing['push_already_done']):<20}"
                )
        for s in r["scenarios"]:
            outcome = s.get("push") or " / ".join(s.get("pushes", []))
            print(
                f"{'':<10}{s['scenario'][:39]:<40}{str(outcome)[:19]:<20}"
                f"{'ok' if s['ok'] else 'FAILED':>8}"
            )
        print(
            f"{'':<10}{'checks (central == node, by UUID)':<40}"
            f"{str(r['checks']) + ' checks':<20}{r['checks'] - r['checks_failed']:>4} ok"
        )
        print(
            f"{'':<10}{'records lost / doubled':<40}"
            f"{str(r['records_lost']) + ' / ' + str(r['records_doubled']):<20}"
            f"{'ok' if r['ok'] else 'FAILED':>8}"
        )
        print(
            f"{'':<10}node records at the end: {r['node_records_at_end']}, "
            f"D = {r['push_seconds_D']} s"
        )
    print("=" * 78, flush=True)


# --- on the node: node_push with a smaller batch ---------------------------------------


def node_side(argv: list[str]) -> int:
    """``python -m bench.sync_fault _node push``: ``node_push`` in this process with
    batches of ``--batch-records`` records (the module constant the push reads)."""
    parser = argparse.ArgumentParser(prog="bench.sync_fault _node")
    parser.add_argument("what", choices=["push"])
    parser.add_argument("--central", required=True)
    parser.add_argument(
        "--simulate-every", type=int, default=1, help="kill runs between new records (0: never)"
    )
    parser.add_argument(
        "--kill-window",
        type=float,
        default=0.0,
        help="kill delays uniform over 0..this many seconds (0: measure one round's push)",
    )
    parser.add_argument("--batch-records", type=int, default=0)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bujian.sync import node

    if args.batch_records:
        node.BATCH_RECORDS = args.batch_records
    call_command("node_push", "--central", args.central)
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=100, help="pushes SIGKILLed")
    parser.add_argument("--check-every", type=int, default=5, help="kill runs between checks")
    parser.add_argument("--residents", type=int, default=300, help="residents on central")
    parser.add_argument("--agencies", type=int, default=8, help="agencies (booths) at the visit")
    parser.add_argument("--day-residents", type=int, default=120, help="residents served day one")
    parser.add_argument("--walk-ins", type=int, default=10)
    parser.add_argument(
        "--round-residents", type=int, default=10, help="residents served again before each run"
    )
    parser.add_argument(
        "--simulate-every", type=int, default=1, help="kill runs between new records (0: never)"
    )
    parser.add_argument(
        "--kill-window",
        type=float,
        default=0.0,
        help="kill delays uniform over 0..this many seconds (0: measure one round's push)",
    )
    parser.add_argument("--batch-records", type=int, default=50, help="0: the app's 2,000")
    parser.add_argument(
        "--cut-at",
        type=float,
        nargs="*",
        default=[0.01, 0.5, 0.99],
        help="proxy cuts: close the second request after this share of its bytes",
    )
    parser.add_argument(
        "--no-mid-push", dest="mid_push", action="store_false", help="every kill uniform"
    )
    parser.add_argument("--no-proxy", dest="proxy", action="store_false")
    parser.add_argument("--restarts", type=int, default=2, help="central SIGKILLed mid-push")
    parser.add_argument("--no-concurrent", dest="concurrent", action="store_false")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [NODE_WRAPPER]:
        return node_side(argv[1:])
    args = parser().parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    targets: list[Target] = []
    if args.db in ("sqlite", "both"):
        targets.append(SqliteTarget(OUT / "sync-fault"))
    if args.db in ("postgres", "both"):
        targets.append(PostgresTarget(args.postgres_url, database="bujian_bench_sync"))
    print("=== node template: migrate an empty node database", flush=True)
    template = node_template(OUT / f"sync-fault-node-template-{args.db}")
    results = [run_one(target, template, args) for target in targets]
    print_summary(results)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
