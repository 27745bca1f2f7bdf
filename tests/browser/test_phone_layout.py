"""A phone (390x844): the header is compact and sticky, so the clock stays in sight while one
scrolls down to vote."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .support import Page, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844 and box["height"] > 0


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_phone_keeps_the_clock_visible_while_voting(tiny, contexts, lang):
    tiny.command("facilitator", {"type": "start_exercise"})
    tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    dec = tiny.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Seal the border",
                             "text": "Both sides."}, "decision_id")
    ctx = contexts(**PHONE)
    ctx.add_init_script(f"localStorage.setItem('ttx.lang', '{lang}')")  # the language chosen before, on this phone
    tjk = Page(ctx.new_page())
    tjk.goto_seat(tiny.link("TJK"))
    page = tjk.page
    expect(page.locator("html")).to_have_attribute("lang", lang)
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] <= 844 * 0.14  # compact: under a seventh of the screen

    card = page.locator(f'#decision-list article[data-id="{dec}"]')
    vote = card.locator("button.vote-for")
    vote.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 844  # the vote is more than a screen down
    assert in_view(page, "#exercise-time")  # and the clock is still on screen
    before = page.locator("#exercise-time").text_content()
    vote.click()
    expect(card.locator(".vote-chip[data-seat='TJK']")).to_have_class(re.compile(r"\bfor\b"))
    assert in_view(page, "#exercise-time")
    expect(page.locator("#exercise-time")).not_to_have_text(before or "")  # ticking, not a frozen copy
    # nothing covers the button the header floats over: the vote button is below the header
    assert vote.bounding_box()["y"] >= page.locator("header.topbar").bounding_box()["y"] + \
        page.locator("header.topbar").bounding_box()["height"] - 1
    page.evaluate("window.scrollTo(0, 0)")
    if lang == "en":
        screenshot(page, "phone.png", full_page=False)
    assert tjk.page_errors == [] and tjk.console_errors == []
