"""Charts: one Vega-Lite definition per chart, built from plain data and rendered on the server.

The same definition becomes SVG for pages (inlined, so it scales with the text and needs no
JavaScript) and PNG for reports. Every chart carries a text alternative that states its key
figures, and the table behind it, already formatted for display. Amounts stay exact Decimals
everywhere except the numbers handed to Vega-Lite for drawing, which are floats.

Colours come from the site's palette and have at least 3:1 contrast on white; where colour
carries meaning, a second cue carries it too (hollow against solid bars, written annotations).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import vl_convert as vlc
from babel.numbers import format_decimal, format_percent
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from coproduce.costs.budget import CurrencyBudget, Overspend
from coproduce.costs.burden import HOUR_KINDS, GroupTable, PersonLoad
from coproduce.costs.money import LOCALE, NONE, present

type Spec = dict[str, Any]

WIDTH = 560
FONT = "system-ui, sans-serif"
TEXT = "#1d1d1b"
MUTED = "#505a5f"
BRAND = "#0b5e55"
ALERT = "#b00020"
WHITE = "#ffffff"
# Longer axis labels end in an ellipsis; the table has them in full. Kept well inside the
# left padding because browsers draw system-ui a little wider than the renderer measures it.
LABEL_LIMIT = 160

HOUR_KIND_LABELS = {
    "attendance": "Attendance",
    "preparation": "Preparation",
    "administration": "Administration",
    "follow_up": "Follow-up",
}
PLANNED = "Planned"
ACTUAL = "Actual"
OVER_PLAN = "Actual, over plan"
NOT_SHOWN = "Not shown"

_KEY = re.compile(r"[A-Za-z0-9_-]+")
# vl-convert gives mark containers ARIA graphics roles even with `aria: false`; inside an SVG
# that is itself role="img" they would only be noise, so they are removed.
_INNER_ROLE = re.compile(r' role="graphics-[a-z]+"(?: aria-roledescription="[^"]*")?')


@dataclass(frozen=True)
class Chart:
    """A chart and its text alternatives. `key` is unique per chart on a page and becomes part
    of element ids; `description` is the plain-language summary read in place of the image;
    `columns` and `rows` are the table behind the chart, formatted for display."""

    key: str
    title: str
    description: str
    spec: Spec
    columns: list[str]
    rows: list[list[str]]

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"A chart key is letters, digits, '-' and '_' only: {self.key!r}")

    @property
    def caption_id(self) -> str:
        return f"chart-{self.key}-caption"

    def svg(self) -> str:
        return render_svg(self.spec)

    def png(self, scale: float = 2) -> bytes:
        return render_png(self.spec, scale=scale)

    def svg_markup(self) -> SafeString:
        """The SVG for inlining in a page, named by the chart's visible caption."""
        svg = _INNER_ROLE.sub("", self.svg())
        start = svg.find("<svg ")
        if start == -1:
            raise ValueError("The renderer returned something other than SVG.")
        attributes = f'role="img" aria-labelledby="{escape(self.caption_id)}" '
        cut = start + len("<svg ")
        # The SVG comes from our own renderer, which escapes every text it draws.
        return mark_safe(svg[:cut] + attributes + svg[cut:])


