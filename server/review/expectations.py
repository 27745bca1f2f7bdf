"""Scenario expectations checked against an event log: met, missed, pending or not triggered.

An expectation (`server.domain.scenario.Expectation`) says: after an anchor (an inject's delivery,
or the first / every event matching a pattern), an event matching `expect` happens within
`within`, by `any` seat, by each member, by each member other than the anchor's actor, or by each
of a list of seats; with `correlate`, the expected event must carry the anchor's value of that
data field (the same request, the same decision).

Status of one anchor occurrence:
- `met`: every required seat acted within the window (for `any`: someone did);
- `missed`: the window is closed (the log's last exercise time is past it, or the exercise ended)
  and someone required did not act in it (a late act is still `missed`, with its measured delay);
- `pending`: the window is still open in the log and the exercise has not ended;
- `not_triggered`: the anchor never happened.

With `occurrences: every`, each anchor is checked and the expectation takes the worst status
(missed, then pending, then met). Pure: a function of the events, nothing else.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..domain.events import Event, EventSpec
from ..domain.institutions import index, member_by_status
from ..domain.scenario import Expectation, Scenario, parse_offset
from ..domain.slices.membership import STATUS_EVENTS


@dataclass(frozen=True)
class Membership:
    """Members over the log: the seats whose status (or kind) is a member one, as admission,
    suspension and withdrawal change statuses."""

    scenario: Scenario
    changes: tuple[tuple[int, str, str | None], ...]  # (seq, seat, new status)

    @classmethod
    def of(cls, scenario: Scenario, events: Sequence[Event]) -> "Membership":
        return cls(scenario, tuple((e.seq, str(e.data.get("seat")), e.data.get("status"))
                                   for e in events if e.type in STATUS_EVENTS))

    def at(self, seq: int | None = None) -> tuple[str, ...]:
        """Members after event `seq` (default: at the end of the log), in scenario order."""
        statuses = {s.id: s.status for s in self.scenario.seats}
        for q, seat, status in self.changes:
            if seq is None or q <= seq:
                statuses[seat] = status
        return tuple(s.id for s in self.scenario.seats if member_by_status(self.scenario, s.id, statuses[s.id]))


def _anchor_spec(exp: Expectation, scenario: Scenario) -> EventSpec:
    if isinstance(exp.after, str):
        return EventSpec.of("inject_delivered", {"inject_id": exp.after})
    return index(scenario).spec(exp.after)


def _required(exp: Expectation, anchor: Event, membership: Membership) -> tuple[str, ...] | None:
    """The seats that must act, or None for `any`."""
    if exp.by == "any":
        return None
    # an anchor that names who it binds says it best: a settled decision the seats it `bound` to
    # record implementation (older logs: its `eligible` voters), a request for assistance the
    # seats `expected` to answer
    if exp.by == "each_member":
        bound = anchor.data.get("bound", anchor.data.get("eligible"))
        return tuple(bound) if isinstance(bound, (list, tuple)) else membership.at(anchor.seq)
    if exp.by == "each_other_member":
        asked = anchor.data.get("expected")
        if isinstance(asked, (list, tuple)):
            return tuple(s for s in asked if s != anchor.actor)
        return tuple(s for s in membership.at(anchor.seq) if s != anchor.actor)
    return tuple(exp.by)


def _status_rank(status: str) -> int:
    return {"missed": 3, "pending": 2, "met": 1}.get(status, 0)


class _Candidates:
    """The events matching an expectation's `expect`, indexed once for every anchor to ask: the
    first after a seq, the first by a seat after a seq (and the same per `correlate` value). With
    `occurrences: every` each anchor asked again over the whole log: quadratic (3,000 statements,
    each an anchor, took 4.6 s; issue 13, case 6)."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = list(events)
        self.seqs = [e.seq for e in self.events]
        self._by_actor: dict[str, tuple[list[int], list[Event]]] | None = None
        self._by_value: dict[tuple[str, Any], "_Candidates"] = {}

    def first_after(self, seq: int) -> Event | None:
        i = bisect_right(self.seqs, seq)
        return self.events[i] if i < len(self.events) else None

    def first_by(self, actor: str, seq: int) -> Event | None:
        if self._by_actor is None:
            self._by_actor = {}
            for e in self.events:
                seqs, evs = self._by_actor.setdefault(e.actor, ([], []))
                seqs.append(e.seq)
                evs.append(e)
        found = self._by_actor.get(actor)
        if found is None:
            return None
        i = bisect_right(found[0], seq)
        return found[1][i] if i < len(found[1]) else None

    def correlated(self, field: str, want: Any) -> "_Candidates":
        """Those whose data carries `want` in `field` (compared with ==, as the check says)."""
        try:
            key = (field, want)
            hash(key)
        except TypeError:  # an unhashable value (a list in the data): filtered, not indexed
            return _Candidates([e for e in self.events if e.data.get(field) == want])
        if key not in self._by_value:
            self._by_value[key] = _Candidates([e for e in self.events if e.data.get(field) == want])
        return self._by_value[key]


def _candidates(exp: Expectation, events: Sequence[Event], membership: Membership) -> _Candidates:
    spec = index(membership.scenario).spec(exp.expect)
    return _Candidates([e for e in events if spec.matches(e)])


