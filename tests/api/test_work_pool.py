"""Heavy work (report, compare, fork, QR) runs in a bounded pool of worker processes: off the event
loop, never an unbounded backlog (503 with Retry-After when full)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from typing import Any, AsyncIterator

import httpx
import psutil
import pytest
import pytest_asyncio

from server.work import jobs
from server.work.jobs import WorkerConfig
from server.work.pool import PoolFull, WorkPool
from tests.conftest import create_exercise, make_settings


@pytest_asyncio.fixture
async def one_worker(sqlite_url) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    from server.app import create_app

    app = create_app(make_settings(sqlite_url, TTX_WORKERS=1, TTX_WORK_QUEUE=0))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            yield app, c


def requests(ex) -> dict[str, Any]:
    fac = ex.headers("facilitator")
    return {
        "report": lambda c: c.get(f"/api/exercises/{ex.id}/report", headers=fac),
        "compare": lambda c: c.post("/api/compare", json={"a": {"exercise_id": ex.id, "token": ex.tokens["facilitator"]},
                                                          "b": {"exercise_id": ex.id, "token": ex.tokens["observer"]}}),
        "fork": lambda c: c.post(f"/api/exercises/{ex.id}/fork", json={"at": 1}, headers=fac),
        "qr": lambda c: c.post("/api/qr", json={"text": "https://ttx.example/exercises/x#token"}),
    }


@pytest.mark.parametrize("what", ["report", "compare", "fork", "qr"])
async def test_when_every_worker_is_busy_and_the_queue_full_heavy_requests_get_503_with_retry_after(one_worker, what):
    app, client = one_worker
    ex = await create_exercise(client)
    app.state.work.jobs.take("held by the test")  # the one worker's one place, taken
    try:
        r = await requests(ex)[what](client)
    finally:
        app.state.work.jobs.release()
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "overloaded" and int(r.headers["Retry-After"]) >= 1
    assert (await requests(ex)[what](client)).status_code in (200, 201)  # and once it is free, it is done


async def test_reports_are_computed_in_another_process(one_worker):
    app, client = one_worker
    pids = await app.state.work.warm_up()
    assert pids and os.getpid() not in pids


async def test_the_workers_stop_with_the_server(sqlite_url):
    from server.app import create_app

    app = create_app(make_settings(sqlite_url, TTX_WORKERS=2))
    async with app.router.lifespan_context(app):
        pids = await app.state.work.warm_up()
        assert all(psutil.pid_exists(p) for p in pids)
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


async def test_the_pool_admits_workers_plus_queue_jobs_and_refuses_the_next(sqlite_url, monkeypatch):
    """Threads here, to hold jobs open from the test; the admission is the same for processes."""
    gate = threading.Event()
    monkeypatch.setitem(jobs.JOBS, "wait", gate.wait)
    monkeypatch.setattr(jobs, "PLAIN", jobs.PLAIN | {"wait"})
    pool = WorkPool(config=WorkerConfig(sqlite_url, 500), workers=1, queue=2, kind="thread")
    try:
        held = [asyncio.ensure_future(pool.run("wait", 30)) for _ in range(3)]  # one running, two waiting
        await asyncio.sleep(0)
        with pytest.raises(PoolFull):
            await pool.run("qr", "x")
        gate.set()
        assert await asyncio.gather(*held) == [True, True, True]
        assert (await pool.run("qr", "x")).startswith(b"<svg")
    finally:
        gate.set()
        await pool.close()


async def test_a_server_takes_its_snapshots_in_a_worker_process(sqlite_url, monkeypatch):
    """A snapshot of a long exercise is tens of milliseconds of encoding: the server leaves it to a
    worker (which folds the state again from the store), so its event loop never does it. Here
    this process cannot encode a snapshot at all, and the snapshots are there all the same, and
    each is the state at its seq."""
    from server import service as service_module
    from server.app import create_app
    from server.domain.codec import state_from_json

    app = create_app(make_settings(sqlite_url, TTX_SNAPSHOT_INTERVAL=10, TTX_SNAPSHOT_GROWTH=0))

    def not_here(*_: Any) -> str:
        raise AssertionError("a snapshot was encoded in the server's process")

    monkeypatch.setattr(service_module, "snapshot_json", not_here)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            ex = await create_exercise(client)
            for i in range(24):
                await ex.command("facilitator", {"type": "add_observation", "text": f"note {i}"})
            service, store = app.state.service, app.state.store
            await service.settle()
            stored = [await store.load_snapshot(ex.id, upto=v) for v in (10, 20)]
            assert [s[0] for s in stored] == [10, 20]
            for seq, _fmt, data in stored:
                snap = state_from_json(json.loads(data), await service.scenario(ex.id))
                assert snap == await service.state(ex.id, at=seq)
