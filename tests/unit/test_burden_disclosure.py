"""Disclosure control across tables (coproduce/costs/burden.py): whatever one viewer sees
together, no sum or difference of the figures shown isolates a group smaller than the
threshold. No database: the pages' figures come from `analyse`, the function the views call.

The attacker is modelled independently of the module: each shown row is read back as the set
of people it is about (worked out here from the people's attributes, as anyone who knows the
team could), and every combination of shown figures with coefficients -1, 0 or 1 is tried by
brute force, with NumPy, over all of them when a page shows few enough cells and otherwise over
every combination of up to four cells plus or minus the total.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.accounts.equity import ATTRIBUTES, NOT_ANSWERED, EquityFigures, equity_figures
from coproduce.costs.burden import NOT_DISCLOSED, BurdenReport, PersonLoad, analyse
from tests.unit.test_burden import (
    DEFAULT_RATIO,
    EQUITY_GROUPS,
    UNDISCLOSED_VALUES,
    expected_group,
    hours_of,
)

FULL_SEARCH_CELLS = 9  # 3 ** 9 = 19,683 combinations: all of them
PARTIAL_SEARCH_TERMS = 4


@dataclass(frozen=True)
class Figure:
    """A figure one viewer sees: where, and the people it adds up."""

    page: str
    label: str
    people: frozenset[int]


def shown_figures(
    page: str, report: BurdenReport, loads: Sequence[PersonLoad], *, check: bool = True
) -> list[Figure]:
    """Every group figure on the page, read back as the people it covers. Also checks that
    the figure really is theirs, so that the attack below is a real one (`check`: the hours
    too, when `loads` carry the page's own hours)."""
    figures = []
    if report.totals_shown:
        figures.append(Figure(page, "everyone", frozenset(p.person_id for p in loads)))
    for table in report.tables:
        code = table.dimension.code
        for row in table.rows:
            if row.suppressed:
                continue
            people = [p for p in loads if expected_group(p, code) == row.code]
            assert row.people == len(people)
            assert row.hours == hours_of(people) or not check
            figures.append(
                Figure(page, f"{code}={row.code}", frozenset(p.person_id for p in people))
            )
    for warning in report.warnings:
        # A warning repeats a shown group's figures: it must be one of them.
        assert any(
            f.label.endswith("=" + code) and len(f.people) == warning.people
            for f in figures
            for code in _codes(report, warning.group)
        )
    return figures


def _codes(report: BurdenReport, label: str) -> list[str]:
    return [row.code for table in report.tables for row in table.rows if row.label == label]


def leaks(figures: Sequence[Figure], everyone: Sequence[int], threshold: int) -> list[str]:
    """Each combination of shown figures (coefficients -1, 0, 1) that adds up exactly a group
    of 1 to threshold - 1 people, other than everyone on one of the pages (a page's own
    totals are its team's, shown by design however small the team)."""
    teams = {f.people for f in figures if f.label == "everyone"} | {frozenset(everyone)}
    unique: dict[frozenset[int], Figure] = {}
    for figure in figures:
        unique.setdefault(figure.people, figure)
    cells = list(unique.values())
    if not cells:
        return []
    column = {person: i for i, person in enumerate(everyone)}
    matrix = np.zeros((len(cells), len(everyone)), dtype=np.int64)
    for i, cell in enumerate(cells):
        for person in cell.people:
            matrix[i, column[person]] = 1
    coefficients = np.array(list(_combinations(len(cells))), dtype=np.int64)
    results = coefficients @ matrix
    found = []
    for sign in (1, -1):
        clean = np.all((results == 0) | (results == sign), axis=1)
        size = np.count_nonzero(results, axis=1)
        bad = clean & (size > 0) & (size < threshold) & (size < len(everyone))
        for index in np.flatnonzero(bad):
            if frozenset(everyone[j] for j in np.flatnonzero(results[index])) in teams:
                continue
            terms = [
                f"{'+' if c > 0 else '-'}{cells[j].page}:{cells[j].label}"
                for j, c in enumerate(coefficients[index])
                if c
            ]
            found.append(f"{' '.join(terms)} = {size[index]} people")
            if len(found) >= 3:
                return found
    return found


def _combinations(count: int) -> list[tuple[int, ...]]:
    if count <= FULL_SEARCH_CELLS:
        return list(itertools.product((-1, 0, 1), repeat=count))
    combinations = set()
    for terms in range(1, PARTIAL_SEARCH_TERMS + 1):
        for chosen in itertools.combinations(range(count), terms):
            for signs in itertools.product((-1, 1), repeat=terms):
                vector = [0] * count
                for j, s in zip(chosen, signs, strict=True):
                    vector[j] = s
                combinations.add(tuple(vector))
    return sorted(combinations)


# A team: few parties and organisations, attributes drawn so that groups overlap a lot.
people_specs = st.builds(
    PersonLoad,
    person_id=st.just(0),
    name=st.just(""),
    party=st.sampled_from(["researcher", "knowledge_broker", "public", "practitioner"]),
    organisation=st.sampled_from(["", "Northbridge", "Riverside"]),
    career_stage=st.sampled_from([*EQUITY_GROUPS["career_stage"], UNDISCLOSED_VALUES[0]]),
    contract=st.sampled_from([*EQUITY_GROUPS["contract"], UNDISCLOSED_VALUES[0]]),
    gender=st.sampled_from([*EQUITY_GROUPS["gender"], UNDISCLOSED_VALUES[0]]),
    hours=st.fixed_dictionaries(
        {"attendance": st.integers(0, 5000).map(lambda n: Decimal(n).scaleb(-1))}
    ),
)


def numbered(specs: list[PersonLoad]) -> list[PersonLoad]:
    return [replace(s, person_id=i + 1, name=f"Person {i + 1:03d}") for i, s in enumerate(specs)]


teams = st.lists(people_specs, min_size=1, max_size=30).map(numbered)
thresholds = st.integers(min_value=3, max_value=6)


@settings(max_examples=150, deadline=None)
@given(loads=teams, threshold=thresholds)
def test_project_page_no_combination_isolates_a_small_group(
    loads: list[PersonLoad], threshold: int
) -> None:
    report = analyse(loads, threshold=threshold, warning_ratio=DEFAULT_RATIO)

    figures = shown_figures("project", report, loads)

    assert leaks(figures, [p.person_id for p in loads], threshold) == []


@st.composite
def organisations(draw: st.DrawFn) -> list[PersonLoad]:
    """People in one to three projects of one organisation, some in two."""
    loads = draw(st.lists(people_specs, min_size=1, max_size=30).map(numbered))
    projects = draw(st.integers(min_value=1, max_value=3))
    in_projects = st.sets(st.integers(1, projects), min_size=1, max_size=2)
    return [replace(load, projects=frozenset(draw(in_projects))) for load in loads]


@settings(max_examples=100, deadline=None)
@given(loads=organisations(), threshold=thresholds)
def test_organisation_page_beside_each_project_page_isolates_no_small_group(
    loads: list[PersonLoad], threshold: int
) -> None:
    organisation = analyse(loads, threshold=threshold, warning_ratio=DEFAULT_RATIO, linked=True)
    org_figures = shown_figures("organisation", organisation, loads)
    everyone = [p.person_id for p in loads]

    for project in sorted({n for load in loads for n in load.projects}):
        team = [load for load in loads if project in load.projects]
        page = analyse(team, threshold=threshold, warning_ratio=DEFAULT_RATIO)
        # The project page counts the same people with the same figures here: the attacker's
        # best case, where each of them works only on this project.
        figures = org_figures + shown_figures(f"project {project}", page, team)

        assert leaks(figures, everyone, threshold) == [], f"project {project}"


def test_crisis_care_shape_hides_the_one_knowledge_broker() -> None:
    """The demo's leak in miniature: 7 researchers and 1 knowledge broker at Northbridge among
    others, so Northbridge minus Researcher would be the broker alone."""
    loads = numbered(
        [
            *[PersonLoad(0, "", "researcher", "Northbridge", hours={"attendance": Decimal(69)})]
            * 7,
            PersonLoad(0, "", "knowledge_broker", "Northbridge", hours={"attendance": Decimal(35)}),
            *[PersonLoad(0, "", "public", "", hours={"attendance": Decimal(12)})] * 6,
            *[PersonLoad(0, "", "practitioner", "Riverside", hours={"attendance": Decimal(20)})]
            * 5,
        ]
    )

    report = analyse(loads, threshold=5, warning_ratio=DEFAULT_RATIO)

    figures = shown_figures("project", report, loads)
    assert leaks(figures, [p.person_id for p in loads], 5) == []
    assert any(not row.suppressed for table in report.tables for row in table.rows)


@settings(max_examples=100, deadline=None)
@given(
    loads=teams,
    threshold=thresholds,
    hours=st.lists(st.integers(0, 5000), min_size=30, max_size=30),
)
def test_what_is_hidden_depends_only_on_who_is_in_which_group(
    loads: list[PersonLoad], threshold: int, hours: list[int]
) -> None:
    other = [
        replace(load, hours={"attendance": Decimal(h).scaleb(-1)})
        for load, h in zip(loads, hours, strict=False)
    ]

    def pattern(people: list[PersonLoad]) -> list[tuple[str, str, bool]]:
        report = analyse(people, threshold=threshold, warning_ratio=DEFAULT_RATIO)
        return [(t.dimension.code, r.code, r.suppressed) for t in report.tables for r in t.rows]

    assert pattern(loads) == pattern(other)


def test_organisation_group_minus_a_one_person_project_is_not_shown() -> None:
    """Found by the property test: with the organisation's totals hidden, "junior" (5) minus
    the page of a project whose one member is junior left 4 people."""
    careers = ["doctoral"] * 4 + ["mid", "doctoral", "mid", "mid", "mid", "mid"]
    projects = [1, 1, 1, 1, 1, 3, 1, 1, 1, 2]
    loads = numbered(
        [
            PersonLoad(0, "", "researcher", "", career, "fixed_term", "woman", projects={n})
            for career, n in zip(careers, projects, strict=True)
        ]
    )
    organisation = analyse(loads, threshold=5, warning_ratio=DEFAULT_RATIO, linked=True)
    org_figures = shown_figures("organisation", organisation, loads)

    for project in (1, 2, 3):
        team = [load for load in loads if project in load.projects]
        page = analyse(team, threshold=5, warning_ratio=DEFAULT_RATIO)
        figures = org_figures + shown_figures(f"project {project}", page, team)

        assert leaks(figures, [p.person_id for p in loads], 5) == [], f"project {project}"


def _masked(load: PersonLoad) -> PersonLoad:
    return replace(load, career_stage=NOT_DISCLOSED, contract=NOT_DISCLOSED, gender=NOT_DISCLOSED)


@settings(max_examples=100, deadline=None)
@given(
    loads=organisations(),
    threshold=thresholds,
    choices=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=30, max_size=30),
)
def test_organisation_page_counting_by_its_own_consent_beside_project_pages_isolates_nothing(
    loads: list[PersonLoad], threshold: int, choices: list[tuple[bool, bool]]
) -> None:
    """The organisation's page shows the equity answers of those who chose to be counted by
    it, a project's page those of people who gave general consent: one person may be "not
    disclosed" on one page and early career on the other, and the two pages seen together
    still give no small group away."""
    on_projects = [
        load if general else _masked(load)
        for load, (general, _) in zip(loads, choices, strict=False)
    ]
    on_organisation = [
        replace(
            load if counted else _masked(load),
            project_answers=(seen.career_stage, seen.contract, seen.gender),
        )
        for load, seen, (_, counted) in zip(loads, on_projects, choices, strict=False)
    ]
    organisation = analyse(
        on_organisation, threshold=threshold, warning_ratio=DEFAULT_RATIO, linked=True
    )
    org_figures = shown_figures("organisation", organisation, on_organisation)
    everyone = [p.person_id for p in loads]

    for project in sorted({n for load in loads for n in load.projects}):
        team = [load for load in on_projects if project in load.projects]
        page = analyse(team, threshold=threshold, warning_ratio=DEFAULT_RATIO)
        figures = org_figures + shown_figures(f"project {project}", page, team)

        assert leaks(figures, everyone, threshold) == [], f"project {project}"


