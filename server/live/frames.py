"""The WebSocket protocol uvicorn runs for us, with the product's close code for an oversized message.

uvicorn's `ws_max_size` (server/serving.py) makes the frame parser of the `websockets` library
refuse a message over the bound as soon as a frame's header announces it (or, compressed, as soon
as it inflates past it), before a byte of the payload is buffered. The library then fails the
connection with 1009 (Message Too Big), which the app never sees. The product's contract for an
oversized message is an `{"type": "error", "code", "message"}` and a close code in the 4400 range
(docs/PRODUCT.md section 5; the app's own check says 4413 `message_too_large`): here the parser's
failure says the same thing, the error message first and then 4413, still without reading the
payload.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.server import ServerProtocol

TOO_LARGE = 4413
TOO_LARGE_ERROR = "message_too_large"


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


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O `websockets` protocol, whose connection closes an oversized message 4413."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn.__class__ = _BoundedServerProtocol  # the same object and state; only `fail` differs
