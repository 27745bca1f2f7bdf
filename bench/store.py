"""`python -m bench store`: append and replay throughput of our SqlEventStore against the
`eventsourcing` library, on the same engine (the same SQLite file, the same PostgreSQL database).

Ours: `SqlEventStore.append` of `statement_posted` events (new_event + seal: nonce, id and hash chain
+ the column checks + one transaction that moves the exercise's head with optimistic concurrency
and inserts the rows; in the keyed row also the command's idempotency key, which eventsourcing has
no counterpart of); replay = `store.read` + `server.domain.state.fold`.
eventsourcing: an `Application` with one `Aggregate` per stream, `aggregate.post_statement(...)` +
`app.save(aggregate)` (its mapper, JSON transcoder and application recorder with its own
optimistic concurrency on (originator_id, originator_version)); replay = `app.repository.get(id)`.

Both write one event per transaction (one command) and batches of 10, to a fresh stream per
repeat; warm-up passes are excluded; repeats alternate which library goes first. The issue's
target (ours at least twice the library's, one event a transaction) compares the same work on both
sides, as the issue's own baseline did; the keyed row is reported beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import sqlite3
import time
from typing import Any

from .common import (engine_guard, STATEMENT_TEXT, Run, definition, median, pg_available, pg_database, profile_summary, r,
                     sqlite_database, use_uvloop)

DURABILITY = {
    "sqlite": "journal_mode=WAL, synchronous=NORMAL for both (ours: server/db.py; eventsourcing: WAL by its pool, "
              "synchronous=NORMAL set by the benchmark on each of its connections, since its default is FULL)",
    "postgres": "server defaults for both: synchronous_commit=on, fsync=on; READ COMMITTED",
}


REQUEST_HASH = "5" * 64  # what the service stores for a command's body (a SHA-256 in hex)
SINGLE = "append, 1 event per transaction"
SINGLE_KEYED = "append, 1 event per transaction, with an idempotency key"


# --- ours ------------------------------------------------------------------------------------

class Ours:
    name = "ours"

    def __init__(self, url: str) -> None:
        self.url = url

    async def open(self) -> None:
        from .common import open_store

        self.store = open_store(self.url)

    async def close(self) -> None:
        await self.store.close()

    async def new_stream(self) -> dict[str, Any]:
        """An exercise that is running and has an open consultation of all 50 members (seq 3)."""
        from server.domain import commands as c
        from server.domain.decide import decide
        from server.domain.fold import fold
        from server.scenarios import validate_definition
        from server.service import ExerciseService

        svc = ExerciseService(store=self.store, snapshot_interval=10**9)
        scenario = validate_definition(definition(50))
        ex, _seats = await svc.create(scenario)
        state = fold(await self.store.read(ex))
        for seat, cmd in (("facilitator", c.parse_command({"type": "start_exercise"})),
                          ("S01", c.parse_command({"type": "request_consultation", "topic": "Border", "invitees": "all"}))):
            evs = decide(state, cmd, seat=seat, now=time.time())
            stored = await self.store.append(ex, evs, expected_version=state.version, prev_hash=(await self.store.exercise(ex)).head_hash,
                                             status="running", next_due_wall=None)
            state = fold(evs, state)
        return {"id": ex, "version": state.version, "hash": stored[-1].hash, "consultation": "con_3"}

    def _event(self, stream: dict[str, Any], seq: int, now: float):
        from server.domain.events import new_event

        return new_event("statement_posted", f"S{seq % 50 + 1:02d}",
                         {"consultation_id": stream["consultation"], "statement_id": f"stm_{seq}", "text": STATEMENT_TEXT},
                         seq=seq, exercise_time=round(now - stream.get("t0", now), 3), recorded_at=round(now, 3))

    async def append(self, stream: dict[str, Any], n: int, batch: int, *, keyed: bool = False) -> float:
        """Append `n` events in transactions of `batch`; returns the seconds taken. `keyed`: each
        transaction with its idempotency key (a command sent with an Idempotency-Key: a fresh random
        key, as a client makes one, and the body's hash), a record eventsourcing does not keep."""
        from server.store.base import IdempotencyRecord

        store = self.store
        t0 = time.perf_counter()
        done = 0
        while done < n:
            now = time.time()
            k = min(batch, n - done)
            v = stream["version"]
            events = [self._event(stream, v + i + 1, now) for i in range(k)]
            key = IdempotencyRecord(events[0].actor, secrets.token_hex(16), REQUEST_HASH) if keyed else None
            stored = await store.append(stream["id"], events, expected_version=v, prev_hash=stream["hash"],
                                        status="running", next_due_wall=None, idempotency=key)
            stream["version"], stream["hash"] = stored[-1].seq, stored[-1].hash
            done += k
        return time.perf_counter() - t0

    async def replay(self, stream: dict[str, Any]) -> tuple[float, float, int]:
        """(total seconds, seconds spent reading, events)"""
        from server.domain.fold import fold

        t0 = time.perf_counter()
        events = await self.store.read(stream["id"])
        t1 = time.perf_counter()
        state = fold(events)
        t2 = time.perf_counter()
        assert state.version == len(events) == stream["version"]
        return t2 - t0, t1 - t0, len(events)


# --- the eventsourcing library -----------------------------------------------------------------

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402


class ExerciseStream(Aggregate):
    """The eventsourcing twin of an exercise stream with one consultation."""

    @event("Created")
    def __init__(self, title: str) -> None:
        self.title = title
        self.statements = 0

    @event("StatementPosted")
    def post_statement(self, consultation_id: str, statement_id: str, text: str) -> None:
        self.statements += 1


class BenchApplication(Application):
    pass


def _sqlite_synchronous_normal() -> None:
    """Give eventsourcing's SQLite connections the durability ours has (synchronous=NORMAL)."""
    from eventsourcing.sqlite import SQLiteConnectionPool

    if getattr(SQLiteConnectionPool, "_bench_patched", False):
        return
    original = SQLiteConnectionPool._create_connection

    def create(self):  # type: ignore[no-untyped-def]
        conn = original(self)
        conn._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    SQLiteConnectionPool._create_connection = create  # type: ignore[method-assign]
    SQLiteConnectionPool._bench_patched = True  # type: ignore[attr-defined]


class Es:
    name = "eventsourcing"

    def __init__(self, engine: str, target: str) -> None:
        self.Stream, App = ExerciseStream, BenchApplication
        if engine == "sqlite":
            _sqlite_synchronous_normal()
            env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": target, "CREATE_TABLE": "y"}
        else:
            rest = target.split("://", 1)[1]
            user_host, dbname = rest.rsplit("/", 1)
            user, hostport = user_host.split("@", 1)
            host, _, port = hostport.partition(":")
            env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": dbname, "POSTGRES_HOST": host,
                   "POSTGRES_PORT": port or "5432", "POSTGRES_USER": user, "POSTGRES_PASSWORD": "", "CREATE_TABLE": "y",
                   "POSTGRES_POOL_SIZE": "2"}
        self.app = App(env=env)

    def close(self) -> None:
        self.app.close()

    def new_stream(self) -> Any:
        agg = self.Stream("Border")
        self.app.save(agg)
        return agg

    def append(self, agg: Any, n: int, batch: int) -> float:
        app = self.app
        t0 = time.perf_counter()
        done = 0
        while done < n:
            k = min(batch, n - done)
            for i in range(k):
                agg.post_statement("con_3", f"stm_{agg.version + 1}", STATEMENT_TEXT)
            app.save(agg)
            done += k
        return time.perf_counter() - t0

    def replay(self, agg: Any) -> float:
        t0 = time.perf_counter()
        copy = self.app.repository.get(agg.id)
        elapsed = time.perf_counter() - t0
        assert copy.version == agg.version and copy.statements == agg.statements
        return elapsed


