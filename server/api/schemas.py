"""Request and response shapes, for the OpenAPI document at /docs (and the schema checks in the
fuzz tests). Request bodies are strict: a number is a JSON number, an integer a JSON integer (not
`"3"`, `3.0` or `true`), a flag a JSON boolean, and an unknown field is an error, not ignored."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_SEQ = 2**31 - 1  # seq is a 32-bit integer column: a bound past it cannot even be asked of PostgreSQL
_DIGITS = re.compile(r"-?[0-9]{1,30}")


def _digits_only(value: Any) -> Any:
    """A query string integer is written in digits: `3`, not `3.0`, `+3`, ` 3`, `1e3` or `true`
    (the range is checked after, so `-1` or a 20-digit number gets its own message)."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be a whole number written in digits (at most 30), such as 12")
    return value


# after the Query(...) in a parameter's Annotated, so that the bounds still reach the OpenAPI document:
# `Annotated[int, Query(ge=0), DIGITS_ONLY]`
DIGITS_ONLY = BeforeValidator(_digits_only)


class StrictBody(BaseModel):
    """A request body: no coercion of types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class LocalizedMessage(BaseModel):
    lang: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str = Field(description="in English, always")
    details: Any = None
    template: str | None = Field(default=None, description="a refusal's English template (its message id in the "
                                 "server's catalog), with `params` filling its `{placeholders}`")
    params: dict[str, str] | None = None
    localized: LocalizedMessage | None = Field(default=None, description="the refusal in the language the request's "
                                               "Accept-Language asks for, when that is not English")


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
    nonce: str | None = Field(default=None, description="128 random bits (hex) hashed with the event, so that seats "
                              "that see the hashes around it cannot test guesses of it; null for events recorded "
                              "before the nonce")
    played_by: Literal["facilitator"] | None = Field(
        default=None, description="present when the white cell (the facilitator) made this move for the seat "
        "named in `actor` (`on_behalf_of`); also in `data`, so the hash covers it")


class EventsOut(BaseModel):
    events: list[Envelope]
    next_after: int | None = Field(default=None, description="pass as `after` to read on")
    has_more: bool | None = Field(default=None, description="with `before`: whether this seat may see an earlier event")
    before: int | None = Field(default=None, description="with `before`: pass as `before` to read the events before "
                                                         "these (null when there are none)")


class PageOut(BaseModel):
    items: list[dict[str, Any]] = Field(description="rows of the list, oldest first, as GET /state shows them")
    has_more: bool = Field(description="whether this seat may see older rows")
    before: str | None = Field(description="pass as `before` for the next page (null when there is none)")


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


class NamedKind(BaseModel):
    id: str
    name: str


class NamedStatus(NamedKind):
    member: bool


class ScenarioOut(BaseModel):
    id: str
    title: str
    summary: str
    start: str
    seats: list[ScenarioSeat]
    seat_kinds: list[NamedKind]
    statuses: list[NamedStatus]
    injects: int
    expectations: int


class CreateExercise(StrictBody):
    scenario: str | None = Field(default=None, max_length=64, description="id of a shipped scenario")
    definition: dict[str, Any] | None = Field(default=None, description="a whole scenario definition instead")


def _rules_shape(value: Any) -> Any:
    if value is not None and not isinstance(value, (list, dict)):
        raise ValueError("give a list of rule bindings, one binding, or body -> kind -> rule")
    return value


class ForkRequest(StrictBody):
    at: int = Field(ge=1, le=MAX_SEQ, description="copy events 1..at")
    rules: Annotated[list[dict[str, Any]] | dict[str, Any] | None, BeforeValidator(_rules_shape)] = Field(
        default=None, description="decision rules for the fork, in place of the run's rules for the same body and kind: "
        "a list of bindings as in a scenario, one binding, or body -> kind -> rule")
    replay: bool = Field(default=False, description="re-enact the participants' later moves under the new rules")


class DirectoryEntry(BaseModel):
    id: str
    title: str
    scenario: str
    status: str = Field(description="created, running, paused or ended")
    read_only: bool = Field(description="imported for review (or archived): nothing more can be recorded")
    created: str = Field(description="when it was created (UTC)")
    seats: int = Field(description="participating seats (the facilitator and the observer not counted)")
    online: int = Field(description="participating seats connected now")


class Directory(BaseModel):
    exercises: list[DirectoryEntry]
    next: str | None = Field(description="give it as `cursor` for the next page; null on the last page")


class QrRequest(StrictBody):
    text: str = Field(min_length=1, max_length=1024)


ErrorResponses: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "missing or unknown token", 403: "this seat may not do this", 404: "unknown exercise",
        409: "not possible in the current state", 413: "body too large", 422: "malformed request",
        429: "over a fair-use limit: retry after `Retry-After` seconds",
        503: "the database cannot be reached, or the server is busy with heavy work, just now: retry (see Retry-After)",
    }.items()
}
