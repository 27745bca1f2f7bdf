"""PostgreSQL restarts under a running `ttx serve`: the server reconnects by itself, commands are
accepted again within a bounded time, and a WebSocket client (resuming with `after` if it was
dropped) ends with every visible event exactly once, in order, including those committed after the
restart."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import serve_process
from tests.reliability.support import (
    assert_answer_matches_log,
    assert_gapless,
    count_markers,
    ensure_postgres_up,
    export_log,
    restart_postgres,
    send_until_recorded,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RECOVERY_BOUND = 30.0  # seconds from the end of the restart until commands are accepted again


class Feed:
    """A WebSocket client that reconnects with `after` whenever it is dropped."""

    def __init__(self, ws_base: str, exercise_id: str, token: str) -> None:
        self.url = f"{ws_base}/ws/exercises/{exercise_id}"
        self.token = token
        self.events: list[dict[str, Any]] = []
        self.reconnects = 0
        self.close_codes: list[int | None] = []
        self._stop = asyncio.Event()

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0

    async def run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                async with websockets.connect(self.url, open_timeout=5, max_size=2**24) as ws:
                    await ws.send(json.dumps({"type": "hello", "token": self.token, "after": self.last_seq}))
                    welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    assert welcome["type"] == "welcome", welcome
                    if not first:
                        self.reconnects += 1
                    first = False
                    while not self._stop.is_set():
                        try:
                            msg = json.loads(await asyncio.wait_for(ws.recv(), 0.2))
                        except TimeoutError:
                            continue
                        if msg["type"] == "event":
                            self.events.append(msg["event"])
            except (TimeoutError, websockets.ConnectionClosed, OSError) as exc:
                code = getattr(getattr(exc, "rcvd", None), "code", None)
                self.close_codes.append(code)
                await asyncio.sleep(0.2)  # a client's reconnect back-off, in wall time like a browser's

    def stop(self) -> None:
        self._stop.set()


async def test_server_rides_out_a_postgres_restart(pg_url: str, tmp_path) -> None:
    server = serve_process(pg_url, tmp_path, name="pgrestart")
    timings: dict[str, Any] = {}
    try:
        server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            r = await http.post("/api/exercises", json={"scenario": "csto-border-crisis"})
            assert r.status_code == 201, r.text
            created = r.json()
            ex_id = created["id"]
            tokens = {s["seat"]: s["token"] for s in created["seats"]}
            url = f"/api/exercises/{ex_id}/commands"
            r, _ = await send_until_recorded(http, url, tokens["facilitator"], {"type": "start_exercise"}, "start",
                                             deadline=time.monotonic() + 10)
            assert r.status_code == 200, r.text

            feeds = {seat: Feed(server.ws_url, ex_id, tokens[seat]) for seat in ("KAZ", "facilitator")}
            feed_tasks = [asyncio.create_task(f.run()) for f in feeds.values()]
            nonce = secrets.token_hex(3)
            acked: dict[str, dict[str, Any]] = {}
            attempts: dict[str, int] = {}
            seen: Counter[str] = Counter()

            async def write(i: int, seat: str) -> None:
                key = f"pg-{i}-{nonce}"
                body = {"type": "report_threat", "kind": "threat", "summary": key}
                r, n = await send_until_recorded(http, url, tokens[seat], body, key,
                                                 deadline=time.monotonic() + RECOVERY_BOUND + 30, seen=seen)
                assert r.status_code == 200, f"{key}: {r.status_code} {r.text}"
                acked[key] = r.json()
                attempts[key] = n

            # before: a few commands, the feeds see them
            for i in range(10):
                await write(i, ("KAZ", "TJK")[i % 2])

            # during: a writer keeps going while PostgreSQL restarts under the server
            restart_done = asyncio.Event()
            first_ok_after: list[float] = []

            async def writer_during() -> None:
                i = 10
                while not restart_done.is_set() or not first_ok_after:
                    await write(i, "RUS")
                    if restart_done.is_set() and not first_ok_after:
                        first_ok_after.append(time.monotonic())
                    i += 1
                for j in range(i, i + 10):  # and after: more commands on the recovered server
                    await write(j, ("KAZ", "UZB")[j % 2])

            writing = asyncio.create_task(writer_during())
            deadline = time.monotonic() + 10
            while len(acked) <= 10:  # the writer is under way before PostgreSQL goes down
                assert time.monotonic() < deadline, "the writer recorded nothing before the restart"
                await asyncio.sleep(0.01)
            try:
                outage = await asyncio.to_thread(restart_postgres)
            finally:
                await asyncio.to_thread(ensure_postgres_up)
            restart_done.set()
            restarted_at = time.monotonic()
            timings["restart_seconds"] = round(outage, 2)
            await asyncio.wait_for(writing, RECOVERY_BOUND + 60)
            timings["first_command_after_restart_seconds"] = round(first_ok_after[0] - restarted_at, 2)
            assert first_ok_after[0] - restarted_at < RECOVERY_BOUND
            timings["commands"] = len(acked)
            timings["max_attempts_for_one_command"] = max(attempts.values())
            timings["answers_seen"] = dict(seen)

            # the log: gapless, chain verified, every acknowledged command exactly once
            parsed = await export_log(http, server.url, ex_id, tokens["facilitator"])
            assert_gapless(parsed.events)
            counts = count_markers(parsed.events)
            by_seq = {e["seq"]: e for e in parsed.events}
            for key, answer in acked.items():
                assert counts.get(key) == 1, f"{key} appears {counts.get(key, 0)} times"
                assert_answer_matches_log(answer, by_seq, key)

            # the feeds: every visible event once, in order, the post-restart ones included
            t0 = time.monotonic()
            for seat, feed in feeds.items():
                r = await http.get(f"/api/exercises/{ex_id}/events", params={"limit": 5000},
                                   headers={"Authorization": f"Bearer {tokens[seat]}"})
                expected = r.json()["events"]
                deadline = time.monotonic() + 20
                while feed.last_seq < expected[-1]["seq"] and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)  # wall time: a duplicate would arrive after the last seq, if at all
                assert [e["seq"] for e in feed.events] == [e["seq"] for e in expected], \
                    f"{seat}: the live feed differs from the log (reconnects: {feed.reconnects})"
                assert [e["hash"] for e in feed.events] == [e["hash"] for e in expected]
            timings["feed_catch_up_seconds"] = round(time.monotonic() - t0, 2)
            timings["ws_reconnects"] = {seat: f.reconnects for seat, f in feeds.items()}
            timings["ws_close_codes"] = {seat: f.close_codes for seat, f in feeds.items()}
            for f in feeds.values():
                f.stop()
            await asyncio.wait_for(asyncio.gather(*feed_tasks, return_exceptions=True), 10)
            assert server.alive, "the server process died"
        print(f"\npg restart timings: {timings}")
    finally:
        server.stop()
        ensure_postgres_up()
