"""Summary tables that stay exact: rebuilt per visit from the raw rows.

``rebuild_summaries`` deletes the summary rows of the visits in scope and writes them
again with one ``INSERT … SELECT`` per table, in one transaction. The SELECTs are
built with the ORM (so the same code runs on SQLite and PostgreSQL: date parts,
durations, ``COUNT(DISTINCT …) FILTER``) and wrapped in the INSERT with explicit
column aliases, so the column order never depends on how Django orders a SELECT.

A visit is summarised once it has started (ongoing, finished, reported). Each
``VisitSummary`` keeps a ``fingerprint`` of its raw rows (counts and last changes);
``refresh_if_stale`` compares it with the rows now and rebuilds the visit when they
differ — the visit report page and the period report call it, and so does the task
queued when an export runs. ``bujian.evaluation.tests.test_summaries`` compares every
table with a recomputation from the raw rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan
from django.utils import timezone

from bujian.evaluation.models import (
    SKM_ELEMENTS,
    AgencyDaySummary,
    ResidentGroupSummary,
    ServiceDaySummary,
    SurveySummary,
    VisitSummary,
)
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.visits.models import Participation, Visit

SUMMARISED_STATES = [Visit.Status.ONGOING, Visit.Status.FINISHED, Visit.Status.REPORTED]
SUMMARY_MODELS: tuple[type[models.Model], ...] = (
    VisitSummary,
    AgencyDaySummary,
    ServiceDaySummary,
    ResidentGroupSummary,
    SurveySummary,
)


def survey_response_model() -> type[models.Model] | None:
    """The SKM answers of ``bujian.surveys``, when that app has them."""
    try:
        model = apps.get_model("surveys", "SurveyResponse")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    if not {"visit", "agency", *SKM_ELEMENTS} <= names:
        return None
    return model


def rebuild_summaries(
    *, regency_id: int | None = None, visit_ids: Iterable[int] | None = None
) -> None:
    """Rewrite the summary rows of the visits in scope: those given, or every started
    visit of the regency, or every started visit. Visits not started (or cancelled)
    lose any summary they had. One transaction: readers see the old or the new rows."""
    scope = Visit.objects.all()
    if regency_id is not None:
        scope = scope.filter(regency_id=regency_id)
    if visit_ids is not None:
        scope = scope.filter(pk__in=list(visit_ids))
    scope_ids = scope.values("pk")
    started = scope.filter(status__in=SUMMARISED_STATES)
    started_ids = started.values("pk")
    now = timezone.now()
    with transaction.atomic():
        # Two requests rebuilding the same visit must not interleave their DELETE and
        # INSERT (PostgreSQL would raise a unique violation): the visit rows are the
        # lock, taken in id order. SQLite's write lock already serialises writers.
        list(scope.select_for_update().order_by("pk").values_list("pk", flat=True))
        for model in SUMMARY_MODELS:
            model._default_manager.filter(visit_id__in=scope_ids).delete()
        _insert_agency_days(started_ids)
        _insert_service_days(started_ids)
        _insert_resident_groups(started_ids)
        _insert_surveys(started_ids)
        _insert_visits(started, started_ids, now)
        _store_fingerprints(list(started.values_list("pk", flat=True)))


def refresh_if_stale(visit_ids: Iterable[int]) -> list[int]:
    """Rebuild the summaries of the given started visits whose raw rows changed since
    (or that have none); returns the ids rebuilt."""
    ids = list(
        Visit.objects.filter(pk__in=list(visit_ids), status__in=SUMMARISED_STATES).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return []
    stored = dict(
        VisitSummary.objects.filter(visit_id__in=ids).values_list("visit_id", "fingerprint")
    )
    now = fingerprints(ids)
    stale = [pk for pk in ids if stored.get(pk) != now.get(pk)]
    if stale:
        rebuild_summaries(visit_ids=stale)
    return stale


def missing_visit_ids(regency_id: int, start: dt.date, end: dt.date) -> list[int]:
    """Started visits of the period that have no summary yet."""
    return list(
        Visit.objects.filter(
            regency_id=regency_id,
            status__in=SUMMARISED_STATES,
            start_date__gte=start,
            start_date__lte=end,
            evaluation_summary__isnull=True,
        ).values_list("pk", flat=True)
    )


# --- fingerprints ---------------------------------------------------------------------


def fingerprints(visit_ids: list[int]) -> dict[int, str]:
    """A digest of each visit's raw rows: how many and when last changed. A booth,
    service record, handover, survey answer or attendance change shows up in it."""
    parts: dict[int, list[str]] = {pk: [] for pk in visit_ids}

    def add(rows: Iterable[Any], key: str) -> None:
        found = {row[key]: row for row in rows}
        for pk in visit_ids:
            row = found.get(pk)
            if row is None:
                parts[pk].append("0")
            else:
                values = [
                    str(v.isoformat() if hasattr(v, "isoformat") else v)
                    for k, v in row.items()
                    if k != key
                ]
                parts[pk].append("/".join(values))

    add(  # counts by what the summaries read, not only the last change: a replayed
        # offline step may carry an older timestamp than the newest one already here
        Ticket.objects.filter(booth__visit_id__in=visit_ids)
        .values("booth__visit_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=_DONE),
            skipped=Count("id", filter=Q(status=Ticket.Status.SKIPPED)),
            called=Count("id", filter=_CALLED),
            timed=Count("id", filter=_TIMED),
            last=Max("updated_at"),
        )
        .order_by(),
        "booth__visit_id",
    )
    add(
        ServiceRecord.objects.filter(ticket__booth__visit_id__in=visit_ids)
        .values("ticket__booth__visit_id")
        .annotate(n=Count("id"), last=Max("id"))
        .order_by(),
        "ticket__booth__visit_id",
    )
    add(
        DocumentHandover.objects.filter(
            document__service_record__ticket__booth__visit_id__in=visit_ids
        )
        .values("document__service_record__ticket__booth__visit_id")
        .annotate(n=Count("id"))
        .order_by(),
        "document__service_record__ticket__booth__visit_id",
    )
    add(
        Participation.objects.filter(visit_id__in=visit_ids)
        .values("visit_id")
        .annotate(n=Count("id"), last=Max("updated_at"))
        .order_by(),
        "visit_id",
    )
    add(
        Visit.objects.filter(pk__in=visit_ids).values("id", "updated_at").order_by(),
        "id",
    )
    survey = survey_response_model()
    if survey is not None:
        add(
            survey._default_manager.filter(visit_id__in=visit_ids)
            .values("visit_id")
            .annotate(n=Count("id"), last=Max("id"))
            .order_by(),
            "visit_id",
        )
    return {pk: ";".join(values)[:200] for pk, values in parts.items()}


def _store_fingerprints(visit_ids: list[int]) -> None:
    if not visit_ids:
        return
    digests = fingerprints(visit_ids)
    rows = list(VisitSummary.objects.filter(visit_id__in=visit_ids).only("id", "visit_id"))
    for row in rows:
        row.fingerprint = digests[row.visit_id]
    VisitSummary.objects.bulk_update(rows, ["fingerprint"], batch_size=500)


# --- INSERT … SELECT ---------------------------------------------------------------------


def _insert_select(
    model: type[models.Model], columns: dict[str, str], queryset: QuerySet[Any]
) -> int:
    """``INSERT INTO model (fields) SELECT aliases FROM (queryset) sub``.
    ``columns`` maps each model field to the alias the queryset gives it."""
    sql, params = queryset.order_by().query.sql_with_params()
    qn = connection.ops.quote_name
    target = ", ".join(qn(_column(model, name)) for name in columns)
    source = ", ".join(f"sub.{qn(alias)}" for alias in columns.values())
    statement = (
        f"INSERT INTO {qn(model._meta.db_table)} ({target}) SELECT {source} FROM ({sql}) sub"  # noqa: S608 -- names come from model metadata, values are parameters
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


def _same(*names: str) -> dict[str, str]:
    return {name: f"x_{name}" for name in names}


_DONE = Q(status=Ticket.Status.DONE)
_CALLED = Q(called_at__isnull=False)
_TIMED = _DONE & Q(started_at__isnull=False, finished_at__isnull=False)


def _insert_agency_days(visit_ids: QuerySet[Any]) -> None:
    rows = (
        Ticket.objects.filter(booth__visit_id__in=visit_ids)
        .values(
            x_visit=F("booth__visit_id"),
            x_regency=F("booth__visit__regency_id"),
            x_agency=F("booth__participation__agency_id"),
            x_day=F("day"),
        )
        .annotate(
            x_tickets=Count("id"),
            x_served=Count("id", filter=_DONE),
            x_skipped=Count("id", filter=Q(status=Ticket.Status.SKIPPED)),
            x_residents=Count("visit_ticket_id", filter=_DONE, distinct=True),
            x_waits=Count("id", filter=_CALLED),
            x_wait_total=Sum(
                Elapsed(F("called_at"), F("queued_at")),
                filter=_CALLED,
                output_field=DurationField(),
            ),
            x_timed_services=Count("id", filter=_TIMED),
            x_service_total=Sum(
                Elapsed(F("finished_at"), F("started_at")),
                filter=_TIMED,
                output_field=DurationField(),
            ),
        )
    )
    columns = {
        "visit": "x_visit",
        "regency": "x_regency",
        "agency": "x_agency",
        "day": "x_day",
        **_same(
            "tickets",
            "served",
            "skipped",
            "residents",
            "waits",
            "wait_total",
            "timed_services",
            "service_total",
        ),
    }
    _insert_select(AgencyDaySummary, columns, rows)


def _insert_service_days(visit_ids: QuerySet[Any]) -> None:
    outcome = ServiceRecord.Outcome
    rows = (
        ServiceRecord.objects.filter(ticket__booth__visit_id__in=visit_ids)
        .values(
            x_visit=F("ticket__booth__visit_id"),
            x_regency=F("ticket__booth__visit__regency_id"),
            x_agency=F("service__agency_id"),
            x_service=F("service_id"),
            x_day=F("ticket__day"),
        )
        .annotate(
            x_records=Count("id"),
            x_completed=Count("id", filter=Q(outcome=outcome.COMPLETED)),
            x_in_process=Count("id", filter=Q(outcome=outcome.IN_PROCESS)),
            x_rejected=Count("id", filter=Q(outcome=outcome.REJECTED)),
            x_referred=Count("id", filter=Q(outcome=outcome.REFERRED)),
        )
    )
    columns = {
        "visit": "x_visit",
        "regency": "x_regency",
        "agency": "x_agency",
        "service": "x_service",
        "day": "x_day",
        **_same("records", "completed", "in_process", "rejected", "referred"),
    }
    _insert_select(ServiceDaySummary, columns, rows)


class DateNumber(models.Func):
    """A date as the integer YYYYMMDD: the difference of two of them divided by 10000
    is the age in whole years, exactly. Written per database so SQLite does not call
    Django's Python date functions once per row (1.6 million visit tickets)."""

    output_field = models.IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Dates are stored as 'YYYY-MM-DD' text.
        return self.as_sql(
            compiler, connection, template="CAST(REPLACE(%(expressions)s, '-', '') AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(TO_CHAR(%(expressions)s, 'YYYYMMDD') AS INTEGER)"
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if "template" not in extra:  # other databases: the portable date parts
            field = self.source_expressions[0]
            portable = ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)
            return compiler.compile(portable)
        return super().as_sql(compiler, connection, **extra)


