"""`/ws/exercises/{id}`: hello with token and `after`, then every visible event in order, live.

A well-formed message of a type the server does not expect after hello gets an error frame and the
connection stays open. Close codes (all in the 4400 range): 4400 malformed message or no hello
first, 4401 missing or bad
token, 4403 token of another exercise, 4404 unknown exercise, 4408 no hello in time, 4409 fell
behind (resume with `after`), 4413 message over 64 KiB, 4429 too many messages.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ..live.session import Session
from ..service import UnknownExercise
from .deps import authenticate_seat
from .errors import ApiError

router = APIRouter()

MAX_MESSAGE = 64 * 1024
HELLO_TIMEOUT = 10.0
RATE = 20.0  # messages per second, sustained
BURST = 40.0


class Closed(Exception):
    def __init__(self, code: int, error: str, message: str) -> None:
        super().__init__(message)
        self.code, self.error, self.message = code, error, message


def _parse(message: dict[str, Any]) -> dict[str, Any]:
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > MAX_MESSAGE:
            raise Closed(4413, "message_too_large", f"Messages are limited to {MAX_MESSAGE // 1024} KiB.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Closed(4400, "malformed", "Messages are UTF-8 JSON text.")
    if len(text.encode("utf-8")) > MAX_MESSAGE:
        raise Closed(4413, "message_too_large", f"Messages are limited to {MAX_MESSAGE // 1024} KiB.")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep for the parser
        raise Closed(4400, "malformed_json", "That message is not valid JSON.")
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise Closed(4400, "malformed", "A message is a JSON object with a `type`.")
    return obj


async def _hello(websocket: WebSocket, exercise_id: str) -> tuple[str, int]:
    try:
        message = await asyncio.wait_for(websocket.receive(), timeout=HELLO_TIMEOUT)
    except asyncio.TimeoutError:
        raise Closed(4408, "hello_timeout", "Send {\"type\": \"hello\", \"token\": ..., \"after\": N} first.")
    hello = _parse(message)
    if hello["type"] != "hello":
        raise Closed(4400, "hello_expected", "The first message must be {\"type\": \"hello\", \"token\": ..., \"after\": N}.")
    token = hello.get("token")
    after = hello.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0 or after > 2**31:
        raise Closed(4400, "bad_after", "`after` is a seq number, 0 or more.")
    service = websocket.app.state.service
    try:
        seat = await authenticate_seat(service, exercise_id, token if isinstance(token, str) else None)
    except UnknownExercise as exc:
        raise Closed(4404, "unknown_exercise", str(exc))
    except ApiError as exc:
        raise Closed(4401 if exc.status == 401 else 4403, exc.code, exc.message)
    return seat.seat, after


@router.websocket("/ws/exercises/{exercise_id}")
async def live(websocket: WebSocket, exercise_id: str) -> None:
    await websocket.accept()
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

    session = Session(hub, exercise_id, seat, after, websocket.send_text, close)
    channel = await hub.attach(session)
    await websocket.send_text(json.dumps({"type": "welcome", "exercise_id": exercise_id, "seat": seat,
                                          "after": after, "online": channel.presence()}))
    session.tasks = [
        asyncio.create_task(session.pump(channel)),
        asyncio.create_task(session.writer(hub.settings.ws_heartbeat_seconds)),
    ]
    try:
        await _reader(websocket, session)  # until the client goes, or a task closes the socket under it
    finally:
        hub.detach(session)
        for task in session.tasks:
            task.cancel()
        # a task busy in a send to a dead socket must not keep this handler (and shutdown) waiting
        await asyncio.wait(session.tasks, timeout=2)


async def _reader(websocket: WebSocket, session: Session) -> None:
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
            obj = _parse(message)
        except WebSocketDisconnect:
            return
        except Closed as exc:
            await session.close(exc.code, exc.error, exc.message)
            return
        if obj["type"] == "ping":
            session.offer(json.dumps({"type": "pong", "time": time.time()}))
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
