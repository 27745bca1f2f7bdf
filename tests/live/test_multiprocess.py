"""Two real `ttx serve` processes on one PostgreSQL database: every client, on either process, gets
every visible event exactly once and in order; the scheduler survives the death of its process."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.conftest import Exercise, serve_process
from tests.live.support import Client

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEFINITION = {
    "id": "two-process", "title": "Two processes", "start": "1995-06-12T09:00:00+05:00", "speed": 60,
    "seat_kinds": [{"id": "state", "name": "State", "member": True, "powers": ["all"]}],
    "seats": [{"id": s, "name": s, "kind": "state"} for s in ("KAZ", "RUS", "TJK")],
    "bodies": [{"id": "CCS", "name": "Council", "members": "all_members"}],
    "injects": [
        {"id": "incursion", "at": "00:00", "title": "Shelling", "to": "all"},
        {"id": "later", "at": "00:08", "title": "Second wave", "to": "all"},
    ],
}


@pytest.fixture
def two_servers(pg_url, tmp_path):
    # a clock up to 1000x, so that the failover test can bring its next inject due within a second
    servers = [serve_process(pg_url, tmp_path, name=name, TTX_CLOCK_SPEED_MAX="1000") for name in ("a", "b")]
    try:
        for s in servers:
            s.launch()
        for s in servers:
            s.wait_ready()
        yield servers
    finally:
        for s in servers:
            s.stop()


async def test_fan_out_across_processes_and_scheduler_failover(two_servers):
    a, b = two_servers
    async with httpx.AsyncClient(timeout=20) as http:
        r = await http.post(f"{a.url}/api/exercises", json={"definition": DEFINITION})
        assert r.status_code == 201, r.text
        body = r.json()
        on = {"A": Exercise(httpx.AsyncClient(base_url=a.url, timeout=20), body),
              "B": Exercise(httpx.AsyncClient(base_url=b.url, timeout=20), body)}
        clients = {("A", "TJK"): Client(a.ws_url, body["id"], on["A"].tokens["TJK"]),
                   ("A", "facilitator"): Client(a.ws_url, body["id"], on["A"].tokens["facilitator"]),
                   ("B", "RUS"): Client(b.ws_url, body["id"], on["B"].tokens["RUS"]),
                   ("B", "KAZ"): Client(b.ws_url, body["id"], on["B"].tokens["KAZ"])}
        for c in clients.values():
            await c.connect(after=0)
        # presence spans the processes: a seat on A sees the seats connected to B
        everyone = ["KAZ", "RUS", "TJK", "facilitator"]
        for c in clients.values():
            await c.receive_until(lambda c: any(m["type"] == "presence" and m["online"] == everyone for m in c.messages), timeout=10)

        await on["B"].command("facilitator", {"type": "pause_exercise"}, expect=409)  # not started yet: refused on either
        await on["A"].command("facilitator", {"type": "start_exercise"})
        opened = await on["B"].command("RUS", {"type": "request_consultation", "topic": "t", "invitees": ["KAZ"], "private": True})
        con = opened["events"][0]["data"]["consultation_id"]
        for i in range(10):
            side, seat = ("A", "TJK") if i % 2 else ("B", "KAZ")
            await on[side].command(seat, {"type": "report_threat", "kind": "threat", "summary": f"{side}{i}"})
            await on["AB"[i % 2]].command("KAZ", {"type": "post_statement", "consultation_id": con, "text": f"p{i}"})

        expected = {key: await on[key[0]].events(key[1]) for key in clients}
        for key, c in clients.items():
            await c.receive_until(lambda c, n=expected[key][-1]["seq"]: c.last_seq >= n, timeout=15)
            await c.drain(0.3)
            assert [e["seq"] for e in c.events] == [e["seq"] for e in expected[key]], key  # each once, in order
        assert not any(e["type"] == "statement_posted" for e in clients[("A", "TJK")].events)
        assert sum(e["type"] == "statement_posted" for e in clients[("B", "KAZ")].events) == 10

        # the scheduler runs in exactly one of them
        leaders = [s for s in (a, b) if s.health()["scheduler_leader"]]
        assert len(leaders) == 1
        leader, survivor = leaders[0], (b if leaders[0] is a else a)
        assert any(e["data"].get("inject_id") == "incursion" for e in await on["A"].events())
        leader.kill()
        side = "A" if survivor is a else "B"
        # `later` is due 8 exercise minutes after the start: the survivor must deliver it. At 600x
        # that is within a second or so of wall time; the survivor takes the lead in about as long.
        await on[side].command("facilitator", {"type": "set_clock_speed", "factor": 600})
        deadline = time.time() + 30
        while time.time() < deadline:
            events = await on[side].events()
            if any(e["data"].get("inject_id") == "later" for e in events):
                break
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.5)  # wall time: a second delivery, from another process, would come within it
        events = await on[side].events()
        assert [e["data"].get("inject_id") for e in events if e["type"] == "inject_delivered"] == ["incursion", "later"]
        assert survivor.health()["scheduler_leader"]
        for c in clients.values():
            try:
                await c.close()
            except Exception:
                pass
        for ex in on.values():
            await ex.client.aclose()
