"""One simulated run of a scenario: seats that play by their `stances`, through the pure domain.

`prepare(scenario, rule_set)` makes what every run of one rule set shares: the scenario with the
rule set's bindings in place of its own `rules`, checked; the state after `create` and the start of
the exercise (states are frozen, so every run starts from the same one); the plays' anchors as
event patterns; each seat's chances by decision kind. `simulate(prepared, rng)` plays one run and
returns its `RunSummary`: small, so that runs cross a process boundary cheaply.

The run is a discrete-event simulation on the exercise clock (speed 1; wall time `T0 +` exercise
seconds). The next thing to happen is either something the scheduler has due (an inject, a
deadline: a `tick`, as `system`) or the earliest move a seat has scheduled; ties go to the
scheduler. Every command goes through `decide` and every event through `fold`, exactly as in a
live exercise; a move the engine refuses is counted and dropped. What a seat does, and when, is
drawn from `rng` (a `random.Random` the caller seeds), in the order the events happen, so a run is a
function of its seed.

Seat behaviour (docs/LAB.md):
- a play (`stances.plays`) fires once, a `delay` after the first delivery of its inject or the first
  event matching its pattern; a proposal a play made that is rejected or lapses is made again,
  after a new delay, up to its `rounds`;
- on `decision_proposed`, each eligible voter draws for / against / abstain / no vote from its
  chances for the decision's kind and votes after a `vote` delay;
- on `assistance_requested`, each seat asked to answer pledges with its `pledge` chance (otherwise
  declines) after a `respond` delay;
- on `decision_adopted`, each seat bound to implement records `blocked` with its
  `block_implementation` chance (otherwise `in_force`) after an `implement` delay.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..domain.commands import parse_command, resolve_alias
from ..domain.decide import create, decide, next_due
from ..domain.errors import Refused
from ..domain.events import Event, EventSpec
from ..domain.fold import fold
from ..domain.institutions import event_alias_of, index
from ..domain.registry import REGISTRY
from ..domain.scenario import Delay, Play, RuleBinding, Scenario, SeatStance, Stances, VoteChances
from ..domain.slices.clock import Tick
from ..domain.slices.decisions import DECISIONS
from ..domain.state import State
from ..review.expectations import check_all
from ..scenarios import ScenarioError, validate_definition

T0 = 1_800_000_000.0  # the wall clock when a simulated exercise starts
FACILITATOR = "facilitator"
_TICK = Tick(type="tick")
_VOTES = ("for", "against", "abstain")


class LabError(ValueError):
    """A scenario or a rule set the lab cannot run, said in a sentence (the API answers 422)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class RuleSet:
    """A named set of rule bindings that replaces the scenario's `rules` (None: the scenario's own)."""

    name: str
    rules: tuple[RuleBinding, ...] | None

    def as_dict(self) -> dict[str, Any]:
        rules = None if self.rules is None else [r.model_dump(mode="json", exclude_none=True) for r in self.rules]
        return {"name": self.name, "rules": rules}


@dataclass(frozen=True)
class RunSummary:
    """What one run gives the comparison. `decisions`: per decision kind, (rounds proposed, outcome of
    the last proposal, exercise seconds from the first inject to its adoption or None); `blocked`:
    implementations recorded as blocked; `expectations`: the status of each expectation, in order."""

    decisions: tuple[tuple[str, int, str, float | None], ...]
    blocked: int
    in_force: int
    expectations: tuple[str, ...]
    refused: int
    events: int


@dataclass(frozen=True)
class _Stance:
    votes: Mapping[str, tuple[float, float, float]]  # kind -> cumulative (for, +against, +abstain)
    default_votes: tuple[float, float, float]
    pledge: float
    block: float


@dataclass(frozen=True)
class Prepared:
    scenario: Scenario
    rule_set: RuleSet
    state: State
    events: tuple[Event, ...]
    plays: tuple[tuple[Play, EventSpec], ...]
    stances: Mapping[str, _Stance]
    fallback: _Stance
    delays: Mapping[str, Delay]
    horizon: float


