"""The facilitator's own channel: participants (and the observer) write to control and control
answers; the facilitator's observations for the review; and manual scores of the scenario's
expectations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from ..batch import Batch, require_facilitator
from ..errors import conflict, forbidden, invalid
from ..events import FACILITATOR, OBSERVER, SYSTEM, Event
from ..fields import Note, Ref, SeatRef, Summary
from ..fold import Draft
from ..registry import Command, Move, Slice
from ..state import State
from ..visibility import FACILITATOR_ONLY, OBSERVER_ONLY
from ..words import N_, Words

S = Slice("control")


@dataclass(frozen=True, slots=True)
class Score:
    expectation_id: str
    actor: str
    at: float
    score: str
    note: str | None


COUNTS = S.table("control_counts", int, small=True)  # observations, control_messages
SCORES = S.table("scores", Score)


class SendControlMessage(Move):
    type: Literal["send_control_message"]
    text: Summary


class AnswerControlMessage(Command):
    type: Literal["answer_control_message"]
    seat: SeatRef
    text: Summary
    in_reply_to: Ref | None = None


class AddObservation(Command):
    type: Literal["add_observation"]
    text: Summary


class ScoreExpectation(Command):
    type: Literal["score_expectation"]
    expectation_id: Ref
    score: Literal["met", "partly_met", "missed"]
    note: Note | None = None


def _count(d: Draft, key: str) -> None:
    counts = COUNTS.own(d)
    counts[key] = counts.get(key, 0) + 1


# --- the control channel -----------------------------------------------------------------------------

@S.command(SendControlMessage, by="anyone", records="control_message_sent")
def _send(b: Batch, cmd: SendControlMessage, seat: str) -> None:
    if seat in (FACILITATOR, SYSTEM):
        raise forbidden("participants_only", "The facilitator answers messages with answer_control_message.")
    if b.state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended.")
    b.emit("control_message_sent", seat, {"message_id": b.new_id("msg"), "text": cmd.text}, audience=(seat,))


@S.event("control_message_sent", fields=("message_id", "text"), creates="message_id",
         summary=lambda e, d, w: w.say("{seat} to control: {text}", seat=w.seat(e.actor), text=w.clip(d.get("text"))),
         reenact=lambda e, d, tr: SendControlMessage(type="send_control_message", text=d["text"]))
def _sent(d: Draft, e: Event) -> None:
    _count(d, "control_messages")


@S.command(AnswerControlMessage, by="facilitator", records="control_message_answered")
def _answer(b: Batch, cmd: AnswerControlMessage, seat: str) -> None:
    require_facilitator(seat, N_("answer the control channel"))
    assert b.state.scenario is not None
    if cmd.seat != OBSERVER and b.state.scenario.seat(cmd.seat) is None:
        raise invalid("unknown_seat", "There is no seat '{seat}' in this exercise.", seat=cmd.seat)
    b.emit("control_message_answered", seat, {"message_id": b.new_id("msg"), "seat": cmd.seat, "text": cmd.text,
                                              "in_reply_to": cmd.in_reply_to}, audience=(cmd.seat,))


def _answer_reenact(e: Event, d: Mapping[str, Any], tr: Any) -> Command:
    return AnswerControlMessage(type="answer_control_message", seat=d["seat"], text=d["text"],
                                in_reply_to=tr(d["in_reply_to"]) if d.get("in_reply_to") else None)


@S.event("control_message_answered", fields=("message_id", "seat", "text", "in_reply_to"), creates="message_id",
         summary=lambda e, d, w: w.say("Control to {seat}: {text}", seat=w.seat(d.get("seat")), text=w.clip(d.get("text"))),
         reenact=_answer_reenact)
def _answered(d: Draft, e: Event) -> None:
    _count(d, "control_messages")


# --- observations and scores ---------------------------------------------------------------------------

@S.command(AddObservation, by="facilitator", records="observation_added")
def _observe(b: Batch, cmd: AddObservation, seat: str) -> None:
    require_facilitator(seat, N_("add observations"))
    b.emit("observation_added", seat, {"observation_id": b.new_id("obs"), "text": cmd.text}, audience=FACILITATOR_ONLY)


@S.event("observation_added", fields=("observation_id", "text"), creates="observation_id",
         summary=lambda e, d, w: w.say("Observation: {text}", text=w.clip(d.get("text"))),
         reenact=lambda e, d, tr: AddObservation(type="add_observation", text=d["text"]))
def _observed(d: Draft, e: Event) -> None:
    _count(d, "observations")


@S.command(ScoreExpectation, by="facilitator", records="expectation_scored")
def _score(b: Batch, cmd: ScoreExpectation, seat: str) -> None:
    require_facilitator(seat, N_("score expectations"))
    assert b.state.scenario is not None
    if not any(e.id == cmd.expectation_id for e in b.state.scenario.expectations):
        raise invalid("unknown_expectation", "There is no expectation '{expectation}' in this scenario.",
                      expectation=cmd.expectation_id)
    b.emit("expectation_scored", seat, {"expectation_id": cmd.expectation_id, "score": cmd.score, "note": cmd.note},
           audience=OBSERVER_ONLY)


@S.event("expectation_scored", fields=("expectation_id", "score", "note"),
         summary=lambda e, d, w: w.say("Expectation {id} scored {score}: {text}" if d.get("note") else "Expectation {id} scored {score}",
                                       id=d.get("expectation_id"), score=w.catalog(str(d.get("score")).replace("_", " ")),
                                       text=w.clip(d.get("note"))),
         reenact=lambda e, d, tr: ScoreExpectation(type="score_expectation", expectation_id=d["expectation_id"],
                                                   score=d["score"], note=d.get("note")))
def _scored(d: Draft, e: Event) -> None:
    data = e.data
    SCORES.own(d)[data["expectation_id"]] = Score(data["expectation_id"], e.actor, e.exercise_time, data["score"], data.get("note"))


@S.view
def _view(state: State, seat: str, w: Words) -> dict[str, Any]:
    view: dict[str, Any] = {}
    if seat in (FACILITATOR, OBSERVER):
        assert state.scenario is not None
        view["expectations"] = [e.model_dump(mode="json") for e in state.scenario.expectations]
        view["scores"] = {k: {"at": r.at, "score": r.score, "note": r.note} for k, r in SCORES.of(state).items()}
    if seat == FACILITATOR:
        counts = COUNTS.of(state)
        view["observations"] = counts.get("observations", 0)
        view["control_messages"] = counts.get("control_messages", 0)
    return view
