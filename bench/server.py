"""Starting and stopping the app server, and what the machine's CPUs did meanwhile."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# As `make run` serves the app (WEB_WORKERS, WEB_THREADS in the Makefile): on SQLite
# (the default database and the field node) 6 processes of one thread each, on
# PostgreSQL (central) 5 processes of 2 threads. bench/README.md, "Server settings".
# The third number: connections a process holds at most (gunicorn's
# --worker-connections, WEB_CONNECTIONS): on SQLite 12, so keep-alive connections spread
# over every process (bench/README.md).
SHAPES = {"sqlite": (6, 1, 12), "postgres": (5, 2, 1000)}


def shape(database: str, workers: int | None = None, threads: int | None = None) -> tuple[int, int]:
    """(worker processes, threads each) for a database, unless given."""
    default_workers, default_threads, _connections = SHAPES[database]
    return workers or default_workers, threads or default_threads


def clean_environ() -> dict[str, str]:
    """This process's environment without the app's own settings (DJANGO_*, BUJIAN_*,
    DATABASE_URL): a bench server gets only the ones the bench gives it."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "BUJIAN_", "DATABASE_URL"))
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def manage(*args: str, env: dict[str, str]) -> None:
    """Run a manage.py command with the bench environment; fail loudly."""
    subprocess.run(  # noqa: S603 -- our own interpreter and manage.py, fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True
    )


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    def pids(self) -> list[int]:
        """The master and its workers."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        except OSError:
            pass
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_server(
    *,
    app: str,
    env: dict[str, str],
    database: str,
    log_path: Path,
    ready_path: str,
    access_log: Path | None,
    workers: int | None = None,
    threads: int | None = None,
) -> Server:
    """gunicorn as ``make run`` starts it for ``database`` (gthread workers, the
    database's shape unless ``workers``/``threads`` are given), on a free port; returns
    once ``ready_path`` answers 200."""
    workers, threads = shape(database, workers, threads)
    worker_connections = int(os.environ.get("BENCH_WORKER_CONNECTIONS") or SHAPES[database][2])
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 -- the venv's gunicorn, fixed arguments
        [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--worker-connections",
            str(worker_connections),
            "--log-level",
            "warning",
            *(["--access-logfile", str(access_log)] if access_log else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(process=process, port=port, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"gunicorn exited; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", ready_path)
                status = conn.getresponse().status
            finally:
                conn.close()
            if status == 200 and len(server.pids()) > workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer {ready_path} within 60 s; see {log_path}")


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def all_processes_cpu() -> dict[int, tuple[str, float]]:
    """Every process's name and CPU seconds so far (to tell what else ran)."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return found
