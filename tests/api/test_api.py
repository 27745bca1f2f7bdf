"""The HTTP API: creation, tokens, idempotency, visibility on every read path, export."""

from __future__ import annotations

import json
import logging

import httpx
from sqlalchemy import create_engine, text

from server.review.export import parse_export
from tests.conftest import create_exercise, make_settings


async def test_scenarios_are_listed(client):
    r = await client.get("/api/scenarios")
    assert r.status_code == 200
    border = next(s for s in r.json() if s["id"] == "csto-border-crisis")
    assert border["title"] and border["summary"] and {"seat": "TJK", "name": "Tajikistan", "kind": "state", "status": "member"} in border["seats"]


async def test_scenarios_name_their_seat_kinds_and_statuses(client):
    """The start page counts seats in the scenario's own words."""
    border = next(s for s in (await client.get("/api/scenarios")).json() if s["id"] == "csto-border-crisis")
    assert {"id": "office", "name": "Office"} in border["seat_kinds"]
    assert {"id": "member", "name": "participating state", "member": True} in border["statuses"]


async def test_creation_returns_a_token_and_join_url_per_seat(client):
    r = await client.post("/api/exercises", json={"scenario": "csto-border-crisis"})
    body = r.json()
    assert r.status_code == 201 and body["id"].startswith("ex_")
    seats = {s["seat"]: s for s in body["seats"]}
    assert {"facilitator", "observer", "SG", "TJK", "UKR"} <= set(seats)
    assert seats["TJK"]["join_url"].endswith(f"/exercises/{body['id']}#{seats['TJK']['token']}")
    assert len({s["token"] for s in body["seats"]}) == len(body["seats"])


async def test_tokens_are_stored_hashed_and_never_logged(client, settings, caplog):
    caplog.set_level(logging.DEBUG)
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "x"})
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT token_hash FROM seats"))]
        dump = "\n".join(str(r) for t in ("exercises", "events", "seats", "idempotency_keys")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))
    engine.dispose()
    assert all(len(h) == 64 for h in stored)
    for token in ex.tokens.values():
        assert token not in dump
        assert token not in caplog.text


async def test_admin_token_guards_creation(tmp_path, sqlite_url):
    from server.app import create_app

    app = create_app(make_settings(sqlite_url, TTX_ADMIN_TOKEN="s3cret"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.post("/api/exercises", json={"scenario": "csto-border-crisis"})
            assert (r.status_code, r.json()["error"]["code"]) == (401, "admin_token_required")
            r = await c.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers={"Authorization": "Bearer wrong"})
            assert (r.status_code, r.json()["error"]["code"]) == (403, "bad_admin_token")
            r = await c.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers={"Authorization": "Bearer s3cret"})
            assert r.status_code == 201


async def test_a_retried_command_with_the_same_idempotency_key_acts_once(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    cmd = {"type": "request_assistance", "kinds": ["military"], "summary": "Two battalions"}
    first = await exercise.command("TJK", cmd, key="click-1")
    second = await exercise.command("TJK", cmd, key="click-1")
    assert first == second
    assert [e["type"] for e in await exercise.events()].count("assistance_requested") == 1
    r = await exercise.client.post(f"/api/exercises/{exercise.id}/commands", json={**cmd, "summary": "other"},
                                   headers=exercise.headers("TJK", **{"Idempotency-Key": "click-1"}))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "idempotency_key_reused")


