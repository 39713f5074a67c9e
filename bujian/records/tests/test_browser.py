"""Document handover in Debian's Chromium (see bujian/browser_testing.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.browser_testing import login
from bujian.records.models import Document, DocumentHandover
from bujian.records.tests.factories import DocumentFactory, ResidentFactory
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import VillageFactory
from bujian.residents.nik import make_nik
from bujian.visits.actions import local_today
from bujian.visits.models import Visit
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

pytestmark = pytest.mark.browser

PROXY_NIK = make_nik("17.01.05", dt.date(1988, 3, 12), "L", 21)


@pytest.fixture
def visit(regency: Regency, village: Village, disdukcapil: Agency) -> Visit:
    """Today's visit to Kayu Kunyit, in the kecamatan of Padang Kapuk."""
    host = VillageFactory.create(
        district=village.district, code="17.01.05.2002", name="Kayu Kunyit"
    )
    today = local_today(regency)
    visit = VisitFactory.create(
        regency=regency, village=host, start_date=today, end_date=today, status="ongoing"
    )
    ParticipationFactory.create(visit=visit, agency=disdukcapil)
    return visit


def test_disdukcapil_operator_hands_over_a_ktp_to_a_proxy_at_the_visit(
    page: Page, live_url: str, siti: User, visit: Visit, village: Village, disdukcapil: Agency
) -> None:
    resident = ResidentFactory.create(village=village, full_name="Rina Marlina")
    ktp = DocumentFactory.create(resident=resident, agency=disdukcapil, number="1701-KTP-0042")

    login(page, live_url, "siti", TEST_PASSWORD)
    page.goto(f"{live_url}/dokumen/kunjungan/{visit.pk}/")
    card = page.get_by_test_id(f"document-{ktp.pk}")
    expect(card).to_contain_text("Rina Marlina")
    expect(card).not_to_contain_text(resident.national_id)  # masked
    proxy_fields = card.get_by_test_id("proxy-fields")
    expect(proxy_fields).to_be_hidden()

    card.locator("input[value='proxy']").check()
    expect(proxy_fields).to_be_visible()
    proxy_fields.locator("input[name$='-proxy_name']").fill("Ahmad Yani")
    proxy_fields.locator("input[name$='-proxy_national_id']").fill(PROXY_NIK)
    card.locator("button[type='submit']").click()
    # The server refuses a proxy without a relationship; the card keeps what was typed.
    relationship = card.locator("input[name$='-proxy_relationship']")
    expect(card.locator(".errorlist")).to_be_visible()
    expect(card.locator("input[name$='-proxy_name']")).to_have_value("Ahmad Yani")
    assert not DocumentHandover.objects.exists()

    relationship.fill("Suami")
    card.locator("button[type='submit']").click()
    expect(card).to_have_attribute("data-status", "handed_over")
    expect(card.get_by_test_id("document-status")).to_have_text(
        re.compile("Diserahkan|Handed over")
    )
    expect(card.get_by_test_id("handover-summary")).to_contain_text("Ahmad Yani")
    expect(card).not_to_contain_text(PROXY_NIK)

    handover = DocumentHandover.objects.get()
    assert handover.document == ktp and handover.visit == visit
    assert handover.recipient == DocumentHandover.Recipient.PROXY
    assert (handover.proxy_name, handover.proxy_national_id, handover.proxy_relationship) == (
        "Ahmad Yani",
        PROXY_NIK,
        "Suami",
    )
    assert handover.handed_over_by == siti
    ktp.refresh_from_db()
    assert ktp.status == Document.Status.HANDED_OVER

    page.reload()
    expect(page.get_by_test_id(f"document-{ktp.pk}")).to_have_attribute(
        "data-status", "handed_over"
    )


def test_the_village_office_list_fits_a_phone(
    mobile_page: Page, live_url: str, kades: User, village: Village, disdukcapil: Agency
) -> None:
    DocumentFactory.create(
        resident=ResidentFactory.create(village=village, full_name="Rina Marlina"),
        agency=disdukcapil,
    )
    page = mobile_page
    login(page, live_url, "kades", TEST_PASSWORD)
    page.goto(f"{live_url}/dokumen/desa/{village.pk}/")
    expect(page.get_by_test_id("office-list")).to_contain_text("Rina Marlina")
    # the table scrolls inside its wrapper; the page itself does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
