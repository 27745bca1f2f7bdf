"""Issue 13, case 5: forty unauthenticated connections each send one 16 MiB hello. Each must be
closed (4413, from the protocol layer before the payload is read) and the server's memory must stay flat: the
frames are refused at their header, never buffered.

The bound: the growth of the server's peak RSS (VmHWM, reset just before the attack, so a short
peak between two samples cannot hide) stays under 32 MiB. Buffering a single one of the 16 MiB
messages costs more than that (its bytes, plus the decoded text); before the fix the peak grew by
1.3 GB (94 MiB -> 1,397 MiB), after it by about 1 MiB. What the fix leaves is per-connection bookkeeping: forty handshakes, read buffers
of at most 64 KiB, the sockets' kernel-side memory is not in RSS.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.live.raw_ws import RawWebSocket
from tests.conftest import serve_process

pytestmark = [pytest.mark.slow]

CONNECTIONS = 40
MESSAGE = 16 * 1024 * 1024
BOUND = 32 * 1024 * 1024


def rss(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS since the last reset), in bytes, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # "5": reset the peak RSS to the current RSS


async def attack(port: int, exercise_id: str) -> list[int | None]:
    payload = memoryview(b"x" * MESSAGE)  # one buffer, shared by all forty senders

    async def one() -> int | None:
        ws = await RawWebSocket.open("127.0.0.1", port, f"/ws/exercises/{exercise_id}")
        try:
            sending = asyncio.create_task(ws.send_streamed(payload))
            code = await ws.close_code(timeout=60)
            await asyncio.wait_for(sending, 30)
            return code
        finally:
            ws.abort()

    return list(await asyncio.gather(*(one() for _ in range(CONNECTIONS))))


def test_forty_16_mib_hellos_are_refused_without_buffering(tmp_path):
    server = serve_process(f"sqlite:///{tmp_path / 'ttx.db'}", tmp_path, TTX_SCHEDULER="false").start()
    try:
        assert server.proc is not None
        ex = httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=20).json()
        reset_peak(server.proc.pid)
        before, _ = rss(server.proc.pid)
        codes = asyncio.run(attack(server.port, ex["id"]))
        _, peak = rss(server.proc.pid)
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
    assert all(code == 4413 for code in codes), f"close codes: {codes}"
    growth = peak - before
    print(f"\nserver RSS {before / 2**20:.0f} MiB before, peak {peak / 2**20:.0f} MiB during the attack "
          f"(+{growth / 2**20:.1f} MiB)")
    assert growth < BOUND, f"the server's peak RSS grew by {growth / 2**20:.0f} MiB (bound {BOUND // 2**20} MiB)"
