"""The manual clock: time stands still until a test moves it, and moving it wakes exactly the
sleeps that have come due, in whichever event loop they wait."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from server.clock import ManualClock, SystemClock


async def test_advance_moves_now_and_wakes_only_the_sleeps_that_are_due():
    clock = ManualClock(start=100.0)
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("short", 1.0)), asyncio.create_task(sleeper("long", 5.0))]
    await asyncio.sleep(0)  # let both start waiting
    assert clock.sleepers == 2
    clock.advance(2.0)
    await asyncio.wait_for(tasks[0], 1)
    assert clock.now() == 102.0 and woke == ["short"] and clock.sleepers == 1
    clock.advance(3.0)
    await asyncio.wait_for(tasks[1], 1)
    assert woke == ["short", "long"] and clock.sleepers == 0


async def test_a_sleep_of_nothing_returns_at_once_and_a_cancelled_sleep_is_forgotten():
    clock = ManualClock()
    await asyncio.wait_for(clock.sleep(0), 1)
    waiting = asyncio.create_task(clock.sleep(10))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert clock.sleepers == 0
    clock.advance(20)  # nothing left to wake, nothing raised


def test_advance_wakes_a_sleep_in_another_threads_loop():
    """A server under test may run its event loop in a thread of its own."""
    clock = ManualClock()
    woke = threading.Event()

    def server_thread() -> None:
        async def wait() -> None:
            await clock.sleep(1.0)
            woke.set()

        asyncio.run(wait())

    thread = threading.Thread(target=server_thread, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not clock.sleepers:  # until the other loop is asleep on the clock
        assert time.monotonic() < deadline, "the other thread never slept on the clock"
        time.sleep(0.005)
    clock.advance(1.0)
    assert woke.wait(5), "the sleep in the other thread was not woken"
    thread.join(5)


def test_time_does_not_go_backwards():
    with pytest.raises(ValueError):
        ManualClock().advance(-1)


async def test_the_system_clock_is_the_wall_clock():
    before = time.time()
    assert before <= SystemClock().now() <= time.time()
    await SystemClock().sleep(0)
