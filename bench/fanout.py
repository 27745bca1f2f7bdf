"""`python -m bench ws`: WebSocket fan-out latency and memory per connection.

N clients connect to `/ws/exercises/{id}` (hello with a seat token and `after` = the head), spread
over ONE exercise (100, 500, 1000) and over several exercises (100, 1000, 5000 across 10). The
clients run in separate processes (`--client-procs`, default 4) with the `websockets` library
(permessage-deflate offered, as browsers do). Each case gets a fresh `ttx serve` process on a fresh
SQLite file, so its RSS is its own: memory per idle connection = (RSS after connecting N - RSS
before) / N. Then the coordinator posts `post_statement` commands over HTTP, one every
`--interval` seconds round-robin over the exercises, in `--rounds` rounds; every client stamps
each event's arrival (time.time(), before parsing); latency is arrival minus the command's HTTP
acknowledgement, and arrival minus the event's `recorded_at` (stamped by the server when it
decided, before the commit; millisecond precision).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from datetime import datetime
from typing import Any

import pstats
import tempfile
from pathlib import Path

from server.harness import ServerProcess

from .common import (ROOT, STATEMENT_TEXT, Run, loadavg, median, percentile, profile_summary, r, raise_nofile,
                     sqlite_database)
from .http_load import create_exercise


# --- client processes ----------------------------------------------------------------------

def _client_proc(ws_url: str, conns: list[tuple[str, str, int]], concurrency: int, deflate: bool, conn_pipe: Any,
                 kind: str = "asyncio") -> None:
    raise_nofile()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    asyncio.run((_raw_clients if kind == "sansio" else _clients)(ws_url, conns, concurrency, deflate, conn_pipe))


def _cpu() -> float:
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


class _SansIOClient(asyncio.Protocol):
    """A light client: the `websockets` library's sans-I/O ClientProtocol on a bare asyncio
    protocol. Once welcomed, `data_received` only stamps and keeps what arrives (time.time(), the
    bytes); `process` (every 0.5 s, and at the end) feeds it to the library, which parses the
    frames (and inflates them if deflate was negotiated), and answers pings; each message gets
    the arrival time of the chunk that completed it."""

    def __init__(self, url: str, deflate: bool) -> None:
        from websockets.client import ClientProtocol
        from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
        from websockets.uri import parse_uri

        extensions = enable_client_permessage_deflate(None) if deflate else None
        self.proto = ClientProtocol(parse_uri(url), extensions=extensions, max_size=2**24)
        self.transport: Any = None
        self.chunks: list[tuple[float, bytes]] = []
        self.texts: list[tuple[float, str]] = []
        self.welcomed = False
        self.changed: asyncio.Event = asyncio.Event()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.proto.send_request(self.proto.connect())
        transport.write(b"".join(self.proto.data_to_send()))

    def data_received(self, data: bytes) -> None:
        if self.welcomed:
            self.chunks.append((time.time(), data))  # the measured path: stamp, keep
            return
        self._feed(time.time(), data)
        self.changed.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.changed.set()

    def _feed(self, t: float, data: bytes) -> None:
        from websockets.frames import Opcode

        self.proto.receive_data(data)
        for ev in self.proto.events_received():
            if getattr(ev, "opcode", None) is Opcode.TEXT:
                self.texts.append((t, ev.data.decode()))
        out = self.proto.data_to_send()
        if out and not self.transport.is_closing():
            self.transport.write(b"".join(out))

    def process(self) -> None:
        chunks, self.chunks = self.chunks, []
        for t, data in chunks:
            self._feed(t, data)

    def send_text(self, text: str) -> None:
        self.proto.send_text(text.encode())
        self.transport.write(b"".join(self.proto.data_to_send()))


async def _raw_clients(ws_url: str, conns: list[tuple[str, str, int]], concurrency: int, deflate: bool, pipe: Any) -> None:
    from websockets.protocol import State

    loop = asyncio.get_running_loop()
    clients: list[_SansIOClient | None] = [None] * len(conns)
    sem = asyncio.Semaphore(concurrency)
    failures: list[str] = []
    host, port = ws_url.split("://", 1)[1].split(":")

    async def open_one(i: int, exercise_id: str, token: str, after: int) -> None:
        async with sem:
            for attempt in range(5):
                try:
                    url = f"{ws_url}/ws/exercises/{exercise_id}"
                    _t, c = await loop.create_connection(lambda: _SansIOClient(url, deflate), host, int(port))
                    async with asyncio.timeout(60):
                        while c.proto.state is not State.OPEN:
                            c.changed.clear()
                            if c.proto.handshake_exc is not None or c.transport.is_closing():
                                raise RuntimeError(f"handshake: {c.proto.handshake_exc!r}")
                            await c.changed.wait()
                        c.send_text(json.dumps({"type": "hello", "token": token, "after": after}))
                        while not any('"welcome"' in text[:40] for _t, text in c.texts):
                            c.changed.clear()
                            if c.transport.is_closing():
                                raise RuntimeError("closed before the welcome")
                            await c.changed.wait()
                    c.welcomed = True
                    c.texts.clear()  # the welcome and presence: not measured
                    clients[i] = c
                    return
                except Exception as exc:  # noqa: BLE001
                    if attempt == 4:
                        failures.append(f"{exc.__class__.__name__}: {exc}")
                    await asyncio.sleep(0.2 * (attempt + 1))

    async def keep_up() -> None:  # parse what arrived, answer pings
        while True:
            await asyncio.sleep(0.5)
            for c in clients:
                if c is not None:
                    c.process()

    t0 = time.perf_counter()
    await asyncio.gather(*(open_one(i, *c) for i, c in enumerate(conns)))
    connect_s = time.perf_counter() - t0
    keeper = asyncio.create_task(keep_up())
    pipe.send({"connected": sum(1 for c in clients if c is not None), "failed": len(failures),
               "failures": failures[:3], "connect_seconds": connect_s, "cpu": _cpu()})
    order = await loop.run_in_executor(None, pipe.recv)

    def last_seq(c: _SansIOClient) -> int:
        events = [text for _t, text in c.texts if text.startswith('{"type":"event"')]
        return json.loads(events[-1])["event"]["seq"] if events else 0

    if isinstance(order, dict):
        deadline = time.time() + order["timeout"]
        expect = order["expect"]
        while time.time() < deadline:
            for c in clients:
                if c is not None:
                    c.process()
            if all(c is None or last_seq(c) >= expect[conns[i][0]] for i, c in enumerate(clients)):
                break
            await asyncio.sleep(0.05)
    cpu = _cpu()
    keeper.cancel()
    samples = []
    for i, c in enumerate(clients):
        if c is None:
            continue
        c.process()
        for t, text in c.texts:
            if text.startswith('{"type":"event"'):
                ev = json.loads(text)["event"]
                samples.append((conns[i][0], ev["seq"], t, ev["recorded_at"]))
    pipe.send({"samples": samples, "cpu": cpu})
    for c in clients:
        if c is not None:
            c.transport.close()
    pipe.recv()  # "bye"


async def _clients(ws_url: str, conns: list[tuple[str, str, int]], concurrency: int, deflate: bool, pipe: Any) -> None:
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    received: list[list[tuple[float, str]]] = [[] for _ in conns]
    sockets: list[Any] = [None] * len(conns)
    sem = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def open_one(i: int, exercise_id: str, token: str, after: int) -> None:
        async with sem:
            for attempt in range(5):
                try:
                    ws = await connect(f"{ws_url}/ws/exercises/{exercise_id}", max_size=2**24, ping_interval=None,
                                       compression="deflate" if deflate else None, open_timeout=60)
                    await ws.send(json.dumps({"type": "hello", "token": token, "after": after}))
                    while True:  # the welcome (presence messages may come first)
                        msg = await asyncio.wait_for(ws.recv(), 60)
                        if msg.startswith('{"type": "welcome"') or '"welcome"' in msg[:40]:
                            break
                    sockets[i] = ws
                    return
                except Exception as exc:  # noqa: BLE001
                    if attempt == 4:
                        failures.append(f"{exc.__class__.__name__}: {exc}")
                    await asyncio.sleep(0.2 * (attempt + 1))

    async def read(i: int) -> None:
        ws = sockets[i]
        box = received[i]
        try:
            async for msg in ws:
                if msg.startswith('{"type":"event"'):
                    box.append((time.time(), msg))
        except Exception:  # noqa: BLE001 - closed
            pass

    t0 = time.perf_counter()
    await asyncio.gather(*(open_one(i, *c) for i, c in enumerate(conns)))
    connect_s = time.perf_counter() - t0
    readers = [asyncio.create_task(read(i)) for i in range(len(conns)) if sockets[i] is not None]
    pipe.send({"connected": sum(1 for s in sockets if s is not None), "failed": len(failures),
               "failures": failures[:3], "connect_seconds": connect_s, "cpu": _cpu()})
    # wait for the coordinator: {"expect": {exercise_id: final_seq}, "timeout": s} or "stop"
    order = await loop.run_in_executor(None, pipe.recv)
    if isinstance(order, dict):
        deadline = time.time() + order["timeout"]
        expect = order["expect"]
        while time.time() < deadline:
            if all(s is None or _last_seq(received[i]) >= expect[conns[i][0]] for i, s in enumerate(sockets)):
                break
            await asyncio.sleep(0.05)
    cpu = _cpu()
    samples = []
    for i, box in enumerate(received):
        for t, msg in box:
            ev = json.loads(msg)["event"]
            samples.append((conns[i][0], ev["seq"], t, ev["recorded_at"]))
        box.clear()
    pipe.send({"samples": samples, "cpu": cpu})
    for task in readers:
        task.cancel()
    await asyncio.gather(*(s.close() for s in sockets if s is not None), return_exceptions=True)
    pipe.recv()  # "bye"


def _last_seq(box: list[tuple[float, str]]) -> int:
    if not box:
        return 0
    return json.loads(box[-1][1])["event"]["seq"]


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


# --- one case ----------------------------------------------------------------------------------

def _case(run: Run, n: int, n_exercises: int, args: argparse.Namespace, label: str, profiled: bool = False,
          root: Path = ROOT) -> dict[str, Any]:
    """One case on a fresh server (run from `root`: this tree, or a baseline's copy); the row, not added to `run`."""
    import httpx

    ctx = mp.get_context("spawn")
    prof_path = Path(tempfile.mkdtemp(prefix="ttx_bench_prof_")) / "ws.prof" if profiled else None
    with sqlite_database() as (url, _path):
        env = dict(kv.split("=", 1) for kv in args.server_env)
        with ServerProcess(url, profile_to=prof_path, env=env, root=root) as server:
            exercises = [create_exercise(server.url) for _ in range(n_exercises)]
            seats = [f"S{i:02d}" for i in range(1, 51)]
            conns = []
            for j in range(n):
                ex = exercises[j % n_exercises]
                seat = seats[(j // n_exercises) % 50]
                conns.append((ex["id"], ex["tokens"][seat], ex["head"]))
            time.sleep(0.5)
            rss_before = server.rss()
            procs, pipes = [], []
            for k in range(args.client_procs):
                mine = conns[k::args.client_procs]
                parent, child = ctx.Pipe()
                p = ctx.Process(target=_client_proc, args=(server.ws_url, mine, args.connect_concurrency, not args.no_deflate, child, args.client),
                                daemon=True)
                p.start()
                procs.append(p)
                pipes.append(parent)
            hello = [pp.recv() for pp in pipes]
            connected = sum(h["connected"] for h in hello)
            failed = sum(h["failed"] for h in hello)
            time.sleep(args.settle)  # idle: presence storm over, queues drained
            rss_after = server.rss()
            health = httpx.get(server.url + "/healthz").json()
            per_conn = (rss_after - rss_before) / max(1, connected)
            # commands: round-robin over the exercises, `rounds` x `commands` in all
            acks: dict[tuple[str, int], float] = {}
            rounds: list[list[tuple[str, int]]] = []
            cpu0 = server.cpu_seconds()
            if profiled:
                server.profile(True)
            with httpx.Client(timeout=30) as client:
                for _rnd in range(args.rounds):
                    this = []
                    for i in range(args.commands):
                        ex = exercises[i % n_exercises]
                        t_send = time.time()
                        resp = client.post(f"{server.url}/api/exercises/{ex['id']}/commands",
                                           json={"type": "post_statement", "consultation_id": ex["consultation_id"], "text": STATEMENT_TEXT},
                                           headers={"Authorization": f"Bearer {ex['tokens']['S01']}"})
                        t_ack = time.time()
                        resp.raise_for_status()
                        seq = resp.json()["events"][-1]["seq"]
                        acks[(ex["id"], seq)] = t_ack
                        this.append((ex["id"], seq))
                        time.sleep(max(0.0, args.interval - (time.time() - t_send)))
                    rounds.append(this)
            expect = {ex["id"]: max([s for (e, s) in acks if e == ex["id"]] or [ex["head"]]) for ex in exercises}
            for pp in pipes:
                pp.send({"expect": expect, "timeout": args.drain})
            samples: list[tuple] = []
            client_cpu = 0.0
            for pp, h in zip(pipes, hello):
                got_back = pp.recv()
                samples.extend(got_back["samples"])
                client_cpu += got_back["cpu"] - h["cpu"]
            cpu1 = server.cpu_seconds()
            if profiled:
                server.profile(False)
                run.doc.setdefault("profiles", {})[f"{label}, {n} clients: server during the command rounds (CPU of its event loop thread)"] = \
                    profile_summary(pstats.Stats(str(prof_path)), top=30)
            for pp in pipes:
                pp.send("bye")
            for p in procs:
                p.join(30)
    # latencies per round
    round_of = {key: k for k, keys in enumerate(rounds) for key in keys}
    per_round: list[dict[str, Any]] = [{"ack": [], "rec": []} for _ in rounds]
    got = 0
    for ex_id, seq, t, recorded in samples:
        k = round_of.get((ex_id, seq))
        if k is None:
            continue
        got += 1
        per_round[k]["ack"].append(1000 * (t - acks[(ex_id, seq)]))
        per_round[k]["rec"].append(1000 * (t - _epoch(recorded)))
    clients_per_ex = {ex["id"]: sum(1 for c in conns[:connected] if c[0] == ex["id"]) for ex in exercises}
    expected = sum(clients_per_ex[e] for (e, _s) in acks) if connected == n else None
    stats = []
    for pr in per_round:
        stats.append({k: {"p50": percentile(v, 50), "p99": percentile(v, 99), "max": max(v) if v else float("nan")}
                      for k, v in pr.items()})
    allv = {k: [x for pr in per_round for x in pr[k]] for k in ("ack", "rec")}
    row = dict(
        case=label, clients=n, exercises=n_exercises, connected=connected, failed=failed,
        connect_seconds=r(max(h["connect_seconds"] for h in hello), 1),
        server_connections=health.get("connections"),
        rss_before_mib=r(rss_before / 2**20, 1), rss_after_mib=r(rss_after / 2**20, 1),
        kib_per_connection=r(per_conn / 1024, 1),
        deliveries=got, deliveries_expected=expected,
        from_ack_p50_ms=r(median([s["ack"]["p50"] for s in stats]), 1), from_ack_p99_ms=r(median([s["ack"]["p99"] for s in stats]), 1),
        from_ack_max_ms=r(max(allv["ack"]) if allv["ack"] else float("nan"), 1),
        from_recorded_p50_ms=r(median([s["rec"]["p50"] for s in stats]), 1),
        from_recorded_p99_ms=r(median([s["rec"]["p99"] for s in stats]), 1),
        from_recorded_max_ms=r(max(allv["rec"]) if allv["rec"] else float("nan"), 1),
        server_cpu_ms_per_delivery=r(1000 * (cpu1 - cpu0) / max(1, got), 3),
        client_cpu_ms_per_delivery=r(1000 * client_cpu / max(1, got), 3),
        rounds=[{k: {m: r(v, 1) for m, v in d.items()} for k, d in s.items()} for s in stats],
        load=loadavg(),
    )
    # idle connections really open and authenticated: the server counts attached sessions only
    row["all_open_and_authenticated"] = connected == n and health.get("connections") == n
    print(f"  {label:>22}: {n:5d} clients on {n_exercises:2d} exercise(s): connected {connected} ({failed} failed) "
          f"in {row['connect_seconds']} s; {row['kib_per_connection']} KiB/conn; from ack p50 {row['from_ack_p50_ms']} "
          f"p99 {row['from_ack_p99_ms']} max {row['from_ack_max_ms']} ms; from recorded_at p50 {row['from_recorded_p50_ms']} "
          f"p99 {row['from_recorded_p99_ms']} ms; {got}/{expected} deliveries; CPU/delivery {row['server_cpu_ms_per_delivery']} ms "
          f"server, {row['client_cpu_ms_per_delivery']} ms clients; load {row['load']}", flush=True)
    return row


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The case over its repetitions: p50/p99 are medians over every round of every repetition,
    memory and CPU medians over the repetitions, max the max; each repetition kept in `repeats`."""
    if len(rows) == 1:
        return rows[0]
    first = rows[0]
    rounds = [rd for row in rows for rd in row["rounds"]]
    med = lambda key: r(median([row[key] for row in rows]), 1)  # noqa: E731
    return dict(
        case=first["case"], clients=first["clients"], exercises=first["exercises"],
        connected=min(row["connected"] for row in rows), failed=max(row["failed"] for row in rows),
        connect_seconds=max(row["connect_seconds"] for row in rows),
        server_connections=min((row["server_connections"] or 0) for row in rows),
        rss_before_mib=med("rss_before_mib"), rss_after_mib=med("rss_after_mib"),
        kib_per_connection=med("kib_per_connection"),
        deliveries=sum(row["deliveries"] for row in rows),
        deliveries_expected=(sum(row["deliveries_expected"] for row in rows)
                             if all(row["deliveries_expected"] is not None for row in rows) else None),
        from_ack_p50_ms=r(median([rd["ack"]["p50"] for rd in rounds]), 1),
        from_ack_p99_ms=r(median([rd["ack"]["p99"] for rd in rounds]), 1),
        from_ack_max_ms=max(row["from_ack_max_ms"] for row in rows),
        from_recorded_p50_ms=r(median([rd["rec"]["p50"] for rd in rounds]), 1),
        from_recorded_p99_ms=r(median([rd["rec"]["p99"] for rd in rounds]), 1),
        from_recorded_max_ms=max(row["from_recorded_max_ms"] for row in rows),
        server_cpu_ms_per_delivery=r(median([row["server_cpu_ms_per_delivery"] for row in rows]), 3),
        client_cpu_ms_per_delivery=r(median([row["client_cpu_ms_per_delivery"] for row in rows]), 3),
        all_open_and_authenticated=all(row["all_open_and_authenticated"] for row in rows),
        rounds=rounds,
        repeats=[{k: row[k] for k in ("kib_per_connection", "from_ack_p99_ms", "from_recorded_p99_ms",
                                      "server_cpu_ms_per_delivery", "client_cpu_ms_per_delivery", "connected",
                                      "load")} for row in rows],
        load=loadavg(),
    )


def _counts(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--one", default="100,500,1000", help="client counts on ONE exercise")
    p.add_argument("--many", default="100,1000,5000", help="client counts across --exercises exercises")
    p.add_argument("--exercises", type=int, default=10)
    p.add_argument("--client-procs", type=int, default=4)
    p.add_argument("--connect-concurrency", type=int, default=50, help="connection attempts in flight per client process")
    p.add_argument("--commands", type=int, default=20, help="commands per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--interval", type=float, default=0.1, help="seconds between commands")
    p.add_argument("--settle", type=float, default=3.0, help="idle seconds after connecting, before measuring RSS")
    p.add_argument("--drain", type=float, default=30.0, help="max seconds to wait for the last deliveries")
    p.add_argument("--no-deflate", action="store_true", help="clients do not offer permessage-deflate")
    p.add_argument("--client", choices=("asyncio", "sansio"), default="asyncio",
                   help="asyncio: the websockets library's asyncio client (a task and a queue per connection); "
                        "sansio: its sans-I/O protocol on a bare asyncio protocol, stamping each chunk as it arrives "
                        "and parsing every 0.5 s (less of the 2 shared cores for the load generator)")
    p.add_argument("--profile", action="store_true",
                   help="cProfile the server (its loop thread's CPU) during the commands of the largest one-exercise case")
    p.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra environment for the server process, e.g. TTX_WS_COMPRESSION=true")
    p.add_argument("--tag", default="", help="a diagnostic run: results go to bench/results/ws-TAG.json, no targets")
    p.add_argument("--repeat", type=int, default=1,
                   help="run each case this many times, each on a fresh server; the figures are medians over them")
    p.add_argument("--quick", action="store_true",
                   help="only the 1,000-client one-exercise case, 3 times (--repeat), to bench/results/ws-quick.json "
                        "(or ws-TAG.json); no targets")
    p.add_argument("--baseline-root", type=Path, default=None, metavar="DIR",
                   help="also run every repetition on a server from another source tree (e.g. `git archive main | "
                        "tar -x -C DIR`), alternating with this one (ABBA), rows marked `variant`")


def main(args: argparse.Namespace, argv: list[str]) -> None:
    if args.quick:
        args.one, args.many = "1000", ""
        args.repeat = max(args.repeat, 3)
        args.tag = args.tag or "quick"
    if args.baseline_root is not None:
        args.baseline_root = args.baseline_root.resolve()
        if not (args.baseline_root / "server" / "cli.py").is_file():
            raise SystemExit(f"--baseline-root {args.baseline_root}: no server/cli.py there")
        args.tag = args.tag or "compare"
    soft, hard = raise_nofile()
    run = Run("ws" + (f"-{args.tag}" if args.tag else ""), argv,
              {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "func"} | {"nofile": [soft, hard]})
    run.note(f"RLIMIT_NOFILE raised by the benchmark with resource.setrlimit to soft={soft} (hard={hard}); the server "
             "subprocess and the client processes inherit it.")
    run.note(f"Clients: {args.client_procs} processes (websockets asyncio client on uvloop), sharing the 2 cores with the "
             "server; each stamps arrival before parsing. One server process (SQLite, in-memory notifier), fresh per case.")
    cases = [("one exercise", int(x), 1) for x in args.one.split(",") if x.strip()]
    cases += [(f"across {args.exercises} exercises", int(x), args.exercises) for x in args.many.split(",") if x.strip()]
    if args.profile and cases:  # an extra run of the largest one-exercise case, under cProfile, not in the figures
        label, n, e = max((c for c in cases if c[2] == 1), key=lambda c: c[1], default=cases[0])
        print(f"  profiling the server with {n} clients on {e} exercise(s) (extra run, not in the figures)", flush=True)
        _case(run, n, e, args, label + " (profiled)", profiled=True)  # its profile goes to run.doc; the row is not kept
    variants = [("this tree", ROOT)] + ([("baseline", args.baseline_root)] if args.baseline_root else [])
    for label, n, e in cases:
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _root in variants}
        for k in range(args.repeat):
            for name, root in (variants if k % 2 else variants[::-1]):  # ABBA: drift in the load falls on both
                row = _case(run, n, e, args, label + (f" [{name}]" if len(variants) > 1 else ""), root=root)
                rows[name].append(row)
        for name, _root in variants:
            row = _summary(rows[name])
            if len(variants) > 1:
                row["variant"] = name
            run.add(**row)
            if len(rows[name]) > 1:
                print(f"  {row['case']:>22}: median of {len(rows[name])}: {row['kib_per_connection']} KiB/conn; "
                      f"from ack p99 {row['from_ack_p99_ms']} ms; from recorded_at p99 {row['from_recorded_p99_ms']} ms; "
                      f"CPU/delivery {row['server_cpu_ms_per_delivery']} ms server, {row['client_cpu_ms_per_delivery']} ms clients; open and authenticated: "
                      f"{row['all_open_and_authenticated']}; load {row['load']}", flush=True)
        row = _summary(rows["this tree"])
        if args.tag:
            continue
        if n == 1000 and e == 1:  # issue 15's targets
            run.target("fan-out p99 at 1,000 clients on one exercise (from the HTTP ack)", row["from_ack_p99_ms"], "< 50 ms",
                       row["from_ack_p99_ms"] < 50, "ms")
            run.target("fan-out p99 at 1,000 clients on one exercise (from recorded_at)", row["from_recorded_p99_ms"], "< 50 ms",
                       row["from_recorded_p99_ms"] < 50, "ms")
            run.target("memory per idle connection (1000 clients, 1 exercise)", row["kib_per_connection"], "<= 20 KiB",
                       row["kib_per_connection"] <= 20, "KiB")
        if n == 1000 and e > 1:
            run.target(f"fan-out p99 at 1,000 clients across {e} exercises (from the HTTP ack)", row["from_ack_p99_ms"], "< 100 ms",
                       row["from_ack_p99_ms"] < 100, "ms")
        if n == max(_counts(args.many) + _counts(args.one)):
            run.target(f"memory per idle connection ({n} clients, {e} exercise(s))", row["kib_per_connection"], "<= 20 KiB",
                       row["kib_per_connection"] <= 20, "KiB")
    print(f"wrote {run.save()}")
