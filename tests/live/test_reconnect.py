"""A client that drops at random moments while events are appended, and resumes with `after`,
ends with exactly the events its seat may see, in order, each once."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import Exercise
from tests.live.support import Client


async def scenario_run(server, seat: str, drops: list[int], pauses: list[float], seed: int) -> None:
    rnd = random.Random(seed)
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
        r = await http.post("/api/exercises", json={"scenario": "csto-border-crisis"})
        ex = Exercise(http, r.json())
        await ex.command("facilitator", {"type": "start_exercise"})
        opened = await ex.command("RUS", {"type": "request_consultation", "topic": "t", "invitees": ["KAZ"], "private": True})
        con = opened["events"][0]["data"]["consultation_id"]
        total = 30

        async def writer() -> None:
            for i in range(total):
                kind = rnd.random()
                if kind < 0.4:
                    await ex.command("TJK", {"type": "report_threat", "kind": "threat", "summary": f"t{i}"})
                elif kind < 0.7:
                    await ex.command("KAZ", {"type": "post_statement", "consultation_id": con, "text": f"s{i}"})
                else:
                    await ex.command("facilitator", {"type": "add_observation", "text": f"o{i}"})
                await asyncio.sleep(rnd.random() * 0.01)  # wall time: writes interleave with the drops on a real socket

        client = Client(server.ws_url, ex.id, ex.tokens[seat])
        writing = asyncio.create_task(writer())
        await client.connect(after=0)
        received_since_connect = 0
        drops = sorted(drops)
        pause_iter = iter(pauses)
        while True:
            if drops and received_since_connect >= drops[0]:
                drops.pop(0)
                await client.close()  # the laptop sleeps
                await asyncio.sleep(next(pause_iter, 0.0))  # wall time: events committed while it is away
                await client.connect()  # resume after the last seq received
                received_since_connect = 0
                continue
            if writing.done():
                break
            try:
                msg = await asyncio.wait_for(client.ws.recv(), 0.05)
            except asyncio.TimeoutError:
                continue
            except websockets.ConnectionClosed:
                await client.connect()
                continue
            import json

            before = len(client.events)
            client.handle(json.loads(msg))
            received_since_connect += len(client.events) - before
        await writing
        expected = await ex.events(seat)
        await client.receive_until(lambda c: c.last_seq >= expected[-1]["seq"], timeout=10)
        await client.drain(0.2)
        await client.close()
        assert [e["seq"] for e in client.events] == [e["seq"] for e in expected]
        assert [e["hash"] for e in client.events] == [e["hash"] for e in expected]


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(seat=st.sampled_from(["KAZ", "TJK", "observer", "facilitator"]),
       drops=st.lists(st.integers(min_value=0, max_value=12), max_size=5),
       pauses=st.lists(st.floats(min_value=0, max_value=0.05), max_size=5),
       seed=st.integers(0, 2**16))
def test_reconnecting_at_random_points_loses_and_repeats_nothing(shared_live_server, seat, drops, pauses, seed):
    asyncio.run(scenario_run(shared_live_server, seat, drops, pauses, seed))


@pytest.fixture(scope="module")
def shared_live_server(tmp_path_factory):
    from server.migrate import upgrade
    from server.harness import ThreadServer
    from tests.conftest import make_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('reconnect') / 'ttx.db'}"
    upgrade(url)
    with ThreadServer(make_settings(url)) as server:
        yield server
