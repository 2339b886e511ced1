"""Projects and their members through the web pages, the change log, and query bounds."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertFormError, assertRedirects

from coproduce.accounts.models import PartyKind, Person
from coproduce.audit.models import AuditEvent, AuditLogIsAppendOnly
from coproduce.catalogue.models import Stage
from coproduce.planning.models import ContributionKind
from coproduce.planning.services import contribution_create, involvement_save
from coproduce.projects.models import Membership, Project, ProjectRole
from coproduce.projects.services import membership_add, project_update
from tests.conftest import Team, client_for
from tests.factories import make_organisation, make_person, make_project

# The overview's queries must not grow with the team: 20 measured with the five-person team
# (session, user, project, role, then one query per table the overview reads, three of them
# for question 3: planned costs, member terms, logged time; three for question 4: the charter
# version, its acknowledgements, a decision; two for risks: one aggregate over the register,
# one for a finished forecast; one for the last check of the chains).
OVERVIEW_MAX_QUERIES = 20


def project_form_data(team: Team, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "Peer support after discharge",
        "summary": "Working with people discharged from hospital.",
        "organisation": team.organisation.pk,
        "funder": "Northern Health Research Fund",
        "start_date": "2025-01-01",
        "end_date": "2026-12-31",
        "current_stage": Stage.objects.get(number=2).pk,
        "approach": "co_design",
        "why_coproduce": "",
        "intended_outcomes": "",
        **overrides,
    }


def url(name: str, team: Team, **kwargs: Any) -> str:
    return reverse(name, kwargs={"project_id": team.project.pk, **kwargs})


def membership_of(team: Team, person: Person) -> Membership:
    return Membership.objects.get(project=team.project, person=person)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Creating and editing projects


@pytest.mark.django_db
def test_project_create_makes_the_creator_its_lead(team: Team) -> None:
    client = client_for(team.bob)

    response = client.post(reverse("projects:create"), project_form_data(team))

    project = Project.objects.get(title="Peer support after discharge")
    assertRedirects(response, reverse("projects:overview", kwargs={"project_id": project.pk}))
    assert project.created_by == team.bob
    assert project.current_stage.number == 2
    assert project.end_date == datetime.date(2026, 12, 31)
    assert list(Membership.objects.filter(project=project).values_list("person", "role")) == [
        (team.bob.person.pk, ProjectRole.LEAD)
    ]


@pytest.mark.django_db
def test_project_create_records_audit_events_with_actor_and_fields(team: Team) -> None:
    client = client_for(team.bob)

    client.post(reverse("projects:create"), project_form_data(team))

    project = Project.objects.get(title="Peer support after discharge")
    created = AuditEvent.objects.get(action="project.create", target_id=str(project.pk))
    assert created.actor == team.bob
    assert created.actor_label == "bob@example.org"
    assert created.changes["title"] == {"from": None, "to": "Peer support after discharge"}
    assert created.changes["end_date"]["to"] == "2026-12-31"
    assert created.changes["organisation_id"]["to"] == team.organisation.pk
    assert {"current_stage_id", "approach", "summary"} <= set(created.changes)
    membership = Membership.objects.get(project=project)
    added = AuditEvent.objects.get(action="membership.add", target_id=str(membership.pk))
    assert added.actor == team.bob
    assert added.project_id == project.pk
    assert added.changes["role"] == {"from": None, "to": "lead"}
    assert added.changes["person_id"]["to"] == team.bob.person.pk


@pytest.mark.django_db
def test_project_create_event_appears_in_the_projects_change_log(team: Team) -> None:
    client = client_for(team.bob)
    client.post(reverse("projects:create"), project_form_data(team))
    project = Project.objects.get(title="Peer support after discharge")

    response = client.get(reverse("projects:audit_log", kwargs={"project_id": project.pk}))

    actions = [event.action for event in response.context["page"].object_list]
    assert actions == ["membership.add", "project.create"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        (
            {"start_date": "2026-06-01", "end_date": "2026-05-31"},
            "end_date",
            "The end date must be on or after the start date.",
        ),
    ],
)
def test_project_create_with_invalid_data_names_the_field_and_saves_nothing(
    team: Team, overrides: dict[str, str], field: str, message: str
) -> None:
    client = client_for(team.bob)
    projects_before, events_before = Project.objects.count(), AuditEvent.objects.count()

    response = client.post(reverse("projects:create"), project_form_data(team, **overrides))

    assert response.status_code == 200
    assertFormError(response.context["form"], field, message)
    assertContains(response, f'id="id_{field}_error"')
    assert Project.objects.count() == projects_before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_project_create_offers_only_the_users_organisations(team: Team) -> None:
    make_organisation("Elsewhere Trust")

    response = client_for(team.bob).get(reverse("projects:create"))

    organisations = response.context["form"].fields["organisation"].queryset
    assert list(organisations) == [team.organisation]
    assertContains(response, "Northbridge University")
    assert b"Elsewhere Trust" not in response.content


@pytest.mark.django_db
def test_project_create_with_another_organisation_is_rejected(team: Team) -> None:
    elsewhere = make_organisation("Elsewhere Trust")
    client = client_for(team.bob)

    response = client.post(
        reverse("projects:create"), project_form_data(team, organisation=elsewhere.pk)
    )

    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Project.objects.filter(organisation=elsewhere).exists()


@pytest.mark.django_db
def test_project_list_shows_only_the_users_projects(team: Team) -> None:
    response = client_for(team.alice).get(reverse("projects:list"))

    assertContains(response, "Crisis care study")
    assert b"Oscar&#x27;s own study" not in response.content
    assert [p.title for p in response.context["page"].object_list] == ["Crisis care study"]


@pytest.mark.django_db
def test_project_list_is_paginated_at_25(team: Team) -> None:
    for number in range(30):
        make_project(by=team.oscar, organisation=team.organisation, title=f"Study {number:02d}")
    client = client_for(team.oscar)

    first = client.get(reverse("projects:list"))
    second = client.get(reverse("projects:list"), {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 6  # 30 and Oscar's own study
    assertContains(first, "Page 1 of 2")
    titles = {p.title for p in [*first.context["page"], *second.context["page"]]}
    assert len(titles) == 31


@pytest.mark.django_db
def test_project_edit_by_researcher_saves_changes(team: Team) -> None:
    client = client_for(team.bob)

    response = client.post(
        url("projects:edit", team),
        project_form_data(
            team, title="Crisis care, revisited", current_stage=Stage.objects.get(number=3).pk
        ),
    )

    assertRedirects(response, url("projects:overview", team))
    team.project.refresh_from_db()
    assert team.project.title == "Crisis care, revisited"
    # The stage is not the edit form's to change: it moves through the stage gate.
    assert team.project.current_stage.number == 1


@pytest.mark.django_db
def test_project_edit_records_the_changed_fields(team: Team) -> None:
    client = client_for(team.bob)

    client.post(url("projects:edit", team), project_form_data(team, title="Crisis care, revisited"))

    event = AuditEvent.objects.filter(action="project.update").latest("pk")
    assert event.actor == team.bob
    assert event.project_id == team.project.pk
    assert event.changes["title"] == {"from": "Crisis care study", "to": "Crisis care, revisited"}


@pytest.mark.django_db
def test_project_edit_by_partner_is_forbidden(team: Team) -> None:
    client = client_for(team.paula)

    get = client.get(url("projects:edit", team))
    post = client.post(url("projects:edit", team), project_form_data(team, title="Hijacked"))

    assert (get.status_code, post.status_code) == (403, 403)
    team.project.refresh_from_db()
    assert team.project.title == "Crisis care study"


# Members


@pytest.mark.django_db
def test_member_add_existing_person(team: Team) -> None:
    client = client_for(team.alice)

    response = client.post(
        url("projects:member_add", team), {"person": team.oscar.person.pk, "role": "researcher"}
    )

    assertRedirects(response, url("projects:members", team))
    assert membership_of(team, team.oscar.person).role == "researcher"
    assert "Oscar Outsider added to the project." in messages_of(response)


@pytest.mark.django_db
def test_member_add_new_person_without_an_account(team: Team) -> None:
    client = client_for(team.alice)
    people_before = Person.objects.count()

    response = client.post(
        url("projects:member_add", team),
        {
            "new_name": " Maureen Kelly ",
            "new_email": "Maureen@Example.org",
            "new_party": "public",
            "new_role_title": "Lived experience adviser",
            "role": "public_contributor",
        },
    )

    assertRedirects(response, url("projects:members", team))
    assert Person.objects.count() == people_before + 1
    maureen = Person.objects.get(name="Maureen Kelly")
    assert maureen.user is None
    assert (maureen.email, maureen.party) == ("maureen@example.org", "public")
    assert membership_of(team, maureen).role == "public_contributor"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choose_existing", "new_name", "field", "message"),
    [
        (
            True,
            "Maureen Kelly",
            "new_name",
            "Choose an existing person or add someone new, not both.",
        ),
        (False, "", "person", "Choose an existing person, or give the name of someone new."),
    ],
)
def test_member_add_needs_exactly_one_of_existing_or_new(
    team: Team, choose_existing: bool, new_name: str, field: str, message: str
) -> None:
    client = client_for(team.alice)
    people_before, members_before = Person.objects.count(), Membership.objects.count()
    data = {"new_name": new_name, "new_party": "public", "role": "public_contributor"}
    if choose_existing:
        data["person"] = team.oscar.person.pk

    response = client.post(url("projects:member_add", team), data)

    assert response.status_code == 200
    assertFormError(response.context["form"], field, message)
    assert Person.objects.count() == people_before
    assert Membership.objects.count() == members_before


@pytest.mark.django_db
def test_member_add_new_person_needs_a_party(team: Team) -> None:
    client = client_for(team.alice)
    people_before = Person.objects.count()

    response = client.post(
        url("projects:member_add", team), {"new_name": "Jamal Osei", "role": "partner"}
    )

    assertFormError(
        response.context["form"],
        "new_party",
        "Say what kind of party the new person takes part as.",
    )
    assert Person.objects.count() == people_before


@pytest.mark.django_db
def test_member_add_of_an_existing_member_is_rejected_and_saves_nothing(team: Team) -> None:
    client = client_for(team.alice)
    events_before = AuditEvent.objects.count()

    response = client.post(
        url("projects:member_add", team), {"person": team.bob.person.pk, "role": "observer"}
    )

    assert response.status_code == 200
    assert (
        "Select a valid choice. That choice is not one of the available choices."
        in response.context["form"].errors["person"]
    )
    assert membership_of(team, team.bob.person).role == "researcher"
    assert Membership.objects.filter(project=team.project).count() == 5
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_membership_add_service_refuses_a_duplicate_with_a_reason(team: Team) -> None:
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as error:
        membership_add(by=team.alice, project=team.project, person=team.bob.person, role="lead")

    assert error.value.message_dict == {
        "person": ["Bob Researcher is already a member of this project."]
    }
    assert membership_of(team, team.bob.person).role == "researcher"
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_member_add_form_offers_colleagues_who_are_not_yet_members(team: Team) -> None:
    response = client_for(team.alice).get(url("projects:member_add", team))

    assert list(response.context["form"].fields["person"].queryset) == [team.oscar.person]


@pytest.mark.django_db
def test_member_role_change_is_saved(team: Team) -> None:
    membership = membership_of(team, team.bob.person)
    client = client_for(team.alice)

    response = client.post(
        url("projects:member_edit", team, membership_id=membership.pk),
        {"role": "coordinator", "is_data_custodian": "on"},
    )

    assertRedirects(response, url("projects:members", team))
    membership.refresh_from_db()
    assert (membership.role, membership.is_data_custodian) == ("coordinator", True)


@pytest.mark.django_db
def test_member_role_change_records_the_changed_fields(team: Team) -> None:
    membership = membership_of(team, team.bob.person)
    client = client_for(team.alice)

    client.post(
        url("projects:member_edit", team, membership_id=membership.pk), {"role": "coordinator"}
    )

    event = AuditEvent.objects.filter(action="membership.update").latest("pk")
    assert event.changes == {"role": {"from": "researcher", "to": "coordinator"}}


@pytest.mark.django_db
def test_member_role_change_demoting_the_last_lead_is_refused(team: Team) -> None:
    membership = membership_of(team, team.alice.person)
    client = client_for(team.alice)

    response = client.post(
        url("projects:member_edit", team, membership_id=membership.pk), {"role": "researcher"}
    )

    assert response.status_code == 200
    assertContains(response, "A project needs at least one lead. Make someone else lead first.")
    assert Membership.objects.get(pk=membership.pk).role == "lead"


@pytest.mark.django_db
def test_member_role_change_demoting_a_lead_is_allowed_when_another_remains(
    team: Team,
) -> None:
    client = client_for(team.alice)
    client.post(
        url("projects:member_edit", team, membership_id=membership_of(team, team.bob.person).pk),
        {"role": "lead"},
    )
    alice = membership_of(team, team.alice.person)

    response = client.post(
        url("projects:member_edit", team, membership_id=alice.pk), {"role": "researcher"}
    )

    assertRedirects(response, url("projects:members", team))
    assert Membership.objects.get(pk=alice.pk).role == "researcher"


@pytest.mark.django_db
def test_member_remove_of_the_last_lead_is_refused_with_a_message(team: Team) -> None:
    membership = membership_of(team, team.alice.person)
    client = client_for(team.alice)

    response = client.post(
        url("projects:member_remove", team, membership_id=membership.pk), follow=True
    )

    assertContains(response, "A project needs at least one lead. Make someone else lead first.")
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.filter(action="membership.remove").exists()


@pytest.mark.django_db
def test_member_remove_takes_the_person_off_the_project(team: Team) -> None:
    membership = membership_of(team, team.carol.person)
    client = client_for(team.alice)

    response = client.post(url("projects:member_remove", team, membership_id=membership.pk))

    assertRedirects(response, url("projects:members", team))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.remove")
    assert (event.actor, event.project_id) == (team.alice, team.project.pk)
    assert client_for(team.carol).get(url("projects:overview", team)).status_code == 404


# The change log


@pytest.mark.django_db
def test_audit_log_lists_events_newest_first(team: Team) -> None:
    project_update(by=team.alice, project=team.project, funder="A new funder")

    response = client_for(team.bob).get(url("projects:audit_log", team))

    events = list(response.context["page"].object_list)
    assert events[0].action == "project.update"
    assert [e.action for e in events].count("membership.add") == 5
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)
    assert [e.created_at for e in events] == sorted((e.created_at for e in events), reverse=True)
    assertContains(response, "project.update: Crisis care study")


@pytest.mark.django_db
def test_audit_log_is_forbidden_to_partners(team: Team) -> None:
    response = client_for(team.paula).get(url("projects:audit_log", team))

    assert response.status_code == 403


@pytest.mark.django_db
def test_audit_event_save_of_an_existing_row_is_refused(team: Team) -> None:
    event = AuditEvent.objects.filter(project_id=team.project.pk).first()
    assert event is not None
    event.action = "tampered"

    with pytest.raises(AuditLogIsAppendOnly):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).action == "membership.add"


@pytest.mark.django_db
def test_audit_event_delete_is_refused(team: Team) -> None:
    event = AuditEvent.objects.filter(project_id=team.project.pk).first()
    assert event is not None

    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_audit_event_queryset_update_and_delete_are_refused(team: Team) -> None:
    events = AuditEvent.objects.filter(project_id=team.project.pk)
    count = events.count()

    with pytest.raises(AuditLogIsAppendOnly):
        events.update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        events.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()

    assert events.count() == count
    assert not AuditEvent.objects.filter(action="tampered").exists()


# Query bounds


def grow_the_project(team: Team, extra: int) -> None:
    """Add `extra` members, contributions and involvement cells to the team's project."""
    parties = PartyKind.values
    roles = ["researcher", "partner", "public_contributor", "observer", "coordinator"]
    for number in range(extra):
        person = make_person(
            f"Extra member {number}", party=parties[number % len(parties)], by=team.alice
        )
        membership_add(
            by=team.alice, project=team.project, person=person, role=roles[number % len(roles)]
        )
    combinations = itertools.product(parties, ContributionKind.values)
    for party, kind in itertools.islice(combinations, extra):
        contribution_create(
            by=team.alice,
            project=team.project,
            party=party,
            kind=kind,
            description=f"{kind} from {party}",
            stages=Stage.objects.all()[:2],
        )
    cells = itertools.product(parties, Stage.objects.all())
    for party, stage in itertools.islice(cells, extra):
        involvement_save(
            by=team.alice,
            project=team.project,
            party=party,
            stage=stage,
            level="involve",
            purpose=f"{party} at stage {stage.number}",
        )


@pytest.mark.django_db
def test_project_overview_queries_do_not_grow_with_the_team(
    team: Team, django_assert_max_num_queries: Any
) -> None:
    client = client_for(team.alice)
    client.get(url("projects:overview", team))  # warm caches that are not per request
    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES):
        small = client.get(url("projects:overview", team))
    grow_the_project(team, extra=40)

    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES):
        large = client.get(url("projects:overview", team))

    assert len(small.context["overview"].members) == 5
    assert len(large.context["overview"].members) == 45
    assertContains(large, "45 members")
