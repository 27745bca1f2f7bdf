"""Comparing two runs: decisions matched by title, kind and body in order; expectations and chains side by side."""

from __future__ import annotations

from server.review.compare import compare_reports
from server.review.report import build_report
from tests.review.support import MEMBERS, Play


def run(votes: list[str], *, extra: bool = False, threat_at: float = 120) -> Play:
    p = Play()
    p.tick(0)
    p.do("TJK", "report_threat", t=threat_at, kind="aggression", summary="Shelling")
    for n, against in enumerate(votes):
        p.do("RUS", "propose_decision", t=600 + n * 300, body="CCS", kind="general", title="Statement", text=f"Draft {n}")
        dec = p.last("decision_proposed").data["decision_id"]
        for m in MEMBERS:
            p.do(m, "cast_vote", t=650 + n * 300, decision_id=dec, vote="against" if m == against else "for")
    if extra:
        p.do("KAZ", "propose_decision", t=2000, body="CFM", kind="general", title="Only here", text="x")
    return p


def test_same_titled_decisions_pair_in_order_and_only_changed_outcomes_are_marked():
    a = build_report(run(["", "UZB"]).events)  # first adopted, second rejected
    b = build_report(run(["UZB", "UZB"], extra=True).events)  # both rejected, and one more decision
    cmp = compare_reports(a, b)
    assert [(d["title"], d["changed"]) for d in cmp["decisions"]] == [("Statement", True), ("Statement", False),
                                                                        ("Only here", True)]
    first, second, only = cmp["decisions"]
    assert (first["a"]["outcome"], first["b"]["outcome"]) == ("adopted", "rejected")
    assert first["a"]["time_to_settle"] == 50.0 and first["b"]["tally"]["against"] == 1
    assert second["a"]["decision_id"] == a["decisions"][1]["decision_id"]
    assert only["a"] is None and only["b"]["outcome"] == "open"
    assert cmp["changes"]["decisions"] == 2


def test_expectations_and_chains_side_by_side():
    a = build_report(run([], threat_at=120).events)
    b = build_report(run([], threat_at=1200).events)
    cmp = compare_reports(a, b, a_id="ex_a", b_id="ex_b")
    threat = next(e for e in cmp["expectations"] if e["id"] == "threat-reported")
    assert threat["a"] == {"status": "met", "measured": 120.0, "missing": [], "score": None}
    assert threat["b"]["status"] == "missed" and threat["b"]["measured"] == 1200.0 and threat["changed"] is True
    consult = next(e for e in cmp["expectations"] if e["id"] == "consultations-open")
    assert consult["changed"] is False
    (incursion,) = [c for c in cmp["chains"] if c["inject_id"] == "incursion"]
    assert incursion["a"]["steps"]["first_consultation"] is None
    assert (cmp["a"]["exercise_id"], cmp["b"]["exercise_id"]) == ("ex_a", "ex_b")


# --- on equal footing: the fork's id map, a tolerance on times, one seat's view ---------------------

import pytest  # noqa: E402

from server.review.compare import NotComparable, common_view, match_decisions  # noqa: E402
from server.review.fork import plan_fork  # noqa: E402
from tests.review.support import T0  # noqa: E402

QUALIFIED = [{"body": "*", "kind": "*", "rule": "qualified_majority", "threshold": 0.67, "quorum": 0.5}]


def played(p: Play, seat: str, type: str, t: float, **fields) -> None:
    """A move as the live service makes it: the clock has run to its time first."""
    p.tick(t)
    p.do(seat, type, t=t, **fields)


def one_objection_run() -> Play:
    """A statement adopted by all, then a use of force under consensus: Azerbaijan objects last, so it
    is rejected; the SG writes to the UN, members record what they do about the statement."""
    p = Play()
    p.tick(0)
    played(p, "TJK", "report_threat", 120, kind="aggression", summary="Shelling")
    played(p, "KAZ", "propose_decision", 300, body="CCS", kind="general", title="Statement", text="We condemn it")
    statement = p.last("decision_proposed").data["decision_id"]
    for i, m in enumerate(MEMBERS):
        played(p, m, "cast_vote", 320 + i, decision_id=statement, vote="for")
    played(p, "RUS", "propose_decision", 600, body="CCS", kind="use_of_armed_forces", title="Deploy", text="Deploy forces")
    force = p.last("decision_proposed").data["decision_id"]
    for i, m in enumerate([*(m for m in MEMBERS if m != "AZE"), "AZE"]):
        played(p, m, "cast_vote", 700 + 30 * i, decision_id=force, vote="against" if m == "AZE" else "for")
    played(p, "SG", "notify_un_security_council", 1200, summary="What the Council did")
    for i, m in enumerate(("KAZ", "TJK")):
        played(p, m, "record_implementation", 1300 + i, decision_id=statement, status="in_force")
    p.tick(1400)
    return p


