"""The planning pages through the test client: question 1 (contributions), question 2
(involvement grid), the emphasis appraisal, and the progress they show on the overview."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.accounts.models import PartyKind
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.planning.services import contribution_create, emphasis_rate, involvement_save
from coproduce.projects.models import Project
from tests.conftest import Team, client_for
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db

MEMBER_PARTIES = {"researcher", "practitioner", "public", "funder"}
HTMX = {"HTTP_HX_REQUEST": "true"}

type MaxQueries = Callable[[int], AbstractContextManager[Any]]


def url(name: str, project: Project, **kwargs: object) -> str:
    return reverse(name, kwargs={"project_id": project.pk, **kwargs})


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def text(response: HttpResponse) -> str:
    return response.content.decode()


def sections_by_heading(html: str) -> dict[str, str]:
    """The contribution list's party sections, keyed by their heading."""
    sections = {}
    for chunk in html.split('<section class="card"')[1:]:
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", chunk)
        assert heading is not None
        sections[heading.group(1)] = chunk.split("</section>")[0]
    return sections


def grid_cell(html: str, party: str, stage_number: int) -> str:
    match = re.search(
        rf'<td id="cell-{party}-{stage_number}"[^>]*>(.*?)</td>', html, flags=re.DOTALL
    )
    assert match is not None, f"no cell for {party} at stage {stage_number}"
    return match.group(1)


def row_headers(html: str) -> list[str]:
    return re.findall(r'<th scope="row">(.*?)(?:<br>|</th>)', html)


def recommendation_section(html: str) -> str:
    start = html.index('<section class="card recommendation"')
    return html[start : html.index("</section>", start)]


def question_block(html: str, number: int) -> str:
    blocks = html.split('<li class="card question">')[1:]
    for block in blocks:
        if f"<h3>{number}. " in block:
            return block.split("</li>\n")[0]
    raise AssertionError(f"question {number} not on the page")


def contribution_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "party": "public",
        "kind": "lived_experience",
        "description": "Experience of using crisis services",
        "stages": [stage(2).pk, stage(3).pk],
    }
    data.update(overrides)
    return data


def involvement_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "level": "consult",
        "purpose": "Check the questions make sense to service users",
        "alternative": "",
        "alternative_rejected_because": "",
    }
    data.update(overrides)
    return data


def fill_cell(team: Team, party: str = "public", number: int = 2, **fields: str) -> Involvement:
    values = {"level": "involve", "purpose": "Shape the interview guide", **fields}
    return involvement_save(
        by=team.alice, project=team.project, party=party, stage=stage(number), **values
    )


# Contributions (question 1)


def test_contribution_add_saves_party_kind_description_and_stages(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)

    # Act
    response = client.post(url("planning:contribution_add", team.project), contribution_data())

    # Assert
    assert response.status_code == 302
    assert response["Location"] == url("planning:contributions", team.project)
    contribution = Contribution.objects.get(project=team.project)
    assert (contribution.party, contribution.kind) == ("public", "lived_experience")
    assert contribution.description == "Experience of using crisis services"
    assert sorted(contribution.stages.values_list("number", flat=True)) == [2, 3]
    assert contribution.created_by == team.alice
    assert AuditEvent.objects.filter(action="contribution.create").count() == 1


def test_contribution_list_groups_contributions_by_party(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)
    for party, kind, description in [
        ("researcher", "methods_expertise", "Qualitative interviewing"),
        ("public", "lived_experience", "Experience of crisis care"),
        ("researcher", "topic_expertise", "Ten years of mental health research"),
        ("public", "networks", "Links to peer support groups"),
    ]:
        client.post(
            url("planning:contribution_add", team.project),
            contribution_data(party=party, kind=kind, description=description, stages=[]),
        )

    # Act
    response = client.get(url("planning:contributions", team.project))

    # Assert
    assert response.status_code == 200
    sections = sections_by_heading(text(response))
    assert set(sections) == {"Researcher", "Public contributor or patient"}
    researcher, public = sections["Researcher"], sections["Public contributor or patient"]
    assert "Qualitative interviewing" in researcher
    assert "Ten years of mental health research" in researcher
    assert "Experience of crisis care" not in researcher
    assert "Experience of crisis care" in public
    assert "Links to peer support groups" in public
    assert "Qualitative interviewing" not in public


