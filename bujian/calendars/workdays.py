"""Working days of a regency: the deadline arithmetic of aspirations (SP4N-LAPOR! counts
in working days) and the dates the rotation planner may not use.

A working day is Monday to Friday, not a national holiday and not a cuti bersama.
National holidays and the cuti bersama already decreed come from the `holidays`
package (Indonesia, categories "public" and "government"); admins add what the package
does not know yet as :class:`~bujian.calendars.models.DayOff` rows.

Load a :class:`WorkCalendar` once per request or task (one query) and ask it as often as
needed; it never queries again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays

from bujian.calendars.models import DayOff
from bujian.regions.models import Regency

ONE_DAY = dt.timedelta(days=1)
# A guard against a loop over a calendar with no working day (a data error).
MAX_SPAN_DAYS = 3 * 366


def national_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """National holidays and decreed cuti bersama, with their Indonesian names."""
    calendar = holidays.country_holidays(
        "ID", years=sorted(set(years)), categories=("public", "government"), language="id"
    )
    return {day: str(name) for day, name in calendar.items()}


class WorkCalendar:
    """The non-working and blocked days of one regency over a span of years."""

    def __init__(
        self,
        *,
        years: Iterable[int],
        off: dict[dt.date, str],
        blocked: dict[dt.date, str],
    ) -> None:
        self.years = frozenset(years)
        self._off = off
        self._blocked = blocked

    @classmethod
    def for_regency(cls, regency: Regency | int | None, *, years: Iterable[int]) -> WorkCalendar:
        years = frozenset(years)
        off = national_holidays(years)
        blocked: dict[dt.date, str] = {}
        regency_id = regency.pk if isinstance(regency, Regency) else regency
        rows = DayOff.objects.for_regency(regency_id).filter(date__year__in=years)
        for row in rows.order_by("date", "kind"):
            if row.is_non_working:
                off[row.date] = _join(off.get(row.date), row.name)
            else:
                blocked[row.date] = _join(blocked.get(row.date), row.name)
        return cls(years=years, off=off, blocked=blocked)

    def _check(self, day: dt.date) -> None:
        if day.year not in self.years:
            raise ValueError(f"{day} is outside the years this calendar was loaded for")

    def is_working_day(self, day: dt.date) -> bool:
        self._check(day)
        return day.weekday() < 5 and day not in self._off

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the holiday or cuti bersama on ``day``, if any."""
        self._check(day)
        return self._off.get(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted):
        a complaint received on Friday with 3 working days is due on Wednesday."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        for _step in range(MAX_SPAN_DAYS):
            if n == 0:
                return day
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        raise ValueError("no working day in the loaded years")

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; 0 when ``end`` is not after ``start``."""
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def days_off(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        """Holidays and cuti bersama in [start, end] (weekends are not listed)."""
        return {day: name for day, name in sorted(self._off.items()) if start <= day <= end}

    def blocked_for_visits(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        """Days in [start, end] on which no visit may be planned: :meth:`days_off` plus
        regency events and the dates the Bupati is not available."""
        merged = dict(self.days_off(start, end))
        for day, name in self._blocked.items():
            if start <= day <= end:
                merged[day] = _join(merged.get(day), name)
        return dict(sorted(merged.items()))


def regency_calendar(regency: Regency | int | None, *days: dt.date) -> WorkCalendar:
    """A calendar covering the years of ``days`` and the year after the last one, enough
    for any deadline counted from them."""
    if not days:
        raise ValueError("give at least one day")
    first = min(day.year for day in days)
    last = max(day.year for day in days) + 1
    return WorkCalendar.for_regency(regency, years=range(first, last + 1))


def _join(existing: str | None, name: str) -> str:
    return name if not existing or existing == name else f"{existing}; {name}"