def _cumulative(v: VoteChances) -> tuple[float, float, float]:
    return (v.for_, v.for_ + v.against, v.for_ + v.against + v.abstain)


def _stance(stances: Stances, seat: str) -> _Stance:
    """A seat's leanings: its own for a kind, then its own `default`, then the scenario-wide ones for
    the kind, then the scenario-wide `default` (then the engine's neutral chances)."""
    own: SeatStance = stances.seats.get(seat) or SeatStance()
    base = stances.default
    mine = {k: _cumulative(v) for k, v in own.votes.items() if k != "default"}
    if "default" in own.votes:  # a seat's own default outranks the scenario-wide chances for a kind
        votes, fallback = mine, own.votes["default"]
    else:
        votes = {**{k: _cumulative(v) for k, v in base.votes.items() if k != "default"}, **mine}
        fallback = base.votes.get("default") or VoteChances()
    pledge = own.pledge if own.pledge is not None else (base.pledge if base.pledge is not None else 0.7)
    block = own.block_implementation if own.block_implementation is not None else (
        base.block_implementation if base.block_implementation is not None else 0.05)
    return _Stance(votes, _cumulative(fallback), pledge, block)


def with_rules(scenario: Scenario, rule_set: RuleSet) -> Scenario:
    """The scenario with the rule set's bindings as its `rules`, checked as any definition is."""
    if rule_set.rules is None:
        return scenario
    seats = {s.id for s in scenario.seats}
    for i, r in enumerate(rule_set.rules):
        named = ([r.authority] if r.authority else []) + sorted(r.weights or ())
        unknown = [s for s in named if s not in seats]
        if unknown:
            raise LabError("bad_rules", f"rule set {rule_set.name!r}, rule {i + 1}: no seat {', '.join(unknown)} in "
                                        f"scenario {scenario.id!r}.")
    definition = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    definition["rules"] = [r.model_dump(mode="json", exclude_none=True) for r in rule_set.rules]
    try:
        return validate_definition(definition, source=f"rule set {rule_set.name!r}")
    except ScenarioError as exc:
        raise LabError("bad_rules", "; ".join(i.message if not i.field else f"{i.field}: {i.message}"
                                              for i in exc.issues)) from exc


def check_stances(scenario: Scenario) -> Stances:
    """The scenario's stances, with their references checked (the lab's own cross-checks)."""
    st = scenario.stances
    if st is None:
        raise LabError("no_stances", f"Scenario {scenario.id!r} declares no `stances`: the lab does not know how its "
                                     "seats would play. Add a `stances` section (docs/LAB.md).")
    seats = {s.id for s in scenario.seats}
    unknown = sorted(set(st.seats) - seats)
    if unknown:
        raise LabError("bad_stances", f"stances.seats names no seat of the scenario: {', '.join(unknown)}.")
    kinds = {k.id for k in scenario.decision_kinds} | {"default"}
    for seat, stance in [("default", st.default), *st.seats.items()]:
        odd = sorted(set(stance.votes) - kinds)
        if odd:
            raise LabError("bad_stances", f"stances ({seat}): no decision kind {', '.join(odd)}.")
    for p in st.plays:
        if p.seat not in seats and p.seat != FACILITATOR:
            raise LabError("bad_stances", f"stances.plays {p.id}: no seat {p.seat!r}.")
        if isinstance(p.after, str) and scenario.inject(p.after) is None:
            raise LabError("bad_stances", f"stances.plays {p.id}: no inject {p.after!r}.")
    return st


