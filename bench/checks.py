"""What must hold after the day, checked straight in the database with the driver."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.database import Target


def _moment(value: Any) -> dt.datetime:
    """SQLite keeps Django's datetimes as text (UTC); psycopg returns datetimes."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    moment = dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def check_day(target: Target, *, floor: bool, expected_tickets: int) -> dict[str, Any]:
    connection = target.connect(floor=floor)
    try:
        cursor = connection.cursor()

        def rows(query: str) -> list[Any]:
            cursor.execute(target.q(query))
            return list(cursor.fetchall())

        statuses = dict(rows("SELECT status, COUNT(*) FROM queueing_ticket GROUP BY status"))
        total = sum(statuses.values())
        duplicates = rows(
            "SELECT booth_id, day, number, COUNT(*) FROM queueing_ticket "
            "GROUP BY booth_id, day, number HAVING COUNT(*) > 1"
        )
        not_once = rows(
            "SELECT id, call_count FROM queueing_ticket WHERE status = 'done' AND call_count <> 1"
        )
        audit_twice = rows(
            "SELECT target_id, COUNT(*) FROM core_auditentry "
            "WHERE action = 'queueing.ticket.called' GROUP BY target_id HAVING COUNT(*) > 1"
        )
        audit_calls = rows(
            "SELECT COUNT(*) FROM core_auditentry WHERE action = 'queueing.ticket.called'"
        )[0][0]
        still_busy = rows(
            "SELECT COUNT(*) FROM queueing_visitticket WHERE busy_with_id IS NOT NULL"
        )[0][0]
        without_record = rows(
            "SELECT COUNT(*) FROM queueing_ticket t WHERE t.status = 'done' AND NOT EXISTS "
            "(SELECT 1 FROM records_servicerecord r WHERE r.ticket_id = t.id)"
        )[0][0]
        intervals = rows(
            "SELECT visit_ticket_id, called_at, finished_at FROM queueing_ticket "
            "WHERE called_at IS NOT NULL ORDER BY visit_ticket_id, called_at, id"
        )
    finally:
        connection.close()

    overlaps = 0
    worst = dt.timedelta(0)
    previous: tuple[Any, dt.datetime] | None = None
    for visit_ticket_id, called_at, finished_at in intervals:
        called = _moment(called_at)
        if previous is not None and previous[0] == visit_ticket_id and called < previous[1]:
            overlaps += 1
            worst = max(worst, previous[1] - called)
        end = (
            _moment(finished_at)
            if finished_at is not None
            else dt.datetime.max.replace(tzinfo=dt.UTC)
        )
        if previous is None or previous[0] != visit_ticket_id or end > previous[1]:
            previous = (visit_ticket_id, end)

    return {
        "tickets": total,
        "expected_tickets": expected_tickets,
        "statuses": statuses,
        "all_done": total == expected_tickets and statuses.get("done", 0) == total,
        "duplicate_numbers": len(duplicates),
        "done_not_called_exactly_once": len(not_once),
        "called_twice_in_audit": len(audit_twice),
        "call_audit_entries": audit_calls,
        "residents_still_held": still_busy,
        "done_without_service_record": without_record,
        "overlapping_calls": overlaps,
        "worst_overlap_ms": round(worst.total_seconds() * 1000, 3),
    }
