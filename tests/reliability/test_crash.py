"""`kill -9` a `ttx serve` process on SQLite while ten clients are sending commands, restart it on
the same database file, and check that nothing acknowledged was lost or doubled, that the hash chain
still verifies, that the API's state is the fold of the log, and that retries with the same
Idempotency-Key get the first answer back and append nothing."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
import pytest

from server.db import make_engine
from server.domain.fold import fold
from server.domain.views import seat_view
from server.store.sql import SqlEventStore
from tests.conftest import make_settings, serve_process
from tests.reliability.support import (
    assert_answer_matches_log,
    assert_gapless,
    count_markers,
    VIEW_RECENT,
    export_log,
    folded_view,
    normalized,
    send_until_recorded,
)

pytestmark = [pytest.mark.slow]

SEATS = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB", "facilitator")
KILL_AFTER_ACKS = 80  # acknowledged commands before the kill
PER_CLIENT = 500      # more than any client gets through before the kill


def command(seat: str, marker: str) -> dict[str, Any]:
    if seat == "facilitator":
        return {"type": "add_observation", "text": marker}
    return {"type": "report_threat", "kind": "threat", "summary": marker}


class Ledger:
    """What each client saw: acknowledged answers, and commands that got no answer."""

    def __init__(self) -> None:
        self.acked: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}  # key -> (seat, body, answer)
        self.in_flight: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (seat, body): sent, no answer
        self.refused: dict[str, int] = {}


async def client_loop(base: str, exercise_id: str, seat: str, token: str, nonce: str, ledger: Ledger) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for i in range(PER_CLIENT):
            key = f"{seat}-{i}-{nonce}"
            body = command(seat, key)
            try:
                r = await http.post(f"/api/exercises/{exercise_id}/commands", json=body,
                                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            except httpx.TransportError:
                ledger.in_flight[key] = (seat, body)  # the server died under it: committed or not, unknown
                return
            if r.status_code == 200:
                ledger.acked[key] = (seat, body, r.json())
            else:
                ledger.refused[key] = r.status_code


async def test_kill_9_mid_stream_loses_and_doubles_nothing(sqlite_url: str, tmp_path) -> None:
    server = serve_process(sqlite_url, tmp_path, name="crash")
    timings: dict[str, float] = {}
    try:
        server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            r = await http.post("/api/exercises", json={"scenario": "csto-border-crisis"})
            assert r.status_code == 201, r.text
            created = r.json()
            ex_id = created["id"]
            tokens = {s["seat"]: s["token"] for s in created["seats"]}
            fac = {"Authorization": f"Bearer {tokens['facilitator']}"}
            r = await http.post(f"/api/exercises/{ex_id}/commands", json={"type": "start_exercise"}, headers=fac)
            assert r.status_code == 200, r.text
            # the scheduler delivers the 00:00 inject at once; nothing else is due for ten minutes
            deadline = time.monotonic() + 10
            while not any(e["type"] == "inject_delivered" for e in
                          (await http.get(f"/api/exercises/{ex_id}/events", headers=fac)).json()["events"]):
                assert time.monotonic() < deadline, "the scheduler did not deliver the first inject"
                await asyncio.sleep(0.05)

        # 1. ten clients, then kill -9 in the middle of the stream
        ledger = Ledger()
        nonce = secrets.token_hex(3)
        started = time.monotonic()
        clients = [asyncio.create_task(client_loop(server.url, ex_id, seat, tokens[seat], nonce, ledger)) for seat in SEATS]
        while len(ledger.acked) < KILL_AFTER_ACKS:
            assert time.monotonic() - started < 60, "the clients made no progress"
            assert not all(c.done() for c in clients), "every client stopped before the kill"
            await asyncio.sleep(0.002)
        server.kill()
        timings["acked_before_kill"] = len(ledger.acked)
        await asyncio.wait_for(asyncio.gather(*clients), 30)
        assert not ledger.refused, f"commands refused before the crash: {ledger.refused}"
        assert ledger.in_flight, "the kill should have caught some commands in flight"

        # 2. restart on the same database file (and the same port)
        t0 = time.monotonic()
        server.start()
        timings["restart_seconds"] = round(time.monotonic() - t0, 2)

        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            parsed = await export_log(http, server.url, ex_id, tokens["facilitator"])
            log = parsed.events
            assert_gapless(log)
            by_seq = {e["seq"]: e for e in log}
            counts = count_markers(log)

            # every acknowledged command is in the log exactly once, with the seq and hash it was told
            for key, (seat, _body, answer) in ledger.acked.items():
                assert counts.get(key) == 1, f"acknowledged command {key} appears {counts.get(key, 0)} times"
                assert_answer_matches_log(answer, by_seq, key)
            # nothing that was never sent is in the log, and an in-flight command is there at most once
            sent = set(ledger.acked) | set(ledger.in_flight)
            for marker, n in counts.items():
                if marker.endswith(nonce):
                    assert marker in sent, f"{marker} is in the log but was never sent"
                    assert n == 1, f"{marker} appears {n} times"

            # the state the API serves is the fold of the exported log (facilitator, a state, at a seq)
            head = len(log)
            for seat in ("facilitator", "KAZ", "observer"):
                r = await http.get(f"/api/exercises/{ex_id}/state", headers={"Authorization": f"Bearer {tokens[seat]}"})
                assert r.status_code == 200, r.text
                assert normalized(r.json()) == folded_view(log, seat), f"{seat}: API state != fold of the export"
            mid = head // 2
            r = await http.get(f"/api/exercises/{ex_id}/state", params={"at": mid}, headers=fac_headers(tokens))
            assert normalized(r.json()) == folded_view(log, "facilitator", upto=mid)
            # and the fold of the store's own read (upcast rows) gives the same
            store = SqlEventStore(make_engine(make_settings(server.database_url)))
            try:
                stored = await store.read(ex_id)
            finally:
                await store.close()
            assert [e.hash for e in stored] == [e["hash"] for e in log]
            assert normalized(seat_view(fold(stored), "facilitator", recent=VIEW_RECENT)) == folded_view(log, "facilitator")

            # 3. retries of acknowledged commands: the first answer again, nothing appended
            t0 = time.monotonic()
            for key, (seat, body, answer) in ledger.acked.items():
                r = await http.post(f"/api/exercises/{ex_id}/commands", json=body,
                                    headers={"Authorization": f"Bearer {tokens[seat]}", "Idempotency-Key": key})
                assert r.status_code == 200, f"{key}: {r.status_code} {r.text}"
                again = r.json()
                assert [(e["seq"], e["id"], e["hash"]) for e in again["events"]] == \
                       [(e["seq"], e["id"], e["hash"]) for e in answer["events"]], f"{key}: a retry got another answer"
            timings["acked_retries_seconds"] = round(time.monotonic() - t0, 2)
            after_retries = await export_log(http, server.url, ex_id, tokens["facilitator"])
            assert len(after_retries.events) == head, "retrying acknowledged commands appended events"

            # 4. commands that were in flight: retried with their key, each is recorded exactly once
            first_answers: dict[str, dict[str, Any]] = {}
            for key, (seat, body) in ledger.in_flight.items():
                r, _ = await send_until_recorded(http, f"/api/exercises/{ex_id}/commands", tokens[seat], body, key,
                                                 deadline=time.monotonic() + 20)
                assert r.status_code == 200, f"{key}: {r.status_code} {r.text}"
                first_answers[key] = r.json()
            for key, (seat, body) in ledger.in_flight.items():  # and a second retry changes nothing
                r = await http.post(f"/api/exercises/{ex_id}/commands", json=body,
                                    headers={"Authorization": f"Bearer {tokens[seat]}", "Idempotency-Key": key})
                assert r.status_code == 200
                assert [e["hash"] for e in r.json()["events"]] == [e["hash"] for e in first_answers[key]["events"]]

            final = await export_log(http, server.url, ex_id, tokens["facilitator"])
            assert_gapless(final.events)
            final_counts = count_markers(final.events)
            final_by_seq = {e["seq"]: e for e in final.events}
            for key in (*ledger.acked, *ledger.in_flight):
                assert final_counts.get(key) == 1, f"{key} appears {final_counts.get(key, 0)} times after the retries"
            for key, answer in first_answers.items():
                assert_answer_matches_log(answer, final_by_seq, key)
            appended = len(final.events) - head
            committed_unanswered = len(ledger.in_flight) - appended
            timings["in_flight"] = len(ledger.in_flight)
            timings["in_flight_committed_before_kill"] = committed_unanswered
            r = await http.get(f"/api/exercises/{ex_id}/state", headers=fac_headers(tokens))
            assert normalized(r.json()) == folded_view(final.events, "facilitator")
        print(f"\ncrash timings: {timings}")
    finally:
        server.stop()


def fac_headers(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['facilitator']}"}
