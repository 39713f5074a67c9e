from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.visits import actions as visit_actions
from bujian.visits import queries as visit_queries
from bujian.visits.models import Visit


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice (UU 27/2022): what Bujian keeps, why, who sees it, how long,
    the resident's rights and the data-protection officer."""
    return render(
        request,
        "core/privacy.html",
        {
            "dpo_name": settings.BUJIAN_DPO_NAME,
            "dpo_email": settings.BUJIAN_DPO_EMAIL,
            "dpo_phone": settings.BUJIAN_DPO_PHONE,
            "registration_days": settings.BUJIAN_RETENTION_REGISTRATION_DAYS,
            "phone_days": settings.BUJIAN_RETENTION_PHONE_DAYS,
        },
    )


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """Each role's starting page: what needs doing now."""
    user = request.user
    assert isinstance(user, User)
    regency = staff_regency(user)
    today = visit_actions.local_today(regency)
    upcoming = list(
        visit_queries.visible_visits(user)
        .filter(
            status__in=[Visit.Status.DRAFT, Visit.Status.ANNOUNCED, Visit.Status.ONGOING],
            end_date__gte=today,
        )
        .order_by("start_date")[:20]
    )
    context: dict[str, object] = {
        "regency": regency,
        "today": today,
        "upcoming": upcoming,
        "progress": visit_queries.visit_progress(upcoming),
    }
    if user.sees_whole_regency:
        last_visit, absent = visit_queries.absent_at_last_visit(regency)
        context.update(
            pending_excuses=list(visit_queries.pending_excuses(user)[:20]),
            last_visit=last_visit,
            absent_last=absent,
        )
    if user.is_agency_operator:
        context["my_participations"] = list(visit_queries.my_participations(user, today))
    return render(request, "core/staff_home.html", context)
