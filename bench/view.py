"""`python -m bench.view`: what a seat's view costs at a length of the log: GET /state (size, time).

A log of `--events` events (server.harness.long_exercise_log: injects, threats, consultations,
assistance, decisions, notifications, some private to RUS and KAZ) is stored in a fresh SQLite
file with a snapshot of its head, then `ttx serve` (a `ServerProcess`, run from `--root`: this
checkout, or another tree such as an export of `main` to measure the view before it was bounded)
answers `--requests` sequential GET /state for each seat in `--seats` after `--warmup` of them:
bytes of the body, and the median and p95 of the wall time one keep-alive client measures; and,
in this process, the CPU time of the domain's view and its JSON, whole (recent=None, what GET
/state served before it was bounded) and bounded (the default TTX_VIEW_RECENT). Also
the requests the page makes besides: the first page of events (GET /events?before=) and a page of a
list (GET /state/decisions?before=), where the server has them. Not part of `bench all`.
Results: bench/results/view[-TAG].json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from server.harness import ServerProcess, long_exercise_log

from .common import ROOT, Run, median, percentile, r, sqlite_database


async def _store_log(url: str, scenario: Any, log: list[Any]) -> tuple[str, dict[str, str]]:
    from server.service import ExerciseService
    from server.store.sql import open_store

    store = open_store(url)
    try:
        service = ExerciseService(store=store)
        exercise_id, issued = await service.create(scenario, events=log, snapshot=True)
        await service.settle()
    finally:
        await store.close()
    return exercise_id, {s.seat: s.token for s in issued}


def _in_process(state: Any, seat: str, recent: int | None, repeats: int) -> dict[str, Any]:
    """CPU time of the domain's seat_view and its JSON in this process: the part of GET /state
    that depends least on the machine's load."""
    import json

    from server.domain.views import seat_view

    seat_view(state, seat, recent=recent)
    cpu, size = [], 0
    for _ in range(repeats):
        t0 = time.process_time()
        body = json.dumps(seat_view(state, seat, recent=recent)).encode()
        cpu.append((time.process_time() - t0) * 1000)
        size = len(body)
    return {"bytes": size, "cpu_ms": r(median(cpu), 2)}


def _time(client: Any, path: str, token: str, *, warmup: int, requests: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(warmup):
        client.get(path, headers=headers).raise_for_status()
    ms, size = [], 0
    for _ in range(requests):
        t0 = time.perf_counter()
        resp = client.get(path, headers=headers)
        ms.append((time.perf_counter() - t0) * 1000)
        resp.raise_for_status()
        size = len(resp.content)
    if not ms:
        return {}
    return {"bytes": size, "p50_ms": r(median(ms), 2), "p95_ms": r(percentile(ms, 95), 2)}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--seats", default="TJK,facilitator")
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--root", type=Path, default=ROOT, help="the tree `ttx serve` runs from (default: this checkout)")
    p.add_argument("--tag", default="", help="results go to bench/results/view-TAG.json")


def main(args: argparse.Namespace, argv: list[str]) -> None:
    import httpx

    name = f"view-{args.tag}" if args.tag else "view"
    run = Run(name, ["view", *argv], {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()})
    run.doc["command"] = "python -m bench.view " + " ".join(argv)
    run.note(f"server run from {args.root}; one sequential keep-alive httpx client; SQLite, snapshot at the head")
    from server.settings import Settings

    scenario, log, state = long_exercise_log(args.events)
    recent = Settings.model_fields["view_recent"].default
    for seat in args.seats.split(","):
        for bound in (None, recent):
            row = run.add(seat=seat, events=args.events, request=f"seat_view(recent={bound}) + json, in process",
                          **_in_process(state, seat, bound, args.requests))
            print(row, flush=True)
    with sqlite_database() as (url, _):
        exercise_id, tokens = asyncio.run(_store_log(url, scenario, log))
        server = ServerProcess(url, root=args.root.resolve())
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                for seat in args.seats.split(","):  # every seat warm before any is measured
                    _time(c, f"/api/exercises/{exercise_id}/state", tokens[seat], warmup=args.warmup, requests=0)
                for seat in args.seats.split(","):
                    token = tokens[seat]
                    state = c.get(f"/api/exercises/{exercise_id}/state", headers={"Authorization": f"Bearer {token}"}).json()
                    row = run.add(seat=seat, events=args.events, request="GET /state",
                                  **_time(c, f"/api/exercises/{exercise_id}/state", token, warmup=args.warmup,
                                          requests=args.requests))
                    print(row, flush=True)
                    pages = state.get("pages")
                    if pages is None:
                        continue  # a server from before the view was bounded
                    head = state["exercise"]["version"]
                    row = run.add(seat=seat, events=args.events, request="GET /events?before=head+1&limit=200",
                                  **_time(c, f"/api/exercises/{exercise_id}/events?before={head + 1}&limit=200", token,
                                          warmup=args.warmup, requests=args.requests))
                    print(row, flush=True)
                    if pages["decisions"]["has_more"]:
                        row = run.add(seat=seat, events=args.events, request="GET /state/decisions?before=...",
                                      **_time(c, f"/api/exercises/{exercise_id}/state/decisions?before="
                                                 f"{pages['decisions']['before']}", token,
                                              warmup=args.warmup, requests=args.requests))
                        print(row, flush=True)
        finally:
            server.stop()
    print(run.save())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.view", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    main(parser.parse_args(), sys.argv[1:])
