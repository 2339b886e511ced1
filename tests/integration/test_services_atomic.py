"""Services that write several rows save all of them or none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coproduce.accounts.models import OrganisationMembership, Person
from coproduce.accounts.services import organisation_member_add_new_person
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import EmphasisCriterion
from coproduce.planning.models import EmphasisRating
from coproduce.planning.services import emphasis_rate_all
from coproduce.projects.models import Membership
from coproduce.projects.services import membership_add_new_person
from tests.conftest import Team


def counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Membership.objects.count(),
        OrganisationMembership.objects.count(),
        EmphasisRating.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
def test_new_project_member_with_an_invalid_role_leaves_no_person_behind(team: Team) -> None:
    before = counts()

    with pytest.raises(ValidationError) as caught:
        membership_add_new_person(
            by=team.alice, project=team.project, role="chief", name="Pat", party="public"
        )

    assert "role" in caught.value.message_dict
    assert counts() == before


@pytest.mark.django_db
def test_new_organisation_member_with_an_invalid_party_saves_nothing(team: Team) -> None:
    before = counts()

    with pytest.raises(ValidationError):
        organisation_member_add_new_person(
            by=team.alice, organisation=team.organisation, name="Pat", party="astronaut"
        )

    assert counts() == before


@pytest.mark.django_db
def test_appraisal_with_one_bad_score_saves_none_of_them(team: Team) -> None:
    first, second, third = EmphasisCriterion.objects.all()[:3]
    before = counts()

    with pytest.raises(ValidationError):
        emphasis_rate_all(
            by=team.alice,
            project=team.project,
            scores=[(first, 2, ""), (second, 1, ""), (third, 9, "off the scale")],
        )

    assert counts() == before
