"""A hypothesis-driven WebSocket fuzzer: random first messages, and random sequences after a valid
hello. The server must answer every bad message with an `error` frame and a close code in the 4400
range (the exact code its contract names; a message over 64 KiB is refused by the protocol layer
before it is buffered, with the error frame and 4413, server/live/frames.py), answer `ping` after anything it tolerates, never crash
(/healthz keeps answering), and a well-behaved client on the same exercise keeps receiving events.

Each example opens its own connection; every wait has a timeout; the example counts are fixed.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.harness import ThreadServer
from tests.conftest import make_settings

pytestmark = [pytest.mark.slow]

MAX_MESSAGE = 64 * 1024
MAX_DEPTH = 32  # arrays and objects inside each other
TOO_BIG = 4413  # message_too_large: the frame parser's close (server/live/frames.py), before the payload is read
WAIT = 5.0  # seconds a frame may take
FUZZ = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])


# --- the server under test, a watcher on the same exercise ------------------------------------------

class Watcher(threading.Thread):
    """A well-behaved client: hello once, then collect every event (resuming with `after` if dropped)."""

    def __init__(self, ws_base: str, exercise_id: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{ws_base}/ws/exercises/{exercise_id}"
        self.token = token
        self.events: list[dict[str, Any]] = []
        self.drops = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with connect(self.url, open_timeout=5, max_size=2**24) as ws:
                    after = self.events[-1]["seq"] if self.events else 0
                    ws.send(json.dumps({"type": "hello", "token": self.token, "after": after}))
                    while not self.stopping.is_set():
                        try:
                            msg = json.loads(ws.recv(timeout=0.2))
                        except TimeoutError:
                            continue
                        if msg["type"] == "event":
                            self.events.append(msg["event"])
            except (ConnectionClosed, OSError):
                self.drops += 1
                time.sleep(0.1)  # a client's reconnect back-off (the fixture fails the run on any drop)


class Target:
    def __init__(self, server: ThreadServer, exercise: dict[str, Any], foreign: dict[str, Any]) -> None:
        self.server = server
        self.id = exercise["id"]
        self.tokens = {s["seat"]: s["token"] for s in exercise["seats"]}
        self.foreign_token = next(s["token"] for s in foreign["seats"] if s["seat"] == "KAZ")
        self.watcher = Watcher(server.ws_url, self.id, self.tokens["TJK"])
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.sent = 0

    @property
    def ws(self) -> str:
        return f"{self.server.ws_url}/ws/exercises/{self.id}"

    def still_serving(self, what: str = "") -> None:
        """The process answers /healthz, holds no session for a closed connection (only the
        watcher's is left), and the watcher receives an event committed now."""
        deadline = time.monotonic() + WAIT
        while True:
            health = self.http.get("/healthz").json()
            assert health["ok"] is True
            if health["connections"] <= 1:
                break
            assert time.monotonic() < deadline, \
                f"{what}: {health['connections'] - 1} session(s) outlive their closed connections"
            time.sleep(0.05)
        self.sent += 1
        r = self.http.post(f"/api/exercises/{self.id}/commands",
                           json={"type": "report_threat", "kind": "threat", "summary": f"alive {self.sent}"},
                           headers={"Authorization": f"Bearer {self.tokens['KAZ']}"})
        assert r.status_code == 200, r.text
        seq = r.json()["events"][-1]["seq"]
        deadline = time.monotonic() + WAIT
        while not (self.watcher.events and self.watcher.events[-1]["seq"] >= seq):
            assert time.monotonic() < deadline, "the well-behaved client stopped receiving events"
            time.sleep(0.01)


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Any:
    from server.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('wsfuzz') / 'ttx.db'}"
    upgrade(url)
    with ThreadServer(make_settings(url)) as server:
        made = [httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=10).json()
                for _ in range(2)]
        t = Target(server, made[0], made[1])
        r = t.http.post(f"/api/exercises/{t.id}/commands", json={"type": "start_exercise"},
                        headers={"Authorization": f"Bearer {t.tokens['facilitator']}"})
        assert r.status_code == 200
        t.watcher.start()
        try:
            yield t
            events = t.http.get(f"/api/exercises/{t.id}/events", params={"limit": 5000},
                                headers={"Authorization": f"Bearer {t.tokens['TJK']}"}).json()["events"]
            deadline = time.monotonic() + WAIT
            while len(t.watcher.events) < len(events) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert [e["seq"] for e in t.watcher.events] == [e["seq"] for e in events], "the watcher missed or doubled events"
            assert t.watcher.drops == 0, "the well-behaved client was dropped"
        finally:
            t.watcher.stopping.set()
            t.watcher.join(5)
            t.http.close()