def test_one_uncounted_member_is_not_left_by_the_organisation_page_beside_a_project_page() -> None:
    """Found by the property test: twelve doctoral researchers on one project, none with general
    consent, four at Northbridge, three of them counted by the organisation. The organisation
    page's "not disclosed" (nine) minus everyone (twelve) plus the project page's Northbridge
    (four) is the fourth Northbridge researcher alone, unless the audit knows that the project
    page groups people by their general consent."""
    counted = {4, 6, 11}
    northbridge = {4, 6, 11, 12}
    loads = numbered(
        [
            PersonLoad(
                0,
                "",
                "researcher",
                "Northbridge" if n in northbridge else "",
                "doctoral",
                "fixed_term",
                "woman",
                projects=frozenset({1}),
            )
            for n in range(1, 13)
        ]
    )
    on_projects = [_masked(load) for load in loads]
    on_organisation = [
        replace(
            load if load.person_id in counted else _masked(load),
            project_answers=(NOT_DISCLOSED, NOT_DISCLOSED, NOT_DISCLOSED),
        )
        for load in loads
    ]

    organisation = analyse(on_organisation, threshold=3, warning_ratio=DEFAULT_RATIO, linked=True)
    page = analyse(on_projects, threshold=3, warning_ratio=DEFAULT_RATIO)

    figures = shown_figures("organisation", organisation, on_organisation) + shown_figures(
        "project 1", page, on_projects
    )
    assert leaks(figures, [p.person_id for p in loads], 3) == []