# --- the run -----------------------------------------------------------------------------------

async def _engine_run(engine: str, url: str, es_target: str, args: argparse.Namespace, run: Run) -> None:
    from server.app import settle_collector

    ours, es = Ours(url), Es(engine, es_target)
    await ours.open()
    try:
        # warm-up (excluded): connections, statement caches, imports
        s = await ours.new_stream()
        await ours.append(s, 50, 1)
        await ours.append(s, 50, 1, keyed=True)
        await ours.append(s, 50, 10)
        await ours.replay(s)
        a = es.new_stream()
        es.append(a, 50, 1)
        es.append(a, 50, 10)
        es.replay(a)
        settle_collector()  # the collector as the server's process runs it (server/app.py), for both libraries

        for op, n, batch, keyed in ((SINGLE, args.single, 1, False), (SINGLE_KEYED, args.single, 1, True),
                                    ("append, batches of 10", args.batch_events, 10, False)):
            times: dict[str, list[float]] = {"ours": [], "eventsourcing": []}
            for rep in range(args.repeats):
                order = ("ours", "eventsourcing") if rep % 2 == 0 else ("eventsourcing", "ours")
                for lib in order:
                    if lib == "ours":
                        st = await ours.new_stream()
                        times[lib].append(await ours.append(st, n, batch, keyed=keyed))
                    else:
                        ag = es.new_stream()
                        times[lib].append(es.append(ag, n, batch))
            _record(run, engine, op, n, times)

        # replay: one stream each of `replay` events, built in batches of 500 (not timed)
        st = await ours.new_stream()
        await ours.append(st, args.replay - st["version"], 500)
        ag = es.new_stream()
        es.append(ag, args.replay - 1, 500)
        await ours.replay(st)
        es.replay(ag)  # warm-up
        times = {"ours": [], "eventsourcing": []}
        reads: list[float] = []
        for rep in range(args.repeats):
            order = ("ours", "eventsourcing") if rep % 2 == 0 else ("eventsourcing", "ours")
            for lib in order:
                if lib == "ours":
                    total, read, _n = await ours.replay(st)
                    times[lib].append(total)
                    reads.append(read)
                else:
                    times[lib].append(es.replay(ag))
        row = _record(run, engine, "replay (read + rebuild one stream)", args.replay, times)
        row["ours_read_share_pct"] = r(100 * median(reads) / median(times["ours"]), 0)

        if args.profile:
            prof = cProfile.Profile(time.thread_time)
            st2 = await ours.new_stream()
            prof.enable()
            await ours.append(st2, min(args.single, 1000), 1)
            prof.disable()
            run.doc.setdefault("profiles", {})[f"{engine}: ours append, 1 per transaction"] = profile_summary(pstats.Stats(prof), top=20)
            prof = cProfile.Profile(time.thread_time)
            prof.enable()
            await ours.replay(st)
            prof.disable()
            run.doc.setdefault("profiles", {})[f"{engine}: ours replay"] = profile_summary(pstats.Stats(prof), top=20)
    finally:
        await ours.close()
        es.close()


