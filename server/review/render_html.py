"""The report as one self-contained HTML page: inline CSS (screen and print), an inline SVG chart,
no script, no external resource. Every value from the log goes through `esc` (html.escape)."""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from .chart import timeline_svg
from .summaries import clock, in_world_text, rules_text, seat_list, seat_names

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


def _delay(step: dict[str, Any] | None, name: Any = str) -> str:
    if not step:
        return '<span class="muted">—</span>'
    inferred = ' <span class="inferred">(inferred)</span>' if step.get("link") == "inferred" else ""
    return f'+{esc(clock(step["delay"]))} <span class="muted">{esc(name(step.get("actor")))}</span>{inferred}'


def _table(head: Iterable[tuple[str, str]], rows: Iterable[Iterable[tuple[str, str]]], cls: str = "") -> str:
    """head: (label, css class); rows: cells of (html, css class); cell html is already escaped."""
    h = "".join(f'<th class="{c}">{esc(label)}</th>' for label, c in head)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{html}</td>' for html, c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def render_html(report: dict[str, Any]) -> str:
    ex = report["exercise"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>After-action report: {esc(ex['title'])}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>After-action report: {esc(ex['title'])}</h1>",
        f'<p class="meta">Report for {esc(seat_names(report)(report["seat"]))} · '
        f'{esc(ex["events"])} events · log head seq {esc(ex["log_head"]["seq"])} {esc((ex["log_head"]["hash"] or "")[:16])}</p></header>',
        _summary(report),
        '<section id="chart"><h2>Response chains by seat</h2><figure>',
        timeline_svg(report),
        "<figcaption>Marks at exercise time (H:MM). Hover a mark for the event.</figcaption></figure></section>",
        _injects(report),
        _chains(report),
        _decisions(report),
        _expectations(report),
        _seats(report),
        _observations(report),
        _timeline(report),
        "</body></html>",
    ]
    return "\n".join(parts)


def _summary(report: dict[str, Any]) -> str:
    ex = report["exercise"]
    facts = [
        ("Status", ex["status"]), ("Duration", clock(ex["duration"])),
        ("In-world start", in_world_text(ex["start"], 0)), ("In-world end", in_world_text(ex["start"], ex["duration"])),
        ("Started at", clock(ex["started_at"]) if ex["started_at"] is not None else "not started"),
        ("Ended at", clock(ex["ended_at"]) if ex["ended_at"] is not None else "not ended"),
        ("Created", _wall(ex["created_at"])), ("Members", seat_list(seat_names(report), ex["members"])),
    ]
    if ex.get("forked_from"):
        f = ex["forked_from"]
        facts.append(("Forked from", f"another run, after event {f['at']}"))
    facts.append(("Rules", rules_text(ex["rules"])))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    return f'<section id="summary"><h2>Summary</h2><p>{esc(ex["summary"])}</p><dl class="facts">{dl}</dl></section>'


def _injects(report: dict[str, Any]) -> str:
    name = seat_names(report)
    rows = [[(esc(i["title"]), ""), (esc(i.get("trigger") or "manual"), ""), (esc(seat_list(name, i["to"])), ""),
             (f'<span class="status status-{esc(i["status"])}">{esc(i["status"].replace("_", " "))}</span>', ""),
             (esc(clock(i["delivered_at"])) or '<span class="muted">—</span>', "t")] for i in report.get("injects", [])]
    body = (_table([("Inject", ""), ("Trigger", ""), ("To", ""), ("Status", ""), ("Delivered", "")], rows) if rows
            else '<p class="muted">No inject.</p>')
    return f'<section id="injects"><h2>Injects</h2>{body}</section>'


def _wall(iso: str | None) -> str:
    """A wall-clock timestamp of the log (`2026-11-27T10:00:00.123Z`) to the second, in words."""
    if not iso:
        return ""
    return iso[:19].replace("T", " ") + " UTC"


def _chains(report: dict[str, Any]) -> str:
    name = seat_names(report)
    out = ['<section id="chains"><h2>Response chains</h2>',
           '<p class="muted">Delay from each inject\'s delivery to the first response at each milestone that answered it '
           '(HH:MM:SS). <em>Inferred</em>: the move did not name the inject it answered; it is credited to the latest '
           'inject its seat had received.</p>']
    if not report["chains"]:
        out.append('<p class="muted">No inject delivered.</p>')
    milestones = report["milestones"]
    rows = []
    for c in report["chains"]:
        s = c["steps"]
        done = sum(1 for v in c["implementation"].values() if v)
        rows.append([
            (f'<strong>{esc(c["title"])}</strong><br><span class="muted">to {esc(seat_list(name, c["to"]))}</span>', ""),
            (esc(clock(c["delivered_at"])), "t"),
            *[(_delay(s.get(m["id"]), name), "t") for m in milestones],
            (f"{done} of {len(c['implementation'])}", "num"),
        ])
    if rows:
        out.append(_table([("Inject", ""), ("Delivered", ""), *[(m["name"], "") for m in milestones],
                           ("Implemented", "num")], rows))
    titles = {d["decision_id"]: d["title"] for d in report["decisions"]}
    impl_rows = []
    for c in report["chains"]:
        for seat, step in c["implementation"].items():
            if step:
                impl_rows.append([(esc(c["title"]), ""), (esc(name(seat)), ""),
                                  (esc(titles.get(step.get("decision_id"), step.get("decision_id"))), ""),
                                  (esc(str(step.get("status") or "").replace("_", " ")), ""), (_delay(step, name), "t")])
    if impl_rows:
        out.append("<h3>National implementation by member</h3>")
        out.append(_table([("Inject", ""), ("Member", ""), ("Decision", ""), ("Status", ""), ("Delay", "")], impl_rows))
    out.append("</section>")
    return "\n".join(out)


