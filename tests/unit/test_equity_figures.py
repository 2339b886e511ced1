"""The organisation equity figures hide every small group, and never leave one hidden group
that the total and the shown counts would give away."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coproduce.accounts.equity import ATTRIBUTES, equity_figures

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
        shown = [cell.count for cell in table.cells if cell.count is not None]
        assert all(count >= threshold for count in shown)
        # Total minus what is shown is what the hidden cells hold together: none, or at least
        # the threshold.
        hidden_total = len(people) - sum(shown)
        assert hidden_total == 0 or hidden_total >= threshold


def test_a_small_group_takes_the_next_smallest_with_it() -> None:
    people = [{"career_stage": "early"}] * 7 + [{"career_stage": "mid"}] * 2
    people += [{"career_stage": "senior"}] * 9

    figures = equity_figures(people, threshold=5)

    career = {cell.label: cell.count for cell in figures.tables[0].cells}
    assert career == {
        "Doctoral": None,
        "Early career": None,
        "Mid career": None,
        "Senior": 9,
        "Prefer not to say": None,
        "Not answered": None,
    }


def test_fewer_people_than_the_threshold_show_nothing() -> None:
    people = [{"career_stage": "early", "contract": "casual", "gender": "man"}] * 4

    assert equity_figures(people, threshold=5).counted is None
