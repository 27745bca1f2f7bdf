"""`POST /api/exercises/{id}/commands`: one command from one seat."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Callable

import orjson

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from ..domain.commands import COMMAND_TYPES, AnyCommand, parse_command
from ..domain.visibility import visible_events
from ..service import ExerciseService, request_hash
from .deps import authenticate_seat, bearer
from .errors import ApiError, _validation_details, describe, error_body, error_headers
from .responses import json_response
from .schemas import ErrorResponses, EventsOut

router = APIRouter(prefix="/api/exercises", tags=["commands"])
log = logging.getLogger("ttx.api")

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_COMMAND_SCHEMA = TypeAdapter(AnyCommand).json_schema(ref_template="#/components/schemas/{model}")


def install_command_schemas(app: Any) -> None:
    """Put the command models, which the commands endpoint documents by reference, where OpenAPI
    tools look for them: `components.schemas`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    schemas.update(operation.pop("x-command-schemas", None) or {})
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _command_openapi() -> dict[str, Any]:
    schema = dict(_COMMAND_SCHEMA)
    defs = schema.pop("$defs", {})
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "parameters": [
                {"name": "Idempotency-Key", "in": "header", "required": False,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                 "description": "send the same key again to retry safely: the first answer comes back, nothing is appended"},
            ],
            "x-command-schemas": defs}


@router.post("/{exercise_id}/commands", response_model=EventsOut, responses=ErrorResponses,
             summary="Send a command; answers with the events it recorded",
             openapi_extra=_command_openapi())
async def post_command(exercise_id: str, request: Request) -> Response:
    """Documents the route; requests are normally answered by `CommandsFastLane` before they get
    here, with the same function."""
    return json_response(await run_command(request.app.state.service, exercise_id, request.headers.get("authorization"),
                                           request.headers.get("idempotency-key"), await request.body()))


async def run_command(service: ExerciseService, exercise_id: str, authorization: str | None,
                      idempotency_key: str | None, raw: bytes) -> dict[str, Any]:
    """Authenticate, parse, validate, execute: the whole of `POST /commands`, minus the framework."""
    seat = await authenticate_seat(service, exercise_id, bearer(authorization))
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(422, "malformed_json", "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "A command is a JSON object with a `type`.")
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in COMMAND_TYPES:
        raise ApiError(422, "unknown_command", f"Unknown command type {kind!r}." if kind is not None
                       else "The command has no `type`.")
    try:
        command = parse_command(body)
    except ValidationError as exc:
        details = _validation_details(list(exc.errors()))
        details = [dict(d, field=d["field"].removeprefix(f"{kind}.")) for d in details]
        first = details[0]
        raise ApiError(422, "invalid_command", f"{kind}: {first['field']}: {first['message']}", details)
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise ApiError(422, "bad_idempotency_key", "Idempotency-Key is 1 to 200 printable characters.")
    events = await service.execute(exercise_id, seat.seat, command, idempotency_key=idempotency_key,
                                   body_hash=request_hash(body))
    shown = list(visible_events(events, seat.seat))
    return {"events": [e.envelope() for e in shown], "next_after": events[-1].seq if events else None}


class CommandsFastLane:
    """Pure ASGI: answers `POST /api/exercises/{id}/commands` without the framework's routing,
    middleware and dependency machinery, which cost more than the command itself (measured under
    load: about half of the server's time per command). Everything else goes on to the app.
    Sits inside the body limit, so the 64 KiB bound still holds."""

    def __init__(self, app: Any, *, service: Callable[[], ExerciseService]) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        m = _COMMANDS_PATH.match(scope["path"])
        if m is None:
            await self.app(scope, receive, send)
            return
        headers = {k: v for k, v in scope["headers"] if k in (b"authorization", b"idempotency-key")}
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        status, extra = 200, None
        try:
            payload = await run_command(self.service(), m[1], _text(headers.get(b"authorization")),
                                        _text(headers.get(b"idempotency-key")), b"".join(chunks))
        except Exception as exc:
            err = describe(exc)
            if err is None:
                log.exception("unhandled error in a command")
                err = ApiError(500, "internal_error", "Something went wrong on the server; nothing was recorded by this request.")
            status, extra, payload = err.status, error_headers(err), error_body(err.code, err.message, err.details)
        body = orjson.dumps(payload)
        out = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        out += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


_COMMANDS_PATH = re.compile(r"^/api/exercises/([^/]{1,64})/commands$")


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
