"""The start page, the review view, the page's fold against the server's view, and pages that
load nothing from elsewhere and log no errors."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from server.harness import ThreadServer
from tests.conftest import make_settings

from .support import Page, screenshot, tiny_definition

pytestmark = pytest.mark.browser


def test_start_page_creates_an_exercise_with_join_links_and_qr_codes(server, contexts):
    page = Page(contexts().new_page())
    page.goto(server.url + "/")
    card = page.locator('article.scenario[data-id="csto-border-crisis"]')
    expect(card).to_contain_text("Border crisis")
    expect(card).to_contain_text("Tajikistan reports aggression")
    # the seats counted in the scenario's own words (kinds and statuses from GET /api/scenarios)
    expect(card.locator(".meta")).to_contain_text("13 seats: 12 State (9 participating state, 3 non-signatory, partial participant), 1 Office")
    card.get_by_role("button", name="Create exercise").click()

    table = page.locator("#seat-links")
    expect(table.locator("li.seat-card")).to_have_count(15)  # 12 states, the SG, facilitator, observer
    expect(page.locator("#created .warning")).to_contain_text("These links are secret")
    link = table.get_by_role("textbox", name="Join link for Tajikistan").input_value()
    assert link.startswith(server.url + "/exercises/ex_") and "#" in link
    # every seat has a QR code, drawn from a blob: URL, never as markup
    page.wait_for_function("() => [...document.querySelectorAll('#seat-links img.qr-img')].every(i => i.complete && i.naturalWidth > 0)")
    srcs = table.locator("img.qr-img").evaluate_all("els => els.map(e => e.src)")
    assert len(srcs) == 15 and all(s.startswith("blob:") for s in srcs)
    assert page.locator("#seat-links svg").count() == 0

    # copying works (the clipboard on this secure origin, or selecting the text)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    table.get_by_role("button", name="Copy the join link for Tajikistan").click()
    expect(table.locator('li[data-seat="TJK"] .copied')).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link

    screenshot(page, "start.png", full_page=False)

    # the link opens the seat; the token leaves the address bar but survives a reload
    seat = Page(page.context.new_page())
    seat.goto_seat(link)
    assert "#" not in seat.url
    expect(seat.locator(".topbar h1")).to_contain_text("Tajikistan")
    seat.reload()
    seat.wait_live()
    expect(seat.locator(".topbar h1")).to_contain_text("Tajikistan")
    assert page.console_errors == [] and seat.console_errors == []


def test_start_page_asks_for_the_admin_token_when_the_server_wants_it(sqlite_url, contexts):
    settings = make_settings(sqlite_url, TTX_ADMIN_TOKEN="s3cret-admin")
    with ThreadServer(settings) as server:
        page = Page(contexts().new_page())
        page.goto(server.url + "/")
        create = page.locator('article.scenario[data-id="csto-border-crisis"]').get_by_role("button", name="Create exercise")
        create.click()
        token = page.get_by_label("Admin token")
        expect(token).to_be_visible()
        expect(page.locator('article.scenario[data-id="csto-border-crisis"] [role=alert]')).to_contain_text("needs the admin token")
        token.fill("wrong")
        create.click()
        expect(page.locator('article.scenario[data-id="csto-border-crisis"] [role=alert]')).to_contain_text("not the admin token")
        token.fill("s3cret-admin")
        create.click()
        expect(page.locator("#seat-links li.seat-card")).to_have_count(15)


def _drive(ex: Any, *, speed: float | None = None) -> None:
    """A short exercise touching most kinds of event (`speed` spreads it over exercise time)."""
    ex.command("facilitator", {"type": "start_exercise"})
    if speed:
        ex.command("facilitator", {"type": "set_clock_speed", "factor": speed})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "staff-report"})
    threat = ex.first("TJK", {"type": "report_threat", "kind": "aggression", "summary": "A group crossed at post 12.",
                              "source": "border guard", "against": ["MDA"], "in_response_to": "incursion"}, "threat_id")
    con = ex.first("TJK", {"type": "request_consultation", "topic": "Post 12", "invitees": "all", "threat_id": threat}, "consultation_id")
    ex.command("RUS", {"type": "post_statement", "consultation_id": con, "text": "We are ready to help."})
    ex.command("TJK", {"type": "close_consultation", "consultation_id": con, "outcome": "coordinated", "position": "Help Tajikistan."})
    secret = ex.first("RUS", {"type": "request_consultation", "topic": "Intercepts", "invitees": ["KAZ"], "private": True}, "consultation_id")
    ex.command("KAZ", {"type": "post_statement", "consultation_id": secret, "text": "Seen them too."})
    ex.command("RUS", {"type": "invite_to_consultation", "consultation_id": secret, "invitees": ["TJK"]})
    req = ex.first("TJK", {"type": "request_assistance", "kinds": ["military", "medical"], "summary": "A battalion.",
                           "threat_id": threat}, "request_id")
    ex.command("RUS", {"type": "respond_to_assistance", "request_id": req, "response": "pledge", "details": "Two.", "kinds": ["military"]})
    ex.command("KAZ", {"type": "respond_to_assistance", "request_id": req, "response": "decline"})
    ex.command("TJK", {"type": "close_assistance_request", "request_id": req, "status": "fulfilled"})
    ex.command("SG", {"type": "convene_session", "body": "CCS", "agenda": ["The incursion"], "time_frame_minutes": 30})
    dec = ex.first("TJK", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces", "title": "Defend",
                           "text": "Deploy."}, "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": dec, "vote": "abstain"})
    ex.command("RUS", {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    ex.command("TJK", {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    ex.command("RUS", {"type": "record_implementation", "decision_id": dec, "status": "blocked", "note": "The Duma."})
    ex.command("SG", {"type": "notify_un_security_council", "summary": "Measures taken.", "decision_id": dec})
    ex.command("TJK", {"type": "notify", "recipient": "UNSC", "summary": "Aggression at post 12.", "threat_id": threat})
    repel = ex.first("KAZ", {"type": "propose_decision", "body": "CFM", "kind": "use_of_armed_forces", "title": "Repel",
                             "text": "All of us.", "threat_id": threat}, "decision_id")  # MDA, named in the threat, does not vote
    ex.command("facilitator", {"type": "extend_deadline", "decision_id": repel, "minutes": 30})
    ex.command("TJK", {"type": "cast_vote", "decision_id": repel, "vote": "for"})
    ex.command("MDA", {"type": "request_accession"})
    acc = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "accession", "title": "Admit Moldova",
                           "text": "Welcome.", "subject": "MDA"}, "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": acc, "vote": "for"})
    ex.command("TJK", {"type": "cast_vote", "decision_id": acc, "vote": "for"})  # -> seat_admitted
    ex.command("KAZ", {"type": "send_control_message", "text": "A question."})
    ex.command("facilitator", {"type": "answer_control_message", "seat": "KAZ", "text": "An answer."})
    ex.command("facilitator", {"type": "add_observation", "text": "Quick council."})
    ex.command("facilitator", {"type": "set_clock_speed", "factor": 4})
    ex.command("facilitator", {"type": "pause_exercise"})
    ex.command("facilitator", {"type": "send_inject", "title": "Ad hoc", "body": "To KAZ.", "to": ["KAZ"]})
    ex.command("facilitator", {"type": "resume_exercise"})
    ex.command("facilitator", {"type": "score_expectation", "expectation_id": "assist", "score": "met"})
    sus = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "suspension", "title": "Suspend Kazakhstan",
                           "text": "For now.", "subject": "KAZ"}, "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": sus, "vote": "for"})
    ex.command("TJK", {"type": "cast_vote", "decision_id": sus, "vote": "for"})  # -> seat_suspended
    ex.command("RUS", {"type": "cast_vote", "decision_id": repel, "vote": "for"})  # KAZ no longer counts: adopted
    close = ex.first("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Close it", "text": "Now."},
                     "decision_id")
    ex.command("TJK", {"type": "cast_vote", "decision_id": close, "vote": "for"})
    ex.command("RUS", {"type": "close_vote", "decision_id": close})  # the chair settles it on the votes standing


def _comparable(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in ("server_time", "read_only", "_skew", "_inexact")}


def test_the_page_state_is_the_fold_of_the_events_it_received(tiny, open_seat):
    """Pages opened before anything happened fold every event live; their state then equals the
    server's view of the same seat at the same seq."""
    pages = {seat: open_seat(tiny.link(seat)) for seat in ("facilitator", "observer", "TJK", "KAZ", "MDA")}
    _drive(tiny)
    head = tiny.head()
    for seat, page in pages.items():
        last = [e["seq"] for e in tiny.events(seat)][-1]
        page.wait_seq(last)
        want = _comparable(tiny.state(seat, at=last))
        deadline = time.time() + 5  # a re-read of the view (after seat_admitted) may still be landing
        while _comparable(page.view()) != want and time.time() < deadline:
            time.sleep(0.1)
        assert _comparable(page.view()) == want, seat
        assert page.feed_seqs() == [e["seq"] for e in tiny.events(seat)], seat
    assert pages["facilitator"].last_seq() == head


