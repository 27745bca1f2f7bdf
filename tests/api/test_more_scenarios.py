"""Whole scripted runs of the two shipped scenarios that are not about the 1992 treaty, through the
HTTP API: a company's incident team (`cyber-incident-response`) and the North Atlantic Treaty
(`nato-article-4-5`). Both are data only; the engine knows neither.

As in `test_scenario_runs.py`, each test is one exercise from start to end in which every seat acts
at least once, the scenario's institutions are binding (shown by the refusals along the way), and
the run ends with the replay check: the state folded from the stored events equals the live state,
for the facilitator and for every seat. No scheduler runs here: `when` injects fire inside the
command that caused them; scheduled and `unless` ones arrive only when the facilitator delivers them.
"""

from __future__ import annotations

from typing import Any

from tests.api.support import (Run, assert_every_seat_acted, assert_private, assert_replay, control_channel,
                               injects_by_status, one, types, averted_injects)
from tests.conftest import Exercise, create_exercise


async def report(ex: Exercise) -> dict[str, Any]:
    r = await ex.client.get(f"/api/exercises/{ex.id}/report", params={"format": "json"}, headers=ex.headers("facilitator"))
    assert r.status_code == 200, r.text
    return r.json()


def expectation_statuses(rep: dict[str, Any]) -> dict[str, str]:
    return {e["id"]: e["status"] for e in rep["expectations"]}


# --- cyber-incident-response ---------------------------------------------------------------------

COMPANY = ["CISO", "CEO", "FIN", "ITOPS", "LEGAL", "COMMS"]  # in the scenario's order
PARTNERS = ["IRF", "INS"]
CYBER_SEATS = COMPANY + PARTNERS


