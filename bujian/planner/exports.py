"""A plan as an Excel workbook (the list and the coverage grid) and as an ICS calendar."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

from bujian.planner.models import Plan, PlanSlot
from bujian.planner.queries import DistrictRow


def plan_to_xlsx(plan: Plan, slots: list[PlanSlot], districts: list[DistrictRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Plan")[:31]
    title = _("Rotation plan %(regency)s, %(start)s to %(end)s") % {
        "regency": plan.regency.name,
        "start": formats.date_format(plan.period_start, "j F Y"),
        "end": formats.date_format(plan.period_end, "j F Y"),
    }
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    headers = [
        _("No."),
        _("Date"),
        _("Day"),
        _("Village"),
        _("Kecamatan"),
        _("Long trip"),
        _("Need weight"),
        _("Reason"),
        _("Origin"),
    ]
    sheet.append(headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for number, slot in enumerate(slots, start=1):
        sheet.append(
            [
                number,
                slot.start_date,
                formats.date_format(slot.start_date, "l"),
                slot.village.name,
                slot.village.district.name,
                _("yes") if slot.long_trip else "",
                slot.weight,
                slot.reason,
                _("kept") if slot.kept else _("new"),
            ]
        )
        sheet.cell(row=sheet.max_row, column=2).number_format = "DD-MM-YYYY"
    for column, width in zip("ABCDEFGHI", [5, 12, 10, 24, 20, 10, 10, 60, 10], strict=True):
        sheet.column_dimensions[column].width = width

    grid = workbook.create_sheet(_("Coverage")[:31])
    months = [
        formats.date_format(dt.date(y, m, 1), "M Y")
        for y, m in sorted({(s.start_date.year, s.start_date.month) for s in slots})
    ]
    month_keys = sorted({(s.start_date.year, s.start_date.month) for s in slots})
    grid.append([_("Kecamatan"), _("Villages"), *months, _("Total")])
    for cell in grid[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in districts:
        counts = [
            sum(1 for s in row.slots if (s.start_date.year, s.start_date.month) == key)
            for key in month_keys
        ]
        grid.append([row.district.name, row.villages, *counts, row.count])
    grid.column_dimensions["A"].width = 22
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def plan_to_ics(plan: Plan, slots: list[PlanSlot]) -> bytes:
    """All-day events: the hours are set when the visit itself is prepared."""
    calendar = Calendar()
    calendar.add("prodid", "-//Bujian//Rencana rotasi//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add(
        "x-wr-calname",
        _("Rotation plan %(regency)s") % {"regency": plan.regency.name},
    )
    stamp = timezone.now()
    for slot in slots:
        event = Event()
        event.add("uid", f"plan-{plan.pk}-{slot.start_date:%Y%m%d}@bujian")
        event.add("dtstamp", stamp)
        event.add("dtstart", slot.start_date)
        event.add("dtend", slot.end_date + dt.timedelta(days=1))
        event.add(
            "summary",
            _("Visit to %(village)s, Kecamatan %(district)s")
            % {"village": slot.village.name, "district": slot.village.district.name},
        )
        event.add("location", f"{slot.village.name}, Kec. {slot.village.district.name}")
        event.add("description", slot.reason)
        event.add("status", "CONFIRMED" if plan.status == Plan.Status.ACCEPTED else "TENTATIVE")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
