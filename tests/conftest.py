"""Shared fixtures: settings on a temporary SQLite file or a fresh PostgreSQL database, an app with
its lifespan running, an HTTP client, a live uvicorn server, and helpers to create exercises."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from server.settings import PROJECT_ROOT, Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("TTX_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
SCENARIO = "csto-border-crisis"
ROOT_DIR = PROJECT_ROOT


# --- PostgreSQL ------------------------------------------------------------------------------

def run_blocking(fn, *args):
    """Run blocking set-up (asyncio.run inside, as Alembic does) in its own thread, so it also works
    from fixtures that pytest-asyncio runs inside an event loop."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            result["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _pg_reachable() -> str | None:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await conn.close()

    try:
        run_blocking(asyncio.run, probe())
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{exc.__class__.__name__}: {exc}"


def require_postgres() -> None:
    problem = _pg_reachable()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and not reachable at {PG_ADMIN_URL}: {problem}")
    pytest.skip(f"PostgreSQL not reachable ({problem}); required in CI")


def create_pg_database() -> str:
    """A fresh, migrated database; returns its plain URL."""
    import asyncpg

    from server.migrate import upgrade

    name = f"ttx_test_{os.getpid()}_{secrets.token_hex(4)}"

    async def make() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    run_blocking(asyncio.run, make())
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    run_blocking(upgrade, url)
    return url


def drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    run_blocking(asyncio.run, drop())


@pytest.fixture
def pg_url() -> Iterator[str]:
    require_postgres()
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from server.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'ttx.db'}"
    run_blocking(upgrade, url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Both engines: every test using it is a contract test run against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
    else:
        yield request.getfixturevalue("pg_url")


# --- the app -------------------------------------------------------------------------------

def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"DATABASE_URL": database_url, "TTX_SCHEDULER": False, "TTX_AUTO_MIGRATE": True}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    from server.app import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class Exercise:
    """An exercise created through the API, with a client per seat."""

    def __init__(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        self.client = client
        self.id: str = body["id"]
        self.body = body
        self.tokens: dict[str, str] = {s["seat"]: s["token"] for s in body["seats"]}

    def headers(self, seat: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[seat]}", **extra}

    async def command(self, seat: str, command: dict[str, Any], *, key: str | None = None, expect: int = 200) -> dict[str, Any]:
        headers = self.headers(seat)
        if key is not None:
            headers["Idempotency-Key"] = key
        r = await self.client.post(f"/api/exercises/{self.id}/commands", json=command, headers=headers)
        assert r.status_code == expect, f"{seat} {command}: {r.status_code} {r.text}"
        return r.json()

    async def events(self, seat: str = "facilitator", after: int = 0, limit: int = 5000) -> list[dict[str, Any]]:
        r = await self.client.get(f"/api/exercises/{self.id}/events", params={"after": after, "limit": limit},
                                  headers=self.headers(seat))
        assert r.status_code == 200, r.text
        return r.json()["events"]

    async def state(self, seat: str = "facilitator", **params: Any) -> dict[str, Any]:
        r = await self.client.get(f"/api/exercises/{self.id}/state", params=params, headers=self.headers(seat))
        assert r.status_code == 200, r.text
        return r.json()


async def create_exercise(client: httpx.AsyncClient, scenario: str = SCENARIO, **body: Any) -> Exercise:
    payload = {"scenario": scenario} if not body else body
    r = await client.post("/api/exercises", json=payload)
    assert r.status_code == 201, r.text
    return Exercise(client, r.json())


@pytest_asyncio.fixture
async def exercise(client: httpx.AsyncClient) -> Exercise:
    return await create_exercise(client)


# --- a real server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a background thread, on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from server.app import create_app

        self.port = free_port()
        self.app = create_app(settings)
        self.config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                     ws_max_size=16 * 1024 * 1024, ws_per_message_deflate=settings.ws_compression)
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(settings) as server:
        yield server


def project_path(*parts: str) -> Path:
    return PROJECT_ROOT.joinpath(*parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for as long as its browser lives, which would get in the way of tests that start their own."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("browser/"))
