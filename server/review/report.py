"""The after-action report: a pure function of an event log and the seat it is for.

`build_report(events, seat=..., lang=...)` keeps only the events that seat may see (`visible_events`; the
control channel is left out for everyone but the facilitator), and computes everything from them,
so the report is the same for a live exercise, an imported export and a replay of the same log.
All times are exercise seconds (`exercise_time`); delays are differences of exercise times.
The JSON shape is documented in docs/REVIEW.md; its top-level keys are stable:
`exercise`, `timeline`, `chains`, `decisions`, `expectations`, `seats`, `observations`.

Its words (the scenario's names, the engine's sentences: summaries, rules, reasons) are in `lang`:
English for the data formats; the HTML report asks for the reader's (server/review/translate.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..domain.clock import in_world
from ..domain.events import FACILITATOR, OBSERVER, SYSTEM, Event, format_timestamp, thaw
from ..domain.fold import as_generic, fold
from ..domain.institutions import index
from ..domain.rules import describe, tally
from ..domain.rules import say_reason
from ..domain.scenario import Scenario
from ..domain.words import Words
from ..domain.slices.clock import DELIVERED, WATCHES
from ..domain.visibility import can_see, visible_events
from .expectations import Membership, check_all
from .reenact import created_id, event_type
from .summaries import summarize

REPORT_FORMAT = 2
TOP_LEVEL_KEYS = ("exercise", "milestones", "injects", "timeline", "chains", "decisions", "expectations", "seats",
                  "observations")
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

    def __init__(self, scenario: Scenario, events: Sequence[Event], words: Words) -> None:
        self.scenario = scenario
        self.events = events
        self.words = words
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


def words_in(scenario: Scenario, lang: str) -> Words:
    """The scenario's words in `lang`, the engine's from the review's catalog."""
    if lang == "en":
        return index(scenario).words
    from .translate import catalog

    return Words(scenario, lang, catalog(lang))


def build_report(events: Sequence[Event], *, seat: str = FACILITATOR, lang: str = "en") -> dict[str, Any]:
    if not events or events[0].type != "exercise_created":
        raise NotALog("a log starts with exercise_created")
    scenario = Scenario.model_validate(thaw(events[0].data["scenario"]))
    shown = report_events(events, seat)
    log = _Log(scenario, shown, words_in(scenario, lang))
    state = fold(shown)
    membership = Membership.of(scenario, shown)
    last_time = max((e.exercise_time for e in shown), default=0.0)
    ended = state.status == "ended"
    return {
        "format": REPORT_FORMAT,
        "seat": seat,
        "exercise": _exercise(log, events, state, membership, last_time),
        "milestones": [{"id": m.id, "name": log.words.milestone(m)} for m in log.words.milestones],
        "injects": _injects(log, state, seat, last_time, ended),
        "timeline": [_timeline_row(log, e) for e in shown],
        "chains": _chains(log, membership),
        "decisions": _decisions(log),
        "expectations": [{**e, "title": log.words.text(e["title"]), "reference": log.words.text(e["reference"]) or None}
                         for e in check_all(scenario, shown, last_time=last_time, ended=ended, membership=membership)],
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
        "title": log.words.title(sc.title),
        "summary": log.words.summary(),
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
        "rules": [dict(r.model_dump(mode="json"), description=describe(r.model_dump(), log.words.say),
                       applies_to=applies_to(log.words, r.body, r.kind)) for r in state.rules],
        "counts": dict(sorted(counts.items())),
    }


