"""`POST /api/exercises/import`: streamed, checked line by line, stopped at the first problem, bounded
(issue 13, case 2), open without the admin token only to this machine; and what a refusal leaves behind."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, AsyncIterator

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from server.review.importing import ImportLimits, LogReader
from server.store.chain import GENESIS, event_hash
from server.harness import ThreadServer
from tests.conftest import Exercise, make_settings
from tests.review.support import Play, export_text

NDJSON = {"Content-Type": "application/x-ndjson"}


def a_run() -> Play:
    play = Play()
    play.do("RUS", "request_consultation", t=60, topic="Border", invitees=["TJK"], private=True)
    con = play.last("consultation_opened").data["consultation_id"]
    for i in range(6):
        play.do("RUS", "post_statement", t=100 + i, consultation_id=con, text=f"statement {i}")
    play.do("KAZ", "report_threat", t=200, kind="threat", summary="Shelling at the border post.")
    return play


@pytest.fixture(scope="module")
def log_text() -> str:
    return export_text(a_run().events)


def lines_of(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header, *events = [json.loads(x) for x in text.splitlines()]
    return header, events


def ndjson(lines: list[dict[str, Any]]) -> str:
    """Lines as the export writes them: UTF-8, not \\u escapes (six bytes for each Cyrillic letter
    instead of two, which would make the creation event of a scenario in Russian longer than the
    log it came from)."""
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"


def forged(header: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """The log with every hash recomputed after an edit, as a forger would: a consistent chain."""
    prev = GENESIS
    for env in events:
        env["hash"] = prev = event_hash(prev, env)
    header.update(event_count=len(events), head_hash=prev)
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in [header, *events]) + "\n"


async def post(client: httpx.AsyncClient, body: bytes | str, **headers: str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return await client.post("/api/exercises/import", content=content, headers={**NDJSON, **headers})


def stored_exercises(url: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(url.split(":///", 1)[1])
    try:
        return conn.execute("SELECT id, status FROM exercises").fetchall()
    finally:
        conn.close()


async def app_client(settings, client_address: tuple[str, int] = ("127.0.0.1", 40000)) -> AsyncIterator[httpx.AsyncClient]:
    from server.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client_address)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


# --- a sound log -------------------------------------------------------------------------------

async def test_a_sound_log_imports_as_a_read_only_exercise_with_its_hashes_and_nonces(client, log_text):
    r = await post(client, log_text)
    assert r.status_code == 201, r.text
    copy = Exercise(client, r.json())
    _, events = lines_of(log_text)
    assert [(e["id"], e["nonce"], e["hash"]) for e in await copy.events()] == [(e["id"], e["nonce"], e["hash"])
                                                                                for e in events]


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_how_the_bytes_are_split_changes_nothing(log_text, cuts):
    data = log_text.encode()
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]

    def rows(parts: list[bytes]) -> list[tuple]:
        reader = LogReader(exercise_id="ex_x", limits=ImportLimits(10**9, 10**6, 10**6))
        out = [row for part in parts for row in reader.feed(part).rows] + reader.finish().rows
        return out

    assert rows(pieces) == rows([data])


# --- the first problem stops it ---------------------------------------------------------------------

async def test_the_import_stops_at_the_first_break_and_names_it(client, settings, log_text):
    header, events = lines_of(log_text)
    events[2]["data"]["topic"] = "Edited"  # seq 3, line 4: its hash no longer matches
    text = "\n".join(json.dumps(x) for x in [header, *events]) + "\n" + '{"a":1}\n' * 20_000
    r = await post(client, text)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "broken_chain"
    assert r.json()["error"]["details"] == {"seq": 3, "line": 4, "reason": "the event's content does not match its hash: it was edited"}


async def test_a_refused_import_leaves_nothing_behind(client, settings, log_text):
    header, events = lines_of(log_text)
    events[-1]["data"]["summary"] = "Edited"
    r = await post(client, "\n".join(json.dumps(x) for x in [header, *events]) + "\n")
    assert r.status_code == 422
    assert stored_exercises(settings.database_url) == []


def _edit(field: str, value: Any):
    def edit(env: dict[str, Any]) -> None:
        env[field] = value
    return edit


BAD_FIELDS = {
    "exercise_time far out (GET /state overflowed on it)": ("exercise_time", _edit("exercise_time", 1e12)),
    "exercise_time as a string": ("exercise_time", _edit("exercise_time", "60")),
    "exercise_time negative": ("exercise_time", _edit("exercise_time", -1.0)),
    "version 2^40": ("version", _edit("version", 2**40)),
    "version true": ("version", _edit("version", True)),
    "audience not a list": ("audience", _edit("audience", 7)),
    "audience of numbers": ("audience", _edit("audience", [1, 2])),
    "data a list": ("data", _edit("data", [1])),
    "recorded_at not a time": ("recorded_at", _edit("recorded_at", "yesterday")),
    "recorded_at not canonical": ("recorded_at", _edit("recorded_at", "2027-01-15T08:01:00+00:00")),
    "unknown type": ("type", _edit("type", "treaty_abolished")),
    "type too long": ("type", _edit("type", "x" * 65)),
    "actor too long": ("actor", _edit("actor", "A" * 33)),
    "id too long": ("id", _edit("id", "x" * 37)),
    "nonce too short": ("nonce", _edit("nonce", "ab")),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS), ids=list(BAD_FIELDS))
async def test_an_envelope_out_of_bounds_is_refused_naming_the_seq_and_field(client, log_text, case):
    field, edit = BAD_FIELDS[case]
    header, events = lines_of(log_text)
    edit(events[3])  # seq 4, on line 5
    r = await post(client, forged(header, events))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_event"), r.text
    details = r.json()["error"]["details"]
    assert (details["seq"], details["line"], details["field"]) == (4, 5, field)


async def test_a_header_of_an_unknown_export_version_is_refused_as_the_header(client, log_text):
    header, events = lines_of(log_text)
    header["version"] = 99
    r = await post(client, "\n".join(json.dumps(x) for x in [header, *events]) + "\n")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_export")
    assert r.json()["error"]["details"]["line"] == 1 and "header" in r.json()["error"]["message"]


async def test_a_duplicate_seat_in_the_imported_scenario_is_refused_not_a_crash(client, log_text):
    header, events = lines_of(log_text)
    scenario = events[0]["data"]["scenario"]
    scenario["seats"].append(dict(scenario["seats"][0]))
    from server.domain.decide import scenario_hash

    events[0]["data"]["scenario_hash"] = scenario_hash(scenario)
    r = await post(client, forged(header, events))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_scenario")


# --- bounds ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bounds:
    """Limits just above what the test log needs, derived from it: its longest line (the creation
    event, which carries the whole scenario, so it grows with the scenario's languages) and its size.
    Each refusal below exceeds one of these by a clear margin, whatever the scenario's size."""

    line: int  # TTX_MAX_IMPORT_LINE_BYTES
    body: int  # TTX_MAX_IMPORT_BYTES
    events: int  # TTX_MAX_IMPORT_EVENTS: fewer than the log has

    @classmethod
    def of(cls, log_text: str) -> "Bounds":
        lines = [len(x.encode()) for x in log_text.splitlines()]
        line = max(lines) + max(lines) // 8  # the creation event fits, with an eighth to spare
        return cls(line=line, body=len(log_text.encode()) + line, events=len(lines) - 2)


@pytest.fixture(scope="module")
def bounds(log_text) -> Bounds:
    return Bounds.of(log_text)


@pytest_asyncio.fixture
async def small(sqlite_url, bounds) -> AsyncIterator[httpx.AsyncClient]:
    async for c in app_client(make_settings(sqlite_url, TTX_MAX_IMPORT_BYTES=bounds.body, TTX_MAX_IMPORT_EVENTS=bounds.events,
                                            TTX_MAX_IMPORT_LINE_BYTES=bounds.line)):
        yield c


async def test_the_bounds_admit_the_log_itself(small, log_text, bounds):
    """The limits are tight, not too tight: the log imports, only its event count is over."""
    header, events = lines_of(log_text)
    assert len(events) > bounds.events
    del header["event_count"]
    r = await post(small, ndjson([header, *events[:bounds.events]]))
    assert r.status_code != 413, r.text


async def test_a_body_over_the_size_limit_is_refused_413(small, log_text, bounds):
    r = await post(small, log_text + "\n" * bounds.body)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "body_too_large")


