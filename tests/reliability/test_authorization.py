"""The authorization matrix of PRODUCT.md section 4, endpoint by endpoint and command by command,
for every kind of seat (facilitator, observer, a member state, a non-signatory state, the SG office),
a token of another exercise, a garbage token and no token. A permitted seat may get 409 for a reason
of state but never 401/403; a forbidden seat always gets 403 and nothing is appended.

The leak checks follow: a private consultation with statements, observations, a control-channel
exchange and an inject to one seat must reach nobody outside their audience, through any read path.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.domain.commands import COMMAND_TYPES, resolve_alias
from server.harness import ThreadServer
from server.scenarios import load_scenario_file
from server.settings import PROJECT_ROOT
from tests.conftest import make_settings

ADMIN = "admin-" + secrets.token_hex(8)
# the five kinds of seat, by the seat that plays each in csto-border-crisis
KINDS = {"facilitator": "facilitator", "observer": "observer", "member": "KAZ", "non-signatory": "MDA", "office": "SG"}
MEMBERS = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB")


class World:
    """One server (admin token set), with a helper to make exercises."""

    def __init__(self, server: ThreadServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=20)

    def create(self) -> Ex:
        r = self.http.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers=auth(ADMIN))
        assert r.status_code == 201, r.text
        return Ex(self, r.json())


class Ex:
    def __init__(self, world: World, created: dict[str, Any]) -> None:
        self.world = world
        self.http = world.http
        self.id: str = created["id"]
        self.tokens: dict[str, str] = {s["seat"]: s["token"] for s in created["seats"]}

    def post(self, token: str | None, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"/api/exercises/{self.id}/commands", json=body, headers=auth(token))

    def do(self, seat: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.post(self.tokens[seat], body)
        assert r.status_code == 200, f"{seat} {body}: {r.status_code} {r.text}"
        return r.json()

    def log(self, after: int = 0) -> list[dict[str, Any]]:
        r = self.http.get(f"/api/exercises/{self.id}/events", params={"after": after, "limit": 5000},
                          headers=auth(self.tokens["facilitator"]))
        assert r.status_code == 200, r.text
        return r.json()["events"]

    def head(self) -> int:
        return self.http.get(f"/api/exercises/{self.id}/state", headers=auth(self.tokens["facilitator"])).json()["exercise"]["version"]


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token is not None else {}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    from server.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('authz') / 'ttx.db'}"
    upgrade(url)
    with ThreadServer(make_settings(url, TTX_ADMIN_TOKEN=ADMIN)) as server:
        w = World(server)
        yield w
        w.http.close()


@pytest.fixture(scope="module")
def foreign(world: World) -> Ex:
    return world.create()


# --- commands ---------------------------------------------------------------------------------------

@dataclass
class Prepared:
    """A running exercise with something for every command to act on."""

    ex: Ex
    consultation: str  # public, convened by KAZ with RUS and SG
    request: str       # TJK's request for assistance
    open_decision: str
    adopted_decision: str


def prepare(world: World) -> Prepared:
    ex = world.create()
    ex.do("facilitator", {"type": "start_exercise"})
    con = ex.do("KAZ", {"type": "request_consultation", "topic": "border", "invitees": ["RUS", "SG"]})
    req = ex.do("TJK", {"type": "request_assistance", "kinds": ["military"], "summary": "troops"})
    open_dec = ex.do("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "t", "text": "x"})
    adopted = ex.do("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "u", "text": "y"})
    adopted_id = adopted["events"][0]["data"]["decision_id"]
    for seat in MEMBERS:
        last = ex.do(seat, {"type": "cast_vote", "decision_id": adopted_id, "vote": "for"})
    assert last["events"][-1]["type"] == "decision_adopted"
    return Prepared(ex, con["events"][0]["data"]["consultation_id"], req["events"][0]["data"]["request_id"],
                    open_dec["events"][0]["data"]["decision_id"], adopted_id)


@dataclass
class Case:
    body: Callable[[Prepared], dict[str, Any]]
    allowed: set[str]                 # kinds of seat (keys of KINDS) the tables let do it
    ok: str | None = None             # the seat (id) expected to succeed here, so the case is not vacuous
    extra: dict[str, bool] = field(default_factory=dict)  # role seats (convener, requester): seat -> allowed


STAFF = {"facilitator"}
F = "facilitator"
CASES: dict[str, Case] = {
    # PRODUCT.md section 4, command table: the facilitator's commands
    "start_exercise": Case(lambda p: {"type": "start_exercise"}, STAFF),  # already started: 409
    "pause_exercise": Case(lambda p: {"type": "pause_exercise"}, STAFF, ok=F),
    "resume_exercise": Case(lambda p: {"type": "resume_exercise"}, STAFF),  # not paused: 409
    "set_clock_speed": Case(lambda p: {"type": "set_clock_speed", "factor": 2}, STAFF, ok=F),
    "end_exercise": Case(lambda p: {"type": "end_exercise"}, STAFF, ok=F),
    "deliver_inject": Case(lambda p: {"type": "deliver_inject", "inject_id": "second-wave"}, STAFF, ok=F),
    "send_inject": Case(lambda p: {"type": "send_inject", "title": "t", "body": "b", "to": ["UZB"]}, STAFF, ok=F),
    "add_observation": Case(lambda p: {"type": "add_observation", "text": "noted"}, STAFF, ok=F),
    # not in the table; the facilitator's side of the control channel and of the review
    "answer_control_message": Case(lambda p: {"type": "answer_control_message", "seat": "TJK", "text": "ok"}, STAFF, ok=F),
    "score_expectation": Case(lambda p: {"type": "score_expectation", "expectation_id": "threat-reported", "score": "met"},
                              STAFF, ok=F),
    # the participants' commands
    "report_threat": Case(lambda p: {"type": "report_threat", "kind": "threat", "summary": "s"},
                          {"member", "non-signatory"}, ok="KAZ"),  # By: state
    "request_consultation": Case(lambda p: {"type": "request_consultation", "topic": "t", "invitees": ["RUS"]},
                                 {"member", "non-signatory", "office"}, ok="KAZ"),  # By: state, SG
    "invite_to_consultation": Case(lambda p: {"type": "invite_to_consultation", "consultation_id": p.consultation,
                                              "invitees": ["TJK"]}, {"member"}, ok="KAZ", extra={"RUS": False}),
    "post_statement": Case(lambda p: {"type": "post_statement", "consultation_id": p.consultation, "text": "s"},
                           {"member", "office"}, ok="KAZ", extra={"RUS": True, "TJK": False}),  # By: invitee
    "close_consultation": Case(lambda p: {"type": "close_consultation", "consultation_id": p.consultation,
                                          "outcome": "coordinated"}, {"member"}, ok="KAZ", extra={"RUS": False}),  # convener
    "request_assistance": Case(lambda p: {"type": "request_assistance", "kinds": ["logistics"], "summary": "s"},
                               {"member"}, ok="KAZ"),  # By: member state
    "respond_to_assistance": Case(lambda p: {"type": "respond_to_assistance", "request_id": p.request, "response": "pledge"},
                                  {"member"}, ok="KAZ", extra={"TJK": False}),  # other member state
    "close_assistance_request": Case(lambda p: {"type": "close_assistance_request", "request_id": p.request,
                                                "status": "withdrawn"}, set(), ok="TJK", extra={"TJK": True}),  # requester
    "convene_session": Case(lambda p: {"type": "convene_session", "body": "CCS", "agenda": ["a"], "time_frame_minutes": 30},
                            {"office"}, ok="SG", extra={"KAZ": True}),  # By: SG, and the CCS's chair (KAZ)
    "propose_decision": Case(lambda p: {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "t", "text": "x"},
                             {"member", "office"}, ok="KAZ"),  # member of that body, SG
    "cast_vote": Case(lambda p: {"type": "cast_vote", "decision_id": p.open_decision, "vote": "for"},
                      {"member"}, ok="KAZ"),  # eligible voter
    "record_implementation": Case(lambda p: {"type": "record_implementation", "decision_id": p.adopted_decision,
                                             "status": "in_force"}, {"member"}, ok="KAZ"),  # member state
    "notify_un_security_council": Case(lambda p: {"type": "notify_un_security_council", "summary": "s"},
                                       {"member", "office"}, ok="KAZ"),  # SG, member state
    "request_accession": Case(lambda p: {"type": "request_accession"}, {"non-signatory"}, ok="MDA"),
    "give_notice_of_withdrawal": Case(lambda p: {"type": "give_notice_of_withdrawal"}, {"member"}, ok="KAZ"),
    # the chair of the decision's body (KAZ chairs the CCS) and the facilitator close a vote
    "close_vote": Case(lambda p: {"type": "close_vote", "decision_id": p.open_decision}, STAFF, ok=F,
                       extra={"KAZ": True}),
    "extend_deadline": Case(lambda p: {"type": "extend_deadline", "decision_id": p.open_decision, "minutes": 10}, STAFF, ok=F),
    # not in the table: any seat but the facilitator may write to the control channel (observers too)
    "send_control_message": Case(lambda p: {"type": "send_control_message", "text": "help"},
                                 {"member", "non-signatory", "office", "observer"}, ok="KAZ"),
}


def test_the_matrix_covers_every_command_type() -> None:
    """Every command a client may send, under the names the treaty pack gives two of them."""
    sc = load_scenario_file(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")
    assert {resolve_alias(sc, {"type": name})["type"] for name in CASES} == set(COMMAND_TYPES)


@pytest.mark.parametrize("command", list(CASES))
def test_command_permissions(world: World, foreign: Ex, command: str) -> None:
    case = CASES[command]
    p = prepare(world)
    ex = p.ex
    body = case.body(p)
    head = ex.head()
    problems: list[str] = []

    def unchanged(who: str) -> None:
        nonlocal head
        new = ex.log(after=head)
        if new:
            problems.append(f"{who}: refused, yet {[e['type'] for e in new]} appended")
            head = new[-1]["seq"]

    # strangers: no token, a garbage token, a token of another exercise
    for who, token, status in (("no token", None, 401), ("garbage token", "x" * 30, 401),
                               ("another exercise's token", foreign.tokens["KAZ"], 403)):
        r = ex.post(token, body)
        if r.status_code != status:
            problems.append(f"{who}: {r.status_code} (expected {status}) {r.text[:120]}")
        unchanged(who)

    seats = {seat: kind in case.allowed for kind, seat in KINDS.items()}
    seats.update(case.extra)
    # the forbidden first: they must leave the exercise exactly as it was for the permitted
    for seat in sorted(seats, key=lambda s: seats[s]):
        r = ex.post(ex.tokens[seat], body)
        if not seats[seat]:
            if r.status_code != 403:
                problems.append(f"{seat} may not {command}: got {r.status_code}, expected 403: {r.text[:160]}")
            unchanged(seat)
            continue
        if r.status_code not in (200, 409):
            problems.append(f"{seat} may {command}: got {r.status_code}: {r.text[:160]}")
        if r.status_code == 200:
            shown = r.json()["events"]
            new = ex.log(after=head)
            if not new or not {e["seq"] for e in shown} <= {e["seq"] for e in new}:
                problems.append(f"{seat}: the answer's events are not the appended ones")
            head = new[-1]["seq"] if new else head
        else:
            unchanged(seat)
        if seat == case.ok and r.status_code != 200:
            problems.append(f"{seat} should have succeeded with {command} here: {r.status_code} {r.text[:160]}")
    assert not problems, f"{command}:\n" + "\n".join(problems)


# commands whose permission depends only on who the seat is, not on a consultation, request or decision
ROLE_ONLY = [name for name in CASES if name in {
    "report_threat", "request_consultation", "request_assistance", "convene_session", "propose_decision",
    "notify_un_security_council", "request_accession", "give_notice_of_withdrawal", "send_control_message"}
    or (CASES[name].allowed == STAFF and not CASES[name].extra)]  # close_vote: also the chair of the decision's body


@pytest.mark.parametrize("phase", ["not started", "paused", "ended"])
def test_role_refusals_do_not_depend_on_the_exercise_state(world: World, phase: str) -> None:
    """A seat that may never send a command is told 403 whatever the exercise's state, not "wait
    until it starts" (409); a permitted one is told 409, never 403."""
    ex = world.create()
    if phase != "not started":
        ex.do("facilitator", {"type": "start_exercise"})
        ex.do("facilitator", {"type": "pause_exercise" if phase == "paused" else "end_exercise"})
    p = Prepared(ex, "con_0", "req_0", "dec_0", "dec_0")
    head = ex.head()
    problems = []
    for command in ROLE_ONLY:
        case = CASES[command]
        for kind, seat in KINDS.items():
            if seat == "facilitator":
                continue  # the facilitator's own commands may well succeed here (pause, end...)
            r = ex.post(ex.tokens[seat], case.body(p))
            allowed = case.extra.get(seat, kind in case.allowed)
            code = r.json()["error"]["code"] if r.status_code != 200 else "ok"
            if not allowed and r.status_code != 403:
                problems.append(f"{seat} may never {command}, but got {r.status_code} {code}")
            if allowed and r.status_code in (401, 403):
                problems.append(f"{seat} may {command}, but got {r.status_code} {code}")
            new = ex.log(after=head)
            if new and r.status_code != 200:
                problems.append(f"{seat} {command}: refused with {r.status_code}, yet {[e['type'] for e in new]} appended")
            head = new[-1]["seq"] if new else head
    assert not problems, f"{phase}:\n" + "\n".join(problems)


