"""The risk register, stage gates and the forecast through their pages, services, the
background worker and `coproduce simulate`: what is saved, what is refused, and who may do it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import CatalogueItem, ItemType, Stage
from coproduce.projects.models import Membership, Project
from coproduce.risks import queries
from coproduce.risks.forecast import plan_inputs
from coproduce.risks.models import (
    ForecastRun,
    Risk,
    RiskReview,
    RiskStatus,
    RunStatus,
    StageEstimate,
    StageGate,
)
from coproduce.risks.services import (
    ReviewAnswer,
    forecast_start,
    risk_adopt,
    risk_create,
    risk_review,
    stage_estimate_save,
    stage_gate_pass,
)
from coproduce.risks.simulation import MAX_ITERATIONS, simulate
from coproduce.risks.tasks import run_forecast
from tests.conftest import Team, client_for

pytestmark = pytest.mark.django_db

D = Decimal
PARTS = ("low", "mode", "high")


def url(name: str, team: Team, **kwargs: int) -> str:
    return reverse(f"risks:{name}", kwargs={"project_id": team.project.pk, **kwargs})


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def move_to(team: Team, number: int) -> None:
    Project.objects.filter(pk=team.project.pk).update(current_stage=stage(number))
    team.project.refresh_from_db()


def estimate(
    team: Team,
    number: int,
    duration: tuple[str, str, str] = ("2", "4", "8"),
    cost: tuple[str, str, str] = ("1000", "2000", "4000"),
) -> StageEstimate | None:
    return stage_estimate_save(
        by=team.alice,
        project=team.project,
        stage=stage(number),
        **{f"duration_{p}": D(v) for p, v in zip(PARTS, duration, strict=True)},
        **{f"cost_{p}": D(v) for p, v in zip(PARTS, cost, strict=True)},
    )


def own_risk(team: Team, title: str, number: int = 1, **fields: Any) -> Risk:
    return risk_create(
        by=team.alice, project=team.project, title=title, stage=stage(number), **fields
    )


def items(number: int | None, kind: str | None = None) -> list[CatalogueItem]:
    found = CatalogueItem.objects.framework().filter(stage__number=number)
    if number is None:
        found = CatalogueItem.objects.framework().filter(type=ItemType.CROSS_CUTTING)
    if kind:
        found = found.filter(type=kind)
    return list(found)


def risk_post(team: Team, **overrides: str) -> dict[str, str]:
    data = {
        "title": "Community venue closes",
        "description": "The centre we meet in may close for refurbishment.",
        "stage": str(stage(2).pk),
        "likelihood": "4",
        "impact": "2",
        "owner": "",
        "mitigation": "",
        "status": "open",
        "probability": "",
        **{f"{prefix}_{p}": "" for prefix in ("delay", "cost") for p in PARTS},
    }
    data.update(overrides)
    return data


def estimates_post(values: dict[int, tuple[str, ...]]) -> dict[str, str]:
    """The estimates form: six values per stage given, every other stage left empty."""
    names = [f"{prefix}_{p}" for prefix in ("duration", "cost") for p in PARTS]
    data = {f"stage-{n}-{name}": "" for n in range(1, 8) for name in names}
    for number, six in values.items():
        for name, value in zip(names, six, strict=True):
            data[f"stage-{number}-{name}"] = value
    return data


def text(response: Any) -> str:
    return str(response.content.decode())


# Adopting from the catalogue ------------------------------------------------------------------


def test_adopt_page_adopts_several_items_of_a_stage_in_one_post(team: Team) -> None:
    stage_two = items(2)
    chosen = stage_two[:3]
    client = client_for(team.bob)

    page = text(client.get(url("adopt", team, stage_number=2)))
    response = client.post(url("adopt", team, stage_number=2), {"items": [i.pk for i in chosen]})

    assert all(item.title in page for item in stage_two)
    assert response.status_code == 302
    assert response["Location"] == url("register", team)
    risks = Risk.objects.filter(project=team.project).order_by("pk")
    assert [(r.catalogue_item_id, r.title, r.stage.number) for r in risks] == [
        (i.pk, i.title, 2) for i in chosen
    ]
    assert all(r.created_by == team.bob and r.status == RiskStatus.OPEN for r in risks)
    assert "3 added to the register" in text(client.get(url("register", team)))


def test_adopt_does_not_offer_items_already_in_the_register(team: Team) -> None:
    taken, *others = items(1)
    risk_adopt(by=team.alice, project=team.project, items=[taken])
    client = client_for(team.alice)

    response = client.get(url("adopt", team, stage_number=1))
    offered = set(response.context["form"].fields["items"].queryset.values_list("pk", flat=True))
    again = client.post(url("adopt", team, stage_number=1), {"items": [taken.pk]})

    assert offered == {item.pk for item in others}
    assert "In the register" in text(response)
    assert again.status_code == 200
    assert "Select a valid choice" in text(again)
    assert Risk.objects.filter(project=team.project).count() == 1


def test_adopt_service_skips_items_already_adopted(team: Team) -> None:
    first, second = items(1, "challenge")

    risk_adopt(by=team.alice, project=team.project, items=[first])
    adopted = risk_adopt(by=team.alice, project=team.project, items=[first, second, second])

    assert [r.catalogue_item for r in adopted] == [second]
    assert Risk.objects.filter(project=team.project).count() == 2


def test_adopt_page_says_when_everything_is_already_adopted(team: Team) -> None:
    risk_adopt(by=team.alice, project=team.project, items=items(3))

    page = text(client_for(team.alice).get(url("adopt", team, stage_number=3)))

    assert "Everything the framework lists here is already in the register" in page


def test_cross_cutting_costs_are_adopted_into_the_current_stage(team: Team) -> None:
    move_to(team, 3)
    cross = items(None)
    client = client_for(team.alice)

    page = text(client.get(url("adopt", team, stage_number=0)))
    response = client.post(
        url("adopt", team, stage_number=0), {"items": [cross[0].pk, cross[1].pk]}
    )

    assert "Cross-cutting costs" in page
    assert response.status_code == 302
    assert sorted(Risk.objects.values_list("stage__number", flat=True)) == [3, 3]


def test_adopt_with_nothing_ticked_asks_for_a_tick(team: Team) -> None:
    response = client_for(team.alice).post(url("adopt", team, stage_number=1), {})

    assert response.status_code == 200
    assert "Tick at least one item to adopt." in text(response)
    assert not Risk.objects.exists()


def test_adopt_at_a_stage_that_does_not_exist_is_not_found(team: Team) -> None:
    assert client_for(team.alice).get(url("adopt", team, stage_number=8)).status_code == 404


# The team's own risks --------------------------------------------------------------------------


def test_add_own_risk_saves_it_with_its_owner_and_shows_the_defaults(team: Team) -> None:
    bob = Membership.objects.get(project=team.project, person=team.bob.person)
    client = client_for(team.alice)

    response = client.post(url("risk_add", team), risk_post(team, owner=str(bob.pk)))

    risk = Risk.objects.get(project=team.project)
    assert response.status_code == 302
    assert response["Location"] == url("detail", team, risk_id=risk.pk)
    assert risk.catalogue_item is None
    assert (risk.title, risk.stage.number, risk.likelihood, risk.impact) == (
        "Community venue closes",
        2,
        4,
        2,
    )
    assert risk.owner == bob and risk.created_by == team.alice
    assert risk.probability is None and risk.delay_low is None and risk.cost_low is None
    assert AuditEvent.objects.filter(action="risk.create", target_id=str(risk.pk)).exists()
    detail = text(client.get(response["Location"]))
    assert "0.65 (default for its likelihood)" in detail  # likelihood 4
    assert "0.5 / 1 / 2 weeks (default for its impact)" in detail  # impact 2
    assert "Bob Researcher" in detail


def test_edit_own_risk_saves_its_own_forecast_inputs(team: Team) -> None:
    risk = own_risk(team, "Ethics committee asks for changes", 2)
    client = client_for(team.bob)

    response = client.post(
        url("risk_edit", team, risk_id=risk.pk),
        risk_post(
            team,
            title="Ethics committee asks for major changes",
            status="mitigating",
            probability="0.3",
            delay_low="1",
            delay_mode="2.5",
            delay_high="6",
            cost_low="100",
            cost_mode="250",
            cost_high="900.50",
        ),
    )

    risk.refresh_from_db()
    assert response.status_code == 302
    assert risk.title == "Ethics committee asks for major changes"
    assert risk.status == RiskStatus.MITIGATING
    assert risk.probability == D("0.3")
    assert (risk.delay_low, risk.delay_mode, risk.delay_high) == (D(1), D("2.5"), D(6))
    assert (risk.cost_low, risk.cost_mode, risk.cost_high) == (D(100), D(250), D("900.50"))
    event = AuditEvent.objects.get(action="risk.update", target_id=str(risk.pk))
    assert event.actor == team.bob
    assert "probability" in event.changes


@pytest.mark.parametrize("probability", ["1.5", "-0.1", "1.001"])
def test_risk_form_refuses_a_probability_outside_zero_to_one_and_saves_nothing(
    team: Team, probability: str
) -> None:
    events = AuditEvent.objects.count()

    response = client_for(team.alice).post(
        url("risk_add", team), risk_post(team, probability=probability)
    )

    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert "probability" in response.context["form"].errors
    assert not Risk.objects.exists()
    assert AuditEvent.objects.count() == events


def test_risk_edit_refusing_a_probability_leaves_the_risk_as_it_was(team: Team) -> None:
    risk = own_risk(team, "Venue closes", probability=D("0.2"))

    response = client_for(team.alice).post(
        url("risk_edit", team, risk_id=risk.pk), risk_post(team, probability="2", title="Changed")
    )

    risk.refresh_from_db()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1" in text(response)
    assert (risk.title, risk.probability) == ("Venue closes", D("0.2"))


@pytest.mark.parametrize(
    ("delay", "message"),
    [
        (("5", "2", "1"), "The delay estimates must run optimistic ≤ most likely ≤ pessimistic."),
        (("1", "", "3"), "Give all three delay estimates, or none to use the defaults."),
    ],
)
def test_risk_form_refuses_unordered_or_partial_estimates(
    team: Team, delay: tuple[str, str, str], message: str
) -> None:
    data = risk_post(team, **{f"delay_{p}": v for p, v in zip(PARTS, delay, strict=True)})

    response = client_for(team.alice).post(url("risk_add", team), data)

    assert response.status_code == 200
    assert message in text(response)
    assert not Risk.objects.exists()


def test_risk_owner_must_be_a_member_of_the_project(team: Team) -> None:
    elsewhere = Membership.objects.exclude(project=team.project).first()
    assert elsewhere is not None

    response = client_for(team.alice).post(
        url("risk_add", team), risk_post(team, owner=str(elsewhere.pk))
    )

    assert "Select a valid choice" in text(response)
    assert not Risk.objects.exists()


def test_risk_service_accepts_exactly_complete_ordered_non_negative_estimates(team: Team) -> None:
    values = st.none() | st.decimals(min_value=-2, max_value=20, places=1)

    @settings(max_examples=60, deadline=None)
    @given(delay=st.lists(values, min_size=3, max_size=3), sort=st.booleans())
    def check(delay: list[Decimal | None], sort: bool) -> None:
        if sort and None not in delay:
            delay = sorted(delay)  # type: ignore[type-var]
        before = Risk.objects.count()
        fields = {f"delay_{p}": v for p, v in zip(PARTS, delay, strict=True)}
        acceptable = all(v is None for v in delay) or (
            None not in delay and D(0) <= delay[0] <= delay[1] <= delay[2]  # type: ignore[operator]
        )

        if acceptable:
            own_risk(team, "Delay", **fields)
            assert Risk.objects.count() == before + 1
        else:
            with pytest.raises(ValidationError):
                own_risk(team, "Delay", **fields)
            assert Risk.objects.count() == before

    check()


# Reviews and the register ----------------------------------------------------------------------


def test_review_records_history_and_brings_the_scores_up_to_date(team: Team) -> None:
    risk = own_risk(team, "Partners disagree", likelihood=3, impact=3)
    client = client_for(team.bob)

    first = client.post(
        url("review", team, risk_id=risk.pk),
        {"likelihood": "2", "impact": "4", "status": "mitigating", "note": "  Mediator booked  "},
    )
    client.post(
        url("review", team, risk_id=risk.pk),
        {"likelihood": "1", "impact": "4", "status": "closed", "note": "Agreed a way forward"},
    )

    risk.refresh_from_db()
    assert first.status_code == 302
    assert (risk.likelihood, risk.impact, risk.status) == (1, 4, RiskStatus.CLOSED)
    reviews = list(risk.reviews.all())
    assert [(r.likelihood, r.impact, r.status, r.note) for r in reviews] == [
        (1, 4, "closed", "Agreed a way forward"),
        (2, 4, "mitigating", "Mediator booked"),
    ]
    assert all(r.created_by == team.bob and r.gate is None for r in reviews)
    assert risk.last_reviewed_at == reviews[0].created_at
    page = text(client.get(url("detail", team, risk_id=risk.pk)))
    assert page.index("Agreed a way forward") < page.index("Mediator booked")


def test_review_with_a_score_off_the_scale_is_refused(team: Team) -> None:
    risk = own_risk(team, "Partners disagree", likelihood=3, impact=3)

    response = client_for(team.alice).post(
        url("review", team, risk_id=risk.pk), {"likelihood": "9", "impact": "3", "status": "open"}
    )

    risk.refresh_from_db()
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert risk.likelihood == 3 and not RiskReview.objects.exists()


def test_register_heat_map_counts_open_and_mitigating_risks_by_cell(team: Team) -> None:
    own_risk(team, "A", likelihood=4, impact=5)
    own_risk(team, "B", likelihood=4, impact=5, status=RiskStatus.MITIGATING)
    own_risk(team, "C", likelihood=1, impact=1)
    own_risk(team, "Closed", likelihood=5, impact=5, status=RiskStatus.CLOSED)
    own_risk(team, "Occurred", likelihood=5, impact=5, status=RiskStatus.OCCURRED)

    page = text(client_for(team.olive).get(url("register", team)))

    assert queries.heat_map(team.project) == {(4, 5): 2, (1, 1): 1}
    assert "3 open risks by likelihood and impact. 2 risks score 15 or more" in page
    assert "<svg" in page


def test_register_filters_by_status(team: Team) -> None:
    own_risk(team, "Still open")
    own_risk(team, "All done", status=RiskStatus.CLOSED)

    page = text(client_for(team.alice).get(url("register", team), {"status": "closed"}))

    assert "All done" in page and "Still open" not in page


def test_register_lists_risks_overdue_for_review_with_the_reason(team: Team) -> None:
    now = timezone.now()
    move_to(team, 2)
    stale = own_risk(team, "Reviewed long ago", 2)
    never = own_risk(team, "Added long ago", 2)
    passed = own_risk(team, "Left behind at stage 1", 1)
    fresh = own_risk(team, "Reviewed last week", 2)
    old_closed = own_risk(team, "Closed long ago", 2, status=RiskStatus.CLOSED)
    Risk.objects.filter(pk=stale.pk).update(last_reviewed_at=now - datetime.timedelta(days=100))
    Risk.objects.filter(pk__in=[never.pk, old_closed.pk]).update(
        created_at=now - datetime.timedelta(days=91)
    )
    Risk.objects.filter(pk=fresh.pk).update(
        created_at=now - datetime.timedelta(days=400),
        last_reviewed_at=now - datetime.timedelta(days=7),
    )

    due = {d.risk.title: d.reason for d in queries.overdue(team.project)}
    page = text(client_for(team.alice).get(url("register", team)))

    assert due == {
        "Reviewed long ago": "last reviewed 100 days ago",
        "Added long ago": "added 91 days ago",
        "Left behind at stage 1": "its stage has passed and it has never been reviewed",
    }
    assert "3 risks overdue for review" in page
    assert "Left behind at stage 1</a>: its stage has passed and it has never been reviewed" in page
    assert passed.pk and fresh.pk  # created, and not overdue


def test_a_passed_stage_risk_once_reviewed_is_not_overdue_until_90_days(team: Team) -> None:
    risk = own_risk(team, "Left behind", 1)
    move_to(team, 2)
    risk_review(by=team.alice, risk=risk, likelihood=2, impact=2, status=RiskStatus.OPEN)

    assert queries.overdue(team.project) == []
    later = timezone.now() + datetime.timedelta(days=91)
    assert [d.reason for d in queries.overdue(team.project, now=later)] == [
        "last reviewed 91 days ago"
    ]


# Stage gates ---------------------------------------------------------------------------------


def gate_post(risks: list[Risk], note: str = "", **answers: dict[str, str]) -> dict[str, str]:
    data = {"note": note}
    for risk in risks:
        answer = answers.get(f"r{risk.pk}", {"likelihood": "2", "impact": "2", "status": "open"})
        for field, value in answer.items():
            data[f"risk-{risk.pk}-{field}"] = value
    return data


def test_stage_gate_moves_on_only_when_every_open_risk_of_the_stage_is_reviewed(
    team: Team,
) -> None:
    first = own_risk(team, "Partners disagree", 1)
    second = own_risk(team, "Recruitment slow", 1, status=RiskStatus.MITIGATING)
    own_risk(team, "Already closed", 1, status=RiskStatus.CLOSED)
    own_risk(team, "Later stage", 2)
    answer = ReviewAnswer(first, 2, 3, RiskStatus.OPEN, "")

    with pytest.raises(ValidationError, match=r"Review every open risk of this stage .*1 not"):
        stage_gate_pass(by=team.alice, project=team.project, answers=[answer])

    team.project.refresh_from_db()
    assert team.project.current_stage.number == 1
    assert not StageGate.objects.exists() and not RiskReview.objects.exists()

    gate = stage_gate_pass(
        by=team.alice,
        project=team.project,
        answers=[answer, ReviewAnswer(second, 1, 1, RiskStatus.CLOSED, "Sorted")],
        note="Good start",
    )

    team.project.refresh_from_db()
    assert team.project.current_stage.number == 2
    assert (gate.from_stage.number, gate.to_stage.number, gate.note) == (1, 2, "Good start")
    assert sorted(gate.reviews.values_list("risk__title", flat=True)) == [
        "Partners disagree",
        "Recruitment slow",
    ]
    second.refresh_from_db()
    assert second.status == RiskStatus.CLOSED and second.last_reviewed_at is not None


def test_stage_gate_refuses_reviews_of_risks_from_other_stages(team: Team) -> None:
    first = own_risk(team, "Stage one", 1)
    later = own_risk(team, "Stage two", 2)

    with pytest.raises(ValidationError, match="Only this stage's open risks"):
        stage_gate_pass(
            by=team.alice,
            project=team.project,
            answers=[
                ReviewAnswer(first, 2, 2, RiskStatus.OPEN, ""),
                ReviewAnswer(later, 2, 2, RiskStatus.OPEN, ""),
            ],
        )
    assert not StageGate.objects.exists()


def test_stage_gate_page_reviews_each_risk_and_moves_the_project(team: Team) -> None:
    first = own_risk(team, "Partners disagree", 1)
    second = own_risk(team, "Recruitment slow", 1)
    own_risk(team, "Later stage risk", 2)
    client = client_for(team.bob)

    page = text(client.get(url("stage_gate", team)))
    response = client.post(
        url("stage_gate", team),
        gate_post(
            [first, second],
            note="Team in place",
            **{
                f"r{second.pk}": {
                    "likelihood": "4",
                    "impact": "5",
                    "status": "mitigating",
                    "note": "Worse than thought",
                }
            },
        ),
    )

    assert "Partners disagree" in page and "Recruitment slow" in page
    assert "Later stage risk" not in page
    assert response.status_code == 302
    team.project.refresh_from_db()
    assert team.project.current_stage.number == 2
    gate = StageGate.objects.get()
    assert (gate.created_by, gate.note) == (team.bob, "Team in place")
    assert RiskReview.objects.filter(gate=gate).count() == 2
    second.refresh_from_db()
    assert (second.likelihood, second.impact, second.status) == (4, 5, RiskStatus.MITIGATING)
    assert second.reviews.get().note == "Worse than thought"
    assert "The project is now at stage 2" in text(client.get(response["Location"]))


def test_stage_gate_page_with_a_review_missing_does_not_move(team: Team) -> None:
    first = own_risk(team, "Partners disagree", 1)
    second = own_risk(team, "Recruitment slow", 1)
    data = gate_post([first, second])
    del data[f"risk-{second.pk}-status"]

    response = client_for(team.alice).post(url("stage_gate", team), data)

    team.project.refresh_from_db()
    assert response.status_code == 200
    assert "This field is required" in text(response)
    assert team.project.current_stage.number == 1
    assert not StageGate.objects.exists() and not RiskReview.objects.exists()


def test_stage_gate_without_open_risks_moves_straight_on(team: Team) -> None:
    response = client_for(team.alice).post(url("stage_gate", team), {"note": ""})

    team.project.refresh_from_db()
    assert response.status_code == 302
    assert team.project.current_stage.number == 2


def test_stage_gate_at_the_last_stage_refuses(team: Team) -> None:
    move_to(team, 7)
    client = client_for(team.alice)

    with pytest.raises(ValidationError, match="last stage"):
        stage_gate_pass(by=team.alice, project=team.project, answers=[])
    page = client.get(url("stage_gate", team))
    posted = client.post(url("stage_gate", team), {"note": "Onwards"})

    assert "This is the last stage of the study" in text(page)
    assert posted.status_code == 200
    team.project.refresh_from_db()
    assert team.project.current_stage.number == 7
    assert not StageGate.objects.exists()


# Estimates -------------------------------------------------------------------------------------

SIX = ("2", "4", "8", "1000", "2000", "4000.50")


def test_estimates_page_saves_every_stage_at_once(team: Team) -> None:
    client = client_for(team.alice)

    response = client.post(
        url("estimates", team),
        estimates_post(
            {1: SIX, 2: ("1", "1", "1", "0", "0", "0"), 5: ("3.5", "6", "12", "10", "20", "30")}
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url("forecast", team)
    saved = {
        e.stage.number: (e.duration_low, e.duration_mode, e.duration_high, e.cost_high)
        for e in StageEstimate.objects.filter(project=team.project)
    }
    assert saved == {
        1: (D(2), D(4), D(8), D("4000.50")),
        2: (D(1), D(1), D(1), D(0)),
        5: (D("3.5"), D(6), D(12), D(30)),
    }


def test_estimates_page_clears_a_stage_left_empty(team: Team) -> None:
    estimate(team, 1)
    estimate(team, 4)

    client_for(team.alice).post(url("estimates", team), estimates_post({1: SIX}))

    assert list(StageEstimate.objects.values_list("stage__number", flat=True)) == [1]
    assert AuditEvent.objects.filter(action="stage_estimate.delete").count() == 1


def test_estimates_page_shows_saved_values_to_edit(team: Team) -> None:
    estimate(team, 3, duration=("6", "7.5", "11"))

    page = text(client_for(team.bob).get(url("estimates", team)))

    assert 'name="stage-3-duration_mode" value="7.5"' in page


@pytest.mark.parametrize(
    ("bad_stage", "message"),
    [
        (
            ("8", "4", "2", "1", "2", "3"),
            "The weeks must run optimistic ≤ most likely ≤ pessimistic.",
        ),
        (
            ("1", "2", "3", "300", "200", "100"),
            "The costs must run optimistic ≤ most likely ≤ pessimistic.",
        ),
        (("1", "2", "3", "", "", ""), "Give all six estimates for the stage, or clear them all."),
        (("", "2", "", "", "", "5"), "Give all six estimates for the stage, or clear them all."),
    ],
)
def test_an_invalid_stage_saves_no_stage_and_says_why(
    team: Team, bad_stage: tuple[str, ...], message: str
) -> None:
    estimate(team, 1, duration=("1", "1", "1"))
    events = AuditEvent.objects.count()

    response = client_for(team.alice).post(
        url("estimates", team), estimates_post({1: SIX, 3: bad_stage, 6: SIX})
    )

    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert page.rindex(message) > page.index('id="stage-3"')  # shown against stage 3
    assert "Stage 3" in page[: page.index(message) + len(message)]  # and in the summary
    # Stage 1 keeps its old estimate; stage 6 is not saved either.
    assert list(StageEstimate.objects.values_list("stage__number", "duration_high")) == [(1, D(1))]
    assert AuditEvent.objects.count() == events


def test_estimate_weeks_with_two_decimal_places_are_refused_not_rounded(team: Team) -> None:
    response = client_for(team.alice).post(
        url("estimates", team), estimates_post({2: ("1.25", "2", "3", "1", "2", "3")})
    )

    assert response.status_code == 200
    assert "no more than 1 decimal place" in text(response)
    assert not StageEstimate.objects.exists()


def test_observer_sees_the_estimates_but_no_form(team: Team) -> None:
    estimate(team, 1)

    page = text(client_for(team.olive).get(url("estimates", team)))

    assert "Not estimated." in page
    assert 'name="stage-1-duration_low"' not in page
    assert "Save estimates" not in page


def test_estimates_page_lists_risk_inputs_and_marks_the_defaults(team: Team) -> None:
    estimate(team, 1)
    own_risk(team, "Own inputs", probability=D("0.3"))

    page = text(client_for(team.alice).get(url("estimates", team)))

    assert "Own inputs" in page
    assert '<td class="numeric">0.300</td>' in page  # the team's own, so no "Default"
    assert page.count('<span class="tag">Default</span>') == 2  # delay and cost


# Forecasts -------------------------------------------------------------------------------------


def forecast_post(**overrides: str) -> dict[str, str]:
    return {"label": "", "iterations": "20000", "seed": "42", "distribution": "pert", **overrides}


def weeks(value: float) -> str:
    return f"{value:,.1f} weeks"


def test_forecast_runs_inline_and_the_run_page_shows_the_percentiles(team: Team) -> None:
    estimate(team, 1)
    estimate(team, 2, duration=("4", "6", "12"))
    own_risk(team, "Partner withdraws", 2, likelihood=4, impact=4)
    client = client_for(team.alice)

    response = client.post(url("forecast", team), forecast_post(label="Baseline"))

    run = ForecastRun.objects.get(project=team.project)
    assert response.status_code == 302
    assert response["Location"] == url("run", team, run_id=run.pk)
    assert (run.status, run.progress, run.in_background) == (RunStatus.DONE, 1.0, False)
    assert (run.iterations, run.seed, run.label, run.created_by) == (
        20_000,
        42,
        "Baseline",
        team.alice,
    )
    assert not DBTaskResult.objects.exists()
    percentiles = run.result["duration"]["percentiles"]  # type: ignore[index]
    assert list(percentiles) == ["10", "50", "80", "90"]
    assert percentiles["10"] < percentiles["50"] < percentiles["80"] < percentiles["90"]
    # The stages alone take 6 to 20 weeks; the risk adds 3 to 12 when it occurs.
    assert percentiles["10"] >= 6 and percentiles["90"] <= 32
    page = text(client.get(response["Location"]))
    for p in ("10", "50", "80", "90"):
        assert f'<th scope="row">P{p}</th><td class="numeric">{weeks(percentiles[p])}</td>' in page
    assert "hx-trigger" not in page


def test_same_seed_and_inputs_give_identical_saved_results(team: Team) -> None:
    estimate(team, 1)
    own_risk(team, "Partner withdraws", 1)

    first = forecast_start(by=team.alice, project=team.project, iterations=5_000, seed=7)
    again = forecast_start(by=team.bob, project=team.project, iterations=5_000, seed=7)
    other = forecast_start(by=team.bob, project=team.project, iterations=5_000, seed=8)

    first.refresh_from_db()
    again.refresh_from_db()
    other.refresh_from_db()
    assert first.inputs == again.inputs
    assert first.result == again.result
    assert first.result != other.result


def test_forecast_over_the_cap_is_cut_down_and_says_so(team: Team) -> None:
    estimate(team, 1)
    client = client_for(team.alice)

    response = client.post(url("forecast", team), forecast_post(iterations="3000000"), follow=True)

    run = ForecastRun.objects.get()
    assert run.iterations == MAX_ITERATIONS == 2_000_000
    assert "3,000,000 iterations is more than the most allowed; 2,000,000" in text(response)
    # Two million is beyond the inline limit: it waits for the worker rather than blocking.
    assert run.in_background and run.status == RunStatus.QUEUED


@pytest.mark.parametrize("iterations", ["99", "0", "-5"])
def test_forecast_with_too_few_iterations_is_refused(team: Team, iterations: str) -> None:
    estimate(team, 1)

    response = client_for(team.alice).post(
        url("forecast", team), forecast_post(iterations=iterations)
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 100." in text(response)
    assert not ForecastRun.objects.exists()


def test_forecast_service_refuses_too_few_iterations_too(team: Team) -> None:
    estimate(team, 1)

    with pytest.raises(ValidationError, match="Run at least 100 iterations"):
        forecast_start(by=team.alice, project=team.project, iterations=99, seed=1)


def test_forecast_without_estimated_stages_says_what_to_do_and_saves_nothing(team: Team) -> None:
    own_risk(team, "Partner withdraws")
    client = client_for(team.alice)

    page = text(client.get(url("forecast", team)))
    response = client.post(url("forecast", team), forecast_post())

    assert "Estimate at least one stage first" in page
    assert response.status_code == 200
    assert "Add at least one stage with its estimates before simulating" in text(response)
    assert not ForecastRun.objects.exists()
    with pytest.raises(ValidationError, match="Add at least one stage with its estimates"):
        forecast_start(by=team.alice, project=team.project, iterations=1_000, seed=1)
    assert not ForecastRun.objects.exists()


def test_compare_page_shows_how_percentiles_and_inputs_moved(team: Team) -> None:
    estimate(team, 1)
    risk = own_risk(team, "Partner withdraws", 1, likelihood=2)
    earlier = forecast_start(by=team.alice, project=team.project, iterations=2_000, seed=1)
    estimate(team, 3, duration=("5", "6", "7"))
    risk_review(by=team.alice, risk=risk, likelihood=5, impact=3, status=RiskStatus.OPEN)
    later = forecast_start(by=team.alice, project=team.project, iterations=2_000, seed=1)

    # Given in either order, the older run is the earlier one.
    response = client_for(team.olive).get(
        url("compare", team), {"earlier": later.pk, "later": earlier.pk}
    )

    page = text(response)
    assert response.status_code == 200
    assert response.context["earlier"] == earlier and response.context["later"] == later
    changes = {c.what: (c.earlier, c.later) for c in response.context["comparison"].changes}
    assert changes["Stage 3: Collecting data"][0] == "not in the run"
    assert changes["Risk: Partner withdraws"][0].startswith("probability 0.2;")
    assert changes["Risk: Partner withdraws"][1].startswith("probability 0.9;")
    assert "Stage 1: Developing mixed research teams" not in changes
    earlier_p50 = earlier.result["duration"]["percentiles"]["50"]  # type: ignore[index]
    later_p50 = later.result["duration"]["percentiles"]["50"]  # type: ignore[index]
    assert later_p50 - earlier_p50 > 5  # stage 3 adds 5 to 7 weeks
    assert f'<td class="numeric">+{weeks(later_p50 - earlier_p50)}</td>' in page


def test_compare_without_two_finished_runs_goes_back_with_a_message(team: Team) -> None:
    estimate(team, 1)
    run = forecast_start(by=team.alice, project=team.project, iterations=1_000, seed=1)

    response = client_for(team.alice).get(
        url("compare", team), {"earlier": run.pk, "later": "x"}, follow=True
    )

    assert response.redirect_chain == [(url("forecast", team), 302)]
    assert "Choose two finished runs of this project to compare." in text(response)


# The background worker -------------------------------------------------------------------------


def test_large_forecast_is_queued_then_run_by_the_worker(
    team: Team, keep_signal_handlers: None
) -> None:
    estimate(team, 1)
    estimate(team, 2, duration=("4", "6", "12"))
    own_risk(team, "Partner withdraws", 2)
    client = client_for(team.alice)

    run = forecast_start(by=team.alice, project=team.project, iterations=150_000, seed=3)

    assert (run.status, run.progress, run.in_background) == (RunStatus.QUEUED, 0, True)
    task = DBTaskResult.objects.get()
    assert task.task_path == "coproduce.risks.tasks.run_forecast"
    assert task.args_kwargs == {"args": [run.pk], "kwargs": {}}
    page = text(client.get(url("run", team, run_id=run.pk)))
    fragment = client.get(url("run", team, run_id=run.pk), headers={"HX-Request": "true"})
    assert f'hx-get="{url("run", team, run_id=run.pk)}"' in page
    assert 'hx-trigger="every 1s"' in page and 'hx-select="#run-progress"' in page
    assert '<progress id="run-progress-bar" max="1"' in page
    assert "Waiting for the background worker" in page
    assert "<html" not in text(fragment) and "<h1" not in text(fragment)
    assert text(fragment).strip().startswith('<div id="run-progress"')
    assert "<progress" in text(fragment)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    run.refresh_from_db()
    task.refresh_from_db()
    assert (run.status, run.progress, run.error) == (RunStatus.DONE, 1.0, "")
    assert run.finished_at is not None
    assert task.status == "SUCCESSFUL" and task.return_value == "done"
    assert run.result["iterations"] == 150_000  # type: ignore[index]
    # The worker simulated exactly what a direct run of the saved inputs gives.
    stages, risks, record = plan_inputs(*queries.forecast_plan(team.project))
    assert record == run.inputs
    direct = simulate(stages, risks, iterations=150_000, seed=3)
    assert run.result["duration"]["percentiles"]["80"] == direct.duration.percentiles[80]  # type: ignore[index]
    done_page = text(client.get(url("run", team, run_id=run.pk)))
    assert "hx-trigger" not in done_page and "<progress" not in done_page
    assert "P80" in done_page


def test_a_task_delivered_twice_leaves_the_finished_run_alone(team: Team) -> None:
    estimate(team, 1)
    run = forecast_start(by=team.alice, project=team.project, iterations=1_000, seed=1)
    finished_at = run.finished_at

    assert run_forecast.call(run.pk) == "done"
    assert run_forecast.call(run.pk + 1000) == "missing"
    run.refresh_from_db()
    assert run.finished_at == finished_at


def test_a_queued_run_simulates_its_saved_inputs_not_the_register_now(
    team: Team, keep_signal_handlers: None
) -> None:
    estimate(team, 1, duration=("10", "10", "10"), cost=("5", "5", "5"))
    run = forecast_start(by=team.alice, project=team.project, iterations=150_000, seed=1)
    estimate(team, 1, duration=("50", "50", "50"), cost=("5", "5", "5"))

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    run.refresh_from_db()
    assert run.result["duration"]["percentiles"]["50"] == 10  # type: ignore[index]


# Permissions -----------------------------------------------------------------------------------


@pytest.fixture
def a_risk(team: Team) -> Risk:
    estimate(team, 1)
    return own_risk(team, "Partner withdraws")


def observer_posts(team: Team, risk: Risk) -> list[tuple[str, dict[str, str]]]:
    return [
        (url("risk_add", team), risk_post(team)),
        (url("adopt", team, stage_number=1), {"items": [str(items(1)[0].pk)]}),
        (
            url("review", team, risk_id=risk.pk),
            {"likelihood": "1", "impact": "1", "status": "closed"},
        ),
        (url("estimates", team), estimates_post({2: SIX})),
        (url("forecast", team), forecast_post(iterations="1000")),
        (url("risk_edit", team, risk_id=risk.pk), risk_post(team, title="Changed")),
    ]


def database_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Risk, RiskReview, StageEstimate, ForecastRun, StageGate, AuditEvent)
    }


def test_observer_may_look_but_every_change_is_forbidden(team: Team, a_risk: Risk) -> None:
    client = client_for(team.olive)
    before = database_counts()

    statuses = [client.post(path, data).status_code for path, data in observer_posts(team, a_risk)]

    assert statuses == [403] * 6
    assert database_counts() == before
    for name, kwargs in (
        ("register", {}),
        ("detail", {"risk_id": a_risk.pk}),
        ("forecast", {}),
        ("estimates", {}),
    ):
        assert client.get(url(name, team, **kwargs)).status_code == 200, name
    register = text(client.get(url("register", team)))
    assert "Add your own risk" not in register and "Adopt from the framework" not in register


def test_partner_cannot_pass_the_stage_gate_but_a_researcher_can(team: Team) -> None:
    paula = client_for(team.paula)

    assert paula.get(url("stage_gate", team)).status_code == 403
    assert paula.post(url("stage_gate", team), {"note": ""}).status_code == 403
    team.project.refresh_from_db()
    assert team.project.current_stage.number == 1
    assert client_for(team.bob).post(url("stage_gate", team), {"note": ""}).status_code == 302


@pytest.mark.parametrize("who", ["paula", "carol"])
def test_partners_and_public_contributors_may_not_edit_risks(team: Team, who: str) -> None:
    response = client_for(getattr(team, who)).post(url("risk_add", team), risk_post(team))

    assert response.status_code == 403
    assert not Risk.objects.exists()


def test_outsider_gets_not_found_everywhere(team: Team, a_risk: Risk) -> None:
    client = client_for(team.oscar)
    run = forecast_start(by=team.alice, project=team.project, iterations=1_000, seed=1)

    for name, kwargs in (
        ("register", {}),
        ("detail", {"risk_id": a_risk.pk}),
        ("forecast", {}),
        ("estimates", {}),
        ("stage_gate", {}),
        ("run", {"run_id": run.pk}),
    ):
        assert client.get(url(name, team, **kwargs)).status_code == 404, name
    before = database_counts()
    assert [client.post(p, d).status_code for p, d in observer_posts(team, a_risk)] == [404] * 6
    assert database_counts() == before


def test_a_risk_or_run_of_another_project_is_not_found_through_this_one(team: Team) -> None:
    theirs = Project.objects.exclude(pk=team.project.pk).get()
    their_risk = risk_create(by=team.oscar, project=theirs, title="Theirs", stage=stage(1))
    client = client_for(team.alice)

    assert client.get(url("detail", team, risk_id=their_risk.pk)).status_code == 404
    assert (
        client.post(
            url("review", team, risk_id=their_risk.pk),
            {"likelihood": "1", "impact": "1", "status": "closed"},
        ).status_code
        == 404
    )


# `coproduce simulate` --------------------------------------------------------------------------


def simulate_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_simulate_command_prints_the_percentiles(team: Team) -> None:
    estimate(team, 1)
    own_risk(team, "Partner withdraws")
    pk = str(team.project.pk)

    out, _ = simulate_command("--project", pk, "--iterations", "2000", "--seed", "5")

    lines = out.splitlines()
    assert "2,000 iterations, seed 5, pert; 1 stages, 1 open risks." in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["P10", "P50", "P80", "P90"]
    stages, risks, _ = plan_inputs(*queries.forecast_plan(team.project))
    expected = simulate(stages, risks, iterations=2_000, seed=5).duration.percentiles[50]
    assert weeks(expected) in lines[3]
    assert "£" in lines[3]
    assert not ForecastRun.objects.exists()  # printing only


def test_simulate_command_saves_a_run_as_a_member(team: Team) -> None:
    estimate(team, 1)

    out, _ = simulate_command(
        "--project",
        str(team.project.pk),
        "--iterations",
        "1000",
        "--seed",
        "9",
        "--save-as",
        "BOB@example.org",
    )

    run = ForecastRun.objects.get()
    assert f"saved as run {run.pk}." in out
    assert (run.created_by, run.seed, run.iterations, run.status) == (
        team.bob,
        9,
        1_000,
        RunStatus.DONE,
    )
    assert run.label == "From the command line"
    assert "P90" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "999999"], "There is no project 999999."),
        (["--save-as", "nobody@example.org"], "No active user has the email nobody@example.org."),
        (["--save-as", "olive@example.org"], "olive@example.org may not run forecasts for"),
        (["--save-as", "oscar@example.org"], "oscar@example.org may not run forecasts for"),
        (["--iterations", "50"], "Run at least 100 iterations"),
    ],
)
def test_simulate_command_refuses_bad_arguments_clearly(
    team: Team, args: list[str], message: str
) -> None:
    estimate(team, 1)
    base = ["--project", str(team.project.pk)] if "--project" not in args else []

    with pytest.raises(CommandError, match=message):
        simulate_command(*base, *args)
    assert not ForecastRun.objects.exists()


@pytest.mark.parametrize("save", [False, True])
def test_simulate_command_without_estimates_says_what_to_add(team: Team, save: bool) -> None:
    args = ["--project", str(team.project.pk)] + (
        ["--save-as", "alice@example.org"] if save else []
    )

    with pytest.raises(CommandError, match="Add at least one stage with its estimates"):
        simulate_command(*args)
    assert not ForecastRun.objects.exists()


def test_simulate_command_over_the_cap_notes_it_and_queues_the_saved_run(team: Team) -> None:
    estimate(team, 1)

    out, err = simulate_command(
        "--project",
        str(team.project.pk),
        "--iterations",
        "3000000",
        "--save-as",
        "alice@example.org",
    )

    assert "3,000,000 iterations is more than the most allowed; running 2,000,000." in err
    run = ForecastRun.objects.get()
    assert run.iterations == 2_000_000 and run.status == RunStatus.QUEUED
    assert f"run {run.pk} is queued for the background worker" in out


@pytest.mark.parametrize(
    ("duration", "cost", "field", "message"),
    [
        (("8", "4", "2"), ("1000", "2000", "4000"), "duration_high", "The weeks must run"),
        (("2", "4", "8"), ("4000", "2000", "1000"), "cost_high", "The costs must run"),
    ],
)
def test_stage_estimate_save_refuses_estimates_out_of_order_naming_the_field(
    team: Team, duration: tuple[str, str, str], cost: tuple[str, str, str], field: str, message: str
) -> None:
    # The service applies the same rule as the form (risks.estimates), so a caller that skips
    # the form gets the form's message, not the database constraint's name.
    with pytest.raises(ValidationError) as raised:
        estimate(team, 1, duration=duration, cost=cost)

    assert raised.value.message_dict == {
        field: [f"{message} optimistic ≤ most likely ≤ pessimistic."]
    }
    assert not StageEstimate.objects.exists()
