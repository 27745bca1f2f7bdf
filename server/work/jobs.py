"""The jobs the worker pool runs: report, compare, fork, QR code, snapshot. Each runs in a worker (a process,
or a thread of the server) with its own event loop and its own connection to the database: it
reads the events itself by exercise id, so nothing large crosses from the server to the worker,
and it answers with bytes ready to send (or a short result), so nothing large is decoded on the
server's event loop either. Authentication and authorization stay in the routers, before a job is
asked for.

A refusal (no such exercise, a bad fork) comes back as a `Refusal` value rather than an exception,
so it crosses a process boundary intact.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Coroutine

from ..domain.errors import Refused
from ..service import ExerciseService, IssuedSeat, UnknownExercise
from ..store.base import StoreUnavailable


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    details: Any = None


@dataclass(frozen=True)
class Forked:
    exercise_id: str
    scenario_id: str
    title: str
    issued: list[IssuedSeat]
    origin: dict[str, Any]


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    snapshot_interval: int
    nice: int = 0
    pool: str = ""  # which pool's threads (several apps may share a process: tests)


class _Context:
    """A worker's own event loop, store and service, opened on its first job."""

    def __init__(self, config: WorkerConfig) -> None:
        from ..store.sql import open_store

        self.config = config
        self.loop = asyncio.new_event_loop()
        self.store = open_store(config.database_url, max_connections=2)
        self.service = ExerciseService(store=self.store, snapshot_interval=config.snapshot_interval)

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        try:
            self.run(self.store.close())
        finally:
            self.loop.close()


_config: WorkerConfig | None = None
_local = threading.local()
_contexts: list[_Context] = []
_contexts_lock = threading.Lock()


def init_process(config: WorkerConfig) -> None:
    """The initializer of a worker process: lower its CPU priority, so that the server's event loop
    (and the database) come first on a busy machine; remember the database."""
    global _config
    _config = config
    if config.nice:
        try:
            os.nice(config.nice)
        except OSError:  # pragma: no cover - not allowed here: run at the same priority
            pass
    from multiprocessing import util

    util.Finalize(None, close_contexts, exitpriority=10)


def init_thread(config: WorkerConfig) -> None:
    """The initializer of a worker thread (TTX_WORKER_KIND=thread): its pool's database."""
    _local.config = config


def _context() -> _Context:
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        config = getattr(_local, "config", None) or _config
        assert config is not None, "the worker pool was not configured"
        ctx = _local.ctx = _Context(config)
        with _contexts_lock:
            _contexts.append(ctx)
    return ctx


def close_contexts(pool: str | None = None) -> None:
    """Close the workers' stores (those of one pool's threads, or all of this process's)."""
    with _contexts_lock:
        contexts = [c for c in _contexts if pool is None or c.config.pool == pool]
        _contexts[:] = [c for c in _contexts if c not in contexts]
    for ctx in contexts:
        try:
            ctx.close()
        except Exception:  # pragma: no cover - closing on the way out
            pass


def run_job(name: str, *args: Any) -> Any:
    """What the pool submits: the job `name` with `args`, in this worker's context."""
    job = JOBS[name]
    if name in PLAIN:
        return job(*args)
    ctx = _context()
    try:
        return ctx.run(job(ctx.service, *args))
    except UnknownExercise as exc:
        return Refusal(404, "unknown_exercise", str(exc))
    except Refused as exc:
        return Refusal(exc.status, exc.code, exc.message)
    except StoreUnavailable:
        return Refusal(503, "unavailable", "The database cannot be reached just now. Retry.")


def _json_bytes(value: Any) -> bytes:
    # as JSONResponse writes it, so a report reads the same from a worker as it did inline
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


async def report(service: ExerciseService, exercise_id: str, seat: str, fmt: str, lang: str = "en") -> bytes:
    from ..review.operations import report_for
    from ..review.render_text import render

    built = await report_for(service, exercise_id, seat, lang)
    return _json_bytes(built) if fmt == "json" else render(built, fmt, lang).encode("utf-8")


async def compare(service: ExerciseService, a_id: str, a_seat: str, b_id: str, b_seat: str,
                  tolerance: float = 60.0) -> bytes | Refusal:
    from ..review.operations import ReviewRefused, compare_runs

    try:
        return _json_bytes(await compare_runs(service, a_id, a_seat, b_id, b_seat, tolerance))
    except ReviewRefused as exc:
        return Refusal(exc.status, exc.code, exc.message, exc.details)


async def fork(service: ExerciseService, exercise_id: str, at: int, rules: Any, replay: bool) -> Forked | Refusal:
    from ..review.operations import ReviewRefused, fork_exercise

    try:
        created = await fork_exercise(service, exercise_id, at=at, rules=rules, replay=replay)
    except ReviewRefused as exc:
        return Refusal(exc.status, exc.code, exc.message, exc.details)
    return Forked(created.exercise_id, created.scenario.id, created.scenario.title, created.issued, created.origin)


