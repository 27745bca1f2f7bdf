"""One contract for both notifiers; and recovery when the PostgreSQL LISTEN connection is lost."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from server.live.notifier import MemoryNotifier, PostgresNotifier, decode, encode


@pytest.fixture(params=["memory", "postgres"])
async def notifiers(request):
    """Two notifiers standing for two server processes."""
    if request.param == "memory":
        shared = MemoryNotifier()
        yield shared, shared
        return
    url = request.getfixturevalue("pg_url")
    a, b = PostgresNotifier(url), PostgresNotifier(url)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()


async def wait_for(predicate, timeout=5.0):
    async def loop():
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(loop(), timeout)


async def test_a_hint_reaches_every_subscriber(notifiers):
    a, b = notifiers
    got_a, got_b = [], []
    a.subscribe(lambda ex, seq: got_a.append((ex, seq)))
    b.subscribe(lambda ex, seq: got_b.append((ex, seq)))
    await a.publish("ex_abc", 7)
    await wait_for(lambda: ("ex_abc", 7) in got_a and ("ex_abc", 7) in got_b)


async def test_unsubscribe(notifiers):
    a, _ = notifiers
    got = []
    stop = a.subscribe(lambda ex, seq: got.append(seq))
    stop()
    await a.publish("ex_abc", 1)
    await asyncio.sleep(0.2)  # wall time: the NOTIFY's round trip through PostgreSQL, had anyone still listened
    assert got == []


def test_payload_is_only_an_id_and_a_seq():
    assert encode("ex_1f", 12) == "ex_1f:12" and decode("ex_1f:12") == ("ex_1f", 12)
    assert decode('{"type": "vote_cast"}') is None and decode("ex_1:abc") is None


@pytest.mark.postgres
async def test_a_lost_listen_connection_is_re_established_and_triggers_a_catch_up(pg_url):
    n = PostgresNotifier(pg_url, retry_max=0.2)
    reconnects, got = [], []
    n.on_reconnect(lambda: reconnects.append(1))
    n.subscribe(lambda ex, seq: got.append(seq))
    await n.start()
    try:
        assert len(reconnects) == 1
        admin = await asyncpg.connect(pg_url)
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")
        assert killed >= 1
        await wait_for(lambda: len(reconnects) == 2, timeout=15)
        await admin.execute("SELECT pg_notify('ttx_events', 'ex_after:3')")
        await wait_for(lambda: 3 in got)
        await admin.close()
    finally:
        await n.stop()
