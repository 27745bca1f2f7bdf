"""What the scripted whole runs through the HTTP API share (`test_scenario_runs.py`,
`test_more_scenarios.py`): a driver that plays an exercise seat by seat, small readers of the
events it returns, and the checks every run ends with (privacy held, every seat acted, the replay
equal to the live state)."""

from __future__ import annotations

import json
from typing import Any

from server.domain.events import Event, parse_timestamp
from server.domain.fold import fold
from server.domain.views import seat_view
from server.review.export import parse_export
from server.service import ExerciseService
from tests.conftest import Exercise

LIVE_ONLY = ("read_only", "server_time")  # added by the HTTP layer, not part of the folded view


class Run:
    """An exercise driven seat by seat: `await run.do("TJK", "report_threat", kind=...)`."""

    def __init__(self, ex: Exercise) -> None:
        self.ex = ex

    async def do(self, seat: str, type: str, /, **fields: Any) -> list[dict[str, Any]]:
        return (await self.ex.command(seat, {"type": type, **fields}))["events"]

    async def recorded(self, seat: str, type: str, /, **fields: Any) -> list[dict[str, Any]]:
        """Everything the command recorded, as the facilitator sees it (the seat itself is shown
        only what it may see: an inject triggered for other seats is left out of its answer)."""
        before = (await self.ex.state("facilitator"))["exercise"]["version"]
        shown = await self.do(seat, type, **fields)
        everything = await self.ex.events("facilitator", after=before)
        assert [e for e in everything if e["audience"] is None or seat in e["audience"]] == shown
        return everything

    async def refused(self, seat: str, type: str, http_status: int, code: str, /, **fields: Any) -> None:
        body = await self.ex.command(seat, {"type": type, **fields}, expect=http_status)
        assert body["error"]["code"] == code, body

    async def deliver(self, inject_id: str) -> dict[str, Any]:
        (event,) = await self.do("facilitator", "deliver_inject", inject_id=inject_id)
        assert event["type"] == "inject_delivered" and event["data"]["inject_id"] == inject_id
        return event

    async def statement(self, seat: str, consultation_id: str, text: str) -> None:
        (event,) = await self.do(seat, "post_statement", consultation_id=consultation_id, text=text)
        assert event["type"] == "statement_posted"

    async def votes(self, decision_id: str, votes: dict[str, str]) -> list[dict[str, Any]]:
        """Cast the votes in order; returns all the last one recorded (where the decision settles)."""
        *first, (last, vote) = votes.items()
        for seat, v in first:
            (event,) = await self.do(seat, "cast_vote", decision_id=decision_id, vote=v)
            assert event["type"] == "vote_cast"
        return await self.recorded(last, "cast_vote", decision_id=decision_id, vote=vote)

    async def answer_all(self, request_id: str, answers: dict[str, tuple[str, str]]) -> None:
        for seat, (response, details) in answers.items():
            (event,) = await self.do(seat, "respond_to_assistance", request_id=request_id, response=response, details=details)
            assert event["type"] == "assistance_responded"

    async def implement(self, decision_id: str, statuses: dict[str, tuple[str, str | None]]) -> None:
        for seat, (status, note) in statuses.items():
            (event,) = await self.do(seat, "record_implementation", decision_id=decision_id, status=status, note=note)
            assert event["type"] == "implementation_recorded"


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def one(events: list[dict[str, Any]], type: str) -> dict[str, Any]:
    found = [e for e in events if e["type"] == type]
    assert len(found) == 1, f"expected one {type} in {types(events)}"
    return found[0]


