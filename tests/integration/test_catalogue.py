"""The framework catalogue: what the data migration loads, the browse page and the export."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains

from coproduce.catalogue.models import (
    CatalogueItem,
    CatalogueVersion,
    CostKind,
    EmphasisCriterion,
    ItemType,
    Question,
    QuestionAudience,
    Stage,
)
from tests.conftest import client_for
from tests.factories import make_user


def export_catalogue() -> dict[str, Any]:
    out = StringIO()
    call_command("catalogue", "export", "--format", "json", stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


@pytest.mark.django_db
def test_catalogue_after_migrations_has_seven_stages_numbered_1_to_7() -> None:
    assert list(Stage.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.django_db
def test_catalogue_after_migrations_has_five_cost_kinds() -> None:
    assert CostKind.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize("item_type", [ItemType.CHALLENGE, ItemType.COST])
def test_catalogue_stage_items_each_have_a_stage_and_cost_kind(item_type: str) -> None:
    items = CatalogueItem.objects.framework().filter(type=item_type)

    assert items.count() >= 14
    assert not items.filter(stage__isnull=True).exists()
    assert not items.filter(cost_kind__isnull=True).exists()
    assert set(items.values_list("stage__number", flat=True)) == set(range(1, 8))


@pytest.mark.django_db
def test_catalogue_cross_cutting_items_have_no_stage() -> None:
    items = CatalogueItem.objects.filter(type=ItemType.CROSS_CUTTING)

    assert items.exists()
    assert not items.filter(stage__isnull=False).exists()


@pytest.mark.django_db
def test_catalogue_has_four_project_and_five_organisation_questions() -> None:
    project = Question.objects.filter(audience=QuestionAudience.PROJECT)
    organisation = Question.objects.filter(audience=QuestionAudience.ORGANISATION)

    assert list(project.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert list(organisation.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_catalogue_has_seven_emphasis_criteria() -> None:
    assert list(EmphasisCriterion.objects.values_list("number", flat=True)) == list(range(1, 8))


@pytest.mark.django_db
def test_catalogue_page_lists_every_stage_and_the_citation() -> None:
    client = client_for(make_user())

    response = client.get(reverse("catalogue:browse"))

    for stage in Stage.objects.all():
        assertContains(response, f"{stage.number}. {escape(stage.name)}")
    version = CatalogueVersion.objects.get()
    assertContains(response, escape(version.citation))
    assertContains(response, f"https://doi.org/{version.doi}")


@pytest.mark.django_db
def test_catalogue_page_requires_sign_in() -> None:
    response = client_for(None).get(reverse("catalogue:browse"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_catalogue_export_json_has_the_whole_framework() -> None:
    data = export_catalogue()

    assert [stage["number"] for stage in data["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    types = [item["type"] for item in data["items"]]
    assert types.count("challenge") >= 14
    assert types.count("cost") >= 14
    assert all(i["stage"] is None for i in data["items"] if i["type"] == "cross_cutting")
    assert len(data["cost_kinds"]) == 5
    assert (len(data["project_questions"]), len(data["organisation_questions"])) == (4, 5)
    assert len(data["emphasis_criteria"]) == 7
    assert data["versions"][0]["doi"] == "10.1186/s12961-019-0432-3"


@pytest.mark.django_db
def test_catalogue_export_with_unknown_format_is_rejected() -> None:
    out = StringIO()

    with pytest.raises((CommandError, SystemExit)):
        call_command("catalogue", "export", "--format", "xml", stdout=out, stderr=StringIO())

    assert out.getvalue() == ""


@pytest.mark.django_db
def test_catalogue_command_without_an_action_is_rejected() -> None:
    with pytest.raises((CommandError, SystemExit)):
        call_command("catalogue", stdout=StringIO(), stderr=StringIO())
