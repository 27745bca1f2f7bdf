"""The scenario's institutions, asked by every slice: who is a member, what a seat may do, who
votes and proposes in a body, which body may decide a kind of decision, who is asked for help and
who is told.

Nothing here names an alliance: all of it is read from the scenario (`scenario.py`) and the
seats' current statuses (`State.statuses`, changed by admission, suspension and withdrawal). What
is worked out once per scenario (lookups by id, each seat's grants per status) is kept in an
`Index` on the scenario object; the answers that depend on statuses are computed per call, which
is cheap for the few dozen seats a scenario has.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .errors import Said, forbidden
from .events import EventSpec
from .registry import REGISTRY
from .scenario import Alias, Body, DecisionKind, EventPattern, Grant, Scenario, Seat
from .state import State
from .words import N_, Words, words_for

ALL = "all"  # a grant of every move that needs a power


@dataclass
class Index:
    """What the engine works out once per scenario."""

    scenario: Scenario
    seats: dict[str, Seat]
    order: dict[str, int]
    aliases: dict[str, Alias]  # alias command name -> alias
    alias_events: dict[str, tuple[str, dict[str, Any]]]  # alias event type -> (generic event type, fixed data fields)
    aliases_of_event: dict[str, tuple[str, ...]]  # generic event type -> alias event types that record it
    words: Words
    memo: dict[str, Any] = field(default_factory=dict)  # what slices compile once per scenario (their triggers, say)
    _grants: dict[tuple[str, str | None], dict[str, tuple[Grant, ...]]] = field(default_factory=dict)

    def spec(self, pattern: EventPattern | str, fields: Mapping[str, Any] | None = None) -> EventSpec:
        """An event pattern as the engine matches it: a generic event type also matches the events
        the scenario's aliases record in its name (`notification_sent` matches
        `..._notified` for the recipient the alias fixes)."""
        if isinstance(pattern, str):
            name, wanted = pattern, dict(fields or {})
        else:
            name, wanted = pattern.event, pattern.fields()
        return EventSpec(frozenset((name, *self.aliases_of_event.get(name, ()))), wanted)

    def grants(self, seat: str, status: str | None) -> dict[str, tuple[Grant, ...]]:
        """move -> the grants a seat holds for it, while it has `status`."""
        key = (seat, status)
        found = self._grants.get(key)
        if found is None:
            found = self._grants[key] = _grants_of(self.scenario, self.seats.get(seat), status)
        return found


def _grants_of(sc: Scenario, seat: Seat | None, status_id: str | None) -> dict[str, tuple[Grant, ...]]:
    if seat is None:
        return {}
    sources: list[Grant] = []
    kind = sc.seat_kind(seat.kind)
    if kind is not None:
        sources += kind.powers
    status = sc.status(status_id)
    if status is not None:
        sources += status.powers
    sources += seat.powers
    powered = [t for t, c in REGISTRY.commands.items() if c.power]
    out: dict[str, list[Grant]] = {}
    for g in sources:
        for move in (powered if g.move == ALL else [g.move]):
            out.setdefault(move, []).append(g if g.move != ALL else Grant(move=move))
    for move in seat.revoke:
        out.pop(move, None)
    return {m: tuple(gs) for m, gs in out.items()}


# id(scenario) -> (a weak reference to it, its Index). An index lives as long as its scenario
# (which every state of an exercise shares) and is not part of the scenario's value, so two equal
# scenarios still compare equal. Scenarios are unhashable (they hold lists), hence the id.
_INDEXES: dict[int, tuple["weakref.ref[Scenario]", Index]] = {}


_last: tuple[Any, Any] = (None, None)  # the last (scenario, Index) asked for: a fold asks for one, many times an event


def index(sc: Scenario) -> Index:
    global _last
    last = _last  # one read: the tuple is replaced whole
    if last[0] is sc:
        return last[1]  # type: ignore[no-any-return]
    entry = _INDEXES.get(id(sc))
    found = entry[1] if entry is not None and entry[0]() is sc else None
    if found is None:
        aliases = {a.command: a for a in sc.aliases}
        alias_events: dict[str, tuple[str, dict[str, Any]]] = {}
        of_event: dict[str, list[str]] = {}
        for a in sc.aliases:
            cmd = REGISTRY.commands.get(str(a.means["type"]))
            generic = cmd.records if cmd is not None else ""
            fixed = {k: v for k, v in a.means.items() if k != "type"}
            alias_events[a.records] = (generic, fixed)
            of_event.setdefault(generic, []).append(a.records)
        found = Index(sc, {s.id: s for s in sc.seats}, {s.id: i for i, s in enumerate(sc.seats)}, aliases, alias_events,
                      {k: tuple(v) for k, v in of_event.items()}, words_for(sc))
        _INDEXES[id(sc)] = (weakref.ref(sc), found)
        weakref.finalize(sc, _INDEXES.pop, id(sc), None)
    _last = (sc, found)
    return found


def _sc(state: State) -> Scenario:
    assert state.scenario is not None
    return state.scenario


def words(state: State) -> Words:
    return index(_sc(state)).words


# --- membership and powers ----------------------------------------------------------------------

def member_by_status(sc: Scenario, seat: str, status: str | None) -> bool:
    """Whether a seat with `status` is a member: its status says, or, for a seat without one,
    its kind."""
    s = index(sc).seats.get(seat)
    if s is None:
        return False
    if status is not None:
        found = sc.status(status)
        return bool(found and found.member)
    kind = sc.seat_kind(s.kind)
    return bool(kind and kind.member)


def is_member(state: State, seat: str) -> bool:
    return member_by_status(_sc(state), seat, state.statuses.get(seat))


def members(state: State) -> tuple[str, ...]:
    """The members, in scenario order (seats admitted later included, withdrawn ones not)."""
    return tuple(s.id for s in _sc(state).seats if is_member(state, s.id))


def grants(state: State, seat: str, move: str) -> tuple[Grant, ...]:
    return index(_sc(state)).grants(seat, state.statuses.get(seat)).get(move, ())


def may(state: State, seat: str, move: str) -> bool:
    return bool(grants(state, seat, move))


def moves_of(state: State, seat: str) -> dict[str, tuple[Grant, ...]]:
    return index(_sc(state)).grants(seat, state.statuses.get(seat))


def who(state: State, seat: str) -> Said:
    """A seat as a refusal names it: its id, and its status or kind in the scenario's words (in the
    language the refusal is read in)."""
    sc = _sc(state)
    s = index(sc).seats.get(seat)
    if s is None:
        return Said(seat, lambda w: seat)
    status = sc.status(state.statuses.get(seat))
    if status is not None:
        status_id = status.id
        return Said(f"{seat} ({status.name})", lambda w: f"{seat} ({w.status(status_id)})")
    kind = sc.seat_kind(s.kind)
    if kind is None:
        return Said(seat, lambda w: seat)
    kind_id = kind.id
    return Said(f"{seat} ({kind.name})", lambda w: f"{seat} ({w.seat_kind(kind_id)})")


def body_named(state: State, body_id: str) -> Said:
    """A body by its name, in the reader's words (its id if the scenario has no such body)."""
    body = _sc(state).body(body_id)
    return Said(body.name if body else body_id, lambda w: w.body(body_id))


