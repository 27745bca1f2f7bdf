"""The report as Markdown and as CSV (one row per event), and the format dispatch.

Markdown: every value from the log is HTML-escaped (Markdown renderers pass raw HTML through) and
its Markdown punctuation is backslash-escaped, so participant text can neither inject markup nor
break a table. CSV: cells that a spreadsheet would read as a formula are prefixed with `'`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from html import escape
from typing import Any, Callable

from .summaries import clock, in_world_iso, in_world_text, rules_text, seat_list, seat_names

_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(#|[-+](?=\s)|\d+(?=[.)]\s))")


def md(value: Any) -> str:
    """Plain text for Markdown: one line, HTML-escaped, inline markup and line-start markers escaped."""
    if value is None:
        return ""
    text = _MD_INLINE.sub(r"\\\1", escape(" ".join(str(value).split()), quote=True))
    # a heading or list marker at the start of a line; `>` is already the entity &gt;
    return _MD_LINE_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], text, count=1)


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    return [_row(head), _row(["---"] * len(head)), *[_row(r) for r in rows], ""]


def _delay(step: dict[str, Any] | None) -> str:
    if not step:
        return "—"
    who = md(step.get("actor_name") or step.get("actor") or "")
    return f"+{clock(step['delay'])} {who}" + (" (inferred)" if step.get("link") == "inferred" else "")


def render_markdown(report: dict[str, Any]) -> str:
    ex = report["exercise"]
    name = seat_names(report)
    out = [f"# After-action report: {md(ex['title'])}", "",
           f"Scenario {md(ex['title'])} · report for {md(name(report['seat']))} · {ex['events']} events · "
           f"status {md(ex['status'])} · duration {clock(ex['duration'])}", "",
           md(ex["summary"]), ""]
    if ex.get("forked_from"):
        out += [f"Forked from another run after event {ex['forked_from']['at']}.", ""]
    out += ["Rules: " + md(rules_text(ex["rules"])), ""]

    out += ["## Injects", ""]
    out += _table(["Inject", "Trigger", "To", "Status", "Delivered"],
                  [[md(i["title"]), md(i.get("trigger") or "manual"), md(seat_list(name, i["to"])),
                    md(i["status"].replace("_", " ")), clock(i["delivered_at"]) or "—"] for i in report.get("injects", [])])

    out += ["## Response chains", "",
            "Delay from each inject to the first response of each kind that answered it; *inferred* where the move "
            "did not name the inject it answered (credited to the latest inject its seat had received).", ""]
    milestones = report["milestones"]
    out += _table(["Inject", "Delivered", *[md(m["name"]) for m in milestones], "Implemented"],
                  [[md(c["title"]), clock(c["delivered_at"]),
                    *[_delay(_named(c["steps"].get(m["id"]), name)) for m in milestones],
                    f"{sum(1 for v in c['implementation'].values() if v)} of {len(c['implementation'])}"]
                   for c in report["chains"]])

    out += ["## Decisions", ""]
    out += _table(["Decision", "Body / kind", "Rule", "Outcome", "Tally (for/against/abstain/not voted)", "Dissent",
                   "Time to settle"],
                  [[md(d["title"]), md(f"{d.get('body_name') or d['body']} / {d.get('kind_name') or d['kind']}"),
                    md(d["rule_description"]) + (" (re-ruled)" if d["reruled"] else ""), md(d["outcome"]),
                    "/".join(str((d["tally"] or {}).get(k, 0)) for k in ("for", "against", "abstain", "not_voted")),
                    md("against: " + seat_list(name, d["dissent"]["against"]) + "; abstain: "
                       + seat_list(name, d["dissent"]["abstain"])),
                    clock(d["time_to_settle"]) if d["time_to_settle"] is not None else "—"]
                   for d in report["decisions"]])

    out += ["## Expectations", ""]
    out += _table(["Expectation", "Within", "Automatic", "Measured", "Missing", "Facilitator's score"],
                  [[md(e["title"]), md(e["within"]), md(e["status"].replace("_", " ")),
                    clock(e["measured"]) if e["measured"] is not None else "—", md(seat_list(name, e["missing"] or [])),
                    (md(e["score"]["score"].replace("_", " ")) + (f": {md(e['score']['note'])}" if e["score"].get("note") else ""))
                    if e.get("score") else "—"]
                   for e in report["expectations"]])

    out += ["## Activity per seat", ""]
    keys = ("events", "statements", "votes", "threats", "consultations_opened", "assistance_requests",
            "assistance_responses", "decisions_proposed", "implementations", "notifications")
    out += _table(["Seat", *[k.replace("_", " ") for k in keys], "mean answer time"],
                  [[md(s["name"]), *[s[k] for k in keys],
                    clock(s["mean_assistance_response_time"]) if s["mean_assistance_response_time"] is not None else "—"]
                   for s in report["seats"]])

    out += ["## Observations", ""]
    out += [f"- {clock(o['exercise_time'])}: {md(o['text'])}" for o in report["observations"]] or ["None."]
    out += ["", "## Timeline", ""]
    out += _table(["Seq", "Time", "In-world", "Actor", "Event", "Summary"],
                  [[e["seq"], clock(e["exercise_time"]), md(in_world_text(ex["start"], e["exercise_time"])),
                    md(name(e["actor"])), md(e["type"].replace("_", " ")), md(e["summary"])] for e in report["timeline"]])
    return "\n".join(out)


def _named(step: dict[str, Any] | None, name: Callable[[Any], str]) -> dict[str, Any] | None:
    return None if step is None else {**step, "actor_name": name(step.get("actor"))}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_COLUMNS = ("seq", "exercise_time", "clock", "in_world", "actor", "type", "summary")


def render_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    start = report["exercise"]["start"]
    for e in report["timeline"]:
        w.writerow([_cell(v) for v in (e["seq"], e["exercise_time"], clock(e["exercise_time"]),
                                       in_world_iso(start, e["exercise_time"]), e["actor"], e["type"], e["summary"])])
    return buf.getvalue()


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class Format:
    render: Callable[[dict[str, Any]], str]
    media_type: str
    extension: str


def _html(report: dict[str, Any], lang: str = "en") -> str:
    from .render_html import render_html

    return render_html(report, lang)


FORMATS: dict[str, Format] = {
    "json": Format(render_json, "application/json", "json"),
    "html": Format(_html, "text/html; charset=utf-8", "html"),
    "md": Format(render_markdown, "text/markdown; charset=utf-8", "md"),
    "csv": Format(render_csv, "text/csv; charset=utf-8", "csv"),
}


def render(report: dict[str, Any], fmt: str, lang: str = "en") -> str:
    """`lang` is the HTML report's language (server/review/translate.py); the other formats are data
    for tools and stay in English."""
    if fmt == "html":
        return _html(report, lang)
    return FORMATS[fmt].render(report)
