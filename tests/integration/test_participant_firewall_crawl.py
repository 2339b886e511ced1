"""The participant firewall holds across the whole site.

A project has participants whose names, contact details and notes are distinctive strings. As
every persona who is not a data custodian (the lead, a researcher, a partner, a public
contributor, an observer, an outsider, a superuser and an anonymous visitor), the crawl:

1. walks every URL pattern in the URLconf, with GET and with an empty POST;
2. follows, breadth first, every same-site link, form, htmx URL and redirect it finds on the
   project's pages;

and proves that no identifying detail, and no ciphertext, appears in any response: body,
headers, redirects, and the inside of any XLSX or ZIP file. Then it checks the change log and
the cost and time exports (CSV and XLSX) directly. As a control, the same check run on a data
custodian's pages does find the details, so the check can fail.

Every request runs in a savepoint that is rolled back, so an empty POST that deletes something
(a cost item, a member) cannot change what later requests see.

A new URL is crawled automatically. One whose arguments the crawl cannot fill makes it fail,
with a message saying how to teach it: add a maker for the argument to `MAKERS`.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse

from coproduce.accounts.models import User
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import Stage
from coproduce.core.permissions import Permission, has_permission
from coproduce.costs import transfer
from coproduce.participants import services as participants
from coproduce.participants.models import Participant, ParticipantAccess
from coproduce.projects.models import Membership
from coproduce.projects.services import membership_add
from tests.conftest import Team
from tests.factories import make_user
from tests.integration.test_urlconf_permissions import url_names

pytestmark = pytest.mark.django_db

KEY = Fernet.generate_key().decode()
# Each participant's details carry nonsense words found nowhere else on the site, so a leak is
# caught however the text is escaped, quoted or cut.
PEOPLE = [
    ("Ottoline Zwigglesby", "07700 900417\nzwig.otto@hidden-participant.example", "Marrowglen"),
    ("Barnaby Quondamere", "07700 900418", "Keeps bees near the Vexhollow reservoir"),
    ("Philippa Drabquist", "phil.dq@hidden-participant.example", "Uses a Snorrelbeck hearing aid"),
    ("Cuthbert Yarrowmoss", "", "Prefers the Glimmerdowne café for interviews"),
    ("Eunice Plonkhurst", "07700 900421", ""),
    ("Ignatius Wembleweft", "07700 900422", "Brother is Tobias Wembleweft"),
]
MARKERS = [
    "Zwigglesby",
    "Quondamere",
    "Drabquist",
    "Yarrowmoss",
    "Plonkhurst",
    "Wembleweft",
    "Ottoline",
    "Cuthbert",
    "hidden-participant",
    "zwig.otto",
    "900417",
    "900418",
    "900421",
    "900422",
    "Marrowglen",
    "Vexhollow",
    "Snorrelbeck",
    "Glimmerdowne",
]
# The sites and codes are not identifying: everyone may see them in the counts.
SITES = ["North clinic", "Riverside crisis team"]
MAX_REQUESTS_PER_PERSONA = 3000


# The world: a project with something behind every URL argument --------------------------------


@dataclass
class World:
    team: Team
    custodian: User
    media_root: Path
    participants: list[Participant] = field(default_factory=list)

    @property
    def project(self) -> Any:
        return self.team.project

    def stage(self, number: int) -> Stage:
        return Stage.objects.get(number=number)

    @cached_property
    def risk(self) -> Any:
        from coproduce.risks.services import risk_create

        return risk_create(
            by=self.team.alice,
            project=self.project,
            title="Partner organisation withdraws",
            stage=self.stage(1),
        )

    @cached_property
    def run(self) -> Any:
        from coproduce.risks.services import forecast_start, stage_estimate_save

        stage_estimate_save(
            by=self.team.alice,
            project=self.project,
            stage=self.stage(1),
            **dict.fromkeys(("duration_low", "duration_mode", "duration_high"), Decimal(4)),
            **dict.fromkeys(("cost_low", "cost_mode", "cost_high"), Decimal(1000)),
        )
        return forecast_start(by=self.team.alice, project=self.project, iterations=1_000, seed=1)

    @cached_property
    def cost_item(self) -> Any:
        from coproduce.costs.services import cost_item_create

        return cost_item_create(
            by=self.team.alice,
            project=self.project,
            status="planned",
            category="travel",
            stage=self.stage(1),
            description="Train fares for the advisory group",
            defrayed_by="project_budget",
            currency="GBP",
            bearer_organisation=self.team.organisation,
            amount=Decimal("120.00"),
        )

    @cached_property
    def activity(self) -> Any:
        from coproduce.costs.services import AttendeeTime, activity_save

        return activity_save(
            by=self.team.alice,
            project=self.project,
            kind="meeting",
            title="Advisory group 1",
            date=datetime.date(2026, 3, 2),
            stage=self.stage(1),
            attendees=[AttendeeTime(person=self.team.carol.person, attendance_hours=Decimal(2))],
        )

    @cached_property
    def rate(self) -> Any:
        from coproduce.costs.services import rate_save

        return rate_save(
            by=self.team.alice,
            organisation=self.team.organisation,
            kind="staff",
            label="Grade 7",
            unit="hour",
            hours_in_unit=Decimal(1),
            amount=Decimal("41.00"),
            currency="GBP",
            year=2026,
            source="Finance office costing policy 2026",
        )

    @cached_property
    def threshold(self) -> Any:
        from coproduce.costs.services import threshold_save

        return threshold_save(
            by=self.team.alice,
            organisation=self.team.organisation,
            name="Local benefit limit",
            period="week",
            amount=Decimal("50.00"),
            currency="GBP",
            valid_from=datetime.date(2026, 1, 1),
            source="Council guidance",
        )

    @cached_property
    def contribution(self) -> Any:
        from coproduce.planning.services import contribution_create

        return contribution_create(
            by=self.team.alice,
            project=self.project,
            party="public",
            kind="lived_experience",
            description="Experience of crisis care",
            stages=[],
        )

    @cached_property
    def charter_version(self) -> int:
        from coproduce.governance.services import charter_start

        charter_start(by=self.team.alice, project=self.project)
        return 1

    @cached_property
    def decision(self) -> Any:
        from coproduce.governance.services import decision_save

        return decision_save(
            by=self.team.alice,
            project=self.project,
            title="Interview in community venues, not clinics",
            kind="design",
            method="consensus",
            stage=self.stage(1),
            decided_on=datetime.date(2026, 2, 1),
        )

    @cached_property
    def finding(self) -> Any:
        from coproduce.integrity.services import finding_register

        return finding_register(
            by=self.team.alice,
            project=self.project,
            title="Out-of-hours calls go unanswered",
            statement="Most people we spoke to could not reach anyone after 8pm.",
            stage=self.stage(1),
        )

    @cached_property
    def output(self) -> Any:
        from coproduce.integrity.services import output_register

        return output_register(
            by=self.team.alice,
            project=self.project,
            title="Interim report",
            kind="report",
            audience="team",
            release_date=datetime.date(2027, 1, 1),
            file=SimpleUploadedFile("report.txt", b"An interim report.", "text/plain"),
        )

    @cached_property
    def early_release(self) -> Any:
        from coproduce.integrity.services import early_release_request

        return early_release_request(
            by=self.team.alice,
            output=self.output,
            requested_by="The trust's communications team",
            reason="A board meeting next week.",
        )

    @cached_property
    def invitation(self) -> Any:
        from coproduce.accounts.services import invitation_send

        return invitation_send(
            by=self.team.alice, organisation=self.team.organisation, email="newcomer@example.org"
        )

    @cached_property
    def framing(self) -> Any:
        from coproduce.integrity.services import framing_request_add

        return framing_request_add(
            by=self.team.alice,
            subject=self.finding,
            asked_by="A partner",
            party="practitioner",
            request="Say 'some' rather than 'most'.",
        )


def _subject(world: World, name: str, user: User | None) -> int:
    return int(world.output.pk if "output" in name else world.finding.pk)


# How to fill each URL argument: (world, URL name, persona) -> value. A new argument needs one.
type Maker = Callable[[World, str, User | None], object]
MAKERS: dict[str, Maker] = {
    "project_id": lambda w, name, user: w.project.pk,
    "participant_id": lambda w, name, user: w.participants[0].pk,
    "risk_id": lambda w, name, user: w.risk.pk,
    "run_id": lambda w, name, user: w.run.pk,
    "item_id": lambda w, name, user: w.cost_item.pk,
    "activity_id": lambda w, name, user: w.activity.pk,
    "rate_id": lambda w, name, user: w.rate.pk,
    "threshold_id": lambda w, name, user: w.threshold.pk,
    "contribution_id": lambda w, name, user: w.contribution.pk,
    "membership_id": lambda w, name, user: (
        Membership.objects.get(project=w.project, person=w.team.bob.person).pk
    ),
    "party": lambda w, name, user: "public",
    "stage_number": lambda w, name, user: 2,
    # Each persona's own equity page, where they have one; otherwise someone else's.
    "person_id": lambda w, name, user: (
        user.person.pk if user is not None and hasattr(user, "person") else w.team.bob.person.pk
    ),
    "organisation_id": lambda w, name, user: w.team.organisation.pk,
    "org_membership_id": lambda w, name, user: w.team.organisation.memberships.first().pk,  # type: ignore[union-attr]
    "number": lambda w, name, user: w.charter_version,
    "decision_id": lambda w, name, user: w.decision.pk,
    "finding_id": lambda w, name, user: w.finding.pk,
    "output_id": lambda w, name, user: w.output.pk,
    "request_id": lambda w, name, user: w.early_release.pk,
    "subject_id": _subject,
    "framing_id": lambda w, name, user: w.framing.pk,
    "invitation_id": lambda w, name, user: w.invitation.pk,
}
# URLs not requested: signing out would end the persona's session mid-crawl.
SKIPPED = {"accounts:logout"}
# Query strings worth trying on top of the bare URL.
VARIANTS = {
    "costs:export": [f"?kind={k}&format={f}" for k in ("costs", "time") for f in ("csv", "xlsx")],
}


def every_url(world: World, user: User | None) -> list[tuple[str, str]]:
    urls = []
    for name, args in url_names():
        if name in SKIPPED:
            continue
        missing = set(args) - set(MAKERS)
        assert not missing, (
            f"The participant firewall crawl cannot fill {sorted(missing)} for the URL "
            f"{name!r}. Teach it: add a maker for each to MAKERS in "
            "tests/integration/test_participant_firewall_crawl.py, creating a record through "
            "the services like the makers there do."
        )
        kwargs = {arg: MAKERS[arg](world, name, user) for arg in dict.fromkeys(args)}
        url = reverse(name, kwargs=kwargs)
        urls += [(name, url), *((name, url + query) for query in VARIANTS.get(name, []))]
    return urls


# Looking for leaks ----------------------------------------------------------------------------


def secrets_of(world: World) -> list[str]:
    """Every string that must never reach someone who is not a custodian, in the forms an
    escape or an encoding would give it."""
    whole = [text for person in PEOPLE for text in person if text]
    ciphertexts = [
        token[10:40]
        for p in Participant.objects.filter(project=world.project)
        for token in (p.name_ciphertext, p.contact_ciphertext, p.notes_ciphertext)
    ]
    variants = {
        form
        for text in whole
        for form in (text, escape(text), quote(text), quote_plus(text), json.dumps(text)[1:-1])
    }
    return sorted({*MARKERS, *variants, *ciphertexts})


def readable(response: HttpResponseBase) -> str:
    """Everything a browser would receive: status, headers and body, with any ZIP (XLSX) file
    unpacked."""
    streamed = response.streaming
    body = b"".join(response.streaming_content) if streamed else response.content  # type: ignore[attr-defined]
    parts = [str(response.status_code), *(f"{k}: {v}" for k, v in response.items())]
    parts.append(body.decode(errors="replace"))
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts += [archive.read(n).decode(errors="replace") for n in archive.namelist()]
    return "\n".join(parts)


def leaks(text: str, secrets: Iterable[str]) -> list[str]:
    lowered = text.lower()
    return [s for s in secrets if s.lower() in lowered]


class PageLinks(HTMLParser):
    """The URLs a page leads to: links, forms (with their method), htmx URLs, images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.gets: list[str] = []
        self.posts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        for name in ("href", "src", "hx-get"):
            if name in values:
                self.gets.append(values[name])
        if "hx-post" in values:
            self.posts.append(values["hx-post"])
        if tag == "form":
            action = values.get("action", "")
            method = values.get("method", "get").lower()
            (self.posts if method == "post" else self.gets).append(action)
        if "formaction" in values:
            self.posts.append(values["formaction"])


