"""Decision rules: the arithmetic of docs/RULES.md, which is their exact definition.

`outcome(rule, electorate, votes)` is what a decision comes to once it ends with the votes as they
stand (everyone voted, the deadline passed, or the vote was closed). `settle(...)` says whether a
decision settles now and why: at its end, or as soon as its outcome is known (the same whatever the
remaining voters do). `describe` says a rule in words, `explain` what an open decision still needs.

Pure arithmetic on exact fractions; no state, no I/O. The decisions slice calls `settle` after every
vote, at the deadline and when the vote is closed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Literal, Mapping, Sequence

Vote = Literal["for", "against", "abstain"]
Outcome = Literal["adopted", "rejected", "lapsed"]
Settlement = Literal["decided", "all_voted", "deadline", "closed"]
VOTES: tuple[Vote, ...] = ("for", "against", "abstain")
Rule = Mapping[str, Any]


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


def fraction(x: Any) -> Fraction:
    """An exact fraction of a number as written (0.67 is 67/100, not the nearest double)."""
    return Fraction(str(x))


def needed(share: Any, of: int | Fraction) -> int:
    """The smallest whole number that is at least `share` of `of`."""
    return math.ceil(fraction(share) * of)


def quorum_needed(rule: Rule, n: int) -> int:
    return needed(rule.get("quorum", 0.5), n)


def _weight(rule: Rule, seat: str) -> Fraction:
    weights = rule.get("weights") or {}
    return fraction(weights.get(seat, 1))


def _say(template: str, **params: Any) -> str:
    """A sentence in English from its template (the template is also its message id in the catalogs)."""
    return template.format(**params) if params else template


Say = Callable[..., str]  # (template, **params) -> the sentence; `Words.say` says it in the reader's language

# The reasons a settlement records (`decision_adopted.reason` and its twins), each written once, in
# English: the log keeps the English sentence; `read_reason` finds its template and values again, so
# a report in another language says it from the catalog (server/review/locale/<lang>.po).
REASONS: tuple[str, ...] = (
    "silence broken: {n} objection(s)", "no objection",
    "{authority} did not decide", "decided by {authority}", "{authority} did not approve",
    "quorum not reached: {cast} of {q} needed took part", "quorum out of reach",
    "no consensus: {n} against", "no consensus: {n} abstention(s), and abstention blocks", "no consensus: nobody voted for",
    "consensus: {n} for, none against",
    "unanimity: all {n} for", "not unanimous: {f} of {n} for",
    "majority of votes cast: {f} for of {cast}", "no majority of votes cast: {f} for of {cast}",
    "majority of members: {f} for of {n}", "no majority of members: {f} for of {n}",
    "qualified majority: {f} for of {cast} votes cast (needs {k})", "no qualified majority: {f} for of {cast} votes cast (needs {k})",
    "qualified majority: {f} for of {n} members (needs {k})", "no qualified majority: {f} for of {n} members (needs {k})",
    "weighted majority: {pct} of the weight for (needs {share})", "no weighted majority: {pct} of the weight for (needs {share})",
    "weighted majority: {pct} of the weight for (needs {share}), {f} of {n} members (needs {k})",
    "no weighted majority: {pct} of the weight for (needs {share}), {f} of {n} members (needs {k})",
    "{reason}; the remaining votes cannot change it",
)


def _reason_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)))


# the longest templates first: the most specific one that matches a sentence is its template
_READERS = tuple((t, _reason_pattern(t)) for t in sorted(REASONS, key=len, reverse=True))


def read_reason(text: str) -> tuple[str, dict[str, str]] | None:
    """The template and values of a reason as the log records it (None: not one of `REASONS`)."""
    for template, pattern in _READERS:
        m = pattern.fullmatch(text)
        if m:
            return template, m.groupdict()
    return None


def say_reason(text: str, say: Say) -> str | None:
    """A recorded reason said by `say` (in the reader's language), or None if it is not one of ours."""
    found = read_reason(text)
    if found is None:
        return None
    template, params = found
    if "reason" in params:
        inner = say_reason(params["reason"], say)
        if inner is None:
            return None
        params["reason"] = inner
    return say(template, **params)


def outcome(rule: Rule, electorate: Sequence[str], votes: Mapping[str, str]) -> tuple[Outcome, str]:
    """The outcome of a decision that ends with these votes standing, and a one-line reason."""
    n = len(electorate)
    counted = {s: v for s, v in votes.items() if s in electorate}
    t = tally(counted, n)
    f, a, x, p = t.for_, t.against, t.abstain, t.cast
    name = rule["rule"]
    if name == "silence_procedure":
        if a:
            return "rejected", _say("silence broken: {n} objection(s)", n=a)
        return "adopted", _say("no objection")
    if name == "single_authority":
        authority = rule.get("authority")
        vote = counted.get(str(authority))
        if vote is None:
            return "lapsed", _say("{authority} did not decide", authority=authority)
        return ("adopted", _say("decided by {authority}", authority=authority)) if vote == "for" \
            else ("rejected", _say("{authority} did not approve", authority=authority))
    q = quorum_needed(rule, n)
    if p < q:
        return "lapsed", _say("quorum not reached: {cast} of {q} needed took part", cast=p, q=q)
    if name == "consensus":
        if a:
            return "rejected", _say("no consensus: {n} against", n=a)
        if rule.get("abstention_blocks") and x:
            return "rejected", _say("no consensus: {n} abstention(s), and abstention blocks", n=x)
        if f == 0:
            return "rejected", _say("no consensus: nobody voted for")
        return "adopted", _say("consensus: {n} for, none against", n=f)
    if name == "unanimity":
        if f == n:
            return "adopted", _say("unanimity: all {n} for", n=n)
        return "rejected", _say("not unanimous: {f} of {n} for", f=f, n=n)
    base_cast = f + a + (x if rule.get("abstentions", "count") == "count" else 0)
    if name == "simple_majority":
        if rule.get("base", "members") == "votes_cast":
            ok = 2 * f > base_cast
            return ("adopted" if ok else "rejected"), _say("majority of votes cast: {f} for of {cast}" if ok
                                                           else "no majority of votes cast: {f} for of {cast}", f=f, cast=base_cast)
        ok = 2 * f > n
        return ("adopted" if ok else "rejected"), _say("majority of members: {f} for of {n}" if ok
                                                       else "no majority of members: {f} for of {n}", f=f, n=n)
    if name == "qualified_majority":
        share = rule["threshold"]
        if rule.get("base", "members") == "votes_cast":
            k = needed(share, base_cast)
            ok = base_cast >= 1 and f >= k
            return ("adopted" if ok else "rejected"), _say(
                "qualified majority: {f} for of {cast} votes cast (needs {k})" if ok
                else "no qualified majority: {f} for of {cast} votes cast (needs {k})", f=f, cast=base_cast, k=k)
        k = needed(share, n)
        ok = f >= k
        return ("adopted" if ok else "rejected"), _say(
            "qualified majority: {f} for of {n} members (needs {k})" if ok
            else "no qualified majority: {f} for of {n} members (needs {k})", f=f, n=n, k=k)
    if name == "weighted":
        w_for = sum((_weight(rule, s) for s, v in counted.items() if v == "for"), Fraction(0))
        if rule.get("base", "members") == "votes_cast":
            w_base = sum((_weight(rule, s) for s, v in counted.items()
                          if v != "abstain" or rule.get("abstentions", "count") == "count"), Fraction(0))
        else:
            w_base = sum((_weight(rule, s) for s in electorate), Fraction(0))
        share = fraction(rule["threshold"])
        by_weight = w_base > 0 and w_for >= share * w_base
        member_share = rule.get("member_share")
        by_members = member_share is None or f >= needed(member_share, n)
        ok = by_weight and by_members
        values = {"pct": f"{float(w_for / w_base):.0%}" if w_base else "0%", "share": f"{float(share):.0%}"}
        template = "weighted majority: {pct} of the weight for (needs {share})"
        if member_share is not None:
            template += ", {f} of {n} members (needs {k})"
            values.update(f=f, n=n, k=needed(member_share, n))
        return ("adopted" if ok else "rejected"), _say(template if ok else "no " + template, **values)
    raise ValueError(f"unknown rule {name!r}")


def settle(rule: Rule, electorate: Sequence[str], votes: Mapping[str, str], *,
           ended: Settlement | None = None) -> tuple[Outcome, Settlement, str] | None:
    """Whether a decision settles now: `(outcome, settlement, reason)`, or None while it stays open.

    `ended` is `deadline` or `closed` when the decision ends now whatever the votes. Otherwise it
    settles when every eligible voter has voted, or as soon as its outcome is known: the same in
    every completion of the remaining voters (each votes for, against, abstains, or never votes).
    The rules are monotone, so the four uniform completions bound every other (RULES.md; the
    property tests check it against a reference that tries them all).
    """
    counted = {s: v for s, v in votes.items() if s in electorate}
    if ended is not None:
        result, reason = outcome(rule, electorate, counted)
        return result, ended, reason
    remaining = [s for s in electorate if s not in counted]
    if not remaining:
        result, reason = outcome(rule, electorate, counted)
        return result, "all_voted", reason
    results = set()
    for fill in ("for", "against", "abstain", None):
        completed = dict(counted)
        if fill is not None:
            completed.update({s: fill for s in remaining})
        results.add(outcome(rule, electorate, completed)[0])
        if len(results) > 1:
            return None
    (known,) = results
    reason = outcome(rule, electorate, counted)[1] if known != "lapsed" else _say("quorum out of reach")
    return known, "decided", _say("{reason}; the remaining votes cannot change it", reason=reason)


# the rule names `describe` says in words of their own (the others are said by their parts)
RULE_NAMES = {"unanimity": "unanimity", "silence_procedure": "silence procedure"}


def describe(rule: Rule, say: Say = _say) -> str:
    """A rule in words: `qualified majority (67% of members)`; `say` says it in the reader's
    language (the page's client/js/rules.js `describeRule` uses the same message ids)."""
    name = str(rule["rule"])
    base = rule.get("base", "members")
    if base == "votes_cast":
        of = say("of votes cast (abstentions ignored)") if rule.get("abstentions") == "ignore" else say("of votes cast")
    else:
        of = say("of members")
    if name == "qualified_majority":
        return say("qualified majority ({share} {of})", share=f"{float(rule['threshold']):.0%}", of=of)
    if name == "simple_majority":
        return say("simple majority ({of})", of=of)
    if name == "consensus":
        return say("consensus (abstention blocks)") if rule.get("abstention_blocks") else say("consensus")
    if name == "single_authority":
        return say("decided by {authority} alone", authority=rule.get("authority"))
    if name == "weighted":
        share = f"{float(rule['threshold']):.0%}"
        out = (say("weighted majority ({share} of the weight of votes cast", share=share) if base == "votes_cast"
               else say("weighted majority ({share} of the weight", share=share))
        if rule.get("member_share") is not None:
            out += say(", and {share} of members", share=f"{float(rule['member_share']):.0%}")
        return out + ")"
    return say(RULE_NAMES[name]) if name in RULE_NAMES else name.replace("_", " ")


def explain(rule: Rule, electorate: Sequence[str], votes: Mapping[str, str]) -> str:
    """What an open decision still needs, in words: `Adopted as soon as 7 of 9 vote for: 3 more
    needed.` The caller adds when it closes."""
    n = len(electorate)
    counted = {s: v for s, v in votes.items() if s in electorate}
    t = tally(counted, n)
    name = rule["rule"]
    q = quorum_needed(rule, n)
    quorum = "" if t.cast >= q or name in ("silence_procedure", "single_authority") else \
        f" At least {q} of {n} must take part: {q - t.cast} more."
    if name == "silence_procedure":
        return "Adopted when the time runs out unless someone objects." if not t.against else "Rejected: an objection."
    if name == "single_authority":
        return f"Decided by {rule.get('authority')} alone."
    if name == "consensus":
        blocks = " or abstains" if rule.get("abstention_blocks") else ""
        return f"Adopted if nobody votes against{blocks}: {t.not_voted} of {n} still to vote.{quorum}"
    if name == "unanimity":
        return f"Adopted only if all {n} vote for: {n - t.for_} more needed."
    if name in ("simple_majority", "qualified_majority") and rule.get("base", "members") == "members":
        k = n // 2 + 1 if name == "simple_majority" else needed(rule["threshold"], n)
        if k >= q:
            quorum = ""  # the votes for that adopt it are a quorum themselves
        return f"Adopted as soon as {k} of {n} vote for: {max(0, k - t.for_)} more needed.{quorum}"
    if name in ("simple_majority", "qualified_majority"):
        what = "more than half" if name == "simple_majority" else f"{float(rule['threshold']):.0%}"
        return f"Adopted if {what} of the votes cast are for: {t.for_} for, {t.against} against so far.{quorum}"
    if name == "weighted":
        return f"Adopted when the weight for reaches {float(rule['threshold']):.0%}.{quorum}"
    return ""
