"""Malformed requests to every form endpoint in planning and projects: never a 500, never a
change to the database, and the form comes back with its error summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from coproduce.accounts.models import Organisation, OrganisationMembership, Person, User
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.planning.services import contribution_create, emphasis_rate, involvement_save
from coproduce.projects.models import Membership, Project, ProjectRole
from tests.conftest import Team, client_for
from tests.factories import make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db

LONG = "x" * 100_000
NUL = "\x00"
HUGE_ID = "99999999999999999999"  # larger than any database integer

WATCHED_MODELS = [
    User,
    Organisation,
    OrganisationMembership,
    Person,
    Project,
    Membership,
    Contribution,
    Contribution.stages.through,
    Involvement,
    EmphasisRating,
    AuditEvent,
]


def database_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model these endpoints could write to."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in WATCHED_MODELS
    }


def row_counts(state: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {label: len(rows) for label, rows in state.items()}


@dataclass
class World:
    """The team's project with one of everything filled in, and someone from elsewhere."""

    team: Team
    contribution: Contribution
    involvement: Involvement
    bob_membership: Membership
    alice_membership: Membership
    stranger: Person
    other_organisation: Organisation

    def url(self, endpoint: str) -> str:
        project_id = self.team.project.pk
        return {
            "contribution_add": reverse("planning:contribution_add", args=[project_id]),
            "contribution_edit": reverse(
                "planning:contribution_edit", args=[project_id, self.contribution.pk]
            ),
            "involvement_cell": reverse(
                "planning:involvement_cell", args=[project_id, "public", 2]
            ),
            "emphasis_score": reverse("planning:emphasis_score", args=[project_id]),
            "project_create": reverse("projects:create"),
            "project_edit": reverse("projects:edit", args=[project_id]),
            "member_add": reverse("projects:member_add", args=[project_id]),
            "member_edit": reverse(
                "projects:member_edit", args=[project_id, self.bob_membership.pk]
            ),
        }[endpoint]


@pytest.fixture
def world(team: Team) -> World:
    stage = {s.number: s for s in Stage.objects.all()}
    contribution = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Experience of crisis care",
        stages=[stage[1], stage[2]],
    )
    involvement = involvement_save(
        by=team.alice,
        project=team.project,
        party="public",
        stage=stage[2],
        level="involve",
        purpose="Shape the interview guide",
    )
    emphasis_rate(
        by=team.alice,
        project=team.project,
        criterion=EmphasisCriterion.objects.get(code="controversy"),
        score=1,
    )
    other_organisation = make_organisation("Southgate Health Trust", kind="health_service")
    otto = make_user("otto@example.org", name="Otto Elsewhere", organisation=other_organisation)
    make_project(by=otto, organisation=other_organisation, title="Southgate study")
    return World(
        team=team,
        contribution=contribution,
        involvement=involvement,
        bob_membership=Membership.objects.get(project=team.project, person=team.bob.person),
        alice_membership=Membership.objects.get(project=team.project, person=team.alice.person),
        stranger=otto.person,
        other_organisation=other_organisation,
    )


def valid_contribution(**overrides: object) -> dict[str, object]:
    return {
        "party": "researcher",
        "kind": "methods_expertise",
        "description": "Interviewing",
        "stages": ["1"],
        **overrides,
    }


def valid_involvement(**overrides: object) -> dict[str, object]:
    return {"level": "consult", "purpose": "Check the questions", **overrides}


def valid_project(world: World, **overrides: object) -> dict[str, object]:
    return {
        "title": "A new study",
        "organisation": str(world.team.organisation.pk),
        "current_stage": str(Stage.objects.get(number=1).pk),
        "approach": "co_production",
        **overrides,
    }


def valid_new_member(**overrides: object) -> dict[str, object]:
    return {
        "new_name": "Sam Public",
        "new_party": "public",
        "role": "public_contributor",
        **overrides,
    }


# (endpoint, what is wrong, payload): each payload is refused as a whole.
GARBAGE: list[tuple[str, str, Any]] = [
    # Only a new project chooses its stage; an existing one moves through the stage gate.
    ("project_create", "stage that does not exist", lambda w: valid_project(w, current_stage="99")),
    ("project_create", "stage id not a number", lambda w: valid_project(w, current_stage="abc")),
    ("project_create", "stage id too large", lambda w: valid_project(w, current_stage=HUGE_ID)),
]
for _endpoint in ("contribution_add", "contribution_edit"):
    GARBAGE += [
        (_endpoint, "empty body", lambda w: {}),
        (_endpoint, "unknown party", lambda w: valid_contribution(party="shout")),
        (_endpoint, "unknown kind", lambda w: valid_contribution(kind="shout")),
        (_endpoint, "stage that does not exist", lambda w: valid_contribution(stages=["999999"])),
        (_endpoint, "stage id not a number", lambda w: valid_contribution(stages=["abc"])),
        (_endpoint, "stage id too large", lambda w: valid_contribution(stages=[HUGE_ID])),
        (_endpoint, "long strings", lambda w: {"party": LONG, "kind": LONG, "description": LONG}),
        (_endpoint, "null character", lambda w: valid_contribution(description=f"a{NUL}b")),
        (_endpoint, "blank description", lambda w: valid_contribution(description="   ")),
    ]
