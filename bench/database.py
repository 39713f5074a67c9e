"""The two databases the benchmark runs on: a fresh SQLite file under var/bench/, or a
throwaway PostgreSQL database. Each target gives the environment the app needs, a
plain driver connection (sqlite3 / psycopg) for the floor and the checks, and a
snapshot of the freshly seeded database for the floor to run on."""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql


class Target(ABC):
    name: str

    @abstractmethod
    def reset(self) -> None:
        """Start from nothing: delete the file or drop and create the database."""

    @abstractmethod
    def app_env(self) -> dict[str, str]:
        """Environment variables that point the app at this database."""

    @abstractmethod
    def snapshot(self) -> None:
        """Copy the seeded database for the floor (before the web run changes it)."""

    @abstractmethod
    def connect(self, *, floor: bool = False) -> Any:
        """A driver connection, autocommit off (SQLite: BEGIN is issued by hand)."""

    @abstractmethod
    def begin(self, cursor: Any) -> None:
        """Open a write transaction the way the app does."""

    def end(self, cursor: Any) -> None:
        """After COMMIT or ROLLBACK (or a BEGIN that failed): what ``begin`` took."""
        return None  # PostgreSQL: nothing

    def q(self, query: str) -> str:
        """Queries are written with %s placeholders (psycopg); SQLite wants ?."""
        return query


class SqliteTarget(Target):
    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.path = directory / "queue.sqlite3"
        self.floor_path = directory / "queue-floor.sqlite3"
        self._writer = threading.Lock()

    def reset(self) -> None:
        for path in (self.path, self.floor_path):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def app_env(self) -> dict[str, str]:
        return {"BUJIAN_SQLITE_PATH": str(self.path)}

    def snapshot(self) -> None:
        source = sqlite3.connect(self.path)
        target = sqlite3.connect(self.floor_path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()

    def connect(self, *, floor: bool = False) -> Any:
        # The app's settings: WAL, synchronous=NORMAL, foreign keys, a 20 s busy timeout,
        # and explicit BEGIN IMMEDIATE (isolation_level=None: no implicit transactions).
        connection = sqlite3.connect(
            self.floor_path if floor else self.path,
            timeout=20,
            isolation_level=None,
            check_same_thread=False,
        )
        connection.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        )
        return connection

    def begin(self, cursor: Any) -> None:
        # SQLite has one writer at a time. The floor's threads take turns on a lock of
        # this process, then BEGIN IMMEDIATE: without it, fifty threads retry in
        # SQLite's busy loop and starve each other past the 20 s timeout; with an flock
        # instead, the holder still waits for the GIL between its statements while the
        # others run (the convoy the app's server avoids with more processes). Here
        # the others sleep on the lock and the holder runs.
        self._writer.acquire()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._writer.release()
            raise

    def end(self, cursor: Any) -> None:
        self._writer.release()

    def q(self, query: str) -> str:
        return query.replace("%s", "?")


class PostgresTarget(Target):
    name = "postgres"

    def __init__(self, url: str, database: str = "bujian_bench") -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.floor_database = f"{database}_floor"

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(f"{self.url}/postgres", autocommit=True)

    def reset(self) -> None:
        with self._admin() as admin:
            for name in (self.database, self.floor_database):
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def app_env(self) -> dict[str, str]:
        return {"DATABASE_URL": f"{self.url}/{self.database}"}

    def copy_database(self, source: str, copy: str) -> None:
        """``copy`` made anew from ``source`` (which nobody may be connected to)."""
        with self._admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
            )
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(copy), sql.Identifier(source)
                )
            )

    def checkpoint(self) -> None:
        """Write out what earlier steps left in PostgreSQL's buffers and WAL (a copied
        database, a push), so that a timed step does not pay for their writes."""
        with self._admin() as admin:
            admin.execute("CHECKPOINT")

    def snapshot(self) -> None:
        with self._admin() as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(self.floor_database), sql.Identifier(self.database)
                )
            )

    def connect(self, *, floor: bool = False) -> Any:
        name = self.floor_database if floor else self.database
        return psycopg.connect(f"{self.url}/{name}")

    def begin(self, cursor: Any) -> None:
        pass  # psycopg opens the transaction with the first statement
