"""Pure read functions over aspirations, without personal data: the evaluation module,
the leadership dashboard and the public pages count with these.

Contract (used by ``bujian.evaluation``; keep the signatures):

- ``visit_aspiration_counts(visit_id)`` → ``{"total", "open", "resolved", "rejected",
  "overdue"}``; duplicates merged into another aspiration are not counted.
- ``agency_aspiration_stats(regency_id, start, end)`` → one row per lead agency for the
  aspirations received in [start, end] (local dates of the regency).
- ``overdue_count(regency_id, today)``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from bujian.aspirations.models import Aspiration
from bujian.regions.models import Regency
from bujian.visits.actions import local_today

Status = Aspiration.Status
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class AgencyAspirationStats:
    agency_id: int
    agency_name: str
    received: int
    resolved: int
    rejected: int
    overdue: int
    median_days_to_resolve: float | None
    resolution_rate: float | None


def _counts(rows: QuerySet[Aspiration], today: dt.date) -> dict[str, int]:
    result = rows.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=Aspiration.OPEN_STATES)),
        resolved=Count("id", filter=Q(status=Status.RESOLVED)),
        rejected=Count("id", filter=Q(status=Status.REJECTED)),
        overdue=Count("id", filter=Q(status__in=Aspiration.OPEN_STATES, due_date__lt=today)),
    )
    return {key: int(value or 0) for key, value in result.items()}


def visit_aspiration_counts(visit_id: int) -> dict[str, int]:
    """Counts of the aspirations raised at one visit, in one query (plus the regency)."""
    regency = Regency.objects.filter(visits__id=visit_id).first()
    today = local_today(regency) if regency is not None else dt.date.today()
    return _counts(Aspiration.objects.counted().filter(visit_id=visit_id), today)


def village_aspiration_counts(village_id: int, today: dt.date) -> dict[str, int]:
    return _counts(Aspiration.objects.counted().filter(village_id=village_id), today)


def regency_aspiration_counts(regency_id: int, today: dt.date) -> dict[str, int]:
    return _counts(Aspiration.objects.counted().filter(regency_id=regency_id), today)


def overdue_count(regency_id: int, today: dt.date) -> int:
    """Open aspirations of the regency past the deadline of their current step."""
    return Aspiration.objects.filter(regency_id=regency_id).overdue(today).count()


def local_bounds(regency: Regency, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in the regency's time zone."""
    zone = ZoneInfo(regency.time_zone)
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def agency_aspiration_stats(
    regency_id: int, start: dt.date, end: dt.date
) -> list[AgencyAspirationStats]:
    """Per lead agency, for the aspirations received in [start, end]: received,
    resolved, rejected, overdue now, the median number of days from receipt to
    resolution and the share resolved. Ordered as the leadership ranking: the best
    resolution rate first, then fewer overdue, then the quicker median. Two queries."""
    regency = Regency.objects.get(pk=regency_id)
    today = local_today(regency)
    since, until = local_bounds(regency, start, end)
    rows = Aspiration.objects.counted().filter(
        regency_id=regency_id,
        received_at__gte=since,
        received_at__lt=until,
        lead_agency__isnull=False,
    )
    per_agency = (
        rows.values("lead_agency_id", "lead_agency__name")
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(status=Status.RESOLVED)),
            rejected=Count("id", filter=Q(status=Status.REJECTED)),
            overdue=Count("id", filter=Q(status__in=Aspiration.OPEN_STATES, due_date__lt=today)),
        )
        .order_by()
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for agency_id, received_at, resolved_at in rows.filter(
        status=Status.RESOLVED, resolved_at__isnull=False
    ).values_list("lead_agency_id", "received_at", "resolved_at"):
        if resolved_at is not None and received_at is not None:
            seconds = (resolved_at - received_at).total_seconds()
            durations[agency_id].append(seconds / SECONDS_PER_DAY)
    stats = []
    for row in per_agency:
        agency_id = int(row["lead_agency_id"])
        days = durations.get(agency_id)
        received = int(row["received"])
        stats.append(
            AgencyAspirationStats(
                agency_id=agency_id,
                agency_name=str(row["lead_agency__name"]),
                received=received,
                resolved=int(row["resolved"]),
                rejected=int(row["rejected"]),
                overdue=int(row["overdue"]),
                median_days_to_resolve=round(statistics.median(days), 1) if days else None,
                resolution_rate=round(int(row["resolved"]) / received, 3) if received else None,
            )
        )
    stats.sort(
        key=lambda s: (
            -(s.resolution_rate or 0.0),
            s.overdue,
            s.median_days_to_resolve if s.median_days_to_resolve is not None else 1e9,
            s.agency_name,
        )
    )
    return stats
