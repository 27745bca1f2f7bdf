"""Scenarios and exercise creation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..domain.scenario import Scenario
from ..scenarios import validate_definition
from ..service import IssuedSeat
from .deps import Admin, AppSettings, Service, Work, anonymous_limit
from .errors import ApiError
from .fair_use import address_of
from .schemas import CreateExercise, ErrorResponses, ExerciseCreated, QrRequest, ScenarioOut

router = APIRouter(prefix="/api", tags=["exercises"])


def scenario_out(sc: Scenario) -> dict[str, Any]:
    summary = sc.public_summary()
    summary.update(injects=len(sc.injects), expectations=len(sc.expectations))
    return summary


@router.get("/scenarios", response_model=list[ScenarioOut], summary="The shipped scenarios",
            responses={429: ErrorResponses[429]}, dependencies=[anonymous_limit("scenarios")])
async def list_scenarios(request: Request) -> list[dict[str, Any]]:
    return [scenario_out(s) for s in request.app.state.library.all()]


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
