"""A booth calls, serves and refers a resident; the other booth sees them arrive
(in Debian's Chromium, see bujian/browser_testing.py)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.browser_testing import login
from bujian.queueing import actions
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_actions import make_hall
from bujian.queueing.views_booth import POLL_SECONDS
from bujian.records.models import ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.actions import local_today

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("BUJIAN_SHOTS", "")  # a folder for screenshots, when asked


def test_a_booth_calls_serves_and_refers_a_resident_to_another_booth(
    page: Page,
    mobile_page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
    samsat: Agency,
    budi: User,
    siti: User,
    andi: User,
) -> None:
    today = local_today(regency)
    hall = make_hall(
        regency=regency,
        village=village,
        disdukcapil=disdukcapil,
        samsat=samsat,
        actor=budi,
        start=today,
        end=today,
    )
    rina = ResidentFactory.create(village=village, full_name="Rina Marlina")
    actions.issue_visit_ticket(visit=hall.visit, resident=rina, services=[hall.ktp], issued_by=budi)
    joko = ResidentFactory.create(village=village, full_name="Joko Susilo")
    actions.issue_visit_ticket(visit=hall.visit, resident=joko, services=[hall.pkb], issued_by=budi)

    # Andi watches the Samsat queue on his phone: Joko waits there.
    login(mobile_page, live_url, "andi", TEST_PASSWORD)
    mobile_page.goto(f"{live_url}/antrian/loket/{hall.samsat.pk}/layani/")
    samsat_rows = mobile_page.locator("[data-testid=waiting-list] tbody tr")
    expect(samsat_rows).to_have_count(1)
    expect(samsat_rows.first).to_have_attribute("data-ticket", "B-001")
    # Its poll is answered 304 while nothing moves (a second try, in case the first
    # poll crossed a minute, which renews the tag), and the list stays on screen.
    statuses = []
    for _ in range(2):
        with mobile_page.expect_response(lambda r: "/layani/antrean/" in r.url) as poll:
            pass
        statuses.append(poll.value.status)
        if statuses[-1] == 304:
            break
    assert statuses[-1] == 304, statuses
    expect(samsat_rows).to_have_count(1)

    # Siti calls Rina at Disdukcapil, starts the service and refers her to Samsat.
    login(page, live_url, "siti", TEST_PASSWORD)
    page.goto(f"{live_url}/antrian/loket/{hall.dukcapil.pk}/layani/")
    page.get_by_test_id("call-next").click()
    ticket = page.get_by_test_id("current-ticket")
    expect(ticket).to_have_attribute("data-ticket", "A-001")
    expect(page.get_by_test_id("current-resident")).to_have_text("Rina Marlina")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()  # nobody else waits here
    page.get_by_test_id("start-service").click()
    expect(ticket).to_have_attribute("data-status", "serving")
    row = page.locator(f"[data-testid=outcome-row][data-service='{hall.ktp.code}']")
    row.locator("input[value=referred]").check()
    row.locator("select[name$='-referred_to']").select_option(str(hall.samsat.pk))
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/booth-desktop.png", full_page=True)
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("booth-notice")).to_contain_text("A-001")
    expect(page.get_by_test_id("call-next")).to_be_visible()
    assert ServiceRecord.objects.get().outcome == ServiceRecord.Outcome.REFERRED

    # Without a reload, Samsat's list shows Rina first: she keeps her original place.
    # The list polls every POLL_SECONDS, so the change may take a whole interval plus the
    # answer's time to show (expect's own 5 s timeout is exactly one interval).
    expect(samsat_rows).to_have_count(2, timeout=(3 * POLL_SECONDS) * 1000)
    expect(samsat_rows.first).to_have_attribute("data-ticket", "B-002")
    expect(samsat_rows.first).to_contain_text("Rina Marlina")
    mobile_page.get_by_test_id("call-next").click()
    expect(mobile_page.get_by_test_id("current-ticket")).to_have_attribute("data-ticket", "B-002")
    if SHOTS:
        mobile_page.screenshot(path=f"{SHOTS}/booth-phone.png", full_page=True)
    referred = Ticket.objects.get(booth=hall.samsat, visit_ticket__resident=rina)
    assert referred.status == Ticket.Status.CALLED and referred.called_by == andi
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the booth screen must fit a 360 px phone"

    # Siti's dashboard shows her booth only, with the service finished.
    page.locator(f"a[href='/antrian/dasbor/{hall.visit.pk}/']").first.click()
    booth_row = page.locator("[data-testid=booth-table] tbody tr")
    expect(booth_row).to_have_count(1)
    expect(booth_row.locator("[data-testid=served]")).to_have_text("1")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/dashboard.png", full_page=True)