def test_review_scrubs_plays_and_shows_the_report(tiny, open_seat, contexts):
    _drive(tiny, speed=100)
    tiny.command("facilitator", {"type": "end_exercise"})
    fac = open_seat(tiny.link("facilitator"), accept_downloads=True)
    fac.get_by_role("tab", name="Review").click()
    expect(fac.locator("#report-expectations")).to_contain_text("Tajikistan asks for help within 15 minutes")
    expect(fac.locator("#report-decisions")).to_contain_text("Defend")
    expect(fac.locator("#report-decisions")).to_contain_text("adopted")
    expect(fac.locator("#report-chains")).to_contain_text("Shelling at border post 12")

    head = tiny.head()
    scrubber = fac.locator("#scrubber")
    expect(scrubber).to_have_attribute("max", str(head))
    # the state after the proposal, before any vote
    proposed = next(e for e in tiny.events() if e["type"] == "decision_proposed")
    scrubber.fill(str(proposed["seq"]))
    expect(fac.locator("#scrub-position")).to_contain_text(f"Event {proposed['seq']} of {head}")
    expect(fac.locator("#snapshot")).to_contain_text("0 for / 0 against / 0 abstain / 2 not voted")
    expect(fac.locator("#snapshot")).to_contain_text("open")
    # the keyboard moves it too
    scrubber.focus()
    fac.keyboard.press("ArrowRight")
    expect(fac.locator("#scrub-position")).to_contain_text(f"Event {proposed['seq'] + 1} of {head}")
    expect(fac.locator("#snapshot")).to_contain_text("0 for / 0 against / 1 abstain / 1 not voted")
    # playback runs forward to the end by itself
    fac.locator("#play-speed").select_option("25")
    fac.get_by_role("button", name="Play").click()
    expect(fac.locator("#scrub-position")).to_contain_text(f"Event {head} of {head}", timeout=15_000)
    expect(fac.locator("#snapshot")).to_contain_text("2 for / 0 against / 0 abstain / 0 not voted")

    # downloads are fetched with the seat's token and saved from a blob: URL
    with fac.expect_download() as info:
        fac.get_by_role("button", name="Download CSV").click()
    assert info.value.suggested_filename == f"{tiny.id}-report.csv"
    assert info.value.url.startswith("blob:")

    # the facilitator scores an expectation; the report shows it
    score = fac.locator('form.score[data-expectation="assist"]')
    score.get_by_label("Score").select_option("partly_met")
    score.get_by_role("button", name="Save score").click()
    expect(fac.locator("#report-expectations")).to_contain_text("partly met")

    fac.locator("#scrubber").fill(str(proposed["seq"] + 2))
    expect(fac.locator("#scrub-position")).to_contain_text(f"Event {proposed['seq'] + 2}")
    screenshot(fac, "review.png")
    assert fac.page_errors == []

    # a participant may replay an ended exercise, but gets no report
    tjk = open_seat(tiny.link("TJK"))
    tjk.get_by_role("tab", name="Review").click()
    expect(tjk.locator("#scrub-position")).to_contain_text("Event")
    assert tjk.locator("#report").count() == 0


