"""Figures from the samples: latency percentiles per endpoint and queue actions/s."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from bench.load import Sample

# A queue action moves the queue: an issued visit ticket, a call, a finish.
ACTIONS = ("issue", "call-next", "finish")


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(samples: Iterable[Sample]) -> dict[str, Any]:
    items = list(samples)
    ordered = sorted(s.seconds for s in items)
    queries = [s.queries for s in items if s.queries >= 0]
    return {
        "count": len(items),
        "errors": sum(not s.ok for s in items),
        "database_locked": sum(s.locked for s in items),
        "server_errors_5xx": sum(s.status >= 500 for s in items),
        "statuses": dict(sorted(Counter(str(s.status) for s in items).items())),
        "p50_ms": round(percentile(ordered, 50) * 1000, 2) if ordered else None,
        "p95_ms": round(percentile(ordered, 95) * 1000, 2) if ordered else None,
        "p99_ms": round(percentile(ordered, 99) * 1000, 2) if ordered else None,
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2) if ordered else None,
        "queries_mean": round(sum(queries) / len(queries), 2) if queries else None,
        "queries_max": max(queries) if queries else None,
    }


def by_endpoint(samples: Sequence[Sample]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.endpoint].append(sample)
    order = ["issue", "call-next", "call-next (nobody waiting)", "finish", "board", "board (304)"]
    names = sorted(groups, key=lambda n: (order.index(n) if n in order else len(order), n))
    return {name: latency(groups[name]) for name in names}


def throughput(samples: Sequence[Sample], busy_seconds: float) -> dict[str, Any]:
    """Queue actions per second: over the whole busy period (first request to the
    last ticket done), and sustained, between the 5th and the 95th percentile of
    completion times (leaving out the ramp-up and the tail where few booths still
    have someone waiting)."""
    done = sorted(s.start + s.seconds for s in samples if s.endpoint in ACTIONS and s.ok)
    if len(done) < 20:
        return {"actions": len(done), "busy_seconds": round(busy_seconds, 2)}
    low, high = percentile(done, 5), percentile(done, 95)
    inside = sum(low <= t <= high for t in done)
    per_second = Counter(int(t) for t in done)
    seconds = range(int(done[-1]) + 1)
    return {
        "actions": len(done),
        "by_kind": dict(Counter(s.endpoint for s in samples if s.endpoint in ACTIONS and s.ok)),
        "busy_seconds": round(busy_seconds, 2),
        "actions_per_s_busy": round(len(done) / busy_seconds, 1),
        "sustained_window_s": [round(low, 2), round(high, 2)],
        "actions_per_s_sustained": round(inside / (high - low), 1) if high > low else None,
        "per_second": [per_second.get(t, 0) for t in seconds],
    }
