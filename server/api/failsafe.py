"""The last resort: an error that nothing else answered becomes a proper 500 with the error body,
and the keep-alive connection survives it.

Starlette's outermost `ServerErrorMiddleware` sends its 500 and then re-raises the exception, for
the server to log; uvicorn, seeing an exception after the response started, closes the connection.
So every unexpected error also dropped the client's keep-alive connection (issue 13, case 4). This
middleware sits just inside it: it logs the exception, answers it if nothing was sent yet, and
returns normally. Only a response that was cut off half-way (a streamed export whose log breaks)
is left to close the connection: the client must not take half a body for a whole one.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import orjson

log = logging.getLogger("ttx.api")

Message = dict[str, Any]
_BODY = orjson.dumps({"error": {"code": "internal_error",
                                "message": "Something went wrong on the server; nothing was recorded by this request."}})


class Failsafe:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = finished = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(_BODY)).encode())]})
                await send({"type": "http.response.body", "body": _BODY})
            elif not finished:
                raise  # half a response: the connection must close
