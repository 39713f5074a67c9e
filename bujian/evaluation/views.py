"""Evaluation pages (staff): the leadership dashboard, visit and period reports with
their PDF and Excel files, background exports, the letterhead, the comparison of
programs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.accounts.permissions import require_program_admin, staff_regency
from bujian.aspirations import stats as aspiration_stats
from bujian.aspirations.models import Attachment
from bujian.core.errors import DomainError
from bujian.evaluation import actions, exports, indicators, queries
from bujian.evaluation.excel import visit_report_xlsx
from bujian.evaluation.forms import ExportForm, IndicatorImportForm, LetterheadForm, PeriodForm
from bujian.evaluation.pdf import visit_report_pdf
from bujian.evaluation.reports import Period, PeriodReport, period_report, visit_report
from bujian.evaluation.tasks import rebuild_regency_summaries
from bujian.visits.actions import local_today

LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _period_from(
    request: HttpRequest, today: dt.date, default_kind: str = "year"
) -> tuple[Period, PeriodForm]:
    if {"kind", "year", "number"} & set(request.GET):
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form.cleaned_data["period"], form
        return Period.containing(default_kind, today), form
    period = Period.containing(default_kind, today)
    form = PeriodForm(initial={"kind": period.kind, "year": period.year, "number": period.number})
    return period, form


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- visit reports ------------------------------------------------------------------------


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visits = list(queries.reportable_visits(user)[:200])
    return render(request, "evaluation/visit_list.html", {"visits": visits})


@login_required
@require_GET
def visit_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit, scope = queries.get_visit_for_report(user, pk)
    report = visit_report(visit.pk, agency_ids=scope)
    return render(request, "evaluation/visit_report.html", {"report": report, "visit": visit})


def _visit_file_name(report_visit: Any, extension: str) -> str:
    return f"laporan-{report_visit.village.code}-{report_visit.start_date:%Y%m%d}.{extension}"


@login_required
@require_GET
def visit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit, scope = queries.get_visit_for_report(user, pk)
    report = visit_report(visit.pk, agency_ids=scope)
    data = visit_report_pdf(report, queries.letterhead_for(visit.regency))
    return _download(data, "application/pdf", _visit_file_name(visit, "pdf"))


@login_required
@require_GET
def visit_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit, scope = queries.get_visit_for_report(user, pk)
    report = visit_report(visit.pk, agency_ids=scope)
    data = visit_report_xlsx(report, queries.letterhead_for(visit.regency))
    return _download(data, XLSX, _visit_file_name(visit, "xlsx"))


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """A public photo of an aspiration raised at the visit, for the report page."""
    user = _user(request)
    visit, _scope = queries.get_visit_for_report(user, pk)
    photo = Attachment.objects.filter(
        pk=attachment_id,
        aspiration__visit=visit,
        kind=Attachment.Kind.PHOTO,
        is_public=True,
        content_type__startswith="image/",
    ).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, content_type=photo.content_type)


# --- period report and exports --------------------------------------------------------------


@login_required
@require_GET
def period_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scope = queries.report_scope(user)
    regency = staff_regency(user)
    period, form = _period_from(request, local_today(regency), default_kind="quarter")
    report = period_report(
        regency.pk, period.start, period.end, agency_ids=scope, label=period.label
    )
    return render(
        request,
        "evaluation/period_report.html",
        {
            "report": report,
            "period": period,
            "form": form,
            "export_form": ExportForm(),
        },
    )


@login_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scope = queries.report_scope(user)
    regency = staff_regency(user)
    period_form = PeriodForm(request.POST)
    export_form = ExportForm(request.POST)
    if not (period_form.is_valid() and export_form.is_valid()):
        messages.error(request, _("Choose a period and a format for the export."))
        return redirect("evaluation:period")
    token = exports.start_export(
        user=user,
        regency_id=regency.pk,
        period=period_form.cleaned_data["period"],
        file_format=export_form.cleaned_data["format"],
        agency_ids=scope,
    )
    return redirect("evaluation:export_status", token=token)


def _export_state(request: HttpRequest, token: str) -> dict[str, Any]:
    """A job belongs to the user who asked for it; anyone else gets 404."""
    state = exports.get_state(token)
    if state is None or state.get("user_id") != _user(request).pk:
        raise Http404
    return state


@login_required
@require_GET
def export_status(request: HttpRequest, token: str) -> HttpResponse:
    state = _export_state(request, token)
    context = {
        "state": state,
        "token": token,
        "running": state["status"] in exports.Status.ACTIVE,
        "percent": round(100 * state["done"] / state["total"]) if state.get("total") else 0,
    }
    if _is_htmx(request):
        return render(request, "evaluation/_export_status.html", context)
    return render(request, "evaluation/export_status.html", context)


@login_required
@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponseBase:
    state = _export_state(request, token)
    path = exports.export_file(state) if state["status"] == exports.Status.DONE else None
    if path is None:
        raise Http404
    content_type = exports.FORMATS[state["format"]][0]
    return FileResponse(
        path.open("rb"), content_type=content_type, as_attachment=True, filename=state["filename"]
    )


@login_required
@require_POST
def rebuild(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_program_admin(user)
    rebuild_regency_summaries.enqueue(staff_regency(user).pk)
    messages.success(request, _("The summary tables are being rebuilt from the recorded data."))
    return redirect("evaluation:period")


# --- dashboard ---------------------------------------------------------------------------------


def _chart_data(report: PeriodReport) -> dict[str, Any]:
    return {
        "residents": {
            "labels": [f"{t.village} ({t.start_date:%d-%m-%Y})" for t in report.visits],
            "values": [t.residents_served for t in report.visits],
        },
        "services": {
            "labels": [r.agency.short_name for r in report.agencies],
            "values": [r.outcomes.records for r in report.agencies],
        },
        "ikm": {
            "labels": [r.agency.short_name for r in report.agencies if r.ikm],
            "values": [float(r.ikm.ikm) for r in report.agencies if r.ikm],
        },
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regency = queries.require_regency_reader(user)
    today = local_today(regency)
    period, form = _period_from(request, today)
    report = period_report(regency.pk, period.start, period.end, label=period.label)
    overdue = [a for a in report.aspirations if a.overdue]
    overdue.sort(key=lambda a: (-a.overdue, a.agency_name))
    context = {
        "report": report,
        "period": period,
        "form": form,
        "charts": _chart_data(report),
        "overdue_total": aspiration_stats.overdue_count(regency.pk, today),
        "overdue_agencies": overdue,
        "today": today,
    }
    return render(request, "evaluation/dashboard.html", context)


# --- letterhead ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def letterhead(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_program_admin(user)
    regency = staff_regency(user)
    current = queries.letterhead_for(regency)
    if request.method == "POST":
        form = LetterheadForm(request.POST, request.FILES, instance=current)
        if form.is_valid():
            upload = form.cleaned_data.get("logo_file")
            actions.save_letterhead(
                regency=regency,
                values={name: form.cleaned_data[name] for name in actions.LETTERHEAD_FIELDS},
                logo=upload.read() if upload is not None else None,
                # The type Pillow found in the file, never the one the browser claimed.
                logo_content_type=LOGO_TYPES.get(upload.image.format, "") if upload else "",
                remove_logo=form.cleaned_data.get("remove_logo", False),
                actor=user,
            )
            messages.success(request, _("The letterhead is saved; new reports use it."))
            return redirect("evaluation:letterhead")
    else:
        form = LetterheadForm(instance=current)
    return render(request, "evaluation/letterhead.html", {"form": form, "letterhead": current})


@login_required
@require_GET
def letterhead_logo(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.sees_whole_regency or user.is_agency_operator):
        raise PermissionDenied
    current = queries.letterhead_for(staff_regency(user))
    if not current.has_logo:
        raise Http404
    response = HttpResponse(
        bytes(current.logo), content_type=current.logo_content_type or "image/png"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def letterhead_preview(request: HttpRequest) -> HttpResponse:
    """A one-page PDF with the letterhead, to check it before a real report."""
    user = _user(request)
    require_program_admin(user)
    from bujian.evaluation.pdf import letterhead_sample_pdf

    data = letterhead_sample_pdf(queries.letterhead_for(staff_regency(user)))
    return _download(data, "application/pdf", "contoh-kop-surat.pdf")


# --- comparison across programs ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def comparison(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regency = queries.require_regency_reader(user)
    import_form = IndicatorImportForm()
    if request.method == "POST":
        require_program_admin(user)
        import_form = IndicatorImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            try:
                parsed = indicators.parse_indicator_file(upload.name or "", upload.read())
                count = indicators.import_indicator_sets(
                    parsed=parsed, importing_regency=regency, actor=user
                )
            except DomainError as error:
                import_form.add_error("file", error.message)
            else:
                messages.success(
                    request,
                    _("%(count)s visits of %(program)s (%(regency)s) imported.")
                    % {"count": count, "program": parsed.program, "regency": parsed.regency_name},
                )
                return redirect("evaluation:comparison")
    today = local_today(regency)
    start = dt.date(today.year - 4, 1, 1)
    own = indicators.regency_indicators(regency, start, today)
    columns = indicators.program_columns(regency, own, queries.imported_sets(regency))
    return render(
        request,
        "evaluation/comparison.html",
        {
            "columns": columns,
            "import_form": import_form,
            "fields": indicators.FIELDS,
            "since": start,
            "today": today,
        },
    )


@login_required
@require_GET
def indicators_export(request: HttpRequest, file_format: str) -> HttpResponse:
    user = _user(request)
    regency = queries.require_regency_reader(user)
    if file_format not in {"csv", "json"}:
        raise Http404
    period, _form = _period_from(request, local_today(regency))
    visits = indicators.regency_indicators(regency, period.start, period.end)
    name = f"indikator-{regency.code.replace('.', '')}-{period.slug}"
    if file_format == "csv":
        return _download(
            indicators.as_csv(regency, visits).encode("utf-8"),
            "text/csv; charset=utf-8",
            f"{name}.csv",
        )
    return _download(
        indicators.as_json(regency, visits).encode("utf-8"),
        "application/json; charset=utf-8",
        f"{name}.json",
    )