def _decisions(report: dict[str, Any]) -> str:
    out = ['<section id="decisions"><h2>Decisions</h2>']
    if not report["decisions"]:
        out.append('<p class="muted">No decision proposed.</p>')
    name = seat_names(report)
    for d in report["decisions"]:
        t = d["tally"] or {}
        votes = ", ".join(f"{name(seat)}: {vote}" for seat, vote in d["votes"].items()) or "none"
        out.append(f'<div class="decision"><h3>{esc(d["title"])} '
                   f'<span class="status outcome-{esc(d["outcome"])}">{esc(d["outcome"])}</span></h3>')
        facts = [
            ("Body / kind", f'{d.get("body_name") or d["body"]} / {d.get("kind_name") or d["kind"]}'),
            ("Proposed by", f'{name(d["proposer"])} at {clock(d["proposed"]["exercise_time"])}'),
            ("Rule", d["rule_description"] + (" (re-ruled by the fork)" if d["reruled"] else "")),
            ("Time to settle", clock(d["time_to_settle"]) if d["time_to_settle"] is not None else "not settled"),
            ("Tally", f'{t.get("for", 0)} for, {t.get("against", 0)} against, {t.get("abstain", 0)} abstain, '
                      f'{t.get("not_voted", 0)} not voted of {t.get("eligible", 0)}'),
            ("Reason", d["reason"] or ""),
            ("Dissent", "against: " + seat_list(name, d["dissent"]["against"]) + "; abstain: "
             + seat_list(name, d["dissent"]["abstain"])),
            ("Votes", votes), ("Text", d["text"]),
        ]
        for n in d["notifications"]:
            facts.append((f'Notified: {n["recipient_name"]}', f'{clock(n["exercise_time"])} by {name(n["actor"])}'))
        if d["implementations"]:
            facts.append(("Implementation", "; ".join(f'{name(s)}: {str(i["status"]).replace("_", " ")}'
                                                       + (f' ({i["note"]})' if i["note"] else "")
                                                       for s, i in d["implementations"].items())))
        out.append('<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts) + "</dl></div>")
    out.append("</section>")
    return "\n".join(out)


def _expectations(report: dict[str, Any]) -> str:
    rows = []
    for e in report["expectations"]:
        score = e.get("score")
        rows.append([
            (f'<strong>{esc(e["title"])}</strong>'
             + (f'<br><span class="muted">{esc(e["reference"])}</span>' if e.get("reference") else ""), ""),
            (esc(e["within"]), "t"),
            (f'<span class="status status-{esc(e["status"])}">{esc(e["status"].replace("_", " "))}</span>', ""),
            (esc(clock(e["measured"])) if e["measured"] is not None else '<span class="muted">—</span>', "t"),
            (esc(seat_list(seat_names(report), e["missing"])) if e["missing"] else "", ""),
            (esc(score["score"]) + (f'<br><span class="muted">{esc(score["note"])}</span>' if score.get("note") else "")
             if score else '<span class="muted">—</span>', ""),
        ])
    body = _table([("Expectation", ""), ("Within", ""), ("Automatic", ""), ("Measured", ""), ("Missing", ""),
                   ("Facilitator's score", "")], rows) if rows else '<p class="muted">The scenario sets no expectations.</p>'
    return f'<section id="expectations"><h2>Expectations</h2>{body}</section>'


def _seats(report: dict[str, Any]) -> str:
    rows = []
    for s in report["seats"]:
        mean = s["mean_assistance_response_time"]
        rows.append([(esc(s["name"]), ""),
                     *[(esc(s[k]), "num") for k in ("events", "statements", "votes", "threats", "consultations_opened",
                                                    "assistance_requests", "assistance_responses", "decisions_proposed",
                                                    "implementations", "notifications")],
                     (esc(clock(mean)) if mean is not None else "—", "num")])
    head = [("Seat", ""), ("Events", "num"), ("Statements", "num"), ("Votes", "num"), ("Threats", "num"),
            ("Consultations", "num"), ("Assist. requests", "num"), ("Assist. answers", "num"), ("Proposals", "num"),
            ("Implementations", "num"), ("Notifications", "num"), ("Mean answer time", "num")]
    return f'<section id="seats"><h2>Activity per seat</h2>{_table(head, rows)}</section>'


def _observations(report: dict[str, Any]) -> str:
    if not report["observations"]:
        return '<section id="observations"><h2>Observations</h2><p class="muted">None.</p></section>'
    rows = [[(esc(clock(o["exercise_time"])), "t"), (esc(o["text"]), "")] for o in report["observations"]]
    return f'<section id="observations"><h2>Observations</h2>{_table([("Time", ""), ("Observation", "")], rows)}</section>'


def _timeline(report: dict[str, Any]) -> str:
    name, start = seat_names(report), report["exercise"]["start"]
    rows = [[(esc(e["seq"]), "num"), (esc(clock(e["exercise_time"])), "t"), (esc(in_world_text(start, e["exercise_time"])), "t"),
             (esc(name(e["actor"])), ""), (esc(e["type"].replace("_", " ")), ""), (esc(e["summary"]), "")]
            for e in report["timeline"]]
    head = [("Seq", "num"), ("Time", ""), ("In-world", ""), ("Actor", ""), ("Event", ""), ("Summary", "")]
    return f'<section id="timeline"><h2>Timeline</h2>{_table(head, rows, "timeline")}</section>'
