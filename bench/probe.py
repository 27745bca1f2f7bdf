"""Probes that watch a server while a benchmark loads it: `/healthz` latency from a process of its
own (so the load generator's GIL never delays a probe), and the server's memory (RSS) sampled from
a thread. Both are bounded by the time the caller keeps them running and by a sample cap."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from typing import Any

MAX_SAMPLES = 200_000


def _poll(url: str, interval: float, stop: Any, out: Any) -> None:
    import httpx

    samples: list[tuple[float, float, int]] = []  # (start, seconds, status)
    with httpx.Client(timeout=30) as client:
        client.get(url)  # connect before the measurement
        out.send("ready")
        while not stop.is_set() and len(samples) < MAX_SAMPLES:
            began = time.time()
            t0 = time.perf_counter()
            try:
                status = client.get(url).status_code
            except httpx.HTTPError:
                status = 0
            samples.append((began, time.perf_counter() - t0, status))
            time.sleep(max(0.0, interval - (time.perf_counter() - t0)))
    out.send(samples)
    out.close()


class HealthzProbe:
    """GET /healthz one after another (every `interval` s at most) on one keep-alive connection."""

    def __init__(self, base_url: str, interval: float = 0.02) -> None:
        ctx = mp.get_context("spawn")
        self._stop = ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_poll, args=(base_url + "/healthz", interval, self._stop, send), daemon=True)
        self.samples: list[tuple[float, float, int]] = []

    def __enter__(self) -> "HealthzProbe":
        self._proc.start()
        if not self._recv.poll(60) or self._recv.recv() != "ready":
            raise RuntimeError("the healthz probe did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._recv.poll(60):
            self.samples = self._recv.recv()
        self._proc.join(30)

    def latencies_ms(self, t0: float = 0.0, t1: float = float("inf")) -> list[float]:
        """Latencies of the probes that started in [t0, t1] (all answered 200, else NaN-free failure)."""
        return [s[1] * 1000 for s in self.samples if t0 <= s[0] <= t1]

    def failures(self, t0: float = 0.0, t1: float = float("inf")) -> int:
        return sum(1 for s in self.samples if t0 <= s[0] <= t1 and s[2] != 200)


class RssSampler:
    """RSS of a process and of its children (worker processes), every `interval` s, from a thread."""

    def __init__(self, pid: int, interval: float = 0.025) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (time, server RSS, server + descendants RSS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def measure(self) -> tuple[int, int]:
        import psutil

        own = self.proc.memory_info().rss
        total = own
        for child in self.proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return own, total

    def _run(self) -> None:
        while not self._stop.is_set() and len(self.samples) < MAX_SAMPLES:
            own, total = self.measure()
            self.samples.append((time.time(), own, total))
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def peak(self) -> tuple[int, int]:
        return (max(s[1] for s in self.samples), max(s[2] for s in self.samples)) if self.samples else (0, 0)
