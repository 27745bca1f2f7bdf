"""Helpers for the reliability tests: real `ttx serve` processes, a PostgreSQL restart that always
ends with the server up, commands that retry with their Idempotency-Key, and log checks.

Everything runs on loopback and every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from server.domain.state import fold
from server.domain.views import seat_view
from server.review.export import ParsedExport, parse_export
from server.review.log import current_event
from tests.conftest import PG_ADMIN_URL, ROOT_DIR, LiveServer, free_port, run_blocking

# --- a real server process -------------------------------------------------------------------


class ServeProcess:
    """`python -m server.cli serve` on a loopback port; stderr goes to a file (never a pipe that fills)."""

    def __init__(self, database_url: str, log_dir: Path, *, port: int | None = None, name: str = "ttx",
                 **env: str) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.log_path = log_dir / f"{name}-{self.port}.log"
        self.env = dict(os.environ, DATABASE_URL=database_url, TTX_LOG_LEVEL="warning", TTX_POLL_SECONDS="1",
                        TTX_SCHEDULER_INTERVAL="0.1", **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServeProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT_DIR, env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"ttx serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"ttx serve did not answer /healthz within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed by the server."""
        if self.alive:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive:
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def live_server(settings: Any) -> Iterator[LiveServer]:
    """`LiveServer` (uvicorn in a thread) that never holds the run up for long on the way out: a
    graceful shutdown gets 5 s, then uvicorn is told to force it. Yields the server; afterwards
    `server.graceful` says whether the graceful shutdown finished in time."""
    server = LiveServer(settings)
    server.__enter__()
    try:
        yield server
    finally:
        server.server.should_exit = True
        server.thread.join(5)
        server.graceful = not server.thread.is_alive()  # type: ignore[attr-defined]
        if not server.graceful:  # type: ignore[attr-defined]
            server.server.force_exit = True
            server.thread.join(10)


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


def folded_view(envelopes: list[dict[str, Any]], seat: str, upto: int | None = None) -> dict[str, Any]:
    """The seat's state view computed in this process from exported envelopes."""
    events = [current_event(e) for e in envelopes if upto is None or e["seq"] <= upto]
    return normalized(seat_view(fold(events), seat))
