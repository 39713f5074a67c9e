"""The working-day calendar in /api/v1/calendar: what the deadlines count and the planner
avoids. Public: holidays are public facts."""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from bujian.calendars.workdays import WorkCalendar
from bujian.regions.models import Regency

router = Router(tags=["calendar"])


class DayOut(Schema):
    date: dt.date
    name: str
    working_day: bool


class YearQuery(Schema):
    regency: str
    year: int


@router.get("/days-off", response=list[DayOut], summary="Holidays and blocked days of a year")
def days_off(request: HttpRequest, query: Query[YearQuery]) -> list[DayOut]:
    """Holidays, cuti bersama, regency events and the Bupati's blocked dates of one
    regency (`regency` is its Kepmendagri code, e.g. 17.01) in one year."""
    if not 2000 <= query.year <= 2100:
        raise HttpError(422, "year must be between 2000 and 2100")
    regency = get_object_or_404(Regency, code=query.regency)
    calendar = WorkCalendar.for_regency(regency, years=[query.year])
    start, end = dt.date(query.year, 1, 1), dt.date(query.year, 12, 31)
    return [
        DayOut(date=day, name=name, working_day=calendar.is_working_day(day))
        for day, name in calendar.blocked_for_visits(start, end).items()
    ]
