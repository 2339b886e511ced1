"""The rule for a three-point estimate (a risk's delay or cost, a stage's weeks or cost): the
optimistic figure is not negative, and optimistic ≤ most likely ≤ pessimistic.

One definition, called from every path: the risk and stage-estimate services and forms, and
the simulation's own input check; plain Python, so the simulation can use it. The models'
check constraints state the same rule for the database (`risks.models.ordered`).
"""

from __future__ import annotations

from decimal import Decimal

ORDER = "optimistic ≤ most likely ≤ pessimistic"


def in_order[N: (Decimal, float)](low: N, mode: N, high: N) -> bool:
    return low <= mode <= high


def order_problem(
    low: Decimal | None, mode: Decimal | None, high: Decimal | None, *, what: str
) -> str | None:
    """The message when all three are given and out of order, naming `what` they estimate."""
    if low is None or mode is None or high is None or in_order(low, mode, high):
        return None
    return f"The {what} must run {ORDER}."