# --- the oracle: what the contract says the server answers --------------------------------------------

def depth(text: str) -> int:
    """How deep arrays and objects nest in `text`, brackets inside strings not counted: a plain
    scan, so the oracle does not share the server's way of working it out."""
    deepest = level = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def judge(payload: str | bytes) -> tuple[str, Any] | tuple[int, str]:
    """("object", obj) for a well-formed message, or (close code, reason) for a malformed one."""
    if isinstance(payload, bytes):
        if len(payload) > MAX_MESSAGE:
            return TOO_BIG, "too large"
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            return 4400, "not UTF-8"
    if len(payload.encode("utf-8", errors="surrogatepass")) > MAX_MESSAGE:
        return TOO_BIG, "too large"
    if depth(payload) > MAX_DEPTH:
        return 4400, "nested too deep"  # decided before parsing, whatever the recursion limit
    try:
        obj = json.loads(payload)
    except ValueError:
        return 4400, "not JSON"
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        return 4400, "not an object with a type"
    return "object", obj


def hello_outcome(payload: str | bytes, target: Target) -> int | str:
    judged = judge(payload)
    if judged[0] != "object":
        return judged[0]
    hello = judged[1]
    if hello["type"] != "hello":
        return 4400
    after = hello.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= 2**31:
        return 4400
    token = hello.get("token")
    if token in target.tokens.values():
        return "welcome"
    if token == target.foreign_token:
        return 4403
    return 4401


def read_until_closed(ws) -> tuple[list[dict[str, Any]], int | None]:
    frames: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            frames.append(json.loads(ws.recv(timeout=WAIT)))
        except ConnectionClosed as exc:
            return frames, exc.rcvd.code if exc.rcvd is not None else None
        except TimeoutError:
            break
    return frames, -1  # still open: the server neither answered nor closed


def assert_refused(frames: list[dict[str, Any]], code: int | None, expected: int, what: str) -> None:
    if expected == TOO_BIG:
        # The server sends the error frame, then closes 4413, as soon as the header announces the
        # size; this client library drops a message that arrives while its own send is still being
        # written, so the frame is checked with a raw client in tests/live/test_ws_bounds.py
        # (test_a_whole_oversized_message_gets_the_error_then_4413).
        assert code == TOO_BIG, f"{what}: close code {code}, expected {TOO_BIG}"
        return
    errors = [f for f in frames if f.get("type") == "error"]
    assert errors, f"{what}: no error frame before the close (frames {frames[:3]}, close code {code})"
    assert isinstance(errors[-1].get("code"), str) and isinstance(errors[-1].get("message"), str)
    assert code is not None and 4400 <= code <= 4499, f"{what}: close code {code}, not in the 4400 range"
    assert code == expected, f"{what}: close code {code}, expected {expected}"


def short(payload: str | bytes) -> str:
    text = repr(payload)
    return text if len(text) < 120 else f"{text[:100]}... ({len(payload)} long)"


# --- strategies -------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=15)
odd_values = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats()
              | st.text(max_size=40) | st.lists(st.integers(), max_size=3) | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
depths = st.integers(min_value=MAX_DEPTH - 2, max_value=MAX_DEPTH + 2) | st.integers(min_value=1, max_value=30_000)


def nested(depth: int, inner: str = "0") -> str:
    return "[" * depth + inner + "]" * depth


