"""A project lead's journey through coproduce in a real browser, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from coproduce.accounts.models import Person
from coproduce.catalogue.models import Stage
from coproduce.planning.models import EmphasisRating, Involvement
from coproduce.projects.models import Membership, Project
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, make_organisation, make_project, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fill_cell_in_place(
    page: Page, *, party: str, party_label: str, stage: int, level: str, purpose: str
) -> Locator:
    cell = page.locator(f"#cell-{party}-{stage}")
    cell.get_by_role(
        "link", name=re.compile(rf"^Add {re.escape(party_label)} at stage {stage},")
    ).click()
    form = cell.locator("form.cell-form")
    expect(form).to_be_visible()
    form.get_by_role("radio", name=re.compile(rf"^{level}:")).check()
    form.get_by_label("Purpose").fill(purpose)
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    return cell


def score(page: Page, criterion: str, label: str) -> None:
    page.get_by_role("group", name=criterion, exact=True).get_by_label(label, exact=True).check()


def test_lead_plans_a_project_from_sign_in_to_recommendation(page: Page) -> None:
    # Arrange
    organisation = make_organisation("Northbridge University")
    lead = make_user("lena@example.org", name="Lena Lead", organisation=organisation)
    make_user(
        "priya@example.org",
        name="Priya Practitioner",
        party="practitioner",
        organisation=organisation,
    )

    # Act: sign in and start a project
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    page.get_by_role("link", name="Start a new project").click()
    page.get_by_label("Title").fill("Crisis care study")
    page.get_by_label("Organisation").select_option(label="Northbridge University")
    page.get_by_label("Current stage").select_option(label="2. Framing research questions")
    page.get_by_role("button", name="Create project").click()

    # Assert: the lead lands on the new project's overview
    expect(page.get_by_text("Project created. You are its lead.")).to_be_visible()
    project = Project.objects.get(title="Crisis care study")
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/$"))
    assert project.organisation == organisation and project.current_stage.number == 2

    # Act: add someone new, then an existing colleague
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Members").click()
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Their name", exact=True).fill("Pat Public")
    page.get_by_label("They take part as").select_option(label="Public contributor or patient")
    page.get_by_label("Project role").select_option(label="Public contributor")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Pat Public added to the project.")).to_be_visible()
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Choose a person").select_option(label="Priya Practitioner")
    page.get_by_label("Project role").select_option(label="Partner")
    page.get_by_role("button", name="Add member").click()

    # Assert: both appear on the Members page with their roles
    expect(page.get_by_text("Priya Practitioner added to the project.")).to_be_visible()
    members = page.get_by_role("table", name="Project members and their roles")
    expect(members.get_by_role("row", name=re.compile("Pat Public"))).to_contain_text(
        "Public contributor"
    )
    expect(members.get_by_role("row", name=re.compile("Priya Practitioner"))).to_contain_text(
        "Partner"
    )
    roles = dict(Membership.objects.filter(project=project).values_list("person__name", "role"))
    assert roles == {
        "Lena Lead": "lead",
        "Pat Public": "public_contributor",
        "Priya Practitioner": "partner",
    }
    assert Person.objects.get(name="Pat Public").party == "public"

    # Act: fill two cells of the involvement grid in place
    page.get_by_role("link", name="2. Who is involved when").click()
    grid_url = page.url
    page.evaluate("window.__sameDocument = true")
    public_cell = fill_cell_in_place(
        page,
        party="public",
        party_label="Public contributor or patient",
        stage=2,
        level="Collaborate",
        purpose="Shape the research questions with us.",
    )
    practitioner_cell = fill_cell_in_place(
        page,
        party="practitioner",
        party_label="Practitioner",
        stage=3,
        level="Consult",
        purpose="Advise on access to services.",
    )

    # Assert: both cells show their level, and the page never reloaded
    expect(public_cell).to_contain_text("Collaborate")
    expect(public_cell).to_contain_text("Shape the research questions with us.")
    expect(public_cell.get_by_role("link", name=re.compile("^Change "))).to_be_visible()
    expect(practitioner_cell).to_contain_text("Consult")
    assert page.url == grid_url
    assert page.evaluate("window.__sameDocument") is True
    levels = {
        (i.party, i.stage.number): i.level for i in Involvement.objects.filter(project=project)
    }
    assert levels == {("public", 2): "collaborate", ("practitioner", 3): "consult"}

    # Act: score four criteria of the emphasis appraisal; their mean is (2 + 1 + 1 + 0) / 4 = 1
    page.get_by_role("link", name="How much to co-produce").click()
    score(page, "Controversy", "Strongly favours more co-production")
    score(page, "Conflicts of interest", "Favours more co-production")
    score(page, "Need to act on the results", "Favours more co-production")
    score(page, "What the funder values", "Neither")
    page.get_by_role("button", name="Save scores").click()

    # Assert: a mean of 1 (at least +0.5) from four criteria is a firm "more"
    expect(page.get_by_text("Scores saved. The recommendation is up to date.")).to_be_visible()
    verdict = page.locator(".recommendation__verdict")
    expect(verdict).to_have_text("Put more emphasis on co-production")
    expect(page.get_by_text("Balance of scores: 1.00")).to_contain_text("from 4 of 7 criteria")
    expect(
        page.get_by_role("group", name="Controversy", exact=True).get_by_label(
            "Strongly favours more co-production", exact=True
        )
    ).to_be_checked()
    assert EmphasisRating.objects.filter(project=project).count() == 4


def test_lead_rescores_the_appraisal_towards_less_and_balanced(page: Page) -> None:
    # Arrange
    organisation = make_organisation()
    lead = make_user(organisation=organisation)
    project = make_project(by=lead, organisation=organisation)
    sign_in(page, lead)
    page.goto(f"/projects/{project.pk}/emphasis/")

    # Act: mean (-2 - 1 - 1 + 0) / 4 = -1
    score(page, "Controversy", "Strongly favours less co-production")
    score(page, "Conflicts of interest", "Favours less co-production")
    score(page, "Need to act on the results", "Favours less co-production")
    score(page, "What the funder values", "Neither")
    page.get_by_role("button", name="Save scores").click()

    # Assert
    expect(page.locator(".recommendation__verdict")).to_have_text(
        "Put less emphasis on co-production"
    )

    # Act: mean (-2 + 1 + 1 + 0) / 4 = 0
    score(page, "Conflicts of interest", "Favours more co-production")
    score(page, "Need to act on the results", "Favours more co-production")
    page.get_by_role("button", name="Save scores").click()

    # Assert
    expect(page.locator(".recommendation__verdict")).to_have_text("Take a balanced approach")
    expect(page.get_by_text("Balance of scores: 0.00")).to_be_visible()


def test_involvement_cell_saves_without_javascript(page_without_javascript: Page) -> None:
    # Arrange
    page = page_without_javascript
    organisation = make_organisation()
    lead = make_user(organisation=organisation)
    project = make_project(by=lead, organisation=organisation)
    grid_path = f"/projects/{project.pk}/involvement/"
    sign_in(page, lead)
    page.goto(grid_path)

    # Act: the Add link is an ordinary link to a full-page form
    page.locator("#cell-researcher-4").get_by_role(
        "link", name=re.compile("^Add Researcher at stage 4,")
    ).click()
    expect(page).to_have_url(re.compile(rf"{grid_path}researcher/4/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Researcher at stage 4: Analysing and interpreting data"
    )
    page.get_by_role("radio", name=re.compile("^Involve:")).check()
    page.get_by_label("Purpose").fill("Analyse the interviews together.")
    page.get_by_role("button", name="Save").click()

    # Assert: back on the grid, with the cell filled in
    expect(page).to_have_url(re.compile(rf"{grid_path}$"))
    expect(page.get_by_text("Involvement saved.")).to_be_visible()
    expect(page.locator("#cell-researcher-4")).to_contain_text("Involve")
    expect(page.locator("#cell-researcher-4")).to_contain_text("Analyse the interviews together.")
    saved = Involvement.objects.get(project=project)
    assert (saved.party, saved.stage, saved.level) == (
        "researcher",
        Stage.objects.get(number=4),
        "involve",
    )


def test_new_project_with_empty_title_shows_error_summary_and_saves_nothing(page: Page) -> None:
    # Arrange
    organisation = make_organisation("Northbridge University")
    lead = make_user(organisation=organisation)
    sign_in(page, lead)
    page.goto("/projects/new/")

    # Act
    page.get_by_label("Summary").fill("A study of crisis care.")
    page.get_by_label("Organisation").select_option(label="Northbridge University")
    page.get_by_role("button", name="Create project").click()

    # Assert: a summary at the top of the form links to the title field
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    link = summary.get_by_role("link", name="Title: This field is required.")
    expect(link).to_have_attribute("href", "#id_title")
    summary_box, first_field_box = (
        summary.bounding_box(),
        page.locator(".field").first.bounding_box(),
    )
    assert summary_box and first_field_box and summary_box["y"] < first_field_box["y"]
    link.click()
    expect(page).to_have_url(re.compile(r"/projects/new/#id_title$"))
    expect(page.locator("#id_title_error")).to_contain_text("This field is required.")
    expect(page.get_by_label("Summary")).to_have_value("A study of crisis care.")
    assert not Project.objects.exists()
