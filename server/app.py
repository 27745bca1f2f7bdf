"""`create_app(settings)`: the FastAPI application, its start-up and shut-down."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import AsyncIterator

from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .api.commands import COMMANDS_ROUTE as _COMMANDS_ROUTE
from .api.commands import serve as _serve_command
from .api.ws import LIVE_PATH as _LIVE_PATH
from .api.ws import live as _live
from .clock import Clock, SystemClock
from .db import make_engine
from .live.hub import Hub
from .live.leader import FileLeadership, Leadership, PostgresLeadership
from .live.notifier import MemoryNotifier, Notifier, PostgresNotifier
from .migrate import current_revision, head_revision, upgrade_async
from .scenarios import ScenarioLibrary
from .scheduler import Scheduler
from .service import ExerciseService
from .settings import Settings, plain_postgres_dsn
from .store.sql import open_store
from .work.jobs import WorkerConfig
from .work.pool import PoolFull, WorkPool

log = logging.getLogger("ttx")
GC_THRESHOLDS = (20_000, 20, 50)  # Python's defaults are (700, 10, 10)


def settle_collector() -> None:
    """How the server's process runs Python's cyclic garbage collector, set once it has started:
    everything made so far lives as long as the process, so the collector stops walking it again
    and again (`gc.freeze`), and it collects less often (measured: fewer long pauses under load; a
    100,000-event read makes some 1.2 million objects). The benchmarks that time the server's code
    in their own process call it too, so that they measure it as it runs."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class App(FastAPI):
    """The FastAPI application, with its two hot paths answered before the middleware stack by
    their one handler each: `POST /api/exercises/{id}/commands` (`server.api.commands.serve`) and
    the live WebSocket `/ws/exercises/{id}` (`server.api.ws.live`); why, in those modules. Both
    stay in the router too (the same functions), which documents them and answers other methods."""

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        kind = scope["type"]
        if kind == "http" and scope["method"] == "POST":
            match = _COMMANDS_ROUTE.fullmatch(scope["path"])
            if match is not None:
                scope["app"] = self
                await _serve_command(match[1], scope, receive, send)
                return
        elif kind == "websocket":
            path, root = scope["path"], scope.get("root_path", "")
            match = _LIVE_PATH.match(path[len(root):] if root and path.startswith(root) else path)
            if match is not None:
                scope["app"] = self
                await _live(WebSocket(scope, receive, send), match.group(1))
                return
        await super().__call__(scope, receive, send)


async def _snapshot_in_worker(work: WorkPool, exercise_id: str, version: int) -> None:
    try:
        await work.run("snapshot", exercise_id, version)
    except PoolFull:  # a snapshot is a cache: the next one comes a little later
        log.info("the worker pool is busy: no snapshot of %s at %s", exercise_id, version)


class SchemaNotCurrent(RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1]) if ":///" in url else Path("ttx.db")


def make_notifier(settings: Settings) -> Notifier:
    if settings.is_sqlite:
        return MemoryNotifier()
    return PostgresNotifier(plain_postgres_dsn(settings.database_url))


def make_leadership(settings: Settings) -> Leadership:
    if settings.is_sqlite:
        path = _sqlite_path(settings.database_url)
        return FileLeadership(path.with_name(path.name + ".scheduler.lock"))
    return PostgresLeadership(plain_postgres_dsn(settings.database_url))


