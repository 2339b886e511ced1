"""The emphasis rule (coproduce/planning/emphasis.py), tested as plain Python: no database."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.planning.emphasis import (
    MIN_SCORED,
    Appraisal,
    CriterionScore,
    Recommendation,
    appraise,
)

ORDER = {Recommendation.LESS: 0, Recommendation.BALANCED: 1, Recommendation.MORE: 2}
MIRROR = {
    Recommendation.LESS: Recommendation.MORE,
    Recommendation.BALANCED: Recommendation.BALANCED,
    Recommendation.MORE: Recommendation.LESS,
}

valid_score = st.integers(min_value=-2, max_value=2)
score_lists = st.lists(valid_score, min_size=1, max_size=21)


def criteria(*scores: int) -> list[CriterionScore]:
    """One criterion per score, with codes c00, c01, ... so ties break in a known order."""
    return [
        CriterionScore(code=f"c{i:02d}", name=f"Criterion {i}", score=score)
        for i, score in enumerate(scores)
    ]


def codes(items: tuple[CriterionScore, ...]) -> list[str]:
    return [item.code for item in items]


def expected_recommendation(scores: list[int]) -> Recommendation:
    """The documented rule, worked out independently with exact fractions."""
    mean = Fraction(sum(scores), len(scores))
    if mean <= Fraction(-1, 2):
        return Recommendation.LESS
    if mean >= Fraction(1, 2):
        return Recommendation.MORE
    return Recommendation.BALANCED


# Thresholds


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((1, 0), Recommendation.MORE),  # mean exactly +0.5
        ((2, 0, 0, 0), Recommendation.MORE),  # mean exactly +0.5
        ((1, 0, 0), Recommendation.BALANCED),  # mean 0.33, just below
        ((2, 0, 0, 0, 0), Recommendation.BALANCED),  # mean 0.4, just below
        ((-1, 0), Recommendation.LESS),  # mean exactly -0.5
        ((-2, 0, 0, 0), Recommendation.LESS),  # mean exactly -0.5
        ((-1, 0, 0), Recommendation.BALANCED),  # mean -0.33, just above
        ((-2, 0, 0, 0, 0), Recommendation.BALANCED),  # mean -0.4, just above
        ((0, 0, 0, 0), Recommendation.BALANCED),
        ((2, 2, 2, 2), Recommendation.MORE),
        ((-2, -2, -2, -2), Recommendation.LESS),
    ],
)
def test_appraise_thresholds_at_half_point(
    scores: tuple[int, ...], expected: Recommendation
) -> None:
    # Arrange
    items = criteria(*scores)

    # Act
    appraisal = appraise(items)

    # Assert
    assert appraisal.recommendation is expected
    assert appraisal.balance == Decimal(sum(scores)) / Decimal(len(scores))


def test_appraise_balance_exactly_half_is_more() -> None:
    appraisal = appraise(criteria(2, 1, 0, -1))

    assert appraisal.balance == Decimal("0.5")
    assert appraisal.recommendation is Recommendation.MORE


# Provisional and empty


@pytest.mark.parametrize(("count", "provisional"), [(1, True), (3, True), (4, False), (7, False)])
def test_appraise_provisional_below_four_scored(count: int, provisional: bool) -> None:
    appraisal = appraise(criteria(*([1] * count)))

    assert MIN_SCORED == 4
    assert appraisal.scored == count
    assert appraisal.total == 7
    assert appraisal.provisional is provisional


def test_appraise_empty_input_has_no_recommendation() -> None:
    appraisal = appraise([])

    assert appraisal == Appraisal(
        recommendation=None,
        balance=None,
        scored=0,
        total=7,
        provisional=True,
        reasons=(),
        cautions=(),
    )


def test_appraise_total_is_passed_through() -> None:
    appraisal = appraise(criteria(1, 1, 1, 1), total=9)

    assert appraisal.total == 9
    assert appraisal.scored == 4


# Validation


@pytest.mark.parametrize("bad", [3, -3, 10, -100])
def test_appraise_out_of_range_score_raises_value_error(bad: int) -> None:
    items = [*criteria(1, 1, 1), CriterionScore(code="bad", name="Bad", score=bad)]

    with pytest.raises(ValueError, match="bad"):
        appraise(items)


@given(bad=st.integers().filter(lambda n: n < -2 or n > 2), good=st.lists(valid_score))
def test_appraise_any_out_of_range_score_raises_value_error(bad: int, good: list[int]) -> None:
    items = [*criteria(*good), CriterionScore(code="bad", name="Bad", score=bad)]

    with pytest.raises(ValueError):
        appraise(items)


# Reasons and cautions


def test_appraise_reasons_strongest_first_and_only_towards_more() -> None:
    # Arrange: mean (2 + 1 + 1 + 0 - 1) / 5 = 0.6
    items = [
        CriterionScore("urgency", "Urgency", 1),
        CriterionScore("controversy", "Controversy", 2),
        CriterionScore("funder", "Funder", 0),
        CriterionScore("conflicts", "Conflicts", 1),
        CriterionScore("programme", "Programme", -1),
    ]

    # Act
    appraisal = appraise(items)

    # Assert
    assert appraisal.recommendation is Recommendation.MORE
    assert codes(appraisal.reasons) == ["controversy", "conflicts", "urgency"]
    assert appraisal.cautions == ()


def test_appraise_reasons_strongest_first_and_only_towards_less() -> None:
    items = [
        CriterionScore("a", "A", -1),
        CriterionScore("b", "B", -2),
        CriterionScore("c", "C", 1),
        CriterionScore("d", "D", -2),
        CriterionScore("e", "E", 0),
    ]

    appraisal = appraise(items)

    assert appraisal.recommendation is Recommendation.LESS
    assert codes(appraisal.reasons) == ["b", "d", "a"]
    assert appraisal.cautions == ()


def test_appraise_balanced_reasons_are_strongest_on_each_side() -> None:
    # Arrange: mean 0, with the strongest on each side not first in the input.
    items = [
        CriterionScore("a", "A", -1),
        CriterionScore("b", "B", 1),
        CriterionScore("c", "C", 2),
        CriterionScore("d", "D", -2),
        CriterionScore("e", "E", 0),
    ]

    # Act
    appraisal = appraise(items)

    # Assert
    assert appraisal.recommendation is Recommendation.BALANCED
    assert sorted(codes(appraisal.reasons)) == ["c", "d"]
    assert appraisal.cautions == ()


def test_appraise_balanced_with_one_side_only_gives_one_reason() -> None:
    appraisal = appraise(criteria(1, 0, 0, 0))

    assert appraisal.recommendation is Recommendation.BALANCED
    assert codes(appraisal.reasons) == ["c00"]


def test_appraise_all_neutral_has_no_reasons() -> None:
    appraisal = appraise(criteria(0, 0, 0, 0))

    assert appraisal.recommendation is Recommendation.BALANCED
    assert appraisal.reasons == ()
    assert appraisal.cautions == ()


def test_appraise_cautions_are_full_strength_scores_against_more() -> None:
    # Arrange: mean (2 + 2 + 2 - 2 - 1) / 5 = 0.6
    items = [
        CriterionScore("a", "A", 2),
        CriterionScore("b", "B", -2),
        CriterionScore("c", "C", 2),
        CriterionScore("d", "D", -1),
        CriterionScore("e", "E", 2),
    ]

    # Act
    appraisal = appraise(items)

    # Assert
    assert appraisal.recommendation is Recommendation.MORE
    assert codes(appraisal.reasons) == ["a", "c", "e"]
    assert codes(appraisal.cautions) == ["b"]


def test_appraise_cautions_are_full_strength_scores_against_less() -> None:
    items = criteria(-2, -2, -2, 2, 1)

    appraisal = appraise(items)

    assert appraisal.recommendation is Recommendation.LESS
    assert codes(appraisal.cautions) == ["c03"]
    assert codes(appraisal.reasons) == ["c00", "c01", "c02"]


# Properties


@given(scores=score_lists)
def test_appraise_matches_rule_computed_with_fractions(scores: list[int]) -> None:
    appraisal = appraise(criteria(*scores))

    assert appraisal.recommendation is expected_recommendation(scores)
    assert appraisal.balance is not None
    assert abs(Fraction(appraisal.balance) - Fraction(sum(scores), len(scores))) < Fraction(
        1, 10**20
    )
    assert appraisal.provisional is (len(scores) < MIN_SCORED)


@given(scores=score_lists)
def test_appraise_balance_always_within_scale(scores: list[int]) -> None:
    appraisal = appraise(criteria(*scores))

    assert appraisal.balance is not None
    assert Decimal(-2) <= appraisal.balance <= Decimal(2)


@given(scores=score_lists)
def test_appraise_negating_every_score_mirrors_recommendation(scores: list[int]) -> None:
    # Arrange
    original = appraise(criteria(*scores))

    # Act
    mirrored = appraise(criteria(*(-s for s in scores)))

    # Assert
    assert original.recommendation is not None
    assert mirrored.recommendation is MIRROR[original.recommendation]
    assert mirrored.balance == -original.balance  # type: ignore[operator]
    assert set(codes(mirrored.reasons)) == set(codes(original.reasons))
    assert codes(mirrored.cautions) == codes(original.cautions)


@given(scores=score_lists, data=st.data())
def test_appraise_raising_one_score_never_moves_towards_less(
    scores: list[int], data: st.DataObject
) -> None:
    # Arrange
    index = data.draw(st.integers(min_value=0, max_value=len(scores) - 1))
    raised_to = data.draw(st.integers(min_value=scores[index], max_value=2))
    raised = [*scores]
    raised[index] = raised_to

    # Act
    before = appraise(criteria(*scores))
    after = appraise(criteria(*raised))

    # Assert
    assert before.recommendation is not None and after.recommendation is not None
    assert ORDER[after.recommendation] >= ORDER[before.recommendation]
    assert after.balance >= before.balance  # type: ignore[operator]


@given(scores=score_lists, data=st.data())
def test_appraise_is_invariant_under_permutation(scores: list[int], data: st.DataObject) -> None:
    # Arrange
    items = criteria(*scores)
    shuffled = data.draw(st.permutations(items))

    # Act
    original = appraise(items)
    permuted = appraise(list(shuffled))

    # Assert: the same criteria in another order give the very same appraisal.
    assert permuted == original


@given(scores=score_lists, data=st.data())
def test_appraise_recommendation_depends_only_on_multiset_of_scores(
    scores: list[int], data: st.DataObject
) -> None:
    # Arrange: the same scores, reordered and attached to other criteria.
    reordered = data.draw(st.permutations(scores))

    # Act
    original = appraise(criteria(*scores))
    other = appraise(criteria(*reordered))

    # Assert
    assert other.recommendation is original.recommendation
    assert other.balance == original.balance
    assert sorted(s.score for s in other.reasons) == sorted(s.score for s in original.reasons)
    assert sorted(s.score for s in other.cautions) == sorted(s.score for s in original.cautions)


@given(scores=score_lists)
def test_appraise_every_reason_has_sign_of_recommendation(scores: list[int]) -> None:
    appraisal = appraise(criteria(*scores))

    if appraisal.recommendation is Recommendation.MORE:
        assert appraisal.reasons
        assert all(reason.score > 0 for reason in appraisal.reasons)
    elif appraisal.recommendation is Recommendation.LESS:
        assert appraisal.reasons
        assert all(reason.score < 0 for reason in appraisal.reasons)
    else:
        negatives = [r.score for r in appraisal.reasons if r.score < 0]
        positives = [r.score for r in appraisal.reasons if r.score > 0]
        assert len(negatives) == (1 if min(scores) < 0 else 0)
        assert len(positives) == (1 if max(scores) > 0 else 0)
        assert len(appraisal.reasons) == len(negatives) + len(positives)
        assert negatives in ([], [min(scores)])
        assert positives in ([], [max(scores)])


@given(scores=score_lists)
def test_appraise_reasons_are_every_supporting_score_strongest_first(scores: list[int]) -> None:
    # "Strongest first" orders the reasons for less or more; a balanced result gives one
    # reason per side instead (covered above), so it is left out here.
    appraisal = appraise(criteria(*scores))

    if appraisal.recommendation is not Recommendation.BALANCED:
        sign = 1 if appraisal.recommendation is Recommendation.MORE else -1
        strengths = [abs(reason.score) for reason in appraisal.reasons]
        assert strengths == sorted(strengths, reverse=True)
        assert sorted(codes(appraisal.reasons)) == sorted(
            item.code for item in criteria(*scores) if item.score * sign > 0
        )


@given(scores=score_lists)
def test_appraise_cautions_are_exactly_full_strength_scores_against(scores: list[int]) -> None:
    appraisal = appraise(criteria(*scores))

    if appraisal.recommendation is Recommendation.BALANCED:
        assert appraisal.cautions == ()
    else:
        against = -2 if appraisal.recommendation is Recommendation.MORE else 2
        assert [c.score for c in appraisal.cautions] == [s for s in scores if s == against]
        assert not set(codes(appraisal.cautions)) & set(codes(appraisal.reasons))
