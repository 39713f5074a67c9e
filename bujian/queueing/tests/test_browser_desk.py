"""The registration desk and the resident's status page, in Debian's Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.browser_testing import login
from bujian.queueing import actions
from bujian.queueing.models import VisitTicket
from bujian.queueing.tests.test_desk import make_resident
from bujian.regions.models import Regency, Village
from bujian.residents.models import Registration
from bujian.visits import actions as visit_actions
from bujian.visits.models import Visit

pytestmark = pytest.mark.browser

AHEAD = re.compile(r"orang lagi di depan Anda|people are ahead of you")
NEXT = re.compile(r"Anda berikutnya|you are next")


def open_visit_today(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> Visit:
    """Today's visit with Disdukcapil (booth A) and Samsat (booth B) present."""
    from bujian.agencies.tests.factories import ServiceFactory

    ServiceFactory.create(agency=disdukcapil, code="DUK-KTP", name="Pencetakan KTP-el")
    ServiceFactory.create(agency=samsat, code="SAM-STNK", name="Pengesahan STNK")
    today = visit_actions.local_today(regency)
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=today, end_date=today, created_by=budi
    )
    visit_actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    for agency in (disdukcapil, samsat):
        visit_actions.check_in(visit=visit, agency=agency, actor=budi)
        actions.open_booth(participation=visit.participations.get(agency=agency), actor=budi)
    return visit


def test_desk_registers_a_walk_in_with_two_services_and_prints_the_ticket(
    page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    disdukcapil: Agency,
    samsat: Agency,
) -> None:
    visit = open_visit_today(regency, village, budi, disdukcapil, samsat)
    nik = "1701055403850021"  # a woman born 14-03-1985, registered in Kota Manna

    login(page, live_url, "siti", TEST_PASSWORD)
    page.goto(f"{live_url}/antrian/meja/{visit.pk}/")
    page.fill("#id_q", nik)  # live search: nobody yet
    expect(page.locator("#results a[href*='/baru/']")).to_be_visible()
    page.locator("#results a[href*='/baru/']").click()

    expect(page.locator("#id_national_id")).to_have_value(nik)
    page.fill("#id_full_name", "Rahmawati Putri")
    page.check("input[name='sex'][value='P']")
    page.fill("#id_birth_date", "1985-03-14")
    page.fill("#id_phone", "0812-3456-7890")
    page.check("#id_phone_consent")
    page.locator("[data-testid='walk-in-form'] button[type='submit']").click()

    page.get_by_label("Pencetakan KTP-el").check()
    page.get_by_label("Pengesahan STNK").check()
    page.get_by_test_id("issue").click()

    labels = page.get_by_test_id("ticket-labels")
    expect(labels.locator("[data-label='A-001']")).to_be_visible()
    expect(labels.locator("[data-label='B-001']")).to_be_visible()
    visit_ticket = VisitTicket.objects.get(visit=visit)
    assert visit_ticket.registration is not None
    assert visit_ticket.registration.source == Registration.Source.WALK_IN

    page.get_by_test_id("print-58").click()
    ticket = page.get_by_test_id("ticket")
    expect(ticket).to_have_attribute("data-width", "58")
    expect(ticket.locator("[data-label='A-001']")).to_contain_text("Disdukcapil")
    expect(ticket.locator("[data-label='B-001']")).to_contain_text("Samsat")
    expect(ticket.locator("svg.qr")).to_be_visible()
    expect(ticket).to_contain_text("Rahmawati")
    expect(ticket).not_to_contain_text("Putri")
    expect(ticket).not_to_contain_text(nik)
    expect(ticket).to_contain_text("1701••••••••0021")
    # The QR is drawn on the server: one inline SVG, a few centimetres wide.
    box = ticket.locator("svg.qr").bounding_box()
    assert box is not None and 100 < box["width"] < 200

    page.goto(f"{live_url}/antrian/tiket/{visit_ticket.uuid}/cetak/?lebar=80")
    expect(page.get_by_test_id("ticket")).to_have_attribute("data-width", "80")
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.get_by_test_id("print-button")).to_be_visible()


def test_resident_follows_the_queue_on_a_phone(
    mobile_page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    disdukcapil: Agency,
    samsat: Agency,
) -> None:
    visit = open_visit_today(regency, village, budi, disdukcapil, samsat)
    ktp = disdukcapil.services.get()
    tickets = [
        actions.issue_visit_ticket(
            visit=visit,
            resident=make_resident(village, name, 60 + i),
            services=[ktp],
            issued_by=siti,
        )
        for i, name in enumerate(["Ani", "Badu", "Citra Lestari"])
    ]
    page = mobile_page
    page.goto(f"{live_url}/antrian/status/{tickets[2].uuid}/")

    place = page.locator("[data-label='A-003']")
    expect(place).to_contain_text(AHEAD)
    expect(place).to_contain_text("2")
    expect(page.locator("h1")).to_contain_text("Citra")
    expect(page.locator("body")).not_to_contain_text("Lestari")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The polls answer 304 while nothing moves, and the page keeps its content.
    def not_modified(response: Response) -> bool:
        return "/antrian/status/" in response.url and response.status == 304

    with page.expect_response(not_modified, timeout=15_000):
        pass
    expect(place).to_contain_text(AHEAD)

    # Two booths call: the page updates by itself.
    booth = visit.booths.get(prefix="A")
    actions.call_next(booth=booth, actor=siti)
    actions.call_next(booth=booth, actor=siti)
    expect(page.locator("[data-label='A-003']")).to_contain_text(NEXT, timeout=15_000)
