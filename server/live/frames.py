"""The WebSocket protocol uvicorn runs for us, with the product's close code for an oversized message.

uvicorn's `ws_max_size` (server/serving.py) makes the frame parser of the `websockets` library
refuse a message over the bound as soon as a frame's header announces it (or, compressed, as soon
as it inflates past it), before a byte of the payload is buffered. The library then fails the
connection with 1009 (Message Too Big), which the app never sees. The product's contract for an
oversized message is an `{"type": "error", "code", "message"}` and a close code in the 4400 range
(docs/PRODUCT.md section 5; the app's own check says 4413 `message_too_large`): here the parser's
failure says the same thing, the error message first and then 4413, still without reading the
payload.

It also lends the app one thing the ASGI interface has no word for: `send_frame`, in the scope's
extensions as `ttx.send_frame`, writes a text frame that was serialised once (by this library's own
`Frame.serialize`, `text_frame` below) for every connection that is to receive the same bytes. It
writes only on an open connection, with no extension negotiated (a permessage-deflate context is
per connection: those frames go through `websocket.send` like any other), whose transport is not
pushing back; otherwise it returns False and the app sends through ASGI, which waits.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

TOO_LARGE = 4413
LINGER_SECONDS = 1.0  # after a protocol failure: how long the rest of the client's message is read and dropped
TOO_LARGE_ERROR = "message_too_large"


SEND_FRAME = "ttx.send_frame"  # the scope extension


def text_frame(payload: bytes) -> bytes:
    """A server's (unmasked) text frame, as the library serialises it with no extension."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


def too_large_message(limit: int) -> str:
    return f"Messages are limited to {limit // 1024} KiB."


class _BoundedServerProtocol(ServerProtocol):
    def fail(self, code: CloseCode | int, reason: str = "") -> None:
        if code == CloseCode.MESSAGE_TOO_BIG and self.state is State.OPEN:
            limit = self.max_message_size or 0
            try:
                self.send_text(json.dumps({"type": "error", "code": TOO_LARGE_ERROR,
                                           "message": too_large_message(limit)}).encode())
            except Exception:  # noqa: BLE001 - the close below is what matters
                pass
            code, reason = TOO_LARGE, TOO_LARGE_ERROR
        super().fail(code, reason)


class _Inbox:
    """What uvicorn's protocol asks of its receive queue (`put_nowait`, `get`, `empty`), without an
    `asyncio.Queue`'s three deques (~2 KiB) per connection: it holds a message or two at a time."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class _Flag:
    """uvicorn's `writable` (`set`, `clear`, `is_set`, `wait`), without an `asyncio.Event`'s deque."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        while not self._set:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            await waiter


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O `websockets` protocol, whose connection closes an oversized message 4413,
    with a frame writer for the app and less memory per idle connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn.__class__ = _BoundedServerProtocol  # the same object and state; only `fail` differs
        self._linger: asyncio.TimerHandle | None = None
        self.queue = _Inbox()  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete:
            self.response = None  # the handshake's answer, sent (uvicorn reads it no more)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # only for a handshake that goes on to the app
        if scope is not None:
            scope["extensions"][SEND_FRAME] = self.send_frame
        # What the handshake alone needed: the app has the scope's copy of the headers. (The library's
        # parser keeps the request it parsed for the connection's life; its headers are emptied.)
        self.request = None
        event.headers.clear()

    def handle_parser_exception(self) -> None:
        """A message the parser refused (one over the size limit: the error message and 4413 are
        already queued by `_BoundedServerProtocol.fail`). uvicorn writes them and closes the socket
        at once; with the rest of the client's message still unread, the kernel then answers with a
        reset, which can reach the client before it has read the close frame (it saw no close code).
        So: write them, end our side of the stream (FIN after the frames), and read and drop what
        the client still sends, until it closes or `LINGER_SECONDS` pass."""
        if not self.transport.can_write_eof():  # pragma: no cover - TCP transports can
            super().handle_parser_exception()
            return
        assert self.conn.close_sent is not None
        self.queue.put_nowait({"type": "websocket.disconnect", "code": self.conn.close_sent.code,
                               "reason": self.conn.close_sent.reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.transport.write_eof()
        # also uvicorn's close timer: the app ends at once on the disconnect above, and uvicorn
        # closes the socket when the app returns unless that timer runs (and cancels it when the
        # connection is lost)
        self._linger = self.close_timer = asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if self._linger is not None:  # the rest of a refused message: dropped (see handle_parser_exception)
            return
        super().data_received(data)

    def send_frame(self, frame: bytes) -> bool:
        """Write one `text_frame` now, or say False (not open, compressing, or pushing back)."""
        if (self.close_sent or self.disconnected or not self.handshake_complete or self.conn.extensions
                or self.conn.state is not State.OPEN or not self.writable.is_set() or self.transport.is_closing()):
            return False
        self.transport.write(frame)
        return True
