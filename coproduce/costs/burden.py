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
- **Linked tables**: a viewer sees every table of a page at once (and the organisation's page
  beside each of its projects' pages), so hiding table by table is not enough: one shown group
  minus another may leave a small one. `protect()` checks every table shown together and hides
  more groups until no combination of shown figures isolates a group of 1 to threshold - 1
  people. Method and sources in docs/costs.md, "Disclosure control across tables".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
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
    # The projects whose burden pages count this person: the organisation's page is protected
    # against each of them, since one viewer may see both.
    projects: frozenset[int] = frozenset()
    # The equity attributes (career stage, contract, gender) as those projects' pages show
    # them, when they differ from this page's: the organisation's page uses the person's
    # choice to be counted by the organisation, a project's page their general consent.
    project_answers: tuple[str, str, str] | None = None

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
    # False when the page's "everyone" figures would give a small group away beside another
    # page the same viewer sees (an organisation hardly larger than one of its projects).
    totals_shown: bool = True

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


CellKey = tuple[str, str]
# The page's "everyone" figures: a cell like the others, holding everyone on the page.
TOTAL: CellKey = ("", "everyone")
# The most combinations of small groups one search tries before it stops and hides more.
SEARCH_LIMIT = 4096


@dataclass(frozen=True)
class Cell:
    """One figure a page shows about a group: the units it adds up (a unit is a set of people
    alike in every table shown together, so no figure on the page tells them apart), whether
    it may be hidden, and how late to hide it: `rank` orders the choice before size (the
    groups of the open dimensions first, then the equity groups, the groups the burden
    warnings are about last)."""

    key: CellKey
    units: frozenset[Hashable]
    hideable: bool = True
    rank: int = 0


def protect(
    cells: Sequence[Cell],
    weights: Mapping[Hashable, int],
    *,
    threshold: int,
    hidden: Collection[CellKey] = (),
    teams: Collection[frozenset[Hashable]] = (),
) -> frozenset[CellKey]:
    """Linked secondary suppression over every cell shown together.

    `weights` gives each unit's number of people. While some combination of the shown cells'
    figures (any sum and difference, indeed any rational combination) adds up exactly a group
    of 1 to threshold - 1 people other than a whole team (everyone, and each of `teams`: the
    people of another page shown beside, whose totals that page shows by design), one more
    cell is hidden: the smallest
    hideable cell the combination uses, in the order of the cells' `rank`. The choice depends only
    on who is in which cell, never on hours or money, so the pattern of hidden cells says
    nothing about the values. Returns every hidden key, `hidden` included."""
    hidden_keys = set(hidden)
    order = {cell.key: index for index, cell in enumerate(cells)}

    def size(cell: Cell) -> int:
        return sum(weights.get(unit, 0) for unit in cell.units)

    while True:
        shown = [cell for cell in cells if cell.key not in hidden_keys]
        found = small_group(shown, weights, threshold=threshold, teams=teams)
        if found is None:
            return frozenset(hidden_keys)
        group, involved = found
        candidates = [cell for cell in involved if cell.hideable] or [
            cell for cell in shown if cell.hideable and cell.units & group
        ]
        if not candidates:
            # Only fixed cells (the page's totals) are involved: nothing left to hide.
            return frozenset(hidden_keys)
        victim = min(candidates, key=lambda cell: (cell.rank, size(cell), order[cell.key]))
        hidden_keys.add(victim.key)


def small_group(
    shown: Sequence[Cell],
    weights: Mapping[Hashable, int],
    *,
    threshold: int,
    teams: Collection[frozenset[Hashable]] = (),
) -> tuple[frozenset[Hashable], list[Cell]] | None:
    """A group of 1 to threshold - 1 people (not everyone) whose figures some combination of
    the shown cells adds up exactly, with the cells that combination uses; None if there is
    none. When the search would take more than SEARCH_LIMIT tries, the smallest class still to
    try is reported instead, so that more is hidden rather than a combination missed."""
    audit = _Audit(shown, weights, teams)
    try:
        for rows, people, everyone in audit.sets(below=threshold):
            if people > 0 and not everyone:
                return audit.group(rows), audit.involved(rows)
    except _SearchExhausted as exhausted:
        return audit.group(exhausted.rows), audit.involved(exhausted.rows)
    return None


def derivable_groups(
    shown: Sequence[Cell], weights: Mapping[Hashable, int], *, below: int
) -> list[frozenset[Hashable]] | None:
    """Every set of units, of fewer than `below` people, whose figures some combination of the
    shown cells adds up exactly (everyone aside); None if there are too many to list."""
    audit = _Audit(shown, weights)
    try:
        return [
            audit.group(rows)
            for rows, people, everyone in audit.sets(below=below)
            if people and not everyone
        ]
    except _SearchExhausted:
        return None


class _SearchExhausted(Exception):
    def __init__(self, rows: list[int]) -> None:
        self.rows = rows


class _Audit:
    """The shown cells as a matrix over classes of units, in reduced row echelon form.

    Exact linear algebra over the rationals: units in the same shown cells form one class (no
    figure tells them apart); a set S of classes is given away when its indicator vector lies
    in the row space of the cells-by-classes matrix. In reduced row echelon form that holds
    when the rows whose pivots lie in S add up to S's indicator. So the sets of fewer than N
    people given away are found by adding up the rows whose pivot class has fewer than N
    people, in sets whose pivot classes hold fewer than N together."""

    def __init__(
        self,
        shown: Sequence[Cell],
        weights: Mapping[Hashable, int],
        teams: Collection[frozenset[Hashable]] = (),
    ) -> None:
        present = frozenset(unit for unit, n in weights.items() if n > 0)
        self.teams = {team & present for team in teams} | {present}
        signatures: dict[Hashable, list[int]] = {}
        for index, cell in enumerate(shown):
            for unit in cell.units:
                if weights.get(unit, 0) > 0:
                    signatures.setdefault(unit, []).append(index)
        classes: dict[tuple[int, ...], list[Hashable]] = {}
        for unit, signature in signatures.items():
            classes.setdefault(tuple(signature), []).append(unit)
        weight = {sig: sum(weights[unit] for unit in units) for sig, units in classes.items()}
        # Large classes first, so that they take the pivots and few small classes do.
        self.columns = sorted(classes, key=lambda sig: (-weight[sig], sig))
        self.classes = classes
        self.weight = [weight[sig] for sig in self.columns]
        self.shown = shown
        self.rows, self.transform, self.pivots = _echelon(
            [
                {column: Fraction(1) for column, sig in enumerate(self.columns) if index in sig}
                for index in range(len(shown))
            ]
        )

    def sets(self, *, below: int) -> Iterator[tuple[list[int], int, bool]]:
        """Each set of rows whose sum is a set's indicator, with that set's number of people
        and whether it is a whole team."""
        small = [r for r, pivot in enumerate(self.pivots) if self.weight[pivot] < below]
        tried = 0
        chosen: list[int] = []

        def search(start: int, people: int) -> Iterator[tuple[list[int], int, bool]]:
            nonlocal tried
            for position in range(start, len(small)):
                row = small[position]
                total = people + self.weight[self.pivots[row]]
                if total >= below:
                    continue
                chosen.append(row)
                tried += 1
                if tried > SEARCH_LIMIT:
                    raise _SearchExhausted(chosen[-1:])
                sums = _added(self.rows[r] for r in chosen)
                if all(value == 1 for value in sums.values()):
                    people_in = sum(self.weight[c] for c in sums)
                    if people_in < below:
                        yield list(chosen), people_in, self.group(chosen) in self.teams
                yield from search(position + 1, total)
                chosen.pop()

        yield from search(0, 0)

    def group(self, rows: Sequence[int]) -> frozenset[Hashable]:
        members = [c for c, value in _added(self.rows[r] for r in rows).items() if value == 1]
        return frozenset(unit for c in members for unit in self.classes[self.columns[c]])

    def involved(self, rows: Sequence[int]) -> list[Cell]:
        coefficients = _added(self.transform[r] for r in rows)
        return [self.shown[j] for j in sorted(coefficients)]


def _added(parts: Iterable[dict[int, Fraction]]) -> dict[int, Fraction]:
    total: dict[int, Fraction] = {}
    for part in parts:
        for column, value in part.items():
            total[column] = total.get(column, Fraction(0)) + value
    return {column: value for column, value in total.items() if value}


def _echelon(
    matrix: list[dict[int, Fraction]],
) -> tuple[list[dict[int, Fraction]], list[dict[int, Fraction]], list[int]]:
    """Reduced row echelon form of `matrix` (sparse rows: column to nonzero value), exactly:
    its nonzero rows, for each the combination of the original rows that makes it, and each
    row's pivot column."""
    rows = [dict(row) for row in matrix]
    transform = [{i: Fraction(1)} for i in range(len(rows))]
    done_rows: list[dict[int, Fraction]] = []
    done_transform: list[dict[int, Fraction]] = []
    pivots: list[int] = []
    remaining = list(range(len(rows)))
    width = 1 + max((max(row) for row in rows if row), default=-1)
    for column in range(width):
        pivot = next((r for r in remaining if column in rows[r]), None)
        if pivot is None:
            continue
        remaining.remove(pivot)
        scale = rows[pivot][column]
        row = {c: v / scale for c, v in rows[pivot].items()}
        combination = {c: v / scale for c, v in transform[pivot].items()}
        for targets, combos in ((rows, transform), (done_rows, done_transform)):
            indices = remaining if targets is rows else range(len(done_rows))
            for other in indices:
                factor = targets[other].get(column)
                if factor:
                    targets[other] = _minus(targets[other], factor, row)
                    combos[other] = _minus(combos[other], factor, combination)
        done_rows.append(row)
        done_transform.append(combination)
        pivots.append(column)
    return done_rows, done_transform, pivots


def _minus(
    target: dict[int, Fraction], factor: Fraction, row: dict[int, Fraction]
) -> dict[int, Fraction]:
    result = dict(target)
    for column, value in row.items():
        updated = result.get(column, Fraction(0)) - factor * value
        if updated:
            result[column] = updated
        else:
            result.pop(column, None)
    return result


@dataclass
class _Group:
    people: int = 0
    hours: Decimal = Decimal(0)
    unfunded_hours: Decimal = Decimal(0)
    money_borne: list[Totals] = field(default_factory=list)


def group_table(loads: Sequence[PersonLoad], dimension: Dimension, threshold: int) -> GroupTable:
    """The people divided into the dimension's groups, each with its figures or suppressed.
    One table alone: `analyse` protects the tables of a page together."""
    groups: dict[str, _Group] = {}
    key = dimension.key
    for load in loads:
        _add(groups.get(code := key(load)) or groups.setdefault(code, _Group()), load)
    groups = _with_categories(groups, dimension)
    return _table(groups, dimension, _table_hidden(groups, dimension, threshold), threshold)


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


def _with_categories(groups: Mapping[str, _Group], dimension: Dimension) -> dict[str, _Group]:
    return {**{code: _Group() for code, _ in dimension.categories}, **groups}


def _table_hidden(
    groups: Mapping[str, _Group], dimension: Dimension, threshold: int
) -> frozenset[str]:
    """The groups one table hides by itself: the small ones, the secondary ones that keep
    the total from giving them away, and a whole sensitive table whose one shown group holds
    everyone."""
    total_people = sum(group.people for group in groups.values())
    hidden = suppressed_groups({code: g.people for code, g in groups.items()}, threshold)
    if dimension.sensitive and any(
        g.people == total_people > 0 for code, g in groups.items() if code not in hidden
    ):
        # One shown group holding everyone tells each person's answer to anyone who can see
        # who is in the team: hide the whole table.
        hidden = frozenset(groups)
    return hidden


def _table(
    groups: Mapping[str, _Group], dimension: Dimension, hidden: Collection[str], threshold: int
) -> GroupTable:
    labels = dict(dimension.categories)
    total_people = sum(group.people for group in groups.values())
    total_hours = sum((group.hours for group in groups.values()), Decimal(0))
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


Profile = tuple[str, ...]


def page_cells(counts: Mapping[Profile, int]) -> list[Cell]:
    """The cells of one burden page over people counted by profile (their group in every
    dimension): one per group of every table, listed categories included, then the total."""
    cells = []
    for index, dimension in enumerate(DIMENSIONS):
        members: dict[str, set[Hashable]] = {code: set() for code, _ in dimension.categories}
        for profile in counts:
            members.setdefault(profile[index], set()).add(profile)
        for code, units in members.items():
            rank = 2 if (dimension.code, code) in WATCHED else int(dimension.sensitive)
            cells.append(Cell((dimension.code, code), frozenset(units), rank=rank))
    cells.append(Cell(TOTAL, frozenset(counts), hideable=False))
    return cells


def page_hidden(counts: Mapping[Profile, int], *, threshold: int) -> frozenset[CellKey]:
    """Every cell a burden page over these people hides: each table's own rule, then linked
    suppression across the tables. Depends only on who is in which group."""
    first: set[CellKey] = set()
    for index, dimension in enumerate(DIMENSIONS):
        people: dict[str, int] = {}
        for profile, count in counts.items():
            people[profile[index]] = people.get(profile[index], 0) + count
        groups = _with_categories({code: _Group(people=n) for code, n in people.items()}, dimension)
        first |= {(dimension.code, code) for code in _table_hidden(groups, dimension, threshold)}
    weights: dict[Hashable, int] = {profile: n for profile, n in counts.items()}
    return protect(page_cells(counts), weights, threshold=threshold, hidden=first)


def protect_against_projects(
    counts: Mapping[Profile, int],
    projects: Mapping[int, Mapping[tuple[Profile, Profile], int]],
    hidden: frozenset[CellKey],
    *,
    threshold: int,
) -> frozenset[CellKey]:
    """The organisation's hidden cells, with more hidden so that no project's page beside the
    organisation's gives a small group away. A person is one unit inside the project and the
    organisation's figures treat them as the same unit outside it, which assumes that their
    figures on the organisation's page are the project's (the worst case for the people who
    work only on that project).

    Most projects need no joint check. Grant the viewer more than the project page shows, every
    one of its people's own figures: then what they learn beyond the organisation page alone
    is, for each set S the organisation page gives away, the people of S outside the project.
    The organisation page keeps every such S at the threshold or more, so a project needs the
    joint check only when it holds enough of some S (listed once, for sets of fewer than the
    threshold plus the project's size) to leave 1 to threshold - 1 outside, when it leaves 1
    to threshold - 1 of the organisation's people outside it, or when it holds the whole of a
    class of people the organisation page cannot tell apart (the argument needs each class to
    keep someone outside).

    `projects` counts each project's people by their profile here and on the project's page
    (which may disclose equity answers this page does not): the joint units are the people
    inside alike in both, and those outside alike here. The screen counts them by their
    profile here, since granting each person's own figures covers any grouping of them."""
    org_cells = page_cells(counts)
    everyone = sum(counts.values())
    largest = max((sum(inside.values()) for inside in projects.values()), default=0)
    screen = _Screen(org_cells, hidden, counts, below=threshold + largest)
    for project_id in sorted(projects):
        pairs = projects[project_id]
        inside: dict[Profile, int] = {}
        on_page: dict[Profile, int] = {}
        for (here, there), count in pairs.items():
            inside[here] = inside.get(here, 0) + count
            on_page[there] = on_page.get(there, 0) + count
        if not screen.can_matter(inside, everyone, threshold):
            continue
        joint_weights: dict[Hashable, int] = {("in", *pair): n for pair, n in pairs.items()}
        for profile, count in counts.items():
            joint_weights[("out", profile)] = count - inside.get(profile, 0)
        joint = [
            Cell(
                cell.key,
                frozenset(
                    [("out", p) for p in cell.units]
                    + [("in", *pair) for pair in pairs if pair[0] in cell.units]
                ),
                # The organisation's total is hidden only when nothing else will do.
                rank=3 if cell.key == TOTAL else cell.rank,
            )
            for cell in org_cells
        ]
        project_hidden = page_hidden(on_page, threshold=threshold)
        prefix = f"project {project_id}:"
        fixed = set(hidden)
        for cell in page_cells(on_page):
            key = (prefix + cell.key[0], cell.key[1])
            units = frozenset(("in", *pair) for pair in pairs if pair[1] in cell.units)
            joint.append(Cell(key, units, hideable=False))
            if cell.key in project_hidden:
                fixed.add(key)
        team = frozenset(("in", *pair) for pair in pairs)
        protected = protect(joint, joint_weights, threshold=threshold, hidden=fixed, teams=[team])
        protected = frozenset(key for key in protected if not key[0].startswith(prefix))
        if protected != hidden:
            hidden = protected
            screen = _Screen(org_cells, hidden, counts, below=threshold + largest)
    return hidden


class _Screen:
    """What the organisation page alone gives away, kept to tell quickly which projects can
    add to it (see protect_against_projects)."""

    def __init__(
        self,
        cells: Sequence[Cell],
        hidden: Collection[CellKey],
        counts: Mapping[Profile, int],
        *,
        below: int,
    ) -> None:
        shown = [cell for cell in cells if cell.key not in hidden]
        self.signature = {
            profile: tuple(i for i, cell in enumerate(shown) if profile in cell.units)
            for profile in counts
        }
        self.class_weight: dict[tuple[int, ...], int] = {}
        for profile, count in counts.items():
            sig = self.signature[profile]
            self.class_weight[sig] = self.class_weight.get(sig, 0) + count
        weights: dict[Hashable, int] = {profile: n for profile, n in counts.items()}
        groups = derivable_groups(shown, weights, below=below)
        # None: too many to list, so every project is checked in full.
        self.groups: list[tuple[frozenset[Hashable], int]] | None = None
        self.by_profile: dict[Hashable, list[int]] = {}
        if groups is not None:
            self.groups = [(group, sum(weights[unit] for unit in group)) for group in groups]
            for index, group in enumerate(groups):
                for unit in group:
                    self.by_profile.setdefault(unit, []).append(index)

    def can_matter(self, inside: Mapping[Profile, int], everyone: int, threshold: int) -> bool:
        outside = everyone - sum(inside.values())
        if 0 < outside < threshold or self.groups is None:
            return True
        class_inside: dict[tuple[int, ...], int] = {}
        for profile, count in inside.items():
            if count:
                sig = self.signature[profile]
                class_inside[sig] = class_inside.get(sig, 0) + count
        if any(self.class_weight[sig] == n for sig, n in class_inside.items()):
            return True
        held: dict[Hashable, int] = {profile: n for profile, n in inside.items()}
        touched = {i for unit in held for i in self.by_profile.get(unit, ())}
        for index in touched:
            group, people = self.groups[index]
            left = people - sum(held.get(unit, 0) for unit in group)
            if 0 < left < threshold:
                return True
        return False


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
    linked: bool = False,
) -> BurdenReport:
    """Every group table, and a warning for each watched group shown with a burden ratio at or
    above `warning_ratio`. `labels` names the codes of the open dimensions (party,
    organisation). The tables are protected together (`protect`); with `linked`, also against
    the page of each project in the people's `projects` (the organisation's page)."""
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
    counts = {profile: group.people for profile, group in profiles.items()}
    hidden = page_hidden(counts, threshold=threshold)
    if linked:
        hidden = protect_against_projects(
            counts, _counts_by_project(people, keys), hidden, threshold=threshold
        )
    tables = []
    for index, dimension in enumerate(DIMENSIONS):
        by_group: dict[str, list[_Group]] = {}
        for profile, group in profiles.items():
            by_group.setdefault(profile[index], []).append(group)
        merged = _with_categories(
            {code: _merged(parts) for code, parts in by_group.items()}, dimension
        )
        table_hidden = {code for code in merged if (dimension.code, code) in hidden}
        table = _table(merged, dimension, table_hidden, threshold)
        names = (labels or {}).get(dimension.code, {})
        if names:
            rows = [_relabel(row, names) for row in table.rows]
            table = GroupTable(dimension, rows, table.people, table.hours, threshold)
        tables.append(table)
    if TOTAL in hidden:
        # Shares and ratios would give the hidden totals back.
        tables = [
            replace(
                table,
                rows=[
                    replace(row, hours_share=None, people_share=None, ratio=None)
                    for row in table.rows
                ],
            )
            for table in tables
        ]
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
        totals_shown=TOTAL not in hidden,
    )


def _counts_by_project(
    people: Iterable[PersonLoad], keys: Sequence[Callable[[PersonLoad], str]]
) -> dict[int, dict[tuple[Profile, Profile], int]]:
    """For each project, its people counted by their profile on this page and on the
    project's own page."""
    counts: dict[int, dict[tuple[Profile, Profile], int]] = {}
    for load in people:
        if load.projects:
            profile = tuple(key(load) for key in keys)
            seen = load
            if load.project_answers is not None:
                career_stage, contract, gender = load.project_answers
                seen = replace(load, career_stage=career_stage, contract=contract, gender=gender)
            pair = (profile, tuple(key(seen) for key in keys))
            for project in load.projects:
                inside = counts.setdefault(project, {})
                inside[pair] = inside.get(pair, 0) + 1
    return counts


def _relabel(row: GroupRow, names: Mapping[str, str]) -> GroupRow:
    return replace(row, label=names.get(row.code, row.label))
