"""The lab's comparison as JSON, CSV or a self-contained HTML page with inline SVG charts (no
script, no external URL; every text escaped)."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any, Sequence

FORMATS = ("json", "html", "csv")
MEDIA_TYPES = {"json": "application/json", "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8"}
COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0d9488", "#ca8a04", "#4b5563")


def render(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return to_csv(result)
    if fmt == "html":
        return to_html(result)
    raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")


# --- CSV: one row per rule set and figure ------------------------------------------------------------

def rows(result: dict[str, Any]) -> list[list[Any]]:
    out: list[list[Any]] = [["rule_set", "figure", "of", "value"]]
    for r in result["results"]:
        name = r["rule_set"]["name"]
        for kind, d in r["decisions"].items():
            out.append([name, "adoption_rate", kind, d["adoption_rate"]])
            for q in ("median", "p10", "p90"):
                out.append([name, f"minutes_to_adoption_{q}", kind, d["minutes_to_adoption"][q]])
            out.append([name, "rounds_mean", kind, d["rounds"]["mean"]])
            out.append([name, "rounds_max", kind, d["rounds"]["max"]])
        out.append([name, "blocked_implementations_per_run", "", r["implementations"]["blocked_per_run"]])
        out.append([name, "runs_with_blocked_implementation", "", r["implementations"]["runs_with_blocked"]])
        for e in r["expectations"]:
            out.append([name, "expectation_met_rate", e["id"], e["met_rate"]])
        out.append([name, "expectations_met_rate", "", r["expectations_met_rate"]])
        out.append([name, "runs", "", r["runs"]])
    return out


def to_csv(result: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows(result):
        writer.writerow("" if v is None else v for v in row)
    return buf.getvalue()


# --- SVG charts --------------------------------------------------------------------------------------

WIDTH = 760
LABEL_W = 230
ROW_H = 18


def bars_svg(title: str, categories: Sequence[str], series: Sequence[str], values: Sequence[Sequence[float | None]],
             *, maximum: float = 1.0, percent: bool = True, chart_id: str = "") -> str:
    """Grouped horizontal bars: one group per category, one bar per series (`values[category][series]`)."""
    group_h = ROW_H * len(series) + 10
    bottom = 30 + group_h * len(categories)
    height = bottom + 44
    plot_w = WIDTH - LABEL_W - 70
    out = [f'<svg class="lab-chart" data-chart="{escape(chart_id)}" '
           f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" font-family="system-ui, sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>",
           f'<text x="8" y="16" font-size="13" font-weight="600" fill="#111827">{escape(title)}</text>']
    for tick in range(0, 5):
        x = LABEL_W + plot_w * tick / 4
        label = f"{tick * 25}%" if percent else f"{maximum * tick / 4:g}"
        out.append(f'<line x1="{x:.1f}" y1="24" x2="{x:.1f}" y2="{bottom - 6}" stroke="#e5e7eb"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 8}" text-anchor="middle" fill="#6b7280">{escape(label)}</text>')
    for ci, cat in enumerate(categories):
        y0 = 30 + ci * group_h
        out.append(_category(cat, y0 + group_h / 2))
        for si, name in enumerate(series):
            v = values[ci][si]
            y = y0 + si * ROW_H
            w = 0.0 if v is None or maximum <= 0 else plot_w * min(v, maximum) / maximum
            text = "n/a" if v is None else (f"{v * 100:.1f}%" if percent else f"{v:g}")
            out.append(f'<rect class="bar" x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{ROW_H - 4}" '
                       f'fill="{COLOURS[si % len(COLOURS)]}"><title>{escape(f"{name}: {text}")}</title></rect>')
            out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + ROW_H - 7}" fill="#374151">{escape(text)}</text>')
    out.append(_legend(series, bottom + 32))
    out.append("</svg>")
    return "\n".join(out)


def _category(text: str, y: float) -> str:
    """A category's label left of the plot, cut to fit (the whole text in its tooltip)."""
    short = text if len(text) <= 34 else text[:33].rstrip() + "…"
    return (f'<text x="{LABEL_W - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#111827"><title>{escape(text)}</title>'
            f"{escape(short)}</text>")


