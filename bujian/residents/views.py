"""Residents and pre-registration pages (/warga/). HTTP only: the access helpers in
``queries`` decide 404 (outside the user's scope) and 403 (inside it without the
right); the actions do the work.

A NIK never travels in a URL: searches are POSTed, and the full NIK is shown only
after a POST that records the view in the audit trail."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.residents import actions, imports, queries
from bujian.residents.actions import ResidentRefused
from bujian.residents.forms import (
    ImportConfirmForm,
    ImportUploadForm,
    RegistrationForm,
    ResidentForm,
    SearchForm,
)
from bujian.residents.models import Registration, Resident
from bujian.visits.models import Participation, Visit
from bujian.visits.queries import visible_visits


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _post(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (an unticked form must still be
    bound to show "choose at least one")."""
    return request.POST if request.method == "POST" else None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _visit_from_query(request: HttpRequest, user: User) -> Visit | None:
    """``?kunjungan=<pk>``: the visit a new resident is being registered for."""
    raw = request.GET.get("kunjungan") or request.POST.get("kunjungan") or ""
    if not raw.isdecimal():
        return None
    return queries.get_visit_for_registration(user, int(raw), for_change=True)


# --- residents --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Find a resident. The search is a POST (a read, allowed to every role that
    sees residents) so that a typed NIK stays out of URLs and access logs."""
    user = _user(request)
    form = SearchForm(_post(request))
    searched = request.method == "POST" and form.is_valid()
    q = form.cleaned_data["q"].strip() if searched else ""
    # A village operator browses their own village; others see residents only for
    # what they searched, never a list of the regency.
    browse = user.is_village_operator or bool(q)
    results = queries.find_residents(user, q, limit=50) if browse else []
    context = {
        "form": form,
        "results": results,
        "searched": searched,
        "browse": browse,
        "can_create": queries.can_create_residents(user),
    }
    if _is_htmx(request):
        return render(request, "residents/_results.html", context)
    return render(request, "residents/search.html", context)


def _form_error(form: ResidentForm, error: DomainError) -> None:
    if isinstance(error, ResidentRefused) and error.code == "residents.unaccepted_warnings":
        form.show_warnings(error.warnings)
        form.add_error(None, _("Check the points below against the KTP before saving."))
    elif error.code in {"residents.invalid_nik", "residents.duplicate_nik"}:
        form.add_error("national_id", error.message)
    elif error.code == "residents.invalid_kk":
        form.add_error("family_card_number", error.message)
    elif error.code == "residents.invalid_phone":
        form.add_error("phone", error.message)
    else:
        form.add_error(None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not queries.can_create_residents(user):
        raise PermissionDenied
    visit = _visit_from_query(request, user)
    villages = queries.creatable_villages(user)
    form = ResidentForm(
        _post(request),
        villages=villages,
        initial={"village": visit.village} if visit else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = actions.register_resident(
                national_id=data["national_id"],
                family_card_number=data["family_card_number"],
                full_name=data["full_name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                birth_place=data["birth_place"],
                village=data["village"],
                hamlet=data["hamlet"],
                rt=data["rt"],
                rw=data["rw"],
                address=data["address"],
                phone=data["phone"],
                actor=user,
                accept_warnings=data["accept_warnings"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(name)s is recorded.") % {"name": resident.full_name})
            if visit is not None and resident.village_id == visit.village_id:
                return redirect("residents:register", visit_pk=visit.pk, resident_pk=resident.pk)
            return redirect("residents:detail", pk=resident.pk)
    return render(request, "residents/form.html", {"form": form, "visit": visit})


def _address_line(resident: Resident) -> str:
    parts = [resident.address, resident.hamlet]
    if resident.rt or resident.rw:
        parts.append(
            _("RT %(rt)s/RW %(rw)s") % {"rt": resident.rt or "—", "rw": resident.rw or "—"}
        )
    if resident.village is not None:
        parts.append(
            _("%(village)s, Kecamatan %(district)s")
            % {"village": resident.village, "district": resident.village.district.name}
        )
    return " · ".join(part for part in parts if part)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    resident = queries.get_resident_for_staff(user, pk)
    registrations = (
        Registration.objects.filter(resident=resident, visit__in=visible_visits(user))
        .select_related("visit__village")
        .prefetch_related("needs__service")
        .order_by("-visit__start_date")
    )
    return render(
        request,
        "residents/detail.html",
        {
            "resident": resident,
            "address_line": _address_line(resident),
            "registrations": registrations,
            "can_edit": queries.can_edit_resident(user, resident),
            "can_reveal": queries.can_reveal_nik(user, resident),
        },
    )


@login_required
@require_GET
def personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """An access request (UU 27/2022): everything Bujian holds about one resident, on
    screen and as a JSON file to hand over (``?unduh=json``). Program admins only;
    each view is audited."""
    user = _user(request)
    resident = queries.get_resident_for_staff(user, pk)
    if not (user.is_program_admin or user.is_superuser):
        raise PermissionDenied
    download = request.GET.get("unduh") == "json"
    sections = actions.export_personal_data(actor=user, resident=resident, download=download)
    if download:
        response = HttpResponse(
            json.dumps(sections, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        filename = f"data-pribadi-{resident.uuid}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(
        request,
        "residents/personal_data.html",
        {"resident": resident, "pretty": json.dumps(sections, ensure_ascii=False, indent=1)},
    )


@login_required
@require_POST
def reveal_nik(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full NIK once, and record that this user saw it."""
    user = _user(request)
    resident = queries.get_resident_for_staff(user, pk)
    if not queries.can_reveal_nik(user, resident):
        raise PermissionDenied
    nik = actions.record_nik_view(actor=user, resident=resident, reason="residents.detail")
    response = render(request, "residents/_nik.html", {"resident": resident, "full_nik": nik})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    resident = queries.get_resident_for_edit(user, pk)
    if request.method == "GET":
        # The form shows the full NIK to correct it: that is a view, and is recorded.
        actions.record_nik_view(actor=user, resident=resident, reason="residents.edit")
    form = ResidentForm(
        _post(request),
        villages=queries.creatable_villages(user),
        initial=ResidentForm.initial_for(resident),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_resident(
                resident=Resident.objects.get(pk=pk),
                national_id=data["national_id"],
                family_card_number=data["family_card_number"],
                full_name=data["full_name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                birth_place=data["birth_place"],
                village=data["village"],
                hamlet=data["hamlet"],
                rt=data["rt"],
                rw=data["rw"],
                address=data["address"],
                phone=data["phone"],
                actor=user,
                accept_warnings=data["accept_warnings"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The resident's data is saved."))
            return redirect("residents:detail", pk=pk)
    return render(request, "residents/form.html", {"form": form, "resident": resident})


# --- pre-registration ------------------------------------------------------------------


@login_required
@require_GET
def visits(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    open_visits = queries.registration_visits(user)
    counts = {visit.pk: queries.registration_scope(user, visit).count() for visit in open_visits}
    return render(
        request,
        "residents/visits.html",
        {"visits": open_visits, "counts": counts},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_registrations(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """The visit's pre-registration page: who is registered, and a search (POST) to
    add a resident of the village."""
    user = _user(request)
    visit = queries.get_visit_for_registration(user, visit_pk)
    can_register = queries.can_register_for(user, visit) and queries.is_open_for_registration(visit)
    scope_village = visit.village if user.is_village_operator else None
    form = SearchForm(_post(request))
    searched = request.method == "POST" and form.is_valid()
    results: list[Resident] = []
    registered_ids: set[int] = set()
    if searched:
        results = queries.find_residents(user, form.cleaned_data["q"], village=visit.village)
        registered_ids = set(
            Registration.objects.filter(visit=visit, resident__in=results).values_list(
                "resident_id", flat=True
            )
        )
    context = {
        "visit": visit,
        "form": form,
        "results": results,
        "searched": searched,
        "registered_ids": registered_ids,
        "can_register": can_register,
    }
    if _is_htmx(request) and request.method == "POST":
        return render(request, "residents/_visit_results.html", context)
    context["registrations"] = list(queries.registrations_of(visit, scope_village))
    return render(request, "residents/visit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, visit_pk: int, resident_pk: int) -> HttpResponse:
    """Choose the services a resident needs at the visit and tick the documents they
    already have. Registering again changes the earlier answer."""
    user = _user(request)
    visit = queries.get_visit_for_registration(user, visit_pk, for_change=True)
    resident = queries.get_resident_for_staff(user, resident_pk)
    registration = Registration.objects.filter(visit=visit, resident=resident).first()
    services = queries.services_with_requirements(visit)
    confirmed_agencies = set(
        Participation.objects.filter(
            visit=visit, status=Participation.Status.CONFIRMED
        ).values_list("agency_id", flat=True)
    )
    form = RegistrationForm(_post(request), services=services, registration=registration)
    if request.method == "POST" and form.is_valid():
        try:
            actions.pre_register(
                visit=visit,
                resident=resident,
                services=form.cleaned_data["services"],
                documents_present=form.documents_present(),
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s is registered for the visit.") % {"name": resident.full_name},
            )
            return redirect("residents:visit", visit_pk=visit.pk)
    return render(
        request,
        "residents/register.html",
        {
            "visit": visit,
            "resident": resident,
            "registration": registration,
            "form": form,
            "open": queries.is_open_for_registration(visit),
            "confirmed_agencies": confirmed_agencies,
        },
    )


@login_required
@require_POST
def unregister(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    registration = queries.get_registration_for_change(user, pk)
    visit_pk = registration.visit_id
    try:
        actions.remove_registration(registration=registration, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is taken off the list.") % {"name": registration.resident.full_name},
        )
    return redirect("residents:visit", visit_pk=visit_pk)


@login_required
@require_GET
def print_list(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """A4 list of the village's residents registered for the visit, what each must
    still bring, and the documents ready to be handed over at the visit."""
    user = _user(request)
    visit = queries.get_visit_for_registration(user, visit_pk)
    village = visit.village
    registrations = list(queries.registrations_of(visit, village))
    return render(
        request,
        "residents/print_list.html",
        {
            "visit": visit,
            "village": village,
            "registrations": registrations,
            "documents": list(queries.documents_awaiting_handover(village)),
        },
    )


@login_required
@require_GET
def print_slips(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """One slip per registered resident to hand out before the visit: the day and
    place, the services, what to bring, and the QR the desk scans (``?daftar=<id>``
    for one resident's slip)."""
    user = _user(request)
    visit = queries.get_visit_for_registration(user, visit_pk)
    registrations = list(queries.registrations_of(visit, visit.village))
    only = request.GET.get("daftar", "")
    if only:
        registrations = [reg for reg in registrations if str(reg.pk) == only]
        if not registrations:
            raise Http404
    return render(
        request,
        "residents/print_slips.html",
        {"visit": visit, "village": visit.village, "registrations": registrations},
    )


# --- Excel import ------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request: HttpRequest, visit_pk: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_registration(user, visit_pk, for_change=True)
    response = HttpResponse(
        imports.build_template(visit),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"pendaftaran-{visit.village.code}-{visit.start_date:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, visit_pk: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_registration(user, visit_pk, for_change=True)
    form = ImportUploadForm(_post(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token = imports.start_import(visit=visit, actor=user, upload=form.cleaned_data["file"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("residents:import_status", token=token)
    return render(
        request,
        "residents/import.html",
        {
            "visit": visit,
            "form": form,
            "columns": imports.column_help(),
            "services": queries.services_offered_at(visit),
        },
    )


def _import_state(request: HttpRequest, token: str) -> tuple[dict[str, Any], Visit]:
    """A job belongs to the user who uploaded the file; anyone else gets 404."""
    user = _user(request)
    state = imports.get_state(token)
    if state is None or state.get("user_id") != user.pk:
        raise Http404
    visit = queries.get_visit_for_registration(user, state["visit_id"], for_change=True)
    return state, visit


@login_required
@require_GET
def import_status(request: HttpRequest, token: str) -> HttpResponse:
    state, visit = _import_state(request, token)
    context = {
        "state": state,
        "token": token,
        "visit": visit,
        "running": state["status"] in imports.Status.RUNNING,
        "percent": round(100 * state["done"] / state["total"]) if state.get("total") else 0,
        "confirm_form": ImportConfirmForm(initial={"good_rows": state.get("good_rows", 0)}),
    }
    if _is_htmx(request):
        return render(request, "residents/_import_status.html", context)
    return render(request, "residents/import_status.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The explicit second step: import only the good rows of a file with bad rows."""
    _import_state(request, token)
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that the bad rows are left out."))
    else:
        try:
            imports.confirm_good_rows(token=token, good_rows=form.cleaned_data["good_rows"])
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("residents:import_status", token=token)


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    _state, visit = _import_state(request, token)
    imports.cancel_import(token)
    messages.info(request, _("The file is discarded; nothing was imported from it."))
    return redirect(reverse("residents:import", kwargs={"visit_pk": visit.pk}))
