"""decide(): every command's permissions and refusals, as given-events / when-command / then-events."""

from __future__ import annotations

import pytest

from server.domain.errors import Refused
from server.domain.fold import fold

from server.domain.slices.assistance import REQUESTS
from server.domain.slices.decisions import DECISIONS
from server.domain.slices.membership import APPLICATIONS

from .support import Run, small_scenario


def refused(run: Run, seat: str, type: str, /, **fields) -> Refused:
    with pytest.raises(Refused) as info:
        run.decide(seat, type, **fields)
    return info.value


# --- lifecycle and clock ---------------------------------------------------------------------

def test_the_facilitator_runs_the_clock():
    run = Run(start=False)
    assert run.types(run.do("facilitator", "start_exercise")) == ["exercise_started"]
    run.at(10)
    assert run.types(run.do("facilitator", "pause_exercise")) == ["exercise_paused"]
    assert run.state.status == "paused"
    run.at(50)  # a long lunch: the exercise clock stood still
    assert run.types(run.do("facilitator", "resume_exercise")) == ["exercise_resumed"]
    assert run.events[-1].exercise_time == pytest.approx(600)
    run.do("facilitator", "set_clock_speed", factor=4)
    run.at(55)
    ev = run.do("facilitator", "end_exercise")[0]
    assert ev.exercise_time == pytest.approx(600 + 5 * 60 * 4)
    assert run.state.status == "ended"


@pytest.mark.parametrize("type", ["start_exercise", "pause_exercise", "resume_exercise", "end_exercise",
                                  "add_observation", "send_inject", "deliver_inject", "answer_control_message",
                                  "score_expectation", "set_clock_speed"])
def test_participants_cannot_use_facilitator_commands(type):
    fields = {"add_observation": {"text": "x"}, "send_inject": {"title": "x"}, "deliver_inject": {"inject_id": "incursion"},
              "answer_control_message": {"seat": "TJK", "text": "x"}, "set_clock_speed": {"factor": 2},
              "score_expectation": {"expectation_id": "x", "score": "met"}}.get(type, {})
    err = refused(Run(), "TJK", type, **fields)
    assert (err.status, err.code) == (403, "facilitator_only")


@pytest.mark.parametrize("seat,type,code", [
    ("facilitator", "start_exercise", "already_started"),
    ("facilitator", "resume_exercise", "not_paused"),
])
def test_clock_commands_in_the_wrong_state(seat, type, code):
    err = refused(Run(), seat, type)
    assert (err.status, err.code) == (409, code)


def test_pause_needs_a_running_exercise():
    assert refused(Run(start=False), "facilitator", "pause_exercise").code == "not_running"


def test_no_moves_before_the_start():
    err = refused(Run(start=False), "TJK", "report_threat", kind="threat", summary="troops massing")
    assert (err.status, err.code) == (409, "not_started")


def test_no_moves_after_the_end():
    run = Run()
    run.do("facilitator", "end_exercise")
    assert refused(run, "TJK", "report_threat", kind="threat", summary="x").code == "exercise_ended"
    assert refused(run, "facilitator", "end_exercise").code == "not_running"


def test_no_participant_moves_while_paused_unless_the_scenario_allows():
    run = Run()
    run.do("facilitator", "pause_exercise")
    assert refused(run, "TJK", "report_threat", kind="threat", summary="x").code == "exercise_paused"
    run.do("facilitator", "add_observation", text="The room breaks for lunch")  # the facilitator still can
    relaxed = Run(small_scenario(settings={"allow_actions_while_paused": True}))
    relaxed.do("facilitator", "pause_exercise")
    assert relaxed.types(relaxed.do("TJK", "report_threat", kind="threat", summary="x")) == ["threat_reported"]


def test_observers_only_watch():
    err = refused(Run(), "observer", "report_threat", kind="threat", summary="x")
    assert (err.status, err.code) == (403, "observer_read_only")


# --- injects, observations, control channel -------------------------------------------------

