"""Governance and integrity in a real browser: the charter and its acknowledgements, decisions
with dissent, whose voice counts, the findings and outputs ledger with an embargoed output,
two people revising one finding at once, and the pages' accessibility and reflow."""

from __future__ import annotations

import datetime
import hashlib
import re
import signal
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from coproduce.accounts.models import User
from coproduce.catalogue.models import Stage
from coproduce.costs.models import ActivityKind
from coproduce.costs.services import AttendeeTime, activity_save
from coproduce.governance import services as governance
from coproduce.governance.charter import DEFAULT_EARLY_ACCESS, DEFAULT_METHODS, starting_sections
from coproduce.governance.models import (
    Charter,
    CharterVersion,
    Decision,
    DecisionKind,
    DecisionMethod,
    Dissent,
)
from coproduce.integrity import services as integrity
from coproduce.integrity.models import (
    EarlyReleaseRequest,
    Finding,
    FramingOutcome,
    FramingRequest,
    LedgerEntry,
    Output,
    ReleaseDecision,
)
from tests.conftest import Team
from tests.e2e.conftest import TIMEOUT_MS, sign_in
from tests.e2e.test_accessibility import (
    SCROLL_TOLERANCE_PX,
    blocking_violations,
    describe,
    widest_elements,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATEMENT = (
    "Families waited longer for a crisis assessment at night than in the day, and every "
    "family we spoke to wanted a named contact."
)
REVISED_STATEMENT = (
    "Families waited longer for a crisis assessment at night than in the day, and most "
    "families we spoke to wanted one named contact."
)
FILE_BYTES = b"Plain-language summary of the crisis care study.\n"


def project_path(team: Team, rest: str) -> str:
    return f"/projects/{team.project.pk}/{rest}"


def switch_user(page: Page, user: User) -> None:
    """Someone else signs in on this browser; dropping the session cookie is quicker than
    going through the sign-out form."""
    page.context.clear_cookies()
    sign_in(page, user)


def definition(scope: Page | Locator, term: str) -> Locator:
    """The value a summary list gives for a term."""
    return scope.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def message(page: Page, text: str) -> Locator:
    return page.get_by_role("status").get_by_text(text)


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded outputs go to a temporary folder, not the developer's data folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def second_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A second person's browser: its own context, so its own session."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """The worker installs its own SIGINT and SIGTERM handlers; put pytest's back after it."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


# Arranging through the services


def charter_version_two(team: Team) -> None:
    """The template charter, then a version 2 with a changed publication section."""
    governance.charter_start(by=team.alice, project=team.project)
    sections = starting_sections()
    sections["publication"] = sections["publication"].replace("cannot veto", "cannot delay")
    governance.charter_revise(
        by=team.alice,
        charter=Charter.objects.get(project=team.project),
        sections=sections,
        methods=DEFAULT_METHODS,
        early_access=DEFAULT_EARLY_ACCESS,
        change_note="Partners may not delay publication either.",
    )


def decision_against_the_charter(team: Team) -> Decision:
    """A design decision taken by the lead's authority, which the template does not allow."""
    return governance.decision_save(
        by=team.alice,
        project=team.project,
        title="Use telephone interviews",
        kind=DecisionKind.DESIGN,
        method=DecisionMethod.LEAD,
        stage=team.project.current_stage,
        decided_on=datetime.date(2025, 3, 4),
        present=[team.project.memberships.get(person=team.bob.person)],
        dissents=[
            governance.DissentInput(
                party="practitioner", reason="Some families have no phone.", name="Dr Ines Ward"
            )
        ],
    )


MEETINGS = [
    (datetime.date(2025, 1, 15), "Advisory group, January"),
    (datetime.date(2025, 2, 12), "Advisory group, February"),
    (datetime.date(2025, 3, 12), "Advisory group, March"),
    (datetime.date(2025, 4, 9), "Advisory group, April"),
    (datetime.date(2025, 5, 14), "Advisory group, May"),
    (datetime.date(2025, 6, 11), "Advisory group, June"),
]


def advisory_meetings(team: Team) -> None:
    """Six meetings with a tally of who spoke. In the first three, Paula, Carol and Olive carry
    the conversation; in the last three Alice and Bob do and Olive stops coming. Over all six
    nobody dominates (the two most active made 44%); over the last three, two people made 86%."""
    early = {team.alice: 1, team.bob: 1, team.paula: 6, team.carol: 6, team.olive: 6}
    late = {team.alice: 7, team.bob: 5, team.paula: 1, team.carol: 1}
    for number, (date, title) in enumerate(MEETINGS):
        tally = early if number < 3 else late
        activity_save(
            by=team.alice,
            project=team.project,
            kind=ActivityKind.MEETING,
            title=title,
            date=date,
            stage=Stage.objects.get(number=1),
            attendees=[
                AttendeeTime(user.person, attendance_hours=Decimal(2), contributions=spoke)
                for user, spoke in tally.items()
            ],
        )


def registered_finding(team: Team) -> Finding:
    return integrity.finding_register(
        by=team.alice,
        project=team.project,
        title="Waiting at night",
        statement=STATEMENT,
        stage=team.project.current_stage,
    )


def reviewed_finding(team: Team) -> Finding:
    """A finding with a comment, a framing request still to answer and one revision."""
    finding = registered_finding(team)
    integrity.comment_add(
        by=team.alice,
        subject=finding,
        commenter="Families' reference group",
        party="public",
        comment="Say how many families this is.",
    )
    integrity.framing_request_add(
        by=team.alice,
        subject=finding,
        asked_by="Northbridge Trust communications",
        party="practitioner",
        request="Lead with the daytime results.",
    )
    return integrity.finding_revise(
        by=team.alice,
        finding=finding,
        title=finding.title,
        statement=REVISED_STATEMENT,
        reason="Not every family said so.",
        version=finding.version,
    )


def embargoed_output(team: Team, finding: Finding | None = None) -> Output:
    return integrity.output_register(
        by=team.alice,
        project=team.project,
        title="Summary for families",
        kind="summary",
        audience="public",
        release_date=timezone.localdate() + datetime.timedelta(days=60),
        file=SimpleUploadedFile("summary.txt", FILE_BYTES, content_type="text/plain"),
        findings=[finding] if finding else [],
    )


# 1. The charter


def test_lead_agrees_a_second_charter_version_and_members_acknowledge_it(
    page: Page, team: Team
) -> None:
    # Arrange
    sign_in(page, team.alice)
    page.goto(project_path(team, ""))

    # Act: start the charter from the template
    page.get_by_role("navigation", name="Project").get_by_role("link", name="4. Governance").click()
    expect(page.get_by_role("heading", name="Governance charter", level=1)).to_be_visible()
    expect(page.get_by_text("This project has no charter yet.")).to_be_visible()
    page.get_by_role("button", name="Start the charter from the template").click()

    # Assert: version 1 is the template
    expect(message(page, "Charter started from the template.")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^Version 1, agreed .*by alice@example\.org"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Publication rights", level=2)).to_be_visible()

    # Act: change a section and the methods allowed for two kinds of decision
    page.get_by_role("link", name="Propose a new version").click()
    expect(page.get_by_role("heading", name="Propose version 2 of the charter")).to_be_visible()
    publication = page.get_by_label("Publication rights", exact=True)
    publication.fill(
        publication.input_value()
        .replace("every finding", "all findings")
        .replace("Partners may", "Partners and public contributors may")
    )
    page.get_by_role("group", name="Methods allowed for research questions and aims").get_by_label(
        "Vote"
    ).uncheck()
    page.get_by_role("group", name="Methods allowed for team membership and roles").get_by_label(
        "Vote"
    ).check()
    page.get_by_label("What changed, and why").fill("Public contributors comment on drafts too.")
    page.get_by_role("button", name="Agree the new version").click()

    # Assert: version 2 is the charter now, and nobody has acknowledged it yet
    expect(message(page, "Version 2 agreed. Members are asked to acknowledge it.")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^Version 2, agreed .* comment on drafts too\.$"))
    ).to_be_visible()
    methods = page.get_by_role("table", name="Methods allowed for each kind of decision")
    expect(
        methods.get_by_role("row", name=re.compile("^Research questions and aims"))
    ).to_contain_text("Consensus, Steering group")
    expect(
        methods.get_by_role("row", name=re.compile("^Team membership and roles"))
    ).to_contain_text("Consensus, Vote, Lead's authority")
    acknowledgements = page.get_by_role("region", name="Acknowledgements of version 2")
    expect(acknowledgements).to_contain_text(
        "5 of 5 members have not acknowledged it: Alice Lead, Bob Researcher, Carol Contributor, "
        "Olive Observer, Paula Partner."
    )
    version = CharterVersion.objects.get(number=2)
    assert version.methods["questions"] == ["consensus", "steering_group"]
    assert "all findings" in version.sections["publication"]

    # Act: the lead acknowledges it, then reads what changed
    acknowledgements.get_by_role("button", name="I have read version 2 and accept it").click()
    expect(message(page, "You acknowledged version 2 of the charter.")).to_be_visible()
    page.get_by_role("link", name="Versions and changes").click()

    # Assert: the history shows the words added and removed
    expect(page.get_by_role("heading", name="From version 1 to version 2")).to_be_visible()
    changed = page.get_by_role("region", name="Publication rights")
    expect(changed.locator("ins")).to_have_text(["all findings", "and public contributors"])
    expect(changed.locator("del")).to_have_text(["every finding"])
    questions = page.get_by_role("region", name="Methods allowed for research questions and aims")
    expect(questions.locator("del")).to_have_text(["Vote,"])
    expect(questions.locator("ins")).to_have_count(0)
    team_rules = page.get_by_role("region", name="Methods allowed for team membership and roles")
    expect(team_rules.locator("ins")).to_have_text(["Vote"])
    expect(team_rules.locator("del")).to_have_count(0)
    expect(page.get_by_role("region", name="Data access and confidentiality")).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text="Version 2,")).to_contain_text(
        "Public contributors comment on drafts too."
    )

    # Act: Bob signs in and sees he has not acknowledged it
    switch_user(page, team.bob)
    page.goto(project_path(team, "charter/"))
    acknowledgements = page.get_by_role("region", name="Acknowledgements of version 2")
    expect(acknowledgements).to_contain_text(
        "4 of 5 members have not acknowledged it: Bob Researcher, Carol Contributor, "
        "Olive Observer, Paula Partner."
    )
    acknowledgements.get_by_role("button", name="I have read version 2 and accept it").click()

    # Assert: the list shrinks, and Bob is told he has acknowledged it
    expect(message(page, "You acknowledged version 2 of the charter.")).to_be_visible()
    acknowledgements = page.get_by_role("region", name="Acknowledgements of version 2")
    expect(acknowledgements).to_contain_text(
        "3 of 5 members have not acknowledged it: Carol Contributor, Olive Observer, Paula Partner."
    )
    expect(acknowledgements).to_contain_text("You have acknowledged this version.")
    expect(acknowledgements.get_by_role("button")).to_have_count(0)
    assert set(version.acknowledgements.values_list("person__name", flat=True)) == {
        "Alice Lead",
        "Bob Researcher",
    }


