"""Reading: events after a seq, the seat's view of the state, the export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from ..domain.events import FACILITATOR
from ..domain.words import N_
from ..domain.slices.clock import horizon
from ..domain.views import seat_view
from ..domain.visibility import visible_events
from ..review.export import export_ndjson
from .deps import Seat, Service, require
from .errors import ApiError
from .responses import json_response
from .schemas import DIGITS_ONLY, MAX_SEQ, ErrorResponses, EventsOut

router = APIRouter(prefix="/api/exercises", tags=["queries"])

MAX_LIMIT = 5000


@router.get("/{exercise_id}/events", response_model=EventsOut, responses=ErrorResponses,
            summary="The events this seat may see, with seq > after, in order")
async def get_events(exercise_id: str, seat: Seat, service: Service,
                     after: Annotated[int, Query(ge=0, le=MAX_SEQ), DIGITS_ONLY] = 0,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT), DIGITS_ONLY] = 1000) -> Response:
    out: list[dict[str, Any]] = []
    cursor = after
    # invisible events are skipped, so read on until `limit` visible ones or the end
    while len(out) < limit:
        batch = await service.events(exercise_id, after=cursor, limit=limit)
        if not batch:
            break
        cursor = batch[-1].seq
        for e in visible_events(batch, seat.seat):
            out.append(e.envelope())
            if len(out) == limit:
                break
        if len(batch) < limit:
            break
    # read on from the last event shown: a cursor past it would tell the seat that events it may not
    # see came after (the scan skips them again next time: the server's work, not a leak)
    return json_response({"events": out, "next_after": out[-1]["seq"] if out else after})


@router.get("/{exercise_id}/state", responses=ErrorResponses,
            summary="This seat's view of the state after event `at`, or at exercise time `at_time` (default: now)")
async def get_state(exercise_id: str, seat: Seat, service: Service,
                    at: Annotated[int | None, Query(ge=1, le=MAX_SEQ), DIGITS_ONLY] = None,
                    at_time: Annotated[float | None, Query(ge=0, le=1e9, allow_inf_nan=False)] = None) -> Response:
    if at is not None and at_time is not None:
        raise ApiError(422, "invalid_request", "Give `at` or `at_time`, not both.")
    state = await service.state(exercise_id, at=at, at_time=at_time)
    if seat.seat == FACILITATOR:
        if at is not None and at > state.version:
            raise ApiError(409, "beyond_head", f"The exercise has only {state.version} events.")
    else:
        # a seat sees the state after its own last visible event up to there: what came after it,
        # and how much, is not the seat's to know (no refusal beyond the head either: that would tell)
        seen, _ = horizon(state, seat.seat)
        if seen < state.version:
            state = await service.state(exercise_id, at=max(seen, 1))
    view = seat_view(state, seat.seat)
    view["read_only"] = await service.is_read_only(exercise_id)
    view["server_time"] = service.now()  # the clock exercise time is reckoned by
    return json_response(view)


@router.get("/{exercise_id}/export", responses={200: {"content": {"application/x-ndjson": {}}}, **ErrorResponses},
            summary="The whole log as NDJSON: a header line, then every event with its hash")
async def export(exercise_id: str, seat: Seat, service: Service) -> StreamingResponse:
    require(seat, FACILITATOR, what=N_("export the log"))
    return StreamingResponse(export_ndjson(service.store, exercise_id), media_type="application/x-ndjson",
                             headers={"Content-Disposition": f'attachment; filename="{exercise_id}.ndjson"'})

