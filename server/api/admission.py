"""Who may send a command now: the per-address bucket, the seat's token (failures counted against
the address), then the seat's own bucket. One function, called by `run_command` whichever way the
request reached it."""

from __future__ import annotations

from typing import Any

from ..service import ExerciseService
from ..store.base import SeatRecord
from .deps import authenticate_seat
from .fair_use import FairUse, address_of


async def admit_command(service: ExerciseService, exercise_id: str, token: str | None,
                        scope: dict[str, Any] | None) -> SeatRecord:
    """The seat sending the command, or an `ApiError` (401/403/404, or 429 `rate_limited`).
    `scope` is the request's ASGI scope (its app holds the limits, its client the address);
    without one (a caller outside the app) only the token is checked."""
    fair_use: FairUse | None = getattr(scope["app"].state, "fair_use", None) if scope and "app" in scope else None
    if fair_use is None:
        return await authenticate_seat(service, exercise_id, token)
    address = address_of(scope)
    fair_use.check("address_commands", address)
    seat = await authenticate_seat(service, exercise_id, token, fair_use=fair_use, address=address)
    fair_use.check("seat_commands", f"{exercise_id}/{seat.seat}")
    return seat
