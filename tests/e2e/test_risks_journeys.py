"""Risks and the forecast in a real browser: adopting challenges from the framework, scoring
and reviewing them, the stage gate, estimates, forecast runs in the page and in the
background worker, and the risk pages' accessibility and reflow."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from coproduce.catalogue.models import CatalogueItem, Stage
from coproduce.risks import services
from coproduce.risks.models import ForecastRun, Risk, RiskReview, RiskStatus, RunStatus
from tests.conftest import Team
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import (
    SCROLL_TOLERANCE_PX,
    blocking_violations,
    describe,
    widest_elements,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAGE_1 = "Stage 1: Developing mixed research teams"
STAGE_2 = "Stage 2: Framing research questions"
# The framework's stage 1 items: two challenges and two costs.
VOICES = "Partners do not speak with one voice"
USUAL_SUSPECTS = "The 'usual suspects' take over"
LONGER = "The study takes longer"
UNDERMINED = "Joint decisions are undermined"
# Small enough to run while the page waits; a run of more than 100,000 goes to the worker.
QUICK_ITERATIONS = "2000"
BACKGROUND_ITERATIONS = "150000"


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def project_path(team: Team, rest: str) -> str:
    return f"/projects/{team.project.pk}/{rest}"


def adopt_stage_one(team: Team) -> dict[str, Risk]:
    """The four stage 1 items in the register, as the adopt page would put them there."""
    items = CatalogueItem.objects.filter(stage=stage(1), organisation__isnull=True)
    risks = services.risk_adopt(by=team.alice, project=team.project, items=items)
    return {risk.title: risk for risk in risks}


def estimate(
    team: Team, number: int, weeks: tuple[int, int, int], cost: tuple[int, int, int]
) -> None:
    points = ("low", "mode", "high")
    services.stage_estimate_save(
        by=team.alice,
        project=team.project,
        stage=stage(number),
        **{f"duration_{p}": Decimal(v) for p, v in zip(points, weeks, strict=True)},
        **{f"cost_{p}": Decimal(v) for p, v in zip(points, cost, strict=True)},
    )


def forecast_ready(team: Team) -> dict[str, Risk]:
    """Stage 1 risks, one of them scored high, and estimates for stages 1 and 2."""
    risks = adopt_stage_one(team)
    services.risk_review(
        by=team.alice, risk=risks[VOICES], likelihood=4, impact=4, status=RiskStatus.OPEN
    )
    estimate(team, 1, (4, 6, 10), (1000, 1500, 3000))
    estimate(team, 2, (6, 8, 14), (2000, 2500, 4000))
    return risks


def two_runs(team: Team) -> tuple[ForecastRun, ForecastRun]:
    forecast_ready(team)
    first = services.forecast_start(
        by=team.alice, project=team.project, iterations=2000, seed=11, label="Before ethics"
    )
    estimate(team, 2, (6, 9, 16), (2000, 2600, 4500))
    second = services.forecast_start(
        by=team.alice, project=team.project, iterations=2000, seed=12, label="After ethics"
    )
    return first, second


def chart_caption(page: Page, chart: Locator) -> Locator:
    """The visible caption that names a chart's SVG."""
    image = chart.locator("svg[role='img']")
    expect(image).to_have_count(1)
    caption_id = image.get_attribute("aria-labelledby")
    assert caption_id
    return page.locator(f"[id='{caption_id}']")


def project_header(page: Page) -> Locator:
    return page.locator(".project-header .caption")


# 1. Adopt, score and review


