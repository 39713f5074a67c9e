"""Long exports (a period report as PDF or Excel) run in the background.

``start_export`` records the job in the cache under a random token and queues
``tasks.run_export``; the task builds the report, reports its progress in the same
cache entry (the page polls it with htmx for the progress bar) and writes the file
under ``MEDIA_ROOT/evaluation-exports/`` with another random name. The download view
serves it to the user who asked for it, and only to them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.evaluation.reports import Period

STATE_TIMEOUT = 24 * 3600  # seconds; files older than this are removed too
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class Status:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    ACTIVE = frozenset({QUEUED, RUNNING})


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "evaluation-exports"


def state_key(token: str) -> str:
    return f"evaluation:export:{token}"


def get_state(token: str) -> dict[str, Any] | None:
    if not TOKEN_RE.match(token):
        return None
    state = cache.get(state_key(token))
    return state if isinstance(state, dict) else None


def save_state(token: str, **changes: Any) -> dict[str, Any]:
    state = cache.get(state_key(token)) or {}
    state.update(changes)
    cache.set(state_key(token), state, STATE_TIMEOUT)
    return state


def _remove_stale_files(now: float | None = None) -> None:
    folder = export_dir()
    if not folder.exists():
        return
    limit = (now or time.time()) - STATE_TIMEOUT
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def start_export(
    *,
    user: User,
    regency_id: int,
    period: Period,
    file_format: str,
    agency_ids: frozenset[int] | None,
) -> str:
    """Queue the export of a period report; returns the job's token."""
    if file_format not in FORMATS:
        raise DomainError("evaluation.bad_format", _("Choose PDF or Excel."))
    _remove_stale_files()
    token = secrets.token_urlsafe(24)
    save_state(
        token,
        user_id=user.pk,
        regency_id=regency_id,
        period=[period.kind, period.year, period.number],
        format=file_format,
        agency_ids=sorted(agency_ids) if agency_ids is not None else None,
        status=Status.QUEUED,
        done=0,
        total=0,
        file="",
        filename=f"evaluasi-{period.slug}.{FORMATS[file_format][1]}",
        label=period.label,
        error="",
        language=get_language(),
        queued_at=dt.datetime.now(dt.UTC).isoformat(),
    )
    from bujian.evaluation.tasks import run_export

    run_export.enqueue(token)
    return token


def build_export(token: str) -> None:
    """The task's body: build the report and its file, with progress."""
    from bujian.evaluation.excel import period_report_xlsx
    from bujian.evaluation.pdf import period_report_pdf
    from bujian.evaluation.queries import letterhead_for
    from bujian.evaluation.reports import period_report
    from bujian.regions.models import Regency

    state = get_state(token)
    if state is None:
        raise LookupError(token)
    period = Period.parse(*state["period"])
    save_state(token, status=Status.RUNNING, done=0, total=10)
    agency_ids = state["agency_ids"]
    report = period_report(
        state["regency_id"],
        period.start,
        period.end,
        agency_ids=frozenset(agency_ids) if agency_ids is not None else None,
        label=period.label,
    )
    save_state(token, done=4, total=10)

    def progress(done: int, total: int) -> None:
        save_state(token, done=4 + round(6 * done / total), total=10)

    letterhead = letterhead_for(Regency.objects.get(pk=state["regency_id"]))
    if state["format"] == "pdf":
        data = period_report_pdf(report, letterhead, progress)
    else:
        data = period_report_xlsx(report, letterhead, progress)
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.{FORMATS[state['format']][1]}"
    (folder / name).write_bytes(data)
    save_state(token, status=Status.DONE, done=10, total=10, file=name, size=len(data))


def export_file(state: dict[str, Any]) -> Path | None:
    name = state.get("file") or ""
    if not name or "/" in name or "\\" in name:
        return None
    path = export_dir() / name
    return path if path.is_file() else None
