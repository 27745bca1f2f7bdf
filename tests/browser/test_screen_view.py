"""The room screen (/exercises/{id}/screen#<observer token>): the clock, the open decisions with a
live tally, the latest public events; nothing a seat keeps private; no other seat's link."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .support import Page, screenshot


def open_screen(contexts, exercise, seat="observer") -> Page:
    ctx = contexts(viewport={"width": 1920, "height": 1080})
    page = Page(ctx.new_page())
    link = exercise.link(seat)
    page.page.goto(link.replace("#", "/screen#", 1))
    return page


def test_the_screen_updates_a_tally_live_when_a_vote_is_cast(tiny, contexts):
    tiny.command("facilitator", {"type": "start_exercise"})
    dec = tiny.first("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Seal the border",
                             "text": "Both sides."}, "decision_id")
    screen = open_screen(contexts, tiny)
    screen.wait_live()
    card = screen.page.locator(f'#screen-decisions article[data-id="{dec}"]')
    expect(card.locator("h3")).to_have_text("Seal the border")
    expect(card.locator(".count-for .n")).to_have_text("0")
    expect(card.locator(".count-not_voted .n")).to_have_text("2")
    expect(card.locator(".deadline")).to_contain_text("Closes in")
    expect(screen.page.locator("#screen-time")).to_have_text(re.compile(r"^00:\d\d:\d\d$"))

    tiny.command("TJK", {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    expect(card.locator(".count-for .n")).to_have_text("1")  # live, over the WebSocket, without a reload
    expect(card.locator(".count-not_voted .n")).to_have_text("1")
    expect(screen.page.locator("#screen-latest li").first).to_contain_text("Tajikistan voted for “Seal the border”")
    screenshot(screen.page, "screen.png", full_page=False)

    tiny.command("RUS", {"type": "cast_vote", "decision_id": dec, "vote": "against"})
    expect(card).to_have_count(0)  # settled: off the list of open decisions
    expect(screen.page.locator("#screen-latest li").first).to_contain_text("Seal the border")
    assert screen.page_errors == [] and screen.console_errors == []


def test_the_screen_shows_nothing_private(tiny, contexts):
    tiny.command("facilitator", {"type": "start_exercise"})
    tiny.command("RUS", {"type": "request_consultation", "topic": "RUS-KAZ only", "invitees": ["KAZ"], "private": True})
    tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "staff-report"})  # to TJK only
    screen = open_screen(contexts, tiny)
    screen.wait_live()
    tiny.command("facilitator", {"type": "score_expectation", "expectation_id": "assist", "score": "missed",
                                 "note": "Scored for the observer"})
    tiny.command("TJK", {"type": "request_consultation", "topic": "Everyone, now", "invitees": "all"})
    latest = screen.page.locator("#screen-latest")
    expect(latest).to_contain_text("Everyone, now")
    # the observer's page holds events meant for the observer alone (a score); the wall shows only
    # what every seat may see, and never what the observer is not sent
    held = screen.page.evaluate("window.ttx.store.events.filter((e) => e.audience).map((e) => e.type)")
    assert "expectation_scored" in held
    text = screen.page.locator("body").inner_text()
    for secret in ("RUS-KAZ only", "General Staff report", "Scored for the observer", "missed"):
        assert secret not in text


def test_the_screen_refuses_any_link_but_the_observers(tiny, contexts):
    for seat in ("facilitator", "TJK"):
        page = open_screen(contexts, tiny, seat)
        expect(page.page.locator("h1")).to_have_text("Room screen")
        expect(page.page.locator("main")).to_contain_text("only what the observer sees")
        assert page.page.locator("#screen-decisions").count() == 0
