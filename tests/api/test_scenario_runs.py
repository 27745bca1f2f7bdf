"""Whole scripted runs of the three shipped scenarios, through the HTTP API.

Each test is one exercise from start to end: the facilitator starts it and delivers injects, every
seat acts at least once (threats, consultations public, regional and private, statements, a request
for assistance answered by every other member, a session convened by the Secretary General,
decisions voted by every eligible voter, national implementation with one state blocked, the UN
Security Council notified, the control channel, an accession), and the facilitator ends it. Along
the way the scenario's institutions are binding: only the competent body decides a kind of
decision, the parties a threat is against are not asked and may be recused, partial participants
pledge in their areas but never vote, a mandate comes before collective peacekeeping. Then:

- the final state as the facilitator sees it (`GET /state`) is what the treaty mechanics say;
- privacy held along the way (a seat outside a private consultation never sees its events);
- replay: the state folded independently from the stored events (through the store, through a
  fresh service with no cache, and from the events the API returns) equals the live state exactly,
  for the facilitator and for every seat.

The API fixture runs no scheduler (TTX_SCHEDULER false): `when` injects fire inside the command
that caused them; scheduled (`at`) and `unless` injects arrive only when the facilitator delivers
them, so the `unless` ones stay pending here.
"""

from __future__ import annotations

from tests.api.support import (Run, assert_every_seat_acted, assert_private, assert_replay, by_id, control_channel,
                               injects_by_status, one, types, averted_injects)
from tests.conftest import create_exercise

MEMBERS = ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB"]
NON_SIGNATORIES = ["MDA", "UKR", "TKM"]  # partial participants (source 4.6)
ALL_SEATS = MEMBERS + NON_SIGNATORIES + ["SG"]


# --- csto-border-crisis ------------------------------------------------------------------------

