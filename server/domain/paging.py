"""The growing lists of a seat view, bounded: the most recent rows and a cursor to the older ones.

A list that grows with the log (`registry.Listing`: injects, threats, consultations, decisions...)
is shown in `GET /state` as its `recent` most recent rows and, before them, up to `recent` older
rows still in play (open decisions, open consultations: what the seat must see whatever its age),
oldest first, with `{"has_more", "before"}` in the view's `pages`: at most 2 x `recent` rows a list,
however long the log. Older rows are
read with `page(...)`: the `limit` rows just before the row `before`, oldest first, with the same
`has_more`/`before` for the next page.

What a seat may learn from a page is what it may learn from the rows in it: the rows are filtered
by `visibility.can_see` over their audience like every other read, the cursor is the id of a row
the seat sees, `has_more` says only whether a row it sees is older, and there are no counts. A
cursor naming a row the seat may not see is refused exactly as one naming no row at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .persistent import Rows
from .registry import REGISTRY, Listing
from .state import State
from .visibility import can_see


class UnknownCursor(LookupError):
    """`before` names no row of the list that this seat may see."""


class UnknownList(LookupError):
    """No growing list of the view has this name."""


def listing(key: str) -> Listing:
    found = REGISTRY.listings.get(key)
    if found is None:
        raise UnknownList(key)
    return found


def _ordered(rows: Any) -> Sequence[str]:
    return rows.ordered_keys() if isinstance(rows, Rows) else list(rows)


def _shown(lst: Listing, state: State, seat: str, row: Any) -> bool:
    if not can_see(lst.audience(row) if lst.audience else None, seat):
        return False
    return lst.include is None or lst.include(state, seat, row)


def window(lst: Listing, state: State, seat: str, *, recent: int | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The list as `GET /state` shows it: up to `recent` rows in play older than the `recent` most
    recent rows, then those (all rows if `recent` is None); and its page marker."""
    rows = lst.table.of(state)
    keys = _ordered(rows)
    chosen: list[str] = []  # newest first
    i = len(keys) - 1
    while i >= 0 and (recent is None or len(chosen) < recent):
        if _shown(lst, state, seat, rows[keys[i]]):
            chosen.append(keys[i])
        i -= 1
    older_current: list[str] = []  # newest first
    more = False
    cap = recent or 0
    # what is left (keys[:i + 1]) is older than the window: the rows still in play are shown too,
    # the most recent `recent` of them (so that the view is bounded even if nothing ever closes).
    # The scan stops as soon as it has told `has_more` and found all the rows in play it may show:
    # at the first older row for a list without rows in play; for the others it reads back to the
    # oldest row in play, or the start (the cost that still grows with the log: a check per row).
    while i >= 0 and not (more and (lst.current is None or len(older_current) == cap)):
        row = rows[keys[i]]
        if _shown(lst, state, seat, row):
            if lst.current is not None and len(older_current) < cap and lst.current(state, seat, row):
                older_current.append(keys[i])
            else:
                more = True
        i -= 1
    items = [lst.item(state, seat, rows[k]) for k in (*reversed(older_current), *reversed(chosen))]
    return items, {"has_more": more, "before": chosen[-1] if more else None}


def page(lst: Listing, state: State, seat: str, *, before: str, limit: int) -> dict[str, Any]:
    """The `limit` rows this seat sees just before the row `before`, oldest first."""
    rows = lst.table.of(state)
    if before not in rows or not _shown(lst, state, seat, rows[before]):
        raise UnknownCursor(before)
    keys = _ordered(rows)
    i = keys.index(before) - 1
    chosen: list[str] = []
    more = False
    while i >= 0:
        if _shown(lst, state, seat, rows[keys[i]]):
            if len(chosen) == limit:
                more = True
                break
            chosen.append(keys[i])
        i -= 1
    return {"items": [lst.item(state, seat, rows[k]) for k in reversed(chosen)],
            "has_more": more, "before": chosen[-1] if more else None}


def bounded_lists(state: State, seat: str, view: dict[str, Any], *, recent: int | None) -> None:
    """Put every growing list into `view` (after what its slice's view part put under the same key)
    and its marker into `view["pages"]`."""
    pages: dict[str, Any] = {}
    for key, lst in REGISTRY.listings.items():
        items, marker = window(lst, state, seat, recent=recent)
        view[key] = [*view.get(key, ()), *items]
        pages[key] = marker
    view["pages"] = pages
