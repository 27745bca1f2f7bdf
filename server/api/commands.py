"""`POST /api/exercises/{id}/commands`: one command from one seat."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from ..domain.commands import COMMAND_TYPES, AnyCommand, parse_command
from ..domain.visibility import visible_events
from ..service import request_hash
from ..service import ExerciseService
from .deps import authenticate_seat, bearer
from .errors import ApiError, _validation_details
from .responses import json_response
from .schemas import ErrorResponses, EventsOut

router = APIRouter(prefix="/api/exercises", tags=["commands"])

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
    # The hottest route: headers are read directly rather than through FastAPI's parameter
    # machinery, which validated them several times over per request (measured: 40% of the time).
    service: ExerciseService = request.app.state.service
    seat = await authenticate_seat(service, exercise_id, bearer(request.headers.get("authorization")))
    idempotency_key = request.headers.get("idempotency-key")
    raw = await request.body()
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
    return json_response({"events": [e.envelope() for e in shown], "next_after": events[-1].seq if events else None})