def test_deliver_inject_once_and_to_its_audience():
    run = Run()
    ev = run.do("facilitator", "deliver_inject", inject_id="private-note")[0]
    assert ev.audience == ("TJK",)
    assert refused(run, "facilitator", "deliver_inject", inject_id="private-note").code == "already_delivered"
    assert refused(run, "facilitator", "deliver_inject", inject_id="nope").status == 422


def test_ad_hoc_inject_to_chosen_seats():
    run = Run()
    ev = run.do("facilitator", "send_inject", title="Rumour", body="Troops seen", to=["RUS", "KAZ"])[0]
    assert ev.data["inject_id"].startswith("adhoc_") and ev.audience == ("RUS", "KAZ")
    assert refused(run, "facilitator", "send_inject", title="x", to=["XXX"]).code == "unknown_seat"


def test_observations_are_for_the_facilitator_alone():
    ev = Run().do("facilitator", "add_observation", text="TJK hesitated")[0]
    assert ev.audience == ()


def test_control_channel_is_private_to_the_seat_and_the_facilitator():
    run = Run()
    asked = run.do("RUS", "send_control_message", text="What does the aggressor do next?")[0]
    assert asked.audience == ("RUS",)
    answered = run.do("facilitator", "answer_control_message", seat="RUS", text="It withdraws.", in_reply_to=asked.data["message_id"])[0]
    assert answered.audience == ("RUS",)
    assert refused(run, "facilitator", "send_control_message", text="x").status == 403
    assert refused(run, "facilitator", "answer_control_message", seat="XXX", text="x").code == "unknown_seat"


# --- threats and consultations ---------------------------------------------------------------

def test_states_report_threats_offices_without_the_power_do_not():
    run = Run()
    assert run.types(run.do("UKR", "report_threat", kind="threat", summary="x")) == ["threat_reported"]
    err = refused(run, "SG", "report_threat", kind="threat", summary="x")
    assert (err.status, err.code) == (403, "not_allowed")
    assert err.message == "SG (Office) may not report a threat in this exercise."


def test_consultations_open_to_all_members_or_private():
    run = Run()
    open_ = run.do("TJK", "request_consultation", topic="Art. 2", invitees="all", private=False)[0]
    assert open_.audience is None
    assert set(open_.data["members"]) == {"TJK", "ARM", "KAZ", "RUS", "SG"}
    private = run.do("RUS", "request_consultation", topic="Bilateral", invitees=["KAZ"], private=True)[0]
    assert private.audience == ("RUS", "KAZ")


def test_any_state_calls_consultations_an_office_needs_the_power():
    seats = small_scenario().model_dump()["seats"] + [{"id": "SEC", "name": "Secretariat", "kind": "office", "powers": []}]
    run = Run(small_scenario(seats=seats))
    assert run.types(run.do("UKR", "request_consultation", topic="Our border", invitees=["RUS"])) == ["consultation_opened"]
    err = refused(run, "SEC", "request_consultation", topic="x", invitees="all")
    assert (err.status, err.code) == (403, "not_allowed")
    con = run.do("TJK", "request_consultation", topic="x", invitees=["UKR"])[0].data["consultation_id"]
    assert run.types(run.do("UKR", "post_statement", consultation_id=con, text="We are concerned")) == ["statement_posted"]


@pytest.mark.parametrize("seat,type,fields", [
    ("SG", "report_threat", {"kind": "threat", "summary": "x"}),
    ("UKR", "request_assistance", {"kinds": ["military"], "summary": "x"}),
    ("ARM", "convene_session", {"body": "CCS", "agenda": ["x"], "time_frame_minutes": 10}),
    ("KAZ", "request_accession", {}),
    ("UKR", "propose_decision", {"body": "CCS", "kind": "general", "title": "t", "text": "x"}),
    ("UKR", "notify_un_security_council", {"summary": "x"}),
    ("UKR", "respond_to_assistance", {"request_id": "req_1", "response": "pledge"}),
])
@pytest.mark.parametrize("when", ["before the start", "while paused", "after the end"])
def test_a_seat_that_may_never_do_something_hears_403_whatever_the_state(seat, type, fields, when):
    run = Run(start=when != "before the start")
    if when == "while paused":
        run.do("facilitator", "pause_exercise")
    elif when == "after the end":
        run.do("facilitator", "end_exercise")
    assert refused(run, seat, type, **fields).status == 403


