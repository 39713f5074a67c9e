from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.sync.models import FieldNode, SyncConflict
from bujian.visits.models import Visit


def nodes_for(user: User) -> QuerySet[FieldNode]:
    return (
        FieldNode.objects.filter(visit__regency=staff_regency(user))
        .select_related("visit__village")
        .annotate(
            batch_count=Count("batches", distinct=True),
            open_conflicts=Count(
                "conflicts", filter=Q(conflicts__status=SyncConflict.Status.OPEN), distinct=True
            ),
        )
    )


def visits_for_nodes(user: User) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(
            regency=staff_regency(user),
            status__in=[Visit.Status.DRAFT, Visit.Status.ANNOUNCED, Visit.Status.ONGOING],
        )
        .select_related("village")
        .order_by("start_date")
    )


def node_detail(node: FieldNode) -> dict[str, Any]:
    return {
        "batches": node.batches.all()[:20],
        "conflicts": node.conflicts.all()[:200],
        "open_conflicts": node.conflicts.filter(status=SyncConflict.Status.OPEN).count(),
    }
