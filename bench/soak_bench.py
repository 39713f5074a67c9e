"""Soak benchmark (`make bench BENCH=soak`): a visit day at 10x its expected peak for
ten minutes against gunicorn as ``make run`` starts it. Zero errors, latency per
action, and the memory (RSS) of every gunicorn process: it must stop growing once
the server is warm.

    .venv/bin/python -m bench.soak_bench --db both --minutes 10     # what `make bench` runs
    .venv/bin/python -m bench.soak_bench --db sqlite --minutes 0.5  # a quick look

The expected peak (each figure is an option; ``--multiplier`` scales all of them):

- 2,000 residents over a 7-hour day (07:30-14:30): 286 an hour on average. They come
  in a morning wave after the opening; the busiest hour brings twice the average
  (``--peak-factor 2``): 572 residents, 0.159 a second.
- Booth tickets per resident: 1.57 (one, two or three agencies with the weights of the
  visit-day simulation, ``bujian/core/demo_visit_day.py``: 55/33/12 %) plus 3 %
  referrals to another booth: 1.62. ~30 booths, one per agency.
- Queue actions: issue per resident; call-next, start and finish per ticket, and for
  the 4 % not there when called (the simulation's rate) a skip and, ten minutes later,
  another call. Per resident 1 + 1.62 x 3.08 = 5.98; busiest hour 0.95 actions/s.
- Polls: 2 TV boards (hall and yard) asking ``state.json`` every second: 2/s; and
  phones on the status page behind the ticket's QR, every 10 s. Residents in the hall
  at the peak (Little's law): 572 an hour x a 45-minute stay = 429; one in five has a
  phone on the hotspot with the page open: 86 phones, 8.6 polls/s.
- Peak: about 11.5 requests/s. At 10x: 1.59 residents/s, 9.5 queue actions/s, 20 TVs
  (20 polls/s), 857 phones (86 polls/s): about 115 requests/s; ten minutes of it is
  ~950 residents and ~1,540 booth tickets, 100 minutes of the busiest hour.

How the load runs (one keep-alive connection per client, ``bench.load.Client``):
residents arrive at random (Poisson) at the scaled rate and 4 desk clients issue their
visit tickets when they are due (open loop: a slow server makes the desks late, and
the report says by how much). 30 booth clients call-next, wait while the resident
walks up, start, serve, finish, with outcomes in the simulation's shares (80 %
completed with a document number, 11 % in process, 6 % rejected, 3 % referred to
another booth); a booth's mean service time keeps it 80 % busy at the scaled rate,
and after a 204 (nobody waiting) it asks again 2 s later. TV clients poll
``state.json`` every second with If-None-Match; phone clients poll
``/antrian/status/<visit ticket>/`` every 10 s as the page's htmx does (HX-Request,
If-None-Match), each phone on a resident still in the queue, moving to another when
theirs is done.

Memory: every ``--sample-seconds`` the RSS (``VmRSS`` in ``/proc/<pid>/status``) of
the gunicorn master and each worker. Warm-up is the first 2 minutes (a fifth of
shorter runs). Bound (``--max-growth-pct``, ``--max-growth-mb``): after warm-up each
process may grow by at most 10 % of its RSS at the end of warm-up or 10 MB, whichever
is larger. Exit status 1 on any error, a worker that died or was replaced, growth over
the bound, the rules of the day broken in the database, or a load that fell short of
90 % of the scaled rate. Results: printed and ``var/bench/soak-<db>-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import math
import os
import random
import shutil
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.checks import _moment, check_day
from bench.database import PostgresTarget, SqliteTarget, Target
from bench.load import QUEUE, Client, DayState, Recorder, Sample
from bench.plan import Booth, DayPlan, Need, load_plan
from bench.queue_bench import OUT, CpuProbe, app_env
from bench.server import manage, shape, start_server
from bench.stats import by_endpoint, latency, percentile

# How many agencies a resident needs, with the visit-day simulation's weights.
AGENCIES_WEIGHTS = {1: 55, 2: 33, 3: 12}
REFERRAL_SHARE = 0.03
SKIP_SHARE = 0.04
OUTCOMES = (("completed", 0.80), ("in_process", 0.11), ("rejected", 0.06), ("referred", 0.03))
# Requests that move the queue; a call-next answered 204 (nobody waiting) is a poll.
QUEUE_ACTIONS = frozenset({"issue", "call-next", "start", "skip", "finish"})
POLLS = ("board", "status", "call-next (nobody waiting)")
STATUS_PATH = "/antrian/status/{uuid}/"
BOARD_PATH = "/antrian/papan/{visit}/state.json"


@dataclass(frozen=True)
class Peak:
    """The busiest hour of an expected visit day; ``scaled(10)`` is the soak."""

    residents_per_day: int = 2000
    hours: float = 7.0
    peak_factor: float = 2.0
    booths: int = 30
    tvs: int = 2
    phone_share: float = 0.2
    stay_minutes: float = 45.0
    phone_period_s: float = 10.0
    tv_period_s: float = 1.0
    multiplier: float = 1.0

    @property
    def tickets_per_resident(self) -> float:
        agencies = sum(n * w for n, w in AGENCIES_WEIGHTS.items()) / sum(AGENCIES_WEIGHTS.values())
        return agencies * (1 + REFERRAL_SHARE)

    @property
    def actions_per_ticket(self) -> float:
        return 3 + 2 * SKIP_SHARE  # call-next, start, finish; a skip and a second call

    @property
    def residents_per_s(self) -> float:
        per_hour = self.residents_per_day / self.hours * self.peak_factor
        return per_hour / 3600 * self.multiplier

    @property
    def tickets_per_s(self) -> float:
        return self.residents_per_s * self.tickets_per_resident

    @property
    def actions_per_s(self) -> float:
        return self.residents_per_s + self.tickets_per_s * self.actions_per_ticket

    @property
    def phones(self) -> int:
        in_hall = self.residents_per_s / self.multiplier * 60 * self.stay_minutes
        return max(1, round(in_hall * self.phone_share * self.multiplier))

    @property
    def tv_clients(self) -> int:
        return max(1, round(self.tvs * self.multiplier))

    @property
    def polls_per_s(self) -> float:
        return self.tv_clients / self.tv_period_s + self.phones / self.phone_period_s

    @property
    def requests_per_s(self) -> float:
        return self.actions_per_s + self.polls_per_s

    def scaled(self, multiplier: float) -> Peak:
        return Peak(**{**asdict(self), "multiplier": multiplier})

    def summary(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "residents_per_s": round(self.residents_per_s, 3),
            "tickets_per_resident": round(self.tickets_per_resident, 3),
            "booth_tickets_per_s": round(self.tickets_per_s, 3),
            "queue_actions_per_s": round(self.actions_per_s, 2),
            "tv_clients": self.tv_clients,
            "phones": self.phones,
            "polls_per_s": round(self.polls_per_s, 1),
            "requests_per_s": round(self.requests_per_s, 1),
        }


@dataclass(frozen=True)
class SoakConfig:
    host: str
    port: int
    peak: Peak  # already scaled
    seconds: float
    warmup_seconds: float
    sample_seconds: float = 5.0
    desks: int = 4
    phone_workers: int = 48  # enough that a slow answer delays few phones
    booth_busy_share: float = 0.8  # the booths' mean service time keeps them this busy
    idle_seconds: float = 2.0  # a booth with nobody waiting asks again after this
    seed: int = 2026


# Memory


def rss_kb(pid: int) -> int | None:
    """Resident set size of a process in kB, from /proc (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class RssSampler:
    """Samples the RSS of every server process every ``period`` seconds in a thread;
    ``pids`` is asked each time, so a replaced worker shows up as a new process."""

    def __init__(self, pids: Callable[[], list[int]], period: float, t0: float) -> None:
        self.pids = pids
        self.period = period
        self.t0 = t0
        self.samples: list[tuple[float, int, int]] = []  # (seconds since t0, pid, kB)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        at = time.perf_counter() - self.t0
        for pid in self.pids():
            kb = rss_kb(pid)
            if kb is not None:
                self.samples.append((at, pid, kb))

    def _run(self) -> None:
        next_at = time.perf_counter()
        while not self.stop.is_set():
            self.sample()
            next_at += self.period
            self.stop.wait(max(0.0, next_at - time.perf_counter()))

    def start(self) -> None:
        self.sample()
        self.thread.start()

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.sample()


def _slope_mb_per_min(points: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of RSS over time, in MB per minute."""
    if len(points) < 3:
        return None
    mean_t = sum(t for t, _ in points) / len(points)
    mean_kb = sum(kb for _, kb in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return None
    slope = sum((t - mean_t) * (kb - mean_kb) for t, kb in points) / spread  # kB/s
    return round(slope * 60 / 1024, 3)


def memory_verdict(
    samples: list[tuple[float, int, int]],
    *,
    roles: dict[int, str],
    warmup_seconds: float,
    max_growth_pct: float,
    max_growth_mb: float,
) -> dict[str, Any]:
    """Per process: RSS at the start, after warm-up, at the end and at most; growth
    after warm-up in MB and % and its trend; bounded when the growth is at most
    ``max_growth_pct`` % of the RSS after warm-up or ``max_growth_mb``, whichever is
    larger."""
    by_pid: dict[int, list[tuple[float, int]]] = {}
    for at, pid, kb in samples:
        by_pid.setdefault(pid, []).append((at, kb))
    processes = []
    for pid, points in sorted(by_pid.items(), key=lambda item: (roles.get(item[0], "~"), item[0])):
        points.sort()
        after = [p for p in points if p[0] >= warmup_seconds]
        warm = after[0] if after else points[-1]
        end = points[-1]
        growth_kb = end[1] - warm[1]
        bound_mb = max(max_growth_pct / 100 * warm[1] / 1024, max_growth_mb)
        processes.append(
            {
                "pid": pid,
                "role": roles.get(pid, "new process"),
                "samples": len(points),
                "seen_s": [round(points[0][0], 1), round(end[0], 1)],
                "start_mb": round(points[0][1] / 1024, 1),
                "after_warmup_mb": round(warm[1] / 1024, 1),
                "end_mb": round(end[1] / 1024, 1),
                "max_mb": round(max(kb for _, kb in points) / 1024, 1),
                "growth_after_warmup_mb": round(growth_kb / 1024, 1),
                "growth_after_warmup_pct": round(100 * growth_kb / warm[1], 1) if warm[1] else None,
                "slope_after_warmup_mb_per_min": _slope_mb_per_min(after),
                "bound_mb": round(bound_mb, 1),
                "bounded": growth_kb / 1024 <= bound_mb,
            }
        )
    return {
        "warmup_s": warmup_seconds,
        "bound": f"growth after warm-up <= max({max_growth_pct:g} % of RSS after warm-up, "
        f"{max_growth_mb:g} MB) per process",
        "processes": processes,
        "bounded": bool(processes) and all(p["bounded"] for p in processes),
    }


# The simulated day


@dataclass
class SoakState:
    """What the clients share: which services each booth ticket is for, which
    residents (visit tickets) are still in the queue, lateness of the desks."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    services: dict[int, list[str]] = field(default_factory=dict)
    resident_of: dict[int, str] = field(default_factory=dict)
    open_tickets: dict[str, int] = field(default_factory=dict)  # visit ticket -> not done
    open_list: list[str] = field(default_factory=list)
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=50))
    issued: int = 0
    booth_tickets: int = 0
    finished: int = 0
    calls: Counter[int] = field(default_factory=Counter)
    desk_lag: list[float] = field(default_factory=list)

    def issued_ticket(self, uuid: str, tickets: list[tuple[int, list[str]]]) -> None:
        with self.cond:
            for ticket_id, codes in tickets:
                self.services[ticket_id] = codes
                self.resident_of[ticket_id] = uuid
            self.issued += 1
            self.booth_tickets += len(tickets)
            self.open_tickets[uuid] = len(tickets)
            self.open_list.append(uuid)
            self.recent.append(uuid)
            self.cond.notify_all()

    def services_for(self, ticket_id: int, timeout: float = 2.0) -> list[str] | None:
        """The desk's answer may still be on its way when a booth calls; a referral's
        ticket was never seen by a desk (None)."""
        with self.cond:
            self.cond.wait_for(lambda: ticket_id in self.services, timeout=timeout)
            return self.services.get(ticket_id)

    def finished_ticket(self, ticket_id: int) -> None:
        with self.cond:
            self.finished += 1
            uuid = self.resident_of.get(ticket_id)
            if uuid is None or uuid not in self.open_tickets:
                return
            self.open_tickets[uuid] -= 1
            if self.open_tickets[uuid] <= 0:
                del self.open_tickets[uuid]
                self.open_list.remove(uuid)

    def is_open(self, uuid: str) -> bool:
        with self.cond:
            return uuid in self.open_tickets

    def pick_resident(self, rng: random.Random) -> str | None:
        """A resident still waiting somewhere (or a recent one when nobody waits)."""
        with self.cond:
            if self.open_list:
                return rng.choice(self.open_list)
            return rng.choice(self.recent) if self.recent else None