@pytest.mark.parametrize("seat", ["facilitator", "observer", "KAZ", "SG"])
def test_system_commands_are_not_accepted_from_outside(world: World, seat: str) -> None:
    ex = world.create()
    ex.do("facilitator", {"type": "start_exercise"})
    head = ex.head()
    for body in ({"type": "tick"}, {"type": "fork", "from_exercise_id": ex.id, "at": 1}):
        r = ex.post(ex.tokens[seat], body)
        assert r.status_code in (403, 422), f"{seat} {body}: {r.status_code} {r.text}"
    assert ex.head() == head


# --- reads, review, admin ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared(world: World) -> Prepared:
    return prepare(world)


def every_token(p: Prepared, foreign: Ex) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {kind: p.ex.tokens[seat] for kind, seat in KINDS.items()}
    tokens.update({"another exercise": foreign.tokens["facilitator"], "garbage": "g" * 40, "none": None})
    return tokens


STRANGERS = {"another exercise": 403, "garbage": 401, "none": 401}


def check(responses: dict[str, int], expected: dict[str, int | tuple[int, ...]], what: str) -> None:
    wrong = {who: got for who, got in responses.items()
             if got not in (expected[who] if isinstance(expected[who], tuple) else (expected[who],))}
    assert not wrong, f"{what}: " + ", ".join(f"{who} got {got}, expected {expected[who]}" for who, got in wrong.items())


