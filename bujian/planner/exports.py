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

    rules = workbook.create_sheet(_("Rules")[:31])
    for label, value in _rules_rows(plan):
        rules.append([label, value])
    rules.column_dimensions["A"].width = 44
    rules.column_dimensions["B"].width = 30
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rules_rows(plan: Plan) -> list[tuple[str, object]]:
    """The rules the plan was made with, and the proof of its quality."""
    weekdays = ", ".join(
        formats.date_format(dt.date(2024, 1, 1) + dt.timedelta(days=d), "l")
        for d in sorted(plan.weekday_set)
    )
    return [
        (_("First day"), plan.period_start),
        (_("Last day"), plan.period_end),
        (_("Visits per month"), plan.visits_per_month),
        (_("Weekdays allowed"), weekdays),
        (_("Days per visit"), plan.days_per_visit),
        (_("Pause during Ramadan"), _("yes") if plan.pause_ramadan else _("no")),
        (_("Every kecamatan at least (visits)"), plan.min_visits_per_district),
        (_("The same kecamatan not within (visits)"), plan.min_gap_visits),
        (_("The same kecamatan not within (weeks)"), plan.min_gap_weeks),
        (_("A village not revisited within (months)"), plan.revisit_months),
        (_("A long trip takes at least (minutes)"), plan.long_trip_minutes),
        (
            _("Long trips per month at most"),
            "" if plan.max_long_trips_per_month is None else plan.max_long_trips_per_month,
        ),
        (_("need-weighted coverage (objective)"), plan.objective),
        (_("bound"), plan.bound),
        (_("Gap to the bound"), None if plan.gap is None else round(plan.gap, 6)),
        (_("greedy objective"), plan.greedy_objective),
        (_("solve time (s)"), plan.solve_seconds),
        (_("solver status"), plan.solver_status),
    ]


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
