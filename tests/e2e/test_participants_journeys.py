"""The participant firewall in a real browser: a data custodian registers a participant and
looks at their details; the lead, who is not a custodian, sees counts only; the pages pass
axe and reflow at 320px."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect

from coproduce.accounts.models import User
from coproduce.catalogue.models import Stage
from coproduce.participants import services
from coproduce.participants.models import Participant, ParticipantAccess
from coproduce.projects.services import membership_add
from tests.conftest import Team
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import (
    SCROLL_TOLERANCE_PX,
    blocking_violations,
    describe,
    widest_elements,
)
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KEY = Fernet.generate_key().decode()
NAME = "Winifred Quarrington"


@pytest.fixture(autouse=True)
def participant_key_set(settings: Any) -> None:
    settings.PARTICIPANT_KEY = KEY


@pytest.fixture
def dana(team: Team) -> User:
    user = make_user("dana@example.org", name="Dana Custodian", organisation=team.organisation)
    membership_add(
        by=team.alice,
        project=team.project,
        person=user.person,
        role="researcher",
        is_data_custodian=True,
    )
    return user


def register_some(team: Team, by: User, count: int = 6) -> list[Participant]:
    stage = Stage.objects.get(number=3)
    return [
        services.participant_add(
            by=by,
            project=team.project,
            site="North clinic" if n % 3 else "Riverside crisis team",
            stage=stage,
            name=f"{NAME} {n}",
            contact=f"07700 900{n:03d}",
            notes="Prefers afternoons." if n % 2 else "",
        )
        for n in range(count)
    ]


def open_participants(page: Page, team: Team) -> None:
    """From the project's overview, as a person would: Governance, then Participants."""
    page.goto(f"/projects/{team.project.pk}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="4. Governance").click()
    page.get_by_role("navigation", name="Governance").get_by_role(
        "link", name="Participants"
    ).click()
    expect(page.get_by_role("heading", name="Study participants", level=1)).to_be_visible()


def test_custodian_adds_a_participant_and_views_their_details(
    page: Page, team: Team, dana: User
) -> None:
    # Arrange
    sign_in(page, dana)
    open_participants(page, team)

    # Act
    page.get_by_role("link", name="Add a participant").click()
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Contact details").fill("07700 900123")
    page.get_by_label("Notes").fill("Uses a hearing loop.")
    page.get_by_label("Site").fill("North clinic")
    page.get_by_label("Stage of the study").select_option(label="3. Collecting data")
    page.get_by_role("button", name="Save participant").click()

    # Assert
    expect(page.get_by_role("heading", name="Participant P-001", level=1)).to_be_visible()
    expect(page.get_by_text("P-001 added to the register.")).to_be_visible()
    expect(page.get_by_text(NAME)).to_be_visible()
    expect(page.get_by_text("Uses a hearing loop.")).to_be_visible()
    history = page.get_by_role("region", name="Recent access to P-001")
    expect(history.get_by_text("Viewed a participant's details")).to_be_visible()
    expect(history.get_by_text("Added a participant")).to_be_visible()
    participant = Participant.objects.get()
    assert NAME not in participant.name_ciphertext
    assert list(ParticipantAccess.objects.values_list("action", flat=True).order_by("pk")) == [
        "add",
        "view",
    ]


def test_custodian_edits_a_participant_after_a_mistake(page: Page, team: Team, dana: User) -> None:
    # Arrange
    (participant,) = register_some(team, dana, count=1)
    sign_in(page, dana)
    page.goto(f"/projects/{team.project.pk}/participants/{participant.pk}/edit/")

    # Act: a name left empty is refused, then put right
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save participant").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_role("link", name="Name: This field is required.").click()
    expect(page.get_by_label("Name")).to_be_focused()
    page.get_by_label("Name").fill("Winifred Q. Smith")
    page.get_by_role("button", name="Save participant").click()

    # Assert
    expect(page.get_by_text("P-001 saved.")).to_be_visible()
    expect(page.get_by_text("Winifred Q. Smith")).to_be_visible()


def test_lead_who_is_not_a_custodian_sees_counts_only(page: Page, team: Team, dana: User) -> None:
    # Arrange
    register_some(team, dana, count=7)
    sign_in(page, team.alice)

    # Act
    open_participants(page, team)

    # Assert
    expect(page.get_by_text("7 participants registered")).to_be_visible()
    expect(page.get_by_role("link", name="Open the register")).to_have_count(0)
    expect(page.get_by_text(NAME)).to_have_count(0)
    expect(
        page.get_by_role("region", name="Data custodians").get_by_text("Dana Custodian")
    ).to_be_visible()
    page.goto(f"/projects/{team.project.pk}/participants/register/")
    expect(page.get_by_role("heading", name="You cannot do this", level=1)).to_be_visible()
    assert NAME not in page.content()


def test_without_the_key_the_custodian_is_told_why_the_details_are_locked(
    page: Page, team: Team, dana: User, settings: Any
) -> None:
    # Arrange
    register_some(team, dana)
    settings.PARTICIPANT_KEY = ""
    sign_in(page, dana)

    # Act
    response = page.goto(f"/projects/{team.project.pk}/participants/register/")

    # Assert
    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", name="Participant details are locked")).to_be_visible()
    expect(page.get_by_text("COPRODUCE_PARTICIPANT_KEY", exact=False)).to_be_visible()
    page.get_by_role("link", name="See the counts by site and stage").click()
    expect(page.get_by_role("heading", name="Study participants", level=1)).to_be_visible()


PAGES = {
    "counts (lead)": ("alice", "participants/"),
    "register (custodian)": ("dana", "participants/register/"),
    "participant (custodian)": ("dana", "participants/{pk}/"),
    "add form with errors (custodian)": ("dana", "participants/add/"),
    "access log (custodian)": ("dana", "participants/access/"),
    "locked (custodian, no key)": ("dana", "participants/register/"),
}


def open_page(page: Page, team: Team, dana: User, settings: Any, page_name: str) -> None:
    (first, *_) = register_some(team, dana)
    who, path = PAGES[page_name]
    if page_name.startswith("locked"):
        settings.PARTICIPANT_KEY = ""
    sign_in(page, team.alice if who == "alice" else dana)
    page.goto(f"/projects/{team.project.pk}/" + path.format(pk=first.pk))
    if page_name.startswith("add form"):
        page.get_by_role("button", name="Save participant").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()


@pytest.mark.parametrize("page_name", list(PAGES))
def test_participant_page_has_no_serious_accessibility_violations(
    page: Page, team: Team, dana: User, settings: Any, page_name: str
) -> None:
    # Arrange
    open_page(page, team, dana, settings, page_name)

    # Act
    violations = blocking_violations(page)

    # Assert
    assert not violations, f"axe on the {page_name} page:\n{describe(violations)}"


@pytest.mark.parametrize("page_name", ["counts (lead)", "register (custodian)"])
def test_participant_page_reflows_at_320px_without_horizontal_scroll(
    narrow_page: Page, team: Team, dana: User, settings: Any, page_name: str
) -> None:
    # Arrange
    open_page(narrow_page, team, dana, settings, page_name)

    # Act
    widths = narrow_page.evaluate(
        "({document: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )

    # Assert
    assert widths["document"] <= 320 + SCROLL_TOLERANCE_PX, (
        f"The {page_name} page is {widths['document']}px wide at a 320px viewport; widest "
        f"elements: {widest_elements(narrow_page)}"
    )