async def test_a_streamed_body_over_the_size_limit_is_refused_413(small, log_text, bounds):
    async def body() -> AsyncIterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield log_text.encode()
        for _ in range(bounds.body // 1000 + 1):
            yield b"\n" * 1000

    r = await small.post("/api/exercises/import", content=body(), headers=NDJSON)
    assert r.status_code == 413 and r.json()["error"]["code"] in ("body_too_large", "import_too_large")


async def test_more_events_than_the_limit_are_refused_413(small, log_text):
    header, events = lines_of(log_text)
    del header["event_count"]  # nothing promised up front: counted as they come
    r = await post(small, ndjson([header, *events]))
    assert (r.status_code, r.json()["error"]["code"]) == (413, "too_many_events")
    assert "TTX_MAX_IMPORT_EVENTS" in r.json()["error"]["message"]


async def test_a_header_promising_too_many_events_is_refused_before_any_event(small, log_text):
    r = await post(small, log_text.splitlines()[0] + "\n" + '{"a":1}\n')
    assert (r.status_code, r.json()["error"]["code"]) == (413, "too_many_events")


async def test_a_line_over_the_limit_is_refused_413(small, bounds):
    r = await post(small, '{"seq": 1, "data": "' + "x" * (bounds.line + 1000) + '"}\n')
    assert (r.status_code, r.json()["error"]["code"]) == (413, "line_too_long")


def test_the_default_limits_admit_every_shipped_scenario_with_room():
    """The server's own limits (server/settings.py) hold every shipped scenario with room: twice over
    as a definition posted to create an exercise (TTX_MAX_DEFINITION_BYTES, 256 KiB; csto-border-crisis
    with its briefings and injects in two languages is about 44 KB), eight times over as the creation event of an export, the longest
    line an import reads (TTX_MAX_IMPORT_LINE_BYTES, 1 MiB)."""
    from server.settings import Settings
    from server.scenarios import load_scenario_file
    from tests.review.support import PROJECT_ROOT

    settings = Settings()
    for path in sorted((PROJECT_ROOT / "exercises").glob("*.yaml")):
        definition = json.dumps(load_scenario_file(path).model_dump(mode="json"), ensure_ascii=False).encode()
        creation = export_text(Play(load_scenario_file(path)).events).splitlines()[1].encode()
        assert 2 * len(definition) < settings.max_definition_bytes, (path.name, len(definition))
        assert 8 * len(creation) < settings.max_import_line_bytes, (path.name, len(creation))


# --- who may import ----------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.2", "testclient"])
async def test_without_the_admin_token_only_this_machine_may_import(sqlite_url, log_text, address):
    async for c in app_client(make_settings(sqlite_url), (address, 40000)):
        r = await post(c, log_text)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "import_from_loopback_only")
    assert "TTX_ADMIN_TOKEN" in r.json()["error"]["message"]


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_loopback_addresses_may_import_without_the_admin_token(sqlite_url, log_text, address):
    async for c in app_client(make_settings(sqlite_url), (address, 40000)):
        r = await post(c, log_text)
    assert r.status_code == 201, r.text


