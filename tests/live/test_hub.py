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
    s.start(channel)
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
    slow.stop()
    quick.stop()


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
    s.stop()


async def _until(predicate):
    while not predicate():
        await asyncio.sleep(0.01)


def frame_session(hub, exercise_id, seat):
    """A session whose socket takes every frame at once (the protocol's `send_frame`)."""
    frames: list[bytes] = []

    async def send(message):  # the ASGI path: not used while frames are taken
        frames.append(message.encode())

    async def close(code, reason):
        pass

    def send_frame(frame: bytes) -> bool:
        frames.append(frame)
        return True

    return hub.session(exercise_id, seat, 0, send, close, send_frame), frames


def events_in(frames: list[bytes]) -> list[dict]:
    """The events in what a session was written: unmasked text frames (several joined, for a
    batch), or text through `send`."""
    messages = []
    for data in frames:
        if data.startswith(b"{"):
            messages.append(json.loads(data))
            continue
        i = 0
        while i < len(data):
            assert data[i] == 0x81, "a final text frame"
            n = data[i + 1] & 0x7F
            head = 2 if n < 126 else 4 if n == 126 else 10
            if head > 2:
                n = int.from_bytes(data[i + 2:i + head], "big")
            messages.append(json.loads(data[i + head:i + head + n]))
            i += head + n
    return [m["event"] for m in messages if m["type"] == "event"]


async def test_caught_up_sessions_of_one_view_get_the_same_bytes_and_no_more(world):
    """The shared-frame path: every caught-up session whose seat sees the same events is written the
    same bytes object; a seat outside a private consultation is written none of its events."""
    hub, service, ex, _ = world
    insiders = [frame_session(hub, ex, "KAZ") for _ in range(3)]
    outsiders = [frame_session(hub, ex, "TJK") for _ in range(3)]
    for s, _frames in insiders + outsiders:
        await run_session(hub, s)
    await asyncio.sleep(0.05)  # the catch-up of the start events
    for _s, frames in insiders + outsiders:
        frames.clear()
    opened = await service.execute(ex, "RUS", parse_command({"type": "request_consultation", "topic": "Bilateral",
                                                              "invitees": ["KAZ"], "private": True}))
    con = opened[0].data["consultation_id"]
    await service.execute(ex, "KAZ", parse_command({"type": "post_statement", "consultation_id": con, "text": "secret"}))
    await service.execute(ex, "TJK", parse_command({"type": "report_threat", "kind": "threat", "summary": "public"}))
    head = (await service.state(ex)).version
    await asyncio.wait_for(_until(lambda: all(events_in(f) and events_in(f)[-1]["seq"] == head
                                               for _s, f in insiders + outsiders)), 3)
    for group in (insiders, outsiders):
        sent = [f for _s, f in group]
        assert all(len(f) == len(sent[0]) and all(a is b for a, b in zip(f, sent[0])) for f in sent), \
            "sessions of one seat were not written the same bytes"
    inside = {e["type"] for e in events_in(insiders[0][1])}
    outside = events_in(outsiders[0][1])
    assert {"consultation_opened", "statement_posted"} <= inside
    assert not {"consultation_opened", "statement_posted"} & {e["type"] for e in outside}
    assert b"secret" not in b"".join(outsiders[0][1])
    for s, _frames in insiders + outsiders:
        s.stop()
