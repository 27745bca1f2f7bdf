"""Browser tests: a real server (ThreadServer) and Debian's headless Chromium, driven by Playwright's
sync API. Under CI the browser must be there (the tests fail, never skip); elsewhere a missing
Chromium skips them with one line. Playwright never downloads a browser here."""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

from server.harness import ThreadServer
from tests.conftest import IN_CI, make_settings

from .support import Api, Page, tiny_definition

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return
    if IN_CI:
        pytest.fail(f"Chromium is required in CI and missing at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (required in CI)")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium for one test. Not shared across tests on purpose: while Playwright's sync API is
    started it keeps an event loop running in this thread, and asyncio.run or pytest-asyncio in
    any later test would then fail."""
    _require_chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture
def server(sqlite_url: str) -> Iterator[ThreadServer]:
    with ThreadServer(make_settings(sqlite_url)) as live:
        yield live


@pytest.fixture
def api(server: ThreadServer) -> Iterator[Api]:
    with Api(server.url) as a:
        yield a


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """Make browser contexts (one per seat, like separate devices); all closed at the end."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        ctx = browser.new_context(**kwargs)
        ctx.set_default_timeout(10_000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def open_seat(contexts: Any) -> Any:
    """open_seat(join_url) -> Page: a seat's page in its own browser context, ready and live."""

    def open_(join_url: str, **kwargs: Any) -> Page:
        ctx = contexts(**kwargs)
        page = Page(ctx.new_page())
        page.goto_seat(join_url)
        return page

    return open_


@pytest.fixture
def tiny(api: Api) -> Any:
    """A small exercise: three member states, a two-member council, one manual inject."""
    return api.create(definition=tiny_definition())