async def test_with_the_admin_token_any_address_may_import_with_it(sqlite_url, log_text):
    async for c in app_client(make_settings(sqlite_url, TTX_ADMIN_TOKEN="adm1n"), ("203.0.113.9", 40000)):
        r = await post(c, log_text, Authorization="Bearer adm1n")
    assert r.status_code == 201, r.text


# --- over a real socket --------------------------------------------------------------------------------

def test_a_client_still_sending_reads_the_refusal(settings, log_text):
    """The refusal comes at line 4 while the client is still sending megabytes: it reads the 422 (the
    server reads and drops the rest of the body, within bounds, before answering) and the server
    stays up."""
    header, events = lines_of(log_text)
    events[2]["actor"] = "NOBODY"
    text = "\n".join(json.dumps(x) for x in [header, *events]) + "\n" + ('{"a":1}\n' * 400_000)
    with ThreadServer(settings) as server:
        r = httpx.post(f"{server.url}/api/exercises/import", content=text.encode(), headers=NDJSON, timeout=60)
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    assert (r.status_code, r.json()["error"]["details"]["seq"]) == (422, 3)


async def test_an_import_cut_off_by_a_crash_is_cleaned_up_at_the_next_start(settings, sqlite_url):
    from server.app import create_app
    from server.store.sql import open_store

    store = open_store(sqlite_url)
    await store.begin_import(exercise_id="ex_cutoff", scenario_id="s", title="t", created_at=1.0)
    await store.close()
    assert stored_exercises(sqlite_url) == [("ex_cutoff", "importing")]
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass
    assert stored_exercises(sqlite_url) == []