def make_needs(plan: DayPlan, count: int, seed: int) -> list[Need]:
    """What each resident comes for: 1-3 booths with the simulation's weights, one of
    each booth's services."""
    rng = random.Random(seed)  # noqa: S311 -- a repeatable simulated day, not secrets
    counts, weights = list(AGENCIES_WEIGHTS), list(AGENCIES_WEIGHTS.values())
    needs = []
    residents = [need.resident_id for need in plan.needs]
    for resident_id in residents[:count]:
        how_many = min(len(plan.booths), rng.choices(counts, weights)[0])
        chosen = rng.sample(plan.booths, how_many)
        needs.append(
            Need(
                resident_id=resident_id,
                services=tuple((b.booth_id, rng.choice(b.services)) for b in chosen),
            )
        )
    return needs


def arrival_times(rate: float, seconds: float, rng: random.Random) -> list[float]:
    """A Poisson process: exponential gaps at ``rate`` per second."""
    times: list[float] = []
    at = 0.0
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            return times
        times.append(at)


@dataclass
class SoakResult:
    samples: list[Sample]
    failures: list[dict[str, Any]]
    seconds: float
    loadgen_cpu_seconds: float
    arrivals_planned: int
    issued: int
    booth_tickets: int
    finished: int
    calls: Counter[int]
    desk_lag_s: dict[str, float | None]
    reconnects: int
    resent: int
    rss: list[tuple[float, int, int]]
    cpu: dict[str, Any]


