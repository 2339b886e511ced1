"""Charts (coproduce/costs/charts.py) from hand-built plain data: no database.

Rendering is real (vl-convert, offline), so these tests read the SVG and PNG that pages and
reports will get.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.template.loader import render_to_string
from hypothesis import given
from hypothesis import strategies as st

from coproduce.costs import charts
from coproduce.costs.budget import CurrencyBudget, Overspend, PlanActual
from coproduce.costs.burden import Dimension, GroupRow, GroupTable, PersonLoad
from coproduce.costs.charts import (
    Chart,
    budget_chart,
    burden_chart,
    person_hours_chart,
    render_svg,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCRIPT = "<script>alert(1)</script>"
GENDER = Dimension("gender", "Gender", key=lambda person: person.gender)
STAGE_NAMES = {1: "Identifying the problem", 2: "Designing the study", 3: "Collecting data"}


def budget(*, overspent: bool = True) -> CurrencyBudget:
    """Stage 1 under plan; stage 2 planned and spent nothing (left out); stage 3 £4,200 against
    £3,000 (40% over) or, without the overspend, £3,000 exactly; stage 4 £500 with no plan."""
    stage_3 = PlanActual(Decimal("3000"), Decimal("4200") if overspent else Decimal("3000"))
    by_stage = {1: PlanActual(Decimal("1500"), Decimal("1250.50")), 2: PlanActual(), 3: stage_3}
    overspends = []
    if overspent:
        by_stage[4] = PlanActual(Decimal(0), Decimal("500"))
        overspends = [
            Overspend(3, Decimal("3000"), Decimal("4200")),
            Overspend(4, Decimal(0), Decimal("500")),
        ]
    total = PlanActual(
        sum((cell.planned for cell in by_stage.values()), Decimal(0)),
        sum((cell.actual for cell in by_stage.values()), Decimal(0)),
    )
    return CurrencyBudget("GBP", by_stage=by_stage, total=total, overspends=overspends)


def shown(label: str, people: int, hours: str, total_people: int, total_hours: str) -> GroupRow:
    """A shown group with its shares and ratio worked out exactly, as burden.group_table does."""
    hours_share = Fraction(Decimal(hours)) / Fraction(Decimal(total_hours))
    people_share = Fraction(people, total_people)
    return GroupRow(
        code=label.lower(),
        label=label,
        suppressed=False,
        people=people,
        hours=Decimal(hours),
        unfunded_hours=Decimal(0),
        money_borne={},
        hours_share=hours_share,
        people_share=people_share,
        ratio=hours_share / people_share,
    )


def gender_table() -> GroupTable:
    """20 people and 200 hours: women 12 people and 160 hours (ratio 4/3), men 8 people and 40
    hours (ratio 1/2), and two groups suppressed below the threshold of 5."""
    rows = [
        shown("Women", 12, "160", 20, "200"),
        shown("Men", 8, "40", 20, "200"),
        GroupRow(code="non_binary", label="Non-binary people", suppressed=True),
        GroupRow(code="not_disclosed", label="Not disclosed", suppressed=True),
    ]
    return GroupTable(GENDER, rows, people=20, hours=Decimal(200), threshold=5)


def load(**hours: str) -> PersonLoad:
    return PersonLoad(
        person_id=42,
        name="Priya Shah",
        party="public",
        organisation="",
        hours={kind: Decimal(amount) for kind, amount in hours.items()},
    )


def drawn(chart: Chart, field: str) -> list[object]:
    """The values of one field in the data the chart draws."""
    return [value[field] for value in chart.spec["data"]["values"] if field in value]


# Budget against actual


def test_budget_chart_svg_shows_stages_with_spending_or_plan() -> None:
    chart = budget_chart(budget(), STAGE_NAMES)

    svg = chart.svg()

    assert svg.startswith("<svg ")
    assert "Identifying the problem" in svg
    assert "Collecting data" in svg
    assert "Stage 4" in svg  # no name given, so it is named by number
    assert "Designing the study" not in svg
    assert [row[0] for row in chart.rows] == [
        "Identifying the problem",
        "Collecting data",
        "Stage 4",
    ]


def test_budget_chart_table_presents_exact_amounts_in_currency() -> None:
    chart = budget_chart(budget(), STAGE_NAMES)

    assert chart.columns == ["Stage", "Planned", "Actual", "Difference", "Over plan"]
    assert chart.rows[0] == ["Identifying the problem", "£1,500.00", "£1,250.50", "-£249.50", "No"]
    assert chart.rows[1] == [
        "Collecting data",
        "£3,000.00",
        "£4,200.00",
        "£1,200.00",
        "Yes, 40% over",
    ]
    assert chart.rows[2] == ["Stage 4", "£0.00", "£500.00", "£500.00", "Yes, not planned"]
    assert drawn(chart, "amount") == [1500.0, 1250.5, 3000.0, 4200.0, 0.0, 500.0]


def test_budget_chart_description_states_totals_and_overspends() -> None:
    chart = budget_chart(budget(), STAGE_NAMES)

    assert chart.description == (
        "£5,950.50 has been spent against a plan of £4,500.00 across 3 stages. Over plan: "
        "Collecting data has spent £4,200.00 against a plan of £3,000.00, 40% over; "
        "Stage 4 has spent £500.00 with nothing planned."
    )


def test_budget_chart_overspent_stages_are_red_and_annotated() -> None:
    chart = budget_chart(budget(), STAGE_NAMES)

    svg = chart.svg()

    actual_series = [v["series"] for v in chart.spec["data"]["values"] if v["measure"] == "Actual"]
    assert actual_series == ["Actual", "Actual, over plan", "Actual, over plan"]
    assert ">40% over</text>" in svg
    assert ">not planned</text>" in svg
    assert ">Actual, over plan</text>" in svg  # the legend
    assert svg.count(f'fill="{charts.ALERT}"') >= 2  # the two red bars, besides the legend


def test_budget_chart_without_overspend_says_no_stage_is_over() -> None:
    chart = budget_chart(budget(overspent=False), STAGE_NAMES)

    svg = chart.svg()

    assert chart.description == (
        "£4,250.50 has been spent against a plan of £4,500.00 across 2 stages. "
        "No stage is over plan."
    )
    assert "over plan" not in svg
    assert charts.ALERT not in svg


def test_budget_chart_with_nothing_planned_or_spent_says_so() -> None:
    chart = budget_chart(CurrencyBudget("EUR"), STAGE_NAMES)

    assert chart.description == "Nothing is planned or spent in EUR yet."
    assert chart.rows == []
    assert chart.key == "budget-EUR"


# Burden ratio


def test_burden_chart_svg_contains_group_labels_and_fair_share_rule() -> None:
    chart = burden_chart(gender_table())

    svg = chart.svg()

    assert ">Women</text>" in svg
    assert ">Men</text>" in svg
    assert ">1.33</text>" in svg
    assert ">0.50</text>" in svg
    assert ">Fair share</text>" in svg


def test_burden_chart_suppressed_groups_absent_from_bars_but_in_table() -> None:
    chart = burden_chart(gender_table())

    svg = chart.svg()

    assert drawn(chart, "group") == ["Women", "Men"]
    assert "Non-binary people" not in svg
    assert "Not disclosed" not in svg
    hidden = "Not shown, to protect groups of fewer than 5 people"
    assert chart.rows[2] == ["Non-binary people", hidden, *["Not shown"] * 4]
    assert chart.rows[3] == ["Not disclosed", hidden, *["Not shown"] * 4]


def test_burden_chart_description_states_ratios_and_suppression() -> None:
    chart = burden_chart(gender_table())

    assert chart.description == (
        "The burden ratio is highest for Women (1.33) and lowest for Men (0.50); "
        "1 is a fair share. 2 groups are not shown, to protect groups of fewer than 5 people."
    )


def test_burden_chart_table_rounds_ratios_and_shares_for_display() -> None:
    chart = burden_chart(gender_table())

    assert chart.columns[-1] == "Burden ratio"
    assert chart.rows[0] == ["Women", "12", "160", "80.0%", "60.0%", "1.33"]
    assert chart.rows[1] == ["Men", "8", "40", "20.0%", "40.0%", "0.50"]


def test_burden_chart_with_one_suppressed_group_uses_singular() -> None:
    table = gender_table()
    table = GroupTable(GENDER, table.rows[:3], people=20, hours=Decimal(200), threshold=5)

    chart = burden_chart(table)

    assert chart.description.endswith(
        "1 group is not shown, to protect groups of fewer than 5 people."
    )


def test_burden_chart_with_every_group_suppressed_draws_no_bars() -> None:
    rows = [GroupRow(code=code, label=code.title(), suppressed=True) for code in ("a", "b")]
    table = GroupTable(GENDER, rows, people=6, hours=Decimal(10), threshold=5)

    chart = burden_chart(table)

    assert drawn(chart, "group") == []
    assert chart.description == (
        "No group can be shown. 2 groups are not shown, to protect groups of fewer than 5 people."
    )
    assert chart.svg().startswith("<svg ")


group_rows = st.lists(
    st.tuples(st.booleans(), st.fractions(min_value=0, max_value=10, max_denominator=1000)),
    max_size=8,
)


@given(group_rows)
def test_burden_chart_draws_exactly_the_shown_groups(rows: list[tuple[bool, Fraction]]) -> None:
    table = GroupTable(
        GENDER,
        [
            GroupRow(code=f"g{i}", label=f"Group {i}", suppressed=hide, people=5, ratio=ratio)
            for i, (hide, ratio) in enumerate(rows)
        ],
        people=5 * len(rows),
        hours=Decimal(100),
        threshold=5,
    )

    chart = burden_chart(table)

    shown_labels = [f"Group {i}" for i, (hide, _) in enumerate(rows) if not hide]
    assert drawn(chart, "group") == shown_labels
    assert [row[0] for row in chart.rows] == [f"Group {i}" for i in range(len(rows))]
    for (hide, ratio), row in zip(rows, chart.rows, strict=True):
        expected = "Not shown" if hide else f"{Decimal(ratio.numerator) / ratio.denominator:.2f}"
        assert row[-1] == expected


# A person's hours


def test_person_hours_chart_labels_each_kind_of_work() -> None:
    chart = person_hours_chart(
        load(attendance="20", preparation="10.5", administration="2.25", follow_up="0")
    )

    svg = chart.svg()

    for label in ("Attendance", "Preparation", "Administration", "Follow-up"):
        assert f">{label}</text>" in svg
    assert ">10.5</text>" in svg
    assert chart.rows == [
        ["Attendance", "20"],
        ["Preparation", "10.5"],
        ["Administration", "2.25"],
        ["Follow-up", "0"],
        ["Total", "32.75"],
    ]
    assert chart.key == "hours-42"


def test_person_hours_chart_description_states_total_and_each_kind() -> None:
    chart = person_hours_chart(load(attendance="20", preparation="1.5", follow_up="3"))

    assert chart.description == (
        "Priya Shah logged 24.5 hours in all: 20 attendance, 1.5 preparation, "
        "0 administration and 3 follow-up."
    )


def test_person_hours_chart_with_no_hours_says_so() -> None:
    chart = person_hours_chart(load())

    assert chart.description == "Priya Shah has logged no hours."
    assert chart.rows[-1] == ["Total", "0"]
    assert chart.svg().startswith("<svg ")


# Rendering, safety and markup


def test_chart_png_starts_with_png_signature() -> None:
    chart = person_hours_chart(load(attendance="3"))

    png = chart.png(scale=1)

    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 1000


def test_chart_svg_escapes_user_text_in_labels() -> None:
    table = GroupTable(
        GENDER, [shown(SCRIPT, 6, "10", 6, "10")], people=6, hours=Decimal(10), threshold=5
    )

    svg = burden_chart(table).svg_markup()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "<script" not in svg


def test_render_svg_cache_returns_identical_output_for_equal_specs() -> None:
    spec = person_hours_chart(load(attendance="7")).spec
    reordered = dict(reversed(list(spec.items())))
    first = render_svg(spec)
    hits = charts._svg_from_json.cache_info().hits

    second = render_svg(reordered)

    assert second is first
    assert charts._svg_from_json.cache_info().hits == hits + 1


def test_chart_svg_markup_is_named_by_its_caption() -> None:
    chart = burden_chart(gender_table())

    markup = chart.svg_markup()

    assert markup.startswith('<svg role="img" aria-labelledby="chart-burden-gender-caption" ')
    assert re.findall(r'\brole="[^"]*"', markup) == ['role="img"']
    assert "<title" not in markup


def test_chart_key_with_markup_characters_is_rejected() -> None:
    with pytest.raises(ValueError, match="chart key"):
        Chart(key='x" onload="y', title="", description="", spec={}, columns=[], rows=[])


def test_chart_template_renders_figure_caption_svg_and_table() -> None:
    table = GroupTable(
        GENDER,
        [shown(SCRIPT, 6, "10", 6, "10"), GroupRow("hidden", "Hidden", suppressed=True)],
        people=6,
        hours=Decimal(10),
        threshold=5,
    )
    chart = burden_chart(table)

    html = render_to_string("components/chart.html", {"chart": chart})

    assert '<figure class="chart">' in html
    assert '<figcaption id="chart-burden-gender-caption"' in html
    assert 'aria-labelledby="chart-burden-gender-caption"' in html
    assert "Burden ratio by gender" in html
    assert "<summary>Table behind this chart</summary>" in html
    assert html.count('<th scope="col">') == len(chart.columns)
    assert '<th scope="row">Hidden</th>' in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
