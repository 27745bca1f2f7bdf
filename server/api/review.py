"""Review: the after-action report, fork, compare, import. Thin: authenticate, then hand the work to
the worker pool (reports, compares, forks: server/work/) or to the streamed import
(review/importing.py), which keep the event loop free however long the exercise."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any, AsyncIterator, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field
from starlette.requests import ClientDisconnect

from ..domain.events import FACILITATOR, OBSERVER
from ..domain.words import N_
from ..review.history import Possible
from ..review.importing import ImportLimits
from ..review.operations import ReviewRefused
from ..review.render_text import FORMATS
from ..review.translate import pick_language
from ..work.jobs import Forked
from .deps import AppSettings, ImportAccess, Seat, Service, Work, anonymous_limit, authenticate_seat, require
from .fair_use import address_of
from .errors import ApiError, error_response
from .exercises import base_url, created_body
from .schemas import ErrorResponses, ForkRequest, StrictBody

router = APIRouter(tags=["review"])

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")
# the report is a document, not an app: no script at all, only its own inline style and images
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
DRAIN_SECONDS = 10.0  # after refusing an import, how long the rest of its body is read (and dropped)


@router.get("/api/exercises/{exercise_id}/report", responses={
    200: {"content": {"application/json": {}, "text/html": {}, "text/markdown": {}, "text/csv": {}}}, **ErrorResponses},
    summary="The after-action report (facilitator and observer), as JSON, HTML, Markdown or CSV")
async def get_report(exercise_id: str, seat: Seat, work: Work, request: Request,
                     format: Annotated[Literal["json", "html", "md", "csv"], Query()] = "json",
                     lang: Annotated[Literal["en", "ru"] | None, Query(
                         description="The report's language (its names and the engine's sentences); for HTML the default is "
                                     "the request's Accept-Language, for the data formats English")] = None,
                     ) -> Response:
    require(seat, FACILITATOR, OBSERVER, what=N_("read the after-action report"))
    # HTML follows the reader; JSON (for the page's Review tab) only an explicit ?lang=; MD and CSV are data, in English
    language = (pick_language(lang, request.headers.get("accept-language")) if format == "html"
                else (lang or "en") if format == "json" else "en")
    body = await work.run("report", exercise_id, seat.seat, format, language)
    if format == "json":
        return Response(body, media_type="application/json")
    fmt = FORMATS[format]
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if format == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
        headers["Content-Language"] = language
        headers["Vary"] = "Accept-Language"
    else:
        headers["Content-Disposition"] = f'attachment; filename="{exercise_id}-report.{fmt.extension}"'
    return Response(body, media_type=fmt.media_type, headers=headers)


@router.post("/api/exercises/{exercise_id}/fork", status_code=201, responses=ErrorResponses,
             summary="A new exercise from events 1..at of this one, optionally under other rules, optionally re-enacted")
async def fork(exercise_id: str, body: ForkRequest, seat: Seat, work: Work, request: Request,
               settings: AppSettings) -> dict[str, Any]:
    require(seat, FACILITATOR, what=N_("fork the exercise"))
    done: Forked = await work.run("fork", exercise_id, body.at, body.rules, body.replay)
    origin = done.origin
    out = created_body(base_url(request, settings), done.exercise_id, done.scenario_id, done.title, done.issued)
    out.update(forked_from=origin["forked_from"], rules=origin["rules"], replay=origin["replay"],
               reenacted=origin["reenacted"], skipped=origin["skipped"])
    return out


class _Body:
    """The request body as it arrives (never all of it in memory); `complete` once the last of it came."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.complete = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.complete:
            message = await self.request.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            self.complete = not message.get("more_body", False)
            if message.get("body"):
                yield message["body"]

    async def drain(self, budget: int, seconds: float) -> bool:
        """Read and drop what is left of a refused body (up to `budget` bytes and `seconds`), so that
        a client still sending reads the refusal rather than a broken connection."""

        async def drop() -> None:
            left = budget
            async for chunk in self.chunks():
                left -= len(chunk)
                if left < 0:
                    raise ClientDisconnect()

        try:
            await asyncio.wait_for(drop(), seconds)
        except (asyncio.TimeoutError, ClientDisconnect):
            return False
        return True


@router.post("/api/exercises/import", status_code=201, responses={
    **ErrorResponses, 415: {"description": "the body is not NDJSON"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
    summary="Load an exported log (chain verified as it streams in) as a read-only exercise for replay and review",
    response_model=None, dependencies=[anonymous_limit("import", unless_admin=True)])
async def import_log(request: Request, service: Service, settings: AppSettings, work: Work,
                     _: ImportAccess) -> Response | dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in NDJSON_TYPES:
        raise ApiError(415, "unsupported_media_type", "Send the export as application/x-ndjson.")
    limits = ImportLimits(max_bytes=settings.max_import_bytes, max_events=settings.max_import_events,
                          max_line_bytes=settings.max_import_line_bytes)
    with work.import_slot():
        body = _Body(request)
        chunks = body.chunks()
        try:
            done = await work.import_log(service, chunks, limits=limits, snapshot_every=10 * settings.snapshot_interval,
                                         check_factory=partial(Possible, speeds=service.speeds))
        except ReviewRefused as exc:
            await chunks.aclose()
            drained = await body.drain(settings.max_import_bytes, DRAIN_SECONDS)
            return error_response(exc.status, exc.code, exc.message, exc.details,
                                  headers=None if drained else {"Connection": "close"})
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is listening any more
    out = created_body(base_url(request, settings), done.exercise_id, done.scenario_id, done.title, done.issued)
    out.update(read_only=True, imported_from=done.origin["imported_from"])
    return out


class RunRef(StrictBody):
    exercise_id: str = Field(min_length=1, max_length=64)
    token: str = Field(min_length=1, max_length=200)


class CompareRequest(StrictBody):
    a: RunRef
    b: RunRef
    tolerance_seconds: float = Field(default=60.0, ge=0, le=86_400,
                                     description="a measured time counts as changed beyond this many exercise seconds")


@router.post("/api/compare", responses=ErrorResponses,
             summary="Two runs side by side (tokens of the facilitator or observer of each, in the body)")
async def compare(body: CompareRequest, service: Service, work: Work, request: Request) -> Response:
    seats = []
    for side in (body.a, body.b):
        seat = await authenticate_seat(service, side.exercise_id, side.token, fair_use=request.app.state.fair_use,
                                       address=address_of(request.scope))
        require(seat, FACILITATOR, OBSERVER, what=N_("compare runs"))
        seats.append(seat.seat)
    result = await work.run("compare", body.a.exercise_id, seats[0], body.b.exercise_id, seats[1], body.tolerance_seconds)
    return Response(result, media_type="application/json")
