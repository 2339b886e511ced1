"""Money: exact Decimal amounts in an ISO 4217 currency, rounded only when shown.

The rule, also in docs/costs.md: amounts are stored and summed exactly (hours to 2 decimal
places times an hourly rate to 2 decimal places is exact at 4), and are rounded half to even
to the currency's minor unit (2 places for GBP, 0 for JPY) only when presented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision
from django.core.exceptions import ValidationError


def _currencies_in_use() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today, from the Unicode CLDR data babel
    ships: withdrawn currencies (DEM) and codes that are not money (XXX, XTS) are left out."""
    territories = get_global("territory_currencies")
    return frozenset(
        code
        for entries in territories.values()
        for code, _start, end, tender in entries
        if tender and end is None
    )


CURRENCIES = _currencies_in_use()
DEFAULT_CURRENCY = "GBP"
LOCALE = "en_GB"
NONE = "\N{EN DASH}"

type Totals = dict[str, Decimal]
"""Money in several currencies: {currency: amount}. Amounts in different currencies are never
added together; there is no exchange rate in coproduce."""


def validate_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise ValidationError(
            "%(code)s is not an ISO 4217 currency code. Use three capital letters, like GBP.",
            code="unknown_currency",
            params={"code": code},
        )


def rounded(amount: Decimal, currency: str) -> Decimal:
    """The amount at the currency's minor unit, rounded half to even."""
    places = get_currency_precision(currency)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def present(amount: Decimal | None, currency: str) -> str:
    """£1,234.50: rounded for display, never before."""
    if amount is None:
        return NONE
    return format_currency(rounded(amount, currency), currency, locale=LOCALE)


def present_totals(totals: Mapping[str, Decimal]) -> str:
    """One amount per currency, largest first: "£1,200.00 + €40.00"; NONE when there is none."""
    shown = [present(v, c) for c, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v]
    return " + ".join(shown) if shown else NONE


TIME_COST_PLACES = 6
"""A time entry's cost is kept to 6 places: hours (2) times an hourly rate worked out from the
rate as written (a half day of 3.5 hours at £75 has no exact hourly figure)."""


def time_cost(hours: Decimal, rate_amount: Decimal, rate_hours: Decimal) -> Decimal:
    """The cost of `hours` at a rate of `rate_amount` per `rate_hours` hours, from the rate as
    written: exact Decimal arithmetic, rounded once, half to even, to TIME_COST_PLACES. Never
    from a rounded hourly figure (2 h at £75 per 3.5 h is 42.857143, not 2 x 21.4286 =
    42.8572). Every path that costs time calls this: the time and activity forms, the import
    and the demo."""
    exact = hours * rate_amount / rate_hours
    return exact.quantize(Decimal(1).scaleb(-TIME_COST_PLACES), rounding=ROUND_HALF_EVEN)


def add_totals(parts: Iterable[Mapping[str, Decimal]]) -> Totals:
    total: Totals = {}
    for part in parts:
        for currency, amount in part.items():
            total[currency] = total.get(currency, Decimal(0)) + amount
    return total
