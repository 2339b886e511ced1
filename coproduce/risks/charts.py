"""Charts for the register and the forecast, built like the cost charts (`costs/charts.py`):
one Vega-Lite definition each, drawn on the server, with a written summary and a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, format_percent

from coproduce.costs.charts import (
    ALERT,
    BRAND,
    MUTED,
    TEXT,
    WHITE,
    Chart,
    base_spec,
    category_axis,
)
from coproduce.costs.money import LOCALE, present
from coproduce.risks.models import IMPACT_HELP, Impact, Likelihood

# The heat map shades each cell by its score band (likelihood times impact), the usual risk
# matrix; the count is written in each cell and the bands are named in the legend, so colour
# is never the only cue. All four tints keep dark text above 7:1.
ZONES = [
    (4, "Low (score 1-4)", "#e6f2e8"),
    (9, "Medium (5-9)", "#fff4cc"),
    (14, "High (10-14)", "#ffdcb8"),
    (25, "Very high (15-25)", "#f7c6c6"),
]
KINDS = {"duration": "Duration", "cost": "Co-production cost"}


def heat_map_chart(counts: Mapping[tuple[int, int], int]) -> Chart:
    """Open and mitigating risks by likelihood (rows, most likely on top) and impact."""
    likelihoods = [label for _, label in reversed(Likelihood.choices)]
    impacts = [label for _, label in Impact.choices]
    values = []
    for likelihood, l_label in zip(range(5, 0, -1), likelihoods, strict=True):
        for impact, i_label in zip(range(1, 6), impacts, strict=True):
            n = counts.get((likelihood, impact), 0)
            values.append(
                {
                    "likelihood": l_label,
                    "impact": i_label,
                    "n": n,
                    "label": str(n) if n else "",
                    "zone": _zone(likelihood * impact),
                }
            )
    spec = base_spec(values)
    spec["height"] = {"step": 44}
    spec["width"] = {"step": 88}
    spec["autosize"] = {"type": "pad"}
    spec["encoding"] = {
        "y": {**category_axis("likelihood"), "title": "Likelihood"},
        "x": {
            "field": "impact",
            "type": "nominal",
            "sort": None,
            "title": "Impact",
            "axis": {"labelAngle": 0, "labelLimit": 84},
        },
    }
    spec["layer"] = [
        {
            "mark": {"type": "rect", "stroke": MUTED, "strokeWidth": 1},
            "encoding": {
                "fill": {
                    "field": "zone",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": [label for _, label, _ in ZONES],
                        "range": [colour for _, _, colour in ZONES],
                    },
                    "legend": {"orient": "bottom", "direction": "horizontal", "columns": 2},
                }
            },
        },
        {
            "mark": {"type": "text", "fontSize": 15, "fontWeight": "bold", "fill": TEXT},
            "encoding": {"text": {"field": "label"}},
        },
    ]
    total = sum(counts.values())
    high = sum(n for (likelihood, impact), n in counts.items() if likelihood * impact >= 15)
    description = f"{_count(total, 'open risk')} by likelihood and impact. " + (
        f"{_count(high, 'risk')} score 15 or more (likelihood times impact)."
        if total
        else "The register has no open risks."
    )
    spec["description"] = description
    rows = [
        [label, *(str(counts.get((likelihood, impact), 0)) for impact in range(1, 6))]
        for likelihood, label in zip(range(5, 0, -1), likelihoods, strict=True)
    ]
    return Chart(
        key="risk-heat-map",
        title="Open risks by likelihood and impact",
        description=description,
        spec=spec,
        columns=[
            "Likelihood",
            *(f"Impact {i}: {IMPACT_HELP[i].split(':')[0]}" for i in range(1, 6)),
        ],
        rows=rows,
    )


def _zone(score: int) -> str:
    return next(label for top, label, _ in ZONES if score <= top)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def value_text(kind: str, value: float, currency: str) -> str:
    if kind == "duration":
        return f"{format_decimal(round(value, 1), format='#,##0.0', locale=LOCALE)} weeks"
    return present(Decimal(repr(value)), currency)


def histogram_chart(kind: str, outcome: Mapping[str, Any], currency: str, key: str) -> Chart:
    """How often each total came up, with the P50 and P90 marked."""
    counts = outcome["histogram"]["counts"]
    edges = outcome["histogram"]["edges"]
    runs = sum(counts)
    values = [
        {"start": edges[i], "end": edges[i + 1], "share": counts[i] / runs if runs else 0}
        for i in range(len(counts))
    ]
    p = outcome["percentiles"]
    marks = [
        {"value": p["50"], "text": "P50"},
        {"value": p["90"], "text": "P90"},
    ]
    spec = base_spec(values)
    spec["height"] = 220
    spec["layer"] = [
        {
            "mark": {"type": "bar", "fill": BRAND, "stroke": WHITE, "strokeWidth": 0.5},
            "encoding": {
                "x": {
                    "field": "start",
                    "type": "quantitative",
                    "bin": {"binned": True},
                    "title": _axis_title(kind, currency),
                    "axis": {"format": ",.0f", "tickCount": 6},
                },
                "x2": {"field": "end"},
                "y": {
                    "field": "share",
                    "type": "quantitative",
                    "title": "Share of runs",
                    "axis": {"format": ".0%", "tickCount": 4},
                },
            },
        },
        *_percentile_rules(marks),
    ]
    description = (
        f"{KINDS[kind]}: half of the simulated runs came in at or under "
        f"{value_text(kind, p['50'], currency)} (P50), and nine in ten at or under "
        f"{value_text(kind, p['90'], currency)} (P90)."
    )
    spec["description"] = description
    rows = [
        [
            f"{value_text(kind, edges[i], currency)} to {value_text(kind, edges[i + 1], currency)}",
            format_decimal(counts[i], locale=LOCALE),
            format_percent(counts[i] / runs if runs else 0, format="#,##0.0%", locale=LOCALE),
        ]
        for i in range(len(counts))
    ]
    return Chart(
        key=f"{key}-histogram-{kind}",
        title=f"{KINDS[kind]}: how often each total came up",
        description=description,
        spec=spec,
        columns=["Range", "Runs", "Share of runs"],
        rows=rows,
    )


def s_curve_chart(kind: str, outcome: Mapping[str, Any], currency: str, key: str) -> Chart:
    """The chance of finishing at or under each total."""
    values = [{"value": v, "share": s} for v, s in outcome["s_curve"]]
    p = outcome["percentiles"]
    spec = base_spec(values)
    spec["height"] = 220
    spec["layer"] = [
        {
            "mark": {"type": "line", "stroke": BRAND, "strokeWidth": 3},
            "encoding": {
                "x": {
                    "field": "value",
                    "type": "quantitative",
                    "title": _axis_title(kind, currency),
                    "scale": {"zero": False},
                    "axis": {"format": ",.0f", "tickCount": 6},
                },
                "y": {
                    "field": "share",
                    "type": "quantitative",
                    "title": "Chance of coming in at or under",
                    "axis": {"format": ".0%", "tickCount": 5},
                },
            },
        },
        *_percentile_rules([{"value": p["80"], "text": "P80"}]),
    ]
    description = (
        f"{KINDS[kind]}: a 10% chance of coming in at or under "
        f"{value_text(kind, p['10'], currency)}, 50% at or under "
        f"{value_text(kind, p['50'], currency)}, 80% at or under "
        f"{value_text(kind, p['80'], currency)} and 90% at or under "
        f"{value_text(kind, p['90'], currency)}."
    )
    spec["description"] = description
    rows = [[f"P{n}", f"{n}%", value_text(kind, p[str(n)], currency)] for n in (10, 50, 80, 90)]
    return Chart(
        key=f"{key}-s-curve-{kind}",
        title=f"{KINDS[kind]}: chance of coming in at or under each total",
        description=description,
        spec=spec,
        columns=["Percentile", "Chance", KINDS[kind]],
        rows=rows,
    )


def _percentile_rules(marks: Sequence[Mapping[str, object]]) -> list[dict[str, Any]]:
    return [
        {
            "data": {"values": list(marks)},
            "mark": {"type": "rule", "stroke": ALERT, "strokeWidth": 2, "strokeDash": [6, 4]},
            "encoding": {"x": {"field": "value", "type": "quantitative"}},
        },
        {
            "data": {"values": list(marks)},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "top",
                "dx": 4,
                "y": 2,
                "fill": ALERT,
                "fontWeight": "bold",
            },
            "encoding": {
                "x": {"field": "value", "type": "quantitative"},
                "text": {"field": "text"},
            },
        },
    ]


def _axis_title(kind: str, currency: str) -> str:
    return "Weeks" if kind == "duration" else f"Co-production cost ({currency})"


def tornado_chart(
    kind: str, tornado: Sequence[Mapping[str, Any]], key: str, limit: int = 12
) -> Chart:
    """The inputs that drive the spread of a total most, by their share of its variance.

    Past the `limit` largest, the rest are one line, "The other N inputs", with their shares
    summed, so the shares shown still add up to 100% as the page says."""
    ranked = sorted(tornado, key=lambda row: -abs(row[kind]))
    shown = [(row["name"], float(row[kind])) for row in ranked]
    if len(ranked) > limit + 1:  # one left over is shown as itself, not as "the other 1"
        rest = ranked[limit:]
        others = (f"The other {len(rest)} inputs", sum(float(row[kind]) for row in rest))
        shown = [*shown[:limit], others]
    values = [{"input": name, "share": share, "label": _share(share)} for name, share in shown]
    largest = max((abs(row["share"]) for row in values), default=0.0)
    spec = base_spec(values)
    spec["encoding"] = {
        "y": category_axis("input"),
        "x": {
            "field": "share",
            "type": "quantitative",
            "title": f"Share of the spread in {KINDS[kind].lower()}",
            "scale": {"domain": [0, max(largest * 1.2, 0.05)]},
            "axis": {"format": ".0%", "tickCount": 5},
        },
    }
    spec["layer"] = [
        {"mark": {"type": "bar", "fill": BRAND}},
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "fill": TEXT},
            "encoding": {"text": {"field": "label"}},
        },
    ]
    if ranked:
        top = ranked[0]
        description = (
            f"{KINDS[kind]}: {top['name']} drives the most spread, "
            f"{_share(top[kind])} of it"
            + (
                f", then {ranked[1]['name']} with {_share(ranked[1][kind])}."
                if len(ranked) > 1
                else "."
            )
        )
    else:
        description = f"{KINDS[kind]}: nothing varies, so nothing drives the spread."
    spec["description"] = description
    return Chart(
        key=f"{key}-tornado-{kind}",
        title=f"{KINDS[kind]}: what drives the spread",
        description=description,
        spec=spec,
        columns=["Stage or risk", "Share of the spread"],
        rows=[[name, _share(share)] for name, share in shown],
    )


def _share(value: float) -> str:
    return format_percent(value, format="#,##0.0%", locale=LOCALE)
