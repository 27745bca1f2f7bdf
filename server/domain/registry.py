"""The one registry of the domain: every command, event, state table, reaction, due item and view
part, each registered by the slice that owns it.

A slice (`server/domain/slices/*.py`) is one area of the exercise: its command models, its events
with their versions and upcasters, its decide handlers, its evolvers, its part of the seat view,
the sentence that summarises each of its events and the inverse that a fork's re-enactment uses.
It declares them here:

    S = Slice("assistance")
    REQUESTS = S.table("assistance", AssistanceRequest)

    @S.command(RequestAssistance, by="participant")
    def request_assistance(b: Batch, cmd: RequestAssistance, seat: str) -> None: ...

    @S.event("assistance_requested", fields=(...), creates="request_id", summary=..., reenact=...)
    def requested(d: Draft, e: Event) -> None: ...

Everything else in the domain (decide, fold, the views, the review's timeline and re-enactment)
looks things up here and knows no slice by name. `tests/domain/test_registry.py` ties it
together: every command has a handler, every event an evolver and a summary, every event a seat
can cause an inverse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Annotated, Any, Callable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

EMPTY: Mapping[str, Any] = MappingProxyType({})

By = Literal["participant", "facilitator", "system", "anyone"]


class NotAMove(Exception):
    """An event no seat's command records again (a system outcome, a triggered inject): a fork's
    re-enactment skips it, the fork derives its own."""


class Command(BaseModel):
    """A command: what a seat asks for, validated at the edge before `decide` sees it. Strict: no
    strings for numbers, no numbers for strings; strings are stripped and bounded by each model."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True)
    type: str


# The registry imports nothing of the domain (everything imports it), so the callables' argument
# types are written in words: a Batch (batch.py), a Draft (fold.py), an Event (events.py), the
# State (state.py), the scenario's Words (words.py).
class Move(Command):
    """A participant's move. Any may say which inject it answers (`in_response_to`: an inject the
    seat received), so the review follows cause and effect; the event it records carries it."""

    in_response_to: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:]+$")] | None = None


Handler = Callable[[Any, Any, str], None]  # (batch, command, seat) -> None; records events on the batch
Evolver = Callable[[Any, Any], None]  # (draft, event) -> None
Summary = Callable[[Any, Mapping[str, Any], Any], str]  # (event, its data, words) -> one line of text
Translate = Callable[[str], str]
Reenact = Callable[[Any, Mapping[str, Any], Translate], Command]  # (event, data, translate ids) -> command
Reaction = Callable[[Any, Any], None]  # (batch, event) -> None
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
ViewPart = Callable[[Any, str, Any], Mapping[str, Any]]  # (state, seat, words) -> keys of the view


@dataclass(frozen=True)
class Listing:
    """A list of the seat view that grows with the log (decisions, injects, threats...): the rows of
    one table, each shown as `item(state, seat, row)`. Who may see a row is `audience(row)` (None:
    every seat), judged by `visibility.can_see` like every other read; `include(state, seat, row)`
    narrows it further (the staff's view lists scheduled injects elsewhere). `current(state, seat,
    row)`: a row still in play (an open decision, a consultation not closed), always in the view
    whatever its age. `GET /state` holds the most recent rows and the current ones; older rows are
    read a page at a time (`server/domain/paging.py`)."""

    key: str
    slice: str
    table: "Table"
    item: Callable[[Any, str, Any], dict[str, Any]]
    audience: Callable[[Any], Any] | None = None
    current: Callable[[Any, str, Any], bool] | None = None
    include: Callable[[Any, str, Any], bool] | None = None
SubjectCheck = Callable[[Any, str, Any], None]  # (state, subject seat, decision kind) -> None, or raises Refused


@dataclass(frozen=True, slots=True)
class Due:
    """Something waiting on the exercise clock: at exercise time `at`, `run(batch, at)` records it.
    `order` breaks ties between items due at the same moment (lower first)."""

    at: float
    order: int
    what: str
    id: str
    run: Callable[[Any, float], None]  # (batch, at) -> None


DueItems = Callable[[Any], list[Due]]  # (state) -> what is waiting


