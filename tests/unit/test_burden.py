"""Burden (coproduce/costs/burden.py), tested as plain Python: no database.

The expected figures are worked out here independently, with exact fractions, from the
PersonLoad inputs; the group each person belongs to is written out again below rather than taken
from the module, so a wrong mapping there shows up as a failure here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.costs import burden
from coproduce.costs.burden import (
    DIMENSIONS,
    HOUR_KINDS,
    NOT_DISCLOSED,
    BurdenReport,
    GroupRow,
    GroupTable,
    PersonLoad,
    analyse,
    burden_ratio,
    suppressed_groups,
)

DEFAULT_RATIO = Decimal("1.25")
EQUITY_GROUPS = {
    "career_stage": {
        "doctoral": "junior",
        "early": "junior",
        "mid": "established",
        "senior": "established",
    },
    "contract": {
        "fixed_term": "non_permanent",
        "casual": "non_permanent",
        "permanent": "permanent",
        "unpaid": "unpaid",
    },
    "gender": {"woman": "women_non_binary", "non_binary": "women_non_binary", "man": "men"},
}
CATEGORIES = {
    "career_stage": {"junior", "established", NOT_DISCLOSED},
    "contract": {"non_permanent", "permanent", "unpaid", NOT_DISCLOSED},
    "gender": {"women_non_binary", "men", NOT_DISCLOSED},
}
WATCHED = {
    ("career_stage", "junior"): ("Career stage", "Doctoral and early-career people"),
    ("contract", "non_permanent"): ("Contract", "People on fixed-term or casual contracts"),
    ("gender", "women_non_binary"): ("Gender", "Women and non-binary people"),
}
NOT_DISCLOSED_LABELS = {
    "career_stage": "Not disclosed",
    "contract": "Not disclosed",
    "gender": "Described another way, or not disclosed",
}
# Values a masked or undeclared attribute can hold: all of them mean "not disclosed".
UNDISCLOSED_VALUES = [NOT_DISCLOSED, "not_say", "self_described", ""]


def expected_group(load: PersonLoad, dimension: str) -> str:
    if dimension == "party":
        return load.party
    if dimension == "organisation":
        return load.organisation or "none"
    return EQUITY_GROUPS[dimension].get(getattr(load, dimension), NOT_DISCLOSED)


def members(loads: Sequence[PersonLoad], dimension: str, group: str) -> list[PersonLoad]:
    return [load for load in loads if expected_group(load, dimension) == group]


def hours_of(loads: Sequence[PersonLoad]) -> Decimal:
    return sum((sum(load.hours.values(), Decimal(0)) for load in loads), Decimal(0))


def table(report: BurdenReport, code: str) -> GroupTable:
    (found,) = [t for t in report.tables if t.dimension.code == code]
    return found


def row(group_table: GroupTable, code: str) -> GroupRow:
    (found,) = [r for r in group_table.rows if r.code == code]
    return found


def person(
    person_id: int,
    hours: str | Decimal,
    *,
    party: str = "researcher",
    organisation: str = "Northbridge",
    career_stage: str = NOT_DISCLOSED,
    contract: str = NOT_DISCLOSED,
    gender: str = NOT_DISCLOSED,
    unfunded: str = "0",
    money: dict[str, Decimal] | None = None,
) -> PersonLoad:
    """One person whose hours are all attendance."""
    return PersonLoad(
        person_id=person_id,
        name=f"Person {person_id:02d}",
        party=party,
        organisation=organisation,
        career_stage=career_stage,
        contract=contract,
        gender=gender,
        hours={"attendance": Decimal(hours)},
        unfunded_hours=Decimal(unfunded),
        money_borne=money or {},
    )


# Strategies

hours_values = st.integers(min_value=0, max_value=4000).map(lambda n: Decimal(n).scaleb(-2))
money_values = st.integers(min_value=0, max_value=10**7).map(lambda n: Decimal(n).scaleb(-4))
load_specs = st.builds(
    PersonLoad,
    person_id=st.just(0),
    name=st.just(""),
    party=st.sampled_from(["researcher", "public", "practitioner"]),
    organisation=st.sampled_from(["", "Northbridge", "Southfield"]),
    career_stage=st.sampled_from([*EQUITY_GROUPS["career_stage"], *UNDISCLOSED_VALUES]),
    contract=st.sampled_from([*EQUITY_GROUPS["contract"], *UNDISCLOSED_VALUES]),
    gender=st.sampled_from([*EQUITY_GROUPS["gender"], *UNDISCLOSED_VALUES]),
    hours=st.fixed_dictionaries({kind: hours_values for kind in HOUR_KINDS}),
    unfunded_hours=hours_values,
    money_borne=st.dictionaries(st.sampled_from(["GBP", "EUR"]), money_values, max_size=2),
)


def numbered(specs: list[PersonLoad]) -> list[PersonLoad]:
    return [
        replace(spec, person_id=i + 1, name=f"Person {i + 1:03d}") for i, spec in enumerate(specs)
    ]


person_lists = st.lists(load_specs, max_size=40).map(numbered)
thresholds = st.integers(min_value=3, max_value=10)
warning_ratios = st.sampled_from([Decimal("1.01"), DEFAULT_RATIO, Decimal("1.5"), Decimal(2)])


@st.composite
def unsuppressed_parties(draw: st.DrawFn) -> list[PersonLoad]:
    """People in 1 to 4 parties of at least 3 people each, all in one organisation."""
    sizes = draw(st.lists(st.integers(min_value=3, max_value=8), min_size=1, max_size=4))
    parties = ["researcher", "public", "practitioner", "funder"]
    specs = []
    for party, size in zip(parties, sizes, strict=False):
        for _ in range(size):
            spec = draw(load_specs)
            specs.append(replace(spec, party=party, organisation="Northbridge"))
    return numbered(specs)


# Hand-computed example: 10 people


def ten_people() -> list[PersonLoad]:
    """4 researchers giving 10 hours each, 6 public contributors giving 5 hours each: 70 hours.
    Career stages: 2 doctoral and 2 mid-career researchers, 3 early-career and 3 senior public
    contributors, so the junior group gives 2 x 10 + 3 x 5 = 35 hours, exactly half."""
    researchers = [
        person(i, "10", party="researcher", career_stage=stage, unfunded="4")
        for i, stage in zip(range(1, 5), ["doctoral", "doctoral", "mid", "mid"], strict=True)
    ]
    public = [
        person(
            i,
            "5",
            party="public",
            organisation="",
            career_stage=stage,
            money={"GBP": Decimal("12.50")},
        )
        for i, stage in zip(range(5, 11), ["early"] * 3 + ["senior"] * 3, strict=True)
    ]
    return researchers + public


def test_analyse_ten_people_gives_exact_ratios() -> None:
    # Act
    report = analyse(ten_people(), threshold=3, warning_ratio=DEFAULT_RATIO)

    # Assert
    parties = table(report, "party")
    assert (parties.people, parties.hours, parties.suppressed) == (10, Decimal(70), 0)
    researchers, public = row(parties, "researcher"), row(parties, "public")
    # (40 / 70) / (4 / 10) = 10/7; (30 / 70) / (6 / 10) = 5/7
    assert (researchers.people, researchers.hours) == (4, Decimal(40))
    assert researchers.hours_share == Fraction(4, 7)
    assert researchers.people_share == Fraction(2, 5)
    assert researchers.ratio == Fraction(10, 7)
    assert (public.people, public.hours, public.ratio) == (6, Decimal(30), Fraction(5, 7))
    assert researchers.people_share * researchers.ratio + public.people_share * public.ratio == 1


def test_analyse_ten_people_unfunded_and_money() -> None:
    report = analyse(ten_people(), threshold=3, warning_ratio=DEFAULT_RATIO)

    parties = table(report, "party")
    assert row(parties, "researcher").unfunded_hours == Decimal(16)
    assert row(parties, "researcher").unfunded_share == Fraction(2, 5)
    assert row(parties, "researcher").money_borne == {}
    assert row(parties, "public").unfunded_share == 0
    assert row(parties, "public").money_borne == {"GBP": Decimal("75.00")}
    assert report.total_hours == Decimal(70)
    assert report.unfunded_hours == Decimal(16)
    assert report.hours_by_kind() == {
        "attendance": Decimal(70),
        "preparation": Decimal(0),
        "administration": Decimal(0),
        "follow_up": Decimal(0),
    }


def test_analyse_ten_people_career_groups_and_empty_category() -> None:
    report = analyse(ten_people(), threshold=3, warning_ratio=DEFAULT_RATIO)

    careers = table(report, "career_stage")
    assert [r.code for r in careers.rows] == ["junior", "established", NOT_DISCLOSED]
    assert row(careers, "junior").ratio == Fraction(1)  # 35 of 70 hours, 5 of 10 people
    assert row(careers, "established").ratio == Fraction(1)
    # Nobody is undisclosed, and the empty category is still listed, suppressed.
    assert row(careers, NOT_DISCLOSED).suppressed
    assert row(careers, NOT_DISCLOSED).people is None
    assert report.warnings == []


def test_analyse_ten_people_organisation_without_name_is_none() -> None:
    report = analyse(
        ten_people(),
        threshold=3,
        warning_ratio=DEFAULT_RATIO,
        labels={"organisation": {"none": "No organisation"}, "party": {"public": "Public"}},
    )

    organisations = table(report, "organisation")
    assert {r.code: r.label for r in organisations.rows} == {
        "Northbridge": "Northbridge",
        "none": "No organisation",
    }
    assert row(organisations, "none").people == 6
    assert row(table(report, "party"), "public").label == "Public"
    assert row(table(report, "party"), "researcher").label == "researcher"


def test_report_lists_people_by_hours_then_name() -> None:
    loads = [person(3, "1"), person(1, "5"), person(2, "5"), person(4, "0")]

    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    assert [p.person_id for p in report.people_by_hours()] == [1, 2, 3, 4]
    assert [p.person_id for p in report.people] == [3, 1, 2, 4]  # as given


def test_analyse_with_no_hours_has_no_ratios() -> None:
    loads = [person(i, "0", party="public") for i in range(1, 6)]

    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    public = row(table(report, "party"), "public")
    assert (public.people, public.hours, public.ratio, public.hours_share) == (5, 0, None, None)
    assert public.unfunded_share is None
    assert report.warnings == []


def test_analyse_with_nobody_has_empty_tables() -> None:
    report = analyse([], threshold=5, warning_ratio=DEFAULT_RATIO)

    assert table(report, "party").rows == []
    assert all(r.suppressed for r in table(report, "gender").rows)
    assert report.warnings == []


@pytest.mark.parametrize(
    ("group_hours", "group_people", "total_hours", "total_people", "expected"),
    [
        ("35", 5, "70", 10, Fraction(1)),
        ("60", 6, "72", 12, Fraction(5, 3)),
        ("0", 3, "10", 6, Fraction(0)),
        ("10", 1, "10", 1, Fraction(1)),
        ("0.01", 1, "3", 7, Fraction(7, 300)),
        ("5", 0, "10", 6, None),
        ("5", 2, "0", 6, None),
        ("5", 2, "10", 0, None),
    ],
)
def test_burden_ratio_is_hours_share_over_people_share(
    group_hours: str,
    group_people: int,
    total_hours: str,
    total_people: int,
    expected: Fraction | None,
) -> None:
    ratio = burden_ratio(Decimal(group_hours), group_people, Decimal(total_hours), total_people)

    assert ratio == expected


# (a) People-weighted ratios of a complete partition average to exactly 1


@settings(max_examples=200, deadline=None)
@given(
    groups=st.lists(
        st.tuples(st.integers(min_value=1, max_value=50), hours_values), min_size=1, max_size=8
    )
)
def test_burden_ratio_weighted_by_people_averages_to_one(groups: list[tuple[int, Decimal]]) -> None:
    total_people = sum(people for people, _ in groups)
    total_hours = sum((hours for _, hours in groups), Decimal(0))

    ratios = [burden_ratio(hours, people, total_hours, total_people) for people, hours in groups]

    if total_hours:
        weighted = [Fraction(p, total_people) * r for (p, _), r in zip(groups, ratios, strict=True)]
        assert sum(weighted) == 1
    else:
        assert ratios == [None] * len(groups)


@settings(max_examples=100, deadline=None)
@given(loads=unsuppressed_parties())
def test_party_table_ratios_average_to_one_without_suppression(loads: list[PersonLoad]) -> None:
    # The party table alone: on a page, linked suppression may hide a party that another
    # table would give away (tests/unit/test_burden_disclosure.py).
    parties = burden.group_table(loads, DIMENSIONS[0], threshold=3)

    assert parties.suppressed == 0
    assert sum(r.people_share for r in parties.rows) == 1
    if parties.hours:
        assert sum(r.people_share * r.ratio for r in parties.rows) == 1
        assert sum(r.hours_share for r in parties.rows) == 1


@settings(max_examples=100, deadline=None)
@given(loads=person_lists, threshold=thresholds)
def test_analyse_any_table_without_suppression_averages_to_one(
    loads: list[PersonLoad], threshold: int
) -> None:
    report = analyse(loads, threshold=threshold, warning_ratio=DEFAULT_RATIO)

    for group_table in report.tables:
        shown = [r for r in group_table.rows if not r.suppressed]
        weighted = sum((r.people_share * r.ratio for r in shown if r.ratio is not None), 0)
        shown_hours = sum((r.hours for r in shown), Decimal(0))
        if not group_table.hours:
            assert all(r.ratio is None for r in shown)
        elif group_table.suppressed == 0:
            assert weighted == 1
        else:  # the shown groups account for exactly their share of the hours, no more
            assert weighted == Fraction(shown_hours) / Fraction(group_table.hours)


# (b) Every table adds up to the inputs


@settings(max_examples=150, deadline=None)
@given(loads=person_lists, threshold=thresholds)
def test_analyse_groups_add_up_to_the_inputs(loads: list[PersonLoad], threshold: int) -> None:
    # Act
    report = analyse(loads, threshold=threshold, warning_ratio=DEFAULT_RATIO)

    # Assert
    total = hours_of(loads)
    assert report.total_hours == total
    for group_table in report.tables:
        code = group_table.dimension.code
        assert (group_table.people, group_table.hours) == (len(loads), total)
        if group_table.dimension.sensitive:
            assert {r.code for r in group_table.rows} == CATEGORIES[code]
        else:
            assert {r.code for r in group_table.rows} == {expected_group(p, code) for p in loads}
        shown_hours, hidden_hours = Decimal(0), Decimal(0)
        for group_row in group_table.rows:
            group = members(loads, code, group_row.code)
            if group_row.suppressed:
                hidden_hours += hours_of(group)
                continue
            assert group_row.people == len(group)
            assert group_row.hours == hours_of(group)
            assert group_row.unfunded_hours == sum((p.unfunded_hours for p in group), Decimal(0))
            for currency in ("GBP", "EUR"):
                expected = sum((p.money_borne.get(currency, Decimal(0)) for p in group), Decimal(0))
                assert group_row.money_borne.get(currency, Decimal(0)) == expected
            shown_hours += group_row.hours
        assert shown_hours + hidden_hours == total


# (c) Disclosure control

group_sizes = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]), st.integers(min_value=0, max_value=15)
)


@settings(max_examples=200, deadline=None)
@given(people=group_sizes, threshold=thresholds)
def test_suppressed_groups_never_shows_a_group_below_the_threshold(
    people: dict[str, int], threshold: int
) -> None:
    # Act
    hidden = suppressed_groups(people, threshold)

    # Assert
    assert hidden <= set(people)
    assert {code for code, count in people.items() if count < threshold} <= hidden
    hidden_people = sum(people[code] for code in hidden)
    if sum(people.values()) >= threshold:
        assert hidden_people == 0 or hidden_people >= threshold
    else:  # the total itself is below the threshold: nothing can be shown
        assert hidden == set(people)
    # Secondary suppression hides at most one group that is big enough, the smallest shown.
    secondary = [code for code in hidden if people[code] >= threshold]
    assert len(secondary) <= 1
    if secondary:
        shown_sizes = [count for code, count in people.items() if code not in hidden]
        assert all(people[secondary[0]] <= count for count in shown_sizes)


def possible_values(hidden: list[str], remainder: int) -> dict[str, set[int]]:
    """Brute force: every value each hidden group could take, given that the hidden groups are
    non-negative whole numbers of people adding up to `remainder` (the total minus every shown
    group)."""
    values: dict[str, set[int]] = {code: set() for code in hidden}
    for assignment in itertools.product(range(remainder + 1), repeat=len(hidden)):
        if sum(assignment) == remainder:
            for code, value in zip(hidden, assignment, strict=True):
                values[code].add(value)
    return values


@settings(max_examples=200, deadline=None)
@given(
    # Two groups or more: with a single group the table's total is that group, whatever is
    # suppressed (see the note in the report to the owner).
    people=st.dictionaries(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.integers(min_value=0, max_value=7),
        min_size=2,
    ),
    threshold=st.integers(min_value=3, max_value=7),
)
def test_suppressed_groups_cannot_be_recovered_from_the_total(
    people: dict[str, int], threshold: int
) -> None:
    # Arrange
    hidden = sorted(suppressed_groups(people, threshold))
    shown_total = sum(count for code, count in people.items() if code not in hidden)
    remainder = sum(people.values()) - shown_total

    # Act
    values = possible_values(hidden, remainder)

    # Assert
    for code in hidden:
        assert people[code] in values[code]
        if 0 < people[code] < threshold:
            assert len(values[code]) > 1, f"{code} = {people[code]} can be worked out"


@pytest.mark.parametrize(
    ("people", "threshold", "hidden"),
    [
        ({"a": 10, "b": 10}, 5, set()),
        ({"a": 10, "b": 4, "c": 0}, 5, {"b", "c", "a"}),  # 4 alone: the total gives it away
        ({"a": 10, "b": 2, "c": 3}, 5, {"b", "c"}),  # 2 + 3 hidden together: 5 is enough
        ({"a": 10, "b": 6, "c": 1}, 5, {"b", "c"}),  # the smallest shown group goes too
        ({"a": 6, "b": 6, "c": 1}, 5, {"a", "c"}),  # ties go by code
        ({"a": 8, "b": 0, "c": 0}, 5, {"b", "c"}),  # empty groups hide nobody
        ({"a": 2}, 3, {"a"}),
        ({"a": 5, "b": 4}, 5, {"a", "b"}),
        ({"a": 3, "b": 3}, 3, set()),  # exactly the threshold is shown
    ],
)
def test_suppressed_groups_examples(
    people: dict[str, int], threshold: int, hidden: set[str]
) -> None:
    assert suppressed_groups(people, threshold) == hidden


def test_group_table_suppressed_row_carries_no_figures() -> None:
    # Arrange: 2 women among 12 people, threshold 5.
    loads = [person(i, "1", gender="woman") for i in range(1, 3)]
    loads += [person(i, "3", gender="man") for i in range(3, 13)]

    # Act
    report = analyse(loads, threshold=5, warning_ratio=DEFAULT_RATIO)

    # Assert
    genders = table(report, "gender")
    women = row(genders, "women_non_binary")
    assert women == GroupRow(
        code="women_non_binary", label="Women and non-binary people", suppressed=True
    )
    # 2 women and 0 undisclosed are below 5 together, so the men are hidden too.
    assert row(genders, "men").suppressed
    assert genders.suppressed == 3


def test_analyse_threshold_is_configurable() -> None:
    loads = [person(i, "1", party="public") for i in range(1, 5)]
    loads += [person(i, "1", party="researcher") for i in range(5, 15)]

    lenient = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)
    strict = analyse(loads, threshold=5, warning_ratio=DEFAULT_RATIO)

    assert not row(table(lenient, "party"), "public").suppressed
    assert row(table(strict, "party"), "public").suppressed


# (d) Equity attributes without consent are "not disclosed"


def test_analyse_puts_undisclosed_people_in_not_disclosed_rows() -> None:
    # Arrange: 6 people with masked attributes, 6 with declared ones.
    masked = [
        person(i, "2", career_stage=value, contract=value, gender=value)
        for i, value in zip(range(1, 7), UNDISCLOSED_VALUES * 2, strict=False)
    ]
    declared = [
        person(i, "1", career_stage="senior", contract="permanent", gender="man")
        for i in range(7, 13)
    ]

    # Act
    report = analyse(masked + declared, threshold=5, warning_ratio=DEFAULT_RATIO)

    # Assert
    for code in ("career_stage", "contract", "gender"):
        undisclosed = row(table(report, code), NOT_DISCLOSED)
        assert (undisclosed.people, undisclosed.hours) == (6, Decimal(12)), code
        assert undisclosed.label == NOT_DISCLOSED_LABELS[code]


@settings(max_examples=150, deadline=None)
@given(loads=person_lists)
def test_analyse_not_disclosed_rows_count_everyone_without_a_known_value(
    loads: list[PersonLoad],
) -> None:
    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    for code, known in EQUITY_GROUPS.items():
        undisclosed = row(table(report, code), NOT_DISCLOSED)
        expected = [p for p in loads if getattr(p, code) not in known]
        if undisclosed.suppressed:
            continue
        assert undisclosed.people == len(expected)
        assert undisclosed.hours == hours_of(expected)


# (e) Warnings


def watched_pair(
    attribute: str, watched: str, other: str, hours: Sequence[str]
) -> list[PersonLoad]:
    """4 people with the watched value giving `hours`, 4 with the other giving 3 hours each."""
    loads = [person(i, h, **{attribute: watched}) for i, h in enumerate(hours, start=1)]
    loads += [person(i, "3", **{attribute: other}) for i in range(5, 9)]
    return loads


ATTRIBUTES = [
    ("career_stage", "doctoral", "senior", ("Career stage", "Doctoral and early-career people")),
    ("contract", "casual", "permanent", ("Contract", "People on fixed-term or casual contracts")),
    ("gender", "non_binary", "man", ("Gender", "Women and non-binary people")),
]


@pytest.mark.parametrize(("attribute", "watched", "other", "labels"), ATTRIBUTES)
def test_analyse_warns_at_exactly_the_ratio(
    attribute: str, watched: str, other: str, labels: tuple[str, str]
) -> None:
    # Arrange: 20 of 32 hours from half the people: (20/32) / (4/8) = 5/4 exactly.
    loads = watched_pair(attribute, watched, other, ["5", "5", "5", "5"])

    # Act
    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    # Assert
    (warning,) = report.warnings
    assert (warning.dimension, warning.group) == labels
    assert warning.ratio == Fraction(5, 4)
    assert (warning.hours_share, warning.people_share) == (Fraction(5, 8), Fraction(1, 2))
    assert (warning.people, warning.hours) == (4, Decimal(20))


@pytest.mark.parametrize(("attribute", "watched", "other", "labels"), ATTRIBUTES)
def test_analyse_does_not_warn_just_below_the_ratio(
    attribute: str, watched: str, other: str, labels: tuple[str, str]
) -> None:
    # 19.99 of 31.99 hours: a ratio of 1.2497.
    loads = watched_pair(attribute, watched, other, ["5", "5", "5", "4.99"])

    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    (watched_code,) = [group for dimension, group in WATCHED if dimension == attribute]
    assert row(table(report, attribute), watched_code).ratio == Fraction(3998, 3199)
    assert report.warnings == []


def test_analyse_warning_ratio_is_configurable() -> None:
    loads = watched_pair("career_stage", "early", "mid", ["5", "5", "5", "5"])

    report = analyse(loads, threshold=3, warning_ratio=Decimal("1.26"))

    assert report.warnings == []
    assert report.warning_ratio == Decimal("1.26")


@pytest.mark.parametrize(
    ("attribute", "value", "other"),
    [
        ("career_stage", "senior", "doctoral"),
        ("contract", "permanent", "fixed_term"),
        ("contract", "unpaid", "fixed_term"),
        ("gender", "man", "woman"),
        ("party", "public", "researcher"),
        ("organisation", "Southfield", "Northbridge"),
    ],
)
def test_analyse_does_not_warn_about_groups_that_are_not_watched(
    attribute: str, value: str, other: str
) -> None:
    # Arrange: the unwatched group carries 40 of 44 hours with half the people.
    loads = [person(i, "10", **{attribute: value}) for i in range(1, 5)]
    loads += [person(i, "1", **{attribute: other}) for i in range(5, 9)]

    # Act
    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    # Assert
    group_table = table(report, attribute)
    carrying = row(group_table, expected_group(loads[0], attribute))
    assert carrying.ratio == Fraction(20, 11)
    assert report.warnings == []


def test_analyse_never_warns_about_a_suppressed_group() -> None:
    # Arrange: 2 doctoral researchers give every hour (a ratio of 5), below the threshold.
    loads = [person(i, "10", career_stage="doctoral") for i in range(1, 3)]
    loads += [person(i, "0", career_stage="mid") for i in range(3, 11)]

    # Act
    report = analyse(loads, threshold=3, warning_ratio=DEFAULT_RATIO)

    # Assert
    assert row(table(report, "career_stage"), "junior").suppressed
    assert report.warnings == []


@settings(max_examples=150, deadline=None)
@given(loads=person_lists, threshold=thresholds, warning_ratio=warning_ratios)
def test_analyse_warns_for_exactly_the_shown_watched_groups_at_the_ratio(
    loads: list[PersonLoad], threshold: int, warning_ratio: Decimal
) -> None:
    # Act
    report = analyse(loads, threshold=threshold, warning_ratio=warning_ratio)

    # Assert
    total_hours = hours_of(loads)
    expected = set()
    for (dimension, group), (dimension_label, group_label) in WATCHED.items():
        group_members = members(loads, dimension, group)
        if row(table(report, dimension), group).suppressed or not total_hours:
            continue
        ratio = (Fraction(hours_of(group_members)) / Fraction(total_hours)) / Fraction(
            len(group_members), len(loads)
        )
        if ratio >= Fraction(warning_ratio):
            expected.add((dimension_label, group_label, ratio, len(group_members)))
    warned = {(w.dimension, w.group, w.ratio, w.people) for w in report.warnings}
    assert warned == expected
    assert len(report.warnings) == len(warned)
    assert all(w.people >= threshold for w in report.warnings)


# (f) The threshold is never below 3


@pytest.mark.parametrize("threshold", [2, 1, 0, -1])
def test_analyse_rejects_a_threshold_below_three(threshold: int) -> None:
    with pytest.raises(ValueError, match="never below 3"):
        analyse(ten_people(), threshold=threshold, warning_ratio=DEFAULT_RATIO)


def test_analyse_accepts_a_threshold_of_three() -> None:
    report = analyse(ten_people(), threshold=3, warning_ratio=DEFAULT_RATIO)

    assert report.threshold == 3
    assert all(t.threshold == 3 for t in report.tables)


def test_a_sensitive_table_where_one_group_holds_everyone_is_hidden_whole() -> None:
    # Six people, all consented and all early career: showing "6 of 6" would tell anyone who
    # can see the team that each of them is early career.
    loads = [person(i, "4", career_stage="early") for i in range(1, 7)]

    report = analyse(loads, threshold=5, warning_ratio=DEFAULT_RATIO)

    career = table(report, "career_stage")
    assert all(r.suppressed for r in career.rows)
    assert career.people == 6
    assert report.warnings == []
    # The open dimensions are not hidden for it: everyone is a researcher, as the team page says.
    assert not row(table(report, "party"), "researcher").suppressed
