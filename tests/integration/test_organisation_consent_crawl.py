"""Nobody is made a member of an organisation, or has their equity answers read, without their
consent, however hard a hostile user tries.

Real people (the team's researcher, partner, public contributor and outsider) have answered the
equity questions, each with a self-description made of nonsense words found nowhere else. Two
hostile accounts, mallory and her accomplice mallet, take turns, several rounds each, and every
change they make is kept (nothing is rolled back), so one round builds on the last (two
rounds: in the first mallet can accept what mallory sent; in the second he acts on it):

1. every URL pattern in the URLconf is requested with every organisation, invitation,
   membership, person and project there is, with GET;
2. every form found on a page is filled in and posted: every checkbox ticked (so every role is
   offered), every email field once with each real user's address, every other field with a
   plausible value; links and forms under /organisations/ and /accounts/ are followed.

Then it proves that:

- no response to them holds any real person's self-description;
- no membership was made, and no affiliation set, for anyone who did not accept one;
- neither of them may see anyone's equity answers;
- changing the real people's answers changes nothing on any page the hostile pair can reach (a
  difference would show that something of the answers, even a count, reaches them).

And, so that the check can fail: mallory really did send invitations to the real people's
addresses with every role, mallet really accepted hers and became an equity officer, and the
same check on pages where the answers belong finds them.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from coproduce.accounts.models import Organisation, OrganisationMembership, Person, User
from coproduce.accounts.services import organisation_create, person_update_equity
from coproduce.core.permissions import Permission, has_permission
from tests.factories import make_user
from tests.integration.test_participant_firewall_crawl import (
    MAKERS,
    World,
    readable,
)
from tests.integration.test_participant_firewall_crawl import (
    world as firewall_world,  # noqa: F401 (the fixture, by this name)
)
from tests.integration.test_urlconf_permissions import url_names

pytestmark = pytest.mark.django_db

# Each real person's answers: career stage, contract, self-described gender in nonsense words.
ANSWERS = {
    "bob": ("early", "fixed_term", "Quillverant"),
    "carol": ("doctoral", "casual", "Thrumbleswick"),
    "paula": ("mid", "unpaid", "Ozzlethorpe"),
    "oscar": ("senior", "permanent", "Wibbernack"),
}
# The same people's answers changed, for the differential check.
CHANGED = {
    "bob": ("senior", "permanent", "Frondlewhisk"),
    "carol": ("mid", "fixed_term", "Gaddersnoop"),
    "paula": ("early", "casual", "Plimberquast"),
    "oscar": ("doctoral", "unpaid", "Snoggleberth"),
}
MARKERS = [answer[2] for answer in (*ANSWERS.values(), *CHANGED.values())]
ROUNDS = 2
MAX_REQUESTS_PER_ROUND = 4000
SKIPPED = {"accounts:logout"}
SIGN_OUT = "/accounts/sign-out/"
FOLLOWED = ("/organisations/", "/accounts/")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def answer(user: User, answers: tuple[str, str, str]) -> None:
    career_stage, contract, description = answers
    person_update_equity(
        by=user,
        person=user.person,
        career_stage=career_stage,
        contract=contract,
        gender="self_described",
        gender_self_description=description,
        equity_consent=True,
    )


# Candidate values for URL arguments: everything there is ----------------------------------


def every_pk(label: str) -> list[int]:
    model: type[Model] = apps.get_model(label)
    return list(model._default_manager.order_by("pk").values_list("pk", flat=True))


def candidates(world: World, arg: str, name: str, user: User) -> list[object]:
    if arg == "organisation_id":
        return every_pk("accounts.Organisation")
    if arg == "org_membership_id":
        return every_pk("accounts.OrganisationMembership")
    if arg == "person_id":
        return every_pk("accounts.Person")
    if arg == "invitation_id":
        return every_pk("accounts.Invitation")
    if arg == "project_id":
        return every_pk("projects.Project")
    return [MAKERS[arg](world, name, user)]


def every_url(world: World, user: User) -> list[str]:
    urls = []
    for name, args in url_names():
        if name in SKIPPED:
            continue
        unique = list(dict.fromkeys(args))
        if set(unique) - {"project_id"} and "project_id" in unique:
            # Project pages are the participant crawl's; here the team's project suffices.
            values: list[list[object]] = [
                [world.project.pk] if a == "project_id" else candidates(world, a, name, user)
                for a in unique
            ]
        else:
            values = [candidates(world, a, name, user) for a in unique]
        for combination in itertools.product(*values):
            urls.append(reverse(name, kwargs=dict(zip(unique, combination, strict=True))))
    return urls


# Filling in forms -------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: list[dict[str, str]] = field(default_factory=list)
    selects: dict[str, list[str]] = field(default_factory=dict)


class Forms(HTMLParser):
    """The POST forms on a page, their inputs, selects and text areas; and the page's links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "href" in values:
            self.links.append(values["href"])
        if tag == "form":
            is_post = values.get("method", "get").lower() == "post"
            self._form = Form(values.get("action", "")) if is_post else None
            if self._form is not None:
                self.forms.append(self._form)
            elif "action" in values:
                self.links.append(values["action"])
        elif self._form is not None and tag in ("input", "textarea") and values.get("name"):
            self._form.fields.append({"tag": tag, **values})
        elif self._form is not None and tag == "select" and values.get("name"):
            self._select = values["name"]
            self._form.selects[self._select] = []
        elif tag == "option" and self._select is not None and self._form is not None:
            self._form.selects[self._select].append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def payloads(form: Form, emails: list[str]) -> list[dict[str, list[str]]]:
    """The form filled in: every box ticked, one payload per address for an email field."""
    data: dict[str, list[str]] = {}
    email_fields = []
    text_fields: set[str] = set()
    radios_done: set[str] = set()
    for f in form.fields:
        name, kind = f["name"], f.get("type", "text").lower()
        if kind == "checkbox":
            data.setdefault(name, []).append(f.get("value") or "on")
        elif kind == "radio":
            if name not in radios_done and f.get("value"):
                data[name] = [f["value"]]
                radios_done.add(name)
        elif kind == "hidden":
            data[name] = [f.get("value", "")]
        elif kind == "email":
            email_fields.append(name)
        elif kind == "number":
            data[name] = [f.get("value") or "1"]
        elif kind == "date":
            data[name] = [f.get("value") or "2026-01-01"]
        elif kind in ("file", "submit", "button", "reset"):
            continue
        else:
            data[name] = [f.get("value") or f"Hostile {name}"]
            text_fields.add(name)
    for name, options in form.selects.items():
        chosen = [o for o in options if o] or options
        if chosen:
            data[name] = [chosen[0]]
    if not email_fields:
        return [data]
    # With an address, also try it with the free-text fields left blank, as someone adding
    # just that address would.
    bare = {name: value for name, value in data.items() if name not in text_fields}
    return [
        {**values, **{name: [email] for name in email_fields}}
        for values in (data, bare)
        for email in emails
    ]


