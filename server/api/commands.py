"""`POST /api/exercises/{id}/commands`: one command from one seat."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from ..domain.commands import COMMAND_TYPES, AliasClash, AnyCommand, parse_command, resolve_alias
from ..domain.visibility import visible_events
from ..service import ExerciseService, request_hash
from .admission import admit_command
from .deps import bearer
from .errors import ApiError, _validation_details, describe, error_headers, error_response, worded
from .responses import json_response
from .schemas import ErrorResponses, EventsOut

# The commands route is served by a plain Starlette route put first in the app's routes
# (`install`): FastAPI's matching and per-request parameter solving around an endpoint cost about a
# fifth of a command under load (bench/http_load.py under cProfile), and `post_command` reads the
# path, headers and body itself. This router is never mounted: it documents the same endpoint, so
# the OpenAPI is generated from the same models as for every other route.
router = APIRouter(prefix="/api/exercises", tags=["commands"])
COMMANDS_PATH = "/api/exercises/{exercise_id}/commands"
log = logging.getLogger("ttx.api")

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_SEAT = re.compile(r"[A-Za-z0-9_-]{1,32}")
_COMMAND_SCHEMA = TypeAdapter(AnyCommand).json_schema(ref_template="#/components/schemas/{model}")


def install(app: Any) -> None:
    """The commands route, first of the app's routes, and its documentation in the OpenAPI, with
    the command models where OpenAPI tools look for them: `components.schemas`."""
    from fastapi.openapi.utils import get_openapi
    from starlette.routing import Route

    async def commands(request: Request) -> Response:
        return await post_command(request.path_params["exercise_id"], request)

    app.router.routes.insert(0, Route(COMMANDS_PATH, commands, methods=["POST"], name="post_command"))
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
    """The one path of every command. Refusals are answered here, not raised through the
    framework's middleware (the hot path: measured in docs/PERFORMANCE.md)."""
    try:
        payload = await run_command(request.app.state.service, exercise_id, request.headers.get("authorization"),
                                    request.headers.get("idempotency-key"), await request.body(), scope=request.scope)
    except Exception as exc:
        err = describe(exc)
        if err is None:
            raise
        return error_response(err.status, err.code, err.message, err.details, error_headers(err))
    return json_response(payload)


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
        raise ApiError(422, "invalid_command", worded(errors[0]), details)
    factor = getattr(command, "factor", None) if command.type == "set_clock_speed" else None
    if factor is not None and not service.speeds[0] <= factor <= service.speeds[1]:
        low, high = service.speeds
        raise ApiError(422, "speed_out_of_range", f"The clock runs between {low:g}x and {high:g}x; {factor:g}x is not "
                                                  "one of the speeds this server allows.")
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
