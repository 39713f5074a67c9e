from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from bujian.accounts.models import User
from bujian.accounts.permissions import require_program_admin, staff_regency
from bujian.calendars.models import DayOff
from bujian.calendars.workdays import national_holidays


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    name: str
    source: str  # "national" or a DayOff.Kind value
    day_off: DayOff | None = None


def days_off_for(user: User) -> QuerySet[DayOff]:
    """The entries a staff user sees: their regency's and those for every regency."""
    return DayOff.objects.for_regency(staff_regency(user).pk).select_related("regency")


def get_day_off_for_admin(user: User, pk: int) -> DayOff:
    day = get_object_or_404(days_off_for(user), pk=pk)
    require_program_admin(user)
    return day


def year_overview(user: User, year: int) -> list[CalendarDay]:
    """Every holiday, cuti bersama and entry of ``year``, in date order."""
    days = [
        CalendarDay(date=date, name=name, source="national")
        for date, name in national_holidays([year]).items()
    ]
    days.extend(
        CalendarDay(date=row.date, name=row.name, source=row.kind, day_off=row)
        for row in days_off_for(user).filter(date__year=year)
    )
    return sorted(days, key=lambda day: (day.date, day.source))