def _injects(log: _Log, state: Any, seat: str, last_time: float, ended: bool) -> list[dict[str, Any]]:
    """The scenario's injects as this seat's events tell them, then the ad-hoc ones: `delivered`,
    `averted` (an `unless` inject whose event came in time: never to be delivered), `pending`, or
    `not_delivered` once the exercise has ended. Injects sent to some seats only are listed for the
    seats that may see them (the facilitator, and those seats), never as pending for the others. For
    a seat that may not see the event that averted one, the inject is averted once its events are
    past the deadline without it (the facilitator's report knows exactly)."""
    delivered = DELIVERED.of(state)
    watches = WATCHES.of(state)
    out = []
    for inj in log.scenario.injects:
        if inj.to != "all" and not can_see(tuple(inj.to), seat):
            continue
        d = delivered.get(inj.id)
        w = watches.get(inj.id)
        if d is not None:
            status = "delivered"
        elif w is not None and (w.satisfied or (seat != FACILITATOR and last_time > w.due)):
            status = "averted"
        else:
            status = "not_delivered" if ended else "pending"
        out.append({"inject_id": inj.id, "title": log.words.text(inj.title), "trigger": inj.trigger, "to": inj.to, "status": status,
                    "delivered_at": d.at if d is not None else None, "due": w.due if w is not None and d is None else None})
    scheduled = {i.id for i in log.scenario.injects}
    out += [{"inject_id": d.id, "title": log.words.text(d.title), "trigger": d.trigger, "status": "delivered",
             "to": "all" if d.audience is None else list(d.audience), "delivered_at": d.at, "due": None}
            for d in delivered.values() if d.id not in scheduled]
    return out


def applies_to(words: Any, body: str, kind: str) -> str:
    """What a rule binding covers, in the scenario's words ("every body, every kind of decision")."""
    b = words.say("every body") if body == "*" else words.body(body)
    k = words.say("every kind of decision") if kind == "*" else words.decision_kind(kind)
    return f"{b}, {k}"


def _timeline_row(log: _Log, e: Event) -> dict[str, Any]:
    spec = event_type(e, log.scenario)
    return {"seq": e.seq, "exercise_time": e.exercise_time, "in_world": log.in_world(e.exercise_time), "actor": e.actor,
            "type": e.type, "generic": spec.type if spec is not None else e.type, "summary": summarize(e, log.scenario, log.words)}


# the references a move may carry to something made before it, in the order they are followed: a
# move that names a decision, a request, a consultation or a threat answers what that entity answered
REFERENCES = ("decision_id", "request_id", "consultation_id", "threat_id")
PARTICIPANT_FREE = frozenset({FACILITATOR, SYSTEM, OBSERVER})


@dataclass(frozen=True, slots=True)
class Cause:
    """Which delivered inject an event answers, and how we know: `linked` when the move (or what it
    refers to, all the way back) names the inject (`in_response_to`), `inferred` when some step of
    the way was guessed (the latest inject the actor had received)."""

    inject_id: str
    link: str  # "linked" | "inferred"
    via: str | None  # "in_response_to", a reference field ("decision_id", ...), or None when inferred


def attribute(log: _Log) -> dict[int, Cause]:
    """seq -> the inject each visible event answers. An event is credited only to an inject its
    actor received (the system's and the facilitator's own events only through what they refer to):
    first the inject its move names (`in_response_to`), then what the entity it refers to answered
    (`REFERENCES`), else the latest inject the actor had received, marked inferred."""
    causes: dict[int, Cause] = {}
    made: dict[str, Cause | None] = {}  # entity id -> the cause of the event that created it
    delivered: dict[str, Event] = {}  # inject id -> its (first) delivery
    received: list[Event] = []  # deliveries so far, in order
    sc = log.scenario
    for e in log.events:
        data = log.data(e)
        if e.type == "inject_delivered":
            inject_id = str(data.get("inject_id"))
            delivered.setdefault(inject_id, e)
            received.append(e)
            continue
        participant = e.actor not in PARTICIPANT_FREE

        def got(inject_id: str) -> bool:
            d = delivered.get(inject_id)
            return d is not None and d.seq < e.seq and (not participant or can_see(d.audience, e.actor))

        own = created_id(e, sc)
        cause: Cause | None = None
        link = data.get("in_response_to")
        if link is not None and got(str(link)):
            cause = Cause(str(link), "linked", "in_response_to")
        if cause is None:
            for ref in REFERENCES:
                value = data.get(ref)
                if value is None or str(value) == own:
                    continue
                found = made.get(str(value))
                if found is not None and got(found.inject_id):
                    cause = Cause(found.inject_id, found.link, ref)
                    break
        if cause is None and participant:
            latest = next((d for d in reversed(received) if can_see(d.audience, e.actor)), None)
            if latest is not None:
                cause = Cause(str(latest.data.get("inject_id")), "inferred", None)
        if cause is not None:
            causes[e.seq] = cause
        if own is not None:
            made.setdefault(own, cause)
    return causes