# 2. Decisions and dissent


def test_lead_records_a_decision_with_dissent_and_sees_the_charter_warning(
    page: Page, team: Team
) -> None:
    # Arrange: the template charter does not allow the lead's authority for design decisions
    governance.charter_start(by=team.alice, project=team.project)
    sign_in(page, team.alice)
    page.goto(project_path(team, "decisions/"))
    expect(page.get_by_text("No decisions recorded yet.")).to_be_visible()

    # Act: record a decision with an outside dissenter whose reason is missing
    page.get_by_role("link", name="Record a decision").click()
    expect(page.get_by_role("heading", name="Record a decision", level=1)).to_be_visible()
    page.get_by_label("What was decided").fill("Use telephone interviews")
    page.get_by_label("Detail").fill("Interviews by telephone, not in person, from May.")
    page.get_by_label("Kind of decision").select_option(label="Design and methods")
    page.get_by_label("How it was decided").select_option(label="Lead's authority")
    page.get_by_label("Decided on").fill("2025-03-04")
    present = page.get_by_role("group", name="Members present")
    present.get_by_label("Bob Researcher (Researcher)").check()
    present.get_by_label("Carol Contributor (Public contributor or patient)").check()
    page.get_by_role("group", name="Other parties present").get_by_label("Policymaker").check()
    page.get_by_label("Accountable").select_option(label="Alice Lead (Lead)")
    first = page.get_by_role("group", name="Dissent 1")
    first.get_by_label("Or their name, if not a member").fill("Dr Ines Ward")
    first.get_by_label("Their party").select_option(label="Practitioner")
    page.get_by_role("button", name="Save the decision").click()

    # Assert: the error is in the summary, linked to the field, and nothing is saved
    summary = page.get_by_role("alert")
    expect(summary.get_by_text("There is a problem")).to_be_visible()
    link = summary.get_by_role("link", name="Dissent 1, why they dissented: Record why")
    expect(link).to_have_attribute("href", "#id_dissent-0-reason")
    first = page.get_by_role("group", name="Dissent 1")
    reason = first.get_by_label("Why they dissented")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(first.get_by_label("Or their name, if not a member")).to_have_value("Dr Ines Ward")
    assert not Decision.objects.exists()
    assert not Dissent.objects.exists()

    # Act: give the reason, add a member's dissent too, and save
    link.click()
    expect(reason).to_be_focused()
    reason.fill("Some families have no phone.")
    second = page.get_by_role("group", name="Dissent 2")
    second.get_by_label("Member who dissented").select_option(
        label="Carol Contributor (Public contributor)"
    )
    second.get_by_label("Why they dissented").fill("Telephone calls exclude deaf parents.")
    page.get_by_role("button", name="Save the decision").click()

    # Assert: the decision is recorded, with the charter's warning
    expect(message(page, "Decision recorded: Use telephone interviews")).to_be_visible()
    warnings = page.get_by_role("region", name="1 warning")
    expect(warnings).to_contain_text(
        "Use telephone interviews: Taken by lead's authority, which the charter does not allow "
        "for design and methods."
    )
    decision = page.get_by_role("article", name="Use telephone interviews")
    expect(decision).to_contain_text("4 March 2025 · stage 1")
    expect(decision).to_contain_text("by lead's authority")
    expect(definition(decision, "Parties present")).to_have_text(
        "Researcher, Public contributor or patient, Policymaker"
    )
    expect(definition(decision, "Accountable")).to_have_text("Alice Lead")
    expect(definition(decision, "Dissent")).to_contain_text(
        "Dr Ines Ward (Practitioner): Some families have no phone."
    )
    expect(definition(decision, "Dissent")).to_contain_text(
        "Carol Contributor (Public contributor or patient): Telephone calls exclude deaf parents."
    )
    expect(decision.get_by_text("Warning: Taken by lead's authority")).to_be_visible()
    saved = Decision.objects.get()
    assert (saved.kind, saved.method, saved.other_parties) == ("design", "lead", ["policymaker"])
    assert sorted(d.name for d in saved.dissents.all()) == ["Carol Contributor", "Dr Ines Ward"]


