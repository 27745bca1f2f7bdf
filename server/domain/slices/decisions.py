"""Bodies and their decisions: sessions convened with an agenda and a time frame; decisions
proposed to the body the scenario makes competent for their kind, under the rule in force (copied
into the proposal); votes, changeable until the rule settles the decision; national
implementation by the seats it binds; and forks, which re-rule open decisions.

The arithmetic of the rules is in `rules.py`; who may propose, convene and vote is asked of
`institutions.py`. Effects on membership (admit, suspend) are the membership slice's: a kind with
an effect needs a subject, which that slice checks through `REGISTRY.subject_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal, Mapping

from pydantic import Field

from .. import institutions as inst
from .. import legacy
from ..batch import Batch, require_facilitator, require_in_play, require_participant
from ..clock import in_world
from ..errors import Said, conflict, forbidden, invalid, listed, word
from ..events import FACILITATOR, SYSTEM, Event, EventSpec
from ..fields import KindRef, Minutes, Note, Ref, SeatRef, Summary, Title
from ..fold import Draft
from ..persistent import derived
from ..registry import REGISTRY, Command, Move, Due, NotAMove, Slice
from ..rules import Settlement, describe, explain, say_reason, settle, tally
from ..scenario import Body, DecisionKind, RuleBinding, Scenario, in_language
from ..state import State
from ..words import N_, Words
from .clock import DELIVERED
from .consultations import threat

S = Slice("decisions")


# --- state -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Implementation:
    status: str
    note: str | None
    at: float


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    body: str
    kind: str
    title: str
    text: str
    proposer: str
    rule: Mapping[str, Any]
    eligible: tuple[str, ...]
    proposed_at: float
    deadline: float | None
    session_id: str | None = None
    region: str | None = None
    subject: str | None = None
    threat_id: str | None = None
    recused: tuple[str, ...] = ()
    bound: tuple[str, ...] = ()  # who records implementation once it is adopted
    status: str = "open"  # open | adopted | rejected | lapsed
    settled_at: float | None = None
    tally: Mapping[str, int] | None = None
    reason: str | None = None
    implementations: Mapping[str, Implementation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    body: str
    agenda: tuple[str, ...]
    time_frame_minutes: int
    convened_at: float
    ends_at: float
    open: bool = True


DECISIONS = S.table("decisions", Decision)
BALLOTS = S.table("ballots", Mapping[str, str])  # decision -> seat -> vote; votes are frequent, so kept flat
SESSIONS = S.table("sessions", Session)
FACTS = S.table("facts", float)  # requirement key -> when it was first met (see `_requirements`)


def votes(state: State, decision_id: str) -> Mapping[str, str]:
    """The votes standing on a decision, by seat (a vote changed replaces the earlier one)."""
    return BALLOTS.of(state).get(decision_id, {})


def copied_rule(binding: RuleBinding) -> dict[str, Any]:
    """The rule as a proposal records it: the binding without where it applies, without unset
    options (so history reads the same whatever options later versions add)."""
    return binding.model_dump(mode="json", exclude={"body", "kind"}, exclude_none=True)


def rule_for(state: State, body: str, kind: str) -> RuleBinding:
    """The binding in force for a body and a kind of decision: the most specific one."""
    best: RuleBinding | None = None
    best_rank = -1
    for binding in state.rules:
        if binding.body not in ("*", body) or binding.kind not in ("*", kind):
            continue
        rank = (2 if binding.body == body else 0) + (1 if binding.kind == kind else 0)
        if rank > best_rank:
            best, best_rank = binding, rank
    assert best is not None, "a scenario always has a default rule"
    return best


# --- commands ----------------------------------------------------------------------------------

class ConveneSession(Move):
    type: Literal["convene_session"]
    body: Ref
    agenda: Annotated[list[Title], Field(min_length=1, max_length=20)]
    time_frame_minutes: Minutes


class ProposeDecision(Move):
    type: Literal["propose_decision"]
    body: Ref
    kind: KindRef
    title: Title
    text: Summary
    deadline_minutes: Minutes | None = None
    session_id: Ref | None = None
    region: Ref | None = None
    subject: SeatRef | None = Field(default=None, description="for a kind with an effect on membership: the seat it is about")
    threat_id: Ref | None = None


class CastVote(Move):
    type: Literal["cast_vote"]
    decision_id: Ref
    vote: Literal["for", "against", "abstain"]


class RecordImplementation(Move):
    type: Literal["record_implementation"]
    decision_id: Ref
    status: Literal["in_force", "blocked"]
    note: Note | None = None


class CloseVote(Move):
    type: Literal["close_vote"]
    decision_id: Ref


class ExtendDeadline(Command):
    type: Literal["extend_deadline"]
    decision_id: Ref
    minutes: Minutes


class Fork(Command):
    """Record, as the first event after the copied history, that a fork was made (system only)."""

    type: Literal["fork"]
    from_exercise_id: str
    at: int
    rules: list[dict[str, Any]] | None = None


# --- sessions ------------------------------------------------------------------------------------

def _body(b: Batch, body_id: str) -> Body:
    assert b.state.scenario is not None
    body = b.state.scenario.body(body_id)
    if body is None:
        raise invalid("unknown_body", "There is no body '{body}' in this scenario (bodies: {known}).", body=body_id,
                      known=listed(x.id for x in b.state.scenario.bodies))
    return body


@S.command(ConveneSession, by="participant", records="session_convened")
def _convene(b: Batch, cmd: ConveneSession, seat: str) -> None:
    require_participant(b.state, seat)
    body = _body(b, cmd.body)
    if not inst.holds_office(b.state, seat, body, "convene_session"):
        raise forbidden("cannot_convene", "{seat} cannot convene sessions of the {body}; {those} can.", seat=seat,
                        body=inst.body_named(b.state, body.id), those=inst.describe_roles(b.state, body, "convene_session"))
    require_in_play(b.state, seat)
    ends_at = round(b.time + cmd.time_frame_minutes * 60.0, 3)
    b.emit("session_convened", seat, {"session_id": b.new_id("ses"), "body": body.id, "agenda": list(cmd.agenda),
                                      "time_frame_minutes": cmd.time_frame_minutes, "ends_at": ends_at})


@S.event("session_convened", fields=("session_id", "body", "agenda", "time_frame_minutes", "ends_at"), creates="session_id",
         summary=lambda e, d, w: w.say("{seat} convenes the {body} for {minutes} min: {agenda}", seat=w.seat(e.actor),
                                       body=w.body(d.get("body")), minutes=d.get("time_frame_minutes"),
                                       agenda=w.clip("; ".join(d.get("agenda") or []))),
         reenact=lambda e, d, tr: ConveneSession(type="convene_session", body=d["body"], agenda=list(d["agenda"]),
                                                 time_frame_minutes=int(d["time_frame_minutes"])))
def _convened(d: Draft, e: Event) -> None:
    data = e.data
    s = Session(data["session_id"], data["body"], tuple(data["agenda"]), int(data["time_frame_minutes"]), e.exercise_time,
                float(data["ends_at"]))
    SESSIONS.own(d)[s.id] = s


@S.event("session_closed", fields=("session_id",), summary=lambda e, d, w: w.say("A session's time frame ended"))
def _session_closed(d: Draft, e: Event) -> None:
    table = SESSIONS.own(d)
    table[e.data["session_id"]] = replace(table[e.data["session_id"]], open=False)


# --- proposals -----------------------------------------------------------------------------------

def _kind(b: Batch, kind_id: str) -> DecisionKind:
    sc = b.state.scenario
    assert sc is not None
    kind = sc.decision_kind(kind_id)
    if kind is None:
        raise invalid("unknown_decision_kind", "Unknown kind of decision '{kind}'; this scenario knows {known}.", kind=kind_id,
                      known=listed([k.id for k in sc.decision_kinds], lambda w, k: w.decision_kind(k)))
    return kind


@dataclass(frozen=True)
class _Requirement:
    key: str
    injects: tuple[str, ...]
    specs: tuple[EventSpec, ...]
    message: Any  # the scenario's text: a string or a map by language


def _requirements(sc: Scenario) -> dict[str, tuple[_Requirement, ...]]:
    """kind -> what must have happened before it may be proposed, compiled once per scenario."""
    idx = inst.index(sc)
    found = idx.memo.get("requirements")
    if found is None:
        found = {}
        for k in sc.decision_kinds:
            reqs = []
            for i, r in enumerate(k.requires):
                injects = tuple(x for x in r.any_of if isinstance(x, str))
                specs = tuple(idx.spec(x) for x in r.any_of if not isinstance(x, str))
                reqs.append(_Requirement(f"{k.id}:{i}", injects, specs, r.message))
            if reqs:
                found[k.id] = tuple(reqs)
        idx.memo["requirements"] = found
    return found


_last_by_type: tuple[Any, Any] = (None, None)  # (scenario, its table): a fold asks once per event, for one scenario


def _requirements_by_type(sc: Scenario) -> dict[str, tuple[tuple[str, EventSpec], ...]]:
    """event type -> (requirement key, pattern) that an event of that type may meet: a fold looks
    only at those (most events meet none)."""
    global _last_by_type
    last = _last_by_type  # one read: a tuple is replaced whole, never changed
    if last[0] is sc:
        return last[1]  # type: ignore[no-any-return]
    idx = inst.index(sc)
    found = idx.memo.get("requirements_by_type")
    if found is None:
        by_type: dict[str, list[tuple[str, EventSpec]]] = {}
        for kind_reqs in _requirements(sc).values():
            for r in kind_reqs:
                for spec in r.specs:
                    for t in spec.types:
                        by_type.setdefault(t, []).append((r.key, spec))
        found = idx.memo["requirements_by_type"] = {t: tuple(v) for t, v in by_type.items()}
    _last_by_type = (sc, found)
    return found


@S.watch(types=lambda sc: _requirements_by_type(sc).keys())
def _note_requirements(d: Draft, e: Event) -> None:
    """Remember when an event first met a decision kind's requirement (injects are remembered as
    delivered anyway)."""
    sc = d.scenario
    if sc is None:
        return
    candidates = _requirements_by_type(sc).get(e.type)
    if not candidates:
        return
    facts = FACTS.of(d)
    for key, spec in candidates:
        if key not in facts and spec.matches(e):
            FACTS.own(d)[key] = e.exercise_time
            facts = FACTS.of(d)


def _kind_named(kind: DecisionKind) -> Said:
    """A kind of decision as it reads inside a sentence ("a decision on use of armed forces"), in the
    reader's words."""
    kind_id = kind.id
    return Said(inst.lower_first(kind.name), lambda w: inst.lower_first(w.decision_kind(kind_id)))


