"""Reading: events after (or before) a seq, the seat's view of the state and the older rows of its
lists a page at a time, the export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response, StreamingResponse

from ..domain.events import FACILITATOR
from ..domain.words import N_
from ..domain.slices.clock import horizon
from ..domain.events import Event
from ..domain.paging import UnknownCursor, UnknownList, listing, page
from ..domain.state import State
from ..domain.views import seat_view
from ..domain.visibility import visible_events
from ..review.export import export_ndjson
from ..service import ExerciseService
from .deps import AppSettings, Seat, Service, require
from .errors import ApiError
from .responses import json_response
from .schemas import DIGITS_ONLY, MAX_SEQ, ErrorResponses, EventsOut, PageOut

router = APIRouter(prefix="/api/exercises", tags=["queries"])

MAX_LIMIT = 5000
MAX_PAGE = 1000  # rows of one list page


@router.get("/{exercise_id}/events", response_model=EventsOut, responses=ErrorResponses,
            summary="The events this seat may see, with seq > after, in order")
async def get_events(exercise_id: str, seat: Seat, service: Service,
                     after: Annotated[int, Query(ge=0, le=MAX_SEQ), DIGITS_ONLY] = 0,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT), DIGITS_ONLY] = 1000,
                     before: Annotated[int | None, Query(ge=1, le=MAX_SEQ, description=(
                         "read backwards: the last `limit` visible events with after < seq < before, in order"
                     )), DIGITS_ONLY] = None) -> Response:
    if before is not None:
        return json_response(await _events_before(service, exercise_id, seat.seat, after=after, before=before, limit=limit))
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


async def _events_before(service: ExerciseService, exercise_id: str, seat: str, *, after: int, before: int,
                         limit: int) -> dict[str, Any]:
    """The last `limit` events this seat may see with after < seq < before: read backwards in
    windows of the log (widening while they hold few visible events), one more to tell `has_more`."""
    found: list[Event] = []  # newest first
    # the highest seq still to read: never past the log's head (a `before` far beyond it must not
    # cost a read per empty window; the answer holds only visible events, so the head stays unsaid)
    hi = min(before - 1, (await service.state(exercise_id)).version)
    window = min(MAX_LIMIT, limit + 1)
    while hi > after and len(found) <= limit:
        lo = max(after, hi - window)
        batch = await service.events(exercise_id, after=lo, upto=hi)
        found.extend(reversed(list(visible_events(batch, seat))))
        hi = lo
        window = min(MAX_LIMIT, window * 2)
    shown = list(reversed(found[:limit]))
    more = len(found) > limit
    # the cursor is the first event shown: nothing about the events before it that the seat may not see
    return {"events": [e.envelope() for e in shown], "next_after": shown[-1].seq if shown else after,
            "has_more": more, "before": shown[0].seq if more else None}


async def _seat_state(service: ExerciseService, exercise_id: str, seat: str, *, at: int | None, at_time: float | None) -> State:
    """The state a seat's view is made from: after event `at`, at exercise time `at_time`, or now;
    for a participant never past its own horizon."""
    if at is not None and at_time is not None:
        raise ApiError(422, "invalid_request", "Give `at` or `at_time`, not both.")
    state = await service.state(exercise_id, at=at, at_time=at_time)
    if seat == FACILITATOR:
        if at is not None and at > state.version:
            raise ApiError(409, "beyond_head", f"The exercise has only {state.version} events.")
    else:
        # a seat sees the state after its own last visible event up to there: what came after it,
        # and how much, is not the seat's to know (no refusal beyond the head either: that would tell)
        seen, _ = horizon(state, seat)
        if seen < state.version:
            state = await service.state(exercise_id, at=max(seen, 1))
    return state


AtSeq = Annotated[int | None, Query(ge=1, le=MAX_SEQ), DIGITS_ONLY]
AtTime = Annotated[float | None, Query(ge=0, le=1e9, allow_inf_nan=False)]


@router.get("/{exercise_id}/state", responses=ErrorResponses,
            summary="This seat's view of the state after event `at`, or at exercise time `at_time` (default: now); "
                    "each growing list holds its rows in play and its most recent rows (see `pages`)")
async def get_state(exercise_id: str, seat: Seat, service: Service, settings: AppSettings,
                    at: AtSeq = None, at_time: AtTime = None) -> Response:
    state = await _seat_state(service, exercise_id, seat.seat, at=at, at_time=at_time)
    view = seat_view(state, seat.seat, recent=settings.view_recent)
    view["read_only"] = await service.is_read_only(exercise_id)
    view["server_time"] = service.now()  # the clock exercise time is reckoned by
    return json_response(view)


@router.get("/{exercise_id}/state/{list_name}", response_model=PageOut, responses=ErrorResponses,
            summary="Older rows of one list of this seat's view (`decisions`, `injects`, ...): the `limit` rows "
                    "before the row `before`, oldest first, as GET /state shows them")
async def get_state_page(exercise_id: str, seat: Seat, service: Service, settings: AppSettings,
                         list_name: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")],
                         before: Annotated[str, Query(min_length=1, max_length=200,
                                                      description="a row's id: `pages.<list>.before` of the view")],
                         limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE), DIGITS_ONLY] = None,
                         at: AtSeq = None, at_time: AtTime = None) -> Response:
    try:
        lst = listing(list_name)
    except UnknownList:
        raise ApiError(404, "unknown_list", f"The view has no list {list_name!r}.") from None
    state = await _seat_state(service, exercise_id, seat.seat, at=at, at_time=at_time)
    try:
        out = page(lst, state, seat.seat, before=before, limit=limit or settings.view_recent)
    except UnknownCursor:
        # the same answer whether no such row exists or this seat may not see it
        raise ApiError(404, "unknown_cursor", f"No row {before!r} in {list_name} to read before.") from None
    return json_response(out)


@router.get("/{exercise_id}/export", responses={200: {"content": {"application/x-ndjson": {}}}, **ErrorResponses},
            summary="The whole log as NDJSON: a header line, then every event with its hash")
async def export(exercise_id: str, seat: Seat, service: Service) -> StreamingResponse:
    require(seat, FACILITATOR, what=N_("export the log"))
    return StreamingResponse(export_ndjson(service.store, exercise_id), media_type="application/x-ndjson",
                             headers={"Content-Disposition": f'attachment; filename="{exercise_id}.ndjson"'})

