"""Money (coproduce/costs/money.py): exact Decimals, rounded half to even to the currency's minor
unit only when presented. No database."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.costs.money import (
    DEFAULT_CURRENCY,
    NONE,
    add_totals,
    present,
    present_totals,
    rounded,
    validate_currency,
)

MINOR_UNIT_PLACES = {"GBP": 2, "EUR": 2, "JPY": 0, "BHD": 3, "KWD": 3}

# Exact amounts with up to 6 decimal places (time entry costs are exact to 6).
exact_amounts = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=6),
)
totals = st.dictionaries(
    st.sampled_from(sorted(MINOR_UNIT_PLACES)), exact_amounts, max_size=len(MINOR_UNIT_PLACES)
)


def half_even(amount: Decimal, places: int) -> Fraction:
    """The rule worked out independently: Python's round() of a Fraction is half to even."""
    scale = 10**places
    return Fraction(round(Fraction(amount) * scale), scale)


# rounded()


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("83.325", "GBP", "83.32"),  # half, 2 is even: down
        ("83.335", "GBP", "83.34"),  # half, 3 is odd: up
        ("0.125", "GBP", "0.12"),
        ("0.135", "GBP", "0.14"),
        ("0.1251", "GBP", "0.13"),  # past half: up, whatever the parity
        ("0.1249", "GBP", "0.12"),
        ("-1.005", "GBP", "-1.00"),
        ("-1.015", "GBP", "-1.02"),
        ("7", "GBP", "7.00"),
        ("2.5", "JPY", "2"),
        ("3.5", "JPY", "4"),
        ("1234.4999", "JPY", "1234"),
        ("1.0005", "BHD", "1.000"),
        ("1.0015", "BHD", "1.002"),
        ("1.0025", "KWD", "1.002"),
        ("1.00251", "KWD", "1.003"),
    ],
)
def test_rounded_half_even_to_minor_unit(amount: str, currency: str, expected: str) -> None:
    # Act
    result = rounded(Decimal(amount), currency)

    # Assert
    assert result == Decimal(expected)
    assert str(result) == expected  # the currency's exponent, not just an equal value


@settings(max_examples=200, deadline=None)
@given(amount=exact_amounts, currency=st.sampled_from(sorted(MINOR_UNIT_PLACES)))
def test_rounded_matches_independent_half_even(amount: Decimal, currency: str) -> None:
    places = MINOR_UNIT_PLACES[currency]

    result = rounded(amount, currency)

    assert result.as_tuple().exponent == -places
    assert Fraction(result) == half_even(amount, places)
    assert abs(Fraction(result) - Fraction(amount)) <= Fraction(1, 2 * 10**places)
    assert rounded(result, currency) == result


# present()


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.5", "GBP", "£1,234.50"),
        ("83.325", "GBP", "£83.32"),
        ("83.335", "GBP", "£83.34"),
        ("0", "GBP", "£0.00"),
        ("1000000", "EUR", "€1,000,000.00"),
        ("2.5", "JPY", "JP¥2"),
        ("1234.5", "JPY", "JP¥1,234"),
        ("1.0015", "BHD", "BHD1.002"),
        ("12", "USD", "US$12.00"),
    ],
)
def test_present_rounds_then_formats(amount: str, currency: str, expected: str) -> None:
    assert present(Decimal(amount), currency) == expected


def test_present_none_is_an_en_dash() -> None:
    assert present(None, "GBP") == NONE == "\N{EN DASH}"


def test_present_totals_lists_largest_first_and_skips_zero() -> None:
    # Arrange
    parts = {"EUR": Decimal("40"), "GBP": Decimal("1200"), "USD": Decimal(0)}

    # Act
    shown = present_totals(parts)

    # Assert
    assert shown == "£1,200.00 + €40.00"


@pytest.mark.parametrize("parts", [{}, {"GBP": Decimal(0)}, {"GBP": Decimal("0.000")}])
def test_present_totals_with_nothing_is_an_en_dash(parts: dict[str, Decimal]) -> None:
    assert present_totals(parts) == NONE


# validate_currency()


@pytest.mark.parametrize("code", ["GBP", "EUR", "USD", "JPY", "BHD", DEFAULT_CURRENCY])
def test_validate_currency_accepts_iso_codes(code: str) -> None:
    validate_currency(code)  # raises if refused


@pytest.mark.parametrize("code", ["XYZ", "gbp", "Eur", "", "GB", "GBPX", " GBP", "£"])
def test_validate_currency_rejects_unknown_or_lower_case(code: str) -> None:
    # Lower case is refused here; the services upper-case input before they validate.
    with pytest.raises(ValidationError) as raised:
        validate_currency(code)

    assert raised.value.code == "unknown_currency"
    assert "is not an ISO 4217 currency code" in raised.value.messages[0]
    assert raised.value.messages[0].startswith(f"{code} is not")


# add_totals()


def test_add_totals_sums_each_currency_separately() -> None:
    # Arrange
    parts = [
        {"GBP": Decimal("10.005"), "EUR": Decimal("1.10")},
        {"GBP": Decimal("0.005")},
        {},
        {"EUR": Decimal("2.20"), "JPY": Decimal("300")},
    ]

    # Act
    total = add_totals(parts)

    # Assert
    assert total == {"GBP": Decimal("10.010"), "EUR": Decimal("3.30"), "JPY": Decimal("300")}


def test_add_totals_of_nothing_is_empty() -> None:
    assert add_totals([]) == {}


def test_add_totals_does_not_change_its_parts() -> None:
    first = {"GBP": Decimal(1)}

    total = add_totals([first, {"GBP": Decimal(2)}])

    assert total == {"GBP": Decimal(3)}
    assert first == {"GBP": Decimal(1)}


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(totals, max_size=8))
def test_add_totals_equals_the_sum_per_currency(parts: list[dict[str, Decimal]]) -> None:
    total = add_totals(parts)

    currencies = {currency for part in parts for currency in part}
    assert set(total) == currencies
    for currency in currencies:
        expected = sum(Fraction(part[currency]) for part in parts if currency in part)
        assert Fraction(total[currency]) == expected
        assert isinstance(total[currency], Decimal)