# 3. Whose voice counts


def test_voice_page_shows_the_figures_the_warning_and_the_trend_for_each_window(
    page: Page, team: Team
) -> None:
    # Arrange
    advisory_meetings(team)
    sign_in(page, team.alice)
    page.goto(project_path(team, "charter/"))

    # Act
    page.get_by_role("navigation", name="Governance").get_by_role(
        "link", name="Whose voice counts"
    ).click()

    # Assert: the figures over all six meetings
    expect(page.get_by_role("heading", name="Whose voice counts", level=1)).to_be_visible()
    for term, value in {
        "Activities with attendance recorded": "6",
        "People who took part": "5",
        "Contributions tallied": "102",
        "Gini coefficient of contributions": "0.06 (0 is equal; near 1, one person makes them all)",
        "Gini coefficient of attendance": "0.09",
        "Share of the two most active": "44% (Alice Lead and Paula Partner)",
    }.items():
        expect(definition(page, term)).to_have_text(value)

    # Assert: over the last three meetings, two voices dominate
    dominated = page.get_by_role("region", name="The usual suspects: two voices dominate")
    expect(dominated).to_contain_text(
        "Over the last 3 activities, two people made 86% of all 42 contributions, among 4 "
        "people who took part."
    )
    expect(dominated).to_contain_text("The two most active: Alice Lead, Bob Researcher.")

    # Assert: the trend chart is an SVG named by its visible caption
    chart = page.locator("figure.chart")
    image = chart.locator("svg[role='img']")
    expect(image).to_have_count(1)
    caption = page.locator(f"[id='{image.get_attribute('aria-labelledby')}']")
    expect(caption).to_contain_text(
        "Whose voice counts, activity by activity (last 3 activities each time)"
    )
    expect(caption).to_contain_text("Over the last 3 activities up to 11 June 2025")
    expect(caption).to_contain_text("the two most active people made 86% of them")
    expect(
        page.get_by_role("img", name=re.compile("^Whose voice counts, activity"))
    ).to_be_visible()

    # Act: reach the table behind the chart with Tab and open it with Enter
    table = chart.get_by_role("table")
    expect(table).to_be_hidden()
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Tab")
    expect(chart.get_by_text("Table behind this chart")).to_be_focused()
    page.keyboard.press("Enter")

    # Assert: a row for each meeting
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(7)
    expect(
        table.get_by_role("row", name=re.compile("^11 Jun 2025: Advisory group, June"))
    ).to_have_text(re.compile(r"^\s*11 Jun 2025: Advisory group, June\s*4\s*\d+%\s*86%\s*$"))

    # Act: look at the last six meetings instead
    page.get_by_label("Look at the last").select_option("6")
    page.get_by_role("button", name="Show").click()

    # Assert: over six meetings nobody dominates, and the chart follows the window
    expect(page).to_have_url(re.compile(r"\?window=6$"))
    expect(page.get_by_label("Look at the last")).to_have_value("6")
    expect(page.get_by_role("region", name=re.compile("^The usual suspects"))).to_have_count(0)
    expect(page.locator("figure.chart figcaption")).to_contain_text("(last 6 activities each time)")
    expect(page.locator("figure.chart figcaption")).to_contain_text(
        "the two most active people made 44% of them"
    )