def _desk(
    client: Client,
    plan: DayPlan,
    arrivals: deque[tuple[float, Need]],
    lock: threading.Lock,
    state: SoakState,
    t0: float,
    stop: threading.Event,
) -> None:
    path = f"{QUEUE}/visits/{plan.visit_id}/tickets"
    while not stop.is_set():
        with lock:
            if not arrivals:
                return
            due, need = arrivals.popleft()
        wait = t0 + due - time.perf_counter()
        if wait > 0 and stop.wait(wait):
            return
        with state.cond:
            state.desk_lag.append(max(0.0, time.perf_counter() - t0 - due))
        codes_by_booth = dict(need.services)
        payload = {
            "resident_id": need.resident_id,
            "service_codes": [code for _booth, code in need.services],
        }
        status, _h, data = client.call("issue", "POST", path, payload=payload, ok=(201,))
        if status == 201:
            answer = json.loads(data)
            state.issued_ticket(
                answer["uuid"],
                [(t["id"], [codes_by_booth[t["booth_id"]]]) for t in answer["tickets"]],
            )


def _outcome(code: str, ticket_id: int, others: list[int], day: str, roll: float) -> dict[str, Any]:
    edge, kind = 0.0, OUTCOMES[-1][0]
    for candidate, share in OUTCOMES:
        edge += share
        if roll < edge:
            kind = candidate
            break
    if kind == "referred" and not others:
        kind = "completed"
    outcome: dict[str, Any] = {"service_code": code, "outcome": kind}
    if kind == "completed":
        outcome["document_number"] = f"SOAK-{ticket_id}"
    elif kind == "in_process":
        promised = dt.date.fromisoformat(day) + dt.timedelta(days=7)
        outcome["promised_date"] = promised.isoformat()
    elif kind == "rejected":
        outcome["rejection_reason"] = "Belum membawa KK asli"
    else:
        outcome["referred_to_booth_id"] = others[int(roll * 1000) % len(others)]
    return outcome