async def prepare_database(settings: Settings) -> None:
    if settings.migrate_on_start:
        await upgrade_async(settings.database_url)
        return
    engine = make_engine(settings)
    try:
        current = await current_revision(engine)
    finally:
        await engine.dispose()
    head = head_revision(settings.database_url)
    if current != head:
        raise SchemaNotCurrent(f"the database schema is at {current or 'nothing'}, the code needs {head}: run `ttx db upgrade`")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The application. `clock` is the one source of wall time for the service (and so for every
    event's time), the scheduler and the live sessions: the system clock unless a test brings a
    `ManualClock` to move time on by hand."""
    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_database(settings)
        store = open_store(settings.database_url)
        from .review.importing import stale_before

        await store.discard_stale_imports(stale_before())
        work = WorkPool(config=WorkerConfig(settings.database_url, settings.snapshot_interval, settings.worker_nice),
                        workers=settings.workers, queue=settings.work_queue, kind=settings.worker_kind,
                        imports=settings.imports)
        app.state.work = work
        notifier = make_notifier(settings)
        hub = Hub(store=store, notifier=notifier, settings=settings, now=clock.now)
        service = ExerciseService(store=store, publish=notifier.publish, snapshot_interval=settings.snapshot_interval,
                                  snapshot_growth=settings.snapshot_growth,
                                  background_snapshots=True,
                                  snapshots_by=partial(_snapshot_in_worker, work),
                                  now=clock.now,
                                  limits=settings.exercise_limits,
                                  speeds=(settings.clock_speed_min, settings.clock_speed_max))
        app.state.store, app.state.notifier, app.state.hub, app.state.service = store, notifier, hub, service
        await notifier.start()
        await hub.start()
        tasks = []
        scheduler = None
        if settings.scheduler:
            scheduler = Scheduler(service, make_leadership(settings), interval=settings.scheduler_interval, clock=clock)
            tasks.append(asyncio.create_task(scheduler.run(), name="ttx-scheduler"))
        app.state.scheduler = scheduler
        settle_collector()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if scheduler is not None:
                await scheduler.stop()
            await hub.stop()
            await notifier.stop()
            await work.close()
            await service.settle()
            await store.close()

    app = App(
        title="ttx: tabletop exercises",
        version="0.1.0",
        summary="An event-sourced tabletop exercise service: every move recorded, replayed and reviewed.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.library = ScenarioLibrary(settings.exercises_dir)
    from .api.fair_use import FairUse

    app.state.fair_use = FairUse(settings)  # a test may put one on its own clock in its place

    from . import api
    from .api import commands, errors, exercises, lab, queries, ws
    from .api.failsafe import Failsafe
    from .api.limits import BodyLimit

    errors.install(app)
    app.include_router(exercises.router)
    app.include_router(queries.router)
    app.include_router(ws.router)
    app.include_router(lab.router)
    commands.install(app)  # first of the routes (see server/api/commands.py)
    try:
        from .api import review

        app.include_router(review.router)
    except ImportError:  # pragma: no cover - the review API arrives with its module
        pass
    del api

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        scheduler = getattr(app.state, "scheduler", None)
        return JSONResponse({"ok": True, "pid": os.getpid(), "scheduler_leader": bool(scheduler and scheduler.is_leader),
                             "connections": app.state.hub.connection_count() if hasattr(app.state, "hub") else 0})

    client = settings.client_dir
    if client.is_dir():
        app.mount("/static", StaticFiles(directory=client), name="static")

        @app.get("/", include_in_schema=False)
        async def start_page() -> FileResponse:
            return FileResponse(client / "index.html", headers=_page_headers())

        @app.get("/exercises/{exercise_id}", include_in_schema=False)
        async def exercise_page(exercise_id: str) -> FileResponse:
            return FileResponse(client / "exercise.html", headers=_page_headers())

        @app.get("/exercises/{exercise_id}/screen", include_in_schema=False)
        async def screen_page(exercise_id: str) -> FileResponse:
            # the room's projector: read-only, opened with the observer's link (client/js/screen.js)
            return FileResponse(client / "screen.html", headers=_page_headers())

    app.add_middleware(BodyLimit, default=settings.max_body_bytes,
                       overrides={"/api/exercises/import": settings.max_import_bytes,
                                  # the requests that may carry a scenario's definition
                                  "/api/exercises": settings.max_definition_bytes, "/api/lab": settings.max_definition_bytes})
    app.add_middleware(Failsafe)  # outermost of ours: an unexpected error is a 500, and the connection lives
    return app


def _page_headers() -> dict[str, str]:
    # everything the client needs is served from here: no CDN, no inline script
    return {"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                                       "script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}
