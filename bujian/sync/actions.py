"""Field nodes on central: register, hand out the package, release, decide conflicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.aspirations.actions import code_prefix, new_code
from bujian.aspirations.models import Aspiration
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.sync import package, wire
from bujian.sync.crypto import (
    SyncRefused,
    code_hash,
    digest,
    new_pairing_code,
    new_secret,
    seal_package,
)
from bujian.sync.models import FieldNode, ReservedCode, SyncConflict, SyncRecord
from bujian.visits.models import Visit

PAIRING_VALID = dt.timedelta(hours=72)


@transaction.atomic
def register_node(*, visit: Visit, name: str, actor: User) -> tuple[FieldNode, str]:
    """Register a laptop for a visit. Returns the node and its one-time pairing code,
    shown once: only its hash is kept."""
    if visit.status not in {Visit.Status.ANNOUNCED, Visit.Status.ONGOING, Visit.Status.DRAFT}:
        raise DomainError(
            "sync.visit_closed",
            _("A field node can serve only a visit that is planned, announced or ongoing."),
        )
    name = name.strip()
    if not name:
        raise DomainError("sync.name_required", _("Give the field node a name."))
    code = new_pairing_code()
    node = FieldNode.objects.create(
        visit=visit,
        name=name[:100],
        pairing_code_hash=code_hash(code),
        pairing_expires_at=timezone.now() + PAIRING_VALID,
        secret=new_secret(),
        created_by=actor,
    )
    record_audit(actor=actor, action="sync.node.registered", target=node)
    return node, code


@transaction.atomic
def new_pairing_code_for(*, node: FieldNode, actor: User) -> str:
    """A fresh code (the old one lost, or expired). Allowed until the first push."""
    if node.batches.exists() or node.status == FieldNode.Status.RELEASED:
        raise DomainError(
            "sync.already_pushing",
            _("This field node has already pushed records; register a new one instead."),
        )
    code = new_pairing_code()
    FieldNode.objects.filter(pk=node.pk).update(
        pairing_code_hash=code_hash(code), pairing_expires_at=timezone.now() + PAIRING_VALID
    )
    record_audit(actor=actor, action="sync.node.new_code", target=node)
    return code


def node_for_code(code: str) -> FieldNode:
    node = (
        FieldNode.objects.select_related("visit__village__district", "visit__regency")
        .filter(pairing_code_hash=code_hash(code))
        .first()
    )
    if node is None or node.pairing_expires_at is None or node.pairing_expires_at < timezone.now():
        raise SyncRefused(
            "sync.bad_code",
            _("This pairing code is wrong or has expired. Ask the program admin for a new one."),
        )
    if node.batches.exists() or node.status == FieldNode.Status.RELEASED:
        raise SyncRefused(
            "sync.code_used",
            _("This field node has already pushed records; its package cannot be pulled again."),
        )
    return node


@transaction.atomic
def hand_out_package(*, code: str, actor: User | None = None, via_file: bool = False) -> bytes:
    """Build the visit package for the node this code belongs to, sealed with the
    code; record what it holds (the base of later merges) and mark the node paired,
    which holds the visit's queue, registrations and handovers on the node. Pulling
    again before the first push gives a fresh package (a lost answer is no harm)."""
    node = node_for_code(code)
    other = (
        FieldNode.objects.filter(visit=node.visit, status=FieldNode.Status.PAIRED)
        .exclude(pk=node.pk)
        .first()
    )
    if other is not None:
        raise SyncRefused(
            "sync.visit_taken",
            _("Field node %(name)s already serves this visit. Release it first.")
            % {"name": other.name},
        )
    body = package.build_package(node=node)
    body["codes"] = reserve_codes(node)
    SyncRecord.objects.filter(node=node).delete()
    SyncRecord.objects.bulk_create(
        (
            SyncRecord(
                node=node,
                kind=record["k"],
                uuid=record["u"],
                data=record["d"],
                digest=digest(record["d"]),
                pulled=True,
            )
            for record in body["records"]
        ),
        batch_size=1000,
    )
    FieldNode.objects.filter(pk=node.pk).update(
        status=FieldNode.Status.PAIRED,
        paired_at=timezone.now(),
        package_records=len(body["records"]),
    )
    record_audit(
        actor=actor,
        action="sync.node.package_file" if via_file else "sync.node.pulled",
        target=node,
        data={"records": len(body["records"])},
    )
    return seal_package(str(node.uuid), code, body)


def reserve_codes(node: FieldNode, count: int = package.RESERVED_CODES) -> list[str]:
    """Tracking codes only this node will give; central's generator skips them."""
    mine = list(ReservedCode.objects.filter(node=node).values_list("code", flat=True))
    if len(mine) >= count:
        return sorted(mine)
    prefix = code_prefix(node.visit.regency)
    wanted = count - len(mine)
    fresh: set[str] = set()
    while len(fresh) < wanted:
        candidates = {new_code(prefix) for _ in range(wanted - len(fresh) + 50)}
        taken = set(
            Aspiration.objects.filter(code__in=candidates).values_list("code", flat=True)
        ) | set(ReservedCode.objects.filter(code__in=candidates).values_list("code", flat=True))
        fresh.update(candidates - taken)
    chosen = sorted(fresh)[:wanted]
    ReservedCode.objects.bulk_create(ReservedCode(node=node, code=code) for code in chosen)
    return sorted(mine + chosen)


@transaction.atomic
def release_node(*, node: FieldNode, actor: User) -> FieldNode:
    """The visit is back on central: queue, registrations and handovers work there
    again. Records the node still pushes later are still taken."""
    if node.status == FieldNode.Status.RELEASED:
        return node
    FieldNode.objects.filter(pk=node.pk).update(
        status=FieldNode.Status.RELEASED, released_at=timezone.now()
    )
    record_audit(actor=actor, action="sync.node.released", target=node)
    node.refresh_from_db()
    return node


@transaction.atomic
def resolve_conflict(*, conflict: SyncConflict, take_node: bool, actor: User) -> SyncConflict:
    """Keep central's value, or write the node's value into the record."""
    updated = SyncConflict.objects.filter(pk=conflict.pk, status=SyncConflict.Status.OPEN).update(
        status=SyncConflict.Status.TOOK_NODE if take_node else SyncConflict.Status.KEPT_CENTRAL,
        resolved_by=actor,
        resolved_at=timezone.now(),
    )
    if not updated:
        raise DomainError("sync.conflict_decided", _("This conflict has already been decided."))
    conflict.refresh_from_db()
    if take_node:
        _write_node_value(conflict)
    record_audit(
        actor=actor,
        action="sync.conflict.took_node" if take_node else "sync.conflict.kept_central",
        target=conflict,
        data={"record": conflict.record_kind, "field": conflict.field},
    )
    return conflict


def _write_node_value(conflict: SyncConflict) -> None:
    kind = wire.BY_NAME[conflict.record_kind]
    obj = kind.model._default_manager.filter(uuid=conflict.record_uuid).first()
    if obj is None:
        raise DomainError("sync.record_gone", _("The record no longer exists on central."))
    resolver = wire.Resolver(visit_id=conflict.node.visit_id)
    data: dict[str, Any] = {conflict.field: conflict.node_value}
    resolver.load([(kind, data)])
    values = wire.attributes(kind, str(conflict.record_uuid), data, resolver)
    for attname, value in values.items():
        setattr(obj, attname, value)
    obj.save(update_fields=[*values, *(["updated_at"] if hasattr(obj, "updated_at") else [])])