GARBAGE += [
    ("involvement_cell", "empty body", lambda w: {}),
    ("involvement_cell", "unknown level", lambda w: valid_involvement(level="shout")),
    ("involvement_cell", "long level", lambda w: valid_involvement(level=LONG)),
    ("involvement_cell", "no purpose", lambda w: valid_involvement(purpose="")),
    ("involvement_cell", "null character", lambda w: valid_involvement(purpose=NUL)),
    (
        "involvement_cell",
        "alternative without reason",
        lambda w: valid_involvement(alternative="A literature review"),
    ),
    (
        "involvement_cell",
        "null in alternative, long purpose",
        lambda w: valid_involvement(purpose=LONG, alternative=NUL, level="shout"),
    ),
    ("emphasis_score", "score not a number", lambda w: {"score_controversy": "abc"}),
    ("emphasis_score", "score out of range", lambda w: {"score_controversy": "9"}),
    ("emphasis_score", "score below range", lambda w: {"score_urgency": "-3"}),
    ("emphasis_score", "score a fraction", lambda w: {"score_urgency": "1.5"}),
    ("emphasis_score", "score too long", lambda w: {"score_urgency": LONG}),
    ("emphasis_score", "score null character", lambda w: {"score_urgency": NUL}),
    (
        "emphasis_score",
        "null character in note",
        lambda w: {"score_urgency": "1", "note_urgency": f"ok{NUL}"},
    ),
    ("emphasis_score", "long note without score", lambda w: {"note_urgency": LONG}),
    (
        "emphasis_score",
        "one good score, one bad",
        lambda w: {"score_urgency": "2", "score_controversy": "shout"},
    ),
]
for _endpoint in ("project_create", "project_edit"):
    GARBAGE += [
        (_endpoint, "empty body", lambda w: {}),
        (_endpoint, "long title", lambda w: valid_project(w, title=LONG)),
        (_endpoint, "null character", lambda w: valid_project(w, title=f"Study{NUL}")),
        (
            _endpoint,
            "organisation the user is not in",
            lambda w: valid_project(w, organisation=str(w.other_organisation.pk)),
        ),
        (_endpoint, "organisation not a number", lambda w: valid_project(w, organisation="abc")),
        (_endpoint, "unknown approach", lambda w: valid_project(w, approach="shout")),
        (_endpoint, "date not a date", lambda w: valid_project(w, start_date="soon")),
        (_endpoint, "impossible date", lambda w: valid_project(w, start_date="2025-02-30")),
        (
            _endpoint,
            "end before start",
            lambda w: valid_project(w, start_date="2025-06-01", end_date="2025-01-01"),
        ),
        (_endpoint, "long funder", lambda w: valid_project(w, funder=LONG)),
    ]
GARBAGE += [
    ("member_add", "empty body", lambda w: {}),
    (
        "member_add",
        "person in another organisation",
        lambda w: {"person": str(w.stranger.pk), "role": "researcher"},
    ),
    (
        "member_add",
        "person already a member",
        lambda w: {"person": str(w.team.bob.person.pk), "role": "researcher"},
    ),
    ("member_add", "person id not a number", lambda w: {"person": "abc", "role": "researcher"}),
    ("member_add", "person id too large", lambda w: {"person": HUGE_ID, "role": "researcher"}),
    ("member_add", "unknown role", lambda w: valid_new_member(role="shout")),
    ("member_add", "long name", lambda w: valid_new_member(new_name=LONG)),
    ("member_add", "null character", lambda w: valid_new_member(new_name=f"Sam{NUL}")),
    ("member_add", "bad email", lambda w: valid_new_member(new_email="not-an-email")),
    ("member_add", "unknown party", lambda w: valid_new_member(new_party="shout")),
    ("member_add", "new person without party", lambda w: valid_new_member(new_party="")),
    (
        "member_add",
        "both existing and new person",
        lambda w: valid_new_member(person=str(w.team.oscar.person.pk)),
    ),
    ("member_edit", "empty body", lambda w: {}),
    ("member_edit", "unknown role", lambda w: {"role": "shout"}),
    ("member_edit", "long role", lambda w: {"role": LONG, "is_data_custodian": LONG}),
    ("member_edit", "null character", lambda w: {"role": NUL}),
]


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [pytest.param(e, p, id=f"{e}: {what}") for e, what, p in GARBAGE],
)
def test_garbage_post_is_refused_without_changing_anything(
    world: World, endpoint: str, payload: Any
) -> None:
    # Arrange
    client = client_for(world.team.alice)
    before = database_state()

    # Act
    response = client.post(world.url(endpoint), payload(world))

    # Assert
    assert response.status_code in (200, 400), response.status_code
    assert "There is a problem" in response.content.decode()
    after = database_state()
    assert row_counts(after) == row_counts(before)
    assert after == before


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({}, id="empty body"),
        pytest.param(valid_involvement(level="shout"), id="unknown level"),
        pytest.param(valid_involvement(purpose=NUL), id="null character"),
        pytest.param(valid_involvement(level=LONG, purpose=LONG), id="long strings"),
    ],
)
def test_garbage_htmx_post_to_involvement_cell_returns_form_fragment(
    world: World, payload: dict[str, object]
) -> None:
    client = client_for(world.team.alice)
    before = database_state()

    response = client.post(world.url("involvement_cell"), payload, HTTP_HX_REQUEST="true")

    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<html" not in html
    assert "There is a problem" in html
    assert database_state() == before