def _date_number(field: str) -> Any:
    return DateNumber(F(field))


class Elapsed(models.Func):
    """``end - start`` of two datetimes as a duration, exactly to the microsecond.
    PostgreSQL subtracts natively. On SQLite Django would call a Python function per
    row (3 million tickets); here the stored text ``YYYY-MM-DD HH:MM:SS[.ffffff]`` is
    read with built-ins: whole seconds through julianday (exact once rounded), the
    microseconds from the text, giving the integer microseconds Django stores."""

    output_field = models.DurationField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        end, start = (compiler.compile(e) for e in self.source_expressions)

        def micro(sql: str) -> str:
            return (
                f"(CAST(ROUND(julianday(substr({sql}, 1, 19)) * 86400) AS INTEGER) * 1000000"
                f" + CAST(substr({sql} || '.000000', 21, 6) AS INTEGER))"
            )

        return f"({micro(end[0])} - {micro(start[0])})", [*end[1], *end[1], *start[1], *start[1]]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        end, start = self.source_expressions
        return compiler.compile(
            models.ExpressionWrapper(end - start, output_field=models.DurationField())
        )


def age_group_expression(on_date_field: str, birth_date_field: str) -> Case:
    """The ``ResidentGroupSummary.AgeGroup`` of a resident on a date, in SQL."""
    years = _date_number(on_date_field) - _date_number(birth_date_field)
    group = ResidentGroupSummary.AgeGroup
    return Case(
        When(LessThan(years, 170000), then=Value(group.CHILD.value)),
        When(LessThan(years, 260000), then=Value(group.YOUNG.value)),
        When(LessThan(years, 460000), then=Value(group.ADULT.value)),
        When(LessThan(years, 600000), then=Value(group.MIDDLE.value)),
        default=Value(group.SENIOR.value),
        output_field=models.CharField(),
    )


