"""Response chains follow cause and effect: a move is credited to the inject it names, or, through
what it refers to, to what that answered; a move without a link goes to the latest inject its seat
received, marked inferred; and no inject is ever credited with a move of a seat that did not receive it."""

from __future__ import annotations

import pytest

from server.domain.errors import Refused
from server.review.report import build_report
from tests.review.support import MEMBERS, Play


def chain(report: dict, inject_id: str) -> dict:
    return next(c for c in report["chains"] if c["inject_id"] == inject_id)


def intelligence_run() -> Play:
    """The incursion (to all) at 00:00, the field report (TJK only) at 00:10, the intelligence
    exchange (RUS and KAZ only) at 00:20; then the SG notifies, RUS proposes in answer to the
    intelligence, KAZ opens consultations without saying why, TJK asks for assistance."""
    p = Play()
    p.tick(0)
    p.tick(1200)
    delivered = [e.data["inject_id"] for e in p.events if e.type == "inject_delivered"]
    assert delivered == ["incursion", "field-report", "intelligence"]
    assert p.last("inject_delivered").audience == ("RUS", "KAZ")
    p.do("SG", "notify_un_security_council", t=1300, summary="Border incident on the Pyanj")
    p.do("RUS", "propose_decision", t=1400, body="CCS", kind="general", title="Share the intelligence", text="x",
         in_response_to="intelligence")
    p.do("KAZ", "request_consultation", t=1500, topic="What the intelligence means", invitees="all")
    p.do("TJK", "request_assistance", t=1600, kinds=["military"], summary="Reinforcements")
    return p


def test_an_inject_sent_to_two_seats_credits_no_move_of_a_third():
    report = build_report(intelligence_run().events)
    intel = chain(report, "intelligence")
    assert intel["steps"]["un_notified"] is None  # the SG never received it
    notified = chain(report, "incursion")["steps"]["un_notified"]
    assert notified["actor"] == "SG" and notified["link"] == "inferred" and notified["delay"] == 1300.0
    assert set(intel["implementation"]) == {"RUS", "KAZ"}  # only the members it was sent to


def test_a_seat_cannot_say_it_answers_an_inject_it_never_received():
    p = intelligence_run()
    with pytest.raises(Refused) as refused:
        p.do("SG", "notify_un_security_council", t=1700, summary="x", in_response_to="intelligence")
    assert refused.value.code == "unknown_inject"


def test_a_linked_move_is_credited_to_the_inject_it_names_and_an_unlinked_one_is_inferred():
    p = intelligence_run()
    report = build_report(p.events)
    intel = chain(report, "intelligence")
    proposed = intel["steps"]["first_decision_proposed"]
    assert proposed["actor"] == "RUS" and proposed["link"] == "linked" and proposed["via"] == "in_response_to"
    assert proposed["seq"] == p.first("decision_proposed").seq and proposed["delay"] == 1400.0 - 1200.0
    consult = intel["steps"]["first_consultation"]
    assert consult["actor"] == "KAZ" and consult["link"] == "inferred" and consult["via"] is None
    # TJK's request: TJK's latest inject is the field report, not the intelligence
    assert intel["steps"]["first_assistance_request"] is None
    request = chain(report, "field-report")["steps"]["first_assistance_request"]
    assert request["actor"] == "TJK" and request["link"] == "inferred"
    assert chain(report, "incursion")["steps"]["first_decision_proposed"] is None
    assert intel["responses"] == {"linked": 1, "inferred": 1}


def test_a_move_that_refers_to_a_decision_answers_what_the_decision_answered():
    p = intelligence_run()
    dec = p.first("decision_proposed").data["decision_id"]
    for m in MEMBERS:
        p.do(m, "cast_vote", t=1800, decision_id=dec, vote="for")
    assert p.last("decision_adopted")
    intel = chain(build_report(p.events), "intelligence")
    adopted = intel["steps"]["first_decision_adopted"]
    assert adopted["actor"] == "system" and adopted["link"] == "linked" and adopted["via"] == "decision_id"
    # votes of seats that never received the intelligence are not among its responses
    assert intel["responses"]["linked"] == 1 + 2 + 1  # the proposal, the votes of RUS and KAZ, the adoption


def test_an_inject_to_one_member_counts_only_that_member_and_its_own_answers():
    """The Kyrgyz parliament inject goes to KGZ alone, when force is adopted: the UN notification by
    the SG and other members' implementation are not its response; KGZ's implementation linked to
    it is."""
    p = Play()
    p.tick(0)
    p.do("RUS", "propose_decision", t=600, body="CCS", kind="use_of_armed_forces", title="Deploy", text="x")
    dec = p.last("decision_proposed").data["decision_id"]
    for m in MEMBERS:
        p.do(m, "cast_vote", t=700, decision_id=dec, vote="for")
    assert p.last("inject_delivered").data["inject_id"] == "kyrgyz-parliament"
    p.do("SG", "notify_un_security_council", t=800, summary="Measures taken", decision_id=dec)
    p.do("KAZ", "record_implementation", t=900, decision_id=dec, status="in_force")
    p.do("KGZ", "record_implementation", t=1000, decision_id=dec, status="blocked", note="Parliament said no",
         in_response_to="kyrgyz-parliament")
    report = build_report(p.events)
    kgz = chain(report, "kyrgyz-parliament")
    assert kgz["steps"]["un_notified"] is None
    assert kgz["steps"]["first_decision_adopted"] is None  # adopted before it, and what triggered it
    assert list(kgz["implementation"]) == ["KGZ"]
    assert kgz["implementation"]["KGZ"]["link"] == "linked" and kgz["implementation"]["KGZ"]["delay"] == 300.0
    incursion = chain(report, "incursion")
    assert incursion["steps"]["un_notified"]["actor"] == "SG"
    assert incursion["implementation"]["KAZ"]["via"] == "decision_id"
    assert incursion["implementation"]["KGZ"] is None  # it answered the parliament's inject
