"""Rules that keep numbers and handovers unique while a field node runs a visit.

While a node is paired with a visit, that visit's queue, registrations and the
handover of the documents it carries happen on the node only; central refuses them
with a sentence that says where to go. Tracking codes reserved for a node are never
given by central. On the node itself there is no ``FieldNode`` row, so nothing here
stands in its way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils.translation import gettext as _

from bujian.core.errors import DomainError
from bujian.sync.models import FieldNode, NodeCode, ReservedCode, SyncRecord


def serving_node(visit_id: int) -> FieldNode | None:
    return FieldNode.objects.filter(visit_id=visit_id, status=FieldNode.Status.PAIRED).first()


def ensure_visit_served_here(visit: Any) -> None:
    """Runs in every ticket issue: one prepared statement, not an ORM query (whose
    compiling was a quarter of an issue's time)."""
    if settings.BUJIAN_FIELD_NODE:  # the node is where the visit runs
        return
    connection = connections[router.db_for_read(FieldNode)]
    table = connection.ops.quote_name(FieldNode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM {table} WHERE visit_id = %s AND status = %s LIMIT 1",  # noqa: S608
            [visit.pk, FieldNode.Status.PAIRED.value],
        )
        found = cursor.fetchone()
    if found is not None:
        raise DomainError(
            "sync.visit_on_field_node",
            _(
                "This visit runs on field node %(node)s: register residents, issue tickets "
                "and hand over documents there. Central takes them back after the sync."
            )
            % {"node": found[0]},
        )


def ensure_document_here(document: Any) -> None:
    # The few paired nodes first, so the ledger is read through its (node, kind, uuid) key.
    paired = FieldNode.objects.filter(status=FieldNode.Status.PAIRED).values_list("pk", flat=True)
    nodes = SyncRecord.objects.filter(
        node__in=list(paired), kind="document", uuid=document.uuid, pulled=True
    ).values_list("node__name", flat=True)
    name = next(iter(nodes), None)
    if name is not None:
        raise DomainError(
            "sync.document_on_field_node",
            _(
                "This document went to field node %(node)s for the visit; hand it over there, "
                "or release the node first."
            )
            % {"node": name},
        )


def is_reserved_code(code: str) -> bool:
    return ReservedCode.objects.filter(code=code).exists()


def take_node_code() -> str | None:
    """On a node: the next tracking code central reserved for it, claimed with a
    conditional UPDATE so two requests never take the same one. None on central, or
    when the reserve is used up (then a random code is made, as on central)."""
    if not settings.BUJIAN_FIELD_NODE:
        return None
    for code in (
        NodeCode.objects.filter(used=False).order_by("pk").values_list("code", flat=True)[:5]
    ):
        if NodeCode.objects.filter(code=code, used=False).update(used=True):
            return code
    return None
