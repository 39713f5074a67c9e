"""Hand-written SQL for the busiest requests: the queue's issue, call next and finish,
and the rows every action writes (audit entries, service records).

The ORM spends about a millisecond compiling each query of these requests (filters,
joins, ordering), several times the database's own work, and on SQLite part of it
inside the write lock. Here the SQL text is built once per process from the models'
metadata, so a column added by a later migration is selected and inserted too; values
always go as parameters, and rows come back as ordinary model instances with Django's
own converters (aware datetimes, dates, booleans, UUIDs, JSON).

Rows written here do not go through ``Model.save()``: no ``pre_save``/``post_save``
signals are sent (none of the models written here has receivers). Defaults, ``auto_now`` and
``auto_now_add`` are applied as ``save()`` would apply them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, signals
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)

Converter = Any  # (value, expression, connection) -> value


def db() -> BaseDatabaseWrapper:
    """This thread's connection (the object itself, not the ``connection`` proxy)."""
    return connections[DEFAULT_DB_ALIAS]


def quote(name: str) -> str:
    return db().ops.quote_name(name)


@functools.cache
def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@functools.cache
def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


@functools.cache
def column(model: type[Model], name: str) -> str:
    """The quoted column of a field (``"booth_id"`` for ``booth``)."""
    return quote(_field(model, name).column)


def param(model: type[Model], name: str, value: object) -> object:
    """A value as the database stores it in that field (on SQLite an aware datetime
    becomes naive UTC text, as the ORM writes it; a raw ``datetime`` parameter would
    keep its offset and no longer compare with the stored ones)."""
    if isinstance(value, Model):
        value = value.pk
    return _field(model, name).get_db_prep_save(value, db())


class Columns(Generic[M]):
    """Every concrete column of a model under a table alias, for a SELECT list or a
    RETURNING clause, and the rows back as model instances."""

    def __init__(self, model: type[M], alias: str = "") -> None:
        self.model = model
        self.alias = alias

    @functools.cached_property
    def fields(self) -> tuple[Field[Any, Any], ...]:
        return tuple(self.model._meta.concrete_fields)

    @functools.cached_property
    def sql(self) -> str:
        prefix = f"{quote(self.alias)}." if self.alias else ""
        return ", ".join(prefix + quote(field.column) for field in self.fields)

    @functools.cached_property
    def attnames(self) -> tuple[str, ...]:
        return tuple(field.attname for field in self.fields)

    @functools.cached_property
    def plain(self) -> bool:
        """Whether an instance may be made without ``Model.__init__``: nothing listens
        to its ``pre_init``/``post_init`` signals (an ImageField would), so filling
        its attributes is what ``__init__`` with every field given would do."""
        return not (
            signals.pre_init.has_listeners(self.model)
            or signals.post_init.has_listeners(self.model)
        )

    def __len__(self) -> int:
        return len(self.fields)

    def _converters(
        self, connection: BaseDatabaseWrapper
    ) -> list[tuple[int, list[Converter], Any]]:
        per_connection = _CONVERTERS.setdefault(connection, {})
        found = per_connection.get(self)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                expression = field.get_col(self.model._meta.db_table)
                own = field.get_db_converters(connection)  # type: ignore[attr-defined]
                converters = connection.ops.get_db_converters(expression) + own
                if converters:
                    found.append((index, converters, expression))
            per_connection[self] = found
        return found

    def build(self, row: Sequence[Any], start: int = 0) -> M:
        """The instance from ``row[start:start + len(self)]``."""
        connection = db()
        values = list(row[start : start + len(self.fields)])
        for index, converters, expression in self._converters(connection):
            value = values[index]
            for convert in converters:
                value = convert(value, expression, connection)
            values[index] = value
        if not self.plain:
            return self.model.from_db(connection.alias, None, values)  # type: ignore[arg-type]
        obj = self.model.__new__(self.model)
        state = obj._state = ModelState()
        state.adding, state.db = False, connection.alias
        obj.__dict__.update(zip(self.attnames, values, strict=True))
        return obj


# Converters are bound to a connection's operations; each thread has its own.
_CONVERTERS: WeakKeyDictionary[BaseDatabaseWrapper, dict[Columns[Any], Any]] = WeakKeyDictionary()


def statement_cursor() -> Any:
    """A cursor of this thread's connection for the statements built here. On
    PostgreSQL it binds on the server (Django's own cursors bind on the client, writing
    every value into the text), so that psycopg prepares a statement once it has run a
    few times on a connection (``prepare_threshold`` in settings) and PostgreSQL stops
    parsing and planning it anew on every request. It is wrapped as Django wraps its
    own, so query logging and ``execute_wrapper`` see every statement."""
    connection = db()
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]  # unstubbed
        ServerBindingCursor,
    )

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(ServerBindingCursor(connection.connection))  # type: ignore[attr-defined]


def fetch(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def fetch_one(sql: str, params: Sequence[object]) -> tuple[Any, ...] | None:
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def execute(sql: str, params: Sequence[object]) -> int:
    """Run a write; the number of rows it changed."""
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


@functools.cache
def _insert_sql(
    model: type[Model], conflict: tuple[str, ...]
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.auto_field)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    on_conflict = ""
    if conflict:
        target = ", ".join(column(model, name) for name in conflict)
        on_conflict = f" ON CONFLICT ({target}) DO NOTHING"
    returning = f" RETURNING {quote(meta.pk.column)}" if meta.auto_field is not None else ""
    sql = f"INSERT INTO {table(model)} ({columns}) VALUES ({marks}){on_conflict}{returning}"  # noqa: S608 -- names from the models, values as parameters
    return sql, fields


def insert(obj: Model, *, unless_exists: Sequence[str] = ()) -> bool:
    """INSERT the instance with every concrete field, as ``save()`` would (defaults,
    ``auto_now``/``auto_now_add``), and set its primary key. With ``unless_exists``
    (the fields of a unique constraint) a row already there is left alone
    (``ON CONFLICT DO NOTHING``) and False is returned."""
    sql, fields = _insert_sql(type(obj), tuple(unless_exists))
    connection = db()
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    row = fetch_one(sql, values)
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


def insert_pairs(
    model: type[Model], first: str, second: str, pairs: Iterable[tuple[object, object]]
) -> None:
    """Rows of a two-column table (a many-to-many link) in one INSERT."""
    rows = list(pairs)
    if not rows:
        return
    marks = ", ".join(["(%s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table(model)} ({column(model, first)}, {column(model, second)}) "  # noqa: S608 -- names from the models
        f"VALUES {marks}"
    )
    execute(sql, [value for row in rows for value in row])


def in_list(values: Sequence[object]) -> str:
    """``%s, %s, …`` for an IN (…) of that many parameters."""
    return ", ".join(["%s"] * len(values))
