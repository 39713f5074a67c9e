"""Survey pages: the resident's questionnaire (kiosk and QR), paper entry, results.

The kiosk runs on a tablet at the exit without a staff login: a staff member opens it
for one visit, which gives the tablet a signed address valid for that visit only.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.core.errors import DomainError
from bujian.core.templatetags.bujian import long_date
from bujian.queueing.models import Ticket
from bujian.surveys import actions, ikm, queries
from bujian.surveys.forms import (
    KioskLookupForm,
    KioskOpenForm,
    PaperEntryForm,
    PeriodForm,
    SurveyForm,
)
from bujian.surveys.models import SurveyResponse
from bujian.visits.actions import local_today
from bujian.visits.models import Visit

KIOSK_SALT = "surveys.kiosk"
KIOSK_MAX_AGE = 7 * 24 * 60 * 60  # a kiosk address serves one visit of at most two days
KIOSK_RESET_SECONDS = 8
KIOSK_IDLE_SECONDS = 120  # a resident who walks away mid-questionnaire


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _survey_form(request: HttpRequest) -> SurveyForm:
    elements = queries.elements()
    if not elements:
        actions.current_questionnaire()
        elements = queries.elements()
    return SurveyForm(request.POST or None, elements=elements)


def _is_replay(request: HttpRequest, ticket: Ticket) -> bool:
    """A second POST of a form already saved (a double tap on "send")."""
    try:
        submission = uuid.UUID(request.POST.get("submission", ""))
    except ValueError:
        return False
    return SurveyResponse.objects.filter(uuid=submission, ticket_id=ticket.pk).exists()


def _not_open(ticket: Ticket) -> str:
    """Why this ticket's questionnaire cannot be opened, or "" when it can."""
    if ticket.status != Ticket.Status.DONE:
        return _("The survey opens when the service of number %(label)s is finished.") % {
            "label": ticket.label
        }
    if actions.already_answered(ticket):
        return _("The survey for this queue number has already been filled in. Thank you.")
    return ""


