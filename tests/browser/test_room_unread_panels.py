"""Unread counts per panel: an inject to TJK raises the count on TJK's Injects panel (and not on
Kazakhstan's, which never receives it); reading the panel clears it, and a reload keeps it read.
A proposal by another seat counts on the Decisions panel; a seat's own move is not news to it."""

from __future__ import annotations

from playwright.sync_api import expect


def test_an_inject_to_tjk_raises_the_count_on_tjks_injects_panel_until_read(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})  # before the page: not news
    tjk = open_seat(tiny.link("TJK"))
    kaz = open_seat(tiny.link("KAZ"))
    injects = tjk.locator("#received-injects-unread")
    expect(tjk.locator("#received-inject-list li")).to_have_count(1)
    expect(injects).to_be_hidden()

    (staff,) = tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "staff-report"})["events"]  # to TJK only
    tjk.wait_seq(staff["seq"])
    expect(injects).to_be_visible()
    expect(injects).to_have_text("1 new")
    expect(tjk.locator("#received-inject-list li").first).to_have_attribute("data-seq", str(staff["seq"]))  # newest first
    (again,) = tiny.command("facilitator", {"type": "send_inject", "title": "Refugees", "body": "At the border.", "to": "all"})["events"]
    tjk.wait_seq(again["seq"])
    expect(injects).to_have_text("2 new")
    kaz.wait_seq(again["seq"])
    expect(kaz.locator("#received-injects-unread")).to_have_text("1 new")  # only the one sent to all

    # other panels count their own news: RUS proposes; TJK's own proposal is not news to TJK
    decisions = tjk.locator("#decisions-unread")
    expect(decisions).to_be_hidden()
    (rus,) = tiny.command("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Close the border",
                                  "text": "Close it."})["events"]
    tjk.wait_seq(rus["seq"])
    expect(decisions).to_have_text("1 new")
    (own,) = tiny.command("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Open a corridor",
                                  "text": "Open it."})["events"]
    tjk.wait_seq(own["seq"])
    expect(decisions).to_have_text("1 new")
    expect(injects).to_have_text("2 new")  # each panel its own count

    # reading the panel clears its count, and only its own
    tjk.locator("#received-injects").click()
    expect(injects).to_be_hidden()
    expect(decisions).to_have_text("1 new")
    tjk.reload()
    tjk.wait_live()
    expect(tjk.locator("#received-inject-list li")).to_have_count(3)
    expect(injects).to_be_hidden()
    expect(decisions).to_have_text("1 new")
    decisions.click()  # the badge reads its panel too
    expect(decisions).to_be_hidden()
    assert tjk.console_errors == [] and tjk.page_errors == []
