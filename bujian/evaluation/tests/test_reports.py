"""The visit and period reports: the numbers of a known visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bujian.agencies.models import Agency
from bujian.evaluation.reports import Period, period_report, visit_report
from bujian.evaluation.tests.builders import DAY, BuiltVisit, build_visit
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import VillageFactory


def test_visit_report_counts_attendance_residents_services_and_times(built: BuiltVisit) -> None:
    report = visit_report(built.visit.pk)
    assert (report.invited, report.present, report.absent, report.excused) == (4, 2, 1, 1)
    assert report.late == 1
    assert report.residents.served == 4
    assert {c.key: c.count for c in report.residents.by_sex} == {"L": 2, "P": 2}
    assert {c.key: c.count for c in report.residents.by_age} == {
        "0-16": 1,
        "17-25": 0,
        "26-45": 2,
        "46-59": 0,
        "60+": 1,
    }  # 15 (a day before the birthday), 37, 27 and 67 years
    by_agency = {row.agency.code: row for row in report.agencies}
    duk = by_agency["disdukcapil"]
    assert (duk.served, duk.outcomes.completed, duk.outcomes.in_process, duk.outcomes.rejected) == (
        3,
        1,
        1,
        1,
    )
    assert duk.times.average_wait_minutes == 20.0  # 10, 20, 30 minutes
    assert duk.times.average_service_minutes == 9.0  # 8, 15, 4 minutes
    samsat = by_agency["samsat"]
    assert (samsat.tickets, samsat.served, samsat.skipped) == (2, 1, 1)
    assert report.total.times.average_wait_minutes == 25.0  # 10, 20, 30, 40
    assert (report.documents_issued, report.documents_handed_over) == (2, 1)
    assert report.documents_handed_over_at_visit == 1


def test_visit_report_ikm_per_agency_and_overall(built: BuiltVisit) -> None:
    report = visit_report(built.visit.pk)
    by_agency = {row.agency.code: row for row in report.agencies}
    duk = by_agency["disdukcapil"].ikm
    assert duk is not None and duk.respondents == 2
    # NRR = 3.5 ×8 and 3.0: mean 3.444…, × 25 = 86.11
    assert duk.ikm == Decimal("86.11") and duk.grade == "B"
    samsat = by_agency["samsat"].ikm
    assert samsat is not None and samsat.ikm == Decimal("86.11")
    overall = report.ikm
    assert overall is not None and overall.respondents == 3
    assert "1/9" in report.ikm_method


def test_agency_operator_scope_keeps_only_their_agency(
    built: BuiltVisit, disdukcapil: Agency
) -> None:
    report = visit_report(built.visit.pk, agency_ids=[disdukcapil.pk])
    assert [row.agency.code for row in report.agencies] == ["disdukcapil"]
    assert [a.agency.code for a in report.attendance] == ["disdukcapil"]
    assert report.total.served == 3


def test_period_report_reads_the_same_numbers(built: BuiltVisit, regency: Regency) -> None:
    period = Period.containing("quarter", DAY)
    report = period_report(regency.pk, period.start, period.end, label=period.label)
    visit = visit_report(built.visit.pk)
    assert [t.visit_id for t in report.visits] == [built.visit.pk]
    assert report.total.served == visit.total.served == 4
    assert report.residents.served == 4
    assert report.ikm is not None and visit.ikm is not None
    assert report.ikm.ikm == visit.ikm.ikm
    trend = report.visits[0]
    assert (trend.residents_served, trend.services, trend.completed) == (4, 4, 2)
    assert report.documents_issued == 2


def test_period_coverage_counts_villages_and_days_since(
    built: BuiltVisit, regency: Regency, village: Village
) -> None:
    other = VillageFactory.create(district=village.district, code="17.01.05.2002", name="Lain")
    report = period_report(regency.pk, dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    rows = {v.village.pk: v for d in report.coverage for v in d.villages}
    assert rows[village.pk].visits_in_period == 1
    assert rows[village.pk].last_visit == DAY
    assert rows[other.pk].last_visit is None
    assert report.villages_visited == 1 and report.districts_visited == 1


def test_period_excludes_visits_outside_it(built: BuiltVisit, regency: Regency) -> None:
    report = period_report(regency.pk, dt.date(2027, 7, 1), dt.date(2027, 7, 31))
    assert report.visits == [] and report.total.served == 0 and report.ikm is None


@pytest.mark.parametrize(
    ("kind", "number", "start", "end"),
    [
        ("month", 2, dt.date(2028, 2, 1), dt.date(2028, 2, 29)),
        ("quarter", 4, dt.date(2027, 10, 1), dt.date(2027, 12, 31)),
        ("semester", 1, dt.date(2027, 1, 1), dt.date(2027, 6, 30)),
        ("year", 1, dt.date(2027, 1, 1), dt.date(2027, 12, 31)),
    ],
)
def test_period_bounds(kind: str, number: int, start: dt.date, end: dt.date) -> None:
    period = Period.parse(kind, start.year, number)
    assert (period.start, period.end) == (start, end)


def test_period_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Period.parse("quarter", 2027, 5)
    with pytest.raises(ValueError):
        Period.parse("week", 2027, 1)


def test_ikm_value_equals_the_regulation_computation() -> None:
    import random

    from bujian.evaluation.reports import ikm_value
    from bujian.surveys.stats import ikm_from_sums

    rng = random.Random(14)  # noqa: S311 -- test data
    for _ in range(2000):
        respondents = rng.randint(1, 400)
        sums = [rng.randint(respondents, 4 * respondents) for _ in range(9)]
        result = ikm_from_sums(sums, respondents)
        assert result is not None
        assert ikm_value(sum(sums), respondents) == result.ikm
    assert ikm_value(36, 1) == Decimal("100.00")
    assert ikm_value(0, 0) is None


def test_period_report_query_count_does_not_grow_with_visits(
    built: BuiltVisit,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
    samsat: Agency,
    django_assert_max_num_queries: object,
) -> None:
    from bujian.evaluation.summaries import rebuild_summaries

    for day in (dt.date(2027, 7, 1), dt.date(2027, 8, 5), dt.date(2027, 9, 2)):
        build_visit(
            regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, day=day
        )
    rebuild_summaries(regency_id=regency.pk)
    # 33: the recent visits are also checked for stale summaries (7 grouped queries).
    with django_assert_max_num_queries(33):  # type: ignore[operator]
        report = period_report(regency.pk, dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert len(report.visits) == 4
    assert report.total.served == 16
    trend = {t.agency.code: t for t in report.ikm_trends}
    assert trend["disdukcapil"].per_visit == [Decimal("86.11")] * 4
    with django_assert_max_num_queries(30):  # type: ignore[operator]
        visit_report(built.visit.pk)


def test_period_report_sees_a_late_handover_at_a_recent_visit(
    built: BuiltVisit, regency: Regency
) -> None:
    from zoneinfo import ZoneInfo

    from bujian.records.models import Document, DocumentHandover

    start, end = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
    assert period_report(regency.pk, start, end).documents_handed_over == 1
    waiting = Document.objects.get(service_record__ticket__booth__visit=built.visit, handover=None)
    DocumentHandover.objects.create(
        document=waiting,
        recipient=DocumentHandover.Recipient.RESIDENT,
        place=DocumentHandover.Place.VILLAGE_OFFICE,
        handed_over_at=dt.datetime(2027, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta")),
    )
    assert period_report(regency.pk, start, end).documents_handed_over == 2