def ranges_svg(title: str, categories: Sequence[str], series: Sequence[str],
               values: Sequence[Sequence[dict[str, float | None]]], chart_id: str = "") -> str:
    """p10-p90 ranges with the median marked, in minutes: one group per category, a line per series."""
    highs = [v["p90"] for row in values for v in row if v["p90"] is not None]
    top = max(highs, default=60.0)
    step = next((s for s in (10, 15, 30, 60, 120, 240, 480, 960) if top / s <= 8), 1440)
    end = (int(top // step) + 1) * step
    group_h = ROW_H * len(series) + 10
    height = 30 + group_h * len(categories) + 62
    plot_w = WIDTH - LABEL_W - 60

    def x_of(m: float) -> float:
        return LABEL_W + plot_w * m / end

    out = [f'<svg class="lab-chart" data-chart="{escape(chart_id)}" '
           f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" font-family="system-ui, sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>",
           f'<text x="8" y="16" font-size="13" font-weight="600" fill="#111827">{escape(title)}</text>']
    bottom = 30 + group_h * len(categories)
    m = 0
    while m <= end:
        x = x_of(m)
        out.append(f'<line x1="{x:.1f}" y1="24" x2="{x:.1f}" y2="{bottom - 6}" stroke="#e5e7eb"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 8}" text-anchor="middle" fill="#6b7280">{m} min</text>')
        m += step
    for ci, cat in enumerate(categories):
        y0 = 30 + ci * group_h
        out.append(_category(cat, y0 + group_h / 2))
        for si, name in enumerate(series):
            v = values[ci][si]
            y = y0 + si * ROW_H + (ROW_H - 4) / 2
            colour = COLOURS[si % len(COLOURS)]
            if v["median"] is None:
                out.append(f'<text x="{LABEL_W + 4}" y="{y + 4:.1f}" fill="#6b7280">never adopted</text>')
                continue
            lo, mid, hi = x_of(v["p10"]), x_of(v["median"]), x_of(v["p90"])  # type: ignore[arg-type]
            tip = escape(f"{name}: median {v['median']} min, p10 {v['p10']}, p90 {v['p90']}")
            out.append(f'<g class="range"><title>{tip}</title>'
                       f'<line x1="{lo:.1f}" y1="{y:.1f}" x2="{hi:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="4" '
                       f'stroke-linecap="round" opacity="0.55"/>'
                       f'<circle cx="{mid:.1f}" cy="{y:.1f}" r="5" fill="{colour}" stroke="#111827" stroke-width="0.6"/></g>')
            out.append(f'<text x="{hi + 8:.1f}" y="{y + 4:.1f}" fill="#374151">{escape(format(v["median"], "g"))}</text>')
    out.append(f'<text x="{LABEL_W}" y="{bottom + 26}" fill="#6b7280">line: p10 to p90; dot: median (minutes from the '
               f"first inject)</text>")
    out.append(_legend(series, bottom + 50))
    out.append("</svg>")
    return "\n".join(out)


def _legend(series: Sequence[str], y: float) -> str:
    parts = ['<g class="legend">']
    x = 8.0
    for si, name in enumerate(series):
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{COLOURS[si % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y:.1f}" fill="#111827">{escape(name[:60])}</text>')
        x += 24 + 6.2 * min(len(name), 60)
    parts.append("</g>")
    return "".join(parts)


def charts(result: dict[str, Any]) -> list[str]:
    series = [r["rule_set"]["name"] for r in result["results"]]
    kinds = result["kinds"]
    kind_names = [k["name"] for k in kinds]
    out = []
    if kinds:
        out.append(bars_svg("Adoption rate", kind_names, series,
                            [[r["decisions"][k["id"]]["adoption_rate"] for r in result["results"]] for k in kinds],
                            chart_id="adoption"))
        out.append(ranges_svg("Time from the first inject to adoption", kind_names, series,
                              [[r["decisions"][k["id"]]["minutes_to_adoption"] for r in result["results"]] for k in kinds],
                              chart_id="time"))
    exps = result["results"][0]["expectations"] if result["results"] else []
    if exps:
        out.append(bars_svg("Expectations met", [e["title"] for e in exps], series,
                            [[r["expectations"][i]["met_rate"] for r in result["results"]] for i in range(len(exps))],
                            chart_id="expectations"))
    blocked = [r["implementations"]["blocked_per_run"] for r in result["results"]]
    out.append(bars_svg("Blocked national implementations per run", ["blocked per run"], series, [blocked],
                        maximum=max([1.0, *blocked]), percent=False, chart_id="blocked"))
    return out


# --- HTML ---------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#111827;max-width:1000px}
h1{font-size:1.4rem;margin:0 0 4px} h2{font-size:1.1rem;margin-top:28px}
p.meta{color:#4b5563;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:.9rem}
th,td{border:1px solid #d1d5db;padding:4px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#f3f4f6}
figure{margin:16px 0}
code{background:#f3f4f6;padding:1px 4px;border-radius:3px}
"""


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:g}"


def table_rows(result: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(figure, value per rule set): the side-by-side table, shared by the HTML and the review page."""
    res = result["results"]
    out: list[tuple[str, list[str]]] = []
    for k in result["kinds"]:
        ds = [r["decisions"][k["id"]] for r in res]
        out.append((f"{k['name']}: adopted", [f"{_pct(d['adoption_rate'])} ({d['adopted']} of {r['runs']})"
                                              for d, r in zip(ds, res)]))
        for q, label in (("median", "median"), ("p10", "p10"), ("p90", "p90")):
            out.append((f"{k['name']}: minutes to adoption, {label}", [_num(d["minutes_to_adoption"][q]) for d in ds]))
        out.append((f"{k['name']}: rounds of proposals (mean, max)", [f"{d['rounds']['mean']:g}, {d['rounds']['max']}"
                                                                      for d in ds]))
        out.append((f"{k['name']}: last proposal rejected / lapsed / open",
                    [f"{d['last_outcome']['rejected']} / {d['last_outcome']['lapsed']} / {d['last_outcome']['open']}"
                     for d in ds]))
    out.append(("Blocked implementations per run", [_num(r["implementations"]["blocked_per_run"]) for r in res]))
    out.append(("Runs with a blocked implementation", [str(r["implementations"]["runs_with_blocked"]) for r in res]))
    for i, e in enumerate(res[0]["expectations"] if res else []):
        out.append((f"Expectation met: {e['title']}", [_pct(r["expectations"][i]["met_rate"]) for r in res]))
    out.append(("All expectations met (share of checks)", [_pct(r["expectations_met_rate"]) for r in res]))
    return out


def describe_binding(b: dict[str, Any]) -> str:
    """A rule binding in a line: where it applies, the rule, and the options it sets."""
    where = "everywhere" if (b.get("body", "*"), b.get("kind", "*")) == ("*", "*") else \
        f"{b.get('body', '*')} / {b.get('kind', '*')}".replace("*", "any")
    parts = [str(b["rule"]).replace("_", " ")]
    if b.get("threshold") is not None:
        parts.append(f"threshold {b['threshold']:g} of {'the votes cast' if b.get('base') == 'votes_cast' else 'members'}")
    if b.get("member_share") is not None:
        parts.append(f"and {b['member_share']:g} of members")
    if b.get("authority"):
        parts.append(f"by {b['authority']}")
    if b.get("weights"):
        parts.append("weights " + ", ".join(f"{k} {v:g}" for k, v in b["weights"].items()))
    parts.append(f"quorum {b.get('quorum', 0.5):g}")
    if b.get("abstention_blocks"):
        parts.append("abstention blocks")
    if b.get("base") == "votes_cast" and b.get("abstentions") == "ignore":
        parts.append("abstentions not counted")
    if b.get("recuse_parties"):
        parts.append("parties recused")
    if b.get("deadline_minutes"):
        parts.append(f"deadline {b['deadline_minutes']} min")
    return f"{where}: " + ", ".join(parts)


def to_html(result: dict[str, Any]) -> str:
    title = f"Procedure lab: {result['scenario']['title']}"
    res = result["results"]
    head = "".join(f"<th>{escape(r['rule_set']['name'])}</th>" for r in res)
    body = "".join("<tr><td>" + escape(label) + "</td>" + "".join(f"<td>{escape(v)}</td>" for v in values) + "</tr>"
                   for label, values in table_rows(result))
    rules = "".join(f"<li><strong>{escape(r['rule_set']['name'])}</strong>"
                    f"{' (the scenario’s own)' if r['rule_set'].get('from_scenario') else ''}<ul>"
                    + "".join(f"<li>{escape(describe_binding(b))}</li>" for b in r["rule_set"]["rules"] or [])
                    + "</ul></li>" for r in res)
    figures = "".join(f"<figure>{svg}</figure>" for svg in charts(result))
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1>"
            f"<p class=\"meta\">Scenario <code>{escape(result['scenario']['id'])}</code>; {result['runs']} simulated runs "
            f"per rule set; seed {result['seed']}. Seats play by the scenario's stances.</p>"
            f"<h2>Rule sets</h2><ul>{rules}</ul>"
            f"<h2>Side by side</h2><table><thead><tr><th>Figure</th>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<h2>Charts</h2>{figures}"
            "</body></html>\n")