def test_regional_consultation_invites_the_region_and_the_offices():
    run = Run()
    ev = run.do("TJK", "request_consultation", topic="Central Asia", invitees="all", region="central_asian")[0]
    assert set(ev.data["members"]) == {"TJK", "KAZ", "RUS", "SG"}


def test_statements_only_by_members_of_the_consultation():
    run = Run()
    con = run.do("RUS", "request_consultation", topic="x", invitees=["KAZ"], private=False)[0].data["consultation_id"]
    err = refused(run, "TJK", "post_statement", consultation_id=con, text="hello")
    assert (err.status, err.code) == (403, "not_invited")


def test_a_private_consultation_does_not_exist_for_outsiders():
    run = Run()
    con = run.do("RUS", "request_consultation", topic="x", invitees=["KAZ"], private=True)[0].data["consultation_id"]
    err = refused(run, "TJK", "post_statement", consultation_id=con, text="hello")
    assert (err.status, err.code) == (409, "unknown_consultation")


def test_only_the_convener_invites_and_closes():
    run = Run()
    con = run.do("RUS", "request_consultation", topic="x", invitees=["KAZ"], private=True)[0].data["consultation_id"]
    assert refused(run, "KAZ", "invite_to_consultation", consultation_id=con, invitees=["TJK"]).code == "convener_only"
    ev = run.do("RUS", "invite_to_consultation", consultation_id=con, invitees=["TJK"])[0]
    assert ev.audience == ("RUS", "KAZ", "TJK")
    assert refused(run, "RUS", "invite_to_consultation", consultation_id=con, invitees=["TJK"]).code == "already_invited"
    assert refused(run, "KAZ", "close_consultation", consultation_id=con, outcome="coordinated").code == "convener_only"
    closed = run.do("RUS", "close_consultation", consultation_id=con, outcome="coordinated", position="Joint statement")[0]
    assert closed.audience == ("RUS", "KAZ", "TJK")
    assert refused(run, "KAZ", "post_statement", consultation_id=con, text="late").code == "consultation_closed"
    assert refused(run, "RUS", "close_consultation", consultation_id=con, outcome="no_agreement").code == "consultation_closed"


# --- assistance --------------------------------------------------------------------------------

def test_assistance_workflow():
    run = Run()
    req = run.do("TJK", "request_assistance", kinds=["military", "logistics"], summary="Two battalions")[0]
    rid = req.data["request_id"]
    assert req.data["expected"] == ["ARM", "KAZ", "RUS"]
    run.do("RUS", "respond_to_assistance", request_id=rid, response="pledge", details="A battalion")
    assert refused(run, "RUS", "respond_to_assistance", request_id=rid, response="decline").code == "already_responded"
    assert refused(run, "TJK", "respond_to_assistance", request_id=rid, response="pledge").code == "own_request"
    assert refused(run, "UKR", "respond_to_assistance", request_id=rid, response="pledge").code == "not_allowed"
    assert refused(run, "KAZ", "close_assistance_request", request_id=rid, status="fulfilled").code == "requester_only"
    run.do("TJK", "close_assistance_request", request_id=rid, status="fulfilled")
    assert REQUESTS.of(run.state)[rid].status == "fulfilled"
    assert refused(run, "KAZ", "respond_to_assistance", request_id=rid, response="pledge").code == "request_closed"
    assert refused(run, "TJK", "close_assistance_request", request_id=rid, status="withdrawn").code == "request_closed"