async def test_import_then_report_and_fork_in_the_workers_on_either_database(db_url, log_text):
    from server.app import create_app

    app = create_app(make_settings(db_url))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            header, events = lines_of(log_text)
            events[-1]["data"]["summary"] = "Edited"
            refused = await post(c, "\n".join(json.dumps(x) for x in [header, *events]) + "\n")
            r = await post(c, log_text)
            assert (refused.status_code, r.status_code) == (422, 201), r.text
            copy = Exercise(c, r.json())
            report = await c.get(f"/api/exercises/{copy.id}/report", headers=copy.headers("facilitator"))
            fork = await c.post(f"/api/exercises/{copy.id}/fork", json={"at": 4}, headers=copy.headers("facilitator"))
            stored = await app.state.store.db.fetch("SELECT id, status FROM exercises ORDER BY created_at")
    assert report.status_code == 200 and report.json()["exercise"]["events"] == len(events)
    assert fork.status_code == 201, fork.text
    assert [row[0] for row in stored] == [copy.id, fork.json()["id"]]  # the refused import left nothing


class RefuseThreats:
    """A stand-in history check (the real one re-decides every move): the engine "could not" have
    recorded a threat report. Importable by the import process, as a check must be."""

    def __call__(self, state, event):
        return "no threats here" if event.type == "threat_reported" else None


@pytest.mark.parametrize("kind", ["process", "thread"])
async def test_the_history_check_is_asked_about_every_event_where_the_import_runs(sqlite_url, log_text, kind):
    from server.app import create_app
    from server.review.importing import ImportLimits as Limits

    app = create_app(make_settings(sqlite_url, TTX_WORKER_KIND=kind))
    async with app.router.lifespan_context(app):
        async def body():
            yield log_text.encode()

        from server.review.operations import ReviewRefused

        with pytest.raises(ReviewRefused) as refused:
            await app.state.work.import_log(app.state.service, body(), limits=Limits(10**8, 10**6, 10**6),
                                            snapshot_every=5000, check_factory=RefuseThreats)
    _, events = lines_of(log_text)
    seq = next(e["seq"] for e in events if e["type"] == "threat_reported")
    assert (refused.value.code, refused.value.details["seq"], refused.value.details["reason"]) == \
        ("impossible_event", seq, "no threats here")
