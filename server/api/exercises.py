"""Scenarios and exercise creation."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from ..domain.events import format_timestamp
from ..domain.scenario import Scenario
from ..scenarios import validate_definition
from ..service import IssuedSeat
from .deps import Admin, AppSettings, Service, Work, admin_or_loopback, anonymous_limit
from .errors import ApiError
from .fair_use import address_of
from .schemas import CreateExercise, Directory, ErrorResponses, ExerciseCreated, QrRequest, ScenarioOut

router = APIRouter(prefix="/api", tags=["exercises"])


def scenario_out(sc: Scenario) -> dict[str, Any]:
    summary = sc.public_summary()
    summary.update(injects=len(sc.injects), expectations=len(sc.expectations))
    return summary


@router.get("/scenarios", response_model=list[ScenarioOut], summary="The shipped scenarios",
            responses={429: ErrorResponses[429]}, dependencies=[anonymous_limit("scenarios")])
async def list_scenarios(request: Request) -> list[dict[str, Any]]:
    return [scenario_out(s) for s in request.app.state.library.all()]


@router.get("/sentences/{lang}", summary="The engine's recorded sentences (a settlement's reason) in a language",
            response_model=dict[str, str])
async def sentences(lang: Literal["en", "ru"]) -> dict[str, str]:
    """{English template: its text in `lang`}: the page reads a reason the log keeps in English back
    into its template and values (client/js/i18n.js `recorded`) and says it from this catalog."""
    from ..review.translate import recorded_sentences

    return recorded_sentences(lang)


def base_url(request: Request, settings: AppSettings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def join_url(base: str, exercise_id: str, token: str) -> str:
    return f"{base}/exercises/{exercise_id}#{token}"


def created_body(base: str, exercise_id: str, scenario_id: str, title: str, issued: list[IssuedSeat]) -> dict[str, Any]:
    return {"id": exercise_id, "title": title, "scenario_id": scenario_id,
            "seats": [{"seat": s.seat, "name": s.name, "kind": s.kind, "token": s.token,
                       "join_url": join_url(base, exercise_id, s.token)} for s in issued]}


@router.post("/exercises", status_code=201, response_model=ExerciseCreated, responses=ErrorResponses,
             summary="Create an exercise from a shipped scenario or a definition",
             dependencies=[anonymous_limit("create", unless_admin=True)])
async def create_exercise(body: CreateExercise, request: Request, service: Service, settings: AppSettings,
                          _: Admin) -> dict[str, Any]:
    if (body.scenario is None) == (body.definition is None):
        raise ApiError(422, "invalid_request", "Give either `scenario` (a shipped scenario id) or `definition`, not both.")
    if body.scenario is not None:
        scenario = request.app.state.library.get(body.scenario)
        if scenario is None:
            known = ", ".join(s.id for s in request.app.state.library.all())
            raise ApiError(422, "unknown_scenario", f"There is no scenario {body.scenario!r}. Shipped: {known}.")
    else:
        scenario = validate_definition(body.definition)
    low, high = service.speeds
    if not low <= scenario.speed <= high:  # 1e-320 froze the clock: the bounds a facilitator's speed meets
        raise ApiError(422, "speed_out_of_range", f"The clock runs between {low:g}x and {high:g}x; the scenario's "
                                                  f"speed {scenario.speed:g}x is not one of the speeds this server allows.")
    exercise_id, issued = await service.create(scenario)
    return created_body(base_url(request, settings), exercise_id, scenario.id, scenario.title, issued)


@router.post("/qr", summary="A QR code (SVG) for a join link", response_class=Response,
             responses={200: {"content": {"image/svg+xml": {}}}, 422: ErrorResponses[422], 429: ErrorResponses[429],
                        503: ErrorResponses[503]})
async def qr_code(body: QrRequest, request: Request, work: Work) -> Response:
    # the work grows with the text: one token per 256 bytes (a join link costs one)
    request.app.state.fair_use.check("qr", address_of(request.scope), 1 + len(body.text.encode("utf-8")) // 256)
    svg = await work.run("qr", body.text)  # ~130 ms of CPU for 1,024 CJK characters: in the worker pool
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


# --- the directory: every exercise on the server, for the admin ---------------------------------

DIRECTORY_PAGE = 50
DIRECTORY_MAX_PAGE = 200
_CURSOR = re.compile(r"(\d{1,16}(?:\.\d{1,17})?)~([A-Za-z0-9_-]{1,40})")


async def require_directory_access(request: Request, settings: AppSettings,
                                   authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    """The admin token when the server has one; without one, only this machine (titles and
    scenarios of other people's exercises are nobody else's business)."""
    await admin_or_loopback(request, settings, authorization, "directory_from_loopback_only",
                            "Without TTX_ADMIN_TOKEN this server lists its exercises only to its own machine. Set "
                            "TTX_ADMIN_TOKEN on the server and send it as Authorization: Bearer <token>.")


def _cursor(value: str | None) -> tuple[float, str] | None:
    if value is None:
        return None
    m = _CURSOR.fullmatch(value)
    if m is None:
        raise ApiError(422, "bad_cursor", "cursor: give the `next` of the previous page as it was.")
    return float(m.group(1)), m.group(2)


@router.get("/exercises", response_model=Directory, responses=ErrorResponses,
            summary="Every exercise on the server, newest first (admin)",
            dependencies=[Depends(require_directory_access)])
async def list_exercises(request: Request, service: Service,
                         limit: Annotated[int, Query(ge=1, le=DIRECTORY_MAX_PAGE)] = DIRECTORY_PAGE,
                         cursor: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    found = await service.store.list_exercises(limit=limit + 1, before=_cursor(cursor))
    page, more = found[:limit], len(found) > limit
    hub = getattr(request.app.state, "hub", None)
    items = []
    for record, seats in page:
        online = hub.online(record.id) if hub is not None else []
        items.append({"id": record.id, "title": record.title, "scenario": record.scenario_id, "status": record.status,
                      "read_only": record.read_only, "created": format_timestamp(record.created_at), "seats": seats,
                      "online": len([s for s in online if s not in ("facilitator", "observer")])})
    last = page[-1][0] if page and more else None
    return {"exercises": items, "next": f"{last.created_at!r}~{last.id}" if last is not None else None}