def served_visit_tickets(visit_ids: Any) -> QuerySet[VisitTicket]:
    """Visit tickets with at least one booth ticket served: the residents served."""
    done = Ticket.objects.filter(visit_ticket=OuterRef("pk"), status=Ticket.Status.DONE)
    return VisitTicket.objects.filter(Exists(done), visit_id__in=visit_ids)


def _insert_resident_groups(visit_ids: QuerySet[Any]) -> None:
    rows = (
        served_visit_tickets(visit_ids)
        .values(
            x_visit=F("visit_id"),
            x_regency=F("visit__regency_id"),
            x_start_date=F("visit__start_date"),
            x_village=F("resident__village_id"),
            x_sex=F("resident__sex"),
            x_age_group=age_group_expression("visit__start_date", "resident__birth_date"),
        )
        .annotate(x_residents=Count("id"))
    )
    columns = {
        "visit": "x_visit",
        "regency": "x_regency",
        "village": "x_village",
        **_same("start_date", "sex", "age_group", "residents"),
    }
    _insert_select(ResidentGroupSummary, columns, rows)


def _insert_surveys(visit_ids: QuerySet[Any]) -> None:
    model = survey_response_model()
    if model is None:
        return
    rows = (
        model._default_manager.filter(visit_id__in=visit_ids)
        .values(
            x_visit=F("visit_id"),
            x_regency=F("visit__regency_id"),
            x_agency=F("agency_id"),
            x_start_date=F("visit__start_date"),
        )
        .annotate(x_respondents=Count("id"), **{f"x_{u}": Sum(u) for u in SKM_ELEMENTS})
    )
    columns = {
        "visit": "x_visit",
        "regency": "x_regency",
        "agency": "x_agency",
        **_same("start_date", "respondents", *SKM_ELEMENTS),
    }
    _insert_select(SurveySummary, columns, rows)


