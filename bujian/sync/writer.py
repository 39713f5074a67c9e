"""Writing wire records into the local database, in bulk: the node uses it to load
its package, central to take a batch. The caller holds the transaction."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import models

from bujian.sync.wire import Kind, Resolver, attributes, m2m_ids, missing_reference


@dataclass
class Incoming:
    """One wire record on its way in."""

    uuid: str
    data: dict[str, Any]
    content: str = ""  # base64 of the record's file, if its kind carries one
    pk: int | None = None  # set once the row exists here
    extra: dict[str, Any] = field(default_factory=dict)


def create_records(kind: Kind, items: list[Incoming], resolver: Resolver) -> None:
    """Insert new rows with their own UUIDs and the times they were made on the other
    side (``auto_now_add`` would stamp them with now, so it is set again after)."""
    if not items:
        return
    model = kind.model
    objects = []
    for item in items:
        values = attributes(kind, item.uuid, item.data, resolver)
        obj = model(uuid=item.uuid, **values)
        objects.append(obj)
    model._default_manager.bulk_create(objects, batch_size=500)
    for item, obj in zip(items, objects, strict=True):
        item.pk = obj.pk
        resolver.add(kind.name, item.uuid, obj.pk)
    stamped = [
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now_add", False) and f.name in items[0].data
    ]
    if stamped:
        for item, obj in zip(items, objects, strict=True):
            for name in stamped:
                stamp_field = model._meta.get_field(name)
                assert isinstance(stamp_field, models.Field)
                setattr(obj, name, stamp_field.to_python(item.data[name]))
        update_rows(model, objects, stamped)
    _write_m2m(kind, items, resolver, replace=False)
    if kind.file_field:
        _write_files(kind, items, objects)


def update_rows(model: type[models.Model], objects: list[Any], names: list[str]) -> None:
    """What ``bulk_update`` does, as one ``UPDATE ... WHERE id = %s`` per row sent with
    ``executemany``: ``bulk_update`` builds a CASE over 500 rows per field, and
    compiling those was most of the time central took for a 30,000-record push."""
    if not objects:
        return
    from django.db import connections, router

    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assert all(isinstance(f, models.Field) for f in fields)
    concrete = [f for f in fields if isinstance(f, models.Field)]
    pk = model._meta.pk
    assert pk is not None
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET "  # noqa: S608 - names from the model
        + ", ".join(f"{quote(f.column)} = %s" for f in concrete)
        + f" WHERE {quote(pk.column)} = %s"
    )
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _write_files(kind: Kind, items: list[Incoming], objects: list[models.Model]) -> None:
    changed = []
    for item, obj in zip(items, objects, strict=True):
        name = item.data.get(kind.file_field) or ""
        if not name or not item.content:
            continue
        file_field = getattr(obj, kind.file_field)
        file_field.save(name.rsplit("/", 1)[-1], ContentFile(base64.b64decode(item.content)), False)
        changed.append(obj)
    if changed:
        kind.model._default_manager.bulk_update(changed, [kind.file_field])


def _write_m2m(kind: Kind, items: list[Incoming], resolver: Resolver, *, replace: bool) -> None:
    for name in kind.m2m:
        through = kind.model._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
        owner = f"{kind.model._meta.model_name}_id"
        target = next(
            f.attname for f in through._meta.concrete_fields if f.is_relation and f.attname != owner
        )
        rows: list[models.Model] = []
        owners: list[int] = []
        for item in items:
            if name not in item.data:
                continue
            assert item.pk is not None
            owners.append(item.pk)
            rows.extend(
                through(**{owner: item.pk, target: target_id})
                for target_id in m2m_ids(kind, name, item.data, resolver)
            )
        if replace and owners:
            through.objects.filter(**{f"{owner}__in": owners}).delete()
        through.objects.bulk_create(rows, batch_size=500)


def update_records(kind: Kind, items: list[Incoming], resolver: Resolver) -> None:
    """Write the fields in each item's ``extra["fields"]`` (already merged) to its row."""
    if not items:
        return
    model = kind.model
    by_fields: dict[tuple[str, ...], list[models.Model]] = {}
    m2m_items: list[Incoming] = []
    for item in items:
        names: list[str] = item.extra["fields"]
        plain_names = [n for n in names if n not in kind.m2m and n not in kind.deferred]
        if any(n in kind.m2m for n in names):
            m2m_items.append(item)
        if not plain_names:
            continue
        values = attributes(kind, item.uuid, {n: item.data[n] for n in plain_names}, resolver)
        assert item.pk is not None
        obj = model(pk=item.pk, **values)
        attnames = tuple(sorted(values))
        by_fields.setdefault(attnames, []).append(obj)
    for attnames, objects in by_fields.items():
        if "updated_at" in {f.name for f in model._meta.concrete_fields}:
            for obj in objects:
                obj.updated_at = _now()  # type: ignore[attr-defined]
            attnames = (*attnames, "updated_at")
        model._default_manager.bulk_update(objects, list(attnames), batch_size=500)
    _write_m2m(kind, m2m_items, resolver, replace=True)


def set_deferred(kind: Kind, items: list[Incoming], resolver: Resolver) -> None:
    """Set references that may point forward (to rows created later in the batch)."""
    if not kind.deferred or not items:
        return
    model = kind.model
    objects = []
    names = sorted(kind.deferred)
    for item in items:
        if not any(name in item.data for name in names):
            continue
        assert item.pk is not None
        obj = model(pk=item.pk)
        for name in names:
            value = item.data.get(name)
            target = kind.refs[name][1]
            pk = resolver.pk_of(target, str(value)) if value else None
            if value and pk is None:
                raise missing_reference(kind.name, item.uuid, name, value)
            setattr(obj, f"{name}_id", pk)
        objects.append(obj)
    if objects:
        model._default_manager.bulk_update(objects, [f"{n}_id" for n in names], batch_size=500)


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
