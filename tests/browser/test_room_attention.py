"""Attention and the white cell in the browser: an inject or a control message to a seat raises
its unread count (a badge on the feed, and the page title) until it is seen; the facilitator
plays an absent state's vote, and the feed says it was played by control."""

from __future__ import annotations

from playwright.sync_api import expect


def unread(page):
    return page.locator("#feed-unread")


def test_an_inject_to_tjk_raises_tjks_unread_count_and_title_until_seen(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})  # before the page: not news
    tjk = open_seat(tiny.link("TJK"))
    kaz = open_seat(tiny.link("KAZ"))
    expect(unread(tjk)).to_be_hidden()
    base = tjk.title()
    assert not base.startswith("(")

    # an inject to TJK alone: TJK's count goes up, Kazakhstan's (which never receives it) does not
    (staff,) = tiny.command("facilitator", {"type": "deliver_inject", "inject_id": "staff-report"})["events"]
    tjk.wait_seq(staff["seq"])
    expect(unread(tjk)).to_be_visible()
    expect(unread(tjk)).to_have_text("1 new")
    expect(tjk.page).to_have_title(f"(1) {base}")
    expect(tjk.locator("#feed-list li.unread")).to_have_count(1)
    # a control-channel message to TJK counts too
    (msg,) = tiny.command("facilitator", {"type": "answer_control_message", "seat": "TJK", "text": "Hold the line."})["events"]
    tjk.wait_seq(msg["seq"])
    expect(unread(tjk)).to_have_text("2 new")
    expect(tjk.page).to_have_title(f"(2) {base}")
    kaz.wait_seq(msg["seq"] - 2)  # the message and TJK's inject are not Kazakhstan's; the seq before them is
    expect(unread(kaz)).to_be_hidden()
    assert not kaz.title().startswith("(")
    # TJK's own move is not news to TJK
    own = tiny.command("TJK", {"type": "report_threat", "kind": "threat", "summary": "Shelling"})["events"][0]
    tjk.wait_seq(own["seq"])
    expect(unread(tjk)).to_have_text("2 new")

    # seen: the badge shows them and clears the count and the title; a reload keeps them seen
    unread(tjk).click()
    expect(unread(tjk)).to_be_hidden()
    expect(tjk.page).to_have_title(base)
    expect(tjk.locator("#feed-list li.unread")).to_have_count(0)
    tjk.reload()
    tjk.wait_live()
    expect(unread(tjk)).to_be_hidden()
    # the next inject is news again
    (again,) = tiny.command("facilitator", {"type": "send_inject", "title": "Refugees", "body": "At the border.", "to": "all"})["events"]
    tjk.wait_seq(again["seq"])
    expect(unread(tjk)).to_have_text("1 new")
    expect(tjk.page).to_have_title(f"(1) {base}")
    assert tjk.console_errors == [] and tjk.page_errors == []


def test_the_facilitator_plays_an_absent_states_vote_and_the_feed_says_played_by_control(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    proposed = tiny.command("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Close the border",
                                    "text": "Close the border crossing at post 12."})["events"][0]
    decision = proposed["data"]["decision_id"]
    fac = open_seat(tiny.link("facilitator"))
    tjk = open_seat(tiny.link("TJK"))
    fac.wait_seq(proposed["seq"])
    cell = fac.locator("#white-cell")
    cell.get_by_label("Seat").select_option("TJK")
    cell.get_by_label("Move").select_option("cast_vote")
    expect(cell.get_by_label("About")).to_have_value(decision)
    cell.get_by_label("Vote").select_option("abstain")
    cell.get_by_role("button", name="Record the move").click()
    expect(cell.locator(".status")).to_have_text("Recorded, as played by control.")

    (vote,) = [e for e in tiny.events() if e["type"] == "vote_cast"]
    assert vote["actor"] == "TJK" and vote["played_by"] == "facilitator" and vote["data"]["vote"] == "abstain"
    for page in (fac, tjk):
        page.wait_seq(vote["seq"])
        item = page.locator(f'#feed-list li[data-seq="{vote["seq"]}"]')
        expect(item.locator(".actor")).to_have_text("Tajikistan")
        expect(item.locator(".played-by-note")).to_have_text("played by control")
    # Tajikistan's own view counts the vote as its own
    assert tjk.view()["decisions"][0]["votes"]["TJK"] == "abstain"
    # a seat's own vote says nothing of control
    own = tiny.command("RUS", {"type": "cast_vote", "decision_id": decision, "vote": "for"})["events"][0]
    fac.wait_seq(own["seq"])
    expect(fac.locator(f'#feed-list li[data-seq="{own["seq"]}"] .played-by-note')).to_have_count(0)
    assert fac.console_errors == [] and fac.page_errors == []
