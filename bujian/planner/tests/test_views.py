"""The planner's pages: who may see and do what, the views of a plan, the exports."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from icalendar import Calendar
from openpyxl import load_workbook  # type: ignore[import-untyped]

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.planner import actions
from bujian.planner.models import Plan, Priority, VillageProfile
from bujian.planner.tests.conftest import PERIOD_END, PERIOD_START
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import (
    DistrictFactory,
    ProvinceFactory,
    RegencyFactory,
    VillageFactory,
)
from bujian.visits.models import Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "visits_per_month": 2,
        "weekdays": ["1", "2", "3"],
        "days_per_visit": 1,
        "min_visits_per_district": 1,
        "min_gap_visits": 1,
        "min_gap_weeks": 0,
        "revisit_months": 12,
        "long_trip_minutes": 90,
        "max_long_trips_per_month": "",
        "time_limit_seconds": 5,
    }
    data.update(changes)
    return data


@pytest.fixture
def plan(regency: Regency, villages: list[Village], budi: User) -> Plan:
    plan = actions.create_plan(
        regency=regency,
        actor=budi,
        rules=actions.PlanRules(
            period_start=PERIOD_START, period_end=PERIOD_END, time_limit_seconds=5
        ),
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def other_plan(db: None) -> Plan:
    """A plan of Lampung Tengah, outside every user of Bengkulu Selatan."""
    other = RegencyFactory.create(
        code="18.02", name="Kabupaten Lampung Tengah", province=ProvinceFactory.create(code="18")
    )
    return Plan.objects.create(
        regency=other, period_start=PERIOD_START, period_end=PERIOD_END, status="done"
    )


def test_admin_sets_the_rules_and_sees_the_plan(villages: list[Village], budi: User) -> None:
    client = client_for(budi)
    assert client.get(reverse("planner:create")).status_code == 200
    response = client.post(reverse("planner:create"), form_data())
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("planner:detail", args=[plan.pk])
    assert plan.status == Plan.Status.DONE
    page = client.get(reverse("planner:detail", args=[plan.pk]))
    assert page.status_code == 200
    assert page.content.count(b'data-testid="cal-visit"') == 6
    assert b'data-testid="plan-checked"' in page.content
    for tab in ("districts", "coverage"):
        assert client.get(reverse(f"planner:{tab}", args=[plan.pk])).status_code == 200


def test_bad_rules_are_refused_with_a_message(villages: list[Village], budi: User) -> None:
    client = client_for(budi)
    response = client.post(
        reverse("planner:create"),
        form_data(period_end="2026-12-01", weekdays=[]),
    )
    assert response.status_code == 200
    assert not Plan.objects.exists()
    form = response.context["form"]
    assert "period_end" in form.errors and "weekdays" in form.errors


def test_conflicting_rules_show_the_named_conflict(villages: list[Village], budi: User) -> None:
    client = client_for(budi)
    client.post(reverse("planner:create"), form_data(min_visits_per_district=5))
    plan = Plan.objects.get()
    page = client.get(reverse("planner:detail", args=[plan.pk]))
    assert plan.status == Plan.Status.INFEASIBLE
    assert "3 kecamatan × 5 kunjungan &gt; 6 slot tersedia" in page.content.decode()


def test_status_fragment_reloads_the_page_when_the_run_ends(plan: Plan, budi: User) -> None:
    response = client_for(budi).get(
        reverse("planner:status", args=[plan.pk]) + "?running=1", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_accept_creates_draft_visits(plan: Plan, budi: User, disdukcapil: Agency) -> None:
    response = client_for(budi).post(reverse("planner:accept", args=[plan.pk]))
    assert response.status_code == 302
    assert Visit.objects.filter(status=Visit.Status.DRAFT).count() == 6
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED


def test_replan_and_lock_from_the_pages(plan: Plan, budi: User, disdukcapil: Agency) -> None:
    client = client_for(budi)
    client.post(reverse("planner:accept", args=[plan.pk]))
    slot = plan.slots.order_by("start_date").first()
    assert slot is not None
    client.post(reverse("planner:slot_lock", args=[slot.pk]), {"locked": "1"})
    slot.refresh_from_db()
    assert slot.locked
    response = client.post(reverse("planner:replan", args=[plan.pk]))
    new_plan = Plan.objects.exclude(pk=plan.pk).get()
    assert response["Location"] == reverse("planner:detail", args=[new_plan.pk])
    assert new_plan.slots.filter(kept=True, visit=slot.visit).exists()


def test_leadership_reads_but_cannot_change(plan: Plan, bupati: User) -> None:
    client = client_for(bupati)
    assert client.get(reverse("planner:list")).status_code == 200
    assert client.get(reverse("planner:detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("planner:create")).status_code == 403
    assert client.post(reverse("planner:accept", args=[plan.pk])).status_code == 403
    assert client.post(reverse("planner:replan", args=[plan.pk])).status_code == 403
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.DONE


def test_agency_and_village_operators_are_refused(plan: Plan, siti: User, kades: User) -> None:
    for user in (siti, kades):
        client = client_for(user)
        assert client.get(reverse("planner:list")).status_code == 403
        assert client.get(reverse("planner:detail", args=[plan.pk])).status_code == 403
        assert client.get(reverse("planner:villages")).status_code == 403


def test_a_plan_of_another_regency_is_not_found(other_plan: Plan, budi: User) -> None:
    client = client_for(budi)
    for name in ("detail", "xlsx", "ics", "status"):
        assert client.get(reverse(f"planner:{name}", args=[other_plan.pk])).status_code == 404
    assert client.post(reverse("planner:accept", args=[other_plan.pk])).status_code == 404


def test_excel_export_lists_the_plan_and_the_coverage(plan: Plan, budi: User) -> None:
    response = client_for(budi).get(reverse("planner:xlsx", args=[plan.pk]))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]]
    assert len(rows) == 6
    assert {row[1].date() for row in rows} == set(plan.slots.values_list("start_date", flat=True))
    coverage = workbook.worksheets[1]
    assert coverage.max_row == 4  # header and three kecamatan
    rules = {row[0]: row[1] for row in workbook.worksheets[2].iter_rows(values_only=True)}
    assert rules["Kunjungan per bulan"] == 2
    assert rules["cakupan berbobot kebutuhan (nilai tujuan)"] == plan.objective


def test_ics_export_has_one_event_per_visit(plan: Plan, budi: User) -> None:
    response = client_for(budi).get(reverse("planner:ics", args=[plan.pk]))
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 6
    starts = {event.decoded("dtstart") for event in events}
    assert starts == set(plan.slots.values_list("start_date", flat=True))


def test_village_needs_page_and_profile_edit(
    villages: list[Village], budi: User, bupati: User
) -> None:
    client = client_for(budi)
    response = client.get(reverse("planner:villages"))
    assert response.status_code == 200
    assert len(response.context["needs"]) == 9
    village = villages[0]
    edit = reverse("planner:village_edit", args=[village.pk])
    refused = client.post(edit, {"population": "1200", "priority": "high", "reason": ""})
    assert refused.status_code == 200
    assert not VillageProfile.objects.exists()
    saved = client.post(
        edit,
        {"population": "1200", "travel_minutes": "95", "priority": "high", "reason": "Jalan baru"},
    )
    assert saved.status_code == 302
    profile = VillageProfile.objects.get(village=village)
    assert (profile.population, profile.travel_minutes, profile.priority) == (
        1200,
        95,
        Priority.HIGH,
    )
    assert client_for(bupati).get(edit).status_code == 403


def test_a_village_of_another_regency_is_not_found(budi: User) -> None:
    other = RegencyFactory.create(
        code="18.02", name="Kabupaten Lampung Tengah", province=ProvinceFactory.create(code="18")
    )
    village = VillageFactory.create(
        district=DistrictFactory.create(regency=other, code="18.02.01"), code="18.02.01.2001"
    )
    response = client_for(budi).get(reverse("planner:village_edit", args=[village.pk]))
    assert response.status_code == 404


def test_the_plan_list_counts_its_queries(
    regency: Regency, budi: User, django_assert_max_num_queries: object
) -> None:
    for month in range(1, 6):
        Plan.objects.create(
            regency=regency,
            period_start=dt.date(2027, month, 1),
            period_end=dt.date(2027, month, 28),
            created_by=budi,
        )
    client = client_for(budi)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get(reverse("planner:list"))
    assert len(response.context["plans"]) == 5


def test_nav_shows_the_planner_to_regency_readers(budi: User, siti: User) -> None:
    assert b"/rencana/" in client_for(budi).get(reverse("planner:list")).content
    other = UserFactory.create(username="x", role=User.Role.AGENCY_OPERATOR)
    assert b'href="/rencana/"' not in client_for(other).get("/kunjungan/staf/").content


def test_a_cancelled_visit_prompts_a_replan(plan: Plan, budi: User, disdukcapil: Agency) -> None:
    from bujian.visits import actions as visit_actions

    client = client_for(budi)
    client.post(reverse("planner:accept", args=[plan.pk]))
    slot = plan.slots.order_by("start_date").select_related("visit").last()
    assert slot is not None and slot.visit is not None
    page = client.get(reverse("planner:detail", args=[plan.pk]))
    assert b'data-testid="plan-changed"' not in page.content
    visit_actions.cancel_visit(visit=slot.visit, actor=budi, reason="Bupati dinas ke Jakarta")
    page = client.get(reverse("planner:detail", args=[plan.pk]))
    assert [s.pk for s in page.context["changed"]] == [slot.pk]
    assert "Bupati dinas ke Jakarta" in page.content.decode()


def test_the_django_admin_shows_plans_read_only(plan: Plan) -> None:
    admin_user = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client = client_for(admin_user)
    assert client.get("/admin/planner/plan/").status_code == 200
    assert client.get(f"/admin/planner/plan/{plan.pk}/change/").status_code == 200
    assert client.get("/admin/planner/plan/add/").status_code == 403
    assert client.get("/admin/planner/villageprofile/").status_code == 200
