"""Every worked example of docs/RULES.md, numbered as there. Each casts the votes in order and says
after which vote the decision settles, with what outcome and why (`decided`, `all_voted`,
`deadline`, `closed`)."""

from __future__ import annotations

import pytest

from server.domain.errors import Refused
from server.domain.rules import settle

from .support import Run, small_scenario

NINE = [f"S{i}" for i in range(1, 10)]


def play(rule: dict, votes: list[tuple[str, str]], electorate: list[str] = NINE, ended: str | None = None):
    """Cast `votes` in order; returns (index of the vote that settled it or None, the settlement)."""
    standing: dict[str, str] = {}
    for i, (seat, vote) in enumerate(votes, 1):
        standing[seat] = vote
        result = settle(rule, electorate, standing)
        if result is not None:
            return i, result[:2]
    if ended is not None:
        return None, settle(rule, electorate, standing, ended=ended)[:2]
    return None, None


def cast(seats: list[str], vote: str) -> list[tuple[str, str]]:
    return [(s, vote) for s in seats]


def test_1_consensus_an_abstention_does_not_block():
    rule = {"rule": "consensus", "quorum": 0.5}
    votes = cast(NINE[:7], "for") + [("S8", "abstain")]
    assert play(rule, votes) == (None, None)  # the last voter may still object
    assert play(rule, votes + [("S9", "abstain")]) == (9, ("adopted", "all_voted"))


def test_2_consensus_where_abstention_blocks():
    rule = {"rule": "consensus", "quorum": 0.5, "abstention_blocks": True}
    votes = [("S1", "abstain")] + cast(NINE[1:7], "for")
    assert play(rule, votes) == (5, ("rejected", "decided"))  # at the fifth vote the quorum is there


def test_3_one_objection_is_known_once_there_is_a_quorum():
    rule = {"rule": "consensus", "quorum": 0.5}
    votes = [("S1", "against")] + cast(NINE[1:], "for")
    assert play(rule, votes) == (5, ("rejected", "decided"))


def test_4_a_qualified_majority_of_members_is_not_five_of_nine():
    rule = {"rule": "qualified_majority", "threshold": 0.9, "quorum": 0.5}
    assert play(rule, cast(NINE[:5], "for"), ended="deadline") == (None, ("rejected", "deadline"))
    assert play(rule, cast(NINE[:5], "for") + [("S6", "against")]) == (6, ("rejected", "decided"))


def test_5_a_qualified_majority_settles_on_the_seventh_for():
    rule = {"rule": "qualified_majority", "threshold": 0.67, "quorum": 0.5}
    assert play(rule, cast(NINE[:7], "for")) == (7, ("adopted", "decided"))


def test_6_a_qualified_majority_of_votes_cast():
    counted = {"rule": "qualified_majority", "threshold": 0.67, "base": "votes_cast", "quorum": 0.5}
    votes = cast(NINE[:4], "for") + cast(NINE[4:6], "against")
    assert play(counted, votes, ended="deadline") == (None, ("rejected", "deadline"))
    ignored = {**counted, "abstentions": "ignore"}
    assert play(ignored, votes + [("S7", "abstain")], ended="deadline") == (None, ("rejected", "deadline"))
    assert settle(ignored, NINE, dict(cast(NINE[:5], "for") + cast(NINE[5:7], "against") + [("S8", "abstain")]),
                  ended="deadline")[0] == "adopted"  # 5 of 7 for and against: at least 67%


def test_7_simple_majorities():
    members = {"rule": "simple_majority", "quorum": 0.5}
    assert play(members, cast(NINE[:5], "for")) == (5, ("adopted", "decided"))
    tie = cast(NINE[:4], "for") + cast(NINE[4:8], "against") + [("S9", "abstain")]
    assert play(members, tie) == (9, ("rejected", "all_voted"))
    of_cast = {**members, "base": "votes_cast", "abstentions": "ignore"}
    votes = cast(NINE[:4], "for") + cast(NINE[4:7], "against") + cast(NINE[7:], "abstain")
    assert play(of_cast, votes) == (9, ("adopted", "all_voted"))


def test_8_unanimity():
    rule = {"rule": "unanimity", "quorum": 0.5}
    votes = [("S1", "abstain")] + cast(NINE[1:], "for")
    assert play(rule, votes) == (5, ("rejected", "decided"))