def test_compare_two_runs(api, tiny, open_seat):
    _drive(tiny)
    other = api.create(definition=tiny_definition())
    other.command("facilitator", {"type": "start_exercise"})
    fac = open_seat(tiny.link("facilitator"))
    fac.get_by_role("tab", name="Review").click()
    fac.get_by_label("The other run's facilitator or observer join link").fill(other.link("observer"))
    fac.get_by_role("button", name="Compare").click()
    expect(fac.locator("#compare-decisions")).to_contain_text("Defend")
    expect(fac.locator("#compare-result")).to_contain_text(other.id)


def test_pages_load_nothing_from_elsewhere_and_log_no_errors(server, api, contexts):
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    ctx = contexts()
    requests: list[str] = []
    sockets: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    ctx.on("page", lambda p: p.on("websocket", lambda ws: sockets.append(ws.url)))

    start = Page(ctx.new_page())
    start.on("websocket", lambda ws: sockets.append(ws.url))
    start.goto(server.url + "/")
    start.locator('article.scenario[data-id="csto-border-crisis"]').get_by_role("button", name="Create exercise").click()
    start.wait_for_function("() => [...document.querySelectorAll('#seat-links img.qr-img')].every(i => i.complete && i.naturalWidth > 0)")
    pages = [start]
    for seat in ("facilitator", "TJK", "SG", "MDA", "observer"):
        p = Page(ctx.new_page())
        p.on("websocket", lambda ws: sockets.append(ws.url))
        p.goto_seat(ex.link(seat))
        pages.append(p)
        if seat in ("facilitator", "observer"):
            p.get_by_role("tab", name="Review").click()
            expect(p.locator("#report-expectations")).to_be_visible()
        p.get_by_role("button", name="Large type").click()  # and back: the toggle is harmless
        p.get_by_role("button", name="Large type").click()
    # a phone-sized page too
    phone = Page(contexts(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page())
    phone.goto_seat(ex.link("KAZ"))
    pages.append(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "the phone page scrolls sideways"

    for p in pages:  # unique ids, and a label for every control a person can reach
        assert p.evaluate("""() => {
          const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
          return ids.filter((x, i) => ids.indexOf(x) !== i);
        }""") == [], p.url
        assert p.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
          .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                       && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
          .map(e => e.outerHTML.slice(0, 80))""") == [], p.url

    origin = server.url
    outside = [u for u in requests if not (u.startswith(origin + "/") or u.startswith(("data:", "blob:")))]
    assert outside == []
    assert requests and all(urlsplit(u).netloc == urlsplit(origin).netloc for u in sockets)
    assert sockets, "no WebSocket was opened"
    for p in pages:
        assert p.console_errors == [], p.url
        assert p.page_errors == [], p.url


def test_keyboard_only(tiny, open_seat):
    """Tabs move with the arrow keys; a form is reachable and sent with the keyboard alone."""
    tiny.command("facilitator", {"type": "start_exercise"})
    fac = open_seat(tiny.link("facilitator"))
    fac.locator("#tab-live").focus()
    fac.keyboard.press("ArrowRight")
    expect(fac.locator("#tab-review")).to_be_focused()
    expect(fac.locator("#tab-review")).to_have_attribute("aria-selected", "true")
    fac.keyboard.press("ArrowLeft")
    expect(fac.locator("#panel-live")).to_be_visible()

    tjk = open_seat(tiny.link("TJK"))
    summary = tjk.locator("summary", has_text="Report a threat")
    summary.focus()
    tjk.keyboard.press("Enter")
    form = tjk.locator("form.report-threat")
    form.get_by_label("What happened").focus()
    tjk.keyboard.type("Shelling seen from post 12.")
    tjk.keyboard.press("Tab")  # to the source field
    tjk.keyboard.press("Tab")  # to the button
    button = form.get_by_role("button", name="Report")
    expect(button).to_be_focused()
    # focus reached by the keyboard is visible
    assert button.evaluate("b => b.matches(':focus-visible') && getComputedStyle(b).outlineStyle") == "solid"
    tjk.keyboard.press("Enter")
    expect(tjk.locator("#threat-list")).to_contain_text("Shelling seen from post 12.")


def test_fork_under_another_rule_and_compare(tiny, open_seat):
    """The staff-college story: a decision fails under consensus; the facilitator forks the run at
    the proposal under a qualified majority, the later votes are re-enacted, and the comparison
    shows the outcome changed."""
    tiny.command("facilitator", {"type": "start_exercise"})
    proposed = tiny.command("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Close the border",
                                    "text": "Both councils close the border."})["events"][0]
    tiny.command("TJK", {"type": "cast_vote", "decision_id": proposed["data"]["decision_id"], "vote": "for"})
    out = tiny.command("RUS", {"type": "cast_vote", "decision_id": proposed["data"]["decision_id"], "vote": "against"})
    assert out["events"][-1]["type"] == "decision_rejected"
    fac = open_seat(tiny.link("facilitator"))
    fac.get_by_role("tab", name="Review").click()
    fac.get_by_label("Fork at event (N)").fill(str(proposed["seq"]))
    fac.get_by_label("Rule", exact=True).select_option("qualified_majority")
    fac.get_by_label("Threshold (share of the votes cast)").fill("0.5")
    fac.get_by_role("button", name="Fork").click()
    expect(fac.locator("#fork-result")).to_contain_text("New exercise")
    expect(fac.locator("#fork-open")).to_have_attribute("href", re.compile(r"/exercises/ex_[0-9a-f]+#"))
    assert fac.get_by_label("The other run's facilitator or observer join link").input_value().startswith("http")
    fac.get_by_role("button", name="Compare").click()
    row = fac.locator("#compare-decisions tr", has_text="Close the border")
    expect(row).to_contain_text("rejected consensus", ignore_case=True)
    expect(row).to_contain_text("adopted qualified majority", ignore_case=True)
    expect(row).to_contain_text("yes")


def test_a_page_offers_only_the_moves_its_seat_may_make(tiny, open_seat):
    """A non-signatory may call consultations and ask to join, but not invoke mutual assistance or
    vote; a member may invoke it."""
    tiny.command("facilitator", {"type": "start_exercise"})
    mda = open_seat(tiny.link("MDA"))
    expect(mda.locator("#consultations summary", has_text="Call consultations")).to_be_visible()
    expect(mda.get_by_role("button", name="Apply for membership")).to_be_visible()
    expect(mda.locator("#assistance summary", has_text="Request assistance")).to_be_hidden()
    tjk = open_seat(tiny.link("TJK"))
    expect(tjk.locator("#assistance summary", has_text="Request assistance")).to_be_visible()
    expect(tjk.get_by_role("button", name="Apply for membership")).to_be_hidden()


def test_the_client_says_every_event_the_engine_records_in_words(tiny, open_seat):
    """Each area's view module registers the sentence of each of its events: none falls through to
    the plain fallback, and each area's panels are registered once."""
    from server.domain.registry import REGISTRY

    fac = open_seat(tiny.link("facilitator"))
    registered = fac.evaluate("async () => (await import('/static/js/registry.js')).registeredTypes()")
    assert sorted(set(REGISTRY.events) - set(registered["descriptions"])) == []
    assert len(registered["panels"]) == len(set(registered["panels"]))
