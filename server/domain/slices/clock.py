"""The exercise itself: creation, the clock (start, pause, resume, speed, end), injects and their
triggers (scheduled `at`, `when` an event happens, `unless` an expected event happens in time),
and forks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import Field

from .. import legacy
from ..batch import MAX_REACTIONS, Batch, due_items, react, require_facilitator, require_in_play, resolve_seats
from ..clock import Clock
from ..errors import conflict, forbidden, invalid, word
from ..events import FACILITATOR, SYSTEM, Event, EventSpec
from ..fields import Note, Ref, SeatList, Title
from ..fold import Draft
from ..institutions import index
from ..registry import Command, Due, NotAMove, Slice
from ..scenario import Scenario, format_offset, parse_offset
from ..state import State
from ..visibility import can_see, is_staff
from ..words import N_, Words

S = Slice("clock")


# --- state -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DeliveredInject:
    id: str
    title: str | Mapping[str, str]  # as delivered: a string, or the scenario's texts by language
    at: float
    audience: tuple[str, ...] | None
    trigger: str


@dataclass(frozen=True, slots=True)
class Watch:
    """An `unless` trigger whose anchor has happened: it fires at `due` unless its event is seen first."""

    inject_id: str
    anchor_time: float
    due: float
    satisfied: bool = False


DELIVERED = S.table("delivered", DeliveredInject)
WATCHES = S.table("watches", Watch)
# seat -> (seq, exercise time) of the last event that seat may see; "*" for the last event everyone
# may see. A seat's view shows its own horizon, never the log's head: the number of events and
# the time of the last one are facts about events it may not see.
HORIZONS = S.table("horizons", tuple[float, ...], small=True)
PUBLIC = "*"
COUNTS = S.table("event_counts", int, small=True)  # event type -> how many the log holds (the service bounds them)


@S.watch
def _horizon(d: Draft, e: Event) -> None:
    # COUNTS and HORIZONS: every event writes both (small tables: plain dicts, owned once a fold)
    drafts = d._owned_tables
    counts = drafts.get("event_counts") if drafts is not None else None
    if counts is None:
        counts = d.own_table("event_counts")
    table = drafts.get("horizons") if drafts is not None else None
    if table is None:
        table = d.own_table("horizons")
    kind = e.type
    counts[kind] = counts.get(kind, 0) + 1
    if e.audience is None:
        table[PUBLIC] = (e.seq, e.exercise_time)
    else:
        mark = (e.seq, e.exercise_time)
        for seat in e.audience:
            table[seat] = mark


def horizon(state: State, seat: str) -> tuple[int, float]:
    """The seq and exercise time of the last event `seat` may see (the facilitator sees all)."""
    if seat == FACILITATOR:
        return state.version, state.last_time
    table = HORIZONS.of(state)
    marks = [m for m in (table.get(PUBLIC), table.get(seat)) if m is not None]
    if not marks:
        return 0, 0.0
    seq, time = max(marks)
    return int(seq), float(time)


@dataclass(frozen=True)
class Triggers:
    """The scenario's triggers, compiled once: `when` patterns, and for `unless` triggers the
    pattern whose absence fires each and the event pattern anchoring it (when not an inject)."""

    when: tuple[tuple[str, EventSpec], ...]
    unless: Mapping[str, EventSpec]
    anchors: Mapping[str, EventSpec]
    watched_types: frozenset[str]


def triggers(sc: Scenario) -> Triggers:
    idx = index(sc)
    found = idx.memo.get("triggers")
    if found is None:
        when = tuple((i.id, idx.spec(i.when)) for i in sc.injects if i.when is not None)
        unless = {i.id: idx.spec(i.unless.event, i.unless.match) for i in sc.injects if i.unless is not None}
        anchors = {i.id: idx.spec(i.unless.after) for i in sc.injects
                   if i.unless is not None and not isinstance(i.unless.after, str)}
        types = frozenset(t for spec in (*unless.values(), *anchors.values()) for t in spec.types)
        found = idx.memo["triggers"] = Triggers(when, unless, anchors, types)
    return found


# --- commands --------------------------------------------------------------------------------

class StartExercise(Command):
    type: Literal["start_exercise"]


class PauseExercise(Command):
    type: Literal["pause_exercise"]


class ResumeExercise(Command):
    type: Literal["resume_exercise"]


class SetClockSpeed(Command):
    type: Literal["set_clock_speed"]
    factor: float = Field(gt=0, le=1000, description="exercise seconds per wall-clock second")


class EndExercise(Command):
    type: Literal["end_exercise"]


class DeliverInject(Command):
    type: Literal["deliver_inject"]
    inject_id: Ref


class SendInject(Command):
    type: Literal["send_inject"]
    title: Title
    body: Note = ""
    to: Union[Literal["all"], Annotated[SeatList, Field(min_length=1)]] = "all"


class Tick(Command):
    """Deliver what is due by now: scheduled injects, deadlines, `unless` triggers, session ends.
    Only the scheduler sends it, as `system`."""

    type: Literal["tick"]


# --- lifecycle -------------------------------------------------------------------------------

@S.command(StartExercise, by="facilitator", records="exercise_started")
def _start(b: Batch, cmd: StartExercise, seat: str) -> None:
    require_facilitator(seat, N_("start the exercise"))
    if b.state.status != "created":
        raise conflict("already_started", "The exercise is already {status}.", status=word(b.state.status))
    b.time = 0.0  # the exercise clock reads 00:00 at the start, whenever the room gets going
    b.emit("exercise_started", seat, {"speed": b.state.clock.speed}, at=0.0)


@S.command(PauseExercise, by="facilitator", records="exercise_paused")
def _pause(b: Batch, cmd: PauseExercise, seat: str) -> None:
    require_facilitator(seat, N_("pause the exercise"))
    if b.state.status != "running":
        raise conflict("not_running", "Only a running exercise can be paused; this one is {status}.", status=word(b.state.status))
    b.emit("exercise_paused", seat, {})


@S.command(ResumeExercise, by="facilitator", records="exercise_resumed")
def _resume(b: Batch, cmd: ResumeExercise, seat: str) -> None:
    require_facilitator(seat, N_("resume the exercise"))
    if b.state.status != "paused":
        raise conflict("not_paused", "Only a paused exercise can be resumed; this one is {status}.", status=word(b.state.status))
    b.emit("exercise_resumed", seat, {})


@S.command(SetClockSpeed, by="facilitator", records="clock_speed_set")
def _speed(b: Batch, cmd: SetClockSpeed, seat: str) -> None:
    require_facilitator(seat, N_("change the clock speed"))
    if b.state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended.")
    b.emit("clock_speed_set", seat, {"factor": cmd.factor})


@S.command(EndExercise, by="facilitator", records="exercise_ended")
def _end(b: Batch, cmd: EndExercise, seat: str) -> None:
    require_facilitator(seat, N_("end the exercise"))
    if b.state.status not in ("running", "paused"):
        raise conflict("not_running", "Only a running or paused exercise can be ended; this one is {status}.",
                       status=word(b.state.status))
    b.emit("exercise_ended", seat, {})


@S.event("exercise_created", version=2, upcasters={1: legacy.created_v1}, fields=("scenario_id", "title", "scenario", "scenario_hash"),
         summary=lambda e, d, w: w.say("Exercise created from scenario {scenario}: {title}", scenario=d.get("scenario_id"),
                                       title=w.clip(w.title(d.get("title")))))
def _created(d: Draft, e: Event) -> None:
    scenario = Scenario.model_validate(e.data["scenario"])
    d.scenario = scenario
    d.scenario_hash = e.data.get("scenario_hash", "")
    d.status = "created"
    d.rules = tuple(scenario.rules)
    d.statuses = {s.id: s.status for s in scenario.seats}
    d.clock = Clock(False, scenario.speed, 0.0, e.recorded_at)


@S.event("exercise_started", fields=("speed",), summary=lambda e, d, w: w.say("Exercise started"),
         reenact=lambda e, d, tr: StartExercise(type="start_exercise"))
def _started(d: Draft, e: Event) -> None:
    d.status = "running"
    d.clock = d.clock.started(e.recorded_at, d.clock.speed)


@S.event("exercise_paused", summary=lambda e, d, w: w.say("Exercise paused"),
         reenact=lambda e, d, tr: PauseExercise(type="pause_exercise"))
def _paused(d: Draft, e: Event) -> None:
    d.status = "paused"
    d.clock = d.clock.paused(e.exercise_time, e.recorded_at)


@S.event("exercise_resumed", summary=lambda e, d, w: w.say("Exercise resumed"),
         reenact=lambda e, d, tr: ResumeExercise(type="resume_exercise"))
def _resumed(d: Draft, e: Event) -> None:
    d.status = "running"
    d.clock = d.clock.resumed(e.exercise_time, e.recorded_at)


def _speed_to_factor(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 called the multiplier `speed`; the command and version 2 call it `factor`."""
    data = dict(data)
    data["factor"] = float(data.pop("speed"))
    return data


