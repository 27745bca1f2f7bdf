"""The seat view's growing lists, a page at a time: GET /state holds the most recent rows (and the
rows still in play), GET /state/{list}?before=ID the older ones, GET /events?before=SEQ the older
events; in order, with `has_more` and a cursor that say nothing about what the seat may not see."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain.views import seat_view
from server.settings import Settings
from tests.api.support import plain
from tests.conftest import Exercise, make_settings

RECENT = 3


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url, TTX_VIEW_RECENT=RECENT)


async def _inject(ex: Exercise, title: str, to: Any = "all") -> str:
    body = await ex.command("facilitator", {"type": "send_inject", "title": title, "body": "Text.", "to": to})
    return body["events"][0]["data"]["inject_id"]


async def _page(ex: Exercise, seat: str, key: str, before: str, expect: int = 200, **params: Any) -> dict[str, Any]:
    r = await ex.client.get(f"/api/exercises/{ex.id}/state/{key}", params={"before": before, **params},
                            headers=ex.headers(seat))
    assert r.status_code == expect, r.text
    return r.json()


async def _all_pages(ex: Exercise, seat: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """The list read back to its start: the view's rows, then page after page before them."""
    view = await ex.state(seat, **params)
    rows, marker = view[key], view["pages"][key]
    while marker["has_more"]:
        got = await _page(ex, seat, key, marker["before"], **params)
        assert got["items"], "a page that has more is never empty"
        rows = got["items"] + rows
        marker = got
    return rows


async def test_the_view_holds_the_most_recent_rows_and_older_ones_page_back_in_order(exercise: Exercise, app):
    ex = exercise
    await ex.command("facilitator", {"type": "start_exercise"})
    ids = [await _inject(ex, f"Inject {n}") for n in range(8)]
    view = await ex.state("TJK")
    assert [i["id"] for i in view["injects"]] == ids[-RECENT:]
    assert view["pages"]["injects"] == {"has_more": True, "before": ids[-RECENT]}
    first = await _page(ex, "TJK", "injects", ids[-RECENT])
    assert [i["id"] for i in first["items"]] == ids[2:5]
    assert first["has_more"] is True and first["before"] == ids[2]
    last = await _page(ex, "TJK", "injects", ids[2], limit=10)
    assert [i["id"] for i in last["items"]] == ids[:2]
    assert last == {"items": last["items"], "has_more": False, "before": None}
    # the rows of the pages are the rows of the whole view, as the domain makes it
    state = await app.state.service.state(ex.id)
    whole = plain(seat_view(state, "TJK"))
    assert first["items"] == whole["injects"][2:5]
    assert await _all_pages(ex, "TJK", "injects") == whole["injects"]
    # a list shorter than the bound is whole, with nothing before it
    assert view["pages"]["threats"] == {"has_more": False, "before": None} and view["threats"] == []


async def test_a_seat_never_pages_into_what_it_may_not_see(exercise: Exercise):
    ex = exercise
    await ex.command("facilitator", {"type": "start_exercise"})
    hidden_first = await _inject(ex, "For Russia, first", to=["RUS"])
    public = [await _inject(ex, f"Public {n}") for n in range(RECENT)]
    # nothing TJK may see is older than its three: no "more", no cursor, though RUS has more
    tjk = await ex.state("TJK")
    assert [i["id"] for i in tjk["injects"]] == public
    assert tjk["pages"]["injects"] == {"has_more": False, "before": None}
    rus = await ex.state("RUS")
    assert rus["pages"]["injects"] == {"has_more": True, "before": public[0]}
    assert [i["id"] for i in (await _page(ex, "RUS", "injects", public[0]))["items"]] == [hidden_first]

    # interleaved: TJK's pages skip RUS's injects, and its cursors are rows it sees
    older = await _inject(ex, "Public older")
    for n in range(2):
        await _inject(ex, f"For Russia {n}", to=["RUS"])
    newer = [await _inject(ex, f"Public newer {n}") for n in range(RECENT)]
    rows = await _all_pages(ex, "TJK", "injects")
    assert [i["id"] for i in rows] == [*public, older, *newer]
    assert all(not i["title"].startswith("For Russia") for i in rows)
    staff = [i for i in await _all_pages(ex, "facilitator", "injects") if i["trigger"] == "adhoc"]  # after the schedule
    assert len(staff) == len(rows) + 3  # RUS's too

    # a cursor naming a row TJK may not see is refused exactly like one naming no row at all
    hidden = await _page(ex, "TJK", "injects", hidden_first, expect=404)
    unknown = await _page(ex, "TJK", "injects", "adhoc_000000000000", expect=404)
    assert hidden["error"]["code"] == unknown["error"]["code"] == "unknown_cursor"
    assert hidden["error"]["message"].replace(hidden_first, "X") == unknown["error"]["message"].replace("adhoc_000000000000", "X")


