"""Central takes a batch from a field node.

Rules (docs/architecture.md, "Field node"):

* A batch is taken whole or not at all (one transaction). A replayed batch (same
  UUID) is answered from the ``SyncBatch`` row; a record whose content central
  already took from this node (same digest in the ledger) changes nothing.
* A node may only write what belongs to its visit: a direct visit reference must be
  its visit, and every UUID it points to must be in its ledger (pulled or pushed by
  it) or come earlier in the same batch. An update touches only a record in its ledger.
* A record central has changed since the node last saw it is merged field by field
  against the ledger's version (the base): a field only the node changed takes the
  node's value; a field only central changed keeps central's; a field both changed to
  different values keeps central's and opens a ``SyncConflict``. A resident the node
  created with a NIK central already has becomes an alias of central's resident, and
  each differing field is a conflict. Nothing is overwritten silently.
* Logs that neither side ever edits (audit entries, aspiration history, survey
  answers: ``Kind.append_only``) stay out of the ledger: such a record is new, or
  central already has it (a push resent after a cut), and then it is compared with
  central's row; should it come back changed, every field that differs is a conflict.
  No record points to them, so the scope check never looks them up. (They were two
  thirds of a visit's records, and their ledger rows a sixth of a push's time.)
* The bulk reads and writes are plain SQL (``fastsql``, ``writer``): a push of 30,000
  records is mostly rows to write, and the ORM's per-value work was most of its time.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.core.audit import record_audit
from bujian.sync import wire
from bujian.sync.crypto import SyncRefused, digest, open_batch, read_header
from bujian.sync.fastsql import select_by_uuids
from bujian.sync.models import FieldNode, SyncAlias, SyncBatch, SyncConflict, SyncRecord
from bujian.sync.writer import (
    Incoming,
    create_records,
    insert_rows,
    set_deferred,
    update_records,
    update_rows,
    write_registration_services,
)

MAX_RECORDS = 50_000
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Fields where the node's empty value never replaces central's: the node may not know
# the account (not in its package) or the data was left out of the package.
NEVER_EMPTIED = {"resident": {"phone", "phone_consent_at"}}


def node_for_envelope(envelope: bytes) -> FieldNode:
    _kind, node_uuid = read_header(envelope)
    parsed = _as_uuid(node_uuid)
    node = None
    if parsed is not None:
        node = FieldNode.objects.select_related("visit").filter(uuid=parsed).first()
    if node is None or not node.secret:
        raise SyncRefused(
            "sync.unknown_node",
            _("This field node is not registered or not paired on central."),
        )
    return node


def _as_uuid(value: str) -> str | None:
    """The canonical text of a UUID (lower case, with dashes), or None."""
    if CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        return None


def receive_batch(envelope: bytes, *, via_file: bool = False) -> dict[str, Any]:
    """Check, open and apply one batch; return the result the node acknowledges.
    A refusal is remembered on the node's row (for the health panel) and re-raised."""
    node = node_for_envelope(envelope)
    try:
        body = open_batch(envelope, node.secret)
        return apply_batch(node, body, size=len(envelope), via_file=via_file)
    except SyncRefused as error:
        FieldNode.objects.filter(pk=node.pk).update(
            last_error=str(error)[:300], last_error_at=timezone.now()
        )
        raise


def apply_batch(
    node: FieldNode, body: dict[str, Any], *, size: int = 0, via_file: bool = False
) -> dict[str, Any]:
    if node.status == FieldNode.Status.REGISTERED:
        raise SyncRefused("sync.not_paired", _("This field node has not pulled its package yet."))
    records = body.get("records")
    batch_uuid = _as_uuid(str(body.get("batch")))
    if not isinstance(records, list) or len(records) > MAX_RECORDS or batch_uuid is None:
        raise SyncRefused("sync.bad_batch", _("The batch has no valid list of records."))
    for _attempt in range(2):  # two pushes of one node at once: the loser finds it done
        try:
            return _apply(node, body, records, batch_uuid, size=size, via_file=via_file)
        except IntegrityError:
            if not SyncBatch.objects.filter(node=node, uuid=batch_uuid).exists():
                raise
    batch = SyncBatch.objects.get(node=node, uuid=batch_uuid)
    return {**batch.result(), "replayed": True}


