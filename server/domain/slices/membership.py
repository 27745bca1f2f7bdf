"""Membership: a seat applies to join; a decision of a kind whose effect is `admit` admits it
(it takes the status the effect names); one whose effect is `suspend` suspends a member; in a
scenario with a withdrawal notice period, a member gives notice of withdrawal and, once the notice
has run in exercise time, the system records that it has withdrawn (it takes the status the
scenario names). A seat's status decides what it may do (`institutions.py`), so nothing else
changes for them.

The scenario's words and aliases name these moves for its alliance (joining under some
instrument of its own, say); the engine knows only applications, admission and suspension.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from .. import institutions as inst
from .. import legacy
from ..batch import Batch, require_in_play, require_participant
from ..errors import conflict, forbidden
from ..events import SYSTEM, Event
from ..fold import Draft
from ..registry import Due, Move, Slice
from ..scenario import DecisionKind, parse_offset
from ..state import State
from ..words import Words
from .decisions import DECISIONS

S = Slice("membership")


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    seat: str
    requested_at: float
    status: str = "pending"  # pending | admitted | refused
    decision_id: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    seat: str
    notified_at: float
    effective_at: float
    status: str = "running"  # running | withdrawn


APPLICATIONS = S.table("applications", Application)
NOTICES = S.table("withdrawal_notices", Notice)  # seat -> its notice of withdrawal

# The events that change a seat's status (their data has `seat` and `status`): the review follows
# membership over a log through them.
STATUS_EVENTS = frozenset({"seat_admitted", "seat_suspended", "seat_withdrawn"})


class RequestAdmission(Move):
    type: Literal["request_admission"]


class GiveNoticeOfWithdrawal(Move):
    type: Literal["give_notice_of_withdrawal"]


def _pending(state: State, seat: str) -> Application | None:
    return next((a for a in APPLICATIONS.of(state).values() if a.seat == seat and a.status == "pending"), None)


def _kind_of(state: State, decision_id: str) -> DecisionKind | None:
    dec = DECISIONS.of(state).get(decision_id)
    assert state.scenario is not None
    return state.scenario.decision_kind(dec.kind) if dec is not None else None


# --- applying ----------------------------------------------------------------------------------------

@S.command(RequestAdmission, by="participant", records="admission_requested", power=True)
def _apply(b: Batch, cmd: RequestAdmission, seat: str) -> None:
    require_participant(b.state, seat)
    inst.require(b.state, seat, "request_admission")
    if inst.is_member(b.state, seat):
        raise forbidden("already_member", "{who} is already a {member}.", who=inst.who(b.state, seat),
                        member=inst.term(b.state, "member"))
    require_in_play(b.state, seat)
    if _pending(b.state, seat) is not None:
        raise conflict("application_pending", "{seat} already has an {application} pending.", seat=seat,
                       application=inst.term(b.state, "application"))
    b.emit("admission_requested", seat, {"application_id": b.new_id("app"), "seat": seat})


@S.event("admission_requested", version=2, upcasters={1: legacy.admission_v1}, fields=("application_id", "seat"),
         creates="application_id",
         summary=lambda e, d, w: w.say("{seat} applies: {application}", seat=w.seat(e.actor), application=w.term("application")),
         reenact=lambda e, d, tr: RequestAdmission(type="request_admission"))
def _applied(d: Draft, e: Event) -> None:
    a = Application(e.data["application_id"], e.actor, e.exercise_time)
    APPLICATIONS.own(d)[a.id] = a


@S.subject_check("admit")
def _check_admit(state: State, subject: str, kind: DecisionKind) -> None:
    a = _pending(state, subject)
    if a is None or a.decision_id is not None:
        raise conflict("no_pending_application", "{seat} has no pending {application} awaiting a decision.", seat=subject,
                       application=inst.term(state, "application"))


@S.subject_check("suspend")
def _check_suspend(state: State, subject: str, kind: DecisionKind) -> None:
    if not inst.is_member(state, subject):
        raise conflict("not_a_member", "{who} is not a {member}; only a member can be suspended.", who=inst.who(state, subject),
                       member=inst.term(state, "member"))


@S.follows("decision_proposed")
def _decision_taken_up(d: Draft, e: Event) -> None:
    """An admitting decision about a seat takes up its pending application."""
    subject = e.data.get("subject")
    if not subject:
        return
    kind = _kind_of(d, e.data["decision_id"])  # type: ignore[arg-type]
    if kind is None or kind.effect is None or kind.effect.change != "admit":
        return
    a = _pending(d, subject)  # type: ignore[arg-type]
    if a is not None:
        APPLICATIONS.own(d)[a.id] = replace(a, decision_id=e.data["decision_id"])


@S.follows("decision_rejected", "decision_lapsed")
def _decision_failed(d: Draft, e: Event) -> None:
    """An application whose decision failed is refused; the seat may apply again."""
    for a in list(APPLICATIONS.of(d).values()):
        if a.decision_id == e.data["decision_id"] and a.status == "pending":
            APPLICATIONS.own(d)[a.id] = replace(a, status="refused")


# --- the effect of a decision ------------------------------------------------------------------------

@S.reaction("decision_adopted")
def _effect(b: Batch, ev: Event) -> None:
    assert b.state.scenario is not None
    kind = b.state.scenario.decision_kind(str(ev.data.get("kind")))
    subject = ev.data.get("subject")
    if kind is None or kind.effect is None or not subject:
        return
    event = "seat_admitted" if kind.effect.change == "admit" else "seat_suspended"
    b.emit(event, SYSTEM, {"seat": subject, "status": kind.effect.status, "decision_id": ev.data["decision_id"]})


def _to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 admitted a seat to the one member status there was."""
    return {**data, "status": data.get("status", "member")}


