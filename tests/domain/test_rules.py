"""Decision rules against an independent reference (tests/domain/rules_reference.py, written from
docs/RULES.md): random electorates, weights, recusals, vote orders and changes, deadlines and closes,
first on the arithmetic alone, then through decide/evolve. The worked examples of RULES.md are in
test_rules_examples.py."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from server.domain.rules import describe, explain, settle, tally

from . import rules_reference as ref
from .support import Run, small_scenario

SEATS = ["S1", "S2", "S3", "S4", "S5", "S6"]
QUORA = st.sampled_from([0.0, 0.25, 0.5, 0.67, 1.0])
SHARES = st.sampled_from([0.5, 0.55, 0.6, 0.65, 0.67, 0.75, 0.9, 1.0])


@st.composite
def rules(draw, electorate: list[str]):
    kind = draw(st.sampled_from(["consensus", "unanimity", "simple_majority", "qualified_majority", "single_authority",
                                 "weighted", "silence_procedure"]))
    rule: dict = {"rule": kind, "quorum": draw(QUORA)}
    if kind == "consensus":
        rule["abstention_blocks"] = draw(st.booleans())
    if kind in ("simple_majority", "qualified_majority", "weighted"):
        rule["base"] = draw(st.sampled_from(["members", "votes_cast"]))
        rule["abstentions"] = draw(st.sampled_from(["count", "ignore"]))
    if kind in ("qualified_majority", "weighted"):
        rule["threshold"] = draw(SHARES)
    if kind == "weighted":
        rule["weights"] = {s: draw(st.sampled_from([0, 1, 2, 5, 10, 40])) for s in electorate if draw(st.booleans())}
        if draw(st.booleans()):
            rule["member_share"] = draw(SHARES)
    if kind == "single_authority":
        rule["authority"] = draw(st.sampled_from(electorate))
    if kind == "silence_procedure":
        rule["deadline_minutes"] = 10
    return rule


@st.composite
def ballots(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    electorate = SEATS[:n]
    rule = draw(rules(electorate))
    if rule["rule"] == "single_authority":
        electorate = [rule["authority"]]
    moves = draw(st.lists(st.tuples(st.sampled_from(electorate), st.sampled_from(["for", "against", "abstain"])), max_size=10))
    ended = draw(st.sampled_from([None, None, "deadline", "closed"]))
    return rule, electorate, moves, ended


@settings(max_examples=1500, deadline=None)
@given(case=ballots())
def test_settlement_agrees_with_the_reference_at_every_vote(case):
    """After each vote of a random sequence (changes included), the engine settles exactly when the
    reference does, with the same outcome; and at the end, the deadline or a close, likewise."""
    rule, electorate, moves, ended = case
    votes: dict[str, str] = {}
    for seat, vote in moves:
        votes[seat] = vote
        got = settle(rule, electorate, votes)
        assert (got[:2] if got else None) == ref.settles(rule, electorate, votes), (rule, votes)
        if got is not None:
            return  # settled: no vote can change it
    if ended is not None:
        got = settle(rule, electorate, votes, ended=ended)
        assert got is not None and got[:2] == ref.settles(rule, electorate, votes, ended)


def test_tally_counts():
    t = tally({"A": "for", "B": "against", "C": "abstain"}, 5)
    assert t.as_dict() == {"for": 1, "against": 1, "abstain": 1, "not_voted": 2, "eligible": 5}


def test_rules_in_words():
    assert describe({"rule": "qualified_majority", "threshold": 0.67}) == "qualified majority (67% of members)"
    assert describe({"rule": "qualified_majority", "threshold": 0.67, "base": "votes_cast"}) == \
        "qualified majority (67% of votes cast)"
    assert describe({"rule": "weighted", "threshold": 0.65, "member_share": 0.55}) == \
        "weighted majority (65% of the weight, and 55% of members)"
    assert describe({"rule": "single_authority", "authority": "CISO"}) == "decided by CISO alone"
    seven = [f"S{i}" for i in range(9)]
    votes = {s: "for" for s in seven[:4]}
    assert explain({"rule": "qualified_majority", "threshold": 0.67}, seven, votes) == \
        "Adopted as soon as 7 of 9 vote for: 3 more needed."


# --- through the domain ---------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_decision_in_the_domain_settles_as_the_reference_says(data):
    """Random rules (recusal included) through decide/evolve: votes change until the decision
    settles; the recorded outcome and settlement are the reference's for the votes at that moment;
    the vote ends by its deadline (the scheduler's tick) or closed by the chair or the facilitator."""
    electorate_all = ["ARM", "KAZ", "RUS", "TJK"]
    rule = data.draw(rules(electorate_all))
    recuse = data.draw(st.booleans()) and rule["rule"] != "single_authority"
    binding = {"body": "*", "kind": "*", **rule, "deadline_minutes": 30, "recuse_parties": recuse}
    run = Run(small_scenario(rules=[binding]))
    against = data.draw(st.sampled_from(["RUS", "TJK"]))
    threat = run.do("ARM", "report_threat", kind="aggression", summary="x", against=[against])[0].data["threat_id"]
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="t", text="x", threat_id=threat)[0]
    decision_id, eligible = dec.data["decision_id"], dec.data["eligible"]
    expected_electorate = [rule["authority"]] if rule["rule"] == "single_authority" else \
        [s for s in electorate_all if not (recuse and s == against)]
    assert eligible == expected_electorate
    votes: dict[str, str] = {}
    moves = data.draw(st.lists(st.tuples(st.sampled_from(eligible), st.sampled_from(["for", "against", "abstain"])), max_size=8))
    for seat, vote in moves:
        if votes.get(seat) == vote:
            continue
        new = run.do(seat, "cast_vote", decision_id=decision_id, vote=vote)
        votes[seat] = vote
        settled = [e for e in new if e.type in ("decision_adopted", "decision_rejected", "decision_lapsed")]
        expected = ref.settles(rule, eligible, votes)
        assert [(e.type, e.data["settlement"]) for e in settled] == \
            ([(f"decision_{expected[0]}", expected[1])] if expected else [])
        if expected:
            return
    how = data.draw(st.sampled_from(["deadline", "chair", "facilitator"]))
    if how == "deadline":
        run.at(31)
        new = run.tick()
    else:
        new = run.do("KAZ" if how == "chair" else "facilitator", "close_vote", decision_id=decision_id)
    expected = ref.settles(rule, eligible, votes, "deadline" if how == "deadline" else "closed")
    assert [(e.type, e.data["settlement"]) for e in new if e.type.startswith("decision_")] == \
        [(f"decision_{expected[0]}", expected[1])]
