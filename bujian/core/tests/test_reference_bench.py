"""The machine's yardstick (``bench/reference_bench.py``): a bare Django view doing one
ticket transaction under gunicorn, measured for a second against SQLite."""

from __future__ import annotations

from pathlib import Path

from bench.reference_bench import describe, run_reference


def test_the_bare_view_gives_every_number_once_and_reports_its_rate(tmp_path: Path) -> None:
    result = run_reference("sqlite", clients=4, seconds=1.0, warmup=0.3, directory=tmp_path)

    assert result["errors"] == 0, result["first_errors"]
    assert result["duplicate_numbers"] == 0
    assert result["requests_per_s"] > 0
    # Every answered request left its ticket (the warm-up's too, which are not timed).
    assert result["tickets"] >= result["requests_timed"] > 0
    assert result["server"] == "gunicorn gthread, 6 workers x 1 threads"
    assert result["share_of_quoted_sqlite_figure"] == round(result["requests_per_s"] / 1700, 2)
    assert f"{result['requests_per_s']} requests/s" in describe(result)