# 4. Findings, outputs and the embargo


def test_finding_and_embargoed_output_through_review_revision_and_early_release(
    page: Page, team: Team, media_root: Path, signal_handlers: None
) -> None:
    # Arrange
    sign_in(page, team.alice)
    page.goto(project_path(team, "charter/"))

    # Act: register a finding
    page.get_by_role("navigation", name="Governance").get_by_role(
        "link", name="Findings and outputs"
    ).click()
    expect(page.get_by_text("No findings registered yet.")).to_be_visible()
    page.get_by_role("link", name="Register a finding").click()
    page.get_by_label("Title").fill("Waiting at night")
    page.get_by_label("Statement").fill(STATEMENT)
    page.get_by_role("button", name="Register the finding").click()

    # Assert
    expect(message(page, "F1 registered in the ledger.")).to_be_visible()
    expect(page.get_by_role("heading", name="F1: Waiting at night", level=1)).to_be_visible()

    # Act: record a stakeholder comment and a framing request
    comment = page.get_by_role("region", name="Record a stakeholder comment")
    comment.get_by_label("Who commented").fill("Families' reference group")
    comment.get_by_label("As which party").select_option(label="Public contributor or patient")
    comment.get_by_label("Comment", exact=True).fill("Say how many families this is.")
    comment.get_by_role("button", name="Record the comment").click()
    expect(message(page, "Comment recorded in the ledger.")).to_be_visible()
    framing = page.get_by_role("region", name="Record a framing request")
    framing.get_by_label("Who asked").fill("Northbridge Trust communications")
    framing.get_by_label("What they asked").fill("Lead with the daytime results.")
    framing.get_by_role("button", name="Record the framing request").click()
    expect(message(page, "Framing request recorded.")).to_be_visible()

    # Act: the team declines the request, with its reason
    request = page.get_by_role(
        "region", name=re.compile("^Northbridge Trust communications asked on")
    )
    expect(request).to_contain_text("Lead with the daytime results.")
    request.get_by_role("group", name="The team's answer").get_by_label("Declined").check()
    request.get_by_label("What the team did").fill("Kept the order of the results.")
    request.get_by_label("Why").fill("The night-time delay is the main finding.")
    request.get_by_role("button", name="Record the team's answer").click()
    expect(message(page, "The team's answer is recorded in the ledger.")).to_be_visible()
    expect(page.get_by_role("heading", name="Framing requests to answer")).to_have_count(0)
    answered = FramingRequest.objects.get()
    assert (answered.outcome, answered.reason) == (
        FramingOutcome.DECLINED,
        "The night-time delay is the main finding.",
    )

    # Act: revise the finding, with a reason
    page.get_by_role("link", name="Revise").click()
    expect(page.get_by_role("heading", name="Revise F1", level=1)).to_be_visible()
    expect(page.get_by_label("Statement")).to_have_value(STATEMENT)
    page.get_by_label("Statement").fill(REVISED_STATEMENT)
    page.get_by_label("Reason").fill("Not every family said so.")
    page.get_by_role("button", name="Record the revision").click()

    # Assert: the ledger history, with the change as words inserted and deleted
    expect(message(page, "F1 revised; the ledger records the change.")).to_be_visible()
    expect(page.locator("blockquote.statement")).to_have_text(REVISED_STATEMENT)
    history = page.get_by_role("table", name="Every ledger entry for F1, oldest first")
    rows = history.get_by_role("row")
    expect(rows).to_have_count(6)
    events = [
        "Registered",
        "Stakeholder comment",
        "Framing request",
        "Response to a framing request",
        "Revised",
    ]
    for row, event in zip(range(1, 6), events, strict=True):
        expect(rows.nth(row).locator("td").nth(1)).to_have_text(event)
        expect(rows.nth(row)).to_contain_text(team.alice.email)
    revised = rows.nth(5)
    expect(revised.locator("del")).to_have_text(["every family", "a"])
    expect(revised.locator("ins")).to_have_text(["most families", "one"])
    expect(revised).to_contain_text("Reason: Not every family said so.")
    expect(rows.nth(4)).to_contain_text("Declined. Kept the order of the results.")
    provenance = page.get_by_role("textbox", name="Provenance statement").input_value()
    assert "The finding F1 (“Waiting at night”) was registered" in provenance
    assert "before stakeholder review began" in provenance
    assert "It has been revised once since, for these reasons:" in provenance
    assert "“Not every family said so.”" in provenance
    assert (
        "1 framing request about how to present it: Northbridge Trust communications asked on"
        in provenance
    )
    assert "the team declined it, giving this reason: “The night-time delay" in provenance

    # Act: register an output with a future release date
    page.get_by_role("link", name="Back to findings and outputs").click()
    page.get_by_role("link", name="Register an output").click()
    release = timezone.localdate() + datetime.timedelta(days=60)
    page.get_by_label("Title").fill("Summary for families")
    page.get_by_label("Kind").select_option(label="Plain-language summary")
    page.get_by_label("Audience").select_option(label="The public")
    page.get_by_label("Release date").fill(release.isoformat())
    page.get_by_label("File").set_input_files(
        {"name": "summary.txt", "mimeType": "text/plain", "buffer": FILE_BYTES}
    )
    page.get_by_role("group", name="Findings").get_by_label("F1: Waiting at night").check()
    page.get_by_role("button", name="Register the output").click()

    # Assert: the page shows the file's hash; the output is embargoed
    expect(message(page, "O1 registered with its SHA-256.")).to_be_visible()
    expect(page.get_by_role("heading", name="O1: Summary for families")).to_be_visible()
    expect(page.get_by_text("embargoed", exact=True)).to_be_visible()
    shown_hash = page.locator("dd code.hash").inner_text()
    assert shown_hash == hashlib.sha256(FILE_BYTES).hexdigest()
    output = Output.objects.get()
    assert (output.sha256, output.release_date) == (shown_hash, release)
    assert (media_root / output.file.name).read_bytes() == FILE_BYTES
    output_path = project_path(team, f"outputs/{output.pk}/")

    # Act: the observer looks for it
    switch_user(page, team.olive)
    page.goto(project_path(team, "integrity/"))

    # Assert: not listed, and its pages are not found
    expect(page.get_by_text("No outputs released yet.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^O1"))).to_have_count(0)
    response = page.goto(output_path)
    assert response is not None and response.status == 404
    response = page.goto(f"{output_path}download/")
    assert response is not None and response.status == 404

    # Act: Bob asks for early release
    switch_user(page, team.bob)
    page.goto(output_path)
    ask = page.locator("details").filter(has=page.get_by_text("Ask for early release"))
    ask.get_by_text("Ask for early release").click()
    ask.get_by_label("Who is asking").fill("Families' reference group")
    ask.get_by_label("Why early").fill("To share at the families' conference.")
    ask.get_by_role("button", name="Record the request for early release").click()
    expect(
        message(page, "Request recorded. The lead decides and gives the reason.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)

    # Act: the lead approves it
    switch_user(page, team.alice)
    page.goto(output_path)
    pending = page.get_by_role("listitem").filter(has_text="Families' reference group asked on")
    expect(pending).to_contain_text("Decision: Not decided yet.")
    pending.get_by_role("group", name="Decision").get_by_label("Approved").check()
    pending.get_by_label("Why").fill("The conference is for the families who took part.")
    pending.get_by_role("button", name="Record the decision").click()

    # Assert: released early, on the record
    expect(message(page, "Decision recorded in the ledger.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"release date .* · released$"))).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="asked on")).to_contain_text(
        "Decision: Approved, because The conference is for the families who took part."
    )
    early = EarlyReleaseRequest.objects.get()
    assert early.decision == ReleaseDecision.APPROVED
    output.refresh_from_db()
    assert output.released_at is not None

    # Act: the observer comes back and downloads it
    switch_user(page, team.olive)
    page.goto(project_path(team, "integrity/"))
    outputs = page.get_by_role("table", name="Registered outputs")
    expect(
        outputs.get_by_role("row", name=re.compile("^O1: Summary for families"))
    ).to_contain_text("Released")
    outputs.get_by_role("link", name="O1: Summary for families").click()
    shown_hash = page.locator("dd code.hash").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="summary.txt").click()
    download = download_info.value
    assert download.suggested_filename == "summary.txt"
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == shown_hash
    expect(page.get_by_role("link", name="Upload a revision")).to_have_count(0)

    # Act: the lead checks both chains; the worker runs the check
    switch_user(page, team.alice)
    page.goto(project_path(team, "integrity/"))
    page.get_by_role("button", name="Check the chains now").click()
    expect(message(page, "The check is queued")).to_be_visible()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    page.reload()

    # Assert: intact, with every ledger entry counted
    chains = page.get_by_role("region", name="Is the record intact?")
    expect(chains).to_contain_text("Intact")
    expect(chains).to_contain_text(f"{LedgerEntry.objects.count()} ledger entries")


# 5. Two people revising one finding at once


def test_second_person_to_save_a_finding_is_told_and_keeps_their_text(
    page: Page, second_page: Page, team: Team
) -> None:
    # Arrange: Alice and Bob both open the revise form of the same finding
    finding = registered_finding(team)
    path = project_path(team, f"findings/{finding.pk}/revise/")
    sign_in(page, team.alice)
    sign_in(second_page, team.bob)
    page.goto(path)
    second_page.goto(path)

    # Act: Alice saves first
    page.get_by_label("Statement").fill(REVISED_STATEMENT)
    page.get_by_label("Reason").fill("Not every family said so.")
    page.get_by_role("button", name="Record the revision").click()
    expect(message(page, "F1 revised; the ledger records the change.")).to_be_visible()

    # Act: Bob, who opened it before Alice saved, saves his own wording
    bobs = STATEMENT.replace("a named contact", "a named contact they could call at night")
    second_page.get_by_label("Statement").fill(bobs)
    second_page.get_by_label("Reason").fill("Families asked for a night-time contact.")
    second_page.get_by_role("button", name="Record the revision").click()

    # Assert: he is told, his text is kept, and Alice's revision stands
    summary = second_page.get_by_role("alert")
    expect(summary).to_contain_text("Someone else saved a change to this since you opened it.")
    expect(second_page.get_by_label("Statement")).to_have_value(bobs)
    expect(second_page.get_by_label("Reason")).to_have_value(
        "Families asked for a night-time contact."
    )
    expect(second_page.get_by_text(REVISED_STATEMENT)).to_be_visible()
    finding.refresh_from_db()
    assert (finding.statement, finding.version) == (REVISED_STATEMENT, 2)

    # Act: having seen the other change, he saves again on purpose
    second_page.get_by_role("button", name="Record the revision").click()

    # Assert: his wording is now the finding's, as a second revision
    expect(message(second_page, "F1 revised; the ledger records the change.")).to_be_visible()
    finding.refresh_from_db()
    assert (finding.statement, finding.version) == (bobs, 3)
    assert LedgerEntry.objects.filter(event="revised").count() == 2


# 6. Accessibility and reflow

# Each page, and what it needs in the project to have something on it.
PAGES = {
    "charter (empty)": ("charter/", set()),
    "charter": ("charter/", {"charter"}),
    "charter edit with an error": ("charter/edit/", {"charter"}),
    "charter history": ("charter/history/", {"charter"}),
    "decisions with warnings": ("decisions/", {"charter", "decision"}),
    "decision form with errors": ("decisions/add/", {"charter"}),
    "voice": ("voice/", {"meetings"}),
    "integrity register": ("integrity/", {"finding", "output"}),
    "finding page": ("findings/{finding}/", {"finding"}),
    "output form with an error": ("outputs/add/", {"finding"}),
    "output page": ("outputs/{output}/", {"finding", "output"}),
}


def open_governance_page(page: Page, team: Team, page_name: str) -> None:
    """Arrange what the page shows (charter version 2, a decision against the charter, six
    tallied meetings, a reviewed and revised finding, an embargoed output with a pending
    request for early release), sign in as the lead and open it."""
    path, needs = PAGES[page_name]
    finding = output = None
    if "charter" in needs:
        charter_version_two(team)
    if "decision" in needs:
        decision_against_the_charter(team)
    if "meetings" in needs:
        advisory_meetings(team)
    if "finding" in needs:
        finding = reviewed_finding(team)
    if "output" in needs:
        output = embargoed_output(team, finding)
        integrity.early_release_request(
            by=team.bob, output=output, requested_by="Bob", reason="For the conference."
        )
    sign_in(page, team.alice)
    page.goto(
        project_path(
            team, path.format(finding=getattr(finding, "pk", 0), output=getattr(output, "pk", 0))
        )
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    summary = page.get_by_role("alert")
    if page_name == "charter edit with an error":
        page.get_by_role("button", name="Agree the new version").click()
        expect(
            summary.get_by_role("link", name="What changed, and why: This field")
        ).to_be_visible()
    elif page_name == "decision form with errors":
        page.get_by_role("group", name="Dissent 1").get_by_label("Why they dissented").fill(
            "Too slow."
        )
        page.get_by_role("button", name="Save the decision").click()
        expect(summary.get_by_text("There is a problem")).to_be_visible()
        expect(summary.get_by_role("link", name=re.compile("^What was decided:"))).to_be_visible()
    elif page_name == "output form with an error":
        page.get_by_label("Title").fill("Summary for families")
        page.get_by_role("button", name="Register the output").click()
        expect(summary.get_by_role("link", name=re.compile("^File:"))).to_be_visible()
    elif page_name == "decisions with warnings":
        expect(page.get_by_role("region", name="1 warning")).to_be_visible()
    elif page_name == "voice":
        expect(page.locator("figure.chart svg")).to_be_visible()
    elif page_name == "output page":
        expect(page.get_by_role("button", name="Record the decision")).to_be_visible()
    elif page_name == "finding page":
        expect(page.get_by_role("button", name="Record the team's answer")).to_be_visible()


def assert_no_blocking_violations(page: Page, what: str) -> None:
    violations = blocking_violations(page)
    assert not violations, f"axe on {what}:\n{describe(violations)}"


@pytest.mark.parametrize("page_name", list(PAGES))
def test_governance_page_has_no_serious_accessibility_violations(
    page: Page, team: Team, media_root: Path, page_name: str
) -> None:
    # Arrange
    open_governance_page(page, team, page_name)

    # Act, Assert
    assert_no_blocking_violations(page, f"the {page_name} page")


@pytest.mark.parametrize(
    "page_name", ["charter", "decisions with warnings", "voice", "finding page"]
)
def test_governance_page_reflows_at_320px_without_horizontal_scroll(
    narrow_page: Page, team: Team, media_root: Path, page_name: str
) -> None:
    # Arrange
    open_governance_page(narrow_page, team, page_name)

    # Act
    widths = narrow_page.evaluate(
        "({document: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )

    # Assert
    assert widths["viewport"] == 320
    assert widths["document"] <= 320 + SCROLL_TOLERANCE_PX, (
        f"The {page_name} page is {widths['document']}px wide at a 320px viewport; widest "
        f"elements: {widest_elements(narrow_page)}"
    )
