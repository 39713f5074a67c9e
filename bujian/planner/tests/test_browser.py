"""The planner in Debian's Chromium (see bujian/browser_testing.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.browser_testing import login
from bujian.planner import actions
from bujian.planner.engine import add_months
from bujian.planner.models import Plan
from bujian.regions.models import Regency, Village
from bujian.visits.actions import local_today
from bujian.visits.models import Visit

pytestmark = pytest.mark.browser


def test_admin_sets_the_rules_runs_the_planner_sees_the_calendar_and_accepts_it(
    page: Page,
    live_url: str,
    budi: User,
    regency: Regency,
    villages: list[Village],
    disdukcapil: Agency,
) -> None:
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/rencana/")
    page.get_by_role("link", name="Rencanakan rotasi").click()
    start = dt.date.fromisoformat(page.input_value("#id_period_start"))
    page.fill("#id_period_end", (add_months(start, 3) - dt.timedelta(days=1)).isoformat())
    page.fill("#id_min_visits_per_district", "1")
    page.check("input[name=weekdays][value='4']")  # Fridays too
    page.fill("#id_max_long_trips_per_month", "")
    page.fill("#id_time_limit_seconds", "5")
    page.get_by_role("button", name="Jalankan perencana").click()

    expect(page.get_by_test_id("plan-badge")).to_have_text("Siap")
    expect(page.get_by_test_id("plan-checked")).to_be_visible()
    expect(page.get_by_test_id("cal-visit")).to_have_count(6)
    plan = Plan.objects.get()
    first = plan.slots.order_by("start_date").select_related("village").first()
    assert first is not None
    expect(page.get_by_test_id("plan-calendar")).to_contain_text(first.village.name)

    page.get_by_role("link", name="Per kecamatan").click()
    expect(page.get_by_test_id("plan-districts")).to_contain_text(first.reason)
    page.get_by_role("link", name="Cakupan").click()
    expect(page.get_by_test_id("plan-coverage")).to_be_visible()

    page.get_by_test_id("accept-plan").click()
    expect(page.locator(".messages")).to_contain_text("6 draf kunjungan dibuat")
    expect(page.get_by_test_id("plan-badge")).to_have_text("Diterima")
    assert Visit.objects.filter(status=Visit.Status.DRAFT).count() == 6
    assert Visit.objects.filter(participations__agency=disdukcapil).count() == 6


def test_the_page_shows_progress_then_the_plan_when_the_worker_finishes(
    page: Page, live_url: str, budi: User, regency: Regency, villages: list[Village]
) -> None:
    start = add_months(local_today(regency).replace(day=1), 1)
    plan = Plan.objects.create(
        regency=regency,
        period_start=start,
        period_end=add_months(start, 2) - dt.timedelta(days=1),
        min_visits_per_district=1,
        time_limit_seconds=5,
        created_by=budi,
    )
    actions.save_progress(plan.pk, stage="queued", percent=0)
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/rencana/{plan.pk}/")
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "queued")
    expect(page.get_by_role("status")).to_contain_text("Perencana dalam antrean")

    actions.run_plan(plan.pk)  # what the worker does

    expect(page.get_by_test_id("plan-badge")).to_have_text("Siap", timeout=10_000)
    expect(page.get_by_test_id("cal-visit")).to_have_count(4)


def test_the_calendar_reads_on_a_phone(
    mobile_page: Page, live_url: str, budi: User, regency: Regency, villages: list[Village]
) -> None:
    start = add_months(local_today(regency).replace(day=1), 1)
    plan = actions.create_plan(
        regency=regency,
        actor=budi,
        rules=actions.PlanRules(
            period_start=start,
            period_end=add_months(start, 2) - dt.timedelta(days=1),
            time_limit_seconds=5,
        ),
    )
    login(mobile_page, live_url, "budi", TEST_PASSWORD)
    mobile_page.goto(f"{live_url}/rencana/{plan.pk}/")
    expect(mobile_page.get_by_test_id("cal-visit")).to_have_count(4)
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 1, f"the page scrolls sideways ({width}px)"


def test_admin_marks_a_village_urgent_and_it_leads_the_needs(
    page: Page, live_url: str, budi: User, villages: list[Village]
) -> None:
    village = villages[4]
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/rencana/desa/")
    page.get_by_role("link", name=village.name).click()
    page.select_option("#id_priority", "urgent")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".field--error")).to_contain_text("Tulis alasan")
    page.fill("#id_reason", "Jembatan putus")
    page.fill("#id_population", "2500")
    page.get_by_role("button", name="Simpan").click()
    first_row = page.get_by_test_id("needs").locator("tbody tr").first
    expect(first_row).to_contain_text(village.name)
    expect(first_row).to_contain_text("prioritas mendesak: Jembatan putus")
