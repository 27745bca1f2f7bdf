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
