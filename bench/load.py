"""The load: operator clients talking to the app over HTTP, as field devices would.

One thread per client, each with one keep-alive connection (``http.client``): desk
clients issue visit tickets, booth clients loop call-next → finish, board clients poll
the TV board state every second with If-None-Match. Every request is timed from
sending to the last byte of the answer and kept as a ``Sample``.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.plan import Booth, DayPlan, Need

QUEUE = "/api/v1/queue"


@dataclass(frozen=True)
class Sample:
    endpoint: str
    status: int
    start: float  # seconds since the load started
    seconds: float
    queries: int  # SQL statements the server ran (X-Bench-Queries), -1 when not known
    phase: str  # "busy" while the queue moves, "quiet" after the last ticket is done
    ok: bool
    locked: bool = False  # the answer mentions "database is locked"


@dataclass
class Failure:
    endpoint: str
    status: int
    detail: str


class Recorder:
    """Samples of one client thread (no lock needed) and the shared clock."""

    def __init__(self, t0: float, day: DayState) -> None:
        self.t0 = t0
        self.day = day
        self.samples: list[Sample] = []
        self.failures: list[Failure] = []


class Client:
    """One keep-alive HTTP/1.1 connection. A dropped connection is reopened and the
    request counted as failed (a POST is never silently retried)."""

    def __init__(self, host: str, port: int, token: str | None, recorder: Recorder) -> None:
        self.host, self.port = host, port
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.recorder = recorder
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0  # failed requests: connection errors
        self.resent = 0  # requests sent again after an idle keep-alive connection closed

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.connect()
            assert self.conn.sock is not None
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.conn

    def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        payload: object = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        record: bool = True,
        label: dict[int, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        body = None if payload is None else json.dumps(payload).encode()
        sent = dict(self.headers)
        if body is not None:
            sent["Content-Type"] = "application/json"
        if headers:
            sent.update(headers)
        start = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                got = {k.lower(): v for k, v in response.getheaders()}
                break
            except (OSError, http.client.HTTPException) as error:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                status, got, data = 0, {}, repr(error).encode()
                # A kept-alive connection the server closed while it sat idle: the
                # request never reached the app, so it is sent again on a new one.
                stale = isinstance(
                    error, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if not (reused and stale and attempt == 1):
                    self.reconnects += 1
                    break
                self.resent += 1
        seconds = time.perf_counter() - start
        if record:
            name = (label or {}).get(status, endpoint)
            good = status in ok
            locked = b"database is locked" in data
            self.recorder.samples.append(
                Sample(
                    endpoint=name,
                    status=status,
                    start=start - self.recorder.t0,
                    seconds=seconds,
                    queries=int(got.get("x-bench-queries", -1)),
                    phase="quiet" if self.recorder.day.done.is_set() else "busy",
                    ok=good,
                    locked=locked,
                )
            )
            if not good and len(self.recorder.failures) < 20:
                self.recorder.failures.append(
                    Failure(
                        endpoint=name, status=status, detail=data[:300].decode(errors="replace")
                    )
                )
        return status, got, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@dataclass
class DayState:
    """What the clients share: which services each booth ticket is for (the desk
    learns it when issuing; call-next answers only the ticket), how many tickets are
    issued and settled, and how often each ticket was handed out by call-next."""

    desks_left: int
    cond: threading.Condition = field(default_factory=threading.Condition)
    services: dict[int, list[str]] = field(default_factory=dict)
    issued: int = 0
    settled: int = 0
    lost: int = 0
    calls: Counter[int] = field(default_factory=Counter)
    visit_tickets: list[str] = field(default_factory=list)
    resident_of: dict[int, str] = field(default_factory=dict)  # ticket id -> visit ticket
    # (visit ticket, call answer received, finish request sent): the resident was
    # certainly held at that booth in between (claimed before the answer, released
    # after the request), whatever the server's timestamps say.
    held: list[tuple[str, float, float]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    aborted: str = ""
    progress_at: float = field(default_factory=time.monotonic)
    # Paced desks (``LoadConfig.issue_rate``): when the load started, and by how many
    # seconds each issue request left after its scheduled time (0 when on time).
    started: float = 0.0
    issue_lag: list[float] = field(default_factory=list)

    def issued_tickets(self, uuid: str, tickets: list[tuple[int, list[str]]]) -> None:
        with self.cond:
            for ticket_id, codes in tickets:
                self.services[ticket_id] = codes
                self.resident_of[ticket_id] = uuid
            self.issued += len(tickets)
            self.visit_tickets.append(uuid)
            self.progress_at = time.monotonic()
            self.cond.notify_all()

    def services_for(self, ticket_id: int, timeout: float = 10.0) -> list[str] | None:
        """The desk's answer may still be on its way when a booth already calls."""
        with self.cond:
            self.cond.wait_for(lambda: ticket_id in self.services, timeout=timeout)
            return self.services.get(ticket_id)

    def called(self, ticket_id: int) -> None:
        with self.cond:
            self.calls[ticket_id] += 1

    def was_held(self, ticket_id: int, start: float, end: float) -> None:
        with self.cond:
            self.held.append((self.resident_of.get(ticket_id, f"ticket-{ticket_id}"), start, end))

    def settle(self, *, lost: bool = False) -> None:
        with self.cond:
            self.settled += 1
            self.lost += int(lost)
            self.progress_at = time.monotonic()
            self._check_done()

    def desk_finished(self) -> None:
        with self.cond:
            self.desks_left -= 1
            self._check_done()

    def _check_done(self) -> None:
        if self.desks_left == 0 and self.settled >= self.issued:
            self.done.set()


