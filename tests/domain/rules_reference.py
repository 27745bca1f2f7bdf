"""A second implementation of docs/RULES.md, written from the document and not from the engine,
deliberately plain: it counts with integers and fractions directly and decides "known" by trying
every completion of the remaining votes (each remaining voter votes for, against, abstains or never
votes), which the engine does not (it reasons with four uniform completions). The property tests
compare the two; the tests use it on small electorates only (4^R completions)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

CHOICES = ("for", "against", "abstain", None)


def _ceil_share(share, total) -> int:
    return math.ceil(Fraction(str(share)) * total)


def final(rule: dict, electorate: list[str], votes: dict[str, str]) -> str:
    """The outcome of a decision ending with `votes` standing (RULES.md, "The rules")."""
    votes = {s: v for s, v in votes.items() if s in electorate}
    n = len(electorate)
    F = sum(1 for v in votes.values() if v == "for")
    A = sum(1 for v in votes.values() if v == "against")
    X = sum(1 for v in votes.values() if v == "abstain")
    P = F + A + X
    kind = rule["rule"]
    if kind == "silence_procedure":
        return "rejected" if A > 0 else "adopted"
    if kind == "single_authority":
        v = votes.get(rule["authority"])
        if v is None:
            return "lapsed"
        return "adopted" if v == "for" else "rejected"
    if P < _ceil_share(rule.get("quorum", 0.5), n):
        return "lapsed"
    if kind == "consensus":
        blocked = A > 0 or (rule.get("abstention_blocks", False) and X > 0) or F < 1
        return "rejected" if blocked else "adopted"
    if kind == "unanimity":
        return "adopted" if F == n else "rejected"
    counted_abstentions = rule.get("abstentions", "count") == "count"
    B = F + A + (X if counted_abstentions else 0)
    over_votes = rule.get("base", "members") == "votes_cast"
    if kind == "simple_majority":
        total = B if over_votes else n
        return "adopted" if Fraction(F) > Fraction(total, 2) else "rejected"
    if kind == "qualified_majority":
        total = B if over_votes else n
        if over_votes and B == 0:
            return "rejected"
        return "adopted" if F >= _ceil_share(rule["threshold"], total) else "rejected"
    if kind == "weighted":
        weights = {s: Fraction(str((rule.get("weights") or {}).get(s, 1))) for s in electorate}
        w_for = sum((weights[s] for s, v in votes.items() if v == "for"), Fraction(0))
        if over_votes:
            w_total = sum((weights[s] for s, v in votes.items() if v in ("for", "against")
                           or (v == "abstain" and counted_abstentions)), Fraction(0))
        else:
            w_total = sum(weights.values(), Fraction(0))
        ok = w_total > 0 and w_for >= Fraction(str(rule["threshold"])) * w_total
        if rule.get("member_share") is not None:
            ok = ok and F >= _ceil_share(rule["member_share"], n)
        return "adopted" if ok else "rejected"
    raise AssertionError(kind)


def settles(rule: dict, electorate: list[str], votes: dict[str, str], ended: str | None = None) -> tuple[str, str] | None:
    """(outcome, settlement) if the decision settles now, else None (RULES.md, "When a decision settles")."""
    votes = {s: v for s, v in votes.items() if s in electorate}
    if ended is not None:
        return final(rule, electorate, votes), ended
    remaining = [s for s in electorate if s not in votes]
    if not remaining:
        return final(rule, electorate, votes), "all_voted"
    outcomes = set()
    for choice in itertools.product(CHOICES, repeat=len(remaining)):
        completed = dict(votes)
        for seat, vote in zip(remaining, choice):
            if vote is not None:
                completed[seat] = vote
        outcomes.add(final(rule, electorate, completed))
        if len(outcomes) > 1:
            return None
    return outcomes.pop(), "decided"
