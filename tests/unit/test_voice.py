"""Whose voice counts (governance/voice.py): the Gini coefficient against the pairwise
definition, the top two's share, the summary and trend, the usual suspects warnings; and the
readable charter diffs (core/diff.py, governance/charter.py)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.core.diff import word_diff
from coproduce.governance.charter import (
    DEFAULT_EARLY_ACCESS,
    DEFAULT_METHODS,
    SECTIONS,
    diff_versions,
    starting_sections,
)
from coproduce.governance.models import DecisionKind
from coproduce.governance.voice import (
    DEFAULT_WINDOW,
    ActivityVoice,
    gini,
    summarise,
    top_two_share,
    trend,
    usual_suspects,
)

F = Fraction


def pairwise_gini(amounts: Sequence[int | Fraction]) -> Fraction:
    """The mean absolute difference over all ordered pairs, divided by twice the mean."""
    n = len(amounts)
    total = sum(amounts, F(0))
    if n == 0 or total == 0:
        return F(0)
    mean_difference = F(sum(abs(a - b) for a in amounts for b in amounts), n * n)
    mean = F(total, n)
    return mean_difference / (2 * mean)


def activity(n: int, contributions: Mapping[int, int | None]) -> ActivityVoice:
    return ActivityVoice(
        n, f"Meeting {n}", datetime.date(2025, 1, 1) + datetime.timedelta(n), contributions
    )


def series(*tallies: Mapping[int, int | None]) -> list[ActivityVoice]:
    return [activity(n, tally) for n, tally in enumerate(tallies, start=1)]


# The Gini coefficient -------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=30))
def test_gini_equals_the_pairwise_definition(amounts: list[int]) -> None:
    assert gini(amounts) == pairwise_gini(amounts)


@settings(max_examples=50)
@given(
    st.lists(st.fractions(min_value=0, max_value=100, max_denominator=50), min_size=1, max_size=10)
)
def test_gini_of_fractions_equals_the_pairwise_definition(amounts: list[Fraction]) -> None:
    assert gini(amounts) == pairwise_gini(amounts)


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=30))
def test_gini_is_between_zero_and_n_minus_one_over_n(amounts: list[int]) -> None:
    n = len(amounts)
    assert F(0) <= gini(amounts) <= F(n - 1, n)


@given(
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=20),
    st.integers(min_value=1, max_value=9),
    st.randoms(use_true_random=False),
)
def test_gini_ignores_order_and_scale(amounts: list[int], factor: int, random: object) -> None:
    shuffled = list(amounts)
    random.shuffle(shuffled)  # type: ignore[attr-defined]

    assert gini(shuffled) == gini(amounts)
    assert gini([a * factor for a in amounts]) == gini(amounts)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20])
def test_gini_is_zero_when_everyone_has_the_same(n: int) -> None:
    assert gini([4] * n) == 0


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20])
def test_gini_is_n_minus_one_over_n_when_one_has_everything(n: int) -> None:
    assert gini([0] * (n - 1) + [12]) == F(n - 1, n)


def test_gini_of_known_values() -> None:
    # Pairs of (1, 3): |1-3| twice over four ordered pairs = 1; mean 2; 1 / 4.
    assert gini([1, 3]) == F(1, 4)
    assert gini([6, 6, 9, 18, 21]) == F(7, 25)


def test_gini_of_nothing_or_all_zeros_is_zero() -> None:
    assert gini([]) == 0
    assert gini([0, 0, 0]) == 0


def test_gini_is_exact() -> None:
    assert isinstance(gini([1, 2, 3]), Fraction)
    assert gini([1, 2, 3]) == F(2, 9)


@pytest.mark.parametrize("amounts", [[-1, 2, 3], [-2, -1], [-1, 1], [3, -3, 0]])
def test_gini_refuses_negative_amounts(amounts: list[int]) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        gini(amounts)


# Share of the two most active -----------------------------------------------------------------


def test_top_two_share_takes_the_two_largest() -> None:
    assert top_two_share([1, 5, 2, 4]) == F(9, 12)


def test_top_two_share_of_one_or_two_people_is_everything() -> None:
    assert top_two_share([7]) == 1
    assert top_two_share([3, 4]) == 1


def test_top_two_share_without_contributions_is_none() -> None:
    assert top_two_share([]) is None
    assert top_two_share([0, 0, 0]) is None


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=20))
def test_top_two_share_is_at_least_two_over_n_when_anything_was_said(amounts: list[int]) -> None:
    share = top_two_share(amounts)
    if sum(amounts) == 0:
        assert share is None
    else:
        assert share is not None
        assert min(F(2, len(amounts)), F(1)) <= share <= 1


# Summary --------------------------------------------------------------------------------------


def test_summarise_counts_attendance_and_contributions_per_person() -> None:
    activities = series({1: 5, 2: 3, 3: 1}, {1: 4, 2: None}, {1: 6, 4: 0})

    summary = summarise(activities)

    assert summary.activities == 3
    assert summary.people == 4
    assert summary.contributions == 19
    # Contributions per person 15, 3, 1, 0; attendance 3, 2, 1, 1.
    assert summary.contribution_gini == pairwise_gini([15, 3, 1, 0])
    assert summary.attendance_gini == pairwise_gini([3, 2, 1, 1])
    assert summary.top_two_share == F(18, 19)
    assert summary.top_two == [1, 2]


def test_summarise_leaves_people_without_contributions_out_of_the_top_two() -> None:
    summary = summarise(series({1: 4, 2: 0, 3: None}))

    assert summary.top_two == [1]
    assert summary.top_two_share == 1
    assert summary.people == 3


def test_summarise_breaks_ties_by_person() -> None:
    assert summarise(series({9: 2, 4: 2, 6: 2})).top_two == [4, 6]


def test_summarise_without_any_tally_counts_attendance_only() -> None:
    summary = summarise(series({1: None, 2: None}, {1: None}))

    assert summary.contributions == 0
    assert summary.contribution_gini == 0
    assert summary.top_two_share is None
    assert summary.top_two == []
    assert summary.attendance_gini == F(1, 6)  # attendance 2 and 1


def test_summarise_nothing() -> None:
    summary = summarise([])

    assert (summary.activities, summary.people, summary.contributions) == (0, 0, 0)
    assert summary.top_two_share is None


# Trend ----------------------------------------------------------------------------------------


def test_trend_covers_each_activity_with_the_window_before_it() -> None:
    activities = series({1: 1, 2: 1}, {1: 3}, {1: 1, 2: 1, 3: 1}, {2: 2, 3: 2})

    points = trend(activities, window=2)

    assert [p.activity for p in points] == activities
    assert [p.attendees for p in points] == [2, 1, 3, 2]
    # Windows: [a1], [a1, a2], [a2, a3], [a3, a4].
    assert [p.contribution_gini for p in points] == [
        gini([1, 1]),
        gini([4, 1]),
        gini([4, 1, 1]),
        gini([1, 3, 3]),
    ]
    assert [p.top_two_share for p in points] == [F(1), F(1), F(5, 6), F(6, 7)]


def test_trend_with_a_window_of_one_looks_at_each_activity_alone() -> None:
    activities = series({1: 1, 2: 3}, {1: 2, 2: 2})

    points = trend(activities, window=1)

    assert [p.contribution_gini for p in points] == [gini([1, 3]), 0]


def test_trend_defaults_to_three_activities() -> None:
    activities = series({1: 8}, {2: 8}, {3: 8}, {4: 8})

    points = trend(activities)

    assert DEFAULT_WINDOW == 3
    assert points[-1].contribution_gini == gini([8, 8, 8])  # people 2, 3, 4 only
    assert points[-1].top_two_share == F(2, 3)


def test_trend_of_nothing_is_empty() -> None:
    assert trend([]) == []


# Usual suspects -------------------------------------------------------------------------------


def test_two_people_making_most_contributions_among_three_is_dominated() -> None:
    activities = series({1: 5, 2: 4, 3: 1}, {1: 5, 2: 4, 3: 1}, {1: 5, 2: 4, 3: 1})

    warnings = usual_suspects(activities)

    assert [w.kind for w in warnings] == ["dominated"]
    assert warnings[0].people == [1, 2]
    assert warnings[0].text == (
        "Over the last 3 activities, two people made 90% of all 30 contributions, among 3 "
        "people who took part."
    )


def test_two_people_are_not_dominating_when_they_are_everyone() -> None:
    activities = series({1: 9, 2: 1}, {1: 9, 2: 1}, {1: 9, 2: 1})

    assert usual_suspects(activities) == []


def test_exactly_half_is_not_dominated() -> None:
    activities = series(
        {1: 1, 2: 1, 3: 1, 4: 1}, {1: 1, 2: 1, 3: 1, 4: 1}, {1: 1, 2: 1, 3: 1, 4: 1}
    )

    assert usual_suspects(activities) == []


def test_dominance_looks_only_at_the_last_window() -> None:
    dominated_long_ago = series(
        {1: 20, 2: 20, 3: 1},
        {1: 1, 2: 1, 3: 1, 4: 1},
        {1: 1, 2: 1, 3: 1, 4: 1},
        {1: 1, 2: 1, 3: 1, 4: 1},
    )

    assert usual_suspects(dominated_long_ago) == []
    assert [w.kind for w in usual_suspects(dominated_long_ago, window=4)] == ["dominated"]


# Four people who each speak once: the top two make exactly half, so no "dominated" warning.
FOUR_EQUAL = {1: 1, 2: 1, 3: 1, 4: 1}
SIX_EQUAL = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}


def test_attendance_narrowing_to_the_same_few_is_warned() -> None:
    activities = series(SIX_EQUAL, SIX_EQUAL, SIX_EQUAL, FOUR_EQUAL, FOUR_EQUAL, FOUR_EQUAL)

    warnings = usual_suspects(activities)

    assert [w.kind for w in warnings] == ["narrowing"]
    assert warnings[0].people == [5, 6]
    assert warnings[0].text == (
        "Attendance is narrowing: 6 different people came to the 3 activities before the last "
        "3, and 4 to the last 3. 2 who came before have not come since."
    )


def test_narrowing_counts_people_who_came_to_any_earlier_activity() -> None:
    activities = series({1: 1, 2: 1, 5: 1}, {3: 1, 4: 1}, {1: 1, 6: 1}, *[FOUR_EQUAL] * 3)

    warnings = usual_suspects(activities)

    assert [(w.kind, w.people) for w in warnings] == [("narrowing", [5, 6])]


def test_three_equal_voices_are_not_two_dominating() -> None:
    # With three people the top two always make at least two thirds, so that is their equal
    # share, not dominance.
    assert usual_suspects(series(*[{1: 1, 2: 1, 3: 1}] * 3)) == []


def test_two_of_three_dominate_past_two_thirds() -> None:
    warnings = usual_suspects(series(*[{1: 5, 2: 4, 3: 1}] * 3))

    assert [w.kind for w in warnings] == ["dominated"]
    assert warnings[0].people == [1, 2]


def test_one_person_dropping_away_is_not_narrowing() -> None:
    activities = series(*[{1: 1, 2: 1, 3: 1, 4: 1, 5: 1}] * 3, *[FOUR_EQUAL] * 3)

    assert usual_suspects(activities) == []


def test_people_replaced_by_as_many_new_ones_is_not_narrowing() -> None:
    activities = series(*[{1: 1, 2: 1, 3: 1, 4: 1}] * 3, *[{1: 1, 2: 1, 5: 1, 6: 1}] * 3)

    assert usual_suspects(activities) == []


def test_dominated_and_narrowing_together() -> None:
    everyone = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2}
    few = {1: 5, 2: 4, 3: 1}
    activities = series(everyone, everyone, everyone, few, few, few)

    warnings = usual_suspects(activities)

    assert [(w.kind, w.people) for w in warnings] == [("dominated", [1, 2]), ("narrowing", [4, 5])]


def test_no_warning_with_fewer_activities_than_the_window() -> None:
    activities = series({1: 9, 2: 9, 3: 1}, {1: 9, 2: 9, 3: 1})

    assert usual_suspects(activities) == []
    assert [w.kind for w in usual_suspects(activities, window=2)] == ["dominated"]


def test_narrowing_needs_two_full_windows() -> None:
    activities = series(SIX_EQUAL, SIX_EQUAL, FOUR_EQUAL, FOUR_EQUAL, FOUR_EQUAL)  # five

    assert usual_suspects(activities) == []
    assert [w.kind for w in usual_suspects([activity(0, SIX_EQUAL), *activities])] == ["narrowing"]


def test_a_window_of_one_compares_single_activities() -> None:
    activities = series({1: 1, 2: 1, 3: 1, 4: 1}, {1: 3, 2: 3, 3: 1})

    warnings = usual_suspects(activities, window=1)

    assert [w.kind for w in warnings] == ["dominated"]
    assert warnings[0].people == [1, 2]


def test_a_window_of_one_sees_narrowing_between_the_last_two() -> None:
    activities = series({1: 1, 2: 1, 3: 1}, {1: 1})

    warnings = usual_suspects(activities, window=1)

    assert [(w.kind, w.people) for w in warnings] == [("narrowing", [2, 3])]


def test_no_activities_no_warnings() -> None:
    assert usual_suspects([]) == []


def test_activities_without_a_tally_are_never_dominated() -> None:
    activities = series(*[{1: None, 2: None, 3: None}] * 3)

    assert usual_suspects(activities) == []


@pytest.mark.parametrize("window", [0, -1, -3])
def test_a_window_below_one_is_refused(window: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        usual_suspects(series({1: 1}), window)


# Charter diffs --------------------------------------------------------------------------------


def test_word_diff_of_the_same_text_is_all_same() -> None:
    assert word_diff("the lead decides", "the lead decides") == [("same", "the lead decides")]


def test_word_diff_marks_replaced_added_and_removed_words_in_reading_order() -> None:
    assert word_diff("the lead decides alone", "the whole team decides") == [
        ("same", "the"),
        ("removed", "lead"),
        ("added", "whole team"),
        ("same", "decides"),
        ("removed", "alone"),
    ]


def test_word_diff_of_an_addition_at_the_end() -> None:
    assert word_diff("Partners comment", "Partners comment on drafts") == [
        ("same", "Partners comment"),
        ("added", "on drafts"),
    ]


@given(
    st.lists(st.sampled_from(["a", "b", "c", "team", "lead"]), max_size=12),
    st.lists(st.sampled_from(["a", "b", "c", "team", "lead"]), max_size=12),
)
def test_word_diff_rebuilds_both_texts(before: list[str], after: list[str]) -> None:
    diff = word_diff(" ".join(before), " ".join(after))

    old = " ".join(t for kind, t in diff if kind != "added" and t)
    new = " ".join(t for kind, t in diff if kind != "removed" and t)

    assert old == " ".join(before)
    assert new == " ".join(after)


def charter_diff(**changes: object) -> list[tuple[str, bool]]:
    sections = starting_sections()
    methods = {k: list(v) for k, v in DEFAULT_METHODS.items()}
    access = list(DEFAULT_EARLY_ACCESS)
    after_sections = {**sections, **changes.get("sections", {})}  # type: ignore[dict-item]
    after_methods = {**methods, **changes.get("methods", {})}  # type: ignore[dict-item]
    after_access = changes.get("access", access)
    result = diff_versions(sections, after_sections, methods, after_methods, access, after_access)  # type: ignore[arg-type]
    return [(c.title, c.changed) for c in result]


def test_diff_versions_of_identical_versions_changes_nothing() -> None:
    result = charter_diff()

    assert [title for title, _ in result] == [
        *(s.title for s in SECTIONS),
        *(f"Methods allowed for {label.lower()}" for _, label in DecisionKind.choices),
        "Who may see outputs before release",
    ]
    assert not any(changed for _, changed in result)


def test_diff_versions_marks_only_the_changed_section() -> None:
    text = starting_sections()["publication"] + " Authors decide the journal."

    changed = [t for t, c in charter_diff(sections={"publication": text}) if c]

    assert changed == ["Publication rights"]


def test_diff_versions_shows_method_and_early_access_changes_by_their_labels() -> None:
    sections = starting_sections()
    methods = {k: list(v) for k, v in DEFAULT_METHODS.items()}
    new_methods = {**methods, "publication": ["consensus"]}

    changes = diff_versions(
        sections, sections, methods, new_methods, ["lead", "researcher"], ["lead", "partner"]
    )

    by_title = {c.title: c for c in changes}
    assert [c.title for c in changes if c.changed] == [
        "Methods allowed for publication and authorship",
        "Who may see outputs before release",
    ]
    rules = by_title["Methods allowed for publication and authorship"].diff
    assert rules == [("same", "Consensus,"), ("removed", "Lead's authority")]
    access = by_title["Who may see outputs before release"].diff
    assert access == [("same", "Lead,"), ("removed", "Researcher,"), ("added", "Partner")]


def test_diff_versions_of_a_new_section_text_adds_it() -> None:
    sections = {**starting_sections(), "credit": ""}
    methods = {k: list(v) for k, v in DEFAULT_METHODS.items()}

    changes = diff_versions(
        sections,
        {**sections, "credit": "Everyone is credited."},
        methods,
        methods,
        DEFAULT_EARLY_ACCESS,
        DEFAULT_EARLY_ACCESS,
    )

    credit = next(c for c in changes if c.title == "Credit and authorship")
    assert credit.changed
    assert ("added", "Everyone is credited.") in credit.diff