def _booth(
    client: Client,
    booth: Booth,
    others: list[int],
    plan: DayPlan,
    state: SoakState,
    config: SoakConfig,
    stop: threading.Event,
    rng: random.Random,
) -> None:
    call_path = f"{QUEUE}/booths/{booth.booth_id}/call-next"
    mean_service = config.booth_busy_share * config.peak.booths / config.peak.tickets_per_s
    # Once the soak is over, the resident in front of the booth is finished at once.
    pause = stop.wait
    while not stop.is_set():
        status, _h, data = client.call(
            "call-next", "POST", call_path, ok=(200, 204), label={204: "call-next (nobody waiting)"}
        )
        if status != 200:
            stop.wait(config.idle_seconds * rng.uniform(0.8, 1.2))
            continue
        ticket = json.loads(data)
        ticket_id = ticket["id"]
        with state.cond:
            state.calls[ticket_id] += 1
        pause(0.2 * mean_service * rng.uniform(0.6, 1.4))  # the resident walks up
        if ticket["call_count"] == 1 and rng.random() < SKIP_SHARE and not stop.is_set():
            client.call("skip", "POST", f"{QUEUE}/tickets/{ticket_id}/skip")
            continue  # back in the queue in ten minutes
        client.call("start", "POST", f"{QUEUE}/tickets/{ticket_id}/start")
        pause(0.8 * mean_service * rng.uniform(0.6, 1.4))
        codes = state.services_for(ticket_id) or [booth.services[0]]
        # A referral's own ticket (never seen by a desk) is not sent on again.
        may_refer = ticket_id in state.resident_of
        outcomes = [
            _outcome(code, ticket_id, others if may_refer else [], plan.day, rng.random())
            for code in codes
        ]
        status, _h, _d = client.call(
            "finish", "POST", f"{QUEUE}/tickets/{ticket_id}/finish", payload={"outcomes": outcomes}
        )
        if status == 200:
            state.finished_ticket(ticket_id)


def _tv(client: Client, path: str, period: float, offset: float, stop: threading.Event) -> None:
    etag = ""
    next_at = time.monotonic() + offset
    if stop.wait(offset):
        return
    while not stop.is_set():
        headers = {"If-None-Match": etag} if etag else {}
        status, got, _d = client.call(
            "board", "GET", path, headers=headers, ok=(200, 304), label={304: "board (304)"}
        )
        if status == 200:
            etag = got.get("etag", "")
        next_at += period
        stop.wait(max(0.0, next_at - time.monotonic()))


class Phones:
    """``count`` phones with the status page open, each polling every ``period`` s
    (the page's htmx poll: HX-Request and If-None-Match), served by a few worker
    threads from one schedule. A phone follows one resident until all their tickets
    are done, then another resident's (first load without HX-Request, as a fresh
    scan of the QR)."""

    def __init__(
        self, count: int, period: float, state: SoakState, rng: random.Random, t0: float
    ) -> None:
        self.period = period
        self.state = state
        self.rng = rng
        self.lock = threading.Lock()
        self.due = [(t0 + period * index / count, index) for index in range(count)]
        heapq.heapify(self.due)
        self.resident: list[str | None] = [None] * count
        self.etag = [""] * count
        self.late: list[float] = []

    def worker(self, client: Client, stop: threading.Event) -> None:
        while not stop.is_set():
            with self.lock:
                due, index = heapq.heappop(self.due)
            if stop.wait(max(0.0, due - time.perf_counter())):
                return
            with self.lock:
                self.late.append(time.perf_counter() - due)
            uuid = self.resident[index]
            if uuid is None or not self.state.is_open(uuid):
                with self.lock:
                    uuid = self.state.pick_resident(self.rng)
                self.resident[index], self.etag[index] = uuid, ""
            if uuid is not None:
                etag = self.etag[index]
                headers = {"HX-Request": "true", "If-None-Match": etag} if etag else {}
                status, got, _d = client.call(
                    "status",
                    "GET",
                    STATUS_PATH.format(uuid=uuid),
                    headers=headers,
                    ok=(200, 304),
                    label={304: "status (304)"},
                )
                if status == 200:
                    self.etag[index] = got.get("etag", "")
            with self.lock:
                heapq.heappush(self.due, (due + self.period, index))