def check_occurrence(exp: Expectation, anchor: Event, events: Sequence[Event], *, membership: Membership,
                     last_time: float, ended: bool, candidates: _Candidates | None = None) -> dict[str, Any]:
    """One anchor's status. `candidates`: the events matching `expect`, indexed (`check_expectation`
    makes them once for all its anchors)."""
    window = parse_offset(exp.within)
    deadline = round(float(anchor.exercise_time + window), 3)
    pool = candidates if candidates is not None else _candidates(exp, events, membership)
    want = anchor.data.get(exp.correlate) if exp.correlate else None
    if exp.correlate is not None and want is not None:
        pool = pool.correlated(exp.correlate, want)
    required = _required(exp, anchor, membership)

    def entry(e: Event | None) -> dict[str, Any] | None:
        if e is None:
            return None
        return {"seq": e.seq, "exercise_time": e.exercise_time, "delay": round(float(e.exercise_time - anchor.exercise_time), 3),
                "actor": e.actor, "in_time": e.exercise_time <= deadline}

    by_seat: dict[str, Any] | None
    if required is None:
        first = pool.first_after(anchor.seq)
        acts = [first] if first is not None else []
        complete = first is not None
        in_time = complete and first.exercise_time <= deadline  # type: ignore[union-attr]
        missing: list[str] = []
        by_seat = None
    else:
        firsts = {seat: pool.first_by(seat, anchor.seq) for seat in required}
        acts = [e for e in firsts.values() if e is not None]
        complete = all(e is not None for e in firsts.values())
        in_time = complete and all(e.exercise_time <= deadline for e in acts)
        missing = [s for s, e in firsts.items() if e is None or e.exercise_time > deadline]
        by_seat = {s: entry(e) for s, e in firsts.items()}
    measured = round(float(max(e.exercise_time for e in acts) - anchor.exercise_time), 3) if complete and acts else None
    if complete and required is not None and not required:
        measured = 0.0  # nobody was required: trivially met at the anchor
    if in_time:
        status = "met"
    elif ended or last_time > deadline:
        status = "missed"
    else:
        status = "pending"
    return {
        "anchor": {"seq": anchor.seq, "exercise_time": anchor.exercise_time, "actor": anchor.actor, "type": anchor.type},
        "deadline": deadline,
        "status": status,
        "measured": measured,
        "satisfied_by": sorted(e.seq for e in acts if e.exercise_time <= deadline),
        "missing": missing,
        "by_seat": by_seat,
    }


def check_expectation(exp: Expectation, events: Sequence[Event], *, membership: Membership, last_time: float,
                      ended: bool) -> dict[str, Any]:
    anchor_spec = _anchor_spec(exp, membership.scenario)
    anchors = [e for e in events if anchor_spec.matches(e)]
    if exp.occurrences == "first":
        anchors = anchors[:1]
    candidates = _candidates(exp, events, membership) if anchors else None
    occurrences = [check_occurrence(exp, a, events, membership=membership, last_time=last_time, ended=ended,
                                    candidates=candidates) for a in anchors]
    if not occurrences:
        status, measured, satisfied, missing, anchor, deadline = "not_triggered", None, [], [], None, None
    else:
        worst = max(occurrences, key=lambda o: _status_rank(o["status"]))
        status = worst["status"]
        measures = [o["measured"] for o in occurrences]
        measured = None if any(m is None for m in measures) else max(measures)
        satisfied = sorted({s for o in occurrences for s in o["satisfied_by"]})
        missing = sorted({s for o in occurrences for s in o["missing"]})
        anchor, deadline = occurrences[0]["anchor"], occurrences[0]["deadline"]
    return {
        "id": exp.id,
        "title": exp.title,
        "reference": exp.reference,
        "after": exp.after if isinstance(exp.after, str) else exp.after.model_dump(mode="json"),
        "expect": exp.expect.model_dump(mode="json"),
        "within": exp.within,
        "within_seconds": parse_offset(exp.within),
        "by": exp.by if isinstance(exp.by, str) else list(exp.by),
        "correlate": exp.correlate,
        "occurrences": exp.occurrences,
        "status": status,
        "anchor": anchor,
        "deadline": deadline,
        "measured": measured,
        "satisfied_by": satisfied,
        "missing": missing,
        "checks": occurrences,
    }


def latest_scores(events: Sequence[Event]) -> dict[str, dict[str, Any]]:
    """The facilitator's manual score of each expectation: the last one given wins."""
    scores: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.type == "expectation_scored":
            scores[str(e.data["expectation_id"])] = {"score": e.data.get("score"), "note": e.data.get("note"),
                                                     "seq": e.seq, "exercise_time": e.exercise_time, "actor": e.actor}
    return scores


def check_all(scenario: Scenario, events: Sequence[Event], *, last_time: float, ended: bool,
              membership: Membership | None = None) -> list[dict[str, Any]]:
    membership = membership or Membership.of(scenario, events)
    scores: Mapping[str, dict[str, Any]] = latest_scores(events)
    out = []
    for exp in scenario.expectations:
        result = check_expectation(exp, events, membership=membership, last_time=last_time, ended=ended)
        result["score"] = scores.get(exp.id)
        out.append(result)
    return out