@transaction.atomic
def _apply(
    node: FieldNode,
    body: dict[str, Any],
    records: list[Any],
    batch_uuid: str,
    *,
    size: int,
    via_file: bool,
) -> dict[str, Any]:
    done = SyncBatch.objects.filter(node=node, uuid=batch_uuid).first()
    if done is not None:  # a replay: the answer it had, and nothing written
        return {**done.result(), "replayed": True}
    grouped: dict[str, list[Incoming]] = defaultdict(list)
    for record in records:
        record_uuid = _as_uuid(str(record.get("u"))) if isinstance(record, dict) else None
        if (
            record_uuid is None
            or record.get("k") not in wire.BY_NAME
            or not isinstance(record.get("d"), dict)
        ):
            raise SyncRefused("sync.bad_record", _("The batch holds a malformed record."))
        grouped[record["k"]].append(
            Incoming(uuid=record_uuid, data=record["d"], content=str(record.get("f") or ""))
        )
    aliases = {
        (kind, str(node_uuid)): str(central_uuid)
        for kind, node_uuid, central_uuid in SyncAlias.objects.filter(node=node).values_list(
            "kind", "node_uuid", "central_uuid"
        )
    }
    resolver = wire.Resolver(visit_id=node.visit_id, aliases=aliases)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "conflicts": 0}
    ledger = _Ledger(node)
    ledger.load(grouped, aliases)
    written: dict[str, list[Incoming]] = {}
    for kind in wire.KINDS:
        items = grouped.get(kind.name, [])
        if not items:
            continue
        _check_scope(node, kind, items, ledger, resolver)
        resolver.load((kind, item.data) for item in items)
        existing = _existing(kind, items, resolver)
        new, changed = [], []
        for item in items:
            central_uuid = resolver.central_uuid(kind.name, item.uuid)
            if kind.append_only:  # no ledger digest to compare (see the module's rules)
                if central_uuid in existing:
                    item.pk = existing[central_uuid]
                    changed.append(item)
                else:
                    new.append(item)
                continue
            item_digest = digest(item.data)
            item.extra["digest"] = item_digest
            if ledger.digest(kind.name, central_uuid) == item_digest:
                counts["unchanged"] += 1
                item.pk = existing.get(central_uuid)
                continue
            if central_uuid in existing:
                item.pk = existing[central_uuid]
                changed.append(item)
            else:
                new.append(item)
        new = _take_duplicates(node, kind, new, resolver, existing, changed)
        if kind.name == "audit":
            _translate_audit_targets(new + changed, resolver)
        create_records(kind, new, resolver)
        counts["created"] += len(new)
        for item in new:
            ledger.put(kind.name, item.uuid, item.data, item.extra.get("digest", ""))
        merged = _merge(node, kind, changed, resolver, ledger, counts)
        update_records(kind, merged, resolver)
        counts["updated"] += len(merged)
        written[kind.name] = new + merged
        if kind.name == "registration":
            write_registration_services(new + merged, resolver)
    for kind in wire.KINDS:
        set_deferred(kind, written.get(kind.name, []), resolver)
    _apply_visit_day(node, body.get("visit_day"))
    ledger.save()
    batch = SyncBatch.objects.create(
        node=node,
        uuid=batch_uuid,
        sequence=int(body.get("sequence") or 0),
        via_file=via_file,
        records=len(records),
        size=size,
        **counts,
    )
    waiting = body.get("waiting")
    FieldNode.objects.filter(pk=node.pk).update(
        last_push_at=timezone.now(),
        last_error="",
        waiting_reported=waiting if isinstance(waiting, int) and waiting >= 0 else None,
    )
    record_audit(actor=None, action="sync.batch.applied", target=node, data=batch.result())
    return batch.result()


