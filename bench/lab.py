"""`python -m bench lab`: simulated runs per minute of csto-border-crisis in the procedure lab.

`server.lab.lab.run_lab` (what `ttx lab` runs) with two rule sets, the scenario's own rules
(consensus for the use of armed forces) and a 0.67 qualified majority of members, `--runs` runs
each, in a pool of `--workers` processes (default: one per core) and, for comparison, in one
process. Each repeat starts its pool afresh, so the figure includes the workers' start-up, as a
`ttx lab` command does. Runs/minute = runs of all rule sets / wall seconds * 60; median of
`--repeats`; with each, the CPU seconds of this process and its workers (how many cores were
busy: on a machine that other work shares, fewer than the workers). The outputs of every repeat and of both worker counts must be identical (the lab is
deterministic); the benchmark fails otherwise. Before and after, the same pure-Python work in
`--workers` processes and in one says how many cores the machine gave just then (other work shares
them), so that the speed-up of the lab's workers can be read against it. Target: >= 1,000 runs/minute with both cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import time
from typing import Any

from .common import Run, median, r

TARGET_RUNS_PER_MINUTE = 1000
RULES = ["scenario", {"name": "qualified majority 0.67", "rules": [
    {"rule": "qualified_majority", "threshold": 0.67, "deadline_minutes": 45}]}]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=2000, help="runs per rule set (default 2000)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", default="csto-border-crisis")


def _once(scenario: Any, rule_sets: list[Any], runs: int, seed: int, workers: int) -> tuple[float, str, float]:
    from server.lab.lab import run_lab
    from server.lab.pool import lab_executor

    def cpu() -> float:  # this process and its reaped children (the workers, after the pool's shutdown)
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    t0, cpu0 = time.perf_counter(), cpu()
    with lab_executor(workers) as executor:
        result = run_lab(scenario, rule_sets, runs=runs, seed=seed, executor=executor)
    wall = time.perf_counter() - t0
    digest = hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()
    return wall, digest, cpu() - cpu0


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def parallelism(workers: int, n: int = 3_000_000) -> float:
    """How many times faster `workers` processes did `workers` equal pieces of pure-Python work than
    one process did one piece: the cores this machine gave us just now (2.0 on an idle 2-core
    machine; about 1 when other work takes the other core)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    _spin(n)
    one = time.perf_counter() - t0
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_spin, [1000] * workers))  # started
        t0 = time.perf_counter()
        list(pool.map(_spin, [n] * workers))
        many = time.perf_counter() - t0
    return workers * one / many


def main(args: argparse.Namespace, argv: list[str]) -> None:
    from server.lab.lab import parse_rule_set
    from server.scenarios import ScenarioLibrary
    from server.settings import Settings

    scenario = ScenarioLibrary(Settings().exercises_dir).get(args.scenario)
    assert scenario is not None, f"no scenario {args.scenario}"
    rule_sets = [parse_rule_set(x, i) for i, x in enumerate(RULES)]
    total = args.runs * len(rule_sets)
    run = Run("lab", argv, {"runs_per_rule_set": args.runs, "rule_sets": [rs.name for rs in rule_sets],
                            "repeats": args.repeats, "workers": args.workers, "seed": args.seed,
                            "scenario": args.scenario})
    digests = set()
    figures: dict[int, list[float]] = {}
    for workers in dict.fromkeys((args.workers, 1)):
        if workers > 1:
            got = parallelism(workers)
            run.doc.setdefault("parallelism_before", {})[workers] = r(got, 2)
            print(f"a pure-Python load in {workers} processes ran {got:.2f}x as fast as in one", flush=True)
        walls = []
        for i in range(args.repeats):
            wall, digest, cpu = _once(scenario, rule_sets, args.runs, args.seed, workers)
            digests.add(digest)
            walls.append(wall)
            per_minute = total / wall * 60
            run.add(workers=workers, repeat=i + 1, runs=total, seconds=r(wall, 2), runs_per_minute=r(per_minute, 0),
                    cpu_seconds=r(cpu, 2), cores_busy=r(cpu / wall, 2), cpu_ms_per_run=r(cpu / total * 1000, 2))
            print(f"workers={workers} repeat {i + 1}: {total} runs in {wall:.2f} s = {per_minute:,.0f} runs/min "
                  f"({cpu:.1f} s CPU: {cpu / wall:.2f} cores busy)", flush=True)
        figures[workers] = walls
    if len(digests) != 1:
        raise SystemExit(f"the lab's output differed between repeats or worker counts: {len(digests)} different outputs")
    best = total / median(figures[args.workers]) * 60
    run.doc["summary"] = {f"runs_per_minute_{w}_workers": r(total / median(ws) * 60, 0) for w, ws in figures.items()}
    if 1 in figures and args.workers != 1:
        run.doc["summary"]["speedup"] = r(median(figures[1]) / median(figures[args.workers]), 2)
    run.doc["summary"]["identical_outputs"] = True
    if args.workers > 1:
        run.doc["parallelism_after"] = {args.workers: r(parallelism(args.workers), 2)}
        run.doc["summary"]["machine_parallelism_before_after"] = [run.doc["parallelism_before"][args.workers],
                                                                  run.doc["parallelism_after"][args.workers]]
    run.target(f"lab runs/minute of {args.scenario}, {args.workers} workers", r(best, 0), f">= {TARGET_RUNS_PER_MINUTE}",
               best >= TARGET_RUNS_PER_MINUTE, "runs/min")
    path = run.save()
    print(json.dumps(run.doc["summary"]), f"-> {path}")
