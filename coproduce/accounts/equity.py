"""An organisation's equity figures: how many of the members who chose to be counted gave each
answer, with small groups hidden. Plain Python over plain answers, no ORM.

Each attribute (career stage, contract, gender) is one table over the same people, with "Not
answered" as a row of its own, so every table adds up to the same total. Cells are hidden by
the same rule as the burden figures (`costs.burden.suppressed_groups`): every group below the
organisation's disclosure threshold, empty ones included (so that hiding does not itself show
that someone is there), then the smallest shown groups until the hidden ones together hold no
one or at least the threshold, so that the total minus the shown cells reveals nothing below
it. Under the threshold in all, nothing is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coproduce.accounts.models import CareerStage, Contract, Gender
from coproduce.costs.burden import suppressed_groups

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
        counted = Counter(person.get(attribute) or NOT_ANSWERED for person in people)
        labels = [*choices, (NOT_ANSWERED, "Not answered")]
        counts = {value: counted.get(value, 0) for value, _ in labels}
        hidden = suppressed_groups(counts, threshold)
        cells = [Cell(label, None if value in hidden else counts[value]) for value, label in labels]
        tables.append(Table(attribute, title, cells))
    return EquityFigures(counted=len(people), threshold=threshold, tables=tables)
