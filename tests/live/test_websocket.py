"""The WebSocket feed: catch-up then live, per-seat visibility, presence, bad input."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets

from tests.conftest import Exercise
from tests.live.support import Client, raw_session


@pytest.fixture
async def live(live_server):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=20) as http:
        r = await http.post("/api/exercises", json={"scenario": "csto-border-crisis"})
        assert r.status_code == 201
        yield live_server, Exercise(http, r.json())


async def test_catch_up_then_live_events_in_order(live):
    server, ex = live
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "shelling"})
    tjk = Client(server.ws_url, ex.id, ex.tokens["TJK"])
    welcome = await tjk.connect(after=0)
    assert welcome["seat"] == "TJK"
    await tjk.receive_until(lambda c: c.last_seq >= 3)
    out = await ex.command("RUS", {"type": "report_threat", "kind": "threat", "summary": "second group"})
    await tjk.receive_until(lambda c: c.last_seq >= out["events"][-1]["seq"])
    assert [e["seq"] for e in tjk.events] == [2, 3, 4]  # seq 1 (the scenario) is for staff only
    await tjk.close()


async def test_resume_with_after_sends_nothing_twice(live):
    server, ex = live
    await ex.command("facilitator", {"type": "start_exercise"})
    c = Client(server.ws_url, ex.id, ex.tokens["KAZ"])
    await c.connect(after=0)
    await c.receive_until(lambda c: c.last_seq >= 2)
    await c.close()
    for i in range(3):
        await ex.command("TJK", {"type": "report_threat", "kind": "threat", "summary": f"t{i}"})
    await c.connect()  # after = last seq received
    await c.receive_until(lambda c: c.last_seq >= 5)
    await c.drain()
    assert [e["seq"] for e in c.events] == [2, 3, 4, 5]
    await c.close()


async def test_a_seat_outside_a_private_consultation_never_receives_its_events(live):
    server, ex = live
    await ex.command("facilitator", {"type": "start_exercise"})
    outsider, insider = Client(server.ws_url, ex.id, ex.tokens["TJK"]), Client(server.ws_url, ex.id, ex.tokens["KAZ"])
    await outsider.connect(after=0)
    await insider.connect(after=0)
    opened = await ex.command("RUS", {"type": "request_consultation", "topic": "Bilateral", "invitees": ["KAZ"], "private": True})
    con = opened["events"][0]["data"]["consultation_id"]
    await ex.command("KAZ", {"type": "post_statement", "consultation_id": con, "text": "secret"})
    await ex.command("RUS", {"type": "close_consultation", "consultation_id": con, "outcome": "coordinated"})
    done = await ex.command("TJK", {"type": "report_threat", "kind": "threat", "summary": "public"})
    last = done["events"][-1]["seq"]
    await outsider.receive_until(lambda c: c.last_seq >= last)
    await insider.receive_until(lambda c: c.last_seq >= last)
    assert {e["type"] for e in insider.events} >= {"consultation_opened", "statement_posted", "consultation_closed"}
    assert not {"consultation_opened", "statement_posted", "consultation_closed"} & {e["type"] for e in outsider.events}
    assert "secret" not in json.dumps(outsider.messages)
    await outsider.close()
    await insider.close()


async def test_presence_follows_seats_coming_and_going(live):
    server, ex = live
    a, b = Client(server.ws_url, ex.id, ex.tokens["TJK"]), Client(server.ws_url, ex.id, ex.tokens["RUS"])
    await a.connect(after=0)
    await b.connect(after=0)
    await a.receive_until(lambda c: any(m["type"] == "presence" and m["online"] == ["RUS", "TJK"] for m in c.messages))
    await b.close()
    await a.receive_until(lambda c: c.messages[-1]["type"] == "presence" and c.messages[-1]["online"] == ["TJK"])
    await a.close()


async def test_ping_pong_and_unknown_messages(live):
    server, ex = live
    c = Client(server.ws_url, ex.id, ex.tokens["TJK"])
    await c.connect(after=0)
    await c.ws.send(json.dumps({"type": "ping"}))
    await c.receive_until(lambda c: any(m["type"] == "pong" for m in c.messages))
    await c.ws.send(json.dumps({"type": "cast_vote"}))
    await c.receive_until(lambda c: any(m["type"] == "error" and m["code"] == "unknown_message" for m in c.messages))
    await c.close()


@pytest.mark.parametrize("first,code,error", [
    (json.dumps({"type": "ping"}), 4400, "hello_expected"),
    ("{not json", 4400, "malformed_json"),
    (json.dumps([1, 2]), 4400, "malformed"),
    (json.dumps({"type": "hello", "token": "nope", "after": 0}), 4401, "bad_token"),
    (json.dumps({"type": "hello", "after": 0}), 4401, "missing_token"),
    (json.dumps({"type": "hello", "token": "x", "after": -5}), 4400, "bad_after"),
    (b"\xff\xfe\x00", 4400, "malformed"),
])
async def test_bad_first_messages_get_an_error_and_a_44xx_close(live, first, code, error):
    server, ex = live
    received, close_code = await raw_session(server.ws_url, ex.id, first)
    assert close_code == code
    assert received and received[-1]["type"] == "error" and received[-1]["code"] == error


async def test_token_of_another_exercise_and_unknown_exercise(live):
    server, ex = live
    r = await ex.client.post("/api/exercises", json={"scenario": "csto-border-crisis"})
    other = Exercise(ex.client, r.json())
    received, code = await raw_session(server.ws_url, ex.id, json.dumps({"type": "hello", "token": other.tokens["TJK"], "after": 0}))
    assert (code, received[-1]["code"]) == (4403, "wrong_exercise")
    received, code = await raw_session(server.ws_url, "ex_missing", json.dumps({"type": "hello", "token": other.tokens["TJK"], "after": 0}))
    assert (code, received[-1]["code"]) == (4404, "unknown_exercise")


async def test_a_first_message_over_64_kib_is_refused_by_the_protocol_layer(live):
    server, ex = live
    received, close_code = await raw_session(server.ws_url, ex.id, "x" * (65 * 1024))
    assert close_code == 4413 and [m["code"] for m in received] == ["message_too_large"]




async def test_oversized_and_malformed_messages_after_hello_and_a_flood(live):
    server, ex = live
    good = Client(server.ws_url, ex.id, ex.tokens["RUS"])
    await good.connect(after=0)
    big = Client(server.ws_url, ex.id, ex.tokens["TJK"])
    await big.connect(after=0)
    await big.ws.send("y" * (70 * 1024))
    with pytest.raises(websockets.ConnectionClosed):
        await big.receive_until(lambda c: False, timeout=5)
    assert big.ws.close_code == 4413
    bad = Client(server.ws_url, ex.id, ex.tokens["KAZ"])
    await bad.connect(after=0)
    await bad.ws.send("{oops")
    with pytest.raises(websockets.ConnectionClosed):
        await bad.receive_until(lambda c: False, timeout=5)
    assert bad.ws.close_code == 4400
    flood = Client(server.ws_url, ex.id, ex.tokens["UZB"])
    await flood.connect(after=0)
    with pytest.raises(websockets.ConnectionClosed):
        for _ in range(500):
            await flood.ws.send(json.dumps({"type": "ping"}))
        await flood.receive_until(lambda c: False, timeout=5)
    assert flood.ws.close_code == 4429
    # the well-behaved connection never noticed
    out = await ex.command("facilitator", {"type": "start_exercise"})
    await good.receive_until(lambda c: c.last_seq >= out["events"][-1]["seq"])
    await good.close()


async def test_with_compression_on_each_connection_gets_its_own_deflated_frames_in_order(sqlite_url):
    """With TTX_WS_COMPRESSION a connection that negotiates permessage-deflate cannot take the frames
    shared by every connection (its deflate context is its own): its messages go through the
    library's send path, compressed, and arrive the same, in order, beside a connection without it."""
    from server.harness import ThreadServer
    from tests.conftest import make_settings

    with ThreadServer(make_settings(sqlite_url, TTX_WS_COMPRESSION=True)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            r = await http.post("/api/exercises", json={"scenario": "csto-border-crisis"})
            ex = Exercise(http, r.json())
            await ex.command("facilitator", {"type": "start_exercise"})
            deflated, plain = Client(server.ws_url, ex.id, ex.tokens["TJK"]), Client(server.ws_url, ex.id, ex.tokens["TJK"])
            await deflated.connect(after=0)
            plain.ws = await websockets.connect(plain.url, compression=None, open_timeout=10)
            await plain.ws.send(json.dumps({"type": "hello", "token": plain.token, "after": 0}))
            assert json.loads(await plain.ws.recv())["type"] == "welcome"
            assert deflated.ws.protocol.extensions and not plain.ws.protocol.extensions
            for i in range(5):
                out = await ex.command("RUS", {"type": "report_threat", "kind": "threat", "summary": f"group {i}"})
            last = out["events"][-1]["seq"]
            await deflated.receive_until(lambda c: c.last_seq >= last)
            await plain.receive_until(lambda c: c.last_seq >= last)
            assert [e["seq"] for e in deflated.events] == [e["seq"] for e in plain.events] == list(range(2, last + 1))
            await deflated.close()
            await plain.close()
