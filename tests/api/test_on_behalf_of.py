"""The white cell: the facilitator makes a participant's move for a seat nobody plays
(`"on_behalf_of": "<seat>"`). The event is that seat's, judged by that seat's powers, and says
`played_by: "facilitator"` in its envelope (and in its data, which the hash covers)."""

from __future__ import annotations

import pytest

from server.review.export import parse_export
from server.store.chain import verify_chain
from tests.conftest import Exercise


async def proposed(ex) -> str:
    await ex.command("facilitator", {"type": "start_exercise"})
    body = await ex.command("KAZ", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "t", "text": "x"})
    return body["events"][0]["data"]["decision_id"]


async def test_the_facilitator_casts_an_absent_states_vote_recorded_as_that_states(exercise):
    decision = await proposed(exercise)
    body = await exercise.command("facilitator", {"type": "cast_vote", "decision_id": decision, "vote": "against",
                                                  "on_behalf_of": "TJK"})
    (vote,) = [e for e in body["events"] if e["type"] == "vote_cast"]
    assert vote["actor"] == "TJK" and vote["played_by"] == "facilitator"
    assert vote["data"]["played_by"] == "facilitator" and vote["data"]["vote"] == "against"
    # the seat itself reads it as its own vote, made by control
    (seen,) = [e for e in await exercise.events("TJK") if e["seq"] == vote["seq"]]
    assert seen["actor"] == "TJK" and seen["played_by"] == "facilitator"
    assert seen["hash"] == vote["hash"]


async def test_a_seats_own_move_says_nothing_of_played_by(exercise):
    decision = await proposed(exercise)
    body = await exercise.command("TJK", {"type": "cast_vote", "decision_id": decision, "vote": "for"})
    (vote,) = [e for e in body["events"] if e["type"] == "vote_cast"]
    assert "played_by" not in vote and "played_by" not in vote["data"]


