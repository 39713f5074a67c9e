"""Who stands in the lines of a visit's booths, for the public status page.

Each phone on the status page asks "how many people are ahead of me" every 10 seconds;
on a busy day that is dozens of counts a second over the same lines. ``visit_lines``
keeps, per worker process, the last read of a (visit, day)'s lines (every waiting or
skipped ticket, one query) and answers the counts from memory. Like the TV board
(``queries_board.current_board``) a read is reused while the visit's board version has
not moved, and, while the queue moves, for at most ``BUJIAN_BOARD_REBUILD_MS``: a
status page lags the queue by at most that. The ticket's own rows are always read
fresh, so "your number is called" is never late.
"""

from __future__ import annotations

import bisect
import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings

from bujian.queueing.memo import Memo
from bujian.queueing.models import Ticket

MEMO_SIZE = 32  # (visit, day) reads kept per process
READ_TIMEOUT_SECONDS = 60 * 60  # an unchanged read is done again after this long


@dataclass(frozen=True)
class Line:
    """One booth's waiting and skipped tickets of the day, in line order."""

    order: list[tuple[dt.datetime, int]]  # (queued_at, id): queued first, then lower id
    return_at: list[dt.datetime | None]  # None for a waiting ticket

    def ahead(
        self, queued_at: dt.datetime, pk: int, now: dt.datetime
    ) -> tuple[int, dt.datetime | None]:
        """How many the booth calls before (queued_at, pk) at ``now`` (waiting ones, and
        skipped ones back in the line), and the earliest return time after ``now`` of a
        skipped ticket before it (None when there is none)."""
        end = bisect.bisect_left(self.order, (queued_at, pk))
        count = 0
        returning = None
        for back in self.return_at[:end]:
            if back is None or back <= now:
                count += 1
            elif returning is None or back < returning:
                returning = back
        return count, returning


@dataclass(frozen=True)
class VisitLines:
    version: int  # the visit's board version read before the tickets
    read_at: float  # time.monotonic()
    lines: dict[int, Line]  # by booth id

    def line(self, booth_id: int) -> Line:
        return self.lines.get(booth_id) or Line(order=[], return_at=[])


_memo: Memo[tuple[int, dt.date], VisitLines] = Memo(MEMO_SIZE)


def _read(visit_id: int, day: dt.date, version: int) -> VisitLines:
    rows = (
        Ticket.objects.filter(
            booth__visit_id=visit_id,
            day=day,
            status__in=[Ticket.Status.WAITING, Ticket.Status.SKIPPED],
        )
        .order_by("booth_id", "queued_at", "id")
        .values_list("booth_id", "queued_at", "id", "status", "return_at")
    )
    lines: dict[int, Line] = {}
    for booth_id, queued_at, pk, status, return_at in rows:
        line = lines.setdefault(booth_id, Line(order=[], return_at=[]))
        line.order.append((queued_at, pk))
        line.return_at.append(return_at if status == Ticket.Status.SKIPPED else None)
    return VisitLines(version=version, read_at=time.monotonic(), lines=lines)


def visit_lines(visit_id: int, day: dt.date, *, version: int) -> VisitLines:
    """The lines of the visit's booths on ``day``: the last read when it was made at
    ``version`` (the visit's current board version, read by the caller before any of
    the queue) or, while the queue moves, is younger than ``BUJIAN_BOARD_REBUILD_MS``;
    otherwise a new read (always one with an interval of 0). The answer's ``version``
    is the one it was read at."""
    key = (int(visit_id), day)
    now = time.monotonic()
    found = _memo.get(key)
    interval = settings.BUJIAN_BOARD_REBUILD_MS / 1000
    # An interval of 0 (the tests) reads every time: a test changes the queue inside
    # its transaction, where the version moves only when on_commit callbacks are run.
    if found is not None and interval > 0:
        age = now - found.read_at
        if age < READ_TIMEOUT_SECONDS and (found.version == version or age < interval):
            return found
    read = _read(visit_id, day, version)
    _memo.put(key, read)
    return read
