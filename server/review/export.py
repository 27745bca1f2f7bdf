"""Export, verify and read exported logs.

An export is NDJSON: a header line `{"format": "ttx-export", ...}` with the event count and the
head hash, then one line per event exactly as stored (not upcast), hash and nonce included. The
chain is verified while exporting, so a damaged database never produces a log that looks sound.

Format version 2 (this one): events carry `nonce` (null for events recorded before it, which are
hashed without it: chain formats in server/store/chain.py). Version 1 logs have no nonce at all;
both verify and import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterable

from ..domain.events import format_timestamp
from ..store.chain import GENESIS, ChainBreak, event_hash, verify_chain

FORMAT = "ttx-export"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


class ExportError(Exception):
    pass


def _line(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


async def export_ndjson(store, exercise_id: str) -> AsyncIterator[bytes]:
    import time

    record = await store.exercise(exercise_id)
    if record is None:
        raise ExportError(f"no exercise {exercise_id}")
    head = record.head_seq
    yield _line({"format": FORMAT, "version": FORMAT_VERSION, "exercise_id": exercise_id, "scenario_id": record.scenario_id,
                 "title": record.title, "exported_at": format_timestamp(time.time()), "event_count": head,
                 "head_hash": record.head_hash, "read_only": record.read_only, "origin": record.origin})
    prev = GENESIS
    expected = 1
    async for batch in store.read_raw(exercise_id):
        for env in batch:
            if env["seq"] > head:
                return
            if env["seq"] != expected:
                raise ExportError(f"the stored log of {exercise_id} breaks at seq {expected}: it is missing")
            expected += 1
            if event_hash(prev, env) != env["hash"]:
                raise ExportError(f"the stored log of {exercise_id} breaks at seq {env['seq']}")
            prev = env["hash"]
            played_by = env["data"].get("played_by")  # a move the white cell made: said in the envelope too
            if played_by is not None:
                env["played_by"] = played_by
            yield _line(env)
    if expected <= head:
        raise ExportError(f"the stored log of {exercise_id} breaks at seq {expected}: it is missing")


@dataclass
class ParsedExport:
    header: dict[str, Any] | None
    events: list[dict[str, Any]]
    problem: ChainBreak | None


def parse_export(lines: Iterable[str | bytes]) -> ParsedExport:
    """Parse an export (or a bare NDJSON log) and verify it. Never raises on bad content: the
    problem comes back as a ChainBreak naming the seq and line."""
    header: dict[str, Any] | None = None
    events: list[dict[str, Any]] = []
    first_event_line = 1
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            return ParsedExport(header, events, ChainBreak(len(events) + 1, number, "line is not valid JSON"))
        if not isinstance(obj, dict):
            return ParsedExport(header, events, ChainBreak(len(events) + 1, number, "line is not a JSON object"))
        if obj.get("format") == FORMAT and not events and header is None:
            header = obj
            first_event_line = number + 1
            continue
        events.append(obj)
    problem = verify_chain(events, first_line=first_event_line)
    if problem is None and header is not None:
        count = header.get("event_count")
        if isinstance(count, int) and count != len(events):
            problem = ChainBreak(len(events) + 1 if count > len(events) else count + 1, None,
                                 f"the header promises {count} events but the log has {len(events)}: events were "
                                 f"{'deleted from the end' if count > len(events) else 'added'}")
        elif events and header.get("head_hash") not in (None, events[-1].get("hash")):
            problem = ChainBreak(len(events), None, "the last event's hash differs from the header's head_hash")
    if problem is None and not events:
        problem = ChainBreak(1, None, "the log has no events")
    return ParsedExport(header, events, problem)
