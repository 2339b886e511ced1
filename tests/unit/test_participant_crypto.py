"""Encryption of participants' identifying details: round trips, clear errors for a missing,
malformed or wrong key, and key rotation."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from coproduce.participants import crypto

KEY = Fernet.generate_key().decode()
OLD_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def participant_key_set(settings: Any) -> None:
    settings.PARTICIPANT_KEY = KEY


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=500))
def test_any_text_comes_back_from_its_token(text: str) -> None:
    token = crypto.encrypt(text)

    assert token.startswith(crypto.TOKEN_PREFIX)
    assert crypto.decrypt(token) == text


def test_the_token_does_not_contain_the_text() -> None:
    token = crypto.encrypt("Winifred Quarrington")

    assert "Winifred" not in token and "Quarrington" not in token


def test_the_same_text_gives_a_different_token_each_time() -> None:
    assert crypto.encrypt("same") != crypto.encrypt("same")


def test_empty_text_is_encrypted_too() -> None:
    token = crypto.encrypt("")

    assert token.startswith(crypto.TOKEN_PREFIX)
    assert crypto.decrypt(token) == ""


@pytest.mark.parametrize("value", ["", "   ", " , "])
def test_missing_key_names_the_setting_and_the_command(settings: Any, value: str) -> None:
    settings.PARTICIPANT_KEY = value

    with pytest.raises(crypto.KeyMissing) as caught:
        crypto.encrypt("anything")

    message = str(caught.value)
    assert message.startswith("Participant details are locked: the encryption key is not set.")
    assert "COPRODUCE_PARTICIPANT_KEY" in message
    assert "coproduce participants new-key" in message
    assert crypto.key_problem() == message


@pytest.mark.parametrize(
    ("value", "which"),
    [
        ("not-a-key", "The key"),
        (KEY[:-2], "The key"),
        (f"{KEY},{OLD_KEY[:10]}", "Key number 2"),
    ],
)
def test_malformed_key_is_a_clear_error(settings: Any, value: str, which: str) -> None:
    settings.PARTICIPANT_KEY = value

    with pytest.raises(crypto.KeyInvalid) as caught:
        crypto.check_key()

    assert f"{which} in COPRODUCE_PARTICIPANT_KEY is not a valid Fernet key" in str(caught.value)


def test_wrong_key_is_a_clear_error(settings: Any) -> None:
    token = crypto.encrypt("secret")
    settings.PARTICIPANT_KEY = OLD_KEY

    with pytest.raises(crypto.KeyMismatch, match="encrypted with a different key"):
        crypto.decrypt(token)


def test_altered_token_is_refused() -> None:
    token = crypto.encrypt("secret")
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(crypto.KeyMismatch):
        crypto.decrypt(altered)


def test_every_key_error_is_a_participant_key_error() -> None:
    for error in (crypto.KeyMissing(), crypto.KeyInvalid(0), crypto.KeyMismatch()):
        assert isinstance(error, crypto.ParticipantKeyError)
        assert str(error).startswith("Participant details are locked:")


def test_the_newest_key_encrypts_and_every_key_decrypts(settings: Any) -> None:
    settings.PARTICIPANT_KEY = OLD_KEY
    old_token = crypto.encrypt("before rotation")

    settings.PARTICIPANT_KEY = f" {KEY} , {OLD_KEY} "
    new_token = crypto.encrypt("after rotation")

    assert crypto.configured_keys() == [KEY, OLD_KEY]
    assert crypto.decrypt(old_token) == "before rotation"
    settings.PARTICIPANT_KEY = KEY
    assert crypto.decrypt(new_token) == "after rotation"
    with pytest.raises(crypto.KeyMismatch):
        crypto.decrypt(old_token)


def test_reencrypt_moves_a_token_to_the_newest_key(settings: Any) -> None:
    settings.PARTICIPANT_KEY = OLD_KEY
    token = crypto.encrypt("rotate me")
    settings.PARTICIPANT_KEY = f"{KEY},{OLD_KEY}"

    rotated = crypto.reencrypt(token)

    settings.PARTICIPANT_KEY = KEY
    assert crypto.decrypt(rotated) == "rotate me"


def test_new_key_is_a_valid_fernet_key_and_fresh_each_time() -> None:
    first, second = crypto.new_key(), crypto.new_key()

    assert first != second
    Fernet(first.encode())
    assert len(first) == 44


def test_a_changed_setting_takes_effect_at_once(settings: Any) -> None:
    assert crypto.key_problem() is None
    settings.PARTICIPANT_KEY = ""
    assert crypto.key_problem() is not None
    settings.PARTICIPANT_KEY = KEY
    assert crypto.key_problem() is None
