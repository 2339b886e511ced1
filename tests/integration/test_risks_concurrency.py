"""Optimistic concurrency on the risk form: an edit made to an old copy is refused, the
person's input is kept, and saving again is a deliberate overwrite."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from coproduce.audit.models import AuditEvent
from coproduce.risks.models import Risk
from coproduce.risks.services import risk_create, risk_update
from tests.conftest import Team, client_for


def edit_form(risk: Risk, version: int, **changes: str) -> dict[str, str]:
    data = {
        "title": risk.title,
        "description": "",
        "stage": str(risk.stage_id),
        "likelihood": str(risk.likelihood),
        "impact": str(risk.impact),
        "owner": "",
        "mitigation": "",
        "status": risk.status,
        "version": str(version),
    }
    data.update(changes)
    return data


@pytest.fixture
def risk(team: Team) -> Risk:
    return risk_create(
        by=team.alice,
        project=team.project,
        title="Partner organisation withdraws",
        stage=team.project.current_stage,
    )


@pytest.mark.django_db
def test_a_stale_edit_is_refused_and_keeps_the_input(team: Team, risk: Risk) -> None:
    url = reverse("risks:risk_edit", kwargs={"project_id": team.project.pk, "risk_id": risk.pk})
    opened = client_for(team.bob).get(url).context["form"]["version"].value()
    risk_update(by=team.alice, risk=risk, version=opened, mitigation="Monthly check-ins")

    response = client_for(team.bob).post(
        url, edit_form(risk, opened, mitigation="Written agreement with each partner")
    )

    assert response.status_code == 200
    assertContains(response, "Someone else saved a change to this since you opened it")
    assertContains(response, "Written agreement with each partner")  # the input is kept
    assertContains(response, "Monthly check-ins")  # and the other change is shown
    assert response.context["form"]["version"].value() == "2"
    risk.refresh_from_db()
    assert risk.mitigation == "Monthly check-ins"


@pytest.mark.django_db
def test_saving_again_after_a_stale_edit_overwrites_deliberately(team: Team, risk: Risk) -> None:
    url = reverse("risks:risk_edit", kwargs={"project_id": team.project.pk, "risk_id": risk.pk})
    risk_update(by=team.alice, risk=risk, version=1, mitigation="Monthly check-ins")
    client = client_for(team.bob)
    refused = client.post(url, edit_form(risk, 1, mitigation="Written agreements"))
    version = refused.context["form"]["version"].value()

    client.post(url, edit_form(risk, int(version), mitigation="Written agreements"))

    risk.refresh_from_db()
    assert risk.mitigation == "Written agreements"
    assert risk.version == 3


@pytest.mark.django_db
def test_a_review_makes_an_open_edit_stale(team: Team, risk: Risk) -> None:
    from coproduce.risks.services import risk_review

    risk_review(by=team.alice, risk=risk, likelihood=4, impact=4, status="open")
    url = reverse("risks:risk_edit", kwargs={"project_id": team.project.pk, "risk_id": risk.pk})

    response = client_for(team.bob).post(url, edit_form(risk, 1, title="Renamed"))

    assertContains(response, "Someone else saved a change")
    risk.refresh_from_db()
    assert (risk.title, risk.likelihood) == ("Partner organisation withdraws", 4)


@pytest.mark.django_db
def test_the_version_number_stays_out_of_the_change_log(team: Team, risk: Risk) -> None:
    risk_update(by=team.alice, risk=risk, version=1, mitigation="Monthly check-ins")

    event = AuditEvent.objects.filter(action="risk.update").get()

    assert set(event.changes) == {"mitigation"}
