"""Charts of the insights page as inline SVG, drawn on the server with matplotlib.

Server-side SVG needs no script in the page, prints and scales cleanly, and keeps the
numbers out of a client-side charting bundle. Each function takes plain data and returns
an `<svg role="img" aria-labelledby=...>` string naming a visible caption, or None when
there is nothing to draw (the page then says so). Every chart is followed on the page by
a table of the same numbers, its accessible alternative.

matplotlib is used through its object API (`Figure`, never pyplot), so no global figure
state is shared between requests; rcParams are global, so rendering holds a lock.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import threading
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Colours: each at least 3:1 against white (WCAG 1.4.11), told apart without red-green.
BAR = "#005EA2"
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#565C65")  # Okabe-Ito, darkened set
OUTCOMES = {"found": "#005EA2", "no_match": "#C05600", "outage": "#565C65"}
# The 5-point agreement scale, diverging orange (disagree) to blue (agree); white text on
# each segment has at least 4.5:1.
LIKERT = {1: "#8C3D10", 2: "#C05600", 3: "#71767A", 4: "#2378C3", 5: "#162E51"}
TEXT = "#1B1B1B"
GRID = "#DFE1E2"
FONT_STACK = "'Source Sans Pro Web', 'Helvetica Neue', Helvetica, Arial, sans-serif"
WIDTH_INCHES = 7.5
LABEL_WIDTH = 28  # characters per line of a category label
MIN_LABELLED_SHARE = 8.0  # percent: narrower segments carry no number inside
INLINE_STYLE = re.compile(r'\sstyle="([^"]*)"')
# matplotlib's font shorthand: [italic|oblique] [weight] SIZE FAMILY
FONT_SHORTHAND = re.compile(r"^(?:(italic|oblique)\s+)?(?:(bold|normal|\d{3})\s+)?(\S+px)\s+(.+)$")

RC = {
    "svg.fonttype": "none",  # text stays text: no embedded glyph outlines
    "svg.hashsalt": "cx-navigator",  # stable clip-path ids, so output is reproducible
    "font.family": "sans-serif",
    "font.size": 11,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
}
NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_render_lock = threading.Lock()


def _figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_INCHES, height), constrained_layout=True)
    axes = figure.subplots()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)
    return figure, axes


def _wrap(label: str) -> str:
    return "\n".join(textwrap.wrap(label, LABEL_WIDTH)) or label


def _svg(figure: Figure, chart_id: str, caption_id: str) -> str:
    """The figure as an inline <svg>: no XML prolog, unique ids, scalable, labelled."""
    buffer = io.StringIO()
    with _render_lock, matplotlib.rc_context(RC):
        figure.savefig(buffer, format="svg", metadata=NO_METADATA)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<g id="[^"]*">', "<g>", svg)  # group ids: unused, and repeated per chart
    # Ids that are referenced (clip paths, tick markers) get a per-chart prefix, since
    # several charts share one HTML document.
    svg = re.sub(r'\bid="', f'id="{chart_id}-', svg)
    svg = svg.replace("url(#", f"url(#{chart_id}-").replace('href="#', f'href="#{chart_id}-')
    svg = svg.replace("'sans-serif'", FONT_STACK)
    svg = re.sub(
        r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
        rf'<svg \1role="img" aria-labelledby="{caption_id}" focusable="false" '
        rf'id="{chart_id}" class="cx-chart__svg"',
        svg,
        count=1,
    )
    return _without_inline_style(svg).strip()


def _without_inline_style(svg: str) -> str:
    """The page's Content-Security-Policy (bot/web/security_headers.py) blocks inline
    style, and matplotlib writes every colour and font as one: each `style="..."`
    becomes SVG presentation attributes, which no policy blocks and which draw the
    same, and the `<style>` element's rule (`*{stroke-linejoin: round; ...}`) becomes
    attributes of the root, which every element inherits unless it sets its own."""
    rules = re.search(r"<style[^>]*>\s*\*\s*\{([^}]*)\}\s*</style>", svg)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.DOTALL)
    if rules:
        svg = svg.replace("<svg ", f"<svg{_attributes(rules.group(1))} ", 1)
    return INLINE_STYLE.sub(lambda style: _attributes(html.unescape(style.group(1))), svg)


def _attributes(declarations: str) -> str:
    """CSS declarations ("fill: #fff; font: bold 10px Arial") as attributes."""
    found: dict[str, str] = {}
    for declaration in declarations.split(";"):
        name, _, value = (part.strip() for part in declaration.partition(":"))
        font = FONT_SHORTHAND.match(value) if name == "font" else None
        if font:  # no presentation attribute for the shorthand: its parts
            style, weight, size, family = font.groups()
            parts = {"font-style": style, "font-weight": weight}
            found.update({k: v for k, v in parts.items() if v})
            found.update({"font-size": size, "font-family": family})
        elif name:
            found[name] = value
    return "".join(f' {name}="{html.escape(value)}"' for name, value in found.items())


def _legend(axes: Axes, columns: int) -> None:
    axes.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.02),
        ncol=columns,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.2,
        borderaxespad=0,
    )


def _day_ticks(days: Sequence[date], most: int = 8) -> tuple[list[int], list[str]]:
    """At most `most` evenly spaced day labels; the year under the first and at a new year."""
    step = max(1, -(-len(days) // most))
    positions = list(range(0, len(days), step))
    labels = []
    for index in positions:
        day = days[index]
        new_year = index == 0 or days[index - step].year != day.year
        labels.append(f"{day:%b} {day.day}" + (f"\n{day.year}" if new_year else ""))
    return positions, labels


def conversations_per_day(
    rows: Sequence[Mapping], channel_labels: Mapping[str, str], chart_id: str, caption_id: str
) -> str | None:
    """Bars per day, stacked by channel. `rows`: [{day: "YYYY-MM-DD", channel, count}].

    Days between the first and the last without conversations are drawn as gaps, so the
    axis is even and a quiet day is visible."""
    if not rows:
        return None
    counts = {(date.fromisoformat(str(r["day"])), r["channel"]): r["count"] for r in rows}
    first, last = min(day for day, _ in counts), max(day for day, _ in counts)
    days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    channels = sorted({channel for _, channel in counts})
    figure, axes = _figure(3.6)
    positions = list(range(len(days)))
    bottom = [0] * len(days)
    for index, channel in enumerate(channels):
        heights = [counts.get((day, channel), 0) for day in days]
        axes.bar(
            positions,
            heights,
            bottom=bottom,
            width=0.8,
            color=SERIES[index % len(SERIES)],
            edgecolor="white",
            linewidth=0.6 if len(days) <= 60 else 0,
            label=channel_labels.get(channel, channel),
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ticks, labels = _day_ticks(days)
    axes.set_xticks(ticks)
    axes.set_xticklabels(labels)
    margin = max(0, 7 - len(days)) / 2  # a day or two still gets a week's axis, centred
    axes.set_xlim(-0.6 - margin, len(days) - 0.4 + margin)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="y", color=GRID)
    axes.set_ylabel("Conversations")
    _legend(axes, min(len(channels), 4))
    return _svg(figure, chart_id, caption_id)


def ranked_bars(
    items: Sequence[tuple[str, int]], chart_id: str, caption_id: str, unit: str = "conversations"
) -> str | None:
    """Horizontal bars, largest on top, each labelled with its count. `items`: (label, n)."""
    if not items:
        return None
    labels = [_wrap(label) for label, _ in items][::-1]
    values = [count for _, count in items][::-1]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure, axes = _figure(0.8 + 0.3 * lines + 0.15 * len(labels))
    bars = axes.barh(labels, values, color=BAR, height=0.6)
    axes.bar_label(bars, padding=3, color=TEXT)
    axes.set_xlim(0, max(values) * 1.15)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="x", color=GRID)
    axes.set_xlabel(unit.capitalize())
    return _svg(figure, chart_id, caption_id)


def lookups_by_agency(
    rows: Sequence[Mapping],
    agency_labels: Mapping[str, str],
    outcome_labels: Mapping[str, str],
    chart_id: str,
    caption_id: str,
) -> str | None:
    """Horizontal bars per agency, stacked by outcome (found / no match / outage)."""
    if not rows:
        return None
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["agency"]] = totals.get(row["agency"], 0) + row["count"]
    agencies = sorted(totals, key=lambda agency: (totals[agency], agency_labels.get(agency, "")))
    outcomes = [o for o in OUTCOMES if any(r["outcome"] == o for r in rows)]
    outcomes += sorted({r["outcome"] for r in rows} - set(outcomes))
    counts = {(r["agency"], r["outcome"]): r["count"] for r in rows}
    labels = [_wrap(agency_labels.get(agency, agency)) for agency in agencies]
    figure, axes = _figure(1.2 + 0.45 * len(agencies))
    left = [0] * len(agencies)
    for index, outcome in enumerate(outcomes):
        widths = [counts.get((agency, outcome), 0) for agency in agencies]
        axes.barh(
            labels,
            widths,
            left=left,
            height=0.6,
            color=OUTCOMES.get(outcome, SERIES[index % len(SERIES)]),
            edgecolor="white",
            linewidth=0.6,
            label=outcome_labels.get(outcome, outcome),
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="x", color=GRID)
    axes.set_xlabel("Lookups")
    _legend(axes, len(outcomes))
    return _svg(figure, chart_id, caption_id)


def survey_distribution(
    questions: Sequence[tuple[str, Mapping[int, int]]],
    scale: Mapping[int, str],
    chart_id: str,
    caption_id: str,
) -> str | None:
    """100% stacked horizontal bars, one per question, over the five scale points.

    `questions`: (label, {point: count}) in asking order; the first is drawn on top."""
    answered = [(label, counts) for label, counts in questions if sum(counts.values())]
    if not answered:
        return None
    labels = [_wrap(label) for label, _ in answered][::-1]
    shares = []
    for _, counts in answered[::-1]:
        n = sum(counts.values())
        shares.append({point: 100 * counts.get(point, 0) / n for point in scale})
    figure, axes = _figure(1.4 + 0.45 * len(labels))
    left = [0.0] * len(labels)
    for point in sorted(scale):
        widths = [share[point] for share in shares]
        bars = axes.barh(
            labels,
            widths,
            left=left,
            height=0.6,
            color=LIKERT[point],
            edgecolor="white",
            linewidth=0.8,
            label=scale[point],
        )
        names = [f"{w:.0f}%" if w >= MIN_LABELLED_SHARE else "" for w in widths]
        axes.bar_label(bars, labels=names, label_type="center", color="white", fontsize=10)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter("{x:.0f}%")
    axes.set_xlabel("Share of answers")
    _legend(axes, 3)
    return _svg(figure, chart_id, caption_id)