def run_soak(
    plan: DayPlan,
    config: SoakConfig,
    *,
    server_pids: Callable[[], list[int]],
    cpu_probe: Callable[[], dict[str, Any]] | None = None,
) -> SoakResult:
    """Drive the day at ``config.peak``'s rates for ``config.seconds``, sampling the
    RSS of ``server_pids()`` meanwhile. Booths finish the resident in front of them
    after the end, so nobody is left held."""
    rng = random.Random(config.seed)  # noqa: S311 -- jitter, not secrets
    peak = config.peak
    times = arrival_times(peak.residents_per_s, config.seconds, rng)
    needs = make_needs(plan, len(times), config.seed)
    if len(needs) < len(times):
        raise SystemExit(f"{len(times)} arrivals planned, only {len(needs)} residents seeded.")
    arrivals = deque(zip(times, needs, strict=False))
    state = SoakState()
    day = DayState(desks_left=0)  # Recorder's phase label: always "busy" here
    stop = threading.Event()
    recorders: list[Recorder] = []
    clients: list[Client] = []

    def client(token: str | None) -> Client:
        recorder = Recorder(time.perf_counter(), day)
        recorders.append(recorder)
        made = Client(config.host, config.port, token, recorder)
        clients.append(made)
        return made

    desks = [client(plan.desk_tokens[i % len(plan.desk_tokens)]) for i in range(config.desks)]
    booths = [(client(b.token), b) for b in plan.booths]
    tvs = [client(None) for _ in range(peak.tv_clients)]
    phone_clients = [client(None) for _ in range(min(config.phone_workers, peak.phones))]
    board = BOARD_PATH.format(visit=plan.visit_id)
    for c, b in booths:  # open every connection (answers not recorded)
        c.call("warmup", "POST", f"{QUEUE}/booths/{b.booth_id}/call-next", record=False)
    for c in [*desks, *tvs, *phone_clients]:
        c.call("warmup", "GET", board, record=False)

    t0 = time.perf_counter()
    for recorder in recorders:
        recorder.t0 = t0
    sampler = RssSampler(server_pids, config.sample_seconds, t0)
    sampler.start()
    phones = Phones(peak.phones, peak.phone_period_s, state, random.Random(rng.random()), t0)  # noqa: S311
    lock = threading.Lock()
    booth_ids = [b.booth_id for b in plan.booths]
    threads = [
        threading.Thread(target=_desk, args=(c, plan, arrivals, lock, state, t0, stop))
        for c in desks
    ]
    threads += [
        threading.Thread(
            target=_booth,
            args=(
                c,
                b,
                [i for i in booth_ids if i != b.booth_id],
                plan,
                state,
                config,
                stop,
                random.Random(rng.random()),  # noqa: S311
            ),
        )
        for c, b in booths
    ]
    threads += [
        threading.Thread(
            target=_tv, args=(c, board, peak.tv_period_s, i * peak.tv_period_s / len(tvs), stop)
        )
        for i, c in enumerate(tvs)
    ]
    threads += [threading.Thread(target=phones.worker, args=(c, stop)) for c in phone_clients]
    cpu_before = cpu_probe() if cpu_probe else {}
    cpu0 = time.process_time()
    for thread in threads:
        thread.daemon = True
        thread.start()
    stop.wait(config.seconds)
    stop.set()
    elapsed = time.perf_counter() - t0
    cpu_after = cpu_probe() if cpu_probe else {}
    loadgen_cpu = time.process_time() - cpu0
    for thread in threads:
        thread.join(timeout=60)
    sampler.finish()
    for c in clients:
        c.close()
    samples = sorted((s for r in recorders for s in r.samples), key=lambda s: s.start)
    lags = sorted(state.desk_lag)
    phone_late = sorted(phones.late)
    return SoakResult(
        samples=samples,
        failures=[f.__dict__ for r in recorders for f in r.failures][:50],
        seconds=elapsed,
        loadgen_cpu_seconds=loadgen_cpu,
        arrivals_planned=len(times),
        issued=state.issued,
        booth_tickets=state.booth_tickets,
        finished=state.finished,
        calls=state.calls,
        desk_lag_s={
            "p50": round(percentile(lags, 50), 3) if lags else None,
            "p95": round(percentile(lags, 95), 3) if lags else None,
            "max": round(lags[-1], 3) if lags else None,
            "phone_poll_late_p95": round(percentile(phone_late, 95), 3) if phone_late else None,
        },
        reconnects=sum(c.reconnects for c in clients),
        resent=sum(c.resent for c in clients),
        rss=sampler.samples,
        cpu=CpuProbe.delta(cpu_before, cpu_after) if cpu_before else {},
    )


# Report


