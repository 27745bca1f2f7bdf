"""Given/when/then helpers for pure domain tests: no database, no server."""

from __future__ import annotations

from typing import Any

from server.domain.commands import Command, parse_command, resolve_alias
from server.domain.decide import create, decide
from server.domain.events import Event
from server.domain.fold import fold
from server.domain.scenario import Scenario
from server.domain.slices.clock import Tick
from server.domain.state import State
from server.scenarios import load_scenario_file, validate_definition
from server.settings import PROJECT_ROOT

T0 = 1_800_000_000.0  # wall clock at creation


MEMBER_POWERS = ["report_threat", "request_consultation", "request_assistance", "respond_to_assistance", "cast_vote",
                 "record_implementation", {"move": "notify", "to": ["UNSC"]}]


def small_scenario(**overrides: Any) -> Scenario:
    """Four members, one non-signatory, an SG; one body; consensus by default."""
    doc: dict[str, Any] = {
        "id": "small", "title": "Small", "start": "1995-06-12T09:00:00+05:00",
        "seat_kinds": [{"id": "state", "name": "State"}, {"id": "office", "name": "Office", "consulted": "always"}],
        "statuses": [
            {"id": "member", "name": "participating state", "member": True, "powers": MEMBER_POWERS},
            {"id": "non_signatory", "name": "non-signatory", "consulted": "invited",
             "powers": ["report_threat", "request_consultation", "request_admission"]},
        ],
        "seats": [
            {"id": "ARM", "name": "Armenia", "kind": "state", "status": "member"},
            {"id": "KAZ", "name": "Kazakhstan", "kind": "state", "status": "member"},
            {"id": "RUS", "name": "Russia", "kind": "state", "status": "member"},
            {"id": "TJK", "name": "Tajikistan", "kind": "state", "status": "member"},
            {"id": "UKR", "name": "Ukraine", "kind": "state", "status": "non_signatory"},
            {"id": "SG", "name": "Secretary General", "kind": "office",
             "powers": ["request_consultation", {"move": "notify", "to": ["UNSC"]}]},
        ],
        "bodies": [{"id": "CCS", "name": "Council of Collective Security", "members": "all_members", "chair": "KAZ",
                    "who": {"propose_decision": ["members", "SG"], "convene_session": ["chair", "SG"]}}],
        "regions": [{"id": "central_asian", "name": "Central Asia", "members": ["KAZ", "RUS", "TJK"]}],
        "decision_kinds": ["general", "use_of_armed_forces",
                           {"id": "accession", "name": "Accession", "effect": {"change": "admit", "status": "member"}}],
        "threat_kinds": ["threat", "aggression"],
        "assistance_kinds": ["military", "air_defence", "logistics", "humanitarian", "intelligence", "medical"],
        "recipients": [{"id": "UNSC", "name": "UN Security Council"}],
        "aliases": [{"command": "notify_un_security_council", "means": {"type": "notify", "recipient": "UNSC"},
                     "records": "un_security_council_notified"},
                    {"command": "request_accession", "means": {"type": "request_admission"}, "records": "accession_requested"}],
        "rules": [{"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5, "deadline_minutes": 30}],
        "injects": [
            {"id": "incursion", "at": "00:00", "title": "Shelling", "body": "A border post is shelled.", "to": "all"},
            {"id": "private-note", "at": "00:10", "title": "For Tajikistan", "to": ["TJK"]},
        ],
    }
    doc.update(overrides)
    return validate_definition(doc)


def border_crisis() -> Scenario:
    return load_scenario_file(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")


class Run:
    """A scenario played forward command by command, with a controllable wall clock."""

    def __init__(self, scenario: Scenario | None = None, *, start: bool = True) -> None:
        self.now = T0
        self.events: list[Event] = create(scenario or small_scenario(), now=self.now)
        self.state: State = fold(self.events)
        if start:
            self.do("facilitator", "start_exercise")

    def at(self, minutes: float) -> "Run":
        """Move the wall clock to `minutes` after the start (speed 1)."""
        self.now = T0 + minutes * 60
        return self

    def command(self, seat: str, type: str, /, **fields: Any) -> Command:
        """The command as the edge would parse it (a scenario's alias names included)."""
        assert self.state.scenario is not None
        return parse_command(resolve_alias(self.state.scenario, {"type": type, **fields}))

    def decide(self, seat: str, type: str, /, **fields: Any) -> list[Event]:
        return decide(self.state, self.command(seat, type, **fields), seat=seat, now=self.now)

    def do(self, seat: str, type: str, /, **fields: Any) -> list[Event]:
        new = self.decide(seat, type, **fields)
        self.events += new
        self.state = fold(new, self.state)
        return new

    def tick(self) -> list[Event]:
        new = decide(self.state, Tick(type="tick"), seat="system", now=self.now)
        self.events += new
        self.state = fold(new, self.state)
        return new

    def types(self, events: list[Event]) -> list[str]:
        return [e.type for e in events]
