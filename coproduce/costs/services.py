"""Writes for question 3: cost items, activities and time, member terms, rate cards."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from coproduce.accounts.models import Organisation, Person, User
from coproduce.audit.services import audit_record, audited_delete, audited_save, snapshot, stored
from coproduce.catalogue.models import Stage
from coproduce.core.warnings import require_confirmation
from coproduce.costs import cautions
from coproduce.costs.models import (
    HOUR_FIELDS,
    Activity,
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    MemberTerms,
    PaymentThreshold,
    Rate,
    TimeEntry,
    total_hours,
)
from coproduce.costs.money import time_cost
from coproduce.projects.models import Membership, Project
from coproduce.projects.services import lock_project

COST_ITEM_FIELDS = (
    "status",
    "category",
    "stage",
    "description",
    "bearer_person",
    "bearer_organisation",
    "payee",
    "defrayed_by",
    "budget_line",
    "date",
    "currency",
    "hours",
    "rate",
    "amount",
)


def project_organisations(project: Project) -> QuerySet[Organisation]:
    """The organisations that may bear a project's costs: the host, and any organisation a
    member belongs to or is affiliated with."""
    return Organisation.objects.filter(
        Q(pk=project.organisation_id)
        | Q(people__memberships__project=project)
        | Q(memberships__person__memberships__project=project)
    ).distinct()


def usable_rates(project: Project) -> QuerySet[Rate]:
    """Rates a project may cost time at: the shipped defaults and its organisations' cards."""
    return Rate.objects.filter(
        Q(organisation__isnull=True) | Q(organisation__in=project_organisations(project))
    )


HOURS_WITH_RATE = "Give both hours and an hourly rate, or neither and an amount."


def cost_item_problems(
    *,
    status: str | None,
    category: str | None,
    date: datetime.date | None,
    has_payee: bool,
    has_bearer_person: bool,
    has_bearer_organisation: bool,
) -> dict[str, str]:
    """The rules of a cost item that span fields, over plain values, {field: message}: the
    form (through the services) and the import check rows with this one function."""
    problems: dict[str, str] = {}
    if not has_bearer_person and not has_bearer_organisation:
        problems["bearer_person"] = "Choose who bears this cost: one person or one organisation."
    elif has_bearer_person and has_bearer_organisation:
        problems["bearer_person"] = (
            "Choose who bears this cost: one person or one organisation, not both."
        )
    actual = status == CostStatus.ACTUAL
    if actual and category == CostCategory.CONTRIBUTOR_PAYMENT and not has_payee:
        problems["payee"] = "Say who was paid."
    if actual and date is None:
        problems["date"] = "An actual cost needs the date it was incurred."
    return problems


def _check_cost_item(item: CostItem) -> None:
    """Rules that span fields and rows; field rules are in the model."""
    errors = cost_item_problems(
        status=item.status,
        category=item.category,
        date=item.date,
        has_payee=item.payee_id is not None,
        has_bearer_person=item.bearer_person_id is not None,
        has_bearer_organisation=item.bearer_organisation_id is not None,
    )
    members = Membership.objects.filter(project_id=item.project_id)
    if "bearer_person" in errors:
        pass
    elif item.bearer_person_id and not members.filter(person_id=item.bearer_person_id).exists():
        errors["bearer_person"] = "The bearer must be a member of this project."
    elif (
        item.bearer_organisation_id
        and not project_organisations(item.project).filter(pk=item.bearer_organisation_id).exists()
    ):
        errors["bearer_organisation"] = (
            "The bearer must be the host organisation or an organisation of a project member."
        )
    if item.payee_id is not None and not members.filter(person_id=item.payee_id).exists():
        errors["payee"] = "The person paid must be a member of this project."
    if errors:
        raise ValidationError(errors)


