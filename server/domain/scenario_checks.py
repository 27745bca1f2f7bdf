"""Cross-references inside a scenario, checked over the raw document so that a file with a bad field
and a bad reference gets both reported at once: duplicate ids; unknown seats, kinds, statuses,
bodies, regions, recipients and injects; powers naming moves that do not exist; scheduled injects
out of time order; rules without a default; event patterns (triggers, expectations, milestones,
requirements) naming event types or fields that do not exist, or decision kinds the scenario does
not declare; a body in which nobody can vote.

Each error is `(location, message)`, the location a path into the document (`("seats", 3, "kind")`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .registry import REGISTRY
from .scenario import RESERVED_SEATS, format_offset, parse_offset

Errors = list[tuple[tuple[Any, ...], str]]

# data fields of events that name a decision kind / a body / a seat, for the value checks below
_KIND_FIELDS = {"kind"}
_SEAT_FIELDS = {"actor", "seat", "subject", "convener", "recipient"}


def _items(doc: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = doc.get(key)
    if not isinstance(value, list):
        return []
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)]


def _ids(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        return []
    return [x.get("id") if isinstance(x, dict) else x for x in value]


def _grant_move(g: Any) -> Any:
    return g if isinstance(g, str) else (g.get("move") if isinstance(g, dict) else None)


def cross_check_raw(doc: Any) -> Errors:
    """Every cross-reference error in a raw scenario document (a dict as loaded from YAML or JSON)."""
    errors: Errors = []
    if not isinstance(doc, dict):
        return errors
    add = lambda loc, msg: errors.append((tuple(loc), msg))  # noqa: E731

    # -- duplicates and reserved ids --------------------------------------------------------------
    for key, what in (("seats", "seat"), ("bodies", "body"), ("regions", "region"), ("injects", "inject"),
                      ("expectations", "expectation"), ("seat_kinds", "seat kind"), ("statuses", "status"),
                      ("decision_kinds", "decision kind"), ("threat_kinds", "threat kind"),
                      ("assistance_kinds", "assistance kind"), ("recipients", "recipient"), ("milestones", "milestone")):
        seen: set[Any] = set()
        for i, ident in enumerate(_ids(doc, key)):
            if ident is None:
                continue
            if ident in seen:
                add((key, i, "id"), f"duplicate {what} id {ident!r}")
            seen.add(ident)
    for i, seat in _items(doc, "seats"):
        if isinstance(seat.get("id"), str) and seat["id"].lower() in RESERVED_SEATS:
            add(("seats", i, "id"), f"{seat['id']!r} is reserved")

    seats = {x.get("id") for _, x in _items(doc, "seats")}
    seat_kinds = set(_ids(doc, "seat_kinds"))
    statuses = set(_ids(doc, "statuses"))
    bodies = {x.get("id") for _, x in _items(doc, "bodies")}
    injects = {x.get("id") for _, x in _items(doc, "injects")}
    recipients = set(_ids(doc, "recipients"))
    decision_kinds = set(_ids(doc, "decision_kinds")) if "decision_kinds" in doc else {"general"}
    threat_kinds = set(_ids(doc, "threat_kinds")) if "threat_kinds" in doc else {"threat"}
    assistance_kinds = set(_ids(doc, "assistance_kinds"))
    powered = {t for t, c in REGISTRY.commands.items() if c.power} | {"all"}

    def check_seats(loc: tuple[Any, ...], value: Any, *, allow_all: bool = False, extra: Iterable[str] = ()) -> None:
        if allow_all and value == "all":
            return
        if isinstance(value, list):
            for j, s in enumerate(value):
                if s not in seats and s not in extra:
                    add((*loc, j), f"unknown seat {s!r}")

    def check_grants(loc: tuple[Any, ...], grants: Any) -> None:
        if not isinstance(grants, list):
            return
        for j, g in enumerate(grants):
            move = _grant_move(g)
            if isinstance(move, str) and move not in powered:
                add((*loc, j), f"unknown power {move!r}: the moves a scenario grants are {', '.join(sorted(powered))}")
            if isinstance(g, dict):
                kinds = g.get("kinds")
                known = threat_kinds if move == "report_threat" else assistance_kinds
                if isinstance(kinds, list):
                    for k, kind in enumerate(kinds):
                        if kind not in known:
                            add((*loc, j, "kinds", k), f"unknown kind {kind!r} for {move}")
                to = g.get("to")
                if isinstance(to, list):
                    for k, r in enumerate(to):
                        if r not in recipients:
                            add((*loc, j, "to", k), f"unknown recipient {r!r}")

    # -- institutions -----------------------------------------------------------------------------
    for key in ("seat_kinds", "statuses"):
        for i, k in _items(doc, key):
            check_grants((key, i, "powers"), k.get("powers"))
    for i, seat in _items(doc, "seats"):
        if "kind" in seat and seat["kind"] not in seat_kinds:
            add(("seats", i, "kind"), f"unknown seat kind {seat['kind']!r}; declare it in seat_kinds")
        if seat.get("status") is not None and seat["status"] not in statuses:
            add(("seats", i, "status"), f"unknown status {seat['status']!r}; declare it in statuses")
        check_grants(("seats", i, "powers"), seat.get("powers"))
    for i, body in _items(doc, "bodies"):
        if body.get("members") != "all_members":
            check_seats(("bodies", i, "members"), body.get("members"))
        chair = body.get("chair")
        if chair is not None and chair not in seats:
            add(("bodies", i, "chair"), f"unknown seat {chair!r}")
        who = body.get("who")
        if isinstance(who, dict):
            for role, holders in who.items():
                check_seats(("bodies", i, "who", role), holders, extra=("members", "chair"))
    for i, region in _items(doc, "regions"):
        check_seats(("regions", i, "members"), region.get("members"))
    for i, kind in _items(doc, "decision_kinds"):
        for j, b in enumerate(kind.get("bodies") or []):
            if b not in bodies:
                add(("decision_kinds", i, "bodies", j), f"unknown body {b!r}")
        by = kind.get("implemented_by")
        if isinstance(by, list):
            check_seats(("decision_kinds", i, "implemented_by"), by)
        effect = kind.get("effect")
        if isinstance(effect, dict) and effect.get("status") is not None and effect["status"] not in statuses:
            add(("decision_kinds", i, "effect", "status"), f"unknown status {effect['status']!r}")
        for j, req in enumerate(kind.get("requires") or []):
            if isinstance(req, dict):
                for k, alt in enumerate(req.get("any_of") or []):
                    if isinstance(alt, str):
                        if alt not in injects:
                            add(("decision_kinds", i, "requires", j, "any_of", k), f"requirement names unknown inject {alt!r}")
                    else:
                        _check_pattern(("decision_kinds", i, "requires", j, "any_of", k), alt, doc, decision_kinds, add)
    withdrawal = (doc.get("membership") or {}).get("withdrawal") if isinstance(doc.get("membership"), dict) else None
    if isinstance(withdrawal, dict) and withdrawal.get("status") is not None and withdrawal["status"] not in statuses:
        add(("membership", "withdrawal", "status"), f"unknown status {withdrawal['status']!r}")
    for i, alias in _items(doc, "aliases"):
        means = alias.get("means")
        if isinstance(means, dict) and isinstance(means.get("type"), str):
            cmd = REGISTRY.commands.get(means["type"])
            if cmd is None or cmd.by in ("system",):
                add(("aliases", i, "means", "type"), f"unknown command {means['type']!r}")
            elif cmd.model is not None:
                for field in means:
                    if field != "type" and field not in cmd.model.model_fields:
                        add(("aliases", i, "means", field), f"{means['type']} has no field {field!r}")
                if means.get("recipient") is not None and means["recipient"] not in recipients:
                    add(("aliases", i, "means", "recipient"), f"unknown recipient {means['recipient']!r}")
        if alias.get("command") in REGISTRY.commands:
            add(("aliases", i, "command"), f"{alias['command']!r} is already a command")
        if alias.get("records") in REGISTRY.events:
            add(("aliases", i, "records"), f"{alias['records']!r} is already an event type")

    # -- rules ------------------------------------------------------------------------------------
    for i, rule in _items(doc, "rules"):
        if rule.get("body", "*") not in bodies | {"*"}:
            add(("rules", i, "body"), f"unknown body {rule.get('body')!r}")
        if rule.get("kind", "*") not in decision_kinds | {"*"}:
            add(("rules", i, "kind"), f"unknown decision kind {rule.get('kind')!r}")
        authority = rule.get("authority")
        if isinstance(authority, str) and authority not in seats:
            add(("rules", i, "authority"), f"unknown seat {authority!r}: the authority of a single_authority rule is a seat")
        weights = rule.get("weights")
        if isinstance(weights, dict):
            for seat in weights:
                if seat not in seats:
                    add(("rules", i, "weights", seat), f"unknown seat {seat!r}")
    if _items(doc, "rules") and not any(r.get("body", "*") == "*" and r.get("kind", "*") == "*" for _, r in _items(doc, "rules")):
        add(("rules",), "no default rule: add one with body \"*\" and kind \"*\"")

    _check_voters(doc, add)

    # -- injects, triggers, expectations, milestones ------------------------------------------------
    last_at: float | None = None
    for i, inj in _items(doc, "injects"):
        check_seats(("injects", i, "to"), inj.get("to"), allow_all=True)
        at = inj.get("at")
        if isinstance(at, str):
            try:
                seconds: float | None = parse_offset(at)
            except ValueError:
                seconds = None
            if seconds is not None:
                if last_at is not None and seconds < last_at:
                    add(("injects", i, "at"), f"inject at {at} comes after one at {format_offset(last_at)}: "
                                              "list scheduled injects in time order")
                last_at = seconds if last_at is None else max(last_at, seconds)
        unless = inj.get("unless")
        if isinstance(unless, dict):
            after = unless.get("after")
            if isinstance(after, str) and after not in injects:
                add(("injects", i, "unless", "after"), f"trigger names unknown inject {after!r}")
            if isinstance(after, str) and after == inj.get("id"):
                add(("injects", i, "unless", "after"), "an inject cannot wait for itself")
            if isinstance(after, dict):
                _check_pattern(("injects", i, "unless", "after"), after, doc, decision_kinds, add)
            if isinstance(unless.get("event"), str):
                _check_pattern(("injects", i, "unless"), {"event": unless["event"], **(unless.get("match") or {})},
                               doc, decision_kinds, add, fields_loc=("injects", i, "unless", "match"))
        when = inj.get("when")
        if isinstance(when, dict):
            _check_pattern(("injects", i, "when"), when, doc, decision_kinds, add)
            if when.get("event") == "inject_delivered":
                target = when.get("inject_id")
                if target is not None and target not in injects:
                    add(("injects", i, "when", "inject_id"), f"trigger names unknown inject {target!r}")
    for i, exp in _items(doc, "expectations"):
        after = exp.get("after")
        if isinstance(after, str) and after not in injects:
            add(("expectations", i, "after"), f"expectation names unknown inject {after!r}")
        if isinstance(after, dict):
            _check_pattern(("expectations", i, "after"), after, doc, decision_kinds, add)
        if isinstance(exp.get("expect"), dict):
            _check_pattern(("expectations", i, "expect"), exp["expect"], doc, decision_kinds, add)
        by = exp.get("by")
        if isinstance(by, list):
            check_seats(("expectations", i, "by"), by)
        correlate = exp.get("correlate")
        if isinstance(correlate, str) and isinstance(exp.get("expect"), dict):
            fields = _event_fields(doc, exp["expect"].get("event"))
            if fields is not None and correlate not in fields:
                add(("expectations", i, "correlate"), f"{exp['expect'].get('event')} has no field {correlate!r}")
    for i, m in _items(doc, "milestones"):
        if isinstance(m.get("event"), dict):
            _check_pattern(("milestones", i, "event"), m["event"], doc, decision_kinds, add)
    _check_stances(doc, seats, injects, decision_kinds, add)
    _check_translations(doc, add)
    return errors


def _check_translations(doc: dict[str, Any], add: Callable[[tuple[Any, ...], str], None]) -> None:
    """Texts in other languages name what the scenario has: `seat:<id>` a seat, `move:notify` a move."""
    from .scenario import _NAMED, split_languages

    translations = split_languages(doc, add).get("translations")
    if not isinstance(translations, dict):
        return
    known: set[str] = {"title", "summary"}
    for group, prefix in _NAMED.items():
        known |= {f"{prefix}{part}:{x}" for x in _ids(doc, group) if isinstance(x, str) for part in ("", "_description")}
    known |= {f"seat_head:{x}" for x in _ids(doc, "seats") if isinstance(x, str)}
    words = doc.get("words") if isinstance(doc.get("words"), dict) else {}
    from .words import DEFAULT_MOVES, DEFAULT_TERMS

    moves = set(REGISTRY.commands) | set(DEFAULT_MOVES) | set((words.get("moves") or {}) if isinstance(words.get("moves"), dict) else {})
    known |= {f"move:{m}" for m in moves} | {f"move_help:{m}" for m in moves} | {f"move_reference:{m}" for m in moves}
    known |= {f"decision_kind_reference:{x}" for x in _ids(doc, "decision_kinds") if isinstance(x, str)}
    terms = set(DEFAULT_TERMS) | set((words.get("terms") or {}) if isinstance(words.get("terms"), dict) else {})
    known |= {f"term:{t}" for t in terms} | {f"vote:{v}" for v in ("for", "against", "abstain")}
    for lang, texts in translations.items():
        if not isinstance(texts, dict):
            continue
        for key in texts:
            if key not in known:
                add(("translations", lang, key), f"{key!r} names nothing in this scenario (a seat, body, kind, status, "
                                                  "region, recipient, milestone, move, term or vote)")


def _check_stances(doc: dict[str, Any], seats: set[Any], injects: set[Any], decision_kinds: set[Any],
                   add: Callable[[tuple[Any, ...], str], None]) -> None:
    """The procedure lab's stances: seats, kinds, injects and moves that exist."""
    stances = doc.get("stances")
    if not isinstance(stances, dict):
        return
    aliases = {a.get("command") for _, a in _items(doc, "aliases")}
    moves = {t for t, c in REGISTRY.commands.items() if c.by != "system"} | aliases

    def check_votes(loc: tuple[Any, ...], stance: Any) -> None:
        votes = stance.get("votes") if isinstance(stance, dict) else None
        if isinstance(votes, dict):
            for kind in votes:
                if kind != "default" and kind not in decision_kinds:
                    add((*loc, "votes", kind), f"unknown decision kind {kind!r}")

    check_votes(("stances", "default"), stances.get("default"))
    for seat, stance in (stances.get("seats") or {}).items() if isinstance(stances.get("seats"), dict) else ():
        if seat not in seats:
            add(("stances", "seats", seat), f"unknown seat {seat!r}")
        check_votes(("stances", "seats", seat), stance)
    for i, play in enumerate(stances.get("plays") or []):
        if not isinstance(play, dict):
            continue
        loc = ("stances", "plays", i)
        if play.get("seat") not in seats | {"facilitator"}:
            add((*loc, "seat"), f"unknown seat {play.get('seat')!r}")
        after = play.get("after")
        if isinstance(after, str) and after not in injects:
            add((*loc, "after"), f"play waits for unknown inject {after!r}")
        elif isinstance(after, dict):
            _check_pattern((*loc, "after"), after, doc, decision_kinds, add)
        move = play.get("move")
        if isinstance(move, dict) and isinstance(move.get("type"), str) and move["type"] not in moves:
            add((*loc, "move", "type"), f"unknown move {move['type']!r}")