def canonical_json(spec: Spec) -> str:
    """One string per chart definition, whatever the order its keys were built in."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), allow_nan=False)


def render_svg(spec: Spec) -> str:
    return _svg_from_json(canonical_json(spec))


def render_png(spec: Spec, *, scale: float = 2) -> bytes:
    png: bytes = vlc.vegalite_to_png(canonical_json(spec), scale=scale)
    return png


@lru_cache(maxsize=256)
def _svg_from_json(spec_json: str) -> str:
    # A render takes about 30 ms (the first in a process about 0.7 s), and pages redraw the
    # same charts until their data change.
    svg: str = vlc.vegalite_to_svg(spec_json)
    return svg


# Builders


def budget_chart(budget: CurrencyBudget, stage_names: Mapping[int, str]) -> Chart:
    """Planned against actual spending for each stage with either, in one currency. Stages
    over plan (beyond the margin, or spending with no plan) are drawn in red and labelled."""
    currency = budget.currency
    overspends = {overspend.stage: overspend for overspend in budget.overspends}
    stages = [
        stage for stage, cell in sorted(budget.by_stage.items()) if cell.planned or cell.actual
    ]
    values: list[dict[str, object]] = []
    rows: list[list[str]] = []
    for stage in stages:
        cell = budget.by_stage[stage]
        name = _stage_name(stage, stage_names)
        overspend = overspends.get(stage)
        values.append(
            {"stage": name, "measure": PLANNED, "series": PLANNED, "amount": float(cell.planned)}
        )
        values.append(
            {
                "stage": name,
                "measure": ACTUAL,
                "series": OVER_PLAN if overspend else ACTUAL,
                "amount": float(cell.actual),
                "note": _over_note(overspend) if overspend else "",
            }
        )
        rows.append(
            [
                name,
                present(cell.planned, currency),
                present(cell.actual, currency),
                present(cell.variance, currency),
                f"Yes, {_over_note(overspend)}" if overspend else "No",
            ]
        )
    series = [PLANNED, ACTUAL, OVER_PLAN] if overspends else [PLANNED, ACTUAL]
    largest = max(
        (max(budget.by_stage[stage].planned, budget.by_stage[stage].actual) for stage in stages),
        default=Decimal(0),
    )
    amount_scale: dict[str, object] = {"zero": True}
    if overspends and largest > 0:
        amount_scale["domainMax"] = float(largest) * 1.35  # room for the "over" annotations
    spec = base_spec(values)
    spec["height"] = {"step": 20}  # each of the pair of bars in a stage
    spec["encoding"] = {
        "y": category_axis("stage"),
        "yOffset": {"field": "measure", "type": "nominal", "sort": [PLANNED, ACTUAL]},
        "x": {
            "field": "amount",
            "type": "quantitative",
            "title": f"Amount ({currency})",
            "scale": amount_scale,
            "axis": {"format": ",.0f", "tickCount": 5},
        },
    }
    spec["layer"] = [
        {
            # Planned is hollow and actual solid, so the two read apart without colour.
            "mark": {"type": "bar", "strokeWidth": 2},
            "encoding": {
                "fill": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": series, "range": [WHITE, BRAND, ALERT][: len(series)]},
                    "legend": {"orient": "top"},
                },
                "stroke": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": series, "range": [MUTED, BRAND, ALERT][: len(series)]},
                },
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "fontWeight": "bold", "fill": ALERT},
            "encoding": {"text": {"field": "note"}},
            "transform": [{"filter": "datum.note"}],
        },
    ]
    description = _budget_description(budget, stages, stage_names)
    spec["description"] = description
    return Chart(
        key=f"budget-{currency}",
        title=f"Budget against actual by stage ({currency})",
        description=description,
        spec=spec,
        columns=["Stage", "Planned", "Actual", "Difference", "Over plan"],
        rows=rows,
    )


def burden_chart(table: GroupTable) -> Chart:
    """Each shown group's burden ratio against a rule at 1, a fair share. Suppressed groups
    are not drawn; the table lists them without figures."""
    shown = [row for row in table.rows if not row.suppressed and row.ratio is not None]
    values = [
        {"group": row.label, "ratio": float(row.ratio), "label": _ratio(row.ratio)}
        for row in shown
        if row.ratio is not None
    ]
    hidden = f"Not shown, {_protects(table.threshold)}"
    rows = [
        [row.label, hidden, NOT_SHOWN, NOT_SHOWN, NOT_SHOWN, NOT_SHOWN]
        if row.suppressed
        else [
            row.label,
            format_decimal(row.people or 0, locale=LOCALE),
            _hours(row.hours),
            _share(row.hours_share),
            _share(row.people_share),
            _ratio(row.ratio),
        ]
        for row in table.rows
    ]
    largest = max((float(row.ratio) for row in shown if row.ratio is not None), default=0.0)
    group = category_axis("group")
    spec = base_spec(values)
    spec["encoding"] = {
        "x": {
            "field": "ratio",
            "type": "quantitative",
            "title": "Burden ratio (1 is a fair share)",
            # Room past the longest bar for its written value, and the fair-share rule always in
            # view.
            "scale": {"domain": [0, max(largest * 1.15, 1.25)]},
            "axis": {"format": ".1f", "tickCount": 5, "labelOverlap": True},
        },
    }
    spec["layer"] = [
        {"mark": {"type": "bar", "fill": BRAND}, "encoding": {"y": group}},
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "fill": TEXT},
            "encoding": {"y": group, "text": {"field": "label"}},
        },
        {
            # A white halo keeps the dashed rule visible where it crosses a bar.
            "data": {"values": [{"ratio": 1}]},
            "mark": {"type": "rule", "stroke": WHITE, "strokeWidth": 6},
        },
        {
            "data": {"values": [{"ratio": 1}]},
            "mark": {"type": "rule", "stroke": TEXT, "strokeWidth": 2, "strokeDash": [6, 4]},
        },
        {
            "data": {"values": [{"ratio": 1, "text": "Fair share"}]},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "bottom",
                "dx": 4,
                "y": 0,
                "dy": -2,
                "fill": TEXT,
            },
            "encoding": {"text": {"field": "text"}},
        },
    ]
    description = _burden_description(table)
    spec["description"] = description
    return Chart(
        key=f"burden-{table.dimension.code}",
        title=f"Burden ratio by {table.dimension.label.lower()}",
        description=description,
        spec=spec,
        columns=["Group", "People", "Hours", "Share of hours", "Share of people", "Burden ratio"],
        rows=rows,
    )


def person_hours_chart(load: PersonLoad) -> Chart:
    """One person's co-production hours by kind of work."""
    hours = {kind: load.hours.get(kind, Decimal(0)) for kind in HOUR_KINDS}
    values = [
        {"kind": HOUR_KIND_LABELS[kind], "hours": float(amount), "label": _hours(amount)}
        for kind, amount in hours.items()
    ]
    largest = float(max(hours.values(), default=Decimal(0)))
    spec = base_spec(values)
    spec["encoding"] = {
        "y": category_axis("kind"),
        "x": {
            "field": "hours",
            "type": "quantitative",
            "title": "Hours",
            "scale": {"domain": [0, largest * 1.15 if largest else 1]},
        },
    }
    spec["layer"] = [
        {"mark": {"type": "bar", "fill": BRAND}},
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "fill": TEXT},
            "encoding": {"text": {"field": "label"}},
        },
    ]
    description = _hours_description(load.name, hours, load.total_hours)
    spec["description"] = description
    rows = [[HOUR_KIND_LABELS[kind], _hours(amount)] for kind, amount in hours.items()]
    rows.append(["Total", _hours(load.total_hours)])
    return Chart(
        key=f"hours-{load.person_id}",
        title=f"Hours by kind of work: {load.name}",
        description=description,
        spec=spec,
        columns=["Kind of work", "Hours"],
        rows=rows,
    )


