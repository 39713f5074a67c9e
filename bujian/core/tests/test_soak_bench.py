"""The soak benchmark's machinery (``bench/soak_bench.py``; the 10-minute soak itself,
``make bench BENCH=soak``, is not a test): the peak it derives, the RSS sampling and
the memory verdict, and a few seconds of its load against the live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.live_server_helper import LiveServer

from bench.plan import load_plan
from bench.soak_bench import Peak, RssSampler, SoakConfig, memory_verdict, rss_kb, run_soak


def test_the_expected_peak_is_the_one_the_docstring_derives() -> None:
    peak = Peak()
    assert peak.residents_per_s == pytest.approx(572 / 3600, abs=0.001)
    assert peak.tickets_per_resident == pytest.approx(1.62, abs=0.01)
    assert peak.actions_per_s == pytest.approx(0.95, abs=0.01)
    assert (peak.tv_clients, peak.phones) == (2, 86)
    assert peak.requests_per_s == pytest.approx(11.5, abs=0.1)
    soak = peak.scaled(10)
    assert soak.actions_per_s == pytest.approx(9.5, abs=0.1)
    assert (soak.tv_clients, soak.phones) == (20, 857)
    assert soak.requests_per_s == pytest.approx(115, abs=1)


def _series(pid: int, start_kb: int, per_step_kb: int, steps: int) -> list[tuple[float, int, int]]:
    return [(step * 5.0, pid, start_kb + step * per_step_kb) for step in range(steps)]


def test_the_memory_verdict_flags_steady_growth_after_warm_up_only() -> None:
    # A worker that grows fast while warming up, then stays flat; a second that
    # keeps growing 1 MB every 5 s after warm-up (a leak).
    flat = _series(1, 60_000, 8_000, 6) + [(30.0 + 5 * i, 1, 100_000) for i in range(20)]
    leak = _series(2, 100_000, 1024, 26)
    verdict = memory_verdict(
        flat + leak,
        roles={1: "worker", 2: "worker"},
        warmup_seconds=30,
        max_growth_pct=10,
        max_growth_mb=10,
    )
    by_pid = {p["pid"]: p for p in verdict["processes"]}
    assert by_pid[1]["bounded"] and by_pid[1]["growth_after_warmup_mb"] == 0
    assert by_pid[1]["start_mb"] < by_pid[1]["after_warmup_mb"]  # warm-up growth is allowed
    assert not by_pid[2]["bounded"]
    assert by_pid[2]["growth_after_warmup_mb"] == pytest.approx(19.0, abs=0.1)
    assert by_pid[2]["slope_after_warmup_mb_per_min"] == pytest.approx(12.0, abs=0.1)
    assert not verdict["bounded"]


def test_the_sampler_sees_a_process_grow() -> None:
    """A real process that allocates 64 MB after the first sample."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; sys.stdin.readline(); b = bytearray(64 * 2**20); "
            "print('ok', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        sampler = RssSampler(lambda: [child.pid], period=60, t0=time.perf_counter())
        sampler.sample()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "ok"
        sampler.sample()
    finally:
        child.stdin.close()
        child.wait(timeout=10)
        child.stdout.close()
    assert rss_kb(child.pid) is None  # gone
    (first, second) = sampler.samples
    assert second[2] - first[2] > 60 * 1024
    verdict = memory_verdict(
        sampler.samples, roles={}, warmup_seconds=0, max_growth_pct=10, max_growth_mb=10
    )
    assert not verdict["bounded"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the live server shares one in-memory SQLite connection between its threads",
)
def test_a_few_seconds_of_soak_load_against_the_live_server(
    live_server: LiveServer, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    call_command(
        "bench_setup", output=str(plan_file), agencies=2, residents=20, desks=1, stdout=StringIO()
    )
    plan = load_plan(plan_file, seed=1)
    host, port = live_server.url.removeprefix("http://").split(":")
    # ~1.6 residents/s, 2 phones polling every second, 10 TV boards.
    peak = Peak(booths=2, tvs=1, phone_share=0.0005, phone_period_s=1.0).scaled(10)
    config = SoakConfig(
        host=host,
        port=int(port),
        peak=peak,
        seconds=3,
        warmup_seconds=1,
        sample_seconds=1,
        desks=1,
        phone_workers=2,
        idle_seconds=0.2,
    )
    result = run_soak(plan, config, server_pids=lambda: [os.getpid()])

    failures = json.dumps(result.failures, default=str)[:2000]
    assert all(s.ok for s in result.samples), failures
    kinds = {s.endpoint for s in result.samples}
    assert {"issue", "call-next", "start", "finish", "board", "status"} <= kinds
    assert result.issued == result.arrivals_planned > 0
    assert result.finished > 0
    assert len({at for at, _pid, _kb in result.rss}) >= 3  # sampled while the load ran
