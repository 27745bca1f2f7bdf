"""Sessions and decisions: convene, propose, vote, implement, notify the UN Security Council, accede."""

from __future__ import annotations

from typing import Any, Mapping

from . import commands as c
from .batch import (Batch, handles, has_power, is_member, require_in_play,
                    require_participant)
from .errors import conflict, forbidden, invalid
from .state import Decision, State

# --- sessions and decisions ---------------------------------------------------------------

def _body(b: Batch, body_id: str):
    assert b.state.scenario is not None
    body = b.state.scenario.body(body_id)
    if body is None:
        known = ", ".join(x.id for x in b.state.scenario.bodies) or "none"
        raise invalid("unknown_body", f"There is no body {body_id!r} in this scenario (bodies: {known}).")
    return body


@handles("convene_session")
def _convene(b: Batch, cmd: c.ConveneSession, seat: str) -> None:
    require_participant(b.state, seat)
    body = _body(b, cmd.body)
    if not has_power(b.state, seat, "convene_session"):
        raise forbidden("cannot_convene", f"{seat} cannot convene sessions of the {body.id}.")
    require_in_play(b.state, seat)
    ends_at = round(b.time + cmd.time_frame_minutes * 60.0, 3)
    b.emit("session_convened", seat, {"session_id": f"ses_{b.next_seq}", "body": body.id, "agenda": list(cmd.agenda),
                                      "time_frame_minutes": cmd.time_frame_minutes, "ends_at": ends_at})


def _eligible(st: State, body_id: str, rule: Mapping[str, Any], region: str | None) -> tuple[str, ...]:
    assert st.scenario is not None
    voters = []
    for s in st.body_members(body_id):
        status = st.statuses.get(s)
        if status == "member" or (status == "non_signatory" and rule.get("non_signatories_vote")):
            voters.append(s)
    if region is not None:
        reg = st.scenario.region(region)
        assert reg is not None
        voters = [v for v in voters if v in reg.members]
    return tuple(voters)


@handles("propose_decision")
def _propose(b: Batch, cmd: c.ProposeDecision, seat: str) -> None:
    require_participant(b.state, seat)
    st = b.state
    assert st.scenario is not None
    body = _body(b, cmd.body)
    in_body = seat in st.body_members(body.id) and is_member(st, seat)
    if not (in_body or has_power(st, seat, "propose_decision")):
        raise forbidden("not_in_body", f"{seat} is not a member of the {body.id} and cannot propose its decisions.")
    require_in_play(st, seat)
    if cmd.kind not in st.scenario.settings.decision_kinds:
        raise invalid("unknown_decision_kind", f"Unknown kind of decision {cmd.kind!r}; this scenario knows "
                      f"{', '.join(st.scenario.settings.decision_kinds)}.")
    if cmd.region is not None and st.scenario.region(cmd.region) is None:
        raise invalid("unknown_region", f"There is no region {cmd.region!r} in this scenario.")
    subject = None
    if cmd.kind == "accession":
        if cmd.subject is None:
            raise invalid("subject_required", "An accession decision names the seat asking to join (subject).")
        if not any(a.seat == cmd.subject and a.status == "pending" and a.decision_id is None for a in st.accessions.values()):
            raise conflict("no_pending_accession", f"{cmd.subject} has no pending request for accession awaiting a decision.")
        subject = cmd.subject
    session = None
    if cmd.session_id is not None:
        session = st.sessions.get(cmd.session_id)
        if session is None or not session.open or session.body != body.id:
            raise conflict("no_such_session", f"There is no open session {cmd.session_id!r} of the {body.id}.")
    binding = st.rule_for(body.id, cmd.kind)
    rule = binding.model_dump(mode="json", exclude={"body", "kind"})
    eligible = _eligible(st, body.id, rule, cmd.region)
    if not eligible:
        raise conflict("no_eligible_voters", f"No seat is eligible to vote on a {cmd.kind} decision of the {body.id}.")
    minutes = cmd.deadline_minutes or binding.deadline_minutes
    deadline = round(b.time + minutes * 60.0, 3) if minutes else None
    if session is not None and (deadline is None or deadline > session.ends_at):
        deadline = session.ends_at  # decisions are made within the session's time frame
    if binding.rule == "silence_procedure" and deadline is None:
        raise invalid("deadline_required", "A silence procedure needs a deadline.")
    b.emit("decision_proposed", seat, {
        "decision_id": f"dec_{b.next_seq}", "body": body.id, "kind": cmd.kind, "title": cmd.title, "text": cmd.text,
        "rule": rule, "eligible": list(eligible), "deadline": deadline, "session_id": cmd.session_id,
        "region": cmd.region, "subject": subject,
    })