def _record(run: Run, engine: str, op: str, n: int, times: dict[str, list[float]]) -> dict[str, Any]:
    ours = [n / t for t in times["ours"]]
    theirs = [n / t for t in times["eventsourcing"]]
    # The ratio is the median of each repeat's own ratio: the two runs of a repeat follow one another,
    # so a slow spell of the machine (this 2-core VM has them, lasting seconds) falls on both, and
    # the median of the pairs is steadier than the ratio of the two medians (also recorded).
    pairs = [a / b for a, b in zip(ours, theirs)]
    row = run.add(engine=engine, operation=op, events=n,
                  ours_events_per_s=r(median(ours), 0), eventsourcing_events_per_s=r(median(theirs), 0),
                  ratio_ours_over_eventsourcing=r(median(pairs), 2),
                  ratio_of_medians=r(median(ours) / median(theirs), 2),
                  ours_runs=[r(x, 0) for x in ours], eventsourcing_runs=[r(x, 0) for x in theirs])
    ratio = row["ratio_ours_over_eventsourcing"]
    # issue 15: an append of one event a transaction at least twice the library's, the same work on
    # both sides; the rest at least level. The keyed append is ours doing more than the library
    # does (a record it has no counterpart of): reported beside it, with no target of its own.
    least = {SINGLE: 2.0, SINGLE_KEYED: None}.get(op, 1.0)
    row["target"] = f">= {least:g}x" if least is not None else "none (eventsourcing keeps no such record)"
    if least is not None:
        row["met"] = ratio >= least
        run.target(f"{engine}: {op} >= {least:g}x eventsourcing", ratio, f">= {least:.2f} (ours/eventsourcing)",
                   ratio >= least, "x")
    print(f"  {engine:8} {op:38} ours {row['ours_events_per_s']:>9,.0f} ev/s   eventsourcing "
          f"{row['eventsourcing_events_per_s']:>9,.0f} ev/s   ratio {ratio:.2f}   load {row['load']}")
    return row


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engines", default="sqlite,postgres", help="sqlite,postgres")
    p.add_argument("--single", type=int, default=500, help="events appended one per transaction, per repeat")
    p.add_argument("--batch-events", type=int, default=1000, help="events appended in batches of 10, per repeat")
    p.add_argument("--replay", type=int, default=10000, help="events in the replayed stream")
    p.add_argument("--repeats", type=int, default=11, help="pairs of runs (ours, eventsourcing), alternating which goes first")
    p.add_argument("--profile", action="store_true", help="also cProfile our append and replay once (into the JSON)")