async def test_cyber_incident_response_whole_run(client, app):
    ex = await create_exercise(client, "cyber-incident-response")
    run = Run(ex)
    await run.do("facilitator", "start_exercise")
    await run.deliver("ransom-note")

    # IT operations report the incident; the CISO opens the incident bridge with the company, and
    # adds the two outside firms by name (they are on it only when invited)
    (ransomware,) = await run.do("ITOPS", "report_threat", kind="ransomware", source="Monitoring",
                                 summary="File servers and the customer database are being encrypted; ransom note on screens.")
    bridge = one(await run.do("CISO", "request_consultation", topic="Incident bridge: ransomware", invitees="all",
                              threat_id=ransomware["data"]["threat_id"]), "consultation_opened")
    con_bridge = bridge["data"]["consultation_id"]
    assert bridge["data"]["members"] == COMPANY
    await run.refused("IRF", "request_consultation", 403, "not_allowed", topic="Our own call", invitees=["CISO"])
    await run.do("CISO", "invite_to_consultation", consultation_id=con_bridge, invitees=PARTNERS)
    await run.deliver("it-sitrep")
    for seat in CYBER_SEATS:
        await run.statement(seat, con_bridge, f"{seat}: what we see and what we need.")

    # containment is the CISO's alone: IT operations propose, the CISO decides, nobody else votes
    iso = one(await run.do("ITOPS", "propose_decision", body="IRA", kind="isolate_systems",
                           threat_id=ransomware["data"]["threat_id"], title="Isolate the file servers and the database",
                           text="Cut the affected servers off the network, disable the VPN, take the web shop offline."),
              "decision_proposed")
    dec_iso = iso["data"]["decision_id"]
    assert iso["data"]["eligible"] == ["CISO"] and iso["data"]["bound"] == ["ITOPS"]
    assert iso["data"]["rule"] == {"rule": "single_authority", "authority": "CISO", "quorum": 0.5, "base": "members",
                                   "abstentions": "count", "abstention_blocks": False, "deadline_minutes": 120,
                                   "recuse_parties": False}
    for seat in ("ITOPS", "LEGAL", "CEO", "IRF"):  # departments, the CEO (who votes elsewhere), a partner
        await run.refused(seat, "cast_vote", 403, "not_in_body", decision_id=dec_iso, vote="against")
    await run.refused("COMMS", "propose_decision", 403, "not_in_body", body="IRA", kind="isolate_systems",
                      title="x", text="x")
    # the ransom is for the executive committee, not the CISO
    await run.refused("CISO", "propose_decision", 403, "not_competent", body="IRA", kind="pay_ransom",
                      title="Pay", text="Pay the ransom.")
    settled = await run.recorded("CISO", "cast_vote", decision_id=dec_iso, vote="for")
    assert types(settled) == ["vote_cast", "decision_adopted", "inject_delivered"]
    assert settled[1]["data"]["tally"] == {"for": 1, "against": 0, "abstain": 0, "not_voted": 0, "eligible": 1}
    assert settled[2]["data"]["inject_id"] == "journalist-call" and settled[2]["audience"] == ["COMMS"]

    # IT operations carry the decision out, and only they record it
    await run.refused("CISO", "record_implementation", 403, "not_bound", decision_id=dec_iso, status="in_force")
    await run.refused("CEO", "record_implementation", 403, "not_bound", decision_id=dec_iso, status="in_force")
    await run.implement(dec_iso, {"ITOPS": ("in_force", "Servers isolated, VPN off, web shop offline at 08:31.")})

    # only Communications speaks to the press
    await run.refused("LEGAL", "answer_press", 403, "cannot_notify", summary="No comment.")
    await run.refused("CISO", "answer_press", 403, "cannot_notify", summary="We are handling it.")
    (press,) = await run.do("COMMS", "answer_press", threat_id=ransomware["data"]["threat_id"],
                            summary="We are dealing with an IT security incident; the web shop is offline as a precaution.")
    assert press["type"] == "press_answered" and press["data"]["recipient"] == "PRESS"

    # outside help: the firms asked are the two partners; each commits only what its contract covers
    asked = one(await run.do("CISO", "request_assistance", kinds=["forensics", "legal_counsel"],
                             threat_id=ransomware["data"]["threat_id"],
                             summary="Forensic responders on site today; breach counsel for the notifications."),
                "assistance_requested")
    req = asked["data"]["request_id"]
    assert asked["data"]["expected"] == PARTNERS
    await run.refused("FIN", "request_assistance", 403, "not_allowed", kinds=["negotiation"], summary="A negotiator")
    await run.refused("CEO", "respond_to_assistance", 403, "not_allowed", request_id=req, response="pledge")
    await run.refused("IRF", "respond_to_assistance", 422, "kinds_not_pledgeable", request_id=req, response="pledge",
                      kinds=["legal_counsel"])
    pledged = await run.recorded("IRF", "respond_to_assistance", request_id=req, response="pledge",
                                 details="Four responders on site by noon.")
    assert types(pledged) == ["assistance_responded", "inject_delivered"]
    assert pledged[0]["data"]["kinds"] == ["forensics"]
    assert pledged[1]["data"]["inject_id"] == "first-findings" and pledged[1]["audience"] == ["IRF", "CISO"]
    (ins,) = await run.do("INS", "respond_to_assistance", request_id=req, response="pledge",
                          details="Breach counsel from our panel, engaged under the policy.")
    assert ins["data"]["kinds"] == ["legal_counsel"]
    await run.refused("INS", "respond_to_assistance", 409, "already_responded", request_id=req, response="decline")

    # forensics finds the data theft; a partner reports only the kinds its grant names
    await run.refused("IRF", "report_threat", 403, "kind_not_allowed", kind="suspicious_activity", summary="x")
    (exfil,) = await run.do("IRF", "report_threat", kind="data_exfiltration", source="Firewall logs",
                            summary="About 300 GB uploaded from the database server on Saturday night.")

    # GDPR Art. 33: only Legal notifies the data-protection authority; Art. 34: Communications tells customers
    await run.refused("COMMS", "notify_regulator", 403, "cannot_notify", summary="Breach notice")
    await run.refused("ITOPS", "notify_regulator", 403, "not_allowed", summary="Breach notice")
    (dpa,) = await run.do("LEGAL", "notify_regulator", threat_id=exfil["data"]["threat_id"],
                          summary="Initial notification (Art. 33(4)): ransomware, customer database encrypted and copied.")
    assert dpa["type"] == "regulator_notified" and dpa["data"]["recipient"] == "DPA"
    await run.refused("LEGAL", "inform_data_subjects", 403, "cannot_notify", summary="Dear customer")
    (customers,) = await run.do("COMMS", "inform_data_subjects", threat_id=exfil["data"]["threat_id"],
                                summary="Your name, address and order history may have been stolen; what to watch for.")
    assert customers["type"] == "data_subjects_informed"
    (police,) = await run.do("LEGAL", "notify", recipient="POLICE", summary="Criminal complaint: extortion, data theft.")
    assert police["type"] == "notification_sent" and police["data"]["recipient"] == "POLICE"

    # the ransom: the executive committee, convened by its chair, decides it, under the plan's own
    # rule that nothing is paid unless all four agree; Legal says no, and that blocks it
    await run.deliver("ransom-demand")
    priv = one(await run.do("CEO", "request_consultation", topic="The ransom (privileged)", invitees=["FIN", "LEGAL", "CISO"],
                            private=True), "consultation_opened")
    con_priv = priv["data"]["consultation_id"]
    for seat in ("CEO", "FIN", "LEGAL", "CISO"):
        await run.statement(seat, con_priv, f"{seat} on paying.")
    await assert_private(ex, con_priv, insiders=["CEO", "FIN", "LEGAL", "CISO"], outsiders=["COMMS", "ITOPS", "IRF", "observer"])
    await run.refused("CISO", "convene_session", 403, "cannot_convene", body="EXCO", agenda=["Ransom"], time_frame_minutes=60)
    (exco,) = await run.do("CEO", "convene_session", body="EXCO", agenda=["The ransom demand"], time_frame_minutes=180)
    ransom = one(await run.do("CEO", "propose_decision", body="EXCO", kind="pay_ransom", session_id=exco["data"]["session_id"],
                              title="Pay for the decryptor", text="Pay 40 BTC through the negotiator if forensics confirm "
                                                                  "the decryptor works."),
                 "decision_proposed")
    dec_ransom = ransom["data"]["decision_id"]
    assert ransom["data"]["eligible"] == ["CEO", "FIN", "LEGAL", "CISO"] and ransom["data"]["bound"] == ["FIN"]
    assert ransom["data"]["rule"]["abstention_blocks"] is True
    await run.refused("COMMS", "cast_vote", 403, "not_in_body", decision_id=dec_ransom, vote="for")
    settled = await run.votes(dec_ransom, {"CEO": "for", "FIN": "for", "CISO": "for", "LEGAL": "against"})
    assert types(settled) == ["vote_cast", "decision_rejected"]
    assert settled[1]["data"]["reason"] == "no consensus: 1 against"
    await run.refused("FIN", "record_implementation", 409, "not_adopted", decision_id=dec_ransom, status="in_force")

    # recovery: only from a backup forensics has checked; the CEO can propose, the CISO refuses
    await run.refused("CEO", "propose_decision", 409, "requirement_unmet", body="IRA", kind="restore_from_backup",
                      title="Restore now", text="Restore the online backups.")
    await run.deliver("backups-clean")
    early = one(await run.do("CEO", "propose_decision", body="IRA", kind="restore_from_backup",
                             title="Restore the shop tonight", text="Restore Saturday's backup and reopen the web shop."),
                "decision_proposed")
    refused = await run.recorded("CISO", "cast_vote", decision_id=early["data"]["decision_id"], vote="against")
    assert types(refused) == ["vote_cast", "decision_rejected"]
    reset = one(await run.do("CISO", "propose_decision", body="IRA", kind="reset_credentials", title="Reset every privileged account",
                             text="New passwords and keys for all administrator and service accounts; disable the "
                                  "contractor's VPN account."), "decision_proposed")
    assert types(await run.recorded("CISO", "cast_vote", decision_id=reset["data"]["decision_id"], vote="for")) == \
        ["vote_cast", "decision_adopted"]
    await run.implement(reset["data"]["decision_id"], {"ITOPS": ("in_force", None)})
    restore = one(await run.do("CISO", "propose_decision", body="IRA", kind="restore_from_backup",
                               title="Restore from Saturday's offline backup",
                               text="Rebuild the servers and restore Saturday 22:00; reopen the web shop when tested."),
                  "decision_proposed")
    dec_restore = restore["data"]["decision_id"]
    assert types(await run.recorded("CISO", "cast_vote", decision_id=dec_restore, vote="for")) == ["vote_cast", "decision_adopted"]
    await run.implement(dec_restore, {"ITOPS": ("blocked", "Two database servers fail the restore test; rebuilding them.")})
    await run.implement(dec_restore, {"ITOPS": ("in_force", "Restored and tested; web shop open again.")})

    await run.do("CISO", "close_consultation", consultation_id=con_bridge, outcome="coordinated",
                 position="Contained; restored from a clean backup; authority, customers and police told; no ransom.")
    await run.do("CEO", "close_consultation", consultation_id=con_priv, outcome="coordinated", position="We do not pay.")
    await control_channel(run, "COMMS", "May we name the ransomware group in our statement?",
                          "Not before the police agree; say it is a criminal attack.", bystander="CEO")
    await run.do("facilitator", "end_exercise")

    # --- the final state --------------------------------------------------------------------
    await assert_every_seat_acted(ex, CYBER_SEATS)
    state = await assert_replay(app, ex, CYBER_SEATS)
    assert [(t["actor"], t["kind"]) for t in state["threats"]] == [("ITOPS", "ransomware"), ("IRF", "data_exfiltration")]
    decisions = {d["id"]: d for d in state["decisions"]}
    assert {d["kind"]: d["body"] for d in decisions.values()} == {
        "isolate_systems": "IRA", "pay_ransom": "EXCO", "restore_from_backup": "IRA", "reset_credentials": "IRA"}
    assert [d["status"] for d in decisions.values()] == ["adopted", "rejected", "rejected", "adopted", "adopted"]
    assert decisions[dec_ransom]["votes"] == {"CEO": "for", "FIN": "for", "CISO": "for", "LEGAL": "against"}
    assert decisions[dec_ransom]["implementations"] == {}
    # every measure carried out was carried out by IT operations, and by nobody else
    assert {s for d in decisions.values() for s in d["implementations"]} == {"ITOPS"}
    assert decisions[dec_restore]["implementations"]["ITOPS"]["status"] == "in_force"
    assert [(n["actor"], n["recipient"]) for n in state["notifications"]] == [
        ("COMMS", "PRESS"), ("LEGAL", "DPA"), ("COMMS", "DATA_SUBJECTS"), ("LEGAL", "POLICE")]
    (request,) = state["assistance"]
    assert request["awaiting"] == [] and {s: r["kinds"] for s, r in request["responses"].items()} == {
        "IRF": ["forensics"], "INS": ["legal_counsel"]}
    consultations = {c["id"]: c for c in state["consultations"]}
    assert consultations[con_bridge]["members"] == CYBER_SEATS and consultations[con_bridge]["statements"] == 8
    delivered, pending = injects_by_status(state)
    assert delivered == {"ransom-note", "it-sitrep", "journalist-call", "first-findings", "ransom-demand", "backups-clean"}
    assert pending == {"customers-worry", "leak-site", "ransom-deadline"}
    assert averted_injects(state) == {"press-nudge", "regulator-reminder"}  # their events came in time

    # the review measures the company's own milestones and expectations, under its own event names
    rep = await report(ex)
    assert expectation_statuses(rep) == {e: "met" for e in (
        "incident-reported", "bridge-opened", "isolation-decided", "isolation-carried-out", "help-answers",
        "regulator-72h", "customers-informed", "press-2h")}
    chain = next(c for c in rep["chains"] if c["inject_id"] == "ransom-note")
    assert {k: (v or {}).get("actor") for k, v in chain["steps"].items()} == {
        "incident_reported": "ITOPS", "bridge_opened": "CISO", "help_called": "CISO", "measure_decided": "system",
        "regulator_notified": "LEGAL", "customers_informed": None, "press_answered": "COMMS"}
    # COMMS tells the customers about the theft forensics found: a threat reported under an inject
    # COMMS never received, so the move goes (inferred) to the latest inject COMMS had received
    told = [(c["inject_id"], c["steps"]["customers_informed"]) for c in rep["chains"] if c["steps"]["customers_informed"]]
    assert [(i, s["actor"], s["link"]) for i, s in told] == [("journalist-call", "COMMS", "inferred")]