def _unmet(state: State, kind: DecisionKind) -> Any:
    assert state.scenario is not None
    delivered = DELIVERED.of(state)
    for r in _requirements(state.scenario).get(kind.id, ()):
        if r.key not in FACTS.of(state) and not any(i in delivered for i in r.injects):
            return r.message
    return None


@S.command(ProposeDecision, by="participant", records="decision_proposed")
def _propose(b: Batch, cmd: ProposeDecision, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    sc = st.scenario
    assert sc is not None
    body = _body(b, cmd.body)
    kind = _kind(b, cmd.kind)
    competent = inst.competent_bodies(kind, sc)
    if body.id not in competent:
        where = [b2.id for b2 in sc.bodies if b2.id in competent]

        def say_where(w: Words) -> str:
            return w.join([f"{w.body(x)} ({x})" for x in where], N_("{those} or the {these}"), N_("no body"))

        raise forbidden("not_competent", "A decision on {kind} is for the {where} to take, not the {body} ({id}).",
                        kind=_kind_named(kind), where=Said(say_where(inst.words(st)), say_where),
                        body=inst.body_named(st, body.id), id=body.id)
    if not inst.holds_office(st, seat, body, "propose_decision"):
        raise forbidden("not_in_body", "{seat} cannot propose decisions of the {body} ({id}); {those} can.", seat=seat,
                        body=inst.body_named(st, body.id), id=body.id, those=inst.describe_roles(st, body, "propose_decision"))
    require_in_play(st, seat)
    if cmd.region is not None and sc.region(cmd.region) is None:
        raise invalid("unknown_region", "There is no region '{region}' in this scenario.", region=cmd.region)
    t = threat(st, cmd.threat_id)
    unmet = _unmet(st, kind)
    if unmet is not None:
        raise conflict("requirement_unmet", "{requirement}", requirement=Said(in_language(unmet), lambda w: w.text(unmet)))
    subject = None
    if kind.effect is not None:
        if cmd.subject is None:
            raise invalid("subject_required", "A decision on {kind} names the seat it is about (subject).", kind=_kind_named(kind))
        REGISTRY.subject_checks[kind.effect.change](st, cmd.subject, kind)
        subject = cmd.subject
    elif cmd.subject is not None:
        raise invalid("no_subject", "A decision on {kind} has no subject; leave `subject` out.", kind=_kind_named(kind))
    session = None
    if cmd.session_id is not None:
        session = SESSIONS.of(st).get(cmd.session_id)
        if session is None or not session.open or session.body != body.id:
            raise conflict("no_such_session", "There is no open session '{session}' of the {body}.", session=cmd.session_id,
                           body=inst.body_named(st, body.id))
    binding = rule_for(st, body.id, cmd.kind)
    rule = copied_rule(binding)
    recused = tuple(t.against) if (t is not None and binding.recuse_parties) else ()
    if binding.rule == "single_authority":
        authority = str(binding.authority)
        eligible: tuple[str, ...] = (authority,) if authority not in recused and inst.may(st, authority, "cast_vote") else ()
    else:
        eligible = inst.voters(st, body.id, region=cmd.region, recused=recused)
    if not eligible:
        raise conflict("no_eligible_voters", "No seat is eligible to vote on a decision on {kind} of the {body}.",
                       kind=_kind_named(kind), body=inst.body_named(st, body.id))
    minutes = cmd.deadline_minutes or binding.deadline_minutes
    deadline = round(b.time + minutes * 60.0, 3) if minutes else None
    if session is not None and (deadline is None or deadline > session.ends_at):
        deadline = session.ends_at  # decisions are made within the session's time frame
    if binding.rule == "silence_procedure" and deadline is None:
        raise invalid("deadline_required", "A silence procedure needs a deadline.")
    b.emit("decision_proposed", seat, {
        "decision_id": b.new_id("dec"), "body": body.id, "kind": cmd.kind, "title": cmd.title, "text": cmd.text,
        "rule": rule, "eligible": list(eligible), "deadline": deadline, "session_id": cmd.session_id,
        "region": cmd.region, "subject": subject, "threat_id": cmd.threat_id, "recused": list(recused),
        "bound": list(inst.implementers(st, kind, eligible)),
    })


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


def _proposed_reenact(e: Event, d: Mapping[str, Any], tr: Any) -> Command:
    return ProposeDecision(type="propose_decision", body=d["body"], kind=d["kind"], title=d["title"], text=d["text"],
                           deadline_minutes=_deadline_minutes(d, float(e.exercise_time)),
                           session_id=tr(d["session_id"]) if d.get("session_id") else None, region=d.get("region"),
                           subject=d.get("subject"), threat_id=tr(d["threat_id"]) if d.get("threat_id") else None)


@S.event("decision_proposed", creates="decision_id", reenact=_proposed_reenact,
         fields=("decision_id", "body", "kind", "title", "text", "rule", "eligible", "deadline", "session_id", "region",
                 "subject", "threat_id", "recused", "bound"),
         summary=lambda e, d, w: w.say("{seat} proposes to the {body} ({kind}, {rule}): {title}", seat=w.seat(e.actor),
                                       body=w.body(d.get("body")), kind=w.decision_kind(d.get("kind")),
                                       rule=describe(d.get("rule") or {"rule": "?"}, w.say), title=w.clip(d.get("title"), 100)))
def _proposed(d: Draft, e: Event) -> None:
    data = e.data
    dec = Decision(
        id=data["decision_id"], body=data["body"], kind=data["kind"], title=data["title"], text=data["text"],
        proposer=e.actor, rule=dict(data["rule"]), eligible=tuple(data["eligible"]), proposed_at=e.exercise_time,
        deadline=data.get("deadline"), session_id=data.get("session_id"), region=data.get("region"),
        subject=data.get("subject"), threat_id=data.get("threat_id"), recused=tuple(data.get("recused") or ()),
        bound=tuple(data["bound"]) if data.get("bound") is not None else tuple(data["eligible"]),
    )
    DECISIONS.own(d)[dec.id] = dec


# --- votes and settlement --------------------------------------------------------------------------

def decision(state: State, decision_id: str) -> Decision:
    """The decision with this id, or the refusal a move about an unknown one gets."""
    dec = DECISIONS.of(state).get(decision_id)
    if dec is None:
        raise conflict("unknown_decision", "There is no decision '{decision}'.", decision=decision_id)
    return dec


@S.command(CastVote, by="participant", records="vote_cast", power=True)
def _vote(b: Batch, cmd: CastVote, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    st = b.state
    dec = decision(b.state, cmd.decision_id)
    sc = st.scenario
    assert sc is not None
    body = sc.body(dec.body)
    if seat in dec.recused:
        raise forbidden("recused", "{seat} is a party named in the threat this decision refers to; under its rule the "
                                   "parties do not vote.", seat=seat)
    if seat not in dec.eligible:
        if seat not in inst.body_members(st, dec.body):
            raise forbidden("not_in_body", "{seat} is not a member of the {body} and cannot vote on this decision.", seat=seat,
                            body=inst.body_named(st, dec.body))
        if not inst.may(st, seat, "cast_vote"):
            raise forbidden("not_eligible", "{seat} cannot vote on this decision: {who} does not vote.", seat=seat,
                            who=inst.who(st, seat))
        raise forbidden("not_eligible", "{seat} cannot vote on this decision: it was not eligible when the decision was proposed.",
                        seat=seat)
    if not inst.may(st, seat, "cast_vote"):
        raise forbidden("not_eligible", "{seat} cannot vote on this decision: {who} no longer votes.", seat=seat,
                        who=inst.who(st, seat))
    if dec.status != "open":
        raise conflict("decision_settled", "This decision has already been settled ({status}); votes can no longer change.",
                       status=word(dec.status))
    standing = votes(st, dec.id).get(seat)
    if standing == cmd.vote:
        vote = cmd.vote
        raise conflict("same_vote", "{seat} has already voted {vote}.", seat=seat,
                       vote=Said(vote, lambda w: w.vote(vote)))
    b.emit("vote_cast", seat, {"decision_id": dec.id, "vote": cmd.vote, "changed_from": standing})


@S.event("vote_cast", fields=("decision_id", "vote", "changed_from"),
         summary=lambda e, d, w: w.say("{seat} votes {vote} (was {was})" if d.get("changed_from") else "{seat} votes {vote}",
                                       seat=w.seat(e.actor), vote=w.vote(d.get("vote")), was=w.vote(d.get("changed_from"))),
         reenact=lambda e, d, tr: CastVote(type="cast_vote", decision_id=tr(d["decision_id"]), vote=d["vote"]))
def _voted(d: Draft, e: Event) -> None:
    ballots = BALLOTS.own(d)  # a small dict per decision, not a new Decision each time
    decision_id = e.data["decision_id"]
    standing = dict(ballots.get(decision_id, ()))
    standing[e.actor] = e.data["vote"]
    ballots[decision_id] = standing


def electorate(state: State, dec: Decision) -> tuple[tuple[str, ...], dict[str, str]]:
    """Who still counts on a decision and their votes: its eligible voters, less any who no longer
    vote at all (withdrawn or suspended since it was proposed)."""
    counted = tuple(s for s in dec.eligible if inst.may(state, s, "cast_vote"))
    standing = votes(state, dec.id)
    return counted, {s: v for s, v in standing.items() if s in counted}


def settle_decision(b: Batch, dec: Decision, *, ended: Settlement | None = None, at: float | None = None,
                    closed_by: str | None = None) -> bool:
    """Record the decision's settlement if its rule settles it now (`ended`: the deadline passed or
    the vote was closed). The rule, the reason and how it settled go into the event."""
    counted, standing = electorate(b.state, dec)
    result = settle(dec.rule, counted, standing, ended=ended)
    if result is None:
        return False
    outcome, settlement, reason = result
    b.emit(f"decision_{outcome}", SYSTEM, {
        "decision_id": dec.id, "body": dec.body, "kind": dec.kind, "title": dec.title, "rule": dict(dec.rule),
        "tally": tally(standing, len(counted)).as_dict(), "votes": dict(standing), "reason": reason,
        "settlement": settlement, "closed_by": closed_by,
        "subject": dec.subject, "eligible": list(counted), "bound": [s for s in dec.bound if s in counted or s not in dec.eligible],
    }, at=at)
    return True


@S.reaction("vote_cast")
def _settle_on_vote(b: Batch, ev: Event) -> None:
    dec = DECISIONS.of(b.state)[ev.data["decision_id"]]
    if dec.status == "open":
        settle_decision(b, dec)


_SETTLED_SUMMARIES = {"adopted": N_('"{title}" adopted: {reason}'), "rejected": N_('"{title}" rejected: {reason}'),
                      "lapsed": N_('"{title}" lapsed: {reason}')}


def _settled_summary(outcome: str) -> Any:
    def summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
        reason = str(d.get("reason") or "")
        return w.say(_SETTLED_SUMMARIES[outcome], title=w.clip(d.get("title"), 80),
                     reason=w.clip(say_reason(reason, w.say) or reason, 100))
    return summary


_SETTLED_FIELDS = ("decision_id", "body", "kind", "title", "rule", "tally", "votes", "reason", "settlement", "closed_by",
                   "subject", "eligible", "bound")


def _settled(d: Draft, e: Event) -> None:
    table = DECISIONS.own(d)
    dec = table[e.data["decision_id"]]
    status = e.type.removeprefix("decision_")
    bound = tuple(e.data["bound"]) if e.data.get("bound") is not None else dec.bound
    table[dec.id] = replace(dec, status=status, settled_at=e.exercise_time, tally=dict(e.data["tally"]),
                            reason=e.data.get("reason"), bound=bound)


def _closer(data: Mapping[str, Any]) -> str | None:
    """A settlement by `close_vote` was the closer's move (a fork closes the vote again)."""
    return data.get("closed_by") if data.get("settlement") == "closed" else None


def _close_again(e: Event, d: Mapping[str, Any], tr: Any) -> Command:
    if d.get("settlement") != "closed":
        raise NotAMove("the rule settled this decision; a fork settles it by its own rule")
    return CloseVote(type="close_vote", decision_id=tr(d["decision_id"]))


for _outcome in ("adopted", "rejected", "lapsed"):
    S.event(f"decision_{_outcome}", fields=_SETTLED_FIELDS, summary=_settled_summary(_outcome), reenact=_close_again,
            mover=_closer)(_settled)


@S.due
def _due(state: State) -> list[Due]:
    # scanned once after the tables change, not on every command (docs/PERFORMANCE.md, the cost model)
    return [*derived(DECISIONS.of(state), "due", _deadlines), *derived(SESSIONS.of(state), "due", _session_ends)]


def _deadlines(decisions: Any) -> tuple[Due, ...]:
    return tuple(Due(dec.deadline, 10_000, "deadline", dec.id, _deadline(dec.id)) for dec in decisions.values()
                 if dec.status == "open" and dec.deadline is not None)


def _session_ends(sessions: Any) -> tuple[Due, ...]:
    return tuple(Due(ses.ends_at, 10_001, "session_end", ses.id, _session_end(ses.id)) for ses in sessions.values()
                 if ses.open)


def _deadline(decision_id: str) -> Any:
    def run(b: Batch, at: float) -> None:
        settle_decision(b, DECISIONS.of(b.state)[decision_id], ended="deadline", at=at)

    return run


def _session_end(session_id: str) -> Any:
    def run(b: Batch, at: float) -> None:
        b.emit("session_closed", SYSTEM, {"session_id": session_id}, at=at)

    return run


# --- closing a vote, extending a deadline --------------------------------------------------------

@S.command(CloseVote, by="anyone", records="")
def _close_vote(b: Batch, cmd: CloseVote, seat: str) -> None:
    """The chair (or whoever the body's `who.close_vote` names) or the facilitator ends a vote:
    the decision settles on the votes as they stand."""
    st = b.state
    if seat != FACILITATOR:
        require_participant(st, seat)
    dec = decision(b.state, cmd.decision_id)
    sc = st.scenario
    assert sc is not None
    body = sc.body(dec.body)
    if seat != FACILITATOR and (body is None or not inst.holds_office(st, seat, body, "close_vote")):
        raise forbidden("cannot_close_vote", "{seat} cannot close votes of the {body}; {those} and the facilitator can.",
                        seat=seat, body=inst.body_named(st, dec.body), those=inst.describe_roles(st, body, "close_vote"))
    require_in_play(st, seat)
    if dec.status != "open":
        raise conflict("decision_settled", "This decision has already been settled ({status}).", status=word(dec.status))
    settle_decision(b, dec, ended="closed", closed_by=seat)


@S.command(ExtendDeadline, by="facilitator", records="deadline_extended")
def _extend(b: Batch, cmd: ExtendDeadline, seat: str) -> None:
    require_facilitator(seat, N_("extend deadlines"))
    require_in_play(b.state, seat)
    dec = decision(b.state, cmd.decision_id)
    if dec.status != "open":
        raise conflict("decision_settled", "This decision has already been settled ({status}).", status=word(dec.status))
    start = dec.deadline if dec.deadline is not None and dec.deadline > b.time else b.time
    b.emit("deadline_extended", seat, {"decision_id": dec.id, "minutes": cmd.minutes,
                                       "deadline": round(start + cmd.minutes * 60.0, 3)})


@S.event("deadline_extended", fields=("decision_id", "minutes", "deadline"),
         summary=lambda e, d, w: w.say("Deadline extended by {minutes} min", minutes=d.get("minutes")),
         reenact=lambda e, d, tr: ExtendDeadline(type="extend_deadline", decision_id=tr(d["decision_id"]),
                                                 minutes=int(d["minutes"])))
def _extended(d: Draft, e: Event) -> None:
    table = DECISIONS.own(d)
    dec = table[e.data["decision_id"]]
    table[dec.id] = replace(dec, deadline=float(e.data["deadline"]))


# --- implementation --------------------------------------------------------------------------------

@S.command(RecordImplementation, by="participant", records="implementation_recorded", power=True)
def _implementation(b: Batch, cmd: RecordImplementation, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    dec = decision(b.state, cmd.decision_id)
    if dec.status != "adopted":
        raise conflict("not_adopted", "Only adopted decisions are implemented; this one is {status}.", status=word(dec.status))
    if seat not in dec.bound:
        raise forbidden("not_bound", "{seat} does not record the implementation of this decision of the {body}.", seat=seat,
                        body=dec.body)
    prior = dec.implementations.get(seat)
    if prior is not None and prior.status == cmd.status and prior.note == cmd.note:
        raise conflict("already_recorded", "{seat} has already recorded this decision as {status}.", seat=seat,
                       status=word(cmd.status))
    b.emit("implementation_recorded", seat, {"decision_id": dec.id, "status": cmd.status, "note": cmd.note})


_IMPLEMENTED = {(True, True): N_("{seat} records implementation: in force: {text}"), (True, False): N_("{seat} records implementation: in force"),
                (False, True): N_("{seat} records implementation: blocked: {text}"), (False, False): N_("{seat} records implementation: blocked")}


@S.event("implementation_recorded", fields=("decision_id", "status", "note"),
         summary=lambda e, d, w: w.say(_IMPLEMENTED[d.get("status") == "in_force", bool(d.get("note"))], seat=w.seat(e.actor),
                                       text=w.clip(d.get("note"))),
         reenact=lambda e, d, tr: RecordImplementation(type="record_implementation", decision_id=tr(d["decision_id"]),
                                                       status=d["status"], note=d.get("note")))
def _implemented(d: Draft, e: Event) -> None:
    table = DECISIONS.own(d)
    dec = table[e.data["decision_id"]]
    implementations = dict(dec.implementations)
    implementations[e.actor] = Implementation(e.data["status"], e.data.get("note"), e.exercise_time)
    table[dec.id] = replace(dec, implementations=implementations)


# --- forks -------------------------------------------------------------------------------------------

@S.command(Fork, by="system", records="exercise_forked")
def _fork(b: Batch, cmd: Fork, seat: str) -> None:
    require_facilitator(seat, N_("fork the exercise"))
    rules = [RuleBinding.model_validate(r) for r in cmd.rules] if cmd.rules else None
    reruled: dict[str, Any] = {}
    if rules is not None:
        probe = replace(b.state, rules=tuple(rules))
        for dec in DECISIONS.of(b.state).values():
            if dec.status == "open":
                rule = copied_rule(rule_for(probe, dec.body, dec.kind))
                if rule.get("deadline_minutes") is None and dec.rule.get("deadline_minutes") is not None:
                    rule["deadline_minutes"] = dec.rule["deadline_minutes"]
                reruled[dec.id] = rule
    b.emit("exercise_forked", seat, {"from_exercise_id": cmd.from_exercise_id, "at": cmd.at,
                                     "rules": [r.model_dump(mode="json") for r in rules] if rules else None,
                                     "reruled": reruled})


def _fork_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    templates = {(False, False): N_("Forked from {id} after event {at}"),
                 (True, False): N_("Forked from {id} after event {at} under new rules"),
                 (False, True): N_("Forked from {id} after event {at}; {n} open decision(s) re-ruled"),
                 (True, True): N_("Forked from {id} after event {at} under new rules; {n} open decision(s) re-ruled")}
    return w.say(templates[bool(d.get("rules")), bool(d.get("reruled"))], id=d.get("from_exercise_id"), at=d.get("at"),
                 n=len(d.get("reruled") or ()))


@S.event("exercise_forked", version=2, upcasters={1: legacy.forked_v1}, fields=("from_exercise_id", "at", "rules", "reruled"),
         summary=_fork_summary)
def _forked(d: Draft, e: Event) -> None:
    rules = e.data.get("rules")
    if rules:
        d.rules = tuple(RuleBinding.model_validate(r) for r in rules)
    reruled = e.data.get("reruled") or {}
    if reruled:
        decisions = DECISIONS.own(d)
        for decision_id, rule in reruled.items():
            decisions[decision_id] = replace(decisions[decision_id], rule=dict(rule))
    d.forked_from = {"exercise_id": e.data["from_exercise_id"], "at": e.data["at"]}


# --- the view ------------------------------------------------------------------------------------------

def description(state: State, dec: Decision) -> str:
    """How and when a decision settles, in words (or how it did)."""
    if dec.status != "open":
        return f"{dec.status.capitalize()}: {dec.reason}." if dec.reason else dec.status.capitalize() + "."
    counted, standing = electorate(state, dec)
    text = explain(dec.rule, counted, standing)
    if dec.deadline is not None:
        assert state.scenario is not None
        text += f" Closes {in_world(state.scenario.start, dec.deadline).strftime('%H:%M')}."
    return text


@S.view
def _view(state: State, seat: str, w: Words) -> dict[str, Any]:
    return {"rules": [dict(r.model_dump(mode="json"), description=describe(r.model_dump())) for r in state.rules]}


def _decision(state: State, seat: str, d: Decision) -> dict[str, Any]:
    return {"id": d.id, "body": d.body, "kind": d.kind, "title": d.title, "text": d.text, "proposer": d.proposer,
            "rule": dict(d.rule), "rule_description": describe(d.rule), "description": description(state, d),
            "eligible": list(d.eligible), "electorate": list(electorate(state, d)[0]),
            "recused": list(d.recused), "bound": list(d.bound), "threat_id": d.threat_id,
            "proposed_at": d.proposed_at, "deadline": d.deadline, "session_id": d.session_id, "region": d.region,
            "subject": d.subject, "votes": dict(votes(state, d.id)), "status": d.status, "settled_at": d.settled_at,
            "tally": dict(d.tally) if d.tally else None, "reason": d.reason,
            "implementations": {s: {"status": i.status, "note": i.note, "at": i.at} for s, i in d.implementations.items()}}


# an open decision is in the view whatever its age; a settled one among the most recent (one that
# waits for this seat's record of implementation too: those do not expire, so counting them in
# play would let the view grow with the log again)
S.listing("decisions", DECISIONS, item=_decision, current=lambda state, seat, d: d.status == "open")
S.listing("sessions", SESSIONS, current=lambda state, seat, s: s.open,
          item=lambda state, seat, s: {"id": s.id, "body": s.body, "agenda": list(s.agenda),
                                       "time_frame_minutes": s.time_frame_minutes, "convened_at": s.convened_at,
                                       "ends_at": s.ends_at, "open": s.open})
