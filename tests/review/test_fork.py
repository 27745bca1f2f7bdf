"""Forks planned over a log: copied history, new rules, re-enacted moves, skipped moves, a pause at the end."""

from __future__ import annotations

import pytest

from server.review.compare import compare_reports
from server.review.fork import BadFork, plan_fork
from server.review.report import build_report
from tests.review.support import MEMBERS, T0, Play

QUALIFIED = [{"body": "*", "kind": "*", "rule": "qualified_majority", "threshold": 0.67, "quorum": 0.5,
              "deadline_minutes": 60}]


def one_objection() -> tuple[Play, int]:
    """A use-of-force decision under consensus: eight for, Azerbaijan against, so it is rejected.
    Returns the run and the seq of the proposal."""
    p = Play()
    p.tick(0)
    p.do("TJK", "report_threat", t=120, kind="aggression", summary="Shelling")
    p.do("RUS", "propose_decision", t=600, body="CCS", kind="use_of_armed_forces", title="Deploy", text="Deploy forces")
    proposal = p.last("decision_proposed")
    for i, m in enumerate([*(m for m in MEMBERS if m != "AZE"), "AZE"]):  # the objection last: all voted, rejected
        p.do(m, "cast_vote", t=700 + 30 * i, decision_id=proposal.data["decision_id"], vote="against" if m == "AZE" else "for")
    p.do("SG", "notify_un_security_council", t=1200, summary="No decision yet")
    return p, proposal.seq


def outcome(events, title="Deploy") -> str:
    return next(d["outcome"] for d in build_report(events)["decisions"] if d["title"] == title)


def test_the_original_rejects_under_consensus():
    p, _ = one_objection()
    assert outcome(p.events) == "rejected"


def test_a_fork_at_the_proposal_under_qualified_majority_adopts_it():
    p, at = one_objection()
    plan = plan_fork(p.events, from_exercise_id="ex_original", at=at, rules=QUALIFIED, replay=True, now=T0 + 5000)
    assert plan.events[:at] == p.events[:at]  # history copied unchanged
    forked = plan.events[at]
    assert forked.type == "exercise_forked" and forked.seq == at + 1
    assert forked.data["from_exercise_id"] == "ex_original" and forked.data["at"] == at
    dec_id = p.first("decision_proposed").data["decision_id"]
    assert forked.data["reruled"][dec_id]["rule"] == "qualified_majority"
    assert outcome(plan.events) == "adopted"
    # the seventh "for" adopts it at once under 0.67 of members: the last two votes find it settled
    assert [(s["actor"], s["code"]) for s in plan.skipped] == [("UZB", "decision_settled"), ("AZE", "decision_settled")]
    assert plan.reenacted == 7 + 1  # seven votes and the UN notification
    votes = [e for e in plan.events[at:] if e.type == "vote_cast"]
    assert [(v.actor, v.exercise_time) for v in votes] == [(v.actor, v.exercise_time) for v in p.events if v.type == "vote_cast"][:7]
    assert [e.seq for e in plan.events] == list(range(1, len(plan.events) + 1))
    # the fork ends paused at the last exercise time, for the facilitator to resume
    assert plan.events[-1].type == "exercise_paused" and plan.events[-1].actor == "facilitator"
    assert plan.state.status == "paused"
    assert plan.events[-1].exercise_time == 1200.0


def test_the_comparison_marks_the_changed_outcome():
    p, at = one_objection()
    plan = plan_fork(p.events, from_exercise_id="ex_original", at=at, rules=QUALIFIED, replay=True, now=T0 + 5000)
    cmp = compare_reports(build_report(p.events), build_report(plan.events), a_id="A", b_id="B")
    (d,) = cmp["decisions"]
    assert d["changed"] is True
    assert (d["a"]["outcome"], d["b"]["outcome"]) == ("rejected", "adopted")
    assert d["a"]["rule"]["rule"] == "consensus" and d["b"]["rule"]["rule"] == "qualified_majority"
    assert (d["a"]["tally"]["against"], d["b"]["tally"]["against"]) == (1, 0)
    assert cmp["changes"]["decisions"] == 1
    force = next(e for e in cmp["expectations"] if e["id"] == "decision-on-force")
    assert force["a"]["status"] == "pending" and force["b"]["status"] == "met" and force["changed"] is True
    assert cmp["b"]["forked_from"]["exercise_id"] == "ex_original"


def test_a_fork_without_replay_stops_at_the_fork_point():
    p, at = one_objection()
    plan = plan_fork(p.events, from_exercise_id="ex_original", at=at, rules=None, replay=False, now=T0 + 5000)
    assert [e.type for e in plan.events[at:]] == ["exercise_forked", "exercise_paused"]
    assert plan.events[at].data["rules"] is None and plan.events[at].data["reruled"] == {}
    assert outcome(plan.events) == "open"