@dataclass(frozen=True)
class LoadConfig:
    host: str
    port: int
    idle_seconds: float = 0.25  # a booth with nobody waiting asks again after this
    board_period: float = 1.0
    quiet_seconds: float = 4.0  # boards keep polling this long after the last ticket
    timeout: float = 600.0
    stall_seconds: float = 60.0
    seed: int = 2026
    # Visit tickets issued per second by all desks together, on a fixed schedule (an
    # open loop: residents arrive whether or not the server kept up); 0 = each desk
    # issues the next one as soon as the answer to the last came (a closed loop).
    issue_rate: float = 0.0


@dataclass
class LoadResult:
    samples: list[Sample]
    failures: list[Failure]
    busy_seconds: float
    loadgen_cpu_seconds: float
    issued: int
    settled: int
    lost: int
    calls: Counter[int]
    held: list[tuple[str, float, float]]
    reconnects: int
    resent: int
    board_path: str
    aborted: str
    cpu_before: dict[str, Any]
    cpu_after: dict[str, Any]
    issue_lag: list[float] = field(default_factory=list)


def _desk(
    client: Client,
    plan: DayPlan,
    needs: list[Need],
    day: DayState,
    config: LoadConfig,
    index: int,
    desks: int,
) -> None:
    path = f"{QUEUE}/visits/{plan.visit_id}/tickets"
    # Paced: desk ``index`` of ``desks`` takes every desks-th slot of the schedule.
    period = desks / config.issue_rate if config.issue_rate > 0 else 0.0
    next_at = day.started + index / config.issue_rate if period else 0.0
    try:
        for need in needs:
            if period:
                delay = next_at - time.perf_counter()
                if delay > 0 and day.done.wait(delay):
                    return
                day.issue_lag.append(max(0.0, -delay))
                next_at += period
            codes_by_booth = {booth_id: code for booth_id, code in need.services}
            payload = {
                "resident_id": need.resident_id,
                "service_codes": [code for _booth, code in need.services],
            }
            status, _h, data = client.call("issue", "POST", path, payload=payload, ok=(201,))
            if status == 201:
                answer = json.loads(data)
                day.issued_tickets(
                    answer["uuid"],
                    [(t["id"], [codes_by_booth[t["booth_id"]]]) for t in answer["tickets"]],
                )
            if day.done.is_set():  # aborted
                return
    finally:
        day.desk_finished()


