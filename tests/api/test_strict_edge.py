"""Strict types at the HTTP edge (issue 13, case 8): a request body's integer is a JSON integer, its
flag a JSON boolean, its text a JSON string, and an unknown field an error; a query parameter's
integer is written in digits, within the range the store can ask for. Each gets a 422 naming it."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.conftest import create_exercise, make_settings


def refused(r, field: str, says: str) -> None:
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(f"{field}: ") and says in error["message"], error["message"]


@pytest.mark.parametrize("body,field,says", [
    ({"at": "3"}, "at", "valid integer"),
    ({"at": 3.0}, "at", "valid integer"),
    ({"at": True}, "at", "valid integer"),
    ({"at": 2**40}, "at", "less than or equal to 2147483647"),
    ({"at": 0}, "at", "greater than or equal to 1"),
    ({"at": 1, "replay": "yes"}, "replay", "valid boolean"),
    ({"at": 1, "replay": 1}, "replay", "valid boolean"),
    ({"at": 1, "rules": "consensus"}, "rules", "a list of rule bindings, one binding"),
    ({"at": 1, "rules": [7]}, "rules.0", "valid dictionary"),
    ({"at": 1, "rulez": []}, "rulez", "Extra inputs are not permitted"),
])
async def test_fork_takes_only_what_the_contract_says(client, exercise, body, field, says):
    r = await client.post(f"/api/exercises/{exercise.id}/fork", json=body, headers=exercise.headers("facilitator"))
    refused(r, field, says)


async def test_fork_with_integer_at_still_works(client, exercise):
    r = await client.post(f"/api/exercises/{exercise.id}/fork", json={"at": 1, "replay": False},
                          headers=exercise.headers("facilitator"))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("path,body,field,says", [
    ("/api/exercises", {"scenario": 7}, "scenario", "valid string"),
    ("/api/exercises", {"scenario": "csto-border-crisis", "title": "mine"}, "title", "Extra inputs are not permitted"),
    ("/api/qr", {"text": 12345}, "text", "valid string"),
    ("/api/qr", {"text": "x", "size": 9}, "size", "Extra inputs are not permitted"),
    ("/api/compare", {"a": {"exercise_id": "ex_1", "token": 5}, "b": {"exercise_id": "ex_2", "token": "t"}}, "a.token",
     "valid string"),
    ("/api/compare", {"a": {"exercise_id": "ex_1", "token": "t"}, "b": {"exercise_id": "ex_2", "token": "t"}, "c": 1},
     "c", "Extra inputs are not permitted"),
])
async def test_other_bodies_are_strict_too(client, path, body, field, says):
    refused(await client.post(path, json=body), field, says)


@pytest.mark.parametrize("query,field,says", [
    ("state?at=3.0", "query.at", "whole number"),
    ("state?at=1e400", "query.at", "whole number"),
    ("state?at=true", "query.at", "whole number"),
    ("state?at=+3", "query.at", "whole number"),
    ("state?at=0", "query.at", "greater than or equal to 1"),
    ("state?at=2147483648", "query.at", "less than or equal to 2147483647"),
    ("state?at=99999999999999999999", "query.at", "less than or equal to 2147483647"),
    ("state?at_time=1e400", "query.at_time", "finite number"),
    ("state?at_time=nan", "query.at_time", "finite number"),
    ("state?at_time=-1", "query.at_time", "greater than or equal to 0"),
    ("state?at_time=1e10", "query.at_time", "less than or equal to 1000000000"),
    ("events?after=-1", "query.after", "greater than or equal to 0"),
    ("events?after=3.0", "query.after", "whole number"),
    ("events?after=2147483648", "query.after", "less than or equal to 2147483647"),
    ("events?limit=0", "query.limit", "greater than or equal to 1"),
    ("events?limit=99999999999", "query.limit", "less than or equal to 5000"),
    ("events?limit=" + "9" * 40, "query.limit", "whole number"),
])
async def test_query_numbers_are_digits_within_range(client, exercise, query, field, says):
    refused(await client.get(f"/api/exercises/{exercise.id}/{query}", headers=exercise.headers("facilitator")), field, says)


# --- at the largest seq the store can hold, on both databases ----------------------------------------

@pytest.fixture
def settings(db_url):
    return make_settings(db_url)


@pytest_asyncio.fixture
async def exercise(client):
    return await create_exercise(client)


async def test_the_largest_seq_a_query_may_name_is_answered_on_both_databases(client, exercise):
    h = exercise.headers("facilitator")
    r = await client.get(f"/api/exercises/{exercise.id}/events?after=2147483647", headers=h)
    assert (r.status_code, r.json()["events"]) == (200, [])
    r = await client.get(f"/api/exercises/{exercise.id}/state?at=2147483647", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "beyond_head")
