"""Fair use: token buckets per seat and per address, on a clock the test moves (never by sleeping)."""

from __future__ import annotations

import json

import httpx
import pytest
import pytest_asyncio

from server.api.fair_use import Buckets, FairUse, address_of
from server.settings import Settings
from server.harness import ThreadServer
from tests.conftest import Exercise, create_exercise, make_settings
from tests.live.support import raw_session


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


LIMITS = {
    "TTX_RATE_LIMITS": True,
    "TTX_LIMIT_SEAT_COMMANDS": "1/s,3",
    "TTX_LIMIT_ADDRESS_COMMANDS": "2/s,6",
    "TTX_LIMIT_FAILED_AUTH": "1/10s,3",
    "TTX_LIMIT_SCENARIOS": "1/s,2",
    "TTX_LIMIT_QR": "1/s,4",
    "TTX_LIMIT_CREATE": "1/min,2",
    "TTX_LIMIT_IMPORT": "1/min,1",
}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(request, sqlite_url):
    """The LIMITS; a test adds settings with `@pytest.mark.parametrize("settings", [{...}], indirect=True)`."""
    return make_settings(sqlite_url, **{**LIMITS, **getattr(request, "param", {})})


@pytest_asyncio.fixture
async def app(settings, clock):
    from server.app import create_app

    application = create_app(settings)
    application.state.fair_use = FairUse(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture
async def exercise(client, app, clock) -> Exercise:
    ex = await create_exercise(client)
    clock.advance(3600)  # a full create bucket again, for the tests that count creations
    return ex


def limited(r: httpx.Response) -> int:
    """The whole seconds of Retry-After of a 429 with the standard error body."""
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "rate_limited" and r.json()["error"]["message"]
    assert r.headers["retry-after"].isdigit()
    return int(r.headers["retry-after"])


async def note(ex: Exercise, seat: str = "facilitator", text: str = "n") -> httpx.Response:
    body = {"type": "add_observation", "text": text} if seat == "facilitator" else \
        {"type": "report_threat", "kind": "threat", "summary": text}
    return await ex.client.post(f"/api/exercises/{ex.id}/commands", json=body, headers=ex.headers(seat))


# --- the buckets ---------------------------------------------------------------------------------

def test_a_bucket_admits_its_burst_then_refills_at_its_rate(clock):
    bucket = Buckets("2/s,4", clock)
    assert [bucket.take("k") for _ in range(4)] == [None] * 4
    assert bucket.take("k") == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.take("k") is None
    assert bucket.take("k") == pytest.approx(0.5)
    assert bucket.take("other") is None  # keys are independent


def test_peeking_spends_nothing_and_a_refusal_costs_nothing(clock):
    bucket = Buckets("1/s,1", clock)
    assert bucket.peek("k") is None and bucket.peek("k") is None
    assert bucket.take("k") is None
    assert bucket.take("k") == pytest.approx(1.0)
    assert bucket.take("k") == pytest.approx(1.0)  # the refused one did not dig the hole deeper
    clock.advance(1.0)
    assert bucket.take("k") is None


def test_a_request_never_costs_more_than_a_full_bucket(clock):
    bucket = Buckets("1/s,3", clock)
    assert bucket.take("k", weight=50) is None
    assert bucket.take("k") == pytest.approx(1.0)


def test_the_keys_kept_are_bounded(clock):
    bucket = Buckets("1/s,1", clock, max_keys=100)
    for i in range(1000):
        bucket.take(f"k{i}")
    assert len(bucket._states) == 100


@pytest.mark.parametrize("host,key", [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("testclient", "testclient"),
])
def test_addresses_count_by_ip_and_ipv6_by_its_64(host, key):
    assert address_of({"client": (host, 5000)}) == key


def test_a_malformed_limit_is_refused_at_start_up(sqlite_url):
    with pytest.raises(ValueError, match="COUNT/PERIOD,BURST"):
        make_settings(sqlite_url, TTX_LIMIT_SEAT_COMMANDS="lots")


def test_the_defaults_are_on_and_let_a_room_of_50_behind_one_address_play():
    from server.settings import parse_rate

    defaults = Settings(_env_file=None)
    assert defaults.rate_limits is True
    per_address, per_seat = parse_rate(defaults.limit_address_commands), parse_rate(defaults.limit_seat_commands)
    # the address sustains every one of 50 seats at one command a second, and takes a burst from each
    assert per_address[0] / per_address[1] >= 50 and per_address[2] >= 50 * 5
    assert per_seat[2] >= 10  # a burst of clicks from one seat


# --- commands --------------------------------------------------------------------------------------

async def test_a_seat_over_its_bucket_gets_429_and_nothing_is_recorded(exercise, clock):
    for i in range(3):
        assert (await note(exercise, text=f"n{i}")).status_code == 200
    before = len(await exercise.events())
    r = await note(exercise, text="one too many")
    assert limited(r) == 1
    assert len(await exercise.events()) == before
    clock.advance(1)
    assert (await note(exercise, text="after a second")).status_code == 200


async def test_one_seat_spending_its_bucket_leaves_another_seat_its_own(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    for i in range(2):
        assert (await note(exercise, text=f"n{i}")).status_code == 200
    assert (await note(exercise)).status_code == 429
    assert (await note(exercise, "TJK", "shelling")).status_code == 200


async def test_the_address_bucket_counts_every_seat_together(exercise, clock):
    await exercise.command("facilitator", {"type": "start_exercise"})
    clock.advance(10)
    seats = ["TJK", "KAZ", "RUS", "ARM", "BLR", "KGZ"]
    for seat in seats:
        assert (await note(exercise, seat, "x")).status_code == 200
    assert limited(await note(exercise, "UZB", "x")) == 1


async def test_with_the_switch_off_nothing_is_limited(sqlite_url, clock):
    from server.app import create_app

    settings = make_settings(sqlite_url, **{**LIMITS, "TTX_RATE_LIMITS": False})
    application = create_app(settings)
    application.state.fair_use = FairUse(settings, clock=clock)
    async with application.router.lifespan_context(application):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            ex = await create_exercise(client)
            assert [(await note(ex, text=f"n{i}")).status_code for i in range(20)] == [200] * 20
            assert [(await client.get("/api/scenarios")).status_code for _ in range(10)] == [200] * 10


# --- failed authentication --------------------------------------------------------------------------

async def test_failed_authentications_exhaust_the_address_then_429_before_any_token_is_looked_at(exercise, clock):
    bad = {"Authorization": "Bearer not-a-token"}
    for _ in range(3):
        r = await exercise.client.get(f"/api/exercises/{exercise.id}/state", headers=bad)
        assert r.status_code == 401
    r = await exercise.client.post(f"/api/exercises/{exercise.id}/commands", json={"type": "start_exercise"}, headers=bad)
    assert limited(r) == 10
    assert limited(await exercise.client.get(f"/api/exercises/{exercise.id}/events", headers=exercise.headers("KAZ"))) == 10
    clock.advance(10)
    assert (await exercise.client.get(f"/api/exercises/{exercise.id}/events", headers=exercise.headers("KAZ"))).status_code == 200


async def test_a_missing_token_is_not_a_guess(exercise):
    for _ in range(10):
        assert (await exercise.client.get(f"/api/exercises/{exercise.id}/state")).status_code == 401
    assert (await exercise.client.get(f"/api/exercises/{exercise.id}/state", headers=exercise.headers("KAZ"))).status_code == 200


@pytest.mark.parametrize("settings", [{"TTX_ADMIN_TOKEN": "the-admin-token"}], indirect=True)
async def test_bad_admin_tokens_count_as_failed_authentications(client):
    for _ in range(3):
        r = await client.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers={"Authorization": "Bearer guess"})
        assert r.status_code == 403
    r = await client.post("/api/exercises", json={"scenario": "csto-border-crisis"},
                          headers={"Authorization": "Bearer the-admin-token"})
    assert limited(r) == 10


# --- anonymous endpoints ---------------------------------------------------------------------------

async def test_listing_scenarios_is_limited_per_address(client, clock):
    assert [(await client.get("/api/scenarios")).status_code for _ in range(2)] == [200, 200]
    assert limited(await client.get("/api/scenarios")) == 1
    clock.advance(1)
    assert (await client.get("/api/scenarios")).status_code == 200


async def test_qr_codes_cost_by_the_length_of_their_text(client, clock):
    link = "http://127.0.0.1:8000/exercises/ex_0123456789abcdef#" + "t" * 32
    assert [(await client.post("/api/qr", json={"text": link})).status_code for _ in range(4)] == [200] * 4
    assert limited(await client.post("/api/qr", json={"text": link})) == 1
    clock.advance(60)
    assert (await client.post("/api/qr", json={"text": "界" * 300})).status_code == 200  # 900 bytes: 4 tokens
    assert limited(await client.post("/api/qr", json={"text": link})) == 1


async def test_creating_exercises_without_an_admin_token_is_limited_per_address(client):
    ok = {"scenario": "csto-border-crisis"}
    assert [(await client.post("/api/exercises", json=ok)).status_code for _ in range(2)] == [201, 201]
    assert limited(await client.post("/api/exercises", json=ok)) == 60


@pytest.mark.parametrize("settings", [{"TTX_ADMIN_TOKEN": "the-admin-token"}], indirect=True)
async def test_with_an_admin_token_creating_is_not_rate_limited(client):
    admin = {"Authorization": "Bearer the-admin-token"}
    statuses = [(await client.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers=admin)).status_code
                for _ in range(4)]
    assert statuses == [201] * 4


