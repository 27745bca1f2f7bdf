"""The state as one seat may see it: the body of `GET /state`.

Entities are filtered with `visibility.can_see` over the audience of the events that made them, so
the view and the event feed agree on what a seat may know.
"""

from __future__ import annotations

from typing import Any

from .clock import in_world
from .events import FACILITATOR, OBSERVER
from .rules import describe
from .scenario import format_offset
from .state import State
from .visibility import OBSERVER_ONLY, can_see


def seat_view(state: State, seat: str) -> dict[str, Any]:
    sc = state.scenario
    assert sc is not None
    staff = seat in (FACILITATOR, OBSERVER)
    me = sc.seat(seat)
    view: dict[str, Any] = {
        "seat": seat,
        "role": seat if staff else (me.kind if me else "unknown"),
        "me": None if me is None else {
            "seat": me.id, "name": me.name, "kind": me.kind, "status": state.statuses.get(me.id), "head": me.head,
            "powers": list(me.powers), "briefing": me.briefing,
        },
        "exercise": {
            "scenario_id": sc.id, "title": sc.title, "summary": sc.summary, "start": sc.start.isoformat(),
            "status": state.status, "version": state.version, "last_time": state.last_time,
            "clock": {"running": state.clock.running, "speed": state.clock.speed,
                      "anchor_time": state.clock.anchor_time, "anchor_wall": state.clock.anchor_wall},
            "in_world_now": in_world(sc.start, state.last_time).isoformat(),
            "forked_from": dict(state.forked_from) if state.forked_from else None,
            "scenario_hash": state.scenario_hash,
        },
        "seats": [{"seat": s.id, "name": s.name, "kind": s.kind, "status": state.statuses.get(s.id), "head": s.head,
                   "powers": list(s.powers), **({"briefing": s.briefing} if staff else {})} for s in sc.seats],
        "bodies": [{"id": b.id, "name": b.name, "members": list(state.body_members(b.id)), "chair": b.chair,
                    "all_members": b.members == "all_members", "description": b.description} for b in sc.bodies],
        "regions": [{"id": r.id, "name": r.name, "members": list(r.members)} for r in sc.regions],
        "rules": [dict(r.model_dump(mode="json"), description=describe(r.model_dump())) for r in state.rules],
        "settings": sc.settings.model_dump(mode="json"),
        "threats": [{"id": t.id, "actor": t.actor, "at": t.at, **t.fields} for t in state.threats.values()],
        "consultations": [
            {"id": c.id, "convener": c.convener, "topic": c.topic, "members": list(c.members), "private": c.private,
             "region": c.region, "opened_at": c.opened_at, "open": c.open, "statements": state.statement_counts.get(c.id, 0),
             "outcome": c.outcome, "position": c.position, "closed_at": c.closed_at}
            for c in state.consultations.values() if can_see(c.audience, seat)
        ],
        "assistance": [
            {"id": r.id, "requester": r.requester, "kinds": list(r.kinds), "summary": r.summary, "requested_at": r.requested_at,
             "status": r.status, "closed_at": r.closed_at, "expected": list(r.expected),
             "responses": {s: {"response": x.response, "details": x.details, "at": x.at} for s, x in r.responses.items()},
             "awaiting": [s for s in r.expected if s not in r.responses]}
            for r in state.assistance.values()
        ],
        "decisions": [
            {"id": d.id, "body": d.body, "kind": d.kind, "title": d.title, "text": d.text, "proposer": d.proposer,
             "rule": dict(d.rule), "rule_description": describe(d.rule), "eligible": list(d.eligible),
             "proposed_at": d.proposed_at, "deadline": d.deadline, "session_id": d.session_id, "region": d.region,
             "subject": d.subject, "votes": dict(state.votes(d.id)), "status": d.status, "settled_at": d.settled_at,
             "tally": dict(d.tally) if d.tally else None, "reason": d.reason,
             "implementations": {s: {"status": i.status, "note": i.note, "at": i.at} for s, i in d.implementations.items()}}
            for d in state.decisions.values()
        ],
        "sessions": [{"id": s.id, "body": s.body, "agenda": list(s.agenda), "time_frame_minutes": s.time_frame_minutes,
                      "convened_at": s.convened_at, "ends_at": s.ends_at, "open": s.open} for s in state.sessions.values()],
        "accessions": [{"id": a.id, "seat": a.seat, "requested_at": a.requested_at, "status": a.status,
                        "decision_id": a.decision_id} for a in state.accessions.values()],
        "un_notifications": [{"id": n.id, "actor": n.actor, "at": n.at, **n.fields} for n in state.notifications.values()],
        "injects": _injects(state, seat),
    }
    if can_see(OBSERVER_ONLY, seat):
        view["expectations"] = [e.model_dump(mode="json") for e in sc.expectations]
        view["scores"] = {k: {"at": r.at, **r.fields} for k, r in state.scores.items()}
    if seat == FACILITATOR:
        view["observations"] = state.observations
        view["control_messages"] = state.control_messages
    return view


def _injects(state: State, seat: str) -> list[dict[str, Any]]:
    sc = state.scenario
    assert sc is not None
    if seat in (FACILITATOR, OBSERVER):
        # the whole schedule: delivered, pending and triggered
        out = []
        for inj in sc.injects:
            d = state.delivered.get(inj.id)
            if d is not None and not can_see(d.audience, seat):
                d = None  # the observer knows the schedule, not deliveries addressed to others
            out.append({"id": inj.id, "title": inj.title, "body": inj.body, "to": inj.to, "at": inj.at,
                        "at_seconds": inj.at_seconds, "trigger": inj.trigger,
                        "when": inj.when.model_dump(mode="json") if inj.when else None,
                        "unless": inj.unless.model_dump(mode="json") if inj.unless else None,
                        "delivered_at": d.at if d else None, "status": "delivered" if d else "pending"})
        scheduled = {i.id for i in sc.injects}
        out += [{"id": d.id, "title": d.title, "trigger": d.trigger, "delivered_at": d.at, "status": "delivered",
                 "to": "all" if d.audience is None else list(d.audience)}
                for d in state.delivered.values() if d.id not in scheduled and can_see(d.audience, seat)]
        return out
    return [{"id": d.id, "title": d.title, "trigger": d.trigger, "delivered_at": d.at, "at": format_offset(d.at)}
            for d in state.delivered.values() if can_see(d.audience, seat)]
