"""Optimistic concurrency: an edit made to an old copy of a record is refused, not lost.

A versioned model carries a `version` that each saved edit increases. Its form sends back the
version it was opened at; the update service compares it with the stored row (read under a
lock by `audit.services.stored`) and refuses a stale edit with `StaleEdit`. The view then shows
the person's own changes again, with what changed in between, and the form now carries the
current version, so saving again is a deliberate choice to overwrite.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

STALE = (
    "Someone else saved a change to this since you opened it. Your changes are still in the "
    "form below; check them against the current version shown, then save again to keep yours."
)


class Versioned(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class StaleEdit(ValidationError):
    def __init__(self, current: Versioned) -> None:
        super().__init__(STALE, code="stale")
        self.current = current


def check_version(stored: Versioned, expected: int | None) -> None:
    """Refuse an edit opened at another version than the stored one; None skips the check
    (services called by commands and demo data edit the latest version by construction)."""
    if expected is not None and expected != stored.version:
        raise StaleEdit(stored)


def next_version(instance: Versioned, stored: Versioned) -> None:
    instance.version = stored.version + 1


class VersionField(forms.IntegerField):
    """The version a form was opened at, sent back with the edit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


def carry_current_version(form: forms.BaseForm, error: StaleEdit, field: str = "version") -> None:
    """After a stale edit, keep the person's input and move the form to the current version."""
    data = form.data.copy()  # type: ignore[attr-defined]
    data[form.add_prefix(field)] = str(error.current.version)
    form.data = data
