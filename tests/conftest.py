"""Shared fixtures. Personas make permission tests read like prose:

alice leads the project, bob is a researcher on it, paula is a practice partner, carol a public
contributor, olive an observer; oscar is signed in but outside the project; anonymous is not
signed in at all.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client, override_settings

from coproduce.accounts.models import Organisation, User
from coproduce.projects.models import Project
from tests.factories import PASSWORD, add_member, make_organisation, make_project, make_user


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Uploaded files (the demo's outputs among them) go to a temporary directory for the
    whole run, never to data/files."""
    path = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=str(path)):
        yield path


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@dataclass
class Team:
    organisation: Organisation
    project: Project
    alice: User
    bob: User
    paula: User
    carol: User
    olive: User
    oscar: User


@pytest.fixture
def team(db: None) -> Team:
    organisation = make_organisation("Northbridge University")
    alice = make_user("alice@example.org", name="Alice Lead", organisation=organisation)
    bob = make_user("bob@example.org", name="Bob Researcher", organisation=organisation)
    paula = make_user("paula@example.org", name="Paula Partner", party="practitioner")
    carol = make_user("carol@example.org", name="Carol Contributor", party="public")
    olive = make_user("olive@example.org", name="Olive Observer", party="funder")
    oscar = make_user("oscar@example.org", name="Oscar Outsider", organisation=organisation)
    project = make_project(by=alice, organisation=organisation, title="Crisis care study")
    for user, role in (
        (bob, "researcher"),
        (paula, "partner"),
        (carol, "public_contributor"),
        (olive, "observer"),
    ):
        add_member(project, user, role, by=alice)
    # Oscar has a project of his own, so he is a real user, not an empty account.
    make_project(by=oscar, organisation=organisation, title="Oscar's own study")
    return Team(organisation, project, alice, bob, paula, carol, olive, oscar)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def as_user():
    return client_for


@pytest.fixture
def keep_signal_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For running `db_worker --batch` inside a test. The worker installs its own SIGINT and
    SIGTERM handlers, so pytest's are put back afterwards. Between tasks it closes "old"
    database connections, and inside a test's transaction that would close the test's own
    connection on PostgreSQL, so it is skipped here, as the test client skips it for requests.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)