@dataclass(frozen=True, slots=True)
class CommandType:
    type: str
    model: type[Command]
    decide: Handler
    slice: str
    by: By
    power: bool  # a move the scenario must grant (a seat's powers), not one every seat of its role makes
    records: str  # the event type it records (the one an alias may rename)


@dataclass(frozen=True, slots=True)
class EventType:
    type: str
    version: int
    slice: str
    evolve: Evolver | None
    summary: Summary
    fields: tuple[str, ...]
    creates: str | Callable[[Mapping[str, Any]], Any] | None  # the data field holding the id this event creates (or a function of the data giving it)
    reenact: Reenact | None  # the command that records this event again (None: only the system records it)
    upcasters: Mapping[int, Upcaster]
    mover: Callable[[Mapping[str, Any]], str | None] | None = None  # the seat whose move it records, when the actor is the system


@dataclass(frozen=True, slots=True)
class Table:
    """A named part of the state owned by one slice: a mapping of id -> value, where a value is a
    frozen entity (or a plain mapping or number for the hottest counters). `of(state)` reads it,
    `own(draft)` gives the slice a writable copy while an event is folded."""

    name: str
    value: Any  # the type of a value, for snapshots (a dataclass, or a typing hint such as Mapping[str, str])
    slice: str
    small: bool = False  # a few dozen entries at most, written by nearly every event: a plain dict, copied on write

    def of(self, state: Any) -> Mapping[str, Any]:
        """The table in a State or a Draft."""
        return state.tables.get(self.name, EMPTY)

    def own(self, draft: Any) -> dict[str, Any]:
        return draft.own_table(self.name)


@dataclass
class Registry:
    commands: dict[str, CommandType] = field(default_factory=dict)
    events: dict[str, EventType] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    reactions: dict[str, list[Reaction]] = field(default_factory=dict)
    due: list[DueItems] = field(default_factory=list)
    views: list[tuple[str, ViewPart]] = field(default_factory=list)
    listings: dict[str, Listing] = field(default_factory=dict)
    watchers: list[Evolver] = field(default_factory=list)
    watch_types: dict[Evolver, Callable[[Any], Iterable[str]]] = field(default_factory=dict)  # watcher -> types(scenario)
    followers: dict[str, list[Evolver]] = field(default_factory=dict)
    subject_checks: dict[str, SubjectCheck] = field(default_factory=dict)
    slices: list[str] = field(default_factory=list)


REGISTRY = Registry()


