"""A log is accepted only if it is a history the engine could have recorded: each move decided again
from the state before it, each outcome derived again, ids taken as the log's. Forged histories are
refused at the first event the engine could not have recorded, saying why."""

from __future__ import annotations


from server.domain.events import freeze, thaw
from server.domain.fold import evolve, fold
from server.review.fork import plan_fork
from server.review.history import Possible
from tests.review.support import MEMBERS, T0, Play


def played() -> Play:
    """A run with a bit of everything: injects by schedule and by trigger, a threat, consultations
    public and private, a request answered, a decision settled by its last vote, implementation, a
    notification under the pack's alias, an accession, the control channel, a deadline that lapses."""
    p = Play()
    p.tick(0)
    p.do("TJK", "report_threat", t=60, kind="aggression", summary="Shelling", against=[])
    p.do("TJK", "request_consultation", t=90, topic="Art. 2", invitees="all")
    p.do("RUS", "request_consultation", t=100, topic="Side", invitees=["KAZ"], private=True)
    p.do("TJK", "request_assistance", t=120, kinds=["military", "border_troops"], summary="Help")
    req = p.last("assistance_requested").data["request_id"]
    p.do("RUS", "respond_to_assistance", t=150, request_id=req, response="pledge")
    p.do("TKM", "respond_to_assistance", t=160, request_id=req, response="pledge")
    p.tick(600)  # field report at 00:10
    p.do("RUS", "propose_decision", t=700, body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")
    dec = p.last("decision_proposed").data["decision_id"]
    for i, m in enumerate(MEMBERS):
        p.do(m, "cast_vote", t=710 + i, decision_id=dec, vote="for")
    p.do("KGZ", "record_implementation", t=800, decision_id=dec, status="blocked", note="Parliament")
    p.do("SG", "notify_un_security_council", t=810, summary="Measures", decision_id=dec)
    p.do("MDA", "request_accession", t=820)
    p.do("KGZ", "send_control_message", t=830, text="?")
    p.do("facilitator", "answer_control_message", t=840, seat="KGZ", text="!")
    p.do("KAZ", "propose_decision", t=900, body="CFM", kind="general", title="Statement", text="x", deadline_minutes=5)
    p.tick(1300)  # the statement lapses at its deadline
    return p


def check(events) -> tuple[int, str] | None:
    """The first event the check refuses (seq, why), or None."""
    possible = Possible()
    state = fold(events[:1])
    for ev in events[1:]:
        why = possible(state, ev)
        if why is not None:
            return ev.seq, why
        state = evolve(state, ev)
    return None


def test_a_played_run_is_a_possible_history():
    p = played()
    assert check(p.events) is None
    assert {e.type for e in p.events} >= {"decision_adopted", "decision_lapsed", "un_security_council_notified",
                                          "accession_requested", "inject_delivered", "implementation_recorded"}


def test_a_fork_replayed_under_other_rules_is_a_possible_history():
    p = played()
    at = p.first("decision_proposed").seq - 1
    qualified = [{"body": "*", "kind": "*", "rule": "qualified_majority", "threshold": 0.67, "deadline_minutes": 60}]
    plan = plan_fork(p.events, from_exercise_id="ex_x", at=at, rules=qualified, replay=True, now=T0 + 9999, salt=b"fork")
    assert check(plan.events) is None


def edited(events, seq: int, **data) -> list:
    out = list(events)
    ev = out[seq - 1]
    out[seq - 1] = ev._replace(data=freeze({**thaw(ev.data), **data}))
    return out


def test_a_forged_admission_is_refused():
    p = played()
    forged = list(p.events)
    vote = next(e for e in forged if e.type == "vote_cast")
    fake = vote._replace(type="seat_admitted", actor="system", version=2,
                         data=freeze({"seat": "UKR", "status": "member", "decision_id": vote.data["decision_id"]}))
    forged.insert(vote.seq - 1, fake)
    forged = [e._replace(seq=i) for i, e in enumerate(forged, 1)]
    seq, why = check(forged)
    assert seq == vote.seq and "seat_admitted" in why


def test_a_vote_by_a_seat_that_may_not_vote_is_refused():
    p = played()
    vote = next(e for e in p.events if e.type == "vote_cast")
    forged = list(p.events)
    forged[vote.seq - 1] = vote._replace(actor="UKR")
    seq, why = check(forged)
    assert seq == vote.seq and "refuses" in why and "not_in_body" in why


def test_an_outcome_with_another_tally_is_refused():
    p = played()
    adopted = p.first("decision_adopted")
    seq, why = check(edited(p.events, adopted.seq, tally={"for": 9, "against": 0, "abstain": 0, "not_voted": 0,
                                                          "eligible": 12}))
    assert seq == adopted.seq and "tally" in why


def test_a_missing_outcome_is_refused_at_the_event_that_takes_its_place():
    p = played()
    adopted = p.first("decision_adopted")
    forged = [e for e in p.events if e.seq != adopted.seq]
    forged = [e._replace(seq=i) for i, e in enumerate(forged, 1)]
    seq, why = check(forged)
    assert seq == adopted.seq and "decision_adopted" in why


def test_an_inject_delivered_before_its_time_is_refused():
    p = played()
    field_report = next(e for e in p.events if e.type == "inject_delivered" and e.data["inject_id"] == "field-report")
    forged = list(p.events)
    forged[field_report.seq - 1] = field_report._replace(exercise_time=300.0)
    seq, why = check(forged)
    assert seq == field_report.seq


def test_ids_are_the_logs_own():
    """The engine draws ids at random: the log's are adopted, and what refers to them is read
    through them (the decision's votes and outcome refer to the log's decision id)."""
    p = played()
    dec = p.first("decision_proposed")
    renamed = {dec.data["decision_id"]: "dec_000000000000"}

    def rename(v):
        if isinstance(v, str):
            return renamed.get(v, v)
        if isinstance(v, dict):
            return {k: rename(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rename(x) for x in v]
        return v

    forged = [e._replace(data=freeze(rename(thaw(e.data)))) for e in p.events]
    assert check(forged) is None
