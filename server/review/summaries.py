"""One line of plain text per event, for the report's timeline and the CSV.

Plain text: the renderers escape it for HTML and Markdown. Participant text is cut to a length that
fits a line, never interpreted.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..domain.events import Event

MAX_TEXT = 140


def clip(text: Any, limit: int = MAX_TEXT) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def clock(seconds: float | None) -> str:
    """Exercise time as `H:MM:SS` (hours run past 24 in long exercises); empty for None."""
    if seconds is None:
        return ""
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _seats(value: Any) -> str:
    if value == "all" or value is None:
        return "all"
    return ", ".join(str(v) for v in value)


Summary = Callable[[Event, Mapping[str, Any]], str]
_SUMMARIES: dict[str, Summary] = {
    "exercise_created": lambda e, d: f"Exercise created from scenario {d.get('scenario_id')}: {clip(d.get('title'))}",
    "exercise_forked": lambda e, d: f"Forked from {d.get('from_exercise_id')} after event {d.get('at')}"
                                    + (" under new rules" if d.get("rules") else "")
                                    + (f"; re-ruled {', '.join(d['reruled'])}" if d.get("reruled") else ""),
    "exercise_started": lambda e, d: "Exercise started",
    "exercise_paused": lambda e, d: "Exercise paused",
    "exercise_resumed": lambda e, d: "Exercise resumed",
    "clock_speed_set": lambda e, d: f"Clock speed set to {d.get('factor')}x",
    "exercise_ended": lambda e, d: "Exercise ended",
    "inject_delivered": lambda e, d: f"Inject {d.get('inject_id')} \"{clip(d.get('title'), 80)}\" to {_seats(d.get('to'))}"
                                     + (f" ({d.get('trigger')})" if d.get("trigger") not in (None, "manual") else ""),
    "observation_added": lambda e, d: f"Observation: {clip(d.get('text'))}",
    "threat_reported": lambda e, d: f"{e.actor} reports {d.get('kind')}: {clip(d.get('summary'))}",
    "consultation_opened": lambda e, d: f"{e.actor} opens {'private ' if d.get('private') else ''}consultation "
                                        f"{d.get('consultation_id')} \"{clip(d.get('topic'), 80)}\" with {_seats(d.get('members'))}",
    "consultation_invitees_added": lambda e, d: f"{e.actor} invites {_seats(d.get('invitees'))} to {d.get('consultation_id')}",
    "statement_posted": lambda e, d: f"{e.actor} in {d.get('consultation_id')}: {clip(d.get('text'))}",
    "consultation_closed": lambda e, d: f"{e.actor} closes {d.get('consultation_id')}: {d.get('outcome')}"
                                        + (f": {clip(d.get('position'))}" if d.get("position") else ""),
    "assistance_requested": lambda e, d: f"{e.actor} requests assistance ({_seats(d.get('kinds'))}) as "
                                         f"{d.get('request_id')}: {clip(d.get('summary'))}",
    "assistance_responded": lambda e, d: f"{e.actor} answers {d.get('request_id')}: {d.get('response')}"
                                         + (f": {clip(d.get('details'))}" if d.get("details") else ""),
    "assistance_request_closed": lambda e, d: f"{e.actor} marks {d.get('request_id')} {d.get('status')}",
    "session_convened": lambda e, d: f"{e.actor} convenes the {d.get('body')} ({d.get('session_id')}) for "
                                     f"{d.get('time_frame_minutes')} min: {clip('; '.join(d.get('agenda') or []))}",
    "session_closed": lambda e, d: f"Session {d.get('session_id')} closed",
    "decision_proposed": lambda e, d: f"{e.actor} proposes {d.get('decision_id')} to the {d.get('body')} "
                                      f"({d.get('kind')}, {(d.get('rule') or {}).get('rule')}): {clip(d.get('title'), 100)}",
    "vote_cast": lambda e, d: f"{e.actor} votes {d.get('vote')} on {d.get('decision_id')}"
                              + (f" (was {d.get('changed_from')})" if d.get("changed_from") else ""),
    "decision_adopted": lambda e, d: f"{d.get('decision_id')} adopted: {clip(d.get('reason'), 100)}",
    "decision_rejected": lambda e, d: f"{d.get('decision_id')} rejected: {clip(d.get('reason'), 100)}",
    "decision_lapsed": lambda e, d: f"{d.get('decision_id')} lapsed: {clip(d.get('reason'), 100)}",
    "implementation_recorded": lambda e, d: f"{e.actor} records {d.get('decision_id')} as {d.get('status')}"
                                            + (f": {clip(d.get('note'))}" if d.get("note") else ""),
    "un_security_council_notified": lambda e, d: f"{e.actor} notifies the UN Security Council"
                                                 + (f" of {d.get('decision_id')}" if d.get("decision_id") else "")
                                                 + f": {clip(d.get('summary'))}",
    "accession_requested": lambda e, d: f"{e.actor} requests accession",
    "seat_admitted": lambda e, d: f"{d.get('seat')} admitted as a participating state",
    "control_message_sent": lambda e, d: f"{e.actor} to control: {clip(d.get('text'))}",
    "control_message_answered": lambda e, d: f"Control to {d.get('seat')}: {clip(d.get('text'))}",
    "expectation_scored": lambda e, d: f"Expectation {d.get('expectation_id')} scored {d.get('score')}"
                                       + (f": {clip(d.get('note'))}" if d.get("note") else ""),
}


def summarize(event: Event) -> str:
    fn = _SUMMARIES.get(event.type)
    if fn is None:
        return event.type.replace("_", " ")
    return fn(event, event.data)


def summarized_types() -> frozenset[str]:
    return frozenset(_SUMMARIES)
