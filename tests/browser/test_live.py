"""Three seats in three browsers, live: the facilitator runs the clock and delivers an inject, a
state asks for help, another pledges, a decision is proposed, voted in two browsers and settles
on both pages without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .support import screenshot

pytestmark = pytest.mark.browser


def test_inject_assistance_and_decision_live_across_three_seats(tiny, open_seat):
    fac = open_seat(tiny.link("facilitator"))
    tjk = open_seat(tiny.link("TJK"))
    rus = open_seat(tiny.link("RUS"))

    # the facilitator starts the clock: every page shows it running
    fac.get_by_role("button", name="Start exercise").click()
    for p in (fac, tjk, rus):
        expect(p.locator("#exercise-status")).to_have_text("Running")
    expect(tjk.locator("#why-not")).to_be_hidden()

    # ... and delivers the inject from the schedule: Tajikistan sees it arrive, standing out
    fac.get_by_role("button", name="Deliver “Shelling at border post 12” now").click()
    inject = tjk.locator("#feed-list li.k-inject")
    expect(inject).to_contain_text("Shelling at border post 12")
    expect(inject).to_contain_text("Mortar fire since dawn")
    expect(fac.locator('tr[data-inject="incursion"]')).to_contain_text("delivered")

    # Tajikistan asks for assistance
    tjk.locator("summary", has_text="Request assistance").click()
    form = tjk.locator("form.request-assistance")
    form.get_by_label("military").check()
    form.get_by_label("logistics").check()
    form.get_by_label("What you need and why").fill("A battalion and air cover for post 12.")
    form.get_by_role("button", name="Request assistance").click()
    expect(form.locator(".status")).to_have_text("Request sent to the seats asked.")

    # Russia sees the request live and pledges
    request = rus.locator("#assistance-list article.request")
    expect(request).to_contain_text("Tajikistan requests military, logistics")
    expect(request).to_contain_text("Not answered yet: Russian Federation, Kazakhstan")
    request.get_by_label("Details of your answer").fill("Two battalions within 24 hours.")
    request.get_by_role("button", name="Pledge").click()

    # Tajikistan sees the pledge, and who has not answered
    mine = tjk.locator("#assistance-list article.request")
    expect(mine.locator('.answer.pledge[data-seat="RUS"]')).to_contain_text("Two battalions within 24 hours.")
    expect(mine).to_contain_text("Not answered yet: Kazakhstan")
    expect(mine.get_by_role("button", name="Pledge")).to_be_hidden()  # nobody answers their own request

    # Tajikistan proposes a decision to the council (Russia and Tajikistan)
    tjk.locator("summary", has_text="Propose a decision").click()
    propose = tjk.locator("form.propose-decision")
    propose.get_by_label("Body").select_option("CCS")
    propose.get_by_label("Kind").select_option("use_of_armed_forces")
    expect(propose.locator(".rule-hint")).to_contain_text("consensus")
    propose.get_by_label("Title").fill("Collective defence of the border")
    propose.get_by_label("Text of the decision").fill("A joint force repels the incursion.")
    propose.get_by_role("button", name="Propose").click()

    tjk_card = tjk.locator("#decision-list article.decision").first
    rus_card = rus.locator("#decision-list article.decision").first
    expect(rus_card).to_contain_text("Collective defence of the border")
    expect(rus_card.locator(".tally")).to_contain_text("0 for, 0 against, 0 abstain, 2 not voted (of 2 eligible)")
    expect(rus_card.locator(".deadline")).to_contain_text("Deadline in")

    # two votes, in two browsers; Russia first changes its mind once
    rus_card.get_by_role("button", name="Abstain").click()
    expect(tjk_card.locator('.vote-chip[data-seat="RUS"]')).to_contain_text("Abstain")
    rus_card.get_by_role("button", name="For").click()
    expect(tjk_card.locator('.vote-chip[data-seat="RUS"]')).to_contain_text("For")
    expect(tjk_card.locator(".tally")).to_contain_text("1 for, 0 against, 0 abstain, 1 not voted")
    tjk_card.get_by_role("button", name="For").click()

    for card in (tjk_card, rus_card):
        expect(card.locator(".outcome")).to_contain_text("Adopted")
        expect(card.locator(".outcome")).to_contain_text("consensus: 2 for, none against")
        expect(card.locator("form.implementation")).to_be_visible()
    expect(fac.locator("#decision-list article.decision .outcome")).to_contain_text("Adopted")

    # national implementation: Russia blocks, with a reason; Tajikistan sees it
    rus_card.get_by_label("Implementation status").select_option("blocked")
    rus_card.get_by_label("Note").fill("The Duma has not approved a deployment abroad.")
    rus_card.get_by_role("button", name="Record implementation").click()
    expect(tjk_card.locator('.impl[data-seat="RUS"]')).to_contain_text("blocked")
    expect(tjk_card.locator('.impl[data-seat="RUS"]')).to_contain_text("The Duma has not approved")

    screenshot(tjk, "participant.png")
    fac.get_by_role("button", name="Start exercise").wait_for(state="hidden")
    screenshot(fac, "facilitator.png")

    for p in (fac, tjk, rus):
        assert p.page_errors == []
        assert p.dialogs == []


def test_a_refusal_is_shown_in_words(tiny, open_seat):
    """Moves are offered only when allowed; when the server still refuses, its sentence is shown."""
    tjk = open_seat(tiny.link("TJK"))
    expect(tjk.locator("#why-not")).to_contain_text("has not started yet")
    tiny.command("facilitator", {"type": "start_exercise"})
    expect(tjk.locator("#why-not")).to_be_hidden()

    tjk.locator("summary", has_text="Request assistance").click()
    form = tjk.locator("form.request-assistance")
    form.get_by_label("medical").check()
    form.get_by_label("What you need and why").fill("Field hospitals.")
    # the facilitator pauses the exercise just before the click lands
    tiny.command("facilitator", {"type": "pause_exercise"})
    form.evaluate("f => f.requestSubmit()")
    expect(form.locator(".status [role=alert]")).to_have_text(
        "The exercise is paused; wait for the facilitator to resume it.")
    expect(tjk.locator("#why-not")).to_contain_text("paused")


def test_the_facilitator_console_runs_the_clock_and_the_channel(tiny, open_seat):
    fac = open_seat(tiny.link("facilitator"))
    kaz = open_seat(tiny.link("KAZ"))
    fac.get_by_role("button", name="Start exercise").click()
    expect(fac.locator("#presence-list li.online")).to_contain_text(["Kazakhstan", "Facilitator"])

    # speed, pause and resume show on the participant's clock
    fac.locator("form.speed-form").get_by_label("Exercise seconds per real second").fill("10")
    fac.get_by_role("button", name="Set speed").click()
    expect(kaz.locator(".topbar .speed")).to_have_text("speed ×10")
    fac.get_by_role("button", name="Pause").click()
    expect(kaz.locator("#exercise-status")).to_have_text("Paused")
    frozen = kaz.locator("#exercise-time").inner_text()
    kaz.wait_for_timeout(1200)
    assert kaz.locator("#exercise-time").inner_text() == frozen
    fac.get_by_role("button", name="Resume").click()
    expect(kaz.locator("#exercise-status")).to_have_text("Running")
    expect(kaz.locator("#exercise-time")).not_to_have_text(frozen)

    # an ad-hoc inject to Kazakhstan only
    compose = fac.locator("form.send-inject")
    compose.get_by_label("Title").fill("Refugees at the border")
    compose.get_by_label("Text").fill("Three thousand civilians.")
    compose.get_by_label("Chosen seats").check()
    compose.get_by_label("Kazakhstan (KAZ)").check()
    compose.get_by_role("button", name="Send inject").click()
    expect(kaz.locator("#feed-list li.k-inject")).to_contain_text("Refugees at the border")

    # the control channel, both ways
    kaz.locator("form.send-control").get_by_label("Message").fill("May we abstain on principle?")
    kaz.get_by_role("button", name="Send", exact=True).click()
    thread = fac.locator('.thread-card[data-seat="KAZ"]')
    expect(thread).to_contain_text("May we abstain on principle?")
    expect(thread).to_contain_text("awaiting an answer")
    thread.get_by_label("Answer").fill("Yes: abstention does not block consensus here.")
    thread.get_by_role("button", name="Send answer").click()
    expect(kaz.locator("#control .thread")).to_contain_text("Yes: abstention does not block consensus here.")

    # observations stay with the facilitator
    fac.locator("form.add-observation").get_by_label("Observation").fill("KAZ asked about abstention early.")
    fac.get_by_role("button", name="Add observation").click()
    expect(fac.locator("#observation-list")).to_contain_text("KAZ asked about abstention early.")

    # ending takes a confirmation
    fac.get_by_role("button", name="End exercise…").click()
    fac.get_by_role("button", name="Yes, end the exercise now").click()
    expect(kaz.locator("#exercise-status")).to_have_text("Ended")
    expect(kaz.locator("#tab-review")).to_be_visible()  # everyone may replay an ended exercise
    assert "KAZ asked about abstention" not in kaz.locator("body").inner_text()


def test_the_facilitator_gives_more_time_and_the_chair_closes_the_vote(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    dec = tiny.first("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Seal the border",
                             "text": "Both sides."}, "decision_id")
    fac = open_seat(tiny.link("facilitator"))
    rus = open_seat(tiny.link("RUS"))
    tjk = open_seat(tiny.link("TJK"))
    before = tiny.state("facilitator")["decisions"][0]["deadline"]

    card = fac.locator(f'#decision-list article[data-id="{dec}"]')
    card.get_by_label("Minutes of exercise time").fill("10")
    card.get_by_role("button", name="Extend").click()
    expect(rus.locator("#feed-list")).to_contain_text("extended the deadline of “Seal the border” by 10 minutes")
    assert tiny.state("facilitator")["decisions"][0]["deadline"] == pytest.approx(before + 600)

    # only the chair (and the facilitator) may close the vote; it settles on the votes standing
    expect(tjk.locator(f'#decision-list article[data-id="{dec}"]').get_by_role("button", name="Close vote")).to_be_hidden()
    tiny.command("TJK", {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    rus_card = rus.locator(f'#decision-list article[data-id="{dec}"]')
    expect(rus_card.locator(".vote-chip[data-seat='TJK']")).to_contain_text("For")
    rus_card.get_by_role("button", name="Close vote").click()
    for page in (rus, tjk, fac):
        expect(page.locator(f'#decision-list article[data-id="{dec}"] .outcome')).to_contain_text("Adopted")
    expect(tjk.locator("#feed-list")).to_contain_text("(vote closed by Russian Federation)")
    for page in (fac, rus, tjk):
        assert page.page_errors == [] and page.console_errors == []
