"""Bounds a facilitator and participants meet: the clock's speed range, and one exercise's limits
on its log and on events of a type (settings), refused with a sentence and nothing recorded."""

from __future__ import annotations

import pytest

from tests.conftest import create_exercise


@pytest.mark.parametrize("factor,status", [(0.05, 422), (0.1, 200), (100, 200), (100.5, 422), (1000, 422)])
async def test_the_clock_runs_within_the_servers_speeds(client, exercise, factor, status):
    await exercise.command("facilitator", {"type": "start_exercise"})
    body = await exercise.command("facilitator", {"type": "set_clock_speed", "factor": factor}, expect=status)
    if status == 422:
        assert body["error"]["code"] == "speed_out_of_range" and "between 0.1x and 100x" in body["error"]["message"]


@pytest.mark.parametrize("bad", ["5", True, 1e-320, None])
async def test_a_speed_is_a_number_and_no_other_thing(exercise, bad):
    await exercise.command("facilitator", {"type": "start_exercise"})
    body = await exercise.command("facilitator", {"type": "set_clock_speed", "factor": bad}, expect=422)
    assert body["error"]["code"] in ("invalid_command", "speed_out_of_range")


async def test_an_exercise_at_its_limits_refuses_more_moves(client, app):
    app.state.service.limits = {"events": 12, "threat_reported": 2}
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    for i in range(2):
        await ex.command("TJK", {"type": "report_threat", "kind": "threat", "summary": f"t{i}"})
    body = await ex.command("TJK", {"type": "report_threat", "kind": "threat", "summary": "one too many"}, expect=409)
    assert body["error"]["code"] == "exercise_limit" and "2 threat reported events" in body["error"]["message"]
    head = (await ex.state("facilitator"))["exercise"]["version"]
    while head < 12:
        await ex.command("TJK", {"type": "send_control_message", "text": "x"})
        head += 1
    body = await ex.command("TJK", {"type": "send_control_message", "text": "x"}, expect=409)
    assert body["error"]["code"] == "exercise_limit" and "12 events" in body["error"]["message"]
    assert (await ex.state("facilitator"))["exercise"]["version"] == 12  # nothing recorded