def test_only_members_request_assistance_and_only_known_kinds():
    run = Run()
    assert refused(run, "UKR", "request_assistance", kinds=["military"], summary="x").code == "not_allowed"
    assert refused(run, "SG", "request_assistance", kinds=["military"], summary="x").code == "not_allowed"
    err = refused(run, "TJK", "request_assistance", kinds=["nuclear"], summary="x")
    assert (err.status, err.code) == (422, "unknown_assistance_kind")
    assert refused(run, "TJK", "respond_to_assistance", request_id="req_99", response="pledge").code == "unknown_request"


# --- sessions and decisions --------------------------------------------------------------------

def test_the_secretary_general_convenes_sessions_with_a_time_frame():
    run = Run(small_scenario(injects=[]))
    ev = run.do("SG", "convene_session", body="CCS", agenda=["Aggression against TJK"], time_frame_minutes=40)[0]
    assert ev.data["ends_at"] == pytest.approx(ev.exercise_time + 2400)
    assert refused(run, "RUS", "convene_session", body="CCS", agenda=["x"], time_frame_minutes=10).code == "cannot_convene"
    assert refused(run, "SG", "convene_session", body="NOPE", agenda=["x"], time_frame_minutes=10).code == "unknown_body"
    run.at(41)
    assert run.types(run.tick()) == ["session_closed"]


def test_decisions_inside_a_session_end_with_its_time_frame():
    run = Run()
    ses = run.do("SG", "convene_session", body="CCS", agenda=["x"], time_frame_minutes=10)[0].data["session_id"]
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", session_id=ses)[0]
    assert dec.data["deadline"] == pytest.approx(600)  # the rule says 30 minutes; the session ends first
    assert refused(run, "KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", session_id="ses_99").code == "no_such_session"


def test_who_may_propose():
    run = Run()
    assert run.types(run.do("SG", "propose_decision", body="CCS", kind="general", title="t", text="x"))[0] == "decision_proposed"
    err = refused(run, "UKR", "propose_decision", body="CCS", kind="general", title="t", text="x")
    assert (err.status, err.code) == (403, "not_in_body")
    assert refused(run, "KAZ", "propose_decision", body="CCS", kind="invasion", title="t", text="x").code == "unknown_decision_kind"
    assert refused(run, "KAZ", "propose_decision", body="XYZ", kind="general", title="t", text="x").code == "unknown_body"


def test_the_rule_in_force_and_the_eligible_voters_are_copied_into_the_proposal():
    run = Run()
    data = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", deadline_minutes=15)[0].data
    assert data["rule"]["rule"] == "consensus" and data["eligible"] == ["ARM", "KAZ", "RUS", "TJK"]
    assert data["deadline"] == pytest.approx(15 * 60)


def test_regional_decisions_are_voted_by_the_region():
    run = Run()
    data = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", region="central_asian")[0].data
    assert data["eligible"] == ["KAZ", "RUS", "TJK"]
    assert refused(run, "ARM", "cast_vote", decision_id=data["decision_id"], vote="for").code == "not_eligible"


def test_votes_change_until_the_last_voter_settles_the_decision():
    run = Run()
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["decision_id"]
    run.do("ARM", "cast_vote", decision_id=dec, vote="against")
    run.do("ARM", "cast_vote", decision_id=dec, vote="for")  # persuaded
    assert refused(run, "ARM", "cast_vote", decision_id=dec, vote="for").code == "same_vote"
    run.do("KAZ", "cast_vote", decision_id=dec, vote="for")
    run.do("RUS", "cast_vote", decision_id=dec, vote="abstain")
    last = run.do("TJK", "cast_vote", decision_id=dec, vote="for")
    assert run.types(last) == ["vote_cast", "decision_adopted"]
    assert last[1].actor == "system" and last[1].data["tally"] == {"for": 3, "against": 0, "abstain": 1, "not_voted": 0, "eligible": 4}
    err = refused(run, "RUS", "cast_vote", decision_id=dec, vote="for")
    assert (err.status, err.code) == (409, "decision_settled")