def test_contribution_list_shows_chosen_stages(team: Team) -> None:
    client = client_for(team.alice)
    client.post(url("planning:contribution_add", team.project), contribution_data())

    response = client.get(url("planning:contributions", team.project))

    assert f"Needed at: 2. {stage(2).name}; 3. {stage(3).name}" in text(response)


def test_contribution_add_duplicate_party_and_kind_is_refused(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)
    client.post(url("planning:contribution_add", team.project), contribution_data())
    events_before = AuditEvent.objects.count()

    # Act
    response = client.post(
        url("planning:contribution_add", team.project),
        contribution_data(description="Something else entirely"),
    )

    # Assert
    assert response.status_code == 200
    html = text(response)
    assert "There is a problem" in html
    assert "What they bring: This party already has a contribution of this kind." in html
    assert Contribution.objects.filter(project=team.project).count() == 1
    assert Contribution.objects.get().description == "Experience of using crisis services"
    assert AuditEvent.objects.count() == events_before


def test_contribution_edit_changes_stages_and_records_changed_fields(team: Team) -> None:
    # Arrange
    contribution = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Experience of crisis care",
        stages=[stage(1), stage(2)],
    )
    client = client_for(team.carol)  # the public's own contribution, recorded by the lead

    # Act
    response = client.post(
        url("planning:contribution_edit", team.project, contribution_id=contribution.pk),
        contribution_data(
            description="Experience of crisis care, as patients and carers",
            stages=[stage(2).pk, stage(5).pk],
        ),
    )

    # Assert
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert sorted(contribution.stages.values_list("number", flat=True)) == [2, 5]
    event = AuditEvent.objects.get(action="contribution.update")
    assert event.actor == team.carol
    assert event.project_id == team.project.pk
    assert event.changes == {
        "description": {
            "from": "Experience of crisis care",
            "to": "Experience of crisis care, as patients and carers",
        },
        "stages": {"from": [1, 2], "to": [2, 5]},
    }


def test_contribution_edit_to_clash_with_another_is_refused(team: Team) -> None:
    contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="networks",
        description="Peer groups",
        stages=[],
    )
    other = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Crisis care",
        stages=[],
    )

    response = client_for(team.alice).post(
        url("planning:contribution_edit", team.project, contribution_id=other.pk),
        contribution_data(kind="networks", description="Crisis care", stages=[]),
    )

    assert response.status_code == 200
    assert "What they bring: This party already has a contribution of this kind." in text(response)
    other.refresh_from_db()
    assert other.kind == "lived_experience"


def test_contribution_delete_by_post_removes_it(team: Team) -> None:
    # Arrange
    contribution = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Experience of crisis care",
        stages=[stage(1)],
    )
    delete_url = url("planning:contribution_delete", team.project, contribution_id=contribution.pk)

    # Act
    response = client_for(team.alice).post(delete_url)

    # Assert
    assert response.status_code == 302
    assert not Contribution.objects.filter(pk=contribution.pk).exists()
    assert AuditEvent.objects.filter(action="contribution.delete").count() == 1


def test_contribution_delete_by_get_asks_to_confirm_and_keeps_it(team: Team) -> None:
    contribution = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Experience of crisis care",
        stages=[],
    )
    delete_url = url("planning:contribution_delete", team.project, contribution_id=contribution.pk)

    response = client_for(team.alice).get(delete_url)

    assert response.status_code == 200
    assert "Yes, remove this contribution" in response.content.decode()
    assert Contribution.objects.filter(pk=contribution.pk).exists()


@pytest.mark.parametrize("persona", ["paula", "carol"])
def test_contribution_add_by_partner_and_public_contributor_works(team: Team, persona: str) -> None:
    user = getattr(team, persona)

    response = client_for(user).post(
        url("planning:contribution_add", team.project), contribution_data()
    )

    assert response.status_code == 302
    assert Contribution.objects.get(project=team.project).created_by == user


def test_contribution_add_by_observer_is_forbidden(team: Team) -> None:
    client = client_for(team.olive)

    get_response = client.get(url("planning:contribution_add", team.project))
    post_response = client.post(url("planning:contribution_add", team.project), contribution_data())

    assert get_response.status_code == 403
    assert post_response.status_code == 403
    assert not Contribution.objects.exists()


