"""SQLite's write-ahead log stays bounded under a steady stream of appends.

A passive checkpoint beside a steady stream of writes never catches up with them, so the WAL is
never started again from its beginning and grows with every append (it did: 640 MB after 30,000
appends). The store's writes wait on the event loop while a checkpoint runs (server/store/database.py),
so each checkpoint copies every frame and the next write starts the log over.
"""

from __future__ import annotations

import os
import secrets

from server.domain.events import FACILITATOR, new_event
from server.service import ExerciseService
from server.store.base import IdempotencyRecord
from server.store.chain import verify_chain
from server.store.database import SqliteDatabase, sqlite_path
from server.store.sql import open_store
from tests.domain.support import border_crisis


async def test_the_wal_stays_bounded_under_a_steady_stream_of_appends(sqlite_url, monkeypatch):
    every = 50
    monkeypatch.setattr(SqliteDatabase, "CHECKPOINT_EVERY", every)
    store = open_store(sqlite_url)
    try:
        exercise_id, _ = await ExerciseService(store=store, snapshot_interval=10**9).create(border_crisis())
        head = await store.exercise(exercise_id)
        version, prev = head.head_seq, head.head_hash
        appends = 20 * every
        for i in range(appends):  # back to back, as a busy exercise sends them: no pause for a checkpoint to catch up
            event = new_event("observation_added", FACILITATOR, {"observation_id": f"obs_{i}", "text": f"note {i} " + "x" * 200}, seq=version + 1,
                              exercise_time=float(i), recorded_at=1_700_000_000.0 + i)
            stored = await store.append(exercise_id, [event], expected_version=version, prev_hash=prev, status="running",
                                        next_due_wall=None, idempotency=IdempotencyRecord(FACILITATOR, secrets.token_hex(16), "5" * 64))
            version, prev = stored[-1].seq, stored[-1].hash
        wal = os.path.getsize(sqlite_path(sqlite_url) + "-wal")
        page = 4096 + 24  # a WAL frame: its header and one page
        # an append writes about five pages; a log started over at each checkpoint holds at most
        # the frames of two intervals, with room to spare (one that is never started over holds them all)
        assert wal <= 2 * every * 8 * page, f"WAL {wal / 1e6:.1f} MB after {appends} appends"
        assert wal < appends * 4 * page / 4
        events = await store.read(exercise_id)
        assert [e.seq for e in events] == list(range(1, version + 1))
        assert verify_chain(e.envelope() for e in events) is None
    finally:
        await store.close()
