"""The start page's directory: the exercises this browser created (kept in the browser with their
join links: open, show the links again, forget) and, with the admin token, every exercise on the
server (GET /api/exercises)."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from server.harness import ThreadServer
from tests.conftest import make_settings

from .support import Page

ADMIN = "s3cret-admin"


def test_the_directory_lists_this_browsers_exercises_and_with_the_admin_token_all(sqlite_url, contexts):
    with ThreadServer(make_settings(sqlite_url, TTX_ADMIN_TOKEN=ADMIN)) as server:
        # someone else's exercise, created elsewhere
        r = httpx.post(server.url + "/api/exercises", json={"scenario": "cyber-incident-response"},
                       headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code == 201, r.text
        elsewhere = r.json()["id"]

        page = Page(contexts().new_page())
        page.goto(server.url + "/")
        expect(page.locator("#mine")).to_be_hidden()  # nothing created in this browser yet
        create = page.locator('article.scenario[data-id="csto-border-crisis"]').get_by_role("button", name="Create exercise")
        create.click()
        page.get_by_label("Admin token").fill(ADMIN)
        create.click()
        expect(page.locator("#seat-links li.seat-card")).to_have_count(15)
        facilitator_link = page.get_by_role("textbox", name="Join link for Facilitator").input_value()
        mine = facilitator_link.split("/exercises/")[1].split("#")[0]

        # after a reload (the tab closed and opened again) the exercise is still listed, with its links
        page.reload()
        kept = page.locator("#mine-list li.kept")
        expect(kept).to_have_count(1)
        expect(kept).to_have_attribute("data-id", mine)
        expect(kept.get_by_role("link", name="Open the facilitator console")).to_have_attribute("href", facilitator_link)
        expect(page.locator("#created")).to_be_hidden()
        kept.get_by_role("button", name="Join links").click()
        expect(page.locator("#seat-links li.seat-card")).to_have_count(15)
        expect(page.get_by_role("textbox", name="Join link for Facilitator")).to_have_value(facilitator_link)

        # every exercise on the server: refused without the right token, listed with it
        directory = page.locator("#directory")
        token = page.get_by_label("Administrator's token")
        token.fill("wrong")
        directory.get_by_role("button", name="List every exercise").click()
        expect(directory.locator("[role=alert]")).to_contain_text("needs this server's admin token")
        expect(page.locator("#directory-rows tr")).to_have_count(0)
        token.fill(ADMIN)
        directory.get_by_role("button", name="List every exercise").click()
        rows = page.locator("#directory-rows tr")
        expect(rows).to_have_count(2)
        assert rows.evaluate_all("rs => rs.map(r => r.dataset.id)") == [mine, elsewhere]  # newest first
        expect(rows.nth(1)).to_contain_text("cyber-incident-response")
        # the one this browser created can be opened from the list; the other needs its own link
        expect(rows.nth(0).get_by_role("link", name="Open")).to_have_attribute("href", facilitator_link)
        expect(rows.nth(1).get_by_role("link")).to_have_count(0)

        # forgetting removes the links from this browser
        kept.get_by_role("button", name="Forget").click()
        expect(page.locator("#mine")).to_be_hidden()
        assert page.evaluate("localStorage.getItem('ttx.exercises')") == "[]"
        page.reload()
        expect(page.locator("#mine")).to_be_hidden()
        # the refusals above are the only failed requests; nothing else went wrong on the page
        assert [e for e in page.console_errors if "Failed to load resource" not in e] == [] and page.page_errors == []
