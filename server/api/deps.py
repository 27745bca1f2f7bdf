"""Dependencies: the service, and who is calling (by bearer token)."""

from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from ..service import ExerciseService, UnknownExercise
from ..settings import Settings
from ..store.base import SeatRecord
from ..work.pool import WorkPool
from ..domain.errors import Said
from ..domain.words import N_
from .errors import ApiError, refusal
from .fair_use import FairUse, address_of

GUESSES = ("bad_token", "wrong_exercise", "bad_admin_token")  # failed authentications that count against an address
# What an exercise id and a token can be at all: anything else is unknown without asking the database
# (a NUL in an id made PostgreSQL fail the query, a lone surrogate in a token failed its hashing).
_EXERCISE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_TOKEN = re.compile(r"[\x21-\x7e]{1,200}")


async def get_service(request: Request) -> ExerciseService:  # async: a plain def would run in a thread
    return request.app.state.service


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_work(request: Request) -> WorkPool:
    return request.app.state.work


Service = Annotated[ExerciseService, Depends(get_service)]
Work = Annotated[WorkPool, Depends(get_work)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate_seat(service: ExerciseService, exercise_id: str, token: str | None, *,
                            fair_use: FairUse | None = None, address: str = "") -> SeatRecord:
    """The seat a token opens in this exercise; the one check every read and write path uses.
    With `fair_use`, an address that has failed too often lately is refused (429) before its token
    is looked at, and a failure here counts against it."""
    if fair_use is None:
        return await _authenticate(service, exercise_id, token)
    fair_use.check("failed_auth", address, spend=False)
    try:
        return await _authenticate(service, exercise_id, token)
    except ApiError as exc:
        if exc.code in GUESSES:
            fair_use.failed_auth(address)
        raise


async def _authenticate(service: ExerciseService, exercise_id: str, token: str | None) -> SeatRecord:
    if not _EXERCISE_ID.fullmatch(exercise_id):
        raise UnknownExercise(exercise_id[:64])
    await service.is_read_only(exercise_id)  # raises UnknownExercise -> 404
    if token is None:
        raise ApiError(401, "missing_token", "Send your seat's token: Authorization: Bearer <token>.")
    seat = await service.authenticate(token) if _TOKEN.fullmatch(token) else None
    if seat is None:
        raise ApiError(401, "bad_token", "This token does not open any seat.")
    if seat.exercise_id != exercise_id:
        raise refusal(403, "wrong_exercise", "This token belongs to another exercise.")
    return seat


async def current_seat(exercise_id: str, service: Service, request: Request,
                       authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> SeatRecord:
    return await authenticate_seat(service, exercise_id, bearer(authorization), fair_use=request.app.state.fair_use,
                                   address=address_of(request.scope))


Seat = Annotated[SeatRecord, Depends(current_seat)]


ROLES = {"facilitator": N_("the facilitator"), "observer": N_("the observer")}  # as a refusal names them


def require(seat: SeatRecord, *roles: str, what: str) -> None:
    if seat.seat not in roles:
        who = list(roles)

        def say(w: Any) -> str:
            out = w.catalog(ROLES.get(who[0], who[0]))
            for role in who[1:]:
                out = w.say("{those} or {these}", those=out, these=w.catalog(ROLES.get(role, role)))
            return out

        english = " or ".join("the " + r for r in roles)
        raise refusal(403, "forbidden", "Only {names} can {what}.", names=Said(english, say),
                      what=Said(what, lambda w: w.catalog(what)))


async def require_admin(settings: AppSettings, request: Request,
                        authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    if settings.admin_token is None:
        return
    token = bearer(authorization)
    if token is None:
        raise ApiError(401, "admin_token_required", "Creating and importing exercises needs the admin token (TTX_ADMIN_TOKEN).")
    fair_use: FairUse = request.app.state.fair_use
    address = address_of(request.scope)
    fair_use.check("failed_auth", address, spend=False)
    if not hmac.compare_digest(token.encode(), settings.admin_token.get_secret_value().encode()):
        fair_use.failed_auth(address)
        raise refusal(403, "bad_admin_token", "That is not the admin token.")


def anonymous_limit(name: str, *, unless_admin: bool = False):
    """A dependency spending one token of the per-address bucket `name`; with `unless_admin`, only
    while no admin token is configured (with one, the admin token is the gate)."""

    async def dependency(request: Request) -> None:
        if unless_admin and request.app.state.settings.admin_token is not None:
            return
        request.app.state.fair_use.check(name, address_of(request.scope))

    return Depends(dependency)


Admin = Annotated[None, Depends(require_admin)]


def is_loopback(host: str | None) -> bool:
    """Whether a client address is this machine's own (127.0.0.0/8, ::1, or ::ffff:127.x)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


async def admin_or_loopback(request: Request, settings: AppSettings, authorization: str | None, code: str,
                            message: str) -> None:
    """The admin token when the server has one; without one, only this machine (a loopback
    address), else a 403 `code` with `message`: the guard of the costly and the private requests
    (imports, the lab, the directory of exercises)."""
    if settings.admin_token is not None:
        await require_admin(settings, request, authorization)
        return
    if not is_loopback(request.client.host if request.client else None):
        raise ApiError(403, code, message)


async def require_import_access(request: Request, settings: AppSettings,
                                authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    """Importing needs the admin token when there is one; without one, only this machine may import
    (an import is the costliest request there is, and the default server has no other guard)."""
    await admin_or_loopback(request, settings, authorization, "import_from_loopback_only",
                            "Without TTX_ADMIN_TOKEN this server accepts imports only from its own machine (a loopback "
                            "address). To import from elsewhere, set TTX_ADMIN_TOKEN on the server and send it as "
                            "Authorization: Bearer <token>.")


ImportAccess = Annotated[None, Depends(require_import_access)]
