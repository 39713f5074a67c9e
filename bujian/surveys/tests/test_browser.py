"""A resident fills the survey on the kiosk tablet at the exit, and on their phone
through the QR on the ticket, in Debian's Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency, Service
from bujian.browser_testing import PageGuard, _open_page, login
from bujian.queueing import actions as queue_actions
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_browser_desk import open_visit_today
from bujian.queueing.tests.test_desk import make_resident
from bujian.records.models import ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.surveys import views
from bujian.surveys.models import SurveyResponse
from bujian.visits.models import Visit

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}
ANSWERS = ["Sangat sesuai", "Mudah", "Kurang cepat", "Gratis", "Sesuai", "Kompeten"]


@pytest.fixture
def tablet_page(
    browser: Browser, page_guard: PageGuard, _browser_static_files: None
) -> Iterator[Page]:
    """A tablet in portrait (800x1280), like the kiosk at the exit."""
    yield from _open_page(browser, page_guard, TABLET)


def served_ticket(visit: Visit, village: Village, siti: User, serial: int) -> Ticket:
    service = Service.objects.get(code="DUK-KTP")
    resident = make_resident(village, f"Warga {serial}", 200 + serial)
    visit_ticket = queue_actions.issue_visit_ticket(
        visit=visit, resident=resident, services=[service], issued_by=siti
    )
    ticket = visit_ticket.tickets.get()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.DONE, finished_at=timezone.now()
    )
    ServiceRecord.objects.create(
        ticket=ticket, service=service, outcome=ServiceRecord.Outcome.COMPLETED
    )
    return ticket


def fill_questionnaire(page: Page) -> None:
    page.locator("label.choice:has(input[name='sex'][value='P'])").click()
    page.fill("input[name='age']", "46")
    page.locator("label.choice:has(input[name='education'][value='smp'])").click()
    page.locator("label.choice:has(input[name='occupation'][value='lainnya'])").click()
    page.fill("input[name='occupation_other']", "Petani")
    for position in range(1, 10):
        question = page.locator(f"fieldset[data-element='U{position}']")
        # U1..U6 by their labels; the rest "the third answer" (score 3).
        if position <= len(ANSWERS):
            question.get_by_text(ANSWERS[position - 1], exact=True).click()
        else:
            question.locator("label.choice").nth(2).click()
    page.fill("textarea[name='suggestion']", "Tenda kurang besar.")


def test_resident_fills_the_survey_on_the_kiosk_tablet(
    tablet_page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    disdukcapil: Agency,
    samsat: Agency,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "KIOSK_RESET_SECONDS", 1)
    monkeypatch.setattr(views, "KIOSK_IDLE_SECONDS", 3)
    visit = open_visit_today(regency, village, budi, disdukcapil, samsat)
    ticket = served_ticket(visit, village, siti, 1)
    page = tablet_page

    # A staff member opens kiosk mode for the visit and hands the tablet over.
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/survei/kunjungan/{visit.pk}/kios/")
    page.get_by_test_id("kiosk-open").locator("button[type='submit']").click()
    expect(page.get_by_test_id("kiosk-lookup")).to_be_visible()
    assert page.locator(".staff-nav").count() == 0  # logged out, no staff menu

    # The resident types their number.
    page.fill("input[name='number']", "a-001")
    page.get_by_test_id("kiosk-lookup").locator("button[type='submit']").click()
    form = page.get_by_test_id("kiosk-form")
    expect(form).to_be_visible()
    about = re.compile(r"Disdukcapil \((nomor|number) A-001\)")
    expect(page.locator("main .lead")).to_contain_text(about)

    # Big touch targets, and nothing wider than the tablet.
    box = page.locator("label.choice").first.bounding_box()
    assert box is not None and box["height"] >= 64
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    # Sending with a question left open shows where, and keeps what was chosen.
    page.locator("label.choice:has(input[name='sex'][value='P'])").click()
    form.locator("button[type='submit']").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.locator("input[name='sex'][value='P']")).to_be_checked()
    assert not SurveyResponse.objects.exists()

    fill_questionnaire(page)
    page.get_by_test_id("kiosk-form").locator("button[type='submit']").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()

    # The screen resets itself for the next resident.
    expect(page.get_by_test_id("kiosk-lookup")).to_be_visible(timeout=5000)
    saved = SurveyResponse.objects.get()
    assert saved.ticket_id == ticket.pk
    assert saved.channel == SurveyResponse.Channel.KIOSK
    assert saved.answers == (4, 3, 2, 4, 3, 3, 3, 3, 3)
    assert (saved.sex, saved.age, saved.occupation_other) == ("P", 46, "Petani")

    # The same number again: already answered, nothing to choose.
    page.fill("input[name='number']", "A-001")
    page.get_by_test_id("kiosk-lookup").locator("button[type='submit']").click()
    expect(page.get_by_test_id("kiosk-choices")).to_contain_text(
        re.compile("survei sudah diisi|survey has been filled in")
    )
    assert SurveyResponse.objects.count() == 1

    # A resident who walks away mid-questionnaire: the screen goes back to the start.
    walker = served_ticket(visit, village, siti, 3)
    page.goto(page.url)
    page.fill("input[name='number']", walker.label)
    page.get_by_test_id("kiosk-lookup").locator("button[type='submit']").click()
    expect(page.get_by_test_id("kiosk-form")).to_be_visible()
    page.locator("label.choice:has(input[name='sex'][value='L'])").click()
    expect(page.get_by_test_id("kiosk-lookup")).to_be_visible(timeout=8000)
    assert SurveyResponse.objects.count() == 1


def test_resident_rates_through_the_qr_on_their_phone(
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
    ticket = served_ticket(visit, village, siti, 2)
    page = mobile_page

    page.goto(f"{live_url}/antrian/status/{ticket.visit_ticket.uuid}/")
    page.get_by_test_id("survey-link").click()
    fill_questionnaire(page)
    page.locator("form.survey-form button[type='submit']").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(f"{live_url}/antrian/status/{ticket.visit_ticket.uuid}/")
    expect(page.get_by_test_id("survey-done")).to_be_visible()
    assert SurveyResponse.objects.get().channel == SurveyResponse.Channel.QR
