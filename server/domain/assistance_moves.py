"""Requests for assistance (Art. 4): request, pledge or decline, close."""

from __future__ import annotations


from . import commands as c
from .batch import (Batch, handles, is_member, require_in_play,
                    require_participant)
from .errors import conflict, forbidden, invalid

# --- assistance ---------------------------------------------------------------------------

@handles("request_assistance")
def _request_assistance(b: Batch, cmd: c.RequestAssistance, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    assert st.scenario is not None
    if not is_member(st, seat):
        raise forbidden("members_only", f"{seat} is not a participating state and cannot invoke mutual assistance.")
    require_in_play(st, seat)
    unknown = [k for k in cmd.kinds if k not in st.scenario.settings.assistance_kinds]
    if unknown:
        raise invalid("unknown_assistance_kind", f"Unknown kind(s) of assistance: {', '.join(unknown)}; "
                      f"this scenario knows {', '.join(st.scenario.settings.assistance_kinds)}.")
    expected = [m for m in st.members() if m != seat]
    b.emit("assistance_requested", seat, {"request_id": f"req_{b.next_seq}", "kinds": list(cmd.kinds), "summary": cmd.summary,
                                          "expected": expected})


def _request(b: Batch, request_id: str):
    req = b.state.assistance.get(request_id)
    if req is None:
        raise conflict("unknown_request", f"There is no assistance request {request_id!r}.")
    return req


@handles("respond_to_assistance")
def _respond(b: Batch, cmd: c.RespondToAssistance, seat: str) -> None:
    require_participant(b.state, seat)
    if not is_member(b.state, seat):
        raise forbidden("members_only", f"{seat} is not a participating state and is not bound to answer requests for assistance.")
    require_in_play(b.state, seat)
    req = _request(b, cmd.request_id)
    if seat == req.requester:
        raise forbidden("own_request", "You cannot answer your own request for assistance.")
    if req.status != "open":
        raise conflict("request_closed", f"This request has been marked {req.status}.")
    if seat in req.responses:
        raise conflict("already_responded", f"{seat} has already answered this request ({req.responses[seat].response}).")
    b.emit("assistance_responded", seat, {"request_id": req.id, "response": cmd.response, "details": cmd.details})


@handles("close_assistance_request")
def _close_request(b: Batch, cmd: c.CloseAssistanceRequest, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    req = _request(b, cmd.request_id)
    if seat != req.requester:
        raise forbidden("requester_only", f"Only {req.requester}, who asked for assistance, can close this request.")
    if req.status != "open":
        raise conflict("request_closed", f"This request has already been marked {req.status}.")
    b.emit("assistance_request_closed", seat, {"request_id": req.id, "status": cmd.status})