def _chains(log: _Log, membership: Membership) -> list[dict[str, Any]]:
    """For each delivered inject: the first response of each milestone credited to it (`attribute`),
    with its delay, and each member that received it: its first implementation credited to it."""
    chains = []
    members = membership.at()
    idx = index(log.scenario)
    milestones = [(m.id, idx.spec(m.event)) for m in idx.words.milestones]
    causes = attribute(log)
    seen: set[str] = set()
    for inj in log.of("inject_delivered"):
        inject_id = str(inj.data.get("inject_id"))
        if inject_id in seen:
            continue
        seen.add(inject_id)
        t0 = inj.exercise_time
        answers = [e for e in log.events if e.seq > inj.seq and (c := causes.get(e.seq)) is not None and c.inject_id == inject_id]

        def step(e: Event | None) -> dict[str, Any] | None:
            out = _step(e, t0)
            if out is not None and e is not None:
                c = causes[e.seq]
                out.update(link=c.link, via=c.via)
            return out

        steps = {name: step(next((e for e in answers if spec.matches(e)), None)) for name, spec in milestones}
        implementation: dict[str, Any] = {}
        for member in members:
            if not can_see(inj.audience, member):
                continue  # it never received this inject: nothing it did answers it
            e = next((x for x in answers if x.actor == member and event_type(x, log.scenario) is not None
                      and event_type(x, log.scenario).type == "implementation_recorded"), None)
            s = step(e)
            if s is not None and e is not None:
                s.update(decision_id=e.data.get("decision_id"), status=e.data.get("status"))
            implementation[member] = s
        chains.append({
            "inject_id": inject_id,
            "title": log.words.text(inj.data.get("title")),
            "trigger": inj.data.get("trigger"),
            "to": thaw(inj.data.get("to")),
            "seq": inj.seq,
            "delivered_at": t0,
            "in_world": log.in_world(t0),
            "steps": steps,
            "implementation": implementation,
            "responses": {"linked": sum(1 for e in answers if causes[e.seq].link == "linked"),
                          "inferred": sum(1 for e in answers if causes[e.seq].link == "inferred")},
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
    words = log.words

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
            "body_name": words.body(d.get("body")),
            "kind_name": words.decision_kind(d.get("kind")),
            "text": d.get("text"),
            "proposer": p.actor,
            "proposed": {"seq": p.seq, "exercise_time": p.exercise_time},
            "deadline": d.get("deadline"),
            "rule": rule,
            "rule_description": describe(rule, words.say),
            "reruled": did in reruled,
            "eligible": eligible,
            "votes": votes,
            "vote_log": [{"seq": v.seq, "exercise_time": v.exercise_time, "seat": v.actor, "vote": v.data.get("vote"),
                          "changed_from": v.data.get("changed_from")} for v in vote_log],
            "dissent": {"against": [x for x in eligible if votes.get(x) == "against"],
                        "abstain": [x for x in eligible if votes.get(x) == "abstain"]},
            "not_voted": [x for x in eligible if x not in votes],
            "outcome": outcome,
            "reason": _reason(s.data.get("reason"), words) if s is not None else None,
            "settled": {"seq": s.seq, "exercise_time": s.exercise_time} if s is not None else None,
            "time_to_settle": _d(s.exercise_time - p.exercise_time) if s is not None else None,
            "tally": t,
            "implementations": implementations,
            "notifications": notifications,
        })
    return out


def _reason(reason: Any, words: Words) -> Any:
    """A settlement's recorded reason in the report's language (as recorded if it is not one of the rules')."""
    if reason is None or words.lang == "en":
        return reason
    return say_reason(str(reason), words.say) or reason


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
            "name": log.words.seat(s.id),
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

