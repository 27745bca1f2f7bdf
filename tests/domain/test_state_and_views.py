"""evolve is pure, snapshots round-trip, and the per-seat view hides what the seat may not see."""

from __future__ import annotations

import json

from server.domain.codec import state_from_json, state_to_json
from server.domain.fold import evolve, fold
from server.domain.slices.consultations import THREATS
from server.domain.views import seat_view
from server.domain.visibility import can_see, visible_events

from .support import Run, border_crisis, small_scenario


def played() -> Run:
    run = Run(border_crisis())
    run.tick()
    run.do("TJK", "report_threat", kind="aggression", summary="Border post shelled")
    con = run.do("RUS", "request_consultation", topic="Bilateral", invitees=["KAZ"], private=True)[0].data["consultation_id"]
    run.do("KAZ", "post_statement", consultation_id=con, text="Secret position")
    run.do("TJK", "request_assistance", kinds=["military"], summary="Two battalions")
    run.do("facilitator", "add_observation", text="Slow start")
    run.do("KGZ", "send_control_message", text="What does parliament think?")
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="use_of_armed_forces", title="Repel", text="x")[0]
    run.do("RUS", "cast_vote", decision_id=dec.data["decision_id"], vote="for")
    return run


def test_evolve_does_not_change_the_state_it_is_given():
    run = played()
    state = run.state
    before = state_to_json(state)
    event = run.decide("UZB", "report_threat", kind="threat", summary="Refugees")[0]
    after = evolve(state, event)
    assert state_to_json(state) == before
    assert after.version == before["version"] + 1 and len(THREATS.of(after)) == len(THREATS.of(state)) + 1


def test_fold_of_all_events_equals_the_incremental_state():
    run = played()
    assert state_to_json(fold(run.events)) == state_to_json(run.state)


def test_snapshot_round_trip():
    run = played()
    doc = json.loads(json.dumps(state_to_json(run.state)))
    back = state_from_json(doc, run.state.scenario)
    assert back == run.state


def test_private_consultation_is_invisible_to_outsiders_in_events_and_view():
    run = played()
    tjk_events = [e.type for e in visible_events(run.events, "TJK")]
    assert "statement_posted" not in tjk_events
    assert all(c["topic"] != "Bilateral" for c in seat_view(run.state, "TJK")["consultations"])
    assert any(c["topic"] == "Bilateral" for c in seat_view(run.state, "KAZ")["consultations"])
    assert any(c["topic"] == "Bilateral" for c in seat_view(run.state, "facilitator")["consultations"])


def test_observer_sees_neither_private_talks_nor_observations_nor_control_messages():
    run = played()
    seen = {e.type for e in visible_events(run.events, "observer")}
    assert {"observation_added", "statement_posted", "control_message_sent"}.isdisjoint(seen)
    assert "exercise_created" in seen  # the scenario itself is for staff


def test_participants_do_not_see_the_scenario_or_other_briefings():
    run = played()
    seen = {e.type for e in visible_events(run.events, "TJK")}
    assert "exercise_created" not in seen
    view = seat_view(run.state, "TJK")
    # as the scenario gives it, in both its languages, to this seat alone
    assert view["me"]["briefing"]["en"].startswith("Your border post")
    assert view["me"]["briefing"]["ru"].startswith("Ваша погранзастава")
    assert all("briefing" not in s for s in view["seats"])
    assert "expectations" not in view and "observations" not in view
    # only the injects delivered to this seat, never the schedule
    assert {i["id"] for i in view["injects"]} == {"incursion", "refugees"}  # refugees: to UZB, TJK, SG
    staff = seat_view(run.state, "facilitator")
    assert {i["id"] for i in staff["injects"]} >= {"incursion", "field-report", "un-enquiry"}


def test_can_see():
    assert can_see(None, "TJK") and can_see(("TJK",), "TJK") and can_see((), "facilitator")
    assert not can_see(("RUS",), "TJK") and not can_see((), "observer")


def test_observer_view_of_the_schedule_agrees_with_its_events():
    run = played()
    run.do("facilitator", "deliver_inject", inject_id="field-report")  # to TJK only
    observer = {i["id"]: i for i in seat_view(run.state, "observer")["injects"]}
    facilitator = {i["id"]: i for i in seat_view(run.state, "facilitator")["injects"]}
    assert facilitator["field-report"]["status"] == "delivered"
    # sent to TJK alone: the observer sees neither its text nor its delivery, so it is not listed at
    # all (never "pending" for ever); what is sent to every seat is listed as the observer sees it
    assert "field-report" not in observer and observer["incursion"]["status"] == "delivered"
    assert {i for i, x in observer.items() if x["to"] != "all"} == set()
    assert all(b["all_members"] for b in seat_view(run.state, "TJK")["bodies"])


def test_the_view_names_the_generic_event_each_alias_records():
    """A client folds an alias's event as its generic one; the view tells it which that is."""
    run = Run(border_crisis())
    aliases = {a["records"]: a for a in seat_view(run.state, "TJK")["institutions"]["aliases"]}
    assert aliases["un_security_council_notified"]["event"] == "notification_sent"
    assert aliases["un_security_council_notified"]["means"] == {"type": "notify", "recipient": "UNSC"}
    assert aliases["accession_requested"]["event"] == "admission_requested"
    assert aliases["accession_requested"]["command"] == "request_accession"


def test_a_decision_in_the_view_shows_who_still_counts_on_it():
    """A seat suspended after a proposal leaves its electorate (docs/RULES.md): the view says who
    counts now, beside who was eligible, so a client can say what the decision still needs."""
    sc = small_scenario(
        statuses=small_scenario().model_dump()["statuses"] + [{"id": "suspended", "name": "suspended member"}],
        decision_kinds=["general", {"id": "suspension", "name": "Suspension", "effect": {"change": "suspend", "status": "suspended"}}])
    run = Run(sc)
    open_dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Open", text="x")[0].data["decision_id"]
    sus = run.do("KAZ", "propose_decision", body="CCS", kind="suspension", title="Suspend", text="x", subject="RUS")[0].data
    for seat in ("ARM", "KAZ", "TJK", "RUS"):
        run.do(seat, "cast_vote", decision_id=sus["decision_id"], vote="for" if seat != "RUS" else "abstain")
    dec = next(d for d in seat_view(run.state, "ARM")["decisions"] if d["id"] == open_dec)
    assert dec["eligible"] == ["ARM", "KAZ", "RUS", "TJK"] and dec["electorate"] == ["ARM", "KAZ", "TJK"]