async def test_private_events_are_omitted_on_every_read_path(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    opened = await exercise.command("RUS", {"type": "request_consultation", "topic": "Bilateral", "invitees": ["KAZ"], "private": True})
    con = opened["events"][0]["data"]["consultation_id"]
    await exercise.command("KAZ", {"type": "post_statement", "consultation_id": con, "text": "Our secret position"})
    await exercise.command("facilitator", {"type": "add_observation", "text": "RUS and KAZ talk privately"})
    await exercise.command("facilitator", {"type": "send_inject", "title": "For TJK only", "to": ["TJK"]})
    for seat, sees_private, sees_inject in (("TJK", False, True), ("UZB", False, False), ("observer", False, False),
                                            ("KAZ", True, False), ("facilitator", True, True)):
        events = await exercise.events(seat)
        types = [e["type"] for e in events]
        assert ("statement_posted" in types) is sees_private, seat
        assert ("inject_delivered" in types) is sees_inject, seat
        assert ("observation_added" in types) is (seat == "facilitator"), seat
        raw = json.dumps(events)
        assert ("secret position" in raw) is sees_private
        state = await exercise.state(seat)
        assert any(c["topic"] == "Bilateral" for c in state["consultations"]) is sees_private, seat
        for e in events:
            assert e["audience"] is None or seat in e["audience"] or seat == "facilitator"


async def test_the_command_answer_shows_only_what_the_seat_may_see(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    out = await exercise.command("TJK", {"type": "request_assistance", "kinds": ["military"], "summary": "x"})
    # the request triggers the `refugees` inject, addressed to UZB, TJK and SG: TJK may see it
    assert [e["type"] for e in out["events"]] == ["assistance_requested", "inject_delivered"]
    out = await exercise.command("KAZ", {"type": "request_assistance", "kinds": ["logistics"], "summary": "y"})
    assert [e["type"] for e in out["events"]] == ["assistance_requested"]


async def test_events_paging_skips_invisible_events(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    for i in range(5):
        await exercise.command("facilitator", {"type": "add_observation", "text": f"note {i}"})
        await exercise.command("TJK", {"type": "report_threat", "kind": "threat", "summary": f"threat {i}"})
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/events", params={"after": 0, "limit": 2},
                                  headers=exercise.headers("TJK"))
    page = r.json()
    assert [e["data"].get("summary") for e in page["events"]] == [None, "threat 0"]  # exercise_started, then the threat
    collected, after = [], 0
    while True:
        r = await exercise.client.get(f"/api/exercises/{exercise.id}/events", params={"after": after, "limit": 2},
                                      headers=exercise.headers("TJK"))
        page = r.json()
        if not page["events"]:
            break
        collected += page["events"]
        after = page["next_after"]
    assert [e["seq"] for e in collected] == [e["seq"] for e in await exercise.events("TJK")]
    assert len(collected) == 6


async def test_state_at_n_replays_the_log_up_to_n(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    await exercise.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "x"})
    out = await exercise.command("TJK", {"type": "request_assistance", "kinds": ["military"], "summary": "x"})
    seq = out["events"][0]["seq"]
    before = await exercise.state("facilitator", at=seq - 1)
    after = await exercise.state("facilitator", at=seq)
    assert before["assistance"] == [] and len(after["assistance"]) == 1
    assert before["exercise"]["version"] == seq - 1


async def test_export_is_for_the_facilitator_and_verifies(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    await exercise.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "x"})
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("TJK"))
    assert r.status_code == 403
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("facilitator"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    parsed = parse_export(r.text.splitlines())
    assert parsed.problem is None
    assert parsed.header["event_count"] == 3 and parsed.events[0]["data"]["scenario"]["id"] == "csto-border-crisis"


async def test_qr_code_is_an_svg(client):
    r = await client.post("/api/qr", json={"text": "http://127.0.0.1:8000/exercises/ex_1#token"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content


async def test_a_retry_of_a_recorded_move_gets_the_original_answer_not_a_refusal(exercise):
    """The repeat would be refused on its own (`same_vote`): the key must answer first."""
    await exercise.command("facilitator", {"type": "start_exercise"})
    proposed = await exercise.command("KAZ", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "t", "text": "x"})
    vote = {"type": "cast_vote", "decision_id": proposed["events"][0]["data"]["decision_id"], "vote": "for"}
    first = await exercise.command("RUS", vote, key="vote-1")
    again = await exercise.command("RUS", vote, key="vote-1")
    assert again == first
    await exercise.command("RUS", vote, key="vote-2", expect=409)  # a new key is a new move, and a repeated vote


async def test_commands_go_through_the_one_documented_route(app, exercise):
    """No second path: the app's stack holds no middleware of its own for commands, and the OpenAPI
    route is the one that answers (a refusal comes back from it as an error body)."""
    from server.api import commands

    stack = [m.cls.__name__ for m in app.user_middleware]
    assert stack == ["Failsafe", "BodyLimit"], stack  # the last-resort error answer, the body bound: nothing else
    assert [name for name in vars(commands) if "lane" in name.lower()] == []
    await exercise.command("facilitator", {"type": "start_exercise"})
    refused = await exercise.command("SG", {"type": "report_threat", "kind": "threat", "summary": "x"}, expect=403)
    assert refused["error"]["code"] == "not_allowed"
    schema = app.openapi()["paths"]["/api/exercises/{exercise_id}/commands"]["post"]
    assert "requestBody" in schema and any(p["name"] == "Idempotency-Key" for p in schema["parameters"])
