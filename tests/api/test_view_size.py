"""A seat's view does not grow with the log: TJK's GET /state at 20,000 events stays within the
size budget in settings (a test of size, not of time)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.domain.views import seat_view
from server.harness import long_exercise_log
from server.settings import Settings

EVENTS = 20_000


@pytest.fixture(scope="module")
def long_log() -> tuple[Any, list[Any], Any]:
    return long_exercise_log(EVENTS)


async def _stored(app: Any, long_log: tuple[Any, list[Any], Any]) -> tuple[str, dict[str, str]]:
    scenario, events, _ = long_log
    exercise_id, issued = await app.state.service.create(scenario, events=events, snapshot=True)
    return exercise_id, {s.seat: s.token for s in issued}


async def test_tjk_view_at_20000_events_is_within_the_budget_in_settings(app, client, long_log):
    settings: Settings = app.state.settings
    exercise_id, tokens = await _stored(app, long_log)
    r = await client.get(f"/api/exercises/{exercise_id}/state", headers={"Authorization": f"Bearer {tokens['TJK']}"})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["exercise"]["version"] >= EVENTS - 1  # TJK sees nearly all of it (not RUS's injects, not RUS-KAZ)
    assert len(r.content) <= settings.view_max_bytes, f"{len(r.content):,} bytes > {settings.view_max_bytes:,}"
    # every growing list is cut to its most recent rows, and says there is more
    for key in ("injects", "threats", "consultations", "assistance", "decisions", "notifications"):
        assert len(view[key]) == settings.view_recent, key
        assert view["pages"][key]["has_more"] is True, key
    # the test measures something: the whole view, as it was before it was bounded, is far bigger
    whole = json.dumps(seat_view(long_log[2], "TJK")).encode()
    assert len(whole) > 10 * settings.view_max_bytes, f"the unbounded view is only {len(whole):,} bytes"


async def test_the_budget_holds_for_every_kind_of_seat(app, client, long_log):
    settings: Settings = app.state.settings
    exercise_id, tokens = await _stored(app, long_log)
    for seat in ("facilitator", "observer", "RUS", "SG", "MDA"):
        r = await client.get(f"/api/exercises/{exercise_id}/state", headers={"Authorization": f"Bearer {tokens[seat]}"})
        assert r.status_code == 200, r.text
        assert len(r.content) <= settings.view_max_bytes, (seat, len(r.content))