def _submit(
    request: HttpRequest, form: SurveyForm, *, ticket: Ticket, channel: str
) -> SurveyResponse | None:
    """Submit a valid form for a ticket; a refusal becomes a form error."""
    try:
        return actions.submit_response(
            respondent=form.respondent(),
            answers=form.answers(),
            suggestion=form.cleaned_data.get("suggestion", ""),
            ticket=ticket,
            channel=channel,
            # The key the form was rendered with: a double tap on "send" is one answer.
            client_uuid=form.cleaned_data.get("submission"),
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return None


# --- the QR path (public) -------------------------------------------------------------


@require_GET
def public_choose(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse:
    visit_ticket = queries.public_visit_ticket(ticket_uuid)
    return render(
        request,
        "surveys/public_choose.html",
        {
            "visit": visit_ticket.visit,
            "visit_ticket": visit_ticket,
            "choices": queries.ticket_choices(visit_ticket),
        },
    )


@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, ticket_uuid: uuid.UUID, ticket_id: int) -> HttpResponse:
    visit_ticket = queries.public_visit_ticket(ticket_uuid)
    ticket = queries.public_ticket(visit_ticket, ticket_id)
    if request.method == "POST" and _is_replay(request, ticket):
        return redirect("surveys:public_thanks", ticket_uuid=ticket_uuid)
    refusal = _not_open(ticket)
    if refusal:
        messages.info(request, refusal)
        return redirect("surveys:public_choose", ticket_uuid=ticket_uuid)
    form = _survey_form(request)
    if (
        request.method == "POST"
        and form.is_valid()
        and _submit(request, form, ticket=ticket, channel=SurveyResponse.Channel.QR)
    ):
        return redirect("surveys:public_thanks", ticket_uuid=ticket_uuid)
    return render(
        request,
        "surveys/public_form.html",
        {"visit": visit_ticket.visit, "visit_ticket": visit_ticket, "ticket": ticket, "form": form},
    )


@require_GET
def public_thanks(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse:
    visit_ticket = queries.public_visit_ticket(ticket_uuid)
    remaining = [c for c in queries.ticket_choices(visit_ticket) if not c.answered]
    return render(
        request,
        "surveys/public_thanks.html",
        {"visit": visit_ticket.visit, "visit_ticket": visit_ticket, "remaining": remaining},
    )


# --- the kiosk ------------------------------------------------------------------------


def kiosk_token(visit: Visit) -> str:
    return signing.dumps({"visit": visit.pk}, salt=KIOSK_SALT, compress=True)


def _kiosk_visit(token: str) -> Visit:
    try:
        data = signing.loads(token, salt=KIOSK_SALT, max_age=KIOSK_MAX_AGE)
    except signing.BadSignature as error:
        raise Http404 from error
    visit = (
        Visit.objects.select_related("regency", "village")
        .filter(pk=data.get("visit"))
        .exclude(status=Visit.Status.CANCELLED)
        .first()
    )
    if visit is None or local_today(visit.regency) > visit.end_date + dt.timedelta(days=1):
        raise Http404
    return visit


@login_required
@require_http_methods(["GET", "POST"])
def kiosk_open(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_entry(user, visit_id)
    form = KioskOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = reverse("surveys:kiosk", args=[kiosk_token(visit)])
        if form.cleaned_data["log_out"]:
            logout(request)
        return redirect(target)
    return render(request, "surveys/kiosk_open.html", {"visit": visit, "form": form})


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, token: str) -> HttpResponse:
    """Step 1: the resident types or scans their ticket; step 2 (same address, after
    POST): they pick the finished service to rate."""
    visit = _kiosk_visit(token)
    form = KioskLookupForm(request.POST or None)
    choices = None
    if request.method == "POST" and form.is_valid():
        visit_ticket = queries.find_kiosk_ticket(
            visit, form.cleaned_data["number"], local_today(visit.regency)
        )
        if visit_ticket is None:
            form.add_error(
                "number",
                _("No ticket with this number at this visit. Check the number on your ticket."),
            )
        else:
            choices = queries.ticket_choices(visit_ticket)
            if not choices:
                form.add_error(
                    "number",
                    _("None of the services on this ticket is finished yet. Come back after it."),
                )
                choices = None
            elif len([c for c in choices if not c.answered]) == 1:
                only = next(c for c in choices if not c.answered)
                return redirect("surveys:kiosk_form", token=token, ticket_id=only.ticket.pk)
    return render(
        request,
        "surveys/kiosk.html",
        {
            "visit": visit,
            "token": token,
            "form": form,
            "choices": choices,
            "idle_seconds": KIOSK_IDLE_SECONDS,
        },
    )


@require_http_methods(["GET", "POST"])
def kiosk_form(request: HttpRequest, token: str, ticket_id: int) -> HttpResponse:
    visit = _kiosk_visit(token)
    ticket = (
        Ticket.objects.select_related("booth__participation__agency")
        .filter(pk=ticket_id, booth__visit=visit)
        .first()
    )
    if ticket is None:
        raise Http404
    if request.method == "POST" and _is_replay(request, ticket):
        return redirect("surveys:kiosk_thanks", token=token)
    refusal = _not_open(ticket)
    if refusal:
        messages.info(request, refusal)
        return redirect("surveys:kiosk", token=token)
    form = _survey_form(request)
    if (
        request.method == "POST"
        and form.is_valid()
        and _submit(request, form, ticket=ticket, channel=SurveyResponse.Channel.KIOSK)
    ):
        return redirect("surveys:kiosk_thanks", token=token)
    return render(
        request,
        "surveys/kiosk_form.html",
        {
            "visit": visit,
            "token": token,
            "ticket": ticket,
            "form": form,
            "idle_seconds": KIOSK_IDLE_SECONDS,
        },
    )


@require_GET
def kiosk_thanks(request: HttpRequest, token: str) -> HttpResponse:
    visit = _kiosk_visit(token)
    return render(
        request,
        "surveys/kiosk_thanks.html",
        {"visit": visit, "token": token, "reset_seconds": KIOSK_RESET_SECONDS},
    )


# --- staff: paper entry ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_entry(user, visit_id)
    actions.current_questionnaire()
    form = PaperEntryForm(
        request.POST or None,
        visit=visit,
        agencies=queries.entry_agencies(user, visit),
        day_labels=[(d, long_date(d)) for d in visit.days],
        elements=queries.elements(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.submit_response(
                respondent=form.respondent(),
                answers=form.answers(),
                suggestion=data.get("suggestion", ""),
                ticket=form.ticket,
                visit=visit,
                agency=data["agency"],
                service=data.get("service"),
                day=data["day"],
                session=data["session"],
                channel=SurveyResponse.Channel.PAPER,
                entered_by=user,
                client_uuid=data.get("submission"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The questionnaire is saved. Enter the next one."))
            return redirect("surveys:paper_entry", visit_id=visit.pk)
    return render(
        request,
        "surveys/paper_entry.html",
        {
            "visit": visit,
            "form": form,
            "entered": SurveyResponse.objects.filter(
                visit=visit, channel=SurveyResponse.Channel.PAPER
            ).count(),
        },
    )


@login_required
@require_GET
def paper_form(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The blank questionnaire of the current version, to print on A4 for residents who
    prefer paper; staff type the filled ones in with ``paper_entry``."""
    user = _user(request)
    visit = queries.get_visit_for_entry(user, visit_id)
    questionnaire = actions.current_questionnaire()
    return render(
        request,
        "surveys/paper_form.html",
        {
            "visit": visit,
            "questionnaire": questionnaire,
            "elements": list(questionnaire.elements.order_by("position")),
            "agencies": queries.entry_agencies(user, visit),
            "sessions": SurveyResponse.Session.choices,
            "sexes": SurveyResponse.Sex.choices,
            "educations": SurveyResponse.Education.choices,
            "occupations": SurveyResponse.Occupation.choices,
        },
    )


# --- staff: results -------------------------------------------------------------------


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The periods SKM reports use: month, quarter, semester, year (and the last year)."""
    month_start = today.replace(day=1)
    quarter_start = _quarter_start(today)
    semester_start = dt.date(today.year, 1 if today.month <= 6 else 7, 1)

    def months_later(start: dt.date, months: int) -> dt.date:
        year, month = divmod(start.month - 1 + months, 12)
        return dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)

    return [
        (_("This month"), month_start, months_later(month_start, 1)),
        (_("This quarter"), quarter_start, months_later(quarter_start, 3)),
        (_("This semester"), semester_start, months_later(semester_start, 6)),
        (_("This year"), dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        (_("Last year"), dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
    ]


def _period(request: HttpRequest, today: dt.date) -> tuple[PeriodForm, dt.date, dt.date]:
    default_start, default_end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["start"], form.cleaned_data["end"]
        return form, default_start, default_end
    form = PeriodForm(initial={"start": default_start, "end": default_end})
    return form, default_start, default_end


def _results_context() -> dict[str, object]:
    return {"elements": queries.elements(), "method": ikm.METHOD}


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """The survey home: visits collecting questionnaires now, and the IKM of a period
    per agency, service and visit."""
    user = _user(request)
    queries.require_results_reader(user)
    regency = staff_regency(user)
    today = local_today(regency)
    form, start, end = _period(request, today)
    return render(
        request,
        "surveys/results.html",
        {
            **_results_context(),
            "regency": regency,
            "form": form,
            "start": start,
            "end": end,
            "presets": period_presets(today),
            "results": queries.period_results(user, regency, start, end),
            "collecting": queries.collecting_visits(user, today)[:20],
            "agency_scope": queries.agency_scope(user),
        },
    )


@login_required
@require_GET
def visit_results(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_results(user, visit_id)
    return render(
        request,
        "surveys/visit_results.html",
        {
            **_results_context(),
            "visit": visit,
            "results": queries.visit_results(user, visit),
            "can_enter": user.is_program_admin
            or (user.is_agency_operator and queries.entry_agencies(user, visit).exists()),
        },
    )


@login_required
@require_GET
def agency_results(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = _user(request)
    agency = queries.get_agency_for_results(user, agency_id)
    regency = staff_regency(user)
    today = local_today(regency)
    form, start, end = _period(request, today)
    return render(
        request,
        "surveys/agency_results.html",
        {
            **_results_context(),
            "agency": agency,
            "form": form,
            "start": start,
            "end": end,
            "presets": period_presets(today),
            "results": queries.agency_results(agency, regency, start, end),
        },
    )


@login_required
@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    queries.require_results_reader(user)

    def _int(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdecimal() else None

    agency_id, visit_id = _int("instansi"), _int("kunjungan")
    agencies, visits = queries.suggestion_filters(user)
    page = Paginator(
        queries.suggestion_list(user, visit_id=visit_id, agency_id=agency_id), 50
    ).get_page(request.GET.get("halaman"))
    return render(
        request,
        "surveys/suggestions.html",
        {
            "page": page,
            "agencies": agencies,
            "visits": visits,
            "agency_id": agency_id,
            "visit_id": visit_id,
        },
    )
