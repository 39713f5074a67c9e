"""The public ICS feed: every announced visit of a regency, for phone calendars."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from bujian.regions.models import Regency
from bujian.visits.models import Visit


def visits_to_ics(*, regency: Regency, visits: list[Visit], base_url: str) -> bytes:
    zone = ZoneInfo(regency.time_zone)
    program = regency.program_name or "Bujian"
    calendar = Calendar()
    calendar.add("prodid", "-//Bujian//Jadwal kunjungan//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{program} — {regency.name}")
    calendar.add("x-wr-timezone", regency.time_zone)
    stamp = timezone.now()
    for visit in visits:
        event = Event()
        event.add("uid", f"visit-{visit.pk}@bujian")
        event.add("dtstamp", stamp)
        event.add("last-modified", visit.updated_at)
        event.add("dtstart", dt.datetime.combine(visit.start_date, visit.daily_start, tzinfo=zone))
        event.add("dtend", dt.datetime.combine(visit.end_date, visit.daily_end, tzinfo=zone))
        event.add(
            "summary",
            _("%(program)s in %(village)s, Kecamatan %(district)s")
            % {
                "program": program,
                "village": visit.village,
                "district": visit.village.district.name,
            },
        )
        event.add(
            "location",
            f"{visit.venue}, {visit.village}, Kec. {visit.village.district.name}, {regency.name}",
        )
        url = base_url.rstrip("/") + reverse("visits:public_detail", args=[visit.pk])
        event.add("url", url)
        description = _("Government services in the village. What to bring: %(url)s") % {"url": url}
        if visit.status == Visit.Status.CANCELLED:
            event.add("status", "CANCELLED")
            description = _("Cancelled: %(reason)s") % {"reason": visit.cancel_reason}
        else:
            event.add("status", "CONFIRMED")
        event.add("description", description)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
