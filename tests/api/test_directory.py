"""`GET /api/exercises`: every exercise on the server, for the admin only, newest first, in pages."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx

from server.app import create_app
from tests.conftest import Exercise, make_settings

ADMIN = {"Authorization": "Bearer s3cret"}


@asynccontextmanager
async def server(database_url: str, *, client_host: str = "127.0.0.1", **settings: str):
    app = create_app(make_settings(database_url, **settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_host, 4711))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def create(c: httpx.AsyncClient, scenario: str = "csto-border-crisis") -> Exercise:
    r = await c.post("/api/exercises", json={"scenario": scenario}, headers=ADMIN)
    assert r.status_code == 201, r.text
    return Exercise(c, r.json())


async def test_the_admin_lists_every_exercise_newest_first_in_pages(db_url):
    async with server(db_url, TTX_ADMIN_TOKEN="s3cret") as c:
        made = [await create(c), await create(c, "cyber-incident-response"), await create(c)]
        await made[0].command("facilitator", {"type": "start_exercise"})
        first = await c.get("/api/exercises", params={"limit": 2}, headers=ADMIN)
        assert first.status_code == 200, first.text
        page = first.json()
        assert [e["id"] for e in page["exercises"]] == [made[2].id, made[1].id] and page["next"]
        rest = (await c.get("/api/exercises", params={"limit": 2, "cursor": page["next"]}, headers=ADMIN)).json()
        assert [e["id"] for e in rest["exercises"]] == [made[0].id] and rest["next"] is None
        oldest = rest["exercises"][0]
        assert oldest["status"] == "running" and oldest["scenario"] == "csto-border-crisis"
        assert oldest["title"] == made[0].body["title"] and oldest["read_only"] is False
        assert oldest["seats"] == len([s for s in made[0].body["seats"] if s["seat"] not in ("facilitator", "observer")])
        assert oldest["online"] == 0 and oldest["created"].endswith("Z")
        assert page["exercises"][1]["scenario"] == "cyber-incident-response"


async def test_nobody_else_lists_them(sqlite_url):
    async with server(sqlite_url, TTX_ADMIN_TOKEN="s3cret") as c:
        ex = await create(c)
        r = await c.get("/api/exercises")
        assert (r.status_code, r.json()["error"]["code"]) == (401, "admin_token_required")
        r = await c.get("/api/exercises", headers={"Authorization": "Bearer wrong"})
        assert (r.status_code, r.json()["error"]["code"]) == (403, "bad_admin_token")
        # a seat's token, even the facilitator's, is not the admin's
        r = await c.get("/api/exercises", headers=ex.headers("facilitator"))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "bad_admin_token")


async def test_without_an_admin_token_only_the_servers_own_machine_lists_them(sqlite_url):
    async with server(sqlite_url) as local:
        r = await local.post("/api/exercises", json={"scenario": "csto-border-crisis"})
        made = r.json()["id"]
        assert [e["id"] for e in (await local.get("/api/exercises")).json()["exercises"]] == [made]
    async with server(sqlite_url, client_host="203.0.113.9") as remote:
        r = await remote.get("/api/exercises")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "directory_from_loopback_only")


async def test_pages_are_bounded_and_cursors_checked(sqlite_url):
    async with server(sqlite_url, TTX_ADMIN_TOKEN="s3cret") as c:
        assert (await c.get("/api/exercises", params={"limit": 201}, headers=ADMIN)).status_code == 422
        assert (await c.get("/api/exercises", params={"limit": 0}, headers=ADMIN)).status_code == 422
        r = await c.get("/api/exercises", params={"cursor": "'; DROP TABLE exercises"}, headers=ADMIN)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_cursor")
        assert (await c.get("/api/exercises", headers=ADMIN)).json() == {"exercises": [], "next": None}


async def test_online_counts_the_participating_seats_connected_now(live_server):
    from tests.live.support import Client

    async with httpx.AsyncClient(base_url=live_server.url, timeout=20) as http:
        ex = Exercise(http, (await http.post("/api/exercises", json={"scenario": "csto-border-crisis"})).json())

        async def online() -> int:
            (entry,) = (await http.get("/api/exercises")).json()["exercises"]
            return entry["online"]

        fac, tjk = Client(live_server.ws_url, ex.id, ex.tokens["facilitator"]), Client(live_server.ws_url, ex.id, ex.tokens["TJK"])
        await fac.connect(after=0)
        await tjk.connect(after=0)
        await fac.receive_until(lambda c: any(m["type"] == "presence" and m["online"] == ["TJK", "facilitator"]
                                              for m in c.messages))
        assert await online() == 1  # Tajikistan; the facilitator is not a participating seat
        await tjk.close()
        await fac.receive_until(lambda c: c.messages[-1]["type"] == "presence" and c.messages[-1]["online"] == ["facilitator"])
        assert await online() == 0
        await fac.close()
