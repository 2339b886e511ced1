"""Costs in a real browser: logging a meeting, paying a contributor, planning against actual
spending, who sees named burden figures, and the costs pages' accessibility and reflow."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from coproduce.accounts.models import User
from coproduce.catalogue.models import Stage
from coproduce.costs import transfer
from coproduce.costs.models import CostItem, TimeEntry
from coproduce.costs.services import AttendeeTime, activity_save, cost_item_create
from coproduce.projects.services import membership_add
from tests.conftest import Team
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import (
    SCROLL_TOLERANCE_PX,
    blocking_violations,
    describe,
    widest_elements,
)
from tests.factories import make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_rates(framework: None) -> None:
    """The shipped rate card and UK payment thresholds. Their data migration loaded them once,
    and an earlier browser test may have emptied the tables since; the loader is an upsert."""
    import_module("coproduce.costs.migrations.0002_load_rates_2025_1").load(apps, None)


def today() -> datetime.date:
    return datetime.date.today()


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def add_cost(team: Team, amount: str, *, status: str = "planned", **fields: object) -> CostItem:
    values: dict[str, object] = {
        "category": "venue_catering",
        "stage": stage(1),
        "description": f"Venue hire, {status}",
        "defrayed_by": "project_budget",
        "currency": "GBP",
        "bearer_organisation": team.organisation,
        "date": datetime.date(2026, 5, 1) if status == "actual" else None,
        **fields,
    }
    return cost_item_create(
        by=team.alice,
        project=team.project,
        status=status,
        amount=Decimal(amount),
        confirmed=True,  # the set-up's payments are past thresholds on purpose
        **values,
    )


def pay(team: Team, payee: User, amount: str, *, description: str, day: datetime.date) -> None:
    add_cost(
        team,
        amount,
        status="actual",
        category="contributor_payment",
        description=description,
        payee=payee.person,
        date=day,
    )


def log_meeting(team: Team, title: str, hours: dict[User, str]) -> None:
    activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title=title,
        date=datetime.date(2026, 4, 1),
        stage=stage(1),
        attendees=[
            AttendeeTime(person=user.person, attendance_hours=Decimal(h))
            for user, h in hours.items()
        ],
    )


def costed_project(team: Team) -> None:
    """A project with something on every costs page: a plan overspent at stage 1, a payment
    to Carol past a weekly threshold this week, two meetings, and more public contributors.
    Alice also administers the organisation, and Bob may see its portfolio."""
    add_cost(team, "100.00")
    add_cost(team, "150.00", status="actual")
    add_cost(team, "400.00", stage=stage(2), category="travel", description="Travel, planned")
    pay(team, team.carol, "75.00", description="Advisory group, half day", day=today())
    for number in range(1, 5):
        person = make_person(f"Public Member {number}", party="public", by=team.alice)
        membership_add(
            by=team.alice, project=team.project, person=person, role="public_contributor"
        )
    log_meeting(
        team,
        "Steering group 1",
        {team.alice: "2", team.bob: "3.5", team.carol: "2", team.paula: "1.5"},
    )
    log_meeting(team, "Reading group", {team.carol: "1", team.bob: "4"})
    organisation_memberships = team.organisation.memberships
    organisation_memberships.filter(person=team.alice.person).update(is_admin=True)
    organisation_memberships.filter(person=team.bob.person).update(is_portfolio_viewer=True)


def project_path(team: Team, rest: str) -> str:
    return f"/projects/{team.project.pk}/{rest}"


# 1. One form for a meeting and everyone at it


def test_lead_logs_a_meeting_with_three_attendees_in_one_form(page: Page, team: Team) -> None:
    # Arrange
    sign_in(page, team.alice)
    page.goto(project_path(team, ""))

    # Act
    page.get_by_role("navigation", name="Project").get_by_role(
        "link", name="Activities and time"
    ).click()
    page.get_by_role("link", name="Log an activity").click()
    expect(page.get_by_role("heading", name="Log an activity", level=1)).to_be_visible()
    page.get_by_label("Kind").select_option(label="Meeting")
    page.get_by_label("Title").fill("Steering group 1")
    page.get_by_label("Date").fill("2026-04-01")
    page.get_by_label("Stage").select_option(label="2. Framing research questions")
    page.get_by_label("Length in hours").fill("2")
    for name in ("Alice Lead", "Bob Researcher", "Carol Contributor"):
        page.get_by_role("checkbox", name=name, exact=True).check()
    carol = page.get_by_role("row", name=re.compile("Carol Contributor"))
    carol.get_by_label("Preparation hours for Carol Contributor").fill("1.5")
    carol.get_by_role("spinbutton", name=re.compile("^Contributions")).fill("4")
    page.get_by_role("button", name="Save activity").click()

    # Assert: back on the list, with everyone's hours under the meeting
    expect(page.get_by_text("Steering group 1 saved with 3 attendees.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{project_path(team, 'activities/')}$"))
    hours = page.get_by_role("table", name="Hours at Steering group 1")
    expect(hours.get_by_role("row")).to_have_count(4)  # the header and three attendees
    # Attendance, preparation, administration, follow-up, contributions (an en dash: no tally kept)
    for name, figures in (
        ("Alice Lead", r"2\s*0\s*0\s*0\s*\u2013"),
        ("Bob Researcher", r"2\s*0\s*0\s*0\s*\u2013"),
        ("Carol Contributor", r"2\s*1\.5\s*0\s*0\s*4"),
    ):
        expect(hours.get_by_role("row", name=re.compile(f"^{name}"))).to_have_text(
            re.compile(rf"^\s*{name}\s*{figures}\s*$")
        )
    entries = {
        e.person.name: (e.attendance_hours, e.preparation_hours, e.contributions)
        for e in TimeEntry.objects.filter(project=team.project).select_related("person")
    }
    assert entries == {
        "Alice Lead": (Decimal(2), Decimal(0), None),
        "Bob Researcher": (Decimal(2), Decimal(0), None),
        "Carol Contributor": (Decimal(2), Decimal("1.5"), 4),
    }
    assert {e.stage.number for e in TimeEntry.objects.all()} == {2}


def submit_meeting_with_negative_preparation(page: Page, team: Team) -> None:
    sign_in(page, team.alice)
    page.goto(project_path(team, "activities/add/"))
    page.get_by_label("Kind").select_option(label="Meeting")
    page.get_by_label("Title").fill("Steering group 1")
    page.get_by_label("Date").fill("2026-04-01")
    page.get_by_label("Length in hours").fill("2")
    page.get_by_role("checkbox", name="Carol Contributor", exact=True).check()
    page.get_by_label("Preparation hours for Carol Contributor").fill("-1")
    page.get_by_role("button", name="Save activity").click()
    expect(
        page.locator(".field__error").get_by_text(
            "Carol Contributor, preparation: This cannot be negative."
        )
    ).to_be_visible()
    assert not TimeEntry.objects.exists()


def test_attendee_error_alone_is_summarised_at_the_top_of_the_activity_form(
    page: Page, team: Team
) -> None:
    # Arrange, Act
    submit_meeting_with_negative_preparation(page, team)

    # Assert
    preparation = page.get_by_label("Preparation hours for Carol Contributor")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    link = summary.get_by_role("link", name=re.compile("Carol Contributor.*cannot be negative"))
    expect(link).to_have_attribute("href", f"#{preparation.get_attribute('id')}")


def test_attendee_input_is_described_by_its_error(page: Page, team: Team) -> None:
    # Arrange, Act
    submit_meeting_with_negative_preparation(page, team)

    # Assert
    preparation = page.get_by_label("Preparation hours for Carol Contributor")
    expect(preparation).to_have_attribute("aria-invalid", "true")
    expect(preparation).to_have_accessible_description(re.compile("This cannot be negative"))


# 2. A payment past a weekly benefit threshold


def test_payment_past_a_weekly_threshold_is_recorded_once_confirmed(page: Page, team: Team) -> None:
    # Arrange: £75 this week is past the £20 Permitted Work lower limit
    sign_in(page, team.alice)
    page.goto(project_path(team, ""))
    page.get_by_role("navigation", name="Project").get_by_role("link", name="3. Costs").click()
    page.get_by_role("link", name="Pay a contributor").click()

    # Act
    page.get_by_label("Who is paid").select_option(label="Carol Contributor")
    page.get_by_label("Date").fill(today().isoformat())
    page.get_by_label("Stage").select_option(label="1. Developing mixed research teams")
    page.get_by_label("Description").fill("Advisory group, half day")
    page.get_by_label("Amount").fill("75.00")
    page.get_by_role("button", name="Record payment").click()

    # Assert: the form comes back with a warning naming the threshold, and nothing is saved
    warning = page.get_by_role("alert").filter(has_text="past the UK Permitted Work lower limit")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        "This payment would take Carol Contributor past the UK Permitted Work lower limit "
        "of £20.00 a week"
    )
    expect(warning).to_contain_text("With this payment: £75.00.")
    confirmation = page.get_by_role("checkbox", name="I have checked this, save anyway")
    expect(confirmation).not_to_be_checked()
    expect(page.get_by_label("Description")).to_have_value("Advisory group, half day")
    assert not CostItem.objects.exists()

    # Act: confirm and save
    confirmation.check()
    page.get_by_role("button", name="Record payment").click()

    # Assert
    expect(page.get_by_text("Payment to Carol Contributor recorded.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{project_path(team, 'costs/')}$"))
    payment = CostItem.objects.get()
    assert (payment.payee, payment.amount, payment.status, payment.category) == (
        team.carol.person,
        Decimal("75.00"),
        "actual",
        "contributor_payment",
    )

    # Act: Carol signs in and looks at her own record
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, team.carol)
    page.get_by_role("link", name="Crisis care study").click()
    page.get_by_role("navigation", name="Project").get_by_role("link", name="My record").click()

    # Assert: she sees the payment, and that it took her past the limit this week
    payments = page.get_by_role("table", name="Payments to you in this project")
    expect(
        payments.get_by_role("row", name=re.compile("Advisory group, half day"))
    ).to_contain_text("£75.00")
    expect(
        page.get_by_role("note").filter(has_text="UK Permitted Work lower limit")
    ).to_contain_text("You have been paid more than the UK Permitted Work lower limit this week")


def test_imported_payment_with_warnings_is_confirmed_without_choosing_the_file_again(
    page: Page, team: Team, tmp_path: Path
) -> None:
    # Arrange: a file with a £75 payment to Carol this week, past the £20 weekly limit
    columns = transfer.COST_COLUMNS
    row = {
        "status": "actual",
        "category": "contributor_payment",
        "stage": "1",
        "description": "Advisory group (imported)",
        "payee": team.carol.email,
        "bearer_organisation": team.organisation.name,
        "defrayed_by": "project_budget",
        "date": today().isoformat(),
        "currency": "GBP",
        "amount": "75.00",
    }
    path = tmp_path / "payments.csv"
    path.write_text(",".join(columns) + "\n" + ",".join(row.get(c, "") for c in columns) + "\n")
    sign_in(page, team.alice)
    page.goto(project_path(team, "costs/"))
    page.get_by_role("link", name="Import from a file").click()

    # Act
    page.get_by_label("File to import").set_input_files(path)
    page.get_by_role("button", name="Check and import").click()

    # Assert: the warning is listed, the file is kept, and nothing is saved yet
    expect(page.get_by_role("alert").filter(has_text="Row 2, column amount")).to_contain_text(
        "This payment would take Carol Contributor past the UK Permitted Work lower limit"
    )
    expect(page.locator("input[type=file]")).to_have_count(0)
    assert not CostItem.objects.exists()

    # Act: tick and import, without choosing the file again
    page.get_by_role("checkbox", name="I have checked this, save anyway").check()
    page.get_by_role("button", name="Import", exact=True).click()

    # Assert
    expect(page.get_by_text("Imported all 1 rows of payments.csv.")).to_be_visible()
    payment = CostItem.objects.get()
    assert (payment.payee, payment.amount) == (team.carol.person, Decimal("75.00"))


# 3. Planning a cost, spending past it, and reading the budget


def add_cost_through_the_form(
    page: Page, button: str, *, description: str, amount: str, date: str | None = None
) -> None:
    page.get_by_role("link", name=button).click()
    expect(page.get_by_role("heading", name="Add a cost", level=1)).to_be_visible()
    page.get_by_label("Category").select_option(label="Venue and catering")
    page.get_by_label("Stage").select_option(label="1. Developing mixed research teams")
    page.get_by_label("Description").fill(description)
    if date is not None:
        page.get_by_label("Date").fill(date)
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Save cost").click()
    expect(page.get_by_text("Cost saved.")).to_be_visible()


def test_lead_plans_a_cost_overspends_it_and_reads_the_budget_chart(page: Page, team: Team) -> None:
    # Arrange
    sign_in(page, team.alice)
    page.goto(project_path(team, "costs/"))

    # Act: plan £100 for the venue, then record £150 spent on it
    add_cost_through_the_form(page, "Plan a cost", description="Venue for workshop 1", amount="100")
    add_cost_through_the_form(
        page,
        "Record a cost",
        description="Venue for workshop 1, invoiced",
        amount="150",
        date="2026-05-01",
    )

    # Assert: the saved costs, and the warning for stage 1
    assert sorted(CostItem.objects.values_list("status", "amount")) == [
        ("actual", Decimal("150.00")),
        ("planned", Decimal("100.00")),
    ]
    warning = page.get_by_role("note").filter(has_text="Stage 1 is past its plan.")
    expect(warning).to_contain_text("Spent £150.00 against a plan of £100.00, 50% over")
    by_stage = page.get_by_role("table", name="By stage")
    expect(by_stage.get_by_role("row", name=re.compile("^1\\. "))).to_contain_text("over plan")

    # Assert: the chart is an inline SVG named by a caption everyone can see
    chart = page.locator("figure.chart").first
    image = chart.locator("svg[role='img']")
    expect(image).to_have_count(1)
    caption_id = image.get_attribute("aria-labelledby")
    assert caption_id
    caption = page.locator(f"[id='{caption_id}']")
    expect(caption).to_be_visible()
    expect(caption).to_contain_text("Budget against actual by stage (GBP)")
    expect(
        page.get_by_role("img", name=re.compile("^Budget against actual by stage"))
    ).to_be_visible()

    # Act: reach the table behind the chart with Tab and open it with Enter
    table = chart.get_by_role("table", name="Budget against actual by stage (GBP)")
    expect(table).to_be_hidden()
    page.get_by_role("link", name="Pay a contributor").focus()
    page.keyboard.press("Tab")
    summary = chart.get_by_text("Table behind this chart")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")

    # Assert
    expect(table).to_be_visible()
    expect(
        table.get_by_role("row", name=re.compile("Developing mixed research teams"))
    ).to_contain_text("£150.00")


# 4. Named burden figures are for leads and coordinators only


def test_burden_page_names_people_for_the_lead_only(page: Page, team: Team) -> None:
    # Arrange
    costed_project(team)
    burden = project_path(team, "burden/")

    # Act
    sign_in(page, team.alice)
    page.goto(burden)

    # Assert
    people = page.get_by_role("region", name="Person by person")
    expect(people.get_by_role("heading", name="Person by person", level=2)).to_be_visible()
    expect(
        people.get_by_role("table", name="Hours and costs by person").get_by_role(
            "row", name=re.compile("^Bob Researcher")
        )
    ).to_contain_text("7.5")

    # Act
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, team.carol)
    page.goto(burden)

    # Assert: the groups, but no names, and a way to her own record
    expect(page.get_by_role("heading", name="Who carries the work?", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Person by person")).to_have_count(0)
    expect(page.get_by_text("Bob Researcher")).to_have_count(0)
    expect(page.get_by_role("link", name="your record")).to_have_attribute(
        "href", project_path(team, "my-record/")
    )


# 5. Accessibility and reflow

TABLES_SCROLL_WITHOUT_KEYBOARD = (
    "Bug: a .table-wrap that scrolls sideways has no focusable content and is not focusable "
    "itself (axe scrollable-region-focusable, serious), so keyboard users cannot scroll it. "
    "Fix: give every .table-wrap tabindex=0, role=region and a name from its table's caption."
)

PAGES = {
    "budget": ("alice", "/projects/{project}/costs/"),
    "activity form": ("alice", "/projects/{project}/activities/add/"),
    "burden": ("alice", "/projects/{project}/burden/"),
    "my record": ("carol", "/projects/{project}/my-record/"),
    "organisation rate card": ("alice", "/organisations/{organisation}/rates/"),
    "organisation burden": ("bob", "/organisations/{organisation}/burden/"),
}


def open_as(page: Page, team: Team, page_name: str) -> None:
    persona, path = PAGES[page_name]
    sign_in(page, getattr(team, persona))
    page.goto(path.format(project=team.project.pk, organisation=team.organisation.pk))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def assert_no_blocking_violations(page: Page, what: str) -> None:
    violations = blocking_violations(page)
    assert not violations, f"axe on {what}:\n{describe(violations)}"


@pytest.mark.parametrize(
    "page_name",
    [
        "budget",
        "activity form",
        "burden",
        "my record",
        "organisation rate card",
        "organisation burden",
    ],
)
def test_costs_page_has_no_serious_accessibility_violations(
    page: Page, team: Team, page_name: str
) -> None:
    # Arrange
    costed_project(team)
    open_as(page, team, page_name)

    # Act, Assert
    assert_no_blocking_violations(page, f"the {page_name} page")


def test_activity_form_with_errors_has_no_serious_accessibility_violations(
    page: Page, team: Team
) -> None:
    # Arrange: no title, and negative preparation hours for Carol
    costed_project(team)
    open_as(page, team, "activity form")
    page.get_by_role("checkbox", name="Carol Contributor", exact=True).check()
    page.get_by_label("Preparation hours for Carol Contributor").fill("-1")
    page.get_by_role("button", name="Save activity").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    expect(
        page.locator(".field__error").get_by_text(
            "Carol Contributor, preparation: This cannot be negative."
        )
    ).to_be_visible()

    # Act, Assert
    assert_no_blocking_violations(page, "the activity form with errors")


def test_payment_form_with_a_threshold_warning_has_no_serious_accessibility_violations(
    page: Page, team: Team
) -> None:
    # Arrange: £30 more this week takes Carol from £75 to £105
    costed_project(team)
    sign_in(page, team.alice)
    page.goto(project_path(team, "costs/payments/add/"))
    page.get_by_label("Who is paid").select_option(label="Carol Contributor")
    page.get_by_label("Date").fill(today().isoformat())
    page.get_by_label("Description").fill("Reading group")
    page.get_by_label("Amount").fill("30")
    page.get_by_role("button", name="Record payment").click()
    expect(
        page.get_by_role("alert").filter(has_text="UK Permitted Work lower limit")
    ).to_contain_text("With this payment: £105.00.")

    # Act, Assert
    assert_no_blocking_violations(page, "the payment form with a threshold warning")


NARROW_PAGES = ["budget", "activity form", "burden"]


@pytest.mark.parametrize("page_name", NARROW_PAGES)
def test_costs_page_reflows_at_320px_without_horizontal_scroll(
    narrow_page: Page, team: Team, page_name: str
) -> None:
    # Arrange
    costed_project(team)

    # Act
    open_as(narrow_page, team, page_name)
    widths = narrow_page.evaluate(
        "({document: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )

    # Assert
    assert widths["viewport"] == 320
    assert widths["document"] <= 320 + SCROLL_TOLERANCE_PX, (
        f"The {page_name} page is {widths['document']}px wide at a 320px viewport; widest "
        f"elements: {widest_elements(narrow_page)}"
    )


@pytest.mark.parametrize(
    "page_name",
    [
        "budget",
        "activity form",
        "burden",
    ],
)
def test_costs_page_at_320px_has_no_serious_accessibility_violations(
    narrow_page: Page, team: Team, page_name: str
) -> None:
    # Arrange: at 320px the wide tables scroll inside their .table-wrap
    costed_project(team)
    open_as(narrow_page, team, page_name)

    # Act, Assert
    assert_no_blocking_violations(narrow_page, f"the {page_name} page at 320px")
