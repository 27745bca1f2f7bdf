"""`python -m bench replay`: the state of a 100,000-event exercise, from scratch and at a random `at`.

The exercise is built quickly: commands are judged by `server.domain.decide` against the folded
state (statements mostly; every 20th a threat; a council decision proposed and voted on by the
members in turn, so votes and the system's `decision_adopted` follow), and the events are appended
directly with `SqlEventStore.append` in batches of about 500. Snapshots (`state_to_json`, as the
service writes them, every `--snapshot-interval` events) are saved only after the from-scratch
runs, so those read every event: a fresh `ExerciseService` (no cache) `state(id)` = read + fold.
Then `state(id, at=N)` for random N with snapshots (each a fresh service: nearest snapshot, then
read + fold of the rest).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import time
from typing import Any

from .common import (engine_guard, STATEMENT_TEXT, Run, definition, median, percentile, pg_available, pg_database, profile_summary, r,
                     sqlite_database, use_uvloop)


async def build(store: Any, n_events: int, snapshot_interval: int,
                tokens: dict[str, str] | None = None) -> tuple[str, dict[int, str], dict[str, int]]:
    """An exercise of `n_events` events; returns (id, {seq: snapshot json} kept aside, event type counts).
    `tokens`, if given, receives each seat's token (for benchmarks that then go through the API)."""
    from server.domain import commands as c
    from server.domain.codec import state_to_json
    from server.domain.decide import decide
    from server.domain.fold import evolve, fold
    from server.scenarios import validate_definition
    from server.service import ExerciseService

    svc = ExerciseService(store=store, snapshot_interval=10**9)
    scenario = validate_definition(definition(50))
    ex, issued = await svc.create(scenario)
    if tokens is not None:
        tokens.update({s.seat: s.token for s in issued})
    state = fold(await store.read(ex))
    head_hash = (await store.exercise(ex)).head_hash
    seats = [f"S{i:02d}" for i in range(1, 51)]
    now = time.time() - n_events  # one second of exercise time per command
    batch: list[Any] = []
    snapshots: dict[int, str] = {}
    counts: dict[str, int] = {}
    base_version = state.version
    decision: str | None = None
    voter = 0

    async def flush() -> None:
        nonlocal batch, head_hash, base_version
        if not batch:
            return
        stored = await store.append(ex, batch, expected_version=base_version, prev_hash=head_hash,
                                    status=state.status, next_due_wall=None)
        head_hash = stored[-1].hash
        if state.version // snapshot_interval > base_version // snapshot_interval:
            doc = state_to_json(state)
            doc["_head_hash"] = head_hash
            snapshots[state.version] = json.dumps(doc, separators=(",", ":"))
        base_version = state.version
        batch = []

    i = 0
    consultation = ""
    commands = [("facilitator", c.parse_command({"type": "start_exercise"})),
                ("S01", c.parse_command({"type": "request_consultation", "topic": "Border crisis", "invitees": "all"}))]
    while state.version < n_events:
        if commands:
            seat, cmd = commands.pop(0)
        elif i % 20 == 7:
            seat, cmd = seats[i % 50], c.parse_command({"type": "report_threat", "kind": "threat", "summary": "Shelling of a border post reported."})
        elif i % 5 == 3:
            if decision is None or state_decision_open(state, decision) is False:
                seat, cmd = seats[i % 50], c.parse_command({"type": "propose_decision", "body": "CCS", "kind": "general", "title": f"Joint measures {i}", "text": "The Council decides on joint measures."})
                decision = None  # its id comes with the event
                voter = 0
            else:
                seat, cmd = seats[voter % 50], c.parse_command({"type": "cast_vote", "decision_id": decision, "vote": "for"})
                voter += 1
        else:
            seat, cmd = seats[i % 50], c.parse_command({"type": "post_statement", "consultation_id": consultation, "text": STATEMENT_TEXT})
        i += 1
        now += 1.0
        events = decide(state, cmd, seat=seat, now=now)
        for ev in events:
            if ev.type == "consultation_opened":
                consultation = ev.data["consultation_id"]
            elif ev.type == "decision_proposed":
                decision = ev.data["decision_id"]
        events = events[: n_events - state.version]
        for ev in events:
            state = evolve(state, ev)
            counts[ev.type] = counts.get(ev.type, 0) + 1
        batch.extend(events)
        if len(batch) >= 500:
            await flush()
    await flush()
    return ex, snapshots, counts


def state_decision_open(state: Any, decision_id: str) -> bool:
    from server.domain.slices.decisions import DECISIONS

    dec = DECISIONS.of(state).get(decision_id)
    return dec is not None and dec.status == "open"


