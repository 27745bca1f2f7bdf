"""The issue's small things, in the browser: a clock speed above ten times real time is asked for
twice (and one above the server's maximum is refused in its words); a success message ("Resumed.")
is cleared once the exercise has moved on; a join link pasted into the address bar of a tab already
on the exercise takes effect."""

from __future__ import annotations

from playwright.sync_api import expect


def speeds(tiny) -> list[float]:
    return [e["data"]["factor"] for e in tiny.events() if e["type"] == "clock_speed_set"]


def test_a_speed_above_ten_is_confirmed_and_one_above_the_maximum_refused(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    fac = open_seat(tiny.link("facilitator"))
    form = fac.locator("form.speed-form")
    status = form.locator(".status")
    form.get_by_label("Exercise seconds per real second").fill("5")
    form.get_by_role("button", name="Set speed").click()
    expect(status).to_have_text("Speed set.")  # up to x10: at once
    form.get_by_label("Exercise seconds per real second").fill("50")
    form.get_by_role("button", name="Set speed").click()
    expect(status).to_contain_text("more than ten times faster than real time")
    assert speeds(tiny) == [5.0]  # nothing sent yet
    form.get_by_role("button", name="Set speed").click()
    expect(status).to_have_text("Speed set.")
    assert speeds(tiny) == [5.0, 50.0]
    # a changed value is asked for again; above the server's maximum (TTX_CLOCK_SPEED_MAX) it is refused
    form.get_by_label("Exercise seconds per real second").fill("1000")
    form.get_by_role("button", name="Set speed").click()
    expect(status).to_contain_text("more than ten times faster")
    form.get_by_role("button", name="Set speed").click()
    expect(status).to_contain_text("The clock runs between 0.1x and 100x")
    assert speeds(tiny) == [5.0, 50.0]
    assert fac.page_errors == []


def test_a_success_message_is_cleared_once_the_exercise_moves_on(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    fac = open_seat(tiny.link("facilitator"))
    clock = fac.locator("#clock-controls")
    status = clock.locator(":scope > .panel-body > p.status")
    clock.get_by_role("button", name="Pause").click()
    expect(status).to_have_text("Paused.")
    clock.get_by_role("button", name="Resume").click()
    expect(status).to_have_text("Resumed.")
    fac.wait_seq(tiny.head())  # its own event shown: the message stands
    expect(status).to_have_text("Resumed.")
    (later,) = tiny.command("TJK", {"type": "report_threat", "kind": "threat", "summary": "Shelling"})["events"]
    fac.wait_seq(later["seq"])
    expect(status).to_have_text("")  # old news once something else has happened


def test_a_join_link_pasted_into_the_address_bar_takes_effect(tiny, open_seat):
    tiny.command("facilitator", {"type": "start_exercise"})
    page = open_seat(tiny.link("TJK"))
    expect(page.locator(".topbar h1")).to_contain_text("Tajikistan")
    kaz = tiny.link("KAZ")
    assert kaz.split("#")[0].endswith(page.url.split("#")[0].split("/exercises/")[1])  # the same exercise, the same page
    page.evaluate("hash => { location.hash = hash; }", "#" + kaz.split("#", 1)[1])  # as pasting it would
    expect(page.locator(".topbar h1")).to_contain_text("Kazakhstan")
    assert "#" not in page.url
    page.reload()
    page.wait_live()
    expect(page.locator(".topbar h1")).to_contain_text("Kazakhstan")  # the new seat stays
