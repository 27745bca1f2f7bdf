"""How a server is started: the uvicorn options every launcher uses (`ttx serve`, the tests' live
server, the benchmarks), so that a limit set here holds wherever the app runs."""

from __future__ import annotations

from typing import Any

from .live.frames import BoundedWebSocketProtocol
from .settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.Config` that come from the settings.

    `ws_max_size` bounds a WebSocket message at the protocol layer: the frame parser reads a
    frame's header, sees a length over the bound and closes before it buffers a byte of the
    payload, with the product's error message and 4413 (`BoundedWebSocketProtocol`, in
    server/live/frames.py). uvicorn's default, 16 MiB, let any client park 16 MiB per connection in
    memory before the app could look at it. `ws_max_queue` bounds the messages read ahead of the app.
    """
    return {
        "ws": BoundedWebSocketProtocol,
        "ws_max_size": settings.ws_max_message_bytes,
        "ws_max_queue": 32,
        "ws_per_message_deflate": settings.ws_compression,
    }