def links_on(page_url: str, response: HttpResponseBase, body: str) -> tuple[list[str], list[str]]:
    targets: tuple[list[str], list[str]] = ([], [])
    location = response.get("Location")
    if location:
        targets[0].append(urljoin(page_url, location))
    if "html" not in response.get("Content-Type", ""):
        return targets
    parser = PageLinks()
    parser.feed(body)
    for kind, found in enumerate((parser.gets, parser.posts)):
        for link in found:
            absolute = urljoin(page_url, link)
            parts = urlsplit(absolute)
            if parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"):
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                targets[kind].append(path)
    return targets


@dataclass
class CrawlReport:
    persona: str
    requests: int = 0
    pages: int = 0
    leaks: list[tuple[str, str, list[str]]] = field(default_factory=list)
    errors: list[tuple[str, str, int]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def fetch(client: Client, method: str, url: str) -> tuple[HttpResponseBase, str]:
    """One request, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url)
        text = readable(response)
        transaction.set_rollback(True)
    return response, text


def crawl(world: World, persona: str, user: User | None) -> CrawlReport:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    secrets = secrets_of(world)
    report = CrawlReport(persona)
    scope = f"/projects/{world.project.pk}/"
    queue: deque[tuple[str, str]] = deque()
    seen: set[tuple[str, str]] = set()

    def visit(method: str, url: str, name: str = "") -> None:
        if (method, url) in seen:
            return
        seen.add((method, url))
        queue.append((method, url))
        if name:
            report.statuses.setdefault(f"{method} {name}", -1)

    names = {}
    for name, url in every_url(world, user):
        names[url] = name
        visit("GET", url, name)
        visit("POST", url, name)
    while queue:
        method, url = queue.popleft()
        report.requests += 1
        assert report.requests <= MAX_REQUESTS_PER_PERSONA, (
            f"The crawl as {persona} passed {MAX_REQUESTS_PER_PERSONA} requests: a page may "
            "link to endless distinct URLs. Raise the limit if the site has simply grown."
        )
        response, text = fetch(client, method, url)
        if url in names:
            report.statuses[f"{method} {names[url]}"] = response.status_code
        if found := leaks(text, secrets):
            report.leaks.append((method, url, found))
        if response.status_code >= 500:
            report.errors.append((method, url, response.status_code))
        if response.status_code == 200:
            report.pages += 1
        gets, posts = links_on(url, response, text)
        for target in gets:
            if target.startswith(scope) or target in names:
                visit("GET", target)
        for target in posts:
            if target.startswith(scope):
                visit("POST", target)
    return report


# The test -------------------------------------------------------------------------------------


@pytest.fixture
def world(team: Team, settings: Any, tmp_path: Path) -> World:
    settings.PARTICIPANT_KEY = KEY
    settings.MEDIA_ROOT = tmp_path
    custodian = make_user("dana@example.org", name="Dana Custodian", organisation=team.organisation)
    membership_add(
        by=team.alice,
        project=team.project,
        person=custodian.person,
        role="researcher",
        is_data_custodian=True,
    )
    world = World(team=team, custodian=custodian, media_root=tmp_path)
    stages = [Stage.objects.get(number=2), Stage.objects.get(number=3)]
    for index, (name, contact, notes) in enumerate(PEOPLE):
        world.participants.append(
            participants.participant_add(
                by=custodian,
                project=team.project,
                site=SITES[index % 2],
                stage=stages[index % 2],
                name=name,
                contact=contact,
                notes=notes,
            )
        )
    # A history: an edit, a withdrawal, the custodian's own views of the details.
    first = world.participants[0]
    participants.participant_update(
        by=custodian,
        participant=first,
        site=first.site,
        stage=first.stage,
        status="active",
        name=PEOPLE[0][0],
        contact=PEOPLE[0][1] + "\nAlso on Wembleweft Lane",
        notes=PEOPLE[0][2],
    )
    participants.participant_withdraw(by=custodian, participant=world.participants[4])
    custodian_client = Client()
    custodian_client.force_login(custodian)
    for participant in world.participants:
        custodian_client.get(
            reverse(
                "participants:detail",
                kwargs={"project_id": team.project.pk, "participant_id": participant.pk},
            )
        )
    return world


def personas(world: World) -> Iterator[tuple[str, User | None]]:
    team = world.team
    yield from (
        ("alice (lead)", team.alice),
        ("bob (researcher)", team.bob),
        ("paula (partner)", team.paula),
        ("carol (public contributor)", team.carol),
        ("olive (observer)", team.olive),
        ("oscar (outsider)", team.oscar),
    )
    yield "root (superuser)", User.objects.create_superuser("root@example.org", "x" * 20)
    yield "anonymous", None


def test_no_page_or_endpoint_shows_a_participant_to_anyone_but_a_custodian(world: World) -> None:
    reports = []
    for persona, user in personas(world):
        if user is not None:
            assert not has_permission(
                user, Permission.PARTICIPANTS_IDENTIFY, project=world.project
            ), f"{persona} must not be a data custodian for this test"
        reports.append(crawl(world, persona, user))

    leaked = [(r.persona, *leak) for r in reports for leak in r.leaks]
    assert leaked == [], "Identifying details reached someone who is not a custodian"
    broken = [(r.persona, *error) for r in reports for error in r.errors]
    assert broken == [], (
        "These pages failed with a server error, so the crawl could not prove they keep the "
        "firewall"
    )
    by_persona = {r.persona: r for r in reports}
    # The crawl really went round the site, and was really refused at the custodians' pages.
    for persona in ("alice (lead)", "bob (researcher)", "olive (observer)"):
        report = by_persona[persona]
        assert report.pages >= 40, (persona, report.pages)
        assert report.statuses["GET participants:counts"] == 200
        for name in ("register", "detail", "edit", "add", "export", "access_log"):
            assert report.statuses[f"GET participants:{name}"] == 403, (persona, name)
    for name in ("counts", "register", "detail"):
        assert by_persona["oscar (outsider)"].statuses[f"GET participants:{name}"] == 404
        assert by_persona["root (superuser)"].statuses[f"GET participants:{name}"] in (200, 403)
    assert by_persona["root (superuser)"].statuses["GET participants:register"] == 403
    assert ParticipantAccess.objects.exclude(user=world.custodian).count() == 0


def test_the_change_log_and_the_exports_hold_no_identifying_details(world: World) -> None:
    secrets = secrets_of(world)
    events = AuditEvent.objects.filter(project_id=world.project.pk)
    log = json.dumps([[e.action, e.target_label, e.changes] for e in events.order_by("seq")])
    files = []
    for kind in ("costs", "time"):
        for file_format in ("csv", "xlsx"):
            out = io.BytesIO()
            transfer.export(project=world.project, kind=kind, format=file_format, out=out)  # type: ignore[arg-type]
            files.append(out.getvalue())
    exported = [readable_bytes(content) for content in files]

    assert events.filter(target_type="participants.participant").count() >= len(PEOPLE) + 2
    assert leaks(log, secrets) == []
    assert all(leaks(text, secrets) == [] for text in exported)
    access_log = json.dumps(
        list(ParticipantAccess.objects.values_list("participant_code", "action"))
    )
    assert leaks(access_log, secrets) == []


def readable_bytes(content: bytes) -> str:
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(n).decode(errors="replace") for n in archive.namelist())
    return content.decode(errors="replace")


def test_the_check_finds_the_details_on_a_custodians_pages(world: World) -> None:
    """The control: the same check, run where the details belong, finds them."""
    client = Client()
    client.force_login(world.custodian)
    secrets = secrets_of(world)
    project = world.project.pk

    register = readable(client.get(reverse("participants:register", args=[project])))
    export = readable(client.get(reverse("participants:export", args=[project])))

    assert {"Zwigglesby", "Quondamere", "Wembleweft"} <= set(leaks(register, secrets))
    assert {"Marrowglen", "Vexhollow", "900418"} <= set(leaks(export, secrets))
