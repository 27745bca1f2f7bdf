"""The after-action report: a pure function of an event log and the seat it is for.

`build_report(events, seat=...)` keeps only the events that seat may see (`visible_events`; the
control channel is left out for everyone but the facilitator), and computes everything from them,
so the report is the same for a live exercise, an imported export and a replay of the same log.
All times are exercise seconds (`exercise_time`); delays are differences of exercise times.
The JSON shape is documented in docs/REVIEW.md; its top-level keys are stable:
`exercise`, `timeline`, `chains`, `decisions`, `expectations`, `seats`, `observations`.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..domain.clock import in_world
from ..domain.events import FACILITATOR, Event, format_timestamp, thaw
from ..domain.fold import as_generic, fold
from ..domain.institutions import index
from ..domain.rules import describe, tally
from ..domain.scenario import Scenario
from ..domain.visibility import visible_events
from .expectations import Membership, check_all
from .reenact import event_type
from .summaries import summarize

REPORT_FORMAT = 2
TOP_LEVEL_KEYS = ("exercise", "milestones", "timeline", "chains", "decisions", "expectations", "seats", "observations")
STAFF_ONLY_TYPES = frozenset({"control_message_sent", "control_message_answered"})

SETTLED = {"decision_adopted": "adopted", "decision_rejected": "rejected", "decision_lapsed": "lapsed"}


class NotALog(ValueError):
    """The events do not start with `exercise_created`: there is no scenario to report on."""


def report_events(events: Iterable[Event], seat: str) -> list[Event]:
    """The events a report for `seat` is computed from."""
    shown = visible_events(events, seat)
    if seat == FACILITATOR:
        return list(shown)
    return [e for e in shown if e.type not in STAFF_ONLY_TYPES]


def _d(t: float) -> float:
    return round(float(t), 3)


class _Log:
    """The visible events, indexed for the questions the report asks."""

    def __init__(self, scenario: Scenario, events: Sequence[Event]) -> None:
        self.scenario = scenario
        self.events = events
        self.by_type: dict[str, list[Event]] = {}
        for e in events:
            spec = event_type(e, scenario)  # alias events are filed under the generic type they record
            self.by_type.setdefault(spec.type if spec is not None else e.type, []).append(e)

    def of(self, type: str) -> list[Event]:
        return self.by_type.get(type, [])

    def first_after(self, type: str, seq: int, **where: Any) -> Event | None:
        for e in self.of(type):
            if e.seq > seq and all((e.actor if k == "actor" else e.data.get(k)) == v for k, v in where.items()):
                return e
        return None

    def first_matching(self, spec: Any, seq: int) -> Event | None:
        """The first event after `seq` that an event pattern (`Index.spec`) matches."""
        return next((e for e in self.events if e.seq > seq and spec.matches(e)), None)

    def data(self, e: Event) -> Any:
        """An event's data as its generic type reads it (an alias event's fixed fields included)."""
        return as_generic(self.scenario, e)[1].data

    def in_world(self, t: float) -> str:
        return in_world(self.scenario.start, t).isoformat()


def _step(e: Event | None, since: float) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"seq": e.seq, "exercise_time": e.exercise_time, "delay": _d(e.exercise_time - since), "actor": e.actor}


def build_report(events: Sequence[Event], *, seat: str = FACILITATOR) -> dict[str, Any]:
    if not events or events[0].type != "exercise_created":
        raise NotALog("a log starts with exercise_created")
    scenario = Scenario.model_validate(thaw(events[0].data["scenario"]))
    shown = report_events(events, seat)
    log = _Log(scenario, shown)
    state = fold(shown)
    membership = Membership.of(scenario, shown)
    last_time = max((e.exercise_time for e in shown), default=0.0)
    ended = state.status == "ended"
    return {
        "format": REPORT_FORMAT,
        "seat": seat,
        "exercise": _exercise(log, events, state, membership, last_time),
        "milestones": [{"id": m.id, "name": m.name} for m in index(scenario).words.milestones],
        "timeline": [_timeline_row(log, e) for e in shown],
        "chains": _chains(log, membership),
        "decisions": _decisions(log),
        "expectations": check_all(scenario, shown, last_time=last_time, ended=ended, membership=membership),
        "seats": _seats(log, membership, state),
        "observations": [{"seq": e.seq, "exercise_time": e.exercise_time, "in_world": log.in_world(e.exercise_time),
                          "actor": e.actor, "text": e.data.get("text")} for e in log.of("observation_added")],
    }


def _exercise(log: _Log, events: Sequence[Event], state, membership: Membership, last_time: float) -> dict[str, Any]:
    sc = log.scenario
    first = events[0]
    started = log.of("exercise_started")
    ended = log.of("exercise_ended")
    fork = log.of("exercise_forked")
    counts: dict[str, int] = {}
    for e in log.events:
        counts[e.type] = counts.get(e.type, 0) + 1
    return {
        "scenario_id": sc.id,
        "title": sc.title,
        "summary": sc.summary,
        "scenario_hash": first.data.get("scenario_hash"),
        "start": sc.start.isoformat(),
        "created_at": format_timestamp(first.recorded_at),
        "status": state.status,
        "started_at": started[0].exercise_time if started else None,
        "ended_at": ended[-1].exercise_time if ended else None,
        "duration": _d(last_time),
        "in_world_end": log.in_world(last_time),
        "events": len(log.events),
        "last_seq": log.events[-1].seq,
        "log_head": {"seq": log.events[-1].seq, "hash": log.events[-1].hash},  # the seat's own head (issue 13, case 7)
        "forked_from": ({"exercise_id": fork[0].data.get("from_exercise_id"), "at": fork[0].data.get("at"),
                         "seq": fork[0].seq, "rules": thaw(fork[0].data.get("rules"))} if fork else None),
        "members": list(membership.at()),
        "rules": [dict(r.model_dump(mode="json"), description=describe(r.model_dump())) for r in state.rules],
        "counts": dict(sorted(counts.items())),
    }


def _timeline_row(log: _Log, e: Event) -> dict[str, Any]:
    spec = event_type(e, log.scenario)
    return {"seq": e.seq, "exercise_time": e.exercise_time, "in_world": log.in_world(e.exercise_time), "actor": e.actor,
            "type": e.type, "generic": spec.type if spec is not None else e.type, "summary": summarize(e, log.scenario)}


def _chains(log: _Log, membership: Membership) -> list[dict[str, Any]]:
    """For each delivered inject: the first of each kind of response after it, with its delay."""
    chains = []
    members = membership.at()
    idx = index(log.scenario)
    milestones = [(m.id, idx.spec(m.event)) for m in idx.words.milestones]
    for inj in log.of("inject_delivered"):
        t0 = inj.exercise_time
        steps = {name: _step(log.first_matching(spec, inj.seq), t0) for name, spec in milestones}
        implementation: dict[str, Any] = {}
        for member in members:
            e = log.first_after("implementation_recorded", inj.seq, actor=member)
            step = _step(e, t0)
            if step is not None and e is not None:
                step.update(decision_id=e.data.get("decision_id"), status=e.data.get("status"))
            implementation[member] = step
        chains.append({
            "inject_id": inj.data.get("inject_id"),
            "title": inj.data.get("title"),
            "trigger": inj.data.get("trigger"),
            "to": thaw(inj.data.get("to")),
            "seq": inj.seq,
            "delivered_at": t0,
            "in_world": log.in_world(t0),
            "steps": steps,
            "implementation": implementation,
        })
    return chains


def _decisions(log: _Log) -> list[dict[str, Any]]:
    reruled: dict[str, Any] = {}
    for f in log.of("exercise_forked"):
        reruled.update(thaw(f.data.get("reruled") or {}))
    votes_by: dict[str, list[Event]] = {}
    for v in log.of("vote_cast"):
        votes_by.setdefault(str(v.data["decision_id"]), []).append(v)
    settled: dict[str, Event] = {}
    for type in SETTLED:
        for s in log.of(type):
            settled.setdefault(str(s.data["decision_id"]), s)
    impls: dict[str, list[Event]] = {}
    for i in log.of("implementation_recorded"):
        impls.setdefault(str(i.data["decision_id"]), []).append(i)
    notes: dict[str, list[Event]] = {}
    for n in log.of("notification_sent"):
        if n.data.get("decision_id"):
            notes.setdefault(str(n.data["decision_id"]), []).append(n)
    words = index(log.scenario).words

    out = []
    for p in log.of("decision_proposed"):
        d = p.data
        did = str(d["decision_id"])
        eligible = list(d.get("eligible") or [])
        rule = reruled.get(did, thaw(d["rule"]))
        s = settled.get(did)
        # the votes that counted: those cast before the decision settled
        vote_log = [v for v in votes_by.get(did, []) if s is None or v.seq < s.seq]
        votes: dict[str, str] = {}
        for v in vote_log:
            votes[v.actor] = str(v.data["vote"])
        outcome = SETTLED[s.type] if s is not None else "open"
        t = tally(votes, len(eligible)).as_dict() if s is None else thaw(s.data.get("tally"))
        adopted_at = s.exercise_time if s is not None and outcome == "adopted" else None
        implementations = {}
        for i in impls.get(did, []):
            implementations[i.actor] = {"seq": i.seq, "exercise_time": i.exercise_time, "status": i.data.get("status"),
                                        "note": i.data.get("note"),
                                        "delay": _d(i.exercise_time - adopted_at) if adopted_at is not None else None}
        notifications = []
        for note in notes.get(did, []):
            recipient = log.data(note).get("recipient")
            notifications.append({"seq": note.seq, "exercise_time": note.exercise_time, "actor": note.actor,
                                  "recipient": recipient, "recipient_name": words.recipient(recipient),
                                  "delay": _d(note.exercise_time - adopted_at) if adopted_at is not None else None})
        out.append({
            "decision_id": did,
            "title": d.get("title"),
            "body": d.get("body"),
            "kind": d.get("kind"),
            "text": d.get("text"),
            "proposer": p.actor,
            "proposed": {"seq": p.seq, "exercise_time": p.exercise_time},
            "deadline": d.get("deadline"),
            "rule": rule,
            "rule_description": describe(rule),
            "reruled": did in reruled,
            "eligible": eligible,
            "votes": votes,
            "vote_log": [{"seq": v.seq, "exercise_time": v.exercise_time, "seat": v.actor, "vote": v.data.get("vote"),
                          "changed_from": v.data.get("changed_from")} for v in vote_log],
            "dissent": {"against": [x for x in eligible if votes.get(x) == "against"],
                        "abstain": [x for x in eligible if votes.get(x) == "abstain"]},
            "not_voted": [x for x in eligible if x not in votes],
            "outcome": outcome,
            "reason": s.data.get("reason") if s is not None else None,
            "settled": {"seq": s.seq, "exercise_time": s.exercise_time} if s is not None else None,
            "time_to_settle": _d(s.exercise_time - p.exercise_time) if s is not None else None,
            "tally": t,
            "implementations": implementations,
            "notifications": notifications,
        })
    return out


def _seats(log: _Log, membership: Membership, state: Any) -> list[dict[str, Any]]:
    requests = {str(e.data["request_id"]): e for e in log.of("assistance_requested")}
    notified = {e.seq for e in log.of("notification_sent")}
    rows = []
    for s in log.scenario.seats:
        mine = [e for e in log.events if e.actor == s.id]
        count = {}
        for e in mine:
            count[e.type] = count.get(e.type, 0) + 1
        responses = [e for e in mine if e.type == "assistance_responded"]
        delays = [e.exercise_time - requests[str(e.data["request_id"])].exercise_time
                  for e in responses if str(e.data["request_id"]) in requests]
        rows.append({
            "seat": s.id,
            "name": s.name,
            "kind": s.kind,
            "status": state.statuses.get(s.id),
            "member": s.id in membership.at(),
            "events": len(mine),
            "first_action": mine[0].exercise_time if mine else None,
            "statements": count.get("statement_posted", 0),
            "votes": count.get("vote_cast", 0),
            "threats": count.get("threat_reported", 0),
            "consultations_opened": count.get("consultation_opened", 0),
            "assistance_requests": count.get("assistance_requested", 0),
            "assistance_responses": len(responses),
            "pledges": sum(1 for e in responses if e.data.get("response") == "pledge"),
            "declines": sum(1 for e in responses if e.data.get("response") == "decline"),
            "mean_assistance_response_time": _d(sum(delays) / len(delays)) if delays else None,
            "decisions_proposed": count.get("decision_proposed", 0),
            "implementations": count.get("implementation_recorded", 0),
            "notifications": sum(1 for e in mine if e.seq in notified),
        })
    return rows