def _booth(
    client: Client, booth: Booth, day: DayState, config: LoadConfig, rng: random.Random
) -> None:
    call_path = f"{QUEUE}/booths/{booth.booth_id}/call-next"
    while not day.done.is_set():
        status, _h, data = client.call(
            "call-next",
            "POST",
            call_path,
            ok=(200, 204),
            label={204: "call-next (nobody waiting)"},
        )
        if status == 200:
            answered = time.perf_counter()
            ticket = json.loads(data)
            day.called(ticket["id"])
            codes = day.services_for(ticket["id"]) or [booth.services[0]]
            outcomes = [
                {
                    "service_code": code,
                    "outcome": "completed",
                    "document_number": f"BENCH-{ticket['id']}",
                }
                for code in codes
            ]
            day.was_held(ticket["id"], answered, time.perf_counter())
            status, _h, _d = client.call(
                "finish",
                "POST",
                f"{QUEUE}/tickets/{ticket['id']}/finish",
                payload={"outcomes": outcomes},
            )
            day.settle(lost=status != 200)
        else:
            # Nobody waiting (or an error): wait a little, as an operator would.
            day.done.wait(config.idle_seconds * rng.uniform(0.8, 1.2))


def _board(
    client: Client,
    path: str,
    day: DayState,
    stop: threading.Event,
    config: LoadConfig,
    offset: float,
) -> None:
    etag = ""
    next_at = time.monotonic() + offset
    while not stop.is_set():
        headers = {"If-None-Match": etag} if etag else {}
        status, got, _d = client.call(
            "board", "GET", path, headers=headers, ok=(200, 304), label={304: "board (304)"}
        )
        if status == 200:
            etag = got.get("etag", "")
        next_at += config.board_period
        stop.wait(max(0.0, next_at - time.monotonic()))


def board_path(host: str, port: int, plan: DayPlan) -> tuple[str, str]:
    """The TV board's state.json; if the app has none yet, a visit ticket's detail
    (which has no ETag, so every poll reads the database)."""
    path = f"/antrian/papan/{plan.visit_id}/state.json"
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            return path, "state.json"
    finally:
        conn.close()
    return "", "visit-ticket"


def run_load(
    plan: DayPlan,
    config: LoadConfig,
    *,
    boards: int,
    cpu_probe: Callable[[], dict[str, Any]] | None = None,
) -> LoadResult:
    """Run the day and return every sample; blocks until every issued ticket is done
    (or the run is aborted on timeout or a stall)."""
    day = DayState(desks_left=len(plan.desk_tokens))
    rng = random.Random(config.seed)  # noqa: S311 -- jitter, not secrets
    stop_boards = threading.Event()
    state_path, board_kind = board_path(config.host, config.port, plan)

    recorders: list[Recorder] = []
    clients: list[Client] = []

    def client(token: str | None) -> Client:
        recorder = Recorder(time.perf_counter(), day)
        recorders.append(recorder)
        made = Client(config.host, config.port, token, recorder)
        clients.append(made)
        return made

    desks = [client(token) for token in plan.desk_tokens]
    booths = [(client(b.token), b) for b in plan.booths]
    board_clients = [client(plan.desk_tokens[0] if not state_path else None) for _ in range(boards)]

    # Warm every connection up (answers not recorded): a booth with nobody waiting.
    for c, b in booths:
        c.call("warmup", "POST", f"{QUEUE}/booths/{b.booth_id}/call-next", record=False)
    for c in desks:
        c.call(
            "warmup",
            "GET",
            f"{QUEUE}/visit-tickets/00000000-0000-0000-0000-000000000000",
            record=False,
        )

    threads: list[threading.Thread] = []
    for index, c in enumerate(desks):
        threads.append(
            threading.Thread(
                target=_desk,
                args=(
                    c,
                    plan,
                    list(plan.needs[index :: len(desks)]),
                    day,
                    config,
                    index,
                    len(desks),
                ),
            )
        )
    for c, b in booths:
        threads.append(
            threading.Thread(target=_booth, args=(c, b, day, config, random.Random(rng.random())))  # noqa: S311
        )
    board_threads: list[threading.Thread] = []
    for index, c in enumerate(board_clients):
        board_threads.append(
            threading.Thread(
                target=_board_any,
                args=(c, state_path, day, stop_boards, config, index / max(1, boards)),
            )
        )

    cpu_before = cpu_probe() if cpu_probe else {}
    cpu0 = time.process_time()
    t_start = time.perf_counter()
    day.started = t_start
    for recorder in recorders:
        recorder.t0 = t_start
    for thread in [*threads, *board_threads]:
        thread.daemon = True
        thread.start()
    while not day.done.wait(1.0):
        waited = time.perf_counter() - t_start
        if waited > config.timeout:
            day.aborted = f"timeout after {waited:.0f} s"
        elif time.monotonic() - day.progress_at > config.stall_seconds:
            day.aborted = f"no progress for {config.stall_seconds:.0f} s"
        if day.aborted:
            day.done.set()
    busy = time.perf_counter() - t_start
    cpu_busy = time.process_time() - cpu0
    cpu_after = cpu_probe() if cpu_probe else {}
    for thread in threads:
        thread.join(timeout=30)
    time.sleep(config.quiet_seconds)  # boards keep polling a queue that no longer moves
    stop_boards.set()
    for thread in board_threads:
        thread.join(timeout=10)
    for c in clients:
        c.close()
    samples = sorted((s for r in recorders for s in r.samples), key=lambda s: s.start)
    return LoadResult(
        samples=samples,
        failures=[f for r in recorders for f in r.failures][:50],
        busy_seconds=busy,
        loadgen_cpu_seconds=cpu_busy,
        issued=day.issued,
        settled=day.settled,
        lost=day.lost,
        calls=day.calls,
        held=day.held,
        reconnects=sum(c.reconnects for c in clients),
        resent=sum(c.resent for c in clients),
        board_path=board_kind,
        aborted=day.aborted,
        cpu_before=cpu_before,
        cpu_after=cpu_after,
        issue_lag=list(day.issue_lag),
    )