def test_contribution_edit_of_another_projects_contribution_is_not_found(team: Team) -> None:
    other_project = Project.objects.get(title="Oscar's own study")
    foreign = contribution_create(
        by=team.oscar,
        project=other_project,
        party="public",
        kind="time",
        description="Hours",
        stages=[],
    )

    response = client_for(team.alice).post(
        url("planning:contribution_edit", team.project, contribution_id=foreign.pk),
        contribution_data(),
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.kind == "time"


# Involvement (question 2)


def test_involvement_grid_shows_rows_for_member_parties_only(team: Team) -> None:
    response = client_for(team.alice).get(url("planning:involvement", team.project))

    assert response.status_code == 200
    labels = dict(PartyKind.choices)
    assert sorted(row_headers(text(response))) == sorted(labels[p] for p in MEMBER_PARTIES)
    assert "no members yet" not in text(response)
    assert "Show all kinds of party (4 more)" in text(response)


def test_involvement_grid_with_all_shows_every_party(team: Team) -> None:
    response = client_for(team.alice).get(url("planning:involvement", team.project) + "?all=1")

    html = text(response)
    assert row_headers(html) == [label for _, label in PartyKind.choices]
    assert len(row_headers(html)) == 8
    assert html.count("no members yet") == 4
    assert html.count('<td id="cell-') == 8 * 7


def test_involvement_grid_shows_party_with_filled_cell_even_without_members(team: Team) -> None:
    fill_cell(team, party="policymaker", number=5)

    response = client_for(team.alice).get(url("planning:involvement", team.project))

    assert "Policymaker" in row_headers(text(response))
    assert "Involve" in grid_cell(text(response), "policymaker", 5)


def test_involvement_cell_post_without_htmx_redirects_and_grid_shows_level(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    # Act
    response = client.post(cell_url, involvement_data())

    # Assert
    assert response.status_code == 302
    assert response["Location"] == url("planning:involvement", team.project)
    cell = grid_cell(text(client.get(response["Location"])), "public", 2)
    assert "level--consult" in cell
    assert "Consult" in cell
    assert "Not involved" in grid_cell(text(client.get(response["Location"])), "public", 3)
    saved = Involvement.objects.get(project=team.project)
    assert (saved.party, saved.stage.number, saved.level) == ("public", 2, "consult")
    assert AuditEvent.objects.filter(action="involvement.create").count() == 1


def test_involvement_cell_get_with_htmx_returns_form_fragment_only(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).get(cell_url, **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert html.lstrip().startswith('<form class="cell cell-form"')
    assert 'name="level"' in html
    assert 'name="purpose"' in html


def test_involvement_cell_get_without_htmx_is_a_full_page(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).get(cell_url)

    assert response.status_code == 200
    assert "<html" in text(response)
    assert 'name="level"' in text(response)


def test_involvement_cell_post_with_htmx_returns_display_fragment(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).post(cell_url, involvement_data(level="collaborate"), **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert "<form" not in html
    assert html.lstrip().startswith('<div class="cell">')
    assert "level--collaborate" in html
    assert "Collaborate" in html
    assert Involvement.objects.get(project=team.project).level == "collaborate"


def test_involvement_cell_invalid_post_with_htmx_returns_form_with_error(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).post(cell_url, involvement_data(level=""), **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert html.lstrip().startswith('<form class="cell cell-form"')
    assert "There is a problem" in html
    assert "Level of involvement: This field is required." in html
    assert not Involvement.objects.exists()


def test_involvement_alternative_without_reason_is_refused(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).post(
        cell_url, involvement_data(alternative="A review of published patient experience")
    )

    assert response.status_code == 200
    assert (
        "Why the alternative was not chosen: Say why the alternative was not chosen, "
        "or leave the alternative empty." in text(response)
    )
    assert not Involvement.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="involvement.").exists()


def test_involvement_alternative_with_reason_is_saved(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).post(
        cell_url,
        involvement_data(
            alternative="A review of published patient experience",
            alternative_rejected_because="Nothing published on crisis care in this region",
        ),
    )

    assert response.status_code == 302
    saved = Involvement.objects.get()
    assert saved.alternative == "A review of published patient experience"
    assert saved.alternative_rejected_because == "Nothing published on crisis care in this region"


def test_involvement_cell_clear_removes_cell_and_records_event(team: Team) -> None:
    # Arrange
    cell = fill_cell(team)
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    # Act
    response = client_for(team.bob).post(cell_url, {"clear": "1"})

    # Assert
    assert response.status_code == 302
    assert not Involvement.objects.filter(pk=cell.pk).exists()
    event = AuditEvent.objects.get(action="involvement.clear")
    assert event.actor == team.bob
    # The event keeps everything the cleared cell held.
    assert event.changes["level"] == {"from": "involve", "to": None}
    assert event.changes["purpose"] == {"from": cell.purpose, "to": None}
    assert event.changes["party"] == {"from": "public", "to": None}


def test_involvement_cell_update_changes_in_place_with_audit_of_changed_fields(
    team: Team,
) -> None:
    # Arrange
    original = fill_cell(team)
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    # Act
    response = client_for(team.alice).post(
        cell_url, involvement_data(level="empower", purpose="They decide the interview topics")
    )

    # Assert
    assert response.status_code == 302
    cells = Involvement.objects.filter(project=team.project, party="public", stage=stage(2))
    assert cells.count() == 1
    assert cells.get().pk == original.pk
    assert cells.get().level == "empower"
    event = AuditEvent.objects.get(action="involvement.update")
    assert event.changes == {
        "level": {"from": "involve", "to": "empower"},
        "purpose": {
            "from": "Shape the interview guide",
            "to": "They decide the interview topics",
        },
    }


def test_involvement_cell_form_shows_existing_values(team: Team) -> None:
    fill_cell(team, purpose="Shape the interview guide")
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(team.alice).get(cell_url, **HTMX)

    html = text(response)
    assert "Shape the interview guide" in html
    assert re.search(r'value="involve"[^>]*checked', html)
    assert 'name="clear"' in html


@pytest.mark.parametrize(
    ("party", "number"), [("wizard", 2), ("PUBLIC", 2), ("public", 99), ("public", 0)]
)
def test_involvement_cell_unknown_party_or_stage_is_not_found(
    team: Team, party: str, number: int
) -> None:
    cell_url = url("planning:involvement_cell", team.project, party=party, stage_number=number)
    client = client_for(team.alice)

    assert client.get(cell_url).status_code == 404
    assert client.post(cell_url, involvement_data()).status_code == 404
    assert not Involvement.objects.exists()


def test_involvement_cell_by_partner_is_forbidden(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)
    client = client_for(team.paula)

    assert client.get(cell_url).status_code == 403
    assert client.post(cell_url, involvement_data()).status_code == 403
    assert not Involvement.objects.exists()


def test_involvement_grid_for_partner_has_no_edit_links(team: Team) -> None:
    fill_cell(team)

    response = client_for(team.paula).get(url("planning:involvement", team.project))

    assert response.status_code == 200
    assert "Involve" in grid_cell(text(response), "public", 2)
    assert "cell__edit" not in text(response)


def test_involvement_grid_queries_do_not_grow_with_cells_or_members(
    team: Team, django_assert_max_num_queries: MaxQueries
) -> None:
    # Arrange: measure the grid with a couple of cells.
    client = client_for(team.alice)
    fill_cell(team, party="public", number=1)
    fill_cell(team, party="researcher", number=4)
    grid_url = url("planning:involvement", team.project)
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(grid_url).status_code == 200
    limit = len(baseline.captured_queries)
    # ...then 40 more members across every kind of party, and every one of the 56 cells filled.
    parties = PartyKind.values
    for i in range(40):
        member = make_user(party=parties[i % len(parties)])
        add_member(team.project, member, "observer", by=team.alice)
    for party in parties:
        for number in range(1, 8):
            fill_cell(team, party=party, number=number, level="collaborate")

    # Act
    with django_assert_max_num_queries(limit):
        response = client.get(grid_url)

    # Assert
    assert response.status_code == 200
    assert len(row_headers(text(response))) == 8
    assert text(response).count("level level--collaborate") == 56


# Emphasis appraisal


def emphasis_post(**scores: object) -> dict[str, object]:
    return {f"score_{code}": value for code, value in scores.items()}


def test_emphasis_scoring_four_criteria_shows_recommendation_and_reasons(team: Team) -> None:
    # Arrange: mean (2 + 1 + 1 - 2) / 4 = 0.5, exactly on the threshold for "more".
    client = client_for(team.alice)
    data = emphasis_post(controversy=2, conflicts_of_interest=1, urgency=1, funder_values=-2) | {
        "note_controversy": "The topic is settled locally"
    }

    # Act
    response = client.post(url("planning:emphasis_score", team.project), data, follow=True)

    # Assert
    assert response.redirect_chain == [(url("planning:emphasis", team.project), 302)]
    section = recommendation_section(text(response))
    assert "Put more emphasis on co-production" in section
    assert "(provisional)" not in section
    assert "Balance of scores: 0.50" in section
    assert "from 4 of 7 criteria" in section
    reasons = [
        "<strong>Controversy</strong>: favours more, strongly.",
        "<strong>Conflicts of interest</strong>: favours more.",
        "<strong>Need to act on the results</strong>: favours more.",
    ]
    positions = [section.index(reason) for reason in reasons]
    assert positions == sorted(positions)
    assert "<strong>What the funder values</strong> strongly points the other way." in section
    assert "What the funder values</strong>: favours" not in section
    rating = EmphasisRating.objects.get(project=team.project, criterion__code="controversy")
    assert (rating.score, rating.note, rating.updated_by) == (
        2,
        "The topic is settled locally",
        team.alice,
    )


def test_emphasis_fewer_than_four_scored_is_provisional(team: Team) -> None:
    client = client_for(team.alice)

    response = client.post(
        url("planning:emphasis_score", team.project),
        emphasis_post(controversy=-2, urgency=-1),
        follow=True,
    )

    section = recommendation_section(text(response))
    assert "Put less emphasis on co-production (provisional)" in section
    assert "Score at least four criteria for a firm recommendation." in section


def test_emphasis_page_without_scores_asks_for_them(team: Team) -> None:
    response = client_for(team.alice).get(url("planning:emphasis", team.project))

    assert response.status_code == 200
    assert "No criteria scored yet." in recommendation_section(text(response))


def test_emphasis_note_without_score_is_refused(team: Team) -> None:
    response = client_for(team.alice).post(
        url("planning:emphasis_score", team.project),
        emphasis_post(urgency=1) | {"note_controversy": "Contentious in parliament"},
    )

    assert response.status_code == 400
    html = text(response)
    assert "There is a problem" in html
    assert "Controversy: Choose a score to go with your note." in html
    assert not EmphasisRating.objects.exists()


def test_emphasis_unscored_criteria_stay_unscored(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)
    client.post(
        url("planning:emphasis_score", team.project),
        emphasis_post(controversy=1, urgency=1, funder_values=0, conflicts_of_interest=-1),
    )

    # Act: a later save that scores one more criterion and leaves the rest blank.
    client.post(
        url("planning:emphasis_score", team.project),
        emphasis_post(controversy=1, urgency=1, funder_values=0, conflicts_of_interest=-1)
        | {"score_effectiveness_question": "2", "score_programme_definition": ""},
    )

    # Assert
    scored = set(
        EmphasisRating.objects.filter(project=team.project).values_list(
            "criterion__code", flat=True
        )
    )
    assert scored == {
        "controversy",
        "urgency",
        "funder_values",
        "conflicts_of_interest",
        "effectiveness_question",
    }


def test_emphasis_rescoring_same_values_records_no_new_event(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)
    data = emphasis_post(controversy=2, urgency=-1) | {"note_urgency": "Not pressing"}
    client.post(url("planning:emphasis_score", team.project), data)
    events_after_first = AuditEvent.objects.filter(action="emphasis.rate").count()

    # Act
    response = client.post(url("planning:emphasis_score", team.project), data)

    # Assert
    assert response.status_code == 302
    assert events_after_first == 2
    assert AuditEvent.objects.filter(action="emphasis.rate").count() == 2


def test_emphasis_rescoring_a_changed_value_records_one_event(team: Team) -> None:
    client = client_for(team.alice)
    client.post(url("planning:emphasis_score", team.project), emphasis_post(controversy=2))

    client.post(url("planning:emphasis_score", team.project), emphasis_post(controversy=-1))

    events = AuditEvent.objects.filter(action="emphasis.rate").order_by("pk")
    assert events.count() == 2
    assert events.last().changes["score"] == {"from": 2, "to": -1}  # type: ignore[union-attr]


def test_emphasis_observer_sees_scores_but_no_form(team: Team) -> None:
    # Arrange
    controversy = EmphasisCriterion.objects.get(code="controversy")
    emphasis_rate(by=team.alice, project=team.project, criterion=controversy, score=2)
    client = client_for(team.olive)

    # Act
    page = client.get(url("planning:emphasis", team.project))
    post = client.post(url("planning:emphasis_score", team.project), emphasis_post(controversy=-2))

    # Assert
    html = text(page)
    assert page.status_code == 200
    assert "<dt>Controversy</dt>\n  <dd>Strongly favours more co-production</dd>" in html
    assert "<dt>Type of question</dt>\n  <dd>Not scored yet</dd>" in html
    assert url("planning:emphasis_score", team.project) not in html
    assert 'name="score_controversy"' not in html
    assert post.status_code == 403
    assert EmphasisRating.objects.get().score == 2


def test_emphasis_score_by_public_contributor_works(team: Team) -> None:
    response = client_for(team.carol).post(
        url("planning:emphasis_score", team.project), emphasis_post(urgency=2)
    )

    assert response.status_code == 302
    rating = EmphasisRating.objects.get(project=team.project)
    assert (rating.criterion.code, rating.score, rating.updated_by) == ("urgency", 2, team.carol)


def test_emphasis_score_by_get_is_not_allowed(team: Team) -> None:
    response = client_for(team.alice).get(url("planning:emphasis_score", team.project))

    assert response.status_code == 405


# Overview progress


def test_overview_questions_one_and_two_not_started_initially(team: Team) -> None:
    response = client_for(team.alice).get(url("projects:overview", team.project))

    html = text(response)
    for number in (1, 2):
        block = question_block(html, number)
        assert "Not started</strong>: 0 of 4 parties" in block


def test_overview_questions_one_and_two_answered_when_every_party_covered(team: Team) -> None:
    # Arrange
    client = client_for(team.alice)
    for party in MEMBER_PARTIES:
        client.post(
            url("planning:contribution_add", team.project),
            contribution_data(party=party, kind="time", stages=[]),
        )
    for number in range(1, 7):  # stage 7 is left for the second act
        party = sorted(MEMBER_PARTIES)[(number - 1) % len(MEMBER_PARTIES)]
        client.post(
            url("planning:involvement_cell", team.project, party=party, stage_number=number),
            involvement_data(),
        )

    # Act
    before_last_stage = text(client.get(url("projects:overview", team.project)))
    client.post(
        url("planning:involvement_cell", team.project, party="public", stage_number=7),
        involvement_data(),
    )
    html = text(client.get(url("projects:overview", team.project)))

    # Assert: every party is covered, but a stage nobody is involved at is still missing
    assert "Started</strong>: 4 of 4 parties" in question_block(before_last_stage, 2)
    assert "Nobody is involved at stage 7" in question_block(before_last_stage, 2)
    for number in (1, 2):
        assert "Answered</strong>: 4 of 4 parties" in question_block(html, number)


def test_overview_questions_started_when_some_parties_covered(team: Team) -> None:
    client = client_for(team.alice)
    client.post(url("planning:contribution_add", team.project), contribution_data())
    fill_cell(team, party="researcher", number=3)

    html = text(client.get(url("projects:overview", team.project)))

    assert "Started</strong>: 1 of 4 parties" in question_block(html, 1)
    assert "Started</strong>: 1 of 4 parties" in question_block(html, 2)
    assert "Researcher: what they bring" in question_block(html, 1)


def test_signed_out_htmx_request_is_sent_to_sign_in_as_a_whole_page(team: Team) -> None:
    cell_url = url("planning:involvement_cell", team.project, party="public", stage_number=2)

    response = client_for(None).get(
        cell_url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{cell_url}"
    )

    assert response["HX-Redirect"].startswith(reverse("accounts:login") + "?next=")
    assert b"Sign in" not in response.content


def test_cell_forms_have_ids_of_their_own(team: Team) -> None:
    client = client_for(team.bob)
    first = client.get(
        url("planning:involvement_cell", team.project, party="public", stage_number=1),
        HTTP_HX_REQUEST="true",
    )
    second = client.get(
        url("planning:involvement_cell", team.project, party="public", stage_number=2),
        HTTP_HX_REQUEST="true",
    )

    assert b'id="cell-public-1-purpose"' in first.content
    assert b'id="cell-public-2-purpose"' in second.content
    assert b'for="cell-public-2-purpose"' in second.content


def test_emphasis_not_scored_withdraws_an_earlier_score(team: Team) -> None:
    controversy = EmphasisCriterion.objects.get(code="controversy")
    emphasis_rate(by=team.alice, project=team.project, criterion=controversy, score=2)

    response = client_for(team.alice).post(
        url("planning:emphasis_score", team.project), {"score_controversy": ""}
    )

    assert response.status_code == 302
    assert not EmphasisRating.objects.filter(project=team.project).exists()
    event = AuditEvent.objects.get(action="emphasis.withdraw")
    assert event.changes["score"] == {"from": 2, "to": None}