def test_scenarios_are_open_to_anyone(world: World, shared: Prepared, foreign: Ex) -> None:
    tokens = every_token(shared, foreign)
    got = {who: world.http.get("/api/scenarios", headers=auth(t)).status_code for who, t in tokens.items()}
    check(got, {who: 200 for who in tokens}, "GET /api/scenarios")


def test_creating_an_exercise_needs_the_admin_token(world: World, shared: Prepared, foreign: Ex) -> None:
    tokens = every_token(shared, foreign)
    got = {who: world.http.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers=auth(t)).status_code
           for who, t in tokens.items()}
    got["admin"] = world.http.post("/api/exercises", json={"scenario": "csto-border-crisis"}, headers=auth(ADMIN)).status_code
    expected = {who: 403 for who in KINDS} | {"another exercise": 403, "garbage": 403, "none": 401, "admin": 201}
    check(got, expected, "POST /api/exercises")


@pytest.mark.parametrize("path", ["events", "state", "state?at=2", "report?format=json", "report?format=html",
                                  "report?format=md", "report?format=csv", "export"])
def test_reading(world: World, shared: Prepared, foreign: Ex, path: str) -> None:
    readers = set(KINDS) if path.startswith(("events", "state")) else \
        {"facilitator", "observer"} if path.startswith("report") else {"facilitator"}
    tokens = every_token(shared, foreign)
    got = {who: world.http.get(f"/api/exercises/{shared.ex.id}/{path}", headers=auth(t)).status_code
           for who, t in tokens.items()}
    expected = {who: (200 if who in readers else 403) for who in KINDS} | STRANGERS
    check(got, expected, f"GET {path}")


