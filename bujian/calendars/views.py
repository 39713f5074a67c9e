from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.accounts.permissions import require_program_admin, staff_regency
from bujian.calendars import actions, queries
from bujian.calendars.forms import DayOffForm, YearForm
from bujian.core.errors import DomainError
from bujian.visits.actions import local_today


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """The year's holidays, cuti bersama and regency dates; program admins add entries."""
    user = _user(request)
    regency = staff_regency(user)
    year_form = YearForm(request.GET)
    year = local_today(regency).year
    if year_form.is_valid() and year_form.cleaned_data["tahun"]:
        year = year_form.cleaned_data["tahun"]
    form = DayOffForm(request.POST or None)
    if request.method == "POST":
        require_program_admin(user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                day = actions.add_day_off(
                    regency=None if data["all_regencies"] else regency,
                    date=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    actor=user,
                )
            except DomainError as error:
                form.add_error("date", error.message)
            else:
                messages.success(request, _("%(name)s is added.") % {"name": day.name})
                return redirect(f"{request.path}?tahun={day.date.year}")
    return render(
        request,
        "calendars/calendar.html",
        {
            "year": year,
            "days": queries.year_overview(user, year),
            "form": form,
            "can_edit": user.is_program_admin,
            "regency": regency,
        },
    )


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    day = queries.get_day_off_for_admin(user, pk)
    year = day.date.year
    actions.remove_day_off(day=day, actor=user)
    messages.success(request, _("The entry is removed."))
    return redirect(f"{reverse('calendars:calendar')}?tahun={year}")
