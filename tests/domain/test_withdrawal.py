"""Withdrawal: a member gives notice; once the scenario's notice period has run in exercise time
the system records that it has withdrawn, and from then on it no longer votes, is asked or is
counted. A scenario without a notice period provides no withdrawal, and the move is a power."""

from __future__ import annotations

import pytest

from server.domain.decide import next_due
from server.domain.errors import Refused
from server.domain.fold import fold

from .support import MEMBER_POWERS, Run, small_scenario

POWERS = [*MEMBER_POWERS, "give_notice_of_withdrawal"]


def scenario(**overrides):
    statuses = [{"id": "member", "name": "participating state", "member": True, "powers": POWERS},
                {"id": "non_signatory", "name": "non-signatory", "consulted": "invited",
                 "powers": ["report_threat", "request_consultation", "request_admission"]},
                {"id": "withdrawn", "name": "former member"}]
    doc = {"statuses": statuses, "membership": {"withdrawal": {"notice": "00:20", "status": "withdrawn"}}}
    doc.update(overrides)
    return small_scenario(**doc)


def refused(run: Run, seat: str, type: str, /, **fields) -> Refused:
    with pytest.raises(Refused) as info:
        run.decide(seat, type, **fields)
    return info.value


def test_notice_runs_in_exercise_time_then_the_seat_has_withdrawn():
    run = Run(scenario())
    run.at(12)
    run.tick()  # both injects delivered: the notice is the next thing due
    ev = run.do("TJK", "give_notice_of_withdrawal")
    assert [(e.type, e.actor, dict(e.data)) for e in ev] == [
        ("withdrawal_notified", "TJK", {"seat": "TJK", "effective_at": 720.0 + 1200.0})]
    assert next_due(run.state) == 1920.0
    # during the notice it is still a member: it votes and is counted
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="During notice", text="x")[0]
    assert "TJK" in dec.data["eligible"]
    assert refused(run, "TJK", "give_notice_of_withdrawal").code == "notice_given"
    run.at(31.9)
    assert not any(e.type == "seat_withdrawn" for e in run.tick())
    run.at(32)
    withdrawn = [e for e in run.tick() if e.type == "seat_withdrawn"]
    assert [(e.actor, e.exercise_time, dict(e.data)) for e in withdrawn] == [
        ("system", 1920.0, {"seat": "TJK", "status": "withdrawn"})]
    assert run.state.statuses["TJK"] == "withdrawn"
    view = [w for w in run.state.tables["withdrawal_notices"].values()]
    assert [(w.seat, w.status) for w in view] == [("TJK", "withdrawn")]
    # the replay from the stored events gives the same state
    assert fold(run.events) == run.state


def test_a_withdrawn_member_no_longer_votes_is_asked_or_counted():
    run = Run(scenario())
    open_dec = run.do("KAZ", "propose_decision", body="CCS", kind="general", title="Open", text="x")[0].data["decision_id"]
    run.do("TJK", "cast_vote", decision_id=open_dec, vote="against")
    run.do("TJK", "give_notice_of_withdrawal")
    run.at(20)
    run.tick()
    assert run.state.statuses["TJK"] == "withdrawn"
    err = refused(run, "TJK", "cast_vote", decision_id=open_dec, vote="for")
    assert (err.status, err.code) == (403, "not_eligible")
    assert refused(run, "TJK", "request_assistance", kinds=["military"], summary="x").code == "not_allowed"
    asked = run.do("RUS", "request_assistance", kinds=["military"], summary="help")[0].data["expected"]
    assert "TJK" not in asked and "KAZ" in asked
    # its standing objection no longer counts: the others settle the open decision
    last = []
    for seat in ("ARM", "KAZ", "RUS"):
        last = run.do(seat, "cast_vote", decision_id=open_dec, vote="for")
    assert last[-1].type == "decision_adopted" and last[-1].data["eligible"] == ["ARM", "KAZ", "RUS"]
    assert "TJK" not in run.do("ARM", "propose_decision", body="CCS", kind="general", title="t", text="x")[0].data["eligible"]
    # and, no longer a member, it cannot give notice again
    assert refused(run, "TJK", "give_notice_of_withdrawal").code == "not_allowed"


def test_without_a_notice_period_there_is_no_withdrawal():
    run = Run(scenario(membership={}))
    err = refused(run, "TJK", "give_notice_of_withdrawal")
    assert (err.status, err.code) == (403, "withdrawal_not_provided")


def test_giving_notice_is_a_power_of_the_status():
    statuses = scenario().model_dump()["statuses"]
    statuses[0]["powers"] = MEMBER_POWERS
    run = Run(scenario(statuses=statuses))
    err = refused(run, "TJK", "give_notice_of_withdrawal")
    assert (err.status, err.code) == (403, "not_allowed")
    assert refused(Run(scenario()), "UKR", "give_notice_of_withdrawal").code == "not_allowed"
    assert refused(Run(scenario()), "SG", "give_notice_of_withdrawal").code == "not_allowed"


def test_notice_needs_the_exercise_running():
    run = Run(scenario(), start=False)
    assert refused(run, "TJK", "give_notice_of_withdrawal").code == "not_started"


def test_in_the_treaty_pack_a_state_that_gave_notice_votes_until_the_notice_has_run():
    from .support import border_crisis

    run = Run(border_crisis())
    run.tick()
    (notice,) = run.do("GEO", "give_notice_of_withdrawal")
    assert notice.data["effective_at"] == 7200.0
    during = run.do("RUS", "propose_decision", body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")[0]
    assert "GEO" in during.data["eligible"]
    run.at(120)
    assert [e.data["status"] for e in run.tick() if e.type == "seat_withdrawn"] == ["withdrawn"]
    after = run.do("RUS", "propose_decision", body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")[0]
    assert "GEO" not in after.data["eligible"] and len(after.data["eligible"]) == len(during.data["eligible"]) - 1
    assert refused(run, "GEO", "request_assistance", kinds=["military"], summary="x").code == "not_allowed"