def test_fork(world: World, shared: Prepared, foreign: Ex) -> None:
    tokens = every_token(shared, foreign)
    head = shared.ex.head()
    got = {who: world.http.post(f"/api/exercises/{shared.ex.id}/fork", json={"at": 2}, headers=auth(t)).status_code
           for who, t in tokens.items()}
    check(got, {who: (201 if who == "facilitator" else 403) for who in KINDS} | STRANGERS, "POST fork")
    assert shared.ex.head() == head


def test_import_needs_the_admin_token(world: World, shared: Prepared, foreign: Ex) -> None:
    export = world.http.get(f"/api/exercises/{shared.ex.id}/export", headers=auth(shared.ex.tokens["facilitator"])).content
    tokens = every_token(shared, foreign) | {"admin": ADMIN}
    got = {who: world.http.post("/api/exercises/import", content=export,
                                headers={**auth(t), "Content-Type": "application/x-ndjson"}).status_code
           for who, t in tokens.items()}
    check(got, {who: 403 for who in KINDS} | {"another exercise": 403, "garbage": 403, "none": 401, "admin": 201},
          "POST /api/exercises/import")


def test_compare(world: World, shared: Prepared, foreign: Ex) -> None:
    other = world.create()

    def compare(token: str | None) -> int:
        a = {"exercise_id": shared.ex.id, **({"token": token} if token is not None else {})}
        b = {"exercise_id": other.id, "token": other.tokens["facilitator"]}
        return world.http.post("/api/compare", json={"a": a, "b": b}).status_code

    tokens = every_token(shared, foreign)
    got = {who: compare(t) for who, t in tokens.items()}
    expected = {who: (200 if who in ("facilitator", "observer") else 403) for who in KINDS} | \
        {"another exercise": 403, "garbage": 401, "none": 422}
    check(got, expected, "POST /api/compare")


