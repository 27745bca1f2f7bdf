"""Importing an exported log, streamed: read, checked and stored a piece at a time, never whole.

`LogReader` is the synchronous, CPU-bound part, fed bytes as they arrive and run off the event loop
(in a worker thread: it keeps the log's state from one piece to the next). For each line, in order:

1. the line is at most `max_line_bytes`, and the log at most `max_events` events (413);
2. it is JSON, an object: the export's header (first line), or an event envelope;
3. its seq is the next one (else the chain breaks there), every field is of the right type and
   within bounds (`envelope.check_envelope`), and its hash is the hash of its content after the
   previous one (422, naming the seq, the line and why);
4. the first event creates the exercise from a scenario that passes the checks of `POST
   /api/exercises`; every event folds into the state (an event the domain cannot fold is refused);
5. `check`, if given, is asked whether the engine could have recorded the event in the state
   before it (the place for re-deciding every move against the rules; by default nothing more).
   The API passes a factory through `WorkPool.import_log(check_factory=...)`, which makes one
   check per import in the process that runs it; a refusal is 422 `impossible_event`.

The first problem stops the import. `import_stream` drives a reader over an async stream of bytes
(an HTTP body, a file), writes the rows it yields in short transactions into an exercise that is
invisible until the end ("importing": no seats, so no token opens it), and on any failure deletes
it. Memory stays bounded by one piece of input and one batch of rows, whatever the log's size.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Sequence

try:
    from orjson import JSONDecodeError, loads as _loads
except ImportError:  # pragma: no cover
    from json import JSONDecodeError, loads as _loads  # type: ignore[assignment]

from ..domain.codec import SNAPSHOT_FORMAT
from ..domain.decide import scenario_hash
from ..domain.events import EVENT_VERSIONS, Event, upcast_event
from ..domain.institutions import index
from ..domain.scenario import Scenario
from ..domain.fold import evolve, fold
from ..domain.state import State
from ..scenarios import ScenarioError, validate_definition
from ..service import ExerciseService, hash_token, issue_seats, new_exercise_id, snapshot_json
from ..store.chain import GENESIS, ChainBreak
from ..store.rows import dumps
from .envelope import BadEvent, HashMismatch, check_envelope
from .export import FORMAT, READABLE_VERSIONS
from .operations import Created, ReviewRefused

HistoryCheck = Callable[[State, Event], "str | None"]
"""Why the engine could not have recorded `event` (current version) in `state`, or None."""

FEED_BYTES = 256 * 1024  # input handed to the reader at a time
MAX_ORIGIN_BYTES = 64 * 1024  # the header's `origin`, kept in the new exercise's origin
MAX_HEADER_TEXT = 300


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int
    max_events: int
    max_line_bytes: int


@dataclass
class Piece:
    """What one call of the reader yields: rows to insert, snapshots to save."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    snapshots: list[tuple[int, str]] = field(default_factory=list)


def too_large(code: str, message: str) -> ReviewRefused:
    return ReviewRefused(413, code, message)


def broken(problem: ChainBreak) -> ReviewRefused:
    return ReviewRefused(422, "broken_chain", str(problem), {"seq": problem.seq, "line": problem.line,
                                                             "reason": problem.reason})


def bad_header(line: int, reason: str) -> ReviewRefused:
    return ReviewRefused(422, "invalid_export", f"The log cannot be imported: its header (line {line}): {reason}",
                         {"seq": None, "line": line, "reason": reason})


def invalid(seq: int, line: int | None, reason: str, code: str = "invalid_export", **details: Any) -> ReviewRefused:
    where = f"seq {seq}" + (f" (line {line})" if line is not None else "")
    return ReviewRefused(422, code, f"The log cannot be imported: event {where}: {reason}",
                         {"seq": seq, "line": line, "reason": reason, **details})


