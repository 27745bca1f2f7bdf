"""The seat view's growing lists, bounded (server/domain/paging.py): pure, no database."""

from __future__ import annotations

import pytest

from server.domain.paging import UnknownCursor, listing, page
from server.domain.registry import REGISTRY
from server.domain.views import seat_view
from tests.domain.support import Run


def _consultations(run: Run, n: int, *, close: bool) -> list[str]:
    out = []
    for k in range(n):
        (e,) = run.do("KAZ", "request_consultation", topic=f"Topic {k}", invitees="all", private=False)
        cid = e.data["consultation_id"]
        if close:
            run.do("KAZ", "close_consultation", consultation_id=cid, outcome="no_agreement")
        out.append(cid)
    return out


def test_every_growing_list_is_bounded_and_marked():
    run = Run()
    _consultations(run, 4, close=True)
    view = seat_view(run.state, "TJK", recent=2)
    assert set(view["pages"]) == set(REGISTRY.listings)
    assert len(view["consultations"]) == 2 and view["pages"]["consultations"]["has_more"] is True
    whole = seat_view(run.state, "TJK")
    assert whole["consultations"][-2:] == view["consultations"]
    assert all(m == {"has_more": False, "before": None} for m in whole["pages"].values())


def test_rows_in_play_are_kept_but_never_more_than_the_bound():
    run = Run()
    still_open = _consultations(run, 5, close=False)
    closed = _consultations(run, 2, close=True)
    view = seat_view(run.state, "TJK", recent=2)
    # the two most recent, and before them the two most recent of the older open ones
    assert [c["id"] for c in view["consultations"]] == [*still_open[3:5], *closed]
    assert view["pages"]["consultations"] == {"has_more": True, "before": closed[0]}
    got = page(listing("consultations"), run.state, "TJK", before=closed[0], limit=10)
    assert [c["id"] for c in got["items"]] == still_open and got["has_more"] is False


def test_a_page_refuses_a_cursor_the_seat_may_not_see_as_one_that_does_not_exist():
    run = Run()
    (e,) = run.do("KAZ", "request_consultation", topic="Bilateral", invitees=["RUS"], private=True)
    secret = e.data["consultation_id"]
    _consultations(run, 2, close=True)
    lst = listing("consultations")
    assert page(lst, run.state, "RUS", before=secret, limit=5) == {"items": [], "has_more": False, "before": None}
    for cursor in (secret, "con_nothing"):
        with pytest.raises(UnknownCursor):
            page(lst, run.state, "TJK", before=cursor, limit=5)
    # TJK's list knows nothing of it: not listed, not counted, no "more"
    view = seat_view(run.state, "TJK", recent=2)
    assert secret not in [c["id"] for c in view["consultations"]]
    assert view["pages"]["consultations"] == {"has_more": False, "before": None}