# The crawl --------------------------------------------------------------------------------


@dataclass
class Report:
    persona: str
    requests: int = 0
    leaks: list[tuple[str, str, list[str]]] = field(default_factory=list)
    errors: list[tuple[str, str, int]] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [marker for marker in MARKERS if marker.lower() in lowered]


def crawl(world: World, persona: str, user: User, emails: list[str]) -> Report:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    report = Report(persona)
    queue: deque[tuple[str, str, dict[str, list[str]] | None]] = deque()
    seen: set[tuple[str, str, str]] = set()

    def visit(method: str, url: str, data: dict[str, list[str]] | None = None) -> None:
        # A form is posted once per address, however often it is met: its other values
        # (what the page last echoed back) do not make it a new form.
        addresses = sorted(v[0] for v in (data or {}).values() if v and "@" in v[0])
        filled = sorted(name for name, v in (data or {}).items() if v and v[0])
        key = (method, url, repr((filled, addresses)))
        if key not in seen:
            seen.add(key)
            queue.append((method, url, data))

    for url in every_url(world, user):
        visit("GET", url)
    while queue:
        method, url, data = queue.popleft()
        report.requests += 1
        assert report.requests <= MAX_REQUESTS_PER_ROUND, (
            f"The crawl as {persona} passed {MAX_REQUESTS_PER_ROUND} requests in one round."
        )
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        text = readable(response)
        if found := leaks(text):
            report.leaks.append((method, url, found))
        if response.status_code >= 500:
            report.errors.append((method, url, response.status_code))
        if method == "GET":
            report.pages[url] = response.status_code
        location = response.get("Location")
        if location:
            visit("GET", urljoin(url, location))
        if method == "POST" or "html" not in response.get("Content-Type", ""):
            continue
        parser = Forms()
        parser.feed(text)
        for link in parser.links:
            target = _same_site(url, link)
            if target and target.startswith(FOLLOWED):
                visit("GET", target)
        for form in parser.forms:
            target = _same_site(url, form.action) or url
            if target == SIGN_OUT:
                continue
            for payload in payloads(form, emails):
                visit("POST", target, payload)
    return report


def _same_site(page: str, link: str) -> str | None:
    parts = urlsplit(urljoin(page, link))
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def snapshot_pages(users: list[User], urls: list[str]) -> dict[tuple[str, str], str]:
    """What each hostile user gets from each page, with the per-render CSRF tokens blanked."""
    pages = {}
    for user in users:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for url in urls:
            pages[(user.email, url)] = CSRF.sub("", readable(client.get(url)))
    return pages


# The test ---------------------------------------------------------------------------------


def _invite_with_every_role(by: User, organisation: Organisation, email: str) -> Model:
    from coproduce.accounts.services import invitation_send  # not in the old code

    return invitation_send(
        by=by,
        organisation=organisation,
        email=email,
        is_admin=True,
        is_equity_officer=True,
        is_portfolio_viewer=True,
    )


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """The participant crawl's world: a project with a record behind every URL argument."""
    built: World = request.getfixturevalue("firewall_world")
    return built