@S.event("clock_speed_set", version=2, upcasters={1: _speed_to_factor}, fields=("factor",),
         summary=lambda e, d, w: w.say("Clock speed set to {factor}x", factor=d.get("factor")),
         reenact=lambda e, d, tr: SetClockSpeed(type="set_clock_speed", factor=float(d["factor"])))
def _speed_set(d: Draft, e: Event) -> None:
    d.clock = d.clock.with_speed(float(e.data["factor"]), e.exercise_time, e.recorded_at)


@S.event("exercise_ended", summary=lambda e, d, w: w.say("Exercise ended"),
         reenact=lambda e, d, tr: EndExercise(type="end_exercise"))
def _ended(d: Draft, e: Event) -> None:
    d.status = "ended"
    d.clock = d.clock.paused(e.exercise_time, e.recorded_at)


# --- injects -----------------------------------------------------------------------------------

def _given(text: Any) -> Any:
    return dict(text) if isinstance(text, Mapping) else text


def deliver(b: Batch, inject_id: str, actor: str, trigger: str, at: float | None = None) -> None:
    assert b.state.scenario is not None
    inj = b.state.scenario.inject(inject_id)
    assert inj is not None
    to = inj.to if inj.to == "all" else list(inj.to)
    audience = None if inj.to == "all" else tuple(inj.to)
    # the texts as the scenario gives them: a string, or a map by language the reader picks from
    b.emit("inject_delivered", actor, {"inject_id": inj.id, "title": _given(inj.title), "body": _given(inj.body), "to": to,
                                       "trigger": trigger},
           audience=audience, at=at)


