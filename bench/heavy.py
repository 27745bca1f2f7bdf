"""`python -m bench heavy`: does heavy review work stall other clients? `/healthz` while four clients
ask for reports (then compares, then forks) of a 20,000-event exercise.

Issue 12 item 6 and issue 13: "/healthz stays under 50 ms p99 while four clients request reports of
a 20k-event exercise". Steps:

1. the exercise (`--events`, 20,000) is built in the database through the domain (bench/replay.py:
   statements mostly, threats, council decisions with every member's vote), before the server starts;
2. what each operation would hold an event loop for if it ran on it, measured in this process, one
   at a time: the report (read + build + JSON), compare (two reports + compare), fork at the middle
   with re-enactment (read + plan + seal + insert), a QR code of 1,024 CJK characters;
3. a `ttx serve` process (`TTX_WORKER_KIND`: process, and as a diagnostic variant thread; 2 workers,
   queue 8), its workers started by a first round of requests (not counted);
4. `--rounds` rounds (3) of phases of `--seconds` each (20): idle, then `--clients` clients each asking
   in a closed loop for the report (JSON), then for a compare of the exercise with itself, then for a
   fork at the middle with re-enactment, then for a QR code of 1,024 CJK characters (anonymous; issue
   13 measured four such clients putting /healthz's median at 600 ms when QR codes were made on the
   event loop) (at most `--max-requests` each per phase); a fifth client (a
   process of its own) asks for `/healthz` one request after another, every 20 ms at most, the whole
   time.

Per phase: /healthz p50/p99/max as medians over the rounds (and the max of all), the heavy requests
answered (and any 503), their median time, and the server's CPU per round (its process and its
workers). A second, idle server is probed the same way at the same time: its p99 and max (the
"control") are what the machine alone does to a probe. Loopback only; every loop bounded by time and count. On this shared machine other
people's test runs come and go: the load average of each round is recorded with it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import threading
import time
from typing import Any

from server.harness import ServerProcess

from .common import Run, engine_guard, loadavg, median, percentile, r, sqlite_database
from .probe import HealthzProbe


QR_TEXT = "漢" * 1024  # the QR code: 1,024 CJK characters

WHAT = {"report": "reports", "compare": "compares", "fork": "forks", "qr": "QR codes of 1,024 CJK characters"}


# --- the exercise ---------------------------------------------------------------------------------

async def _build(url: str, events: int) -> tuple[str, dict[str, str], dict[str, int]]:
    from .common import open_store
    from .replay import build

    store = open_store(url)
    try:
        tokens: dict[str, str] = {}
        ex, _snapshots, counts = await build(store, events, 10**9, tokens=tokens)
        return ex, tokens, counts
    finally:
        await store.close()


async def _inline_costs(url: str, ex: str, fork_at: int) -> dict[str, float]:
    """Seconds each operation takes when run in one go, as it did on the event loop before the pool."""
    from server.review.compare import compare_reports
    from server.review.operations import fork_exercise, report_for
    from server.service import ExerciseService
    from server.work.jobs import _json_bytes, qr

    from .common import open_store

    store = open_store(url)
    service = ExerciseService(store=store)
    out: dict[str, float] = {}
    try:
        await report_for(service, ex, "facilitator")  # warm the page cache
        t0 = time.perf_counter()
        _json_bytes(await report_for(service, ex, "facilitator"))
        out["report (JSON)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # as POST /api/compare with a facilitator's and an observer's token: both read as the observer
        a, b = await report_for(service, ex, "observer"), await report_for(service, ex, "observer")
        _json_bytes(compare_reports(a, b))
        out["compare"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await fork_exercise(service, ex, at=fork_at, rules=None, replay=True)
        out[f"fork at {fork_at} with re-enactment"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        qr(QR_TEXT)
        out["QR code, 1,024 CJK characters"] = time.perf_counter() - t0
    finally:
        await store.close()
    return out


# --- the heavy clients -------------------------------------------------------------------------------

def _heavy_clients(base: str, kind: str, ex: str, tokens: dict[str, str], fork_at: int, clients: int,
                   stop_at: float, max_each: int, out: Any) -> None:
    import httpx

    fac = {"Authorization": f"Bearer {tokens['facilitator']}"}
    samples: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=base, timeout=600) as c:
            for _ in range(max_each):
                began = time.time()
                if began >= stop_at:
                    return
                t0 = time.perf_counter()
                if kind == "report":
                    resp = c.get(f"/api/exercises/{ex}/report", headers=fac)
                elif kind == "qr":  # anonymous: ~0.2 s of CPU each, on the event loop before the pool
                    resp = c.post("/api/qr", json={"text": QR_TEXT})
                elif kind == "compare":
                    resp = c.post("/api/compare", json={"a": {"exercise_id": ex, "token": tokens["facilitator"]},
                                                        "b": {"exercise_id": ex, "token": tokens["observer"]}})
                else:
                    resp = c.post(f"/api/exercises/{ex}/fork", json={"at": fork_at, "replay": True}, headers=fac)
                size = len(resp.content)
                with lock:
                    samples.append((began, time.perf_counter() - t0, resp.status_code, size))
                if resp.status_code == 503:
                    time.sleep(float(resp.headers.get("Retry-After", "1")))

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send(samples)
    out.close()


def _phase(server: ServerProcess, kind: str, ex: str, tokens: dict[str, str], args: argparse.Namespace,
           fork_at: int) -> dict[str, Any]:
    import psutil

    proc = psutil.Process(server.proc.pid)

    def cpu() -> float:
        total = sum(proc.cpu_times()[:2])
        for child in proc.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total

    own0 = sum(proc.cpu_times()[:2])
    cpu0 = cpu()
    t0 = time.time()
    stop_at = t0 + args.seconds
    samples: list[tuple] = []
    if kind == "idle":
        time.sleep(args.seconds)
    else:
        ctx = mp.get_context("spawn")
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_heavy_clients, args=(server.url, kind, ex, tokens, fork_at, args.clients, stop_at,
                                                     args.max_requests, send), daemon=True)
        p.start()
        samples = recv.recv()
        p.join(60)
    t1 = time.time()
    answered = [s for s in samples if s[2] in (200, 201)]
    return {"window": (t0, t1), "requests": len(samples), "answered": len(answered),
            "refused_503": sum(1 for s in samples if s[2] == 503),
            "other_statuses": sorted({s[2] for s in samples} - {200, 201, 503}),
            "request_median_s": r(median([s[1] for s in answered]), 2) if answered else None,
            "request_max_s": r(max(s[1] for s in answered), 2) if answered else None,
            "response_mb": r(median([s[3] for s in answered]) / 1e6, 2) if answered else None,
            "server_cpu_s": r(cpu() - cpu0, 1), "server_main_cpu_s": r(sum(proc.cpu_times()[:2]) - own0, 1)}


def _serve(run: Run, url: str, ex: str, tokens: dict[str, str], worker_kind: str, args: argparse.Namespace) -> None:
    import httpx

    fork_at = args.events // 2
    env = {"TTX_WORKER_KIND": worker_kind, "TTX_WORKERS": str(args.workers), "TTX_WORK_QUEUE": str(args.queue)}
    with ServerProcess(url, env=env) as server:
        fac = {"Authorization": f"Bearer {tokens['facilitator']}"}
        with httpx.Client(base_url=server.url, timeout=600) as c:  # start the workers; fill the page cache

            def warm() -> None:
                with httpx.Client(base_url=server.url, timeout=600) as w:
                    w.get(f"/api/exercises/{ex}/report", headers=fac).raise_for_status()

            threads = [threading.Thread(target=warm) for _ in range(args.workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            c.get("/healthz").raise_for_status()
        rounds: dict[str, list[tuple[dict[str, Any], list[float]]]] = {}
        kinds = [k.strip() for k in args.phases.split(",") if k.strip()]
        with sqlite_database() as (idle_url, _), ServerProcess(idle_url) as idle, \
                HealthzProbe(server.url, interval=0.02) as probe, HealthzProbe(idle.url, interval=0.02) as control:
            for _ in range(args.rounds):
                for kind in kinds:
                    facts = _phase(server, kind, ex, tokens, args, fork_at)
                    facts["load"] = loadavg()
                    rounds.setdefault(kind, []).append((facts, []))
        for kind in kinds:
            per_round = []
            for facts, _ in rounds[kind]:
                t0, t1 = facts["window"]
                per_round.append((facts, probe.latencies_ms(t0, t1), probe.failures(t0, t1)))
                facts["control"] = control.latencies_ms(t0, t1)
            lat_all = [x for _, lat, _ in per_round for x in lat]
            answered = [f for f, _, _ in per_round if f["answered"]]
            row = run.add(worker_kind=worker_kind, workers=args.workers, clients=0 if kind == "idle" else args.clients,
                          events=args.events, phase=kind, rounds=len(per_round), seconds=args.seconds,
                          healthz_samples=len(lat_all), healthz_failures=sum(f for _, _, f in per_round),
                          healthz_p50_ms=r(median([percentile(lat, 50) for _, lat, _ in per_round]), 1),
                          healthz_p99_ms=r(median([percentile(lat, 99) for _, lat, _ in per_round]), 1),
                          healthz_max_ms=r(median([max(lat) for _, lat, _ in per_round if lat]), 1),
                          healthz_max_all_ms=r(max(lat_all), 1) if lat_all else None,
                          healthz_p99_by_round_ms=[r(percentile(lat, 99), 1) for _, lat, _ in per_round],
                          requests=sum(f["requests"] for f, _, _ in per_round),
                          answered=sum(f["answered"] for f, _, _ in per_round),
                          refused_503=sum(f["refused_503"] for f, _, _ in per_round),
                          other_statuses=sorted({x for f, _, _ in per_round for x in f["other_statuses"]}),
                          request_median_s=r(median([f["request_median_s"] for f in answered]), 2) if answered else None,
                          request_max_s=max(f["request_max_s"] for f in answered) if answered else None,
                          response_mb=answered[0]["response_mb"] if answered else None,
                          server_cpu_s=r(median([f["server_cpu_s"] for f, _, _ in per_round]), 1),
                          server_main_cpu_s=r(median([f["server_main_cpu_s"] for f, _, _ in per_round]), 1),
                          control_p99_ms=r(median([percentile(f["control"], 99) for f, _, _ in per_round]), 1),
                          control_max_ms=r(median([max(f["control"]) for f, _, _ in per_round if f["control"]]), 1),
                          load=per_round[-1][0]["load"], load_by_round=[f["load"] for f, _, _ in per_round])
            print(f"  {worker_kind} {kind}: healthz p50 {row['healthz_p50_ms']} p99 {row['healthz_p99_ms']} "
                  f"(by round {row['healthz_p99_by_round_ms']}) max {row['healthz_max_ms']} (of all "
                  f"{row['healthz_max_all_ms']}) ms; {row['answered']}/{row['requests']} answered, {row['refused_503']} x "
                  f"503, median {row['request_median_s']} s; server CPU {row['server_cpu_s']} s (main process "
                  f"{row['server_main_cpu_s']} s) per round; idle control server p99 {row['control_p99_ms']} max "
                  f"{row['control_max_ms']} ms  loads {row['load_by_round']}", flush=True)
            if kind != "idle":
                what = (f"{WHAT[kind]} of a {args.events:,}-event exercise" if kind != "qr" else WHAT[kind])
                run.target(f"{worker_kind} workers: /healthz p99 while {args.clients} clients ask for {what}",
                           row["healthz_p99_ms"], "< 50 ms",
                           row["healthz_p99_ms"] < 50, "ms")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--clients", type=int, default=4, help="clients asking for heavy work at once")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the phases (figures: medians over the rounds)")
    p.add_argument("--max-requests", type=int, default=20, help="at most this many requests per client per phase")
    p.add_argument("--phases", default="idle,report,compare,fork,qr")
    p.add_argument("--kinds", default="process", help="TTX_WORKER_KIND values to run (process, thread)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--queue", type=int, default=8)
    p.add_argument("--no-inline", action="store_true", help="skip measuring the inline cost of each operation")
    p.add_argument("--tag", default=None, help="write bench/results/heavy-TAG.json (a diagnostic variant)")


def main(args: argparse.Namespace, argv: list[str]) -> None:
    run = Run("heavy" + (f"-{args.tag}" if args.tag else ""), argv,
              {k: v for k, v in vars(args).items() if k != "func"})
    with engine_guard(run, "sqlite"), sqlite_database() as (url, _path):
        t0 = time.perf_counter()
        ex, tokens, counts = asyncio.run(_build(url, args.events))
        run.note(f"exercise of {args.events:,} events built in {time.perf_counter() - t0:.1f} s: "
                 + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        if not args.no_inline:
            costs = asyncio.run(_inline_costs(url, ex, args.events // 2))
            run.doc["inline_seconds"] = {k: r(v, 3) for k, v in costs.items()}
            print("  inline: " + ", ".join(f"{k} {v:.2f} s" for k, v in costs.items()), flush=True)
        for kind in [k.strip() for k in args.kinds.split(",") if k.strip()]:
            with engine_guard(run, kind):
                _serve(run, url, ex, tokens, kind, args)
    print(f"wrote {run.save()}")
