from tests.conftest import create_exercise


async def test_create_start_and_read(client):
    ex = await create_exercise(client)
    assert {"facilitator", "observer", "TJK", "SG"} <= set(ex.tokens)
    out = await ex.command("facilitator", {"type": "start_exercise"})
    assert [e["type"] for e in out["events"]] == ["exercise_started"]
    events = await ex.events()
    assert [e["seq"] for e in events] == [1, 2]
