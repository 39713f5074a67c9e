"""Writing wire records into the local database, in bulk: the node uses it to load
its package, central to take a batch. The caller holds the transaction."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from psycopg.types.json import Jsonb

from bujian.sync import fastsql
from bujian.sync.fastsql import Columns, canonical_uuid, select_by_uuids
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
    side, written as they are (``auto_now_add`` does not stamp them again)."""
    if not items:
        return
    model = kind.model
    rows = []
    for item in items:
        values = attributes(kind, item.uuid, item.data, resolver, raw=True)
        values["uuid"] = item.uuid
        values.update(item.extra.get("columns", {}))
        rows.append(values)
    if kind.append_only and not (kind.m2m or kind.deferred or kind.file_field):
        # A log row: nothing points to it (a test holds every kind to that) and nothing
        # more is written to it here, so its new id is not needed.
        insert_rows(model, rows, ids=False)
        return
    pks = insert_rows(model, rows)
    for item, pk in zip(items, pks, strict=True):
        item.pk = pk
        resolver.add(kind.name, item.uuid, pk)
    _write_m2m(kind, items, resolver, replace=False)
    if kind.file_field:
        _write_files(kind, items, [model(pk=pk, **row) for pk, row in zip(pks, rows, strict=True)])


def insert_rows(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    ids: bool = True,
    trusted: frozenset[str] | set[str] = frozenset(),
) -> list[int]:
    """INSERT one row per dict (attname -> wire or Python value) with one
    ``executemany`` (PostgreSQL: ``_insert_unnest``); with ``ids``, the new ids,
    returned in the rows' order. ``trusted``: columns whose values this code made itself (passed
    as they are, unchecked). A field not given takes its default (``auto_now``,
    ``auto_now_add``: now). What ``bulk_create`` does without a model instance per row
    or the ORM's per-value work, which were most of central's time for a push."""
    if not rows:
        return []
    pk_field = model._meta.pk
    assert pk_field is not None
    given = set(rows[0])
    fields = [f for f in model._meta.concrete_fields if f is not pk_field or f.attname in given]
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif not (f.has_default() and callable(f.default)):
            defaults[f.attname] = f.get_default()  # a constant: computed once
    columns = Columns(model, [f.attname for f in fields], trusted=trusted)
    callables = [f for f in fields if f.attname not in defaults]
    params = []
    for row in rows:
        if len(row) != len(fields):
            row = {**defaults, **{f.attname: f.get_default() for f in callables}, **row}
        params.append(columns.row(row))
    connection = columns.connection
    if connection.vendor == "postgresql":
        return _insert_unnest(columns, params, pk_field, ids=ids)
    sql = (
        f"INSERT INTO {columns.table} ({columns.names_sql()}) "  # noqa: S608 - model names
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        if not ids:
            return []
        if (
            connection.vendor == "sqlite"
            and connection.in_atomic_block  # else another writer may come in between
            and _autoincrement(connection, model)
        ):
            # The write lock is held (IMMEDIATE transaction) and the table counts with
            # AUTOINCREMENT: the rows just inserted got the ids before the last one.
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
            return list(range(last - len(rows) + 1, last + 1))
    found = dict(select_by_uuids(model, (row["uuid"] for row in rows), ["id"]))
    return [found[canonical_uuid(row["uuid"])] for row in rows]


def _insert_unnest(
    columns: Columns, params: list[list[Any]], pk_field: models.Field[Any, Any], *, ids: bool
) -> list[int]:
    """PostgreSQL: rows whose ids are not wanted go by COPY; the others by ``INSERT
    ... SELECT FROM unnest(array per column)``, 5,000 rows a statement. That query has
    one parameter per column, so psycopg parses its text once; multi-row VALUES had a
    placeholder per value and psycopg parsed each such statement anew (most of a push's
    time on PostgreSQL). The new ids come back with the rows' UUIDs and are matched by
    them, not by their order."""
    connection = columns.connection
    quote = columns.quote
    if not ids:
        # No ids wanted: COPY, which PostgreSQL takes faster than an INSERT and which
        # psycopg writes row by row in C, where the arrays were dumped in Python.
        copy_sql = f"COPY {columns.table} ({columns.names_sql()}) FROM STDIN"
        with fastsql.bound_cursor(connection) as cursor, cursor.copy(copy_sql) as copy:
            for line in params:
                copy.write_row(line)
        return []
    casts = ", ".join(f"%b::{f.db_type(connection)}[]" for f in columns.fields)
    sql = (
        f"INSERT INTO {columns.table} ({columns.names_sql()}) "  # noqa: S608 - model names
        f"SELECT * FROM unnest({casts})"
    )
    if ids:
        sql += f" RETURNING {quote(pk_field.column)}, {quote('uuid')}"
    width = len(columns.fields)
    found: dict[str, int] = {}
    with fastsql.bound_cursor(connection) as cursor:
        for chunk in fastsql.chunks(params, 5000):
            arrays = [[_array_value(line[i]) for line in chunk] for i in range(width)]
            cursor.execute(sql, arrays)
            if ids:
                found.update((str(uuid), pk) for pk, uuid in cursor.fetchall())
    if not ids:
        return []
    position = [f.attname for f in columns.fields].index("uuid")
    return [found[canonical_uuid(line[position])] for line in params]


def _array_value(value: Any) -> Any:
    """An element of a column's array: JSON (the ``Jsonb`` the converter made) as its
    text, cast to jsonb by the query; anything else as it is."""
    if isinstance(value, Jsonb):
        return (value.dumps or json.dumps)(value.obj)
    return value


_AUTOINCREMENT: dict[str, bool] = {}


def _autoincrement(connection: Any, model: type[models.Model]) -> bool:
    """Whether SQLite gives this table's new rows consecutive ids (Django creates
    every AutoField with AUTOINCREMENT; checked once per table, not assumed)."""
    table = model._meta.db_table
    if table not in _AUTOINCREMENT:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table]
            )
            found = cursor.fetchone()
        _AUTOINCREMENT[table] = bool(found) and "AUTOINCREMENT" in found[0].upper()
    return _AUTOINCREMENT[table]


