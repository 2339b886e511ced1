"""The demo portfolio, synthetic benchmark projects, and the `coproduce` console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django import DjangoDbBlocker
from pytest_django.asserts import assertRedirects

from coproduce.accounts.models import (
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationMembership,
    Person,
    User,
)
from coproduce.audit.models import AuditEvent
from coproduce.core.demo import (
    DEMO_LEAD_EMAIL,
    DEMO_PASSWORD,
    PEOPLE,
    PROJECTS,
    SYNTHETIC_ORGANISATION,
    load_portfolio,
    load_synthetic,
)
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.projects.models import Membership, Project

COPRODUCE = Path(sys.executable).parent / "coproduce"
MODELS = (
    User,
    Organisation,
    Person,
    Project,
    Membership,
    Contribution,
    Involvement,
    EmphasisRating,
    AuditEvent,
)


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def fingerprint() -> dict[str, Any]:
    """Everything a reader of the demo would notice, without database ids."""
    return {
        "projects": sorted(Project.objects.values_list("title", "current_stage__number")),
        "people": sorted(Person.objects.values_list("name", "party", "career_stage", "gender")),
        "members": sorted(Membership.objects.values_list("project__title", "person__name", "role")),
        "involvement": sorted(
            Involvement.objects.values_list("project__title", "party", "stage__number", "level")
        ),
        "ratings": sorted(
            EmphasisRating.objects.values_list("project__title", "criterion__code", "score")
        ),
    }


def fingerprint_of_a_rolled_back_load(load: Callable[[], object]) -> dict[str, Any]:
    with transaction.atomic():
        load()
        result = fingerprint()
        transaction.set_rollback(True)
    return result


# The demo command


@pytest.fixture(scope="class")
def demo_output(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """What `coproduce demo` printed, with its portfolio loaded once for the class and rolled
    back after it (loading it writes hundreds of records through the services, which takes
    seconds). Each test runs in a savepoint inside this transaction."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield run_demo()
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestDemoCommand:
    def test_demo_creates_a_portfolio_at_several_stages(self, demo_output: str) -> None:
        assert "Loaded the demo portfolio." in demo_output
        assert Project.objects.count() >= 4
        assert Project.objects.values("current_stage").distinct().count() >= 3
        assert Person.objects.count() >= 30
        assert all(
            Membership.objects.filter(project=p, role="lead").exists()
            for p in Project.objects.all()
        )

    def test_demo_lead_can_sign_in_with_the_demo_password(self, demo_output: str) -> None:
        client = Client()

        response = client.post(
            reverse("accounts:login"), {"username": DEMO_LEAD_EMAIL, "password": DEMO_PASSWORD}
        )

        assertRedirects(response, reverse("projects:list"))
        listing = client.get(reverse("projects:list"))
        assert {p.title for p in listing.context["page"]} >= {"Shaping crisis care together"}

    def test_demo_run_twice_changes_nothing(self, demo_output: str) -> None:
        before = counts()

        output = run_demo()

        assert "already loaded" in output
        assert counts() == before

    def test_demo_portfolio_is_the_declared_people_and_projects(self, demo_output: str) -> None:
        assert sorted(Project.objects.values_list("title", flat=True)) == sorted(
            spec.title for spec in PROJECTS
        )
        assert sorted(Person.objects.values_list("name", flat=True)) == sorted(
            row[0] for row in PEOPLE
        )

    def test_demo_organisation_members_with_a_login_joined_by_accepting_an_invitation(
        self, demo_output: str
    ) -> None:
        with_login = OrganisationMembership.objects.filter(person__user__isnull=False)
        founders = with_login.filter(person__user__email=DEMO_LEAD_EMAIL)
        invited = with_login.exclude(pk__in=founders)
        accepted = Invitation.objects.filter(status=InvitationStatus.ACCEPTED)

        assert invited.count() >= 5
        for membership in invited.select_related("person__user"):
            assert accepted.filter(
                organisation=membership.organisation_id, email=membership.person.user.email
            ).exists(), membership
        officers = OrganisationMembership.objects.filter(is_equity_officer=True)
        assert list(officers.values_list("person__name", flat=True)) == ["Rachel Dunmore"]
        assert accepted.filter(is_equity_officer=True, email__startswith="rachel.").exists()
        # Nobody without a login shares anything: they never chose to.
        assert not OrganisationMembership.objects.filter(
            person__user__isnull=True, counted_in_figures=True
        ).exists()

    def test_demo_equity_officer_sees_counts_of_the_members_who_chose_to_be_counted(
        self, demo_output: str
    ) -> None:
        rachel = User.objects.get(person__name="Rachel Dunmore")
        host = Organisation.objects.get(name="Northbridge University")
        client = Client()
        client.force_login(rachel)

        response = client.get(reverse("organisations:equity", args=[host.pk]))

        assert response.status_code == 200
        counted = OrganisationMembership.objects.filter(
            organisation=host, counted_in_figures=True, seen_by_name=False
        ).count()
        assert counted >= host.disclosure_threshold
        assert response.context["figures"].counted == counted


