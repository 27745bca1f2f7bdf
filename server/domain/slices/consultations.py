"""Threats and consultations: a seat reports a threat (naming, if it says so, who it is against);
consultations open with everyone or chosen seats, in the open or in private, regionally or not;
invitees speak; the convener invites more and closes with a coordinated position or none."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import Field

from .. import institutions as inst
from ..batch import Batch, require_in_play, require_participant, resolve_seats
from ..errors import Said, conflict, forbidden, invalid, listed
from ..events import FACILITATOR, Event
from ..fields import KindRef, Note, Ref, SeatList, Summary, Title
from ..fold import Draft
from ..registry import Command, Move, Slice
from ..state import State
from ..words import N_, Words

S = Slice("consultations")


# --- state -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Threat:
    id: str
    actor: str
    at: float
    kind: str
    summary: str
    source: str | None
    against: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Consultation:
    id: str
    convener: str
    topic: str
    members: tuple[str, ...]
    private: bool
    region: str | None
    opened_at: float
    audience: tuple[str, ...] | None
    threat_id: str | None = None
    open: bool = True
    outcome: str | None = None
    position: str | None = None
    closed_at: float | None = None


THREATS = S.table("threats", Threat)
CONSULTATIONS = S.table("consultations", Consultation)
STATEMENTS = S.table("statement_counts", int, small=True)  # consultation -> statements made: the hottest counter, kept flat (as many as consultations: bounded by the exercise limits)


def threat(state: State, threat_id: str | None, what: str = "threat_id") -> Threat | None:
    """The threat a move refers to (None when it names none), or a 409 when there is no such threat."""
    if threat_id is None:
        return None
    found = THREATS.of(state).get(threat_id)
    if found is None:
        raise conflict("unknown_threat", "{field}: there is no reported threat '{threat}'.", field=what, threat=threat_id)
    return found


# --- commands ----------------------------------------------------------------------------------

class ReportThreat(Move):
    type: Literal["report_threat"]
    kind: KindRef
    summary: Summary
    source: Annotated[str, Field(max_length=200)] | None = None
    against: SeatList = Field(default_factory=list, description="the seats the threat comes from, members or not")


class RequestConsultation(Move):
    type: Literal["request_consultation"]
    topic: Title
    invitees: Union[Literal["all"], SeatList] = "all"
    private: bool = False
    region: Ref | None = None
    threat_id: Ref | None = None


class InviteToConsultation(Move):
    type: Literal["invite_to_consultation"]
    consultation_id: Ref
    invitees: Annotated[SeatList, Field(min_length=1)]


class PostStatement(Move):
    type: Literal["post_statement"]
    consultation_id: Ref
    text: Summary


class CloseConsultation(Move):
    type: Literal["close_consultation"]
    consultation_id: Ref
    outcome: Literal["coordinated", "no_agreement"]
    position: Note | None = None


# --- threats -------------------------------------------------------------------------------------

@S.command(ReportThreat, by="participant", records="threat_reported", power=True)
def _report_threat(b: Batch, cmd: ReportThreat, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    sc = st.scenario
    assert sc is not None
    allowed = inst.kinds_allowed(inst.require(st, seat, "report_threat"))
    require_in_play(st, seat)
    known = [k.id for k in sc.threat_kinds]
    if cmd.kind not in known:
        raise invalid("unknown_threat_kind", "Unknown kind of threat '{kind}'; this scenario knows {known}.", kind=cmd.kind,
                      known=listed(known, lambda w, k: w.threat_kind(k)))
    if allowed is not None and cmd.kind not in allowed:
        raise forbidden("kind_not_allowed", "{who} may report only {kinds}.", who=inst.who(st, seat),
                        kinds=listed(sorted(allowed), lambda w, k: w.threat_kind(k)))
    against = resolve_seats(st, cmd.against, "against", allow_all=False) if cmd.against else ()
    if seat in against:
        raise invalid("against_self", "against: a seat does not report a threat against itself.")
    b.emit("threat_reported", seat, {"threat_id": b.new_id("thr"), "kind": cmd.kind, "summary": cmd.summary,
                                     "source": cmd.source, "against": list(against)})


def _threat_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    against = d.get("against") or []
    return w.say("{seat} reports {kind} by {against}: {text}" if against else "{seat} reports {kind}: {text}",
                 seat=w.seat(e.actor), kind=w.threat_kind(d.get("kind")).lower(), against=w.seats(against),
                 text=w.clip(d.get("summary")))


@S.event("threat_reported", fields=("threat_id", "kind", "summary", "source", "against"), creates="threat_id",
         summary=_threat_summary,
         reenact=lambda e, d, tr: ReportThreat(type="report_threat", kind=d["kind"], summary=d["summary"],
                                               source=d.get("source"), against=list(d.get("against") or [])))
def _threat(d: Draft, e: Event) -> None:
    data = e.data
    THREATS.own(d)[data["threat_id"]] = Threat(data["threat_id"], e.actor, e.exercise_time, data["kind"], data["summary"],
                                               data.get("source"), tuple(data.get("against") or ()))


# --- consultations -------------------------------------------------------------------------------

def _consultation(b: Batch, consultation_id: str, seat: str) -> Consultation:
    con = CONSULTATIONS.of(b.state).get(consultation_id)
    # a private consultation a seat is not in does not exist for that seat
    if con is None or (con.audience is not None and seat not in con.audience and seat != FACILITATOR):
        raise conflict("unknown_consultation", "There is no consultation '{consultation}'.", consultation=consultation_id)
    return con


def _convened_by(b: Batch, consultation_id: str, seat: str, what: str) -> Consultation:
    """An open consultation that `seat` called: only the convener invites others and closes it."""
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    con = _consultation(b, consultation_id, seat)
    if con.convener != seat:
        raise forbidden("convener_only", "Only {seat}, who called this consultation, can {what}.", seat=con.convener,
                        what=Said(what, lambda w: w.catalog(what)))
    if not con.open:
        raise conflict("consultation_closed", "This consultation is closed.")
    return con


@S.command(RequestConsultation, by="participant", records="consultation_opened", power=True)
def _request_consultation(b: Batch, cmd: RequestConsultation, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    sc = st.scenario
    assert sc is not None
    inst.require(st, seat, "request_consultation")
    require_in_play(st, seat)
    region = sc.region(cmd.region) if cmd.region is not None else None
    if cmd.region is not None and region is None:
        raise invalid("unknown_region", "There is no region '{region}' in this scenario.", region=cmd.region)
    threat(st, cmd.threat_id)
    if cmd.invitees == "all":
        invitees = inst.consulted(st, cmd.region)
    else:
        invitees = resolve_seats(st, cmd.invitees, "invitees")
        if region is not None:
            outside = [s for s in invitees if s not in region.members and inst.consult_mode(st, s) != "always"]
            if outside:
                region_id = region.id
                raise invalid("outside_region", "{seats} not in the {region}; invite seats of the region.", seats=", ".join(outside),
                              region=Said(region.name, lambda w: w.region(region_id)))
    members = tuple(dict.fromkeys((seat, *invitees)))
    if len(members) < 2:
        raise invalid("no_invitees", "A consultation needs at least one other seat.")
    audience = members if cmd.private else None
    b.emit("consultation_opened", seat, {"consultation_id": b.new_id("con"), "topic": cmd.topic, "convener": seat,
                                         "members": list(members), "private": cmd.private, "region": cmd.region,
                                         "threat_id": cmd.threat_id}, audience=audience)


def _opened_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    templates = {(False, False): N_('{seat} opens consultation "{topic}" with {seats}'),
                 (True, False): N_('{seat} opens a private consultation "{topic}" with {seats}'),
                 (False, True): N_('{seat} opens consultation "{topic}" in the {region} with {seats}'),
                 (True, True): N_('{seat} opens a private consultation "{topic}" in the {region} with {seats}')}
    return w.say(templates[bool(d.get("private")), bool(d.get("region"))], seat=w.seat(e.actor), topic=w.clip(d.get("topic"), 80),
                 region=w.region(d.get("region")), seats=w.seats(d.get("members")))


def _opened_reenact(e: Event, d: Mapping[str, Any], tr: Any) -> Command:
    convener = d.get("convener") or e.actor
    threat_id = d.get("threat_id")
    return RequestConsultation(type="request_consultation", topic=d["topic"],
                               invitees=[m for m in d["members"] if m != convener], private=bool(d.get("private")),
                               region=d.get("region"), threat_id=tr(threat_id) if threat_id else None)


@S.event("consultation_opened", fields=("consultation_id", "topic", "convener", "members", "private", "region", "threat_id"),
         creates="consultation_id", summary=_opened_summary, reenact=_opened_reenact)
def _opened(d: Draft, e: Event) -> None:
    data = e.data
    c = Consultation(data["consultation_id"], e.actor, data["topic"], tuple(data["members"]), bool(data["private"]),
                     data.get("region"), e.exercise_time, e.audience, data.get("threat_id"))
    CONSULTATIONS.own(d)[c.id] = c


@S.command(InviteToConsultation, by="participant", records="consultation_invitees_added")
def _invite(b: Batch, cmd: InviteToConsultation, seat: str) -> None:
    con = _convened_by(b, cmd.consultation_id, seat, N_("invite others to it"))
    new = tuple(s for s in resolve_seats(b.state, cmd.invitees, "invitees") if s not in con.members)
    if not new:
        raise conflict("already_invited", "Everyone named is already in this consultation.")
    members = con.members + new
    b.emit("consultation_invitees_added", seat, {"consultation_id": con.id, "invitees": list(new), "members": list(members),
                                                 "topic": con.topic, "convener": con.convener, "private": con.private,
                                                 "region": con.region, "opened_at": con.opened_at,
                                                 "statements": STATEMENTS.of(b.state).get(con.id, 0)},
           audience=members if con.private else None)


@S.event("consultation_invitees_added",
         fields=("consultation_id", "invitees", "members", "topic", "convener", "private", "region", "opened_at", "statements"),
         summary=lambda e, d, w: w.say('{seat} invites {seats} to "{topic}"', seat=w.seat(e.actor), seats=w.seats(d.get("invitees")),
                                       topic=w.clip(d.get("topic"), 80)),
         reenact=lambda e, d, tr: InviteToConsultation(type="invite_to_consultation",
                                                       consultation_id=tr(d["consultation_id"]), invitees=list(d["invitees"])))
def _invited(d: Draft, e: Event) -> None:
    table = CONSULTATIONS.own(d)
    c = table[e.data["consultation_id"]]
    table[c.id] = replace(c, members=tuple(e.data["members"]), audience=e.audience)


@S.command(PostStatement, by="participant", records="statement_posted")
def _statement(b: Batch, cmd: PostStatement, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    con = _consultation(b, cmd.consultation_id, seat)
    if seat not in con.members:
        raise forbidden("not_invited", "{seat} was not invited to this consultation and cannot speak in it.", seat=seat)
    if not con.open:
        raise conflict("consultation_closed", "This consultation is closed.")
    b.emit("statement_posted", seat, {"consultation_id": con.id, "statement_id": b.new_id("stm"), "text": cmd.text},
           audience=con.audience)


@S.event("statement_posted", fields=("consultation_id", "statement_id", "text"), creates="statement_id",
         summary=lambda e, d, w: f"{w.seat(e.actor)}: {w.clip(d.get('text'))}",  # the same in every language
         reenact=lambda e, d, tr: PostStatement(type="post_statement", consultation_id=tr(d["consultation_id"]), text=d["text"]))
def _stated(d: Draft, e: Event) -> None:
    counts = STATEMENTS.own(d)
    consultation_id = e.data["consultation_id"]
    counts[consultation_id] = counts.get(consultation_id, 0) + 1


@S.command(CloseConsultation, by="participant", records="consultation_closed")
def _close(b: Batch, cmd: CloseConsultation, seat: str) -> None:
    con = _convened_by(b, cmd.consultation_id, seat, N_("close it"))
    b.emit("consultation_closed", seat, {"consultation_id": con.id, "outcome": cmd.outcome, "position": cmd.position},
           audience=con.audience)


def _closed_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    templates = {(True, True): N_("{seat} closes the consultation with a coordinated position: {text}"),
                 (True, False): N_("{seat} closes the consultation with a coordinated position"),
                 (False, True): N_("{seat} closes the consultation without agreement: {text}"),
                 (False, False): N_("{seat} closes the consultation without agreement")}
    return w.say(templates[d.get("outcome") == "coordinated", bool(d.get("position"))], seat=w.seat(e.actor),
                 text=w.clip(d.get("position")))


@S.event("consultation_closed", fields=("consultation_id", "outcome", "position"), summary=_closed_summary,
         reenact=lambda e, d, tr: CloseConsultation(type="close_consultation", consultation_id=tr(d["consultation_id"]),
                                                    outcome=d["outcome"], position=d.get("position")))
def _closed(d: Draft, e: Event) -> None:
    table = CONSULTATIONS.own(d)
    c = table[e.data["consultation_id"]]
    table[c.id] = replace(c, open=False, outcome=e.data["outcome"], position=e.data.get("position"), closed_at=e.exercise_time)


# --- the view ------------------------------------------------------------------------------------

S.listing("threats", THREATS,
          item=lambda state, seat, t: {"id": t.id, "actor": t.actor, "at": t.at, "kind": t.kind, "summary": t.summary,
                                       "source": t.source, "against": list(t.against)})


def _consultation_item(state: State, seat: str, c: Consultation) -> dict[str, Any]:
    return {"id": c.id, "convener": c.convener, "topic": c.topic, "members": list(c.members), "private": c.private,
            "region": c.region, "threat_id": c.threat_id, "opened_at": c.opened_at, "open": c.open,
            "statements": STATEMENTS.of(state).get(c.id, 0), "outcome": c.outcome, "position": c.position,
            "closed_at": c.closed_at}


# a private consultation is listed for its members (and the facilitator) only
S.listing("consultations", CONSULTATIONS, item=_consultation_item, audience=lambda c: c.audience,
          current=lambda state, seat, c: c.open)
