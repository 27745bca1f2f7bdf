"""SQLite's write-ahead log stays bounded under a steady stream of appends.

A passive checkpoint beside a steady stream of writes never catches up with them, so the WAL is
never started again from its beginning and grows with every append (it did: 640 MB after 30,000
appends). The store's writes wait on the event loop while a checkpoint runs (server/store/database.py),
during a checkpoint's second round, so that round copies every frame and the next write starts the
log over; during its first round (the long one: it syncs what the log held) they go on.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading

from server.domain.events import FACILITATOR, new_event
from server.service import ExerciseService
from server.store.base import IdempotencyRecord
from server.store.chain import verify_chain
from server.store.database import SqliteDatabase, sqlite_path
from server.store.sql import open_store
from tests.domain.support import border_crisis


async def _append(store, exercise_id: str, i: int) -> None:
    head = await store.exercise(exercise_id)
    event = new_event("observation_added", FACILITATOR, {"observation_id": f"obs_{i}", "text": f"note {i}"}, seq=head.head_seq + 1,
                      exercise_time=float(i), recorded_at=1_700_000_000.0 + i)
    await store.append(exercise_id, [event], expected_version=head.head_seq, prev_hash=head.head_hash, status="running",
                       next_due_wall=None)


async def test_writes_go_on_beside_a_checkpoints_first_round_and_wait_for_its_second(sqlite_url, monkeypatch):
    every = 5
    monkeypatch.setattr(SqliteDatabase, "CHECKPOINT_EVERY", every)
    rounds: list[str] = []
    first_began, release = threading.Event(), threading.Event()
    checkpoint = SqliteDatabase._checkpoint

    def held_checkpoint(self) -> None:
        rounds.append("begun")
        if len(rounds) == 1:  # the first round: held until the test lets it go
            first_began.set()
            assert release.wait(30)
        checkpoint(self)
        rounds[-1] = "done"

    monkeypatch.setattr(SqliteDatabase, "_checkpoint", held_checkpoint)
    store = open_store(sqlite_url)
    try:
        exercise_id, _ = await ExerciseService(store=store, snapshot_interval=10**9).create(border_crisis())
        for i in range(every):  # the fifth inline write starts the first round
            await _append(store, exercise_id, i)
        assert await asyncio.to_thread(first_began.wait, 30)
        for i in range(every, 4 * every):  # written while the first round runs: none waits for it
            await _append(store, exercise_id, i)
        assert rounds == ["begun"]
        release.set()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(store.db._writer, lambda: None)  # the writer thread is one thread: the first round is over
        assert rounds == ["done"]
        await _append(store, exercise_id, 4 * every)  # starts the second round and waits for it
        assert rounds == ["done", "done"]
        await _append(store, exercise_id, 4 * every + 1)
        _busy, log_frames, _copied = store.db._inline.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert log_frames <= 10, f"the log was not started over: {log_frames} frames"  # one append's few pages
        events = await store.read(exercise_id)
        assert verify_chain(e.envelope() for e in events) is None
    finally:
        release.set()
        await store.close()


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