@pytest.mark.django_db
def test_demo_portfolio_is_the_same_every_time_it_is_loaded() -> None:
    first = fingerprint_of_a_rolled_back_load(load_portfolio)

    second = fingerprint_of_a_rolled_back_load(load_portfolio)

    assert len(first["members"]) > 30
    assert first == second


@pytest.mark.django_db
def test_demo_scale_adds_synthetic_projects_with_members_involvement_and_ratings() -> None:
    output = run_demo("--scale", "3")

    assert "Added 3 synthetic projects." in output
    synthetic = Project.objects.filter(organisation__name=SYNTHETIC_ORGANISATION)
    assert synthetic.count() == 3
    for project in synthetic:
        assert Membership.objects.filter(project=project).count() == 12
        assert Membership.objects.filter(project=project, role="lead").count() == 1
        assert Involvement.objects.filter(project=project).exists()
        assert Contribution.objects.filter(project=project).exists()
        assert EmphasisRating.objects.filter(project=project).count() == 7


@pytest.mark.django_db
def test_demo_scale_again_adds_more_projects_with_new_titles() -> None:
    run_demo("--scale", "2")

    run_demo("--scale", "2")

    titles = Project.objects.filter(organisation__name=SYNTHETIC_ORGANISATION).values_list(
        "title", flat=True
    )
    assert sorted(titles) == [f"Synthetic study {n:05d}" for n in range(1, 5)]


@pytest.mark.django_db
def test_synthetic_projects_are_the_same_for_the_same_seed() -> None:
    first = fingerprint_of_a_rolled_back_load(lambda: load_synthetic(2, members_per_project=5))

    second = fingerprint_of_a_rolled_back_load(lambda: load_synthetic(2, members_per_project=5))

    assert len(first["projects"]) == 2
    assert first == second


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scale", "-1"), "--scale must be between 0 and 100000."),
        (("--scale", "100001"), "--scale must be between 0 and 100000."),
        (("--scale", "1", "--members", "1"), "--members must be between 2 and 500."),
    ],
)
def test_demo_with_out_of_range_options_is_refused(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run_demo(*args)

    assert Project.objects.count() == 0


# The console script (slow-ish: two fresh Python processes and a full migration)


def run_console_script(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COPRODUCE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(COPRODUCE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_console_script_exports_the_catalogue_from_a_fresh_database(tmp_path: Path) -> None:
    migrated = run_console_script("migrate", "--no-input", data_dir=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "coproduce.sqlite3").exists()

    exported = run_console_script("catalogue", "export", "--format", "json", data_dir=tmp_path)

    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert [stage["number"] for stage in data["stages"]] == [1, 2, 3, 4, 5, 6, 7]


def test_console_script_rejects_an_unknown_export_format(tmp_path: Path) -> None:
    result = run_console_script("catalogue", "export", "--format", "xml", data_dir=tmp_path)

    assert result.returncode != 0
    assert "invalid choice: 'xml'" in result.stderr
    assert result.stdout == ""


# Before `make migrate`: every command that needs the database says so in one line


@pytest.mark.parametrize(
    "args",
    [
        ("catalogue", "export"),
        ("demo",),
        ("ledger", "verify"),
        ("costs", "export", "--project", "1", "--kind", "costs"),
        ("participants", "check-key"),
        ("simulate", "--project", "1"),
        ("db_worker", "--batch", "--no-startup-delay"),
        ("runserver", "--noreload", "127.0.0.1:0"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_console_script_on_an_unmigrated_database_says_how_to_set_it_up(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    result = run_console_script(*args, data_dir=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("coproduce: the database is not set up")
    assert "make migrate" in result.stderr


def test_console_script_on_a_database_behind_its_migrations_says_so(tmp_path: Path) -> None:
    assert run_console_script("migrate", "--no-input", data_dir=tmp_path).returncode == 0
    unapplied = run_console_script("migrate", "catalogue", "zero", "--no-input", data_dir=tmp_path)
    assert unapplied.returncode == 0, unapplied.stderr

    result = run_console_script("catalogue", "export", data_dir=tmp_path)

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("coproduce: the database is not up to date (")
    assert "no such table: catalogue_" in result.stderr
    assert "make migrate" in result.stderr
    assert result.stdout == ""
