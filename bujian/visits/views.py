from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.accounts.permissions import require_program_admin, require_regency_reader, staff_regency
from bujian.core.errors import DomainError
from bujian.regions.models import Regency
from bujian.visits import actions, queries
from bujian.visits.calendar import visits_to_ics
from bujian.visits.forms import (
    CancelVisitForm,
    CheckInForm,
    ConfirmParticipationForm,
    ExcuseDecisionForm,
    ExcuseRequestForm,
    InviteAgencyForm,
    LedgerFilterForm,
    StaffFormSet,
    VisitForm,
)
from bujian.visits.models import Participation, Visit


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def public_regency(request: HttpRequest) -> Regency:
    """The regency a public page shows: ``?kabupaten=18.02`` or the home regency."""

    code = request.GET.get("kabupaten") or settings.BUJIAN_HOME_REGENCY
    regency = Regency.objects.filter(code=code).first()
    if regency is None:
        raise Http404
    return regency


# --- public pages ------------------------------------------------------------------


@require_GET
def public_schedule(request: HttpRequest) -> HttpResponse:
    regency = public_regency(request)
    today = actions.local_today(regency)
    return render(
        request,
        "visits/public_schedule.html",
        {
            "regency": regency,
            "regencies": Regency.objects.filter(visits__isnull=False).distinct().order_by("code"),
            "groups": queries.public_schedule(regency, today),
            "today": today,
        },
    )


@require_GET
def public_past(request: HttpRequest) -> HttpResponse:
    regency = public_regency(request)
    today = actions.local_today(regency)
    return render(
        request,
        "visits/public_past.html",
        {"regency": regency, "visits": queries.public_past_visits(regency, today)},
    )


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = queries.public_visit(pk)
    participations = list(queries.public_participations(visit))
    confirmed = [p for p in participations if p.status == Participation.Status.CONFIRMED]
    waiting = [p for p in participations if p.status != Participation.Status.CONFIRMED]
    return render(
        request,
        "visits/public_detail.html",
        {"visit": visit, "confirmed": confirmed, "waiting": waiting},
    )


