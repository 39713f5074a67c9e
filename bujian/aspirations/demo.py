"""Demo data of this app, called by ``bujian.core.demo`` after the core demo."""

from __future__ import annotations

import datetime as dt


def seed(today: dt.date) -> str | None:
    """Add this app's demo data; return one line for the summary (or None)."""
    return None
