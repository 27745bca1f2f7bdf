"""What a seat must never see, text that must never run, and a feed that survives going offline."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def test_a_private_consultation_is_invisible_to_a_third_seat(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    tjk = open_seat(tiny.link("TJK"))
    rus = open_seat(tiny.link("RUS"))
    kaz = open_seat(tiny.link("KAZ"))

    # Tajikistan opens a private consultation with Russia, from its page
    tjk.locator("summary", has_text="Call consultations").click()
    form = tjk.locator("form.open-consultation")
    form.get_by_label("Topic").fill("Secret channel on the second group")
    form.get_by_label("Only the seats I choose").check()
    form.get_by_label("Russian Federation (RUS)").check()
    form.get_by_label("Private").check()
    form.get_by_role("button", name="Call consultations").click()

    card = rus.locator("#consultation-list article.consultation")
    expect(card).to_contain_text("Secret channel on the second group")
    expect(card).to_contain_text("private")
    card.get_by_role("textbox", name="Statement").fill("Our intercepts show 300 more fighters.")
    card.get_by_role("button", name="Post statement").click()
    expect(tjk.locator("#consultation-list .statements")).to_contain_text("Our intercepts show 300 more fighters.")

    # a public event after the private ones proves Kazakhstan's page is live and caught up
    tiny.command("facilitator", {"type": "send_inject", "title": "Public marker", "body": "", "to": "all"})
    expect(kaz.locator("#feed-list")).to_contain_text("Public marker")
    text = kaz.locator("body").inner_text()
    assert "Secret channel" not in text and "300 more fighters" not in text
    assert kaz.locator("#consultation-list article").count() == 0
    # not in the page's state either (nothing hidden in the DOM or in memory)
    assert "Secret channel" not in kaz.evaluate("() => JSON.stringify(window.ttx.store)")
    assert "Secret channel" not in kaz.content()


def test_markup_in_a_statement_is_shown_as_text_and_never_runs(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    con = tiny.first("TJK", {"type": "request_consultation", "topic": f"Topic {XSS}", "invitees": "all"}, "consultation_id")
    tjk = open_seat(tiny.link("TJK"))
    rus = open_seat(tiny.link("RUS"))

    card = tjk.locator(f'#consultation-list article[data-id="{con}"]')
    card.get_by_role("textbox", name="Statement").fill(XSS)
    card.get_by_role("button", name="Post statement").click()

    for page in (tjk, rus):
        expect(page.locator(f'#consultation-list article[data-id="{con}"] .statements .said')).to_have_text(XSS)
        expect(page.locator("#feed-list")).to_contain_text(f"Tajikistan in “Topic {XSS}”: {XSS}")
        expect(page.locator(f'#consultation-list article[data-id="{con}"] h3')).to_contain_text(f"Topic {XSS}")
        assert page.locator("img[src='x']").count() == 0
    # the same text arriving through the control channel and an inject
    tiny.command("RUS", {"type": "send_control_message", "text": XSS})
    tiny.command("facilitator", {"type": "send_inject", "title": XSS, "body": XSS, "to": "all"})
    expect(rus.locator("#feed-list li.k-inject .inject-title")).to_contain_text(XSS)
    expect(rus.locator("#control .thread")).to_contain_text(XSS)
    time.sleep(0.5)  # wall time: a dialog would come from the page's scripts, which signal nothing to wait on
    for page in (tjk, rus):
        assert page.locator("img[src='x']").count() == 0
        assert page.dialogs == []
        assert page.page_errors == []


def test_offline_then_online_shows_every_event_once_in_order(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    tjk = open_seat(tiny.link("TJK"))
    start = tjk.last_seq()
    assert tjk.feed_seqs() == [e["seq"] for e in tiny.events("TJK")]

    tjk.context.set_offline(True)
    expect(tjk.locator("#connection-banner")).to_be_visible()
    expect(tjk.locator("#connection-banner")).to_contain_text("Disconnected")

    # the room goes on without Tajikistan: public moves, and some it may not see
    con = tiny.first("RUS", {"type": "request_consultation", "topic": "While TJK was away", "invitees": "all"}, "consultation_id")
    for i in range(5):
        tiny.command("KAZ", {"type": "post_statement", "consultation_id": con, "text": f"statement {i}"})
    tiny.command("RUS", {"type": "request_consultation", "topic": "RUS-KAZ only", "invitees": ["KAZ"], "private": True})
    tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "staff-report"})
    tiny.command("facilitator", {"type": "add_observation", "text": "TJK offline"})
    tiny.command("facilitator", {"type": "send_inject", "title": "Last public inject", "body": "", "to": "all"})
    time.sleep(1.0)  # wall time: events the offline page must not get would have had a second to arrive
    assert tjk.last_seq() == start, "an offline page received events"

    tjk.context.set_offline(False)
    expected = [e["seq"] for e in tiny.events("TJK")]
    tjk.wait_seq(expected[-1], timeout=20_000)
    expect(tjk.locator("#connection-banner")).to_be_hidden()
    expect(tjk.locator("#feed-list")).to_contain_text("Last public inject")
    seqs = tjk.feed_seqs()
    assert seqs == expected  # every visible event, once, in order
    assert len(seqs) == len(set(seqs))
    text = tjk.locator("#feed-list").inner_text()
    assert "RUS-KAZ only" not in text and "TJK offline" not in text
    assert [int(x) for x in tjk.locator('#consultation-list article .statements li').evaluate_all(
        "els => els.map(e => e.dataset.seq)")] == [e["seq"] for e in tiny.events("TJK") if e["type"] == "statement_posted"]


def test_a_dropped_connection_resumes_without_gaps_or_duplicates(tiny, open_seat):
    """The server closes the socket (as it does for a client that falls behind); the page resumes
    from the last seq it saw while events keep coming."""
    tiny.command("facilitator", {"type": "start_exercise"})
    rus = open_seat(tiny.link("RUS"))
    con = tiny.first("TJK", {"type": "request_consultation", "topic": "Many words", "invitees": "all"}, "consultation_id")
    for i in range(30):
        if i in (5, 15):
            rus.evaluate("() => window.ttx.drop('a test drops the connection')")
        tiny.command("TJK", {"type": "post_statement", "consultation_id": con, "text": f"word {i}"})
    expected = [e["seq"] for e in tiny.events("RUS")]
    rus.wait_seq(expected[-1], timeout=20_000)
    assert rus.feed_seqs() == expected
