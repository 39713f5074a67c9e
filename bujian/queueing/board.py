"""The change counter behind every queue screen.

Each queue change bumps a per-visit version in the cache, after the transaction
commits. Boards and status pages poll with the version they have (ETag): while it
has not moved, the answer is 304 and the database is not touched. The cache is
shared by every worker process (file-based on a field laptop, Redis or the
database cache on a server; see CACHES in settings).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction


def _key(visit_id: int) -> str:
    return f"queueing:board-version:{visit_id}"


def board_version(visit_id: int) -> int:
    version = cache.get(_key(visit_id))
    if version is None:
        # First poll after a restart: start at a value no client can hold.
        import time

        version = int(time.time() * 1000)
        cache.add(_key(visit_id), version, timeout=None)
        version = cache.get(_key(visit_id), version)
    return int(version)


def bump_board(visit_id: int) -> None:
    """Mark the visit's queue as changed once the current transaction commits."""

    def bump() -> None:
        key = _key(visit_id)
        try:
            cache.incr(key)
        except ValueError:
            board_version(visit_id)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, board_version(visit_id) + 1, timeout=None)

    transaction.on_commit(bump)