def _aliases(doc: dict[str, Any]) -> dict[str, str]:
    """alias event type -> the generic event type it records."""
    out = {}
    for _, a in _items(doc, "aliases"):
        means = a.get("means")
        cmd = REGISTRY.commands.get(means.get("type")) if isinstance(means, dict) else None
        if isinstance(a.get("records"), str) and cmd is not None:
            out[a["records"]] = cmd.records
    return out


def _event_fields(doc: dict[str, Any], event: Any) -> set[str] | None:
    """The data fields an event type has (plus `actor`), or None when the type is unknown."""
    if not isinstance(event, str):
        return None
    generic = _aliases(doc).get(event, event)
    spec = REGISTRY.events.get(generic)
    return None if spec is None else {"actor", "in_response_to", *spec.fields}


def _check_pattern(loc: tuple[Any, ...], pattern: dict[str, Any], doc: dict[str, Any], decision_kinds: set[Any],
                   add: Callable[[tuple[Any, ...], str], None], *, fields_loc: tuple[Any, ...] | None = None) -> None:
    event = pattern.get("event")
    if not isinstance(event, str):
        return
    fields = _event_fields(doc, event)
    if fields is None:
        known = sorted(set(REGISTRY.events) | set(_aliases(doc)))
        close = [k for k in known if _near(k, event)]
        hint = f"; did you mean {close[0]}?" if close else ""
        add((*loc, "event"), f"unknown event type {event!r}{hint}")
        return
    for key, value in pattern.items():
        if key == "event":
            continue
        if key not in fields:
            add((*(fields_loc or loc), key), f"{event} has no field {key!r} (it has {', '.join(sorted(fields))})")
        elif key in _KIND_FIELDS and event.startswith("decision_"):
            for v in value if isinstance(value, list) else [value]:
                if v not in decision_kinds:
                    add((*(fields_loc or loc), key), f"unknown decision kind {v!r}; declare it in decision_kinds")


