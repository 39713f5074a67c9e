from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bujian.calendars.models import DayOff
from bujian.calendars.workdays import WorkCalendar, national_holidays, regency_calendar
from bujian.regions.models import Regency
from bujian.regions.tests.factories import RegencyFactory

pytestmark = pytest.mark.django_db


def test_national_holidays_include_cuti_bersama_with_indonesian_names() -> None:
    days = national_holidays([2026])
    assert days[dt.date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert days[dt.date(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"


def test_three_working_days_from_friday_end_on_wednesday(regency: Regency) -> None:
    calendar = WorkCalendar.for_regency(regency, years=[2026])
    friday = dt.date(2026, 11, 6)
    assert calendar.add_working_days(friday, 3) == dt.date(2026, 11, 11)
    assert calendar.add_working_days(friday, 0) == friday


def test_deadline_skips_holidays_cuti_bersama_and_the_weekend(regency: Regency) -> None:
    """Tuesday 17 March 2026: 18 cuti bersama Nyepi, 19 Nyepi, 20 cuti bersama Idul
    Fitri, 21–22 Idul Fitri on the weekend, 23–24 cuti bersama: the next working day is
    Wednesday 25 March, and the fifth is Tuesday 31 March."""
    calendar = WorkCalendar.for_regency(regency, years=[2026])
    tuesday = dt.date(2026, 3, 17)
    assert calendar.add_working_days(tuesday, 1) == dt.date(2026, 3, 25)
    assert calendar.add_working_days(tuesday, 5) == dt.date(2026, 3, 31)
    assert calendar.working_days_between(tuesday, dt.date(2026, 3, 31)) == 5
    assert calendar.holiday_name(dt.date(2026, 3, 19)) == "Hari Suci Nyepi"
    assert not calendar.is_working_day(dt.date(2026, 3, 23))


def test_working_days_between_is_zero_backwards(regency: Regency) -> None:
    calendar = WorkCalendar.for_regency(regency, years=[2026])
    assert calendar.working_days_between(dt.date(2026, 11, 11), dt.date(2026, 11, 6)) == 0
    assert calendar.working_days_between(dt.date(2026, 11, 6), dt.date(2026, 11, 11)) == 3


def test_a_cuti_bersama_entered_by_an_admin_is_not_a_working_day(regency: Regency) -> None:
    monday = dt.date(2026, 11, 9)
    DayOff.objects.create(date=monday, kind=DayOff.Kind.CUTI_BERSAMA, name="Cuti bersama baru")
    calendar = WorkCalendar.for_regency(regency, years=[2026])
    assert not calendar.is_working_day(monday)
    assert calendar.add_working_days(dt.date(2026, 11, 6), 1) == dt.date(2026, 11, 10)


def test_regency_events_block_visits_but_stay_working_days(regency: Regency) -> None:
    wednesday = dt.date(2026, 11, 11)
    DayOff.objects.create(
        regency=regency, date=wednesday, kind=DayOff.Kind.REGENCY_EVENT, name="Musrenbang"
    )
    DayOff.objects.create(
        regency=regency,
        date=wednesday + dt.timedelta(days=1),
        kind=DayOff.Kind.LEADER_BLOCKED,
        name="Bupati ke Jakarta",
    )
    calendar = WorkCalendar.for_regency(regency, years=[2026])
    assert calendar.is_working_day(wednesday)
    blocked = calendar.blocked_for_visits(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert blocked == {wednesday: "Musrenbang", dt.date(2026, 11, 12): "Bupati ke Jakarta"}
    december = calendar.blocked_for_visits(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert december[dt.date(2026, 12, 25)] == "Hari Raya Natal"


def test_another_regency_entries_do_not_apply(regency: Regency) -> None:
    other = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    monday = dt.date(2026, 11, 9)
    DayOff.objects.create(
        regency=other, date=monday, kind=DayOff.Kind.CUTI_BERSAMA, name="Hari jadi"
    )
    assert WorkCalendar.for_regency(regency, years=[2026]).is_working_day(monday)
    assert not WorkCalendar.for_regency(other, years=[2026]).is_working_day(monday)


def test_the_calendar_refuses_days_outside_its_years(regency: Regency) -> None:
    calendar = WorkCalendar.for_regency(regency, years=[2026])
    with pytest.raises(ValueError, match="outside the years"):
        calendar.is_working_day(dt.date(2027, 1, 4))
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(dt.date(2026, 1, 5), -1)


def test_regency_calendar_covers_the_next_year_for_deadlines(regency: Regency) -> None:
    calendar = regency_calendar(regency, dt.date(2026, 12, 28))
    # 31 Dec 2026 Thursday, 1 Jan 2027 holiday, weekend: the third working day is 4 Jan.
    assert calendar.add_working_days(dt.date(2026, 12, 28), 3) == dt.date(2026, 12, 31)
    assert calendar.add_working_days(dt.date(2026, 12, 28), 4) == dt.date(2027, 1, 4)
    with pytest.raises(ValueError):
        regency_calendar(regency)


# --- properties (hypothesis) ------------------------------------------------------------

_CALENDAR_YEARS = range(2024, 2029)
_days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))
_counts = st.integers(min_value=0, max_value=120)


@pytest.fixture(scope="module")
def national_only() -> WorkCalendar:
    """National holidays and cuti bersama only (no database rows), 2024–2028."""
    off = national_holidays(_CALENDAR_YEARS)
    return WorkCalendar(years=_CALENDAR_YEARS, off=off, blocked={})


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=_days, n=_counts)
def test_the_nth_working_day_is_n_working_days_away(
    national_only: WorkCalendar, start: dt.date, n: int
) -> None:
    due = national_only.add_working_days(start, n)
    assert national_only.working_days_between(start, due) == n
    if n:
        assert national_only.is_working_day(due)
        assert due.weekday() < 5 and national_only.holiday_name(due) is None


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=_days, n=_counts, m=_counts)
def test_adding_working_days_adds_up(
    national_only: WorkCalendar, start: dt.date, n: int, m: int
) -> None:
    assert national_only.add_working_days(
        national_only.add_working_days(start, n), m
    ) == national_only.add_working_days(start, n + m)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=_days, end=_days)
def test_working_days_between_never_exceeds_calendar_days(
    national_only: WorkCalendar, start: dt.date, end: dt.date
) -> None:
    between = national_only.working_days_between(start, end)
    assert 0 <= between <= max((end - start).days, 0)