def qr(text: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=4, border=2, xmldecl=False, svgns=True,
                                     title="Join link", dark="#000", light="#fff")
    return buf.getvalue()


def ready() -> int:
    """A no-op that a new worker answers once it has imported everything (warm-up, tests)."""
    return os.getpid()


# --- imports: a process of their own for each, fed the upload through a pipe ----------------------

@dataclass(frozen=True)
class Imported:
    exercise_id: str
    scenario_id: str
    title: str
    issued: list[IssuedSeat]
    origin: dict[str, Any]


class UploadCut(Exception):
    """The server closed the pipe before the end of the log: the client went away."""


def import_process(conn: Any, config: WorkerConfig, limits: Any, snapshot_every: int,
                   check_factory: Callable[[], Any] | None = None) -> None:
    """The body of an import process: read the log from `conn` (pieces of bytes, then b""), check
    and store it (review/importing.py, the same code as in-process), answer on `conn` with
    ("imported", Imported) or ("refused", status, code, message, details), and exit. On a refusal it
    stops reading at once and closes its end, which the server sees as soon as it next writes."""
    if config.nice:
        try:
            os.nice(config.nice)
        except OSError:  # pragma: no cover
            pass
    try:
        answer = asyncio.run(_import(conn, config, limits, snapshot_every, check_factory))
    except UploadCut:
        answer = None
    except Exception as exc:  # noqa: BLE001 - reported to the server, which answers 500 and logs it
        answer = ("failed", f"{exc.__class__.__name__}: {exc}")
    try:
        if answer is not None:
            conn.send(answer)
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    finally:
        conn.close()


async def _import(conn: Any, config: WorkerConfig, limits: Any, snapshot_every: int,
                  check_factory: Callable[[], Any] | None) -> tuple[Any, ...]:
    from ..review.importing import import_stream
    from ..review.operations import ReviewRefused
    from ..store.sql import open_store

    loop = asyncio.get_running_loop()

    def receive() -> bytes:
        try:
            return conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise UploadCut() from exc

    async def pieces():
        while piece := await loop.run_in_executor(None, receive):
            yield piece

    async def inline(fn: Callable[..., Any], *args: Any) -> Any:  # this process has nothing else to do
        return fn(*args)

    store = open_store(config.database_url, max_connections=2)
    try:
        service = ExerciseService(store=store, snapshot_interval=config.snapshot_interval)
        try:
            created = await import_stream(service, pieces(), limits=limits, offload=inline, snapshot_every=snapshot_every,
                                          check=check_factory() if check_factory is not None else None)
        except ReviewRefused as exc:
            return ("refused", exc.status, exc.code, exc.message, exc.details)
        except StoreUnavailable:
            return ("refused", 503, "unavailable", "The database cannot be reached just now; nothing was imported. Retry.",
                    None)
        return ("imported", Imported(created.exercise_id, created.scenario.id, created.scenario.title, created.issued,
                                     created.origin))
    finally:
        await store.close()


def lab_runs(definition: Any, rule_sets: Any, seed: int, ranges: Any) -> list[Any]:
    """Runs of the procedure lab (server/lab/): for each (rule set index, start, stop), the summaries
    of runs start..stop - 1 of that rule set."""
    from ..lab.lab import run_chunk

    return [run_chunk(definition, rule_sets[i], i, seed, a, b) for i, a, b in ranges]


def lab_compare(definition: Any, rule_sets: Any, per_set: Any, runs: int, seed: int, fmt: str) -> bytes:
    """The lab's runs compared and rendered (json, html or csv)."""
    from ..lab.lab import compare
    from ..lab.render import render
    from ..lab.simulate import RuleSet
    from ..domain.scenario import RuleBinding
    from ..scenarios import validate_definition

    scenario = validate_definition(definition, source="lab")
    sets = [RuleSet(r["name"], None if r["rules"] is None else tuple(RuleBinding.model_validate(b) for b in r["rules"]))
            for r in rule_sets]
    return render(compare(scenario, sets, per_set, runs=runs, seed=seed), fmt).encode("utf-8")


async def snapshot(service: ExerciseService, exercise_id: str, version: int) -> int:
    """Take the exercise's snapshot at `version` here, off the server's event loop (its state is
    folded again from the store: nothing large crosses from the server)."""
    await service.take_snapshot(exercise_id, version)
    return version


JOBS: dict[str, Callable[..., Any]] = {"report": report, "compare": compare, "fork": fork, "qr": qr, "ready": ready,
                                       "lab_runs": lab_runs, "lab_compare": lab_compare, "snapshot": snapshot}
PLAIN = frozenset({"qr", "ready", "lab_runs", "lab_compare"})  # plain functions, no database
