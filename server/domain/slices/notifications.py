"""Notifications to the outside bodies a scenario declares (`recipients`: an international organ, a
regulator, the press): a seat with the power to notify a recipient sends it a summary, optionally of a
decision or about a threat. The report measures each one's delay. A scenario's alias may give the
move and its event names of its own (`notify_x` recording `x_notified`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from .. import institutions as inst
from ..batch import Batch, require_in_play, require_participant
from ..errors import Said, forbidden, invalid, listed
from ..events import Event
from ..fields import Ref, Summary
from ..fold import Draft
from ..registry import Command, Move, Slice
from ..state import State
from ..words import Words
from .consultations import threat
from .decisions import decision

S = Slice("notifications")


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    actor: str
    at: float
    recipient: str
    summary: str
    decision_id: str | None = None
    threat_id: str | None = None


NOTIFICATIONS = S.table("notifications", Notification)


class Notify(Move):
    type: Literal["notify"]
    recipient: Ref
    summary: Summary
    decision_id: Ref | None = None
    threat_id: Ref | None = None


@S.command(Notify, by="participant", records="notification_sent", power=True)
def _notify(b: Batch, cmd: Notify, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    sc = st.scenario
    assert sc is not None
    recipient = sc.recipient(cmd.recipient)
    if recipient is None:
        raise invalid("unknown_recipient", "There is no recipient '{recipient}' in this scenario (recipients: {known}).",
                      recipient=cmd.recipient, known=listed(r.id for r in sc.recipients))
    inst.require(st, seat, "notify")
    if not inst.may_notify(st, seat, recipient.id):
        rid = recipient.id
        raise forbidden("cannot_notify", "{who} may not notify the {recipient}.", who=inst.who(st, seat),
                        recipient=Said(recipient.name, lambda w: w.recipient(rid)))
    require_in_play(st, seat)
    if cmd.decision_id is not None:
        decision(st, cmd.decision_id)
    threat(st, cmd.threat_id)
    b.emit("notification_sent", seat, {"notification_id": b.new_id("not"), "recipient": recipient.id,
                                       "summary": cmd.summary, "decision_id": cmd.decision_id, "threat_id": cmd.threat_id})


def _summary(e: Event, d: Mapping[str, Any], w: Words) -> str:
    return w.say("{seat} notifies the {recipient}: {text}", seat=w.seat(e.actor), recipient=w.recipient(d.get("recipient")),
                 text=w.clip(d.get("summary")))


def _reenact(e: Event, d: Mapping[str, Any], tr: Any) -> Command:
    return Notify(type="notify", recipient=d["recipient"], summary=d["summary"],
                  decision_id=tr(d["decision_id"]) if d.get("decision_id") else None,
                  threat_id=tr(d["threat_id"]) if d.get("threat_id") else None)


@S.event("notification_sent", fields=("notification_id", "recipient", "summary", "decision_id", "threat_id"),
         creates="notification_id", summary=_summary, reenact=_reenact)
def _sent(d: Draft, e: Event) -> None:
    data = e.data
    n = Notification(data["notification_id"], e.actor, e.exercise_time, data["recipient"], data["summary"],
                     data.get("decision_id"), data.get("threat_id"))
    NOTIFICATIONS.own(d)[n.id] = n


S.listing("notifications", NOTIFICATIONS,
          item=lambda state, seat, n: {"id": n.id, "actor": n.actor, "at": n.at, "recipient": n.recipient,
                                       "summary": n.summary, "decision_id": n.decision_id, "threat_id": n.threat_id})
