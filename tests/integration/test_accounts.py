"""Signing in and out, passwords, and the equity page: who may see it and what it records."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertFormError, assertRedirects

import config.settings as project_settings
from coproduce.accounts.models import Person, User
from coproduce.accounts.services import person_update_equity
from coproduce.audit.models import AuditEvent
from tests.conftest import Team, client_for
from tests.factories import PASSWORD, make_organisation, make_user, share

NEW_PASSWORD = "a much newer passphrase"
EQUITY_ANSWERS = {
    "career_stage": "early",
    "contract": "fixed_term",
    "gender": "woman",
    "gender_self_description": "",
}


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def equity_url(person: Person) -> str:
    return reverse("accounts:equity", kwargs={"person_id": person.pk})


# Signing in and out


@pytest.mark.django_db
def test_sign_in_with_email_and_password_redirects_to_project_list(team: Team) -> None:
    client = Client()

    response = client.post(
        reverse("accounts:login"), {"username": "alice@example.org", "password": PASSWORD}
    )

    assertRedirects(response, reverse("projects:list"))
    assert signed_in_user_id(client) == str(team.alice.pk)


@pytest.mark.django_db
def test_sign_in_ignores_the_case_of_the_email_address(team: Team) -> None:
    # Addresses are stored lower-cased, so "Alice@Example.org" can only mean alice.
    client = Client()

    response = client.post(
        reverse("accounts:login"), {"username": "Alice@Example.ORG", "password": PASSWORD}
    )

    assertRedirects(response, reverse("projects:list"))
    assert signed_in_user_id(client) == str(team.alice.pk)


@pytest.mark.django_db
def test_sign_in_with_wrong_password_shows_error_and_stays_signed_out(team: Team) -> None:
    client = Client()

    response = client.post(
        reverse("accounts:login"), {"username": "alice@example.org", "password": "not it at all"}
    )

    assertContains(response, "Enter a correct email address and password.")
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_sign_out_by_post_ends_the_session(team: Team) -> None:
    client = client_for(team.alice)

    response = client.post(reverse("accounts:logout"))

    assertRedirects(response, reverse("accounts:login"))
    assert signed_in_user_id(client) is None
    follow_up = client.get(reverse("projects:list"))
    assert follow_up.status_code == 302
    assert follow_up["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_sign_out_by_get_is_refused_and_keeps_the_session(team: Team) -> None:
    client = client_for(team.alice)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(team.alice.pk)


# Passwords


def change_password(client: Client, old: str, new: str) -> object:
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.mark.django_db
def test_password_change_lets_the_new_password_sign_in(team: Team) -> None:
    client = client_for(team.alice)

    response = change_password(client, PASSWORD, NEW_PASSWORD)

    assertRedirects(response, reverse("accounts:password_changed"))
    assert signed_in_user_id(client) == str(team.alice.pk)
    assert Client().login(username="alice@example.org", password=NEW_PASSWORD)
    assert not Client().login(username="alice@example.org", password=PASSWORD)


@pytest.mark.django_db
def test_password_change_with_wrong_old_password_is_refused(team: Team) -> None:
    client = client_for(team.alice)

    response = change_password(client, "not my password", NEW_PASSWORD)

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    team.alice.refresh_from_db()
    assert team.alice.check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Sh0rt!x", "This password is too short. It must contain at least 10 characters."),
        ("qwertyuiop", "This password is too common."),
    ],
)
def test_password_change_rejects_weak_password_with_message(
    team: Team, new_password: str, message: str
) -> None:
    client = client_for(team.alice)

    response = change_password(client, PASSWORD, new_password)

    assertContains(response, escape(message))
    assert message in response.context["form"].errors["new_password2"]
    team.alice.refresh_from_db()
    assert team.alice.check_password(PASSWORD)


@pytest.mark.django_db
def test_passwords_are_stored_with_argon2_under_real_settings(settings: object) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]

    user = make_user("hashed@example.org")

    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_create_user_lowercases_the_email_address() -> None:
    user = User.objects.create_user("Mixed.Case@Example.ORG", PASSWORD)

    assert user.email == "mixed.case@example.org"


# The equity page


@pytest.mark.django_db
def test_equity_page_shows_prefer_not_to_say_for_every_question(team: Team) -> None:
    client = client_for(team.bob)

    response = client.get(equity_url(team.bob.person))

    assertContains(response, "About you")
    for field in ("career_stage", "contract", "gender"):
        assertContains(response, f'name="{field}" value="not_say"', count=1)


@pytest.mark.django_db
def test_my_equity_redirects_to_own_equity_page(team: Team) -> None:
    client = client_for(team.bob)

    response = client.get(reverse("accounts:my_equity"))

    assertRedirects(response, equity_url(team.bob.person))


@pytest.mark.django_db
def test_equity_edit_by_the_person_saves_their_answers(team: Team) -> None:
    client = client_for(team.bob)

    response = client.post(equity_url(team.bob.person), {**EQUITY_ANSWERS, "gender": "not_say"})

    assertRedirects(response, equity_url(team.bob.person))
    person = Person.objects.get(pk=team.bob.person.pk)
    assert (person.career_stage, person.contract, person.gender) == (
        "early",
        "fixed_term",
        "not_say",
    )
    assert person.equity_consent is False


@pytest.mark.django_db
def test_equity_consent_given_on_the_page_records_a_timestamp(team: Team) -> None:
    client = client_for(team.bob)

    client.post(equity_url(team.bob.person), {**EQUITY_ANSWERS, "equity_consent": "on"})

    person = Person.objects.get(pk=team.bob.person.pk)
    assert person.equity_consent is True
    assert person.equity_consent_at is not None


@pytest.mark.django_db
def test_equity_consent_cleared_on_the_page_removes_the_timestamp(team: Team) -> None:
    person_update_equity(by=team.bob, person=team.bob.person, **EQUITY_ANSWERS, equity_consent=True)
    assert Person.objects.get(pk=team.bob.person.pk).equity_consent_at is not None
    client = client_for(team.bob)

    client.post(equity_url(team.bob.person), EQUITY_ANSWERS)

    person = Person.objects.get(pk=team.bob.person.pk)
    assert person.equity_consent is False
    assert person.equity_consent_at is None


@pytest.mark.django_db
def test_equity_page_is_visible_to_an_equity_officer_of_the_persons_organisation(
    team: Team,
) -> None:
    officer = make_user(organisation=team.organisation, equity_officer=True)
    person_update_equity(
        by=team.bob, person=team.bob.person, **EQUITY_ANSWERS, equity_consent=False
    )
    share(team.bob, team.organisation, seen_by_name=True)

    response = client_for(officer).get(equity_url(team.bob.person))

    assertContains(response, "About Bob Researcher")
    assertContains(response, "Early career")
    assert b"Save answers" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("counted", [False, True])
def test_equity_page_is_hidden_from_an_officer_of_the_persons_organisation_without_their_choice(
    team: Team, counted: bool
) -> None:
    officer = make_user(organisation=team.organisation, equity_officer=True)
    person_update_equity(by=team.bob, person=team.bob.person, **EQUITY_ANSWERS, equity_consent=True)
    share(team.bob, team.organisation, counted=counted, seen_by_name=False)

    response = client_for(officer).get(equity_url(team.bob.person))

    assert response.status_code == 404
    assert b"Early career" not in response.content


@pytest.mark.django_db
def test_equity_officer_cannot_change_someone_elses_answers(team: Team) -> None:
    officer = make_user(organisation=team.organisation, equity_officer=True)
    person_update_equity(by=team.bob, person=team.bob.person, **EQUITY_ANSWERS, equity_consent=True)
    share(team.bob, team.organisation, seen_by_name=True)

    response = client_for(officer).post(
        equity_url(team.bob.person), {**EQUITY_ANSWERS, "career_stage": "senior"}
    )

    assert response.status_code == 403
    assert Person.objects.get(pk=team.bob.person.pk).career_stage == "early"


@pytest.mark.django_db
def test_equity_page_is_forbidden_to_an_equity_officer_of_another_organisation(
    team: Team,
) -> None:
    officer = make_user(organisation=make_organisation("Elsewhere Trust"), equity_officer=True)

    response = client_for(officer).get(equity_url(team.bob.person))

    assert response.status_code == 404


@pytest.mark.django_db
def test_equity_edit_by_a_project_colleague_is_forbidden_and_saves_nothing(team: Team) -> None:
    client = client_for(team.alice)

    response = client.post(equity_url(team.bob.person), {**EQUITY_ANSWERS, "gender": "man"})

    assert response.status_code == 404
    assert Person.objects.get(pk=team.bob.person.pk).gender == ""


@pytest.mark.django_db
def test_equity_self_description_without_describe_myself_is_rejected(team: Team) -> None:
    client = client_for(team.bob)

    response = client.post(
        equity_url(team.bob.person),
        {**EQUITY_ANSWERS, "gender": "woman", "gender_self_description": "Two-spirit"},
    )

    assert response.status_code == 200
    message = "Choose 'I describe myself another way' to add your own description."
    assertFormError(response.context["form"], "gender_self_description", message)
    assertContains(response, escape(message))
    person = Person.objects.get(pk=team.bob.person.pk)
    assert (person.gender, person.gender_self_description, person.career_stage) == ("", "", "")


@pytest.mark.django_db
def test_equity_self_description_with_describe_myself_is_saved(team: Team) -> None:
    client = client_for(team.bob)

    client.post(
        equity_url(team.bob.person),
        {**EQUITY_ANSWERS, "gender": "self_described", "gender_self_description": "Two-spirit"},
    )

    person = Person.objects.get(pk=team.bob.person.pk)
    assert (person.gender, person.gender_self_description) == ("self_described", "Two-spirit")


@pytest.mark.django_db
def test_equity_edit_on_the_page_audits_the_names_of_changed_fields(team: Team) -> None:
    client = client_for(team.bob)

    client.post(equity_url(team.bob.person), {**EQUITY_ANSWERS, "equity_consent": "on"})

    event = AuditEvent.objects.filter(action="person.update_equity").latest("pk")
    assert event.actor == team.bob
    assert set(event.changes) == {"career_stage", "contract", "gender", "equity_consent"}


@pytest.mark.django_db
def test_equity_audit_event_never_contains_the_values(team: Team) -> None:
    answers = {
        "career_stage": "doctoral",
        "contract": "casual",
        "gender": "self_described",
        "gender_self_description": "Genderqueer",
    }

    person_update_equity(by=team.bob, person=team.bob.person, **answers, equity_consent=True)

    event = AuditEvent.objects.filter(action="person.update_equity").latest("pk")
    assert set(event.changes) == {*answers, "equity_consent"}
    recorded = json.dumps(event.changes)
    for value in answers.values():
        assert value not in recorded


@pytest.mark.django_db
def test_password_change_is_recorded_without_the_password(team: Team) -> None:
    client = client_for(team.bob)

    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )

    event = AuditEvent.objects.get(action="user.password_change")
    assert event.actor == team.bob
    assert "passphrase" not in json.dumps(event.changes)


@pytest.mark.django_db
def test_about_me_without_a_profile_explains_and_creates_nothing() -> None:
    user = User.objects.create_user("new@example.org", PASSWORD)

    response = client_for(user).get(reverse("accounts:my_equity"))

    assert response.status_code == 200
    assert b"nothing to record here" in response.content
    assert not Person.objects.filter(user=user).exists()
