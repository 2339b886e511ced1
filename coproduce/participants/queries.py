"""Reads for the participant register: the counts everyone in the project sees, and the lists
only data custodians see.

Disclosure control for the counts is the rule the burden figures use
(`costs.burden.suppressed_groups`): a group with fewer participants than the organisation's
disclosure threshold is not shown, an empty group of a fixed list (stages, statuses) is not
shown either, so that "not shown" never means "someone is there", and when the hidden groups
together hold between 1 and threshold - 1 people, the smallest shown group is hidden too, so
the total minus the shown groups reveals nothing below the threshold. When the whole register
is below the threshold, the total is not shown either. The three tables are shown together, so
they are also protected together (`costs.burden.protect`): a site minus a stage must not leave
a few participants either.

Sites are the team's own words, so a site whose count is hidden is not named either: such
sites are counted together in one row. That total is what subtracting the shown sites from the
total would give anyway, so it reveals nothing more.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from coproduce.catalogue.models import Stage
from coproduce.costs.burden import TOTAL, Cell, protect, suppressed_groups
from coproduce.participants.models import (
    Participant,
    ParticipantAccess,
    ParticipantStatus,
)
from coproduce.projects.models import Membership, Project

SMALLER_SITES = "Sites not shown, together"


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int | None  # None when suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class CountTable:
    """One way of dividing the register: its rows, and the hidden groups' total when it may be
    shown (the register's total is shown and some groups are hidden)."""

    code: str
    title: str
    rows: list[CountRow]
    hidden_total: int | None


@dataclass(frozen=True)
class ParticipantCounts:
    total: int | None  # None when the whole register is below the threshold
    threshold: int
    tables: list[CountTable]
    # An empty register says so rather than showing tables of hidden groups. That there are
    # no participants at all tells nothing about anyone.
    empty: bool = False

    @property
    def suppressed_any(self) -> bool:
        return self.total is None or any(
            row.suppressed for table in self.tables for row in table.rows
        )


def count_table(
    code: str,
    title: str,
    counts: Mapping[str, int],
    threshold: int,
    *,
    categories: Sequence[tuple[str, str]] = (),
    hide_small_labels: bool = False,
    also_hidden: frozenset[str] = frozenset(),
) -> CountTable:
    """The groups of one dimension with disclosure control applied. `categories` lists groups
    always shown (even empty), in order, with their labels; other groups follow by size. With
    `hide_small_labels` the hidden groups are left out and counted together in one row.
    `also_hidden`: groups hidden to protect the other tables shown with this one."""
    if threshold < 3:
        raise ValueError("The disclosure threshold is never below 3.")
    labels = dict(categories)
    groups = {**dict.fromkeys(labels, 0), **counts}
    hidden = suppressed_groups(groups, threshold) | also_hidden
    total = sum(groups.values())
    hidden_total = sum(groups[g] for g in hidden) if total >= threshold and hidden else None
    ordered = [*labels, *sorted(set(groups) - set(labels), key=lambda g: (-groups[g], g))]
    rows = [
        CountRow(labels.get(g, g), None if g in hidden else groups[g])
        for g in ordered
        if not (hide_small_labels and g in hidden)
    ]
    if hide_small_labels and hidden:
        rows.append(CountRow(SMALLER_SITES, hidden_total))
    return CountTable(code, title, rows, hidden_total)


def participant_counts(project: Project) -> ParticipantCounts:
    """Counts by site, stage and status. Two small queries, however many participants."""
    threshold = project.organisation.disclosure_threshold
    together = {
        (str(row["site"]), str(row["stage_id"]), str(row["status"])): row["n"]
        for row in Participant.objects.filter(project=project)
        .values("site", "stage_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    stages = [(str(s.pk), str(s)) for s in Stage.objects.all()]
    dimensions = [("site", ()), ("stage", stages), ("status", ParticipantStatus.choices)]
    by = [_counts(together, index) for index in range(len(dimensions))]
    total = sum(together.values())
    hidden = _linked_hidden(together, dimensions, by, threshold)
    by_site, by_stage, by_status = by
    return ParticipantCounts(
        total=total if total >= threshold else None,
        threshold=threshold,
        empty=total == 0,
        tables=[
            count_table(
                "site",
                "By site",
                by_site,
                threshold,
                hide_small_labels=True,
                also_hidden=hidden["site"],
            ),
            count_table(
                "stage",
                "By stage of the study",
                by_stage,
                threshold,
                categories=stages,
                also_hidden=hidden["stage"],
            ),
            count_table(
                "status",
                "By status",
                by_status,
                threshold,
                categories=ParticipantStatus.choices,
                also_hidden=hidden["status"],
            ),
        ],
    )


def _counts(together: Mapping[tuple[str, str, str], int], index: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, n in together.items():
        counts[key[index]] = counts.get(key[index], 0) + n
    return counts


def _linked_hidden(
    together: Mapping[tuple[str, str, str], int],
    dimensions: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    by: Sequence[Mapping[str, int]],
    threshold: int,
) -> dict[str, frozenset[str]]:
    """The groups each table hides so that no sum or difference of the counts on the page
    (the total included) isolates fewer than the threshold. The units are the participants
    alike in site, stage and status."""
    cells = []
    first = set()
    for index, (code, categories) in enumerate(dimensions):
        groups = {**dict.fromkeys(dict(categories), 0), **by[index]}
        first |= {(code, g) for g in suppressed_groups(groups, threshold)}
        for group in groups:
            units = frozenset(key for key in together if key[index] == group)
            cells.append(Cell((code, group), units))
    total = sum(together.values())
    cells.append(Cell(TOTAL, frozenset(together), hideable=False))
    if total < threshold:
        first.add(TOTAL)
    weights: dict[Hashable, int] = {key: n for key, n in together.items()}
    hidden = protect(cells, weights, threshold=threshold, hidden=first)
    return {code: frozenset(g for c, g in hidden if c == code) for code, _ in dimensions}


def register(project: Project) -> QuerySet[Participant]:
    """The project's participants, for data custodians, by code."""
    return Participant.objects.filter(project=project).select_related("stage", "created_by")


def access_log(project: Project) -> QuerySet[ParticipantAccess]:
    return ParticipantAccess.objects.filter(project=project)


def custodians(project: Project) -> QuerySet[Membership]:
    """The members who may see identifying details, for everyone else to know whom to ask."""
    return Membership.objects.filter(project=project, is_data_custodian=True).select_related(
        "person"
    )
