"""A small WebSocket client for the live tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets


class Client:
    def __init__(self, ws_base: str, exercise_id: str, token: str) -> None:
        self.url = f"{ws_base}/ws/exercises/{exercise_id}"
        self.token = token
        self.ws = None
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0

    async def connect(self, after: int | None = None) -> dict[str, Any]:
        self.ws = await websockets.connect(self.url, max_size=2**24, open_timeout=10)
        await self.ws.send(json.dumps({"type": "hello", "token": self.token, "after": self.last_seq if after is None else after}))
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert welcome["type"] == "welcome", welcome
        return welcome

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def receive_until(self, predicate, timeout: float = 10.0) -> None:
        async def loop() -> None:
            while not predicate(self):
                msg = json.loads(await self.ws.recv())
                self.handle(msg)

        await asyncio.wait_for(loop(), timeout)

    def handle(self, msg: dict[str, Any]) -> None:
        self.messages.append(msg)
        if msg["type"] == "event":
            self.events.append(msg["event"])

    async def drain(self, quiet: float = 0.3) -> None:
        """Read until nothing arrives for `quiet` seconds."""
        while True:
            try:
                msg = json.loads(await asyncio.wait_for(self.ws.recv(), quiet))
            except asyncio.TimeoutError:
                return
            self.handle(msg)


async def raw_session(ws_base: str, exercise_id: str, first: str | bytes | None, *, wait: float = 5.0) -> tuple[list[dict], int | None]:
    """Send one raw first message; return what came back and the close code."""
    received: list[dict] = []
    async with websockets.connect(f"{ws_base}/ws/exercises/{exercise_id}", max_size=2**24) as ws:
        if first is not None:
            await ws.send(first)
        try:
            while True:
                received.append(json.loads(await asyncio.wait_for(ws.recv(), wait)))
        except websockets.ConnectionClosed:
            pass
        except asyncio.TimeoutError:
            return received, None
        return received, ws.close_code
