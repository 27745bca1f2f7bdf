"""Decision rules: examples, and a property test against a plain reference implementation."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from server.domain.rules import settle, tally

from .support import Run

CONSENSUS = {"rule": "consensus", "quorum": 0.5, "abstention_blocks": False}
BLOCKING = {"rule": "consensus", "quorum": 0.5, "abstention_blocks": True}
SIMPLE = {"rule": "simple_majority", "quorum": 0.5}
QUALIFIED = {"rule": "qualified_majority", "quorum": 0.5, "threshold": 0.67}
SILENCE = {"rule": "silence_procedure", "quorum": 0.5, "deadline_minutes": 30}


def votes(**v: str) -> dict[str, str]:
    return v


# --- examples ------------------------------------------------------------------------------

def test_nothing_settles_while_votes_are_missing_and_time_remains():
    assert settle(CONSENSUS, votes(A="for", B="for"), 3, deadline_passed=False) is None


def test_consensus_adopted_when_all_for():
    assert settle(CONSENSUS, votes(A="for", B="for", C="for"), 3, deadline_passed=False)[0] == "adopted"


def test_one_objection_blocks_consensus():
    assert settle(CONSENSUS, votes(A="for", B="against", C="for"), 3, deadline_passed=False)[0] == "rejected"


def test_abstention_does_not_block_consensus_unless_configured():
    v = votes(A="for", B="abstain", C="for")
    assert settle(CONSENSUS, v, 3, deadline_passed=False)[0] == "adopted"
    assert settle(BLOCKING, v, 3, deadline_passed=False)[0] == "rejected"


def test_consensus_needs_the_quorum_voting_for():
    v = votes(A="for", B="abstain", C="abstain", D="abstain")
    assert settle(CONSENSUS, v, 4, deadline_passed=False)[0] == "rejected"  # 1 for, 2 needed
    assert settle(CONSENSUS, votes(A="for"), 4, deadline_passed=True)[0] == "lapsed"


def test_simple_majority_counts_for_against_only():
    assert settle(SIMPLE, votes(A="for", B="for", C="against"), 3, deadline_passed=False)[0] == "adopted"
    assert settle(SIMPLE, votes(A="for", B="against", C="abstain"), 3, deadline_passed=False)[0] == "rejected"  # a tie fails


def test_majority_lapses_without_quorum_at_the_deadline():
    assert settle(SIMPLE, votes(A="for"), 5, deadline_passed=True)[0] == "lapsed"
    assert settle(SIMPLE, votes(A="for", B="for", C="against"), 5, deadline_passed=True)[0] == "adopted"


def test_qualified_majority_threshold_of_votes_cast():
    assert settle(QUALIFIED, votes(A="for", B="for", C="against"), 3, deadline_passed=False)[0] == "rejected"  # 2 < ceil(2.01)
    assert settle(QUALIFIED, votes(A="for", B="for", C="for", D="against"), 4, deadline_passed=False)[0] == "adopted"  # 3 >= ceil(2.68)
    assert settle(QUALIFIED, votes(A="for", B="for", C="abstain"), 3, deadline_passed=False)[0] == "rejected"


def test_silence_procedure_adopts_at_the_deadline_unless_someone_objected():
    assert settle(SILENCE, {}, 4, deadline_passed=False) is None
    assert settle(SILENCE, {}, 4, deadline_passed=True)[0] == "adopted"
    assert settle(SILENCE, votes(A="against"), 4, deadline_passed=True)[0] == "rejected"
    assert settle(SILENCE, votes(A="against"), 4, deadline_passed=False) is None  # an objection can be withdrawn until then


def test_tally_counts():
    t = tally(votes(A="for", B="against", C="abstain"), 5)
    assert t.as_dict() == {"for": 1, "against": 1, "abstain": 1, "not_voted": 2, "eligible": 5}


# --- the property: the engine agrees with a plain reference ---------------------------------

def reference(rule: dict, ballots: dict[str, str], n: int, deadline: bool) -> str | None:
    """Written from the product text, independently of rules.py."""
    f = sum(1 for v in ballots.values() if v == "for")
    a = sum(1 for v in ballots.values() if v == "against")
    ab = sum(1 for v in ballots.values() if v == "abstain")
    cast = f + a + ab
    done = cast == n
    if not done and not deadline:
        return None
    name = rule["rule"]
    q = rule["quorum"]
    if name == "silence_procedure":
        if a > 0:
            return "rejected"
        return "adopted"
    if name == "consensus":
        if a > 0 or (rule.get("abstention_blocks") and ab > 0):
            return "rejected"
        if f * 100 >= q * 100 * n - 1e-9:
            return "adopted"
        return "rejected" if done else "lapsed"
    if cast * 100 < q * 100 * n - 1e-9:
        return "lapsed"
    if name == "simple_majority":
        return "adopted" if f > a else "rejected"
    t = rule["threshold"]
    return "adopted" if cast > 0 and f * 1000 >= t * 1000 * cast - 1e-9 else "rejected"


RULES = st.one_of(
    st.builds(lambda q, b: {"rule": "consensus", "quorum": q, "abstention_blocks": b},
              st.sampled_from([0.0, 0.5, 0.67, 1.0]), st.booleans()),
    st.builds(lambda q: {"rule": "simple_majority", "quorum": q}, st.sampled_from([0.0, 0.34, 0.5, 1.0])),
    st.builds(lambda q, t: {"rule": "qualified_majority", "quorum": q, "threshold": t},
              st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([0.5, 0.6, 0.67, 0.75, 1.0])),
    st.just({"rule": "silence_procedure", "quorum": 0.5, "deadline_minutes": 10}),
)
VOTERS = [f"S{i}" for i in range(12)]


@st.composite
def vote_sequences(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    voters = VOTERS[:n]
    seq = draw(st.lists(st.tuples(st.sampled_from(voters), st.sampled_from(["for", "against", "abstain"])), max_size=30))
    return n, seq


@settings(max_examples=600, deadline=None)
@given(rule=RULES, data=vote_sequences(), deadline=st.booleans())
def test_settle_agrees_with_the_reference(rule, data, deadline):
    n, sequence = data
    ballots: dict[str, str] = {}
    for seat, vote in sequence:  # a later vote replaces an earlier one
        ballots[seat] = vote
    got = settle(rule, ballots, n, deadline_passed=deadline)
    assert (got[0] if got else None) == reference(rule, ballots, n, deadline)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_decision_in_the_domain_settles_as_the_reference_says(data):
    """Random vote sequences through decide/evolve: votes change until the decision settles, and the
    recorded outcome is the reference's outcome for the votes at that moment."""
    rule = data.draw(RULES.filter(lambda r: r["rule"] != "silence_procedure"))
    binding = {"body": "*", "kind": "*", **rule, "deadline_minutes": 30}
    from .support import small_scenario

    run = Run(small_scenario(rules=[binding]))
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Ceasefire", text="Call for a ceasefire")[0]
    decision_id = dec.data["decision_id"]
    eligible = dec.data["eligible"]
    ballots: dict[str, str] = {}
    moves = data.draw(st.lists(st.tuples(st.sampled_from(eligible), st.sampled_from(["for", "against", "abstain"])), max_size=12))
    outcome = None
    for seat, vote in moves:
        if outcome is not None or ballots.get(seat) == vote:
            continue
        new = run.do(seat, "cast_vote", decision_id=decision_id, vote=vote)
        ballots[seat] = vote
        expected = reference(rule, ballots, len(eligible), False)
        settled = [e for e in new if e.type.startswith("decision_") and e.type != "decision_proposed"]
        if expected is None:
            assert settled == []
        else:
            assert [e.type for e in settled] == [f"decision_{expected}"]
            outcome = expected
    if outcome is None:
        run.at(31)
        new = run.tick()
        expected = reference(rule, ballots, len(eligible), True)
        assert [e.type for e in new if e.type.startswith("decision_")] == [f"decision_{expected}"]
