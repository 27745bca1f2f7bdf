"""Requests for assistance: a seat asks for kinds of help (referring, if it says so, to a reported
threat); the seats the scenario has answer requests are asked, except the parties the threat is
against; each pledges (the kinds it may give) or declines; the requester closes the request."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal, Mapping

from pydantic import AfterValidator, Field

from .. import institutions as inst
from ..batch import Batch, require_in_play, require_participant
from ..errors import conflict, forbidden, invalid, listed, word
from ..events import Event
from ..fields import KindRef, Note, Ref, Summary
from ..fold import Draft
from ..registry import Move, Slice
from ..state import State
from ..words import N_, Words
from .consultations import threat

S = Slice("assistance")
# the answers to a request, as a refusal names them in the reader's words (errors.word)
RESPONSE_WORDS = (N_("pledge"), N_("decline"))


@dataclass(frozen=True, slots=True)
class Response:
    response: str
    details: str | None
    at: float
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AssistanceRequest:
    id: str
    requester: str
    kinds: tuple[str, ...]
    summary: str
    requested_at: float
    expected: tuple[str, ...]  # the seats asked to answer
    threat_id: str | None = None
    against: tuple[str, ...] = ()  # the parties the threat is against: not asked, may not pledge
    responses: Mapping[str, Response] = field(default_factory=dict)
    status: str = "open"  # open | fulfilled | withdrawn
    closed_at: float | None = None


REQUESTS = S.table("assistance", AssistanceRequest)

def _distinct(v: list[str]) -> list[str]:
    if len(set(v)) != len(v):
        raise ValueError("each kind of assistance once")
    return v


Kinds = Annotated[list[KindRef], Field(min_length=1, max_length=12), AfterValidator(_distinct)]


class RequestAssistance(Move):
    type: Literal["request_assistance"]
    kinds: Kinds
    summary: Summary
    threat_id: Ref | None = None


class RespondToAssistance(Move):
    type: Literal["respond_to_assistance"]
    request_id: Ref
    response: Literal["pledge", "decline"]
    details: Note | None = None
    kinds: Kinds | None = Field(default=None, description="pledge: the kinds pledged (default: every kind asked that this seat may give)")


class CloseAssistanceRequest(Move):
    type: Literal["close_assistance_request"]
    request_id: Ref
    status: Literal["fulfilled", "withdrawn"]


# --- decide and evolve -------------------------------------------------------------------------

@S.command(RequestAssistance, by="participant", records="assistance_requested", power=True)
def _request(b: Batch, cmd: RequestAssistance, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    sc = st.scenario
    assert sc is not None
    allowed = inst.kinds_allowed(inst.require(st, seat, "request_assistance"))
    require_in_play(st, seat)
    known = [k.id for k in sc.assistance_kinds]
    unknown = [k for k in cmd.kinds if k not in known]
    if unknown:
        raise invalid("unknown_assistance_kind", "Unknown kind(s) of assistance: {kinds}; this scenario knows {known}.",
                      kinds=", ".join(unknown), known=listed(known, lambda w, k: w.assistance_kind(k)))
    if allowed is not None and not set(cmd.kinds) <= allowed:
        raise forbidden("kind_not_allowed", "{who} may ask only for {kinds}.", who=inst.who(st, seat),
                        kinds=listed(sorted(allowed), lambda w, k: w.assistance_kind(k)))
    t = threat(st, cmd.threat_id)
    against = t.against if t is not None else ()
    expected = inst.asked_for_assistance(st, seat, cmd.kinds, against)
    b.emit("assistance_requested", seat, {"request_id": b.new_id("req"), "kinds": list(cmd.kinds), "summary": cmd.summary,
                                          "expected": list(expected), "threat_id": cmd.threat_id, "against": list(against)})


def _requested_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    kinds = ", ".join(w.assistance_kind(k) for k in d.get("kinds") or [])
    return w.say("{seat} requests assistance ({kinds}): {text}", seat=w.seat(e.actor), kinds=kinds, text=w.clip(d.get("summary")))


@S.event("assistance_requested", fields=("request_id", "kinds", "summary", "expected", "threat_id", "against"),
         creates="request_id", summary=_requested_summary,
         reenact=lambda e, d, tr: RequestAssistance(type="request_assistance", kinds=list(d["kinds"]), summary=d["summary"],
                                                    threat_id=tr(d["threat_id"]) if d.get("threat_id") else None))
def _requested(d: Draft, e: Event) -> None:
    data = e.data
    r = AssistanceRequest(data["request_id"], e.actor, tuple(data["kinds"]), data["summary"], e.exercise_time,
                          tuple(data["expected"]), data.get("threat_id"), tuple(data.get("against") or ()))
    REQUESTS.own(d)[r.id] = r


def _the_request(b: Batch, request_id: str) -> AssistanceRequest:
    req = REQUESTS.of(b.state).get(request_id)
    if req is None:
        raise conflict("unknown_request", "There is no assistance request '{request}'.", request=request_id)
    return req


@S.command(RespondToAssistance, by="participant", records="assistance_responded", power=True)
def _respond(b: Batch, cmd: RespondToAssistance, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    allowed = inst.kinds_allowed(inst.require(st, seat, "respond_to_assistance"))
    require_in_play(st, seat)
    req = _the_request(b, cmd.request_id)
    if seat == req.requester:
        raise forbidden("own_request", "You cannot answer your own request for assistance.")
    if seat in req.against:
        raise forbidden("party_to_threat", "{seat} is named in the threat this request answers; it is not asked and "
                                           "may not pledge to it.", seat=seat)
    if req.status != "open":
        raise conflict("request_closed", "This request has been marked {status}.", status=word(req.status))
    if seat in req.responses:
        raise conflict("already_responded", "{seat} has already answered this request ({response}).", seat=seat,
                       response=word(req.responses[seat].response))
    kinds: tuple[str, ...] = ()
    if cmd.response == "pledge":
        can_give = [k for k in req.kinds if allowed is None or k in allowed]
        if not can_give:
            raise forbidden("nothing_to_pledge", "{who} may pledge only {kinds}; this request asks for {asked}.",
                            who=inst.who(st, seat), kinds=listed(sorted(allowed or ()), lambda w, k: w.assistance_kind(k)),
                            asked=listed(req.kinds, lambda w, k: w.assistance_kind(k)))
        if cmd.kinds is not None:
            beyond = [k for k in cmd.kinds if k not in can_give]
            if beyond:
                raise invalid("kinds_not_pledgeable", "kinds: {kinds} not asked for, or not {seat}'s to give; it may pledge {can}.",
                              kinds=", ".join(beyond), seat=seat, can=listed(can_give, lambda w, k: w.assistance_kind(k)))
            kinds = tuple(cmd.kinds)
        else:
            kinds = tuple(can_give)
    b.emit("assistance_responded", seat, {"request_id": req.id, "response": cmd.response, "details": cmd.details,
                                          "kinds": list(kinds)})


def _responded_summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    kinds = ", ".join(w.assistance_kind(k) for k in d.get("kinds") or [])
    pledge = d.get("response") == "pledge"
    templates = {(True, True, True): N_("{seat} pledges {kinds}: {text}"), (True, True, False): N_("{seat} pledges {kinds}"),
                 (True, False, True): N_("{seat} pledges: {text}"), (True, False, False): N_("{seat} pledges"),
                 (False, True, True): N_("{seat} declines {kinds}: {text}"), (False, True, False): N_("{seat} declines {kinds}"),
                 (False, False, True): N_("{seat} declines: {text}"), (False, False, False): N_("{seat} declines")}
    return w.say(templates[pledge, bool(kinds), bool(d.get("details"))], seat=w.seat(e.actor), kinds=kinds,
                 text=w.clip(d.get("details")))


@S.event("assistance_responded", fields=("request_id", "response", "details", "kinds"), summary=_responded_summary,
         reenact=lambda e, d, tr: RespondToAssistance(type="respond_to_assistance", request_id=tr(d["request_id"]),
                                                      response=d["response"], details=d.get("details"),
                                                      kinds=list(d["kinds"]) if d.get("kinds") else None))
def _responded(d: Draft, e: Event) -> None:
    table = REQUESTS.own(d)
    r = table[e.data["request_id"]]
    responses = dict(r.responses)
    responses[e.actor] = Response(e.data["response"], e.data.get("details"), e.exercise_time, tuple(e.data.get("kinds") or ()))
    table[r.id] = replace(r, responses=responses)


@S.command(CloseAssistanceRequest, by="participant", records="assistance_request_closed")
def _close(b: Batch, cmd: CloseAssistanceRequest, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    req = _the_request(b, cmd.request_id)
    if seat != req.requester:
        raise forbidden("requester_only", "Only {seat}, who asked for assistance, can close this request.", seat=req.requester)
    if req.status != "open":
        raise conflict("request_closed", "This request has already been marked {status}.", status=word(req.status))
    b.emit("assistance_request_closed", seat, {"request_id": req.id, "status": cmd.status})


@S.event("assistance_request_closed", fields=("request_id", "status"),
         summary=lambda e, d, w: w.say("{seat} marks its request for assistance {status}", seat=w.seat(e.actor),
                                       status=w.catalog(str(d.get("status")))),
         reenact=lambda e, d, tr: CloseAssistanceRequest(type="close_assistance_request", request_id=tr(d["request_id"]),
                                                         status=d["status"]))
def _closed(d: Draft, e: Event) -> None:
    table = REQUESTS.own(d)
    r = table[e.data["request_id"]]
    table[r.id] = replace(r, status=e.data["status"], closed_at=e.exercise_time)


# --- the view ------------------------------------------------------------------------------------

def _request_item(state: State, seat: str, r: AssistanceRequest) -> dict[str, Any]:
    # a seat that can no longer answer (it withdrew, say) is no longer awaited
    awaiting = [s for s in r.expected if s not in r.responses and inst.may(state, s, "respond_to_assistance")]
    return {"id": r.id, "requester": r.requester, "kinds": list(r.kinds), "summary": r.summary,
            "requested_at": r.requested_at, "status": r.status, "closed_at": r.closed_at,
            "threat_id": r.threat_id, "against": list(r.against), "expected": list(r.expected),
            "responses": {s: {"response": x.response, "details": x.details, "at": x.at, "kinds": list(x.kinds)}
                          for s, x in r.responses.items()},
            "awaiting": awaiting}


S.listing("assistance", REQUESTS, item=_request_item, current=lambda state, seat, r: r.status == "open")