def test_lead_adopts_stage_one_challenges_scores_one_and_reviews_it(page: Page, team: Team) -> None:
    # Arrange
    sign_in(page, team.alice)
    page.goto(project_path(team, ""))

    # Act: from the register, adopt both stage 1 challenges in one action
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Risks").click()
    expect(page.get_by_role("heading", name="Risk register", level=1)).to_be_visible()
    page.get_by_role("region", name="Adopt from the framework").get_by_role(
        "link", name=STAGE_1
    ).click()
    expect(page.get_by_role("heading", name=STAGE_1, level=1)).to_be_visible()
    items = page.get_by_role("group", name="Which of these apply to your study?")
    items.get_by_role("checkbox", name=VOICES).check()
    items.get_by_role("checkbox", name=USUAL_SUSPECTS).check()
    page.get_by_role("button", name="Add the ticked items to the register").click()

    # Assert: both are in the register, unscored
    expect(page.get_by_text("2 added to the register. Now score each one.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{project_path(team, 'risks/')}$"))
    assert set(Risk.objects.values_list("title", flat=True)) == {VOICES, USUAL_SUSPECTS}
    register = page.get_by_role("table", name="Risks")
    expect(register.get_by_role("row")).to_have_count(3)  # the header and two risks
    expect(register.get_by_role("row", name=re.compile(f"^{VOICES}"))).to_contain_text("Never")

    # Act: score one of them, and give it an owner and a mitigation
    register.get_by_role("link", name=VOICES).click()
    expect(page.get_by_role("heading", name=VOICES, level=1)).to_be_visible()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=f"Edit {VOICES}", level=1)).to_be_visible()
    page.get_by_role("group", name="Likelihood").get_by_label("4 · Likely", exact=True).check()
    page.get_by_role("group", name="Impact").get_by_label("4 · Major", exact=True).check()
    page.get_by_label("Owner").select_option(label="Bob Researcher (Researcher)")
    page.get_by_label("Mitigation").fill("Agree a decision log at the first meeting.")
    page.get_by_role("button", name="Save risk").click()

    # Assert
    expect(page.get_by_text("Risk saved.")).to_be_visible()
    expect(page.get_by_text("16 of 25")).to_be_visible()
    risk = Risk.objects.get(title=VOICES)
    assert (risk.likelihood, risk.impact, risk.owner.person) == (4, 4, team.bob.person)  # type: ignore[union-attr]

    # Act: record a review that brings the likelihood down
    review = page.get_by_role("region", name="Record a review")
    review.get_by_label("Likelihood").select_option(label="3 · Possible")
    review.get_by_label("Status").select_option(label="Mitigating")
    review.get_by_label("What changed, or why it stays as it is").fill(
        "The decision log is working; partners now agree a line before meetings."
    )
    review.get_by_role("button", name="Record review").click()

    # Assert: the review is in the history and the risk is brought up to date
    expect(page.get_by_text("Review recorded.")).to_be_visible()
    history = page.get_by_role("table", name=f"Reviews of {VOICES}, newest first")
    rows = history.get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text(team.alice.email)
    expect(rows.nth(1)).to_contain_text("Mitigating")
    expect(rows.nth(1)).to_contain_text("partners now agree a line before meetings")
    expect(page.get_by_text("12 of 25")).to_be_visible()
    assert RiskReview.objects.get().risk == risk

    # Assert: the heat map is an inline SVG named by its visible caption
    page.get_by_role("link", name="Back to the register").click()
    chart = page.locator("figure.chart")
    caption = chart_caption(page, chart)
    expect(caption).to_be_visible()
    expect(caption).to_contain_text("Open risks by likelihood and impact")
    expect(caption).to_contain_text("2 open risks by likelihood and impact.")
    expect(
        page.get_by_role("img", name=re.compile("^Open risks by likelihood and impact"))
    ).to_be_visible()

    # Act: reach the table behind the heat map with Tab and open it with Enter
    table = chart.get_by_role("table", name="Open risks by likelihood and impact")
    expect(table).to_be_hidden()
    page.get_by_role("link", name="Cross-cutting costs").focus()
    page.keyboard.press("Tab")
    summary = chart.get_by_text("Table behind this chart")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")

    # Assert: one risk at likelihood 3 and impact 3, one at 3 and 4
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("^3 · Possible"))).to_have_text(
        re.compile(r"^\s*3 · Possible\s*0\s*0\s*1\s*1\s*0\s*$")
    )


# 2. The stage gate


def test_lead_moves_the_project_to_stage_two_reviewing_each_open_risk(
    page: Page, team: Team
) -> None:
    # Arrange: four stage 1 risks, one of them already closed
    risks = adopt_stage_one(team)
    services.risk_review(
        by=team.alice, risk=risks[UNDERMINED], likelihood=1, impact=1, status=RiskStatus.CLOSED
    )
    sign_in(page, team.alice)
    page.goto(project_path(team, "risks/"))
    expect(
        page.get_by_text("3 open risks of stage 1 will be reviewed at its gate.")
    ).to_be_visible()

    # Act: open the gate, and send a likelihood the form does not offer
    page.get_by_role("link", name="Move to the next stage").click()
    expect(
        page.get_by_role("heading", name="Leave stage 1: Developing mixed research teams", level=1)
    ).to_be_visible()
    reviews = {title: page.get_by_role("group", name=title, exact=True) for title in risks}
    expect(reviews[UNDERMINED]).to_have_count(0)
    reviews[VOICES].get_by_label("Likelihood").evaluate(
        "select => { select.add(new Option('9', '9')); select.value = '9'; }"
    )
    page.get_by_role("button", name="Record the review and move to stage 2").click()

    # Assert: the error is shown at the risk, and the project stays at stage 1
    likelihood = reviews[VOICES].get_by_label("Likelihood")
    expect(reviews[VOICES].locator(".field__error")).to_contain_text(
        "Select a valid choice. 9 is not one of the available choices."
    )
    expect(likelihood).to_have_attribute("aria-invalid", "true")
    expect(project_header(page)).to_contain_text(STAGE_1)
    team.project.refresh_from_db()
    assert team.project.current_stage.number == 1
    assert not RiskReview.objects.filter(gate__isnull=False).exists()

    # Act: review each open risk properly and move on
    likelihood.select_option(label="2 · Unlikely")
    reviews[VOICES].get_by_label("Status").select_option(label="Mitigating")
    reviews[VOICES].get_by_label("What changed, or why it stays as it is").fill(
        "Partners now meet before each steering group."
    )
    reviews[USUAL_SUSPECTS].get_by_label("Status").select_option(label="Closed")
    page.get_by_label("Note on the stage as a whole").fill("The team is formed.")
    page.get_by_role("button", name="Record the review and move to stage 2").click()

    # Assert: back on the register at stage 2, with a review of each open risk at the gate
    expect(
        page.get_by_text("The project is now at stage 2. Framing research questions.")
    ).to_be_visible()
    expect(project_header(page)).to_contain_text(STAGE_2)
    team.project.refresh_from_db()
    assert team.project.current_stage.number == 2
    gate_reviews = {
        r.risk.title: (r.likelihood, r.status)
        for r in RiskReview.objects.filter(gate__isnull=False).select_related("risk")
    }
    assert gate_reviews == {
        VOICES: (2, "mitigating"),
        USUAL_SUSPECTS: (3, "closed"),
        LONGER: (3, "open"),
    }


