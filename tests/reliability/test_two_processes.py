"""Two `ttx serve` processes on one PostgreSQL database, twenty writers on one exercise, split
across both: the log has no gap and no duplicate, its chain verifies, and every acknowledged
command is in it exactly once with the seq and hash its writer was told."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.conftest import serve_process
from tests.reliability.support import (
    assert_answer_matches_log,
    assert_gapless,
    count_markers,
    export_log,
    send_until_recorded,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WRITERS = 20
COMMANDS_EACH = 20
STATES = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB", "MDA", "UKR", "TKM")


async def test_twenty_writers_on_two_processes(pg_url: str, tmp_path) -> None:
    servers = [serve_process(pg_url, tmp_path, name=f"proc{i}") for i in range(2)]
    timings: dict[str, Any] = {}
    try:
        for s in servers:
            s.start()
        async with httpx.AsyncClient(timeout=20) as http:
            r = await http.post(f"{servers[0].url}/api/exercises", json={"scenario": "csto-border-crisis"})
            assert r.status_code == 201, r.text
            created = r.json()
            ex_id = created["id"]
            tokens = {s["seat"]: s["token"] for s in created["seats"]}
            r = await http.post(f"{servers[1].url}/api/exercises/{ex_id}/commands", json={"type": "start_exercise"},
                                headers={"Authorization": f"Bearer {tokens['facilitator']}"})
            assert r.status_code == 200, r.text

            nonce = secrets.token_hex(3)
            acked: dict[str, dict[str, Any]] = {}
            seen: Counter[str] = Counter()

            async def writer(w: int) -> None:
                server = servers[w % 2]
                seat = STATES[w % len(STATES)]
                async with httpx.AsyncClient(base_url=server.url, timeout=20) as own:
                    for i in range(COMMANDS_EACH):
                        key = f"w{w}-{i}-{nonce}"
                        body = {"type": "report_threat", "kind": "threat", "summary": key}
                        r, _ = await send_until_recorded(own, f"/api/exercises/{ex_id}/commands", tokens[seat], body, key,
                                                         deadline=time.monotonic() + 60, seen=seen)
                        assert r.status_code == 200, f"{key}: {r.status_code} {r.text}"
                        acked[key] = r.json()

            t0 = time.monotonic()
            await asyncio.wait_for(asyncio.gather(*(writer(w) for w in range(WRITERS))), 180)
            elapsed = time.monotonic() - t0
            timings.update(commands=len(acked), seconds=round(elapsed, 2),
                           commands_per_second=round(len(acked) / elapsed, 1), answers_seen=dict(seen))
            assert len(acked) == WRITERS * COMMANDS_EACH

            for server in servers:  # both processes serve the same, verified log
                parsed = await export_log(http, server.url, ex_id, tokens["facilitator"])
                log = parsed.events
                assert_gapless(log)
                counts = count_markers(log)
                by_seq = {e["seq"]: e for e in log}
                for key, answer in acked.items():
                    assert counts.get(key) == 1, f"{key} appears {counts.get(key, 0)} times"
                    assert_answer_matches_log(answer, by_seq, key)
                ours = [m for m in counts if m.endswith(nonce)]
                assert len(ours) == WRITERS * COMMANDS_EACH, "the log holds commands nobody acknowledged"
                acked_seqs = [e["seq"] for a in acked.values() for e in a["events"]]
                assert len(set(acked_seqs)) == len(acked_seqs), "two acknowledged commands were told the same seq"
            assert all(s.alive for s in servers)
        print(f"\ntwo processes: {timings}")
    finally:
        for s in servers:
            s.stop()
