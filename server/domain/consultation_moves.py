"""Threats and consultations (Art. 2): report a threat, open, invite, speak, close."""

from __future__ import annotations


from . import commands as c
from .batch import (Batch, handles, has_power, require_in_play,
                    require_participant, resolve_seats, seat_kind)
from .errors import conflict, forbidden, invalid
from .events import FACILITATOR

# --- threats and consultations ----------------------------------------------------------------

@handles("report_threat")
def _threat(b: Batch, cmd: c.ReportThreat, seat: str) -> None:
    require_participant(b.state, seat)
    if seat_kind(b.state, seat) != "state" and not has_power(b.state, seat, "report_threat"):
        raise forbidden("states_only", f"{seat} is not a state and cannot report a threat.")
    require_in_play(b.state, seat)
    b.emit("threat_reported", seat, {"threat_id": f"thr_{b.next_seq}", "kind": cmd.kind, "summary": cmd.summary, "source": cmd.source})


def _consultation(b: Batch, consultation_id: str, seat: str):
    con = b.state.consultations.get(consultation_id)
    # a private consultation a seat is not in does not exist for that seat
    if con is None or (con.audience is not None and seat not in con.audience and seat != FACILITATOR):
        raise conflict("unknown_consultation", f"There is no consultation {consultation_id!r}.")
    return con


def _convened_by(b: Batch, consultation_id: str, seat: str, what: str):
    """An open consultation that `seat` called: only the convener invites others and closes it."""
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    con = _consultation(b, consultation_id, seat)
    if con.convener != seat:
        raise forbidden("convener_only", f"Only {con.convener}, who called this consultation, can {what}.")
    if not con.open:
        raise conflict("consultation_closed", "This consultation is closed.")
    return con


@handles("request_consultation")
def _request_consultation(b: Batch, cmd: c.RequestConsultation, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    assert st.scenario is not None
    if seat_kind(st, seat) != "state" and not has_power(st, seat, "request_consultation"):
        raise forbidden("cannot_consult", f"{seat} cannot call consultations; it can be invited to them.")
    require_in_play(st, seat)
    if cmd.region is not None and st.scenario.region(cmd.region) is None:
        raise invalid("unknown_region", f"There is no region {cmd.region!r} in this scenario.")
    if cmd.invitees == "all":
        offices = tuple(s.id for s in st.scenario.seats if s.kind == "office")
        pool = st.members() + offices
        if cmd.region is not None:
            region = st.scenario.region(cmd.region)
            assert region is not None
            pool = tuple(s for s in pool if s in region.members or s in offices)
        invitees = pool
    else:
        invitees = resolve_seats(st, cmd.invitees, "invitees")
        if cmd.region is not None:
            region = st.scenario.region(cmd.region)
            assert region is not None
            outside = [s for s in invitees if s not in region.members and st.scenario.seat(s).kind != "office"]  # type: ignore[union-attr]
            if outside:
                raise invalid("outside_region", f"{', '.join(outside)} not in the {region.name}; invite seats of the region.")
    members = tuple(dict.fromkeys((seat, *invitees)))
    if len(members) < 2:
        raise invalid("no_invitees", "A consultation needs at least one other seat.")
    audience = members if cmd.private else None
    b.emit("consultation_opened", seat, {"consultation_id": f"con_{b.next_seq}", "topic": cmd.topic, "convener": seat,
                                         "members": list(members), "private": cmd.private, "region": cmd.region}, audience=audience)


@handles("invite_to_consultation")
def _invite(b: Batch, cmd: c.InviteToConsultation, seat: str) -> None:
    con = _convened_by(b, cmd.consultation_id, seat, "invite others to it")
    new = tuple(s for s in resolve_seats(b.state, cmd.invitees, "invitees") if s not in con.members)
    if not new:
        raise conflict("already_invited", "Everyone named is already in this consultation.")
    members = con.members + new
    b.emit("consultation_invitees_added", seat, {"consultation_id": con.id, "invitees": list(new), "members": list(members),
                                                 "topic": con.topic, "convener": con.convener, "private": con.private,
                                                 "region": con.region, "opened_at": con.opened_at,
                                                 "statements": b.state.statement_counts.get(con.id, 0)},
           audience=members if con.private else None)


@handles("post_statement")
def _statement(b: Batch, cmd: c.PostStatement, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    con = _consultation(b, cmd.consultation_id, seat)
    if seat not in con.members:
        raise forbidden("not_invited", f"{seat} was not invited to this consultation and cannot speak in it.")
    if not con.open:
        raise conflict("consultation_closed", "This consultation is closed.")
    b.emit("statement_posted", seat, {"consultation_id": con.id, "statement_id": f"stm_{b.next_seq}", "text": cmd.text},
           audience=con.audience)


@handles("close_consultation")
def _close_consultation(b: Batch, cmd: c.CloseConsultation, seat: str) -> None:
    con = _convened_by(b, cmd.consultation_id, seat, "close it")
    b.emit("consultation_closed", seat, {"consultation_id": con.id, "outcome": cmd.outcome, "position": cmd.position},
           audience=con.audience)
