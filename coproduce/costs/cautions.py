"""What coproduce asks someone to confirm about costs and time before saving them.

Each function returns the cautions (coproduce.core.warnings) for one record; the services call
them for the forms, the import calls them for each row, so both ask about the same things. On
an edit, `was` holds the values as stored, and only a changed value is questioned.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

from coproduce.core.warnings import Caution
from coproduce.costs import queries
from coproduce.costs.models import CostCategory, CostItem, CostStatus
from coproduce.costs.money import present

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


def cost_item_was(item: CostItem) -> dict[str, object]:
    """The values cost_item_cautions compares with, as the item stands before an edit."""
    return {name: getattr(item, name) for name in COST_ITEM_WATCHED}


def cost_item_cautions(
    item: CostItem,
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


def _date_cautions(item: CostItem, today: datetime.date) -> list[Caution]:
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


def payment_cautions(item: CostItem, *, pending: Pending = ()) -> list[Caution]:
    """One caution for each threshold the payment takes its payee past."""
    assert item.payee_id is not None and item.date is not None
    payee = item.payee.name if item.payee is not None else "the contributor"
    cautions = []
    for w in queries.payment_warnings(
        organisation=item.project.organisation_id,
        payee=item.payee_id,
        day=item.date,
        amount=item.amount,
        currency=item.currency,
        excluding=item,
        pending=pending,
    ):
        t = w.threshold
        cautions.append(
            Caution(
                f"This payment would take {payee} past the {t.name} of "
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