async def test_imports_without_an_admin_token_are_limited_per_address_before_the_body_is_read(exercise):
    export = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("facilitator"))
    ndjson = {"Content-Type": "application/x-ndjson"}
    assert (await exercise.client.post("/api/exercises/import", content=export.content, headers=ndjson)).status_code == 201
    assert limited(await exercise.client.post("/api/exercises/import", content=export.content, headers=ndjson)) == 60


# --- WebSocket ---------------------------------------------------------------------------------------

@pytest.fixture
def capped_server(sqlite_url):
    with ThreadServer(make_settings(sqlite_url, TTX_RATE_LIMITS=True, TTX_WS_MAX_PER_ADDRESS=2,
                                  TTX_LIMIT_FAILED_AUTH="1/min,2")) as server:
        yield server


async def test_connections_over_the_per_address_cap_are_closed_4429(capped_server):
    import websockets

    created = httpx.post(f"{capped_server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=20).json()
    tokens = {s["seat"]: s["token"] for s in created["seats"]}
    url = f"{capped_server.ws_url}/ws/exercises/{created['id']}"
    first, second = [await websockets.connect(url) for _ in range(2)]
    try:
        received, code = await raw_session(capped_server.ws_url, created["id"], None)
        assert (code, received[-1]["code"]) == (4429, "too_many_connections")
        await first.close()
        received, code = await raw_session(capped_server.ws_url, created["id"],
                                           json.dumps({"type": "hello", "token": tokens["KAZ"], "after": 0}), wait=1.0)
        assert received[0]["type"] == "welcome"
    finally:
        await second.close()


async def test_failed_hellos_count_against_the_address_and_then_close_4429(capped_server):
    created = httpx.post(f"{capped_server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=20).json()
    bad = json.dumps({"type": "hello", "token": "guess", "after": 0})
    for _ in range(2):
        _, code = await raw_session(capped_server.ws_url, created["id"], bad)
        assert code == 4401
    received, code = await raw_session(capped_server.ws_url, created["id"], bad)
    assert (code, received[-1]["code"]) == (4429, "rate_limited")
