"""The hash chain commits to events without revealing them (issue 13, case 1: the guess attack).

Every seat sees the `hash` of each event it may see. Before the nonce, a seat confirmed a guess of a
hidden event by recomputing the next visible hash from the one before it. Here the attacker is
given more than it could ever guess: the hidden events' full envelopes (content, id, time), all but
their nonces, which it never receives.
"""

from __future__ import annotations

from server.review.export import parse_export
from server.store.chain import event_hash

HIDDEN_CONTENT = "agreed"


async def private_talk(exercise) -> None:
    """2: started (everyone); 3-5: a private consultation of RUS and TJK, RUS says "agreed", it closes
    (hidden from ARM); 6: a threat report (everyone)."""
    await exercise.command("facilitator", {"type": "start_exercise"})
    opened = await exercise.command("RUS", {"type": "request_consultation", "topic": "Bilateral", "invitees": ["TJK"],
                                            "private": True})
    con = opened["events"][0]["data"]["consultation_id"]
    await exercise.command("RUS", {"type": "post_statement", "consultation_id": con, "text": HIDDEN_CONTENT})
    await exercise.command("RUS", {"type": "close_consultation", "consultation_id": con, "outcome": "coordinated"})
    await exercise.command("KAZ", {"type": "report_threat", "kind": "threat", "summary": "Shelling at the border."})


def replay_hash(before: dict, hidden: list[dict], after: dict) -> str:
    """The hash the attacker computes for the visible event after the hidden ones."""
    prev = before["hash"]
    for env in hidden:
        prev = event_hash(prev, env)
    return event_hash(prev, after)


async def arm_view_and_the_hidden_events(exercise) -> tuple[dict, list[dict], dict]:
    await private_talk(exercise)
    seen = {e["seq"]: e for e in await exercise.events("ARM")}
    assert sorted(seen) == [2, 6]  # ARM sees the start and the threat, nothing of 3..5
    everything = {e["seq"]: e for e in await exercise.events("facilitator")}
    hidden = [everything[seq] for seq in (3, 4, 5)]
    assert hidden[1]["data"]["text"] == HIDDEN_CONTENT
    return seen[2], hidden, seen[6]


async def test_a_seat_cannot_confirm_a_guess_of_an_event_it_may_not_see(exercise):
    before, hidden, after = await arm_view_and_the_hidden_events(exercise)
    assert replay_hash(before, hidden, after) == after["hash"]  # with the nonces (which ARM never has), the guess is exact
    without_nonces = [{k: v for k, v in env.items() if k != "nonce"} for env in hidden]
    assert replay_hash(before, without_nonces, after) != after["hash"]


async def test_no_response_to_a_seat_carries_the_nonce_of_an_event_it_may_not_see(exercise):
    _before, hidden, _after = await arm_view_and_the_hidden_events(exercise)
    responses = [
        await exercise.client.get(f"/api/exercises/{exercise.id}/events", headers=exercise.headers("ARM")),
        *[await exercise.client.get(f"/api/exercises/{exercise.id}/state", params={"at": at}, headers=exercise.headers("ARM"))
          for at in (2, 3, 4, 5, 6)],
        await exercise.client.get(f"/api/exercises/{exercise.id}/state", headers=exercise.headers("ARM")),
    ]
    assert all(r.status_code == 200 for r in responses)
    seen = "".join(r.text for r in responses)
    assert not [env["seq"] for env in hidden if env["nonce"] in seen or env["id"] in seen]


async def test_the_chain_with_nonces_still_verifies_offline(exercise):
    await private_talk(exercise)
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("facilitator"))
    parsed = parse_export(r.text.splitlines())
    assert parsed.problem is None and all(len(e["nonce"]) == 32 for e in parsed.events)