class _Ledger:
    """The node's ledger rows this batch touches: their digests, loaded in one query
    per kind and 500 UUIDs; a row's content (the merge's base) only when merged.
    Append-only kinds are never kept: ``put`` ignores them."""

    def __init__(self, node: FieldNode) -> None:
        self.node = node
        self.rows: dict[tuple[str, str], tuple[int, str]] = {}  # -> (id, digest)
        self.dirty: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}

    def load(self, grouped: dict[str, list[Incoming]], aliases: dict[tuple[str, str], str]) -> None:
        wanted: dict[str, set[str]] = defaultdict(set)
        for kind_name, items in grouped.items():
            kind = wire.BY_NAME[kind_name]
            for item in items:
                if not kind.append_only:  # never in the ledger
                    wanted[kind_name].add(aliases.get((kind_name, item.uuid), item.uuid))
                for name, style in kind.refs.items():
                    value = item.data.get(name)
                    if style[0] == wire.UUID and value:
                        target = str(value)
                        wanted[style[1]].add(aliases.get((style[1], target), target))
        for kind_name, uuids in wanted.items():
            for uuid, pk, row_digest in select_by_uuids(
                SyncRecord,
                uuids,
                ["id", "digest"],
                where="node_id = %s AND kind = %s",
                params=[self.node.pk, kind_name],
            ):
                self.rows[(kind_name, uuid)] = (pk, row_digest)

    def digest(self, kind: str, uuid: str) -> str | None:
        row = self.rows.get((kind, uuid))
        return row[1] if row is not None else None

    def knows(self, kind: str, uuid: str) -> bool:
        return (kind, uuid) in self.rows or (kind, uuid) in self.dirty

    def bases(self, kind: str, uuids: list[str]) -> dict[str, dict[str, Any]]:
        """The content last agreed on, of the given records (those the ledger has)."""
        pks = [self.rows[(kind, uuid)][0] for uuid in uuids if (kind, uuid) in self.rows]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            for uuid, data in SyncRecord.objects.filter(pk__in=chunk).values_list("uuid", "data"):
                found[str(uuid)] = data
        return found

    def put(self, kind: str, uuid: str, data: dict[str, Any], data_digest: str = "") -> None:
        if wire.BY_NAME[kind].append_only:
            return  # never in the ledger (see the module's rules)
        self.dirty[(kind, uuid)] = (data, data_digest or digest(data))

    def save(self) -> None:
        new: list[dict[str, Any]] = []
        old: list[SyncRecord] = []
        for (kind, uuid), (data, data_digest) in self.dirty.items():
            row = self.rows.get((kind, uuid))
            if row is None:
                new.append(
                    {
                        "node_id": self.node.pk,
                        "kind": kind,
                        "uuid": uuid,
                        "digest": data_digest,
                        "data": data,
                        "pulled": False,
                    }
                )
            else:
                old.append(SyncRecord(pk=row[0], data=data, digest=data_digest))
        insert_rows(SyncRecord, new, ids=False, trusted={"node_id", "kind", "digest", "pulled"})
        update_rows(SyncRecord, old, ["data", "digest"])


def _check_scope(
    node: FieldNode,
    kind: wire.Kind,
    items: list[Incoming],
    ledger: _Ledger,
    resolver: wire.Resolver,
) -> None:
    batch_uuids = {(kind.name, item.uuid) for item in items}
    for item in items:
        if kind.visit_field:
            value = item.data.get(kind.visit_field)
            if value is not None and value != node.visit_id:
                raise SyncRefused(
                    "sync.other_visit",
                    _(
                        "The batch holds a %(kind)s of another visit than this field node's. "
                        "Nothing was saved."
                    )
                    % {"kind": kind.name},
                )
        for name, style in kind.refs.items():
            value = item.data.get(name)
            if style[0] != wire.UUID or not value:
                continue
            target = resolver.central_uuid(style[1], str(value))
            if not ledger.knows(style[1], target) and (style[1], str(value)) not in batch_uuids:
                raise SyncRefused(
                    "sync.foreign_record",
                    _(
                        "Record %(kind)s %(uuid)s points to a %(target)s this field node "
                        "neither pulled nor pushed. Nothing was saved."
                    )
                    % {"kind": kind.name, "uuid": item.uuid, "target": style[1]},
                )


def _existing(kind: wire.Kind, items: list[Incoming], resolver: wire.Resolver) -> dict[str, int]:
    uuids = {resolver.central_uuid(kind.name, item.uuid) for item in items}
    found: dict[str, int] = {}
    for uuid, pk in select_by_uuids(kind.model, uuids, ["id"]):
        found[uuid] = pk
        resolver.add(kind.name, uuid, pk)
    return found


