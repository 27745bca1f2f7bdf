"""An exercise recorded before the nonce (schema 0001) goes on after the upgrade: its old events keep
their hashes (chain format 0), new ones get nonces (format 1), and the whole log verifies."""

from __future__ import annotations

import json
import sqlite3

from server.domain.commands import parse_command
from server.domain.events import FACILITATOR, parse_timestamp
from server.migrate import upgrade
from server.review.export import export_ndjson, parse_export
from server.service import ExerciseService
from server.store.sql import open_store
from tests.conftest import run_blocking
from tests.store.test_chain import LEGACY_LOG


def write_legacy_exercise(path: str) -> str:
    header, *events = [json.loads(line) for line in LEGACY_LOG.read_text().splitlines()]
    ex = header["exercise_id"]
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO exercises (id, scenario_id, title, created_at, read_only, origin, head_seq, head_hash, "
                     "status, next_due_wall) VALUES (?, ?, ?, 0, 0, NULL, ?, ?, 'running', NULL)",
                     (ex, header["scenario_id"], header["title"], len(events), events[-1]["hash"]))
        conn.executemany("INSERT INTO events (exercise_id, seq, id, type, version, actor, exercise_time, recorded_at, "
                         "audience, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [(ex, e["seq"], e["id"], e["type"], e["version"], e["actor"], e["exercise_time"],
                           int(round(parse_timestamp(e["recorded_at"]) * 1000)),
                           json.dumps(e["audience"]) if e["audience"] is not None else None,
                           json.dumps(e["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False), e["hash"])
                          for e in events])
    conn.close()
    return ex


async def test_a_log_begun_before_the_nonce_continues_with_nonces_and_verifies(tmp_path):
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    run_blocking(upgrade, url, "0001")
    ex = write_legacy_exercise(str(path))
    run_blocking(upgrade, url)
    store = open_store(url)
    try:
        await ExerciseService(store=store).execute(ex, FACILITATOR, parse_command({"type": "add_observation", "text": "after"}))
        parsed = parse_export([line async for line in export_ndjson(store, ex)])
    finally:
        await store.close()
    assert parsed.problem is None
    assert [e["nonce"] is not None for e in parsed.events] == [False] * 6 + [True]