# Descriptions


def _budget_description(
    budget: CurrencyBudget, stages: Sequence[int], stage_names: Mapping[int, str]
) -> str:
    currency = budget.currency
    if not stages:
        return f"Nothing is planned or spent in {currency} yet."
    total = budget.total
    overall = (
        f"{present(total.actual, currency)} has been spent against a plan of "
        f"{present(total.planned, currency)} across {_count(len(stages), 'stage')}."
    )
    overspends = [o for o in budget.overspends if o.stage in stages]
    if not overspends:
        return f"{overall} No stage is over plan."
    details = [
        f"{_stage_name(o.stage, stage_names)} has spent {present(o.actual, currency)} "
        + (
            f"against a plan of {present(o.planned, currency)}, {_over_note(o)}"
            if o.planned
            else "with nothing planned"
        )
        for o in overspends
    ]
    return f"{overall} Over plan: {'; '.join(details)}."


def _burden_description(table: GroupTable) -> str:
    shown = sorted(
        (
            (row.ratio, row.label)
            for row in table.rows
            if not row.suppressed and row.ratio is not None
        ),
        key=lambda pair: -pair[0],
    )
    sentences = []
    if len(shown) == 1:
        ratio, label = shown[0]
        sentences.append(f"The burden ratio for {label} is {_ratio(ratio)}; 1 is a fair share.")
    elif shown:
        (high, high_label), (low, low_label) = shown[0], shown[-1]
        sentences.append(
            f"The burden ratio is highest for {high_label} ({_ratio(high)}) and lowest for "
            f"{low_label} ({_ratio(low)}); 1 is a fair share."
        )
    elif not table.hours:
        sentences.append("No hours have been logged yet.")
    else:
        sentences.append("No group can be shown.")
    if table.suppressed:
        verb = "is" if table.suppressed == 1 else "are"
        sentences.append(
            f"{_count(table.suppressed, 'group')} {verb} not shown, {_protects(table.threshold)}."
        )
    return " ".join(sentences)


