"""Issue 13, the attacks that had no test of their own at the HTTP edge: each is a test that failed
on the code of commit cb8197d and passes now (docs/SECURITY.md names them per case).

- case 1: the chain verifies offline with `ttx verify` (new logs and the logs recorded before the
  nonce); a seat asking for the state at a hidden seq learns nothing of that event (its time);
- case 3: a forged history with a consistent chain (a `seat_admitted` nobody decided) is refused at
  import, so it can never be forked into a live exercise;
- case 4: imported data that broke a read later (an inject delivered `to: 7`, a clock speed of 0)
  is refused at import, 422 with the seq, and nothing is stored;
- case 7: no count, version, head or time of hidden events in what a seat reads (`next_after`,
  `exercise.version`, `exercise.last_time`, the observer report's `log_head`), and entity ids that
  do not encode the seq.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from server.store.chain import GENESIS, event_hash
from tests.api.test_chain_privacy import private_talk
from tests.conftest import create_exercise
from tests.review.support import Play, export_text

TESTS = Path(__file__).parent.parent
OLD_LOGS = [TESTS / "store" / "fixtures" / "legacy-chain.ndjson", *sorted((TESTS / "fixtures").glob("format-1-*.ndjson"))]
NDJSON = {"Content-Type": "application/x-ndjson"}


def ttx(*args: str):
    """`ttx ...` through click, in a thread of its own (the CLI runs its own event loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(CliRunner().invoke, main, list(args), catch_exceptions=False).result()


# --- case 1: verifiable offline, old and new -------------------------------------------------------

async def test_the_export_of_a_run_with_private_events_verifies_with_ttx_verify(exercise, tmp_path):
    await private_talk(exercise)
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/export", headers=exercise.headers("facilitator"))
    path = tmp_path / "run.ndjson"
    path.write_bytes(r.content)
    assert all(len(json.loads(x)["nonce"]) == 32 for x in r.text.splitlines()[1:])
    result = ttx("verify", str(path))
    assert result.exit_code == 0 and "chain verified" in result.output, result.output
    lines = r.text.splitlines()
    env = json.loads(lines[4])
    env["nonce"] = "0" * 32  # the nonce is committed to: another one breaks the chain at that event
    lines[4] = json.dumps(env)
    path.write_text("\n".join(lines) + "\n")
    result = ttx("verify", str(path))
    assert result.exit_code == 1 and "seq 4" in result.output, result.output


@pytest.mark.parametrize("path", OLD_LOGS, ids=[p.name for p in OLD_LOGS])
def test_logs_recorded_before_the_nonce_still_verify_with_ttx_verify(path):
    assert any("nonce" not in json.loads(x) or json.loads(x).get("nonce") is None
               for x in path.read_text().splitlines()[1:])  # recorded without nonces
    result = ttx("verify", str(path))
    assert result.exit_code == 0 and "chain verified" in result.output, result.output


async def test_the_state_at_a_hidden_seq_is_the_seats_state_after_its_last_visible_event(exercise):
    await private_talk(exercise)  # ARM sees 2 and 6; 3-5 are a private consultation
    events = {e["seq"]: e for e in await exercise.events("facilitator")}
    for at in (3, 4, 5):
        view = (await exercise.state("ARM", at=at))["exercise"]
        assert (view["version"], view["last_time"]) == (2, events[2]["exercise_time"])
    assert (await exercise.state("ARM", at=6))["exercise"]["version"] == 6


# --- case 3: a forged history never becomes a live exercise ----------------------------------------

def rehashed(text: str, edit) -> str:
    """The export after `edit(events)` (a list of envelopes, edited in place), every hash and the
    header recomputed: a consistent chain, as a forger would make it."""
    header, *events = [json.loads(x) for x in text.splitlines()]
    edit(events)
    prev = GENESIS
    for seq, env in enumerate(events, 1):
        env["seq"] = seq
        env["hash"] = prev = event_hash(prev, env)
    header.update(event_count=len(events), head_hash=prev)
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in [header, *events]) + "\n"