@st.composite
def hellos(draw, valid_token: str, foreign_token: str) -> str:
    msg: dict[str, Any] = {"type": draw(st.sampled_from(["hello", "hello", "hello", "Hello", "ping", ""]))}
    token = draw(st.sampled_from(["valid", "foreign", "odd", "absent"]))
    if token == "valid":
        msg["token"] = valid_token
    elif token == "foreign":
        msg["token"] = foreign_token
    elif token == "odd":
        msg["token"] = draw(odd_values | st.text(min_size=150, max_size=400))
    after = draw(st.sampled_from(["int", "odd", "absent"]))
    if after == "int":
        msg["after"] = draw(st.integers(min_value=-5, max_value=2**32))
    elif after == "odd":
        msg["after"] = draw(odd_values)
    msg.update(draw(st.dictionaries(st.text(max_size=8).filter(lambda k: k not in ("type", "token", "after")),
                                    json_values, max_size=3)))
    text = json.dumps(msg)
    if draw(st.booleans()) and draw(st.booleans()):
        return text.encode("utf-8")  # the same hello as a binary frame
    return text


def any_message(valid_token: str, foreign_token: str) -> st.SearchStrategy[str | bytes]:
    return st.one_of(
        hellos(valid_token, foreign_token),
        st.text(max_size=200),
        st.binary(max_size=200),
        json_values.map(json.dumps),
        st.dictionaries(st.text(max_size=8), json_values, max_size=4).map(lambda d: json.dumps({"type": "ping", **d})),
        json_values.map(lambda v: json.dumps({"type": v})),
        depths.map(nested),
        depths.map(lambda d: json.dumps({"type": "ping"})[:-1] + ', "x": ' + nested(d) + "}"),
        st.integers(min_value=MAX_MESSAGE - 40, max_value=MAX_MESSAGE + 5000).map(
            lambda n: json.dumps({"type": "ping", "pad": "x" * n})),
        st.integers(min_value=MAX_MESSAGE - 20, max_value=MAX_MESSAGE + 20).map(lambda n: b"\x00" * n),
    )


# --- the tests --------------------------------------------------------------------------------------

FIRST = settings(FUZZ, max_examples=120)


@FIRST
@given(data=st.data())
@example(data=None)  # the explicit hard cases below, always run first
def test_any_first_message_gets_welcome_or_error_and_4400_close(target: Target, data) -> None:
    if data is None:
        payloads: list[str | bytes] = [
            nested(30_000), nested(1_000), b"\xff\xfe\xfd", "x" * (MAX_MESSAGE + 1), "",
            json.dumps({"type": "hello", "token": target.tokens["KAZ"], "after": 1.5}),
            json.dumps({"type": "hello", "token": target.tokens["KAZ"], "after": True}),
            json.dumps({"type": "hello", "token": target.tokens["KAZ"], "after": -1}),
            json.dumps({"type": "hello", "token": target.foreign_token, "after": 0}),
            json.dumps({"type": "hello", "token": ["x"], "after": 0}),
            json.dumps({"type": "hello", "token": target.tokens["KAZ"], "after": 0, "x": nested(0)})[:-1] + ', "y": ' + nested(20_000) + "}",
        ]
    else:
        payloads = [data.draw(any_message(target.tokens["KAZ"], target.foreign_token), label="first message")]
    for payload in payloads:
        expected = hello_outcome(payload, target)
        with connect(target.ws, open_timeout=5, max_size=2**24) as ws:
            ws.send(payload)
            if expected == "welcome":
                first = json.loads(ws.recv(timeout=WAIT))
                assert first["type"] == "welcome", f"{short(payload)}: {first}"
                continue
            frames, code = read_until_closed(ws)
        assert_refused(frames, code, expected, f"first message {short(payload)}")
    target.still_serving(f"first messages {[short(p) for p in payloads]}")


AFTER = settings(FUZZ, max_examples=60)