def _board_any(
    client: Client,
    path: str,
    day: DayState,
    stop: threading.Event,
    config: LoadConfig,
    offset: float,
) -> None:
    if not path:
        # Fallback: a visit ticket's detail, once the desks have issued one.
        while not stop.is_set() and not day.visit_tickets:
            stop.wait(0.1)
        if stop.is_set():
            return
        path = f"{QUEUE}/visit-tickets/{day.visit_tickets[0]}"
    _board(client, path, day, stop, config, offset)


def held_twice(held: list[tuple[str, float, float]]) -> int:
    """Residents seen held at two booths at once (from the clients' side)."""
    overlaps = 0
    last_end: dict[str, float] = {}
    for resident, start, end in sorted(held, key=lambda h: (h[0], h[1])):
        if start < last_end.get(resident, float("-inf")):
            overlaps += 1
        last_end[resident] = max(end, last_end.get(resident, float("-inf")))
    return overlaps


def run_solo(plan: DayPlan, config: LoadConfig, *, residents: int) -> tuple[list[Sample], int]:
    """After the day: the same requests one at a time (one client, nothing else
    running), so their latency is the service time without any queueing. Reuses the
    first residents; their earlier tickets are done, so each gets new ones."""
    day = DayState(desks_left=1)
    day.done.set()  # phase label only: nothing waits on it here
    recorder = Recorder(time.perf_counter(), day)
    desk = Client(config.host, config.port, plan.desk_tokens[0], recorder)
    booths = {b.booth_id: Client(config.host, config.port, b.token, recorder) for b in plan.booths}
    services = {b.booth_id: b.services for b in plan.booths}
    issued = 0
    for need in plan.needs[:residents]:
        codes_by_booth = dict(need.services)
        status, _h, data = desk.call(
            "issue",
            "POST",
            f"{QUEUE}/visits/{plan.visit_id}/tickets",
            payload={
                "resident_id": need.resident_id,
                "service_codes": [code for _booth, code in need.services],
            },
            ok=(201,),
        )
        if status != 201:
            continue
        for ticket in json.loads(data)["tickets"]:
            if ticket["status"] != "waiting":
                continue  # done earlier in the day
            issued += 1
            client = booths[ticket["booth_id"]]
            status, _h, data = client.call(
                "call-next", "POST", f"{QUEUE}/booths/{ticket['booth_id']}/call-next"
            )
            if status != 200:
                continue
            called = json.loads(data)
            code = codes_by_booth.get(called["booth_id"], services[called["booth_id"]][0])
            client.call(
                "finish",
                "POST",
                f"{QUEUE}/tickets/{called['id']}/finish",
                payload={"outcomes": [{"service_code": code, "outcome": "completed"}]},
            )
    for client in [desk, *booths.values()]:
        client.close()
    return [
        Sample(
            endpoint=s.endpoint,
            status=s.status,
            start=s.start,
            seconds=s.seconds,
            queries=s.queries,
            phase="solo",
            ok=s.ok,
            locked=s.locked,
        )
        for s in recorder.samples
    ], issued
