"""Every bad request gets its own clear error, nothing is appended, and the server keeps serving."""

from __future__ import annotations

import pytest

from tests.conftest import create_exercise


async def head(ex) -> int:
    return len(await ex.events())


def error_of(r) -> tuple[int, str]:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return r.status_code, body["error"]["code"]


async def test_unknown_exercise(client, exercise):
    r = await client.post("/api/exercises/ex_nope/commands", json={"type": "start_exercise"}, headers=exercise.headers("facilitator"))
    assert error_of(r) == (404, "unknown_exercise")
    r = await client.get("/api/exercises/ex_nope/events", headers=exercise.headers("facilitator"))
    assert error_of(r) == (404, "unknown_exercise")


@pytest.mark.parametrize("body,code", [
    (b"{not json", "malformed_json"),
    (b"[1, 2]", "invalid_request"),
    (b'{"no_type": 1}', "unknown_command"),
    (b'{"type": "launch_missiles"}', "unknown_command"),
    (b'{"type": "cast_vote", "decision_id": "dec_1"}', "invalid_command"),
    (b'{"type": "cast_vote", "decision_id": "dec_1", "vote": "maybe"}', "invalid_command"),
    (b'{"type": "start_exercise", "extra": true}', "invalid_command"),
    (b'{"type": "add_observation", "text": ""}', "invalid_command"),
])
async def test_malformed_commands(client, exercise, body, code):
    before = await head(exercise)
    r = await client.post(f"/api/exercises/{exercise.id}/commands", content=body,
                          headers=exercise.headers("facilitator", **{"Content-Type": "application/json"}))
    assert error_of(r) == (422, code)
    assert await head(exercise) == before


async def test_validation_errors_name_the_field(client, exercise):
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "cast_vote", "decision_id": "dec_1", "vote": "maybe"},
                          headers=exercise.headers("TJK"))
    assert "vote" in r.json()["error"]["message"]


@pytest.mark.parametrize("headers,code", [
    ({}, "missing_token"),
    ({"Authorization": "Bearer not-a-token"}, "bad_token"),
    ({"Authorization": "Basic abc"}, "missing_token"),
])
async def test_missing_or_wrong_token(client, exercise, headers, code):
    before = await head(exercise)
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "start_exercise"}, headers=headers)
    assert error_of(r) == (401, code)
    assert r.headers["www-authenticate"] == "Bearer"
    assert await head(exercise) == before
    r = await client.get(f"/api/exercises/{exercise.id}/state", headers=headers)
    assert error_of(r) == (401, code)


async def test_a_token_of_another_exercise(client, exercise):
    other = await create_exercise(client)
    before = await head(exercise)
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "start_exercise"},
                          headers=other.headers("facilitator"))
    assert error_of(r) == (403, "wrong_exercise")
    for path in ("events", "state", "export"):
        r = await client.get(f"/api/exercises/{exercise.id}/{path}", headers=other.headers("facilitator"))
        assert error_of(r) == (403, "wrong_exercise")
    assert await head(exercise) == before


async def test_a_body_over_64_kib(client, exercise):
    before = await head(exercise)
    big = {"type": "add_observation", "text": "x" * (65 * 1024)}
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json=big, headers=exercise.headers("facilitator"))
    assert error_of(r) == (413, "body_too_large")
    # also when the client does not announce the length (chunked)
    async def chunks():
        for _ in range(70):
            yield b"x" * 1024
    r = await client.post(f"/api/exercises/{exercise.id}/commands", content=chunks(), headers=exercise.headers("facilitator"))
    assert error_of(r) == (413, "body_too_large")
    assert await head(exercise) == before


async def test_a_refusal_is_403_or_409_with_a_readable_message(client, exercise):
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "start_exercise"}, headers=exercise.headers("TJK"))
    assert error_of(r) == (403, "facilitator_only")
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "report_threat", "kind": "threat", "summary": "x"},
                          headers=exercise.headers("TJK"))
    assert error_of(r) == (409, "not_started")
    assert r.json()["error"]["message"] == "The exercise has not started yet."


async def test_the_server_keeps_serving_after_errors(client, exercise):
    for _ in range(3):
        await client.post(f"/api/exercises/{exercise.id}/commands", content=b"\xff\xfe", headers=exercise.headers("facilitator"))
    out = await exercise.command("facilitator", {"type": "start_exercise"})
    assert out["events"][0]["type"] == "exercise_started"


async def test_bad_query_parameters(client, exercise):
    r = await client.get(f"/api/exercises/{exercise.id}/events", params={"after": -1}, headers=exercise.headers("TJK"))
    assert error_of(r) == (422, "invalid_request")
    r = await client.get(f"/api/exercises/{exercise.id}/events", params={"limit": 10**6}, headers=exercise.headers("TJK"))
    assert error_of(r) == (422, "invalid_request")
    r = await client.get(f"/api/exercises/{exercise.id}/state", params={"at": 99}, headers=exercise.headers("facilitator"))
    assert error_of(r) == (409, "beyond_head")
    # a participant is not told where the head is: it gets its own view, as of its last visible event
    r = await client.get(f"/api/exercises/{exercise.id}/state", params={"at": 99}, headers=exercise.headers("TJK"))
    assert r.status_code == 200 and r.json()["exercise"]["version"] <= 2


async def test_bad_idempotency_key(client, exercise):
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "start_exercise"},
                          headers=exercise.headers("facilitator", **{"Idempotency-Key": "x" * 201}))
    assert error_of(r) == (422, "bad_idempotency_key")


async def test_creating_needs_a_known_scenario_or_a_valid_definition(client):
    r = await client.post("/api/exercises", json={"scenario": "nope"})
    assert error_of(r) == (422, "unknown_scenario")
    r = await client.post("/api/exercises", json={})
    assert error_of(r) == (422, "invalid_request")
    r = await client.post("/api/exercises", json={"definition": {"id": "x", "title": "x"}})
    status, code = error_of(r)
    assert (status, code) == (422, "invalid_scenario")
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert {"start", "seats"} <= fields
