"""The voice trend chart, built like the cost charts (one Vega-Lite definition, drawn on the
server, with a written summary and the table behind it)."""

from __future__ import annotations

from collections.abc import Sequence

from babel.numbers import format_percent

from coproduce.costs.charts import ALERT, BRAND, TEXT, Chart, base_spec
from coproduce.costs.money import LOCALE
from coproduce.governance.voice import TrendPoint

GINI = "Gini coefficient of contributions"
TOP_TWO = "Share of the two most active"


def voice_trend_chart(points: Sequence[TrendPoint], window: int) -> Chart:
    """For each activity, the Gini coefficient of contributions and the top two's share over
    that activity and the ones before it in the window. A rule at one half marks the usual
    suspects threshold."""
    values: list[dict[str, object]] = []
    rows = []
    for point in points:
        when = point.activity.date.isoformat()
        label = f"{point.activity.date:%d %b %Y}: {point.activity.title}"
        values.append({"date": when, "measure": GINI, "value": float(point.contribution_gini)})
        if point.top_two_share is not None:
            values.append({"date": when, "measure": TOP_TWO, "value": float(point.top_two_share)})
        rows.append(
            [
                label,
                str(point.attendees),
                _share(point.contribution_gini),
                _share(point.top_two_share) if point.top_two_share is not None else "No tally",
            ]
        )
    spec = base_spec(values)
    spec["height"] = 220
    spec["layer"] = [
        {
            "mark": {"type": "line", "point": True, "strokeWidth": 2},
            "encoding": {
                "x": {
                    "field": "date",
                    "type": "temporal",
                    "title": "Activity date",
                    "axis": {"format": "%b %Y", "tickCount": 6},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": None,
                    "scale": {"domain": [0, 1]},
                    "axis": {"format": ".0%", "tickCount": 5},
                },
                "color": {
                    "field": "measure",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": [GINI, TOP_TWO], "range": [BRAND, TEXT]},
                    "legend": {"orient": "top"},
                },
                "strokeDash": {
                    "field": "measure",
                    "type": "nominal",
                    "scale": {"domain": [GINI, TOP_TWO], "range": [[1, 0], [6, 4]]},
                    "legend": None,
                },
            },
        },
        {
            "data": {"values": [{"value": 0.5}]},
            "mark": {"type": "rule", "stroke": ALERT, "strokeDash": [2, 2]},
            "encoding": {"y": {"field": "value", "type": "quantitative"}},
        },
    ]
    last = points[-1]
    description = (
        f"Over the last {window} activities up to {last.activity.date:%d %B %Y}, the Gini "
        f"coefficient of contributions is {_share(last.contribution_gini)}"
        + (
            f" and the two most active people made {_share(last.top_two_share)} of them."
            if last.top_two_share is not None
            else "; no contributions were tallied."
        )
        + " The dotted red line marks one half, where the usual suspects warning starts."
    )
    spec["description"] = description
    return Chart(
        key="voice-trend",
        title=f"Whose voice counts, activity by activity (last {window} activities each time)",
        description=description,
        spec=spec,
        columns=["Activity", "People present", GINI, TOP_TWO],
        rows=rows,
    )


def _share(value: object) -> str:
    return format_percent(float(value), format="#,##0%", locale=LOCALE)  # type: ignore[arg-type]
