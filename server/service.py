"""The application service: load state, `decide`, append with optimistic concurrency, notify.

Routers, the scheduler and the CLI all act through `ExerciseService`. It keeps a small cache of
current states (with their head hash) so a command does not refold the log; a stale cache only
costs one failed append and a reload, because the store checks the version.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Sequence

from .domain.registry import Command
from .domain.codec import SNAPSHOT_FORMAT, state_from_json, state_to_json
from .domain.decide import create, decide_and_fold, next_due_wall
from .domain.errors import Refused, Said, conflict
from .domain.events import FACILITATOR, OBSERVER, SYSTEM, Event, upcast_event
from .domain.slices.clock import COUNTS
from .domain.scenario import Scenario
from .domain.fold import fold
from .domain.state import State
from .store.base import ConcurrencyConflict, EventStore, IdempotencyRecord, SeatRecord
from .store.chain import GENESIS
from .store.rows import dumps
from .turns import Turns

log = logging.getLogger("ttx.service")

MAX_ATTEMPTS = 16  # tries at one command when other processes keep appending first
CONTENDED_SECONDS = 10.0  # after a lost race, take turns with the other processes at that exercise this long
CACHE_SIZE = 512


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_exercise_id() -> str:
    return "ex_" + secrets.token_hex(8)


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


class UnknownExercise(Exception):
    def __init__(self, exercise_id: str) -> None:
        super().__init__(f"There is no exercise {exercise_id!r}.")
        self.exercise_id = exercise_id


class Busy(Exception):
    """Too many concurrent writers: the command was not recorded; retry it."""


class IdempotencyMismatch(Exception):
    """The same Idempotency-Key was used earlier for a different command."""


@dataclass(frozen=True)
class Cached:
    state: State
    head_hash: str
    snapshot_at: int = 0  # the version of the exercise's newest snapshot this process knows of (0: none)


@dataclass(frozen=True)
class IssuedSeat:
    seat: str
    name: str
    kind: str
    token: str


def issue_seats(scenario: Scenario) -> list[IssuedSeat]:
    """One fresh token for every seat of the scenario, the facilitator and the observer."""
    issued = [IssuedSeat(s.id, s.name, s.kind, new_token()) for s in scenario.seats]
    issued.append(IssuedSeat(FACILITATOR, "Facilitator", "facilitator", new_token()))
    issued.append(IssuedSeat(OBSERVER, "Observer", "observer", new_token()))
    return issued


class ExerciseService:
    def __init__(self, *, store: EventStore, publish: Callable[[str, int], Any] | None = None,
                 snapshot_interval: int = 500, snapshot_growth: float = 0.5, now: Callable[[], float] = time.time,
                 limits: Mapping[str, int] | None = None, speeds: tuple[float, float] = (0.1, 100.0),
                 background_snapshots: bool = False,
                 snapshots_by: Callable[[str, int], Awaitable[Any]] | None = None) -> None:
        self.store = store
        # A snapshot of a long exercise costs tens of milliseconds of CPU to encode; a server takes
        # it after the command has been answered (at most one running and one waiting per exercise:
        # the newest), rather than holding up the event loop: with `snapshots_by` (the server's
        # worker pool: the state folded again and encoded in a worker process, so the event loop
        # does not even share the interpreter with it), else in a thread. Tools and workers take it
        # inline. `settle()` waits for those in flight.
        self.background_snapshots = background_snapshots
        self._snapshots_by = snapshots_by
        self._snapshots: dict[str, asyncio.Task[None]] = {}
        self._next_snapshot: dict[str, tuple[State, str]] = {}
        self.limits = dict(limits or {})
        self.speeds = speeds  # the clock speeds a facilitator may set (settings' clock_speed_min and _max)
        self._publish = publish
        # After a snapshot at version v the next is taken max(interval, growth x v) events later. A
        # snapshot costs time in proportion to the state, which grows with the log; spaced in
        # proportion too, its cost per command stays flat (growth 0.5: about 2 x 2.3 µs per command
        # on SQLite, docs/PERFORMANCE.md) and a cold load folds at most a third of the log.
        self.snapshot_interval = snapshot_interval
        self.snapshot_growth = snapshot_growth
        self._now = now
        self._cache: OrderedDict[str, Cached] = OrderedDict()
        self.turns = Turns(store, contended_seconds=CONTENDED_SECONDS)  # one writer at a time per exercise
        self._scenarios: dict[str, Scenario] = {}
        self._read_only: dict[str, bool] = {}
        self._seats: dict[str, SeatRecord] = {}

    def now(self) -> float:
        return round(self._now(), 3)

    # -- creating ------------------------------------------------------------------------------

    async def create(self, scenario: Scenario, *, events: Sequence[Event] | None = None, read_only: bool = False,
                     origin: dict[str, Any] | None = None, snapshot: bool = False) -> tuple[str, list[IssuedSeat]]:
        """A new exercise with one fresh token per seat. `events` replaces the creation event for
        forks and imports (a copied log); with `snapshot`, a long copied log gets a snapshot of its
        head, so whoever loads it next does not fold it all again."""
        exercise_id = new_exercise_id()
        now = self.now()
        log_events = list(events) if events is not None else create(scenario, now=now)
        issued = issue_seats(scenario)
        state = fold(upcast_event(e) for e in log_events)  # a copied log is in its stored form
        stored = await self.store.create_exercise(
            exercise_id=exercise_id, scenario_id=scenario.id, title=scenario.title, created_at=now,
            seats=[(s.seat, s.kind, s.name, hash_token(s.token)) for s in issued], events=log_events,
            read_only=read_only, origin=origin, status=state.status,
            next_due_wall=None if read_only else next_due_wall(state))
        head_hash = stored[-1].hash if stored else GENESIS
        self._remember(exercise_id, Cached(state, head_hash))
        if snapshot:
            await self._maybe_snapshot(exercise_id, Cached(state, head_hash))
        return exercise_id, issued

    def adopt(self, exercise_id: str, state: State, head_hash: str) -> None:
        """Take `state` (after the event with `head_hash`) as the exercise's current state: for an
        exercise stored by other means (a streamed import), so that it is not folded again."""
        self._remember(exercise_id, Cached(state, head_hash))

    # -- tokens -------------------------------------------------------------------------------

    async def authenticate(self, token: str) -> SeatRecord | None:
        """The seat a token opens. Seats never change once issued, so known tokens are remembered
        (by their hash, like the database: the token itself is kept nowhere)."""
        if not token or len(token) > 200:
            return None
        token_hash = hash_token(token)
        seat = self._seats.get(token_hash)
        if seat is None:
            seat = await self.store.seat_for_token(token_hash)
            if seat is not None:
                self._seats[token_hash] = seat
                while len(self._seats) > 10_000:
                    self._seats.pop(next(iter(self._seats)))
        return seat

    # -- state --------------------------------------------------------------------------------

    def _remember(self, exercise_id: str, cached: Cached) -> None:
        self._cache[exercise_id] = cached
        self._cache.move_to_end(exercise_id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    async def scenario(self, exercise_id: str) -> Scenario:
        """The scenario an exercise was created from (from its first event; never changes)."""
        return await self._scenario(exercise_id)

    async def _scenario(self, exercise_id: str) -> Scenario:
        sc = self._scenarios.get(exercise_id)
        if sc is None:
            first = await self.store.read(exercise_id, upto=1)
            if not first:
                raise UnknownExercise(exercise_id)
            sc = fold(first).scenario
            assert sc is not None
            self._scenarios[exercise_id] = sc
        return sc

    async def _load(self, exercise_id: str, *, upto: int | None = None, fresh: bool = False) -> Cached:
        """The state after event `upto` (default: the head), from the nearest snapshot."""
        cached = self._cache.get(exercise_id)
        if upto is None and cached is not None:
            if not fresh:
                return cached
            refreshed = await self._refresh(exercise_id, cached)
            if refreshed is not None:
                return refreshed
        base: State | None = None
        base_hash = GENESIS
        snapshot_at = cached.snapshot_at if cached is not None else 0
        if cached is not None and (upto is None or cached.state.version <= upto):
            base, base_hash = cached.state, cached.head_hash
        # only a snapshot newer than the cached state is worth reading (a long one is megabytes)
        snap = await self.store.load_snapshot(exercise_id, upto=upto, after=base.version if base is not None else 0)
        if snap is not None and upto is None:
            snapshot_at = max(snapshot_at, snap[0])
        if snap is not None and snap[1] == SNAPSHOT_FORMAT:
            try:
                doc = json.loads(snap[2])
                base = state_from_json(doc, await self._scenario(exercise_id))
                base_hash = doc["_head_hash"]
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring unreadable snapshot of %s at %s", exercise_id, snap[0])
        after = base.version if base is not None else 0
        events = await self.store.read(exercise_id, after=after, upto=upto)
        if base is None and not events:
            raise UnknownExercise(exercise_id)
        state = fold(events, base)
        loaded = Cached(state, events[-1].hash if events else base_hash, snapshot_at)
        if upto is None:
            self._remember(exercise_id, loaded)
        return loaded

    async def _refresh(self, exercise_id: str, cached: Cached) -> Cached | None:
        """The cached state brought up to the head with one read: the events appended since (by
        other processes) folded onto it. None when more are missing than a snapshot covers (the
        nearest snapshot is then the cheaper start)."""
        events = await self.store.read(exercise_id, after=cached.state.version, limit=self.snapshot_interval)
        if not events:
            return cached
        if len(events) >= self.snapshot_interval:
            return None
        refreshed = Cached(fold(events, cached.state), events[-1].hash, cached.snapshot_at)
        self._remember(exercise_id, refreshed)
        return refreshed

    async def state(self, exercise_id: str, *, at: int | None = None, at_time: float | None = None) -> State:
        if at_time is not None:
            return await self._state_at_time(exercise_id, at_time)
        if at is not None and at < 1:
            raise conflict("bad_at", "at counts events from 1.")
        return (await self._load(exercise_id, upto=at, fresh=at is None)).state

    async def _state_at_time(self, exercise_id: str, at_time: float) -> State:
        """The state after the last event whose exercise time is at or before `at_time` (exercise
        time never decreases along a stream). Before the first event: the state after creation."""
        seq = await self.store.seq_at_time(exercise_id, at_time)
        return (await self._load(exercise_id, upto=max(seq, 1))).state

    async def is_read_only(self, exercise_id: str) -> bool:
        flag = self._read_only.get(exercise_id)
        if flag is None:
            record = await self.store.exercise(exercise_id)
            if record is None:
                raise UnknownExercise(exercise_id)
            flag = self._read_only[exercise_id] = record.read_only
        return flag

    async def events(self, exercise_id: str, *, after: int = 0, limit: int | None = None, upto: int | None = None) -> list[Event]:
        return await self.store.read(exercise_id, after=after, limit=limit, upto=upto)

    # -- commands ------------------------------------------------------------------------------

    async def execute(self, exercise_id: str, seat: str, command: Command, *, idempotency_key: str | None = None,
                      body_hash: str | None = None, on_behalf_of: str | None = None) -> list[Event]:
        """Decide and append, retrying on a concurrent append. Returns the recorded events (for an
        idempotent retry: the events the first attempt recorded).

        The first attempt does not look the idempotency key up: the key is stored with the events in
        one transaction, so a repeated key makes the append fail, and the retry, or a refusal, looks
        it up before answering. A retry of a command that was recorded therefore always gets the
        original events, never a refusal of the repeat. `on_behalf_of`: the seat whose move the
        facilitator (`seat`) makes (see `decide`)."""
        async with self.turns.writing(exercise_id) as new_turn:
            return await self._attempts(exercise_id, seat, command, idempotency_key, body_hash, fresh=new_turn,
                                        on_behalf_of=on_behalf_of)

    async def _attempts(self, exercise_id: str, seat: str, command: Command, idempotency_key: str | None,
                        body_hash: str | None, *, fresh: bool, on_behalf_of: str | None = None) -> list[Event]:
        for attempt in range(MAX_ATTEMPTS):
            if idempotency_key is not None and attempt > 0:
                prior = await self._prior(exercise_id, seat, idempotency_key, body_hash)
                if prior is not None:
                    return prior
            if await self.is_read_only(exercise_id):
                raise conflict("read_only", "This exercise was imported for review; it is read-only.")
            cached = await self._load(exercise_id, fresh=fresh or attempt > 0)
            try:
                new, state = decide_and_fold(cached.state, command, seat=seat, now=self.now(), salt=secrets.token_bytes(16),
                                             on_behalf_of=on_behalf_of)
            except Refused:
                if idempotency_key is not None:
                    prior = await self._prior(exercise_id, seat, idempotency_key, body_hash)
                    if prior is not None:
                        return prior
                # judged on a cached state: another process may have moved the exercise on
                if attempt == 0 and await self._is_stale(exercise_id, cached.state.version):
                    continue
                raise
            if not new:
                return []
            if seat != SYSTEM:
                self._within_limits(cached.state, new)
            try:
                stored = await self.store.append(
                    exercise_id, new, expected_version=cached.state.version, prev_hash=cached.head_hash,
                    status=state.status, next_due_wall=next_due_wall(state),
                    idempotency=IdempotencyRecord(seat, idempotency_key, body_hash or "")
                    if idempotency_key is not None else None, in_turn=self.turns.holding(exercise_id))
            except ConcurrencyConflict:
                # another process appended first (or the key was recorded): the next attempt reads
                # what it missed onto the cached state (`_refresh`), or finds the key's events
                self.turns.lost_race(exercise_id)
                await self.turns.take(exercise_id)  # the retry goes in turn with the other processes
                if attempt > 2:
                    # still losing (to a writer that does not take turns: another process on SQLite, where
                    # turns are not shared): a jittered, growing back-off (capped) out of lockstep
                    await asyncio.sleep(min(0.05, 0.001 * 2 ** min(attempt, 6)) * (0.5 + secrets.randbelow(1000) / 1000))
                continue
            await self._maybe_snapshot(exercise_id, Cached(state, stored[-1].hash, cached.snapshot_at))
            if self._publish is not None:
                await _maybe_await(self._publish(exercise_id, stored[-1].seq))
            return stored
        raise Busy()

    def _within_limits(self, state: State, new: list[Event]) -> None:
        """Refuse a move that would take the exercise past one of its bounds (settings'
        `exercise_limits`: the whole log, and events of a type)."""
        if not self.limits:
            return
        most = self.limits.get("events")
        if most is not None and state.version + len(new) > most:
            raise conflict("exercise_limit", "This exercise has reached its limit of {n} events; nothing was recorded.", n=most)
        counts = COUNTS.of(state)
        adding: dict[str, int] = {}
        for e in new:
            adding[e.type] = adding.get(e.type, 0) + 1
        for type, n in adding.items():
            most = self.limits.get(type)
            if most is not None and counts.get(type, 0) + n > most:
                what = type.replace("_", " ")
                raise conflict("exercise_limit", "This exercise has reached its limit of {n} {type} events; nothing was recorded.",
                               n=most, type=Said(what, lambda w: w.catalog(what)))

    async def _prior(self, exercise_id: str, seat: str, key: str, body_hash: str | None) -> list[Event] | None:
        prior = await self.store.idempotent_result(exercise_id, seat, key)
        if prior is None:
            return None
        if body_hash is not None and prior.request_hash != body_hash:
            raise IdempotencyMismatch()
        return prior.events

    async def _is_stale(self, exercise_id: str, version: int) -> bool:
        heads = await self.store.heads([exercise_id])
        return heads.get(exercise_id, 0) > version

    async def _maybe_snapshot(self, exercise_id: str, current: Cached) -> None:
        """Remember `current` as the exercise's state, and take a snapshot of it if one is due."""
        state, head_hash, last = current.state, current.head_hash, current.snapshot_at
        if state.version - last < max(self.snapshot_interval, int(self.snapshot_growth * last)):
            self._remember(exercise_id, current)
            return
        self._remember(exercise_id, Cached(state, head_hash, state.version))
        if not self.background_snapshots:
            await self._take_snapshot(exercise_id, state, head_hash, background=False)
            return
        if exercise_id in self._snapshots:  # one is being taken: take this one (the newest) after it
            self._next_snapshot[exercise_id] = (state, head_hash)
            return
        task = asyncio.get_running_loop().create_task(self._snapshots_in_background(exercise_id, state, head_hash))
        self._snapshots[exercise_id] = task

    async def _snapshots_in_background(self, exercise_id: str, state: State, head_hash: str) -> None:
        try:
            while True:
                await self._take_snapshot(exercise_id, state, head_hash, background=True)
                waiting = self._next_snapshot.pop(exercise_id, None)
                if waiting is None:
                    return
                state, head_hash = waiting
        finally:
            self._snapshots.pop(exercise_id, None)

    async def _take_snapshot(self, exercise_id: str, state: State, head_hash: str, *, background: bool) -> None:
        try:
            if background and self._snapshots_by is not None:
                await self._snapshots_by(exercise_id, state.version)
                return
            data = (await asyncio.to_thread(snapshot_json, state, head_hash) if background
                    else snapshot_json(state, head_hash))
            await self.store.save_snapshot(exercise_id, state.version, SNAPSHOT_FORMAT, data)
        except Exception:  # a snapshot is a cache: never fail a command for it
            log.exception("could not take a snapshot of %s at %s", exercise_id, state.version)

    async def take_snapshot(self, exercise_id: str, version: int) -> None:
        """Store the snapshot of the exercise after event `version` (a worker's job: the state is
        folded from the store's nearest earlier snapshot)."""
        loaded = await self._load(exercise_id, upto=version)
        if loaded.state.version != version:
            raise conflict("bad_at", "the exercise has no event {version}", version=version)
        await self.store.save_snapshot(exercise_id, version, SNAPSHOT_FORMAT, snapshot_json(loaded.state, loaded.head_hash))

    async def settle(self) -> None:
        """Wait until the snapshots being taken in the background are stored."""
        while self._snapshots:
            await asyncio.gather(*list(self._snapshots.values()), return_exceptions=True)


def snapshot_json(state: State, head_hash: str) -> str:
    """A snapshot as stored (the service's and an import's alike), with the hash of the event it is
    after. Reads `state` only (a State is never changed once made), so any thread may run it."""
    doc = state_to_json(state)
    doc["_head_hash"] = head_hash
    return dumps(doc)


async def _maybe_await(value: Any) -> None:
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        await value


__all__ = ["ExerciseService", "UnknownExercise", "Busy", "IdempotencyMismatch", "Refused", "hash_token", "new_token"]
