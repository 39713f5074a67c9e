from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bujian.accounts.models import User
from bujian.agencies import actions, queries
from bujian.agencies.forms import AgencyForm, CatalogSearchForm, ServiceForm
from bujian.agencies.models import Agency, Service
from bujian.core.errors import DomainError


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """Public, searchable catalog: "Apa yang harus saya bawa untuk perpanjang SIM?"."""
    form = CatalogSearchForm(request.GET or None)
    query = agency_code = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        agency_code = form.cleaned_data["agency"]
    services = queries.search_services(query, agency_code or None)
    template = (
        "agencies/_results.html" if request.headers.get("HX-Request") else "agencies/catalog.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "query": query,
            "services": services,
            "agencies": Agency.objects.active().filter(services__is_active=True).distinct(),
            "agency_code": agency_code,
        },
    )


@require_GET
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "agencies/service_detail.html", {"service": queries.get_service(code)})


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    agencies = queries.readable_agencies(user).order_by("kind", "short_name")
    editable = set(queries.editable_agencies(user).values_list("pk", flat=True))
    return render(request, "agencies/staff_list.html", {"agencies": agencies, "editable": editable})


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    agency = queries.get_agency_for_edit(user, code)
    form = AgencyForm(request.POST or None, instance=agency)
    if not user.is_program_admin:
        # An agency operator corrects contacts; only Bappeda may switch an agency off.
        del form.fields["is_active"]
    if request.method == "POST" and form.is_valid():
        actions.update_agency(
            agency=queries.get_agency_for_edit(user, code), actor=user, values=form.cleaned_data
        )
        messages.success(request, _("%(agency)s is saved.") % {"agency": agency})
        return redirect("agencies:staff_list")
    return render(
        request,
        "agencies/agency_form.html",
        {"form": form, "agency": agency, "services": agency.services.order_by("code")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    service = queries.get_service_for_edit(user, code)
    return _service_form(request, user, service.agency, service)


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest, agency_code: str) -> HttpResponse:
    user = _user(request)
    agency = queries.get_agency_for_edit(user, agency_code)
    return _service_form(request, user, agency, None)


def _service_form(
    request: HttpRequest, user: User, agency: Agency, service: Service | None
) -> HttpResponse:
    if not (user.is_program_admin or user.is_agency_operator):
        raise PermissionDenied
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_service(
                agency=agency,
                actor=user,
                values=form.cleaned_data,
                requirements=form.requirement_lines,
                service=service,
                code=form.cleaned_data.get("code", ""),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(service)s is saved.") % {"service": saved})
            return redirect("agencies:agency_edit", code=agency.code)
    return render(
        request, "agencies/service_form.html", {"form": form, "agency": agency, "service": service}
    )
