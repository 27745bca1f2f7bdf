"""`POST /api/exercises/{id}/commands`: one command from one seat."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from ..domain.commands import COMMAND_TYPES, AliasClash, AnyCommand, parse_command, resolve_alias
from ..domain.visibility import visible_events
from ..service import ExerciseService, request_hash
from .admission import admit_command
from .deps import bearer
from .errors import ApiError, _validation_details, describe, error_body, error_headers, refusal, request_language, worded
from .failsafe import _BODY as _INTERNAL
from .limits import _too_large
from .schemas import ErrorResponses, EventsOut

# `POST /commands` is the hot path, so it is served by one plain ASGI function, `serve`, that reads
# the path, headers and body itself and answers with the body serialised once. The application
# (`server.app.App`) calls it before its middleware stack, for every POST to the path: FastAPI's and
# Starlette's layers (error middleware, telemetry, body limits, exception middleware, the router,
# the Request object) cost about a quarter of a command (measured, docs/PERFORMANCE.md), and `serve`
# gives the same guarantees itself: the body limit, one error body for every refusal, a 500 that
# keeps the connection for an unexpected error. The same function is also the route in the router
# (which answers 405 to other methods), and this router, never mounted, documents it, so the OpenAPI
# is generated from the same models as for every other route.
router = APIRouter(prefix="/api/exercises", tags=["commands"])
COMMANDS_PATH = "/api/exercises/{exercise_id}/commands"
COMMANDS_ROUTE = re.compile(r"/api/exercises/([^/]+)/commands")  # the same path, for `server.app.App`
log = logging.getLogger("ttx.api")

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_SEAT = re.compile(r"[A-Za-z0-9_-]{1,32}")
_COMMAND_SCHEMA = TypeAdapter(AnyCommand).json_schema(ref_template="#/components/schemas/{model}")


def install(app: Any) -> None:
    """The commands route, first of the app's routes, and its documentation in the OpenAPI, with
    the command models where OpenAPI tools look for them: `components.schemas`."""
    from fastapi.openapi.utils import get_openapi
    from starlette.routing import Route

    async def commands(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await serve(scope["path_params"]["exercise_id"], scope, receive, send)

    app.router.routes.insert(0, Route(COMMANDS_PATH, _Asgi(commands), methods=["POST"], name="post_command"))
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            documented = get_openapi(title=app.title, version=app.version, routes=router.routes)
            schema.setdefault("paths", {}).update(documented.get("paths", {}))
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in documented.get("components", {}).get("schemas", {}).items():
                schemas.setdefault(name, model)
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
    """Documentation only: requests are answered by `serve`."""
    raise NotImplementedError  # pragma: no cover


class _Asgi:
    """An ASGI callable Starlette's `Route` takes as an app of its own (not a request handler)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.fn(scope, receive, send)


_JSON = (b"content-type", b"application/json")


async def serve(exercise_id: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The one path of every command, as plain ASGI: the body within `max_body_bytes` (413
    otherwise), `run_command`, and the answer; a refusal is its error body, an unexpected error a
    logged 500 (the connection lives, as under `Failsafe`)."""
    app = scope["app"]
    limit = app.state.settings.max_body_bytes
    authorization = idempotency_key = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"idempotency-key":
            idempotency_key = value.decode("latin-1")
        elif name == b"content-length" and (not value.isdigit() or int(value) > limit):
            await _too_large(send, limit)
            return
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await _too_large(send, limit)
            return
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    try:
        payload = await run_command(app.state.service, exercise_id, authorization, idempotency_key, raw, scope=scope)
        status, body, extra = 200, orjson.dumps(payload), None
    except Exception as exc:
        err = describe(exc, request_language(scope["headers"]))
        if err is None:
            log.exception("unhandled error in POST %s", scope.get("path"))
            status, body, extra = 500, _INTERNAL, None
        else:
            status, body = err.status, orjson.dumps(error_body(err.code, err.message, err.details, err.sentence))
            extra = error_headers(err)
    headers = [_JSON, (b"content-length", str(len(body)).encode())]
    if extra:
        headers.extend((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def run_command(service: ExerciseService, exercise_id: str, authorization: str | None,
                      idempotency_key: str | None, raw: bytes, *, scope: dict[str, Any] | None = None) -> dict[str, Any]:
    """Authenticate (within the fair-use limits), parse, validate, execute: the whole of `POST /commands`."""
    seat = await admit_command(service, exercise_id, bearer(authorization), scope)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(422, "malformed_json", "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "A command is a JSON object with a `type`.")
    on_behalf_of = _on_behalf_of(body)
    if "on_behalf_of" in body:
        body = {k: v for k, v in body.items() if k != "on_behalf_of"}
    kind = body.get("type")
    if isinstance(kind, str) and kind not in COMMAND_TYPES:
        body = await _resolve_alias(service, exercise_id, body, kind)
    if not isinstance(kind, str) or body.get("type") not in COMMAND_TYPES:
        raise ApiError(422, "unknown_command", f"Unknown command type {kind!r}." if kind is not None
                       else "The command has no `type`.")
    try:
        command = parse_command(body)
    except ValidationError as exc:
        errors = list(exc.errors())
        details = _validation_details(errors)
        details = [dict(d, field=d["field"].removeprefix(f"{kind}.")) for d in details]
        # the message for the person who sent it; the details keep the validator's words for tools
        raise worded(errors[0], details)
    factor = getattr(command, "factor", None) if command.type == "set_clock_speed" else None
    if factor is not None and not service.speeds[0] <= factor <= service.speeds[1]:
        low, high = service.speeds
        raise refusal(422, "speed_out_of_range", "The clock runs between {low}x and {high}x; {factor}x is not one of the "
                      "speeds this server allows.", low=f"{low:g}", high=f"{high:g}", factor=f"{factor:g}")
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise ApiError(422, "bad_idempotency_key", "Idempotency-Key is 1 to 200 printable characters.")
    events = await service.execute(exercise_id, seat.seat, command, idempotency_key=idempotency_key,
                                   body_hash=request_hash(body if on_behalf_of is None
                                                          else {**body, "on_behalf_of": on_behalf_of}),
                                   on_behalf_of=on_behalf_of)
    shown = list(visible_events(events, seat.seat))
    # the seat's own last event, not the batch's: a triggered inject for other seats comes after it
    # (issue 13, case 7: its seq told the seat that it happened)
    return {"events": [e.envelope() for e in shown], "next_after": shown[-1].seq if shown else None}


def _on_behalf_of(body: dict[str, Any]) -> str | None:
    """The seat the white cell plays (`"on_behalf_of": "<seat>"`), checked for shape here; who may
    play it, and which move, is the domain's judgment (`decide`)."""
    value = body.get("on_behalf_of")
    if value is None:
        return None
    if not isinstance(value, str) or not _SEAT.fullmatch(value):
        raise ApiError(422, "invalid_command", "on_behalf_of: a seat id (letters, digits, _ and -, at most 32).")
    return value


async def _resolve_alias(service: ExerciseService, exercise_id: str, body: dict[str, Any], kind: str) -> dict[str, Any]:
    try:
        return resolve_alias(await service.scenario(exercise_id), body)
    except AliasClash as exc:
        raise ApiError(422, "invalid_command", str(exc))
