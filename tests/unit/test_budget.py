"""Budget against actual (coproduce/costs/budget.py), tested as plain Python: no database."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.costs.budget import (
    CostLine,
    CurrencyBudget,
    Overspend,
    PlanActual,
    budget_against_actual,
)

STAGES = [1, 2, 3, 4, 5, 6, 7]
CURRENCIES = ["GBP", "EUR", "JPY"]
BREAKDOWNS = ("cells", "by_stage", "by_category", "by_bearer", "by_defrayed")

# Exact amounts with 2 to 4 decimal places, built from integers: never a float.
amounts = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from([2, 3, 4]),
)
cost_lines = st.builds(
    CostLine,
    status=st.sampled_from(["planned", "actual"]),
    stage=st.sampled_from(STAGES),
    category=st.sampled_from(["staff_time", "travel", "venue_catering", "other"]),
    currency=st.sampled_from(CURRENCIES),
    defrayed_by=st.sampled_from(["project_budget", "partner_in_kind", "unfunded"]),
    bearer=st.sampled_from(["Alice Lead", "Bob Researcher", "Northbridge University"]),
    amount=amounts,
)


def line(
    status: str,
    amount: str,
    *,
    stage: int = 1,
    category: str = "travel",
    currency: str = "GBP",
    defrayed_by: str = "project_budget",
    bearer: str = "Alice Lead",
) -> CostLine:
    return CostLine(
        status=status,
        stage=stage,
        category=category,
        currency=currency,
        defrayed_by=defrayed_by,
        bearer=bearer,
        amount=Decimal(amount),
    )


def only(budgets: list[CurrencyBudget], currency: str = "GBP") -> CurrencyBudget:
    (budget,) = [b for b in budgets if b.currency == currency]
    return budget


# Every breakdown sums to the total (property)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(cost_lines, max_size=40))
def test_budget_every_breakdown_sums_to_the_total(lines: list[CostLine]) -> None:
    # Act
    budgets = budget_against_actual(lines, stages=STAGES, margin_percent=10)

    # Assert
    for budget in budgets:
        for name in BREAKDOWNS:
            parts = getattr(budget, name).values()
            assert sum((p.planned for p in parts), Decimal(0)) == budget.total.planned, name
            assert sum((p.actual for p in parts), Decimal(0)) == budget.total.actual, name


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(cost_lines, max_size=40))
def test_budget_totals_equal_the_lines_of_their_own_currency(lines: list[CostLine]) -> None:
    # Arrange: the expected sums, worked out independently of PlanActual.
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in lines:
        expected[item.currency, item.status] += item.amount

    # Act
    budgets = budget_against_actual(lines, stages=STAGES, margin_percent=10)

    # Assert: one budget per currency used, each summing only its own lines.
    assert sorted(b.currency for b in budgets) == sorted({item.currency for item in lines})
    for budget in budgets:
        assert budget.total.planned == expected[budget.currency, "planned"]
        assert budget.total.actual == expected[budget.currency, "actual"]
        assert budget.total.variance == budget.total.actual - budget.total.planned


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(cost_lines, max_size=40))
def test_budget_cells_match_the_lines_of_each_stage_and_category(lines: list[CostLine]) -> None:
    expected: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
    for item in lines:
        expected[item.currency, item.stage, item.category, item.status] += item.amount

    budgets = budget_against_actual(lines, stages=STAGES, margin_percent=10)

    seen = set()
    for budget in budgets:
        for (stage, category), cell in budget.cells.items():
            seen.add((budget.currency, stage, category))
            assert cell.planned == expected[budget.currency, stage, category, "planned"]
            assert cell.actual == expected[budget.currency, stage, category, "actual"]
    assert seen == {(item.currency, item.stage, item.category) for item in lines}


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(cost_lines, max_size=40), margin=st.integers(min_value=0, max_value=500))
def test_budget_overspends_follow_the_rule(lines: list[CostLine], margin: int) -> None:
    budgets = budget_against_actual(lines, stages=STAGES, margin_percent=margin)

    for budget in budgets:
        expected = []
        for stage in STAGES:
            mine = [i for i in lines if i.currency == budget.currency and i.stage == stage]
            planned = sum((i.amount for i in mine if i.status == "planned"), Decimal(0))
            actual = sum((i.amount for i in mine if i.status == "actual"), Decimal(0))
            # actual > planned x (1 + margin/100), multiplied out to stay in integers of cents
            if actual and actual * 100 > planned * (100 + margin):
                expected.append(Overspend(stage, planned, actual))
        assert budget.overspends == expected


# Overspend at the boundary


@pytest.mark.parametrize(
    ("margin", "actual", "overspent"),
    [
        (10, "110.00", False),  # exactly plan x 1.1
        (10, "110.0001", True),  # the smallest step past it
        (10, "110.01", True),  # one penny more
        (10, "109.99", False),
        (0, "100.00", False),  # on plan
        (0, "100.01", True),
        (33, "133.00", False),
        (33, "133.01", True),
    ],
)
def test_budget_overspend_boundary_is_plan_times_one_plus_margin(
    margin: int, actual: str, overspent: bool
) -> None:
    # Arrange
    lines = [line("planned", "100.00", stage=2), line("actual", actual, stage=2)]

    # Act
    budget = only(budget_against_actual(lines, stages=STAGES, margin_percent=margin))

    # Assert
    assert bool(budget.overspends) is overspent
    if overspent:
        assert budget.overspends == [Overspend(2, Decimal("100.00"), Decimal(actual))]


def test_overspend_over_by_is_a_fraction_of_plan() -> None:
    lines = [line("planned", "200.00", stage=3), line("actual", "250.00", stage=3)]

    budget = only(budget_against_actual(lines, stages=STAGES, margin_percent=10))

    assert budget.overspends[0].over_by == Decimal("0.25")


def test_budget_actual_with_no_plan_is_an_overspend_without_over_by() -> None:
    # Arrange
    lines = [line("planned", "50.00", stage=1), line("actual", "0.01", stage=4)]

    # Act
    budget = only(budget_against_actual(lines, stages=STAGES, margin_percent=500))

    # Assert
    assert budget.overspends == [Overspend(4, Decimal(0), Decimal("0.01"))]
    assert budget.overspends[0].over_by is None


def test_budget_plan_with_no_actual_is_not_an_overspend() -> None:
    lines = [line("planned", "50.00", stage=1), line("actual", "0", stage=1)]

    budget = only(budget_against_actual(lines, stages=STAGES, margin_percent=0))

    assert budget.overspends == []


def test_budget_overspend_only_for_the_listed_stages() -> None:
    lines = [line("actual", "10.00", stage=1), line("actual", "10.00", stage=2)]

    budget = only(budget_against_actual(lines, stages=[2], margin_percent=10))

    assert [o.stage for o in budget.overspends] == [2]


def test_budget_overspend_is_per_currency() -> None:
    # Arrange: overspent in euros, well within plan in pounds; pounds must not cover euros.
    lines = [
        line("planned", "1000.00", stage=1, currency="GBP"),
        line("actual", "10.00", stage=1, currency="GBP"),
        line("planned", "10.00", stage=1, currency="EUR"),
        line("actual", "20.00", stage=1, currency="EUR"),
    ]

    # Act
    budgets = budget_against_actual(lines, stages=STAGES, margin_percent=10)

    # Assert
    assert only(budgets, "GBP").overspends == []
    assert only(budgets, "EUR").overspends == [Overspend(1, Decimal("10.00"), Decimal("20.00"))]


# Hand-computed example


def test_budget_worked_example() -> None:
    # Arrange
    lines = [
        line("planned", "1000.00", stage=1, category="staff_time", bearer="Northbridge"),
        line("planned", "250.50", stage=2, category="venue_catering", bearer="Northbridge"),
        line("actual", "300.00", stage=1, category="venue_catering", defrayed_by="unfunded"),
        line("actual", "83.325", stage=1, category="staff_time", bearer="Bob"),
        line("planned", "40.00", stage=2, category="travel", currency="EUR"),
    ]

    # Act
    budgets = budget_against_actual(lines, stages=STAGES, margin_percent=10)

    # Assert
    assert [b.currency for b in budgets] == ["GBP", "EUR"]  # largest first
    gbp = budgets[0]
    assert gbp.total == PlanActual(planned=Decimal("1250.50"), actual=Decimal("383.325"))
    assert gbp.by_stage == {
        1: PlanActual(Decimal("1000.00"), Decimal("383.325")),
        2: PlanActual(Decimal("250.50"), Decimal(0)),
    }
    assert gbp.by_category["staff_time"] == PlanActual(Decimal("1000.00"), Decimal("83.325"))
    assert gbp.by_bearer == {
        "Northbridge": PlanActual(Decimal("1250.50"), Decimal(0)),
        "Alice Lead": PlanActual(Decimal(0), Decimal("300.00")),
        "Bob": PlanActual(Decimal(0), Decimal("83.325")),
    }
    assert gbp.unfunded == PlanActual(Decimal(0), Decimal("300.00"))
    assert gbp.cells[1, "staff_time"].variance == Decimal("-916.675")
    assert gbp.overspends == []
    assert budgets[1].total == PlanActual(planned=Decimal("40.00"), actual=Decimal(0))


def test_budget_unfunded_is_zero_when_nothing_is_unfunded() -> None:
    budget = only(budget_against_actual([line("actual", "5")], stages=STAGES, margin_percent=10))

    assert budget.unfunded == PlanActual(Decimal(0), Decimal(0))


def test_budget_of_no_lines_is_empty() -> None:
    assert budget_against_actual([], stages=STAGES, margin_percent=10) == []
