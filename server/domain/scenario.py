"""The scenario definition: seats, bodies, regions, decision rules, injects and expectations.

A scenario is data (a YAML file in `exercises/`, or a JSON definition posted by a facilitator).
This module is its validated shape; `server.scenarios` loads files with line numbers and adds the
cross-reference checks. The model is recorded whole in the first event of every exercise.
"""

from __future__ import annotations

import re
from functools import cached_property
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SEAT_ID = r"^[A-Z][A-Z0-9_]{1,15}$"
SLUG = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
RESERVED_SEATS = frozenset({"facilitator", "observer", "system"})
_OFFSET = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")

Power = Literal[
    "request_consultation",
    "convene_session",
    "propose_decision",
    "notify_un_security_council",
    "report_threat",
]
RuleName = Literal["consensus", "simple_majority", "qualified_majority", "silence_procedure"]

Text = Annotated[str, Field(max_length=20_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


def parse_offset(value: str) -> float:
    """`"01:30"` (hours:minutes) or `"01:30:15"` -> seconds of exercise time."""
    m = _OFFSET.match(value.strip())
    if not m:
        raise ValueError(f"{value!r} is not an exercise-time offset like \"00:15\" or \"01:30:00\"")
    hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0)
    return float(hours * 3600 + minutes * 60 + seconds)


def format_offset(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Seat(_Model):
    id: str = Field(pattern=SEAT_ID, description="ISO 3166-1 alpha-3 for states; a short code for offices")
    name: ShortText
    kind: Literal["state", "office"]
    status: Literal["member", "non_signatory"] | None = Field(
        default=None, description="states only: a participating state, or a non-signatory with limited rights"
    )
    head: str | None = Field(default=None, max_length=200, description="who speaks for the seat, e.g. the head of state")
    powers: list[Power] = Field(default_factory=list, description="offices only: what the office may do")
    briefing: Text = ""

    @model_validator(mode="after")
    def _kind_fields(self) -> "Seat":
        if self.kind == "state" and self.status is None:
            raise ValueError("a state seat needs a status: member or non_signatory")
        if self.kind == "office" and self.status is not None:
            raise ValueError("an office seat has no membership status")
        if self.kind == "state" and self.powers:
            raise ValueError("powers are for offices; states act by their status")
        return self


class Body(_Model):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    name: ShortText
    members: Union[Literal["all_members"], list[str]] = Field(
        description="`all_members` (every participating state, including ones admitted later) or a list of seats"
    )
    chair: str | None = None
    description: Text = ""


class Region(_Model):
    id: str = Field(pattern=SLUG)
    name: ShortText
    members: list[str]
    description: Text = ""


class RuleSpec(_Model):
    """A decision rule. Quorum and threshold are fractions of the eligible voters (quorum) and of
    the votes cast (threshold)."""

    rule: RuleName
    quorum: float = Field(default=0.5, ge=0, le=1)
    threshold: float | None = Field(default=None, gt=0, le=1)
    abstention_blocks: bool = False
    deadline_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    non_signatories_vote: bool = False

    @model_validator(mode="after")
    def _rule_fields(self) -> "RuleSpec":
        if self.rule == "qualified_majority" and self.threshold is None:
            raise ValueError("qualified_majority needs a threshold, e.g. 0.67")
        if self.rule != "qualified_majority" and self.threshold is not None:
            raise ValueError(f"threshold applies only to qualified_majority, not {self.rule}")
        if self.rule == "silence_procedure" and self.deadline_minutes is None:
            raise ValueError("silence_procedure needs deadline_minutes: silence is only consent when time runs out")
        return self


class RuleBinding(RuleSpec):
    """Which rule applies where: `body` and `kind` may be `"*"`. The most specific binding wins:
    body and kind, then body, then kind, then the default."""

    body: str = "*"
    kind: str = "*"


class EventPattern(BaseModel):
    """`{event: decision_adopted, kind: use_of_armed_forces}`: an event type plus data fields."""

    model_config = ConfigDict(extra="allow", frozen=True)
    event: str = Field(pattern=r"^[a-z]+(_[a-z]+)*$")

    def fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class UnlessTrigger(_Model):
    """Fire when `event` has not happened within `within` after the anchor (an inject id or an event)."""

    event: str = Field(pattern=r"^[a-z]+(_[a-z]+)*$")
    within: str
    after: Union[str, EventPattern]
    match: dict[str, Any] = Field(default_factory=dict)

    @field_validator("within")
    @classmethod
    def _offset(cls, v: str) -> str:
        parse_offset(v)
        return v


class Inject(_Model):
    id: str = Field(pattern=SLUG)
    title: ShortText
    body: Text = ""
    to: Union[Literal["all"], list[str]] = "all"
    at: str | None = Field(default=None, description="exercise-time offset, e.g. \"00:15\"")
    when: EventPattern | None = Field(default=None, description="deliver when a matching event occurs")
    unless: UnlessTrigger | None = Field(default=None, description="deliver when an expected event did not occur in time")

    @field_validator("at")
    @classmethod
    def _offset(cls, v: str | None) -> str | None:
        if v is not None:
            parse_offset(v)
        return v

    @model_validator(mode="after")
    def _one_trigger(self) -> "Inject":
        given = [name for name in ("at", "when", "unless") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"an inject has one trigger, not {' and '.join(given)}")
        return self

    @property
    def at_seconds(self) -> float | None:
        return parse_offset(self.at) if self.at is not None else None

    @property
    def trigger(self) -> str:
        if self.when is not None:
            return "when"
        if self.unless is not None:
            return "unless"
        return "scheduled" if self.at is not None else "manual"


class Expectation(_Model):
    """What the review checks: after an anchor, `expect` happens within `within`, by whom."""

    id: str = Field(pattern=SLUG)
    title: ShortText
    reference: str | None = Field(default=None, max_length=200, description="treaty article or statute clause")
    after: Union[str, EventPattern] = Field(description="an inject id, or an event pattern")
    expect: EventPattern
    within: str
    by: Union[Literal["any", "each_member", "each_other_member"], list[str]] = "any"
    correlate: str | None = Field(default=None, description="data field that must be equal in anchor and expected event")
    occurrences: Literal["first", "every"] = "first"

    @field_validator("within")
    @classmethod
    def _offset(cls, v: str) -> str:
        parse_offset(v)
        return v


class Settings(_Model):
    allow_actions_while_paused: bool = False
    assistance_kinds: list[str] = Field(
        default_factory=lambda: ["military", "air_defence", "logistics", "humanitarian", "intelligence", "medical"]
    )
    decision_kinds: list[str] = Field(default_factory=lambda: ["general", "use_of_armed_forces", "accession"])


class Scenario(_Model):
    id: str = Field(pattern=SLUG)
    title: ShortText
    summary: Text = ""
    start: datetime = Field(description="in-world date and time when the exercise clock reads 00:00")
    speed: float = Field(default=1.0, gt=0, le=1000, description="default clock speed")
    seats: list[Seat] = Field(min_length=1, max_length=64)
    bodies: list[Body] = Field(default_factory=list, max_length=32)
    regions: list[Region] = Field(default_factory=list, max_length=32)
    rules: list[RuleBinding] = Field(default_factory=lambda: [RuleBinding(rule="consensus")], min_length=1)
    injects: list[Inject] = Field(default_factory=list, max_length=500)
    expectations: list[Expectation] = Field(default_factory=list, max_length=200)
    settings: Settings = Field(default_factory=Settings)
    sources: list[str] = Field(default_factory=list, description="where the scenario's facts come from")

    @cached_property
    def unless_specs(self) -> dict[str, Any]:
        """inject id -> the pattern whose absence fires its `unless` trigger."""
        from .events import EventSpec

        return {i.id: EventSpec(i.unless.event, i.unless.match) for i in self.injects if i.unless is not None}

    @cached_property
    def unless_anchors(self) -> dict[str, Any]:
        """inject id -> the event pattern an `unless` trigger is anchored on (when not an inject)."""
        from .events import EventSpec

        return {i.id: EventSpec(i.unless.after.event, i.unless.after.fields()) for i in self.injects
                if i.unless is not None and not isinstance(i.unless.after, str)}

    @cached_property
    def unless_event_types(self) -> frozenset[str]:
        """Event types that can start or satisfy an `unless` trigger: the fold looks no further for others."""
        return frozenset({s.event for s in self.unless_specs.values()} | {a.event for a in self.unless_anchors.values()})

    # -- lookups ------------------------------------------------------------------------------

    def seat(self, seat_id: str) -> Seat | None:
        return next((s for s in self.seats if s.id == seat_id), None)

    def body(self, body_id: str) -> Body | None:
        return next((b for b in self.bodies if b.id == body_id), None)

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def inject(self, inject_id: str) -> Inject | None:
        return next((i for i in self.injects if i.id == inject_id), None)

    def public_summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "start": self.start.isoformat(),
            "seats": [{"seat": s.id, "name": s.name, "kind": s.kind, "status": s.status} for s in self.seats],
        }


def scenario_seat_ids(sc: Scenario) -> set[str]:
    return {s.id for s in sc.seats}
