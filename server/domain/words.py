"""The words participants and reviewers read: names of seats, bodies, kinds and recipients, move
labels with their references, terms, and the milestones of the report's response chains.

They come from the scenario; these neutral defaults fill what a scenario leaves out, so the engine
speaks of "members" and "a notification" until a scenario gives the names its own institutions
use. `Words` is built once per scenario (see `institutions.index`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .scenario import EventPattern, Milestone, Scenario

DEFAULT_MOVES: dict[str, str] = {
    "report_threat": "Report a threat",
    "request_consultation": "Call consultations",
    "invite_to_consultation": "Invite to the consultation",
    "post_statement": "Make a statement",
    "close_consultation": "Close the consultation",
    "request_assistance": "Request assistance",
    "respond_to_assistance": "Answer requests for assistance",
    "close_assistance_request": "Close the request",
    "convene_session": "Convene a session",
    "propose_decision": "Propose a decision",
    "cast_vote": "Vote",
    "record_implementation": "Record implementation",
    "notify": "Send a notification",
    "request_admission": "Apply for membership",
    "give_notice_of_withdrawal": "Give notice of withdrawal",
    "send_control_message": "Write to control",
}

DEFAULT_TERMS: dict[str, str] = {
    "member": "member",
    "members": "members",
    "non_member": "non-member",
    "application": "application for membership",
    "notification": "notification",
    "threat": "threat",
    "implementation": "implementation",
}

DEFAULT_VOTES: dict[str, str] = {"for": "for", "against": "against", "abstain": "abstain"}

DEFAULT_MILESTONES: tuple[Milestone, ...] = (
    Milestone(id="first_consultation", name="Consultation opened", event=EventPattern(event="consultation_opened")),
    Milestone(id="first_assistance_request", name="Assistance requested", event=EventPattern(event="assistance_requested")),
    Milestone(id="first_decision_proposed", name="Decision proposed", event=EventPattern(event="decision_proposed")),
    Milestone(id="first_decision_adopted", name="Decision adopted", event=EventPattern(event="decision_adopted")),
    Milestone(id="first_notification", name="Notification sent", event=EventPattern(event="notification_sent")),
)


@dataclass(frozen=True)
class MoveLabel:
    label: str
    reference: str | None
    help: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "reference": self.reference, "help": self.help}


class Words:
    """Lookups of what to call things in one scenario."""

    def __init__(self, sc: Scenario) -> None:
        self.scenario = sc
        self._seats = {s.id: s.name for s in sc.seats}
        self._bodies = {b.id: b.name for b in sc.bodies}
        self._kinds = {k.id: k.name for k in sc.decision_kinds}
        self._recipients = {r.id: r.name for r in sc.recipients}
        self._threats = {k.id: k.name for k in sc.threat_kinds}
        self._assistance = {k.id: k.name for k in sc.assistance_kinds}
        self._statuses = {s.id: s.name for s in sc.statuses}
        self._seat_kinds = {k.id: k.name for k in sc.seat_kinds}
        self._regions = {r.id: r.name for r in sc.regions}
        self.moves = {m: self._move(m) for m in sorted(set(DEFAULT_MOVES) | set(sc.words.moves))}
        self.terms = {**DEFAULT_TERMS, **sc.words.terms}
        self.votes = {**DEFAULT_VOTES, **sc.words.votes}
        self.milestones = tuple(sc.milestones) if sc.milestones is not None else DEFAULT_MILESTONES

    def _move(self, move: str) -> MoveLabel:
        given = self.scenario.words.moves.get(move)
        label = (given.label if given and given.label else None) or DEFAULT_MOVES.get(move) or move.replace("_", " ").capitalize()
        return MoveLabel(label, given.reference if given else None, given.help if given else None)

    @staticmethod
    def clip(text: Any, limit: int = 140) -> str:
        """Participant text on one line, cut to fit: summaries are plain text, never interpreted."""
        s = " ".join(str(text or "").split())
        return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"

    def move(self, move: str) -> str:
        """The label of a move (`Request assistance`)."""
        found = self.moves.get(move)
        return found.label if found is not None else move.replace("_", " ")

    def seat(self, seat: Any) -> str:
        return self._seats.get(str(seat), {"facilitator": "Facilitator", "observer": "Observer", "system": "System"}.get(str(seat), str(seat)))

    def seats(self, seats: Any) -> str:
        if seats == "all" or seats is None:
            return "all"
        return ", ".join(self.seat(s) for s in seats)

    def body(self, body: Any) -> str:
        return self._bodies.get(str(body), str(body))

    def decision_kind(self, kind: Any) -> str:
        return self._kinds.get(str(kind), str(kind).replace("_", " "))

    def recipient(self, recipient: Any) -> str:
        return self._recipients.get(str(recipient), str(recipient))

    def threat_kind(self, kind: Any) -> str:
        return self._threats.get(str(kind), str(kind).replace("_", " "))

    def assistance_kind(self, kind: Any) -> str:
        return self._assistance.get(str(kind), str(kind).replace("_", " "))

    def status(self, status: Any) -> str:
        return self._statuses.get(str(status), str(status).replace("_", " "))

    def seat_kind(self, kind: Any) -> str:
        return self._seat_kinds.get(str(kind), str(kind))

    def region(self, region: Any) -> str:
        return self._regions.get(str(region), str(region))

    def vote(self, vote: Any) -> str:
        return self.votes.get(str(vote), str(vote))

    def term(self, key: str) -> str:
        return self.terms.get(key, key.replace("_", " "))

    def as_dict(self) -> dict[str, Any]:
        """The words a client needs, for the seat view."""
        return {"moves": {m: w.as_dict() for m, w in self.moves.items()}, "terms": dict(self.terms), "votes": dict(self.votes),
                "milestones": [{"id": m.id, "name": m.name, "event": m.event.model_dump(mode="json")} for m in self.milestones]}


def words_for(sc: Scenario) -> Words:
    return Words(sc)