@AFTER
@given(data=st.data())
@example(data=None)
def test_any_sequence_after_hello_is_answered_and_bad_ones_closed_in_4400(target: Target, data) -> None:
    if data is None:
        sequences: list[list[str | bytes]] = [
            [json.dumps({"type": "ping"}), nested(30_000)],
            [json.dumps({"type": "ping"})[:-1] + ', "x": ' + nested(25_000) + "}"],
            # nesting around 2,000 is what the parser's recursion allowed while Hypothesis had
            # raised the limit: the server's answer must not depend on it
            *([json.dumps({"type": "ping"})[:-1] + ', "x": ' + nested(d) + "}"] for d in (1_990, 2_000, 2_010)),
            [json.dumps({"type": "ping"})[:-1] + ', "x": ' + nested(MAX_DEPTH - 1) + "}"],  # the deepest allowed
            [json.dumps({"type": "ping"})[:-1] + ', "x": ' + nested(MAX_DEPTH) + "}"],  # one too deep
            [json.dumps({"type": "hello", "token": target.tokens["KAZ"]}), json.dumps({"type": "subscribe"}), "[]"],
            [b"\x80", json.dumps({"type": "ping"})],
            ["x" * (MAX_MESSAGE + 1)],
        ]
    else:
        sequences = [data.draw(st.lists(any_message(target.tokens["KAZ"], target.foreign_token), min_size=1, max_size=6),
                               label="messages after hello")]
    for messages in sequences:
        with connect(target.ws, open_timeout=5, max_size=2**24) as ws:
            ws.send(json.dumps({"type": "hello", "token": target.tokens["UZB"], "after": 0}))
            assert json.loads(ws.recv(timeout=WAIT))["type"] == "welcome"
            for payload in messages:
                judged = judge(payload)
                ws.send(payload)
                if judged[0] != "object":
                    frames, code = read_until_closed(ws)
                    assert_refused(frames, code, judged[0], f"after hello, {short(payload)}")
                    break
                # a tolerated message: the connection stays usable, a ping still gets its pong
                kind = judged[1]["type"]
                ws.send(json.dumps({"type": "ping"}))
                frames = []
                deadline = time.monotonic() + WAIT
                pongs_wanted = 2 if kind == "ping" else 1
                while sum(f["type"] == "pong" for f in frames) < pongs_wanted:
                    assert time.monotonic() < deadline, f"after {short(payload)}: no pong (frames {frames[-3:]})"
                    try:
                        frames.append(json.loads(ws.recv(timeout=WAIT)))
                    except ConnectionClosed as exc:
                        raise AssertionError(f"after hello, {short(payload)} closed the connection "
                                             f"({exc.rcvd.code if exc.rcvd else None})") from None
                errors = [f for f in frames if f["type"] == "error"]
                if kind in ("ping", "pong"):
                    assert not errors, f"{short(payload)}: {errors}"
                else:
                    assert [e["code"] for e in errors] == ["unknown_message"], f"{short(payload)}: {errors}"
    target.still_serving(f"sequences {[[short(p) for p in m] for m in sequences]}")


# --- sessions end with their connections ---------------------------------------------------------------

def test_clients_leaving_during_catch_up_leave_no_session_behind(tmp_path) -> None:
    """Ten clients connect with `after: 0` to an exercise with 300 events and hang up while the
    server is still sending them the catch-up. Each session must end with its connection: /healthz
    counts none left, presence no longer lists the seat, and the server shuts down gracefully."""
    from server.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'ttx.db'}"
    upgrade(url)
    with ThreadServer(make_settings(url)) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            created = http.post("/api/exercises", json={"scenario": "csto-border-crisis"}).json()
            ex_id = created["id"]
            tokens = {s["seat"]: s["token"] for s in created["seats"]}
            http.post(f"/api/exercises/{ex_id}/commands", json={"type": "start_exercise"},
                      headers={"Authorization": f"Bearer {tokens['facilitator']}"})
            for i in range(300):
                r = http.post(f"/api/exercises/{ex_id}/commands", json={"type": "report_threat", "kind": "threat", "summary": f"t{i}"},
                              headers={"Authorization": f"Bearer {tokens['KAZ']}"})
                assert r.status_code == 200
            for _ in range(10):
                with connect(f"{server.ws_url}/ws/exercises/{ex_id}", open_timeout=5, close_timeout=1, max_size=2**24) as ws:
                    ws.send(json.dumps({"type": "hello", "token": tokens["UZB"], "after": 0}))
                    for _ in range(3):  # welcome, presence, the first event: then hang up mid catch-up
                        ws.recv(timeout=WAIT)
            deadline = time.monotonic() + WAIT
            while (left := http.get("/healthz").json()["connections"]) and time.monotonic() < deadline:
                time.sleep(0.05)
            online = server.app.state.hub.online(ex_id)
        assert left == 0, f"{left} of 10 sessions outlived their closed connections (presence still shows {online})"
        assert online == [], f"presence lists seats that have left: {online}"
    assert server.graceful, "the server did not shut down within 5 s: a WebSocket handler is stuck"