@S.event("seat_admitted", version=2, upcasters={1: _to_v2}, fields=("seat", "status", "decision_id"),
         summary=lambda e, d, w: w.say("{seat} admitted as {status}", seat=w.seat(d.get("seat")), status=w.status(d.get("status"))))
def _admitted(d: Draft, e: Event) -> None:
    seat = e.data["seat"]
    for a in list(APPLICATIONS.of(d).values()):
        if a.seat == seat and a.status == "pending":
            APPLICATIONS.own(d)[a.id] = replace(a, status="admitted")
    d.own("statuses")[seat] = e.data["status"]


@S.event("seat_suspended", fields=("seat", "status", "decision_id"),
         summary=lambda e, d, w: w.say("{seat} suspended: now {status}", seat=w.seat(d.get("seat")), status=w.status(d.get("status"))))
def _suspended(d: Draft, e: Event) -> None:
    d.own("statuses")[e.data["seat"]] = e.data["status"]


# --- withdrawal ----------------------------------------------------------------------------------------

@S.command(GiveNoticeOfWithdrawal, by="participant", records="withdrawal_notified", power=True)
def _give_notice(b: Batch, cmd: GiveNoticeOfWithdrawal, seat: str) -> None:
    require_participant(b.state, seat)
    assert b.state.scenario is not None
    rules = b.state.scenario.membership.withdrawal
    if rules is None:
        raise forbidden("withdrawal_not_provided", "This scenario provides no withdrawal: its members cannot give notice.")
    inst.require(b.state, seat, "give_notice_of_withdrawal")
    if not inst.is_member(b.state, seat):
        raise forbidden("not_a_member", "{who} is not a {member}; only a member can give notice of withdrawal.",
                        who=inst.who(b.state, seat), member=inst.term(b.state, "member"))
    require_in_play(b.state, seat)
    running = NOTICES.of(b.state).get(seat)
    if running is not None and running.status == "running":
        raise conflict("notice_given", "{who} has already given notice; it takes effect at exercise time {time} s.",
                       who=inst.who(b.state, seat), time=f"{running.effective_at:.0f}")
    b.emit("withdrawal_notified", seat, {"seat": seat, "effective_at": round(b.time + parse_offset(rules.notice), 3)})


@S.event("withdrawal_notified", fields=("seat", "effective_at"),
         summary=lambda e, d, w: f"{w.seat(e.actor)}: {w.move('give_notice_of_withdrawal')}",  # the same in every language
         reenact=lambda e, d, tr: GiveNoticeOfWithdrawal(type="give_notice_of_withdrawal"))
def _notified(d: Draft, e: Event) -> None:
    NOTICES.own(d)[e.data["seat"]] = Notice(e.data["seat"], e.exercise_time, float(e.data["effective_at"]))


@S.due
def _due(state: State) -> list[Due]:
    return [Due(n.effective_at, 9_000, "withdrawal", n.seat, _withdraw(n.seat))
            for n in NOTICES.of(state).values() if n.status == "running"]


def _withdraw(seat: str) -> Any:
    def run(b: Batch, at: float) -> None:
        assert b.state.scenario is not None and b.state.scenario.membership.withdrawal is not None
        b.emit("seat_withdrawn", SYSTEM, {"seat": seat, "status": b.state.scenario.membership.withdrawal.status}, at=at)

    return run


@S.event("seat_withdrawn", fields=("seat", "status"),
         summary=lambda e, d, w: w.say("{seat} has withdrawn: now {status}", seat=w.seat(d.get("seat")), status=w.status(d.get("status"))))
def _withdrawn(d: Draft, e: Event) -> None:
    seat = e.data["seat"]
    notice = NOTICES.of(d).get(seat)
    if notice is not None:
        NOTICES.own(d)[seat] = replace(notice, status="withdrawn")
    d.own("statuses")[seat] = e.data["status"]


# --- the view ------------------------------------------------------------------------------------------

S.listing("applications", APPLICATIONS, current=lambda state, seat, a: a.status == "pending",
          item=lambda state, seat, a: {"id": a.id, "seat": a.seat, "requested_at": a.requested_at, "status": a.status,
                                       "decision_id": a.decision_id})


@S.view
def _view(state: State, seat: str, w: Words) -> dict[str, Any]:
    # one notice per seat at most: bounded by the scenario, not the log
    return {"withdrawals": [{"seat": n.seat, "notified_at": n.notified_at, "effective_at": n.effective_at,
                             "status": n.status} for n in NOTICES.of(state).values()]}
