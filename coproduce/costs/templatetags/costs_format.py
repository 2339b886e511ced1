"""Presentation of money, hours and ratios: the only place they are rounded."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from django import template

from coproduce.costs import money as money_rules

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    return money_rules.present(amount, currency)


@register.filter
def totals(amounts: Mapping[str, Decimal] | None) -> str:
    return money_rules.present_totals(amounts or {})


@register.filter
def hours(value: Decimal | None) -> str:
    """12.5: hours to two places at most, without trailing zeros."""
    if not isinstance(value, Decimal | int):
        return money_rules.NONE
    value = Decimal(value)
    shown = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN).normalize()
    return f"{shown:,f}"


def _decimal(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value


@register.filter
def ratio(value: Fraction | Decimal | None) -> str:
    """1.43: a burden ratio to two places."""
    if value is None:
        return money_rules.NONE
    return f"{_decimal(value):.2f}"


@register.filter
def percent(value: Fraction | Decimal | None) -> str:
    """43%: a share or a fraction of plan, to the whole percent."""
    if value is None:
        return money_rules.NONE
    return f"{_decimal(value) * 100:.0f}%"


@register.filter
def get(mapping: Mapping[Any, Any], key: Any) -> Any:
    return mapping.get(key)