def by_id(items: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(x for x in items if x["id"] == ident)


def injects_by_status(state: dict[str, Any]) -> tuple[set[str], set[str]]:
    delivered = {i["id"] for i in state["injects"] if i["status"] == "delivered"}
    pending = {i["id"] for i in state["injects"] if i["status"] == "pending"}
    return delivered, pending


def averted_injects(state: dict[str, Any]) -> set[str]:
    """`unless` injects whose event came in time: never to be delivered."""
    return {i["id"] for i in state["injects"] if i["status"] == "averted"}


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def live_view(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in LIVE_ONLY}


def event_from_envelope(env: dict[str, Any]) -> Event:
    return Event(type=env["type"], actor=env["actor"], data=env["data"], exercise_time=env["exercise_time"],
                 recorded_at=parse_timestamp(env["recorded_at"]), seq=env["seq"],
                 audience=tuple(env["audience"]) if env["audience"] is not None else None,
                 version=env["version"], id=env["id"], hash=env["hash"], exercise_id=env["exercise_id"])


async def assert_private(ex: Exercise, consultation_id: str, *, insiders: list[str], outsiders: list[str]) -> None:
    """The consultation and its statements reach its members and the facilitator, nobody else."""
    def about(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["data"].get("consultation_id") == consultation_id]

    everything = about(await ex.events("facilitator"))
    assert everything, "the facilitator sees the private consultation"
    for seat in insiders:
        assert [e["seq"] for e in about(await ex.events(seat))] == [e["seq"] for e in everything], seat
        assert consultation_id in {c["id"] for c in (await ex.state(seat))["consultations"]}, seat
    for seat in outsiders:
        assert about(await ex.events(seat)) == [], f"{seat} sees a private consultation it is not in"
        assert consultation_id not in {c["id"] for c in (await ex.state(seat))["consultations"]}, seat


async def assert_replay(app: Any, ex: Exercise, seats: list[str]) -> dict[str, Any]:
    """The live state equals the state folded independently from the stored events, exactly, for
    the facilitator and for each of `seats` and the observer; returns the facilitator's live view."""
    live = await ex.state("facilitator")
    head = live["exercise"]["version"]
    envelopes = await ex.events("facilitator")
    assert [e["seq"] for e in envelopes] == list(range(1, head + 1)), "seq starts at 1 and has no gaps"

    # 1. the events the store holds (row_to_event), folded from nothing
    from_store = fold(await app.state.store.read(ex.id))
    # 2. a fresh service over the same database: no cache, no shared state with the live one
    fresh = await ExerciseService(store=app.state.store).state(ex.id, at=head)
    # 3. the events as the API hands them out, turned back into events and folded
    from_api = fold(event_from_envelope(e) for e in envelopes)
    for rebuilt in (from_store, fresh, from_api):
        assert rebuilt.version == head
        assert plain(seat_view(rebuilt, "facilitator")) == live_view(live)

    # the API's own replay to the head agrees as well
    assert live_view(await ex.state("facilitator", at=head)) == live_view(live)
    # and every seat's view of the live state is the view of the folded state
    for seat in [*seats, "observer"]:
        assert live_view(await ex.state(seat)) == plain(seat_view(from_store, seat)), seat

    # the exported log verifies (hash chain intact)
    r = await ex.client.get(f"/api/exercises/{ex.id}/export", headers=ex.headers("facilitator"))
    assert r.status_code == 200
    parsed = parse_export(r.text.splitlines())
    assert parsed.problem is None and len(parsed.events) == head
    return live


async def assert_every_seat_acted(ex: Exercise, seats: list[str]) -> None:
    actors = {e["actor"] for e in await ex.events("facilitator")}
    assert set(seats) <= actors, f"seats that never acted: {sorted(set(seats) - actors)}"


async def control_channel(run: Run, seat: str, question: str, answer: str, *, bystander: str) -> None:
    """A seat asks the facilitator privately; the facilitator answers; nobody else (`bystander`,
    say) sees either."""
    (sent,) = await run.do(seat, "send_control_message", text=question)
    assert sent["type"] == "control_message_sent" and sent["audience"] == [seat]
    (answered,) = await run.do("facilitator", "answer_control_message", seat=seat, text=answer,
                               in_reply_to=sent["data"]["message_id"])
    assert answered["type"] == "control_message_answered" and answered["audience"] == [seat]
    assert answered["data"]["in_reply_to"] == sent["data"]["message_id"]
    mine = {e["seq"] for e in await run.ex.events(seat)}
    assert {sent["seq"], answered["seq"]} <= mine
    assert not {sent["seq"], answered["seq"]} & {e["seq"] for e in await run.ex.events(bystander)}
