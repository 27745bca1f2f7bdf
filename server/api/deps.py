"""Dependencies: the service, and who is calling (by bearer token)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from ..service import ExerciseService
from ..settings import Settings
from ..store.base import SeatRecord
from .errors import ApiError


async def get_service(request: Request) -> ExerciseService:  # async: a plain def would run in a thread
    return request.app.state.service


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


Service = Annotated[ExerciseService, Depends(get_service)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate_seat(service: ExerciseService, exercise_id: str, token: str | None) -> SeatRecord:
    """The seat a token opens in this exercise; the one check every read and write path uses."""
    await service.is_read_only(exercise_id)  # raises UnknownExercise -> 404
    if token is None:
        raise ApiError(401, "missing_token", "Send your seat's token: Authorization: Bearer <token>.")
    seat = await service.authenticate(token)
    if seat is None:
        raise ApiError(401, "bad_token", "This token does not open any seat.")
    if seat.exercise_id != exercise_id:
        raise ApiError(403, "wrong_exercise", "This token belongs to another exercise.")
    return seat


async def current_seat(exercise_id: str, service: Service,
                       authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> SeatRecord:
    return await authenticate_seat(service, exercise_id, bearer(authorization))


Seat = Annotated[SeatRecord, Depends(current_seat)]


def require(seat: SeatRecord, *roles: str, what: str) -> None:
    if seat.seat not in roles:
        names = " or ".join("the " + r for r in roles)
        raise ApiError(403, "forbidden", f"Only {names} can {what}.")


async def require_admin(settings: AppSettings,
                        authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    if settings.admin_token is None:
        return
    token = bearer(authorization)
    if token is None:
        raise ApiError(401, "admin_token_required", "Creating and importing exercises needs the admin token (TTX_ADMIN_TOKEN).")
    if not hmac.compare_digest(token.encode(), settings.admin_token.get_secret_value().encode()):
        raise ApiError(403, "bad_admin_token", "That is not the admin token.")


Admin = Annotated[None, Depends(require_admin)]
