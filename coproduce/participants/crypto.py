"""Encryption of participants' identifying details at rest.

Names, contact details and notes are encrypted with Fernet (AES-128 in CBC mode with an
HMAC-SHA256, from the `cryptography` package) before they reach the database, and decrypted
only for a data custodian's page. The key comes from `settings.PARTICIPANT_KEY`, which reads
COPRODUCE_PARTICIPANT_KEY from the environment.

The setting may hold several keys separated by commas, newest first: the first encrypts, and
every one of them decrypts. That is how a key is rotated (docs/participants.md): put the new
key in front of the old one, run `coproduce participants rotate-key`, then drop the old key.

Without a usable key nothing identifying can be written or read: `KeyMissing`, `KeyInvalid`
and `KeyMismatch` (a key that is well formed but not the one the details were encrypted with)
all say what is wrong and how to put it right, and the views show that message instead of
the details.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

ENV = "COPRODUCE_PARTICIPANT_KEY"
NEW_KEY_COMMAND = "coproduce participants new-key"
# Every Fernet token starts with the version byte 0x80, which is "gAAAAA" in URL-safe base64.
# The database checks each identifying column starts with it, so it never holds plain text.
TOKEN_PREFIX = "gAAAAA"


class ParticipantKeyError(Exception):
    """The identifying details cannot be encrypted or decrypted; the message says why."""

    title = "Participant details are locked"


class KeyMissing(ParticipantKeyError):
    def __init__(self) -> None:
        super().__init__(
            "Participant details are locked: the encryption key is not set. Set the "
            f"{ENV} environment variable to a Fernet key (make one with "
            f"`{NEW_KEY_COMMAND}`) and restart the site. Until then the counts by site and "
            "stage still work, but nobody can see, add or change identifying details."
        )


class KeyInvalid(ParticipantKeyError):
    def __init__(self, position: int) -> None:
        which = "The key" if position == 0 else f"Key number {position + 1}"
        super().__init__(
            f"Participant details are locked: {which} in {ENV} is not a valid Fernet key "
            f"(32 random bytes in URL-safe base64, 44 characters). Make one with "
            f"`{NEW_KEY_COMMAND}`, or check that the value was copied whole."
        )


class KeyMismatch(ParticipantKeyError):
    def __init__(self) -> None:
        super().__init__(
            "Participant details are locked: these details were encrypted with a different "
            f"key from the one in {ENV}, or have been altered. Restore the key they were "
            "encrypted with (during a rotation, list the new key first and the old one after "
            "it, separated by a comma)."
        )


def new_key() -> str:
    """A fresh Fernet key, as text."""
    return Fernet.generate_key().decode()


def configured_keys(value: str | None = None) -> list[str]:
    """The keys in the setting, newest first."""
    setting = settings.PARTICIPANT_KEY if value is None else value
    return [key.strip() for key in (setting or "").split(",") if key.strip()]


@functools.lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            raise KeyInvalid(position) from None
    return MultiFernet(fernets)


def cipher() -> MultiFernet:
    """The cipher for the configured keys. Read on every call, so that a changed setting (in
    tests, or after a restart) takes effect; the Fernet objects themselves are cached."""
    keys = tuple(configured_keys())
    if not keys:
        raise KeyMissing
    return _cipher(keys)


def check_key() -> None:
    """Raise the ParticipantKeyError that explains why details are locked, if they are."""
    cipher()


def key_problem() -> str | None:
    """Why participant details are locked, or None when the key is usable."""
    try:
        check_key()
    except ParticipantKeyError as error:
        return str(error)
    return None


def encrypt(text: str) -> str:
    """The Fernet token of `text`. Every value is encrypted, the empty string included, so the
    column never shows which details are blank."""
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise KeyMismatch from None


def reencrypt(token: str) -> str:
    """The token encrypted again under the newest key (for key rotation)."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise KeyMismatch from None