def _decision(b: Batch, decision_id: str) -> Decision:
    dec = b.state.decisions.get(decision_id)
    if dec is None:
        raise conflict("unknown_decision", f"There is no decision {decision_id!r}.")
    return dec


@handles("cast_vote")
def _vote(b: Batch, cmd: c.CastVote, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    dec = _decision(b, cmd.decision_id)
    if seat not in dec.eligible:
        if seat not in b.state.body_members(dec.body):
            raise forbidden("not_in_body", f"{seat} is not a member of the {dec.body} and cannot vote on this decision.")
        why = "it is not a participating state" if not is_member(b.state, seat) else "it was not eligible when the decision was proposed"
        raise forbidden("not_eligible", f"{seat} cannot vote on this decision: {why}.")
    if dec.status != "open":
        raise conflict("decision_settled", f"This decision has already been settled ({dec.status}); votes can no longer change.")
    standing = b.state.votes(dec.id).get(seat)
    if standing == cmd.vote:
        raise conflict("same_vote", f"{seat} has already voted {cmd.vote}.")
    b.emit("vote_cast", seat, {"decision_id": dec.id, "vote": cmd.vote, "changed_from": standing})


@handles("record_implementation")
def _implementation(b: Batch, cmd: c.RecordImplementation, seat: str) -> None:
    require_participant(b.state, seat)
    require_in_play(b.state, seat)
    dec = _decision(b, cmd.decision_id)
    if dec.status != "adopted":
        raise conflict("not_adopted", f"Only adopted decisions are implemented; this one is {dec.status}.")
    if seat not in dec.eligible:
        raise forbidden("not_bound", f"{seat} is not bound by this decision of the {dec.body}.")
    prior = dec.implementations.get(seat)
    if prior is not None and prior.status == cmd.status and prior.note == cmd.note:
        raise conflict("already_recorded", f"{seat} has already recorded this decision as {cmd.status}.")
    b.emit("implementation_recorded", seat, {"decision_id": dec.id, "status": cmd.status, "note": cmd.note})


@handles("notify_un_security_council")
def _notify(b: Batch, cmd: c.NotifyUnSecurityCouncil, seat: str) -> None:
    require_participant(b.state, seat)
    if not (is_member(b.state, seat) or has_power(b.state, seat, "notify_un_security_council")):
        raise forbidden("cannot_notify", f"{seat} cannot notify the UN Security Council on behalf of the alliance.")
    require_in_play(b.state, seat)
    if cmd.decision_id is not None:
        _decision(b, cmd.decision_id)
    b.emit("un_security_council_notified", seat, {"notification_id": f"unn_{b.next_seq}", "summary": cmd.summary,
                                                  "decision_id": cmd.decision_id})


@handles("request_accession")
def _accession(b: Batch, cmd: c.RequestAccession, seat: str) -> None:
    require_participant(b.state, seat)
    status = b.state.statuses.get(seat)
    if status != "non_signatory":
        raise forbidden("not_non_signatory", f"{seat} is already a participating state." if status == "member"
                        else f"{seat} is not a state and cannot accede.")
    require_in_play(b.state, seat)
    if any(a.seat == seat and a.status == "pending" for a in b.state.accessions.values()):
        raise conflict("accession_pending", f"{seat} already has a request for accession pending.")
    b.emit("accession_requested", seat, {"accession_id": f"acc_{b.next_seq}", "seat": seat})
