"""Commands: what a seat asks for, validated at the edge before `decide` sees it.

Every command is a pydantic model with a literal `type`; `parse_command` picks the model from the
`type` field. Strings and lists are bounded here, so the domain only ever sees sane sizes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

Title = Annotated[str, Field(min_length=1, max_length=200)]
Summary = Annotated[str, Field(min_length=1, max_length=4000)]
Note = Annotated[str, Field(max_length=4000)]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:]+$")]
SeatRef = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
SeatList = Annotated[list[SeatRef], Field(max_length=64)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    type: str


# --- facilitator --------------------------------------------------------------------------

class StartExercise(Command):
    type: Literal["start_exercise"]


class PauseExercise(Command):
    type: Literal["pause_exercise"]


class ResumeExercise(Command):
    type: Literal["resume_exercise"]


class SetClockSpeed(Command):
    type: Literal["set_clock_speed"]
    factor: float = Field(gt=0, le=1000, description="exercise seconds per wall-clock second")


class EndExercise(Command):
    type: Literal["end_exercise"]


class DeliverInject(Command):
    type: Literal["deliver_inject"]
    inject_id: Ref


class SendInject(Command):
    type: Literal["send_inject"]
    title: Title
    body: Note = ""
    to: Union[Literal["all"], Annotated[SeatList, Field(min_length=1)]] = "all"


class AddObservation(Command):
    type: Literal["add_observation"]
    text: Summary


class AnswerControlMessage(Command):
    type: Literal["answer_control_message"]
    seat: SeatRef
    text: Summary
    in_reply_to: Ref | None = None


class ScoreExpectation(Command):
    type: Literal["score_expectation"]
    expectation_id: Ref
    score: Literal["met", "partly_met", "missed"]
    note: Note | None = None


# --- participants ------------------------------------------------------------------------

class ReportThreat(Command):
    type: Literal["report_threat"]
    kind: Literal["threat", "aggression"]
    summary: Summary
    source: Annotated[str, Field(max_length=200)] | None = None


class RequestConsultation(Command):
    type: Literal["request_consultation"]
    topic: Title
    invitees: Union[Literal["all"], SeatList] = "all"
    private: bool = False
    region: Ref | None = None


class InviteToConsultation(Command):
    type: Literal["invite_to_consultation"]
    consultation_id: Ref
    invitees: Annotated[SeatList, Field(min_length=1)]


class PostStatement(Command):
    type: Literal["post_statement"]
    consultation_id: Ref
    text: Summary


class CloseConsultation(Command):
    type: Literal["close_consultation"]
    consultation_id: Ref
    outcome: Literal["coordinated", "no_agreement"]
    position: Note | None = None


class RequestAssistance(Command):
    type: Literal["request_assistance"]
    kinds: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=12)]
    summary: Summary

    @field_validator("kinds")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("each kind of assistance once")
        return v


class RespondToAssistance(Command):
    type: Literal["respond_to_assistance"]
    request_id: Ref
    response: Literal["pledge", "decline"]
    details: Note | None = None


class CloseAssistanceRequest(Command):
    type: Literal["close_assistance_request"]
    request_id: Ref
    status: Literal["fulfilled", "withdrawn"]


class ConveneSession(Command):
    type: Literal["convene_session"]
    body: Ref
    agenda: Annotated[list[Title], Field(min_length=1, max_length=20)]
    time_frame_minutes: int = Field(ge=1, le=7 * 24 * 60)


class ProposeDecision(Command):
    type: Literal["propose_decision"]
    body: Ref
    kind: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
    title: Title
    text: Summary
    deadline_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    session_id: Ref | None = None
    region: Ref | None = None
    subject: SeatRef | None = Field(default=None, description="for kind `accession`: the seat asking to join")


class CastVote(Command):
    type: Literal["cast_vote"]
    decision_id: Ref
    vote: Literal["for", "against", "abstain"]


class RecordImplementation(Command):
    type: Literal["record_implementation"]
    decision_id: Ref
    status: Literal["in_force", "blocked"]
    note: Note | None = None


class NotifyUnSecurityCouncil(Command):
    type: Literal["notify_un_security_council"]
    summary: Summary
    decision_id: Ref | None = None


class RequestAccession(Command):
    type: Literal["request_accession"]


class SendControlMessage(Command):
    type: Literal["send_control_message"]
    text: Summary


# --- the system's own ---------------------------------------------------------------------

class Tick(Command):
    """Deliver what is due by now: scheduled injects, deadlines, `unless` triggers, session ends.
    Only the scheduler sends it, as `system`."""

    type: Literal["tick"]


class Fork(Command):
    """Record, as the first event after the copied history, that a fork was made (system only)."""

    type: Literal["fork"]
    from_exercise_id: str
    at: int
    rules: list[dict[str, Any]] | None = None


ParticipantCommand = Union[
    ReportThreat, RequestConsultation, InviteToConsultation, PostStatement, CloseConsultation,
    RequestAssistance, RespondToAssistance, CloseAssistanceRequest, ConveneSession, ProposeDecision,
    CastVote, RecordImplementation, NotifyUnSecurityCouncil, RequestAccession, SendControlMessage,
]
FacilitatorCommand = Union[
    StartExercise, PauseExercise, ResumeExercise, SetClockSpeed, EndExercise, DeliverInject, SendInject,
    AddObservation, AnswerControlMessage, ScoreExpectation,
]
AnyCommand = Annotated[Union[FacilitatorCommand, ParticipantCommand], Field(discriminator="type")]

_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyCommand)
COMMAND_TYPES: frozenset[str] = frozenset(
    m.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in (*FacilitatorCommand.__args__, *ParticipantCommand.__args__)  # type: ignore[attr-defined]
)
FACILITATOR_COMMANDS: frozenset[str] = frozenset(
    m.model_fields["type"].annotation.__args__[0] for m in FacilitatorCommand.__args__  # type: ignore[attr-defined]
)


def parse_command(body: Any) -> Command:
    """Validate a command body from the edge. Raises pydantic.ValidationError; the caller checks
    `type` against COMMAND_TYPES first so an unknown type gets its own clear error."""
    return _ADAPTER.validate_python(body)