def update_rows(model: type[models.Model], objects: list[Any], names: list[str]) -> None:
    """What ``bulk_update`` does, as one ``UPDATE ... WHERE id = %s`` per row sent with
    ``executemany``: ``bulk_update`` builds a CASE over 500 rows per field, and
    compiling those was most of the time central took for a 30,000-record push."""
    if not objects:
        return
    attnames = []
    for name in names:
        model_field = model._meta.get_field(name)
        assert isinstance(model_field, models.Field)
        attnames.append(model_field.attname)
    columns = Columns(model, attnames)
    pk = model._meta.pk
    assert pk is not None
    sql = (
        f"UPDATE {columns.table} SET "  # noqa: S608 - names from the model
        + ", ".join(f"{columns.quote(f.column)} = %s" for f in columns.fields)
        + f" WHERE {columns.quote(pk.column)} = %s"
    )
    params = [
        [*columns.row({name: getattr(obj, name) for name in attnames}), obj.pk] for obj in objects
    ]
    with columns.connection.cursor() as cursor:
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
    update_rows(kind.model, changed, [kind.file_field])


def _write_m2m(kind: Kind, items: list[Incoming], resolver: Resolver, *, replace: bool) -> None:
    for name in kind.m2m:
        through = kind.model._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
        owner = f"{kind.model._meta.model_name}_id"
        target = next(
            f.attname for f in through._meta.concrete_fields if f.is_relation and f.attname != owner
        )
        rows: list[dict[str, Any]] = []
        owners: list[int] = []
        for item in items:
            if name not in item.data:
                continue
            assert item.pk is not None
            owners.append(item.pk)
            rows.extend(
                {owner: item.pk, target: target_id}
                for target_id in m2m_ids(kind, name, item.data, resolver)
            )
        if replace and owners:
            through.objects.filter(**{f"{owner}__in": owners}).delete()
        insert_rows(through, rows, ids=False)


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
        values.update(item.extra.get("columns", {}))  # central's own values (audit target)
        assert item.pk is not None
        obj = model(pk=item.pk, **values)
        attnames = tuple(sorted(values))
        by_fields.setdefault(attnames, []).append(obj)
    stamped = "updated_at" in {f.name for f in model._meta.concrete_fields}
    for attnames, objects in by_fields.items():
        if stamped:
            now = timezone.now()
            for obj in objects:
                obj.updated_at = now  # type: ignore[attr-defined]
            attnames = (*attnames, "updated_at")
        update_rows(model, objects, list(attnames))
    _write_m2m(kind, m2m_items, resolver, replace=True)


