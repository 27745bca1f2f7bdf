"""The report as one self-contained HTML page: inline CSS (screen and print), an inline SVG chart,
no script, no external resource. Every value from the log goes through `esc` (html.escape)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any, Iterable

from .chart import timeline_svg
from .summaries import clock, in_world_at, in_world_text, seat_list, seat_names
from .translate import Translate, translator

CSS = """
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --met: #15803d; --missed: #b91c1c;
        --pending: #b45309; --none: #6b7280; }
* { box-sizing: border-box; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 24px auto;
       max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 14px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 3px 6px; border-bottom: 1px solid var(--line); }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t { white-space: nowrap; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; text-transform: uppercase; font-size: 11px; }
.status-met, .outcome-adopted { color: var(--met); } .status-missed, .outcome-rejected { color: var(--missed); }
.status-pending, .outcome-open { color: var(--pending); } .status-not_triggered, .outcome-lapsed { color: var(--none); }
.muted { color: var(--muted); }
figure { margin: 8px 0 16px; } figcaption { color: var(--muted); font-size: 12px; }
svg.timeline-chart { border: 1px solid var(--line); background: #fff; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5px; }
  h2 { break-after: avoid; }
  table { page-break-inside: auto; } tr { break-inside: avoid; } thead { display: table-header-group; }
  figure, .decision { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(value: Any) -> str:
    if value is None:
        return ""
    return escape(str(value), quote=True)


class Html(str):
    """Markup already escaped (a fact's value that carries its own tags)."""


def _dl(facts: Iterable[tuple[str, Any]]) -> str:
    return "".join(f"<dt>{esc(k)}</dt><dd>{v if isinstance(v, Html) else esc(v)}</dd>" for k, v in facts)


def _delay(step: dict[str, Any] | None, _: Translate, name: Any = str) -> str:
    if not step:
        return '<span class="muted">—</span>'
    inferred = f' <span class="inferred">{esc(_("(inferred)"))}</span>' if step.get("link") == "inferred" else ""
    return f'+{esc(clock(step["delay"]))} <span class="muted">{esc(name(step.get("actor")))}</span>{inferred}'


def _names(report: dict[str, Any], _: Translate) -> Any:
    """A seat's name as the scenario gives it; the staff seats' in the reader's language."""
    named = seat_names(report)
    return lambda seat: _actor(seat, _) if seat in ("facilitator", "observer", "system") else named(seat)


def _world(start: str, seconds: float, _: Translate) -> str:
    """In-world time as the page writes it (`Mon 12 Jun 1995 09:15:30`), its day and month names in
    the reader's language (Babel's calendar data)."""
    lang = getattr(_, "lang", "en")
    if lang == "en":
        return in_world_text(start, seconds)
    from babel.dates import format_datetime

    moment = in_world_at(datetime.fromisoformat(start), seconds)
    return format_datetime(moment, "EEE d MMM y HH:mm:ss", locale=lang, tzinfo=moment.tzinfo)


def _wall(iso: str | None) -> str:
    """A wall-clock timestamp of the log (`2026-11-27T10:00:00.123Z`) to the second."""
    if not iso:
        return ""
    return iso[:19].replace("T", " ") + " UTC"


def _table(head: Iterable[tuple[str, str]], rows: Iterable[Iterable[tuple[str, str]]], cls: str = "") -> str:
    """head: (label, css class); rows: cells of (html, css class); cell html is already escaped."""
    h = "".join(f'<th class="{c}">{esc(label)}</th>' for label, c in head)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{html}</td>' for html, c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def render_html(report: dict[str, Any], lang: str = "en") -> str:
    """The report in `lang` (server/review/translate.py): its own words from the catalog; the names
    and the engine's sentences as the report was built (`build_report(lang=...)`); participant text
    as it was recorded."""
    _ = translator(lang)
    ex = report["exercise"]
    title = esc(_("After-action report: {title}", title=ex["title"]))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{title}</h1>",
        f'<p class="meta">{esc(_("report for {seat}", seat=_seat(report["seat"], _) if report["seat"] in ("facilitator", "observer") else _names(report, _)(report["seat"])))} · '
        f'{esc(_("{n} events", n=ex["events"]))} · {esc(_("log head seq {seq}", seq=ex["log_head"]["seq"]))} '
        f'{esc((ex["log_head"]["hash"] or "")[:16])}</p></header>',
        _summary(report, _),
        f'<section id="chart"><h2>{esc(_("Response chains by seat"))}</h2><figure>',
        timeline_svg(report, _),
        f"<figcaption>{esc(_('Marks at exercise time (H:MM). Hover a mark for the event.'))}</figcaption></figure></section>",
        _injects(report, _),
        _chains(report, _),
        _decisions(report, _),
        _expectations(report, _),
        _seats(report, _),
        _observations(report, _),
        _timeline(report, _),
        "</body></html>",
    ]
    return "\n".join(parts)


def _actor(seat: str, _: Translate) -> str:
    return {"facilitator": _("Facilitator"), "observer": _("Observer"), "system": _("System")}.get(seat, seat)


def _seat(seat: str, _: Translate) -> str:
    return {"facilitator": _("facilitator"), "observer": _("observer")}.get(seat, seat)


# the words of the report's states (statuses, outcomes, scores), said in the reader's language
STATES = ("created", "running", "paused", "ended", "open", "adopted", "rejected", "lapsed", "met", "missed", "pending",
          "not triggered", "partly met", "in force", "blocked", "for", "against", "abstain", "fulfilled", "withdrawn",
          "delivered", "averted", "not delivered", "scheduled", "when", "unless", "manual", "adhoc")


def _state(value: Any, _: Translate) -> str:
    text = str(value or "").replace("_", " ")
    return _(text) if text in STATES else text


def _summary(report: dict[str, Any], _: Translate) -> str:
    ex = report["exercise"]
    facts = [
        (_("Status"), _state(ex["status"], _)), (_("Duration"), clock(ex["duration"])),
        (_("In-world start"), _world(ex["start"], 0, _)), (_("In-world end"), _world(ex["start"], ex["duration"], _)),
        (_("Started at"), clock(ex["started_at"]) if ex["started_at"] is not None else _("not started")),
        (_("Ended at"), clock(ex["ended_at"]) if ex["ended_at"] is not None else _("not ended")),
        (_("Created"), _wall(ex["created_at"])), (_("Members"), seat_list(_names(report, _), ex["members"]) if ex["members"] else _("none")),
    ]
    if ex.get("forked_from"):
        f = ex["forked_from"]
        facts.append((_("Forked from"), _("another run, after event {at}", at=f["at"])))
    rules = "; ".join(f"{r.get('applies_to') or r['body'] + '/' + r['kind']}: {r['description']}" for r in ex["rules"])
    facts.append((_("Rules"), rules))
    dl = _dl(facts)
    return f'<section id="summary"><h2>{esc(_("Summary"))}</h2><p>{esc(ex["summary"])}</p><dl class="facts">{dl}</dl></section>'


def _injects(report: dict[str, Any], _: Translate) -> str:
    name = _names(report, _)

    def to(seats: Any) -> str:
        return _("all") if seats == "all" or seats is None else (seat_list(name, seats) if seats else _("none"))

    rows = [[(esc(i["title"]), ""), (esc(_state(i.get("trigger") or "manual", _)), ""), (esc(to(i["to"])), ""),
             (f'<span class="status status-{esc(i["status"])}">{esc(_state(i["status"], _))}</span>', ""),
             (esc(clock(i["delivered_at"])) or '<span class="muted">—</span>', "t")] for i in report.get("injects", [])]
    body = (_table([(_("Inject"), ""), (_("Trigger"), ""), (_("To"), ""), (_("Status"), ""), (_("Delivered"), "")], rows)
            if rows else f'<p class="muted">{esc(_("No inject."))}</p>')
    return f'<section id="injects"><h2>{esc(_("Injects"))}</h2>{body}</section>'


def _chains(report: dict[str, Any], _: Translate) -> str:
    name = _names(report, _)
    explained = _("Delay from each inject's delivery to the first response at each milestone that answered it (HH:MM:SS). Inferred: the move did not name the inject it answered; it is credited to the latest inject its seat had received.")  # noqa: E501
    out = [f'<section id="chains"><h2>{esc(_("Response chains"))}</h2>', f'<p class="muted">{esc(explained)}</p>']
    if not report["chains"]:
        out.append(f'<p class="muted">{esc(_("No inject delivered."))}</p>')
    milestones = report["milestones"]
    rows = []
    for c in report["chains"]:
        s = c["steps"]
        done = sum(1 for v in c["implementation"].values() if v)
        rows.append([
            (f'<strong>{esc(c["title"])}</strong><br><span class="muted">'
             f'{esc(_("to {seats}", seats=_("all") if c["to"] in ("all", None) else seat_list(name, c["to"])))}</span>', ""),
            (esc(clock(c["delivered_at"])), "t"),
            *[(_delay(s.get(m["id"]), _, name), "t") for m in milestones],
            (esc(_("{done} of {n}", done=done, n=len(c["implementation"]))), "num"),
        ])
    if rows:
        out.append(_table([(_("Inject"), ""), (_("Delivered"), ""), *[(m["name"], "") for m in milestones],
                           (_("Implemented"), "num")], rows))
    titles = {d["decision_id"]: d["title"] for d in report["decisions"]}
    impl_rows = []
    for c in report["chains"]:
        for seat, step in c["implementation"].items():
            if step:
                impl_rows.append([(esc(c["title"]), ""), (esc(name(seat)), ""),
                                  (esc(titles.get(step.get("decision_id"), step.get("decision_id"))), ""),
                                  (esc(_state(step.get("status"), _)), ""), (_delay(step, _, name), "t")])
    if impl_rows:
        out.append(f"<h3>{esc(_('National implementation by member'))}</h3>")
        out.append(_table([(_("Inject"), ""), (_("Member"), ""), (_("Decision"), ""), (_("Status"), ""), (_("Delay"), "")], impl_rows))
    out.append("</section>")
    return "\n".join(out)


def _decisions(report: dict[str, Any], _: Translate) -> str:
    out = [f'<section id="decisions"><h2>{esc(_("Decisions"))}</h2>']
    if not report["decisions"]:
        out.append(f'<p class="muted">{esc(_("No decision proposed."))}</p>')
    none = _("none")
    name = _names(report, _)

    def seats(ids: Any) -> str:
        return ", ".join(name(s) for s in ids) or none

    for d in report["decisions"]:
        t = d["tally"] or {}
        votes = ", ".join(f"{name(seat)}: {_state(vote, _)}" for seat, vote in d["votes"].items()) or none
        out.append(f'<div class="decision"><h3>{esc(d["title"])} '
                   f'<span class="status outcome-{esc(d["outcome"])}">{esc(_state(d["outcome"], _))}</span></h3>')
        facts = [
            (_("Body / kind"), f'{d.get("body_name") or d["body"]} / {d.get("kind_name") or d["kind"]}'),
            (_("Proposed by"), _("{seat} at {time}", seat=name(d["proposer"]), time=clock(d["proposed"]["exercise_time"]))),
            (_("Rule"), d["rule_description"] + (" " + _("(re-ruled by the fork)") if d["reruled"] else "")),
            (_("Time to settle"), clock(d["time_to_settle"]) if d["time_to_settle"] is not None else _("not settled")),
            (_("Tally"), _("{for_} for, {against} against, {abstain} abstain, {not_voted} not voted of {eligible}",
                           for_=t.get("for", 0), against=t.get("against", 0), abstain=t.get("abstain", 0),
                           not_voted=t.get("not_voted", 0), eligible=t.get("eligible", 0))),
            (_("Reason"), d["reason"] or ""),
            (_("Dissent"), _("against: {against}; abstain: {abstain}", against=seats(d["dissent"]["against"]),
                             abstain=seats(d["dissent"]["abstain"]))),
            (_("Votes"), votes), (_("Text"), d["text"]),
        ]
        for n in d["notifications"]:
            facts.append((_("Notified: {recipient}", recipient=n["recipient_name"]),
                          _("{time} by {seat}", time=clock(n["exercise_time"]), seat=name(n["actor"]))))
        if d["implementations"]:
            facts.append((_("Implementation"), "; ".join(f'{name(s)}: {_state(i["status"], _)}' + (f' ({i["note"]})' if i["note"] else "")
                                                         for s, i in d["implementations"].items())))
        out.append('<dl class="facts">' + _dl(facts) + "</dl></div>")
    out.append("</section>")
    return "\n".join(out)


def _expectations(report: dict[str, Any], _: Translate) -> str:
    rows = []
    for e in report["expectations"]:
        score = e.get("score")
        rows.append([
            (f'<strong>{esc(e["title"])}</strong>'
             + (f'<br><span class="muted">{esc(e["reference"])}</span>' if e.get("reference") else ""), ""),
            (esc(e["within"]), "t"),
            (f'<span class="status status-{esc(e["status"])}">{esc(_state(e["status"], _))}</span>', ""),
            (esc(clock(e["measured"])) if e["measured"] is not None else '<span class="muted">—</span>', "t"),
            (esc(", ".join(_names(report, _)(s) for s in e["missing"])), ""),
            (esc(_state(score["score"], _)) + (f'<br><span class="muted">{esc(score["note"])}</span>' if score.get("note") else "")
             if score else '<span class="muted">—</span>', ""),
        ])
    body = _table([(_("Expectation"), ""), (_("Within"), ""), (_("Automatic"), ""), (_("Measured"), ""), (_("Missing"), ""),
                   (_("Facilitator's score"), "")], rows) if rows else f'<p class="muted">{esc(_("The scenario sets no expectations."))}</p>'
    return f'<section id="expectations"><h2>{esc(_("Expectations"))}</h2>{body}</section>'


def _seats(report: dict[str, Any], _: Translate) -> str:
    rows = []
    for s in report["seats"]:
        mean = s["mean_assistance_response_time"]
        rows.append([(esc(s["name"]), ""),
                     *[(esc(s[k]), "num") for k in ("events", "statements", "votes", "threats", "consultations_opened",
                                                    "assistance_requests", "assistance_responses", "decisions_proposed",
                                                    "implementations", "notifications")],
                     (esc(clock(mean)) if mean is not None else "—", "num")])
    head = [(_("Seat"), ""), (_("Events"), "num"), (_("Statements"), "num"), (_("Votes"), "num"), (_("Threats"), "num"),
            (_("Consultations"), "num"), (_("Assist. requests"), "num"), (_("Assist. answers"), "num"), (_("Proposals"), "num"),
            (_("Implementations"), "num"), (_("Notifications"), "num"), (_("Mean answer time"), "num")]
    return f'<section id="seats"><h2>{esc(_("Activity per seat"))}</h2>{_table(head, rows)}</section>'


def _observations(report: dict[str, Any], _: Translate) -> str:
    heading = f'<h2>{esc(_("Observations"))}</h2>'
    if not report["observations"]:
        return f'<section id="observations">{heading}<p class="muted">{esc(_("None."))}</p></section>'
    rows = [[(esc(clock(o["exercise_time"])), "t"), (esc(o["text"]), "")] for o in report["observations"]]
    return f'<section id="observations">{heading}{_table([(_("Time"), ""), (_("Observation"), "")], rows)}</section>'


def _event_type(row: dict[str, Any], _: Translate) -> str:
    """An event's type in words: in English as the log names it (a scenario's alias too), in another
    language the catalog's name of the engine's type it records."""
    if getattr(_, "lang", "en") == "en":
        return str(row["type"]).replace("_", " ")
    return _(str(row.get("generic") or row["type"]).replace("_", " "))


def _timeline(report: dict[str, Any], _: Translate) -> str:
    name, start = _names(report, _), report["exercise"]["start"]
    rows = [[(esc(e["seq"]), "num"), (esc(clock(e["exercise_time"])), "t"), (esc(_world(start, e["exercise_time"], _)), "t"),
             (esc(name(e["actor"])), ""), (esc(_event_type(e, _)), ""), (esc(e["summary"]), "")]
            for e in report["timeline"]]
    head = [(_("Seq"), "num"), (_("Time"), ""), (_("In-world"), ""), (_("Actor"), ""), (_("Event"), ""), (_("Summary"), "")]
    return f'<section id="timeline"><h2>{esc(_("Timeline"))}</h2>{_table(head, rows, "timeline")}</section>'