async def test_a_private_consultation_is_not_listed_nor_counted_for_an_outsider(exercise: Exercise):
    ex = exercise
    await ex.command("facilitator", {"type": "start_exercise"})
    opened = []
    for n in range(RECENT + 2):
        private = n % 2 == 0
        body = await ex.command("RUS", {"type": "request_consultation", "topic": f"Topic {n}",
                                        "invitees": ["KAZ"] if private else "all", "private": private})
        opened.append((body["events"][0]["data"]["consultation_id"], private))
    public = [c for c, private in opened if not private]
    assert [c["id"] for c in await _all_pages(ex, "TJK", "consultations")] == public
    assert [c["id"] for c in await _all_pages(ex, "KAZ", "consultations")] == [c for c, _ in opened]
    secret = next(c for c, private in opened if private)
    assert (await _page(ex, "TJK", "consultations", secret, expect=404))["error"]["code"] == "unknown_cursor"


async def test_rows_in_play_stay_in_the_view_whatever_their_age(exercise: Exercise):
    ex = exercise
    await ex.command("facilitator", {"type": "start_exercise"})

    async def propose(title: str) -> str:
        body = await ex.command("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": title,
                                        "text": "Joint measures."})
        return body["events"][0]["data"]["decision_id"]

    still_open = await propose("Still open")
    settled = []
    for n in range(RECENT + 1):
        d = await propose(f"Settled {n}")
        await ex.command("facilitator", {"type": "close_vote", "decision_id": d})
        settled.append(d)
    view = await ex.state("TJK")
    assert [d["id"] for d in view["decisions"]] == [still_open, *settled[-RECENT:]]
    assert view["decisions"][0]["status"] == "open"
    assert view["pages"]["decisions"] == {"has_more": True, "before": settled[-RECENT]}
    # the page holds every older row, the open one too (a client keeps one copy of each)
    older = await _page(ex, "TJK", "decisions", settled[-RECENT])
    assert [d["id"] for d in older["items"]] == [still_open, settled[0]] and older["has_more"] is False


async def test_the_view_in_the_past_pages_in_the_past(exercise: Exercise):
    ex = exercise
    await ex.command("facilitator", {"type": "start_exercise"})
    ids = [await _inject(ex, f"Inject {n}") for n in range(RECENT + 2)]
    at = (await ex.state("facilitator"))["exercise"]["version"]
    await _inject(ex, "Later")
    past = await ex.state("TJK", at=at)
    assert [i["id"] for i in past["injects"]] == ids[-RECENT:]
    assert [i["id"] for i in await _all_pages(ex, "TJK", "injects", at=at)] == ids


async def test_unknown_lists_and_malformed_cursors_are_refused(exercise: Exercise):
    ex = exercise
    assert (await _page(ex, "TJK", "nonsense", "x", expect=404))["error"]["code"] == "unknown_list"
    assert (await _page(ex, "TJK", "seats", "x", expect=404))["error"]["code"] == "unknown_list"
    await _page(ex, "TJK", "injects", "x", expect=422, limit=0)
    r = await ex.client.get(f"/api/exercises/{ex.id}/state/injects", headers=ex.headers("TJK"))
    assert r.status_code == 422  # `before` is required


async def test_events_before_read_back_the_visible_events_in_order(exercise: Exercise):
    ex = exercise
    await ex.command("facilitator", {"type": "start_exercise"})
    for n in range(12):
        await _inject(ex, f"Inject {n}", to=["RUS"] if n % 3 else "all")
    everything = await ex.events("TJK")
    head = everything[-1]["seq"]

    async def before(seq: int, limit: int, seat: str = "TJK") -> dict[str, Any]:
        r = await ex.client.get(f"/api/exercises/{ex.id}/events", params={"before": seq, "limit": limit},
                                headers=ex.headers(seat))
        assert r.status_code == 200, r.text
        return r.json()

    last = await before(head + 1, 2)
    assert last["events"] == everything[-2:]
    assert last["has_more"] is True and last["before"] == everything[-2]["seq"]
    # walking back page by page gives the forward read, and never an event TJK may not see
    pages, cursor = [], head + 1
    while True:
        got = await before(cursor, 2)
        pages = got["events"] + pages
        if not got["has_more"]:
            assert got["before"] is None
            break
        cursor = got["before"]
    assert pages == everything
    assert all(e["audience"] is None or "TJK" in e["audience"] for e in pages)
    # `before` beyond the seat's horizon tells nothing more than its horizon does
    assert (await before(2**31 - 1, 5))["events"] == everything[-5:]
    # with `after`, only the events between
    r = await ex.client.get(f"/api/exercises/{ex.id}/events", params={"after": everything[1]["seq"], "before": everything[4]["seq"]},
                            headers=ex.headers("TJK"))
    assert r.json()["events"] == everything[2:4] and r.json()["has_more"] is False