# The organisation equity page: one table per attribute over the same counted members, and the
# number counted. The officer who reads it is modelled like the burden page's viewer: each
# shown count is read back as the set of members who gave that answer.
equity_answers = st.fixed_dictionaries(
    {
        attribute: st.sampled_from([NOT_ANSWERED, *(value for value, _ in choices)])
        for attribute, _, choices in ATTRIBUTES
    }
)


def equity_page_figures(figures: EquityFigures, answers: Sequence[dict[str, str]]) -> list[Figure]:
    """Every count the equity page shows, as the members it covers (checked against them)."""
    if figures.counted is None:
        return []
    shown = [Figure("equity", "everyone", frozenset(range(len(answers))))]
    for table, (attribute, _, choices) in zip(figures.tables, ATTRIBUTES, strict=True):
        values = [*(value for value, _ in choices), NOT_ANSWERED]
        for cell, value in zip(table.cells, values, strict=True):
            if cell.count is None:
                continue
            people = frozenset(i for i, a in enumerate(answers) if a[attribute] == value)
            assert cell.count == len(people)
            shown.append(Figure("equity", f"{attribute}={value}", people))
    return shown


@settings(max_examples=150, deadline=None)
@given(answers=st.lists(equity_answers, max_size=30), threshold=thresholds)
def test_equity_page_no_combination_across_its_tables_isolates_a_small_group(
    answers: list[dict[str, str]], threshold: int
) -> None:
    figures = equity_figures(answers, threshold=threshold)

    shown = equity_page_figures(figures, answers)

    assert leaks(shown, list(range(len(answers))), threshold) == []


def test_equity_page_career_table_against_the_contract_table_hides_the_difference() -> None:
    """Six early-career members, five of them casual and the sixth permanent, among others:
    per table every shown count is at least 5, but early career minus casual is one person."""
    answers = [
        *[{"career_stage": "early", "contract": "casual", "gender": ""}] * 5,
        {"career_stage": "early", "contract": "permanent", "gender": ""},
        *[{"career_stage": "senior", "contract": "permanent", "gender": ""}] * 5,
    ]

    figures = equity_figures(answers, threshold=5)

    shown = equity_page_figures(figures, answers)
    assert leaks(shown, list(range(len(answers))), 5) == []
    assert any(figure.label != "everyone" for figure in shown)