async def test_csto_border_crisis_whole_run(client, app):
    ex = await create_exercise(client, "csto-border-crisis")
    run = Run(ex)
    assert types(await run.do("facilitator", "start_exercise")) == ["exercise_started"]
    await run.deliver("incursion")

    # Art. 2: the threat is reported; Turkmenistan, not a party, reports what it sees too
    (threat,) = await run.do("TJK", "report_threat", kind="aggression", source="Border post 12",
                             summary="Armed groups from across the Pyanj shell border post 12 and advance 8 km.")
    assert threat["data"]["kind"] == "aggression"
    await run.do("TKM", "report_threat", kind="threat", summary="Armed groups massing opposite our Afghan border.")

    # joint consultations: all members and the SG; the non-signatories invited to listen and speak
    opened = one(await run.do("TJK", "request_consultation", topic="Art. 2: aggression on the Tajik-Afghan border",
                              invitees="all"), "consultation_opened")
    con_all = opened["data"]["consultation_id"]
    assert opened["data"]["members"] == ["TJK", *[m for m in MEMBERS if m != "TJK"], "SG"]
    await run.do("TJK", "invite_to_consultation", consultation_id=con_all, invitees=NON_SIGNATORIES)
    # a private consultation between Russia, Kazakhstan and Tajikistan
    priv = one(await run.do("RUS", "request_consultation", topic="Intelligence on the second group",
                            invitees=["KAZ", "TJK"], private=True), "consultation_opened")
    con_priv = priv["data"]["consultation_id"]
    assert priv["audience"] == ["RUS", "KAZ", "TJK"]
    await run.deliver("field-report")
    await run.deliver("intelligence")
    for seat in ("RUS", "KAZ", "TJK"):
        await run.statement(seat, con_priv, f"{seat}: the second group must be stopped before it crosses.")
    for seat in [*MEMBERS, "SG", *NON_SIGNATORIES]:
        await run.statement(seat, con_all, f"{seat} on the aggression against Tajikistan.")
    await assert_private(ex, con_priv, insiders=["RUS", "KAZ", "TJK"], outsiders=["UZB", "SG", "MDA", "observer"])
    await run.refused("UZB", "post_statement", 409, "unknown_consultation", consultation_id=con_priv, text="let me in")
    await run.refused("MDA", "request_assistance", 403, "not_allowed", kinds=["military"], summary="Moldova asks too")

    # Art. 4: the request for assistance, answering the reported aggression; the `refugees` inject
    # fires with it, and `turkmen-border` (to TKM alone: border troops are asked for)
    asked = await run.recorded("TJK", "request_assistance", kinds=["military", "border_troops", "humanitarian"],
                               threat_id=threat["data"]["threat_id"],
                               summary="Reinforcements for the border, air support, help for the displaced.")
    assert types(asked) == ["assistance_requested", "inject_delivered", "inject_delivered"]
    req = asked[0]["data"]["request_id"]
    assert asked[0]["data"]["expected"] == [m for m in MEMBERS if m != "TJK"]  # partial participants are not asked
    assert asked[1]["data"]["inject_id"] == "refugees" and asked[1]["data"]["trigger"] == "when"
    assert asked[2]["data"]["inject_id"] == "turkmen-border" and asked[2]["audience"] == ["TKM"]
    # partial participation: Turkmenistan may pledge border troops, Moldova nothing military
    await run.refused("MDA", "respond_to_assistance", 422, "kinds_not_pledgeable", request_id=req, response="pledge",
                      kinds=["military"])
    (tkm,) = await run.do("TKM", "respond_to_assistance", request_id=req, response="pledge",
                          details="Our border guards close the western crossings.")
    assert tkm["data"]["kinds"] == ["border_troops"]
    await run.answer_all(req, {
        "RUS": ("pledge", "A motor-rifle regiment and border troops; air support."),
        "KAZ": ("pledge", "A battalion and border troops."),
        "UZB": ("pledge", "Border troops to seal our side; a camp for refugees at Termez."),
        "KGZ": ("pledge", "A battalion, subject to approval by the Jogorku Kenesh."),
        "BLR": ("pledge", "Staff officers and air transport."),
        "ARM": ("pledge", "Political support and limited logistics."),
        "AZE": ("decline", "No forces to spare; we support a political settlement."),
        "GEO": ("decline", "Support in principle; no troops."),
    })
    await run.refused("RUS", "respond_to_assistance", 409, "already_responded", request_id=req, response="decline")

    # Art. 6: the use of armed forces is for the heads of state (the CCS), not the defence ministers
    await run.refused("RUS", "propose_decision", 403, "not_competent", body="CDM", kind="use_of_armed_forces",
                      title="Deploy", text="Send forces.")
    # collective peacekeeping needs a UN Security Council or OSCE mandate first (Concept 1995)
    await run.refused("SG", "propose_decision", 409, "requirement_unmet", body="CCS", kind="collective_peacekeeping",
                      title="Peacekeepers", text="A force on the border.")

    # the SG convenes the Council; use of armed forces voted by every head of state
    (session,) = await run.do("SG", "convene_session", body="CCS", time_frame_minutes=60,
                              agenda=["Aggression on the Tajik-Afghan border", "Use of armed forces (Art. 6)"])
    ses = session["data"]["session_id"]
    proposed = one(await run.do("SG", "propose_decision", body="CCS", kind="use_of_armed_forces", session_id=ses,
                                title="Repel the aggression on the Tajik-Afghan border",
                                text="Participating states send forces to repel the aggression (Art. 4 and 6)."),
                   "decision_proposed")
    dec = proposed["data"]["decision_id"]
    assert proposed["data"]["rule"]["rule"] == "consensus" and proposed["data"]["rule"]["quorum"] == 0.67
    assert proposed["data"]["eligible"] == MEMBERS
    assert proposed["data"]["deadline"] <= session["data"]["ends_at"]
    await run.deliver("second-wave")
    await run.refused("MDA", "cast_vote", 403, "not_in_body", decision_id=dec, vote="for")
    await run.refused("TKM", "cast_vote", 403, "not_in_body", decision_id=dec, vote="for")
    await run.refused("SG", "cast_vote", 403, "not_in_body", decision_id=dec, vote="for")
    # Kyrgyzstan abstains first and changes its vote before the decision settles
    (changed,) = await run.do("KGZ", "cast_vote", decision_id=dec, vote="abstain")
    settled = await run.votes(dec, {"KGZ": "for", "TJK": "for", "RUS": "for", "KAZ": "for", "UZB": "for",
                                    "BLR": "for", "ARM": "for", "AZE": "abstain", "GEO": "abstain"})
    assert types(settled) == ["vote_cast", "decision_adopted", "inject_delivered"]
    assert settled[1]["actor"] == "system"
    assert settled[1]["data"]["tally"] == {"for": 7, "against": 0, "abstain": 2, "not_voted": 0, "eligible": 9}
    assert settled[2]["data"]["inject_id"] == "kyrgyz-parliament" and settled[2]["audience"] == ["KGZ"]
    await run.refused("RUS", "cast_vote", 409, "decision_settled", decision_id=dec, vote="against")

    # CCS Statute: in force under each constitution; Kyrgyzstan's parliament blocks it
    await run.implement(dec, {m: ("in_force", None) for m in MEMBERS if m != "KGZ"})
    await run.implement(dec, {"KGZ": ("blocked", "The Jogorku Kenesh refused consent to send troops abroad.")})
    await run.refused("MDA", "record_implementation", 403, "not_bound", decision_id=dec, status="in_force")

    # Statute part 3 para. 4 / UN Charter Art. 51
    (un,) = await run.do("SG", "notify_un_security_council", decision_id=dec,
                         summary="Collective measures under Art. 51 of the UN Charter to repel the aggression.")
    assert un["type"] == "un_security_council_notified" and un["data"]["recipient"] == "UNSC"

    await run.do("RUS", "close_consultation", consultation_id=con_priv, outcome="no_agreement")
    await run.do("TJK", "close_consultation", consultation_id=con_all, outcome="coordinated",
                 position="Assistance under Art. 4; forces under the Council's decision of today.")
    await control_channel(run, "KGZ", "May we record the decision as blocked before parliament votes?",
                          "Record it once parliament has voted; until then it is simply not recorded.",
                          bystander="SG")
    await run.do("facilitator", "add_observation", text="Consensus reached in one round; Kyrgyz implementation blocked.")
    assert types(await run.do("facilitator", "end_exercise")) == ["exercise_ended"]
    await run.refused("TJK", "report_threat", 409, "exercise_ended", kind="threat", summary="too late")

    # --- the final state --------------------------------------------------------------------
    await assert_every_seat_acted(ex, ALL_SEATS)
    state = await assert_replay(app, ex, ALL_SEATS)
    assert state["exercise"]["status"] == "ended"
    assert [(t["actor"], t["kind"]) for t in state["threats"]] == [("TJK", "aggression"), ("TKM", "threat")]

    (decision,) = state["decisions"]
    assert decision["id"] == dec and decision["status"] == "adopted"
    assert decision["tally"] == {"for": 7, "against": 0, "abstain": 2, "not_voted": 0, "eligible": 9}
    assert decision["votes"]["KGZ"] == "for" and changed["data"]["vote"] == "abstain"
    assert {s: i["status"] for s, i in decision["implementations"].items()} == \
        {**{m: "in_force" for m in MEMBERS if m != "KGZ"}, "KGZ": "blocked"}

    (request,) = state["assistance"]
    assert request["awaiting"] == [] and request["status"] == "open"
    assert {s: r["response"] for s, r in request["responses"].items()} == {
        "TKM": "pledge", "RUS": "pledge", "KAZ": "pledge", "UZB": "pledge", "KGZ": "pledge", "BLR": "pledge", "ARM": "pledge",
        "AZE": "decline", "GEO": "decline"}

    consultations = {c["id"]: c for c in state["consultations"]}
    assert consultations[con_all]["outcome"] == "coordinated" and consultations[con_all]["statements"] == 13
    assert consultations[con_all]["members"][-3:] == NON_SIGNATORIES
    assert consultations[con_priv]["outcome"] == "no_agreement" and consultations[con_priv]["private"] is True
    assert consultations[con_priv]["statements"] == 3

    (sess,) = state["sessions"]
    assert sess["body"] == "CCS" and sess["time_frame_minutes"] == 60
    assert [(n["actor"], n["recipient"], n["decision_id"]) for n in state["notifications"]] == [("SG", "UNSC", dec)]
    delivered, pending = injects_by_status(state)
    assert delivered == {"incursion", "field-report", "intelligence", "refugees", "turkmen-border", "second-wave",
                         "kyrgyz-parliament"}
    assert pending == {"unsc-mandate", "osce-mandate"}  # delivered by control, if at all
    assert averted_injects(state) == {"consultation-nudge", "un-enquiry"}  # their events came in time
    assert by_id(state["injects"], "refugees")["trigger"] == "when"
    assert state["control_messages"] == 2 and state["observations"] == 1
    assert {s["seat"]: s["status"] for s in state["seats"] if s["kind"] == "state"} == \
        {**{m: "member" for m in MEMBERS}, **{n: "partial" for n in NON_SIGNATORIES}}

    # a participant sees only the injects sent to it
    kgz = {i["id"] for i in (await ex.state("KGZ"))["injects"]}
    assert kgz == {"incursion", "second-wave", "kyrgyz-parliament"}
    assert "intelligence" not in {i["id"] for i in (await ex.state("TJK"))["injects"]}


