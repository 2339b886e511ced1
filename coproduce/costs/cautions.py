"""What coproduce asks someone to confirm about costs and time before saving them.

Each function returns the cautions (coproduce.core.warnings) for one record; the services call
them for the forms, the import calls them for each row, so both ask about the same things. On
an edit, `was` holds the values as stored, and only a changed value is questioned.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from coproduce.accounts.models import Person
from coproduce.core.warnings import Caution
from coproduce.costs import queries
from coproduce.costs.models import CostCategory, CostItem, CostStatus
from coproduce.costs.money import present
from coproduce.projects.models import Project

# An actual cost dated further ahead than this is more likely a mistyped year than a cost.
FUTURE_LIMIT = datetime.timedelta(days=365)

COST_ITEM_WATCHED = (
    "status",
    "category",
    "date",
    "payee_id",
    "amount",
    "currency",
    "project_id",
)

type Pending = Sequence[tuple[datetime.date, Decimal]]
"""Payments to the same payee in the same currency about to be saved with this one."""


class CostValues(Protocol):
    """What the cost cautions read: a CostItem, or a NewCost."""

    @property
    def pk(self) -> int | None: ...
    @property
    def project(self) -> Project: ...
    @property
    def status(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def date(self) -> datetime.date | None: ...
    @property
    def payee_id(self) -> int | None: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


@dataclass(frozen=True, slots=True)
class NewCost:
    """A cost about to be saved without a model object (an import row), for the cautions."""

    project: Project
    status: str
    category: str
    date: datetime.date | None
    payee_id: int | None
    amount: Decimal
    currency: str
    pk: None = None


def cost_item_was(item: CostItem) -> dict[str, object]:
    """The values cost_item_cautions compares with, as the item stands before an edit."""
    return {name: getattr(item, name) for name in COST_ITEM_WATCHED}


def cost_item_cautions(
    item: CostValues,
    *,
    was: Mapping[str, object] | None = None,
    today: datetime.date | None = None,
    pending: Pending = (),
) -> list[Caution]:
    """An actual cost dated more than a year ahead or before the project began; a contributor
    payment that takes the payee past a benefit or tax threshold."""

    def changed(*names: str) -> bool:
        return was is None or any(was.get(name) != getattr(item, name) for name in names)

    cautions: list[Caution] = []
    actual = item.status == CostStatus.ACTUAL
    if actual and item.date is not None and changed("status", "date"):
        cautions += _date_cautions(item, today or datetime.date.today())
    if (
        actual
        and item.category == CostCategory.CONTRIBUTOR_PAYMENT
        and item.payee_id is not None
        and item.date is not None
        and changed(*COST_ITEM_WATCHED)
    ):
        cautions += payment_cautions(item, pending=pending)
    return cautions


def _date_cautions(item: CostValues, today: datetime.date) -> list[Caution]:
    assert item.date is not None
    if item.date > today + FUTURE_LIMIT:
        return [
            Caution(
                f"This actual cost is dated {item.date:%-d %B %Y}, more than a year from "
                "today. Is the year right?",
                field="date",
            )
        ]
    start = item.project.start_date
    if start is not None and item.date < start:
        return [
            Caution(
                f"This actual cost is dated {item.date:%-d %B %Y}, before the project began "
                f"on {start:%-d %B %Y}. Is the date right?",
                field="date",
            )
        ]
    return []


def payment_cautions(item: CostValues, *, pending: Pending = ()) -> list[Caution]:
    """One caution for each threshold the payment takes its payee past."""
    assert item.payee_id is not None and item.date is not None
    warnings = queries.payment_warnings(
        organisation=item.project.organisation_id,
        payee=item.payee_id,
        day=item.date,
        amount=item.amount,
        currency=item.currency,
        excluding_pk=item.pk,
        pending=pending,
    )
    if not warnings:
        return []
    payee = Person.objects.filter(pk=item.payee_id).values_list("name", flat=True).first()
    cautions = []
    for w in warnings:
        t = w.threshold
        cautions.append(
            Caution(
                f"This payment would take {payee or 'the contributor'} past the {t.name} of "
                f"{present(t.amount, t.currency)} a {t.period}.",
                field="amount",
                details=(
                    f"Already paid between {w.starts:%-d %b} and {w.ends:%-d %b %Y}: "
                    f"{present(w.paid_before, t.currency)}. With this payment: "
                    f"{present(w.total, t.currency)}.",
                    f"Source: {t.source}. {t.note}",
                ),
            )
        )
    return cautions


def attendance_cautions(
    *,
    duration: Decimal | None,
    attendance: Sequence[tuple[int, str, Decimal]],
    was_duration: Decimal | None = None,
    was_attendance: Mapping[int, Decimal] | None = None,
) -> list[Caution]:
    """Attendance longer than the meeting, for each attendee (person id, name, attendance
    hours); on an edit, only where the length or that attendee's attendance changed."""
    if duration is None:
        return []
    cautions = []
    for person_id, name, hours in attendance:
        unchanged = (
            was_attendance is not None
            and was_duration == duration
            and was_attendance.get(person_id) == hours
        )
        if hours > duration and not unchanged:
            cautions.append(
                Caution(
                    f"{name} attended for {hours.normalize():f} hours, longer than the "
                    f"{duration.normalize():f} hours the meeting lasted. Is that right?",
                    field="duration",
                )
            )
    return cautions