def ws_outcome(server: ThreadServer, exercise_id: str, token: str | None) -> int | str:
    with connect(f"{server.ws_url}/ws/exercises/{exercise_id}", open_timeout=5, close_timeout=1) as ws:
        ws.send(json.dumps({"type": "hello", "after": 0, **({"token": token} if token is not None else {})}))
        try:
            first = json.loads(ws.recv(timeout=5))
            if first["type"] == "welcome":
                return "welcome"
            ws.recv(timeout=5)
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else -1
        return -2


def test_websocket(world: World, shared: Prepared, foreign: Ex) -> None:
    tokens = every_token(shared, foreign)
    got = {who: ws_outcome(world.server, shared.ex.id, t) for who, t in tokens.items()}
    expected = {who: "welcome" for who in KINDS} | {"another exercise": 4403, "garbage": 4401, "none": 4401}
    assert got == expected


# --- leaks -------------------------------------------------------------------------------------------

SEATS = (*MEMBERS, "MDA", "UKR", "TKM", "SG", "observer", "facilitator")


@dataclass
class Secrets:
    ex: Ex
    audience: dict[str, set[str]]  # marker -> the seats that may see it (the facilitator sees all)


@pytest.fixture(scope="module")
def secrets_ex(world: World) -> Secrets:
    ex = world.create()
    tag = secrets.token_hex(4)
    m = {name: f"{name}{tag}" for name in ("PRIVTOPIC", "PRIVSTMTA", "PRIVSTMTB", "PRIVPOS", "OBSERVATION",
                                            "CONTROLQ", "CONTROLA", "INJTITLE", "INJBODY", "PRIVINVITE")}
    ex.do("facilitator", {"type": "start_exercise"})
    con = ex.do("RUS", {"type": "request_consultation", "topic": m["PRIVTOPIC"], "invitees": ["KAZ"], "private": True})
    con_id = con["events"][0]["data"]["consultation_id"]
    ex.do("RUS", {"type": "post_statement", "consultation_id": con_id, "text": m["PRIVSTMTA"]})
    ex.do("KAZ", {"type": "post_statement", "consultation_id": con_id, "text": m["PRIVSTMTB"]})
    ex.do("RUS", {"type": "close_consultation", "consultation_id": con_id, "outcome": "coordinated", "position": m["PRIVPOS"]})
    # a second private consultation that grows: the newcomer learns of it, the others still do not
    con2 = ex.do("UZB", {"type": "request_consultation", "topic": m["PRIVINVITE"], "invitees": ["TJK"], "private": True})
    ex.do("UZB", {"type": "invite_to_consultation", "consultation_id": con2["events"][0]["data"]["consultation_id"],
                  "invitees": ["KGZ"]})
    ex.do("facilitator", {"type": "add_observation", "text": m["OBSERVATION"]})
    ex.do("TJK", {"type": "send_control_message", "text": m["CONTROLQ"]})
    ex.do("facilitator", {"type": "answer_control_message", "seat": "TJK", "text": m["CONTROLA"]})
    ex.do("facilitator", {"type": "send_inject", "title": m["INJTITLE"], "body": m["INJBODY"], "to": ["UZB"]})
    ex.do("TJK", {"type": "report_threat", "kind": "threat", "summary": "public"})  # something after, for everyone
    private = {"RUS", "KAZ"}
    audience = {m["PRIVTOPIC"]: private, m["PRIVSTMTA"]: private, m["PRIVSTMTB"]: private, m["PRIVPOS"]: private,
                m["PRIVINVITE"]: {"UZB", "TJK", "KGZ"}, m["OBSERVATION"]: set(), m["CONTROLQ"]: {"TJK"},
                m["CONTROLA"]: {"TJK"}, m["INJTITLE"]: {"UZB"}, m["INJBODY"]: {"UZB"}}
    return Secrets(ex, audience)