@S.command(DeliverInject, by="facilitator", records="inject_delivered")
def _deliver_inject(b: Batch, cmd: DeliverInject, seat: str) -> None:
    require_facilitator(seat, N_("deliver injects"))
    require_in_play(b.state, seat)
    assert b.state.scenario is not None
    if b.state.scenario.inject(cmd.inject_id) is None:
        raise invalid("unknown_inject", "There is no inject '{inject}' in this scenario.", inject=cmd.inject_id)
    if cmd.inject_id in DELIVERED.of(b.state):
        raise conflict("already_delivered", "Inject '{inject}' has already been delivered.", inject=cmd.inject_id)
    deliver(b, cmd.inject_id, seat, "manual")


@S.command(SendInject, by="facilitator", records="inject_delivered")
def _send_inject(b: Batch, cmd: SendInject, seat: str) -> None:
    require_facilitator(seat, N_("send injects"))
    require_in_play(b.state, seat)
    to = resolve_seats(b.state, cmd.to, "to") if cmd.to != "all" else "all"
    audience = None if to == "all" else tuple(to)
    b.emit("inject_delivered", seat, {"inject_id": b.new_id("adhoc"), "title": cmd.title, "body": cmd.body,
                                      "to": to if to == "all" else list(to), "trigger": "adhoc"}, audience=audience)


