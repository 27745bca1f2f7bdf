"""Decision rules: when a vote settles, and how.

A decision settles when every eligible voter has voted, or when its deadline passes. Until then a
vote may be changed. `settle` is the single place that turns a rule and a set of votes into an
outcome; `decide` calls it after every vote and at the deadline.

- consensus: adopted when no eligible voter is against (nor abstains, if `abstention_blocks`) and at
  least `quorum` of the eligible voters voted for.
- simple_majority: at least `quorum` of the eligible voters voted; more for than against.
- qualified_majority: at least `quorum` voted; votes for are at least `threshold` of the votes cast
  (abstentions count as cast, so they do not help a proposal).
- silence_procedure: adopted at the deadline unless someone objected (voted against).

A deadline that passes without the participation the rule needs ends in `lapsed`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Mapping

Vote = Literal["for", "against", "abstain"]
Outcome = Literal["adopted", "rejected", "lapsed"]
VOTES: tuple[Vote, ...] = ("for", "against", "abstain")


@dataclass(frozen=True, slots=True)
class Tally:
    for_: int
    against: int
    abstain: int
    eligible: int

    @property
    def cast(self) -> int:
        return self.for_ + self.against + self.abstain

    @property
    def not_voted(self) -> int:
        return self.eligible - self.cast

    def as_dict(self) -> dict[str, int]:
        return {"for": self.for_, "against": self.against, "abstain": self.abstain,
                "not_voted": self.not_voted, "eligible": self.eligible}


def tally(votes: Mapping[str, str], eligible: int) -> Tally:
    counts = {"for": 0, "against": 0, "abstain": 0}
    for v in votes.values():
        counts[v] += 1
    return Tally(counts["for"], counts["against"], counts["abstain"], eligible)


def needed(fraction: float, of: int) -> int:
    """The smallest whole number of voters that is at least `fraction` of `of`."""
    return math.ceil(Fraction(str(fraction)) * of)


def settle(rule: Mapping[str, object], votes: Mapping[str, str], eligible: int, *, deadline_passed: bool) -> tuple[Outcome, str] | None:
    """The outcome and a one-line reason, or None while the decision is still open."""
    t = tally(votes, eligible)
    complete = t.cast >= eligible
    if not (complete or deadline_passed):
        return None
    name = rule["rule"]
    quorum = float(rule.get("quorum", 0.5))  # type: ignore[arg-type]
    if name == "silence_procedure":
        if t.against:
            return "rejected", f"silence broken: {t.against} objection(s)"
        if not deadline_passed and not complete:
            return None
        return "adopted", "no objection" + (" before the deadline" if deadline_passed else "")
    if name == "consensus":
        if t.against:
            return "rejected", f"no consensus: {t.against} against"
        if rule.get("abstention_blocks") and t.abstain:
            return "rejected", f"no consensus: {t.abstain} abstention(s), and abstention blocks"
        if t.for_ >= needed(quorum, eligible):
            return "adopted", f"consensus: {t.for_} for, none against"
        if complete:
            return "rejected", f"too few for: {t.for_} of {needed(quorum, eligible)} needed"
        return "lapsed", f"deadline passed with {t.for_} for, {needed(quorum, eligible)} needed"
    # majorities: participation first
    if t.cast < needed(quorum, eligible):
        return "lapsed", f"quorum not reached: {t.cast} of {needed(quorum, eligible)} needed voted"
    if name == "simple_majority":
        if t.for_ > t.against:
            return "adopted", f"majority: {t.for_} for, {t.against} against"
        return "rejected", f"no majority: {t.for_} for, {t.against} against"
    if name == "qualified_majority":
        threshold = float(rule["threshold"])  # type: ignore[arg-type]
        if t.cast and t.for_ >= needed(threshold, t.cast):
            return "adopted", f"qualified majority: {t.for_} of {t.cast} votes cast (needs {needed(threshold, t.cast)})"
        return "rejected", f"no qualified majority: {t.for_} of {t.cast} votes cast (needs {needed(threshold, t.cast)})"
    raise ValueError(f"unknown rule {name!r}")


def describe(rule: Mapping[str, object]) -> str:
    name = str(rule["rule"])
    if name == "qualified_majority":
        return f"qualified majority ({float(rule['threshold']):.0%} of votes cast)"  # type: ignore[arg-type]
    if name == "consensus" and rule.get("abstention_blocks"):
        return "consensus (abstention blocks)"
    return name.replace("_", " ")
