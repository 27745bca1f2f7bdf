"""The per-process hub: a stalled client is cut off, the others do not wait for it; a missed hint
is made good by the safety poll."""

from __future__ import annotations

import asyncio
import json

import pytest

from server.domain.commands import parse_command
from server.live.hub import Hub
from server.live.notifier import MemoryNotifier
from server.service import ExerciseService
from server.store.sql import open_store
from tests.conftest import make_settings
from tests.domain.support import border_crisis


@pytest.fixture
async def world(sqlite_url):
    store = open_store(sqlite_url)
    notifier = MemoryNotifier()
    settings = make_settings(sqlite_url, TTX_WS_SEND_QUEUE=3, TTX_WS_STALL_SECONDS=0.3, TTX_POLL_SECONDS=0.2)
    hub = Hub(store=store, notifier=notifier, settings=settings)
    await hub.start()
    service = ExerciseService(store=store, publish=notifier.publish)
    exercise_id, _ = await service.create(border_crisis())
    await service.execute(exercise_id, "facilitator", parse_command({"type": "start_exercise"}))
    yield hub, service, exercise_id, notifier
    await hub.stop()
    await store.close()


def session(hub, exercise_id, seat, send):
    closed: list[int] = []

    async def close(code, reason):
        closed.append(code)

    s = hub.session(exercise_id, seat, 0, send, close)
    return s, closed


async def run_session(hub, s):
    channel = await hub.attach(s)
    s.tasks = [asyncio.create_task(s.pump(channel)), asyncio.create_task(s.writer(30.0))]
    return s


async def test_a_stalled_client_is_disconnected_and_does_not_slow_the_others(world):
    hub, service, ex, _ = world
    stuck = asyncio.Event()

    async def never(message):  # a client whose socket never drains
        await stuck.wait()

    fast_received: list[int] = []

    async def fast(message):
        m = json.loads(message)
        if m["type"] == "event":
            fast_received.append(m["event"]["seq"])

    slow, slow_closed = session(hub, ex, "TJK", never)
    quick, _ = session(hub, ex, "RUS", fast)
    await run_session(hub, slow)
    await run_session(hub, quick)
    for i in range(12):
        await service.execute(ex, "TJK", parse_command({"type": "report_threat", "kind": "threat", "summary": f"t{i}"}))
    head = (await service.state(ex)).version
    await asyncio.wait_for(_until(lambda: fast_received and fast_received[-1] == head), 3)
    assert fast_received == list(range(2, head + 1))
    await asyncio.wait_for(_until(lambda: slow_closed), 5)
    assert slow_closed == [4409]
    for t in slow.tasks + quick.tasks:
        t.cancel()


async def test_a_lost_hint_is_made_good_by_the_poll(world):
    hub, service, ex, notifier = world
    got: list[int] = []

    async def send(message):
        m = json.loads(message)
        if m["type"] == "event":
            got.append(m["event"]["seq"])

    s, _ = session(hub, ex, "RUS", send)
    await run_session(hub, s)
    silent = ExerciseService(store=service.store)  # appends without publishing, like a process that died before NOTIFY
    await silent.execute(ex, "TJK", parse_command({"type": "report_threat", "kind": "threat", "summary": "quiet"}))
    await asyncio.wait_for(_until(lambda: 3 in got), 3)
    for t in s.tasks:
        t.cancel()


async def _until(predicate):
    while not predicate():
        await asyncio.sleep(0.01)