# --- intra-treaty-dispute ----------------------------------------------------------------------

async def test_intra_treaty_dispute_whole_run(client, app):
    ex = await create_exercise(client, "intra-treaty-dispute")
    run = Run(ex)
    await run.do("facilitator", "start_exercise")
    await run.deliver("clash")

    # both parties report aggression by the other
    (arm_threat,) = await run.do("ARM", "report_threat", kind="aggression", against=["AZE"],
                                 summary="Azerbaijani forces shell and attack our border positions.")
    await run.do("AZE", "report_threat", kind="aggression", against=["ARM"],
                 summary="Armenian forces opened fire first; we respond.")
    await run.refused("ARM", "report_threat", 422, "against_self", kind="threat", against=["ARM"], summary="x")

    # regional consultations: the Caucasian region and the SG
    reg = one(await run.do("SG", "request_consultation", topic="Caucasian region: the clash on the border",
                           invitees="all", region="caucasian"), "consultation_opened")
    con_reg = reg["data"]["consultation_id"]
    assert reg["data"]["members"] == ["SG", "ARM", "AZE", "GEO", "RUS"] and reg["data"]["region"] == "caucasian"
    # private mediation by Russia with the two parties
    med = one(await run.do("RUS", "request_consultation", topic="Mediation between Yerevan and Baku",
                           invitees=["ARM", "AZE"], private=True), "consultation_opened")
    con_med = med["data"]["consultation_id"]
    # Art. 2 consultations of all participating states, with the non-signatories invited
    wide = one(await run.do("KAZ", "request_consultation", topic="Art. 1 and Art. 4: a clash between two members",
                            invitees="all"), "consultation_opened")
    con_all = wide["data"]["consultation_id"]
    added = one(await run.do("KAZ", "invite_to_consultation", consultation_id=con_all, invitees=NON_SIGNATORIES),
                "consultation_invitees_added")
    assert added["data"]["invitees"] == NON_SIGNATORIES

    await run.deliver("yerevan-sitrep")
    await run.deliver("baku-sitrep")
    assert "yerevan-sitrep" not in {i["id"] for i in (await ex.state("AZE"))["injects"]}
    assert "baku-sitrep" not in {i["id"] for i in (await ex.state("ARM"))["injects"]}

    for seat in ("SG", "ARM", "AZE", "GEO", "RUS"):
        await run.statement(seat, con_reg, f"{seat}: the fighting must stop; the region consults under Art. 2.")
    for seat in ("RUS", "ARM", "AZE"):
        await run.statement(seat, con_med, f"{seat}: terms for talks at the level of foreign ministers.")
    for seat in ("KAZ", "BLR", "KGZ", "TJK", "UZB", *NON_SIGNATORIES):
        await run.statement(seat, con_all, f"{seat}: Art. 1 binds both sides to settle this peacefully.")
    await assert_private(ex, con_med, insiders=["RUS", "ARM", "AZE"], outsiders=["GEO", "KAZ", "SG", "UKR", "observer"])
    await run.refused("GEO", "post_statement", 409, "unknown_consultation", consultation_id=con_med, text="and Georgia?")
    await run.refused("TJK", "post_statement", 403, "not_invited", consultation_id=con_reg, text="not my region")

    # Armenia invokes Art. 4 against a fellow member; the `art4-against-member` inject fires.
    # Azerbaijan, the party the threat is against, is not asked and may not pledge to it.
    asked = await run.do("ARM", "request_assistance", kinds=["military", "humanitarian"], threat_id=arm_threat["data"]["threat_id"],
                         summary="Art. 4: help to repel the attack on our border, and aid for the displaced.")
    assert types(asked) == ["assistance_requested", "inject_delivered"]
    req = asked[0]["data"]["request_id"]
    assert asked[0]["data"]["expected"] == [m for m in MEMBERS if m not in ("ARM", "AZE")]
    assert asked[0]["data"]["against"] == ["AZE"]
    assert asked[1]["data"]["inject_id"] == "art4-against-member"
    assert asked[1]["audience"] == ["ARM", "AZE", "SG"]
    await run.refused("AZE", "respond_to_assistance", 403, "party_to_threat", request_id=req, response="pledge")
    await run.answer_all(req, {
        "UZB": ("decline", "Art. 4 concerns aggression from outside, not between members."),
        "TJK": ("decline", "No forces to spare; we support a peaceful settlement."),
        "GEO": ("decline", "We will not take sides; we keep our border open to refugees."),
        "RUS": ("pledge", "Humanitarian help to both sides; no military pledge while we mediate."),
        "BLR": ("pledge", "Medical teams, for civilians on both sides."),
        "KAZ": ("pledge", "Humanitarian aid through the Red Crescent and the Red Cross."),
        "KGZ": ("pledge", "Humanitarian aid; no troops."),
    })
    await run.deliver("mediation-channel")

    # the SG convenes the Council with an agenda and a time frame
    (session,) = await run.do("SG", "convene_session", body="CCS", time_frame_minutes=90,
                              agenda=["The clash on the Armenian-Azerbaijani border",
                                      "A collective peacekeeping force under UN Security Council / OSCE decisions"])
    ses = session["data"]["session_id"]
    assert session["data"]["agenda"][1].startswith("A collective peacekeeping force")

    # collective peacekeeping acts on a UN Security Council or OSCE decision: none yet
    await run.refused("SG", "propose_decision", 409, "requirement_unmet", body="CCS", kind="collective_peacekeeping",
                      session_id=ses, title="Peacekeepers", text="x")
    await run.deliver("osce-mandate")
    # referring to no threat, peacekeeping needs consensus including both parties: Azerbaijan blocks it
    pk = one(await run.do("SG", "propose_decision", body="CCS", kind="collective_peacekeeping", session_id=ses,
                          title="A collective peacekeeping force on the line",
                          text="Create a collective peacekeeping force, to act on a UN Security Council / OSCE decision."),
             "decision_proposed")
    dec_pk = pk["data"]["decision_id"]
    assert pk["data"]["rule"]["rule"] == "consensus" and pk["data"]["eligible"] == MEMBERS
    settled = await run.votes(dec_pk, {"ARM": "for", "RUS": "for", "BLR": "for", "KAZ": "for", "KGZ": "for",
                                       "TJK": "for", "GEO": "for", "UZB": "abstain", "AZE": "against"})
    assert types(settled) == ["vote_cast", "decision_rejected", "inject_delivered"]
    assert settled[1]["data"]["reason"] == "no consensus: 1 against"
    assert settled[2]["data"]["inject_id"] == "peacekeeping-blocked" and settled[2]["audience"] is None

    # "consensus minus the parties": put again as a measure against Armenia's reported aggression,
    # the force is decided without Azerbaijan, whose vote is refused
    pk2 = one(await run.do("KAZ", "propose_decision", body="CCS", kind="collective_peacekeeping", session_id=ses,
                           threat_id=arm_threat["data"]["threat_id"], title="Peacekeepers on the line, minus the parties",
                           text="Create the force; the party the reported aggression is against does not vote."),
              "decision_proposed")
    dec_pk2 = pk2["data"]["decision_id"]
    assert pk2["data"]["recused"] == ["AZE"] and pk2["data"]["eligible"] == [m for m in MEMBERS if m != "AZE"]
    await run.refused("AZE", "cast_vote", 403, "recused", decision_id=dec_pk2, vote="against")
    settled = await run.votes(dec_pk2, {"ARM": "for", "RUS": "for", "BLR": "for", "KAZ": "for", "KGZ": "for",
                                        "TJK": "for", "GEO": "for", "UZB": "abstain"})
    assert types(settled) == ["vote_cast", "decision_adopted"]
    assert settled[1]["data"]["tally"] == {"for": 7, "against": 0, "abstain": 1, "not_voted": 0, "eligible": 8}

    # the foreign ministers call for a ceasefire by a two-thirds majority: no party can block alone
    cf = one(await run.do("KAZ", "propose_decision", body="CFM", kind="ceasefire_call",
                          title="Call for an immediate ceasefire",
                          text="The participating states call on both sides to cease fire at once and settle the "
                               "dispute by peaceful means (Art. 1), and restrain arms supplies to the zone."),
             "decision_proposed")
    dec_cf = cf["data"]["decision_id"]
    assert cf["data"]["rule"] == {"rule": "qualified_majority", "quorum": 0.67, "threshold": 0.67, "base": "members",
                                  "abstentions": "count", "abstention_blocks": False, "deadline_minutes": 30,
                                  "recuse_parties": False}
    (early,) = await run.do("AZE", "cast_vote", decision_id=dec_cf, vote="against")
    # 7 of 9 members adopt it: the seventh "for" settles it at once, whatever the last one does
    settled = await run.votes(dec_cf, {"KAZ": "for", "RUS": "for", "BLR": "for", "GEO": "for", "KGZ": "for",
                                       "TJK": "for", "UZB": "for"})
    assert types(settled) == ["vote_cast", "decision_adopted", "inject_delivered"]
    assert settled[1]["data"]["tally"] == {"for": 7, "against": 1, "abstain": 0, "not_voted": 1, "eligible": 9}
    assert settled[1]["data"]["settlement"] == "decided"
    await run.refused("ARM", "cast_vote", 409, "decision_settled", decision_id=dec_cf, vote="abstain")
    assert settled[2]["data"]["inject_id"] == "guns-fall-silent"

    # in force under each constitution; Azerbaijan's parliament will not bring it into force
    await run.refused("ARM", "record_implementation", 409, "not_adopted", decision_id=dec_pk, status="in_force")
    await run.implement(dec_cf, {m: ("in_force", None) for m in MEMBERS if m != "AZE"})
    await run.implement(dec_cf, {"AZE": ("blocked", "The Milli Majlis will not endorse a ceasefire on the present line.")})
    (un,) = await run.do("SG", "notify_un_security_council", decision_id=dec_cf,
                         summary="The CIS foreign ministers called for a ceasefire on the Armenian-Azerbaijani border.")

    await run.do("RUS", "close_consultation", consultation_id=con_med, outcome="no_agreement")
    await run.do("SG", "close_consultation", consultation_id=con_reg, outcome="coordinated",
                 position="Ceasefire now; talks of foreign ministers under Russian and Kazakh good offices.")
    await control_channel(run, "AZE", "Is our blocked implementation a breach of the Treaty in this exercise?",
                          "The Treaty gives no sanction (source 4.1.4); the review will record it as blocked.",
                          bystander="SG")
    await run.deliver("second-day")
    await run.do("facilitator", "end_exercise")

    # --- the final state --------------------------------------------------------------------
    await assert_every_seat_acted(ex, ALL_SEATS)
    state = await assert_replay(app, ex, ALL_SEATS)
    assert [(t["actor"], t["kind"]) for t in state["threats"]] == [("ARM", "aggression"), ("AZE", "aggression")]
    decisions = {d["id"]: d for d in state["decisions"]}
    assert decisions[dec_pk2]["status"] == "adopted" and "AZE" not in decisions[dec_pk2]["votes"]
    assert decisions[dec_pk]["status"] == "rejected" and decisions[dec_pk]["votes"]["AZE"] == "against"
    assert decisions[dec_pk]["tally"] == {"for": 7, "against": 1, "abstain": 1, "not_voted": 0, "eligible": 9}
    assert decisions[dec_pk]["implementations"] == {}
    assert decisions[dec_cf]["status"] == "adopted" and decisions[dec_cf]["body"] == "CFM"
    assert "ARM" not in decisions[dec_cf]["votes"] and early["data"]["vote"] == "against"
    assert {s: i["status"] for s, i in decisions[dec_cf]["implementations"].items()} == \
        {**{m: "in_force" for m in MEMBERS if m != "AZE"}, "AZE": "blocked"}

    (request,) = state["assistance"]
    responses = {s: r["response"] for s, r in request["responses"].items()}
    assert sorted(s for s, r in responses.items() if r == "decline") == ["GEO", "TJK", "UZB"]
    assert sorted(s for s, r in responses.items() if r == "pledge") == ["BLR", "KAZ", "KGZ", "RUS"]
    assert request["awaiting"] == []

    consultations = {c["id"]: c for c in state["consultations"]}
    assert (consultations[con_reg]["outcome"], consultations[con_reg]["region"]) == ("coordinated", "caucasian")
    assert consultations[con_med]["outcome"] == "no_agreement" and consultations[con_med]["private"]
    assert consultations[con_all]["open"] and consultations[con_all]["statements"] == 8
    assert [(n["actor"], n["decision_id"]) for n in state["notifications"]] == [("SG", dec_cf)]
    delivered, pending = injects_by_status(state)
    assert delivered == {"clash", "yerevan-sitrep", "baku-sitrep", "art4-against-member", "mediation-channel",
                         "osce-mandate", "peacekeeping-blocked", "guns-fall-silent", "second-day"}
    assert pending == {"unsc-mandate"}
    assert averted_injects(state) == {"silence-nudge", "session-nudge", "un-enquiry"}
    assert state["control_messages"] == 2


