"""The main flows of the foundation, in Debian's Chromium (see bujian/browser_testing.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.browser_testing import login
from bujian.regions.models import Regency, Village
from bujian.visits import actions
from bujian.visits.models import Participation, Visit

pytestmark = pytest.mark.browser


def test_program_admin_plans_a_visit_and_sees_every_opd_invited(
    page: Page, live_url: str, budi: User, regency: Regency, village: Village, disdukcapil: Agency
) -> None:
    others = AgencyFactory.create_batch(5, regencies=[regency])
    start = actions.local_today(regency) + dt.timedelta(days=21)
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/kunjungan/staf/baru/")
    page.select_option("#id_village", str(village.pk))
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", (start + dt.timedelta(days=1)).isoformat())
    page.fill("#id_venue", "Balai Desa Padang Kapuk")
    page.locator("form.card button[type=submit]").click()

    expect(page.get_by_test_id("invited-count")).to_have_text(str(len(others) + 1))
    for agency in [disdukcapil, *others]:
        expect(page.locator(f"tr[data-agency='{agency.code}']")).to_be_visible()
    visit = Visit.objects.get()
    assert visit.participations.filter(mandatory=True).count() == len(others) + 1

    page.get_by_role("button", name="Umumkan").click()
    expect(page.get_by_test_id("visit-status")).to_have_text("Diumumkan")


def test_program_admin_sees_a_clear_message_for_a_past_date(
    page: Page, live_url: str, budi: User, village: Village
) -> None:
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/kunjungan/staf/baru/")
    page.select_option("#id_village", str(village.pk))
    page.fill("#id_start_date", "2020-01-06")
    page.fill("#id_end_date", "2020-01-06")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("sudah lewat")
    assert Visit.objects.count() == 0


def test_agency_operator_confirms_services_and_checks_in(
    page: Page,
    live_url: str,
    siti: User,
    budi: User,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP-CETAK", name="Pencetakan KTP-el")
    ServiceFactory.create(agency=disdukcapil, code="DUK-KK", name="Penerbitan KK")
    today = actions.local_today(regency)
    visit = actions.plan_visit(
        regency=regency, village=village, start_date=today, end_date=today, created_by=budi
    )
    actions.announce_visit(visit=visit, actor=budi)
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)

    login(page, live_url, "siti", TEST_PASSWORD)
    page.get_by_role("link", name="Konfirmasi").click()
    page.get_by_label("Pencetakan KTP-el").check()
    page.fill("#id_staff-0-name", "Rina Marlina")
    page.fill("#id_staff-0-nip", "198001012005012001")
    page.fill("#id_equipment", "Printer KTP-el, blangko 50 lembar")
    page.get_by_role("button", name="Konfirmasi keikutsertaan").click()
    expect(page.get_by_test_id("participation-status")).to_have_text("Terkonfirmasi")

    page.get_by_role("button", name="Absen datang sekarang").click()
    expect(page.get_by_test_id("attendance")).to_have_text("Hadir")
    participation.refresh_from_db()
    assert participation.status == Participation.Status.CONFIRMED
    assert list(participation.services.all()) == [ktp]
    assert participation.attendance == Participation.Attendance.PRESENT
    assert participation.checkins.count() == 1


def test_resident_finds_what_to_bring_on_the_public_schedule(
    mobile_page: Page,
    live_url: str,
    budi: User,
    regency: Regency,
    village: Village,
    siti: User,
    disdukcapil: Agency,
) -> None:
    akta = ServiceFactory.create(agency=disdukcapil, code="DUK-AKTA-LAHIR", name="Akta kelahiran")
    RequirementFactory.create(service=akta, text="Surat keterangan kelahiran dari bidan")
    day = actions.local_today(regency) + dt.timedelta(days=10)
    visit = actions.plan_visit(
        regency=regency, village=village, start_date=day, end_date=day, created_by=budi
    )
    actions.announce_visit(visit=visit, actor=budi)
    actions.confirm_participation(
        participation=Participation.objects.get(visit=visit, agency=disdukcapil),
        actor=siti,
        services=[akta],
        staff=[actions.StaffEntry(name="Rina")],
    )
    page = mobile_page
    page.goto(live_url + "/")
    expect(page.get_by_role("heading", name="Kecamatan Kota Manna")).to_be_visible()
    page.get_by_role("link", name="Padang Kapuk").first.click()
    expect(page.get_by_text("Surat keterangan kelahiran dari bidan")).to_be_visible()
    expect(page.get_by_text("Gratis").first).to_be_visible()
    # 360 px wide: nothing forces the page to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_compliance_ledger_shows_the_absent_agency(
    page: Page,
    live_url: str,
    bupati: User,
    budi: User,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
) -> None:
    perkim = AgencyFactory.create(code="perkim", short_name="Perkim", regencies=[regency])
    day = dt.date(2026, 10, 7)
    visit = actions.plan_visit(
        regency=regency,
        village=village,
        start_date=day,
        end_date=day,
        created_by=budi,
        allow_past=True,
    )
    actions.announce_visit(visit=visit, actor=budi)
    actions.check_in(
        visit=visit,
        agency=disdukcapil,
        actor=budi,
        now=dt.datetime(2026, 10, 7, 7, 45, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    )
    actions.finish_visit(visit=visit, actor=budi)

    login(page, live_url, "bupati", TEST_PASSWORD)
    page.goto(f"{live_url}/kunjungan/kepatuhan/")
    summary = page.get_by_test_id("absent-summary")
    expect(summary).to_contain_text("Perkim")
    first_row = page.get_by_test_id("ledger").locator("tbody tr").first
    expect(first_row).to_have_attribute("data-agency", perkim.code)
    expect(first_row.locator(".badge--absent")).to_have_text("1")
