"""`python -m bench http`: end-to-end commands over HTTP against real `ttx serve` processes.

50 participants (async httpx clients, each with its own seat token and its own connection) post
commands in a closed loop: `post_statement` in a consultation of all members, and every tenth a
`report_threat`. Two cases: all 50 on ONE exercise, and the same 50 spread round-robin over 20
exercises at once. SQLite: one server process; PostgreSQL: one process, and two processes on one database with each
participant bound to one of them (alternating), so the load is split across both; the one- and
two-process runs alternate repeat by repeat, for a same-run comparison.
The clients run in separate processes (`--client-procs`, default 2), started together; each run is
bounded by time (warm-up + measured window) and by a count per participant. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

from server.harness import ServerProcess

from .common import (engine_guard, STATEMENT_TEXT, Run, definition, median, percentile, pg_available, pg_database,
                     profile_summary, r, sqlite_database)

THREAT = {"type": "report_threat", "kind": "threat", "summary": "Armed groups shelled a border post at dawn; casualties reported."}


# --- set-up over the API -------------------------------------------------------------------

def create_exercise(base_url: str, members: int = 50) -> dict[str, Any]:
    """An exercise from a `definition` with `members` member seats, started, with a consultation of all."""
    import httpx

    with httpx.Client(base_url=base_url, timeout=60) as c:
        resp = c.post("/api/exercises", json={"definition": definition(members)})
        resp.raise_for_status()
        body = resp.json()
        tokens = {s["seat"]: s["token"] for s in body["seats"]}
        auth = lambda seat: {"Authorization": f"Bearer {tokens[seat]}"}  # noqa: E731
        resp = c.post(f"/api/exercises/{body['id']}/commands", json={"type": "start_exercise"}, headers=auth("facilitator"))
        resp.raise_for_status()
        resp = c.post(f"/api/exercises/{body['id']}/commands",
                      json={"type": "request_consultation", "topic": "Shelling on the border", "invitees": "all"},
                      headers=auth("S01"))
        resp.raise_for_status()
        events = resp.json()["events"]
        consultation = events[0]["data"]["consultation_id"]
        return {"id": body["id"], "tokens": tokens, "consultation_id": consultation, "head": events[-1]["seq"]}


# --- the client processes ----------------------------------------------------------------------

def _client_proc(participants: list[dict[str, Any]], start_at: float, stop_at: float, max_each: int,
                 out: Any, client: str = "httpx") -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    cpu0 = time.process_time()
    run_clients = _clients if client == "httpx" else _raw_clients
    samples = asyncio.run(run_clients(participants, start_at, stop_at, max_each))
    out.send((samples, time.process_time() - cpu0))
    out.close()


async def _clients(participants: list[dict[str, Any]], start_at: float, stop_at: float, max_each: int) -> list[tuple]:
    import httpx

    samples: list[tuple] = []

    async def one(p: dict[str, Any]) -> None:
        statement = {"type": "post_statement", "consultation_id": p["consultation_id"], "text": STATEMENT_TEXT}
        headers = {"Authorization": f"Bearer {p['token']}"}
        url = f"{p['base_url']}/api/exercises/{p['exercise_id']}/commands"
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            # open the connection before the clock starts
            await client.get(f"{p['base_url']}/healthz")
            await asyncio.sleep(max(0.0, start_at - time.time()))
            i = 0
            while i < max_each:
                began = time.time()
                if began >= stop_at:
                    break
                body = THREAT if i % 10 == 9 else statement
                t0 = time.perf_counter()
                try:
                    resp = await client.post(url, json=body, headers=headers)
                    status = resp.status_code
                    if status != 200:
                        try:
                            status = f"{status} {resp.json()['error']['code']}"
                        except Exception:  # noqa: BLE001
                            pass
                except httpx.HTTPError as exc:
                    status = exc.__class__.__name__
                samples.append((began, time.perf_counter() - t0, status))
                i += 1

    await asyncio.gather(*(one(p) for p in participants))
    return samples


async def _raw_clients(participants: list[dict[str, Any]], start_at: float, stop_at: float, max_each: int) -> list[tuple]:
    """The same closed loop with a minimal HTTP/1.1 keep-alive client (request bytes built once), to
    show what the server does when the load generator costs little CPU. A diagnostic, not the spec's client."""
    import orjson  # noqa: F401  (the server depends on it; only used to check availability)

    samples: list[tuple] = []

    def request(p: dict[str, Any], body: dict[str, Any]) -> bytes:
        data = json.dumps(body).encode()
        host = p["base_url"].split("://", 1)[1]
        return (f"POST /api/exercises/{p['exercise_id']}/commands HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {p['token']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode() + data

    async def one(p: dict[str, Any]) -> None:
        host, port = p["base_url"].split("://", 1)[1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        statement = request(p, {"type": "post_statement", "consultation_id": p["consultation_id"], "text": STATEMENT_TEXT})
        threat = request(p, THREAT)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        i = 0
        try:
            while i < max_each:
                began = time.time()
                if began >= stop_at:
                    break
                t0 = time.perf_counter()
                writer.write(threat if i % 10 == 9 else statement)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                status: Any = int(lines[0].split()[1])
                length = next(int(x.split(b":", 1)[1]) for x in lines if x.lower().startswith(b"content-length"))
                body = await reader.readexactly(length)
                if status != 200:
                    try:
                        status = f"{status} {json.loads(body)['error']['code']}"
                    except Exception:  # noqa: BLE001
                        pass
                samples.append((began, time.perf_counter() - t0, status))
                i += 1
        finally:
            writer.close()

    await asyncio.gather(*(one(p) for p in participants))
    return samples


def run_load(participants: list[dict[str, Any]], *, procs: int, warmup: float, duration: float,
             max_each: int, profiled: ServerProcess | None = None, client: str = "httpx") -> tuple[list[tuple], float, float]:
    """Run the participants split over `procs` processes; returns (samples, window start, window end)."""
    ctx = mp.get_context("spawn")
    start_at = time.time() + 4.0  # spawned processes import httpx and connect first
    window = (start_at + warmup, start_at + warmup + duration)
    stop_at = window[1]
    pipes, workers = [], []
    for k in range(procs):
        mine = participants[k::procs]
        if not mine:
            continue
        recv, send = ctx.Pipe(duplex=False)
        w = ctx.Process(target=_client_proc, args=(mine, start_at, stop_at, max_each, send, client), daemon=True)
        w.start()
        pipes.append(recv)
        workers.append(w)
    if profiled is not None:  # profile the measured window only
        import threading

        threading.Timer(window[0] - time.time(), profiled.profile, args=(True,)).start()
        threading.Timer(window[1] - time.time(), profiled.profile, args=(False,)).start()
    samples: list[tuple] = []
    global LAST_CLIENT_CPU
    LAST_CLIENT_CPU = 0.0
    for p in pipes:
        got, cpu = p.recv()
        samples.extend(got)
        LAST_CLIENT_CPU += cpu
    for w in workers:
        w.join(30)
    return samples, window[0], window[1]


LAST_CLIENT_CPU = 0.0  # CPU seconds the client processes used in the last run_load (whole run, set-up included)


def summarize(samples: list[tuple], t0: float, t1: float) -> dict[str, Any]:
    inside = [s for s in samples if s[0] >= t0 and s[0] + s[1] <= t1]
    ok = [s for s in inside if s[2] == 200]
    lat = [s[1] * 1000 for s in ok]
    errors: dict[str, int] = {}
    for s in inside:
        if s[2] != 200:
            errors[str(s[2])] = errors.get(str(s[2]), 0) + 1
    return {"commands": len(ok), "commands_per_s": len(ok) / (t1 - t0), "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99), "max_ms": max(lat) if lat else float("nan"), "errors": errors}


# --- the run -----------------------------------------------------------------------------------

def _case(run: Run, engine: str, servers: list[ServerProcess], n_exercises: int, args: argparse.Namespace) -> None:
    _cases(run, engine, [servers], n_exercises, args)


def _one_run(servers: list[ServerProcess], n_exercises: int, args: argparse.Namespace) -> dict[str, Any]:
    exercises = [create_exercise(servers[0].url) for _ in range(n_exercises)]
    participants = []
    for j in range(args.participants):
        ex = exercises[j % n_exercises]
        seat = f"S{j // n_exercises % 50 + 1:02d}"
        participants.append({"base_url": servers[j % len(servers)].url, "exercise_id": ex["id"], "token": ex["tokens"][seat],
                             "consultation_id": ex["consultation_id"]})
    cpu0 = sum(s.cpu_seconds() for s in servers)
    samples, t0, t1 = run_load(participants, procs=args.client_procs, warmup=args.warmup, duration=args.duration,
                               max_each=args.max_per_participant, client=args.client)
    cpu1 = sum(s.cpu_seconds() for s in servers)
    res = summarize(samples, t0, t1)
    total_ok = sum(1 for s in samples if s[2] == 200)
    res["server_cpu_ms_per_command"] = 1000 * (cpu1 - cpu0) / max(1, total_ok)
    res["client_cpu_ms_per_command"] = 1000 * LAST_CLIENT_CPU / max(1, total_ok)
    res["load"] = list(__import__("os").getloadavg())
    return res


def _cases(run: Run, engine: str, server_sets: list[list[ServerProcess]], n_exercises: int,
           args: argparse.Namespace) -> None:
    """The same case on each set of servers (one process, two processes), repeat by repeat in
    alternating order, so the sets are compared in the same run under the same load."""
    results: list[list[dict[str, Any]]] = [[] for _ in server_sets]
    for rep in range(args.repeats):
        order = range(len(server_sets)) if rep % 2 == 0 else reversed(range(len(server_sets)))
        for k in order:
            res = _one_run(server_sets[k], n_exercises, args)
            results[k].append(res)
            print(f"    {len(server_sets[k])} process(es) run {rep + 1}: {res['commands_per_s']:7.0f} commands/s  p50 {res['p50_ms']:6.1f} ms"
                  f"  p99 {res['p99_ms']:6.1f} ms  errors {res['errors']}  server CPU {res['server_cpu_ms_per_command']:.2f} ms/command"
                  f"  client CPU {res['client_cpu_ms_per_command']:.2f} ms/command  load {[round(x, 2) for x in res['load']]}")
    for servers, res in zip(server_sets, results):
        _record_case(run, engine, servers, n_exercises, args, res)
    if len(server_sets) == 2 and engine == "postgres" and not args.tag:
        one, two = (median([x["commands_per_s"] for x in res]) for res in results)
        run.target(f"postgres, {n_exercises} exercise(s): two processes >= one process (same run)", r(two / one, 2),
                   ">= 1.00 (two/one)", two >= one, "x")


def _record_case(run: Run, engine: str, servers: list[ServerProcess], n_exercises: int, args: argparse.Namespace,
                 results: list[dict[str, Any]]) -> None:
    row = run.add(engine=engine, server_processes=len(servers), exercises=n_exercises, participants=args.participants,
                  commands_per_s=r(median([x["commands_per_s"] for x in results]), 0),
                  p50_ms=r(median([x["p50_ms"] for x in results]), 1), p99_ms=r(median([x["p99_ms"] for x in results]), 1),
                  max_ms=r(median([x["max_ms"] for x in results]), 1),
                  server_cpu_ms_per_command=r(median([x["server_cpu_ms_per_command"] for x in results]), 2),
                  client_cpu_ms_per_command=r(median([x["client_cpu_ms_per_command"] for x in results]), 2),
                  errors=[x["errors"] for x in results],
                  runs=[{k: (r(v, 1) if isinstance(v, float) else v) for k, v in x.items()} for x in results])
    print(f"  {engine} x{len(servers)} process(es), {n_exercises} exercise(s): median {row['commands_per_s']:.0f} commands/s, "
          f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms")
    if engine == "sqlite" and not args.tag:
        run.target(f"sqlite, {n_exercises} exercise(s), {args.participants} participants: throughput",
                   row["commands_per_s"], ">= 1000 commands/s", row["commands_per_s"] >= 1000, "commands/s")
        run.target(f"sqlite, {n_exercises} exercise(s), {args.participants} participants: p99 latency",
                   row["p99_ms"], "< 50 ms", row["p99_ms"] < 50, "ms")


def _profile(run: Run, url: str, args: argparse.Namespace) -> None:
    """One extra SQLite run with the server under cProfile (its main thread: the event loop)."""
    import pstats
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="ttx_bench_prof_")) / "server.prof"
    with ServerProcess(url, profile_to=out) as server:
        ex = create_exercise(server.url)
        participants = [{"base_url": server.url, "exercise_id": ex["id"], "token": ex["tokens"][f"S{j % 50 + 1:02d}"],
                         "consultation_id": ex["consultation_id"]} for j in range(args.participants)]
        samples, t0, t1 = run_load(participants, procs=args.client_procs, warmup=args.warmup, duration=args.duration,
                                   max_each=args.max_per_participant, profiled=server)
        res = summarize(samples, t0, t1)
        time.sleep(1.0)
    run.doc.setdefault("profiles", {})["sqlite, 1 exercise: server under cProfile"] = profile_summary(pstats.Stats(str(out)), top=30)
    run.doc["profiles"]["sqlite, 1 exercise: server under cProfile"][0]["commands_per_s_while_profiled"] = r(res["commands_per_s"], 0)
    print(f"  profiled run: {res['commands_per_s']:.0f} commands/s (with cProfile overhead), {len(samples)} samples, errors {res['errors']}; profile in the JSON")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engines", default="sqlite,postgres")
    p.add_argument("--participants", type=int, default=50)
    p.add_argument("--exercises", default="1,20", help="cases: how many exercises the participants are spread over")
    p.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before the window (excluded)")
    p.add_argument("--max-per-participant", type=int, default=5000, help="count bound per participant and run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--client-procs", type=int, default=2)
    p.add_argument("--profile", action="store_true", help="one more SQLite run with the server under cProfile")
    p.add_argument("--client", choices=("httpx", "raw"), default="raw",
                   help="raw (default): a minimal HTTP/1.1 keep-alive client costing ~0.1 ms of CPU per command, so the "
                        "figure is the server's; httpx: httpx.AsyncClient, whose ~2 ms per command on the same two cores "
                        "caps the whole machine first (run it with --tag httpx-client)")
    p.add_argument("--tag", default="", help="a diagnostic run: results go to bench/results/http-TAG.json, no targets")


def main(args: argparse.Namespace, argv: list[str]) -> None:
    run = Run("http" + (f"-{args.tag}" if args.tag else ""), argv, {k: v for k, v in vars(args).items() if k != "func"})
    run.note(f"Clients: {args.participants} " + ("httpx.AsyncClient" if args.client == "httpx" else "minimal raw HTTP/1.1 keep-alive clients")
             + f" (one connection each) in {args.client_procs} separate processes, "
             "closed loop (next command when the last one is answered); 9 of 10 commands are post_statement, 1 report_threat.")
    run.note("Client processes and server processes share the machine's 2 cores; the figures are the whole system's.")
    cases = [int(x) for x in args.exercises.split(",") if x.strip()]
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if engine == "sqlite":
            with engine_guard(run, engine), sqlite_database() as (url, _path):
                with ServerProcess(url) as server:
                    for n in cases:
                        print(f"  sqlite, 1 process, {n} exercise(s):")
                        _case(run, "sqlite", [server], n, args)
                if args.profile:
                    _profile(run, url, args)
            if not args.tag:
                with engine_guard(run, "breakdown"):
                    from .common import use_uvloop

                    use_uvloop()
                    breakdown(run)
        elif engine == "postgres":
            problem = pg_available()
            if problem:
                run.note(f"postgres skipped: {problem}")
                continue
            with engine_guard(run, engine), pg_database() as url:
                a = ServerProcess(url, env={"TTX_AUTO_MIGRATE": "false"}).start()
                b = ServerProcess(url, env={"TTX_AUTO_MIGRATE": "false"}).start()
                try:
                    for n in cases:
                        print(f"  postgres, 1 process and 2 processes (alternating), {n} exercise(s):")
                        _cases(run, "postgres", [[a], [a, b]], n, args)
                finally:
                    a.stop()
                    b.stop()
    print(f"wrote {run.save()}")


# --- where a command's time goes, in-process -------------------------------------------------

async def _breakdown_async(url: str, n: int) -> dict[str, Any]:
    """Per `post_statement`, sequentially, on SQLite, in this process: the pure domain
    (decide + evolve), the store append alone, and the service's whole execute (cached state,
    append, snapshot check, publish). Wall and CPU (process_time: all threads, aiosqlite's too)."""
    import time as _t

    from server.domain import commands as c
    from server.domain.decide import decide
    from server.domain.fold import evolve
    from server.scenarios import validate_definition
    from server.service import ExerciseService

    from .common import open_store

    store = open_store(url)
    svc = ExerciseService(store=store)
    ex, _ = await svc.create(validate_definition(definition(50)))
    await svc.execute(ex, "facilitator", c.parse_command({"type": "start_exercise"}))
    (opened,) = await svc.execute(ex, "S01", c.parse_command({"type": "request_consultation", "topic": "Border",
                                                               "invitees": "all"}))
    cmd = c.parse_command({"type": "post_statement", "consultation_id": opened.data["consultation_id"], "text": STATEMENT_TEXT})
    out: dict[str, Any] = {}
    for _ in range(50):  # warm-up
        await svc.execute(ex, "S02", cmd)
    state = await svc.state(ex)
    w0, c0 = _t.perf_counter(), _t.process_time()
    for i in range(n):
        evs = decide(state, cmd, seat="S02", now=_t.time())
        for e in evs:
            evolve(state, e)
    out["domain decide+evolve"] = ((_t.perf_counter() - w0) / n * 1e3, (_t.process_time() - c0) / n * 1e3)
    from .store import Ours

    ours = Ours(url)
    await ours.open()
    stream = await ours.new_stream()
    await ours.append(stream, 50, 1)
    w0, c0 = _t.perf_counter(), _t.process_time()
    await ours.append(stream, n, 1)
    out["store.append (seal + transaction)"] = ((_t.perf_counter() - w0) / n * 1e3, (_t.process_time() - c0) / n * 1e3)
    await ours.close()
    w0, c0 = _t.perf_counter(), _t.process_time()
    for _ in range(n):
        await svc.execute(ex, "S02", cmd)
    out["ExerciseService.execute"] = ((_t.perf_counter() - w0) / n * 1e3, (_t.process_time() - c0) / n * 1e3)
    token_seat = await store.seat_for_token("0" * 64)
    w0, c0 = _t.perf_counter(), _t.process_time()
    for _ in range(n):
        await store.seat_for_token("0" * 64)
    out["store.seat_for_token (a read query)"] = ((_t.perf_counter() - w0) / n * 1e3, (_t.process_time() - c0) / n * 1e3)
    del token_seat
    await store.close()
    return {k: {"wall_ms": round(v[0], 3), "cpu_ms": round(v[1], 3)} for k, v in out.items()}


def breakdown(run: Run, n: int = 500) -> None:
    with sqlite_database() as (url, _path):
        parts = asyncio.run(_breakdown_async(url, n))
    http = [x for x in run.doc["results"] if x.get("engine") == "sqlite" and x.get("exercises") == 1]
    if http:
        parts["whole HTTP command in `ttx serve` (server CPU per command, from the load run)"] = {
            "wall_ms": None, "cpu_ms": http[0]["server_cpu_ms_per_command"]}
    run.doc["breakdown"] = {"what": "per post_statement command, sequential, SQLite, in the benchmark process (uvloop)",
                            "load": list(__import__("os").getloadavg()), "parts": parts}
    for k, v in parts.items():
        print(f"  breakdown: {k:70} wall {v['wall_ms']} ms  CPU {v['cpu_ms']} ms")
