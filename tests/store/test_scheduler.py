"""The scheduler: due work is delivered exactly once, by one leader at a time, and caught up after
a restart with the times it was scheduled for."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from server.domain.commands import parse_command
from server.domain.scenario import Scenario
from server.live.leader import FileLeadership, PostgresLeadership
from server.scheduler import Scheduler
from server.service import ExerciseService
from server.store.sql import open_store

FAST = Scenario.model_validate({
    "id": "fast", "title": "Fast clock", "start": "1995-06-12T09:00:00+05:00", "speed": 120,
    "seats": [{"id": s, "name": s, "kind": "state", "status": "member"} for s in ("KAZ", "RUS")],
    "bodies": [{"id": "CCS", "name": "Council", "members": "all_members"}],
    "rules": [{"body": "*", "kind": "*", "rule": "consensus", "deadline_minutes": 2}],
    "injects": [{"id": f"i{n}", "at": f"00:0{n}", "title": f"Inject {n}", "to": "all"} for n in range(4)],
})


@pytest.fixture
async def store(db_url):
    s = open_store(db_url)
    yield s
    await s.close()


class Always:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def started(store) -> tuple[ExerciseService, str]:
    service = ExerciseService(store=store)
    ex, _ = await service.create(FAST)
    await service.execute(ex, "facilitator", parse_command({"type": "start_exercise"}))
    return service, ex


async def delivered(store, ex) -> list[tuple[str, float]]:
    return [(e.data["inject_id"], e.exercise_time) for e in await store.read(ex) if e.type == "inject_delivered"]


async def test_two_schedulers_racing_deliver_each_inject_once(store):
    _, ex = await started(store)
    # two "processes", both believing they lead (the lock is belt and braces; the log is the guarantee)
    schedulers = [Scheduler(ExerciseService(store=store), Always()) for _ in range(2)]
    deadline = time.time() + 3.5  # 4 injects a minute apart at speed 120: all due within 1.5 s
    while time.time() < deadline:
        await asyncio.gather(*(s.run_due() for s in schedulers))
        await asyncio.sleep(0.05)
    got = await delivered(store, ex)
    assert [i for i, _ in got] == ["i0", "i1", "i2", "i3"]
    assert [t for _, t in got] == [0.0, 60.0, 120.0, 180.0]


async def test_catch_up_after_a_restart_keeps_the_scheduled_times(store):
    service, ex = await started(store)
    await asyncio.sleep(1.7)  # nobody running the scheduler: the server is down
    restarted = Scheduler(ExerciseService(store=store), Always())
    await restarted.run_due()
    assert await delivered(store, ex) == [("i0", 0.0), ("i1", 60.0), ("i2", 120.0), ("i3", 180.0)]
    assert await restarted.run_due() == 0


async def test_deadlines_fire_as_system_events(store):
    service, ex = await started(store)
    await service.execute(ex, "KAZ", parse_command({"type": "propose_decision", "body": "CCS", "kind": "general", "title": "t", "text": "x"}))
    await service.execute(ex, "KAZ", parse_command({"type": "cast_vote", "decision_id": "dec_3", "vote": "for"}))
    await asyncio.sleep(1.1)  # 2 exercise minutes at speed 120
    await Scheduler(service, Always()).run_due()
    lapsed = [e for e in await store.read(ex) if e.type.startswith("decision_") and e.type != "decision_proposed"]
    assert [(e.type, e.actor) for e in lapsed] == [("decision_adopted", "system")] or [(e.type, e.actor) for e in lapsed] == [("decision_lapsed", "system")]
    assert lapsed[0].data["tally"]["for"] == 1


async def test_only_one_file_lock_holder_leads(tmp_path: Path):
    a, b = FileLeadership(tmp_path / "lock"), FileLeadership(tmp_path / "lock")
    assert await a.acquire() and await a.acquire()
    assert not await b.acquire()
    await a.release()
    assert await b.acquire()
    await b.release()


@pytest.mark.postgres
async def test_only_one_advisory_lock_holder_leads_and_the_lock_dies_with_its_connection(pg_url):
    a, b = PostgresLeadership(pg_url, key=4242), PostgresLeadership(pg_url, key=4242)
    assert await a.acquire()
    assert not await b.acquire()
    a._conn.terminate()  # the holder's process dies
    await asyncio.sleep(0.3)
    assert await b.acquire()
    assert not await a.acquire()
    await b.release()
    await a.release()
