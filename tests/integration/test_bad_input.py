"""Malformed requests: never a 500, never a change to the database, and the form comes back
with its error summary.

The hand-written cases below probe planning and projects in depth. The crawl at the end covers
every form the demo lead reaches, found by following the demo site's links: each field in turn
gets garbage suited to it (a choice not offered, text in a number, a huge number, a date that
does not exist, 10,000 characters) while the rest stay as the page sent them. Long text that a
field allows may be saved, but only whole, never cut."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from coproduce.accounts.models import Organisation, OrganisationMembership, Person, User
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.core.demo import DEMO_LEAD_EMAIL, DEMO_PASSWORD, load_portfolio
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.planning.services import contribution_create, emphasis_rate, involvement_save
from coproduce.projects.models import Membership, Project, ProjectRole
from tests.conftest import Team, client_for
from tests.factories import make_organisation, make_project, make_user
from tests.integration.test_urlconf_permissions import url_names

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


# Every form the demo lead reaches, found by crawling, each field in turn given garbage

CRAWL_MAX_PAGES = 400
CRAWL_SKIPPED_ROUTES = {"accounts:logout", "healthz"}
TEN_THOUSAND = "x" * 10_000
HUGE_NUMBER = "9" * 30
TEXT_KINDS = {"text", "textarea", "email", "url", "search", "tel", "password"}
DATE_KINDS = {"date", "datetime-local", "month", "week", "time"}
CHOICE_KINDS = {"select", "select-multiple", "radio", "checkbox"}
# Deliberate and announced: a forecast asked for more than the most iterations runs the most,
# and the page says so (coproduce/risks/views.py, `_start`).
ANNOUNCED_CAPS = {("risks:forecast", "iterations")}
# A formset's management form sends these, and Django reads them only as bounds it checks
# against its own; garbage in them changes nothing and is rightly not an error.
IGNORED_BY_DJANGO = re.compile(r"-(INITIAL|MIN_NUM|MAX_NUM)_FORMS$")


@dataclass
class FormField:
    name: str
    kind: str  # an input's type, or "textarea", "select", "select-multiple"
    values: list[str]  # what a browser submits for it as the page stands
    options: list[str]  # the values offered, for a choice

    @property
    def is_boolean(self) -> bool:
        """A lone checkbox: any value sent means "ticked", so none is out of range."""
        return self.kind == "checkbox" and len(self.options) == 1


@dataclass
class CrawledForm:
    page: str
    action: str
    method: str
    fields: list[FormField]
    button: tuple[str, str] | None  # the first named submit button, as a click sends it

    def data(self, name: str = "", value: str = "") -> dict[str, list[str]]:
        """What a browser submits, with the field `name` given `value` instead."""
        data = {f.name: list(f.values) for f in self.fields if f.values}
        if self.button:
            data[self.button[0]] = [self.button[1]]
        if name:
            data[name] = [value]
        return data


class PageParser(HTMLParser):
    """The links of one page, and its forms with what each would submit."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[CrawledForm] = []
        self._form: CrawledForm | None = None
        self._fields: dict[str, FormField] = {}
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = CrawledForm(self.page, action, a.get("method", "get").lower(), [], None)
            self._fields = {}
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.values.append(a.get("value", ""))
        elif self._form is None or "disabled" in a or not a.get("name"):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.button = self._form.button or (a["name"], a.get("value", ""))
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = self._field(a["name"], kind)
        elif tag == "textarea":
            self._textarea = self._field(a["name"], "textarea")
            self._textarea.values = [""]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values = [self._textarea.values[0] + data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self._form.fields = list(self._fields.values())
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._select.kind == "select" and not self._select.values:
                self._select.values = self._select.options[:1]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser drops nothing, but a browser drops a textarea's first newline.
            self._textarea.values = [self._textarea.values[0].removeprefix("\n")]
            self._textarea = None

    def _field(self, name: str, kind: str) -> FormField:
        return self._fields.setdefault(name, FormField(name, kind, [], []))

    def _input(self, a: dict[str, str]) -> None:
        assert self._form is not None
        kind = a.get("type", "text").lower()
        if kind in ("submit", "image"):
            self._form.button = self._form.button or (a["name"], a.get("value", ""))
        elif kind in ("radio", "checkbox"):
            field = self._field(a["name"], kind)
            field.options.append(a.get("value", "on"))
            if "checked" in a:
                field.values.append(a.get("value", "on"))
        elif kind not in ("reset", "button", "file"):
            self._field(a["name"], kind).values = [a.get("value", "")]


def crawl_route(url: str) -> tuple[str, str] | None:
    """The route's name and the project or organisation it is in."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    scope = match.kwargs.get("project_id") or match.kwargs.get("organisation_id") or ""
    return match.view_name, str(scope)


def crawl_forms(client: Client) -> list[CrawledForm]:
    """Every form on the pages the client reaches from the home page: one page per route in
    each project or organisation, and one form per action route and set of fields."""
    seen: set[str] = set()
    visited: set[tuple[str, str]] = set()
    queue = deque(["/"])
    forms: dict[tuple[str, str, frozenset[str]], CrawledForm] = {}
    pages = 0
    while queue and pages < CRAWL_MAX_PAGES:
        url = queue.popleft()
        route = crawl_route(url)
        if url in seen or route is None or route[0] in CRAWL_SKIPPED_ROUTES or route in visited:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        if response.status_code in (301, 302, 303):
            queue.append(response["Location"])
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        visited.add(route)
        pages += 1
        parser = PageParser(url)
        parser.feed(response.content.decode())
        for form in parser.forms:
            target = crawl_route(form.action)
            if (
                target is not None
                and target[0] not in CRAWL_SKIPPED_ROUTES
                and urlsplit(form.action).netloc in ("", "testserver")
            ):
                key = (target[0], form.method, frozenset(f.name for f in form.fields))
                forms.setdefault(key, form)
        for href in parser.links:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc in ("", "testserver") and parts.path.startswith("/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return list(forms.values())


def garbage_for(field: FormField) -> list[tuple[str, str]]:
    """(what is wrong, value) for one field, by what the field asks for."""
    if field.is_boolean:
        return []
    if field.kind in CHOICE_KINDS:
        not_offered = next(v for v in ("9", "99", "999999") if v not in field.options)
        return [
            ("a choice not offered", not_offered),
            ("text for a choice", "abc"),
            ("a huge number for a choice", HUGE_NUMBER),
        ]
    if field.kind in ("number", "range", "hidden"):
        return [("text for a number", "abc"), ("a huge number", HUGE_NUMBER)]
    if field.kind in DATE_KINDS:
        return [("a date that does not exist", "2025-02-30"), ("text for a date", "abc")]
    if field.kind in TEXT_KINDS:
        return [("10,000 characters", TEN_THOUSAND)]
    return [("text", "abc")]


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Bookkeeping that a refused save may move without changing what was recorded.
BOOKKEEPING_COLUMNS = {"updated_at", "version", "last_login"}
BOOKKEEPING_APPS = {"audit", "sessions", "contenttypes", "django_tasks_database"}


@dataclass
class Writes:
    """The tables every INSERT, UPDATE and DELETE of a request went to, and the values sent."""

    tables: set[str] = field(default_factory=set)
    values: list[Any] = field(default_factory=list)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        match = WRITE.match(sql)
        if match:
            self.tables.add(match.group(1))
            self.values += _flatten(params)
        return execute(sql, params, many, context)


def _flatten(params: Any) -> Iterator[Any]:
    if isinstance(params, (list, tuple)):
        for item in params:
            yield from _flatten(item)
    elif isinstance(params, dict):
        yield from params.values()
    else:
        yield params


def stored_rows(tables: set[str]) -> dict[tuple[str, Any], dict[str, Any]]:
    """What is recorded in these tables, without the change log and bookkeeping."""
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table not in tables or model._meta.app_label in BOOKKEEPING_APPS:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        names = [name for name in names if name not in BOOKKEEPING_COLUMNS]
        for values in model._default_manager.values_list("pk", *names):
            rows[(model._meta.label, values[0])] = dict(zip(names, values[1:], strict=True))
    return rows


def answer_to_garbage(client: Client, form: CrawledForm, name: str, value: str) -> str | None:
    """What is wrong with how the form answered `value` in field `name`, or None. The request
    runs in a savepoint that is rolled back, so every post meets the same database."""
    writes = Writes()
    with transaction.atomic(), connection.execute_wrapper(writes):
        try:
            send = client.post if form.method == "post" else client.get
            response = send(form.action, form.data(name, value))
        except Exception as error:  # the 500 a person would meet
            transaction.set_rollback(True)
            return f"raised {type(error).__name__}: {error}"[:300]
        after = stored_rows(writes.tables)
        transaction.set_rollback(True)
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    if form.method != "post":
        return None
    before = stored_rows(writes.tables)
    if after != before:
        if value == TEN_THOUSAND and value in writes.values:
            return None  # long text that the field allows, kept in full rather than cut
        changed = sorted(
            str(key) for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
        return f"accepted it and changed {', '.join(changed[:3])}"
    if response.status_code in (400, 403, 404, 409, 422):
        return None
    if "There is a problem" not in response.content.decode(errors="replace"):
        return f"answered {response.status_code} with no error and no change: the value is lost"
    return None


# Form routes the demo lead cannot reach, with the reason.
FORMS_NOT_THE_LEADS = {
    # Another person's equity answers are for the organisation's equity officers only.
    "accounts:equity": "equity officers only",
    # In the demo another member is each project's data custodian, and only custodians add or
    # edit participants (coproduce/participants/views.py, `identifying`).
    "participants:add": "data custodians only",
    "participants:edit": "data custodians only",
}


def form_routes() -> set[str]:
    """Every route in the URLconf whose name says it adds or edits a record."""
    pattern = re.compile(r"(^|_)(add|edit|create|revise)$")
    return {name for name, _ in url_names() if pattern.search(name.rpartition(":")[2])}


@pytest.fixture
def demo_lead_client(db: None) -> Client:
    load_portfolio()
    client = Client()
    assert client.login(username=DEMO_LEAD_EMAIL, password=DEMO_PASSWORD)
    return client


def test_every_field_of_every_form_the_demo_lead_reaches_refuses_garbage(
    demo_lead_client: Client,
) -> None:
    # Arrange: the crawl must have met the form of every add and edit route in the URLconf.
    forms = crawl_forms(demo_lead_client)
    reached = {route[0] for form in forms if (route := crawl_route(form.action))}
    missed = form_routes() - reached - FORMS_NOT_THE_LEADS.keys()
    assert not missed, f"the crawl did not reach these forms: {sorted(missed)}"

    # Act: each field of each form in turn, the rest as the page stands.
    problems = []
    posts = 0
    for form in forms:
        rows_seen: set[str] = set()
        for form_field in form.fields:
            if form_field.name == "csrfmiddlewaretoken" or IGNORED_BY_DJANGO.search(
                form_field.name
            ):
                continue
            # The rows of a formset share their fields: the first row of each kind stands for all.
            row_field = re.sub(r"-\d+-", "-N-", form_field.name)
            if row_field in rows_seen:
                continue
            rows_seen.add(row_field)
            route = crawl_route(form.action)
            for what, value in garbage_for(form_field):
                if value == HUGE_NUMBER and (route and route[0], form_field.name) in ANNOUNCED_CAPS:
                    continue
                posts += 1
                problem = answer_to_garbage(demo_lead_client, form, form_field.name, value)
                if problem:
                    problems.append(
                        f"{form.method.upper()} {form.action} (form on {form.page}) "
                        f"{form_field.name} = {what}: {problem}"
                    )

    # Assert
    assert posts > 200
    assert not problems, f"{len(problems)} of {posts} answers:\n" + "\n".join(problems)
