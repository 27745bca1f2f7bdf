"""WebSocket bounds: a message over the limit is refused before it is buffered, the hello must come
in time however its bytes arrive, and the app's own size check stands behind the protocol's."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from server.serving import uvicorn_options
from server.settings import Settings
from server.harness import ThreadServer
from tests.conftest import make_settings
from tests.live.raw_ws import RawWebSocket
from tests.live.support import raw_session


def create(server: ThreadServer) -> dict:
    r = httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=20)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_defaults_are_64_kib_messages_and_a_10_second_hello():
    defaults = Settings(_env_file=None)
    assert (defaults.ws_max_message_bytes, defaults.ws_hello_seconds) == (64 * 1024, 10.0)
    assert uvicorn_options(defaults)["ws_max_size"] == 64 * 1024


@pytest.fixture
def short_hello(sqlite_url):
    # the hello timeout is a real asyncio timeout in the server: the test sets it short and waits it out
    with ThreadServer(make_settings(sqlite_url, TTX_WS_HELLO_SECONDS=0.3)) as server:
        yield server


async def test_no_hello_in_time_is_closed_4408(short_hello):
    ex = create(short_hello)
    received, code = await raw_session(short_hello.ws_url, ex["id"], None)
    assert (code, received[-1]["code"]) == (4408, "hello_timeout")


async def test_a_hello_trickled_slower_than_the_timeout_is_closed_4408(short_hello):
    """A frame header promising 1 KiB, then a few bytes, then nothing: the timeout counts from the
    accept, not from the last byte."""
    ex = create(short_hello)
    ws = await RawWebSocket.open("127.0.0.1", short_hello.port, f"/ws/exercises/{ex['id']}")
    await ws.send_raw(ws.frame_header(1024) + b'{"type": "hel')
    try:
        assert await ws.close_code(timeout=5) == 4408
    finally:
        ws.abort()


async def test_a_frame_announcing_16_mib_is_closed_4413_at_its_header(live_server):
    """Only the 14-byte header is sent: the server answers the product's error and closes 4413
    without waiting for the payload (the protocol library's own close would be 1009)."""
    ex = create(live_server)
    ws = await RawWebSocket.open("127.0.0.1", live_server.port, f"/ws/exercises/{ex['id']}")
    await ws.send_raw(ws.frame_header(16 * 1024 * 1024))
    try:
        assert await ws.close_code(timeout=5) == 4413
        assert [json.loads(t)["code"] for t in ws.texts] == ["message_too_large"]
    finally:
        ws.abort()


async def test_a_whole_oversized_message_gets_the_error_then_4413(live_server):
    """The client sends all of a 70 KB message (as a browser would): the error frame still comes
    first, then 4413; the payload after the header is discarded, never buffered."""
    ex = create(live_server)
    ws = await RawWebSocket.open("127.0.0.1", live_server.port, f"/ws/exercises/{ex['id']}")
    payload = json.dumps({"type": "ping", "pad": "x" * 70_000}).encode()
    try:
        await ws.send_raw(ws.frame_header(len(payload)) + payload)
        assert await ws.close_code(timeout=5) == 4413
        assert [json.loads(t)["code"] for t in ws.texts] == ["message_too_large"]
    finally:
        ws.abort()


@pytest.fixture
def lax_protocol(sqlite_url):
    """A server started with uvicorn's own 16 MiB bound, as `uvicorn server.app:...` by hand would."""
    server = ThreadServer(make_settings(sqlite_url))
    server.server.config.ws_max_size = 16 * 1024 * 1024
    with server:
        yield server


async def test_the_app_still_refuses_over_64_kib_when_the_protocol_lets_it_through(lax_protocol):
    ex = create(lax_protocol)
    received, code = await raw_session(lax_protocol.ws_url, ex["id"], "x" * (65 * 1024))
    assert (code, received[-1]["code"]) == (4413, "message_too_large")


async def test_a_hello_at_the_limit_is_still_read(live_server):
    ex = create(live_server)
    token = next(s["token"] for s in ex["seats"] if s["seat"] == "KAZ")
    hello = json.dumps({"type": "hello", "token": token, "after": 0, "pad": ""})
    hello = hello.replace('"pad": ""', '"pad": "' + "x" * (64 * 1024 - len(hello)) + '"')
    assert len(hello.encode()) == 64 * 1024
    received, _ = await raw_session(live_server.ws_url, ex["id"], hello, wait=1.0)
    assert received[0]["type"] == "welcome"


async def test_a_refused_message_keeps_the_socket_open_to_drop_the_rest_after_the_app_ends(live_server):
    """After a 4413 the server reads and drops the rest of the client's message for a while rather
    than closing the socket with it unread (a reset can then reach the client before the close
    frame: the fuzzer saw close code None). The app's session ends at once; that must not close the
    socket early (uvicorn closes it when the app returns unless a close timer runs)."""
    from server.live.frames import BoundedWebSocketProtocol

    ex = create(live_server)
    ws = await RawWebSocket.open("127.0.0.1", live_server.port, f"/ws/exercises/{ex['id']}")
    try:
        await ws.send_raw(ws.frame_header(1_000_000) + b"x" * 1_000)  # announces 1 MB, sends 1 KB of it
        assert await ws.close_code(timeout=5) == 4413
        protocols = [p for p in list(live_server.server.server_state.connections) if isinstance(p, BoundedWebSocketProtocol)]
        assert len(protocols) == 1, "the refused connection is gone already"
        protocol = protocols[0]

        async def open_once_the_app_has_ended() -> bool:
            await asyncio.gather(*list(protocol.tasks), return_exceptions=True)  # the app's session is over
            return not protocol.transport.is_closing()

        still_open = asyncio.run_coroutine_threadsafe(open_once_the_app_has_ended(), protocol.loop)
        assert await asyncio.wrap_future(still_open), "the socket was closed with the client's message unread"
        await ws.send_raw(b"x" * 100_000)  # the rest of the message: read and dropped, no reset
    finally:
        ws.abort()
