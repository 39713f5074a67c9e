"""The reports as Excel workbooks (openpyxl): one sheet per section, numbers as
numbers (so they can be summed), the same rows as the page and the PDF."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from bujian.core.templatetags.bujian import date_range
from bujian.evaluation.models import ReportLetterhead
from bujian.evaluation.reports import AgencyRow, PeriodReport, VisitReport

Progress = Callable[[int, int], None]
HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet(book: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Any:
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        sheet.append([_value(v) for v in row])
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1])) for r in rows[:200]] + [8])
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    return sheet


def _cover(book: Any, letterhead: ReportLetterhead, lines: Sequence[tuple[str, Any]]) -> None:
    sheet = book.active
    sheet.title = _("Summary")[:31]
    sheet.append([letterhead.government_name])
    sheet.append([letterhead.office_name])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"].font = Font(bold=True)
    sheet.append([])
    for label, value in lines:
        sheet.append([label, _value(value)])
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 40


def _agency_rows(rows: Sequence[AgencyRow], total: AgencyRow) -> list[list[Any]]:
    return [
        [
            r.agency.short_name,
            r.tickets,
            r.served,
            r.skipped,
            r.outcomes.records,
            r.outcomes.completed,
            r.outcomes.in_process,
            r.outcomes.rejected,
            r.outcomes.referred,
            r.times.average_wait_minutes,
            r.times.average_service_minutes,
            r.ikm.respondents if r.ikm else 0,
            r.ikm.ikm if r.ikm else None,
            r.ikm.grade if r.ikm else "",
        ]
        for r in [*rows, total]
    ]


def _agency_header() -> list[str]:
    return [
        _("Agency"),
        _("Tickets"),
        _("Served"),
        _("Skipped"),
        _("Services"),
        _("Completed"),
        _("In process"),
        _("Rejected"),
        _("Referred"),
        _("Average wait (min)"),
        _("Average service (min)"),
        _("Respondents"),
        _("IKM"),
        _("Grade"),
    ]


def _save(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def visit_report_xlsx(report: VisitReport, letterhead: ReportLetterhead) -> bytes:
    visit = report.visit
    book = openpyxl.Workbook()
    ikm = report.ikm
    _cover(
        book,
        letterhead,
        [
            (_("Report"), _("Implementation report (laporan pelaksanaan)")),
            (_("Village"), str(visit.village)),
            (_("Kecamatan"), visit.village.district.name),
            (_("Dates"), date_range(visit.start_date, visit.end_date)),
            (_("Agencies invited"), report.invited),
            (_("Agencies present"), report.present),
            (_("Agencies absent"), report.absent),
            (_("Agencies excused"), report.excused),
            (_("Residents served"), report.residents.served),
            (_("Services delivered"), report.total.outcomes.records),
            (_("Documents issued"), report.documents_issued),
            (_("Documents handed over"), report.documents_handed_over),
            (_("Average wait (min)"), report.total.times.average_wait_minutes),
            (_("Average service (min)"), report.total.times.average_service_minutes),
            (_("Aspirations raised"), report.aspirations.get("total", 0)),
            (_("SKM respondents"), ikm.respondents if ikm else 0),
            (_("IKM"), ikm.ikm if ikm else None),
            (_("Grade"), f"{ikm.grade} — {ikm.grade_label}" if ikm else ""),
            (_("IKM method"), report.ikm_method),
        ],
    )
    _sheet(
        book,
        _("Agencies"),
        [
            _("Agency"),
            _("Mandatory"),
            _("Status"),
            _("Attendance"),
            _("Late"),
            _("Days checked in"),
            _("Excuse"),
        ],
        [
            [
                a.agency.short_name,
                a.mandatory,
                a.status_label,
                a.attendance_label,
                a.late,
                a.days_checked_in,
                a.excuse,
            ]
            for a in report.attendance
        ],
    )
    if report.agency_scope is None:
        residents = report.residents
        _sheet(
            book,
            _("Residents"),
            [_("Group"), _("Value"), _("Residents")],
            [[_("Sex"), c.label, c.count] for c in residents.by_sex]
            + [[_("Age group"), c.label, c.count] for c in residents.by_age]
            + [[_("Village of residence"), c.label, c.count] for c in residents.by_village],
        )
    _sheet(
        book,
        _("Services per agency"),
        _agency_header(),
        _agency_rows(report.agencies, report.total),
    )
    _sheet(
        book,
        _("Services"),
        [
            _("Agency"),
            _("Service"),
            _("Services"),
            _("Completed"),
            _("In process"),
            _("Rejected"),
            _("Referred"),
        ],
        [
            [
                s.agency.short_name,
                s.service.name,
                s.outcomes.records,
                s.outcomes.completed,
                s.outcomes.in_process,
                s.outcomes.rejected,
                s.outcomes.referred,
            ]
            for s in report.services
        ],
    )
    _sheet(
        book,
        _("Documents"),
        [_("Document"), _("Issued"), _("Handed over")],
        [[d.label, d.issued, d.handed_over] for d in report.documents],
    )
    _sheet(
        book,
        _("Aspirations"),
        [_("Code"), _("Aspiration"), _("Category"), _("Agency"), _("Status")],
        [[a.code, a.title, a.category, a.agency, a.status] for a in report.aspiration_lines],
    )
    _sheet(
        book,
        _("SKM"),
        [
            _("Agency"),
            _("Respondents"),
            *[f"NRR U{i}" for i in range(1, 10)],
            _("IKM"),
            _("Grade"),
            _("Minimum sample"),
        ],
        [
            [
                r.agency.short_name,
                r.ikm.respondents,
                *r.ikm.nrr,
                r.ikm.ikm,
                r.ikm.grade,
                r.ikm.minimum_sample,
            ]
            for r in [*report.agencies, report.total]
            if r.ikm is not None
        ],
    )
    return _save(book)


def period_report_xlsx(
    report: PeriodReport, letterhead: ReportLetterhead, progress: Progress | None = None
) -> bytes:
    step = progress or (lambda done, total: None)
    total_steps = 5
    book = openpyxl.Workbook()
    _cover(
        book,
        letterhead,
        [
            (_("Report"), _("Program evaluation report")),
            (_("Period"), report.label),
            (_("Dates"), date_range(report.start, report.end)),
            (_("Visits"), len(report.visits)),
            (_("Residents served"), report.residents.served),
            (_("Services delivered"), report.total.outcomes.records),
            (_("Documents issued"), report.documents_issued),
            (_("Documents handed over"), report.documents_handed_over),
            (_("Average wait (min)"), report.total.times.average_wait_minutes),
            (_("IKM"), report.ikm.ikm if report.ikm else None),
            (_("Grade"), report.ikm.grade if report.ikm else ""),
            (_("IKM method"), report.ikm_method),
        ],
    )
    step(1, total_steps)
    _sheet(
        book,
        _("Visits"),
        [
            _("Start"),
            _("End"),
            _("Village"),
            _("Kecamatan"),
            _("Invited"),
            _("Present"),
            _("Absent"),
            _("Excused"),
            _("Residents served"),
            _("Services"),
            _("Completed"),
            _("Documents issued"),
            _("Documents handed over"),
            _("Average wait (min)"),
            _("IKM"),
            _("Grade"),
        ],
        [
            [
                t.start_date,
                t.end_date,
                t.village,
                t.district,
                t.invited,
                t.present,
                t.absent,
                t.excused,
                t.residents_served,
                t.services,
                t.completed,
                t.documents_issued,
                t.documents_handed_over,
                t.average_wait_minutes,
                t.ikm.ikm if t.ikm else None,
                t.ikm.grade if t.ikm else "",
            ]
            for t in report.visits
        ],
    )
    _sheet(
        book,
        _("Services per agency"),
        _agency_header(),
        _agency_rows(report.agencies, report.total),
    )
    _sheet(
        book,
        _("Services"),
        [
            _("Agency"),
            _("Service"),
            _("Services"),
            _("Completed"),
            _("In process"),
            _("Rejected"),
            _("Referred"),
        ],
        [
            [
                s.agency.short_name,
                s.service.name,
                s.outcomes.records,
                s.outcomes.completed,
                s.outcomes.in_process,
                s.outcomes.rejected,
                s.outcomes.referred,
            ]
            for r in report.agencies
            for s in r.services
        ],
    )
    step(2, total_steps)
    if report.agency_scope is None:
        _sheet(
            book,
            _("Coverage"),
            [
                _("Kecamatan"),
                _("Village"),
                _("Visits in the period"),
                _("Last visit"),
                _("Days since the last visit"),
            ],
            [
                [
                    d.district.name,
                    v.village.name,
                    v.visits_in_period,
                    v.last_visit,
                    v.days_since_last_visit,
                ]
                for d in report.coverage
                for v in d.villages
            ],
        )
    step(3, total_steps)
    _sheet(
        book,
        _("Compliance"),
        [
            _("Rank"),
            _("Agency"),
            _("Invited"),
            _("Confirmed"),
            _("Excused"),
            _("Present"),
            _("Late"),
            _("Absent"),
            _("Attendance rate"),
        ],
        [
            [
                i,
                r.agency.short_name,
                r.invited,
                r.confirmed,
                r.excused,
                r.present,
                r.late,
                r.absent,
                r.attendance_rate,
            ]
            for i, r in enumerate(report.compliance, start=1)
        ],
    )
    _sheet(
        book,
        _("Aspirations"),
        [
            _("Agency"),
            _("Received"),
            _("Resolved"),
            _("Rejected"),
            _("Overdue"),
            _("Median days to resolve"),
            _("Resolution rate"),
        ],
        [
            [
                a.agency_name,
                a.received,
                a.resolved,
                a.rejected,
                a.overdue,
                a.median_days_to_resolve,
                round(a.resolution_rate * 100, 1) if a.resolution_rate is not None else None,
            ]
            for a in report.aspirations
        ],
    )
    step(4, total_steps)
    _sheet(
        book,
        _("IKM trend"),
        [_("Agency"), _("IKM"), *[f"{t.start_date:%Y-%m-%d} {t.village}" for t in report.visits]],
        [
            [
                t.agency.short_name,
                t.overall.ikm if t.overall else None,
                *t.per_visit,
            ]
            for t in report.ikm_trends
        ],
    )
    data = _save(book)
    step(5, total_steps)
    return data
