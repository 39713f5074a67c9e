"""Deadlines in working days: weekends, national holidays, cuti bersama and the
cuti bersama admins add."""

from __future__ import annotations

import datetime as dt

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations import actions
from bujian.aspirations.tests.conftest import BEFORE_CHRISTMAS, WIB, submit
from bujian.calendars.models import DayOff
from bujian.regions.models import Regency


def test_assignment_is_due_three_working_days_after_receipt_across_christmas_and_a_weekend(
    regency: Regency,
) -> None:
    aspiration = submit(regency)  # Wednesday 23 December 2026
    # Thu 24 cuti bersama, Fri 25 Christmas, Sat 26, Sun 27 → Mon 28, Tue 29, Wed 30.
    assert aspiration.assign_due == dt.date(2026, 12, 30)
    assert aspiration.due_date == dt.date(2026, 12, 30)


def test_answer_is_due_five_working_days_after_the_disposition_over_new_year(
    regency: Regency, bupati: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    monday = dt.datetime(2026, 12, 28, 9, 0, tzinfo=WIB)
    actions.assign_aspiration(
        aspiration=aspiration,
        actor=bupati,
        lead_agency=disdukcapil,
        disposition="Segera tindak lanjuti.",
        now=monday,
    )
    # Tue 29, Wed 30, Thu 31, (Fri 1 Jan holiday, weekend), Mon 4, Tue 5 is Isra Mikraj → Wed 6.
    assert aspiration.response_due == dt.date(2027, 1, 6)
    assert aspiration.due_date == dt.date(2027, 1, 6)


def test_an_admin_entered_cuti_bersama_moves_the_deadline(regency: Regency) -> None:
    DayOff.objects.create(
        regency=regency, date=dt.date(2026, 12, 28), kind=DayOff.Kind.CUTI_BERSAMA, name="Cuti"
    )
    aspiration = submit(regency)
    assert aspiration.assign_due == dt.date(2026, 12, 31)


def test_a_regency_event_is_still_a_working_day(regency: Regency) -> None:
    DayOff.objects.create(
        regency=regency, date=dt.date(2026, 12, 28), kind=DayOff.Kind.REGENCY_EVENT, name="HUT"
    )
    assert submit(regency).assign_due == dt.date(2026, 12, 30)


def test_close_date_counts_ten_working_days_after_the_answer(
    regency: Regency, budi: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    friday = dt.datetime(2027, 1, 8, 15, 0, tzinfo=WIB)
    actions.reject_aspiration(
        aspiration=aspiration, actor=budi, reason="Bukan kewenangan.", now=friday
    )
    # Mon 11 … Fri 15 (5), Mon 18 … Fri 22 (10).
    assert aspiration.close_due == dt.date(2027, 1, 22)
    assert actions.working_day_after(regency, dt.date(2027, 1, 8), 10) == dt.date(2027, 1, 22)


def test_received_late_evening_counts_from_the_local_date(regency: Regency) -> None:
    # 23:30 WIB on Tuesday 22 December is still Tuesday in Bengkulu.
    late = dt.datetime(2026, 12, 22, 16, 30, tzinfo=dt.UTC)
    aspiration = submit(regency, now=late)
    assert aspiration.assign_due == dt.date(2026, 12, 29)
    assert BEFORE_CHRISTMAS.date() == dt.date(2026, 12, 23)
