"""The state as one seat may see it: the body of `GET /state`.

The common part (who the seat is and what it may do, the exercise and its clock, the seats, the
institutions, the words to show) is here; each slice adds its own keys (`Slice.view`), filtering
its entities with `visibility.can_see` over the audience of the events that made them, so the view
and the event feed agree on what a seat may know. The lists that grow with the log are each slice's
`listing`s, bounded to their most recent rows by `paging.py` (`GET /state` passes `recent`).
"""

from __future__ import annotations

from typing import Any

from . import institutions as inst
from .clock import in_world
from .events import FACILITATOR, OBSERVER
from .paging import bounded_lists
from .registry import REGISTRY
from .slices.clock import horizon
from .state import State
from .visibility import is_staff


_NOT_IN_VIEW = ("seat_kind_description:", "status_description:", "region_description:", "decision_kind_description:")


def seat_view(state: State, seat: str, *, recent: int | None = None) -> dict[str, Any]:
    """The view of `seat`. `recent`: how many of the most recent rows of each growing list to show
    (with the rows still in play and a cursor to the rest: see paging.py); None, all of them."""
    sc = state.scenario
    assert sc is not None
    staff = is_staff(seat)
    w = inst.words(state)
    me = sc.seat(seat)
    seen, seen_time = horizon(state, seat)
    view: dict[str, Any] = {
        "seat": seat,
        "role": seat if staff else ("participant" if me else "unknown"),
        "me": None if me is None else {**_seat(state, me.id, staff=True), "may": _may(state, me.id)},
        "exercise": {
            "scenario_id": sc.id, "title": sc.title, "summary": sc.summary, "start": sc.start.isoformat(),
            # the seat's horizon, not the log's head (see slices/clock.py HORIZONS)
            "status": state.status, "version": seen, "last_time": seen_time,
            "clock": {"running": state.clock.running, "speed": state.clock.speed,
                      "anchor_time": state.clock.anchor_time, "anchor_wall": state.clock.anchor_wall},
            "in_world_now": in_world(sc.start, seen_time).isoformat(),
            "forked_from": dict(state.forked_from) if state.forked_from else None,
            "scenario_hash": state.scenario_hash,
        },
        "seats": [_seat(state, s.id, staff=staff) for s in sc.seats],
        "institutions": {
            "seat_kinds": [{"id": k.id, "name": k.name} for k in sc.seat_kinds],
            "statuses": [{"id": s.id, "name": s.name, "member": s.member} for s in sc.statuses],
            "decision_kinds": [{"id": k.id, "name": k.name, "reference": k.reference,
                                "bodies": list(inst.competent_bodies(k, sc)), "effect": k.effect.change if k.effect else None}
                               for k in sc.decision_kinds],
            "threat_kinds": [{"id": k.id, "name": k.name} for k in sc.threat_kinds],
            "assistance_kinds": [{"id": k.id, "name": k.name} for k in sc.assistance_kinds],
            "recipients": [{"id": r.id, "name": r.name, "description": r.description} for r in sc.recipients],
            "aliases": _aliases(sc),
        },
        "words": w.as_dict(),
        # the names above in other languages (public like them: no briefing, no inject), and the heads
        # and descriptions the view carries; not a description it does not carry in English
        "translations": {lang: {k: v for k, v in texts.items() if not k.startswith(_NOT_IN_VIEW)}
                         for lang, texts in sc.translations.items()},
        "bodies": [{"id": b.id, "name": b.name, "members": list(inst.body_members(state, b.id)),
                    "voters": list(inst.voters(state, b.id)), "chair": b.chair, "all_members": b.members == "all_members",
                    "who": b.who.model_dump(mode="json"), "description": b.description} for b in sc.bodies],
        "regions": [{"id": r.id, "name": r.name, "members": list(r.members)} for r in sc.regions],
        "settings": sc.settings.model_dump(mode="json"),
    }
    if me is not None:
        view["me"]["proposes_in"] = [b.id for b in sc.bodies if inst.holds_office(state, seat, b, "propose_decision")]
        view["me"]["convenes"] = [b.id for b in sc.bodies if inst.holds_office(state, seat, b, "convene_session")]
    for _, part in REGISTRY.views:
        view.update(part(state, seat, w))
    bounded_lists(state, seat, view, recent=recent)
    return view


def _seat(state: State, seat_id: str, *, staff: bool) -> dict[str, Any]:
    sc = state.scenario
    assert sc is not None
    s = sc.seat(seat_id)
    assert s is not None
    status = state.statuses.get(s.id)
    out = {"seat": s.id, "name": s.name, "kind": s.kind, "status": status, "member": inst.is_member(state, s.id),
           "head": s.head}
    if staff:
        out["briefing"] = s.briefing
    return out


def _aliases(sc: Any) -> list[dict[str, Any]]:
    """The scenario's own names for generic moves: `command` means `means` and is recorded as
    `records`, an event of the generic type `event` with the fixed fields of `means` (a client
    folds and describes it as that generic event)."""
    idx = inst.index(sc)
    return [{"command": a.command, "means": dict(a.means), "records": a.records, "event": idx.alias_events[a.records][0]}
            for a in sc.aliases]


def _may(state: State, seat: str) -> dict[str, Any]:
    """The moves the scenario grants this seat (those that need a power), with their limits: the
    page offers these; the server still judges every command."""
    out: dict[str, Any] = {}
    for move, grants in inst.moves_of(state, seat).items():
        kinds = inst.kinds_allowed(grants)
        to = None if any(g.to is None for g in grants) else sorted({r for g in grants for r in (g.to or ())})
        out[move] = {"kinds": sorted(kinds) if kinds is not None else None, "to": to, "asked": any(g.asked for g in grants)}
    return out


__all__ = ["seat_view", "FACILITATOR", "OBSERVER"]
