"""Shared fixtures: settings on a temporary SQLite file or a fresh PostgreSQL database, an app with
its lifespan running, an HTTP client, a live uvicorn server (`server.harness`), and helpers to
create exercises."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from server.clock import Clock, SystemClock
from server.harness import ServerProcess, ThreadServer
from server.settings import PROJECT_ROOT, Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Property tests: in CI a fixed profile (the same examples every run, so a red CI is reproducible
# and never a matter of luck); at the desk, random examples (more chances to find something new).
from hypothesis import HealthCheck, settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("dev", suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("ci" if IN_CI else os.environ.get("TTX_HYPOTHESIS_PROFILE", "dev"))
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
    # Fair-use limits off: a test drives one server from one address far faster than a room does.
    # The tests of the limits turn them on (tests/api/test_fair_use.py).
    values: dict[str, Any] = {"DATABASE_URL": database_url, "TTX_SCHEDULER": False, "TTX_AUTO_MIGRATE": True,
                              "TTX_RATE_LIMITS": False}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
def clock() -> Clock:
    """The app's clock: the real one, unless a test module overrides this fixture with a
    `ManualClock` to move exercise time on by hand."""
    return SystemClock()


@pytest_asyncio.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[Any]:
    from server.app import create_app

    application = create_app(settings, clock=clock)
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

@pytest.fixture
def live_server(settings: Settings, clock: Clock) -> Iterator[ThreadServer]:
    with ThreadServer(settings, clock=clock) as server:
        yield server


FAST_POLLING = {"TTX_POLL_SECONDS": "1", "TTX_SCHEDULER_INTERVAL": "0.1"}  # catch-up and delivery within a second


def serve_process(database_url: str, log_dir: Path, name: str = "ttx", **env: str) -> ServerProcess:
    """A `ttx serve` process for a test, polling fast, its log in the test's folder."""
    return ServerProcess(database_url, log_path=log_dir / f"{name}.log", env={**FAST_POLLING, **env})


def project_path(*parts: str) -> Path:
    return PROJECT_ROOT.joinpath(*parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for as long as its browser lives, which would get in the way of tests that start their own."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("browser/"))