# 3. Estimates and the forecast


def fill_stage(page: Page, heading: str, weeks: tuple[str, ...], cost: tuple[str, ...]) -> None:
    group = page.get_by_role("group", name=heading)
    for point, value in zip(("optimistic", "most likely", "pessimistic"), weeks, strict=True):
        group.get_by_label(f"Weeks, {point}").fill(value)
    for point, value in zip(("optimistic", "most likely", "pessimistic"), cost, strict=True):
        group.get_by_label(f"Cost, {point}").fill(value)


def run_forecast(page: Page, *, label: str, iterations: str, seed: str) -> None:
    form = page.get_by_role("region", name="Run a forecast")
    form.get_by_label("Label").fill(label)
    form.get_by_label("Iterations").fill(iterations)
    form.get_by_label("Seed").fill(seed)
    form.get_by_role("button", name="Run the forecast").click()


def test_lead_estimates_two_stages_runs_two_forecasts_and_compares_them(
    page: Page, team: Team
) -> None:
    # Arrange
    adopt_stage_one(team)
    sign_in(page, team.alice)
    page.goto(project_path(team, "forecast/"))

    # Act: estimate stages 1 and 2
    page.get_by_role("link", name="Edit the inputs").click()
    expect(page.get_by_role("heading", name="Forecast inputs", level=1)).to_be_visible()
    fill_stage(page, STAGE_1, ("4", "6", "10"), ("1000", "1500", "3000"))
    fill_stage(page, STAGE_2, ("6", "8", "14"), ("2000", "2500", "4000"))
    page.get_by_role("button", name="Save estimates").click()

    # Assert
    expect(page.get_by_text("Estimates saved.")).to_be_visible()
    expect(page.get_by_text("The inputs now: 2 estimated stages and 4 open risks.")).to_be_visible()

    # Act: run a forecast with a seed
    run_forecast(page, label="Before ethics", iterations=QUICK_ITERATIONS, seed="2024")

    # Assert: the percentiles and the charts
    expect(page.get_by_role("heading", name="Before ethics", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Finished")).to_be_visible()
    totals = page.get_by_role("table", name="Chance of coming in at or under each total")
    for percentile in ("P50", "P80", "P90"):
        expect(totals.get_by_role("row", name=re.compile(f"^{percentile} "))).to_have_text(
            re.compile(rf"^\s*{percentile}\s*[\d.,]+ weeks\s*£[\d,]+\.\d\d\s*$")
        )
    for kind in ("Duration", "Co-production cost"):
        for title in (
            "chance of coming in at or under each total",
            "how often each total came up",
            "what drives the spread",
        ):
            expect(page.get_by_role("img", name=re.compile(f"^{kind}: {title}"))).to_be_visible()
    first = ForecastRun.objects.get()
    assert (first.seed, first.iterations, first.status) == (2024, 2000, RunStatus.DONE)

    # Act: a pessimistic stage 2, a second run, and compare the two from the forecast page
    page.get_by_role("link", name="Back to the forecast").click()
    page.get_by_role("link", name="Edit the inputs").click()
    page.get_by_role("group", name=STAGE_2).get_by_label("Weeks, pessimistic").fill("30")
    page.get_by_role("button", name="Save estimates").click()
    run_forecast(page, label="After ethics", iterations=QUICK_ITERATIONS, seed="2024")
    expect(page.get_by_role("heading", name="After ethics", level=1)).to_be_visible()
    page.get_by_role("link", name="Back to the forecast").click()
    runs = page.get_by_role("table", name="Saved forecast runs, newest first")
    runs.get_by_role("radio", name=re.compile(r"^earlier\W+Before ethics$")).check()
    runs.get_by_role("radio", name=re.compile(r"^later\W+After ethics$")).check()
    page.get_by_role("button", name="Compare the chosen runs").click()

    # Assert: the duration moved, and the changed input is named
    expect(page.get_by_role("heading", name="How the forecast moved", level=1)).to_be_visible()
    durations = page.get_by_role("table", name="Duration (weeks)")
    expect(durations.get_by_role("row", name=re.compile("^P90 "))).to_contain_text("+")
    expect(
        page.get_by_role("table", name="Inputs that differ between the two runs")
    ).to_contain_text("Stage 2")


# 4. A long forecast in the background


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """The worker installs its own SIGINT and SIGTERM handlers; put pytest's back after it."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_long_forecast_runs_in_the_background_and_the_page_shows_it_finishing(
    page: Page, team: Team, signal_handlers: None
) -> None:
    # Arrange
    forecast_ready(team)
    sign_in(page, team.alice)
    page.goto(project_path(team, "forecast/"))

    # Act: more than 100,000 iterations goes to the worker
    run_forecast(page, label="Big run", iterations=BACKGROUND_ITERATIONS, seed="7")

    # Assert: the run waits, and the page says so with a progress bar
    expect(page.get_by_role("heading", name="Big run", level=1)).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="Waiting for the background worker")
    ).to_be_visible()
    expect(page.get_by_role("progressbar", name="Progress")).to_be_visible()
    run = ForecastRun.objects.get()
    assert (run.status, run.in_background, run.iterations) == (RunStatus.QUEUED, True, 150_000)
    expect(page.get_by_text("Chance of coming in at or under each total")).to_have_count(0)
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded

    # Act: the worker runs every queued task, then stops
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    # Assert: the page, polling, shows the finished result without being reloaded
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    expect(page.get_by_role("status").filter(has_text="Finished")).to_be_visible()
    totals = page.get_by_role("table", name="Chance of coming in at or under each total")
    expect(totals.get_by_role("row", name=re.compile("^P80 "))).to_contain_text("weeks")
    expect(
        page.get_by_role("img", name=re.compile("^Duration: what drives the spread"))
    ).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True


# 5. Accessibility and reflow

PAGES = {
    "register": "risks/",
    "adopt": "risks/adopt/1/",
    "risk form with errors": "risks/add/",
    "risk detail": "risks/{risk}/",
    "stage gate": "stage-gate/",
    "estimates with an error": "forecast/estimates/",
    "forecast": "forecast/",
    "run result": "forecast/runs/{later}/",
    "compare": "forecast/compare/?earlier={earlier}&later={later}",
}


def open_risk_page(page: Page, team: Team, page_name: str) -> None:
    """Sign in as the lead and open a risk page of a project with something on every page:
    four stage 1 risks, one of them reviewed, estimates and two finished runs."""
    earlier, later = two_runs(team)
    risk = Risk.objects.get(title=VOICES)
    sign_in(page, team.alice)
    page.goto(
        project_path(
            team, PAGES[page_name].format(risk=risk.pk, earlier=earlier.pk, later=later.pk)
        )
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if page_name == "risk form with errors":
        page.get_by_label("Delay, optimistic (weeks)").fill("2")
        page.get_by_role("button", name="Save risk").click()
        expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    elif page_name == "estimates with an error":
        page.get_by_role("group", name=STAGE_1).get_by_label("Weeks, pessimistic").fill("5")
        page.get_by_role("button", name="Save estimates").click()
        summary = page.get_by_role("alert")
        expect(summary.get_by_text("There is a problem")).to_be_visible()
        expect(
            summary.get_by_role("link", name="Stage 1, weeks, pessimistic: The weeks must run")
        ).to_be_visible()


def assert_no_blocking_violations(page: Page, what: str) -> None:
    violations = blocking_violations(page)
    assert not violations, f"axe on {what}:\n{describe(violations)}"


@pytest.mark.parametrize("page_name", list(PAGES))
def test_risk_page_has_no_serious_accessibility_violations(
    page: Page, team: Team, page_name: str
) -> None:
    # Arrange
    open_risk_page(page, team, page_name)

    # Act, Assert
    assert_no_blocking_violations(page, f"the {page_name} page")


@pytest.mark.parametrize("page_name", ["register", "estimates with an error", "run result"])
def test_risk_page_reflows_at_320px_without_horizontal_scroll(
    narrow_page: Page, team: Team, page_name: str
) -> None:
    # Arrange
    open_risk_page(narrow_page, team, page_name)

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
