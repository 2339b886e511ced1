"""Every remove or delete URL, found in the URLconf, asks before it removes: a GET shows a
confirmation page (no JavaScript needed) and changes nothing; only its POST removes. The edit
pages' Remove buttons are links to that page, not forms that remove at once.

A new remove or delete URL makes `test_every_removal_url_is_checked` fail until it has a maker
in `MAKERS` below.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import Model
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import Stage
from coproduce.costs.services import AttendeeTime, activity_save, cost_item_create
from coproduce.planning.services import contribution_create
from coproduce.projects.models import Membership
from tests.conftest import Team, client_for
from tests.integration.test_urlconf_permissions import url_names

pytestmark = pytest.mark.django_db

REMOVAL = re.compile(r"(^|_)(remove|delete)$")


def make_contribution(team: Team) -> tuple[Model, dict[str, int], str]:
    contribution = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Experience of crisis care",
        stages=[],
    )
    return contribution, {"contribution_id": contribution.pk}, "planning:contribution_edit"


def make_cost_item(team: Team) -> tuple[Model, dict[str, int], str]:
    item = cost_item_create(
        by=team.alice,
        project=team.project,
        status="planned",
        category="travel",
        stage=Stage.objects.get(number=1),
        description="Train fares for the advisory group",
        defrayed_by="project_budget",
        currency="GBP",
        bearer_organisation=team.organisation,
        amount=Decimal("120.00"),
    )
    return item, {"item_id": item.pk}, "costs:cost_item_edit"


def make_activity(team: Team) -> tuple[Model, dict[str, int], str]:
    activity = activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title="Advisory group 1",
        date=datetime.date(2026, 3, 2),
        stage=Stage.objects.get(number=1),
        attendees=[AttendeeTime(person=team.carol.person, attendance_hours=Decimal(2))],
    )
    return activity, {"activity_id": activity.pk}, "costs:activity_edit"


def make_membership(team: Team) -> tuple[Model, dict[str, int], str]:
    membership = Membership.objects.get(project=team.project, person=team.bob.person)
    return membership, {"membership_id": membership.pk}, "projects:member_edit"


# Route name -> what makes a record for it to remove: (record, URL arguments, its edit page).
MAKERS: dict[str, Callable[[Team], tuple[Model, dict[str, int], str]]] = {
    "planning:contribution_delete": make_contribution,
    "costs:cost_item_delete": make_cost_item,
    "costs:activity_delete": make_activity,
    "projects:member_remove": make_membership,
}


def removal_routes() -> set[str]:
    return {name for name, _ in url_names() if REMOVAL.search(name.rpartition(":")[2])}


def test_every_removal_url_is_checked() -> None:
    assert removal_routes() == set(MAKERS), "teach MAKERS the new remove or delete URL"


def urls(team: Team, route: str) -> tuple[Model, str, str]:
    record, kwargs, edit_route = MAKERS[route](team)
    project = {"project_id": team.project.pk}
    return (
        record,
        reverse(route, kwargs=project | kwargs),
        reverse(edit_route, kwargs=project | kwargs),
    )


def exists(record: Model) -> bool:
    return type(record)._default_manager.filter(pk=record.pk).exists()


@pytest.mark.parametrize("route", sorted(MAKERS))
def test_get_on_a_removal_url_asks_to_confirm_and_removes_nothing(team: Team, route: str) -> None:
    # Arrange
    record, url, edit_url = urls(team, route)
    events = AuditEvent.objects.count()

    # Act
    response = client_for(team.alice).get(url)

    # Assert
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1>Remove .+\?</h1>", html)
    assert re.search(r'<form method="post">', html), "the confirmation posts back to itself"
    assert re.search(r'<button type="submit"[^>]*>Yes, remove', html)
    assert f'href="{edit_url}"' in html, "Cancel goes back to the record"
    assert exists(record)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("route", sorted(MAKERS))
def test_post_on_a_removal_url_removes(team: Team, route: str) -> None:
    record, url, _ = urls(team, route)

    response = client_for(team.alice).post(url)

    assert response.status_code == 302
    assert not exists(record)


@pytest.mark.parametrize("route", sorted(MAKERS))
def test_the_edit_pages_remove_button_opens_the_confirmation(team: Team, route: str) -> None:
    record, url, edit_url = urls(team, route)

    html = client_for(team.alice).get(edit_url).content.decode()

    assert re.search(rf'<a class="button button--warning" href="{re.escape(url)}">Remove', html)
    assert f'action="{url}"' not in html, "a form there would remove at once"
    assert exists(record)


@pytest.mark.parametrize("route", sorted(MAKERS))
def test_a_removal_url_refuses_other_methods(team: Team, route: str) -> None:
    record, url, _ = urls(team, route)

    assert client_for(team.alice).put(url).status_code == 405
    assert exists(record)


def test_removal_still_checks_permission_on_get(team: Team) -> None:
    record, url, _ = urls(team, "costs:cost_item_delete")

    assert client_for(team.carol).get(url).status_code == 403
    assert client_for(team.oscar).get(url).status_code == 404
    assert exists(record)
