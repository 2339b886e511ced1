"""Browser fixtures: one Chromium per session, a fresh context (cookies, storage) per test.

Playwright drives Debian's Chromium at /usr/bin/chromium and never downloads a browser. The
live server listens on 127.0.0.1 only.

E2E test modules mark themselves with
`pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]`: the live server needs
a transactional database. Each such test ends by emptying every table, including the catalogue
rows that a data migration loaded, so `framework` loads them again before each test (the
loader is an idempotent upsert).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from coproduce.accounts.models import User
from coproduce.audit.chain import GENESIS
from coproduce.audit.models import AUDIT_CHAIN, ChainHead
from coproduce.catalogue.loader import load_framework
from coproduce.integrity.models import LEDGER_CHAIN
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Long enough for a slow CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, bound to 127.0.0.1 rather than 'localhost'."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


def running_in_ci(environ: Mapping[str, str]) -> bool:
    """CI services (GitHub Actions, GitLab, `.ci/run`) set CI=true."""
    return environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_browser(chromium: Path, environ: Mapping[str, str]) -> None:
    """Skip the browser tests on a laptop without Chromium, but fail them in CI: there a
    missing browser is a broken set-up, and a skipped suite would pass without testing."""
    if chromium.exists():
        return
    message = f"Browser tests need Debian's Chromium at {chromium} (apt-get install chromium)"
    if running_in_ci(environ):
        pytest.fail(f"{message}; CI is set, so a missing browser fails the run", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require_browser(CHROMIUM, os.environ)
    # The sync API keeps an asyncio loop running in this thread, so Django would refuse ORM
    # calls made by the test itself; `make test` sets this too.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture(autouse=True)
def framework(transactional_db: None) -> None:
    """What the data migrations put in a fresh database, which each browser test's flush
    empties: the framework, and the head rows of the audit and ledger hash chains."""
    load_framework(apps, "2019.1")
    for name in (AUDIT_CHAIN, LEDGER_CHAIN):
        ChainHead.objects.get_or_create(name=name, defaults={"length": 0, "last_hash": GENESIS})


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _new_context(browser: Browser, live_server: LiveServer, **options: object) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, **options)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = _new_context(browser, live_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_javascript(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = _new_context(browser, live_server, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def narrow_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """The narrowest screen WCAG reflow asks for: 320 CSS pixels wide."""
    context = _new_context(browser, live_server, viewport={"width": 320, "height": 640})
    yield context.new_page()
    context.close()


def sign_in(page: Page, user: User) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
