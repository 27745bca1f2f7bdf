"""Reading logs recorded before scenarios declared their institutions (format 1).

Until then the engine had one alliance built in, the 1992 Collective Security Treaty of the CIS
states: seats were `state` or `office`, states a `member` or a `non_signatory`, offices held a
fixed list of powers, a decision of kind `accession` admitted a seat, the UN Security Council was
notified by a command of its own. Those logs stay readable: `upgrade_scenario` turns the scenario
recorded in their first event into the format-2 declaration of exactly those rules, and the
upcasters below bring the few events whose shape changed up to date. This is the one module of the
engine that names the treaty (a test allows it here and nowhere else): it describes what the old
engine did, so that history reads as it was recorded.
"""

from __future__ import annotations

from typing import Any

RECIPIENT = "UNSC"

# the old chain steps of the report, as milestones
_MILESTONES = [
    {"id": "first_consultation", "name": "Consultation opened", "event": {"event": "consultation_opened"}},
    {"id": "first_assistance_request", "name": "Assistance requested", "event": {"event": "assistance_requested"}},
    {"id": "first_decision_proposed", "name": "Decision proposed", "event": {"event": "decision_proposed"}},
    {"id": "first_decision_adopted", "name": "Decision adopted", "event": {"event": "decision_adopted"}},
    {"id": "un_notified", "name": "UN Security Council notified", "event": {"event": "un_security_council_notified"}},
]


def is_format_1(doc: Any) -> bool:
    """A format-1 scenario: no `seat_kinds`, states with a `status` of the old two."""
    return isinstance(doc, dict) and "seat_kinds" not in doc and isinstance(doc.get("seats"), list)


def upgrade_scenario(doc: dict[str, Any]) -> dict[str, Any]:
    """The format-2 scenario that declares what the format-1 engine did with this one."""
    if not is_format_1(doc):
        return doc
    doc = dict(doc)
    settings = dict(doc.get("settings") or {})
    assistance = list(settings.pop("assistance_kinds", ["military", "air_defence", "logistics", "humanitarian",
                                                         "intelligence", "medical"]))
    decisions = list(settings.pop("decision_kinds", ["general", "use_of_armed_forces", "accession"]))
    doc["settings"] = settings
    rules = []
    non_members_vote = False
    for rule in doc.get("rules") or [{"rule": "consensus"}]:
        rule = dict(rule)
        non_members_vote = non_members_vote or bool(rule.pop("non_signatories_vote", False))
        rules.append(rule)
    doc["rules"] = rules

    offices = {}
    seats = []
    for seat in doc.get("seats") or []:
        seat = dict(seat)
        powers = seat.pop("powers", []) or []
        if seat.get("kind") == "office":
            offices[seat["id"]] = set(powers)
            grants: list[Any] = [p for p in powers if p in ("request_consultation", "report_threat")]
            if "notify_un_security_council" in powers:
                grants.append({"move": "notify", "to": [RECIPIENT]})
            seat["powers"] = grants
        seats.append(seat)
    doc["seats"] = seats

    bodies = []
    for body in doc.get("bodies") or []:
        body = dict(body)
        body["who"] = {
            "propose_decision": ["members", *[o for o, p in offices.items() if "propose_decision" in p]],
            "convene_session": [o for o, p in offices.items() if "convene_session" in p],
            "close_vote": ["chair"],
        }
        bodies.append(body)
    doc["bodies"] = bodies

    member_powers: list[Any] = ["report_threat", "request_consultation", "request_assistance", "respond_to_assistance",
                                "cast_vote", "record_implementation", {"move": "notify", "to": [RECIPIENT]}]
    outside_powers: list[Any] = ["report_threat", "request_consultation", "request_admission"]
    if non_members_vote:
        outside_powers.append("cast_vote")
    doc["seat_kinds"] = [{"id": "state", "name": "State"}, {"id": "office", "name": "Office", "consulted": "always"}]
    doc["statuses"] = [
        {"id": "member", "name": "participating state", "member": True, "powers": member_powers},
        {"id": "non_signatory", "name": "non-signatory", "consulted": "invited", "powers": outside_powers},
    ]
    doc["decision_kinds"] = [
        {"id": k, "name": "Accession", "effect": {"change": "admit", "status": "member"}} if k == "accession"
        else {"id": k, "name": k.replace("_", " ")} for k in decisions]
    doc["threat_kinds"] = [{"id": "threat", "name": "Threat"}, {"id": "aggression", "name": "Aggression"}]
    doc["assistance_kinds"] = [{"id": k, "name": k.replace("_", " ")} for k in assistance]
    doc["recipients"] = [{"id": RECIPIENT, "name": "UN Security Council"}]
    doc["aliases"] = [
        {"command": "notify_un_security_council", "means": {"type": "notify", "recipient": RECIPIENT},
         "records": "un_security_council_notified"},
        {"command": "request_accession", "means": {"type": "request_admission"}, "records": "accession_requested"},
    ]
    doc["words"] = {"terms": {"member": "participating state", "members": "participating states",
                              "non_member": "non-signatory", "application": "request for accession"}}
    doc["milestones"] = _MILESTONES
    return doc


def created_v1(data: dict[str, Any]) -> dict[str, Any]:
    """`exercise_created` v1 recorded a format-1 scenario. `format: 1` stays on the upcast event, so
    readers can tell a log the old engine recorded (an import does not decide its moves again)."""
    return {**data, "scenario": upgrade_scenario(data["scenario"]), "format": 1}


def forked_v1(data: dict[str, Any]) -> dict[str, Any]:
    """`exercise_forked` v1 rule bindings could carry `non_signatories_vote`, which statuses now say."""
    rules = data.get("rules")
    if rules:
        data = {**data, "rules": [{k: v for k, v in r.items() if k != "non_signatories_vote"} for r in rules]}
    return data


def admission_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A request to join was recorded (as `accession_requested`) with its id in `accession_id`."""
    data = dict(data)
    if "application_id" not in data and "accession_id" in data:
        data["application_id"] = data.pop("accession_id")
    return data


# Events the format-1 engine recorded under the treaty's own names, which the treaty pack now
# declares as aliases of generic events: brought to the generic event's shape when read, so that
# every reader (the fold, the API, the WebSocket, the browser) sees one shape whatever the scenario.
# (type, version) -> (new version, upcaster)
ALIAS_EVENTS: dict[tuple[str, int], tuple[int, Any]] = {
    ("accession_requested", 1): (2, admission_v1),
    ("un_security_council_notified", 1): (1, lambda data: {"recipient": RECIPIENT, **data}),
}
