"""A seat's page reads what it needs: it opens with the most recent events and rows, "Show older"
reads the pages before them on demand, and live updates go on meanwhile."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import expect

from server.harness import ThreadServer
from tests.conftest import make_settings

pytestmark = pytest.mark.browser

RECENT = 5  # rows of each list in the view (TTX_VIEW_RECENT)
EVENTS_PAGE = 200  # events the page starts with (client/js/exercise.js)


@pytest.fixture
def server(sqlite_url: str) -> Iterator[ThreadServer]:
    with ThreadServer(make_settings(sqlite_url, TTX_VIEW_RECENT=RECENT)) as live:
        yield live


def test_show_older_reads_back_the_feed_and_the_lists_while_live_updates_go_on(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    threats = [tiny.first("TJK", {"type": "report_threat", "kind": "threat", "summary": f"Threat {n}"}, "threat_id")
               for n in range(RECENT * 2 + 2)]
    for n in range(EVENTS_PAGE + 80):
        tiny.command("facilitator", {"type": "send_inject", "title": f"Inject {n}", "body": "News.",
                                     "to": "all" if n % 4 else ["RUS"]})
    seen = [e["seq"] for e in tiny.events("TJK")]
    assert len(seen) > EVENTS_PAGE

    tjk = open_seat(tiny.link("TJK"))
    tjk.wait_seq(seen[-1])
    # the page opened with the most recent events and rows only
    assert tjk.feed_seqs() == seen[-EVENTS_PAGE:]
    rows = tjk.locator("#threat-list > li")
    expect(rows).to_have_count(RECENT)
    older_threats = tjk.locator("#threats button.show-older")

    # "Show older" in the feed reads the events before: the whole log here, in order, once each
    older_feed = tjk.locator("#feed-older")
    expect(older_feed).to_be_visible()
    older_feed.click()
    expect(older_feed).to_be_hidden()
    assert tjk.feed_seqs() == seen

    # ... and in the threats panel, a page at a time, until there is nothing older
    for shown in (2 * RECENT, len(threats)):
        expect(older_threats).to_be_visible()
        older_threats.click()
        expect(rows).to_have_count(shown)
    expect(older_threats).to_be_hidden()
    assert [li.get_attribute("data-id") for li in rows.all()] == threats
    assert [t["id"] for t in tjk.view()["threats"]] == threats

    # live updates still arrive and fold in after all that
    late = tiny.first("TJK", {"type": "report_threat", "kind": "aggression", "summary": "After the read-back"}, "threat_id")
    last = tiny.events("TJK")[-1]["seq"]
    tjk.wait_seq(last)
    expect(rows).to_have_count(len(threats) + 1)
    assert rows.last.get_attribute("data-id") == late
    assert tjk.feed_seqs() == [*seen, last]
    assert not tjk.page_errors and not tjk.console_errors, (tjk.page_errors, tjk.console_errors)
