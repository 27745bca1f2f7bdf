"""The scenario's institutions are binding: competence, parties and recusal, partial participation,
powers of offices, recipients and aliases, effects on membership, requirements before a decision.

Most cases play the treaty pack's `csto-border-crisis` (its rules as the source text gives them);
the rest build a small scenario of another kind, to show the engine follows whatever is declared.
"""

from __future__ import annotations

import pytest

from server.domain.errors import Refused
from server.domain.slices.decisions import DECISIONS

from .support import Run, border_crisis, small_scenario

MEMBERS = ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB"]


def refused(run: Run, seat: str, type: str, /, **fields) -> Refused:
    with pytest.raises(Refused) as info:
        run.decide(seat, type, **fields)
    return info.value


def crisis() -> Run:
    run = Run(border_crisis())
    run.tick()  # the incursion inject
    return run


def vote_all(run: Run, decision_id: str, votes: dict[str, str]) -> list:
    last: list = []
    for seat, v in votes.items():
        last = run.do(seat, "cast_vote", decision_id=decision_id, vote=v)
    return last


# --- competence ----------------------------------------------------------------------------------

def test_only_the_competent_body_decides_the_use_of_armed_forces():
    run = crisis()
    err = refused(run, "RUS", "propose_decision", body="CDM", kind="use_of_armed_forces", title="Deploy", text="x")
    assert (err.status, err.code) == (403, "not_competent")
    assert err.message == ("A decision on use of armed forces is for the Council of Collective Security (CCS) to take, "
                           "not the Council of Defence Ministers (CDM).")
    ev = run.do("RUS", "propose_decision", body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")[0]
    assert ev.type == "decision_proposed" and ev.data["eligible"] == MEMBERS


def test_a_general_decision_may_go_to_any_body():
    run = crisis()
    assert run.do("RUS", "propose_decision", body="CDM", kind="general", title="Exercise", text="x")[0].data["body"] == "CDM"


def test_who_convenes_a_body_is_the_scenarios_to_say():
    run = crisis()
    assert run.types(run.do("KAZ", "convene_session", body="CCS", agenda=["x"], time_frame_minutes=30)) == ["session_convened"]
    err = refused(run, "RUS", "convene_session", body="CCS", agenda=["x"], time_frame_minutes=30)
    assert (err.status, err.code) == (403, "cannot_convene")
    assert "the chair (KAZ) and SG can" in err.message


# --- parties: who a threat is against ---------------------------------------------------------------

def test_the_party_a_threat_is_against_is_not_asked_and_may_not_pledge():
    run = crisis()
    threat = run.do("ARM", "report_threat", kind="aggression", summary="Attack on our border", against=["AZE"])[0]
    assert threat.data["against"] == ["AZE"] and threat.data["threat_id"]
    req = run.do("ARM", "request_assistance", kinds=["military"], summary="Help", threat_id=threat.data["threat_id"])[0]
    assert "AZE" not in req.data["expected"] and req.data["against"] == ["AZE"]
    assert req.data["expected"] == [m for m in MEMBERS if m not in ("ARM", "AZE")]
    err = refused(run, "AZE", "respond_to_assistance", request_id=req.data["request_id"], response="pledge")
    assert (err.status, err.code) == (403, "party_to_threat")
    # without a threat referred to, everyone else is asked
    other = run.do("ARM", "request_assistance", kinds=["medical"], summary="Doctors")[0]
    assert "AZE" in other.data["expected"]


def test_a_move_referring_to_an_unknown_threat_is_refused():
    run = crisis()
    assert refused(run, "TJK", "request_assistance", kinds=["military"], summary="x", threat_id="thr_99").code == "unknown_threat"


def test_recused_parties_are_not_eligible_and_not_counted():
    sc = small_scenario(rules=[{"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5, "recuse_parties": True}])
    run = Run(sc)
    threat = run.do("TJK", "report_threat", kind="aggression", summary="x", against=["RUS"])[0].data["threat_id"]
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Condemn", text="x", threat_id=threat)[0].data
    assert dec["recused"] == ["RUS"] and dec["eligible"] == ["ARM", "KAZ", "TJK"]
    err = refused(run, "RUS", "cast_vote", decision_id=dec["decision_id"], vote="against")
    assert (err.status, err.code) == (403, "recused")
    last = vote_all(run, dec["decision_id"], {"ARM": "for", "KAZ": "for", "TJK": "for"})
    assert run.types(last) == ["vote_cast", "decision_adopted"]
    assert last[-1].data["tally"] == {"for": 3, "against": 0, "abstain": 0, "not_voted": 0, "eligible": 3}
    # the same rule, a decision that refers to no threat: everyone votes, and one objection blocks
    plain = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Plain", text="x")[0].data
    assert plain["recused"] == [] and "RUS" in plain["eligible"]


# --- partial participation -----------------------------------------------------------------------------

def test_a_partial_participant_pledges_in_its_areas_but_never_votes_and_is_not_asked():
    run = crisis()
    req = run.do("TJK", "request_assistance", kinds=["military", "border_troops"], summary="Help on the border")
    request = req[0]
    assert "TKM" not in request.data["expected"]
    assert "turkmen-border" in {e.data.get("inject_id") for e in req}  # the inject that calls on it
    (pledge,) = [e for e in run.do("TKM", "respond_to_assistance", request_id=request.data["request_id"], response="pledge")]
    assert pledge.data["kinds"] == ["border_troops"]
    err = refused(run, "MDA", "respond_to_assistance", request_id=request.data["request_id"], response="pledge",
                  kinds=["military"])
    assert (err.status, err.code) == (422, "kinds_not_pledgeable")
    medical = run.do("TJK", "request_assistance", kinds=["medical"], summary="Doctors")[0].data["request_id"]
    err = refused(run, "TKM", "respond_to_assistance", request_id=medical, response="pledge")
    assert (err.status, err.code) == (403, "nothing_to_pledge")
    dec = run.do("RUS", "propose_decision", body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")[0].data
    assert "TKM" not in dec["eligible"]
    assert refused(run, "TKM", "cast_vote", decision_id=dec["decision_id"], vote="for").code == "not_in_body"
    assert refused(run, "TKM", "request_assistance", kinds=["border_troops"], summary="x").code == "not_allowed"


def test_a_partial_participant_is_consulted_in_its_region_only():
    run = crisis()
    national = run.do("TJK", "request_consultation", topic="Art. 2", invitees="all")[0].data["members"]
    assert "TKM" not in national and "SG" in national and set(MEMBERS) <= set(national)
    regional = run.do("TJK", "request_consultation", topic="Central Asia", invitees="all", region="central_asian")[0]
    assert regional.data["members"] == ["TJK", "KAZ", "KGZ", "RUS", "UZB", "TKM", "SG"]


# --- powers of offices, recipients, aliases ---------------------------------------------------------

def test_an_office_without_the_power_is_refused():
    run = crisis()
    err = refused(run, "SG", "request_assistance", kinds=["military"], summary="x")
    assert (err.status, err.code) == (403, "not_allowed")
    assert err.message == "SG (Office) may not request assistance in this exercise."
    assert refused(run, "SG", "report_threat", kind="threat", summary="x").code == "not_allowed"


def test_notifications_go_to_the_scenarios_recipients_under_its_names():
    run = crisis()
    (alias,) = run.do("SG", "notify_un_security_council", summary="Measures taken")
    assert alias.type == "un_security_council_notified" and alias.data["recipient"] == "UNSC"
    (generic,) = run.do("RUS", "notify", recipient="UNSC", summary="Art. 51 report")
    assert generic.type == "un_security_council_notified"  # the same fact, whatever name it was sent under
    (osce,) = run.do("SG", "notify", recipient="OSCE", summary="For the OSCE")
    assert osce.type == "notification_sent" and osce.data["recipient"] == "OSCE"
    err = refused(run, "RUS", "notify", recipient="OSCE", summary="x")  # members notify the UN SC only
    assert (err.status, err.code) == (403, "cannot_notify")
    assert refused(run, "SG", "notify", recipient="NOBODY", summary="x").code == "unknown_recipient"
    from server.domain.slices.notifications import NOTIFICATIONS

    assert [n.recipient for n in NOTIFICATIONS.of(run.state).values()] == ["UNSC", "UNSC", "OSCE"]


# --- requirements --------------------------------------------------------------------------------------

def test_collective_peacekeeping_needs_a_mandate_first():
    run = crisis()
    err = refused(run, "SG", "propose_decision", body="CCS", kind="collective_peacekeeping", title="Force", text="x")
    assert (err.status, err.code) == (409, "requirement_unmet")
    assert "UN Security Council" in err.message
    run.do("facilitator", "deliver_inject", inject_id="osce-mandate")
    assert run.do("SG", "propose_decision", body="CCS", kind="collective_peacekeeping", title="Force", text="x")[0].type == \
        "decision_proposed"


def test_a_requirement_may_be_an_event():
    kinds = ["general", {"id": "sanctions", "name": "Sanctions",
                         "requires": [{"any_of": [{"event": "threat_reported", "kind": "aggression"}],
                                       "message": "Sanctions answer a reported aggression."}]}]
    run = Run(small_scenario(decision_kinds=kinds))
    err = refused(run, "KAZ", "propose_decision", body="CCS", kind="sanctions", title="t", text="x")
    assert (err.code, err.message) == ("requirement_unmet", "Sanctions answer a reported aggression.")
    run.do("TJK", "report_threat", kind="threat", summary="not yet")
    assert refused(run, "KAZ", "propose_decision", body="CCS", kind="sanctions", title="t", text="x").code == "requirement_unmet"
    run.do("TJK", "report_threat", kind="aggression", summary="now")
    assert run.do("KAZ", "propose_decision", body="CCS", kind="sanctions", title="t", text="x")[0].type == "decision_proposed"


# --- membership effects and implementation -------------------------------------------------------

def test_a_suspended_member_no_longer_votes_asks_or_is_counted():
    statuses = small_scenario().model_dump()["statuses"] + [{"id": "suspended", "name": "suspended member"}]
    kinds = ["general", {"id": "suspension", "name": "Suspension", "effect": {"change": "suspend", "status": "suspended"}}]
    run = Run(small_scenario(statuses=statuses, decision_kinds=kinds))
    assert refused(run, "KAZ", "propose_decision", body="CCS", kind="suspension", title="t", text="x",
                   subject="UKR").code == "not_a_member"
    open_dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Open", text="x")[0].data["decision_id"]
    run.do("RUS", "cast_vote", decision_id=open_dec, vote="against")
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="suspension", title="Suspend RUS", text="x", subject="RUS")[0]
    last = vote_all(run, dec.data["decision_id"], {"ARM": "for", "KAZ": "for", "TJK": "for", "RUS": "abstain"})
    assert run.types(last) == ["vote_cast", "decision_adopted", "seat_suspended"]
    assert last[-1].data == {"seat": "RUS", "status": "suspended", "decision_id": dec.data["decision_id"]}
    assert run.state.statuses["RUS"] == "suspended"
    assert refused(run, "RUS", "request_assistance", kinds=["military"], summary="x").code == "not_allowed"
    err = refused(run, "RUS", "cast_vote", decision_id=open_dec, vote="for")
    assert (err.status, err.code) == (403, "not_eligible")
    # its standing objection no longer counts: the others settle the open decision
    last = vote_all(run, open_dec, {"ARM": "for", "KAZ": "for", "TJK": "for"})
    assert last[-1].type == "decision_adopted" and last[-1].data["eligible"] == ["ARM", "KAZ", "TJK"]
    assert "RUS" not in run.do("ARM", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["eligible"]


def test_who_implements_a_decision_is_the_kinds_to_say():
    kinds = [{"id": "contain", "name": "Containment", "implemented_by": ["ARM"]}, "general"]
    run = Run(small_scenario(decision_kinds=kinds))
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="contain", title="Isolate", text="x")[0].data
    assert dec["bound"] == ["ARM"]
    vote_all(run, dec["decision_id"], {m: "for" for m in ("ARM", "KAZ", "RUS", "TJK")})
    assert refused(run, "KAZ", "record_implementation", decision_id=dec["decision_id"], status="in_force").code == "not_bound"
    run.do("ARM", "record_implementation", decision_id=dec["decision_id"], status="in_force")
    assert list(DECISIONS.of(run.state)[dec["decision_id"]].implementations) == ["ARM"]


# --- links: what a move answers -----------------------------------------------------------------------

def test_a_move_says_which_inject_it_answers_and_only_one_it_received():
    run = crisis()  # the incursion went to all
    run.do("facilitator", "deliver_inject", inject_id="intelligence")  # to RUS and KAZ only
    (threat,) = run.do("TJK", "report_threat", kind="aggression", summary="x", in_response_to="incursion")
    assert threat.data["in_response_to"] == "incursion"
    err = refused(run, "TJK", "report_threat", kind="threat", summary="x", in_response_to="intelligence")
    assert (err.status, err.code) == (409, "unknown_inject")
    assert refused(run, "TJK", "report_threat", kind="threat", summary="x", in_response_to="nope").code == "unknown_inject"
    (con,) = [e for e in run.do("RUS", "request_consultation", topic="x", invitees=["KAZ"], private=True,
                                in_response_to="intelligence") if e.actor == "RUS"]
    assert con.data["in_response_to"] == "intelligence"
    # what follows from a move does not claim its link: the settlement answers the votes, not the inject
    dec = run.do("SG", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["decision_id"]
    for m in MEMBERS[:-1]:
        run.do(m, "cast_vote", decision_id=dec, vote="for")
    last = run.do(MEMBERS[-1], "cast_vote", decision_id=dec, vote="for", in_response_to="incursion")
    assert [e.data.get("in_response_to") for e in last] == ["incursion", None]
