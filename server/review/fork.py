"""Forking a run: "what if we had used another decision rule?" Pure: events in, events out.

`plan_fork` builds the new exercise's whole log:

1. events 1..N of the original, unchanged (ids and hashes kept; the store checks them again);
2. `exercise_forked`, from `decide(Fork(...))`: the new rules, and decisions still open at N re-ruled;
3. with `replay`, the original's later human moves re-enacted under the new rules. Before each move
   a system `Tick` at the move's exercise time lets deadlines and scheduled injects fire by the
   fork's own rules; the move is turned back into its command (`reenact.command_for`) and decided
   at its original exercise time. Ids the fork creates differ from the original's (they come from
   the seq), so references are translated through a map original id -> fork id. A move the fork
   refuses is skipped and listed with the reason. A last tick reaches the original's last time;
4. if the fork is running at the end, `exercise_paused` (by the facilitator who asked for the fork),
   so the facilitator resumes when the room is ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from pydantic import ValidationError

from ..domain.decide import decide
from ..domain.errors import Refused
from ..domain.events import FACILITATOR, SYSTEM, Event
from ..domain.fold import fold
from ..domain.registry import Command
from ..domain.scenario import RuleBinding
from ..domain.slices.clock import PauseExercise, Tick
from ..domain.slices.decisions import Fork
from ..domain.state import State
from .reenact import NotAMove, command_for, created_id, mover

TICK = Tick(type="tick")


class BadFork(ValueError):
    """The fork request itself is unusable (bad `at`, bad rules)."""


class MissingReference(Exception):
    def __init__(self, original_id: str) -> None:
        super().__init__(f"it refers to {original_id}, which this fork did not create (its move was skipped)")
        self.original_id = original_id


@dataclass
class ForkPlan:
    events: list[Event]  # the fork's log: copies of 1..N, then the new events
    state: State
    skipped: list[dict[str, Any]] = field(default_factory=list)
    reenacted: int = 0
    id_map: dict[str, str] = field(default_factory=dict)


RulesIn = list[dict[str, Any]] | dict[str, Any] | None


def _bindings(rules: RulesIn) -> list[dict[str, Any]]:
    """The forms a fork's rules may take: a list of bindings as in a scenario (`{"body", "kind",
    "rule", ...}`), one such binding, or a mapping body -> kind -> rule
    (`{"COUNCIL": {"kind_of_decision": {"rule": "qualified_majority", "threshold": 0.67}}}`)."""
    if rules is None:
        return []
    if isinstance(rules, list):
        return rules
    if "rule" in rules:
        return [rules]
    out = []
    for body, kinds in rules.items():
        if not isinstance(kinds, dict):
            raise BadFork(f"rules.{body}: expected a rule, or kinds of decision mapped to rules")
        if "rule" in kinds:
            out.append({"body": body, "kind": "*", **kinds})
            continue
        for kind, spec in kinds.items():
            if not isinstance(spec, dict):
                raise BadFork(f"rules.{body}.{kind}: expected a rule such as {{\"rule\": \"consensus\"}}")
            out.append({"body": body, "kind": kind, **spec})
    return out


MAX_BINDINGS = 64


def check_rules(rules: RulesIn, current: Sequence[RuleBinding] = (), scenario: Any = None) -> list[dict[str, Any]] | None:
    """The fork's rules. A set with a default binding (body and kind `*`) replaces the run's rules
    whole; bindings without one take the place of the run's bindings for the same body and kind (so
    one binding is enough to change one decision procedure)."""
    if rules is None:
        return None
    raw = _bindings(rules)
    if len(raw) > MAX_BINDINGS:
        raise BadFork(f"rules: at most {MAX_BINDINGS} bindings")
    try:
        given = [RuleBinding.model_validate(r) for r in raw]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise BadFork(f"rules: {where + ': ' if where else ''}{first.get('msg')}") from exc
    if not given:
        raise BadFork("rules: give at least one rule, or leave rules out")
    if scenario is not None:
        bodies = {b.id for b in scenario.bodies} | {"*"}
        kinds = {k.id for k in scenario.decision_kinds} | {"*"}
        for b in given:
            if b.body not in bodies:
                raise BadFork(f"rules: there is no body {b.body!r} in this scenario")
            if b.kind not in kinds:
                raise BadFork(f"rules: there is no kind of decision {b.kind!r} in this scenario")
    if any(b.body == "*" and b.kind == "*" for b in given):
        return [b.model_dump(mode="json") for b in given]  # a whole rule set, default included: it replaces the run's
    merged = {(b.body, b.kind): b for b in current}
    merged.update({(b.body, b.kind): b for b in given})
    if ("*", "*") not in merged:
        raise BadFork('rules: add a default rule with body "*" and kind "*"')
    return [b.model_dump(mode="json") for b in merged.values()]


def plan_fork(original: Sequence[Event], *, from_exercise_id: str, at: int, rules: RulesIn,
              replay: bool, now: float, copies: Sequence[Event] | None = None, salt: bytes = b"") -> ForkPlan:
    """The log of a fork of `original` (current-version events, the whole log) after event `at`.

    `copies` are events 1..at in their stored form (what is copied into the new log); by default the
    first `at` events of `original`. `salt` keys the ids the fork's re-enacted moves create (the
    caller draws it at random)."""
    if not 1 <= at <= len(original):
        raise BadFork(f"at must be between 1 and {len(original)} (the original's events)")
    copied = list(copies) if copies is not None else list(original[:at])
    if len(copied) != at or [e.seq for e in copied] != list(range(1, at + 1)):
        raise BadFork("the copied events must be 1..at")
    plan = ForkPlan(events=copied, state=fold(original[:at]))
    rules = check_rules(rules, plan.state.rules, plan.state.scenario)

    def apply(new: list[Event]) -> list[Event]:
        plan.events.extend(new)
        plan.state = fold(new, plan.state)
        return new

    apply(decide(plan.state, Fork(type="fork", from_exercise_id=from_exercise_id, at=at, rules=rules),
                 seat=FACILITATOR, now=now, at=plan.state.last_time))
    if replay:
        _reenact(plan, original[at:], now, apply, salt)
    if plan.state.status == "running":  # paused for the facilitator who asked for the fork, to resume when ready
        apply(decide(plan.state, PauseExercise(type="pause_exercise"), seat=FACILITATOR, now=now, at=plan.state.last_time))
    return plan


def _reenact(plan: ForkPlan, later: Sequence[Event], now: float, apply, salt: bytes) -> None:
    sc = plan.state.scenario
    born_later = {i for i in (created_id(e, sc) for e in later) if i is not None}

    def translate(original_id: str) -> str:
        if original_id in plan.id_map:
            return plan.id_map[original_id]
        if original_id in born_later:
            raise MissingReference(original_id)
        return original_id  # created before the fork point: the same id in both runs

    for ev in later:
        seat = mover(ev, sc)
        if seat is None:
            continue
        apply(decide(plan.state, TICK, seat=SYSTEM, now=now, at=ev.exercise_time))
        try:
            command: Command = command_for(ev, translate, sc)
            if ev.actor != SYSTEM and ev.data.get("played_by") == FACILITATOR:  # the white cell's move for the seat
                produced = decide(plan.state, command, seat=FACILITATOR, now=now, at=ev.exercise_time, salt=salt,
                                  on_behalf_of=seat)
            else:
                produced = decide(plan.state, command, seat=seat, now=now, at=ev.exercise_time, salt=salt)
        except (NotAMove, MissingReference, ValidationError) as exc:
            plan.skipped.append(_skip(ev, "not_reenacted", str(exc)))
            continue
        except Refused as exc:
            plan.skipped.append(_skip(ev, exc.code, exc.message))
            continue
        apply(produced)
        plan.reenacted += 1
        original_id = created_id(ev, sc)
        if original_id is not None:
            made = next((created_id(p, sc) for p in produced if p.type == ev.type and created_id(p, sc)), None)
            if made is not None:
                plan.id_map[original_id] = made
    if later and later[-1].exercise_time > plan.state.last_time:
        apply(decide(plan.state, TICK, seat=SYSTEM, now=now, at=later[-1].exercise_time))


def _skip(ev: Event, code: str, reason: str) -> dict[str, Any]:
    return {"seq": ev.seq, "type": ev.type, "actor": ev.actor, "exercise_time": ev.exercise_time, "code": code,
            "reason": reason}
