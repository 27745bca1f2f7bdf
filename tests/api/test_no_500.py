"""Regressions found while fuzzing the HTTP edge: inputs that reached the database or the token hash
as they were, and came back as a 500 (on PostgreSQL) or a crashed WebSocket handler. Run on both
databases."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio

from server.harness import ThreadServer
from tests.conftest import create_exercise, make_settings
from tests.live.support import raw_session


@pytest.fixture
def settings(db_url):
    return make_settings(db_url)


@pytest_asyncio.fixture
async def exercise(client):
    return await create_exercise(client)


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/exercises/%00/state"),
    ("GET", "/api/exercises/ex%00/events"),
    ("POST", "/api/exercises/%00/commands"),
    ("POST", "/api/exercises/" + "a" * 65 + "/commands"),
])
async def test_an_exercise_id_that_cannot_exist_is_unknown(client, exercise, method, path):
    r = await client.request(method, path, json={"type": "start_exercise"}, headers=exercise.headers("facilitator"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_exercise")


async def test_compare_with_a_nul_in_an_exercise_id_is_unknown(client, exercise):
    body = {"a": {"exercise_id": "ex\x00", "token": "t"}, "b": {"exercise_id": exercise.id, "token": exercise.tokens["observer"]}}
    r = await client.post("/api/compare", json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_exercise")


@pytest.fixture
def server(settings):
    with ThreadServer(settings) as s:
        yield s


@pytest.mark.parametrize("token,path_id", [("\ud800", None), ("ok", "ex\x00")])
async def test_a_hello_with_a_lone_surrogate_token_or_a_nul_id_is_refused_not_crashed(server, token, path_id):
    import httpx

    created = httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=20).json()
    hello = json.dumps({"type": "hello", "token": token, "after": 0})  # json.dumps writes the surrogate as \ud800
    received, code = await raw_session(server.ws_url, path_id.replace("\x00", "%00") if path_id else created["id"], hello)
    assert (code, received[-1]["code"]) == ((4401, "bad_token") if path_id is None else (4404, "unknown_exercise"))
