"""The page shows any scenario from its data: the treaty pack's own words and references, the
forms' new fields (who a threat comes from, the threat a move answers, what a partial participant
pledges, the recipient of a notification, the seat a decision is about), and a scenario that is
not an alliance at all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from server.settings import PROJECT_ROOT

from .support import incident_definition

pytestmark = pytest.mark.browser


def options(select) -> list[str]:
    return select.locator("option").evaluate_all("os => os.map(o => o.textContent)")


def test_the_treaty_pack_speaks_its_own_words(api, open_seat):
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    tjk = open_seat(ex.link("TJK"))
    sg = open_seat(ex.link("SG"))
    mda = open_seat(ex.link("MDA"))

    # move labels with their references, as the pack words them
    expect(tjk.locator("#assistance summary")).to_have_text("Request assistance (Art. 4)")
    expect(tjk.locator("#threats summary")).to_have_text("Report a threat or aggression (Art. 2)")
    expect(tjk.locator("#me")).to_contain_text("participating state")
    tjk.locator("#threats summary").click()
    assert options(tjk.locator("form.report-threat").get_by_label("Kind")) == ["Threat", "Aggression"]

    # a member notifies the one recipient it may; the Secretary General may choose
    tjk.locator("#notifications summary").click()
    expect(tjk.locator("#notifications summary")).to_have_text("Notify (CCS Statute part 3 para. 4)")
    assert options(tjk.locator("form.notify").get_by_label("To", exact=True)) == ["UN Security Council"]
    sg.locator("#notifications summary").click()
    form = sg.locator("form.notify")
    assert options(form.get_by_label("To", exact=True)) == ["UN Security Council", "OSCE"]
    form.get_by_label("Information submitted").fill("Measures to restore peace on the border.")
    form.get_by_role("button", name="Notify").click()
    expect(form.locator(".status")).to_have_text("Sent.")
    # sent as the generic move, recorded under the pack's alias, shown as a notification everywhere
    assert ex.events()[-1]["type"] == "un_security_council_notified"
    expect(tjk.locator("#notification-list")).to_contain_text("UN Security Council")
    expect(tjk.locator("#notification-list")).to_contain_text("Measures to restore peace on the border.")
    expect(tjk.locator("#feed-list")).to_contain_text("Secretary General of the CCS notified the UN Security Council")

    # a non-signatory: its standing, the pack's help, its request to join
    expect(mda.locator(".topbar .role")).to_have_text("(MDA, non-signatory, partial participant)")
    expect(mda.locator("#assistance summary", has_text="Request assistance")).to_be_hidden()
    expect(mda.locator("#membership")).to_contain_text("Protocol of 24 December 1993")
    mda.get_by_role("button", name="Request accession to the Treaty").click()
    expect(mda.locator("#application-list")).to_contain_text("Request for accession")
    expect(mda.get_by_role("button", name="Request accession to the Treaty")).to_be_hidden()

    # a proposer picks a body and is offered only the kinds that body may decide; a kind that
    # admits names the applicant
    kaz = open_seat(ex.link("KAZ"))
    kaz.locator("#decisions summary").click()
    propose = kaz.locator("form.propose-decision")
    propose.get_by_label("Body").select_option("CFM")
    assert options(propose.get_by_label("Kind")) == ["Decision"]
    propose.get_by_label("Body").select_option("CCS")
    assert options(propose.get_by_label("Kind")) == ["Decision", "Use of armed forces (Art. 6)",
                                                    "Collective peacekeeping forces (Concept of Collective Security, 1995)",
                                                    "Accession of a non-signatory (Protocol of 24.12.93)"]
    expect(propose.get_by_label("The seat it is about")).to_be_hidden()
    propose.get_by_label("Kind").select_option("accession")
    assert options(propose.get_by_label("The seat it is about")) == ["Moldova (MDA)"]
    for p in (tjk, sg, mda, kaz):
        assert p.page_errors == [] and p.console_errors == []


def test_threats_name_their_parties_and_moves_refer_to_them(api, open_seat):
    """A member reports an aggression by a fellow member and asks for help about it: the party is
    not asked and may not pledge; a partial participant pledges the one kind it may give; the
    decision about the threat is taken without the party's vote."""
    ex = api.create(scenario="intra-treaty-dispute")
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "osce-mandate"})
    arm = open_seat(ex.link("ARM"))
    aze = open_seat(ex.link("AZE"))
    mda = open_seat(ex.link("MDA"))

    arm.locator("#threats summary").click()
    report = arm.locator("form.report-threat")
    report.get_by_label("Kind").select_option("aggression")
    report.get_by_label("Azerbaijan (AZE)").check()
    report.get_by_label("What happened").fill("Artillery fire on our northern positions.")
    report.get_by_role("button", name="Report").click()
    expect(aze.locator("#threat-list")).to_contain_text("(from Azerbaijan (AZE))")
    threat = ex.events()[-1]
    assert threat["type"] == "threat_reported" and threat["data"]["against"] == ["AZE"]

    arm.locator("#assistance summary").click()
    ask = arm.locator("form.request-assistance")
    ask.get_by_label("Military").check()
    ask.get_by_label("Border troops (border guarding)").check()
    ask.get_by_label("What you need and why").fill("Hold the line.")
    ask.get_by_label("About a reported threat (optional)").select_option(threat["data"]["threat_id"])
    ask.get_by_role("button", name="Request assistance").click()
    expect(ask.locator(".status")).to_have_text("Request sent to the seats asked.")

    # the party named is not asked, and is not offered an answer
    request = aze.locator("#assistance-list article.request")
    expect(request).to_contain_text("Not asked, as parties named in the threat: Azerbaijan")
    expect(request.get_by_role("button", name="Pledge")).to_be_hidden()
    assert "AZE" not in request.locator(".awaiting").inner_text()

    # a partial participant may pledge border troops only: that is what it is offered, ticked
    offer = mda.locator("#assistance-list article.request")
    expect(offer.get_by_label("Border troops (border guarding)")).to_be_checked()
    assert offer.get_by_label("Military").count() == 0
    offer.get_by_label("Details of your answer").fill("Two border posts.")
    offer.get_by_role("button", name="Pledge").click()
    expect(arm.locator('#assistance-list .answer.pledge[data-seat="MDA"]')).to_contain_text("Border troops (border guarding)")
    pledge = ex.events()[-1]
    assert pledge["type"] == "assistance_responded" and pledge["data"]["kinds"] == ["border_troops"]

    # a decision about the threat, under a rule that recuses the parties
    kaz = open_seat(ex.link("KAZ"))
    kaz.locator("#decisions summary").click()
    propose = kaz.locator("form.propose-decision")
    propose.get_by_label("Body").select_option("CCS")
    propose.get_by_label("Kind").select_option("collective_peacekeeping")
    propose.get_by_label("About a reported threat (optional)").select_option(threat["data"]["threat_id"])
    propose.get_by_label("Title").fill("A peacekeeping force on the line")
    propose.get_by_label("Text of the decision").fill("Under the OSCE mandate.")
    propose.get_by_role("button", name="Propose").click()
    card = aze.locator("#decision-list article.decision")
    expect(card).to_contain_text("Not voting, as parties named in the threat: Azerbaijan")
    expect(card.get_by_role("group", name="Your vote")).to_be_hidden()
    expect(arm.locator("#decision-list article.decision").get_by_role("group", name="Your vote")).to_be_visible()
    assert ex.events()[-1]["data"]["recused"] == ["AZE"]
    for p in (arm, aze, mda, kaz):
        assert p.page_errors == [] and p.console_errors == []