def prepare(scenario: Scenario, rule_set: RuleSet) -> Prepared:
    stances = check_stances(scenario)
    sc = with_rules(scenario, rule_set)
    events = create(sc, now=T0)
    state = fold(events)
    start = decide(state, parse_command({"type": "start_exercise"}), seat=FACILITATOR, now=T0)
    state = fold(start, state)
    idx = index(sc)
    plays = tuple((p, EventSpec.of("inject_delivered", {"inject_id": p.after}) if isinstance(p.after, str)
                   else idx.spec(p.after)) for p in stances.plays)
    return Prepared(
        scenario=sc, rule_set=rule_set, state=state, events=(*events, *start), plays=plays,
        stances={s.id: _stance(stances, s.id) for s in sc.seats}, fallback=_stance(stances, ""),
        delays={"vote": Delay(median=6), "respond": Delay(median=12), "implement": Delay(median=25), **stances.delays},
        horizon=stances.hours * 3600.0,
    )


def _draw_delay(rng: random.Random, d: Delay) -> float:
    """Seconds: lognormal with the given median (minutes) and spread."""
    minutes = d.median * math.exp(d.spread * rng.gauss(0.0, 1.0)) if d.spread else d.median
    return round(minutes * 60.0, 3)


def _substitute(move: Mapping[str, Any], anchor: Event | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in move.items():
        if isinstance(value, str) and value.startswith("$anchor."):
            value = None if anchor is None else (anchor.actor if value == "$anchor.actor"
                                                 else anchor.data.get(value.removeprefix("$anchor.")))
            if value is None:
                continue
        out[key] = value
    return out


class _Run:
    def __init__(self, p: Prepared, rng: random.Random) -> None:
        self.p, self.rng = p, rng
        self.state = p.state
        self.events: list[Event] = list(p.events)
        self.queue: list[tuple[float, int, str, dict[str, Any], tuple[Any, ...] | None]] = []
        self.order = 0
        self.fired: set[str] = set()
        self.by_decision: dict[str, tuple[Play, Event | None, int]] = {}  # decision -> (play, anchor, round)
        self.refused = 0
        self.sc = p.scenario

    def schedule(self, at: float, seat: str, body: dict[str, Any], tag: tuple[Any, ...] | None = None) -> None:
        self.order += 1
        heapq.heappush(self.queue, (at, self.order, seat, body, tag))

    def generic(self, ev: Event) -> str:
        return ev.type if ev.type in REGISTRY.events else (event_alias_of(self.sc, ev.type) or ev.type)

    def react(self, new: Sequence[Event], tag: tuple[Any, ...] | None) -> None:
        p, rng = self.p, self.rng
        for ev in new:
            t = ev.exercise_time
            for play, spec in p.plays:
                if play.id not in self.fired and spec.matches(ev):
                    self.fired.add(play.id)
                    self.schedule(t + _draw_delay(rng, play.delay), play.seat, _substitute(play.move, ev),
                                  ("play", play.id, ev, 1))
            kind = self.generic(ev)
            d = ev.data
            if kind == "decision_proposed":
                if tag is not None and tag[0] == "play" and ev.actor == self._play(tag[1]).seat:
                    self.by_decision[d["decision_id"]] = (self._play(tag[1]), tag[2], tag[3])
                    tag = None  # one proposal per play move
                recused = set(d.get("recused") or ())
                for seat in d.get("eligible") or ():
                    if seat in recused:
                        continue
                    stance = p.stances.get(seat, p.fallback)
                    cum = stance.votes.get(d["kind"], stance.default_votes)
                    r = rng.random()
                    vote = next((v for v, c in zip(_VOTES, cum) if r < c), None)
                    if vote is not None:
                        self.schedule(t + _draw_delay(rng, p.delays["vote"]), seat,
                                      {"type": "cast_vote", "decision_id": d["decision_id"], "vote": vote})
            elif kind == "assistance_requested":
                for seat in d.get("expected") or ():
                    pledge = rng.random() < p.stances.get(seat, p.fallback).pledge
                    self.schedule(t + _draw_delay(rng, p.delays["respond"]), seat,
                                  {"type": "respond_to_assistance", "request_id": d["request_id"],
                                   "response": "pledge" if pledge else "decline"})
            elif kind == "decision_adopted":
                for seat in d.get("bound") or ():
                    blocked = rng.random() < p.stances.get(seat, p.fallback).block
                    self.schedule(t + _draw_delay(rng, p.delays["implement"]), seat,
                                  {"type": "record_implementation", "decision_id": d["decision_id"],
                                   "status": "blocked" if blocked else "in_force"})
            if kind in ("decision_rejected", "decision_lapsed"):
                made = self.by_decision.get(d["decision_id"])
                if made is not None and made[2] < made[0].rounds:
                    play, anchor, rnd = made
                    self.schedule(t + _draw_delay(rng, play.delay), play.seat, _substitute(play.move, anchor),
                                  ("play", play.id, anchor, rnd + 1))

    def _play(self, play_id: str) -> Play:
        return next(pl for pl, _ in self.p.plays if pl.id == play_id)

    def apply(self, new: list[Event], tag: tuple[Any, ...] | None) -> None:
        if new:
            self.state = fold(new, self.state)
            self.events += new
            self.react(new, tag)

    def play(self) -> None:
        horizon = self.p.horizon
        self.react(self.events, None)  # a play may answer the start of the exercise
        idle: tuple[int, float] | None = None  # (state version, due) of a tick that recorded nothing
        while True:
            due = next_due(self.state)
            if due is not None and idle == (self.state.version, due):
                due = None  # that tick did nothing: the seats' moves come next
            act = self.queue[0][0] if self.queue else None
            if due is not None and (act is None or due <= act):
                if due > horizon:
                    break
                new = decide(self.state, _TICK, seat="system", now=T0 + due)
                if not new:
                    idle = (self.state.version, due)
                self.apply(new, None)
                continue
            if act is None or act > horizon:
                break
            at, _, seat, body, tag = heapq.heappop(self.queue)
            if body["type"] == "cast_vote" and DECISIONS.of(self.state)[body["decision_id"]].status != "open":
                continue  # settled before this seat got to it: nothing left to vote on
            try:
                cmd = parse_command(resolve_alias(self.sc, body))
                new = decide(self.state, cmd, seat=seat, now=T0 + at)
            except (Refused, ValueError):  # refused by the engine, or a play's move that does not parse
                self.refused += 1
                continue
            self.apply(new, tag)

    def summary(self) -> RunSummary:
        events = self.events
        first_inject = next((e.exercise_time for e in events if e.type == "inject_delivered"), 0.0)
        per_kind: dict[str, list[Any]] = {}
        blocked_by: dict[tuple[str, str], str] = {}
        for e in events:
            kind = self.generic(e)
            if kind == "decision_proposed":
                entry = per_kind.setdefault(e.data["kind"], [0, "open", None])
                entry[0] += 1
                entry[1] = "open"
            elif kind in ("decision_adopted", "decision_rejected", "decision_lapsed"):
                entry = per_kind.setdefault(e.data["kind"], [0, "open", None])
                entry[1] = kind.removeprefix("decision_")
                if kind == "decision_adopted" and entry[2] is None:
                    entry[2] = round(e.exercise_time - first_inject, 3)
            elif kind == "implementation_recorded":
                blocked_by[(e.data["decision_id"], e.actor)] = e.data["status"]
        last = max(self.state.last_time, self.p.horizon)
        exp = check_all(self.sc, events, last_time=last, ended=True)
        return RunSummary(
            decisions=tuple((k, v[0], v[1], v[2]) for k, v in sorted(per_kind.items())),
            blocked=sum(1 for s in blocked_by.values() if s == "blocked"),
            in_force=sum(1 for s in blocked_by.values() if s == "in_force"),
            expectations=tuple(x["status"] for x in exp),
            refused=self.refused,
            events=len(events),
        )


def simulate(prepared: Prepared, rng: random.Random) -> RunSummary:
    run = _Run(prepared, rng)
    run.play()
    return run.summary()


def run_seed(seed: int, rule_set_index: int, run_index: int) -> random.Random:
    """The generator of one run: seeded from the lab's seed, the rule set and the run, through a
    string (random.Random hashes a str seed with SHA-512; never with `hash()`, which varies)."""
    return random.Random(f"ttx-lab:{seed}:{rule_set_index}:{run_index}")