def _near(a: str, b: str) -> bool:
    """Whether two names differ by one edit at most (a typo)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _check_voters(doc: dict[str, Any], add: Callable[[tuple[Any, ...], str], None]) -> None:
    """A body in which nobody can vote at the start: no member of it holds the power to vote."""
    kinds = {k.get("id"): k for _, k in _items(doc, "seat_kinds")}
    statuses = {s.get("id"): s for _, s in _items(doc, "statuses")}

    def grants(holder: Any) -> list[Any]:
        return [_grant_move(g) for g in (holder.get("powers") or [])] if isinstance(holder, dict) else []

    def votes(seat: dict[str, Any]) -> bool:
        moves = grants(kinds.get(seat.get("kind"))) + grants(statuses.get(seat.get("status"))) + grants(seat)
        revoked = seat.get("revoke") or []
        return ("cast_vote" in moves or "all" in moves) and "cast_vote" not in revoked

    def is_member(seat: dict[str, Any]) -> bool:
        status = statuses.get(seat.get("status")) if seat.get("status") is not None else None
        if status is not None:
            return bool(status.get("member"))
        kind = kinds.get(seat.get("kind"))
        return bool(kind and kind.get("member")) and seat.get("status") is None

    seats = {s.get("id"): s for _, s in _items(doc, "seats")}
    for i, body in _items(doc, "bodies"):
        members = body.get("members")
        if members == "all_members":
            pool = [s for s in seats.values() if is_member(s)]
        elif isinstance(members, list):
            pool = [seats[m] for m in members if m in seats]
        else:
            continue
        if not any(votes(s) for s in pool):
            add(("bodies", i, "members"), f"nobody can vote in {body.get('id')}: none of its members has the power "
                                          "cast_vote (give it to their kind, status or seat)")
