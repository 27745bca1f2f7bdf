"""The report's timeline chart: an inline SVG, one row per seat, a mark at the exercise time of each
step of the response chains, and a legend. Built from the report JSON; every text is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from .summaries import clock
from .translate import Translate, translator

# event type -> (legend label, colour, shape)
MARKS: dict[str, tuple[str, str, str]] = {
    "inject_delivered": ("Inject delivered", "#6b7280", "diamond"),
    "threat_reported": ("Threat reported", "#dc2626", "triangle"),
    "consultation_opened": ("Consultation opened", "#2563eb", "circle"),
    "assistance_requested": ("Assistance requested", "#ea580c", "square"),
    "assistance_responded": ("Assistance answered", "#f59e0b", "circle"),
    "decision_proposed": ("Decision proposed", "#7c3aed", "square"),
    "vote_cast": ("Vote cast", "#a78bfa", "bar"),
    "decision_adopted": ("Decision adopted", "#16a34a", "diamond"),
    "decision_rejected": ("Decision rejected", "#991b1b", "cross"),
    "decision_lapsed": ("Decision lapsed", "#9ca3af", "cross"),
    "notification_sent": ("Notification sent", "#0d9488", "triangle"),
    "implementation_recorded": ("National implementation", "#15803d", "circle"),
}
INJECTS_ROW = "Injects"
COUNCIL_ROW = "Outcomes (system)"

WIDTH = 1000
LABEL = 170
PAD_RIGHT = 24
ROW = 24
TOP = 34
STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def _step(span: float) -> int:
    for s in STEPS:
        if span / s <= 12:
            return s
    return STEPS[-1] * int(span // (STEPS[-1] * 12) + 1)


def _shape(shape: str, x: float, y: float, colour: str, title: str, type: str, seq: int) -> str:
    r = 5.5
    attrs = f'class="mark" data-type="{escape(type)}" data-seq="{seq}" fill="{colour}" stroke="#111827" stroke-width="0.6"'
    t = f"<title>{escape(title)}</title>"
    if shape == "circle":
        return f'<circle {attrs} cx="{x:.1f}" cy="{y:.1f}" r="{r - 0.5}">{t}</circle>'
    if shape == "square":
        return f'<rect {attrs} x="{x - r + 1:.1f}" y="{y - r + 1:.1f}" width="{2 * r - 2:.1f}" height="{2 * r - 2:.1f}">{t}</rect>'
    if shape == "bar":
        return f'<rect {attrs} x="{x - 1.5:.1f}" y="{y - r:.1f}" width="3" height="{2 * r:.1f}">{t}</rect>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r - 1:.1f} {x - r:.1f},{y + r - 1:.1f}"
    elif shape == "cross":
        a, b = r, r / 2.6
        pts = " ".join(f"{x + px:.1f},{y + py:.1f}" for px, py in (
            (-a, -a + b), (-a + b, -a), (0, -b), (a - b, -a), (a, -a + b), (b, 0),
            (a, a - b), (a - b, a), (0, b), (-a + b, a), (-a, a - b), (-b, 0)))
    else:  # diamond
        pts = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
    return f'<polygon {attrs} points="{pts}">{t}</polygon>'


def _kind(ev: dict[str, Any]) -> str:
    """The generic type of a timeline entry (an event a scenario's alias renamed is marked as what it records)."""
    return str(ev.get("generic") or ev["type"])


def chart_rows(report: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(row id, label, timeline entries) for every row that has marks: injects, seats in scenario
    order, then the system's outcomes."""
    names = {s["seat"]: s["name"] for s in report["seats"]}
    by_row: dict[str, list[dict[str, Any]]] = {}
    for ev in report["timeline"]:
        if _kind(ev) not in MARKS:
            continue
        row = INJECTS_ROW if _kind(ev) == "inject_delivered" else (COUNCIL_ROW if ev["actor"] == "system" else ev["actor"])
        by_row.setdefault(row, []).append(ev)
    order = [INJECTS_ROW, *names, *sorted(r for r in by_row if r not in names and r not in (INJECTS_ROW, COUNCIL_ROW)), COUNCIL_ROW]
    rows = []
    for r in order:
        if r in by_row:
            label = names.get(r, r)
            rows.append((r, f"{r} · {label}" if r in names and label != r else label, by_row[r]))
    return rows


def timeline_svg(report: dict[str, Any], _: Translate | None = None) -> str:
    _ = _ or translator("en")
    rows = chart_rows(report)
    end = max([float(report["exercise"]["duration"]), 60.0] + [float(e["exercise_time"]) for _, _, evs in rows for e in evs])
    step = _step(end)
    end = (int(end // step) + 1) * step
    plot_w = WIDTH - LABEL - PAD_RIGHT

    def x_of(t: float) -> float:
        return LABEL + plot_w * float(t) / end

    used = [t for t in MARKS if any(_kind(e) == t for _, _, evs in rows for e in evs)]
    legend_cols = 4
    legend_rows = (len(used) + legend_cols - 1) // legend_cols
    plot_h = max(1, len(rows)) * ROW
    height = TOP + plot_h + 18 + legend_rows * 20 + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" viewBox="0 0 {WIDTH} {height}" '
           f'width="100%" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="11">',
           f'<title id="chart-title">{escape(_("Response chains by seat"))}</title>',
           f'<desc id="chart-desc">{escape(_("One row per seat; each mark is a step of a response chain at its exercise time."))}</desc>']
    # grid and axis
    t = 0
    while t <= end:
        x = x_of(t)
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#e5e7eb"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP - 10}" text-anchor="middle" fill="#374151">{escape(clock(t)[:-3])}</text>')
        t += step
    out.append(f'<text x="8" y="{TOP - 10}" fill="#6b7280">{escape(_("exercise time (H:MM)"))}</text>')
    # inject deliveries as faint guides across all rows
    for _row, _label, evs in rows[:1] if rows and rows[0][0] == INJECTS_ROW else []:
        for e in evs:
            x = x_of(e["exercise_time"])
            out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#9ca3af" stroke-dasharray="2 3"/>')
    for i, (row, label, evs) in enumerate(rows):
        y = TOP + i * ROW + ROW / 2
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{TOP + i * ROW}" width="{WIDTH}" height="{ROW}" fill="#f9fafb"/>')
        out.append(f'<g class="row" data-row="{escape(row)}">')
        shown = _(label) if row in (INJECTS_ROW, COUNCIL_ROW) else label
        out.append(f'<text x="{LABEL - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#111827">{escape(shown)}</text>')
        for e in evs:
            name, colour, shape = MARKS[_kind(e)]
            title = f"{clock(e['exercise_time'])} ({_('seq {seq}', seq=e['seq'])}) {e['summary']}"
            out.append(_shape(shape, x_of(e["exercise_time"]), y, colour, title, _kind(e), int(e["seq"])))
        out.append("</g>")
    if not rows:
        out.append(f'<text x="{LABEL}" y="{TOP + ROW / 2 + 4}" fill="#6b7280">{escape(_("No response yet."))}</text>')
    # legend
    ly = TOP + plot_h + 22
    col_w = (WIDTH - 20) / legend_cols
    out.append('<g class="legend">')
    for i, t_ in enumerate(used):
        name, colour, shape = MARKS[t_]
        name = _(name)
        lx = 16 + (i % legend_cols) * col_w
        yy = ly + (i // legend_cols) * 20
        out.append(_shape(shape, lx, yy - 4, colour, name, t_, 0).replace('class="mark"', 'class="legend-mark"'))
        out.append(f'<text x="{lx + 12:.1f}" y="{yy:.1f}" fill="#111827">{escape(name)}</text>')
    out.append("</g></svg>")
    return "\n".join(out)
