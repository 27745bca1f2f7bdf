"""Review operations over the service: report, fork, import. The judgment is in the pure modules
(report, fork, export); these functions read the store, call them, and create exercises."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from pydantic import ValidationError

from ..domain.decide import scenario_hash
from ..domain.events import Event, thaw
from ..domain.scenario import Scenario
from ..domain.fold import fold
from ..service import ExerciseService, IssuedSeat, UnknownExercise
from .export import ParsedExport, parse_export
from .fork import BadFork, RulesIn, plan_fork
from .log import BadEnvelope, current, stored_event
from .compare import TOLERANCE, NotComparable, common_view, compare_reports
from .reenact import event_type
from .report import build_report


class ReviewRefused(Exception):
    """A review request that cannot be carried out: HTTP status, code, message, details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


@dataclass
class Created:
    exercise_id: str
    scenario: Scenario
    issued: list[IssuedSeat]
    origin: dict[str, Any]


async def report_for(service: ExerciseService, exercise_id: str, seat: str, lang: str = "en") -> dict[str, Any]:
    events = await service.events(exercise_id)
    if not events:
        raise UnknownExercise(exercise_id)
    return build_report(events, seat=seat, lang=lang)


async def fork_id_map(service: ExerciseService, a_id: str, b_id: str) -> dict[str, str] | None:
    """A's entity ids -> B's when one run is a fork of the other (the map its fork recorded in the
    exercise's origin), else None."""
    a, b = await service.store.exercise(a_id), await service.store.exercise(b_id)

    def parent(record: Any) -> str | None:
        origin = record.origin if record is not None else None
        return ((origin or {}).get("forked_from") or {}).get("exercise_id")

    if b is not None and parent(b) == a_id and b.origin is not None and "id_map" in b.origin:
        return dict(b.origin["id_map"])
    if a is not None and parent(a) == b_id and a.origin is not None and "id_map" in a.origin:
        return {fork: orig for orig, fork in a.origin["id_map"].items()}
    return None


def decision_id_map(original: Sequence[Event], id_map: dict[str, str], scenario: Scenario) -> dict[str, str]:
    """The part of a fork's id map that compare needs: the decisions it made again (kept in the
    fork's origin, which its export's header carries: a map of every statement would be large)."""
    decisions = set()
    for e in original:
        spec = event_type(e, scenario)
        if spec is not None and spec.type == "decision_proposed":
            decisions.add(str(e.data.get("decision_id")))
    return {k: v for k, v in id_map.items() if k in decisions}


async def compare_runs(service: ExerciseService, a_id: str, a_seat: str, b_id: str, b_seat: str,
                       tolerance: float = TOLERANCE) -> dict[str, Any]:
    """Two runs compared through one seat's view (`common_view`), matched through the fork's id map;
    a time counts as changed when the runs differ by more than `tolerance` exercise seconds."""
    seat = common_view(a_seat, b_seat)
    a = await report_for(service, a_id, seat)
    b = await report_for(service, b_id, seat)
    try:
        out = compare_reports(a, b, a_id=a_id, b_id=b_id, id_map=await fork_id_map(service, a_id, b_id),
                              tolerance=tolerance)
    except NotComparable as exc:
        raise ReviewRefused(409, "not_comparable", str(exc))
    if (a_seat, b_seat) != (seat, seat):
        out["note"] = (f"Both runs are read through the {seat}'s view (the links given are the {a_seat}'s and the "
                       f"{b_seat}'s): what one seat may see and the other may not would otherwise read as a change.")
    return out


async def stored_prefix(service: ExerciseService, exercise_id: str, upto: int) -> list[Event]:
    """Events 1..upto in their stored form (not upcast): what a copy must carry to keep its hashes."""
    out: list[Event] = []
    async for batch in service.store.read_raw(exercise_id):
        for env in batch:
            if env["seq"] > upto:
                return out
            out.append(stored_event(env))
    return out


async def fork_exercise(service: ExerciseService, exercise_id: str, *, at: int, rules: RulesIn,
                        replay: bool) -> Created:
    original = await service.events(exercise_id)
    if not original:
        raise UnknownExercise(exercise_id)
    if at > len(original):
        raise ReviewRefused(409, "beyond_head", f"The exercise has only {len(original)} events; fork at 1..{len(original)}.")
    if original[0].data.get("format") == 1 and await service.is_read_only(exercise_id):
        raise ReviewRefused(409, "not_forkable", "This log was imported from before scenarios declared their institutions; "
                            "its moves were not checked against today's rules, so it can be reviewed but not forked.")
    copies = await stored_prefix(service, exercise_id, at)
    try:
        plan = plan_fork(original, from_exercise_id=exercise_id, at=at, rules=rules, replay=replay, now=service.now(),
                         copies=copies, salt=secrets.token_bytes(16))
    except BadFork as exc:
        raise ReviewRefused(422, "invalid_fork", str(exc))
    scenario = plan.state.scenario
    assert scenario is not None
    forked = next(e for e in plan.events if e.type == "exercise_forked")
    origin = {"forked_from": {"exercise_id": exercise_id, "at": at}, "rules": thaw(forked.data.get("rules")),
              "replay": replay, "reenacted": plan.reenacted, "skipped": plan.skipped,
              "id_map": decision_id_map(original, plan.id_map, scenario)}
    new_id, issued = await service.create(scenario, events=plan.events, origin=origin, snapshot=True)
    return Created(new_id, scenario, issued, origin)


def broken_chain(parsed: ParsedExport) -> ReviewRefused | None:
    p = parsed.problem
    if p is None:
        return None
    return ReviewRefused(422, "broken_chain", str(p), {"seq": p.seq, "line": p.line, "reason": p.reason})


def read_export(lines: Iterable[str | bytes]) -> tuple[ParsedExport, list[Event], Scenario]:
    """Verify an export and read it: the parse, the events in stored form, the scenario."""
    parsed = parse_export(lines)
    refused = broken_chain(parsed)
    if refused is not None:
        raise refused
    try:
        events = [stored_event(env) for env in parsed.events]
    except BadEnvelope as exc:
        raise ReviewRefused(422, "invalid_export", f"An event cannot be read: {exc}")
    first = current(events[0])
    if first.type != "exercise_created" or "scenario" not in first.data:
        raise ReviewRefused(422, "invalid_export", "The log does not start with exercise_created and its scenario.")
    definition = thaw(first.data["scenario"])
    if first.data.get("scenario_hash") not in (None, scenario_hash(definition)):
        raise ReviewRefused(422, "invalid_export", "The scenario in the first event does not match its recorded hash.")
    try:
        scenario = Scenario.model_validate(definition)
        fold(current(e) for e in events)
    except (ValidationError, KeyError, TypeError, ValueError, AssertionError) as exc:
        raise ReviewRefused(422, "invalid_export", f"The log cannot be replayed: {exc.__class__.__name__}: {exc}")
    return parsed, events, scenario
