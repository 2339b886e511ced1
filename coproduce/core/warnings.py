"""Warn, then confirm: input that is allowed but implausible is saved only once confirmed.

A rule that refuses input raises ValidationError. A rule that only doubts it (a payment that
takes a contributor past a benefit threshold, a cost dated next year) returns a Caution; the
service collects its cautions and calls `require_confirmation`, which raises NeedsConfirmation
unless the caller says the person has seen them and confirmed. Forms, imports and commands
reach the same services, so they ask about the same things: a form shows the cautions with
a checkbox (components/cautions.html), an import lists them by row and takes a checkbox or
`--confirm-warnings`.

On an edit a service questions only the values that changed, so saving a record unchanged
never asks again about what was confirmed when it was first saved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONFIRM_LABEL = "I have checked this, save anyway"


@dataclass(frozen=True)
class Caution:
    """One thing to check before saving. `field` names the form field (or import column) it
    is about, `row` the import row (spreadsheet numbering, header as row 1), and `details`
    are further lines, such as the source of a threshold."""

    message: str
    field: str | None = None
    row: int | None = None
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.field is not None and self.row is not None:
            where.append(f"column {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def at_row(self, row: int) -> Caution:
        return Caution(self.message, self.field, row, self.details)


class NeedsConfirmation(Exception):
    """Nothing was saved: the input has cautions nobody has confirmed yet."""

    def __init__(self, cautions: Sequence[Caution], total: int | None = None) -> None:
        self.cautions = tuple(cautions)
        self.total = len(self.cautions) if total is None else total
        super().__init__("\n".join(str(c) for c in self.cautions))

    @property
    def unlisted(self) -> int:
        return self.total - len(self.cautions)

    @property
    def digest(self) -> str:
        """What was asked about, in 64 hex digits: a confirmation given for one set of cautions
        can be told from one for another (an import confirmed after its file was checked)."""
        text = "\n".join([str(self.total), *(repr(caution) for caution in self.cautions)])
        return hashlib.sha256(text.encode()).hexdigest()


def require_confirmation(cautions: Iterable[Caution], confirmed: bool) -> None:
    """Raise NeedsConfirmation for any cautions, unless they have been confirmed."""
    listed = list(cautions)
    if listed and not confirmed:
        raise NeedsConfirmation(listed)