def test_non_members_and_non_signatories_cannot_vote():
    run = Run()
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["decision_id"]
    err = refused(run, "UKR", "cast_vote", decision_id=dec, vote="for")
    assert (err.status, err.code, err.message) == (403, "not_in_body", "UKR is not a member of the Council of Collective Security and cannot vote on this decision.")
    assert refused(run, "SG", "cast_vote", decision_id=dec, vote="for").code == "not_in_body"
    assert refused(run, "KAZ", "cast_vote", decision_id="dec_99", vote="for").code == "unknown_decision"


def test_a_non_signatory_votes_where_its_seat_is_given_the_power():
    seats = [dict(s, powers=["cast_vote"]) if s["id"] == "UKR" else s for s in small_scenario().model_dump()["seats"]]
    sc = small_scenario(seats=seats, bodies=[{"id": "CCS", "name": "Council", "members": ["ARM", "KAZ", "UKR", "SG"]}])
    run = Run(sc)
    data = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data
    assert data["eligible"] == ["ARM", "KAZ", "UKR"]  # SG sits in the body but holds no vote


def test_deadline_settles_by_the_rule_or_lapses():
    run = Run(small_scenario(injects=[]))
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["decision_id"]
    run.do("KAZ", "cast_vote", decision_id=dec, vote="for")
    run.at(29)
    assert run.tick() == []
    run.at(31)
    ev = run.tick()
    assert run.types(ev) == ["decision_lapsed"] and ev[0].exercise_time == pytest.approx(1800)


def test_silence_procedure_adopts_when_time_runs_out():
    rule = {"body": "*", "kind": "*", "rule": "silence_procedure", "deadline_minutes": 20}
    run = Run(small_scenario(rules=[rule], injects=[]))
    run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Joint alert", text="x")
    run.at(21)
    assert run.types(run.tick()) == ["decision_adopted"]


def test_national_implementation_after_adoption_by_members_bound():
    run = Run()
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="use_of_armed_forces", title="t", text="x")[0].data["decision_id"]
    assert refused(run, "KAZ", "record_implementation", decision_id=dec, status="in_force").code == "not_adopted"
    for seat in ("ARM", "KAZ", "RUS", "TJK"):
        run.do(seat, "cast_vote", decision_id=dec, vote="for")
    run.do("ARM", "record_implementation", decision_id=dec, status="blocked", note="Parliament refused")
    assert DECISIONS.of(run.state)[dec].implementations["ARM"].status == "blocked"
    assert refused(run, "ARM", "record_implementation", decision_id=dec, status="blocked", note="Parliament refused").code == "already_recorded"
    run.do("ARM", "record_implementation", decision_id=dec, status="in_force", note="Second reading passed")
    err = refused(run, "UKR", "record_implementation", decision_id=dec, status="in_force")
    assert (err.status, err.code) == (403, "not_bound")


def test_un_security_council_notification():
    run = Run()
    assert run.types(run.do("SG", "notify_un_security_council", summary="Measures taken")) == ["un_security_council_notified"]
    assert run.types(run.do("RUS", "notify_un_security_council", summary="Art. 51 report")) == ["un_security_council_notified"]
    assert refused(run, "UKR", "notify_un_security_council", summary="x").code == "not_allowed"
    assert refused(run, "RUS", "notify_un_security_council", summary="x", decision_id="dec_99").code == "unknown_decision"