def _inject_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    trigger = d.get("trigger")
    title = w.clip(w.text(d.get("title")), 80)
    if trigger in (None, "manual"):
        return w.say('Inject "{title}" to {seats}', title=title, seats=w.seats(d.get("to")))
    return w.say('Inject "{title}" to {seats} ({trigger})', title=title, seats=w.seats(d.get("to")),
                 trigger=w.catalog(str(trigger)))


def _inject_reenact(e: Event, d: Mapping[str, Any], tr: Any) -> Command:
    if d.get("trigger") == "adhoc":
        return SendInject(type="send_inject", title=d["title"], body=d.get("body") or "", to=d.get("to") or "all")
    if d.get("trigger", "manual") == "manual":
        return DeliverInject(type="deliver_inject", inject_id=d["inject_id"])
    raise NotAMove(f"inject {d.get('inject_id')} was delivered by its {d.get('trigger')} trigger")


def _texts_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: v2's title and body are the inject's texts as the scenario wrote them, a string or a
    language map (`{"en": ..., "ru": ...}`); v1's are strings, which v2 reads as they are."""
    return data


@S.event("inject_delivered", version=2, upcasters={1: _texts_v1}, fields=("inject_id", "title", "body", "to", "trigger"),
         summary=_inject_summary, reenact=_inject_reenact, creates=lambda d: d.get("inject_id") if d.get("trigger") == "adhoc" else None)
def _inject(d: Draft, e: Event) -> None:
    data = e.data
    inject_id = data["inject_id"]
    DELIVERED.own(d)[inject_id] = DeliveredInject(inject_id, data["title"], e.exercise_time, e.audience,
                                                  data.get("trigger", "manual"))
    # an `unless` trigger anchored on this inject starts watching now
    assert d.scenario is not None
    for inj in d.scenario.injects:
        u = inj.unless
        if u is None or inj.id in WATCHES.of(d) or inj.id in DELIVERED.of(d):
            continue
        if isinstance(u.after, str) and u.after == inject_id:
            _start_watch(d, inj.id, e.exercise_time)


def _start_watch(d: Draft, inject_id: str, anchor: float) -> None:
    assert d.scenario is not None
    inj = d.scenario.inject(inject_id)
    assert inj is not None and inj.unless is not None
    WATCHES.own(d)[inject_id] = Watch(inject_id, anchor, anchor + parse_offset(inj.unless.within))


@S.watch(types=lambda sc: triggers(sc).watched_types)
def _follow_unless_triggers(d: Draft, e: Event) -> None:
    """Start `unless` triggers anchored on this event, and mark those it satisfies."""
    sc = d.scenario
    if sc is None or not sc.injects:
        return
    t = triggers(sc)
    if e.type not in t.watched_types:
        return
    delivered = DELIVERED.of(d)
    for inject_id, anchor in t.anchors.items():
        if inject_id not in WATCHES.of(d) and inject_id not in delivered and anchor.matches(e):
            _start_watch(d, inject_id, e.exercise_time)
    for inject_id, w in list(WATCHES.of(d).items()):
        if w.satisfied or inject_id in delivered:
            continue
        if t.unless[inject_id].matches(e) and e.exercise_time <= w.due:
            WATCHES.own(d)[inject_id] = replace(w, satisfied=True)


@S.reaction("*")
def _when_triggers(b: Batch, ev: Event) -> None:
    """Injects triggered `when` an event happens are delivered right after it, by the system."""
    assert b.state.scenario is not None
    for inject_id, spec in triggers(b.state.scenario).when:
        if inject_id not in DELIVERED.of(b.state) and spec.matches(ev):
            deliver(b, inject_id, SYSTEM, "when")


@S.due
def _due_injects(state: State) -> list[Due]:
    assert state.scenario is not None
    delivered, watches = DELIVERED.of(state), WATCHES.of(state)
    items = [due for due in _due_at_times(state.scenario) if due.id not in delivered]
    for order, inj in enumerate(state.scenario.injects):
        if inj.at is None and inj.id in watches and not watches[inj.id].satisfied and inj.id not in delivered:
            items.append(Due(watches[inj.id].due, order, "unless", inj.id, _deliver_scheduled(inj.id, "unless")))
    return items


