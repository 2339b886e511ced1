"""An organisation's equity figures: how many of the members who chose to be counted gave each
answer, with small groups hidden. Plain Python over plain answers, no ORM.

Each attribute (career stage, contract, gender) is one table over the same people, with "Not
answered" as a row of its own, so every table adds up to the same total. A count of fewer than
the threshold (but more than none) is hidden. When that leaves a single hidden count in a table,
the smallest shown count is hidden too, so that no hidden count can be found by taking the shown
ones from the total (primary and secondary cell suppression, as in the ONS and Eurostat
guidance on frequency tables). Under the threshold in all, nothing is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coproduce.accounts.models import CareerStage, Contract, Gender

NOT_ANSWERED = ""
ATTRIBUTES: tuple[tuple[str, str, Sequence[tuple[str, str]]], ...] = (
    ("career_stage", "Career stage", CareerStage.choices),
    ("contract", "Contract", Contract.choices),
    ("gender", "Gender", Gender.choices),
)


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: hidden


@dataclass(frozen=True)
class Table:
    attribute: str
    title: str
    cells: list[Cell]


@dataclass(frozen=True)
class EquityFigures:
    counted: int | None  # None: fewer than the threshold in all, so nothing is shown
    threshold: int
    tables: list[Table]


def equity_figures(answers: Iterable[dict[str, str]], *, threshold: int) -> EquityFigures:
    """The tables for the answers of the counted members (one dict of attribute: value each)."""
    people = list(answers)
    if len(people) < threshold:
        return EquityFigures(counted=None, threshold=threshold, tables=[])
    tables = []
    for attribute, title, choices in ATTRIBUTES:
        counts = Counter(person.get(attribute) or NOT_ANSWERED for person in people)
        labels = [*choices, (NOT_ANSWERED, "Not answered")]
        shown = suppress([counts.get(value, 0) for value, _ in labels], threshold=threshold)
        cells = [Cell(label, count) for (_, label), count in zip(labels, shown, strict=True)]
        tables.append(Table(attribute, title, cells))
    return EquityFigures(counted=len(people), threshold=threshold, tables=tables)


def suppress(counts: Sequence[int], *, threshold: int) -> list[int | None]:
    """The counts with the small ones hidden (None), and one more if only one was hidden."""
    hidden = {i for i, count in enumerate(counts) if 0 < count < threshold}
    if len(hidden) == 1:
        shown = [(count, i) for i, count in enumerate(counts) if i not in hidden and count > 0]
        if shown:
            hidden.add(min(shown)[1])
    return [None if i in hidden else count for i, count in enumerate(counts)]
