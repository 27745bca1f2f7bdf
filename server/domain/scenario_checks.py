"""Cross-references inside a scenario: duplicate ids, unknown seats, bodies and injects, scheduled
injects out of time order, rules without a default. Run over the raw document as well as the
validated model, so that a file with a bad field and a bad reference gets both reported at once."""

from __future__ import annotations

from typing import Any

from .scenario import RESERVED_SEATS, format_offset, parse_offset


def cross_check_raw(doc: Any) -> list[tuple[tuple[Any, ...], str]]:
    """The same checks over the raw document, tolerant of structure errors elsewhere, so a file
    with a bad field and a bad reference gets both reported."""
    errors: list[tuple[tuple[Any, ...], str]] = []
    if not isinstance(doc, dict):
        return errors

    def items(key: str) -> list[tuple[int, dict]]:
        value = doc.get(key)
        if not isinstance(value, list):
            return []
        return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)]

    seats = {x.get("id") for _, x in items("seats")}
    for kind, ids in (("seat", [x.get("id") for _, x in items("seats")]),
                      ("body", [x.get("id") for _, x in items("bodies")]),
                      ("region", [x.get("id") for _, x in items("regions")]),
                      ("inject", [x.get("id") for _, x in items("injects")]),
                      ("expectation", [x.get("id") for _, x in items("expectations")])):
        seen: set = set()
        key = {"seat": "seats", "body": "bodies", "region": "regions", "inject": "injects", "expectation": "expectations"}[kind]
        for i, ident in enumerate(ids):
            if ident in seen:
                errors.append(((key, i, "id"), f"duplicate {kind} id {ident!r}"))
            seen.add(ident)
    for i, seat in items("seats"):
        if isinstance(seat.get("id"), str) and seat["id"].lower() in RESERVED_SEATS:
            errors.append((("seats", i, "id"), f"{seat['id']!r} is reserved"))
    bodies = {x.get("id") for _, x in items("bodies")}
    injects = {x.get("id") for _, x in items("injects")}

    def check_seats(loc: tuple, value: Any, allow_all: bool) -> None:
        if allow_all and value == "all":
            return
        if isinstance(value, list):
            for j, s in enumerate(value):
                if s not in seats:
                    errors.append(((*loc, j), f"unknown seat {s!r}"))

    for i, body in items("bodies"):
        if body.get("members") != "all_members":
            check_seats(("bodies", i, "members"), body.get("members"), False)
        chair = body.get("chair")
        if chair is not None and chair not in seats:
            errors.append((("bodies", i, "chair"), f"unknown seat {chair!r}"))
    for i, region in items("regions"):
        check_seats(("regions", i, "members"), region.get("members"), False)
    for i, rule in items("rules"):
        if rule.get("body", "*") not in bodies | {"*"}:
            errors.append((("rules", i, "body"), f"unknown body {rule.get('body')!r}"))
    if not any(r.get("body", "*") == "*" and r.get("kind", "*") == "*" for _, r in items("rules")) and items("rules"):
        errors.append((("rules",), "no default rule: add one with body \"*\" and kind \"*\""))

    last_at: float | None = None
    for i, inj in items("injects"):
        check_seats(("injects", i, "to"), inj.get("to"), True)
        at = inj.get("at")
        if isinstance(at, str):
            try:
                seconds = parse_offset(at)
            except ValueError:
                seconds = None
            if seconds is not None:
                if last_at is not None and seconds < last_at:
                    errors.append((("injects", i, "at"),
                                   f"inject at {at} comes after one at {format_offset(last_at)}: list scheduled injects in time order"))
                last_at = seconds if last_at is None else max(last_at, seconds)
        unless = inj.get("unless")
        if isinstance(unless, dict):
            after = unless.get("after")
            if isinstance(after, str) and after not in injects:
                errors.append((("injects", i, "unless", "after"), f"trigger names unknown inject {after!r}"))
            if isinstance(after, str) and after == inj.get("id"):
                errors.append((("injects", i, "unless", "after"), "an inject cannot wait for itself"))
        when = inj.get("when")
        if isinstance(when, dict) and when.get("event") == "inject_delivered":
            target = when.get("inject_id")
            if target is not None and target not in injects:
                errors.append((("injects", i, "when", "inject_id"), f"trigger names unknown inject {target!r}"))
    for i, exp in items("expectations"):
        after = exp.get("after")
        if isinstance(after, str) and after not in injects:
            errors.append((("expectations", i, "after"), f"expectation names unknown inject {after!r}"))
        by = exp.get("by")
        if isinstance(by, list):
            check_seats(("expectations", i, "by"), by, False)
    return errors
