"""The synthetic history (``generate_history``) at a tiny scale: complete, consistent,
and summarised exactly. The same tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models

from bujian.agencies.models import Agency
from bujian.aspirations.models import Aspiration
from bujian.evaluation.synthetic import (
    ASPIRATIONS_AT_SCALE_1,
    RECORDS_AT_SCALE_1,
    RESPONSES_AT_SCALE_1,
    SYNTHETIC_NOTE,
    HistoryError,
    HistoryPlan,
    HistoryResult,
    generate_history,
)
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.residents.models import Registration, Resident
from bujian.surveys.models import SurveyResponse
from bujian.visits.models import Booth, Participation, Visit

LAST_DAY = dt.date(2026, 7, 15)
APPS = ["regions", "agencies", "visits", "residents", "queueing", "records", "surveys"]
APPS += ["aspirations", "evaluation"]


@pytest.fixture
def history(db: None) -> HistoryResult:
    return generate_history(regencies=3, years=1, scale=0.001, seed=7, last_day=LAST_DAY)


def test_plan_at_scale_one_meets_the_issue_floors() -> None:
    plan = HistoryPlan(regencies=10, years=5, scale=1.0, last_day=LAST_DAY)
    assert plan.visits == 10 * 5 * 12 * 2  # two visits a month in every regency
    assert plan.visits * plan.per_visit(RECORDS_AT_SCALE_1) >= 3_000_000
    assert plan.visits * plan.per_visit(ASPIRATIONS_AT_SCALE_1) >= 300_000
    assert plan.visits * plan.per_visit(RESPONSES_AT_SCALE_1) >= 1_000_000
    assert plan.months[0] == (2021, 7) and plan.months[-1] == (2026, 6)


def test_tiny_history_is_complete(history: HistoryResult) -> None:
    assert history.regencies == ["17.01", "17.02", "17.03"]
    assert (history.first_day, history.last_day) == (dt.date(2025, 7, 1), LAST_DAY)
    visits = Visit.objects.filter(notes=SYNTHETIC_NOTE)
    assert visits.count() == history.counts["visit"] == 3  # one visit a year at this scale
    written: list[tuple[type[models.Model], str]] = [
        (Participation, "participation"),
        (Booth, "booth"),
        (Resident, "resident"),
        (Registration, "registration"),
        (VisitTicket, "visit_ticket"),
        (Ticket, "ticket"),
        (ServiceRecord, "record"),
        (Document, "document"),
        (DocumentHandover, "handover"),
    ]
    for model, key in written:
        assert model._default_manager.count() == history.counts[key] > 0, key
    plan = HistoryPlan(regencies=3, years=1, scale=0.001, last_day=LAST_DAY)
    for visit in visits:
        assert dt.date(2025, 7, 1) <= visit.start_date <= dt.date(2026, 6, 30)
        assert visit.start_date.weekday() < 4
        assert visit.village.district.regency_id == visit.regency_id
        # Every OPD of the regency was invited, and mandatorily.
        opd = set(Agency.objects.mandatory().filter(regencies=visit.regency).values_list("pk"))
        invited = set(
            Participation.objects.filter(visit=visit, mandatory=True).values_list("agency")
        )
        assert invited == opd and len(opd) == 18
        assert ServiceRecord.objects.filter(ticket__booth__visit=visit).count() >= plan.per_visit(
            RECORDS_AT_SCALE_1
        )
    # Regencies without shipped regions got synthetic districts and villages.
    assert Village.objects.filter(district__regency__code="17.02").count() == 12 * 15
    assert Regency.objects.get(code="17.01").districts.count() == 11  # the shipped ones


def test_queue_rows_follow_the_rules_of_the_visit_day(history: HistoryResult) -> None:
    tickets = list(Ticket.objects.order_by("booth", "day", "number"))
    by_counter: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for ticket in tickets:
        by_counter[(ticket.booth_id, ticket.day)].append(ticket.number)
    for numbers in by_counter.values():  # numbers start at 1 each day, no gaps
        assert numbers == list(range(1, len(numbers) + 1))
    recorded = set(ServiceRecord.objects.values_list("ticket_id", flat=True))
    spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for ticket in tickets:
        assert (ticket.pk in recorded) == (ticket.status == Ticket.Status.DONE)
        if ticket.status == Ticket.Status.DONE:
            called, started, finished = ticket.called_at, ticket.started_at, ticket.finished_at
            assert called is not None and started is not None and finished is not None
            assert ticket.queued_at <= called < started < finished
            spans[ticket.visit_ticket_id].append((called, finished))
    for served in spans.values():  # one booth at a time
        served.sort()
        for (_, finished), (called, _) in itertools.pairwise(served):
            assert finished <= called
    # Outcomes carry what the constraints and the documents need.
    assert not ServiceRecord.objects.filter(outcome="in_process", promised_date=None).exists()
    assert not ServiceRecord.objects.filter(outcome="rejected", rejection_reason="").exists()
    referred = ServiceRecord.objects.filter(outcome="referred")
    assert all(r.referred_to_id for r in referred)
    assert Ticket.objects.exclude(transferred_from=None).count() == referred.count()
    handed = Document.objects.filter(status=Document.Status.HANDED_OVER).count()
    assert handed == DocumentHandover.objects.count()
    # Residents are unique by NIK, 16 digits with the district's code in front.
    for resident in Resident.objects.select_related("village__district"):
        assert len(resident.national_id) == 16 and resident.national_id.isdigit()
        assert resident.village is not None
        assert resident.national_id.startswith(resident.village.district.nik_prefix)


def test_responses_and_aspirations_follow_the_visits(history: HistoryResult) -> None:
    plan = HistoryPlan(regencies=3, years=1, scale=0.001, last_day=LAST_DAY)
    responses = SurveyResponse.objects.select_related("ticket__booth__participation")
    assert responses.count() == history.counts["survey_response"]
    assert history.counts["survey_response"] >= plan.visits * plan.per_visit(RESPONSES_AT_SCALE_1)
    for response in responses:  # one per served booth ticket, about that service
        ticket = response.ticket
        assert ticket is not None and ticket.status == Ticket.Status.DONE
        assert response.visit_id == ticket.booth.visit_id
        assert response.agency_id == ticket.booth.participation.agency_id
        assert response.day == ticket.day
        assert {response.u1, response.u5, response.u9} <= {1, 2, 3, 4}
    aspirations = Aspiration.objects.all()
    assert aspirations.count() == history.counts["aspiration"]
    assert history.counts["aspiration"] == plan.visits * plan.per_visit(ASPIRATIONS_AT_SCALE_1)
    for aspiration in aspirations:
        assert aspiration.visit is not None
        assert aspiration.regency_id == aspiration.visit.regency_id
        assert aspiration.events.count() >= 1
        if aspiration.status in {"assigned", "in_progress", "resolved"}:
            assert aspiration.lead_agency is not None
        if aspiration.status in Aspiration.OPEN_STATES:
            assert aspiration.due_date is not None
    assert Aspiration.objects.filter(status="resolved").exists()


def _orphans(model: type[models.Model], field: models.ForeignKey[models.Model]) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    parent = field.related_model
    assert isinstance(parent, type)
    parent_table = connection.ops.quote_name(parent._meta.db_table)
    column = connection.ops.quote_name(field.column)
    target = connection.ops.quote_name(field.target_field.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} c LEFT JOIN {parent_table} p "  # noqa: S608 -- names from model meta
            f"ON c.{column} = p.{target} WHERE c.{column} IS NOT NULL AND p.{target} IS NULL"
        )
        row = cursor.fetchone()
    return int(row[0])


def test_every_foreign_key_points_at_a_row(history: HistoryResult) -> None:
    """Checked here because the load writes with the foreign-key checks deferred or off."""
    checked = 0
    for label in APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                if isinstance(field, models.ForeignKey):
                    assert _orphans(model, field) == 0, f"{model.__name__}.{field.name}"
                    checked += 1
    assert checked > 40


def test_summaries_equal_a_recomputation(history: HistoryResult) -> None:
    from bujian.evaluation.tests.test_summaries import recompute, stored

    assert history.summaries_seconds is not None
    for visit in Visit.objects.filter(notes=SYNTHETIC_NOTE):
        assert stored(visit) == recompute(visit)


def test_second_run_on_the_same_regencies_is_refused(history: HistoryResult) -> None:
    with pytest.raises(HistoryError):
        generate_history(regencies=1, years=1, scale=0.001, last_day=LAST_DAY)


def test_bad_arguments_are_refused(db: None) -> None:
    for kwargs in [{"regencies": 11}, {"years": 0}, {"scale": 0.0}]:
        with pytest.raises(HistoryError):
            generate_history(last_day=LAST_DAY, **kwargs)  # type: ignore[arg-type]
    assert not Visit.objects.exists()


def test_command_prints_what_it_wrote(db: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate_history",
        "--regencies=1",
        "--years=1",
        "--scale=0.001",
        "--last-day=2026-07-15",
        "--no-summaries",
        stdout=out,
        stderr=err,
    )
    assert "17.01: 2025-07-01 to 2026-07-15" in out.getvalue()
    assert "100.0%" in err.getvalue() and "rows/s" in err.getvalue()
    assert ServiceRecord.objects.count() >= 1
