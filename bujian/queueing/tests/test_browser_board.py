"""The TV board in Debian's Chromium: a call made after the page opened shows within
a few seconds, and the board fetches its spoken call."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import ServiceFactory
from bujian.queueing import actions, voice
from bujian.queueing.tests.test_board import booth, open_hall, queue_residents
from bujian.regions.models import Regency, Village

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _voice_dir(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def test_the_tv_board_shows_a_new_call_and_plays_its_voice(
    page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    disdukcapil: Agency,
    samsat: Agency,
) -> None:
    if not voice.is_available():
        pytest.skip("eSpeak NG is not available (espeakng-loader library, espeak-ng command)")
    visit = open_hall(regency, village, budi, [disdukcapil, samsat])
    queue_residents(visit, ServiceFactory.create(agency=disdukcapil), 2, budi)
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if "/state.json" in r.url else None)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_url}/antrian/papan/{visit.pk}/")
    expect(page.locator("#board-now [data-slot=label]")).to_have_text("—")
    expect(page.locator("[data-booth] [data-slot=waiting]").first).to_have_text("2")
    page.locator("#board-activate").click()
    expect(page.locator("#board-activate")).to_be_hidden()
    page.wait_for_timeout(1500)
    assert 304 in polls  # nothing moved yet: answered from the cache

    voice_url = re.compile(rf"/antrian/papan/{visit.pk}/suara/\d+\.wav$")
    with page.expect_request(voice_url, timeout=3000) as clip_request:
        ticket = actions.call_next(booth=booth(visit, "A"), actor=siti)
        assert ticket is not None
        expect(page.locator("#board-now [data-slot=label]")).to_have_text("A-001", timeout=3000)
    assert clip_request.value.url.endswith(f"/suara/{ticket.pk}.wav")
    card = page.locator(f"[data-booth='{ticket.booth_id}']")
    expect(card.locator("[data-slot=current]")).to_have_text("A-001")
    expect(card.locator("[data-slot=waiting]")).to_have_text("1")
    expect(card).to_have_class(re.compile("is-new"))

    # A recall says the number again.
    with page.expect_request(voice_url, timeout=4000):
        actions.recall(ticket=ticket, actor=siti)


def test_the_board_fits_a_phone_and_remembers_sound_off(
    mobile_page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    budi: User,
    disdukcapil: Agency,
    samsat: Agency,
) -> None:
    visit = open_hall(regency, village, budi, [disdukcapil, samsat])
    mobile_page.goto(f"{live_url}/antrian/papan/{visit.pk}/")
    mobile_page.locator("#board-activate").click()
    sound = mobile_page.locator("#board-sound")
    expect(sound).to_have_attribute("aria-pressed", "true")
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "false")
    mobile_page.reload()
    expect(mobile_page.locator("#board-sound")).to_have_attribute("aria-pressed", "false")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
