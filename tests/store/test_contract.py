"""The event store contract, run against SQLite and PostgreSQL alike (the `db_url` fixture)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_asyncio

from server.domain.commands import parse_command
from server.domain.events import FACILITATOR
from server.domain.fold import fold
from server.review.export import ExportError, export_ndjson, parse_export
from server.service import Busy, ExerciseService, IdempotencyMismatch
from server.store.base import ConcurrencyConflict
from server.store.sql import open_store
from server.store.chain import verify_chain
from tests.domain.support import border_crisis

ROOT = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture
async def store(db_url):
    s = open_store(db_url)
    yield s
    await s.close()


def observation(text_: str):
    return parse_command({"type": "add_observation", "text": text_})


async def new_exercise(store) -> tuple[ExerciseService, str]:
    service = ExerciseService(store=store, snapshot_interval=10)
    exercise_id, _ = await service.create(border_crisis())
    return service, exercise_id


async def seqs(store, exercise_id: str) -> list[int]:
    return [e.seq for e in await store.read(exercise_id)]


async def test_append_continues_the_stream_and_reads_back_in_order(store):
    service, ex = await new_exercise(store)
    await service.execute(ex, FACILITATOR, parse_command({"type": "start_exercise"}))
    for i in range(5):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    events = await store.read(ex)
    assert [e.seq for e in events] == list(range(1, 8))
    assert [e.data.get("text") for e in events[2:]] == [f"note {i}" for i in range(5)]
    assert [e.seq for e in await store.read(ex, after=3, limit=2)] == [4, 5]
    assert [e.seq for e in await store.read(ex, after=3, upto=4)] == [4]
    assert verify_chain(e.envelope() for e in events) is None


async def test_a_stale_writer_loses_and_leaves_nothing_behind(store):
    service, ex = await new_exercise(store)
    state = await service.state(ex)
    head = (await store.exercise(ex)).head_hash
    from server.domain.decide import decide

    first = decide(state, observation("a"), seat=FACILITATOR, now=service.now())
    second = decide(state, observation("b"), seat=FACILITATOR, now=service.now())
    await store.append(ex, first, expected_version=state.version, prev_hash=head, status="created", next_due_wall=None)
    with pytest.raises(ConcurrencyConflict):
        await store.append(ex, second, expected_version=state.version, prev_hash=head, status="created", next_due_wall=None)
    events = await store.read(ex)
    assert [e.data.get("text") for e in events[1:]] == ["a"]


async def test_concurrent_writers_leave_a_gapless_stream_with_every_acknowledged_command_once(store):
    _, ex = await new_exercise(store)
    writers = [ExerciseService(store=store, snapshot_interval=10) for _ in range(6)]  # separate caches, as in separate processes
    acked: list[str] = []

    async def write(w: int) -> None:
        for j in range(8):
            key = f"w{w}-{j}"
            try:
                await writers[w].execute(ex, FACILITATOR, observation(key), idempotency_key=key, body_hash=key)
                acked.append(key)
            except Busy:
                pass

    await asyncio.gather(*(write(w) for w in range(6)))
    events = await store.read(ex)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    texts = [e.data["text"] for e in events if e.type == "observation_added"]
    assert sorted(texts) == sorted(acked)  # each acknowledged command exactly once, nothing unacknowledged
    assert len(acked) >= 40
    assert verify_chain(e.envelope() for e in events) is None


async def test_idempotent_retry_returns_the_first_events_and_appends_nothing(store):
    service, ex = await new_exercise(store)
    first = await service.execute(ex, FACILITATOR, observation("once"), idempotency_key="k1", body_hash="h1")
    other = ExerciseService(store=store)  # e.g. the retry reaches another process
    again = await other.execute(ex, FACILITATOR, observation("once"), idempotency_key="k1", body_hash="h1")
    assert [e.envelope() for e in again] == [e.envelope() for e in first]
    assert await seqs(store, ex) == [1, 2]
    with pytest.raises(IdempotencyMismatch):
        await service.execute(ex, FACILITATOR, observation("something else"), idempotency_key="k1", body_hash="h2")
    # the same key from another seat is another command
    await service.execute(ex, "TJK", parse_command({"type": "send_control_message", "text": "hi"}), idempotency_key="k1", body_hash="h3")
    assert await seqs(store, ex) == [1, 2, 3]


async def _tamper(store, sql: str) -> None:
    await store.execute_sql(sql)


async def _export(store, ex) -> list[bytes]:
    return [line async for line in export_ndjson(store, ex)]


@pytest.mark.parametrize("sql,broken_seq", [
    ("UPDATE events SET data = replace(data, 'note 3', 'note X') WHERE seq = 5", 5),  # an edited event
    ("DELETE FROM events WHERE seq = 4", 4),  # a dropped event
    ("UPDATE events SET exercise_time = exercise_time + 1 WHERE seq = 6", 6),
])
async def test_the_hash_chain_detects_edits_in_the_database(store, sql, broken_seq):
    service, ex = await new_exercise(store)
    for i in range(6):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    good = parse_export(await _export(store, ex))
    assert good.problem is None and len(good.events) == 7
    await _tamper(store, sql.replace("WHERE", f"WHERE exercise_id = '{ex}' AND"))
    with pytest.raises(ExportError, match=f"seq {broken_seq}"):
        await _export(store, ex)
    envelopes = [e.envelope() for e in await store.read(ex)]
    problem = verify_chain(envelopes)
    assert problem is not None and problem.seq == broken_seq


async def test_the_hash_chain_detects_reordered_events(store):
    service, ex = await new_exercise(store)
    for i in range(4):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    envelopes = [e.envelope() for e in await store.read(ex)]
    envelopes[2], envelopes[3] = envelopes[3], envelopes[2]
    assert verify_chain(envelopes).seq == 3
    # renumbering them to hide the swap breaks the hashes instead
    envelopes[2]["seq"], envelopes[3]["seq"] = 3, 4
    assert verify_chain(envelopes).seq == 3


async def test_state_after_a_restart_equals_the_state_before(db_url, store):
    service, ex = await new_exercise(store)
    await service.execute(ex, FACILITATOR, parse_command({"type": "start_exercise"}))
    for i in range(25):  # crosses snapshot boundaries (every 10)
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    await service.execute(ex, "TJK", parse_command({"type": "request_assistance", "kinds": ["military"], "summary": "x"}))
    before = await service.state(ex)
    restarted_store = open_store(db_url)
    try:
        after = await ExerciseService(store=restarted_store).state(ex)
    finally:
        await restarted_store.close()
    assert after == before


async def test_state_at_any_seq_equals_a_fold_of_the_events_up_to_it(store):
    service, ex = await new_exercise(store)
    await service.execute(ex, FACILITATOR, parse_command({"type": "start_exercise"}))
    for i in range(33):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    events = await store.read(ex)
    fresh = ExerciseService(store=store)  # no cache: snapshots and the log only
    for n in range(1, len(events) + 1):
        assert await fresh.state(ex, at=n) == fold(events[:n]), n


async def test_snapshots_are_written_and_used(store):
    service, ex = await new_exercise(store)
    for i in range(23):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    snap = await store.load_snapshot(ex)
    assert snap is not None and snap[0] == 20
    assert (await store.load_snapshot(ex, upto=15))[0] == 10


async def test_a_server_takes_its_snapshots_in_the_background_and_none_is_lost(store):
    """With `background_snapshots` (as the app runs it) the command returns before the snapshot is
    stored; every boundary crossed still gets one (the newest waits for the one being taken)."""
    service = ExerciseService(store=store, snapshot_interval=10, background_snapshots=True)
    ex, _ = await service.create(border_crisis())
    for i in range(23):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    await service.settle()
    assert (await store.load_snapshot(ex))[0] == 20
    assert (await store.load_snapshot(ex, upto=15))[0] == 10
    fresh = ExerciseService(store=store)
    assert await fresh.state(ex) == await service.state(ex)


async def test_snapshots_are_spaced_in_proportion_to_the_log(store):
    """A snapshot costs in proportion to the state, so after one at version v the next comes
    max(interval, growth x v) events later: its cost per command does not grow with the exercise.
    interval 10, growth 0.5: snapshots at 10, 20, 30, 45, 67, not every 10. A process that starts
    afresh knows the newest snapshot from the store and goes on from it."""
    service = ExerciseService(store=store, snapshot_interval=10, snapshot_growth=0.5)
    ex, _ = await service.create(border_crisis())
    for i in range(59):
        await service.execute(ex, FACILITATOR, observation(f"note {i}"))
    assert (await service.state(ex)).version == 60
    taken = sorted({(await store.load_snapshot(ex, upto=v))[0] for v in range(10, 61)})
    assert taken == [10, 20, 30, 45]
    fresh = ExerciseService(store=store, snapshot_interval=10, snapshot_growth=0.5)
    for i in range(10):
        await fresh.execute(ex, FACILITATOR, observation(f"more {i}"))
    assert (await store.load_snapshot(ex))[0] == 67
    every = ExerciseService(store=store, snapshot_interval=10, snapshot_growth=0)
    for i in range(3):
        await every.execute(ex, FACILITATOR, observation(f"last {i}"))
    assert (await store.load_snapshot(ex))[0] == 67  # 73 events: with growth 0, the next is at 77
    for i in range(4):
        await every.execute(ex, FACILITATOR, observation(f"later {i}"))
    assert (await store.load_snapshot(ex))[0] == 77


@pytest.mark.postgres
@pytest.mark.slow
def test_two_processes_appending_to_one_exercise_on_postgres(pg_url):
    async def setup() -> str:
        s = open_store(pg_url)
        try:
            return (await new_exercise(s))[1]
        finally:
            await s.close()

    ex = asyncio.run(setup())
    procs = [subprocess.Popen([sys.executable, "-m", "tests.store.writer_process", pg_url, ex, f"p{i}", "40"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    acked: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        acked += json.loads(out.strip().splitlines()[-1])

    async def check() -> None:
        s = open_store(pg_url)
        try:
            events = await s.read(ex)
        finally:
            await s.close()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert sorted(e.data["text"] for e in events[1:]) == sorted(acked)
        assert len(acked) == 80
        assert verify_chain(e.envelope() for e in events) is None

    asyncio.run(check())


async def test_a_refusal_is_never_judged_on_a_stale_cache(store):
    """Process A cached the exercise before it started; process B starts it; A must accept moves."""
    a, ex = await new_exercise(store)
    b = ExerciseService(store=store)
    await a.state(ex)
    await b.execute(ex, FACILITATOR, parse_command({"type": "start_exercise"}))
    out = await a.execute(ex, "TJK", parse_command({"type": "report_threat", "kind": "threat", "summary": "x"}))
    assert [e.type for e in out] == ["threat_reported"]


async def test_exclusive_queues_writers_on_postgres_and_is_free_on_sqlite(db_url):
    a, b = open_store(db_url), open_store(db_url)  # two processes' stores
    postgres = db_url.startswith("postgresql")
    order: list[str] = []
    a_holds, a_may_go = asyncio.Event(), asyncio.Event()

    async def hold_a() -> None:
        async with a.exclusive("ex_same"):
            order.append("a in")
            a_holds.set()
            await a_may_go.wait()
            order.append("a out")

    async def pass_b() -> None:
        async with b.exclusive("ex_same"):
            order.append("b in")
        order.append("b out")

    try:
        first = asyncio.create_task(hold_a())
        await a_holds.wait()
        second = asyncio.create_task(pass_b())
        if postgres:  # b's request is queued in PostgreSQL behind a's lock
            await asyncio.wait_for(_until_a_lock_is_awaited(db_url), 10)
        else:  # nothing to queue behind: b goes through while a still holds
            await asyncio.wait_for(second, 10)
        a_may_go.set()
        await asyncio.wait_for(asyncio.gather(first, second), 10)
    finally:
        await a.close()
        await b.close()
    if postgres:
        assert order == ["a in", "a out", "b in", "b out"]
    else:
        assert order == ["a in", "b in", "b out", "a out"]


async def _until_a_lock_is_awaited(url: str) -> None:
    """Poll pg_locks until some session in this (test's own) database waits for an advisory lock."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        while not await conn.fetchval(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"):
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


async def test_a_lost_race_sends_later_writes_through_the_queue(store):
    a, ex = await new_exercise(store)
    b = ExerciseService(store=store)
    await a.state(ex)  # a's cache is about to be stale
    await b.execute(ex, FACILITATOR, observation("b first"))
    await a.execute(ex, FACILITATOR, observation("a, after a lost race"))
    assert a.turns.contended(ex) and not b.turns.contended(ex)
    await a.execute(ex, FACILITATOR, observation("a, queued"))
    assert [e.data.get("text") for e in (await store.read(ex))[1:]] == ["b first", "a, after a lost race", "a, queued"]


async def test_two_stores_racing_on_one_exercise_lose_nothing_duplicate_nothing_and_keep_keys(db_url):
    """Two processes' stores (each its own connections) and services on one exercise: every command
    is sent to BOTH at once with the same idempotency key, as a client retrying on another process
    would. Each key is recorded exactly once, both answers for it are the recorded events, the
    log has no gap and its chain verifies; on PostgreSQL the processes lost a race and took turns."""
    stores = [open_store(db_url), open_store(db_url)]
    try:
        services = [ExerciseService(store=s, snapshot_interval=25) for s in stores]
        ex, _ = await services[0].create(border_crisis())
        await services[1].execute(ex, FACILITATOR, parse_command({"type": "start_exercise"}))
        answers: dict[str, list[list[dict]]] = {}

        async def both(key: str) -> None:
            got = await asyncio.gather(*(svc.execute(ex, FACILITATOR, observation(key), idempotency_key=key, body_hash=key)
                                         for svc in services))
            answers[key] = [[e.envelope() for e in events] for events in got]

        async def writer(w: int) -> None:
            for j in range(12):
                await both(f"w{w}-{j}")

        await asyncio.wait_for(asyncio.gather(*(writer(w) for w in range(6))), 120)
        events = await stores[0].read(ex)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert verify_chain(e.envelope() for e in events) is None
        texts = [e.data["text"] for e in events if e.type == "observation_added"]
        assert sorted(texts) == sorted(answers) and len(texts) == 72  # every key once, nothing else
        by_seq = {e.seq: e.envelope() for e in events}
        for key, (first, second) in answers.items():
            assert first == second, f"{key}: the two processes answered differently"
            assert [by_seq[e["seq"]] for e in first] == first
        for svc in services:  # both caches agree with a fold of the log
            assert await svc.state(ex) == fold(events)
        if db_url.startswith("postgresql"):
            assert any(svc.turns.contended(ex) for svc in services)
    finally:
        for s in stores:
            await s.close()


@pytest.mark.postgres
async def test_an_append_outside_a_turn_loses_while_another_process_holds_one(pg_url):
    a, b = open_store(pg_url), open_store(pg_url)
    try:
        service, ex = await new_exercise(a)
        state = await service.state(ex)
        head = (await a.exercise(ex)).head_hash
        from server.domain.decide import decide

        [event] = decide(state, observation("b, outside a turn"), seat=FACILITATOR, now=service.now())
        async with a.exclusive(ex):  # process a holds its turn
            with pytest.raises(ConcurrencyConflict):
                await b.append(ex, [event], expected_version=state.version, prev_hash=head, status=state.status,
                               next_due_wall=None)
            stored = await a.append(ex, [event], expected_version=state.version, prev_hash=head, status=state.status,
                                    next_due_wall=None, in_turn=True)
        assert [e.seq for e in await b.read(ex)] == [1, stored[0].seq]
    finally:
        await a.close()
        await b.close()