def _due_at_times(sc: Scenario) -> tuple[Due, ...]:
    """The scenario's injects `at` a time, each as what is due when it is not yet delivered (worked
    out once per scenario: the scheduler's question is asked after every command)."""
    idx = index(sc)
    found = idx.memo.get("due_at_times")
    if found is None:
        found = idx.memo["due_at_times"] = tuple(
            Due(parse_offset(inj.at), order, "inject", inj.id, _deliver_scheduled(inj.id, "scheduled"))
            for order, inj in enumerate(sc.injects) if inj.at is not None)
    return found


def _deliver_scheduled(inject_id: str, trigger: str) -> Any:
    def run(b: Batch, at: float) -> None:
        deliver(b, inject_id, SYSTEM, trigger, at=at)

    return run


# --- time passing -------------------------------------------------------------------------------

@S.command(Tick, by="system", records="")
def _tick(b: Batch, cmd: Tick, seat: str) -> None:
    """Record everything due by now, earliest first, each with the consequences it has."""
    if seat != SYSTEM:
        raise forbidden("system_only", "Only the scheduler advances the clock.")
    if b.state.status != "running":
        return
    for _ in range(MAX_REACTIONS):
        items = [i for i in due_items(b.state) if i.at <= b.time]
        if not items:
            return
        first = items[0]
        first.run(b, first.at)
        react(b)


# --- the view ---------------------------------------------------------------------------------

@S.view
def _view(state: State, seat: str, w: Words) -> dict[str, Any]:
    sc = state.scenario
    assert sc is not None
    delivered = DELIVERED.of(state)
    if is_staff(seat):
        # the whole schedule (bounded by the scenario; the injects sent ad hoc follow, see
        # `_delivered` below): delivered, pending, averted. The observer's lists only the injects
        # sent to every seat (or to it): of one sent to some seats it sees neither the text nor the
        # delivery, so it is not listed at all rather than pending for ever.
        out = []
        watches = WATCHES.of(state)
        _, seen_until = horizon(state, seat)
        for inj in sc.injects:
            if inj.to != "all" and not can_see(tuple(inj.to), seat):
                continue
            d = delivered.get(inj.id)
            w = watches.get(inj.id)
            # an `unless` inject whose event came in time will never be delivered: averted. The
            # observer is told once its own horizon is past the deadline (by then it knows anyway),
            # so the status says nothing about an event it may not see.
            averted = d is None and w is not None and w.satisfied and (seat == FACILITATOR or seen_until >= w.due)
            out.append({"id": inj.id, "title": inj.title, "body": inj.body, "to": inj.to, "at": inj.at,
                        "at_seconds": inj.at_seconds, "trigger": inj.trigger,
                        "when": inj.when.model_dump(mode="json") if inj.when else None,
                        "unless": inj.unless.model_dump(mode="json") if inj.unless else None,
                        "delivered_at": d.at if d else None,
                        "status": "delivered" if d else "averted" if averted else "pending"})
        return {"injects": out}
    return {}


def _scheduled(state: State) -> frozenset[str]:
    sc = state.scenario
    assert sc is not None
    memo = index(sc).memo
    if "scheduled_injects" not in memo:
        memo["scheduled_injects"] = frozenset(i.id for i in sc.injects)
    return memo["scheduled_injects"]  # type: ignore[no-any-return]


def _delivered(state: State, seat: str, d: DeliveredInject) -> dict[str, Any]:
    if is_staff(seat):
        return {"id": d.id, "title": d.title, "trigger": d.trigger, "delivered_at": d.at, "status": "delivered",
                "to": "all" if d.audience is None else list(d.audience)}
    return {"id": d.id, "title": d.title, "trigger": d.trigger, "delivered_at": d.at, "at": format_offset(d.at)}


# the injects delivered: for a participant all it received; for the staff those sent ad hoc (the
# scheduled ones are in the schedule above)
S.listing("injects", DELIVERED, item=_delivered, audience=lambda d: d.audience,
          include=lambda state, seat, d: not is_staff(seat) or d.id not in _scheduled(state))
