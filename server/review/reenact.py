"""Events back into the commands that made them, for re-enacting a run's human moves in a fork.

`command_for(event, translate)` is a pure mapping from an event a seat recorded to the command that
seat would send to record it again. Ids in the commands (`dec_12`, `con_5`, ...) name entities of
the original run; `translate` turns them into the fork's ids (they differ, because ids come from the
seq). System events (outcomes, scheduled injects) are not moves: the fork derives its own.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..domain import commands as c
from ..domain.events import Event, thaw

Translate = Callable[[str], str]

# event type -> the data field holding the id it creates
CREATED_IDS: dict[str, str] = {
    "threat_reported": "threat_id",
    "consultation_opened": "consultation_id",
    "statement_posted": "statement_id",
    "assistance_requested": "request_id",
    "session_convened": "session_id",
    "decision_proposed": "decision_id",
    "un_security_council_notified": "notification_id",
    "accession_requested": "accession_id",
    "observation_added": "observation_id",
    "control_message_sent": "message_id",
    "control_message_answered": "message_id",
}

NOT_MOVES = frozenset({"exercise_created", "exercise_forked"})


class NotAMove(Exception):
    """This event records no seat's command (a system outcome, the creation, a fork)."""


def created_id(event: Event) -> str | None:
    """The id of the entity this event created, if it created one."""
    if event.type == "inject_delivered":
        return str(event.data["inject_id"]) if event.data.get("trigger") == "adhoc" else None
    key = CREATED_IDS.get(event.type)
    if key is None:
        return None
    value = event.data.get(key)
    return str(value) if value is not None else None


def _same(x: str) -> str:
    return x


def _deadline_minutes(d: Mapping[str, Any], at: float) -> int | None:
    """The explicit deadline a proposer gave, if the recorded one differs from the rule's default."""
    deadline = d.get("deadline")
    if deadline is None:
        return None
    minutes = (float(deadline) - at) / 60.0
    default = (d.get("rule") or {}).get("deadline_minutes")
    if default is not None and abs(minutes - float(default)) < 1e-6:
        return None
    whole = int(round(minutes))
    if whole < 1 or whole > 7 * 24 * 60:
        return None
    return whole


def _opt(translate: Translate, value: Any) -> str | None:
    return translate(str(value)) if value is not None else None


def command_for(event: Event, translate: Translate = _same) -> c.Command:
    """The command `event.actor` would send to record `event` again (ids translated)."""
    d = thaw(event.data)
    t = event.type
    if t in NOT_MOVES:
        raise NotAMove(f"{t} is not a seat's move")
    if t == "exercise_started":
        return c.StartExercise(type="start_exercise")
    if t == "exercise_paused":
        return c.PauseExercise(type="pause_exercise")
    if t == "exercise_resumed":
        return c.ResumeExercise(type="resume_exercise")
    if t == "clock_speed_set":
        return c.SetClockSpeed(type="set_clock_speed", factor=d["factor"])
    if t == "exercise_ended":
        return c.EndExercise(type="end_exercise")
    if t == "inject_delivered":
        if d.get("trigger") == "adhoc":
            return c.SendInject(type="send_inject", title=d["title"], body=d.get("body") or "", to=d.get("to") or "all")
        if d.get("trigger", "manual") == "manual":
            return c.DeliverInject(type="deliver_inject", inject_id=d["inject_id"])
        raise NotAMove(f"inject {d.get('inject_id')} was delivered by its {d.get('trigger')} trigger")
    if t == "observation_added":
        return c.AddObservation(type="add_observation", text=d["text"])
    if t == "expectation_scored":
        return c.ScoreExpectation(type="score_expectation", expectation_id=d["expectation_id"], score=d["score"],
                                  note=d.get("note"))
    if t == "control_message_sent":
        return c.SendControlMessage(type="send_control_message", text=d["text"])
    if t == "control_message_answered":
        return c.AnswerControlMessage(type="answer_control_message", seat=d["seat"], text=d["text"],
                                      in_reply_to=_opt(translate, d.get("in_reply_to")))
    if t == "threat_reported":
        return c.ReportThreat(type="report_threat", kind=d["kind"], summary=d["summary"], source=d.get("source"))
    if t == "consultation_opened":
        convener = d.get("convener") or event.actor
        return c.RequestConsultation(type="request_consultation", topic=d["topic"],
                                     invitees=[m for m in d["members"] if m != convener], private=bool(d.get("private")),
                                     region=d.get("region"))
    if t == "consultation_invitees_added":
        return c.InviteToConsultation(type="invite_to_consultation", consultation_id=translate(d["consultation_id"]),
                                      invitees=list(d["invitees"]))
    if t == "statement_posted":
        return c.PostStatement(type="post_statement", consultation_id=translate(d["consultation_id"]), text=d["text"])
    if t == "consultation_closed":
        return c.CloseConsultation(type="close_consultation", consultation_id=translate(d["consultation_id"]),
                                   outcome=d["outcome"], position=d.get("position"))
    if t == "assistance_requested":
        return c.RequestAssistance(type="request_assistance", kinds=list(d["kinds"]), summary=d["summary"])
    if t == "assistance_responded":
        return c.RespondToAssistance(type="respond_to_assistance", request_id=translate(d["request_id"]),
                                     response=d["response"], details=d.get("details"))
    if t == "assistance_request_closed":
        return c.CloseAssistanceRequest(type="close_assistance_request", request_id=translate(d["request_id"]),
                                        status=d["status"])
    if t == "session_convened":
        return c.ConveneSession(type="convene_session", body=d["body"], agenda=list(d["agenda"]),
                                time_frame_minutes=int(d["time_frame_minutes"]))
    if t == "decision_proposed":
        return c.ProposeDecision(type="propose_decision", body=d["body"], kind=d["kind"], title=d["title"], text=d["text"],
                                 deadline_minutes=_deadline_minutes(d, float(event.exercise_time)),
                                 session_id=_opt(translate, d.get("session_id")), region=d.get("region"),
                                 subject=d.get("subject"))
    if t == "vote_cast":
        return c.CastVote(type="cast_vote", decision_id=translate(d["decision_id"]), vote=d["vote"])
    if t == "implementation_recorded":
        return c.RecordImplementation(type="record_implementation", decision_id=translate(d["decision_id"]),
                                      status=d["status"], note=d.get("note"))
    if t == "un_security_council_notified":
        return c.NotifyUnSecurityCouncil(type="notify_un_security_council", summary=d["summary"],
                                         decision_id=_opt(translate, d.get("decision_id")))
    if t == "accession_requested":
        return c.RequestAccession(type="request_accession")
    raise NotAMove(f"{t} is recorded by the system, not by a seat")