def main(args: argparse.Namespace, argv: list[str]) -> None:
    loop = use_uvloop()
    run = Run("store", argv, {k: v for k, v in vars(args).items() if k != "func"} | {"event_loop": loop})
    run.doc["durability"] = DURABILITY
    run.note("Payload: statement_posted data of 290 bytes of JSON (consultation_id, statement_id, 226-character text); "
             "eventsourcing stores the same three fields plus its timestamp (372 bytes).")
    run.note("Ours does everything a real append does: the nonce, id and SHA-256 hash chain, the column checks "
             "(server/store/limits.py), the optimistic concurrency check on the exercise's head, the exercise's "
             "status. eventsourcing stores the event under its own optimistic concurrency check. The keyed row adds, on "
             "our side only, an idempotency key per transaction (a random 32-character key and a 64-character request "
             "hash, stored in the same transaction: a command sent with an Idempotency-Key), which eventsourcing has no "
             "counterpart of; the issue's target compares the same work on both sides, as its baseline figure did.")
    run.note("The process's cyclic garbage collector is set as the server's process sets it (server.app.settle_collector: "
             "what exists is frozen, thresholds (20000, 20, 50)) after the warm-up, for both libraries alike.")
    run.note("Ours runs on an asyncio event loop (uvloop) through the server's own store, opened as the server opens it "
             "(server.store.sql.open_store); eventsourcing runs synchronously (sqlite3; psycopg 3 with its pool).")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    print(f"store: sqlite3 {sqlite3.sqlite_version}; repeats {args.repeats}")
    for engine in engines:
        if engine == "sqlite":
            with engine_guard(run, engine), sqlite_database() as (url, path):
                asyncio.run(_engine_run("sqlite", url, str(path), args, run))
        elif engine == "postgres":
            problem = pg_available()
            if problem:
                run.note(f"postgres skipped: {problem}")
                print(f"  postgres skipped: {problem}")
                continue
            with engine_guard(run, engine), pg_database() as url:
                asyncio.run(_engine_run("postgres", url, url, args, run))
    print(f"wrote {run.save()}")
