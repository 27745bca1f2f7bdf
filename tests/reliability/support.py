"""Helpers for the reliability tests: a PostgreSQL restart that always ends with the server up,
commands that retry with their Idempotency-Key, and log checks (the servers themselves come from
`server.harness`, through `tests.conftest.serve_process` and `ThreadServer`).

Everything runs on loopback and every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import time
from collections import Counter
from typing import Any

import httpx

from server.domain.fold import fold
from server.domain.views import seat_view
from server.review.export import ParsedExport, parse_export
from server.review.log import current_event
from server.settings import Settings
from tests.conftest import PG_ADMIN_URL, run_blocking

# --- PostgreSQL restart ----------------------------------------------------------------------

# The machine's cluster is 15/main; CI may name another with TTX_TEST_PG_RESTART / TTX_TEST_PG_START.
PG_RESTART = os.environ.get("TTX_TEST_PG_RESTART", "pg_ctlcluster --skip-systemctl-redirect 15 main restart")
PG_START = os.environ.get("TTX_TEST_PG_START", "pg_ctlcluster --skip-systemctl-redirect 15 main start")


def pg_up(timeout: float = 3.0) -> bool:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=timeout)
        await conn.close()

    try:
        run_blocking(asyncio.run, probe())
        return True
    except Exception:  # noqa: BLE001
        return False


def wait_pg_up(timeout: float = 30.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pg_up(1.0):
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not come back within {timeout}s")


def restart_postgres(timeout: float = 60.0) -> float:
    """Restart the cluster (fast shutdown: every connection is cut); returns the outage in seconds."""
    started = time.monotonic()
    done = subprocess.run(shlex.split(PG_RESTART), capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{PG_RESTART!r} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    wait_pg_up(timeout)
    return time.monotonic() - started


def ensure_postgres_up() -> None:
    """Whatever happened in a test, leave the shared PostgreSQL server running."""
    if pg_up():
        return
    subprocess.run(shlex.split(PG_START), capture_output=True, timeout=60, check=False)
    wait_pg_up(60)


# --- commands that are retried with their key ---------------------------------------------------

RETRYABLE = (httpx.TransportError,)


async def send_until_recorded(http: httpx.AsyncClient, url: str, token: str, body: dict[str, Any], key: str, *,
                              deadline: float, seen: Counter[str] | None = None) -> tuple[httpx.Response, int]:
    """Send a command with an Idempotency-Key until the server answers 200 (or a final 4xx):
    5xx, 409 `busy` and lost connections are retried with the same key. Returns the response and how
    many attempts it took; `seen` counts the answers on the way ("200", "500", "409 busy", "connection")."""
    attempts = 0
    while True:
        attempts += 1
        try:
            r = await http.post(url, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            if seen is not None:
                busy = r.status_code == 409 and r.json()["error"]["code"] == "busy"
                seen[f"{r.status_code} busy" if busy else str(r.status_code)] += 1
            if r.status_code == 200:
                return r, attempts
            if not (r.status_code >= 500 or (r.status_code == 409 and r.json()["error"]["code"] == "busy")):
                return r, attempts
        except RETRYABLE as exc:
            if seen is not None:
                seen[f"connection: {exc.__class__.__name__}"] += 1
        if time.monotonic() > deadline:
            raise AssertionError(f"command {key} not recorded before the deadline ({attempts} attempts)")
        await asyncio.sleep(min(0.05 * attempts, 0.5))


# --- reading and checking the log ----------------------------------------------------------------


async def export_log(http: httpx.AsyncClient, base: str, exercise_id: str, facilitator_token: str) -> ParsedExport:
    r = await http.get(f"{base}/api/exercises/{exercise_id}/export", headers={"Authorization": f"Bearer {facilitator_token}"})
    assert r.status_code == 200, r.text
    parsed = parse_export(r.content.splitlines())
    assert parsed.problem is None, f"the exported hash chain does not verify: {parsed.problem}"
    return parsed


def assert_gapless(envelopes: list[dict[str, Any]]) -> None:
    seqs = [e["seq"] for e in envelopes]
    assert seqs == list(range(1, len(seqs) + 1)), "the log has a gap or a duplicate seq"
    ids = [e["id"] for e in envelopes]
    assert len(set(ids)) == len(ids), "two events share an id"


def marker_of(envelope: dict[str, Any]) -> str | None:
    data = envelope.get("data") or {}
    return data.get("summary") or data.get("text")


def count_markers(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in envelopes:
        m = marker_of(e)
        if m is not None:
            counts[m] = counts.get(m, 0) + 1
    return counts


def assert_answer_matches_log(answer: dict[str, Any], by_seq: dict[int, dict[str, Any]], what: str) -> None:
    assert answer["events"], f"{what}: the answer carries no event"
    for ev in answer["events"]:
        stored = by_seq.get(ev["seq"])
        assert stored is not None, f"{what}: acknowledged seq {ev['seq']} is not in the log"
        for field in ("id", "type", "hash", "actor"):
            assert ev[field] == stored[field], f"{what}: seq {ev['seq']} {field} differs from the log"


def normalized(view: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(view))
    out.pop("server_time", None)
    out.pop("read_only", None)
    return out


# GET /state bounds each growing list as a server with default settings does
VIEW_RECENT: int = Settings.model_fields["view_recent"].default


def folded_view(envelopes: list[dict[str, Any]], seat: str, upto: int | None = None) -> dict[str, Any]:
    """The seat's state view computed in this process from exported envelopes, as GET /state
    gives it (each growing list bounded as a server with default settings bounds it)."""
    events = [current_event(e) for e in envelopes if upto is None or e["seq"] <= upto]
    return normalized(seat_view(fold(events), seat, recent=VIEW_RECENT))
