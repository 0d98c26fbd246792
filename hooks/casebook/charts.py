"""Build-time charts as plain geometry; ``overrides/partials/cb-bars.html`` and ``cb-timeline.html`` draw them as SVG.

Each chart carries a title, a one-sentence description and its data as a
table, so it has a text alternative. Sizes do not depend on the number of
cases beyond the number of bars, so charts stay readable at 500 cases.

The SVGs have no ``viewBox``: they are as wide as the page column (any width
from a 320 px phone up), their heights are CSS pixels, and horizontal positions
are percentages of the width. Text is therefore never scaled: it is drawn at
``FONT`` CSS px on a phone as on a desktop (WCAG 1.4.4 and 1.4.10: a chart
scaled down to a phone's width had 7 px labels). Labels sit above their bars
and are wrapped here, at ``LABEL_CHARS`` characters, so that the longest line
fits a 288 px column (320 px minus Material's margins).
"""

from __future__ import annotations

import textwrap

FONT = 14
"""Font size of chart text, in CSS px (``.cb-chart text`` in casebook.css uses the same)."""
LINE = 18
"""Height of one line of label text, in CSS px."""
BAR = 14
"""Height of a horizontal bar, in CSS px."""
GAP = 10
"""Space between one bar and the next row's label, in CSS px."""
LABEL_CHARS = 32
"""Longest label line, in characters: 32 characters of 14 px text are about 230 px wide."""
SPAN = 85.0
"""Width of the longest bar, in percent of the chart's width; the rest holds its value."""
TICK_LABELS = 6
"""At most this many year labels under the timeline: six four-digit years fit 288 px."""
PLOT = 120
"""Height of the timeline's plot area, in CSS px."""


def _label_lines(label: str) -> list[str]:
    """``label`` wrapped at ``LABEL_CHARS`` (a longer word is broken)."""
    return textwrap.wrap(label, LABEL_CHARS, break_on_hyphens=False) or [""]


def bar_chart(chart_id: str, title: str, desc: str, items: list[tuple]) -> dict:
    """Horizontal bars, one row per item, drawn in the given order.

    ``items`` are ``(label, value, url or None)``, value a count >= 0. Each row
    is its label (``lines``, wrapped) with the bar below it: ``y`` is the row's
    top and ``bar_y`` the bar's top, in CSS px; ``width`` is the bar's width in
    percent of the chart's width (the largest value gets ``SPAN``). ``height``
    is the whole chart's, in CSS px.
    """
    top = max([v for _, v, _ in items] + [1])
    bars, y = [], 0
    for label, value, url in items:
        lines = _label_lines(label)
        bar_y = y + len(lines) * LINE + 4
        bars.append(
            {
                "label": label,
                "lines": [{"text": text, "y": y + (i + 1) * LINE - 4} for i, text in enumerate(lines)],
                "value": value,
                "url": url,
                "y": y,
                "bar_y": bar_y,
                "width": round(SPAN * value / top, 2),
            }
        )
        y = bar_y + BAR + GAP
    return {
        "id": chart_id,
        "title": title,
        "desc": desc,
        "bars": bars,
        "bar": BAR,
        "height": max(y - GAP, LINE),
    }


def _ticks(columns: list[dict]) -> list[dict]:
    """At most ``TICK_LABELS`` evenly spaced columns to label, always the first and the last.

    Each gets ``x`` (percent) and ``anchor`` (SVG text-anchor): the first label
    starts at its column's left edge and the last ends at its column's right
    edge, so neither is cut off at the chart's edges.
    """
    n = len(columns)
    every = max(1, -(-n // TICK_LABELS))
    picked = list(range(0, n, every))
    if picked[-1] != n - 1:
        if n - 1 - picked[-1] < every and len(picked) > 1:
            picked[-1] = n - 1  # too close to the last year for both labels
        else:
            picked.append(n - 1)
    ticks = []
    for i in picked:
        col = columns[i]
        if i == 0:
            x, anchor = col["x"], "start"
        elif i == n - 1:
            x, anchor = round(col["x"] + col["width"], 2), "end"
        else:
            x, anchor = round(col["x"] + col["width"] / 2, 2), "middle"
        ticks.append({**col, "x": x, "anchor": anchor})
    return ticks


def timeline(chart_id: str, periods: list[tuple[int, int | None]], last_year: int) -> dict:
    """Programmes active per year: one column per year from the first start to the last year.

    ``periods`` are ``(start, end)`` years, ``end`` None while ongoing. The
    last year is the latest of ``last_year``, every end and every start; an
    ongoing programme counts up to it. Columns have ``x`` and ``width`` in
    percent of the chart's width and ``y`` and ``height`` in CSS px; the plot
    is ``plot_height`` px tall below ``plot_top``, ``top`` (the largest count)
    is written above it, and the years are written below it at ``axis_y``.
    """
    if not periods:
        return {
            "id": chart_id,
            "years": [],
            "title": "Programmes active per year",
            "desc": "No cases yet.",
            "height": 160,
            "ticks": [],
        }
    first = min(s for s, _ in periods)
    last = max([last_year, *(e for _, e in periods if e is not None), *(s for s, _ in periods)])
    years = list(range(first, last + 1))
    active = {y: 0 for y in years}
    for start, end in periods:
        for year in range(start, (end if end is not None else last) + 1):
            active[year] += 1
    top = max(active.values()) or 1
    plot_top = LINE + 6
    step = 100 / len(years)
    columns = [
        {
            "year": y,
            "count": active[y],
            "x": round(i * step, 2),
            "width": round(step * 0.8, 2),
            "height": round(PLOT * active[y] / top, 1),
            "y": round(plot_top + PLOT - PLOT * active[y] / top, 1),
        }
        for i, y in enumerate(years)
    ]
    busiest = max(years, key=lambda y: (active[y], -y))
    desc = (
        f"Number of programmes running in each year from {first} to {last}; the most, {active[busiest]}, in {busiest}."
    )
    if any(end is None for _, end in periods):
        desc += f" Ongoing programmes are counted up to {last}."
    return {
        "id": chart_id,
        "title": "Programmes active per year",
        "desc": desc,
        "years": columns,
        "ticks": _ticks(columns),
        "height": plot_top + PLOT + LINE + 6,
        "plot_top": plot_top,
        "plot_height": PLOT,
        "axis_y": plot_top + PLOT + LINE,
        "top": top,
        "top_label": f"{top} {'programme' if top == 1 else 'programmes'}",
    }
