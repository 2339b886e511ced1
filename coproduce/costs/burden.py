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


@dataclass(slots=True)
class PersonLoad:
    """One person's totals in the analysis. Equity attributes are already masked: without
    consent they are NOT_DISCLOSED.

    Read-only by convention rather than frozen: an organisation's analysis makes tens of
    thousands of these, and a frozen dataclass takes more than twice as long to build."""

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

    total_hours: Decimal = field(init=False)

    def __post_init__(self) -> None:
        # Worked out once: an analysis reads it several times, for tens of thousands of people.
        self.total_hours = sum(self.hours.values(), Decimal(0))


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

    def people_by_hours(self) -> list[PersonLoad]:
        """Everyone, most hours first: for the named table a project's leads see."""
        return sorted(self.people, key=lambda p: (-p.total_hours, p.name, p.person_id))

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


@dataclass
class _Group:
    people: int = 0
    hours: Decimal = Decimal(0)
    unfunded_hours: Decimal = Decimal(0)
    money_borne: list[Totals] = field(default_factory=list)


def group_table(loads: Sequence[PersonLoad], dimension: Dimension, threshold: int) -> GroupTable:
    """The people divided into the dimension's groups, each with its figures or suppressed."""
    groups: dict[str, _Group] = {}
    key = dimension.key
    for load in loads:
        _add(groups.get(code := key(load)) or groups.setdefault(code, _Group()), load)
    return _table(groups, dimension, threshold)


def _add(group: _Group, load: PersonLoad) -> None:
    group.people += 1
    group.hours += load.total_hours
    group.unfunded_hours += load.unfunded_hours
    if load.money_borne:
        group.money_borne.append(load.money_borne)


def _merged(parts: Iterable[_Group]) -> _Group:
    whole = _Group()
    for part in parts:
        whole.people += part.people
        whole.hours += part.hours
        whole.unfunded_hours += part.unfunded_hours
        whole.money_borne += part.money_borne
    return whole


def _table(groups: Mapping[str, _Group], dimension: Dimension, threshold: int) -> GroupTable:
    labels = dict(dimension.categories)
    groups = {**{code: _Group() for code in labels}, **groups}
    total_people = sum(group.people for group in groups.values())
    total_hours = sum((group.hours for group in groups.values()), Decimal(0))
    hidden = suppressed_groups({code: g.people for code, g in groups.items()}, threshold)
    if dimension.sensitive and any(
        g.people == total_people > 0 for code, g in groups.items() if code not in hidden
    ):
        # One shown group holding everyone tells each person's answer to anyone who can see
        # who is in the team: hide the whole table.
        hidden = frozenset(groups)
    rows = []
    for code, group in groups.items():
        label = labels.get(code, code)
        if code in hidden:
            rows.append(GroupRow(code=code, label=label, suppressed=True))
            continue
        rows.append(
            GroupRow(
                code=code,
                label=label,
                suppressed=False,
                people=group.people,
                hours=group.hours,
                unfunded_hours=group.unfunded_hours,
                money_borne=add_totals(group.money_borne),
                hours_share=Fraction(group.hours) / Fraction(total_hours) if total_hours else None,
                people_share=Fraction(group.people, total_people) if total_people else None,
                ratio=burden_ratio(group.hours, group.people, total_hours, total_people),
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
            ("junior", "Doctoral and early-career people"),
            ("established", "Mid-career and senior people"),
            (NOT_DISCLOSED, "Not disclosed"),
        ),
        sensitive=True,
    ),
    Dimension(
        "contract",
        "Contract",
        key=lambda p: CONTRACT.get(p.contract, NOT_DISCLOSED),
        categories=(
            ("non_permanent", "People on fixed-term or casual contracts"),
            ("permanent", "People on permanent contracts"),
            ("unpaid", "People unpaid or not employed"),
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
    people = list(loads)
    # People with the same group in every dimension are added up once, then each dimension's
    # groups are made from these profiles: one pass over tens of thousands of people, not five.
    keys = [dimension.key for dimension in DIMENSIONS]
    profiles: dict[tuple[str, ...], _Group] = {}
    for load in people:
        profile = tuple(key(load) for key in keys)
        _add(profiles.get(profile) or profiles.setdefault(profile, _Group()), load)
    tables = []
    for index, dimension in enumerate(DIMENSIONS):
        by_group: dict[str, list[_Group]] = {}
        for profile, group in profiles.items():
            by_group.setdefault(profile[index], []).append(group)
        merged = {code: _merged(parts) for code, parts in by_group.items()}
        table = _table(merged, dimension, threshold)
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
