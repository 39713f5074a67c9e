"""Playwright harness for Bujian's browser tests, loaded as a pytest plugin.

Every page is opened in Debian's Chromium (``/usr/bin/chromium``; ``playwright install``
cannot download browsers here) against pytest-django's ``live_server``. A guard watches
each page and fails the test when the page

- asks for anything that is not on the live server (the field laptop has no internet,
  so every asset must be served by Bujian itself: PRODUCT.md, "Offline by default");
  such requests are aborted and listed;
- throws a JavaScript exception, or logs a console message of type ``error``
  (which includes a 404 for a stylesheet, script or image).

Usage::

    @pytest.mark.browser
    def test_officer_logs_in(page: Page, live_url: str, siti: User) -> None:
        login(page, live_url, "siti", "secret")
        ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route
    from pytest_django import Settings
    from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an asyncio event loop in the test thread, so Django refuses
# ORM calls there (SynchronousOnlyOperation) unless told that this thread is safe. It is:
# the loop only talks to the browser, never to the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the test runner is often root in a container
    "--disable-gpu",
    # No calls home: updates, sync and QUIC probes would otherwise show up as
    # requests to the internet, or slow the start on a machine without one.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}  # a cheap Android phone, PRODUCT.md
TIMEOUT_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    # Tests never run collectstatic, so whitenoise finds no STATIC_ROOT and warns each
    # time middleware loads (test client, live server); warnings are errors here.
    # The live server serves /static/ from the finders instead (see below).
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


class PageProblem(AssertionError):
    """A page loaded something from outside, threw, or logged an error."""


@dataclass
class PageGuard:
    """Records what a page must not do; ``check()`` turns the records into a failure."""

    allowed_hosts: frozenset[str]
    external_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return (parts.hostname or "") in self.allowed_hosts

    def route(self, route: Route) -> None:
        url = route.request.url
        if self.is_local(url):
            route.continue_()
        else:
            self.external_requests.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # An aborted external request also logs "Failed to load resource"; it is
        # already listed as an external request, so do not report it twice.
        source = message.location.get("url", "") if message.location else ""
        if source and not self.is_local(source):
            return
        where = f" ({source}:{message.location.get('lineNumber')})" if source else ""
        self.errors.append(f"console error: {message.text}{where}")

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"JavaScript exception: {error}")

    def watch(self, context: BrowserContext) -> None:
        """Attach the guard to a browser context and every page opened in it."""
        context.route("**/*", self.route)
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)

    def check(self) -> None:
        """Raise ``PageProblem`` listing everything recorded since the last check.

        The records are cleared when they are reported, so a test that provokes a
        problem on purpose can assert the raise and still pass its teardown.
        """
        lines = [f"request to outside the live server: {r}" for r in self.external_requests]
        lines += self.errors
        self.external_requests.clear()
        self.errors.clear()
        if lines:
            raise PageProblem("The page did what Bujian pages must not do:\n" + "\n".join(lines))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_url(live_server: LiveServer) -> str:
    return str(live_server.url)


@pytest.fixture
def page_guard(live_server: LiveServer) -> PageGuard:
    host = urlsplit(live_server.url).hostname or ""
    return PageGuard(allowed_hosts=LOCAL_HOSTS | {host})


@pytest.fixture
def _browser_static_files(settings: Settings) -> None:
    """Let ``{% static %}`` name the source files that the live server serves.

    Outside DEBUG, settings use whitenoise's manifest storage, which needs a
    ``collectstatic`` run and hashed names. pytest-django's live server serves
    ``/static/`` with Django's StaticFilesHandler straight from the finders, so
    plain names are what it can answer.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _open_page(browser: Browser, guard: PageGuard, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        viewport=viewport,  # type: ignore[arg-type]
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    guard.watch(context)
    page = context.new_page()
    try:
        yield page
    finally:
        # Closing the context delivers the events still in flight, then the check
        # fails the test (at teardown) for anything the page did wrong.
        context.close()
    guard.check()


@pytest.fixture
def page(browser: Browser, page_guard: PageGuard, _browser_static_files: None) -> Iterator[Page]:
    """A desktop page (1280x800, id-ID, Asia/Jakarta) in a fresh browser context."""
    yield from _open_page(browser, page_guard, DESKTOP)


@pytest.fixture
def mobile_page(
    browser: Browser, page_guard: PageGuard, _browser_static_files: None
) -> Iterator[Page]:
    """A phone-sized page (360x740, id-ID, Asia/Jakarta) in a fresh browser context."""
    yield from _open_page(browser, page_guard, PHONE)


def login(page: Page, live_server_url: str, username: str, password: str) -> None:
    """Log in through the staff login form at ``/akun/masuk/`` and wait for the redirect."""
    login_url = f"{live_server_url.rstrip('/')}/akun/masuk/"
    page.goto(login_url)
    form = page.locator("form:has(input[name='password'])")
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        form.locator("[type='submit']").click()
    if urlsplit(page.url).path == "/akun/masuk/":
        raise AssertionError(f"Login as {username!r} failed: still on the login page.")