def priced(hours: Decimal | None, rate: Decimal | None, amount: Decimal | None) -> Decimal:
    """The stored amount: hours x rate, exactly, when costed by the hour, else the amount
    given. Both an amount and hours x rate that disagree are refused: neither is silently
    dropped. The one rule for forms, services and the import."""
    if (hours is None) != (rate is None):
        raise ValidationError({"rate" if rate is None else "hours": HOURS_WITH_RATE})
    if hours is not None and rate is not None:
        product = hours * rate
        if amount is not None and amount != product:
            message = (
                f"Give an amount or hours at a rate, not both: the amount is "
                f"{amount.normalize():f} but {hours.normalize():f} hours at "
                f"{rate.normalize():f} make {product.normalize():f}. Clear one of them."
            )
            raise ValidationError({"amount": message, "hours": message})
        return product
    if amount is None:
        raise ValidationError({"amount": "Give an amount, or hours and an hourly rate."})
    return amount


@transaction.atomic
def cost_item_create(
    *,
    by: User,
    project: Project,
    status: str,
    category: str,
    stage: Stage,
    description: str,
    defrayed_by: str,
    currency: str,
    bearer_person: Person | None = None,
    bearer_organisation: Organisation | None = None,
    payee: Person | None = None,
    budget_line: str = "",
    date: datetime.date | None = None,
    amount: Decimal | None = None,
    hours: Decimal | None = None,
    rate: Decimal | None = None,
    confirmed: bool = False,
) -> CostItem:
    """Save a planned or actual cost. Its cautions (costs.cautions) must be `confirmed`."""
    lock_project(project.pk)
    item = CostItem(project=project, created_by=by)
    _fill_cost_item(
        item,
        status=status,
        category=category,
        stage=stage,
        description=description,
        defrayed_by=defrayed_by,
        currency=currency,
        bearer_person=bearer_person,
        bearer_organisation=bearer_organisation,
        payee=payee,
        budget_line=budget_line,
        date=date,
        amount=amount,
        hours=hours,
        rate=rate,
    )
    require_confirmation(cautions.cost_item_cautions(item), confirmed)
    audited_save(item, by=by, action="cost_item.create")
    return item


