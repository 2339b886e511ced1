"""The organisation equity figures hide every small group, and never leave one hidden group
that the total and the shown counts would give away."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coproduce.accounts.equity import ATTRIBUTES, equity_figures, suppress

answers = st.fixed_dictionaries(
    {
        attribute: st.sampled_from(["", *(value for value, _ in choices)])
        for attribute, _, choices in ATTRIBUTES
    }
)


@given(st.lists(answers, max_size=40), st.integers(min_value=3, max_value=10))
def test_no_shown_count_is_small_and_no_hidden_count_can_be_worked_out(
    people: list[dict[str, str]], threshold: int
) -> None:
    figures = equity_figures(people, threshold=threshold)

    if len(people) < threshold:
        assert figures.counted is None and figures.tables == []
        return
    assert figures.counted == len(people)
    for table in figures.tables:
        counts = [cell.count for cell in table.cells]
        shown = [count for count in counts if count is not None]
        assert all(count == 0 or count >= threshold for count in shown)
        hidden = counts.count(None)
        # Total minus what is shown gives only the sum of the hidden counts: with two or more
        # hidden, no single one of them.
        assert hidden != 1
        assert sum(shown) <= len(people)


def test_a_single_small_group_takes_the_next_smallest_with_it() -> None:
    assert suppress([7, 2, 0, 9], threshold=5) == [None, None, 0, 9]


def test_two_small_groups_hide_nothing_else() -> None:
    assert suppress([7, 2, 3, 9], threshold=5) == [7, None, None, 9]


def test_fewer_people_than_the_threshold_show_nothing() -> None:
    people = [{"career_stage": "early", "contract": "casual", "gender": "man"}] * 4

    assert equity_figures(people, threshold=5).counted is None