def set_deferred(kind: Kind, items: list[Incoming], resolver: Resolver) -> None:
    """Set references that may point forward (to rows created later in the batch):
    on a row just created, those it has; on a merged row, those the merge took."""
    if not kind.deferred or not items:
        return
    names = sorted(kind.deferred)
    by_names: dict[tuple[str, ...], list[Any]] = {}
    for item in items:
        taken = item.extra.get("fields")
        if taken is None:  # created: the row has no deferred reference yet
            wanted = tuple(name for name in names if item.data.get(name))
        else:
            wanted = tuple(name for name in names if name in taken)
        if not wanted:
            continue
        assert item.pk is not None
        obj = kind.model(pk=item.pk)
        for name in wanted:
            value = item.data.get(name)
            target = kind.refs[name][1]
            pk = resolver.pk_of(target, str(value)) if value else None
            if value and pk is None:
                raise missing_reference(kind.name, item.uuid, name, value)
            setattr(obj, f"{name}_id", pk)
        by_names.setdefault(wanted, []).append(obj)
    for wanted, objects in by_names.items():
        update_rows(kind.model, objects, [f"{name}_id" for name in wanted])


def write_registration_services(items: list[Incoming], resolver: Resolver) -> None:
    """A registration's services travel inside it: ``[[service code, [requirement
    ids]]]``. Written whole (the merge already made the union)."""
    through = apps.get_model("residents.RegistrationService")
    present_model = through.documents_present.through
    service_model = apps.get_model("agencies.Service")
    requirement_model = apps.get_model("agencies.Requirement")
    items = [item for item in items if "services" in item.data and item.pk is not None]
    if not items:
        return
    codes = {code for item in items for code, _present in item.data["services"]}
    services = dict(service_model.objects.filter(code__in=codes).values_list("code", "pk"))
    known_requirements = set(
        requirement_model.objects.filter(service__code__in=codes).values_list("pk", flat=True)
    )
    merged = [item.pk for item in items if "fields" in item.extra]  # new ones have none yet
    if merged:
        through.objects.filter(registration_id__in=merged).delete()
    rows: list[dict[str, Any]] = []
    present_rows: list[tuple[int, int, int]] = []  # (registration, service, requirement)
    for item in items:
        registration_id = item.pk
        assert registration_id is not None
        for code, present in item.data["services"]:
            if code not in services:
                raise missing_reference("registration", item.uuid, "services", code)
            service_id = services[code]
            rows.append({"registration_id": registration_id, "service_id": service_id})
            present_rows.extend(
                (registration_id, service_id, requirement)
                for requirement in present
                if requirement in known_requirements
            )
    # In bulk, with plain INSERTs (COPY on PostgreSQL): Django's bulk_create compiled a
    # placeholder per value, a third of a batch's time for 3,000 services.
    insert_rows(through, rows, ids=False)
    if not present_rows:
        return
    ids = {
        (registration, service): pk
        for pk, registration, service in through.objects.filter(
            registration_id__in={row[0] for row in present_rows}
        ).values_list("pk", "registration_id", "service_id")
    }
    insert_rows(
        present_model,
        [
            {"registrationservice_id": ids[(registration, service)], "requirement_id": requirement}
            for registration, service, requirement in present_rows
        ],
        ids=False,
    )
