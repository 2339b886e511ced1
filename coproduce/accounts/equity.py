"""An organisation's equity figures: how many of the members who chose to be counted gave each
answer, with small groups hidden. Plain Python over plain answers, no ORM.

Each attribute (career stage, contract, gender) is one table over the same people, with "Not
answered" as a row of its own, so every table adds up to the same total. Each table first hides
by the same rule as the burden figures (`costs.burden.suppressed_groups`): every group below the
organisation's disclosure threshold, empty ones included (so that hiding does not itself show
that someone is there), then the smallest shown groups until the hidden ones together hold no
one or at least the threshold. Under the threshold in all, nothing is shown.

Table by table is not enough: the tables count the same people, so one table's group minus
another's can leave a few (six early-career members minus five casual ones, when the officer
knows from staff records who is casual). The tables are then protected together by the burden
pages' linked suppression (`costs.burden.protect`), the members alike in all three answers
being its units: more groups are hidden until no combination of the shown counts and the total
adds up fewer than the threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from coproduce.accounts.models import CareerStage, Contract, Gender
from coproduce.costs import burden
from coproduce.costs.burden import TOTAL, protect, suppressed_groups

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
    profiles = Counter(
        tuple(person.get(attribute) or NOT_ANSWERED for attribute, _, _ in ATTRIBUTES)
        for person in people
    )
    hidden = _hidden(profiles, threshold)
    tables = []
    for index, (attribute, title, choices) in enumerate(ATTRIBUTES):
        counted = Counter[str]()
        for profile, n in profiles.items():
            counted[profile[index]] += n
        labels = [*choices, (NOT_ANSWERED, "Not answered")]
        cells = [
            Cell(label, None if (attribute, value) in hidden else counted.get(value, 0))
            for value, label in labels
        ]
        tables.append(Table(attribute, title, cells))
    return EquityFigures(counted=len(people), threshold=threshold, tables=tables)


Profile = tuple[str, ...]


def _hidden(profiles: Counter[Profile], threshold: int) -> frozenset[tuple[str, str]]:
    """Each table's own hidden groups, then more so that no combination of the counts shown
    across the tables (the number counted included) isolates fewer than the threshold."""
    cells = []
    first: set[tuple[str, str]] = set()
    for index, (attribute, _, choices) in enumerate(ATTRIBUTES):
        values = [*(value for value, _ in choices), NOT_ANSWERED]
        counts = {value: 0 for value in values}
        for profile, n in profiles.items():
            counts[profile[index]] = counts.get(profile[index], 0) + n
        first |= {(attribute, value) for value in suppressed_groups(counts, threshold)}
        for value in counts:
            units = frozenset(p for p in profiles if p[index] == value)
            cells.append(burden.Cell((attribute, value), units))
    cells.append(burden.Cell(TOTAL, frozenset(profiles), hideable=False))
    weights: dict[Hashable, int] = {profile: n for profile, n in profiles.items()}
    return protect(cells, weights, threshold=threshold, hidden=first)
