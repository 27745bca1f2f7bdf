"""The review API: report, replay by time, export/import, fork and compare, through HTTP."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator

import httpx
import pytest
import pytest_asyncio

from server.clock import ManualClock
from server.store.chain import event_hash
from tests.conftest import Exercise, create_exercise, make_settings
from tests.review.support import MEMBERS, TAMPERINGS, tamper

NDJSON = {"Content-Type": "application/x-ndjson"}
QUALIFIED = [{"body": "*", "kind": "*", "rule": "qualified_majority", "threshold": 0.67, "quorum": 0.5,
              "deadline_minutes": 60}]


@pytest.fixture
def clock() -> ManualClock:
    """The app's clock (see conftest's `app`): exercise time moves only when a test moves it."""
    return ManualClock()


async def scripted_crisis(ex: Exercise, clock: ManualClock) -> None:
    """csto-border-crisis played through the API at 60x: one wall second is an exercise minute,
    and each pause between moves is 0.03 s (1.8 exercise seconds) or 0.01 s."""

    def pause(seconds: float = 0.03) -> None:
        clock.advance(seconds)

    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("facilitator", {"type": "set_clock_speed", "factor": 60})
    await ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    pause()
    await ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "Border post 12 is shelled"})
    pause()
    out = await ex.command("TJK", {"type": "request_consultation", "topic": "Aggression on the Pyanj", "invitees": "all"})
    con = out["events"][0]["data"]["consultation_id"]
    await ex.command("KAZ", {"type": "post_statement", "consultation_id": con, "text": "Kazakhstan stands with you"})
    pause()
    out = await ex.command("TJK", {"type": "request_assistance", "kinds": ["military", "border_troops"],
                                   "summary": "Reinforcements and air cover"})
    req = out["events"][0]["data"]["request_id"]
    for m in MEMBERS:
        if m != "TJK":
            pause(0.01)
            await ex.command(m, {"type": "respond_to_assistance", "request_id": req,
                                 "response": "decline" if m == "GEO" else "pledge"})
    pause()
    out = await ex.command("RUS", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces",
                                   "title": "Deploy collective forces", "text": "To the Tajik-Afghan border"})
    dec = out["events"][0]["data"]["decision_id"]
    for m in MEMBERS:
        await ex.command(m, {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    pause()
    await ex.command("SG", {"type": "notify_un_security_council", "summary": "Measures under Art. 4", "decision_id": dec})
    for m, status in (("KAZ", "in_force"), ("RUS", "in_force"), ("KGZ", "blocked")):
        pause(0.01)
        await ex.command(m, {"type": "record_implementation", "decision_id": dec, "status": status})
    await ex.command("facilitator", {"type": "add_observation", "text": "The SG was quick"})


async def report(ex: Exercise, seat: str = "facilitator", fmt: str = "json") -> httpx.Response:
    return await ex.client.get(f"/api/exercises/{ex.id}/report", params={"format": fmt}, headers=ex.headers(seat))


def first(events: list[dict[str, Any]], type: str, after: int = 0) -> dict[str, Any]:
    return next(e for e in events if e["type"] == type and e["seq"] > after)


# --- the report ----------------------------------------------------------------------------------

async def test_report_of_a_scripted_run_measures_delays_from_the_log(client, clock):
    ex = await create_exercise(client)
    await scripted_crisis(ex, clock)
    events = await ex.events()
    r = await report(ex)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert [t["seq"] for t in rep["timeline"]] == [e["seq"] for e in events]

    incursion = next(e for e in events if e["type"] == "inject_delivered" and e["data"]["inject_id"] == "incursion")
    chain = next(c for c in rep["chains"] if c["inject_id"] == "incursion")
    t0 = incursion["exercise_time"]
    for step, type in [("first_consultation", "consultation_opened"), ("first_assistance_request", "assistance_requested"),
                       ("first_decision_proposed", "decision_proposed"), ("first_decision_adopted", "decision_adopted"),
                       ("un_notified", "un_security_council_notified")]:
        ev = first(events, type, incursion["seq"])
        assert chain["steps"][step]["seq"] == ev["seq"]
        assert chain["steps"][step]["delay"] == pytest.approx(ev["exercise_time"] - t0, abs=1e-3)
    for m in ("KAZ", "RUS", "KGZ"):
        impl = next(e for e in events if e["type"] == "implementation_recorded" and e["actor"] == m)
        assert chain["implementation"][m]["delay"] == pytest.approx(impl["exercise_time"] - t0, abs=1e-3)
    assert chain["implementation"]["ARM"] is None
    assert chain["steps"]["first_assistance_request"]["delay"] == pytest.approx(3 * 0.03 * 60)  # three pauses at 60x

    (d,) = rep["decisions"]
    proposed, adopted = first(events, "decision_proposed"), first(events, "decision_adopted")
    assert d["outcome"] == "adopted" and d["rule"] == proposed["data"]["rule"]
    assert d["time_to_settle"] == pytest.approx(adopted["exercise_time"] - proposed["exercise_time"], abs=1e-3)
    assert d["tally"]["for"] == 9

    exp = {e["id"]: e for e in rep["expectations"]}
    threat = first(events, "threat_reported")
    assert exp["threat-reported"]["status"] == "met"
    assert exp["threat-reported"]["measured"] == pytest.approx(threat["exercise_time"] - t0, abs=1e-3)
    assert exp["threat-reported"]["satisfied_by"] == [threat["seq"]]
    answers = [e for e in events if e["type"] == "assistance_responded"]
    assert exp["every-member-answers"]["status"] == "met"
    assert exp["every-member-answers"]["satisfied_by"] == [e["seq"] for e in answers]
    req = first(events, "assistance_requested")
    seats = {s["seat"]: s for s in rep["seats"]}
    kaz = next(e for e in answers if e["actor"] == "KAZ")
    assert seats["KAZ"]["mean_assistance_response_time"] == pytest.approx(kaz["exercise_time"] - req["exercise_time"], abs=1e-3)
    assert seats["KAZ"]["statements"] == 1
    assert rep["observations"][0]["text"] == "The SG was quick"


async def test_a_window_that_passes_is_reported_missed(client, clock):
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("facilitator", {"type": "set_clock_speed", "factor": 100})
    await ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    clock.advance(11)  # 1,100 exercise seconds: past the 15 minutes allowed for the threat report
    await ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "Late"})
    events = await ex.events()
    exp = {e["id"]: e for e in (await report(ex)).json()["expectations"]}
    late = first(events, "threat_reported")["exercise_time"] - first(events, "inject_delivered")["exercise_time"]
    assert late == pytest.approx(1_100, abs=0.01)
    assert exp["threat-reported"]["status"] == "missed"
    assert exp["threat-reported"]["measured"] == pytest.approx(late, abs=1e-3)
    assert exp["consultations-open"]["status"] == "pending"  # 30 minutes, not over yet
    assert exp["un-notified"]["status"] == "not_triggered"


async def test_report_is_for_the_facilitator_and_the_observer_only(client):
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("RUS", {"type": "request_consultation", "topic": "Private line", "invitees": ["KAZ"], "private": True})
    await ex.command("facilitator", {"type": "add_observation", "text": "Facilitator's eyes only"})
    assert (await report(ex, "TJK")).status_code == 403
    assert (await report(ex, "SG")).status_code == 403
    r = await client.get(f"/api/exercises/{ex.id}/report")
    assert r.status_code == 401
    fac, obs = await report(ex, "facilitator"), await report(ex, "observer")
    assert fac.status_code == obs.status_code == 200
    assert "Private line" in fac.text and "Facilitator's eyes only" in fac.text
    assert "Private line" not in obs.text and "Facilitator's eyes only" not in obs.text
    other = await create_exercise(client)
    r = await client.get(f"/api/exercises/{ex.id}/report", headers=other.headers("facilitator"))
    assert r.status_code == 403


@pytest.mark.parametrize("fmt,media", [("html", "text/html"), ("md", "text/markdown"), ("csv", "text/csv"),
                                       ("json", "application/json")])
async def test_report_formats(client, fmt, media):
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("TJK", {"type": "report_threat", "kind": "threat", "summary": "<img src=x onerror=alert(1)>"})
    r = await report(ex, "observer", fmt)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    if fmt in ("html", "md"):
        assert "<img src=x" not in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text
    if fmt == "html":
        assert "script-src" not in r.headers["content-security-policy"]
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert 'class="mark"' in r.text
    if fmt == "csv":
        assert len(r.text.strip().splitlines()) == 1 + len(await ex.events("observer"))
    bad = await client.get(f"/api/exercises/{ex.id}/report", params={"format": "pdf"}, headers=ex.headers("observer"))
    assert bad.status_code == 422


# --- replay by exercise time -------------------------------------------------------------------------

async def test_state_at_an_exercise_time(client, clock):
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("facilitator", {"type": "set_clock_speed", "factor": 100})
    clock.advance(2)
    await ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "First"})
    clock.advance(2)
    await ex.command("KGZ", {"type": "report_threat", "kind": "threat", "summary": "Second"})
    events = await ex.events()
    t1, t2 = (first(events, "threat_reported")["exercise_time"],
              next(e for e in events if e["type"] == "threat_reported" and e["actor"] == "KGZ")["exercise_time"])
    assert t2 - t1 == pytest.approx(200, abs=0.01)
    between = (t1 + t2) / 2
    view = await ex.state("observer", at_time=between)
    assert view["exercise"]["version"] == max(e["seq"] for e in events if e["exercise_time"] <= between)
    assert [t["summary"] for t in view["threats"]] == ["First"]
    before = await ex.state("observer", at_time=t1 - 1)
    assert before["threats"] == []
    after = await ex.state("observer", at_time=t2)
    assert len(after["threats"]) == 2 and after["exercise"]["version"] == events[-1]["seq"]


# --- export and import ----------------------------------------------------------------------------

async def export(ex: Exercise) -> str:
    r = await ex.client.get(f"/api/exercises/{ex.id}/export", headers=ex.headers("facilitator"))
    assert r.status_code == 200
    return r.text


async def import_log(client: httpx.AsyncClient, text: str, **headers: str) -> httpx.Response:
    return await client.post("/api/exercises/import", content=text.encode(), headers={**NDJSON, **headers})


async def test_an_imported_export_reports_exactly_like_the_original(client, clock):
    ex = await create_exercise(client)
    await scripted_crisis(ex, clock)
    await ex.command("facilitator", {"type": "end_exercise"})
    r = await import_log(client, await export(ex))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] != ex.id and body["read_only"] is True and body["imported_from"] == ex.id
    assert {s["seat"] for s in body["seats"]} >= {"facilitator", "observer", "TJK"}
    assert all(s["join_url"].endswith("#" + s["token"]) for s in body["seats"])
    copy = Exercise(client, body)
    for seat in ("facilitator", "observer"):
        original, imported = (await report(ex, seat)).json(), (await report(copy, seat)).json()
        assert imported == original
    for fmt in ("html", "md", "csv"):
        assert (await report(copy, "facilitator", fmt)).text == (await report(ex, "facilitator", fmt)).text
    # the copy keeps every hash, and is read-only but can be replayed
    assert [(e["id"], e["nonce"], e["hash"]) for e in await copy.events()] == [(e["id"], e["nonce"], e["hash"])
                                                                                for e in await ex.events()]
    refused = await copy.client.post(f"/api/exercises/{copy.id}/commands", json={"type": "add_observation", "text": "x"},
                                     headers=copy.headers("facilitator"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "read_only"
    past = await copy.state("observer", at=5)
    assert past["exercise"]["version"] == 5 and past["read_only"] is True


@pytest.mark.parametrize("how", TAMPERINGS)
async def test_import_refuses_a_damaged_log_naming_the_seq(client, clock, how):
    ex = await create_exercise(client)
    await scripted_crisis(ex, clock)
    damaged, seq = tamper(await export(ex), how)
    r = await import_log(client, damaged)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "broken_chain"
    assert err["details"]["seq"] == seq
    assert f"seq {seq}" in err["message"]


async def test_import_needs_ndjson(client):
    r = await client.post("/api/exercises/import", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415


async def test_an_old_event_version_is_imported_as_stored_and_read_upcast(client):
    """A log written before `clock_speed_set` v2 keeps its v1 form (and hash); reads see `factor`."""
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    lines = (await export(ex)).splitlines()
    header, envs = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    old = {"seq": len(envs) + 1, "id": "3f1d8c9e-0000-4000-8000-000000000001", "type": "clock_speed_set", "version": 1,
           "actor": "facilitator", "exercise_time": 1.0, "recorded_at": envs[-1]["recorded_at"], "audience": None,
           "data": {"speed": 3}}
    old["hash"] = event_hash(envs[-1]["hash"], old)
    envs.append(old)
    header.update(event_count=len(envs), head_hash=old["hash"])
    text = "\n".join(json.dumps(x) for x in [header, *envs]) + "\n"
    r = await import_log(client, text)
    assert r.status_code == 201, r.text
    copy = Exercise(client, r.json())
    assert (await copy.state())["exercise"]["clock"]["speed"] == 3.0
    last = (await copy.events())[-1]
    assert last["version"] == 2 and last["data"] == {"factor": 3.0}  # upcast on read
    again = (await export(copy)).splitlines()
    assert json.loads(again[-1])["version"] == 1 and json.loads(again[-1])["hash"] == old["hash"]  # stored as written


@pytest_asyncio.fixture
async def admin_client(sqlite_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from server.app import create_app

    app = create_app(make_settings(sqlite_url, TTX_ADMIN_TOKEN="admin-s3cret"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            yield c


async def test_import_needs_the_admin_token_when_one_is_set(admin_client):
    admin = {"Authorization": "Bearer admin-s3cret"}
    r = await admin_client.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers=admin)
    ex = Exercise(admin_client, r.json())
    text = await export(ex)
    assert (await import_log(admin_client, text)).status_code == 401
    assert (await import_log(admin_client, text, Authorization="Bearer wrong")).status_code == 403
    assert (await import_log(admin_client, text, **admin)).status_code == 201


# --- fork and compare ---------------------------------------------------------------------------------

async def rejected_by_one(client) -> tuple[Exercise, int, str]:
    """A use-of-force decision under consensus, eight for and Azerbaijan against: rejected."""
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    out = await ex.command("RUS", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces",
                                   "title": "Deploy", "text": "Deploy collective forces"})
    proposal = out["events"][0]
    for m in [*(m for m in MEMBERS if m != "AZE"), "AZE"]:  # the objection comes last: all voted, rejected
        await ex.command(m, {"type": "cast_vote", "decision_id": proposal["data"]["decision_id"],
                             "vote": "against" if m == "AZE" else "for"})
    return ex, proposal["seq"], proposal["data"]["decision_id"]


async def fork(ex: Exercise, seat: str = "facilitator", **body: Any) -> httpx.Response:
    return await ex.client.post(f"/api/exercises/{ex.id}/fork", json=body, headers=ex.headers(seat))


async def test_a_fork_under_qualified_majority_adopts_what_consensus_rejected(client):
    ex, at, dec = await rejected_by_one(client)
    assert (await report(ex)).json()["decisions"][0]["outcome"] == "rejected"
    r = await fork(ex, at=at, rules=QUALIFIED, replay=True)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["forked_from"] == {"exercise_id": ex.id, "at": at}
    # under 0.67 of members the seventh "for" adopts it at once: the last two votes find it settled
    assert body["reenacted"] == 7 and [s["code"] for s in body["skipped"]] == ["decision_settled", "decision_settled"]
    assert {s["seat"] for s in body["seats"]} >= {"facilitator", "observer", "AZE"}
    assert not set(s["token"] for s in body["seats"]) & set(ex.tokens.values())
    forked = Exercise(client, body)
    original_events, fork_events = await ex.events(), await forked.events()
    assert [e["hash"] for e in fork_events[:at]] == [e["hash"] for e in original_events[:at]]
    assert [e["id"] for e in fork_events[:at]] == [e["id"] for e in original_events[:at]]
    assert [e["nonce"] for e in fork_events[:at]] == [e["nonce"] for e in original_events[:at]]
    assert fork_events[at]["type"] == "exercise_forked"
    (d,) = (await report(forked)).json()["decisions"]
    assert d["outcome"] == "adopted" and d["rule"]["rule"] == "qualified_majority" and d["reruled"] is True
    state = await forked.state()
    assert state["exercise"]["status"] == "paused" and state["exercise"]["forked_from"]["exercise_id"] == ex.id
    await forked.command("facilitator", {"type": "resume_exercise"})  # the room is ready: play on

    cmp = await client.post("/api/compare", json={"a": {"exercise_id": ex.id, "token": ex.tokens["observer"]},
                                                  "b": {"exercise_id": forked.id, "token": forked.tokens["facilitator"]}})
    assert cmp.status_code == 200, cmp.text
    (pair,) = cmp.json()["decisions"]
    assert pair["changed"] is True
    assert (pair["a"]["outcome"], pair["b"]["outcome"]) == ("rejected", "adopted")
    assert pair["a"]["decision_id"] == pair["b"]["decision_id"] == dec  # proposed before the fork point
    assert cmp.json()["a"]["exercise_id"] == ex.id and cmp.json()["b"]["exercise_id"] == forked.id


async def test_fork_and_compare_guard_their_doors(client):
    ex, at, _ = await rejected_by_one(client)
    assert (await fork(ex, "observer", at=at)).status_code == 403
    assert (await fork(ex, "RUS", at=at)).status_code == 403
    r = await fork(ex, at=10_000)
    assert r.status_code == 409 and r.json()["error"]["code"] == "beyond_head"
    for bad in ([{"body": "CCS", "rule": "qualified_majority", "threshold": 1.5}], {"NOPE": {"rule": "consensus"}},
                {"CCS": {"invasion": {"rule": "consensus"}}}, {"CCS": "consensus"}, []):
        r = await fork(ex, at=at, rules=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_fork", bad
    assert (await fork(ex, at=0)).status_code == 422
    other = await create_exercise(client)
    for a_token in (ex.tokens["TJK"], other.tokens["facilitator"], "nonsense"):
        r = await client.post("/api/compare", json={"a": {"exercise_id": ex.id, "token": a_token},
                                                    "b": {"exercise_id": other.id, "token": other.tokens["observer"]}})
        assert r.status_code in (401, 403), r.text
    ok = await fork(ex, at=at)
    assert ok.status_code == 201 and ok.json()["reenacted"] == 0


@pytest.mark.parametrize("rules", [
    [{"body": "CCS", "kind": "use_of_armed_forces", "rule": "qualified_majority", "threshold": 0.67}],
    {"body": "CCS", "kind": "use_of_armed_forces", "rule": "qualified_majority", "threshold": 0.67},
    {"CCS": {"use_of_armed_forces": {"rule": "qualified_majority", "threshold": 0.67}}},
])
async def test_a_fork_takes_one_binding_in_any_of_its_forms_and_keeps_the_other_rules(client, rules):
    ex, at, _ = await rejected_by_one(client)
    r = await fork(ex, at=at, rules=rules, replay=True)
    assert r.status_code == 201, r.text
    forked = {(b["body"], b["kind"]): b for b in r.json()["rules"]}
    assert forked[("CCS", "use_of_armed_forces")]["rule"] == "qualified_majority"
    assert forked[("*", "*")]["rule"] == "consensus"  # the run's default, kept
    assert ("CCS", "accession") in forked


async def test_compare_matches_through_the_forks_id_map_and_reads_mixed_links_through_one_view(client):
    """Forked before the proposal, the decision is made again under a new id: compare pairs it
    through the id map the fork recorded. A private consultation opened in both runs is seen by the
    facilitator only: with one facilitator and one observer link both runs are read as the observer
    reads them, so it is not a change."""
    ex = await create_exercise(client)
    await ex.command("facilitator", {"type": "start_exercise"})
    await ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    await ex.command("RUS", {"type": "request_consultation", "topic": "Quietly", "invitees": ["KAZ"], "private": True})
    out = await ex.command("RUS", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces",
                                   "title": "Deploy", "text": "Deploy collective forces"})
    proposal = out["events"][0]
    for m in [*(m for m in MEMBERS if m != "AZE"), "AZE"]:
        await ex.command(m, {"type": "cast_vote", "decision_id": proposal["data"]["decision_id"],
                             "vote": "against" if m == "AZE" else "for"})
    await ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "More shelling"})
    r = await fork(ex, at=proposal["seq"] - 1, rules=QUALIFIED, replay=True)
    assert r.status_code == 201, r.text
    assert "id_map" not in r.json()
    forked = Exercise(client, r.json())
    # the fork keeps the map of the decisions it made again (not of the threat it made again) with its origin
    header = json.loads((await client.get(f"/api/exercises/{forked.id}/export",
                                          headers=forked.headers("facilitator"))).text.splitlines()[0])
    assert list(header["origin"]["id_map"]) == [proposal["data"]["decision_id"]]

    async def compare(a_seat: str, b_seat: str) -> dict[str, Any]:
        got = await client.post("/api/compare", json={"a": {"exercise_id": ex.id, "token": ex.tokens[a_seat]},
                                                      "b": {"exercise_id": forked.id, "token": forked.tokens[b_seat]}})
        assert got.status_code == 200, got.text
        return got.json()

    full = await compare("facilitator", "facilitator")
    assert full["view"] == "facilitator" and full["matched_by"] == "id_map" and "note" not in full
    (pair,) = full["decisions"]
    assert pair["a"]["decision_id"] == proposal["data"]["decision_id"] != pair["b"]["decision_id"]
    assert pair["changes"] == ["outcome"]
    assert not [e for e in full["expectations"] if e["changed"] and not any(d["changed"] for d in e["depends_on"])]
    for a_seat, b_seat in (("observer", "facilitator"), ("facilitator", "observer"), ("observer", "observer")):
        mixed = await compare(a_seat, b_seat)
        assert mixed["view"] == "observer" and mixed["a"]["seat"] == mixed["b"]["seat"] == "observer"
        assert ("note" in mixed) is (a_seat != b_seat)
        consult = next(e for e in mixed["expectations"] if e["id"] == "consultations-open")
        assert consult["changed"] is False
        assert [d["title"] for d in mixed["decisions"] if d["changed"]] == ["Deploy"]


async def test_compare_takes_the_tolerance_on_times_from_the_request(client, clock):
    """Two runs in which the same decision settles 50 and 100 exercise seconds after its proposal:
    within the default 60 s it is no change; with `tolerance_seconds: 10` it is, with both times;
    a tolerance out of bounds is a 422."""
    async def run(delay: float) -> Exercise:
        ex = await create_exercise(client)
        await ex.command("facilitator", {"type": "start_exercise"})
        out = await ex.command("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general",
                                       "title": "Statement", "text": "We condemn it."})
        clock.advance(delay)
        for m in MEMBERS:
            await ex.command(m, {"type": "cast_vote", "decision_id": out["events"][0]["data"]["decision_id"], "vote": "for"})
        return ex

    a, b = await run(50), await run(100)

    async def compare(**extra: Any) -> httpx.Response:
        return await client.post("/api/compare", json={"a": {"exercise_id": a.id, "token": a.tokens["facilitator"]},
                                                      "b": {"exercise_id": b.id, "token": b.tokens["facilitator"]},
                                                      **extra})

    (d,) = (await compare()).json()["decisions"]
    assert d["changed"] is False
    got = (await compare(tolerance_seconds=10)).json()
    assert got["tolerance"] == 10
    (d,) = got["decisions"]
    assert d["changed"] is True and d["times"] == {"a": 50.0, "b": 100.0}
    assert (await compare(tolerance_seconds=-1)).status_code == 422