def term(state: State, key: str) -> Said:
    """One of the scenario's terms (`member`, `application`), in the reader's words."""
    return Said(words(state).term(key), lambda w: w.term(key))


def move_named(state: State, move: str) -> Said:
    """A move's label as it reads inside a sentence, in the reader's words."""
    return Said(lower_first(words(state).move(move)), lambda w: lower_first(w.move(move)))


def require(state: State, seat: str, move: str) -> tuple[Grant, ...]:
    """The seat's grants for `move`, or a 403 saying it may not make it."""
    found = grants(state, seat, move)
    if not found:
        raise forbidden("not_allowed", "{who} may not {move} in this exercise.", who=who(state, seat),
                        move=move_named(state, move))
    return found


def lower_first(text: str) -> str:
    """A label as it reads inside a sentence: its first letter in lower case, unless the first word
    is an acronym or a name written in capitals (`WHO`, `IT`)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def kinds_allowed(found: Iterable[Grant]) -> frozenset[str] | None:
    """The kinds a set of grants allows (None: any kind)."""
    out: set[str] = set()
    for g in found:
        if g.kinds is None:
            return None
        out.update(g.kinds)
    return frozenset(out)


# --- bodies ------------------------------------------------------------------------------------

def body_members(state: State, body_id: str) -> tuple[str, ...]:
    body = _sc(state).body(body_id)
    if body is None:
        return ()
    if body.members == "all_members":
        return members(state)
    return tuple(body.members)


def voters(state: State, body_id: str, *, region: str | None = None, recused: Iterable[str] = ()) -> tuple[str, ...]:
    """Who may vote in a body now: its members holding the power to vote, in the region if one is
    given, without the recused."""
    sc = _sc(state)
    out = [s for s in body_members(state, body_id) if may(state, s, "cast_vote")]
    if region is not None:
        reg = sc.region(region)
        out = [s for s in out if reg is not None and s in reg.members]
    skip = set(recused)
    return tuple(s for s in out if s not in skip)


def holds_office(state: State, seat: str, body: Body, what: str) -> bool:
    """Whether `seat` may `what` (propose_decision, convene_session, close_vote) in `body`."""
    roles = getattr(body.who, what)
    if seat in roles:
        return True
    if "chair" in roles and body.chair == seat:
        return True
    return "members" in roles and seat in voters(state, body.id)


def describe_roles(state: State, body: Body | None, what: str) -> Said:
    """`the chair (KAZ) and SG`: who holds a role in a body, in words (in the reader's)."""
    roles = list(getattr(body.who, what)) if body is not None else []
    chair = body.chair if body is not None else None

    def say(w: Words) -> str:
        parts = []
        for role in roles:
            if role == "members":
                parts.append(w.say("its voting {members}", members=w.term("members")))
            elif role == "chair":
                parts.append(w.say("the chair ({seat})", seat=chair) if chair else w.say("the chair"))
            else:
                parts.append(role)
        return w.join(parts, N_("{those} and {these}"), N_("nobody"))

    return Said(say(words(state)), say)


def competent_bodies(kind: DecisionKind, sc: Scenario) -> tuple[str, ...]:
    return tuple(kind.bodies) if kind.bodies is not None else tuple(b.id for b in sc.bodies)


# --- assistance, consultations, notifications ------------------------------------------------------

def asked_for_assistance(state: State, requester: str, kinds: Iterable[str], against: Iterable[str] = ()) -> tuple[str, ...]:
    """The seats a request for assistance asks to answer: those holding the power to respond, as
    asked seats, for at least one of the kinds, other than the requester and the parties it is
    against."""
    wanted = set(kinds)
    skip = {requester, *against}
    out = []
    for s in _sc(state).seats:
        if s.id in skip:
            continue
        asked = [g for g in grants(state, s.id, "respond_to_assistance") if g.asked]
        allowed = kinds_allowed(asked) if asked else frozenset()
        if asked and (allowed is None or allowed & wanted):
            out.append(s.id)
    return tuple(out)


def consult_mode(state: State, seat: str) -> str:
    """How a seat is taken into consultations called with everyone (its status's `consulted`, else
    its kind's): `always`, `all`, `region` or `invited`."""
    sc = _sc(state)
    s = index(sc).seats.get(seat)
    if s is None:
        return "invited"
    status = sc.status(state.statuses.get(seat))
    if status is not None:
        return status.consulted
    kind = sc.seat_kind(s.kind)
    return kind.consulted if kind is not None else "all"


def consulted(state: State, region: str | None) -> tuple[str, ...]:
    """Who a consultation called with everyone takes in: `always` seats in every one; `all` seats
    in every one, a regional one only in the region; `region` seats only in a regional one of
    their region; `invited` seats only by name."""
    sc = _sc(state)
    reg = sc.region(region) if region is not None else None
    out = []
    for s in sc.seats:
        mode = consult_mode(state, s.id)
        in_region = reg is not None and s.id in reg.members
        if mode == "always" or (mode == "all" and (reg is None or in_region)) or (mode == "region" and in_region):
            out.append(s.id)
    return tuple(out)


def may_notify(state: State, seat: str, recipient: str) -> bool:
    return any(g.to is None or recipient in g.to for g in grants(state, seat, "notify"))


def implementers(state: State, kind: DecisionKind | None, eligible: Iterable[str]) -> tuple[str, ...]:
    """Who records implementation of an adopted decision of `kind` voted by `eligible`."""
    if kind is None or kind.implemented_by == "voters":
        return tuple(s for s in eligible if may(state, s, "record_implementation"))
    if kind.implemented_by == "nobody":
        return ()
    return tuple(kind.implemented_by)


def alias_command(sc: Scenario, type: str) -> Alias | None:
    return index(sc).aliases.get(type)


def event_alias_of(sc: Scenario, type: str) -> str | None:
    found = index(sc).alias_events.get(type)
    return found[0] if found else None


def recorded_as(sc: Scenario, type: str, data: Mapping[str, Any]) -> str:
    """The name an event is recorded under: an alias's, when the scenario names this generic
    event for these fixed fields, else its own."""
    for alias in index(sc).aliases_of_event.get(type, ()):
        _, fixed = index(sc).alias_events[alias]
        if all(data.get(k) == v for k, v in fixed.items()):
            return alias
    return type
