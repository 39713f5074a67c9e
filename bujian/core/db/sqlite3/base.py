"""SQLite whose write transactions queue in the kernel instead of SQLite's busy loop.

With ``transaction_mode="IMMEDIATE"`` every transaction takes SQLite's write lock at
BEGIN. When another connection holds it, SQLite's busy handler retries after sleeps of
1, 2, 5, 10 … up to 100 ms: the lock is often free while the waiters still sleep, and
on a busy visit day that idle time is lost throughput and added latency.

This backend takes an exclusive ``flock`` on a lock file beside the database before
BEGIN IMMEDIATE and releases it after COMMIT or ROLLBACK. ``flock`` waiters sleep in
the kernel and the next one wakes the moment the lock is released, across threads
(each connection has its own open file) and across the server's worker processes.
SQLite's own locking stays as it is underneath: the file lock only orders who asks.
Statements outside a transaction (autocommit) do not take it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base


def lock_path(name: str) -> Path:
    """The lock file of a database: ``<file>-writer.lock``; for an in-memory database
    (tests) a file in the temporary directory, private to this process."""
    if name == ":memory:" or "mode=memory" in name:
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"bujian-{os.getpid()}-{digest}-writer.lock"
    return Path(f"{name}-writer.lock")


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_held = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        self._close_writer_lock()
        self._writer_fd = os.open(
            lock_path(str(self.settings_dict["NAME"])), os.O_RDWR | os.O_CREAT, 0o600
        )
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private, unstubbed
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._close_writer_lock()

    def _acquire_writer_lock(self) -> None:
        if self._writer_fd is not None and not self._writer_held:
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            self._writer_held = True

    def _release_writer_lock(self) -> None:
        if self._writer_fd is not None and self._writer_held:
            self._writer_held = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _close_writer_lock(self) -> None:
        if self._writer_fd is not None:
            self._release_writer_lock()
            os.close(self._writer_fd)
            self._writer_fd = None
