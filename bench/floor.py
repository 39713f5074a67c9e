"""The floor: the queue's transactions run straight through the database driver
(sqlite3 / psycopg), with no HTTP, no Django and no Python web stack, by as many
threads as the web run has operator clients. What the web run reaches divided by
what this reaches is the cost of everything above the database.

The transactions do the writes the actions do, with the same conditional updates:
- issue: insert the visit ticket; per booth take the number (one UPDATE of the
  booth's counter), insert the ticket and its service; one audit row;
- call: read the booth's oldest callable tickets, claim the resident
  (busy_with IS NULL → ticket), claim the ticket (status still waiting); one audit row;
- finish: read the ticket and its services, insert a service record per service, mark
  the ticket done, release the resident; one audit row.
Left out, to keep it a floor: the access checks' reads (user, booth, visit scope) and
the documents and extra audit rows the app writes for some services.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bench.database import SqliteTarget, Target
from bench.load import Sample
from bench.plan import DayPlan, Need


class _Sql:
    """Values as the app stores them: SQLite gets Django's text forms."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.sqlite = isinstance(target, SqliteTarget)

    def now(self) -> Any:
        moment = dt.datetime.now(dt.UTC)
        return moment.replace(tzinfo=None).isoformat(" ") if self.sqlite else moment

    def day(self, day: dt.date) -> Any:
        return day.isoformat() if self.sqlite else day

    def uuid(self) -> Any:
        value = uuid.uuid4()
        return value.hex if self.sqlite else value


@dataclass
class _Shared:
    desks_left: int
    cond: threading.Condition = field(default_factory=threading.Condition)
    issued: int = 0
    settled: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def add(self, issued: int = 0, settled: int = 0) -> None:
        with self.cond:
            self.issued += issued
            self.settled += settled
            if self.desks_left == 0 and self.settled >= self.issued:
                self.done.set()

    def desk_finished(self) -> None:
        with self.cond:
            self.desks_left -= 1
        self.add()


@dataclass
class FloorResult:
    samples: list[Sample]
    busy_seconds: float
    issued: int
    errors: list[str]
    held: list[tuple[str, float, float]]