# --- air-defence-incident ----------------------------------------------------------------------

async def test_air_defence_incident_whole_run(client, app):
    ex = await create_exercise(client, "air-defence-incident")
    run = Run(ex)
    await run.do("facilitator", "start_exercise")
    await run.deliver("radar-contact")

    # a threat, not an aggression: nobody knows whose aircraft it is
    await run.do("TKM", "report_threat", kind="threat", source="Turkmen radar post",
                 summary="Unidentified low-flying aircraft over our coast, heading east.")
    await run.do("UZB", "report_threat", kind="threat", summary="Unidentified aircraft approaching our airspace.")
    await run.deliver("turkmen-radar")
    assert "turkmen-radar" not in {i["id"] for i in (await ex.state("UZB"))["injects"]}

    # consultations of the defence ministers, the non-signatories invited
    cdm = one(await run.do("UZB", "request_consultation", topic="CDM: the unidentified aircraft and a joint alert",
                           invitees="all"), "consultation_opened")
    con_cdm = cdm["data"]["consultation_id"]
    await run.do("UZB", "invite_to_consultation", consultation_id=con_cdm, invitees=NON_SIGNATORIES)
    # a private hand-over arrangement with the neighbours, Turkmenistan included
    ho = one(await run.do("UZB", "request_consultation", topic="Hand-over of the track between national air defences",
                          invitees=["KAZ", "RUS", "TKM"], private=True), "consultation_opened")
    con_ho = ho["data"]["consultation_id"]
    await run.deliver("track-enters-uzbekistan")
    for seat in ("UZB", "KAZ", "RUS", "TKM"):
        await run.statement(seat, con_ho, f"{seat}: we pass the track on the agreed frequency.")
    for seat in [*MEMBERS, "SG", *NON_SIGNATORIES]:
        await run.statement(seat, con_cdm, f"{seat} on the joint alert.")
    await assert_private(ex, con_ho, insiders=["UZB", "KAZ", "RUS", "TKM"], outsiders=["KGZ", "SG", "UKR", "MDA"])

    # the CDM, convened by the SG, decides a joint alert by silence procedure
    (cdm_session,) = await run.do("SG", "convene_session", body="CDM", time_frame_minutes=30,
                                  agenda=["Joint alert of the combined air defence system"])
    alert = one(await run.do("SG", "propose_decision", body="CDM", kind="joint_alert",
                             session_id=cdm_session["data"]["session_id"], title="Joint alert",
                             text="Air defence duty forces of the participating states go to alert and share tracks."),
                "decision_proposed")
    dec_alert = alert["data"]["decision_id"]
    assert alert["data"]["rule"]["rule"] == "silence_procedure"
    assert alert["data"]["deadline"] == round(alert["exercise_time"] + 15 * 60, 3)
    settled = await run.votes(dec_alert, {**{m: "for" for m in MEMBERS if m != "GEO"}, "GEO": "abstain"})
    assert types(settled) == ["vote_cast", "decision_adopted", "inject_delivered"]
    assert settled[1]["data"]["reason"] == "no objection"
    assert settled[2]["data"]["inject_id"] == "second-track"

    # assistance of kind air_defence
    asked = await run.do("UZB", "request_assistance", kinds=["air_defence", "intelligence"],
                         summary="Fighter cover and radar data for our airspace.")
    req = one(asked, "assistance_requested")["data"]["request_id"]
    # Turkmenistan's partial participation does not reach air defence
    await run.refused("TKM", "respond_to_assistance", 403, "nothing_to_pledge", request_id=req, response="pledge")
    await run.answer_all(req, {
        "RUS": ("pledge", "Two fighters on duty and airborne radar."),
        "KAZ": ("pledge", "Radar data from the eastern zone; fighters on duty."),
        "KGZ": ("pledge", "Radar data."),
        "TJK": ("pledge", "Radar data from the south."),
        "BLR": ("decline", "No forces in range."),
        "ARM": ("decline", "No forces in range; political support."),
        "AZE": ("decline", "Not before the aircraft is identified."),
        "GEO": ("decline", "No means to offer."),
    })

    # Turkmenistan asks to accede (Protocol of 24.12.93); the Council decides
    acc_events = await run.do("TKM", "request_accession")
    assert types(acc_events) == ["accession_requested", "inject_delivered"]
    assert acc_events[1]["data"]["inject_id"] == "accession-protocol"
    await run.refused("UKR", "propose_decision", 403, "not_in_body", body="CCS", kind="accession", subject="UKR",
                      title="x", text="x")
    (ccs_session,) = await run.do("SG", "convene_session", body="CCS", time_frame_minutes=60,
                                  agenda=["Accession of Turkmenistan", "Combined air defence measures"])
    ses = ccs_session["data"]["session_id"]
    acc = one(await run.do("SG", "propose_decision", body="CCS", kind="accession", subject="TKM", session_id=ses,
                           title="Accession of Turkmenistan",
                           text="Admit Turkmenistan under the Protocol of 24 December 1993."), "decision_proposed")
    dec_acc = acc["data"]["decision_id"]
    assert acc["data"]["eligible"] == MEMBERS and acc["data"]["subject"] == "TKM"
    await run.refused("TKM", "cast_vote", 403, "not_in_body", decision_id=dec_acc, vote="for")
    settled = await run.votes(dec_acc, {**{m: "for" for m in MEMBERS if m != "AZE"}, "AZE": "abstain"})
    assert types(settled) == ["vote_cast", "decision_adopted", "seat_admitted", "inject_delivered"]
    assert settled[2]["data"] == {"seat": "TKM", "status": "member", "decision_id": dec_acc}
    assert settled[3]["data"]["inject_id"] == "tkm-admitted" and settled[3]["audience"] == ["TKM"]
    assert (await ex.state("TKM"))["me"]["status"] == "member"
    # now a participating state, Turkmenistan answers the request too
    await run.answer_all(req, {"TKM": ("pledge", "Our radar picture of the western approach.")})

    # combined air defence measures by the heads of state: Turkmenistan votes as a member
    measures = one(await run.do("KAZ", "propose_decision", body="CCS", kind="air_defence_measures", session_id=ses,
                                title="Combined air defence duty in the Central-Asian region",
                                text="Put the allied Air Defence forces decisions of 10.02.95 and 26.05.95 into effect "
                                     "for the duration of the incident: combined duty, shared tracks."),
                   "decision_proposed")
    dec_m = measures["data"]["decision_id"]
    assert measures["data"]["eligible"] == ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB", "TKM"]
    settled = await run.votes(dec_m, {**{m: "for" for m in [*MEMBERS, "TKM"] if m not in ("AZE", "GEO")},
                                      "AZE": "abstain", "GEO": "abstain"})
    assert types(settled) == ["vote_cast", "decision_adopted"]
    assert settled[1]["data"]["tally"] == {"for": 8, "against": 0, "abstain": 2, "not_voted": 0, "eligible": 10}

    await run.implement(dec_m, {m: ("in_force", None) for m in [*MEMBERS, "TKM"] if m != "GEO"})
    await run.implement(dec_m, {"GEO": ("blocked", "National legislation does not allow our units under combined duty.")})
    await run.do("SG", "notify_un_security_council", decision_id=dec_m,
                 summary="Combined air defence measures taken by the CIS collective security bodies over an airspace incident.")
    await run.do("UZB", "close_consultation", consultation_id=con_ho, outcome="coordinated", position="Track hand-over agreed.")
    await run.do("UZB", "close_consultation", consultation_id=con_cdm, outcome="coordinated",
                 position="Joint alert; combined duty in the Central-Asian region.")
    await control_channel(run, "TKM", "Do we record implementation of the alert too?",
                          "No: you were admitted after it was proposed; you are bound by the Council's measures.",
                          bystander="SG")
    await run.deliver("track-lost")
    await run.do("facilitator", "end_exercise")

    # --- the final state --------------------------------------------------------------------
    await assert_every_seat_acted(ex, ALL_SEATS)
    state = await assert_replay(app, ex, ALL_SEATS)
    assert {t["kind"] for t in state["threats"]} == {"threat"}
    seats = {s["seat"]: s["status"] for s in state["seats"] if s["kind"] == "state"}
    assert seats == {**{m: "member" for m in MEMBERS}, "TKM": "member", "MDA": "partial", "UKR": "partial"}
    assert by_id(state["bodies"], "CCS")["members"] == ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB", "TKM"]
    (accession,) = state["applications"]
    assert accession == {**accession, "seat": "TKM", "status": "admitted", "decision_id": dec_acc}

    decisions = {d["id"]: d for d in state["decisions"]}
    assert decisions[dec_alert]["status"] == "adopted" and decisions[dec_alert]["body"] == "CDM"
    assert decisions[dec_alert]["tally"] == {"for": 8, "against": 0, "abstain": 1, "not_voted": 0, "eligible": 9}
    assert decisions[dec_acc]["status"] == "adopted" and decisions[dec_acc]["subject"] == "TKM"
    assert decisions[dec_m]["status"] == "adopted" and decisions[dec_m]["tally"]["eligible"] == 10
    assert {s: i["status"] for s, i in decisions[dec_m]["implementations"].items()} == \
        {**{m: "in_force" for m in [*MEMBERS, "TKM"] if m != "GEO"}, "GEO": "blocked"}

    (request,) = state["assistance"]
    assert request["kinds"] == ["air_defence", "intelligence"]
    assert request["awaiting"] == [] and "TKM" not in request["expected"]
    assert {s: r["response"] for s, r in request["responses"].items()} == {
        "RUS": "pledge", "KAZ": "pledge", "KGZ": "pledge", "TJK": "pledge", "TKM": "pledge",
        "BLR": "decline", "ARM": "decline", "AZE": "decline", "GEO": "decline"}
    assert all(c["outcome"] == "coordinated" for c in state["consultations"])
    assert {s["body"] for s in state["sessions"]} == {"CDM", "CCS"}
    assert [(n["actor"], n["decision_id"]) for n in state["notifications"]] == [("SG", dec_m)]
    delivered, pending = injects_by_status(state)
    assert delivered == {"radar-contact", "turkmen-radar", "track-enters-uzbekistan", "second-track",
                         "accession-protocol", "tkm-admitted", "track-lost"}
    assert pending == set()
    assert averted_injects(state) == {"fighters-wait", "cdm-silent", "un-enquiry"}
