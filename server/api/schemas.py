"""Response shapes, for the OpenAPI document at /docs (and the schema checks in the fuzz tests)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class Envelope(BaseModel):
    exercise_id: str
    seq: int
    id: str
    type: str
    version: int
    actor: str
    exercise_time: float
    recorded_at: str
    audience: list[str] | None
    data: dict[str, Any]
    hash: str


class EventsOut(BaseModel):
    events: list[Envelope]
    next_after: int | None = Field(default=None, description="pass as `after` to read on")


class SeatOut(BaseModel):
    seat: str
    name: str
    kind: str
    token: str
    join_url: str


class ExerciseCreated(BaseModel):
    id: str
    title: str
    scenario_id: str
    seats: list[SeatOut]


class ScenarioSeat(BaseModel):
    seat: str
    name: str
    kind: str
    status: str | None


class ScenarioOut(BaseModel):
    id: str
    title: str
    summary: str
    start: str
    seats: list[ScenarioSeat]
    injects: int
    expectations: int


class CreateExercise(BaseModel):
    scenario: str | None = Field(default=None, max_length=64, description="id of a shipped scenario")
    definition: dict[str, Any] | None = Field(default=None, description="a whole scenario definition instead")


class ForkRequest(BaseModel):
    at: int = Field(ge=1, description="copy events 1..at")
    rules: list[dict[str, Any]] | dict[str, Any] | None = Field(
        default=None, description="decision rules for the fork, in place of the run's rules for the same body and kind: "
        "a list of bindings as in a scenario, one binding, or body -> kind -> rule")
    replay: bool = Field(default=False, description="re-enact the participants' later moves under the new rules")


class QrRequest(BaseModel):
    text: str = Field(min_length=1, max_length=1024)


ErrorResponses: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "missing or unknown token", 403: "this seat may not do this", 404: "unknown exercise",
        409: "not possible in the current state", 413: "body too large", 422: "malformed request",
        503: "the database cannot be reached just now: retry",
    }.items()
}