# --- nato-article-4-5 -----------------------------------------------------------------------------

ALLIES = ["EST", "LVA", "LTU", "POL", "DEU", "FRA", "GBR", "USA", "CAN", "TUR"]  # in the scenario's order
NATO_SEATS = ALLIES + ["SG", "IRL"]
OTHERS = [a for a in ALLIES if a != "EST"]


async def test_nato_article_4_5_whole_run(client, app):
    ex = await create_exercise(client, "nato-article-4-5")
    run = Run(ex)
    await run.do("facilitator", "start_exercise")
    await run.deliver("grid-attack")

    # Art. 4: the threatened Ally reports and requests consultations; all Allies and the Secretary
    # General are in them, the partner is not (and may not call any)
    (hybrid,) = await run.do("EST", "report_threat", kind="hybrid_attack", source="Elering control room",
                             summary="Grid control systems attacked, GPS jammed, armed men without insignia at a crossing.")
    await run.refused("IRL", "report_threat", 403, "not_allowed", kind="threat", summary="x")
    art4 = one(await run.do("EST", "request_consultation", topic="Article 4: the attacks on Estonia", invitees="all",
                            threat_id=hybrid["data"]["threat_id"]), "consultation_opened")
    con_art4 = art4["data"]["consultation_id"]
    assert art4["data"]["members"] == [*ALLIES, "SG"]
    await run.refused("IRL", "request_consultation", 403, "not_allowed", topic="x", invitees=["SG"])
    partners = one(await run.do("SG", "request_consultation", topic="Briefing a partner", invitees=["IRL", "EST"]),
                   "consultation_opened")
    con_partner = partners["data"]["consultation_id"]
    priv = one(await run.do("USA", "request_consultation", topic="The intelligence picture", invitees=["GBR", "EST"],
                            private=True), "consultation_opened")
    con_priv = priv["data"]["consultation_id"]
    await run.deliver("allied-intelligence")
    for seat in ("USA", "GBR", "EST"):
        await run.statement(seat, con_priv, f"{seat}: two brigades at 30 km.")
    await assert_private(ex, con_priv, insiders=["USA", "GBR", "EST"], outsiders=["FRA", "SG", "IRL", "observer"])
    for seat in [*ALLIES, "SG"]:
        await run.statement(seat, con_art4, f"{seat} on the threat to Estonia.")
    for seat in ("SG", "IRL", "EST"):
        await run.statement(seat, con_partner, f"{seat}: what a partner can do.")

    # Art. 9: the Secretary General convenes the Council; Article 5 needs an armed attack first
    await run.refused("EST", "convene_session", 403, "cannot_convene", body="NAC", agenda=["x"], time_frame_minutes=60)
    (session,) = await run.do("SG", "convene_session", body="NAC", time_frame_minutes=240,
                              agenda=["Article 4 consultations requested by Estonia", "Measures"])
    ses = session["data"]["session_id"]
    await run.refused("EST", "propose_decision", 409, "requirement_unmet", body="NAC", kind="article_5_invocation",
                      session_id=ses, title="Article 5", text="An attack on one is an attack on all.")

    # the Secretary General puts contingency planning under silence; no Ally breaks it
    plan = one(await run.do("SG", "propose_decision", body="NAC", kind="contingency_planning", session_id=ses,
                            title="Contingency planning for the defence of Estonia",
                            text="Task the NATO Military Authorities with contingency planning."), "decision_proposed")
    dec_plan = plan["data"]["decision_id"]
    assert plan["data"]["rule"]["rule"] == "silence_procedure" and plan["data"]["eligible"] == ALLIES
    await run.refused("SG", "cast_vote", 403, "not_in_body", decision_id=dec_plan, vote="for")
    await run.refused("IRL", "cast_vote", 403, "not_in_body", decision_id=dec_plan, vote="for")
    settled = await run.votes(dec_plan, {a: "for" for a in ALLIES})
    assert types(settled) == ["vote_cast", "decision_adopted"] and settled[1]["data"]["reason"] == "no objection"

    # consensus: one Ally's objection blocks Poland's draft; the Secretary General's revised draft
    # passes with Türkiye standing aside, and Germany is told its parliament must consent
    first = one(await run.do("POL", "propose_decision", body="NAC", kind="crisis_response_measures", session_id=ses,
                             title="Two brigades forward to Estonia", text="Deploy two allied brigades to Estonia now."),
                "decision_proposed")
    assert first["data"]["rule"]["rule"] == "consensus"
    settled = await run.votes(first["data"]["decision_id"], {**{a: "for" for a in ALLIES if a != "FRA"}, "FRA": "against"})
    assert types(settled) == ["vote_cast", "decision_rejected"]
    assert settled[1]["data"]["reason"] == "no consensus: 1 against"
    measures = one(await run.do("SG", "propose_decision", body="NAC", kind="crisis_response_measures", session_id=ses,
                                title="Reinforce Estonia", text="Raise readiness, reinforce air policing and the "
                                                                "battlegroup in Estonia."),
                   "decision_proposed")
    dec_measures = measures["data"]["decision_id"]
    settled = await run.votes(dec_measures, {**{a: "for" for a in ALLIES if a != "TUR"}, "TUR": "abstain"})
    assert types(settled) == ["vote_cast", "decision_adopted", "inject_delivered"]
    assert settled[1]["data"]["tally"] == {"for": 9, "against": 0, "abstain": 1, "not_voted": 0, "eligible": 10}
    assert settled[2]["data"]["inject_id"] == "bundestag" and settled[2]["audience"] == ["DEU"]
    await run.implement(dec_measures, {a: ("in_force", None) for a in ALLIES if a != "DEU"})
    await run.implement(dec_measures, {"DEU": ("blocked", "The Bundestag votes on the deployment tomorrow.")})
    await run.refused("IRL", "record_implementation", 403, "not_bound", decision_id=dec_measures, status="in_force")
    await run.deliver("cable-cut")

    # the armed attack; Estonia asks the Allies for assistance (the partner is not asked)
    await run.deliver("armed-attack")
    (attack,) = await run.do("EST", "report_threat", kind="armed_attack", source="Estonian Defence Forces",
                             summary="Artillery on the garrison area; armoured columns across the border on two roads.")
    asked = await run.recorded("EST", "request_assistance", kinds=["air_defence", "ground_forces", "intelligence", "medical"],
                               threat_id=attack["data"]["threat_id"], summary="Article 5: help to repel the armed attack.")
    assert types(asked) == ["assistance_requested", "inject_delivered"]
    req = asked[0]["data"]["request_id"]
    assert asked[0]["data"]["expected"] == OTHERS
    assert asked[1]["data"]["inject_id"] == "partner-briefing" and asked[1]["audience"] == ["IRL"]
    await run.refused("IRL", "request_assistance", 403, "not_allowed", kinds=["medical"], summary="x")

    # Article 5, proposed by the attacked Ally, by consensus of all
    art5 = one(await run.do("EST", "propose_decision", body="NAC", kind="article_5_invocation", session_id=ses,
                            threat_id=attack["data"]["threat_id"], title="The armed attack on Estonia is an attack on all",
                            text="The Allies invoke Article 5 of the North Atlantic Treaty."), "decision_proposed")
    dec_art5 = art5["data"]["decision_id"]
    assert art5["data"]["rule"]["quorum"] == 1.0 and art5["data"]["eligible"] == ALLIES and art5["data"]["bound"] == []
    await run.refused("SG", "cast_vote", 403, "not_in_body", decision_id=dec_art5, vote="for")
    settled = await run.votes(dec_art5, {a: "for" for a in ALLIES})
    assert types(settled) == ["vote_cast", "decision_adopted"]
    # the invocation binds no national measure by itself: each Ally's action is its answer to the request
    await run.refused("EST", "record_implementation", 403, "not_bound", decision_id=dec_art5, status="in_force")

    # "immediately reported to the Security Council"
    await run.refused("IRL", "report_to_security_council", 403, "not_allowed", summary="x")
    (sg_report,) = await run.do("SG", "report_to_security_council", decision_id=dec_art5,
                                summary="An armed attack on Estonia; the Allies invoked Article 5 and act under Art. 51.")
    assert sg_report["type"] == "security_council_report_sent" and sg_report["data"]["recipient"] == "UNSC"
    await run.do("EST", "report_to_security_council", threat_id=attack["data"]["threat_id"],
                 summary="Estonia exercises its right of self-defence under Art. 51 of the UN Charter.")

    # each Ally takes the action it deems necessary; the partner offers only what it may
    await run.refused("IRL", "respond_to_assistance", 422, "kinds_not_pledgeable", request_id=req, response="pledge",
                      kinds=["ground_forces"])
    (irl,) = await run.do("IRL", "respond_to_assistance", request_id=req, response="pledge", details="Two field hospitals.")
    assert irl["data"]["kinds"] == ["medical"]
    await run.answer_all(req, {
        "LVA": ("pledge", "Intelligence and transit for reinforcements."),
        "LTU": ("pledge", "Air defence assets and logistics."),
        "POL": ("pledge", "A mechanised brigade."),
        "DEU": ("pledge", "Air defence; ground forces once the Bundestag consents."),
        "FRA": ("pledge", "Fighters for air policing and air defence."),
        "GBR": ("pledge", "The battlegroup reinforced to a brigade; air defence."),
        "USA": ("pledge", "Air and missile defence, intelligence, an armoured brigade."),
        "CAN": ("pledge", "Forces from Latvia and airlift."),
        "TUR": ("decline", "Our forces are committed in the south; political support."),
    })

    await run.do("USA", "close_consultation", consultation_id=con_priv, outcome="coordinated")
    await run.do("EST", "close_consultation", consultation_id=con_art4, outcome="coordinated",
                 position="Crisis response measures, then Article 5; the Security Council informed.")
    await control_channel(run, "TUR", "Does our decline break Article 5?",
                          "Article 5 leaves each Ally to decide what action it deems necessary.", bystander="SG")
    await run.deliver("second-day")
    await run.do("facilitator", "end_exercise")

    # --- the final state --------------------------------------------------------------------
    await assert_every_seat_acted(ex, NATO_SEATS)
    state = await assert_replay(app, ex, NATO_SEATS)
    assert {s["seat"]: s["member"] for s in state["seats"]} == {**{a: True for a in ALLIES}, "SG": False, "IRL": False}
    assert [(t["actor"], t["kind"]) for t in state["threats"]] == [("EST", "hybrid_attack"), ("EST", "armed_attack")]
    decisions = {d["id"]: d for d in state["decisions"]}
    assert [(d["kind"], d["status"]) for d in decisions.values()] == [
        ("contingency_planning", "adopted"), ("crisis_response_measures", "rejected"),
        ("crisis_response_measures", "adopted"), ("article_5_invocation", "adopted")]
    assert all(d["body"] == "NAC" and "SG" not in d["votes"] and "IRL" not in d["votes"] for d in decisions.values())
    assert decisions[dec_art5]["tally"] == {"for": 10, "against": 0, "abstain": 0, "not_voted": 0, "eligible": 10}
    assert decisions[dec_art5]["implementations"] == {}
    assert {s: i["status"] for s, i in decisions[dec_measures]["implementations"].items()} == \
        {**{a: "in_force" for a in ALLIES if a != "DEU"}, "DEU": "blocked"}
    (request,) = state["assistance"]
    assert request["expected"] == OTHERS and request["awaiting"] == []
    assert {s: r["response"] for s, r in request["responses"].items()} == {
        **{a: "pledge" for a in OTHERS if a != "TUR"}, "TUR": "decline", "IRL": "pledge"}
    assert [(n["actor"], n["recipient"], n["decision_id"]) for n in state["notifications"]] == [
        ("SG", "UNSC", dec_art5), ("EST", "UNSC", None)]
    consultations = {c["id"]: c for c in state["consultations"]}
    assert consultations[con_art4]["statements"] == 11 and consultations[con_art4]["outcome"] == "coordinated"
    assert consultations[con_partner]["open"] and consultations[con_partner]["members"] == ["SG", "IRL", "EST"]
    delivered, pending = injects_by_status(state)
    assert delivered == {"grid-attack", "allied-intelligence", "cable-cut", "armed-attack", "partner-briefing", "bundestag",
                         "second-day"}
    assert pending == set()
    assert averted_injects(state) == {"art4-nudge", "sc-enquiry"}

    rep = await report(ex)
    assert expectation_statuses(rep) == {e: "met" for e in (
        "art4-requested", "council-meets", "attack-reported", "art5-decided", "allies-answer", "security-council-report",
        "measures-recorded")}
