"""Budget against actual: plain calculations over cost lines already summed by the database.

Actual spending is the actual cost items plus the money value of logged time (hours at each
person's rate, category "staff time"). Planned spending is the planned cost items. Each
currency is its own budget: amounts in different currencies are never added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class CostLine:
    """An amount already summed over some cost items or time entries."""

    status: str  # "planned" or "actual"
    stage: int
    category: str
    currency: str
    defrayed_by: str
    bearer: str
    amount: Decimal
    # Tells apart two bearers with the same name (a person and an organisation, or namesakes).
    bearer_key: str = ""


@dataclass
class PlanActual:
    planned: Decimal = ZERO
    actual: Decimal = ZERO

    def add(self, status: str, amount: Decimal) -> None:
        if status == "planned":
            self.planned += amount
        else:
            self.actual += amount

    @property
    def variance(self) -> Decimal:
        """Actual minus planned: positive is overspent."""
        return self.actual - self.planned


@dataclass(frozen=True)
class Overspend:
    stage: int
    planned: Decimal
    actual: Decimal

    @property
    def over_by(self) -> Decimal | None:
        """How far past plan, as a fraction of plan; None when nothing was planned."""
        return (self.actual - self.planned) / self.planned if self.planned else None


@dataclass
class CurrencyBudget:
    currency: str
    cells: dict[tuple[int, str], PlanActual] = field(default_factory=dict)
    by_stage: dict[int, PlanActual] = field(default_factory=dict)
    by_category: dict[str, PlanActual] = field(default_factory=dict)
    by_bearer: dict[str, PlanActual] = field(default_factory=dict)
    bearer_labels: dict[str, str] = field(default_factory=dict)
    by_defrayed: dict[str, PlanActual] = field(default_factory=dict)
    total: PlanActual = field(default_factory=PlanActual)
    overspends: list[Overspend] = field(default_factory=list)

    @property
    def bearers(self) -> list[tuple[str, PlanActual]]:
        """(name, planned and actual) for each bearer, largest actual first."""
        return sorted(
            ((self.bearer_labels[key], cell) for key, cell in self.by_bearer.items()),
            key=lambda pair: (-pair[1].actual, -pair[1].planned, pair[0]),
        )

    @property
    def unfunded(self) -> PlanActual:
        return self.by_defrayed.get("unfunded", PlanActual())


def budget_against_actual(
    lines: Iterable[CostLine], *, stages: Sequence[int], margin_percent: int
) -> list[CurrencyBudget]:
    """One budget per currency, with every breakdown summed from the same lines, and an
    overspend for each stage whose actual spending exceeds plan by more than the margin (or
    that has actual spending and no plan)."""
    budgets: dict[str, CurrencyBudget] = {}
    for line in lines:
        budget = budgets.get(line.currency) or budgets.setdefault(
            line.currency, CurrencyBudget(line.currency)
        )
        amount = (line.status, line.amount)
        budget.cells.setdefault((line.stage, line.category), PlanActual()).add(*amount)
        budget.by_stage.setdefault(line.stage, PlanActual()).add(*amount)
        budget.by_category.setdefault(line.category, PlanActual()).add(*amount)
        bearer = line.bearer_key or line.bearer
        budget.bearer_labels[bearer] = line.bearer
        budget.by_bearer.setdefault(bearer, PlanActual()).add(*amount)
        budget.by_defrayed.setdefault(line.defrayed_by, PlanActual()).add(*amount)
        budget.total.add(*amount)
    margin = Decimal(margin_percent) / 100
    for budget in budgets.values():
        for stage in stages:
            cell = budget.by_stage.get(stage)
            if cell is None or not cell.actual:
                continue
            if cell.actual > cell.planned * (1 + margin):
                budget.overspends.append(Overspend(stage, cell.planned, cell.actual))
    return sorted(budgets.values(), key=lambda b: (-b.total.actual - b.total.planned, b.currency))
