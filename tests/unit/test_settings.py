"""The environment helpers that settings are read through: typed, with loud failures."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

import config.settings as project_settings
from config.settings import env_bool, env_list, mailer_from_environment

NAME = "COPRODUCE_TEST_SETTING"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On"])
def test_env_bool_reads_true_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)

    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "NO", "off"])
def test_env_bool_reads_false_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)

    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_empty_gives_the_default(
    monkeypatch: pytest.MonkeyPatch, default: bool
) -> None:
    monkeypatch.delenv(NAME, raising=False)
    unset = env_bool(NAME, default)
    monkeypatch.setenv(NAME, "")

    empty = env_bool(NAME, default)

    assert (unset, empty) == (default, default)


@pytest.mark.parametrize("value", ["maybe", "2", "tru", " true"])
def test_env_bool_invalid_value_is_improperly_configured(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(NAME, value)

    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be true or false"):
        env_bool(NAME, True)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " coproduce.example ,www.coproduce.example,, ")

    assert env_list(NAME, ["localhost"]) == ["coproduce.example", "www.coproduce.example"]


def test_env_list_single_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "coproduce.example")

    assert env_list(NAME, []) == ["coproduce.example"]


@pytest.mark.parametrize("value", [None, ""])
def test_env_list_unset_or_empty_gives_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv(NAME, raising=False)
    else:
        monkeypatch.setenv(NAME, value)

    assert env_list(NAME, ["127.0.0.1", "localhost"]) == ["127.0.0.1", "localhost"]


def test_real_settings_hash_passwords_with_argon2_first() -> None:
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


MAIL_VARIABLES = ("COPRODUCE_MAIL_BACKEND", "COPRODUCE_SMTP_HOST", "COPRODUCE_SMTP_PORT")


@pytest.mark.parametrize(("debug", "backend"), [(True, "console"), (False, "smtp")])
def test_mail_goes_to_the_console_in_development_and_smtp_in_production(
    monkeypatch: pytest.MonkeyPatch, debug: bool, backend: str
) -> None:
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    mailer = mailer_from_environment(debug)

    assert mailer["BACKEND"] == f"django.core.mail.backends.{backend}.EmailBackend"


def test_smtp_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPRODUCE_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("COPRODUCE_SMTP_HOST", "mail.coproduce.example")
    monkeypatch.setenv("COPRODUCE_SMTP_PORT", "2525")
    monkeypatch.setenv("COPRODUCE_SMTP_TLS", "false")
    monkeypatch.delenv("COPRODUCE_SMTP_USER", raising=False)
    monkeypatch.delenv("COPRODUCE_SMTP_PASSWORD", raising=False)

    options = mailer_from_environment(True)["OPTIONS"]

    assert options == {
        "host": "mail.coproduce.example",
        "port": 2525,
        "username": "",
        "password": "",
        "use_tls": False,
        "timeout": 10,
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COPRODUCE_MAIL_BACKEND", "pigeon", "COPRODUCE_MAIL_BACKEND must be one of"),
        ("COPRODUCE_SMTP_PORT", "twenty-five", "COPRODUCE_SMTP_PORT must be a port number"),
    ],
)
def test_bad_mail_settings_are_improperly_configured(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv("COPRODUCE_MAIL_BACKEND", "smtp")
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        mailer_from_environment(False)