@pytest.mark.parametrize(
    "endpoint",
    [
        "contribution_add",
        "contribution_edit",
        "involvement_cell",
        "emphasis_score",
        "project_create",
        "project_edit",
        "member_add",
        "member_edit",
    ],
)
def test_body_that_is_not_utf8_is_refused_without_changing_anything(
    world: World, endpoint: str
) -> None:
    # Arrange: every field any of these forms reads, filled with bytes that are not UTF-8.
    fields = [
        "party",
        "kind",
        "description",
        "stages",
        "level",
        "purpose",
        "score_controversy",
        "note_controversy",
        "title",
        "organisation",
        "current_stage",
        "person",
        "new_name",
        "new_party",
        "role",
    ]
    body = "&".join(f"{name}=%FF%FE" for name in fields).encode() + b"&raw=\xff\xfe\xc0\x80"
    client = client_for(world.team.alice)
    before = database_state()

    # Act
    response = client.post(
        world.url(endpoint), body, content_type="application/x-www-form-urlencoded"
    )

    # Assert
    assert response.status_code in (200, 400)
    assert "There is a problem" in response.content.decode()
    assert database_state() == before


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        pytest.param("emphasis_score", {}, id="emphasis: nothing scored"),
        pytest.param(
            "emphasis_score",
            {"score_nonsense": "2", "note_nonsense": LONG},
            id="emphasis: unknown criterion",
        ),
        pytest.param("emphasis_score", {"score_controversy": "1"}, id="emphasis: same score again"),
    ],
)
def test_post_that_changes_nothing_redirects_without_writing(
    world: World, endpoint: str, payload: dict[str, object]
) -> None:
    client = client_for(world.team.alice)
    before = database_state()

    response = client.post(world.url(endpoint), payload)

    assert response.status_code == 302
    assert database_state() == before


def test_clearing_an_empty_involvement_cell_writes_nothing(world: World) -> None:
    client = client_for(world.team.alice)
    empty_cell = reverse("planning:involvement_cell", args=[world.team.project.pk, "public", 5])
    before = database_state()

    response = client.post(empty_cell, {"clear": "1"})

    assert response.status_code == 302
    assert database_state() == before


def test_member_edit_demoting_the_only_lead_is_refused(world: World) -> None:
    # Arrange: alice is the project's only lead.
    client = client_for(world.team.alice)
    url = reverse("projects:member_edit", args=[world.team.project.pk, world.alice_membership.pk])
    before = database_state()

    # Act
    response = client.post(url, {"role": "researcher"})

    # Assert
    assert response.status_code == 200
    assert "A project needs at least one lead." in response.content.decode()
    assert database_state() == before
    world.alice_membership.refresh_from_db()
    assert world.alice_membership.role == ProjectRole.LEAD


def test_valid_post_after_garbage_still_works(world: World) -> None:
    """Guards the garbage tests: the same endpoints accept a good submission."""
    client = client_for(world.team.alice)
    client.post(world.url("contribution_add"), valid_contribution(party="shout"))

    response = client.post(world.url("contribution_add"), valid_contribution())

    assert response.status_code == 302
    assert Contribution.objects.filter(project=world.team.project).count() == 2


# Ids in URLs


@pytest.mark.parametrize(
    "path",
    [
        "/projects/abc/",
        "/projects/1.5/",
        "/projects/-1/",
        "/projects/1e3/edit/",
        "/projects/{pk}/members/abc/",
        "/projects/{pk}/members/abc/remove/",
        "/projects/{pk}/contributions/abc/",
        "/projects/{pk}/contributions/1.0/delete/",
        "/projects/{pk}/involvement/public/abc/",
        "/projects/{pk}/involvement/public/-1/",
        "/projects/{pk}/involvement/pub lic/2/",
    ],
)
def test_non_integer_ids_in_urls_do_not_resolve(world: World, path: str) -> None:
    url = path.format(pk=world.team.project.pk)
    client = client_for(world.team.alice)

    with pytest.raises(Resolver404):
        resolve(url)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/projects/{HUGE_ID}/",
        f"/projects/{HUGE_ID}/contributions/",
        "/projects/{pk}/contributions/" + HUGE_ID + "/",
        "/projects/{pk}/members/" + HUGE_ID + "/",
        "/projects/{pk}/involvement/public/" + HUGE_ID + "/",
    ],
)
def test_integer_ids_too_large_for_the_database_are_not_found(world: World, path: str) -> None:
    client: Client = client_for(world.team.alice)

    response = client.get(path.format(pk=world.team.project.pk))

    assert response.status_code == 404
