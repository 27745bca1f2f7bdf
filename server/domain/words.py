"""The words participants and reviewers read: names of seats, bodies, kinds and recipients, move
labels with their references, terms, and the milestones of the report's response chains.

They come from the scenario; these neutral defaults fill what a scenario leaves out, so the engine
speaks of "members" and "a notification" until a scenario gives the names its own institutions
use. `Words` is built once per scenario (see `institutions.index`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .scenario import EventPattern, Milestone, Scenario, in_language

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


Catalog = Callable[[str], str]  # an English text (a sentence template, a default word) -> the same in a language


def english(text: str) -> str:
    return text


def N_(template: str) -> str:
    """Marks a sentence template kept in a table (not written where `say` is called), so the catalog
    test (tests/browser/test_russian_catalog.py) finds it; returns it as it is."""
    return template


class Words:
    """Lookups of what to call things in one scenario, in one language.

    `Words(sc)` speaks English, the engine's language. `Words(sc, "ru", catalog)` speaks Russian: the
    scenario's names from its translations (`name: {en: ..., ru: ...}`), its English where it gives
    none; the engine's defaults and sentence templates through `catalog` (the Babel catalog the
    review reads, server/review/locale/<lang>.po). `say` is how every sentence of the engine is
    made, so a sentence is written once, in English, as its message id."""

    def __init__(self, sc: Scenario, lang: str = "en", catalog: Catalog = english) -> None:
        self.scenario = sc
        self.lang = lang
        self.catalog = catalog
        given = sc.translations.get(lang, {}) if lang != "en" else {}  # type: ignore[call-overload]

        def names(prefix: str, items: Any) -> dict[str, str]:
            return {x.id: given.get(f"{prefix}:{x.id}", x.name) for x in items}

        self._seats = names("seat", sc.seats)
        self._bodies = names("body", sc.bodies)
        self._kinds = names("decision_kind", sc.decision_kinds)
        self._recipients = names("recipient", sc.recipients)
        self._threats = names("threat_kind", sc.threat_kinds)
        self._assistance = names("assistance_kind", sc.assistance_kinds)
        self._statuses = names("status", sc.statuses)
        self._seat_kinds = names("seat_kind", sc.seat_kinds)
        self._regions = names("region", sc.regions)
        self._given = given
        self._given_milestones = {k.removeprefix("milestone:"): v for k, v in given.items() if k.startswith("milestone:")}
        self.moves = {m: self._move(m) for m in sorted(set(DEFAULT_MOVES) | set(sc.words.moves))}
        self.terms = {**{k: catalog(v) for k, v in DEFAULT_TERMS.items()},
                      **{k: given.get(f"term:{k}", v) for k, v in sc.words.terms.items()}}
        self.votes = {**{k: catalog(v) for k, v in DEFAULT_VOTES.items()},
                      **{k: given.get(f"vote:{k}", v) for k, v in sc.words.votes.items()}}
        self.milestones = tuple(sc.milestones) if sc.milestones is not None else DEFAULT_MILESTONES

    def _move(self, move: str) -> MoveLabel:
        given = self.scenario.words.moves.get(move)
        if given and given.label:
            label = self._given.get(f"move:{move}", given.label)
        elif move in DEFAULT_MOVES:
            label = self.catalog(DEFAULT_MOVES[move])
        else:
            label = move.replace("_", " ").capitalize()
        reference = self._given.get(f"move_reference:{move}", given.reference) if given else None
        help = self._given.get(f"move_help:{move}", given.help) if given else None
        return MoveLabel(label, reference, help)

    def say(self, template: str, **params: Any) -> str:
        """One of the engine's sentences: `template` is its English and its message id, `{name}`
        its placeholders, filled with `params` (already in this language: names, participant text)."""
        found = self.catalog(template)
        return found.format(**params) if params else found

    def join(self, parts: Sequence[str], template: str, empty: str) -> str:
        """`parts` made one phrase, two at a time, by `template` (with `{those}` and `{these}`, as
        "{those} and {these}"): "a and b", then "a and b and c"; `empty`, a sentence, when there
        are none. Both are templates as in `say` (marked with `N_` where they are written)."""
        if not parts:
            return self.say(empty)
        out = parts[0]
        for part in parts[1:]:
            out = self.say(template, those=out, these=part)
        return out

    def text(self, text: Any) -> str:
        """A text of the scenario only some seats read (a briefing, an inject's title or body, an
        expectation's title), written in one language or several: in this language, else English,
        else any (`scenario.in_language`)."""
        return in_language(text, self.lang)

    @staticmethod
    def clip(text: Any, limit: int = 140) -> str:
        """Participant text on one line, cut to fit: summaries are plain text, never interpreted."""
        s = " ".join(str(text or "").split())
        return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"

    def title(self, english: Any) -> str:
        """The scenario's title in this language, for the English title the log recorded."""
        return self._given.get("title", english) if english == self.scenario.title else str(english or "")

    def summary(self) -> str:
        return self._given.get("summary", self.scenario.summary)

    def milestone(self, m: Milestone) -> str:
        """A milestone's name: the scenario's, else the engine's default in this language."""
        if m.id in self._given_milestones:
            return self._given_milestones[m.id]
        return self.catalog(m.name) if self.scenario.milestones is None else m.name

    def move(self, move: str) -> str:
        """The label of a move (`Request assistance`)."""
        found = self.moves.get(move)
        return found.label if found is not None else move.replace("_", " ")

    def seat(self, seat: Any) -> str:
        staff = STAFF.get(str(seat))
        return self._seats.get(str(seat), self.catalog(staff) if staff else str(seat))

    def seats(self, seats: Any) -> str:
        if seats == "all" or seats is None:
            return self.catalog("all")
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


STAFF = {"facilitator": "Facilitator", "observer": "Observer", "system": "System"}


def words_for(sc: Scenario) -> Words:
    return Words(sc)
