"""`python -m bench ceiling`: the product against the stack's own ceiling, with the same client in the same run.

The ceiling is a bare FastAPI endpoint on the same uvicorn, loop and HTTP parser (bench/ceiling_app.py):
parse the body into a model, check a bearer token's SHA-256, append one row to SQLite (WAL,
synchronous=NORMAL, one transaction a request), answer JSON. The product is `ttx serve` on SQLite
(a `server.harness.ServerProcess`). The client: `--connections` minimal HTTP/1.1 keep-alive
connections (opened before the clock) in `--client-procs` processes, each sending `send_inject`
commands with a fresh Idempotency-Key in a closed loop, to one exercise. Three targets, in each
round alternating: the ceiling; the product on a new exercise (a few events); the product on an
exercise that already holds `--events` events (a fork at the head of one filled once, so each
round starts from the same length). Medians of the rounds; ratios from the same rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from server.harness import ServerProcess, free_port

from .common import ROOT, Run, median, percentile, r, sqlite_database

LIMITS = json.dumps({"events": 10_000_000, "inject_delivered": 10_000_000})  # the bench sends nothing but injects


# --- the client ----------------------------------------------------------------------------------

def _request(target: dict[str, Any], n: int, conn: int) -> bytes:
    body = json.dumps({"type": "send_inject", "title": f"Inject {n}", "body": "A border post reports shelling at dawn.",
                       "to": "all"}).encode()
    return (f"POST /api/exercises/{target['exercise_id']}/commands HTTP/1.1\r\nHost: 127.0.0.1:{target['port']}\r\n"
            f"Authorization: Bearer {target['token']}\r\nIdempotency-Key: c{conn}-{n}-{target['nonce']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def _connections(target: dict[str, Any], conns: list[int], start_at: float, stop_at: float,
                       max_each: int) -> list[tuple[float, float, int]]:
    samples: list[tuple[float, float, int]] = []

    async def one(conn: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", target["port"])
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            for n in range(max_each):
                began = time.time()
                if began >= stop_at:
                    break
                t0 = time.perf_counter()
                writer.write(_request(target, n, conn))
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                status = int(lines[0].split()[1])
                length = next(int(x.split(b":", 1)[1]) for x in lines if x.lower().startswith(b"content-length"))
                await reader.readexactly(length)
                samples.append((began, time.perf_counter() - t0, status))
        finally:
            writer.close()

    await asyncio.gather(*(one(c) for c in conns))
    return samples


def _client_proc(target: dict[str, Any], conns: list[int], start_at: float, stop_at: float, max_each: int, out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    out.send(asyncio.run(_connections(target, conns, start_at, stop_at, max_each)))
    out.close()


def load(target: dict[str, Any], *, connections: int, procs: int, warmup: float, duration: float,
         max_each: int) -> dict[str, Any]:
    """One closed-loop run against `target`; the figures of its measured window."""
    ctx = mp.get_context("spawn")
    start_at = time.time() + 3.0
    t0, t1 = start_at + warmup, start_at + warmup + duration
    target = {**target, "nonce": os.urandom(4).hex()}
    pipes, workers = [], []
    for k in range(procs):
        recv, send = ctx.Pipe(duplex=False)
        w = ctx.Process(target=_client_proc, args=(target, list(range(k, connections, procs)), start_at, t1, max_each, send),
                        daemon=True)
        w.start()
        pipes.append(recv)
        workers.append(w)
    samples = [s for p in pipes for s in p.recv()]
    for w in workers:
        w.join(30)
    inside = [s for s in samples if s[0] >= t0 and s[0] + s[1] <= t1]
    ok = [s[1] * 1000 for s in inside if s[2] == 200]
    errors: dict[str, int] = {}
    for s in inside:
        if s[2] != 200:
            errors[str(s[2])] = errors.get(str(s[2]), 0) + 1
    return {"commands_per_s": len(ok) / (t1 - t0), "p50_ms": percentile(ok, 50), "p99_ms": percentile(ok, 99),
            "errors": errors, "load": [round(x, 2) for x in os.getloadavg()]}


# --- the targets ---------------------------------------------------------------------------------

class Bare:
    """bench/ceiling_app.py in a process of its own, on a fresh SQLite file."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ttx_ceiling_"))
        self.port = free_port()
        self.token = os.urandom(16).hex()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Bare":
        import httpx

        self.proc = subprocess.Popen([sys.executable, "-m", "bench.ceiling_app", "--port", str(self.port), "--db",
                                      str(self.folder / "bare.db"), "--token", self.token], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the bare endpoint did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(10)

    def target(self) -> dict[str, Any]:
        return {"port": self.port, "exercise_id": "bare", "token": self.token}


def _facilitator(created: dict[str, Any]) -> str:
    return next(s["token"] for s in created["seats"] if s["seat"] == "facilitator")


def new_exercise(server: ServerProcess) -> dict[str, Any]:
    import httpx

    with httpx.Client(base_url=server.url, timeout=60) as c:
        created = c.post("/api/exercises", json={"scenario": "csto-border-crisis"}).raise_for_status().json()
        token = _facilitator(created)
        c.post(f"/api/exercises/{created['id']}/commands", json={"type": "start_exercise"},
               headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    return {"port": server.port, "exercise_id": created["id"], "token": token}


def long_exercise(server: ServerProcess, events: int, args: argparse.Namespace) -> dict[str, Any]:
    """An exercise that about `events` commands of the same load have filled; with its head seq."""
    import httpx

    target = new_exercise(server)
    per = -(-events // args.connections)
    load(target, connections=args.connections, procs=args.client_procs, warmup=0, duration=3600, max_each=per)
    with httpx.Client(base_url=server.url, timeout=300) as c:
        state = c.get(f"/api/exercises/{target['exercise_id']}/state",
                      headers={"Authorization": f"Bearer {target['token']}"}).raise_for_status().json()
    return {**target, "head": state["exercise"]["version"]}


def forked(server: ServerProcess, source: dict[str, Any]) -> dict[str, Any]:
    """A new exercise holding a copy of `source`'s events (a fork at its head), so that every round
    starts from the same length."""
    import httpx

    with httpx.Client(base_url=server.url, timeout=300) as c:
        created = c.post(f"/api/exercises/{source['exercise_id']}/fork", json={"at": source["head"]},
                         headers={"Authorization": f"Bearer {source['token']}"}).raise_for_status().json()
    return {"port": server.port, "exercise_id": created["id"], "token": _facilitator(created)}


# --- the run -------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--client-procs", type=int, default=2)
    p.add_argument("--events", type=int, default=20_000, help="length of the long exercise")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--max-per-connection", type=int, default=20_000)


def main(args: argparse.Namespace, argv: list[str]) -> None:
    run = Run("ceiling", argv, {k: v for k, v in vars(args).items() if k != "func"})
    run.note(f"{args.connections} raw HTTP/1.1 keep-alive connections in {args.client_procs} client processes, closed loop, "
             "send_inject with a fresh Idempotency-Key each; the clients, the server and SQLite share the 2 cores.")
    figures: dict[str, list[dict[str, Any]]] = {"ceiling": [], "product": [], "product_long": []}
    with sqlite_database() as (url, _path), Bare() as bare:
        with ServerProcess(url, env={"TTX_EXERCISE_LIMITS": LIMITS}) as server:
            print(f"  filling an exercise with {args.events:,} events (once) ...", flush=True)
            source = long_exercise(server, args.events, args)
            run.note(f"The long exercise holds {source['head']:,} events before each round (a fork of one filled once).")
            for k in range(args.rounds):
                for name, target in (("ceiling", bare.target()), ("product", new_exercise(server)),
                                     ("product_long", forked(server, source))):
                    res = load(target, connections=args.connections, procs=args.client_procs, warmup=args.warmup,
                               duration=args.duration, max_each=args.max_per_connection)
                    figures[name].append(res)
                    print(f"  round {k + 1} {name:13} {res['commands_per_s']:7.0f} commands/s  p50 {res['p50_ms']:6.1f} ms  "
                          f"p99 {res['p99_ms']:6.1f} ms  errors {res['errors']}  load {res['load']}", flush=True)
    med = {name: {"commands_per_s": r(median([x["commands_per_s"] for x in xs]), 0),
                  "p50_ms": r(median([x["p50_ms"] for x in xs]), 1), "p99_ms": r(median([x["p99_ms"] for x in xs]), 1)}
           for name, xs in figures.items()}
    for name, xs in figures.items():
        run.add(target=name, **med[name], runs=[{k: (r(v, 1) if isinstance(v, float) else v) for k, v in x.items()} for x in xs])
    ratio = med["product"]["commands_per_s"] / med["ceiling"]["commands_per_s"]
    p99x = med["product"]["p99_ms"] / med["ceiling"]["p99_ms"]
    flat = med["product_long"]["commands_per_s"] / med["product"]["commands_per_s"]
    flat99 = med["product_long"]["p99_ms"] / med["product"]["p99_ms"]
    run.target("throughput: product / ceiling", r(ratio, 2), ">= 0.6", ratio >= 0.6)
    run.target("p99: product / ceiling", r(p99x, 2), "<= 2.0", p99x <= 2.0)
    run.target(f"throughput at {args.events:,} events / at a new exercise", r(flat, 2), ">= 0.85", flat >= 0.85)
    run.target(f"p99 at {args.events:,} events / at a new exercise", r(flat99, 2), "<= 1.15", flat99 <= 1.15)
    for t in run.doc["targets"]:
        print(f"  {t['target']:55} {t['value']}  ({t['limit']}: {'met' if t['met'] else 'missed'})")
    print(f"wrote {run.save()}")
