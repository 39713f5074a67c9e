"""Printable A4 reports with the regency's letterhead (kop surat), drawn with reportlab.

The tables carry the same rows and the same formatted numbers as the HTML pages
(``bujian.evaluation.formatting``); tests read the text back with pypdf.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bujian.core.templatetags.bujian import date_range, long_date
from bujian.evaluation.formatting import ikm_text, number, pdf_safe, percent
from bujian.evaluation.models import ReportLetterhead
from bujian.evaluation.reports import AgencyRow, PeriodReport, VisitReport

logger = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5, textColor=colors.grey)
H1 = ParagraphStyle("h1", parent=_STYLES["Heading1"], fontSize=14, alignment=TA_CENTER)
H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=11.5, spaceBefore=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8, leading=9.5)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
HEADER_BG = colors.HexColor("#e8eef5")
LETTERHEAD_HEIGHT = 34 * mm


def _p(text: object, style: ParagraphStyle = BODY) -> Paragraph:
    escaped = pdf_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, style)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None
) -> Table:
    data = [[_p(h, CELL) for h in header]] + [[_p(c, CELL) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _draw_letterhead(
    canvas: Canvas, letterhead: ReportLetterhead, width: float, top: float
) -> None:
    """Logo on the left, the names centred, a double rule under them."""
    left, right = 18 * mm, width - 18 * mm
    if letterhead.has_logo:
        try:
            reader = ImageReader(io.BytesIO(bytes(letterhead.logo)))
            canvas.drawImage(
                reader,
                left,
                top - 26 * mm,
                width=22 * mm,
                height=24 * mm,
                preserveAspectRatio=True,
                mask="auto",
            )
        except Exception:  # a broken logo must not stop the report
            logger.warning("The letterhead logo of %s cannot be drawn.", letterhead.regency_id)
    centre = width / 2
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawCentredString(centre, top - 7 * mm, pdf_safe(letterhead.government_name))
    canvas.setFont("Helvetica-Bold", 11.5)
    canvas.drawCentredString(centre, top - 13 * mm, pdf_safe(letterhead.office_name))
    canvas.setFont("Helvetica", 8.5)
    if letterhead.address:
        canvas.drawCentredString(centre, top - 18.5 * mm, pdf_safe(letterhead.address))
    if letterhead.contact:
        canvas.drawCentredString(centre, top - 22.5 * mm, pdf_safe(letterhead.contact))
    canvas.setLineWidth(1.6)
    canvas.line(left, top - 27 * mm, right, top - 27 * mm)
    canvas.setLineWidth(0.5)
    canvas.line(left, top - 28.2 * mm, right, top - 28.2 * mm)


def _build(
    story: list[Flowable], letterhead: ReportLetterhead, *, title: str, wide: bool = False
) -> bytes:
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    width, height = size
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=pdf_safe(title),
        author=pdf_safe(letterhead.office_name),
    )
    footer = pdf_safe(title)

    def first(canvas: Canvas, _doc: Any) -> None:
        _draw_letterhead(canvas, letterhead, width, height - 10 * mm)
        later(canvas, _doc)

    def later(canvas: Canvas, _doc: Any) -> None:
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 9 * mm, footer)
        canvas.drawRightString(
            width - 18 * mm, 9 * mm, pdf_safe(_("Page %(page)s") % {"page": canvas.getPageNumber()})
        )
        canvas.setFillColor(colors.black)

    doc.build(
        [Spacer(1, LETTERHEAD_HEIGHT - 14 * mm), *story], onFirstPage=first, onLaterPages=later
    )
    return buffer.getvalue()


def _signature(letterhead: ReportLetterhead, day: object) -> Flowable:
    place = f"{letterhead.city}, " if letterhead.city else ""
    lines = [
        _p(f"{place}{long_date(day)}"),  # type: ignore[arg-type]
        _p(letterhead.signer_title),
        Spacer(1, 16 * mm),
        _p(letterhead.signer_name or "....................................", BOLD),
    ]
    if letterhead.signer_nip:
        lines.append(_p(_("NIP %(nip)s") % {"nip": letterhead.signer_nip}))
    table = Table([[None, lines]], colWidths=[95 * mm, 75 * mm], hAlign="LEFT")
    return KeepTogether([Spacer(1, 8 * mm), table])


def _agency_table(rows: Sequence[AgencyRow], total: AgencyRow) -> Table:
    header = [
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
        _("IKM"),
    ]
    body = [
        [
            r.agency.short_name,
            number(r.tickets),
            number(r.served),
            number(r.skipped),
            number(r.outcomes.records),
            number(r.outcomes.completed),
            number(r.outcomes.in_process),
            number(r.outcomes.rejected),
            number(r.outcomes.referred),
            number(r.times.average_wait_minutes, 1),
            number(r.times.average_service_minutes, 1),
            ikm_text(r.ikm),
        ]
        for r in [*rows, total]
    ]
    return _table(header, body)


def _ikm_paragraphs(result: Any, method: str) -> list[Flowable]:
    parts: list[Flowable] = []
    if result is None:
        parts.append(_p(_("No survey answers yet.")))
    else:
        parts.append(
            _p(
                _("IKM %(ikm)s, grade %(grade)s (%(label)s), %(respondents)s respondents.")
                % {
                    "ikm": number(result.ikm, 2),
                    "grade": result.grade,
                    "label": result.grade_label,
                    "respondents": number(result.respondents),
                }
            )
        )
        if result.sample_ok is False:
            parts.append(
                _p(
                    _(
                        "Warning: the sample is too small; at least %(minimum)s respondents are "
                        "needed (Krejcie & Morgan)."
                    )
                    % {"minimum": number(result.minimum_sample)}
                )
            )
    parts.append(_p(method, SMALL))
    return parts


def visit_report_pdf(report: VisitReport, letterhead: ReportLetterhead) -> bytes:
    visit = report.visit
    title = _("Visit report: %(village)s, %(dates)s") % {
        "village": visit.village.name,
        "dates": date_range(visit.start_date, visit.end_date),
    }
    story: list[Flowable] = [
        _p(_("IMPLEMENTATION REPORT (LAPORAN PELAKSANAAN)"), H1),
        _p(
            _("%(program)s in %(village)s, Kecamatan %(district)s — %(dates)s, %(venue)s.")
            % {
                "program": visit.regency.program_name or _("The program"),
                "village": str(visit.village),
                "district": visit.village.district.name,
                "dates": date_range(visit.start_date, visit.end_date),
                "venue": visit.venue,
            }
        ),
        _p(
            _("Generated %(time)s.") % {"time": report.generated_at.strftime("%d-%m-%Y %H:%M")},
            SMALL,
        ),
    ]
    story += [
        _p(_("1. Agencies"), H2),
        _p(
            _(
                "Invited %(invited)s, present %(present)s, absent %(absent)s, excused "
                "%(excused)s, late %(late)s."
            )
            % {
                "invited": report.invited,
                "present": report.present,
                "absent": report.absent,
                "excused": report.excused,
                "late": report.late,
            }
        ),
        _table(
            [_("Agency"), _("Mandatory"), _("Status"), _("Attendance"), _("Late"), _("Excuse")],
            [
                [
                    a.agency.short_name,
                    _("yes") if a.mandatory else _("no"),
                    a.status_label,
                    a.attendance_label,
                    _("yes") if a.late else "",
                    a.excuse,
                ]
                for a in report.attendance
            ],
            [35 * mm, 16 * mm, 25 * mm, 25 * mm, 18 * mm, 55 * mm],
        ),
    ]
    residents = report.residents
    story += [
        _p(_("2. Residents served"), H2),
        _p(_("Residents served: %(served)s.") % {"served": number(residents.served)}),
    ]
    if report.agency_scope is None:
        story += [
            _table(
                [_("Sex"), _("Residents")],
                [[c.label, number(c.count)] for c in residents.by_sex],
                [60 * mm, 30 * mm],
            ),
            Spacer(1, 3 * mm),
            _table(
                [_("Age group"), _("Residents")],
                [[c.label, number(c.count)] for c in residents.by_age],
                [60 * mm, 30 * mm],
            ),
            Spacer(1, 3 * mm),
            _table(
                [_("Village of residence"), _("Residents")],
                [[c.label, number(c.count)] for c in residents.by_village],
                [100 * mm, 30 * mm],
            ),
        ]
    story += [
        _p(_("3. Services, wait and service times"), H2),
        _agency_table(report.agencies, report.total),
        Spacer(1, 3 * mm),
        _table(
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
                    number(s.outcomes.records),
                    number(s.outcomes.completed),
                    number(s.outcomes.in_process),
                    number(s.outcomes.rejected),
                    number(s.outcomes.referred),
                ]
                for s in report.services
            ],
            [28 * mm, 62 * mm, 16 * mm, 16 * mm, 16 * mm, 16 * mm, 16 * mm],
        ),
        _p(_("4. Documents"), H2),
        _p(
            _(
                "Documents issued %(issued)s, handed over %(handed)s (of which at the visit: "
                "%(at_visit)s)."
            )
            % {
                "issued": number(report.documents_issued),
                "handed": number(report.documents_handed_over),
                "at_visit": number(report.documents_handed_over_at_visit),
            }
        ),
        _table(
            [_("Document"), _("Issued"), _("Handed over")],
            [[d.label, number(d.issued), number(d.handed_over)] for d in report.documents],
            [70 * mm, 25 * mm, 25 * mm],
        ),
        _p(_("5. Aspirations"), H2),
        _p(
            _(
                "Raised %(total)s: open %(open)s, resolved %(resolved)s, rejected %(rejected)s, "
                "overdue %(overdue)s."
            )
            % {k: number(v) for k, v in report.aspirations.items()}
        ),
    ]
    if report.aspiration_lines:
        story.append(
            _table(
                [_("Code"), _("Aspiration"), _("Category"), _("Agency"), _("Status")],
                [
                    [a.code, a.title, a.category, a.agency, a.status]
                    for a in report.aspiration_lines
                ],
                [24 * mm, 62 * mm, 30 * mm, 25 * mm, 33 * mm],
            )
        )
    story += [
        _p(_("6. Community satisfaction (SKM)"), H2),
        *_ikm_paragraphs(report.ikm, report.ikm_method),
    ]
    rated = [(r, r.ikm) for r in report.agencies if r.ikm is not None]
    if rated:
        story.append(
            _table(
                [_("Agency"), _("Respondents"), _("IKM"), _("Grade"), _("Minimum sample")],
                [
                    [
                        r.agency.short_name,
                        number(ikm.respondents),
                        number(ikm.ikm, 2),
                        f"{ikm.grade} — {ikm.grade_label}",
                        number(ikm.minimum_sample),
                    ]
                    for r, ikm in rated
                ],
                [40 * mm, 25 * mm, 20 * mm, 50 * mm, 30 * mm],
            )
        )
    story.append(_p(_("7. Photos"), H2))
    photos: list[list[Flowable]] = []
    for photo in report.photos:
        try:
            with default_storage.open(photo.path, "rb") as handle:
                data = io.BytesIO(handle.read())
            image = Image(data, width=52 * mm, height=39 * mm, kind="proportional")
        except Exception:  # noqa: S112 -- a missing file leaves out one photo, not the report
            continue
        photos.append([image, _p(photo.caption, SMALL)])
    if photos:
        rows: list[list[Any]] = [photos[i : i + 3] for i in range(0, len(photos), 3)]
        rows[-1] += [""] * (3 - len(rows[-1]))
        grid = Table(rows, colWidths=[58 * mm] * 3, hAlign="LEFT")
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(grid)
    else:
        story.append(_p(_("No photos were attached to the aspirations of this visit."), SMALL))
    story.append(_signature(letterhead, report.generated_at.date()))
    return _build(story, letterhead, title=title)


def period_report_pdf(
    report: PeriodReport, letterhead: ReportLetterhead, progress: Progress | None = None
) -> bytes:
    title = _("Evaluation report: %(period)s") % {"period": report.label}
    step = progress or (lambda done, total: None)
    total_steps = 6
    story: list[Flowable] = [
        _p(_("PROGRAM EVALUATION REPORT"), H1),
        _p(
            _("%(program)s, %(regency)s — %(period)s (%(dates)s).")
            % {
                "program": report.regency.program_name or _("The program"),
                "regency": report.regency.name,
                "period": report.label,
                "dates": date_range(report.start, report.end),
            }
        ),
        _p(_("1. Summary"), H2),
        _table(
            [_("Indicator"), _("Value")],
            [
                [_("Visits"), number(len(report.visits))],
                [_("Residents served"), number(report.residents.served)],
                [_("Services delivered"), number(report.total.outcomes.records)],
                [_("Completed on site"), percent(report.total.outcomes.completion_rate)],
                [_("Documents issued"), number(report.documents_issued)],
                [_("Documents handed over"), number(report.documents_handed_over)],
                [_("Average wait (min)"), number(report.total.times.average_wait_minutes, 1)],
                [_("IKM"), ikm_text(report.ikm)],
            ],
            [80 * mm, 40 * mm],
        ),
    ]
    step(1, total_steps)
    story += [
        _p(_("2. Trend per visit"), H2),
        _table(
            [
                _("Date"),
                _("Village"),
                _("Kecamatan"),
                _("Present / invited"),
                _("Residents"),
                _("Services"),
                _("Documents"),
                _("Average wait (min)"),
                _("IKM"),
            ],
            [
                [
                    t.start_date.strftime("%d-%m-%Y"),
                    t.village,
                    t.district,
                    f"{t.present} / {t.invited}",
                    number(t.residents_served),
                    number(t.services),
                    number(t.documents_issued),
                    number(t.average_wait_minutes, 1),
                    ikm_text(t.ikm),
                ]
                for t in report.visits
            ],
        ),
        _p(_("3. Services per agency"), H2),
        _agency_table(report.agencies, report.total),
    ]
    step(2, total_steps)
    if report.agency_scope is None:
        story += [
            _p(_("4. Coverage of the regency"), H2),
            _p(
                _(
                    "Villages visited in the period: %(visited)s of %(total)s; kecamatan "
                    "visited: %(districts)s of %(all)s; villages never visited: %(never)s."
                )
                % {
                    "visited": report.villages_visited,
                    "total": report.villages_total,
                    "districts": report.districts_visited,
                    "all": len(report.coverage),
                    "never": report.villages_never_visited,
                }
            ),
            _table(
                [
                    _("Kecamatan"),
                    _("Villages"),
                    _("Visited in the period"),
                    _("Ever visited"),
                    _("Longest without a visit (days)"),
                ],
                [
                    [
                        d.district.name,
                        len(d.villages),
                        d.visited_in_period,
                        d.visited_ever,
                        number(max((v.days_since_last_visit or 0 for v in d.villages), default=0))
                        if d.visited_ever == len(d.villages)
                        else _("never visited: %(n)s") % {"n": len(d.villages) - d.visited_ever},
                    ]
                    for d in report.coverage
                ],
            ),
        ]
    step(3, total_steps)
    story += [
        _p(_("5. Agency compliance ranking"), H2),
        _table(
            [
                _("Rank"),
                _("Agency"),
                _("Invited"),
                _("Present"),
                _("Late"),
                _("Absent"),
                _("Excused"),
                _("Attendance rate"),
            ],
            [
                [
                    i,
                    r.agency.short_name,
                    r.invited,
                    r.present,
                    r.late,
                    r.absent,
                    r.excused,
                    percent(r.attendance_rate),
                ]
                for i, r in enumerate(report.compliance, start=1)
            ],
        ),
        _p(_("6. Aspiration resolution per agency"), H2),
        _table(
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
                    number(a.median_days_to_resolve, 1),
                    percent(a.resolution_rate * 100 if a.resolution_rate is not None else None),
                ]
                for a in report.aspirations
            ],
        ),
    ]
    step(4, total_steps)
    story += [
        _p(_("7. IKM trend per agency"), H2),
        *_ikm_paragraphs(report.ikm, report.ikm_method),
        _table(
            [_("Agency"), _("IKM"), *[t.start_date.strftime("%d-%m") for t in report.visits[:12]]],
            [
                [
                    t.agency.short_name,
                    ikm_text(t.overall),
                    *[number(v, 2) if v is not None else "—" for v in t.per_visit[:12]],
                ]
                for t in report.ikm_trends
            ],
        ),
    ]
    if len(report.visits) > 12:
        story.append(_p(_("The first 12 visits are shown; the Excel file has them all."), SMALL))
    step(5, total_steps)
    story.append(_signature(letterhead, report.generated_at.date()))
    pdf = _build(story, letterhead, title=title, wide=True)
    step(6, total_steps)
    return pdf


def letterhead_sample_pdf(letterhead: ReportLetterhead) -> bytes:
    """One page with the letterhead and the signature block, to check them."""
    from django.utils import timezone

    story: list[Flowable] = [
        _p(_("SAMPLE OF THE LETTERHEAD"), H1),
        _p(_("Reports of the evaluation are printed with this letterhead and signature.")),
        _signature(letterhead, timezone.localdate()),
    ]
    return _build(story, letterhead, title=_("Sample of the letterhead"))