class Slice:
    """One area of the domain, registering its parts in `REGISTRY`."""

    def __init__(self, name: str, registry: Registry = REGISTRY) -> None:
        if name in registry.slices:
            raise ValueError(f"slice {name!r} registered twice")
        self.name = name
        self.registry = registry
        registry.slices.append(name)

    def table(self, name: str, value: Any, *, small: bool = False) -> Table:
        """`small`: a table bounded by the scenario's size (its seats, the event types), not by the
        log, and written by nearly every event: kept as a dict copied once per fold, cheaper than
        a persistent map at that size."""
        if name in self.registry.tables:
            raise ValueError(f"table {name!r} registered twice")
        t = Table(name, value, self.name, small)
        self.registry.tables[name] = t
        return t

    def command(self, model: type[Command], *, by: By, records: str = "", power: bool = False) -> Callable[[Handler], Handler]:
        """`records`: the event the command records (its first; reactions aside). `power`: only a
        seat the scenario grants the move to may make it."""
        type_ = model.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]

        def register(fn: Handler) -> Handler:
            if type_ in self.registry.commands:
                raise ValueError(f"command {type_!r} registered twice")
            self.registry.commands[type_] = CommandType(type_, model, fn, self.name, by, power, records)
            return fn

        return register

    def event(self, type: str, *, summary: Summary, fields: tuple[str, ...] = (), version: int = 1,
              creates: str | Callable[[Mapping[str, Any]], Any] | None = None, reenact: Reenact | None = None,
              upcasters: Mapping[int, Upcaster] | None = None,
              mover: Callable[[Mapping[str, Any]], str | None] | None = None) -> Callable[[Evolver], Evolver]:
        """`mover(data)`: for an event the system records on a seat's behalf (a vote closed by the
        chair), the seat whose move it was; the fork re-enacts it as that seat's move."""
        def register(fn: Evolver) -> Evolver:
            self._event(type, fn, summary=summary, fields=fields, version=version, creates=creates, reenact=reenact,
                        upcasters=upcasters, mover=mover)
            return fn

        return register

    def fact(self, type: str, *, summary: Summary, fields: tuple[str, ...] = (), version: int = 1,
             creates: str | Callable[[Mapping[str, Any]], Any] | None = None, reenact: Reenact | None = None,
             upcasters: Mapping[int, Upcaster] | None = None) -> None:
        """An event that changes no state beyond the version and time (a record for the log only)."""
        self._event(type, None, summary=summary, fields=fields, version=version, creates=creates, reenact=reenact,
                    upcasters=upcasters)

    def _event(self, type: str, fn: Evolver | None, *, summary: Summary, fields: tuple[str, ...], version: int,
               creates: str | Callable[[Mapping[str, Any]], Any] | None, reenact: Reenact | None,
               upcasters: Mapping[int, Upcaster] | None, mover: Any = None) -> None:
        if type in self.registry.events:
            raise ValueError(f"event {type!r} registered twice")
        ups = dict(upcasters or {})
        missing = [v for v in range(1, version) if v not in ups]
        if missing:
            raise ValueError(f"event {type!r} v{version} has no upcaster from v{', v'.join(map(str, missing))}")
        self.registry.events[type] = EventType(type, version, self.name, fn, summary, tuple(fields), creates, reenact,
                                               MappingProxyType(ups), mover)

    def reaction(self, *types: str) -> Callable[[Reaction], Reaction]:
        """`fn(batch, event)` runs after each new event of these types, inside the same command:
        what the system records as a consequence (a decision settled by the last vote, say)."""

        def register(fn: Reaction) -> Reaction:
            for t in types:
                self.registry.reactions.setdefault(t, []).append(fn)
            return fn

        return register

    def follows(self, *types: str) -> Callable[[Evolver], Evolver]:
        """`fn(draft, event)` also folds events of these types, owned by other slices, into this
        slice's own tables (after the owner's evolver). It must write only this slice's tables."""

        def register(fn: Evolver) -> Evolver:
            for t in types:
                self.registry.followers.setdefault(t, []).append(fn)
            return fn

        return register

    def watch(self, fn: Evolver | None = None, *, types: Callable[[Any], Iterable[str]] | None = None) -> Any:
        """`fn(draft, event)` runs on every event folded, whatever its type (the scenario's
        `unless` triggers watch for what did not happen). Keep these few and cheap. With
        `types(scenario)`: only on events of the types it gives for that scenario (a fold then
        does not call it at all for the others)."""

        def register(f: Evolver) -> Evolver:
            self.registry.watchers.append(f)
            if types is not None:
                self.registry.watch_types[f] = types
            return f

        return register(fn) if fn is not None else register

    def subject_check(self, change: str) -> Callable[[SubjectCheck], SubjectCheck]:
        """`fn(state, subject, kind)` refuses a proposal of a decision whose effect is `change`
        (admit, suspend) about a seat it cannot be about."""

        def register(fn: SubjectCheck) -> SubjectCheck:
            self.registry.subject_checks[change] = fn
            return fn

        return register

    def due(self, fn: DueItems) -> DueItems:
        """`fn(state)` lists what this slice has waiting on the exercise clock."""
        self.registry.due.append(fn)
        return fn

    def view(self, fn: ViewPart) -> ViewPart:
        """`fn(state, seat, words)` gives this slice's keys of the seat's view (GET /state)."""
        self.registry.views.append((self.name, fn))
        return fn

    def listing(self, key: str, table: Table, *, item: Callable[[Any, str, Any], dict[str, Any]],
                audience: Callable[[Any], Any] | None = None, current: Callable[[Any, str, Any], bool] | None = None,
                include: Callable[[Any, str, Any], bool] | None = None) -> Listing:
        """A growing list of the seat view under `key` (see `Listing`); its rows come after what
        this slice's `view` part puts under the same key, if anything."""
        if key in self.registry.listings:
            raise ValueError(f"listing {key!r} registered twice")
        found = Listing(key, self.name, table, item, audience, current, include)
        self.registry.listings[key] = found
        return found
