"""The two shipped scenarios of other kinds are played through their pages, not only shown: each
move below is made by clicking in the seat's own page, and the events the server recorded are the
ones that scenario's institutions give (who decides, who carries out, who notifies whom)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_cyber_incident_is_played_in_the_browser(api, open_seat):
    ex = api.create(scenario="cyber-incident-response")
    ex.command("facilitator", {"type": "start_exercise"})
    itops, ciso, legal = (open_seat(ex.link(s)) for s in ("ITOPS", "CISO", "LEGAL"))

    # IT operations puts a measure to the incident response authority
    itops.locator("#decisions summary").click()
    propose = itops.locator("form.propose-decision")
    propose.get_by_label("Body").select_option("IRA")
    propose.get_by_label("Kind").select_option("isolate_systems")
    expect(propose.locator(".rule-hint")).to_contain_text("CISO")
    propose.get_by_label("Title").fill("Isolate the file servers")
    propose.get_by_label("Text of the decision").fill("Pull them off the network now.")
    propose.get_by_role("button", name="Propose").click()
    card = ciso.locator("#decision-list article.decision", has_text="Isolate the file servers")
    expect(card).to_be_visible()

    # the CISO decides alone: one vote for adopts it
    card.get_by_role("button", name=re.compile(r"^Decide for: Isolate")).click()
    expect(card).to_contain_text("adopted")
    adopted = [e for e in ex.events() if e["type"] == "decision_adopted"]
    assert [(e["actor"], e["data"]["rule"]["rule"], e["data"]["tally"]["for"]) for e in adopted] == [
        ("system", "single_authority", 1)]
    decision_id = adopted[0]["data"]["decision_id"]

    # IT operations carries it out and says so
    done = itops.locator(f'#decision-list article[data-id="{decision_id}"] form.implementation')
    expect(done).to_be_visible()
    done.get_by_label("Implementation status").select_option("in_force")
    done.locator("button[type=submit]").click()
    expect(itops.locator(f'#decision-list article[data-id="{decision_id}"] .implementations')).to_contain_text("in force",
                                                                                                              ignore_case=True)

    # legal notifies the data-protection authority, under the company's own name for the move
    legal.locator("#notifications summary").click()
    notify = legal.locator("form.notify")
    notify.get_by_label("To", exact=True).select_option(label="Data-protection supervisory authority")
    notify.get_by_label("Information submitted").fill("Personal data of customers may have been read.")
    notify.locator("button[type=submit]").click()
    expect(legal.locator("#feed-list")).to_contain_text("Data-protection supervisory authority")

    recorded = [(e["type"], e["actor"]) for e in ex.events() if e["type"] in (
        "decision_proposed", "decision_adopted", "implementation_recorded", "regulator_notified", "notification_sent")]
    assert recorded == [("decision_proposed", "ITOPS"), ("decision_adopted", "system"),
                        ("implementation_recorded", "ITOPS"), ("regulator_notified", "LEGAL")]
    for page in (itops, ciso, legal):
        assert page.page_errors == [] and page.console_errors == []


def test_article_4_consultations_and_a_council_decision_are_played_in_the_browser(api, open_seat):
    ex = api.create(scenario="nato-article-4-5")
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "grid-attack"})
    est, ltu = open_seat(ex.link("EST")), open_seat(ex.link("LTU"))

    # Estonia asks for consultations with all Allies (Art. 4), from its page
    est.locator("#consultations summary").click()
    ask = est.locator("form", has=est.get_by_label("Topic"))
    ask.get_by_label("Topic").fill("Our territorial integrity is threatened")
    ask.locator("button[type=submit]").click()
    expect(ltu.locator("#consultation-list")).to_contain_text("Our territorial integrity is threatened")
    opened = [e for e in ex.events() if e["type"] == "consultation_opened"]
    assert [e["actor"] for e in opened] == ["EST"]
    assert {"LTU", "USA", "TUR", "SG"} <= set(opened[0]["data"]["members"])

    # a crisis response measure before the Council: everyone else agrees by API, Lithuania in its page
    dec = ex.first("EST", {"type": "propose_decision", "body": "NAC", "kind": "crisis_response_measures",
                           "title": "Reinforce Estonia", "text": "Air policing and forces forward."}, "decision_id")
    allies = [s["seat"] for s in ex.state()["seats"] if s.get("status") == "ally"]
    for seat in allies:
        if seat != "LTU":
            ex.command(seat, {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    card = ltu.locator(f'#decision-list article[data-id="{dec}"]')
    card.get_by_role("button", name=re.compile(r"for: Reinforce Estonia$", re.IGNORECASE)).click()
    expect(card).to_contain_text("adopted")
    settled = [e for e in ex.events() if e["type"] == "decision_adopted"]
    assert [(e["data"]["decision_id"], e["data"]["rule"]["rule"], e["data"]["tally"]["for"]) for e in settled] == [
        (dec, "consensus", len(allies))]
    for page in (est, ltu):
        assert page.page_errors == [] and page.console_errors == []


def test_a_member_gives_notice_of_withdrawal_from_its_page(api, open_seat):
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    geo, kaz, mda = open_seat(ex.link("GEO")), open_seat(ex.link("KAZ")), open_seat(ex.link("MDA"))
    expect(mda.get_by_role("button", name="Give notice of withdrawal")).to_have_count(0)  # not a member: no notice to give
    geo.get_by_role("button", name="Give notice of withdrawal").click()
    expect(kaz.locator('#withdrawal-list li[data-seat="GEO"]')).to_contain_text("running")
    (notice,) = [e for e in ex.events() if e["type"] == "withdrawal_notified"]
    effective = notice["exercise_time"] + 7200.0  # the pack's two hours of notice, from when it was given
    assert (notice["actor"], notice["data"]) == ("GEO", {"seat": "GEO", "effective_at": effective})
    s = int(effective)
    expect(kaz.locator("#feed-list")).to_contain_text(
        f"Georgia: Give notice of withdrawal (takes effect at {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d})")
    expect(geo.get_by_role("button", name="Give notice of withdrawal")).to_be_hidden()  # notice is running
    for page in (geo, kaz, mda):
        assert page.page_errors == [] and page.console_errors == []