def test_ids_created_after_the_fork_point_are_translated():
    p, _ = one_objection()
    proposal_seq = p.first("decision_proposed").seq
    at = proposal_seq - 1  # fork before the proposal: it is re-enacted, one seq later
    plan = plan_fork(p.events, from_exercise_id="ex_original", at=at, rules=QUALIFIED, replay=True, now=T0 + 5000)
    original_id = p.first("decision_proposed").data["decision_id"]
    fork_id = next(e for e in plan.events if e.type == "decision_proposed").data["decision_id"]
    assert fork_id != original_id and plan.id_map[original_id] == fork_id
    assert {e.data["decision_id"] for e in plan.events if e.type == "vote_cast"} == {fork_id}
    # re-proposed under the fork's rules: qualified majority
    assert next(e for e in plan.events if e.type == "decision_proposed").data["rule"]["rule"] == "qualified_majority"
    assert outcome(plan.events) == "adopted"


def test_moves_the_fork_refuses_are_skipped_with_the_reason():
    p, _ = one_objection()
    at = p.first("decision_proposed").seq - 1
    short = [dict(QUALIFIED[0], deadline_minutes=2)]  # the re-enacted proposal lapses before most votes
    plan = plan_fork(p.events, from_exercise_id="ex_original", at=at, rules=short, replay=True, now=T0 + 5000)
    lapsed = next(e for e in plan.events if e.type.startswith("decision_") and e.type != "decision_proposed")
    assert lapsed.type == "decision_lapsed" and lapsed.exercise_time == 600.0 + 120
    late_votes = [e for e in p.events if e.type == "vote_cast" and e.exercise_time > 720]
    assert [s["seq"] for s in plan.skipped] == [e.seq for e in late_votes]
    assert {s["code"] for s in plan.skipped} == {"decision_settled"}
    assert all(s["type"] == "vote_cast" and "settled" in s["reason"] for s in plan.skipped)


def test_a_move_on_something_the_fork_never_created_is_skipped():
    """Moldova is admitted with one abstention and then, as a member, asks for assistance. In a fork
    where abstention blocks accession it stays a non-signatory: its request is refused, and the
    answer to that request has nothing to refer to."""
    p = Play()
    p.do("MDA", "request_accession", t=60)
    p.do("KAZ", "propose_decision", t=90, body="CCS", kind="accession", title="Admit Moldova", text="x", subject="MDA")
    proposal = p.last("decision_proposed")
    for m in MEMBERS:
        p.do(m, "cast_vote", t=120, decision_id=proposal.data["decision_id"], vote="abstain" if m == "AZE" else "for")
    assert p.last("seat_admitted").data["seat"] == "MDA"
    p.do("MDA", "request_assistance", t=300, kinds=["logistics"], summary="Our new obligations")
    req = p.last("assistance_requested").data["request_id"]
    p.do("KAZ", "respond_to_assistance", t=320, request_id=req, response="pledge")
    strict = [{"body": "*", "kind": "*", "rule": "consensus"},
              {"body": "CCS", "kind": "accession", "rule": "consensus", "abstention_blocks": True, "quorum": 0.67}]
    plan = plan_fork(p.events, from_exercise_id="x", at=proposal.seq, rules=strict, replay=True, now=T0)
    assert outcome(plan.events, "Admit Moldova") == "rejected"
    assert plan.state.statuses["MDA"] == "partial"
    skipped = {s["type"]: s for s in plan.skipped}
    # abstention blocks: rejected once there is a quorum (7 of 9); the votes after it find it settled
    assert set(skipped) == {"vote_cast", "assistance_requested", "assistance_responded"}
    assert skipped["vote_cast"]["code"] == "decision_settled"
    assert skipped["assistance_requested"]["code"] == "not_allowed"
    assert skipped["assistance_responded"]["code"] == "not_reenacted"
    assert req in skipped["assistance_responded"]["reason"]
    assert not any(e.type == "assistance_responded" for e in plan.events)


def test_bad_fork_requests():
    p, at = one_objection()
    with pytest.raises(BadFork):
        plan_fork(p.events, from_exercise_id="x", at=len(p.events) + 1, rules=None, replay=False, now=T0)
    with pytest.raises(BadFork, match="no body"):
        plan_fork(p.events, from_exercise_id="x", at=at, rules=[{"body": "XYZ", "rule": "consensus"}], replay=False, now=T0)
    # bindings without a default take the place of the run's for the same body and kind; the rest stay
    merged = plan_fork(p.events, from_exercise_id="x", at=at, rules=[{"body": "CCS", "rule": "simple_majority"}],
                       replay=False, now=T0).events[at].data["rules"]
    kept = {(r["body"], r["kind"]): r["rule"] for r in merged}
    assert kept[("CCS", "*")] == "simple_majority" and kept[("*", "*")] == "consensus"
    with pytest.raises(BadFork, match="threshold"):
        plan_fork(p.events, from_exercise_id="x", at=at, rules=[{"rule": "qualified_majority"}], replay=False, now=T0)
