"""Every move a seat can record maps back to the command that recorded it (the basis of a fork's replay)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from server.domain.commands import parse_command, resolve_alias
from server.domain.decide import decide
from server.domain.registry import REGISTRY
from server.review.reenact import NotAMove, command_for, created_id, mover
from tests.review.support import MEMBERS, Play

Ids = dict[str, str]


def world() -> tuple[Play, Ids]:
    """A running crisis with one of everything to refer to."""
    p = Play()
    p.tick(0)
    p.do("TJK", "request_consultation", t=60, topic="Aggression", invitees="all")
    p.do("RUS", "request_consultation", t=70, topic="Side talk", invitees=["KAZ"], private=True)
    p.do("TJK", "request_assistance", t=90, kinds=["military"], summary="Help")
    p.do("SG", "convene_session", t=100, body="CCS", agenda=["Use of force"], time_frame_minutes=120)
    p.do("RUS", "propose_decision", t=110, body="CCS", kind="general", title="Condemn", text="We condemn it")
    dec = p.last("decision_proposed").data["decision_id"]
    for m in MEMBERS:
        p.do(m, "cast_vote", t=120, decision_id=dec, vote="for")
    p.do("RUS", "propose_decision", t=130, body="CCS", kind="general", title="Open one", text="Still open")
    p.do("TJK", "send_control_message", t=140, text="Question to control")
    ids = {"con": p.first("consultation_opened").data["consultation_id"],
           "private": p.last("consultation_opened").data["consultation_id"],
           "req": p.last("assistance_requested").data["request_id"],
           "ses": p.last("session_convened").data["session_id"], "dec": dec,
           "open": p.last("decision_proposed").data["decision_id"],
           "msg": p.last("control_message_sent").data["message_id"]}
    return p, ids


def _pause(p: Play, ids: Ids) -> None:
    p.do("facilitator", "pause_exercise", t=150)


def _accession(p: Play, ids: Ids) -> None:
    p.do("MDA", "request_accession", t=150)


# (seat, command type, fields given ids, setup before the move)
CASES: list[tuple[str, str, Callable[[Ids], dict[str, Any]], Callable[[Play, Ids], None] | None]] = [
    ("facilitator", "pause_exercise", lambda i: {}, None),
    ("facilitator", "resume_exercise", lambda i: {}, _pause),
    ("facilitator", "set_clock_speed", lambda i: {"factor": 4.0}, None),
    ("facilitator", "end_exercise", lambda i: {}, None),
    ("facilitator", "deliver_inject", lambda i: {"inject_id": "second-wave"}, None),
    ("facilitator", "send_inject", lambda i: {"title": "Ad hoc", "body": "A rumour", "to": ["TJK", "UZB"]}, None),
    ("facilitator", "add_observation", lambda i: {"text": "Slow start"}, None),
    ("facilitator", "score_expectation", lambda i: {"expectation_id": "threat-reported", "score": "missed", "note": "n"}, None),
    ("TJK", "send_control_message", lambda i: {"text": "Can we have maps?"}, None),
    ("facilitator", "answer_control_message", lambda i: {"seat": "TJK", "text": "Yes", "in_reply_to": i["msg"]}, None),
    ("TJK", "report_threat", lambda i: {"kind": "aggression", "summary": "Shelling", "source": "border guards"}, None),
    ("KAZ", "request_consultation", lambda i: {"topic": "Private", "invitees": ["RUS", "UZB"], "private": True}, None),
    ("KAZ", "request_consultation", lambda i: {"topic": "Regional", "invitees": ["RUS", "TJK"], "region": "central_asian"}, None),
    ("RUS", "invite_to_consultation", lambda i: {"consultation_id": i["private"], "invitees": ["UZB"]}, None),
    ("KAZ", "post_statement", lambda i: {"consultation_id": i["con"], "text": "We stand with Tajikistan"}, None),
    ("TJK", "close_consultation", lambda i: {"consultation_id": i["con"], "outcome": "coordinated", "position": "Joint"}, None),
    ("KGZ", "request_assistance", lambda i: {"kinds": ["logistics", "medical"], "summary": "Refugees"}, None),
    ("KAZ", "respond_to_assistance", lambda i: {"request_id": i["req"], "response": "pledge", "details": "A battalion"}, None),
    ("TJK", "close_assistance_request", lambda i: {"request_id": i["req"], "status": "fulfilled"}, None),
    ("SG", "convene_session", lambda i: {"body": "CDM", "agenda": ["Air defence", "Logistics"], "time_frame_minutes": 45}, None),
    ("RUS", "propose_decision", lambda i: {"body": "CCS", "kind": "use_of_armed_forces", "title": "Deploy", "text": "Go"}, None),
    ("RUS", "propose_decision", lambda i: {"body": "CCS", "kind": "general", "title": "Quick", "text": "Fast",
                                           "deadline_minutes": 10, "region": "central_asian"}, None),
    ("RUS", "propose_decision", lambda i: {"body": "CCS", "kind": "general", "title": "In session", "text": "x",
                                           "session_id": i["ses"], "deadline_minutes": 20}, None),
    ("UZB", "cast_vote", lambda i: {"decision_id": i["open"], "vote": "against"}, None),
    ("KGZ", "record_implementation", lambda i: {"decision_id": i["dec"], "status": "blocked", "note": "Parliament"}, None),
    ("SG", "notify_un_security_council", lambda i: {"summary": "Measures taken", "decision_id": i["dec"]}, None),
    ("MDA", "request_accession", lambda i: {}, None),
    ("KAZ", "propose_decision", lambda i: {"body": "CCS", "kind": "accession", "title": "Admit Moldova", "text": "Yes",
                                           "subject": "MDA"}, _accession),
    ("facilitator", "extend_deadline", lambda i: {"decision_id": i["open"], "minutes": 15}, None),
    ("KAZ", "close_vote", lambda i: {"decision_id": i["open"]}, None),  # KAZ chairs the CCS
    ("GEO", "give_notice_of_withdrawal", lambda i: {}, None),
]


@pytest.mark.parametrize("seat,type,fields,setup", CASES, ids=[f"{c[1]}-{n}" for n, c in enumerate(CASES)])
def test_the_event_maps_back_to_a_command_that_records_it_again(seat, type, fields, setup):
    p, ids = world()
    if setup is not None:
        setup(p, ids)
    before = p.state
    sc = p.state.scenario
    event = next(e for e in p.do(seat, type, t=200, **fields(ids)) if mover(e, sc) == seat)
    again = decide(before, command_for(event, scenario=sc), seat=seat, now=event.recorded_at, at=200.0)
    (same,) = [e for e in again if mover(e, sc) == seat]
    assert (same.type, dict(same.data), same.audience) == (event.type, dict(event.data), event.audience)


def test_every_command_a_seat_sends_has_a_case():
    sc = world()[0].state.scenario
    covered = {resolve_alias(sc, {"type": c[1]})["type"] for c in CASES} | {"start_exercise"}
    assert covered == {t for t, c in REGISTRY.commands.items() if c.by != "system"}


def test_start_maps_back():
    p = Play(start=False)
    (event,) = p.do("facilitator", "start_exercise", t=0)
    assert command_for(event) == parse_command({"type": "start_exercise"})


def test_a_consultation_of_all_names_its_invitees_as_they_were():
    p, _ = world()
    event = p.do("KAZ", "request_consultation", t=200, topic="Everyone", invitees="all")[0]
    cmd = command_for(event, scenario=p.state.scenario)
    assert cmd.invitees == [m for m in event.data["members"] if m != "KAZ"]
    assert "KAZ" not in cmd.invitees and "SG" in cmd.invitees and "TJK" in cmd.invitees


def test_references_are_translated():
    p, ids = world()
    fork_ids = {ids["open"]: "dec_99", ids["con"]: "con_98", ids["req"]: "req_97", ids["msg"]: "msg_96",
                ids["ses"]: "ses_95", ids["dec"]: "dec_94"}
    translate = fork_ids.__getitem__
    vote = p.do("UZB", "cast_vote", t=200, decision_id=ids["open"], vote="for")[0]
    assert command_for(vote, translate, p.state.scenario).decision_id == "dec_99"
    statement = p.do("KAZ", "post_statement", t=201, consultation_id=ids["con"], text="x")[0]
    assert command_for(statement, translate, p.state.scenario).consultation_id == "con_98"
    answer = p.do("KAZ", "respond_to_assistance", t=202, request_id=ids["req"], response="pledge")[0]
    assert command_for(answer, translate, p.state.scenario).request_id == "req_97"
    reply = p.do("facilitator", "answer_control_message", t=203, seat="TJK", text="y", in_reply_to=ids["msg"])[0]
    assert command_for(reply, translate, p.state.scenario).in_reply_to == "msg_96"
    proposal = p.do("RUS", "propose_decision", t=204, body="CCS", kind="general", title="t", text="x", session_id=ids["ses"])[0]
    assert command_for(proposal, translate, p.state.scenario).session_id == "ses_95"
    note = p.do("SG", "notify_un_security_council", t=205, summary="s", decision_id=ids["dec"])[0]
    assert command_for(note, translate, p.state.scenario).decision_id == "dec_94"


def test_ids_created_by_moves():
    p, ids = world()
    assert created_id(p.first("consultation_opened")) == ids["con"]
    assert created_id(p.first("decision_proposed")) == ids["dec"]
    assert created_id(p.first("vote_cast")) is None


def test_system_events_are_not_moves():
    p, _ = world()
    for type in ("exercise_created", "decision_adopted", "inject_delivered"):  # the incursion came by schedule
        with pytest.raises(NotAMove):
            command_for(p.first(type), scenario=p.state.scenario)