@require_GET
def public_calendar(request: HttpRequest) -> HttpResponse:
    regency = public_regency(request)
    body = visits_to_ics(
        regency=regency,
        visits=list(queries.public_calendar_visits(regency)),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="kunjungan-{regency.code}.ics"'
    return response


# --- staff: visits ---------------------------------------------------------------------


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visits = list(queries.visible_visits(user).order_by("-start_date")[:200])
    return render(
        request,
        "visits/staff_list.html",
        {"visits": visits, "progress": queries.visit_progress(visits)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_program_admin(user)
    regency = staff_regency(user)
    form = VisitForm(request.POST or None, regency=regency)
    if request.method == "POST" and form.is_valid():
        try:
            visit = actions.plan_visit(regency=regency, created_by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The visit is planned and %(count)d OPD are invited.")
                % {"count": visit.participations.count()},
            )
            return redirect("visits:staff_detail", pk=visit.pk)
    return render(request, "visits/staff_form.html", {"form": form, "regency": regency})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_admin(user, pk)
    form = VisitForm(request.POST or None, instance=visit, regency=visit.regency)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reschedule_visit(
                visit=Visit.objects.get(pk=pk), actor=user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The visit is updated."))
            return redirect("visits:staff_detail", pk=pk)
    return render(
        request, "visits/staff_form.html", {"form": form, "regency": visit.regency, "visit": visit}
    )


@login_required
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_staff(user, pk)
    participations = list(queries.participations_of(visit))
    operable = queries.operable_agency_ids(user)
    if user.is_agency_operator:
        participations = [p for p in participations if operable and p.agency_id in operable]
    today = actions.local_today(visit.regency)
    booths = [
        b
        for b in visit.booths.select_related("participation__agency").order_by("prefix")
        if operable is None or b.participation.agency_id in operable
    ]
    return render(
        request,
        "visits/staff_detail.html",
        {
            "visit": visit,
            "participations": participations,
            "progress": queries.visit_progress([visit])[visit.pk],
            "invite_form": InviteAgencyForm(agencies=queries.invitable_agencies(visit))
            if user.is_program_admin
            else None,
            "cancel_form": CancelVisitForm() if user.is_program_admin else None,
            "decision_form": ExcuseDecisionForm(),
            "operable": operable,
            "booths": booths,
            "local_today": today,
            # Check-in is per day: on day two an agency present on day one checks in again.
            "today_checkins": {
                p.pk: c for p in participations for c in p.checkins.all() if c.day == today
            },
        },
    )


_TRANSITIONS: dict[str, Callable[..., Visit]] = {
    "announce": actions.announce_visit,
    "start": actions.start_visit,
    "finish": actions.finish_visit,
    "report": actions.mark_visit_reported,
}


@login_required
@require_POST
def staff_transition(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_admin(user, pk)
    try:
        if step == "cancel":
            form = CancelVisitForm(request.POST)
            if not form.is_valid():
                raise DomainError(
                    "visits.cancel_reason_required",
                    _(
                        "Write the reason for cancelling (at least 10 characters); "
                        "residents will see it."
                    ),
                )
            actions.cancel_visit(visit=visit, actor=user, reason=form.cleaned_data["reason"])
        elif step in _TRANSITIONS:
            _TRANSITIONS[step](visit=visit, actor=user)
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    else:
        visit.refresh_from_db()
        messages.success(
            request,
            _("The visit is now %(status)s.") % {"status": visit.get_status_display().lower()},
        )
    return redirect("visits:staff_detail", pk=pk)


@login_required
@require_POST
def staff_invite(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_admin(user, pk)
    form = InviteAgencyForm(request.POST, agencies=queries.invitable_agencies(visit))
    if not form.is_valid():
        messages.error(request, _("Choose an agency from the list."))
    else:
        try:
            actions.invite_agency(visit=visit, agency=form.cleaned_data["agency"], actor=user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(agency)s is invited.") % {"agency": form.cleaned_data["agency"]}
            )
    return redirect("visits:staff_detail", pk=pk)


@login_required
@require_POST
def staff_uninvite(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    participation = queries.get_participation(user, pk, for_change=True)
    require_program_admin(user)
    visit_pk = participation.visit_id
    try:
        actions.withdraw_invitation(participation=participation, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("visits:staff_detail", pk=visit_pk)


@login_required
@require_POST
def staff_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """Check an agency in or out. Agency operators for their agencies, program admins for all."""
    user = _user(request)
    visit = queries.get_visit_for_staff(user, pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an agency."))
        return redirect("visits:staff_detail", pk=pk)
    agency = form.cleaned_data["agency"]
    operable = queries.operable_agency_ids(user)
    if operable is not None and agency.pk not in operable:
        raise PermissionDenied
    try:
        if form.cleaned_data["direction"] == "out":
            checkin = actions.check_out(visit=visit, agency=agency, actor=user)
            messages.success(
                request,
                _("%(agency)s checked out at %(time)s.")
                % {
                    "agency": agency,
                    "time": actions.local_now(visit.regency, checkin.checked_out_at).strftime(
                        "%H:%M"
                    ),
                },
            )
        else:
            checkin = actions.check_in(visit=visit, agency=agency, actor=user)
            text = _("%(agency)s checked in at %(time)s.") % {
                "agency": agency,
                "time": actions.local_now(visit.regency, checkin.checked_in_at).strftime("%H:%M"),
            }
            if checkin.late:
                text = _("%(text)s This is late.") % {"text": text}
            messages.success(request, text)
    except DomainError as error:
        messages.error(request, error.message)
    next_url = request.POST.get("next")
    if next_url == "participation":
        participation = Participation.objects.filter(visit=visit, agency=agency).first()
        if participation is not None:
            return redirect("visits:participation", pk=participation.pk)
    return redirect("visits:staff_detail", pk=pk)


@login_required
@require_GET
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_staff(user, pk)
    require_regency_reader(user)
    return render(
        request,
        "visits/attendance_sheet.html",
        {
            "visit": visit,
            "participations": list(queries.participations_of(visit)),
            "progress": queries.visit_progress([visit])[visit.pk],
        },
    )


# --- staff: one agency's participation --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def participation(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    part = queries.get_participation(user, pk)
    can_change = queries.can_operate(user, part) and part.visit.is_open_for_changes
    initial_staff = [{"name": s.name, "nip": s.nip, "role": s.role} for s in part.staff.all()]
    form = ConfirmParticipationForm(request.POST or None, instance=part)
    staff_formset = StaffFormSet(
        request.POST or None, initial=initial_staff or None, prefix="staff"
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid() and staff_formset.is_valid():
            staff = [
                actions.StaffEntry(name=f["name"], nip=f["nip"], role=f["role"])
                for f in staff_formset.cleaned_data
                if f and f.get("name")
            ]
            data = form.cleaned_data
            try:
                actions.confirm_participation(
                    participation=Participation.objects.get(pk=part.pk),
                    actor=user,
                    services=list(data["services"]),
                    staff=staff,
                    booth_tables=data["booth_tables"],
                    booth_chairs=data["booth_chairs"],
                    needs_power=data["needs_power"],
                    needs_network=data["needs_network"],
                    needs_printer=data["needs_printer"],
                    equipment=data["equipment"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Participation of %(agency)s is confirmed.") % {"agency": part.agency},
                )
                return redirect("visits:participation", pk=part.pk)
    today = actions.local_today(part.visit.regency)
    return render(
        request,
        "visits/participation.html",
        {
            "participation": part,
            "visit": part.visit,
            "form": form,
            "staff_formset": staff_formset,
            "excuse_form": ExcuseRequestForm(),
            "can_change": can_change,
            "excuses": part.excuses.select_related("requested_by", "decided_by"),
            "checkins": part.checkins.all(),
            "today_checkin": part.checkins.filter(day=today).first(),
            "is_visit_day": today in part.visit.days,
            "today": today,
        },
    )


@login_required
@require_POST
def request_excuse(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    part = queries.get_participation(user, pk, for_change=True)
    form = ExcuseRequestForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Write the reason in full (at least 15 characters); it is kept on record.")
        )
    else:
        try:
            actions.request_excuse(
                participation=part, actor=user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The excuse is sent to the program admin."))
    return redirect("visits:participation", pk=pk)


@login_required
@require_POST
def decide_excuse(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    excuse = queries.get_excuse_for_admin(user, pk)
    form = ExcuseDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        try:
            actions.decide_excuse(
                excuse=excuse,
                actor=user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The decision is recorded."))
    return redirect("visits:staff_detail", pk=excuse.participation.visit_id)


# --- compliance ledger ------------------------------------------------------------------


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_regency_reader(user)
    regency = staff_regency(user)
    form = LedgerFilterForm(request.GET or None)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    if form.is_valid():
        date_from = form.cleaned_data.get("date_from")
        date_to = form.cleaned_data.get("date_to")
    rows = queries.compliance_ledger(regency, date_from=date_from, date_to=date_to)
    last_visit, absent_last = queries.absent_at_last_visit(regency)
    return render(
        request,
        "visits/ledger.html",
        {
            "form": form,
            "rows": rows,
            "regency": regency,
            "last_visit": last_visit,
            "absent_last": absent_last,
            "never_absent": sum(1 for r in rows if r.absent == 0),
            "with_absence": [r for r in rows if r.absent > 0],
        },
    )