async def _engine_run(engine: str, url: str, args: argparse.Namespace, run: Run) -> None:
    from server.app import settle_collector
    from server.domain.fold import fold
    from server.service import ExerciseService

    from .common import open_store

    store = open_store(url)
    try:
        t0 = time.perf_counter()
        ex, snapshots, counts = await build(store, args.events, args.snapshot_interval)
        build_s = time.perf_counter() - t0
        print(f"  {engine}: built {args.events:,} events in {build_s:.1f} s ({counts})", flush=True)
        settle_collector()  # the collector as the server's process runs it (server/app.py)

        # from scratch: fresh service, no snapshot in the store, no cache
        scratch, reads, folds = [], [], []
        for rep in range(args.repeats + 1):  # the first is a warm-up (page cache), excluded
            svc = ExerciseService(store=store, snapshot_interval=args.snapshot_interval)
            t0 = time.perf_counter()
            state = await svc.state(ex)
            elapsed = time.perf_counter() - t0
            assert state.version == args.events, state.version
            t0 = time.perf_counter()
            events = await store.read(ex)
            t1 = time.perf_counter()
            fold(events)
            t2 = time.perf_counter()
            del events
            if rep > 0:
                scratch.append(elapsed)
                reads.append(t1 - t0)
                folds.append(t2 - t1)
        row = run.add(engine=engine, case="from scratch (fresh ExerciseService, no snapshot)", events=args.events,
                      median_s=r(median(scratch), 3), runs_s=[r(x, 3) for x in scratch],
                      read_s=r(median(reads), 3), fold_s=r(median(folds), 3),
                      events_per_s=r(args.events / median(scratch), 0), build_s=r(build_s, 1), event_types=counts)
        run.target(f"{engine}: 100,000-event replay from scratch", row["median_s"], "< 1 s", row["median_s"] < 1.0, "s")
        print(f"  {engine}: from scratch {row['median_s']} s (read {row['read_s']} s + fold {row['fold_s']} s)  load {row['load']}", flush=True)

        if args.profile:
            prof = cProfile.Profile(time.thread_time)
            svc = ExerciseService(store=store, snapshot_interval=args.snapshot_interval)
            prof.enable()
            await svc.state(ex)
            prof.disable()
            run.doc.setdefault("profiles", {})[f"{engine}: replay from scratch"] = profile_summary(pstats.Stats(prof), top=25)

        # with snapshots, at random points
        for seq, doc in sorted(snapshots.items()):
            await store.save_snapshot(ex, seq, json.loads(doc)["format"], doc)
        rng = random.Random(args.seed)
        ats = [rng.randint(1, args.events) for _ in range(args.samples)]
        times, sizes = [], []
        for k, at in enumerate([ats[0]] + ats):  # first: warm-up
            svc = ExerciseService(store=store, snapshot_interval=args.snapshot_interval)
            t0 = time.perf_counter()
            state = await svc.state(ex, at=at)
            elapsed = time.perf_counter() - t0
            assert state.version == at
            if k > 0:
                times.append(elapsed)
        head_times = []
        for _ in range(args.repeats):
            svc = ExerciseService(store=store, snapshot_interval=args.snapshot_interval)
            t0 = time.perf_counter()
            await svc.state(ex)
            head_times.append(time.perf_counter() - t0)
        sizes = [len(d) for d in snapshots.values()]
        row = run.add(engine=engine, case=f"at a random seq, snapshots every {args.snapshot_interval}", events=args.events,
                      samples=len(times), p50_ms=r(1000 * median(times), 1), p99_ms=r(1000 * percentile(times, 99), 1),
                      max_ms=r(1000 * max(times), 1), head_via_snapshot_ms=r(1000 * median(head_times), 1),
                      snapshots=len(snapshots), largest_snapshot_kib=r(max(sizes) / 1024, 0) if sizes else None)
        print(f"  {engine}: at random seq p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, max {row['max_ms']} ms; "
              f"head via snapshot {row['head_via_snapshot_ms']} ms  load {row['load']}", flush=True)
        if args.profile:
            prof = cProfile.Profile(time.thread_time)
            svc = ExerciseService(store=store, snapshot_interval=args.snapshot_interval)
            prof.enable()
            for at in ats[:10]:
                svc = ExerciseService(store=store, snapshot_interval=args.snapshot_interval)
                await svc.state(ex, at=at)
            prof.disable()
            run.doc.setdefault("profiles", {})[f"{engine}: state at random seq (10 samples)"] = profile_summary(pstats.Stats(prof), top=25)
    finally:
        await store.close()


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engines", default="sqlite,postgres")
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--samples", type=int, default=20, help="random `at` points")
    p.add_argument("--snapshot-interval", type=int, default=500)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--profile", action="store_true", help="cProfile one from-scratch replay and 10 `at` loads (into the JSON)")


def main(args: argparse.Namespace, argv: list[str]) -> None:
    loop = use_uvloop()
    run = Run("replay", argv, {k: v for k, v in vars(args).items() if k != "func"} | {"event_loop": loop})
    run.note("Timed in this process, with its cyclic garbage collector set as the server's process sets it "
             "(server.app.settle_collector: what exists is frozen, thresholds (20000, 20, 50)) once the exercise is built.")
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if engine == "sqlite":
            with engine_guard(run, engine), sqlite_database() as (url, _path):
                asyncio.run(_engine_run("sqlite", url, args, run))
        elif engine == "postgres":
            problem = pg_available()
            if problem:
                run.note(f"postgres skipped: {problem}")
                continue
            with engine_guard(run, engine), pg_database() as url:
                asyncio.run(_engine_run("postgres", url, args, run))
    print(f"wrote {run.save()}")
