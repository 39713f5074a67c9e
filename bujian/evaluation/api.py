"""The evaluation part of /api/v1/: a visit's indicator set and its report.

Bearer token or staff session. Scoped like the pages: 404 for a visit outside the
user's scope; the report of an agency operator holds only their agencies' parts;
indicator sets are for program admins and leadership (403 otherwise). No personal
data: counts, rates and the IKM.

No ``from __future__ import annotations`` here: ninja reads the evaluated signature.
"""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from bujian.accounts.tokens import TokenAuth
from bujian.evaluation import indicators, queries
from bujian.evaluation.reports import AgencyRow, Period, visit_report
from bujian.evaluation.summaries import refresh_if_stale
from bujian.regions.api import ErrorOut
from bujian.residents.api import refusals, staff_user
from bujian.surveys.stats import IkmResult

router = Router(tags=["evaluation"], auth=[TokenAuth(), django_auth])


class IkmOut(Schema):
    respondents: int
    nrr: list[Decimal] = Field(description="NRR of U1..U9, 3 decimals.")
    ikm: Decimal = Field(description="IKM × 25 with the exact 1/9 weight, 2 decimals.")
    grade: str
    grade_label: str
    minimum_sample: int | None = Field(description="Krejcie & Morgan for the services delivered.")
    sample_ok: bool | None


class AgencyOut(Schema):
    code: str
    short_name: str
    tickets: int
    served: int
    skipped: int
    services: int
    completed: int
    in_process: int
    rejected: int
    referred: int
    average_wait_minutes: float | None
    average_service_minutes: float | None
    ikm: IkmOut | None


class CountOut(Schema):
    key: str
    label: str
    count: int


class AttendanceOut(Schema):
    invited: int
    present: int
    absent: int
    excused: int
    pending: int
    late: int


class DocumentsOut(Schema):
    issued: int
    handed_over: int
    handed_over_at_visit: int


class VisitReportOut(Schema):
    visit_id: int
    village: str
    district: str
    start_date: dt.date
    end_date: dt.date
    status: str
    agency_scope: list[int] | None = Field(
        description="The agencies the report is limited to (an agency operator), or null."
    )
    attendance: AttendanceOut
    residents_served: int
    residents_by_sex: list[CountOut]
    residents_by_age: list[CountOut]
    agencies: list[AgencyOut]
    total: AgencyOut
    documents: DocumentsOut
    aspirations: dict[str, int]
    ikm_method: str


class IndicatorSetOut(Schema):
    """One visit in the documented indicator format (see the app's README)."""

    visit_key: str
    village: str
    district: str
    start_date: dt.date
    end_date: dt.date
    agencies_invited: int
    agencies_present: int
    agencies_absent: int
    agencies_excused: int
    residents_served: int
    residents_women: int
    residents_men: int
    services: int
    services_completed: int
    services_in_process: int
    services_rejected: int
    services_referred: int
    documents_issued: int
    documents_handed_over: int
    average_wait_minutes: float | None
    average_service_minutes: float | None
    aspirations: int
    aspirations_resolved: int
    aspirations_open: int
    skm_respondents: int
    skm_sums: list[int]
    ikm: float | None
    ikm_grade: str


class IndicatorFileOut(Schema):
    format: str
    version: int
    exported_at: str
    regency: dict[str, str]
    visits: list[IndicatorSetOut]


class PeriodIn(Schema):
    kind: str = Field(default="year", description="month, quarter, semester or year")
    year: int
    number: int = Field(default=1, description="Month 1-12, quarter 1-4, semester 1-2, 1.")


def _ikm(result: IkmResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "respondents": result.respondents,
        "nrr": list(result.nrr),
        "ikm": result.ikm,
        "grade": result.grade,
        "grade_label": result.grade_label,
        "minimum_sample": result.minimum_sample,
        "sample_ok": result.sample_ok,
    }


def _agency(row: AgencyRow, code: str | None = None) -> dict[str, Any]:
    return {
        "code": code if code is not None else row.agency.code,
        "short_name": row.agency.short_name,
        "tickets": row.tickets,
        "served": row.served,
        "skipped": row.skipped,
        "services": row.outcomes.records,
        "completed": row.outcomes.completed,
        "in_process": row.outcomes.in_process,
        "rejected": row.outcomes.rejected,
        "referred": row.outcomes.referred,
        "average_wait_minutes": row.times.average_wait_minutes,
        "average_service_minutes": row.times.average_service_minutes,
        "ikm": _ikm(row.ikm),
    }


@router.get(
    "/visits/{visit_id}/report",
    response={200: VisitReportOut, 403: ErrorOut, 404: ErrorOut},
    summary="The implementation report (laporan pelaksanaan) of a visit",
)
def visit_report_json(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    user = staff_user(request)
    with refusals():
        visit, scope = queries.get_visit_for_report(user, visit_id)
    report = visit_report(visit.pk, agency_ids=scope)
    return {
        "visit_id": visit.pk,
        "village": visit.village.name,
        "district": visit.village.district.name,
        "start_date": visit.start_date,
        "end_date": visit.end_date,
        "status": visit.status,
        "agency_scope": sorted(scope) if scope is not None else None,
        "attendance": {
            "invited": report.invited,
            "present": report.present,
            "absent": report.absent,
            "excused": report.excused,
            "pending": report.pending,
            "late": report.late,
        },
        "residents_served": report.residents.served,
        "residents_by_sex": [
            {"key": c.key, "label": c.label, "count": c.count} for c in report.residents.by_sex
        ],
        "residents_by_age": [
            {"key": c.key, "label": c.label, "count": c.count} for c in report.residents.by_age
        ],
        "agencies": [_agency(row) for row in report.agencies],
        "total": _agency(report.total, code=""),
        "documents": {
            "issued": report.documents_issued,
            "handed_over": report.documents_handed_over,
            "handed_over_at_visit": report.documents_handed_over_at_visit,
        },
        "aspirations": report.aspirations,
        "ikm_method": report.ikm_method,
    }


@router.get(
    "/visits/{visit_id}/indicators",
    response={200: IndicatorSetOut, 403: ErrorOut, 404: ErrorOut},
    summary="The indicator set of a visit (no personal data)",
)
def visit_indicator_set(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    user = staff_user(request)
    with refusals():
        visit, _scope = queries.get_visit_for_report(user, visit_id)
        queries.require_regency_reader(user)
    refresh_if_stale([visit.pk])
    found = indicators.visit_indicators(visit.regency_id, [visit.pk])
    if not found:
        raise HttpError(404, "The visit has not started: it has no indicators yet.")
    return found[0]


@router.get(
    "/indicators",
    response={200: IndicatorFileOut, 403: ErrorOut, 422: ErrorOut},
    summary="The indicator file of the user's regency for a period",
)
def indicator_file(request: HttpRequest, period: Query[PeriodIn]) -> dict[str, Any]:
    """The same content as the JSON download of the comparison page."""
    user = staff_user(request)
    with refusals():
        regency = queries.require_regency_reader(user)
    try:
        chosen = Period.parse(period.kind, period.year, period.number)
    except ValueError:
        raise HttpError(422, "No such period.") from None
    visits = indicators.regency_indicators(regency, chosen.start, chosen.end)
    payload: dict[str, Any] = json.loads(indicators.as_json(regency, visits))
    return payload