@pytest.fixture
def victims(world: World) -> dict[str, User]:
    team = world.team
    people = {"bob": team.bob, "carol": team.carol, "paula": team.paula, "oscar": team.oscar}
    for key, user in people.items():
        answer(user, ANSWERS[key])
    return people


def attachments(people: list[Person]) -> set[tuple[int, int | None]]:
    """Each person's memberships and affiliation."""
    memberships = {
        (m.person_id, m.organisation_id)
        for m in OrganisationMembership.objects.filter(person__in=people)
    }
    affiliations = {
        (p.pk, p.organisation_id) for p in Person.objects.filter(pk__in=[q.pk for q in people])
    }
    return memberships | {(pk, -1 if org is None else -org) for pk, org in affiliations}


def test_a_hostile_pair_can_neither_attach_anyone_nor_read_their_equity_answers(
    world: World, victims: dict[str, User]
) -> None:
    mallory = make_user("mallory@example.org", name="Mallory Hostile")
    mallet = make_user("mallet@example.org", name="Mallet Accomplice")
    hostile = [mallory, mallet]
    organisation_create(by=mallory, name="Mallory Holdings", kind="company")
    # The real organisation has invited someone too, with every role: the pair must not be
    # able to answer or withdraw it for them.
    team = world.team
    OrganisationMembership.objects.filter(
        organisation=team.organisation, person=team.alice.person
    ).update(is_admin=True)
    real_invitation = _invite_with_every_role(team.alice, team.organisation, team.carol.email)
    real_organisations = list(Organisation.objects.exclude(name="Mallory Holdings"))
    victim_people = [user.person for user in victims.values()]
    before = attachments(victim_people)
    emails = sorted(User.objects.exclude(pk=mallory.pk).values_list("email", flat=True))

    reports = []
    for _ in range(ROUNDS):
        for user in hostile:
            others = [e for e in emails if e != user.email] + ["mallory@example.org"]
            reports.append(crawl(world, user.email, user, sorted(set(others))))

    leaked = [(r.persona, *leak) for r in reports for leak in r.leaks]
    assert leaked == [], "A real person's equity answers reached the hostile pair"
    assert attachments(victim_people) == before, (
        "Someone who accepted nothing was made a member or given an affiliation"
    )
    for user in hostile:
        for person in victim_people:
            assert not has_permission(user, Permission.EQUITY_VIEW, person=person), (
                user,
                person,
            )
    joined = OrganisationMembership.objects.filter(
        person__user__in=hostile, organisation__in=real_organisations
    )
    assert not joined.exists(), "The hostile pair joined an organisation that did not invite them"
    real_invitation.refresh_from_db()
    assert real_invitation.status == "pending"
    broken = [(r.persona, *error) for r in reports for error in r.errors]
    assert broken == [], "These requests failed with a server error"

    # Changing the real people's answers changes nothing the hostile pair can see.
    reached = sorted({url for r in reports for url, status in r.pages.items() if status == 200})
    first = snapshot_pages(hostile, reached)
    for key, user in victims.items():
        answer(user, CHANGED[key])
    second = snapshot_pages(hostile, reached)
    differing = sorted(key for key in first if first[key] != second[key])
    assert differing == [], "Pages the hostile pair reach change with the real people's answers"

    # The crawl really tried: invitations went to the real people's addresses with every role,
    # and mallet accepted mallory's and is an equity officer of her organisation.
    invitation = apps.get_model("accounts.Invitation")
    sent = invitation.objects.filter(organisation__name="Mallory Holdings")
    for user in victims.values():
        assert sent.filter(
            email=user.email, is_admin=True, is_equity_officer=True, is_portfolio_viewer=True
        ).exists(), user.email
        assert sent.filter(email=user.email).exclude(status="accepted").exists()
    assert OrganisationMembership.objects.filter(
        organisation__name="Mallory Holdings", person=mallet.person, is_equity_officer=True
    ).exists()
    by_persona = {r.persona: r for r in reports}
    assert len(by_persona["mallet@example.org"].pages) >= 40
    holdings = Organisation.objects.get(name="Mallory Holdings")
    equity_page = reverse("organisations:equity", args=[holdings.pk])
    assert by_persona["mallet@example.org"].pages.get(equity_page) == 200


def test_the_check_finds_the_answers_where_they_belong(
    world: World, victims: dict[str, User]
) -> None:
    """The control: the person themselves, and an equity officer the person chose to be seen
    by, do get the answers, so the crawl's check can fail."""
    team = world.team
    officer = make_user("officer@example.org", organisation=team.organisation, equity_officer=True)
    membership = OrganisationMembership.objects.get(
        organisation=team.organisation, person=team.bob.person
    )
    from coproduce.accounts.services import membership_sharing_update  # not in the old code

    membership_sharing_update(
        by=team.bob, membership=membership, counted_in_figures=True, seen_by_name=True
    )
    page = reverse("accounts:equity", args=[team.bob.person.pk])

    for user in (team.bob, officer):
        client = Client()
        client.force_login(user)
        assert leaks(readable(client.get(page))) == ["Quillverant"]
