"""The fault script (bench/sync_fault.py) in small: a field node on its own SQLite file,
central as gunicorn on another; pushes SIGKILLed at random points, a request cut in
a proxy on loopback, central SIGKILLed mid-push and restarted, and after each central
holds exactly the node's records, by UUID. The full run is ``python -m
bench.sync_fault`` (100 kills, SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import queue_bench, sync_fault
from bench.database import SqliteTarget


def test_kills_cuts_and_a_restart_lose_and_double_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_bench, "OUT", tmp_path)
    monkeypatch.setattr(sync_fault, "OUT", tmp_path)
    args = sync_fault.parser().parse_args(
        [
            "--db=sqlite",
            "--residents=40",
            "--agencies=3",
            "--day-residents=30",
            "--walk-ins=3",
            "--runs=5",
            "--check-every=5",
            "--simulate-every=0",  # the day's records are what the killed pushes send
            "--kill-window=6",
            "--batch-records=15",
            "--cut-at",
            "0.5",
            "--restarts=1",
            "--no-concurrent",
        ]
    )
    template = sync_fault.node_template(tmp_path / "template")
    result = sync_fault.run_one(SqliteTarget(tmp_path / "central"), template, args)

    assert result["kill_runs"] == 5
    # Kill, cut and restart each had something to break: the cut cut, the restart
    # interrupted a push that had records to send.
    cut = next(s for s in result["scenarios"] if s["scenario"].startswith("network cut"))
    assert cut["cut"] and cut["push"] != "finished"
    restart = next(s for s in result["scenarios"] if s["scenario"].startswith("central"))
    assert restart["push"] != "finished"
    # After each: the check ran and central held exactly the node's records.
    assert result["checks"] == 4
    assert result["records_lost"] == 0 and result["records_doubled"] == 0
    assert result["checks_failed"] == 0, result["check_results"]
    assert result["node_records_at_end"] > 500
    assert result["ok"]
