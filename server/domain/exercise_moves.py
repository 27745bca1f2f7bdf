"""Running the exercise: the clock, injects, observations, the control channel, scores, forks."""

from __future__ import annotations

from typing import Any

from . import commands as c
from .batch import (Batch, deliver, handles, require_facilitator, require_in_play,
                    resolve_seats)
from .errors import conflict, forbidden, invalid
from .events import FACILITATOR, OBSERVER, SYSTEM
from .visibility import FACILITATOR_ONLY, OBSERVER_ONLY
from .scenario import RuleBinding
from dataclasses import replace

# --- lifecycle -------------------------------------------------------------------------------

@handles("start_exercise")
def _start(b: Batch, cmd: c.StartExercise, seat: str) -> None:
    require_facilitator(seat, "start the exercise")
    if b.state.status != "created":
        raise conflict("already_started", f"The exercise is already {b.state.status}.")
    b.time = 0.0  # the exercise clock reads 00:00 at the start, whenever the room gets going
    b.emit("exercise_started", seat, {"speed": b.state.clock.speed}, at=0.0)


@handles("pause_exercise")
def _pause(b: Batch, cmd: c.PauseExercise, seat: str) -> None:
    require_facilitator(seat, "pause the exercise")
    if b.state.status != "running":
        raise conflict("not_running", f"Only a running exercise can be paused; this one is {b.state.status}.")
    b.emit("exercise_paused", seat, {})


@handles("resume_exercise")
def _resume(b: Batch, cmd: c.ResumeExercise, seat: str) -> None:
    require_facilitator(seat, "resume the exercise")
    if b.state.status != "paused":
        raise conflict("not_paused", f"Only a paused exercise can be resumed; this one is {b.state.status}.")
    b.emit("exercise_resumed", seat, {})


@handles("set_clock_speed")
def _speed(b: Batch, cmd: c.SetClockSpeed, seat: str) -> None:
    require_facilitator(seat, "change the clock speed")
    if b.state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended.")
    b.emit("clock_speed_set", seat, {"factor": cmd.factor})


@handles("end_exercise")
def _end(b: Batch, cmd: c.EndExercise, seat: str) -> None:
    require_facilitator(seat, "end the exercise")
    if b.state.status not in ("running", "paused"):
        raise conflict("not_running", f"Only a running or paused exercise can be ended; this one is {b.state.status}.")
    b.emit("exercise_ended", seat, {})


# --- injects, observations, control ---------------------------------------------------------


@handles("deliver_inject")
def _deliver_inject(b: Batch, cmd: c.DeliverInject, seat: str) -> None:
    require_facilitator(seat, "deliver injects")
    require_in_play(b.state, seat)
    assert b.state.scenario is not None
    if b.state.scenario.inject(cmd.inject_id) is None:
        raise invalid("unknown_inject", f"There is no inject {cmd.inject_id!r} in this scenario.")
    if cmd.inject_id in b.state.delivered:
        raise conflict("already_delivered", f"Inject {cmd.inject_id!r} has already been delivered.")
    deliver(b, cmd.inject_id, seat, "manual")


@handles("send_inject")
def _send_inject(b: Batch, cmd: c.SendInject, seat: str) -> None:
    require_facilitator(seat, "send injects")
    require_in_play(b.state, seat)
    to = resolve_seats(b.state, cmd.to, "to") if cmd.to != "all" else "all"
    audience = None if to == "all" else tuple(to)
    b.emit("inject_delivered", seat, {"inject_id": f"adhoc_{b.next_seq}", "title": cmd.title, "body": cmd.body,
                                      "to": to if to == "all" else list(to), "trigger": "adhoc"}, audience=audience)


@handles("add_observation")
def _observation(b: Batch, cmd: c.AddObservation, seat: str) -> None:
    require_facilitator(seat, "add observations")
    b.emit("observation_added", seat, {"observation_id": f"obs_{b.next_seq}", "text": cmd.text}, audience=FACILITATOR_ONLY)


@handles("score_expectation")
def _score(b: Batch, cmd: c.ScoreExpectation, seat: str) -> None:
    require_facilitator(seat, "score expectations")
    assert b.state.scenario is not None
    if not any(e.id == cmd.expectation_id for e in b.state.scenario.expectations):
        raise invalid("unknown_expectation", f"There is no expectation {cmd.expectation_id!r} in this scenario.")
    b.emit("expectation_scored", seat, {"expectation_id": cmd.expectation_id, "score": cmd.score, "note": cmd.note},
           audience=OBSERVER_ONLY)


@handles("send_control_message")
def _control(b: Batch, cmd: c.SendControlMessage, seat: str) -> None:
    if seat in (FACILITATOR, SYSTEM):
        raise forbidden("participants_only", "The facilitator answers messages with answer_control_message.")
    if b.state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended.")
    b.emit("control_message_sent", seat, {"message_id": f"msg_{b.next_seq}", "text": cmd.text}, audience=(seat,))


@handles("answer_control_message")
def _answer(b: Batch, cmd: c.AnswerControlMessage, seat: str) -> None:
    require_facilitator(seat, "answer the control channel")
    assert b.state.scenario is not None
    if cmd.seat != OBSERVER and b.state.scenario.seat(cmd.seat) is None:
        raise invalid("unknown_seat", f"There is no seat {cmd.seat!r} in this exercise.")
    b.emit("control_message_answered", seat, {"message_id": f"msg_{b.next_seq}", "seat": cmd.seat, "text": cmd.text,
                                              "in_reply_to": cmd.in_reply_to}, audience=(cmd.seat,))


# --- fork (system) -------------------------------------------------------------------------

@handles("fork")
def _fork(b: Batch, cmd: c.Fork, seat: str) -> None:
    require_facilitator(seat, "fork the exercise")

    rules = [RuleBinding.model_validate(r) for r in cmd.rules] if cmd.rules else None
    reruled: dict[str, Any] = {}
    if rules is not None:
        probe = replace(b.state, rules=tuple(rules))
        for dec in b.state.decisions.values():
            if dec.status == "open":
                rule = probe.rule_for(dec.body, dec.kind).model_dump(mode="json", exclude={"body", "kind"})
                if rule.get("deadline_minutes") is None and dec.rule.get("deadline_minutes") is not None:
                    rule["deadline_minutes"] = dec.rule["deadline_minutes"]
                reruled[dec.id] = rule
    b.emit("exercise_forked", seat, {"from_exercise_id": cmd.from_exercise_id, "at": cmd.at,
                                     "rules": [r.model_dump(mode="json") for r in rules] if rules else None,
                                     "reruled": reruled})
