"""Build-time charts as plain geometry; ``overrides/partials/cb-chart-*.html`` draws them as SVG.

Each chart carries a title, a one-sentence description and its data as a
table, so it has a text alternative. Sizes do not depend on the number of
cases beyond the number of bars, so charts stay readable at 500 cases.
"""

from __future__ import annotations

BAR = 22
"""Height of one horizontal bar row, in SVG units."""
WIDTH = 640
LABEL = 220
"""Width reserved for labels left of the bars."""


def bar_chart(chart_id: str, title: str, desc: str, items: list[tuple]) -> dict:
    """Horizontal bars: ``items`` are ``(label, value, url or None)``, drawn in the given order."""
    top = max([v for _, v, _ in items] + [1])
    span = WIDTH - LABEL - 50
    bars = [
        {"label": label, "value": value, "url": url, "y": i * BAR, "width": round(span * value / top, 1)}
        for i, (label, value, url) in enumerate(items)
    ]
    return {
        "id": chart_id,
        "title": title,
        "desc": desc,
        "bars": bars,
        "width": WIDTH,
        "label": LABEL,
        "height": max(len(bars), 1) * BAR,
    }


def timeline(chart_id: str, periods: list[tuple[int, int | None]], last_year: int) -> dict:
    """Programmes active per year: one column per year from the first start to ``last_year``."""
    if not periods:
        return {
            "id": chart_id,
            "years": [],
            "title": "Programmes active per year",
            "desc": "No cases yet.",
            "width": WIDTH,
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
    plot_h, left, bottom = 130, 40, 20
    step = (WIDTH - left - 10) / len(years)
    columns = [
        {
            "year": y,
            "count": active[y],
            "x": round(left + i * step, 1),
            "width": round(max(step - 1, 0.5), 1),
            "height": round(plot_h * active[y] / top, 1),
            "y": round(plot_h - plot_h * active[y] / top, 1),
        }
        for i, y in enumerate(years)
    ]
    every = max(1, -(-len(years) // 12))  # at most about 12 year labels
    ticks = [c for i, c in enumerate(columns) if i % every == 0 or c is columns[-1]]
    busiest = max(years, key=lambda y: (active[y], -y))
    desc = (
        f"Number of programmes running in each year from {first} to {last}; "
        f"the most, {active[busiest]}, in {busiest}. Ongoing programmes are counted up to {last}."
    )
    return {
        "id": chart_id,
        "title": "Programmes active per year",
        "desc": desc,
        "years": columns,
        "ticks": ticks,
        "width": WIDTH,
        "height": plot_h + bottom,
        "plot_height": plot_h,
        "left": left,
        "top": top,
    }