class LogReader:
    def __init__(self, *, exercise_id: str, limits: ImportLimits, snapshot_every: int = 5000,
                 check: HistoryCheck | None = None) -> None:
        self.exercise_id = exercise_id
        self.limits = limits
        self.snapshot_every = snapshot_every
        self.check = check
        self.header: dict[str, Any] | None = None
        self.scenario: Scenario | None = None
        self._aliases: dict[str, int] = {}  # the scenario's alias event types -> their highest version
        self.state = State()
        self.head_hash = GENESIS
        self.count = 0  # events read
        self._buf = bytearray()
        self._line_no = 0
        self._pending: list[tuple[Event, int]] = []  # read, not yet folded: (current-version event, line)

    # -- input ---------------------------------------------------------------------------------

    def feed(self, data: bytes) -> Piece:
        piece = Piece()
        buf = self._buf
        buf += data
        start = 0
        limit = self.limits.max_line_bytes
        while (nl := buf.find(b"\n", start)) >= 0:
            if nl - start > limit:
                raise self._too_long()
            self._line(bytes(buf[start:nl]), piece)
            start = nl + 1
        del buf[:start]
        if len(buf) > limit:
            raise self._too_long()
        self._fold(piece)
        return piece

    def _too_long(self) -> ReviewRefused:
        return too_large("line_too_long", f"Line {self._line_no + 1} is longer than {self.limits.max_line_bytes:,} bytes "
                         "(TTX_MAX_IMPORT_LINE_BYTES); nothing was imported.")

    def finish(self) -> Piece:
        piece = Piece()
        if self._buf:
            self._line(bytes(self._buf), piece)
            self._buf.clear()
        self._fold(piece)
        if self.count == 0:
            raise broken(ChainBreak(1, None, "the log has no events"))
        header = self.header
        if header is not None:
            promised = header.get("event_count")
            if type(promised) is int and promised != self.count:
                raise broken(ChainBreak(self.count + 1 if promised > self.count else promised + 1, None,
                                        f"the header promises {promised} events but the log has {self.count}: events "
                                        f"were {'deleted from the end' if promised > self.count else 'added'}"))
            if header.get("head_hash") not in (None, self.head_hash):
                raise broken(ChainBreak(self.count, None, "the last event's hash differs from the header's head_hash"))
        return piece

    def _line(self, raw: bytes, piece: Piece) -> None:
        self._line_no += 1
        line = self._line_no
        if not raw.strip():
            return
        seq = self.count + 1
        try:
            obj = _loads(raw)
        except (JSONDecodeError, ValueError, RecursionError):
            raise broken(ChainBreak(seq, line, "line is not valid JSON (UTF-8)"))
        if type(obj) is not dict:
            raise broken(ChainBreak(seq, line, "line is not a JSON object"))
        if self.count == 0 and self.header is None and obj.get("format") == FORMAT:
            self._read_header(obj, line)
            return
        found = obj.get("seq")
        if found != seq or type(found) is not int:
            if type(found) is int and found > seq:
                raise broken(ChainBreak(seq, line, f"seq {seq} is missing (found {found}): an event was deleted or reordered"))
            raise broken(ChainBreak(seq, line, f"found seq {found!r} where {seq} was expected: events out of order"))
        if seq > self.limits.max_events:
            raise too_large("too_many_events", f"The log has more than {self.limits.max_events:,} events "
                            "(TTX_MAX_IMPORT_EVENTS); nothing was imported.")
        try:
            checked = check_envelope(obj, seq=seq, line=line, prev_hash=self.head_hash, aliases=self._aliases)
        except BadEvent as exc:
            raise invalid(seq, line, f"{exc.field}: {exc.reason}", "invalid_event", field=exc.field)
        except HashMismatch:
            raise broken(ChainBreak(seq, line, "the event's content does not match its hash: it was edited"))
        self.count = seq
        self.head_hash = checked.event.hash
        event = upcast_event(checked.event)
        if seq == 1:
            self._first(event, line)
        piece.rows.append((self.exercise_id, *checked.row))
        self._pending.append((event, line))

    def _read_header(self, header: dict[str, Any], line: int) -> None:
        version = header.get("version", 1)
        if version not in READABLE_VERSIONS or type(version) is not int:
            raise bad_header(line, f"version {version!r} is not one this server reads "
                                   f"({', '.join(map(str, READABLE_VERSIONS))})")
        count = header.get("event_count")
        if count is not None and (type(count) is not int or count < 0):
            raise bad_header(line, "event_count is not a count")
        if type(count) is int and count > self.limits.max_events:
            raise too_large("too_many_events", f"The header promises {count:,} events; this server imports at most "
                            f"{self.limits.max_events:,} (TTX_MAX_IMPORT_EVENTS). Nothing was imported.")
        for key in ("exercise_id", "title", "exported_at", "head_hash"):
            value = header.get(key)
            if value is not None and (type(value) is not str or len(value) > MAX_HEADER_TEXT):
                raise bad_header(line, f"{key} is not a string of at most {MAX_HEADER_TEXT} characters")
        origin = header.get("origin")
        if origin is not None and (type(origin) is not dict or len(dumps(origin)) > MAX_ORIGIN_BYTES):
            raise bad_header(line, f"origin is not an object of at most {MAX_ORIGIN_BYTES // 1024} KiB")
        self.header = header

    def _first(self, event: Event, line: int) -> None:
        if event.type != "exercise_created" or type(event.data.get("scenario")) is not dict:
            raise invalid(1, line, "the log does not start with exercise_created and its scenario")
        definition = event.data["scenario"]
        if event.data.get("scenario_hash") not in (None, scenario_hash(definition)):
            raise invalid(1, line, "the scenario does not match its recorded hash")
        try:
            self.scenario = validate_definition(definition, source="event 1: scenario")
        except ScenarioError as exc:
            raise ReviewRefused(422, "invalid_scenario", f"The scenario in event 1 has {len(exc.issues)} error(s); "
                                "nothing was imported.", [i.as_dict() for i in exc.issues])
        self._aliases = {alias: EVENT_VERSIONS[generic]
                         for alias, (generic, _) in index(self.scenario).alias_events.items() if generic in EVENT_VERSIONS}

    # -- folding -----------------------------------------------------------------------------

    def _fold(self, piece: Piece) -> None:
        """Fold what was read, in runs that end on snapshot points (a snapshot every
        `snapshot_every` events, so replay to any point of a long imported log stays short)."""
        pending, self._pending = self._pending, []
        i = 0
        while i < len(pending):
            next_snapshot = (self.state.version // self.snapshot_every + 1) * self.snapshot_every
            run = pending[i:i + max(1, next_snapshot - self.state.version)]
            i += len(run)
            self.state = self._fold_run(self.state, run)
            if self.state.version == next_snapshot:
                piece.snapshots.append((self.state.version, snapshot_json(self.state, run[-1][0].hash)))

    def _fold_run(self, state: State, run: Sequence[tuple[Event, int]]) -> State:
        if self.check is None:
            try:
                return fold((ev for ev, _ in run), state)
            except Exception:  # noqa: BLE001 - untrusted input: find the event, below
                pass
        for ev, line in run:  # one at a time: to ask `check`, or to name the event the fold fails on
            if self.check is not None:
                why = self.check(state, ev)
                if why is not None:
                    raise invalid(ev.seq, line, why, "impossible_event")
            try:
                state = evolve(state, ev)
            except Exception as exc:  # noqa: BLE001 - any failure of the domain on imported data is a refusal
                raise invalid(ev.seq, line, f"it cannot be replayed ({exc.__class__.__name__}: {exc})"[:500])
        return state


# --- driving a reader over a stream -----------------------------------------------------------------

Offload = Callable[..., Awaitable[Any]]


async def import_stream(service: ExerciseService, chunks: AsyncIterator[bytes], *, limits: ImportLimits,
                        offload: Offload, snapshot_every: int = 5000, check: HistoryCheck | None = None,
                        progress: Callable[[int, int], None] | None = None) -> Created:
    """Import the log `chunks` carries as a new read-only exercise. `offload(fn, *args)` runs the
    reader's CPU work off the event loop. Raises ReviewRefused (413, 422) at the first problem,
    having deleted whatever it stored. `progress(bytes, events)` is told after every piece."""
    store = service.store
    exercise_id = new_exercise_id()
    reader = LogReader(exercise_id=exercise_id, limits=limits, snapshot_every=snapshot_every, check=check)
    begun = False
    head = 0
    received = 0

    async def store_piece(piece: Piece) -> None:
        nonlocal begun, head
        if piece.rows:
            if not begun:
                scenario = reader.scenario
                assert scenario is not None
                await store.begin_import(exercise_id=exercise_id, scenario_id=scenario.id, title=scenario.title,
                                         created_at=service.now())
                begun = True
            await store.import_events(exercise_id, piece.rows, expected_version=head)
            head = piece.rows[-1][1]
        for seq, doc in piece.snapshots:
            await store.save_snapshot(exercise_id, seq, SNAPSHOT_FORMAT, doc)
        if progress is not None:
            progress(received, reader.count)

    try:
        parts: list[bytes] = []
        size = 0
        async for chunk in chunks:
            received += len(chunk)
            if received > limits.max_bytes:
                raise too_large("import_too_large", f"The log is larger than {limits.max_bytes:,} bytes "
                                "(TTX_MAX_IMPORT_BYTES); nothing was imported.")
            parts.append(chunk)
            size += len(chunk)
            if size >= FEED_BYTES:
                data, parts, size = b"".join(parts), [], 0
                await store_piece(await offload(reader.feed, data))
        if parts:
            await store_piece(await offload(reader.feed, b"".join(parts)))
        await store_piece(await offload(reader.finish))
        scenario = reader.scenario
        assert scenario is not None
        header = reader.header or {}
        origin = {"imported_from": header.get("exercise_id"), "title": header.get("title"),
                  "exported_at": header.get("exported_at"), "event_count": reader.count, "head_hash": reader.head_hash,
                  "origin": header.get("origin")}
        issued = issue_seats(scenario)
        await store.finish_import(exercise_id, seats=[(s.seat, s.kind, s.name, hash_token(s.token)) for s in issued],
                                  status=reader.state.status, head_hash=reader.head_hash, origin=origin)
    except BaseException:
        if begun:
            await asyncio.shield(store.discard_exercise(exercise_id))
        raise
    service.adopt(exercise_id, reader.state, reader.head_hash)
    return Created(exercise_id, scenario, issued, origin)


async def file_chunks(path: str, *, size: int = FEED_BYTES) -> AsyncIterator[bytes]:
    """A file's bytes, a piece at a time (read in a thread)."""
    with open(path, "rb") as fh:
        while True:
            chunk = await asyncio.to_thread(fh.read, size)
            if not chunk:
                return
            yield chunk


def stale_before(now: float | None = None, *, hours: float = 1.0) -> float:
    """Imports begun before this (and never finished) were cut off by a crash: safe to delete."""
    return (time.time() if now is None else now) - hours * 3600
