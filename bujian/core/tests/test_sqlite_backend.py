"""The SQLite backend that queues writers on a file lock (bujian/core/db/sqlite3)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from bujian.core.db.sqlite3.base import lock_path

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite backend only (PostgreSQL has its own)"
)


def test_lock_file_sits_beside_the_database_file() -> None:
    assert lock_path("/srv/bujian/var/bujian.sqlite3") == Path(
        "/srv/bujian/var/bujian.sqlite3-writer.lock"
    )
    memory = lock_path(":memory:")
    assert str(os.getpid()) in memory.name
    assert memory != lock_path("file:memorydb_other?mode=memory&cache=shared")


def _held_by_someone(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_writer_lock_until_commit_or_rollback() -> None:
    connection.ensure_connection()
    path = lock_path(str(connection.settings_dict["NAME"]))
    assert not _held_by_someone(path)
    with transaction.atomic():
        assert _held_by_someone(path)
        with transaction.atomic():  # a savepoint does not take it twice
            assert _held_by_someone(path)
    assert not _held_by_someone(path)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert _held_by_someone(path)
        1 / 0  # noqa: B018 -- the rollback path
    assert not _held_by_someone(path)


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit() -> None:
    connection.ensure_connection()
    path = lock_path(str(connection.settings_dict["NAME"]))
    started = threading.Event()
    order: list[str] = []

    def other_writer() -> None:
        # Another process's connection: its own open file on the same lock.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            started.set()
            fcntl.flock(fd, fcntl.LOCK_EX)
            order.append("other got the lock")
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    with transaction.atomic():
        thread = threading.Thread(target=other_writer)
        thread.start()
        started.wait(5)
        time.sleep(0.05)
        order.append("first commits")
    thread.join(5)
    assert order == ["first commits", "other got the lock"]