def leaks(text: str, seat: str, s: Secrets) -> list[str]:
    return [marker for marker, seats in s.audience.items()
            if marker in text and seat != "facilitator" and seat not in seats]


def ws_text(server: ThreadServer, ex: Ex, seat: str, last_seq: int) -> str:
    frames: list[str] = []
    with connect(f"{server.ws_url}/ws/exercises/{ex.id}", open_timeout=5, close_timeout=1, max_size=2**24) as ws:
        ws.send(json.dumps({"type": "hello", "token": ex.tokens[seat], "after": 0}))
        deadline = time.monotonic() + 10
        seen = 0
        while time.monotonic() < deadline:
            try:
                raw = ws.recv(timeout=0.3 if seen >= last_seq else 5)
            except TimeoutError:
                break
            frames.append(raw)
            msg = json.loads(raw)
            if msg["type"] == "event":
                seen = msg["event"]["seq"]
    return "\n".join(frames)


@pytest.mark.parametrize("seat", SEATS)
def test_no_private_text_reaches_a_seat_outside_its_audience(world: World, secrets_ex: Secrets, seat: str) -> None:
    s = secrets_ex
    ex = s.ex
    h = auth(ex.tokens[seat])
    head = ex.head()
    visible = ex.http.get(f"/api/exercises/{ex.id}/events", params={"limit": 5000}, headers=h).json()["events"]
    channels = {
        "events": ex.http.get(f"/api/exercises/{ex.id}/events", params={"limit": 5000}, headers=h).text,
        "events paged": "".join(ex.http.get(f"/api/exercises/{ex.id}/events", params={"after": a, "limit": 1},
                                            headers=h).text for a in range(head)),
        "state": ex.http.get(f"/api/exercises/{ex.id}/state", headers=h).text,
        "state at head": ex.http.get(f"/api/exercises/{ex.id}/state", params={"at": head}, headers=h).text,
        "state at time": ex.http.get(f"/api/exercises/{ex.id}/state", params={"at_time": 1e6}, headers=h).text,
        "websocket": ws_text(world.server, ex, seat, visible[-1]["seq"] if visible else 0),
    }
    for fmt in ("json", "html", "md", "csv"):
        r = ex.http.get(f"/api/exercises/{ex.id}/report", params={"format": fmt}, headers=h)
        if seat in ("facilitator", "observer"):
            assert r.status_code == 200
        channels[f"report {fmt}"] = r.text
    r = ex.http.get(f"/api/exercises/{ex.id}/export", headers=h)
    assert (r.status_code == 200) == (seat == "facilitator")
    channels["export"] = r.text
    found = {name: leaks(text, seat, s) for name, text in channels.items()}
    found = {name: markers for name, markers in found.items() if markers}
    assert not found, f"{seat} sees private text: " + "; ".join(
        f"{name}: {', '.join(sorted(markers))}" for name, markers in found.items())
    # and the test is not vacuous: a seat in an audience does get the text, in its events and live
    for marker, seats in s.audience.items():
        if seat == "facilitator" or seat in seats:
            for name in ("events", "websocket") + (("export",) if seat == "facilitator" else ()):
                assert marker in channels[name], f"{seat} should see {marker} in {name}"


def test_refusals_do_not_reveal_a_private_consultation(secrets_ex: Secrets) -> None:
    """An outsider who guesses a private consultation's id learns nothing from the refusal."""
    ex = secrets_ex.ex
    con_id = next(e["data"]["consultation_id"] for e in ex.log() if e["type"] == "consultation_opened")
    head = ex.head()
    for seat in ("TJK", "MDA", "SG"):
        for body in ({"type": "post_statement", "consultation_id": con_id, "text": "hello"},
                     {"type": "close_consultation", "consultation_id": con_id, "outcome": "no_agreement"},
                     {"type": "invite_to_consultation", "consultation_id": con_id, "invitees": [seat]}):
            r = ex.post(ex.tokens[seat], body)
            assert r.status_code in (403, 409), f"{seat} {body['type']}: {r.status_code}"
            assert not leaks(r.text, seat, secrets_ex), f"{seat} {body['type']}: {r.text}"
    assert ex.head() == head
