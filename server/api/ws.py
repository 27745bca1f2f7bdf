"""`/ws/exercises/{id}`: hello with token and `after`, then every visible event in order, live.

A well-formed message of a type the server does not expect after hello gets an error frame and the
connection stays open. Close codes (all in the 4400 range): 4400 malformed message (not JSON,
nested deeper than `MAX_DEPTH`, not an object with a `type`) or no hello first, 4401 missing or bad
token, 4403 token of another exercise, 4404 unknown exercise, 4408 no hello in time, 4409 fell
behind (resume with `after`), 4413 message over 64 KiB, 4429 too many messages, too many
connections from one address (`TTX_WS_MAX_PER_ADDRESS`) or too many failed hellos from it.

The message bound (`TTX_WS_MAX_MESSAGE`, 64 KiB) is enforced twice: by uvicorn's frame parser,
which closes with 4413 before a byte of an oversized payload is buffered (`server/serving.py`,
`server/live/frames.py`), and
here, as a second line for a server started with other options. The hello must come within
`TTX_WS_HELLO_SECONDS` (10 s), counted from the accept, however slowly its bytes trickle in.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from itertools import accumulate
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ..live.frames import SEND_FRAME
from ..live.session import Session
from ..service import UnknownExercise
from .deps import authenticate_seat
from .errors import ApiError
from .fair_use import address_of
from .schemas import MAX_SEQ

router = APIRouter()

MAX_DEPTH = 32  # arrays and objects inside each other; hello and ping need 1
RATE = 20.0  # messages per second, sustained
BURST = 40.0


class Closed(Exception):
    def __init__(self, code: int, error: str, message: str) -> None:
        super().__init__(message)
        self.code, self.error, self.message = code, error, message


def _parse(message: dict[str, Any], limit: int) -> dict[str, Any]:
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > limit:
            raise _too_large(limit)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Closed(4400, "malformed", "Messages are UTF-8 JSON text.")
    if len(text) > limit or len(text.encode("utf-8")) > limit:  # the first test spares the copy of a huge text
        raise _too_large(limit)
    if nests_deeper_than(text, MAX_DEPTH):
        raise Closed(4400, "too_deep", f"Messages nest arrays and objects at most {MAX_DEPTH} deep.")
    try:
        obj = json.loads(text)
    except ValueError:
        raise Closed(4400, "malformed_json", "That message is not valid JSON.")
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise Closed(4400, "malformed", "A message is a JSON object with a `type`.")
    return obj


_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_CHANGE = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether `text` nests arrays and objects more than `limit` deep (brackets in strings do not
    count). Checked before parsing, so that what the server accepts is this rule and not whatever
    the parser's recursion allows: that depends on the interpreter's recursion limit, which is
    process-wide (Hypothesis raises it while a test runs, for one), and on how deep the handler's
    stack already is. Only text with more than `limit` opening brackets is scanned, and in C
    loops (a regular expression, bytes.translate, map, accumulate): about 2 ms for the worst
    64 KiB message, about what parsing it costs."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _STRINGS.sub("", text).encode().translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)), default=0) > limit


def _too_large(limit: int) -> Closed:
    return Closed(4413, "message_too_large", f"Messages are limited to {limit // 1024} KiB.")


async def _hello(websocket: WebSocket, exercise_id: str) -> tuple[str, int]:
    settings = websocket.app.state.settings
    try:
        async with asyncio.timeout(settings.ws_hello_seconds):
            message = await websocket.receive()
    except TimeoutError:
        raise Closed(4408, "hello_timeout", "Send {\"type\": \"hello\", \"token\": ..., \"after\": N} first.")
    hello = _parse(message, settings.ws_max_message_bytes)
    if hello["type"] != "hello":
        raise Closed(4400, "hello_expected", "The first message must be {\"type\": \"hello\", \"token\": ..., \"after\": N}.")
    token = hello.get("token")
    after = hello.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0 or after > MAX_SEQ:
        raise Closed(4400, "bad_after", "`after` is a seq number, 0 or more.")
    service = websocket.app.state.service
    try:
        seat = await authenticate_seat(service, exercise_id, token if isinstance(token, str) else None,
                                       fair_use=websocket.app.state.fair_use, address=address_of(websocket.scope))
    except UnknownExercise as exc:
        raise Closed(4404, "unknown_exercise", str(exc))
    except ApiError as exc:
        raise Closed({401: 4401, 429: 4429}.get(exc.status, 4403), exc.code, exc.message)
    return seat.seat, after


# The live endpoint is the first thing the app (`server.app.App`) does with a WebSocket to this
# path, in pure ASGI: an idle connection otherwise keeps the whole middleware and routing stack
# suspended in its task (FastAPI's exit stacks and routing frames, Starlette's exception wrappers:
# about a third of its memory). They do nothing for this endpoint: it takes no dependency, the
# HTTP-only middlewares (Failsafe, BodyLimit) pass WebSockets through, and its errors are its own
# close codes. The route stays in the router too (the same function).
LIVE_PATH = re.compile(r"^/ws/exercises/([^/]+)$")


@router.websocket("/ws/exercises/{exercise_id}")
async def live(websocket: WebSocket, exercise_id: str) -> None:
    fair_use, address = websocket.app.state.fair_use, address_of(websocket.scope)
    await websocket.accept()
    if not fair_use.ws_opened(address):
        await _refuse(websocket, Closed(4429, "too_many_connections",
                                        f"At most {fair_use.ws_cap} connections from one address at a time."))
        return
    try:
        await _session(websocket, exercise_id)
    finally:
        fair_use.ws_closed(address)


async def _session(websocket: WebSocket, exercise_id: str) -> None:
    hub = websocket.app.state.hub
    try:
        seat, after = await _hello(websocket, exercise_id)
    except Closed as exc:
        await _refuse(websocket, exc)
        return
    except WebSocketDisconnect:
        return

    async def close(code: int, reason: str) -> None:
        await websocket.close(code, reason)

    # the protocol's frame writer (server/live/frames.py), when the server runs it: the same bytes
    # for every session that may see the same events, written without a task per connection
    send_frame = websocket.scope.get("extensions", {}).get(SEND_FRAME)
    session = hub.session(exercise_id, seat, after, websocket.send_text, close, send_frame)
    channel = await hub.attach(session)
    try:
        await websocket.send_text(json.dumps({"type": "welcome", "exercise_id": exercise_id, "seat": seat,
                                              "after": after, "online": channel.presence()}))
        session.start(channel)
        await _reader(websocket, session)  # until the client goes, or the session closes the socket under it
    finally:
        hub.detach(session)
        tasks = session.tasks
        session.stop()
        # a task busy in a send to a dead socket must not keep this handler (and shutdown) waiting
        if tasks:
            await asyncio.wait(tasks, timeout=2)


async def _reader(websocket: WebSocket, session: Session) -> None:
    limit = websocket.app.state.settings.ws_max_message_bytes
    allowance, last = BURST, time.monotonic()
    while True:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        now = time.monotonic()
        allowance = min(BURST, allowance + (now - last) * RATE)
        last = now
        if allowance < 1:
            await session.close(4429, "too_many_messages", f"Send at most {int(RATE)} messages a second.")
            return
        allowance -= 1
        try:
            obj = _parse(message, limit)
        except WebSocketDisconnect:
            return
        except Closed as exc:
            await session.close(exc.code, exc.error, exc.message)
            return
        if obj["type"] == "ping":
            session.offer(json.dumps({"type": "pong", "time": websocket.app.state.service.now()}))
        elif obj["type"] == "pong":
            pass
        else:
            session.offer(json.dumps({"type": "error", "code": "unknown_message",
                                      "message": "After hello, the server only expects ping; send commands over HTTP."}))


async def _refuse(websocket: WebSocket, exc: Closed) -> None:
    try:
        await websocket.send_text(json.dumps({"type": "error", "code": exc.error, "message": exc.message}))
        await websocket.close(exc.code, exc.error)
    except Exception:
        pass