class _Worker:
    def __init__(self, target: Target, t0: float) -> None:
        self.target = target
        self.sql = _Sql(target)
        self.connection = target.connect(floor=True)
        self.cursor = self.connection.cursor()
        self.t0 = t0
        self.samples: list[Sample] = []
        self.errors: list[str] = []

    def run(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        self.cursor.execute(self.target.q(query), params)
        return self.cursor

    def transaction(self, name: str, body: Any) -> Any:
        start = time.perf_counter()
        try:
            self.target.begin(self.cursor)
        except Exception as error:  # no transaction to roll back; reported, not hidden
            self.errors.append(f"{name}: BEGIN: {error!r}")
            result, ok = None, False
        else:
            try:
                result = body()
                if self.sql.sqlite:
                    self.run("COMMIT")
                else:
                    self.connection.commit()
                ok = True
            except Exception as error:  # every failure is reported, none hidden
                if self.sql.sqlite:
                    self.run("ROLLBACK")
                else:
                    self.connection.rollback()
                self.errors.append(f"{name}: {error!r}")
                result, ok = None, False
            finally:
                self.target.end(self.cursor)
        seconds = time.perf_counter() - start
        endpoint = name if result is not None or not ok else f"{name} (nobody waiting)"
        self.samples.append(
            Sample(
                endpoint=endpoint,
                status=200 if ok else 500,
                start=start - self.t0,
                seconds=seconds,
                queries=-1,
                phase="busy",
                ok=ok,
            )
        )
        return result

    def audit(self, action: str, target_type: str, target_id: int, actor: int, data: str) -> None:
        self.run(
            "INSERT INTO core_auditentry (uuid, created_at, action, target_type, target_id, "
            "target_repr, data, actor_id) VALUES (%s, %s, %s, %s, %s, '', %s, %s)",
            (self.sql.uuid(), self.sql.now(), action, target_type, str(target_id), data, actor),
        )

    def close(self) -> None:
        self.connection.close()


def _issue(
    worker: _Worker, plan: DayPlan, need: Need, desk_id: int, services: dict[str, int]
) -> int:
    day = dt.date.fromisoformat(plan.day)

    def body() -> int:
        now = worker.sql.now()
        visit_ticket_id = worker.run(
            "INSERT INTO queueing_visitticket (created_at, updated_at, uuid, visit_id, "
            "resident_id, issued_by_id) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (now, now, worker.sql.uuid(), plan.visit_id, need.resident_id, desk_id),
        ).fetchone()[0]
        labels = []
        # Booth counters in one global order (the API sorts services by agency), so
        # two desks never wait on each other's counters in opposite orders (deadlock).
        for booth_id, code in sorted(need.services):
            number = worker.run(
                "UPDATE visits_booth SET last_number = CASE WHEN counter_day = %s "
                "THEN last_number + 1 ELSE 1 END, counter_day = %s WHERE id = %s "
                "RETURNING last_number",
                (worker.sql.day(day), worker.sql.day(day), booth_id),
            ).fetchone()[0]
            ticket_id = worker.run(
                "INSERT INTO queueing_ticket (created_at, updated_at, uuid, visit_ticket_id, "
                "booth_id, day, number, status, queued_at, call_count, skip_count) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 'waiting', %s, 0, 0) RETURNING id",
                (
                    now,
                    now,
                    worker.sql.uuid(),
                    visit_ticket_id,
                    booth_id,
                    worker.sql.day(day),
                    number,
                    now,
                ),
            ).fetchone()[0]
            worker.run(
                "INSERT INTO queueing_ticket_services (ticket_id, service_id) VALUES (%s, %s)",
                (ticket_id, services[code]),
            )
            labels.append(f"{booth_id}-{number:03d}")
        worker.audit(
            "queueing.ticket.issued",
            "queueing.visitticket",
            visit_ticket_id,
            desk_id,
            json.dumps({"tickets": labels}),
        )
        return len(labels)

    return int(worker.transaction("issue", body) or 0)


def _call(worker: _Worker, booth_id: int, operator_id: int, day: dt.date) -> tuple[int, int] | None:
    def body() -> tuple[int, int] | None:
        now = worker.sql.now()
        candidates = worker.run(
            # As the app reads it (queueing.actions._callable_sql): NOT EXISTS, not a
            # join on busy_with_id IS NULL, which SQLite plans as a scan of every idle
            # resident's row in the busy_with index (at 2,000 residents the floor fell
            # to 86 actions/s on it).
            "SELECT t.id, t.visit_ticket_id FROM queueing_ticket t "
            "WHERE t.booth_id = %s AND t.day = %s AND (t.status = 'waiting' OR "
            "(t.status = 'skipped' AND t.return_at <= %s)) AND NOT EXISTS ("
            "SELECT 1 FROM queueing_visitticket v WHERE v.id = t.visit_ticket_id "
            "AND v.busy_with_id IS NOT NULL) "
            "ORDER BY t.queued_at, t.id LIMIT 20",
            (booth_id, worker.sql.day(day), now),
        ).fetchall()
        for ticket_id, visit_ticket_id in candidates:
            claimed = worker.run(
                "UPDATE queueing_visitticket SET busy_with_id = %s, updated_at = %s "
                "WHERE id = %s AND busy_with_id IS NULL",
                (ticket_id, now, visit_ticket_id),
            ).rowcount
            if claimed != 1:
                continue
            # Stamped once the resident is ours: the claim may have waited for another
            # booth's finish to commit (PostgreSQL row lock).
            at = worker.sql.now()
            called = worker.run(
                "UPDATE queueing_ticket SET status = 'called', called_at = %s, called_by_id = %s, "
                "call_count = call_count + 1, updated_at = %s "
                "WHERE id = %s AND status IN ('waiting', 'skipped')",
                (at, operator_id, at, ticket_id),
            ).rowcount
            if called != 1:
                worker.run(
                    "UPDATE queueing_visitticket SET busy_with_id = NULL WHERE id = %s "
                    "AND busy_with_id = %s",
                    (visit_ticket_id, ticket_id),
                )
                continue
            worker.audit("queueing.ticket.called", "queueing.ticket", ticket_id, operator_id, "{}")
            return ticket_id, visit_ticket_id
        return None

    result: tuple[int, int] | None = worker.transaction("call-next", body)
    return result


def _finish(worker: _Worker, ticket_id: int, operator_id: int) -> bool:
    def body() -> bool:
        now = worker.sql.now()
        status, visit_ticket_id = worker.run(
            "SELECT status, visit_ticket_id FROM queueing_ticket WHERE id = %s", (ticket_id,)
        ).fetchone()
        if status not in {"called", "serving"}:
            raise RuntimeError(f"ticket {ticket_id} is {status}")
        services = worker.run(
            "SELECT service_id FROM queueing_ticket_services WHERE ticket_id = %s", (ticket_id,)
        ).fetchall()
        for (service_id,) in services:
            worker.run(
                "INSERT INTO records_servicerecord (created_at, updated_at, uuid, outcome, "
                "document_number, rejection_reason, notes, recorded_by_id, service_id, ticket_id) "
                "VALUES (%s, %s, %s, 'completed', %s, '', '', %s, %s, %s)",
                (
                    now,
                    now,
                    worker.sql.uuid(),
                    f"BENCH-{ticket_id}",
                    operator_id,
                    service_id,
                    ticket_id,
                ),
            )
        changed = worker.run(
            "UPDATE queueing_ticket SET status = 'done', started_at = COALESCE(started_at, "
            "called_at), finished_at = %s, updated_at = %s "
            "WHERE id = %s AND status IN ('called', 'serving')",
            (now, now, ticket_id),
        ).rowcount
        if changed != 1:
            raise RuntimeError(f"ticket {ticket_id} changed under the finish")
        worker.run(
            "UPDATE queueing_visitticket SET busy_with_id = NULL, updated_at = %s "
            "WHERE id = %s AND busy_with_id = %s",
            (now, visit_ticket_id, ticket_id),
        )
        worker.audit("queueing.ticket.finished", "queueing.ticket", ticket_id, operator_id, "{}")
        return True

    return bool(worker.transaction("finish", body))


def run_floor(target: Target, plan: DayPlan, *, idle_seconds: float, seed: int) -> FloorResult:
    connection = target.connect(floor=True)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT code, id FROM agencies_service")
        services = {code: pk for code, pk in cursor.fetchall()}
        if not isinstance(target, SqliteTarget):
            connection.commit()
    finally:
        connection.close()
    day = dt.date.fromisoformat(plan.day)
    shared = _Shared(desks_left=len(plan.desk_user_ids))
    rng = random.Random(seed)  # noqa: S311 -- jitter, not secrets
    t0 = time.perf_counter()
    workers: list[_Worker] = []

    def desk(worker: _Worker, desk_id: int, needs: list[Need]) -> None:
        try:
            for need in needs:
                shared.add(issued=_issue(worker, plan, need, desk_id, services))
        finally:
            shared.desk_finished()

    held: list[tuple[str, float, float]] = []

    def booth(worker: _Worker, booth_id: int, operator_id: int, jitter: random.Random) -> None:
        while not shared.done.is_set():
            called = _call(worker, booth_id, operator_id, day)
            if called is None:
                shared.done.wait(idle_seconds * jitter.uniform(0.8, 1.2))
                continue
            # Claimed before the call committed, released after the finish begins.
            held.append((str(called[1]), time.perf_counter(), time.perf_counter()))
            _finish(worker, called[0], operator_id)
            shared.add(settled=1)

    threads = []
    desks = len(plan.desk_user_ids)
    for index, desk_id in enumerate(plan.desk_user_ids):
        worker = _Worker(target, t0)
        workers.append(worker)
        threads.append(
            threading.Thread(target=desk, args=(worker, desk_id, list(plan.needs[index::desks])))
        )
    for b in plan.booths:
        worker = _Worker(target, t0)
        workers.append(worker)
        threads.append(
            threading.Thread(
                target=booth,
                args=(worker, b.booth_id, b.user_id, random.Random(rng.random())),  # noqa: S311
            )
        )
    start = time.perf_counter()
    for worker in workers:
        worker.t0 = start
    for thread in threads:
        thread.start()
    shared.done.wait(timeout=600)
    busy = time.perf_counter() - start
    shared.done.set()
    for thread in threads:
        thread.join(timeout=30)
    for worker in workers:
        worker.close()
    return FloorResult(
        samples=sorted((s for w in workers for s in w.samples), key=lambda s: s.start),
        busy_seconds=busy,
        issued=shared.issued,
        errors=[e for w in workers for e in w.errors][:20],
        held=held,
    )
