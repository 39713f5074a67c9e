"""The change counter behind every queue screen.

Each queue change stamps a new version for its visit in the cache, after the
transaction commits. Boards and status pages poll with the version they have (ETag):
while it has not moved, the answer is 304 and the database is not touched. The cache
is shared by every worker process (a file cache on the field laptop; see CACHES).

A version is a fresh random number, not an increment: an increment is a
read-modify-write that two processes can interleave and lose, leaving a board on a
version that silently stopped matching the data; a fresh random stamp per change
cannot (and, unlike a timestamp, it also moves under a frozen test clock).
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction


def _key(visit_id: int) -> str:
    return f"queueing:board-version:{visit_id}"


def board_version(visit_id: int) -> int:
    """The visit's current version; a cache miss (first poll, restart) starts one."""
    version = cache.get(_key(visit_id))
    if version is None:
        cache.add(_key(visit_id), secrets.randbits(62), timeout=None)
        version = cache.get(_key(visit_id))
    return int(version)


def bump_board(visit_id: int) -> None:
    """Mark the visit's queue as changed once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(_key(visit_id), secrets.randbits(62), timeout=None))