def overlapping_calls(target: Target) -> dict[str, Any]:
    """A resident held at two booths at once: ``[called_at, finished_at]`` of one
    visit ticket's tickets must not overlap. Unlike ``check_day`` (whose day has no
    skips), a skipped ticket is left out: the skip released the resident, and its
    ``called_at`` stays until it is called again."""
    connection = target.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT visit_ticket_id, called_at, finished_at FROM queueing_ticket "
            "WHERE called_at IS NOT NULL AND status IN ('called', 'serving', 'done') "
            "ORDER BY visit_ticket_id, called_at, id"
        )
        rows = list(cursor.fetchall())
    finally:
        connection.close()
    overlaps, worst = 0, dt.timedelta(0)
    forever = dt.datetime.max.replace(tzinfo=dt.UTC)
    last: tuple[Any, dt.datetime] | None = None
    for visit_ticket, called_at, finished_at in rows:
        called = _moment(called_at)
        end = _moment(finished_at) if finished_at is not None else forever
        if last is not None and last[0] == visit_ticket and called < last[1]:
            overlaps += 1
            worst = max(worst, last[1] - called)
        if last is None or last[0] != visit_ticket or end > last[1]:
            last = (visit_ticket, end)
    return {
        "overlapping_calls": overlaps,
        "worst_overlap_ms": round(worst.total_seconds() * 1000, 3),
        "overlap_check": "called, serving and done tickets (skipped ones released the resident)",
    }


