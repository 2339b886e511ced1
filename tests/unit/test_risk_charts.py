"""The forecast's "what drives the spread" chart and table (coproduce/risks/charts.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.risks.charts import tornado_chart


def inputs(shares: list[float]) -> list[dict[str, object]]:
    """Stages and risks with these shares of the cost spread (duration the same)."""
    return [
        {"name": f"Input {n}", "duration": share, "cost": share}
        for n, share in enumerate(shares, start=1)
    ]


def percent(text: str) -> Decimal:
    return Decimal(text.rstrip("%").replace(",", ""))


def test_fifteen_inputs_show_the_top_twelve_and_the_other_three_summed() -> None:
    # Arrange: 15 inputs, the smallest three 1% each.
    shares = [0.2, 0.15, 0.12, 0.1, 0.09, 0.08, 0.06, 0.05, 0.04, 0.035, 0.025, 0.02]
    shares += [0.01, 0.01, 0.01]
    assert sum(shares) == pytest.approx(1.0)

    # Act
    chart = tornado_chart("cost", inputs(shares), key="run")

    # Assert
    assert len(chart.rows) == 13
    assert [row[0] for row in chart.rows[:12]] == [f"Input {n}" for n in range(1, 13)]
    assert chart.rows[12] == ["The other 3 inputs", "3.0%"]
    assert sum(percent(share) for _, share in chart.rows) == Decimal("100.0")
    bars = chart.spec["data"]["values"]
    assert [bar["input"] for bar in bars] == [row[0] for row in chart.rows]
    assert bars[12]["share"] == pytest.approx(0.03)


def test_thirteen_inputs_are_all_shown_rather_than_one_as_the_other() -> None:
    shares = [0.5, *([0.04] * 12)]

    chart = tornado_chart("duration", inputs(shares), key="run")

    assert [row[0] for row in chart.rows] == [f"Input {n}" for n in range(1, 14)]


def test_twelve_or_fewer_inputs_have_no_other_line() -> None:
    chart = tornado_chart("cost", inputs([0.6, 0.4]), key="run")

    assert chart.rows == [["Input 1", "60.0%"], ["Input 2", "40.0%"]]


@given(st.lists(st.floats(min_value=-0.2, max_value=1.0, allow_nan=False), min_size=0, max_size=40))
def test_the_shares_shown_add_up_to_all_the_inputs(shares: list[float]) -> None:
    chart = tornado_chart("cost", inputs(shares), key="run")
    bars = chart.spec["data"]["values"]

    assert len(bars) <= 13
    assert sum(bar["share"] for bar in bars) == pytest.approx(sum(shares), abs=1e-9)
    assert len(chart.rows) == len(bars)
