"""Burden: who carries the work of co-production. Plain calculations over per-person totals.

Definitions (also on the burden page and in docs/burden.md):

- A group's **hours share** is its co-production hours divided by everyone's hours; its
  **people share** is its number of people divided by everyone in the analysis (the team,
  including people who logged no hours). The **burden ratio** is hours share / people share:
  1 means the group carries exactly its share, 2 means twice its share.
- Weighted by people share, the ratios of a complete partition average to exactly 1, which is
  why the calculation uses exact fractions and rounds only for display.
- Equity attributes count only for people who consented to their aggregate use; everyone else,
  and everyone who preferred not to say, is "not disclosed".
- **Disclosure control**: a group with fewer people than the threshold is suppressed (shown as
  "fewer than N"), including an empty group of a listed category, so that suppression itself
  does not reveal that someone is there. If the suppressed groups together hold between 1 and
  threshold - 1 people, subtracting the shown groups from the total would reveal them, so the
  smallest shown group is suppressed too, until they hold none or at least the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from coproduce.costs.money import Totals, add_totals

NOT_DISCLOSED = "not_disclosed"
HOUR_KINDS = ("attendance", "preparation", "administration", "follow_up")


@dataclass(frozen=True)
class PersonLoad:
    """One person's totals in the analysis. Equity attributes are already masked: without
    consent they are NOT_DISCLOSED."""

    person_id: int
    name: str
    party: str
    organisation: str
    career_stage: str = NOT_DISCLOSED
    contract: str = NOT_DISCLOSED
    gender: str = NOT_DISCLOSED
    hours: Mapping[str, Decimal] = field(default_factory=dict)
    unfunded_hours: Decimal = Decimal(0)
    time_value: Totals = field(default_factory=dict)
    money_borne: Totals = field(default_factory=dict)

    @property
    def total_hours(self) -> Decimal:
        return sum((self.hours.get(kind, Decimal(0)) for kind in HOUR_KINDS), Decimal(0))


@dataclass(frozen=True)
class Dimension:
    """A way of dividing people into groups: `key` maps a person to a group code; `categories`
    lists the groups always shown (even when empty), in order, with their labels."""

    code: str
    label: str
    key: Callable[[PersonLoad], str]
    categories: Sequence[tuple[str, str]] = ()
    sensitive: bool = False


@dataclass(frozen=True)
class GroupRow:
    code: str
    label: str
    suppressed: bool
    people: int | None = None
    hours: Decimal | None = None
    unfunded_hours: Decimal | None = None
    money_borne: Totals | None = None
    hours_share: Fraction | None = None
    people_share: Fraction | None = None
    ratio: Fraction | None = None

    @property
    def unfunded_share(self) -> Fraction | None:
        if self.hours is None or self.unfunded_hours is None or not self.hours:
            return None
        return Fraction(self.unfunded_hours) / Fraction(self.hours)


@dataclass(frozen=True)
class GroupTable:
    dimension: Dimension
    rows: list[GroupRow]
    people: int
    hours: Decimal
    threshold: int

    @property
    def suppressed(self) -> int:
        return sum(row.suppressed for row in self.rows)


@dataclass(frozen=True)
class BurdenWarning:
    dimension: str
    group: str
    ratio: Fraction
    hours_share: Fraction
    people_share: Fraction
    people: int
    hours: Decimal


@dataclass(frozen=True)
class BurdenReport:
    people: list[PersonLoad]
    tables: list[GroupTable]
    warnings: list[BurdenWarning]
    threshold: int
    warning_ratio: Decimal

    @property
    def total_hours(self) -> Decimal:
        return sum((p.total_hours for p in self.people), Decimal(0))

    @property
    def unfunded_hours(self) -> Decimal:
        return sum((p.unfunded_hours for p in self.people), Decimal(0))

    def hours_by_kind(self) -> dict[str, Decimal]:
        return {
            kind: sum((p.hours.get(kind, Decimal(0)) for p in self.people), Decimal(0))
            for kind in HOUR_KINDS
        }


def burden_ratio(
    group_hours: Decimal, group_people: int, total_hours: Decimal, total_people: int
) -> Fraction | None:
    """(group hours / all hours) / (group people / all people); None when undefined."""
    if not total_hours or not group_people or not total_people:
        return None
    return (Fraction(group_hours) / Fraction(total_hours)) / Fraction(group_people, total_people)


def suppressed_groups(people: Mapping[str, int], threshold: int) -> frozenset[str]:
    """The groups to hide: every group below the threshold, then (secondary suppression) the
    smallest shown groups until the hidden groups together hold no one or at least the
    threshold, so that the total minus the shown groups reveals nothing below it."""
    hidden = {code for code, count in people.items() if count < threshold}
    while 0 < sum(people[code] for code in hidden) < threshold:
        shown = [code for code in people if code not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda code: (people[code], code)))
    return frozenset(hidden)


def group_table(loads: Sequence[PersonLoad], dimension: Dimension, threshold: int) -> GroupTable:
    labels = dict(dimension.categories)
    members: dict[str, list[PersonLoad]] = {code: [] for code in labels}
    for load in loads:
        members.setdefault(dimension.key(load), []).append(load)
    total_people = len(loads)
    total_hours = sum((load.total_hours for load in loads), Decimal(0))
    hidden = suppressed_groups({code: len(group) for code, group in members.items()}, threshold)
    rows = []
    for code, group in members.items():
        label = labels.get(code, code)
        if code in hidden:
            rows.append(GroupRow(code=code, label=label, suppressed=True))
            continue
        hours = sum((load.total_hours for load in group), Decimal(0))
        rows.append(
            GroupRow(
                code=code,
                label=label,
                suppressed=False,
                people=len(group),
                hours=hours,
                unfunded_hours=sum((load.unfunded_hours for load in group), Decimal(0)),
                money_borne=add_totals(load.money_borne for load in group),
                hours_share=Fraction(hours) / Fraction(total_hours) if total_hours else None,
                people_share=Fraction(len(group), total_people) if total_people else None,
                ratio=burden_ratio(hours, len(group), total_hours, total_people),
            )
        )
    return GroupTable(
        dimension=dimension,
        rows=rows,
        people=total_people,
        hours=total_hours,
        threshold=threshold,
    )


# The groups the warnings are about are reported whole (doctoral with early career, and so on),
# so that a warning's figures never let anyone subtract their way to a suppressed group.
CAREER = {"doctoral": "junior", "early": "junior", "mid": "established", "senior": "established"}
CONTRACT = {
    "fixed_term": "non_permanent",
    "casual": "non_permanent",
    "permanent": "permanent",
    "unpaid": "unpaid",
}
GENDER = {"woman": "women_non_binary", "non_binary": "women_non_binary", "man": "men"}

DIMENSIONS = (
    Dimension("party", "Kind of party", key=lambda p: p.party),
    Dimension("organisation", "Organisation", key=lambda p: p.organisation or "none"),
    Dimension(
        "career_stage",
        "Career stage",
        key=lambda p: CAREER.get(p.career_stage, NOT_DISCLOSED),
        categories=(
            ("junior", "Doctoral and early career"),
            ("established", "Mid career and senior"),
            (NOT_DISCLOSED, "Not disclosed"),
        ),
        sensitive=True,
    ),
    Dimension(
        "contract",
        "Contract",
        key=lambda p: CONTRACT.get(p.contract, NOT_DISCLOSED),
        categories=(
            ("non_permanent", "Fixed term or casual"),
            ("permanent", "Permanent or tenured"),
            ("unpaid", "Unpaid or not employed"),
            (NOT_DISCLOSED, "Not disclosed"),
        ),
        sensitive=True,
    ),
    Dimension(
        "gender",
        "Gender",
        key=lambda p: GENDER.get(p.gender, NOT_DISCLOSED),
        categories=(
            ("women_non_binary", "Women and non-binary people"),
            ("men", "Men"),
            (NOT_DISCLOSED, "Described another way, or not disclosed"),
        ),
        sensitive=True,
    ),
)

# (dimension, group) pairs that carry the paper's concern: junior, untenured and female staff.
WATCHED = (
    ("career_stage", "junior"),
    ("contract", "non_permanent"),
    ("gender", "women_non_binary"),
)


def analyse(
    loads: Iterable[PersonLoad],
    *,
    threshold: int,
    warning_ratio: Decimal,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> BurdenReport:
    """Every group table, and a warning for each watched group shown with a burden ratio at or
    above `warning_ratio`. `labels` names the codes of the open dimensions (party,
    organisation)."""
    if threshold < 3:
        raise ValueError("The disclosure threshold is never below 3.")
    people = sorted(loads, key=lambda p: (-p.total_hours, p.name, p.person_id))
    tables = []
    for dimension in DIMENSIONS:
        table = group_table(people, dimension, threshold)
        names = (labels or {}).get(dimension.code, {})
        if names:
            rows = [_relabel(row, names) for row in table.rows]
            table = GroupTable(dimension, rows, table.people, table.hours, threshold)
        tables.append(table)
    warnings = [
        BurdenWarning(
            dimension=table.dimension.label,
            group=row.label,
            ratio=row.ratio,
            hours_share=row.hours_share or Fraction(0),
            people_share=row.people_share or Fraction(0),
            people=row.people or 0,
            hours=row.hours or Decimal(0),
        )
        for table in tables
        for row in table.rows
        if (table.dimension.code, row.code) in WATCHED
        and row.ratio is not None
        and row.ratio >= Fraction(warning_ratio)
    ]
    return BurdenReport(
        people=people,
        tables=tables,
        warnings=warnings,
        threshold=threshold,
        warning_ratio=warning_ratio,
    )


def _relabel(row: GroupRow, names: Mapping[str, str]) -> GroupRow:
    return replace(row, label=names.get(row.code, row.label))