def _hours_description(name: str, hours: Mapping[str, Decimal], total: Decimal) -> str:
    if not total:
        return f"{name} has logged no hours."
    parts = [f"{_hours(amount)} {HOUR_KIND_LABELS[kind].lower()}" for kind, amount in hours.items()]
    return f"{name} logged {_hours(total)} hours in all: {_join(parts)}."


# Shared pieces


def base_spec(values: Sequence[Mapping[str, object]]) -> Spec:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": {"step": 28},
        # The whole drawing, labels included, is WIDTH wide; pages scale it down with CSS.
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"left": 40, "right": 8, "top": 8, "bottom": 8},
        "data": {"values": list(values)},
        "config": {
            # The page names the chart through its caption; no per-mark ARIA labels.
            "aria": False,
            "font": FONT,
            "view": {"stroke": None},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 12,
                "labelColor": TEXT,
                "titleColor": TEXT,
                "domainColor": MUTED,
                "tickColor": MUTED,
            },
            "legend": {"labelFontSize": 12, "labelColor": TEXT},
            "text": {"fontSize": 12},
        },
    }


def category_axis(field: str) -> dict[str, object]:
    return {
        "field": field,
        "type": "nominal",
        "title": None,
        "sort": None,
        "axis": {"labelLimit": LABEL_LIMIT},
    }


def _protects(threshold: int) -> str:
    # Secondary suppression also hides groups of `threshold` or more, so "fewer than N people"
    # would be false for them; this wording is true of every hidden group and reveals nothing.
    return f"to protect groups of fewer than {threshold} people"


def _stage_name(stage: int, stage_names: Mapping[int, str]) -> str:
    return stage_names.get(stage) or f"Stage {stage}"


def _over_note(overspend: Overspend) -> str:
    if overspend.over_by is None:
        return "not planned"
    return f"{format_percent(overspend.over_by, locale=LOCALE)} over"


def _ratio(ratio: Fraction | None) -> str:
    if ratio is None:
        return NONE
    exact = Decimal(ratio.numerator) / Decimal(ratio.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def _share(share: Fraction | None) -> str:
    if share is None:
        return NONE
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    return format_percent(exact, format="#,##0.0%", locale=LOCALE)


def _hours(hours: Decimal | None) -> str:
    if hours is None:
        return NONE
    return format_decimal(hours, format="#,##0.##", locale=LOCALE)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