def _take_duplicates(
    node: FieldNode,
    kind: wire.Kind,
    new: list[Incoming],
    resolver: wire.Resolver,
    existing: dict[str, int],
    changed: list[Incoming],
) -> list[Incoming]:
    """New records that central already holds under another UUID become aliases: a
    resident by NIK, a registration by visit and resident, a handover by document."""
    if not new:
        return new
    model = kind.model._default_manager
    matches: dict[str, tuple[str, int]] = {}
    if kind.name == "resident":
        by_nik = {item.data.get("national_id"): item for item in new}
        for pk, uuid, nik in model.filter(national_id__in=list(by_nik)).values_list(
            "pk", "uuid", "national_id"
        ):
            matches[by_nik[nik].uuid] = (str(uuid), pk)
    elif kind.name == "registration":
        by_resident: dict[int | None, list[Incoming]] = defaultdict(list)
        for item in new:
            resident = resolver.resolve(kind, item.uuid, "resident", item.data.get("resident"))
            by_resident[resident].append(item)
        residents = sorted(pk for pk in by_resident if pk is not None)
        for start in range(0, len(residents), 500):  # one query per 500, not one per record
            for pk, uuid, resident in model.filter(
                visit_id=node.visit_id, resident_id__in=residents[start : start + 500]
            ).values_list("pk", "uuid", "resident_id"):
                for item in by_resident[resident]:
                    matches[item.uuid] = (str(uuid), pk)
    elif kind.name == "handover":
        by_document: dict[int | None, list[Incoming]] = defaultdict(list)
        for item in new:
            document = resolver.resolve(kind, item.uuid, "document", item.data.get("document"))
            by_document[document].append(item)
        documents = sorted(pk for pk in by_document if pk is not None)
        for start in range(0, len(documents), 500):
            for pk, uuid, document in model.filter(
                document_id__in=documents[start : start + 500]
            ).values_list("pk", "uuid", "document_id"):
                for item in by_document[document]:
                    matches[item.uuid] = (str(uuid), pk)
    if not matches:
        return new
    remaining = []
    for item in new:
        match = matches.get(item.uuid)
        if match is None:
            remaining.append(item)
            continue
        central_uuid, pk = match
        SyncAlias.objects.create(
            node=node, kind=kind.name, node_uuid=item.uuid, central_uuid=central_uuid
        )
        resolver.aliases[(kind.name, item.uuid)] = central_uuid
        resolver.add(kind.name, central_uuid, pk)
        existing[central_uuid] = pk
        item.pk = pk
        item.extra["duplicate"] = True
        item.extra["alias_of"] = central_uuid
        changed.append(item)
    return remaining


def _merge(
    node: FieldNode,
    kind: wire.Kind,
    items: list[Incoming],
    resolver: wire.Resolver,
    ledger: _Ledger,
    counts: dict[str, int],
) -> list[Incoming]:
    """Three-way merge of changed records; returns those with fields to write."""
    if not items:
        return []
    pks = [item.pk for item in items]
    current = dict(wire.serialize(kind, kind.model._default_manager.filter(pk__in=pks)))
    bases = ledger.bases(kind.name, [resolver.central_uuid(kind.name, i.uuid) for i in items])
    to_write = []
    for item in items:
        central_uuid = resolver.central_uuid(kind.name, item.uuid)
        now = current[central_uuid]
        base = bases.get(central_uuid)
        take: list[str] = []
        for name, value in item.data.items():
            central_value = now.get(name)
            if value == central_value:
                continue
            base_value = base.get(name) if base is not None else None
            node_changed = base is None or value != base_value
            central_changed = base is None or central_value != base_value
            if not node_changed:
                continue
            if _never_replaces(kind, name, value):
                continue
            if kind.name == "registration" and name == "services":
                item.data[name] = _union(central_value or [], value or [])
                take.append(name)
                continue
            if central_changed:
                _conflict(node, kind, item, name, base_value, central_value, value, counts)
                continue
            take.append(name)
        ledger.put(kind.name, central_uuid, item.data)
        if take:
            item.extra["fields"] = take
            to_write.append(item)
        else:
            counts["unchanged"] += 1
    return to_write


def _never_replaces(kind: wire.Kind, name: str, value: Any) -> bool:
    if value not in (None, "", []):
        return False
    style = kind.refs.get(name)
    return (style is not None and style[0] == wire.USER) or name in NEVER_EMPTIED.get(
        kind.name, set()
    )


def _union(central: list[list[Any]], node: list[list[Any]]) -> list[list[Any]]:
    merged: dict[str, set[int]] = {}
    for code, present in [*central, *node]:
        merged.setdefault(code, set()).update(present)
    return sorted([code, sorted(present)] for code, present in merged.items())


def _conflict(
    node: FieldNode,
    kind: wire.Kind,
    item: Incoming,
    name: str,
    base_value: Any,
    central_value: Any,
    node_value: Any,
    counts: dict[str, int],
) -> None:
    if item.extra.get("duplicate"):
        conflict_kind = (
            SyncConflict.Kind.HANDED_OVER
            if kind.name == "handover"
            else SyncConflict.Kind.SAME_PERSON
        )
    else:
        conflict_kind = SyncConflict.Kind.FIELD
    label = str(
        item.data.get("full_name") or item.data.get("code") or item.data.get("number") or ""
    )
    central_uuid = item.extra.get("alias_of") or item.uuid
    _obj, created = SyncConflict.objects.get_or_create(
        node=node,
        record_kind=kind.name,
        record_uuid=central_uuid,
        field=name,
        kind=conflict_kind,
        status=SyncConflict.Status.OPEN,
        defaults={
            "record_label": f"{kind.name}: {label}"[:200],
            "base_value": base_value,
            "central_value": central_value,
            "node_value": node_value,
        },
    )
    if created:
        counts["conflicts"] += 1


