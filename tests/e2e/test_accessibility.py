"""axe-core finds no serious or critical problems on the main pages, and they reflow at 320px."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from coproduce.catalogue.models import Stage
from coproduce.planning.services import involvement_save
from coproduce.projects.models import Project
from tests.e2e.conftest import sign_in
from tests.factories import add_member, make_organisation, make_project, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING_IMPACTS = {"serious", "critical"}
# Room for sub-pixel rounding, not for a real overflow.
SCROLL_TOLERANCE_PX = 2


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            lines.append(f"      {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    violations = Axe().run(page).response["violations"]
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def planned_project() -> Project:
    """A project with a mixed team and a filled cell, so every grid style is on the page."""
    organisation = make_organisation("Northbridge University")
    lead = make_user("lena@example.org", name="Lena Lead", organisation=organisation)
    project = make_project(by=lead, organisation=organisation, title="Crisis care study")
    add_member(project, make_user(name="Pat Public", party="public"), "public_contributor", by=lead)
    involvement_save(
        by=lead,
        project=project,
        party="public",
        stage=Stage.objects.get(number=2),
        level="collaborate",
        purpose="Shape the research questions with us.",
    )
    return project


PAGES = {
    "sign-in": "/accounts/sign-in/",
    "project list": "/projects/",
    "project overview": "/projects/{pk}/",
    "involvement grid": "/projects/{pk}/involvement/",
    "emphasis appraisal": "/projects/{pk}/emphasis/",
    "members": "/projects/{pk}/members/",
    "contributions": "/projects/{pk}/contributions/",
    "about me (equity questions)": "/accounts/me/equity/",
    "framework catalogue": "/catalogue/",
}


@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(page: Page, page_name: str) -> None:
    # Arrange
    project = planned_project()
    paths = {name: path.format(pk=project.pk) for name, path in PAGES.items()}
    if page_name != "sign-in":
        sign_in(page, project.created_by)  # type: ignore[arg-type]
    page.goto(paths[page_name])

    # Act
    violations = blocking_violations(page)

    # Assert
    assert not violations, f"axe on the {page_name} page:\n{describe(violations)}"


def test_form_with_errors_has_no_serious_accessibility_violations(page: Page) -> None:
    project = planned_project()
    sign_in(page, project.created_by)  # type: ignore[arg-type]
    page.goto(f"/projects/{project.pk}/involvement/public/3/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()

    violations = blocking_violations(page)

    assert not violations, f"axe on a form with errors:\n{describe(violations)}"


@pytest.mark.parametrize("page_name", ["project overview", "involvement grid", "new project form"])
def test_page_reflows_at_320px_without_horizontal_scroll(narrow_page: Page, page_name: str) -> None:
    # Arrange
    project = planned_project()
    sign_in(narrow_page, project.created_by)  # type: ignore[arg-type]
    path = {
        "project overview": f"/projects/{project.pk}/",
        "involvement grid": f"/projects/{project.pk}/involvement/",
        "new project form": "/projects/new/",
    }[page_name]

    # Act
    narrow_page.goto(path)
    widths = narrow_page.evaluate(
        "({document: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )

    # Assert
    assert widths["viewport"] == 320
    assert widths["document"] <= 320 + SCROLL_TOLERANCE_PX, (
        f"The {page_name} is {widths['document']}px wide at a 320px viewport; widest elements: "
        + str(widest_elements(narrow_page))
    )


def widest_elements(page: Page) -> list[str]:
    """What sticks out past the viewport, so a reflow failure names its culprits."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .map(el => [el, Math.round(el.getBoundingClientRect().right)])
            .filter(([el, right]) => right > window.innerWidth)
            .slice(0, 10)
            .map(([el, right]) => `${el.tagName.toLowerCase()}.${el.className} right=${right}`)"""
    )