def test_9_a_single_authority_decides_alone():
    run = Run(small_scenario(rules=[{"body": "*", "kind": "*", "rule": "single_authority", "authority": "KAZ"}]))
    dec = run.do("ARM", "propose_decision", body="CCS", kind="general", title="Isolate", text="x")[0].data
    assert dec["eligible"] == ["KAZ"]
    with pytest.raises(Refused) as info:
        run.decide("ARM", "cast_vote", decision_id=dec["decision_id"], vote="for")
    assert info.value.code == "not_eligible"
    last = run.do("KAZ", "cast_vote", decision_id=dec["decision_id"], vote="for")
    assert [(e.type, e.data.get("settlement")) for e in last] == [("vote_cast", None), ("decision_adopted", "all_voted")]


def test_10_a_weighted_double_majority():
    rule = {"rule": "weighted", "weights": {"A": 40, "B": 30, "C": 20, "D": 10}, "threshold": 0.65,
            "member_share": 0.55, "quorum": 0.5}
    seats = ["A", "B", "C", "D"]
    assert play(rule, [("A", "for"), ("B", "for"), ("C", "against")], seats) == (None, None)
    assert play(rule, [("A", "for"), ("B", "for"), ("C", "against"), ("D", "for")], seats) == (4, ("adopted", "all_voted"))
    assert play(rule, [("A", "for"), ("B", "for"), ("C", "against"), ("D", "against")], seats) == \
        (4, ("rejected", "all_voted"))


def test_11_the_silence_procedure():
    rule = {"rule": "silence_procedure", "deadline_minutes": 15}
    assert play(rule, [], ended="deadline") == (None, ("adopted", "deadline"))
    assert play(rule, cast(NINE, "for")) == (9, ("adopted", "all_voted"))
    assert play(rule, [("S1", "for"), ("S2", "against")]) == (2, ("rejected", "decided"))


def test_12_recusal_of_the_party_a_threat_is_against():
    rule = {"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5, "recuse_parties": True}
    run = Run(small_scenario(rules=[rule]))
    threat = run.do("ARM", "report_threat", kind="aggression", summary="x", against=["RUS"])[0].data["threat_id"]
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", threat_id=threat)[0].data
    assert dec["eligible"] == ["ARM", "KAZ", "TJK"] and dec["recused"] == ["RUS"]
    with pytest.raises(Refused) as info:
        run.decide("RUS", "cast_vote", decision_id=dec["decision_id"], vote="against")
    assert info.value.code == "recused"
    for seat in ("ARM", "KAZ"):
        run.do(seat, "cast_vote", decision_id=dec["decision_id"], vote="for")
    assert run.do("TJK", "cast_vote", decision_id=dec["decision_id"], vote="for")[-1].type == "decision_adopted"


def test_13_a_quorum_not_reached_lapses():
    rule = {"rule": "consensus", "quorum": 0.67}
    assert play(rule, cast(NINE[:5], "for"), ended="deadline") == (None, ("lapsed", "deadline"))


def test_14_closed_by_the_chair():
    rule = {"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5}
    run = Run(small_scenario(rules=[rule]))
    dec = run.do("ARM", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["decision_id"]
    for seat in ("ARM", "RUS", "TJK"):
        run.do(seat, "cast_vote", decision_id=dec, vote="for")  # 3 of 4: the chair (KAZ) has not voted
    (closed,) = run.do("KAZ", "close_vote", decision_id=dec)
    assert (closed.type, closed.data["settlement"], closed.data["closed_by"]) == ("decision_adopted", "closed", "KAZ")
    assert play({"rule": "consensus", "quorum": 0.5}, cast(NINE[:3], "for"), ended="closed") == \
        (None, ("lapsed", "closed"))
    with pytest.raises(Refused) as info:  # nobody else but the facilitator
        other = run.do("ARM", "propose_decision", body="CCS", kind="general", title="u", text="y")[0].data["decision_id"]
        run.decide("ARM", "close_vote", decision_id=other)
    assert (info.value.status, info.value.code) == (403, "cannot_close_vote")
    assert run.do("facilitator", "close_vote", decision_id=other)[0].data["settlement"] == "closed"


def test_15_a_changed_vote():
    rule = {"rule": "consensus", "quorum": 0.5}
    seats = ["A", "B", "C"]
    assert play(rule, [("A", "abstain"), ("A", "for"), ("B", "for"), ("C", "for")], seats) == (4, ("adopted", "all_voted"))
    assert play(rule, [("A", "against"), ("A", "for"), ("B", "for")], seats) == (None, None)