def _translate_audit_targets(items: list[Incoming], resolver: wire.Resolver) -> None:
    """An audit entry's target travels by UUID; here it gets central's id, put in
    ``extra["columns"]`` for the row's write. Targets not met in this batch are read in
    one query per kind and 500 UUIDs."""
    wanted: list[tuple[Incoming, str, str]] = []
    missing: dict[str, set[str]] = defaultdict(set)
    for item in items:
        target = item.data.get("target_uuid")
        kind_name = wire.KIND_OF_LABEL.get(str(item.data.get("target_type")))
        if not target or not kind_name:
            continue
        wanted.append((item, kind_name, str(target)))
        if resolver.pk_of(kind_name, str(target)) is None:
            missing[kind_name].add(resolver.central_uuid(kind_name, str(target)))
    for kind_name, uuids in missing.items():
        for uuid, pk in select_by_uuids(wire.BY_NAME[kind_name].model, uuids, ["id"]):
            resolver.add(kind_name, uuid, pk)
    for item, kind_name, target in wanted:
        pk = resolver.pk_of(kind_name, target)
        item.extra.setdefault("columns", {})["target_id"] = str(pk or "")


def _apply_visit_day(node: FieldNode, day: Any) -> None:
    """The visit's progress and the agencies' attendance, as the node saw them. The
    node runs the day, so its word moves them forward; nothing moves backward."""
    from bujian.visits.models import Participation, Visit

    if not isinstance(day, dict):
        return
    order: list[str] = [Visit.Status.ANNOUNCED, Visit.Status.ONGOING, Visit.Status.FINISHED]
    visit = Visit.objects.get(pk=node.visit_id)
    status = day.get("status")
    if (
        status in order
        and visit.status in order
        and order.index(status) > order.index(visit.status)
    ):
        Visit.objects.filter(pk=visit.pk, status=visit.status).update(
            status=status, updated_at=timezone.now()
        )
    attendance = day.get("attendance")
    if isinstance(attendance, dict):
        # One read; a write only for the agencies whose attendance moved.
        current = {
            code: (pk, value, late)
            for pk, code, value, late in Participation.objects.filter(
                visit_id=node.visit_id
            ).values_list("pk", "agency__code", "attendance", "late")
        }
        for code, pair in attendance.items():
            if not isinstance(pair, list | tuple) or len(pair) != 2 or code not in current:
                continue
            value, late = pair
            pk, now_value, now_late = current[code]
            if value in Participation.Attendance.values and (value, bool(late)) != (
                now_value,
                now_late,
            ):
                Participation.objects.filter(pk=pk).update(
                    attendance=value, late=bool(late), updated_at=timezone.now()
                )


def split_file(data: bytes) -> list[bytes]:
    return [part.strip() for part in data.split(b"\n\n") if part.strip()]


def receive_file(data: bytes, *, node: FieldNode | None = None) -> dict[str, Any]:
    """A push file from the USB path: every batch in it is checked before any is
    applied, and all are applied in one transaction, so a file is taken whole or
    refused whole. With ``node`` (the page of that node), a file of another is refused."""
    envelopes = split_file(data)
    if not envelopes:
        raise SyncRefused("sync.empty_file", _("The file is empty."))
    opened = []
    for envelope in envelopes:
        sender = node_for_envelope(envelope)
        if node is not None and sender.pk != node.pk:
            raise SyncRefused("sync.wrong_node", _("This file comes from another field node."))
        opened.append((sender, open_batch(envelope, sender.secret), len(envelope)))
    if len({sender.pk for sender, _body, _size in opened}) != 1:
        raise SyncRefused("sync.mixed_file", _("The file holds batches of several field nodes."))
    totals = {
        "batches": 0,
        "replayed": 0,
        "records": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "conflicts": 0,
    }
    with transaction.atomic():
        for node, body, size in opened:
            result = apply_batch(node, body, size=size, via_file=True)
            totals["batches"] += 1
            if result.get("replayed"):
                totals["replayed"] += 1
                continue
            for key in ("records", "created", "updated", "unchanged", "conflicts"):
                totals[key] += int(result.get(key, 0))
    return totals