def test_accession_requested_by_a_non_signatory_and_decided_by_the_council():
    run = Run()
    assert refused(run, "KAZ", "request_accession").code == "not_allowed"
    assert refused(run, "SG", "request_accession").code == "not_allowed"
    assert refused(run, "KAZ", "propose_decision", body="CCS", kind="accession", title="UKR joins", text="x", subject="UKR").code == "no_pending_application"
    assert run.types(run.do("UKR", "request_accession")) == ["accession_requested"]
    assert refused(run, "UKR", "request_accession").code == "application_pending"
    assert refused(run, "KAZ", "propose_decision", body="CCS", kind="accession", title="t", text="x").code == "subject_required"
    dec = run.do("SG", "propose_decision", body="CCS", kind="accession", title="UKR joins", text="x", subject="UKR")[0].data
    assert "UKR" not in dec["eligible"]
    for seat in ("ARM", "KAZ", "RUS"):
        run.do(seat, "cast_vote", decision_id=dec["decision_id"], vote="for")
    last = run.do("TJK", "cast_vote", decision_id=dec["decision_id"], vote="for")
    assert run.types(last) == ["vote_cast", "decision_adopted", "seat_admitted"]
    assert run.state.statuses["UKR"] == "member"
    # now a member: bound by Art. 4, votes in the Council
    assert run.types(run.do("UKR", "request_assistance", kinds=["air_defence"], summary="x"))[0] == "assistance_requested"
    assert "UKR" in run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["eligible"]


def test_a_rejected_accession_leaves_the_seat_outside():
    run = Run()
    run.do("UKR", "request_accession")
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="accession", title="t", text="x", subject="UKR")[0].data["decision_id"]
    run.do("ARM", "cast_vote", decision_id=dec, vote="against")
    # with a quorum (2 of 4), one objection settles a consensus: rejected at once
    assert run.types(run.do("KAZ", "cast_vote", decision_id=dec, vote="for")) == ["vote_cast", "decision_rejected"]
    assert run.state.statuses["UKR"] == "non_signatory"
    assert [a.status for a in APPLICATIONS.of(run.state).values()] == ["refused"]


def test_expectations_are_scored_by_the_facilitator():
    from .support import border_crisis

    run = Run(border_crisis())
    ev = run.do("facilitator", "score_expectation", expectation_id="un-notified", score="missed", note="Late")[0]
    assert ev.audience == ("observer",)
    assert refused(run, "facilitator", "score_expectation", expectation_id="nope", score="met").code == "unknown_expectation"


# --- ids are derived from the stream --------------------------------------------------------

def test_ids_come_from_the_salt_and_the_seq_and_do_not_show_the_seq():
    from server.domain.decide import decide

    def play(salt: bytes) -> list:
        run = Run()
        for seat, body in (("TJK", {"type": "request_consultation", "topic": "x", "invitees": "all"}),
                           ("TJK", {"type": "request_assistance", "kinds": ["military"], "summary": "x"}),
                           ("KAZ", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "t", "text": "x"})):
            new = decide(run.state, run.command(seat, body.pop("type"), **body), seat=seat, now=run.now, salt=salt)
            run.events += new
            run.state = fold(new, run.state)
        return [dict(e.data) for e in run.events[2:]]

    first, again, other = play(b"k1"), play(b"k1"), play(b"k2")
    assert first == again  # the same salt and seq: the same ids
    ids = [first[0]["consultation_id"], first[1]["request_id"], first[2]["decision_id"]]
    assert [i.split("_")[0] for i in ids] == ["con", "req", "dec"]
    assert all(len(i.split("_")[1]) == 12 and not i.endswith(("_3", "_4", "_5")) for i in ids)
    assert other[0]["consultation_id"] != first[0]["consultation_id"]  # another salt: ids that cannot be guessed


def test_a_regional_consultation_invites_only_seats_of_the_region():
    run = Run()
    err = refused(run, "TJK", "request_consultation", topic="x", invitees=["ARM"], region="central_asian")
    assert (err.status, err.code) == (422, "outside_region")
    ev = run.do("TJK", "request_consultation", topic="x", invitees=["KAZ", "SG"], region="central_asian")[0]
    assert ev.data["members"] == ["TJK", "KAZ", "SG"]


def test_settlement_records_who_is_bound():
    run = Run()
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", region="central_asian")[0].data["decision_id"]
    for seat in ("KAZ", "RUS"):
        run.do(seat, "cast_vote", decision_id=dec, vote="for")
    adopted = run.do("TJK", "cast_vote", decision_id=dec, vote="for")[1]
    assert adopted.data["eligible"] == ["KAZ", "RUS", "TJK"]