async def test_it_is_judged_by_the_played_seats_powers(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    # the Secretary General may not report a threat, whoever makes the move for it
    own = await exercise.command("SG", {"type": "report_threat", "kind": "threat", "summary": "x"}, expect=403)
    played = await exercise.command("facilitator", {"type": "report_threat", "kind": "threat", "summary": "x",
                                                    "on_behalf_of": "SG"}, expect=403)
    assert played["error"]["code"] == own["error"]["code"] == "not_allowed"
    # a state may: the threat is the state's, reported by control
    body = await exercise.command("facilitator", {"type": "report_threat", "kind": "threat", "summary": "x",
                                                  "on_behalf_of": "TJK"})
    (threat,) = body["events"]
    assert threat["type"] == "threat_reported" and threat["actor"] == "TJK" and threat["played_by"] == "facilitator"


@pytest.mark.parametrize("sender, target, status, code", [
    ("KAZ", "TJK", 403, "on_behalf_of_facilitator_only"),
    ("observer", "TJK", 403, "on_behalf_of_facilitator_only"),
    ("facilitator", "observer", 403, "not_a_played_seat"),
    ("facilitator", "system", 403, "not_a_played_seat"),
    ("facilitator", "facilitator", 403, "not_a_played_seat"),
    ("facilitator", "XYZ", 422, "unknown_seat"),
    ("facilitator", "not a seat!", 422, "invalid_command"),
])
async def test_refused_for_others_and_for_seats_that_are_not_participants(exercise, sender, target, status, code):
    decision = await proposed(exercise)
    before = len(await exercise.events())
    body = await exercise.command(sender, {"type": "cast_vote", "decision_id": decision, "vote": "for",
                                           "on_behalf_of": target}, expect=status)
    assert body["error"]["code"] == code
    assert len(await exercise.events()) == before


async def test_only_participant_moves_are_made_for_a_seat(exercise):
    body = await exercise.command("facilitator", {"type": "start_exercise", "on_behalf_of": "TJK"}, expect=422)
    assert body["error"]["code"] == "not_a_move"


async def test_a_retry_with_the_key_answers_the_first_time_and_records_nothing_new(exercise):
    decision = await proposed(exercise)
    vote = {"type": "cast_vote", "decision_id": decision, "vote": "for", "on_behalf_of": "TJK"}
    first = await exercise.command("facilitator", vote, key="white-1")
    assert await exercise.command("facilitator", vote, key="white-1") == first
    # the same key for another seat's move is another request
    other = await exercise.command("facilitator", {**vote, "on_behalf_of": "KGZ"}, key="white-1", expect=422)
    assert other["error"]["code"] == "idempotency_key_reused"


async def test_played_by_survives_export_verify_and_import(exercise):
    decision = await proposed(exercise)
    await exercise.command("facilitator", {"type": "cast_vote", "decision_id": decision, "vote": "for", "on_behalf_of": "TJK"})
    export = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("facilitator"))
    parsed = parse_export(export.text.splitlines())
    assert parsed.problem is None and verify_chain(parsed.events) is None
    (line,) = [e for e in parsed.events if e["type"] == "vote_cast"]
    assert line["played_by"] == "facilitator" and line["actor"] == "TJK"
    # played_by is hashed: a log that hides who made the move no longer verifies
    forged = [dict(e, data={k: v for k, v in e["data"].items() if k != "played_by"}) if e is line else e
              for e in parsed.events]
    assert verify_chain(forged) is not None
    r = await exercise.client.post("/api/exercises/import", content=export.content,
                                   headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 201, r.text
    imported = await Exercise(exercise.client, r.json()).events("facilitator")
    (again,) = [e for e in imported if e["type"] == "vote_cast"]
    assert again["played_by"] == "facilitator" and again["hash"] == line["hash"]


async def test_an_import_claiming_control_played_a_move_the_seat_could_not_make_is_refused(exercise):
    """`played_by` is decided again on import: control may only have made a participant's move."""
    import json

    from server.store.chain import event_hash, GENESIS

    await exercise.command("facilitator", {"type": "start_exercise"})
    export = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("facilitator"))
    header, *events = [json.loads(x) for x in export.text.splitlines()]
    (started,) = [e for e in events if e["type"] == "exercise_started"]
    started["data"]["played_by"] = "facilitator"  # a facilitator's own command claimed as played for a seat
    prev = GENESIS
    for e in events:
        e["hash"] = prev = event_hash(prev, e)
    header["head_hash"] = prev
    body = "\n".join(json.dumps(x) for x in [header, *events]) + "\n"
    r = await exercise.client.post("/api/exercises/import", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "impossible_event", r.text


async def test_a_fork_replays_the_white_cells_moves_as_played_by_control(exercise):
    decision = await proposed(exercise)
    body = await exercise.command("facilitator", {"type": "cast_vote", "decision_id": decision, "vote": "for",
                                                  "on_behalf_of": "TJK"})
    at = body["events"][0]["seq"] - 1  # just before the vote: the fork re-enacts it
    r = await exercise.client.post(f"/api/exercises/{exercise.id}/fork", json={"at": at, "replay": True},
                                   headers=exercise.headers("facilitator"))
    assert r.status_code == 201, r.text
    assert r.json()["reenacted"] == 1 and r.json()["skipped"] == []
    (vote,) = [e for e in await Exercise(exercise.client, r.json()).events() if e["type"] == "vote_cast"]
    assert vote["actor"] == "TJK" and vote["played_by"] == "facilitator"


async def test_the_report_says_which_moves_control_played(exercise):
    decision = await proposed(exercise)
    await exercise.command("facilitator", {"type": "cast_vote", "decision_id": decision, "vote": "for", "on_behalf_of": "TJK"})
    await exercise.command("RUS", {"type": "cast_vote", "decision_id": decision, "vote": "for"})
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/report", params={"format": "json"},
                                  headers=exercise.headers("facilitator"))
    rows = {row["actor"]: row["summary"] for row in r.json()["timeline"] if row["type"] == "vote_cast"}
    assert rows["TJK"].endswith("(played by control)") and "control" not in rows["RUS"]
