"""Reading a py-spy recording of the server (``--profile``): where the samples fell.

py-spy samples every thread that is not idle, so the shares mix CPU work with waits
inside C calls (a thread in ``BEGIN IMMEDIATE`` waiting for SQLite's write lock, or
in psycopg waiting for PostgreSQL); the categories keep those apart.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

CATEGORIES = [
    # (name, substring of the stack), first match wins, checked from the leaf up
    ("waiting for the SQLite write lock (BEGIN IMMEDIATE)", "Atomic.__enter__"),
    ("file cache (board version, board state)", "filebased.py"),
    ("file cache (board version, board state)", "file_move_safe"),
    ("database driver (SQLite / psycopg, incl. waits)", "sqlite3/base.py"),
    ("database driver (SQLite / psycopg, incl. waits)", "psycopg/"),
    ("database driver (SQLite / psycopg, incl. waits)", "django/db/backends/"),
    ("ORM: building SQL", "django/db/models/sql/"),
    ("ORM: models, querysets, related objects", "django/db/"),
    ("django-ninja and pydantic", "ninja/"),
    ("django-ninja and pydantic", "pydantic"),
    ("Django request handling and middleware", "django/"),
    ("gunicorn (HTTP, threads)", "gunicorn/"),
]


def _category(frames: list[str]) -> str:
    entered = [i for i, frame in enumerate(frames) if "Atomic.__enter__" in frame]
    if entered and "sqlite3/base.py" in frames[-1]:
        below = frames[entered[-1] + 1 :]
        if not any("django/db/models/" in frame for frame in below):
            return CATEGORIES[0][0]  # the BEGIN IMMEDIATE itself
    for frame in reversed(frames):
        for name, needle in CATEGORIES[1:]:
            if needle in frame:
                return name
    return "other"


def summarize(path: Path, top: int = 15) -> dict[str, Any]:
    by_category: Counter[str] = Counter()
    by_our_code: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        by_category[_category(frames)] += count
        ours = [f for f in frames if "(bujian/" in f or "/bujian/" in f]
        by_our_code[ours[-1] if ours else "(outside bujian/)"] += count
    if not total:
        return {"samples": 0}

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {
        "samples": total,
        "by_category_pct": shares(by_category),
        "by_innermost_bujian_frame_pct": shares(by_our_code),
    }
