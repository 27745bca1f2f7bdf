"""The scheduler: due work is delivered exactly once, by one leader at a time, and caught up after
a restart with the times it was scheduled for.

Time is a `ManualClock` shared by the services and the schedulers: a test moves it on and runs a
scheduler pass itself, so what is due is exactly what the clock says, never what a sleep allowed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from server.app import create_app
from server.clock import ManualClock
from server.domain.commands import parse_command
from server.domain.scenario import Scenario
from server.live.leader import FileLeadership, PostgresLeadership
from server.scheduler import Scheduler
from server.service import ExerciseService
from server.store.sql import open_store
from tests.conftest import make_settings

FAST = Scenario.model_validate({
    "id": "fast", "title": "Fast clock", "start": "1995-06-12T09:00:00+05:00", "speed": 120,
    "seat_kinds": [{"id": "state", "name": "State", "member": True, "powers": ["all"]}],
    "seats": [{"id": s, "name": s, "kind": "state"} for s in ("KAZ", "RUS")],
    "bodies": [{"id": "CCS", "name": "Council", "members": "all_members"}],
    "rules": [{"body": "*", "kind": "*", "rule": "consensus", "deadline_minutes": 2}],
    "injects": [{"id": f"i{n}", "at": f"00:0{n}", "title": f"Inject {n}", "to": "all"} for n in range(4)],
})


@pytest.fixture
async def store(db_url):
    s = open_store(db_url)
    yield s
    await s.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class Always:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def started(store, clock: ManualClock) -> tuple[ExerciseService, str]:
    service = ExerciseService(store=store, now=clock.now)
    ex, _ = await service.create(FAST)
    await service.execute(ex, "facilitator", parse_command({"type": "start_exercise"}))
    return service, ex


async def delivered(store, ex) -> list[tuple[str, float]]:
    return [(e.data["inject_id"], e.exercise_time) for e in await store.read(ex) if e.type == "inject_delivered"]


async def test_two_schedulers_racing_deliver_each_inject_once(store, clock):
    _, ex = await started(store, clock)
    # two "processes", both believing they lead (the lock is belt and braces; the log is the guarantee)
    schedulers = [Scheduler(ExerciseService(store=store, now=clock.now), Always(), clock=clock) for _ in range(2)]
    for _ in range(7):  # 4 injects a minute apart at speed 120: one every 0.5 s, the last at 1.5 s
        await asyncio.gather(*(s.run_due() for s in schedulers))
        clock.advance(0.25)
    got = await delivered(store, ex)
    assert [i for i, _ in got] == ["i0", "i1", "i2", "i3"]
    assert [t for _, t in got] == [0.0, 60.0, 120.0, 180.0]


async def test_catch_up_after_a_restart_keeps_the_scheduled_times(store, clock):
    service, ex = await started(store, clock)
    clock.advance(1.7)  # nobody running the scheduler: the server is down
    restarted = Scheduler(ExerciseService(store=store, now=clock.now), Always(), clock=clock)
    await restarted.run_due()
    assert await delivered(store, ex) == [("i0", 0.0), ("i1", 60.0), ("i2", 120.0), ("i3", 180.0)]
    assert await restarted.run_due() == 0


async def test_deadlines_fire_as_system_events(store, clock):
    service, ex = await started(store, clock)
    (proposed,) = await service.execute(ex, "KAZ", parse_command({"type": "propose_decision", "body": "CCS", "kind": "general",
                                                                   "title": "t", "text": "x"}))
    await service.execute(ex, "KAZ", parse_command({"type": "cast_vote", "decision_id": proposed.data["decision_id"],
                                                    "vote": "for"}))
    scheduler = Scheduler(service, Always(), clock=clock)
    clock.advance(0.9)  # 108 exercise seconds at speed 120: the 2-minute deadline is still ahead
    await scheduler.run_due()
    assert not [e for e in await store.read(ex) if e.type.startswith("decision_") and e.type != "decision_proposed"]
    clock.advance(0.2)  # 132 s: past it
    await scheduler.run_due()
    settled = [e for e in await store.read(ex) if e.type.startswith("decision_") and e.type != "decision_proposed"]
    # consensus among KAZ and RUS with the default quorum of half: KAZ's vote for, and no objection
    assert [(e.type, e.actor, e.exercise_time) for e in settled] == [("decision_adopted", "system", 120.0)]
    assert settled[0].data["tally"]["for"] == 1


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
    deadline = time.monotonic() + 5  # PostgreSQL releases the lock once it has noticed the lost backend
    while not await b.acquire():
        assert time.monotonic() < deadline, "the dead holder's lock was never released"
    assert await b.acquire()
    assert not await a.acquire()
    await b.release()
    await a.release()


async def test_the_running_scheduler_waits_on_the_app_clock(sqlite_url):
    """The app's scheduler loop sleeps on the app's clock: while a manual clock stands still
    nothing falls due, and moving it on wakes the loop, which delivers what is due then."""
    clock = ManualClock()
    app = create_app(make_settings(sqlite_url, TTX_SCHEDULER=True, TTX_SCHEDULER_INTERVAL=0.2), clock=clock)
    async with app.router.lifespan_context(app):
        await until(lambda: clock.sleepers == 1)  # the loop has made its first pass and waits on the clock
        service = app.state.service
        ex, _ = await service.create(FAST)
        await service.execute(ex, "facilitator", parse_command({"type": "start_exercise"}))
        assert await delivered(service.store, ex) == []  # i0 is due, but no pass has run since
        clock.advance(0.2)  # the loop's interval: a pass, which delivers i0
        await until(lambda: clock.sleepers == 1 and app.state.scheduler.ticks == 1)
        assert [i for i, _ in await delivered(service.store, ex)] == ["i0"]
        clock.advance(0.5)  # one exercise minute at speed 120: i1
        await until(lambda: clock.sleepers == 1 and app.state.scheduler.ticks == 2)
        assert await delivered(service.store, ex) == [("i0", 0.0), ("i1", 60.0)]


async def until(condition, timeout: float = 5.0) -> None:
    """Wait for `condition`, letting the server's tasks run, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)