def test_a_fork_where_one_outcome_changes_reports_that_decision_and_what_depends_on_it():
    p = one_objection_run()
    at = p.first("exercise_started").seq + 1  # before anything was proposed: every decision is made again
    plan = plan_fork(p.events, from_exercise_id="ex_a", at=at, rules=QUALIFIED, replay=True, now=T0 + 5000)
    assert not [s for s in plan.skipped if s["type"] != "vote_cast"]
    a, b = build_report(p.events), build_report(plan.events)
    cmp = compare_reports(a, b, a_id="ex_a", b_id="ex_b", id_map=plan.id_map)
    assert cmp["matched_by"] == "id_map" and cmp["view"] == "facilitator"
    assert [(d["title"], d["changed"]) for d in cmp["decisions"]] == [("Statement", False), ("Deploy", True)]
    statement, deploy = cmp["decisions"]
    assert deploy["changes"] == ["outcome"] and (deploy["a"]["outcome"], deploy["b"]["outcome"]) == ("rejected", "adopted")
    assert deploy["b"]["decision_id"] == plan.id_map[deploy["a"]["decision_id"]] != deploy["a"]["decision_id"]
    assert statement["b"]["decision_id"] == plan.id_map[statement["a"]["decision_id"]]
    changed = {e["id"]: e for e in cmp["expectations"] if e["changed"]}
    # the three expectations about the use of force, and nothing else
    assert set(changed) == {"decision-on-force", "un-notified", "implementation"}
    for e in changed.values():
        assert [d["title"] for d in e["depends_on"] if d["changed"]] == ["Deploy"]
    assert changed["decision-on-force"]["times"] == {"a": None, "b": deploy["b"]["settled_at"]}
    for e in cmp["expectations"]:
        if not e["changed"]:
            assert not [d for d in e["depends_on"] if d["changed"]]
    assert cmp["changes"]["decisions"] == 1 and cmp["changes"]["expectations"] == 3
    # the first adoption is still the statement's; the parliament's inject (on force adopted) is the fork's alone
    assert {c["inject_id"]: c["changed_steps"] for c in cmp["chains"] if c["changed"]} == {"kyrgyz-parliament": []}
    assert next(c for c in cmp["chains"] if c["inject_id"] == "kyrgyz-parliament")["a"] is None


def test_a_time_that_moves_beyond_the_tolerance_is_a_change_with_both_times():
    def votes_at(t: float) -> Play:
        p = Play()
        p.tick(0)
        p.do("TJK", "report_threat", t=120, kind="aggression", summary="Shelling")
        p.do("RUS", "propose_decision", t=600, body="CCS", kind="general", title="Statement", text="x")
        dec = p.last("decision_proposed").data["decision_id"]
        for m in MEMBERS:
            p.do(m, "cast_vote", t=t, decision_id=dec, vote="for")
        return p

    a = build_report(votes_at(650).events)
    (d,) = compare_reports(a, build_report(votes_at(700).events))["decisions"]
    assert d["changed"] is False and "times" not in d  # 50 s apart: within the default 60
    (d,) = compare_reports(a, build_report(votes_at(1976).events))["decisions"]
    assert d["changed"] is True and d["changes"] == ["time_to_settle"]
    assert d["a"]["outcome"] == d["b"]["outcome"] == "adopted"
    assert d["times"] == {"a": 50.0, "b": 1376.0}
    (d,) = compare_reports(a, build_report(votes_at(700).events), tolerance=10)["decisions"]
    assert d["changed"] is True and d["times"] == {"a": 50.0, "b": 100.0}
    late = next(e for e in compare_reports(build_report(run([], threat_at=120).events),
                                           build_report(run([], threat_at=800).events))["expectations"]
                if e["id"] == "threat-reported")
    assert late["a"]["status"] == late["b"]["status"] == "met"
    assert late["changed"] is True and late["changes"] == ["measured"] and late["times"] == {"a": 120.0, "b": 800.0}


def test_the_id_map_pairs_decisions_the_titles_would_pair_wrongly():
    a = [{"decision_id": "d1", "title": "Statement", "kind": "general", "body": "CCS"},
         {"decision_id": "d2", "title": "Statement", "kind": "general", "body": "CCS"}]
    b = [{"decision_id": "f2", "title": "Statement", "kind": "general", "body": "CCS"}]
    assert [(x and x["decision_id"], y and y["decision_id"]) for x, y in match_decisions(a, b)] == [("d1", "f2"), ("d2", None)]
    mapped = match_decisions(a, b, {"d1": "f1", "d2": "f2"})  # the fork made d1 again as f1, which B does not show
    assert [(x and x["decision_id"], y and y["decision_id"]) for x, y in mapped] == [("d1", None), ("d2", "f2")]


def _private_consultation_run() -> Play:
    p = Play()
    p.tick(0)
    p.do("RUS", "request_consultation", t=600, topic="Quietly", invitees=["KAZ"], private=True)
    p.do("TJK", "report_threat", t=700, kind="threat", summary="Public")
    p.tick(2400)
    return p


def test_two_views_of_different_seats_are_not_compared():
    p = _private_consultation_run()
    fac, obs = build_report(p.events, seat="facilitator"), build_report(p.events, seat="observer")
    consult = lambda r: next(e for e in r["expectations"] if e["id"] == "consultations-open")["status"]  # noqa: E731
    assert consult(fac) == "met" and consult(obs) != "met"  # the observer may not see the consultation
    with pytest.raises(NotComparable) as refused:
        compare_reports(fac, obs)
    assert "same seat" in str(refused.value)
    assert common_view("facilitator", "facilitator") == "facilitator"
    assert common_view("facilitator", "observer") == common_view("observer", "facilitator") == "observer"
    seat = common_view("facilitator", "observer")
    same = compare_reports(build_report(p.events, seat=seat), build_report(p.events, seat=seat))
    assert same["changes"] == {"decisions": 0, "expectations": 0, "chains": 0}