def a_vote() -> Play:
    p = Play()
    p.do("RUS", "propose_decision", t=700, body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")
    dec = p.last("decision_proposed").data["decision_id"]
    p.do("KAZ", "cast_vote", t=710, decision_id=dec, vote="for")
    return p


async def stored_ids(app) -> list[str]:
    return [row[0] for row in await app.state.store.db.fetch("SELECT id FROM exercises")]


async def test_a_forged_admission_is_refused_at_import_and_cannot_be_forked(client, app):
    text = export_text(a_vote().events)
    before = await stored_ids(app)

    def admit_ukr(events):
        vote = next(i for i, e in enumerate(events) if e["type"] == "vote_cast")
        fake = dict(events[vote], type="seat_admitted", actor="system", version=2, audience=None,
                    data={"seat": "UKR", "status": "member", "decision_id": events[vote]["data"]["decision_id"]})
        events.insert(vote, fake)

    forged = rehashed(text, admit_ukr)
    seq = next(json.loads(x)["seq"] for x in forged.splitlines()[1:] if json.loads(x)["type"] == "seat_admitted")
    r = await client.post("/api/exercises/import", content=forged.encode(), headers=NDJSON)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "impossible_event"), r.text
    assert r.json()["error"]["details"]["seq"] == seq and "seat_admitted" in r.json()["error"]["details"]["reason"]
    assert await stored_ids(app) == before  # nothing to fork, resume or vote in
    assert (await client.post("/api/exercises/import", content=text.encode(), headers=NDJSON)).status_code == 201


def test_ttx_import_makes_the_same_history_check(tmp_path):
    """`ttx import` said it made the checks of `POST /api/exercises/import`, but loaded a forged
    history: it re-decides every move too."""
    text = export_text(a_vote().events)

    def admit_ukr(events):
        vote = next(i for i, e in enumerate(events) if e["type"] == "vote_cast")
        events.insert(vote, dict(events[vote], type="seat_admitted", actor="system", version=2, audience=None,
                                 data={"seat": "UKR", "status": "member", "decision_id": events[vote]["data"]["decision_id"]}))

    path = tmp_path / "forged.ndjson"
    path.write_text(rehashed(text, admit_ukr))
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(CliRunner().invoke, main, ["import", str(path)], env=env, catch_exceptions=False).result()
    assert result.exit_code == 1 and "seat_admitted" in result.output, result.output


# --- case 4: imported data that broke reads later --------------------------------------------------

def delivered_and_sped_up() -> Play:
    p = Play()
    p.tick(600)  # the field report, delivered at 00:10
    p.do("facilitator", "set_clock_speed", t=610, factor=5.0)
    p.do("KAZ", "report_threat", t=620, kind="threat", summary="Shelling")
    return p


def _edit_first(type_: str, **data):
    def edit(events):
        env = next(e for e in events if e["type"] == type_)
        env["data"].update(data)
    return edit


@pytest.mark.parametrize("type_,data", [
    ("inject_delivered", {"to": 7}),  # GET /report was a 500 on it
    ("clock_speed_set", {"factor": 0}),  # fork and resume divided by zero
    ("clock_speed_set", {"factor": 0.0}),
    ("clock_speed_set", {"factor": "5"}),
    ("clock_speed_set", {"factor": 1e-320}),
], ids=["inject to 7", "speed 0", "speed 0.0", "speed '5'", "speed 1e-320"])
async def test_imported_data_the_engine_could_not_have_recorded_is_refused_and_nothing_stored(client, app, type_, data):
    text = export_text(delivered_and_sped_up().events)
    forged = rehashed(text, _edit_first(type_, **data))
    seq = next(json.loads(x)["seq"] for x in forged.splitlines()[1:] if json.loads(x)["type"] == type_)
    before = await stored_ids(app)
    r = await client.post("/api/exercises/import", content=forged.encode(), headers=NDJSON)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] in ("impossible_event", "invalid_export") and r.json()["error"]["details"]["seq"] == seq
    assert await stored_ids(app) == before


async def test_a_definition_that_names_a_seat_twice_is_a_422_not_a_constraint_failure(client):
    from tests.live.test_multiprocess import DEFINITION

    seats = [*DEFINITION["seats"], dict(DEFINITION["seats"][0])]
    r = await client.post("/api/exercises", json={"definition": {**DEFINITION, "seats": seats}})
    assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_scenario", "duplicate_seat"), r.text


