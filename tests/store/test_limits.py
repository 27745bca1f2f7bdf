"""Column limits checked before a write, the same on SQLite and PostgreSQL (`db_url`): issue 13,
case 4. A value its column cannot hold is refused naming the field and the seq, nothing is written,
and the store (and over HTTP, the keep-alive connection) goes on serving."""

from __future__ import annotations

import json
from typing import Any, Callable

import httpx
import pytest
import pytest_asyncio

from server.domain.commands import parse_command
from server.domain.decide import decide
from server.domain.events import FACILITATOR
from server.service import ExerciseService
from server.store.chain import GENESIS, event_hash
from server.store.limits import RecordRefused
from server.store.sql import open_store
from server.harness import ThreadServer
from tests.conftest import make_settings
from tests.domain.support import border_crisis


@pytest_asyncio.fixture
async def store(db_url):
    s = open_store(db_url)
    yield s
    await s.close()


def bad(field: str, value: Any) -> Callable:
    return lambda ev: ev._replace(**{field: value})


CASES = {
    "type over 64 characters": ("type", bad("type", "observation_added" + "x" * 60)),
    "actor over 32 characters": ("actor", bad("actor", "A" * 33)),
    "id over 36 characters": ("id", bad("id", "0" * 37)),
    "version 2^40": ("version", bad("version", 2**40)),
    "a NUL in actor": ("actor", bad("actor", "AR\x00M")),
    "exercise_time as text": ("exercise_time", bad("exercise_time", "soon")),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_an_event_its_columns_cannot_hold_is_refused_naming_field_and_seq(store, case):
    field, spoil = CASES[case]
    service = ExerciseService(store=store)
    ex, _ = await service.create(border_crisis())
    state = await service.state(ex)
    head = (await store.exercise(ex)).head_hash
    [event] = decide(state, parse_command({"type": "add_observation", "text": "a"}), seat=FACILITATOR, now=service.now())
    with pytest.raises(RecordRefused) as refused:
        await store.append(ex, [spoil(event)], expected_version=state.version, prev_hash=head, status=state.status,
                           next_due_wall=None)
    assert (refused.value.field, refused.value.seq) == (field, 2)
    assert f"seq 2: events.{field}" in refused.value.message
    assert [e.seq for e in await store.read(ex)] == [1]
    stored = await store.append(ex, [event], expected_version=state.version, prev_hash=head, status=state.status,
                                next_due_wall=None)
    assert [e.seq for e in stored] == [2]  # the store goes on


async def test_a_duplicate_seat_is_refused_before_the_unique_constraint(store):
    service = ExerciseService(store=store)
    scenario = border_crisis()
    twice = scenario.model_copy(update={"seats": [*scenario.seats, scenario.seats[0]]})
    with pytest.raises(RecordRefused, match="declared twice") as refused:
        await service.create(twice)
    assert (refused.value.code, refused.value.field) == ("duplicate_seat", "seat")


# --- over HTTP: imports of logs that verify but cannot be stored -----------------------------------------

def rechained(lines: list[dict[str, Any]]) -> bytes:
    """The export with every hash recomputed after an edit, so the chain verifies."""
    header, events = lines[0], lines[1:]
    prev = GENESIS
    for env in events:
        env["hash"] = event_hash(prev, env)
        prev = env["hash"]
    header["head_hash"] = prev
    return b"".join(json.dumps(x).encode() + b"\n" for x in [header, *events])


def with_last(field: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def edit(lines: list[dict[str, Any]]) -> None:
        lines[-1][field] = value
    return edit


def duplicate_seat(lines: list[dict[str, Any]]) -> None:
    scenario = lines[1]["data"]["scenario"]
    scenario["seats"].append(scenario["seats"][0])
    lines[1]["data"].pop("scenario_hash", None)


IMPORTS = {
    "type over 64 characters": (with_last("type", "observation_added" + "x" * 60), "invalid_event", "type"),
    "actor over 32 characters": (with_last("actor", "facilitator" + "x" * 40), "invalid_event", "actor"),
    "id over 36 characters": (with_last("id", "f" * 37), "invalid_event", "id"),
    "version 2^40": (with_last("version", 2**40), "invalid_event", "version"),
    "a duplicate seat id in the definition": (duplicate_seat, "invalid_scenario", "seats"),
}


@pytest.fixture
def server(db_url):
    with ThreadServer(make_settings(db_url)) as s:
        yield s


@pytest.mark.parametrize("case", list(IMPORTS))
def test_an_import_that_cannot_be_stored_is_a_422_and_the_connection_stays(server, case):
    edit, code, field = IMPORTS[case]
    with httpx.Client(base_url=server.url, timeout=20) as http:
        created = http.post("/api/exercises", json={"scenario": "csto-border-crisis"}).json()
        token = next(s["token"] for s in created["seats"] if s["seat"] == "facilitator")
        http.post(f"/api/exercises/{created['id']}/commands", json={"type": "add_observation", "text": "a note"},
                  headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        lines = [json.loads(x) for x in http.get(f"/api/exercises/{created['id']}/export",
                                                  headers={"Authorization": f"Bearer {token}"}).content.splitlines()]
        edit(lines)
        r = http.post("/api/exercises/import", content=rechained(lines), headers={"Content-Type": "application/x-ndjson"})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        if code == "invalid_scenario":  # the scenario's own checks, one issue per fault
            assert error["code"] == code and any(i["field"].startswith(field) and "duplicate" in i["message"]
                                                 for i in error["details"]), error
        else:  # the import checks each line's envelope against the columns before anything is written
            assert (error["code"], error["details"]["field"]) == (code, field)
            assert error["details"]["seq"] == len(lines) - 1 and f"seq {len(lines) - 1}" in error["message"]
        port = r.extensions["network_stream"].get_extra_info("client_addr")[1]
        again = http.get("/healthz")
        assert again.extensions["network_stream"].get_extra_info("client_addr")[1] == port, "the connection was dropped"
