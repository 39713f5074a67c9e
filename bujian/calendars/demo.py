"""Demo entries of the working-day calendar: one regency event and one date the Bupati is
away, both labelled as examples."""

from __future__ import annotations

import datetime as dt

from bujian.calendars.models import DayOff
from bujian.regions.models import Regency

DEMO_REGENCY = "17.01"


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def seed(today: dt.date) -> str | None:
    regency = Regency.objects.get(code=DEMO_REGENCY)
    entries = [
        DayOff(
            regency=regency,
            date=_next_weekday(today + dt.timedelta(days=40), 2),
            kind=DayOff.Kind.REGENCY_EVENT,
            name="Musrenbang kabupaten (contoh)",
        ),
        DayOff(
            regency=regency,
            date=_next_weekday(today + dt.timedelta(days=55), 3),
            kind=DayOff.Kind.LEADER_BLOCKED,
            name="Bupati rapat kerja di provinsi (contoh)",
        ),
    ]
    DayOff.objects.bulk_create(entries)
    return None
