"""Review: the after-action report, fork, compare, import. Thin: authenticate, call one operation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..domain.events import FACILITATOR, OBSERVER
from ..review.compare import compare_reports
from ..review.operations import Created, ReviewRefused, fork_exercise, import_export, report_for
from ..review.render_text import FORMATS, render
from .deps import Admin, AppSettings, Seat, Service, authenticate_seat, require
from .errors import ApiError
from .exercises import base_url, created_body
from .schemas import ErrorResponses, ForkRequest

router = APIRouter(tags=["review"])

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")
# the report is a document, not an app: no script at all, only its own inline style and images
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def _refused(exc: ReviewRefused) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.details)


def _created(request: Request, settings, created: Created, **extra: Any) -> dict[str, Any]:
    body = created_body(base_url(request, settings), created.exercise_id, created.scenario, created.issued)
    body.update(extra)
    return body


@router.get("/api/exercises/{exercise_id}/report", responses={
    200: {"content": {"application/json": {}, "text/html": {}, "text/markdown": {}, "text/csv": {}}}, **ErrorResponses},
    summary="The after-action report (facilitator and observer), as JSON, HTML, Markdown or CSV")
async def get_report(exercise_id: str, seat: Seat, service: Service,
                     format: Annotated[Literal["json", "html", "md", "csv"], Query()] = "json") -> Response:
    require(seat, FACILITATOR, OBSERVER, what="read the after-action report")
    report = await report_for(service, exercise_id, seat.seat)
    if format == "json":
        return JSONResponse(report)
    fmt = FORMATS[format]
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if format == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    else:
        headers["Content-Disposition"] = f'attachment; filename="{exercise_id}-report.{fmt.extension}"'
    return Response(render(report, format), media_type=fmt.media_type, headers=headers)


@router.post("/api/exercises/{exercise_id}/fork", status_code=201, responses=ErrorResponses,
             summary="A new exercise from events 1..at of this one, optionally under other rules, optionally re-enacted")
async def fork(exercise_id: str, body: ForkRequest, seat: Seat, service: Service, request: Request,
               settings: AppSettings) -> dict[str, Any]:
    require(seat, FACILITATOR, what="fork the exercise")
    try:
        created = await fork_exercise(service, exercise_id, at=body.at, rules=body.rules, replay=body.replay)
    except ReviewRefused as exc:
        raise _refused(exc)
    origin = created.origin
    return _created(request, settings, created, forked_from=origin["forked_from"], rules=origin["rules"],
                    replay=origin["replay"], reenacted=origin["reenacted"], skipped=origin["skipped"])


@router.post("/api/exercises/import", status_code=201, responses={
    **ErrorResponses, 415: {"description": "the body is not NDJSON"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
    summary="Load an exported log (chain verified) as a read-only exercise for replay and review")
async def import_log(request: Request, service: Service, settings: AppSettings, _: Admin) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in NDJSON_TYPES:
        raise ApiError(415, "unsupported_media_type", "Send the export as application/x-ndjson.")
    raw = await request.body()
    try:
        created = await import_export(service, raw.splitlines())
    except ReviewRefused as exc:
        raise _refused(exc)
    return _created(request, settings, created, read_only=True, imported_from=created.origin["imported_from"])


class RunRef(BaseModel):
    exercise_id: str = Field(min_length=1, max_length=64)
    token: str = Field(min_length=1, max_length=200)


class CompareRequest(BaseModel):
    a: RunRef
    b: RunRef


@router.post("/api/compare", responses=ErrorResponses,
             summary="Two runs side by side (tokens of the facilitator or observer of each, in the body)")
async def compare(body: CompareRequest, service: Service) -> dict[str, Any]:
    reports = []
    for side in (body.a, body.b):
        seat = await authenticate_seat(service, side.exercise_id, side.token)
        require(seat, FACILITATOR, OBSERVER, what="compare runs")
        reports.append(await report_for(service, side.exercise_id, seat.seat))
    return compare_reports(reports[0], reports[1], a_id=body.a.exercise_id, b_id=body.b.exercise_id)