def per_minute(samples: list[Sample], rss: list[tuple[float, int, int]]) -> list[dict[str, Any]]:
    """Requests, errors, p95 of queue actions and of polls, and server RSS, minute by
    minute: a soak that degrades shows it here first."""
    rows: dict[int, list[Sample]] = {}
    for sample in samples:
        rows.setdefault(int(sample.start // 60), []).append(sample)
    memory: dict[int, dict[int, int]] = {}
    for at, pid, kb in rss:
        memory.setdefault(int(at // 60), {})[pid] = kb  # the last sample in the minute
    table = []
    for minute in sorted(rows):
        group = rows[minute]
        actions = sorted(s.seconds for s in group if s.endpoint in QUEUE_ACTIONS)
        polls = sorted(s.seconds for s in group if s.endpoint.startswith(POLLS[:2]))
        table.append(
            {
                "minute": minute,
                "requests": len(group),
                "errors": sum(not s.ok for s in group),
                "actions_p95_ms": round(percentile(actions, 95) * 1000, 1) if actions else None,
                "polls_p95_ms": round(percentile(polls, 95) * 1000, 1) if polls else None,
                "server_rss_mb": round(sum(memory.get(minute, {}).values()) / 1024, 1),
            }
        )
    return table


def build_report(
    *,
    name: str,
    result: SoakResult,
    config: SoakConfig,
    base_peak: Peak,
    memory: dict[str, Any],
    checks: dict[str, Any],
    log_text: str,
    pids_seen: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    samples = result.samples
    errors = sum(not s.ok for s in samples)
    locked = sum(s.locked for s in samples) + log_text.count("database is locked")
    server_errors = sum(s.status >= 500 for s in samples)
    worker_errors = log_text.count("WORKER TIMEOUT") + log_text.count("Traceback")
    actions = [s for s in samples if s.endpoint in QUEUE_ACTIONS]
    polls = [s for s in samples if s.endpoint.startswith(POLLS[:2])]
    requests_per_s = len(samples) / result.seconds
    # What the peak counts: queue actions and TV/phone polls (not the booths' 204s).
    counted_per_s = (len(actions) + len(polls)) / result.seconds
    target = config.peak.requests_per_s
    handed_twice = sum(1 for count in result.calls.values() if count > 1)
    rules_ok = (
        checks["duplicate_numbers"] == 0
        and checks["overlapping_calls"] == 0
        and checks["residents_still_held"] == 0
        and checks["done_without_service_record"] == 0
    )
    verdict = {
        "zero_errors": errors == 0
        and locked == 0
        and server_errors == 0
        and result.reconnects == 0
        and worker_errors == 0,
        "workers_never_replaced": not pids_seen["replaced"],
        "memory_bounded": memory["bounded"],
        "rules_of_the_day_hold": rules_ok,
        "load_delivered_at_least_90_pct": counted_per_s >= 0.9 * target,
    }
    return {
        "database": name,
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.soak_bench", *sys.argv[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_after": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        },
        "config": {
            "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
            "seconds": round(result.seconds, 1),
            "warmup_s": config.warmup_seconds,
            "sample_every_s": config.sample_seconds,
            "desk_clients": config.desks,
            "booth_clients": config.peak.booths,
            "phone_workers": config.phone_workers,
        },
        "expected_peak": base_peak.summary(),
        "soak_rates": config.peak.summary(),
        "delivered": {
            "requests": len(samples),
            "requests_per_s": round(requests_per_s, 1),
            "actions_and_polls_per_s": round(counted_per_s, 1),
            "target_requests_per_s": round(target, 1),
            "queue_actions_per_s": round(len(actions) / result.seconds, 2),
            "polls_per_s": round(len(polls) / result.seconds, 1),
            "booth_calls_answered_204_per_s": round(
                sum(s.endpoint == POLLS[2] for s in samples) / result.seconds, 1
            ),
            "arrivals_planned": result.arrivals_planned,
            "residents_issued": result.issued,
            "booth_tickets_issued": result.booth_tickets,
            "booth_tickets_finished": result.finished,
            "lateness_s": result.desk_lag_s,
            "peak_hours_equivalent": round(result.seconds * config.peak.multiplier / 3600, 2),
        },
        "queue_actions_latency": latency(actions),
        "endpoints": by_endpoint(samples),
        "per_minute": per_minute(samples, result.rss),
        "errors": {
            "total": errors,
            "server_5xx": server_errors,
            "database_locked": locked,
            "connection_drops": result.reconnects,
            "resent_after_idle_keepalive_close": result.resent,
            "tracebacks_or_timeouts_in_server_log": worker_errors,
            "samples": result.failures,
        },
        "memory": memory,
        "server_processes": pids_seen,
        "cpu": {
            **result.cpu,
            "loadgen_cores": round(result.loadgen_cpu_seconds / result.seconds, 2),
        },
        "checks": {**checks, "handed_out_twice_by_call_next": handed_twice},
        "verdict": verdict,
        "ok": all(verdict.values()),
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_report(report: dict[str, Any]) -> None:
    name, delivered, peak = report["database"], report["delivered"], report["soak_rates"]
    print(
        f"\n--- soak, {name}: {report['config']['server']}, {report['config']['seconds']} s at "
        f"{peak['multiplier']:g}x the expected peak"
    )
    print(
        f"target {delivered['target_requests_per_s']} requests/s ({peak['queue_actions_per_s']} "
        f"queue actions/s, {peak['tv_clients']} TVs, {peak['phones']} phones); delivered "
        f"{delivered['actions_and_polls_per_s']} ({delivered['queue_actions_per_s']} queue "
        f"actions/s, {delivered['polls_per_s']} polls/s; with the booths' call-next answered "
        f"204, {delivered['requests_per_s']} requests/s); "
        f"{delivered['residents_issued']}/{delivered['arrivals_planned']} residents "
        f"issued, {delivered['booth_tickets_finished']}/{delivered['booth_tickets_issued']} booth "
        f"tickets finished; desks late p95 {delivered['lateness_s']['p95']} s (max "
        f"{delivered['lateness_s']['max']} s), phone polls late p95 "
        f"{delivered['lateness_s']['phone_poll_late_p95']} s"
    )
    print(f"{'endpoint':28} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    rows = {**report["endpoints"], "ALL queue actions": report["queue_actions_latency"]}
    for endpoint, figures in rows.items():
        print(
            f"{endpoint:28} {figures['count']:>7} {figures['errors']:>6} "
            f"{_ms(figures['p50_ms']):>8} {_ms(figures['p95_ms']):>8} {_ms(figures['p99_ms']):>8}"
        )
    print("minute  requests  errors  actions p95 ms  polls p95 ms  server RSS MB")
    for row in report["per_minute"]:
        print(
            f"{row['minute']:>6} {row['requests']:>9} {row['errors']:>7} "
            f"{_ms(row['actions_p95_ms']):>15} {_ms(row['polls_p95_ms']):>13} "
            f"{row['server_rss_mb']:>14}"
        )
    memory = report["memory"]
    print(f"memory (RSS), warm-up {memory['warmup_s']:g} s; bound: {memory['bound']}")
    print(
        f"{'process':12} {'pid':>7} {'start':>7} {'warm':>7} {'end':>7} {'max':>7} "
        f"{'growth MB':>9} {'%':>6} {'MB/min':>7} {'bound':>6}"
    )
    for p in memory["processes"]:
        print(
            f"{p['role']:12} {p['pid']:>7} {p['start_mb']:>7} {p['after_warmup_mb']:>7} "
            f"{p['end_mb']:>7} {p['max_mb']:>7} {p['growth_after_warmup_mb']:>9} "
            f"{_ms(p['growth_after_warmup_pct']):>6} "
            f"{_ms(p['slope_after_warmup_mb_per_min']):>7} {p['bound_mb']:>6} "
            f"{'ok' if p['bounded'] else 'OVER'}"
        )
    cpu = report["cpu"]
    print(
        f"CPU (cores of {cpu.get('machine_cores')}): server {cpu.get('server_cores')}, postgres "
        f"{cpu.get('postgres_cores')}, load generator {cpu.get('loadgen_cores')}; machine busy "
        f"{cpu.get('machine_busy_pct')} %; busiest other processes "
        f"{cpu.get('busiest_other_processes_cores')}; load average after "
        f"{report['machine']['load_average_after']}"
    )
    errors = report["errors"]
    print(
        f"errors: {errors['total']} (5xx {errors['server_5xx']}, database is locked "
        f"{errors['database_locked']}, dropped connections {errors['connection_drops']}, "
        f"tracebacks/timeouts in the server log {errors['tracebacks_or_timeouts_in_server_log']})"
    )
    checks = report["checks"]
    print(
        f"checks: {checks['tickets']} tickets ({checks['statuses']}), duplicate numbers "
        f"{checks['duplicate_numbers']}, overlapping calls of one resident "
        f"{checks['overlapping_calls']}, still held {checks['residents_still_held']}, done "
        f"without a service record {checks['done_without_service_record']}"
    )
    print(
        "verdict: "
        + ", ".join(f"{k} {'OK' if v else 'FAILED'}" for k, v in report["verdict"].items())
    )


# One run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--multiplier", type=float, default=10.0, help="times the expected peak")
    parser.add_argument(
        "--warmup-minutes", type=float, help="default: 2, or a fifth of a shorter run"
    )
    parser.add_argument("--sample-seconds", type=float, default=5.0, help="RSS sampling period")
    parser.add_argument("--max-growth-pct", type=float, default=10.0)
    parser.add_argument("--max-growth-mb", type=float, default=10.0)
    defaults = Peak()
    parser.add_argument("--residents-per-day", type=int, default=defaults.residents_per_day)
    parser.add_argument("--hours", type=float, default=defaults.hours)
    parser.add_argument("--peak-factor", type=float, default=defaults.peak_factor)
    parser.add_argument("--booths", type=int, default=defaults.booths)
    parser.add_argument("--tvs", type=int, default=defaults.tvs)
    parser.add_argument("--phone-share", type=float, default=defaults.phone_share)
    parser.add_argument("--stay-minutes", type=float, default=defaults.stay_minutes)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--phone-workers", type=int, default=48)
    parser.add_argument(
        "--workers", type=int, help="gunicorn worker processes (default: SQLite 6, PostgreSQL 5)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per gunicorn worker (default: SQLite 1, PostgreSQL 2)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where files go (var/bench)")
    return parser.parse_args(argv)


def peak_from(args: argparse.Namespace) -> Peak:
    return Peak(
        residents_per_day=args.residents_per_day,
        hours=args.hours,
        peak_factor=args.peak_factor,
        booths=args.booths,
        tvs=args.tvs,
        phone_share=args.phone_share,
        stay_minutes=args.stay_minutes,
    )


def run_one(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    name = target.name
    # This database's server shape unless given (the report reads it from args).
    workers, threads = shape(name, args.workers, args.threads)
    args = argparse.Namespace(**{**vars(args), "workers": workers, "threads": threads})
    out: Path = args.out
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = peak_from(args)
    peak = base.scaled(args.multiplier)
    seconds = args.minutes * 60
    warmup = (
        args.warmup_minutes * 60 if args.warmup_minutes is not None else min(120.0, seconds / 5)
    )
    residents = math.ceil(peak.residents_per_s * seconds * 1.3) + 20
    print(
        f"\n=== soak {name}: fresh database, migrate, seed ({peak.booths} booths, "
        f"{residents} residents)",
        flush=True,
    )
    cache_dir = out / f"cache-soak-{name}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    target.reset()
    env = {**app_env(target, cache_dir), "BUJIAN_VAR_DIR": str(out)}
    plan_file = out / f"plan-soak-{name}.json"
    manage("migrate", "--noinput", "-v0", env=env)
    # The status page is HTML: with DEBUG off it needs the static manifest (as make run).
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage(
        "bench_setup",
        "--output",
        str(plan_file),
        "--agencies",
        str(peak.booths),
        "--residents",
        str(residents),
        "--desks",
        str(args.desks),
        "--seed",
        str(args.seed),
        env=env,
    )
    plan = load_plan(plan_file, seed=args.seed)
    log_path = out / f"gunicorn-soak-{name}.log"
    print(
        f"=== soak {name}: gunicorn ({args.workers} workers x {args.threads} threads); "
        f"{args.minutes:g} min at {args.multiplier:g}x the peak: "
        f"{peak.requests_per_s:.1f} requests/s",
        flush=True,
    )
    server = start_server(
        app="bujian.wsgi:application",
        env=env,
        database=name,
        workers=args.workers,
        threads=args.threads,
        log_path=log_path,
        ready_path=BOARD_PATH.format(visit=plan.visit_id),
        access_log=None,
    )
    first = server.pids()
    roles = {pid: ("master" if pid == server.process.pid else "worker") for pid in first}
    seen: set[int] = set(first)

    def pids() -> list[int]:
        now = server.pids()
        seen.update(now)
        return now

    probe = CpuProbe(server.pids, postgres=name == "postgres")
    config = SoakConfig(
        host="127.0.0.1",
        port=server.port,
        peak=peak,
        seconds=seconds,
        warmup_seconds=warmup,
        sample_seconds=min(args.sample_seconds, max(0.5, seconds / 10)),
        desks=args.desks,
        phone_workers=args.phone_workers,
        seed=args.seed,
    )
    try:
        result = run_soak(plan, config, server_pids=pids, cpu_probe=probe.read)
    finally:
        server.stop()
    log_text = log_path.read_text(errors="replace")
    memory = memory_verdict(
        result.rss,
        roles=roles,
        warmup_seconds=warmup,
        max_growth_pct=args.max_growth_pct,
        max_growth_mb=args.max_growth_mb,
    )
    checks = {
        **check_day(target, floor=False, expected_tickets=result.booth_tickets),
        **overlapping_calls(target),
    }
    report = build_report(
        name=name,
        result=result,
        config=config,
        base_peak=base,
        memory=memory,
        checks=checks,
        log_text=log_text,
        pids_seen={
            "at_start": first,
            "seen": sorted(seen),
            "replaced": sorted(seen - set(first)),
        },
        args=args,
    )
    path = out / f"soak-{name}-{stamp}.json"
    path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print_report(report)
    print(f"Written: {path}  ->  {'OK' if report['ok'] else 'FAILED'}", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    targets: list[Target] = []
    if args.db in {"sqlite", "both"}:
        sqlite = SqliteTarget(args.out)
        sqlite.path, sqlite.floor_path = args.out / "soak.sqlite3", args.out / "soak-floor.sqlite3"
        targets.append(sqlite)
    if args.db in {"postgres", "both"}:
        targets.append(PostgresTarget(args.postgres_url, database="bujian_bench_soak"))
    reports = [run_one(target, args) for target in targets]
    return 0 if all(report["ok"] for report in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