@pytest.mark.parametrize("speed,status", [(1e-320, 422), (0.05, 422), (101, 422), (0.1, 201), (100, 201)])
async def test_a_definition_whose_clock_runs_outside_the_servers_speeds_is_refused(client, speed, status):
    """Case 8's bound holds for a scenario's own default speed too (1e-320 froze the clock)."""
    from tests.live.test_multiprocess import DEFINITION

    r = await client.post("/api/exercises", json={"definition": {**DEFINITION, "speed": speed}})
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["error"]["code"] == "speed_out_of_range"


# --- case 7: nothing countable about hidden events ------------------------------------------------

async def test_a_seat_reads_no_count_version_or_time_beyond_its_last_visible_event(exercise):
    await private_talk(exercise)  # ARM's last visible event: 6
    seen = await exercise.events("facilitator")
    for i in range(3):  # hidden from ARM: observations are the facilitator's
        await exercise.command("facilitator", {"type": "add_observation", "text": f"note {i}"})
    head = (await exercise.state("facilitator"))["exercise"]["version"]
    assert head == 9
    view = (await exercise.state("ARM"))["exercise"]
    assert (view["version"], view["last_time"]) == (6, seen[-1]["exercise_time"])
    for after in (0, 6):
        r = await exercise.client.get(f"/api/exercises/{exercise.id}/events", params={"after": after},
                                      headers=exercise.headers("ARM"))
        assert r.json()["next_after"] == 6
    # asking beyond the head is answered as asking at it: a refusal would tell where the head is
    assert (await exercise.state("ARM", at=head + 5))["exercise"]["version"] == 6


async def test_a_commands_answer_ends_at_the_seats_own_last_event(exercise):
    """KGZ's request for assistance triggers an inject for UZB, TJK and SG only, in the same batch:
    the answer's `next_after` is KGZ's own event, not the inject's seq after it."""
    await exercise.command("facilitator", {"type": "start_exercise"})
    out = await exercise.command("KGZ", {"type": "request_assistance", "kinds": ["military"], "summary": "Help"})
    mine = out["events"][-1]
    after = [e for e in await exercise.events("facilitator") if e["seq"] > mine["seq"]]
    assert after and after[0]["type"] == "inject_delivered" and "KGZ" not in (after[0]["audience"] or ["KGZ"])
    assert [e["type"] for e in out["events"]] == ["assistance_requested"] and out["next_after"] == mine["seq"]


async def test_the_observers_report_names_the_head_it_sees_not_the_logs(exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    await exercise.command("KAZ", {"type": "report_threat", "kind": "threat", "summary": "Shelling"})
    threat = (await exercise.events("observer"))[-1]
    await exercise.command("facilitator", {"type": "add_observation", "text": "hidden from the observer"})
    r = await exercise.client.get(f"/api/exercises/{exercise.id}/report", headers=exercise.headers("observer"))
    assert r.status_code == 200, r.text
    head = r.json()["exercise"]["log_head"]
    assert head == {"seq": threat["seq"], "hash": threat["hash"]}
    staff = await exercise.client.get(f"/api/exercises/{exercise.id}/report", headers=exercise.headers("facilitator"))
    assert staff.json()["exercise"]["log_head"]["seq"] == threat["seq"] + 1


async def test_entity_ids_do_not_encode_the_seq(client):
    """The same moves at the same seqs in two exercises give ids that have nothing of the seq in
    them and differ between the two (keyed on a random salt)."""
    ids = []
    for _ in range(2):
        ex = await create_exercise(client)
        await ex.command("facilitator", {"type": "start_exercise"})
        out = await ex.command("RUS", {"type": "request_consultation", "topic": "Bilateral", "invitees": ["TJK"],
                                       "private": True})
        opened = out["events"][0]
        stm = await ex.command("RUS", {"type": "post_statement", "consultation_id": opened["data"]["consultation_id"],
                                       "text": "agreed"})
        said = stm["events"][0]
        ids.append((opened["seq"], opened["data"]["consultation_id"], said["seq"], said["data"]["statement_id"]))
    (s1, con1, t1, stm1), (s2, con2, t2, stm2) = ids
    assert (s1, t1) == (s2, t2)
    assert con1 != con2 and stm1 != stm2
    for seq, ident in ((s1, con1), (t1, stm1)):
        assert not re.fullmatch(rf"[a-z]+_0*{seq}", ident) and ident.split("_", 1)[1] != str(seq)