def test_a_scenario_that_is_not_an_alliance(api, open_seat):
    """A company's incident team: its teams, its board, its regulator and its words, and nothing of
    the treaty pack."""
    ex = api.create(definition=incident_definition())
    ex.command("facilitator", {"type": "start_exercise"})
    soc = open_seat(ex.link("SOC"))
    vendor = open_seat(ex.link("VENDOR"))

    expect(soc.locator("#me")).to_contain_text("core responder")
    expect(soc.locator("#assistance summary")).to_have_text("Ask for help (Runbook 4)")
    expect(soc.locator("#threats summary")).to_have_text("Raise an incident")
    expect(soc.locator("#notifications summary")).to_have_text("Report a breach (GDPR 33)")
    soc.locator("#notifications summary").click()
    assert options(soc.locator("form.notify").get_by_label("To", exact=True)) == ["Data protection regulator"]
    soc.locator("#decisions summary").click()
    assert options(soc.locator("form.propose-decision").get_by_label("Kind")) == ["Containment (Runbook 3.2)", "Public disclosure"]
    expect(vendor.locator(".topbar .role")).to_have_text("(VENDOR, vendor on call)")

    # a move says which inject it answers
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "ransom-note"})
    soc.locator("#threats summary").click()
    raise_ = soc.locator("form.report-threat")
    raise_.get_by_label("What happened").fill("File servers encrypted.")
    raise_.get_by_label("In response to an inject (optional)").select_option(label="A ransom note")
    raise_.get_by_role("button", name="Raise an incident").click()
    expect(soc.locator("#threat-list")).to_contain_text("File servers encrypted.")
    assert ex.events()[-1]["data"]["in_response_to"] == "ransom-note"

    # the board votes in its own words
    dec = ex.first("IT", {"type": "propose_decision", "body": "BOARD", "kind": "containment", "title": "Isolate the file servers",
                          "text": "Now."}, "decision_id")
    card = soc.locator(f'#decision-list article[data-id="{dec}"]')
    expect(card.get_by_role("button", name="Approve")).to_be_visible()
    expect(card.locator(".tally")).to_contain_text("0 approve, 0 reject, 0 no view, 3 not voted")
    card.get_by_role("button", name="No view").click()
    expect(card.locator('.vote-chip[data-seat="SOC"]')).to_contain_text("No view")
    expect(soc.locator("#feed-list")).to_contain_text("Security operations voted “no view” on “Isolate the file servers”")

    soc.locator("#assistance summary").click()
    ask = soc.locator("form.request-assistance")
    ask.get_by_label("Forensics").check()
    ask.get_by_label("What you need and why").fill("Who is in the network?")
    ask.get_by_role("button", name="Ask for help").click()
    offer = vendor.locator("#assistance-list article.request")
    expect(offer).to_contain_text("Security operations requests Forensics")
    offer.get_by_role("button", name="Pledge").click()
    expect(soc.locator('#assistance-list .answer.pledge[data-seat="VENDOR"]')).to_contain_text("Forensics")

    for page in (soc, vendor):
        text = page.locator("body").inner_text()
        for word in (r"participating state", r"non-signatory", r"Treaty", r"UN Security Council", r"accession", r"\bStates?\b"):
            assert not re.search(word, text), word
        assert page.page_errors == [] and page.console_errors == []


TREATY_WORDS = (r"participating state", r"non-signatory", r"Treaty", r"UN Security Council", r"accession", r"\bStates?\b")


@pytest.mark.parametrize("scenario", ["nato-article-4-5", "cyber-incident-response"])
def test_the_shipped_scenarios_of_other_kinds_read_in_their_own_words(api, open_seat, scenario):
    """Every seat's page of a shipped scenario that is not the treaty loads cleanly, and any of the
    treaty pack's words it shows is one this scenario uses itself."""
    own = (PROJECT_ROOT / "exercises" / f"{scenario}.yaml").read_text(encoding="utf-8")
    foreign = [w for w in TREATY_WORDS if not re.search(w, own, re.IGNORECASE)]
    assert foreign, "the check has words to look for"
    ex = api.create(scenario=scenario)
    ex.command("facilitator", {"type": "start_exercise"})
    seats = [s for s in ex.seats if s not in ("facilitator", "observer")]
    for seat in [*seats, "facilitator"]:
        page = open_seat(ex.link(seat))
        text = page.locator("body").inner_text()
        for word in foreign:
            assert not re.search(word, text), (seat, word)
        assert page.page_errors == [] and page.console_errors == [], seat
        page.context.close()