@transaction.atomic
def cost_item_update(
    *, by: User, item: CostItem, confirmed: bool = False, **fields: Any
) -> CostItem:
    """Change a cost. Only cautions about values that changed need to be `confirmed`."""
    unknown = set(fields) - set(COST_ITEM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown cost item fields: {', '.join(sorted(unknown))}")
    lock_project(item.project_id)
    current = stored(item)
    before = snapshot(current)
    was = cautions.cost_item_was(current)
    _fill_cost_item(item, **fields)
    require_confirmation(cautions.cost_item_cautions(item, was=was), confirmed)
    audited_save(item, by=by, action="cost_item.update", before=before)
    return item


def _fill_cost_item(item: CostItem, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.currency = item.currency.upper()
    # An update that leaves the amount out keeps it, unless the item is costed by the hour.
    kept = item.amount if item.hours is None or item.rate is None else None
    item.amount = priced(item.hours, item.rate, fields.get("amount", kept))
    _check_cost_item(item)


@transaction.atomic
def cost_item_delete(*, by: User, item: CostItem) -> None:
    audited_delete(item, by=by, action="cost_item.delete")


@transaction.atomic
def member_terms_set(
    *, by: User, membership: Membership, rate: Rate | None, defrayed_by: str
) -> MemberTerms:
    """Say how a member's time is costed and who pays for it. Applies to time logged from now
    on; entries already logged keep the rate they were costed at."""
    lock_project(membership.project_id)
    terms = MemberTerms.objects.filter(membership=membership).first()
    before = snapshot(terms) if terms else None
    terms = terms or MemberTerms(membership=membership)
    if rate is not None and not usable_rates(membership.project).filter(pk=rate.pk).exists():
        raise ValidationError(
            {"rate": "Choose a shipped rate or one from a project organisation's card."}
        )
    terms.rate = rate
    terms.defrayed_by = defrayed_by
    audited_save(
        terms,
        by=by,
        action="member_terms.update" if before else "member_terms.create",
        before=before,
        project_id=membership.project_id,
    )
    return terms


@dataclass(frozen=True)
class AttendeeTime:
    """One attendee's hours at an activity, as the activity form collects them."""

    person: Person
    attendance_hours: Decimal = Decimal(0)
    preparation_hours: Decimal = Decimal(0)
    administration_hours: Decimal = Decimal(0)
    follow_up_hours: Decimal = Decimal(0)
    contributions: int | None = None

    @property
    def hours(self) -> Decimal:
        return total_hours(self)


@dataclass(frozen=True)
class TimeCosting:
    """How one member's time is costed: at a rate from a rate card, or not at all."""

    payer: str
    rate: Rate | None = None

    def priced(self, hours: Decimal) -> dict[str, Any]:
        """A time entry's costing fields for `hours`: the hourly rate (for display), the rate
        as written that the cost is worked out from, the currency and the cost."""
        if self.rate is None:
            return {
                "rate": None,
                "rate_amount": None,
                "rate_hours": None,
                "currency": "",
                "cost": None,
            }
        return {
            "rate": self.rate.hourly,
            "rate_amount": self.rate.amount,
            "rate_hours": self.rate.hours_in_unit,
            "currency": self.rate.currency,
            "cost": time_cost(hours, self.rate.amount, self.rate.hours_in_unit),
        }


def recost(entry: TimeEntry) -> None:
    """Cost a changed entry at the rate it was costed at, as written (money.time_cost)."""
    if entry.rate_amount is not None and entry.rate_hours is not None:
        entry.cost = time_cost(entry.hours, entry.rate_amount, entry.rate_hours)


def costing(project: Project) -> dict[int, TimeCosting]:
    """{person id: how their time is costed} for the project's members. Members without terms
    have no rate, and their time counts as unfunded until someone says who pays for it."""
    terms = {
        t.membership.person_id: t
        for t in MemberTerms.objects.filter(membership__project=project).select_related(
            "rate", "membership"
        )
    }
    result: dict[int, TimeCosting] = {}
    for person_id in Membership.objects.filter(project=project).values_list("person_id", flat=True):
        t = terms.get(person_id)
        result[person_id] = (
            TimeCosting(payer=t.defrayed_by, rate=t.rate)
            if t is not None
            else TimeCosting(payer=DefrayedBy.UNFUNDED)
        )
    return result


def time_entry_for(
    *,
    project: Project,
    person_id: int,
    terms: dict[int, TimeCosting],
    **fields: Any,
) -> TimeEntry:
    """An unsaved, costed time entry for a project member."""
    if person_id not in terms:
        raise ValidationError({"person": "Time can only be logged for members of this project."})
    costing_ = terms[person_id]
    entry = TimeEntry(project=project, person_id=person_id, **fields)
    entry.defrayed_by = entry.defrayed_by or costing_.payer
    for name, value in costing_.priced(entry.hours).items():
        setattr(entry, name, value)
    return entry


@transaction.atomic
def activity_save(
    *,
    by: User,
    project: Project,
    kind: str,
    title: str,
    date: datetime.date,
    stage: Stage,
    attendees: Sequence[AttendeeTime],
    organiser: Person | None = None,
    notes: str = "",
    duration: Decimal | None = None,
    activity: Activity | None = None,
    confirmed: bool = False,
) -> Activity:
    """Log an activity, or change one, with each attendee's hours in one step. Attendees who
    are no longer listed lose their entry for this activity. Attendance longer than the
    meeting must be `confirmed` (on an edit, only where it changed)."""
    lock_project(project.pk)
    terms = costing(project)
    # People who took part and have since left the project keep their time at it.
    logged = set(activity.time_entries.values_list("person_id", flat=True)) if activity else set()
    errors: list[str] = []
    seen: set[int] = set()
    for attendee in attendees:
        if attendee.person.pk in seen:
            errors.append(f"{attendee.person} is listed twice.")
        seen.add(attendee.person.pk)
        if attendee.person.pk not in terms and attendee.person.pk not in logged:
            errors.append(f"{attendee.person} is not a member of this project.")
        if attendee.hours <= 0:
            errors.append(f"Give {attendee.person} some hours, or leave them out.")
    if not attendees:
        errors.append("Add at least one attendee with their hours.")
    if (
        organiser is not None
        and organiser.pk not in terms
        and (activity is None or organiser.pk != activity.organiser_id)
    ):
        raise ValidationError({"organiser": "The organiser must be a member of this project."})
    if errors:
        raise ValidationError({"__all__": errors})
    was_attendance = (
        dict(activity.time_entries.values_list("person_id", "attendance_hours"))
        if activity is not None
        else None
    )
    require_confirmation(
        cautions.attendance_cautions(
            duration=duration,
            attendance=[(a.person.pk, str(a.person), a.attendance_hours) for a in attendees],
            was_duration=stored(activity).duration if activity is not None else None,
            was_attendance=was_attendance,
        ),
        confirmed,
    )
    before = None
    if activity is not None:
        before = {**snapshot(stored(activity)), "attendees": _attendance(activity)}
    else:
        activity = Activity(project=project, created_by=by)
    activity.kind = kind
    activity.title = title.strip()
    activity.date = date
    activity.stage = stage
    activity.organiser = organiser
    activity.notes = notes.strip()
    activity.duration = duration
    activity.full_clean()
    activity.save()
    existing = {e.person_id: e for e in activity.time_entries.all()}
    activity.time_entries.exclude(person_id__in=seen).delete()
    for attendee in attendees:
        fields = {
            "attendance_hours": attendee.attendance_hours,
            "preparation_hours": attendee.preparation_hours,
            "administration_hours": attendee.administration_hours,
            "follow_up_hours": attendee.follow_up_hours,
            "contributions": attendee.contributions,
        }
        old = existing.get(attendee.person.pk)
        if old is not None:
            # The entry keeps its rate, currency, payer and author; only the hours change.
            entry, hours_before = old, old.hours
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.stage, entry.date = stage, date
            if entry.hours != hours_before:
                recost(entry)
        else:
            entry = time_entry_for(
                project=project,
                person_id=attendee.person.pk,
                terms=terms,
                activity=activity,
                stage=stage,
                date=date,
                created_by=by,
                defrayed_by="",
                **fields,
            )
        entry.full_clean(exclude=["activity"])
        entry.save()
    after = {**snapshot(activity), "attendees": _attendance(activity)}
    changes = {
        name: {"from": (before or {}).get(name), "to": value}
        for name, value in after.items()
        if (before or {}).get(name) != value
    }
    if changes:
        action = "activity.update" if before else "activity.create"
        audit_record(by=by, action=action, target=activity, changes=changes)
    return activity


def _attendance(activity: Activity) -> dict[str, str]:
    return {
        str(e.person_id): f"{e.hours} h"
        for e in activity.time_entries.order_by("person_id").only(
            "person_id", *HOUR_FIELDS.values()
        )
    }


@transaction.atomic
def activity_delete(*, by: User, activity: Activity) -> None:
    audited_delete(activity, by=by, action="activity.delete")


@transaction.atomic
def time_entry_create(
    *,
    by: User,
    project: Project,
    person: Person,
    stage: Stage,
    date: datetime.date,
    description: str,
    attendance_hours: Decimal = Decimal(0),
    preparation_hours: Decimal = Decimal(0),
    administration_hours: Decimal = Decimal(0),
    follow_up_hours: Decimal = Decimal(0),
    defrayed_by: str = "",
) -> TimeEntry:
    """Log co-production work that was not an activity (drafting a lay summary, arranging
    payments), costed like activity time."""
    lock_project(project.pk)
    entry = time_entry_for(
        project=project,
        person_id=person.pk,
        terms=costing(project),
        stage=stage,
        date=date,
        description=description.strip(),
        attendance_hours=attendance_hours,
        preparation_hours=preparation_hours,
        administration_hours=administration_hours,
        follow_up_hours=follow_up_hours,
        defrayed_by=defrayed_by,
        created_by=by,
    )
    if entry.hours <= 0:
        raise ValidationError({"__all__": "Give some hours: at least one kind above zero."})
    audited_save(entry, by=by, action="time_entry.create")
    return entry


@transaction.atomic
def time_entry_delete(*, by: User, entry: TimeEntry) -> None:
    audited_delete(entry, by=by, action="time_entry.delete")


RATE_FIELDS = (
    "kind",
    "label",
    "unit",
    "hours_in_unit",
    "amount",
    "currency",
    "year",
    "source",
    "note",
)


@transaction.atomic
def rate_save(
    *, by: User, organisation: Organisation, rate: Rate | None = None, **fields: Any
) -> Rate:
    """Add a line to an organisation's rate card, or change one. Shipped defaults are never
    changed: copy them instead."""
    if rate is not None and rate.organisation_id != organisation.pk:
        raise ValidationError("Shipped default rates cannot be changed; copy them to your card.")
    before = snapshot(stored(rate)) if rate is not None else None
    rate = rate or Rate(organisation=organisation, created_by=by)
    for name in RATE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(rate, name, value.strip() if isinstance(value, str) else value)
    rate.currency = rate.currency.upper()
    if not rate.source:
        raise ValidationError({"source": "Say where this rate comes from."})
    audited_save(rate, by=by, action="rate.update" if before else "rate.create", before=before)
    return rate


@transaction.atomic
def rate_copy_defaults(*, by: User, organisation: Organisation) -> list[Rate]:
    """Copy the shipped defaults onto the organisation's card, to adjust from there."""
    copies = []
    for default in Rate.objects.filter(organisation__isnull=True):
        fields = {name: getattr(default, name) for name in RATE_FIELDS}
        if Rate.objects.filter(
            organisation=organisation, label=default.label, year=default.year
        ).exists():
            continue
        copies.append(rate_save(by=by, organisation=organisation, **fields))
    return copies


THRESHOLD_FIELDS = (
    "name",
    "period",
    "amount",
    "currency",
    "valid_from",
    "valid_to",
    "source",
    "note",
)


@transaction.atomic
def threshold_save(
    *,
    by: User,
    organisation: Organisation,
    threshold: PaymentThreshold | None = None,
    **fields: Any,
) -> PaymentThreshold:
    if threshold is not None and threshold.organisation_id != organisation.pk:
        raise ValidationError("Shipped thresholds cannot be changed; add your own instead.")
    before = snapshot(stored(threshold)) if threshold is not None else None
    threshold = threshold or PaymentThreshold(organisation=organisation)
    for name in THRESHOLD_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(threshold, name, value.strip() if isinstance(value, str) else value)
    threshold.currency = threshold.currency.upper()
    if not threshold.source:
        raise ValidationError({"source": "Say where this threshold comes from."})
    if threshold.valid_to and threshold.valid_from and threshold.valid_to < threshold.valid_from:
        raise ValidationError({"valid_to": "The end date must be on or after the start date."})
    audited_save(
        threshold,
        by=by,
        action="threshold.update" if before else "threshold.create",
        before=before,
    )
    return threshold


@transaction.atomic
def organisation_disclosure_update(
    *,
    by: User,
    organisation: Organisation,
    disclosure_threshold: int,
    burden_warning_ratio: Decimal,
) -> Organisation:
    before = snapshot(stored(organisation), ["disclosure_threshold", "burden_warning_ratio"])
    organisation.disclosure_threshold = disclosure_threshold
    organisation.burden_warning_ratio = burden_warning_ratio
    audited_save(organisation, by=by, action="organisation.disclosure", before=before)
    return organisation