def _insert_visits(started: QuerySet[Visit], visit_ids: QuerySet[Any], now: dt.datetime) -> None:
    """One row per visit: its own columns LEFT JOINed to one grouped count per source
    table. (Correlated subqueries per visit made PostgreSQL rescan the big tables once
    per visit: minutes on a province's history; grouped, it is one pass each.)"""
    status, attendance = Participation.Status, Participation.Attendance
    base = started.order_by().values(
        x_visit=F("pk"),
        x_regency=F("regency_id"),
        x_village=F("village_id"),
        x_district=F("village__district_id"),
        x_start_date=F("start_date"),
        x_end_date=F("end_date"),
    )
    counts: dict[str, tuple[QuerySet[Any], list[str]]] = {
        "p": (
            Participation.objects.filter(visit_id__in=visit_ids)
            .values(x_key=F("visit_id"))
            .annotate(
                x_invited=Count("id"),
                x_mandatory=Count("id", filter=Q(mandatory=True)),
                x_present=Count("id", filter=Q(attendance=attendance.PRESENT)),
                x_absent=Count("id", filter=Q(attendance=attendance.ABSENT)),
                x_excused=Count("id", filter=Q(status=status.EXCUSED)),
                x_late=Count("id", filter=Q(late=True)),
            ),
            ["invited", "mandatory", "present", "absent", "excused", "late"],
        ),
        "t": (
            VisitTicket.objects.filter(visit_id__in=visit_ids)
            .values(x_key=F("visit_id"))
            .annotate(x_visit_tickets=Count("id")),
            ["visit_tickets"],
        ),
        "r": (
            ResidentGroupSummary.objects.filter(visit_id__in=visit_ids)
            .values(x_key=F("visit_id"))
            .annotate(x_residents_served=Sum("residents")),
            ["residents_served"],
        ),
        "d": (
            Document.objects.filter(service_record__ticket__booth__visit_id__in=visit_ids)
            .values(x_key=F("service_record__ticket__booth__visit_id"))
            .annotate(
                x_documents_issued=Count("id"),
                x_documents_handed_over=Count("id", filter=Q(handover__isnull=False)),
            ),
            ["documents_issued", "documents_handed_over"],
        ),
    }
    qn = connection.ops.quote_name
    base_sql, base_params = base.query.sql_with_params()
    own = ["visit", "regency", "village", "district", "start_date", "end_date"]
    targets = [_column(VisitSummary, name) for name in own]
    sources = [f"base.{qn('x_' + name)}" for name in own]
    joins, params = [], list(base_params)
    for alias, (queryset, names) in counts.items():
        sql, sub_params = queryset.order_by().query.sql_with_params()
        joins.append(f"LEFT JOIN ({sql}) {alias} ON {alias}.{qn('x_key')} = base.{qn('x_visit')}")
        params += sub_params
        for name in names:
            targets.append(_column(VisitSummary, name))
            sources.append(f"COALESCE({alias}.{qn('x_' + name)}, 0)")
    targets += [_column(VisitSummary, "fingerprint"), _column(VisitSummary, "rebuilt_at")]
    sources += ["%s", "%s"]
    # The two constants come first in the statement's text, so first in the parameters.
    params = ["", connection.ops.adapt_datetimefield_value(now), *params]
    statement = (
        f"INSERT INTO {qn(VisitSummary._meta.db_table)} ({', '.join(qn(t) for t in targets)}) "  # noqa: S608 -- names from model metadata, values are parameters
        f"SELECT {', '.join(sources)} FROM ({base_sql}) base {' '.join(joins)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
