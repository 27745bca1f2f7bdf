"""A log recorded before scenarios declared their institutions (format 1, when the engine had the
treaty built in) still verifies, folds and reports as it was recorded. The fixture was exported by
the engine of that time (commit cb8197d): an air defence incident with an assistance request, an
accession decided by the Council, a notification of the UN Security Council."""

from __future__ import annotations

from pathlib import Path

from server.domain.fold import fold
from server.domain.views import seat_view
from server.review.export import parse_export
from server.review.log import current_event
from server.review.report import build_report

FIXTURE = Path(__file__).parent.parent / "fixtures" / "format-1-air-defence.ndjson"
MEMBERS = ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB"]


def events():
    parsed = parse_export(FIXTURE.read_text().splitlines())
    assert parsed.problem is None
    return [current_event(e) for e in parsed.events]


def test_the_old_log_verifies():
    parsed = parse_export(FIXTURE.read_text().splitlines())
    assert parsed.problem is None and len(parsed.events) == 25
    assert parsed.events[0]["version"] == 1 and "seat_kinds" not in parsed.events[0]["data"]["scenario"]


def test_it_folds_under_the_rules_it_was_played_by():
    state = fold(events())
    assert state.status == "ended"
    assert state.statuses["TKM"] == "member" and state.statuses["UKR"] == "non_signatory"
    view = seat_view(state, "facilitator")
    (app,) = view["applications"]
    assert (app["seat"], app["status"]) == ("TKM", "admitted")
    (note,) = view["notifications"]
    assert (note["actor"], note["recipient"]) == ("SG", "UNSC")
    (request,) = view["assistance"]
    assert request["expected"] == [m for m in MEMBERS if m != "UZB"]
    assert {s: r["response"] for s, r in request["responses"].items()} == {"RUS": "pledge", "TKM": "pledge"}
    (decision,) = view["decisions"]
    assert decision["kind"] == "accession" and decision["status"] == "adopted" and decision["eligible"] == MEMBERS
    ccs = next(b for b in view["bodies"] if b["id"] == "CCS")
    assert ccs["members"] == [*MEMBERS, "TKM"] and ccs["who"]["convene_session"] == ["SG"]
    # the old office powers are the office's moves
    assert set(seat_view(state, "SG")["me"]["may"]) == {"request_consultation", "notify"}


def test_it_reports_with_the_old_chain_steps():
    report = build_report(events())
    assert [m["id"] for m in report["milestones"]][-1] == "un_notified"
    chain = next(c for c in report["chains"] if c["inject_id"] == "radar-contact")
    assert chain["steps"]["first_assistance_request"] is not None
    # the notification is about the accession decision, which answered the accession inject
    assert chain["steps"]["un_notified"] is None
    accession = next(c for c in report["chains"] if c["inject_id"] == "accession-protocol")
    assert accession["steps"]["un_notified"]["actor"] == "SG"
    (d,) = report["decisions"]
    assert [n["recipient_name"] for n in d["notifications"]] == ["UN Security Council"]
    assert any("admitted as participating state" in row["summary"] for row in report["timeline"])


def test_it_imports_for_review_without_being_decided_again(tmp_path):
    """The old engine settled votes later than today's rules do: its moves are not decided again, the
    log is imported as it was recorded, and (its moves unchecked) it cannot be forked."""
    from server.domain.fold import evolve, fold
    from server.review.history import Possible

    evs = events()
    check = Possible()
    state = fold(evs[:0])
    for ev in evs:
        assert check(state, ev) is None
        state = evolve(state, ev)
    assert check.format_1 is True
