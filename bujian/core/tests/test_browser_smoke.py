"""The browser harness works: pages load with their own assets and nothing from outside."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response

from bujian.browser_testing import PageGuard, PageProblem

# The public schedule shows the home regency, so every test here needs it in the database.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("regency")]


def _open_home(page: Page, live_url: str) -> list[Response]:
    responses: list[Response] = []
    # Playwright tags its handlers with an attribute, which a bound builtin cannot take.
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{live_url}/", wait_until="load")
    return responses


def test_home_page_loads_with_its_stylesheet(page: Page, live_url: str) -> None:
    responses = _open_home(page, live_url)

    assert page.title().strip()
    stylesheet = [r for r in responses if r.url.endswith("/static/bujian/app.css")]
    assert [r.status for r in stylesheet] == [200]


def test_home_page_fits_a_phone(mobile_page: Page, live_url: str) -> None:
    _open_home(mobile_page, live_url)

    page_width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 360


def test_guard_catches_an_image_from_outside(
    page: Page, live_url: str, page_guard: PageGuard
) -> None:
    _open_home(page, live_url)
    page_guard.check()  # the page itself is clean

    with page.expect_event("requestfailed") as failed:
        page.evaluate(
            """() => {
                const img = document.createElement("img");
                img.src = "https://example.com/x.png";
                document.body.append(img);
            }"""
        )

    assert failed.value.url == "https://example.com/x.png"
    # Two locks on one door: the Content-Security-Policy blocks the image (a console
    # error), and the guard notices the request to another host.
    with pytest.raises(PageProblem, match=r"example\.com/x\.png") as problem:
        page_guard.check()
    assert "Content Security Policy" in str(problem.value)
    page_guard.check()  # reported once, so the teardown passes


def test_guard_catches_a_javascript_exception(
    page: Page, live_url: str, page_guard: PageGuard
) -> None:
    _open_home(page, live_url)

    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('boom'); }, 0); }")

    with pytest.raises(PageProblem, match="boom"):
        page_guard.check()


def test_the_stylesheet_parses_whole(page: Page, live_url: str) -> None:
    """A stray comment end once left the browser with no rules at all; the page still
    loaded the file with status 200, so only parsing shows it."""
    page.goto(live_url + "/")
    rules = page.evaluate(
        "[...document.styleSheets].filter(s => (s.href || '').includes('app.css'))"
        ".map(s => s.cssRules.length)[0]"
    )
    assert rules > 100
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--color-primary').trim()"
    )
    assert primary
