"""Plain SQL for the sync's bulk reads and writes, on SQLite and PostgreSQL.

A push moves tens of thousands of rows at once. Through the ORM most of that time
went into per-value work that gives nothing here: a model instance per row, a
``UUID`` object per looked-up UUID, ``to_python`` then ``get_db_prep_save`` per field
(bench/README.md, "Sync"). These helpers keep what matters (the same column values
Django would write, a value of the wrong type refused) and skip the rest:

* ``Columns`` turns wire values (JSON) into database parameters with one converter
  per field, chosen once: JSON-native values of text, integer and boolean fields pass
  as they are after a type check; dates, times, UUIDs, decimals and JSON go through
  the backend's own adapters.
* ``select_by_uuids`` reads rows by UUID with the UUIDs as the database stores them,
  in chunks of 500, and gives each row's UUID back in its canonical text form.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid as uuidlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.sync.crypto import SyncRefused

CHUNK = 500
Converter = Callable[[Any], Any]

TEXT_FIELDS = (models.CharField, models.TextField)
INTEGER_FIELDS = (models.IntegerField, models.AutoField)


class BadValue(ValueError):
    """A wire value that does not fit its column."""

    def __init__(self, field: str, value: Any) -> None:
        super().__init__(f"{field}: {value!r}")
        self.field = field
        self.value = value


def connection_for(model: type[models.Model]) -> BaseDatabaseWrapper:
    return connections[router.db_for_write(model)]


def is_sqlite(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "sqlite"


def canonical_uuid(value: Any) -> str:
    """A UUID as text with dashes, lower case: from a ``UUID``, or a 32-hex or dashed str."""
    if isinstance(value, uuidlib.UUID):
        return str(value)
    text = str(value)
    if len(text) == 36 and text[8] == "-" and text[23] == "-":
        return text.lower()
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}".lower()
    return str(uuidlib.UUID(text))


def _uuid_param(connection: BaseDatabaseWrapper) -> Converter:
    if is_sqlite(connection):  # Django keeps a UUID on SQLite as 32 hex digits

        def to_db(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is str and len(value) == 36:
                return value.replace("-", "").lower()
            return canonical_uuid(value).replace("-", "")

        return to_db

    def to_uuid(value: Any) -> Any:
        # Canonical text (PostgreSQL reads it as uuid): checked here, no UUID object.
        if value is None:
            return None
        if type(value) is str and _UUID_TEXT.fullmatch(value):
            return value.lower()
        try:
            return str(uuidlib.UUID(str(value)))
        except ValueError as error:
            raise BadValue("uuid", value) from error

    return to_uuid


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _checked(field: str, kinds: tuple[type, ...]) -> Converter:
    def check(value: Any) -> Any:
        if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
            return value
        raise BadValue(field, value)

    return check


def _checked_bool(field: str) -> Converter:
    def check(value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        raise BadValue(field, value)

    return check


def converter(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Converter:
    """wire value -> database parameter for one concrete field."""
    ops = connection.ops
    name = field.attname
    if isinstance(field, models.ForeignKey):  # already resolved to a local id
        target = field.target_field
        if isinstance(target, INTEGER_FIELDS):
            return _checked(name, (int,))
        return converter(target, connection)
    if isinstance(field, models.BooleanField):
        return _checked_bool(name)
    if isinstance(field, INTEGER_FIELDS):
        return _checked(name, (int,))
    if isinstance(field, TEXT_FIELDS) and not isinstance(field, models.FileField):
        return _checked(name, (str,))
    if isinstance(field, models.UUIDField):
        return _uuid_param(connection)
    if isinstance(field, models.DateTimeField):
        sqlite = is_sqlite(connection)

        def datetime_value(value: Any) -> Any:
            if value is None:
                return None
            if sqlite and type(value) is str and value.endswith("+00:00"):
                # ISO 8601 in UTC: checked by the parse, then the text Django keeps
                _iso(name, value, dt.datetime)
                return value[:-6].replace("T", " ")
            if isinstance(value, str):
                value = _iso(name, value, dt.datetime)
            if not isinstance(value, dt.datetime):
                raise BadValue(name, value)
            if timezone.is_naive(value):
                value = timezone.make_aware(value, dt.UTC)
            return ops.adapt_datetimefield_value(value)

        return datetime_value
    if isinstance(field, models.DateField):

        def date_value(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, str):
                value = _iso(name, value, dt.date)
            if not isinstance(value, dt.date):
                raise BadValue(name, value)
            return ops.adapt_datefield_value(value)

        return date_value
    if isinstance(field, models.DecimalField):

        def decimal_value(value: Any) -> Any:
            if value is None:
                return None
            try:
                number = decimal.Decimal(str(value))
            except decimal.InvalidOperation as error:
                raise BadValue(name, value) from error
            return ops.adapt_decimalfield_value(number, field.max_digits, field.decimal_places)

        return decimal_value

    if isinstance(field, models.JSONField):
        return _json_converter(field, connection)

    def generic(value: Any) -> Any:  # files, time, anything else: Django's way
        try:
            return field.get_db_prep_save(field.to_python(value), connection)
        except Exception as error:
            raise BadValue(name, value) from error

    return generic


def _iso(name: str, value: str, kind: type[dt.date]) -> dt.date:
    """An ISO 8601 date or date and time (``kind``) of field ``name``, or BadValue."""
    try:
        return kind.fromisoformat(value)
    except ValueError as error:
        raise BadValue(name, value) from error


def _json_converter(field: models.JSONField[Any], connection: BaseDatabaseWrapper) -> Converter:
    """JSON written with orjson (several times faster than ``json``); a value orjson
    cannot write (a Decimal, say) goes Django's way."""

    def django_way(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if is_sqlite(connection):

        def text(value: Any) -> Any:
            if value is None and field.null:
                return None
            try:
                return orjson.dumps(value).decode()
            except TypeError:
                return django_way(value)

        return text
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        def already_text(value: Any) -> str:
            return str(value)

        def jsonb(value: Any) -> Any:
            if value is None and field.null:
                return None
            try:
                text = orjson.dumps(value).decode()
            except TypeError:
                return django_way(value)
            return Jsonb(text, dumps=already_text)

        return jsonb
    return django_way


class Columns:
    """The columns of one INSERT or UPDATE, with their converters."""

    def __init__(
        self,
        model: type[models.Model],
        names: Iterable[str],
        *,
        trusted: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.model = model
        self.connection = connection_for(model)
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.fields = [by_attname[name] for name in names]
        self.pairs = [
            (f.attname, _same if f.attname in trusted else converter(f, self.connection))
            for f in self.fields
        ]
        self.quote = self.connection.ops.quote_name

    def row(self, values: dict[str, Any]) -> list[Any]:
        """One row's parameters; a value that does not fit its column is refused with
        the sync's own error (nothing of the batch is saved)."""
        try:
            return [convert(values.get(name)) for name, convert in self.pairs]
        except BadValue as error:
            raise SyncRefused(
                "sync.bad_value",
                _(
                    "Record %(uuid)s holds a value that does not fit its field %(field)s "
                    "(%(model)s). Nothing of the batch was saved."
                )
                % {
                    "uuid": values.get("uuid", values.get("id", "")),
                    "field": error.field,
                    "model": self.model._meta.label,
                },
            ) from error

    @property
    def table(self) -> str:
        return self.quote(self.model._meta.db_table)

    def names_sql(self) -> str:
        return ", ".join(self.quote(f.column) for f in self.fields)


@contextmanager
def bound_cursor(connection: BaseDatabaseWrapper) -> Iterator[Any]:
    """PostgreSQL: a psycopg cursor on Django's connection (same transaction) that
    sends parameters apart from the query, ``%b`` ones in binary. Django's own cursor
    binds on the client: psycopg writes every value into the query text, quoting each
    element of an array with a regular expression, which for 30,000 rows cost more
    than PostgreSQL's whole work. Django's query logging does not see these."""
    import psycopg

    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    try:
        yield cursor
    finally:
        cursor.close()


def chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def select_by_uuids(
    model: type[models.Model],
    uuids: Iterable[str],
    columns: list[str],
    *,
    where: str = "",
    params: list[Any] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``model`` whose ``uuid`` is one of ``uuids``: the ``uuid`` (canonical
    text) first, then ``columns`` (column names), in chunks of 500. ``where`` (SQL with
    %s) narrows them further."""
    connection = connection_for(model)
    quote = connection.ops.quote_name
    to_db = _uuid_param(connection)
    wanted = sorted({canonical_uuid(u) for u in uuids})
    if connection.vendor == "postgresql":
        # One array parameter: a short query psycopg parses once, not 500 placeholders
        # it would parse on every call. Joined as a set, not ``uuid = ANY(array)``:
        # within a file's single transaction the rows written by its earlier batches
        # are not in the table's statistics yet, and the planner, taking the table
        # for nearly empty, scanned it and compared every row with the whole array
        # (4 of a take's 6 s); a join hashes one side whatever the estimates say.
        columns_sql = ", ".join(f"t.{quote(name)}" for name in ["uuid", *columns])
        with bound_cursor(connection) as cursor:
            for chunk in chunks(wanted, 5000):
                cursor.execute(
                    f"SELECT {columns_sql} FROM unnest(%b::uuid[]) AS wanted(uuid) "  # noqa: S608 - names from the model
                    f"JOIN {quote(model._meta.db_table)} t ON t.{quote('uuid')} = wanted.uuid"
                    f"{' WHERE (' + where + ')' if where else ''}",
                    [chunk, *(params or [])],
                )
                for row in cursor.fetchall():
                    yield (canonical_uuid(row[0]), *row[1:])
        return
    select = ", ".join([quote("uuid"), *(quote(c) for c in columns)])
    extra = f" AND ({where})" if where else ""
    with connection.cursor() as cursor:
        for chunk in chunks(wanted):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {select} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the model
                f"WHERE {quote('uuid')} IN ({marks}){extra}",
                [to_db(u) for u in chunk] + list(params or []),
            )
            for row in cursor.fetchall():
                yield (canonical_uuid(row[0]), *row[1:])


def select_by_ids(
    model: type[models.Model], ids: list[int], columns: list[str]
) -> Iterator[tuple[Any, ...]]:
    """``(id, *columns)`` of the rows with the given ids, raw as the driver gives them,
    in chunks of 500."""
    connection = connection_for(model)
    quote = connection.ops.quote_name
    select = ", ".join([quote("id"), *(quote(c) for c in columns)])
    with connection.cursor() as cursor:
        for chunk in chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {select} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the model
                f"WHERE {quote('id')} IN ({marks})",
                chunk,
            )
            yield from cursor.fetchall()


def _reader(expression: Any, compiler: Any, connection: BaseDatabaseWrapper) -> Converter:
    """database value -> wire value (what ``plain`` makes of Django's value) for
    one selected column; the ORM's own converters for the types not written out."""
    internal = expression.output_field.get_internal_type()
    if internal == "UUIDField":
        return lambda value: None if value is None else canonical_uuid(value)
    if internal == "DateTimeField":

        def datetime_text(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, str):
                value = dt.datetime.fromisoformat(value)
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            return value.isoformat()

        return datetime_text
    if internal == "DateField":
        return lambda value: value.isoformat() if isinstance(value, dt.date) else value
    if internal == "BooleanField":
        return lambda value: None if value is None else bool(value)
    if internal in {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "AutoField",
        "BigAutoField",
        "ForeignKey",
    }:
        return _same
    converters = compiler.get_converters([expression]).get(0, ([], None))[0]

    def django_way(value: Any) -> Any:
        for convert in converters:
            value = convert(value, expression, connection)
        return plain(value)

    return django_way


def read_values(queryset: Any, columns: list[str]) -> list[dict[str, Any]]:
    """``queryset.values(*columns)`` as JSON-ready values (dates and times in ISO 8601,
    UUIDs and decimals as text), read through a plain cursor: the ORM builds the SQL
    and its joins, but the per-value conversion is one small function per column."""
    values = queryset.values(*columns)
    connection = connections[values.db]
    compiler = values.query.get_compiler(using=values.db)
    sql, params = compiler.as_sql()
    selected = compiler.select
    if len(selected) != len(columns):  # not a plain list of fields: the ORM's way
        return [{name: plain(row[name]) for name in columns} for row in queryset.values(*columns)]
    readers = [_reader(expression, compiler, connection) for expression, _sql, _alias in selected]
    converted = [(i, read) for i, read in enumerate(readers) if read is not _same]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for raw in rows:
        row = list(raw)
        for i, read in converted:
            row[i] = read(row[i])
        result.append(dict(zip(columns, row, strict=True)))
    return result


def _same(value: Any) -> Any:
    return value


def plain(value: Any) -> Any:
    """A field value as JSON: dates and times in ISO 8601, decimals and UUIDs as text."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuidlib.UUID):
        return str(value)
    return value
