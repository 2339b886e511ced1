"""Reads for question 3. The database does the summing (aggregate queries over the rows); the
calculations in budget.py and burden.py work on the small results."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Sum, Value, When

from coproduce.accounts.models import Organisation, PartyKind, Person
from coproduce.catalogue.models import Stage
from coproduce.costs.budget import CostLine, CurrencyBudget, budget_against_actual
from coproduce.costs.burden import HOUR_KINDS, NOT_DISCLOSED, BurdenReport, PersonLoad, analyse
from coproduce.costs.models import (
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    PaymentThreshold,
    ThresholdPeriod,
    TimeEntry,
)
from coproduce.projects.models import Project

HOURS = DecimalField(max_digits=14, decimal_places=2)
MONEY = DecimalField(max_digits=24, decimal_places=6)
PERSON_COLUMNS = (
    "pk",
    "name",
    "party",
    "organisation__name",
    "career_stage",
    "contract",
    "gender",
    "equity_consent",
)
ALL_HOURS = (
    F("attendance_hours")
    + F("preparation_hours")
    + F("administration_hours")
    + F("follow_up_hours")
)


def budget(project: Project) -> list[CurrencyBudget]:
    """Budget against actual for the project, one per currency."""
    lines = [
        CostLine(
            status=row["status"],
            stage=row["stage__number"],
            category=row["category"],
            currency=row["currency"],
            defrayed_by=row["defrayed_by"],
            bearer=row["bearer_person__name"] or row["bearer_organisation__name"],
            bearer_key=f"person:{row['bearer_person_id']}"
            if row["bearer_person_id"]
            else f"organisation:{row['bearer_organisation_id']}",
            amount=row["total"],
        )
        for row in CostItem.objects.filter(project=project)
        .values(
            "status",
            "stage__number",
            "category",
            "currency",
            "defrayed_by",
            "bearer_person_id",
            "bearer_person__name",
            "bearer_organisation_id",
            "bearer_organisation__name",
        )
        .annotate(total=Sum("amount"))
        .order_by()
    ]
    # Logged time is actual staff time, borne by the person who gave it.
    lines += [
        CostLine(
            status=CostStatus.ACTUAL,
            stage=row["stage__number"],
            category=CostCategory.STAFF_TIME,
            currency=row["currency"],
            defrayed_by=row["defrayed_by"],
            bearer=row["person__name"],
            bearer_key=f"person:{row['person_id']}",
            amount=row["total"],
        )
        for row in TimeEntry.objects.filter(project=project, cost__isnull=False)
        .values("stage__number", "currency", "defrayed_by", "person_id", "person__name")
        .annotate(total=Sum("cost"))
        .order_by()
    ]
    stages = list(Stage.objects.values_list("number", flat=True))
    return budget_against_actual(lines, stages=stages, margin_percent=project.overspend_margin)


def burden_for_project(project: Project) -> BurdenReport:
    organisation = project.organisation
    return burden(
        Project.objects.filter(pk=project.pk),
        threshold=organisation.disclosure_threshold,
        warning_ratio=organisation.burden_warning_ratio,
    )


def burden_for_organisation(organisation: Organisation) -> BurdenReport:
    return burden(
        Project.objects.filter(organisation=organisation),
        threshold=organisation.disclosure_threshold,
        warning_ratio=organisation.burden_warning_ratio,
    )


def person_loads(projects: QuerySet[Project]) -> list[PersonLoad]:
    """Each person's totals over the projects: everyone who is a member or logged time.

    Three aggregate queries: time by person and currency (the big one), money borne by person
    and currency, and the people themselves. Equity attributes are masked here, before they
    leave the database layer, for everyone who has not consented.
    """
    project_ids = projects.values("pk")
    time: dict[int, _Time] = {}
    for row in (
        TimeEntry.objects.filter(project__in=project_ids)
        .values("person_id", "currency")
        .annotate(
            attendance=Sum("attendance_hours"),
            preparation=Sum("preparation_hours"),
            administration=Sum("administration_hours"),
            follow_up=Sum("follow_up_hours"),
            unfunded=Sum(
                Case(
                    When(defrayed_by=DefrayedBy.UNFUNDED, then=ALL_HOURS),
                    default=Value(Decimal(0)),
                    output_field=HOURS,
                )
            ),
            value=Sum("cost", output_field=MONEY),
        )
        .order_by()
    ):
        totals = time.setdefault(row["person_id"], _Time())
        for kind in HOUR_KINDS:
            totals.hours[kind] = totals.hours.get(kind, Decimal(0)) + (row[kind] or 0)  # type: ignore[literal-required]
        totals.unfunded += row["unfunded"] or Decimal(0)
        if row["currency"] and row["value"] is not None:
            totals.value[row["currency"]] = row["value"]
    borne: dict[int, dict[str, Decimal]] = {}
    for cost in (
        CostItem.objects.filter(
            project__in=project_ids, status=CostStatus.ACTUAL, bearer_person__isnull=False
        )
        .values("bearer_person_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        borne.setdefault(cost["bearer_person_id"], {})[cost["currency"]] = cost["total"]
    columns = PERSON_COLUMNS
    people = list(
        Person.objects.filter(memberships__project__in=project_ids).distinct().values(*columns)
    )
    # People who logged time and have since left the projects still count.
    former = sorted(set(time) - {person["pk"] for person in people})
    for start in range(0, len(former), 500):
        people += Person.objects.filter(pk__in=former[start : start + 500]).values(*columns)
    loads = []
    for person in people:
        consented = person["equity_consent"]
        totals = time.get(person["pk"], _Time())
        loads.append(
            PersonLoad(
                person_id=person["pk"],
                name=person["name"],
                party=person["party"],
                organisation=person["organisation__name"] or "",
                career_stage=_disclosed(person["career_stage"], consented),
                contract=_disclosed(person["contract"], consented),
                gender=_disclosed(person["gender"], consented),
                hours=totals.hours,
                unfunded_hours=totals.unfunded,
                time_value=totals.value,
                money_borne=borne.get(person["pk"], {}),
            )
        )
    return loads


@dataclass
class _Time:
    hours: dict[str, Decimal] = field(default_factory=dict)
    unfunded: Decimal = Decimal(0)
    value: dict[str, Decimal] = field(default_factory=dict)


def _disclosed(value: str, consented: bool) -> str:
    return value if consented and value and value != "not_say" else NOT_DISCLOSED


def burden(projects: QuerySet[Project], *, threshold: int, warning_ratio: Decimal) -> BurdenReport:
    loads = person_loads(projects)
    organisations = {load.organisation: load.organisation for load in loads if load.organisation}
    return analyse(
        loads,
        threshold=threshold,
        warning_ratio=warning_ratio,
        labels={
            "party": dict(PartyKind.choices),
            "organisation": {**organisations, "none": "No organisation"},
        },
    )


@dataclass(frozen=True)
class ThresholdWarning:
    threshold: PaymentThreshold
    starts: datetime.date
    ends: datetime.date
    paid_before: Decimal
    payment: Decimal

    @property
    def total(self) -> Decimal:
        return self.paid_before + self.payment


def period_around(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    """The week (Monday to Sunday), calendar month or calendar year containing `day`."""
    if period == ThresholdPeriod.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == ThresholdPeriod.MONTH:
        start = day.replace(day=1)
        following = (start + datetime.timedelta(days=32)).replace(day=1)
        return start, following - datetime.timedelta(days=1)
    return day.replace(month=1, day=1), day.replace(month=12, day=31)


def payment_warnings(
    *,
    organisation: Organisation | int,
    payee: Person,
    day: datetime.date,
    amount: Decimal,
    currency: str,
    excluding: CostItem | None = None,
) -> list[ThresholdWarning]:
    """The thresholds this payment would take the payee past, counting what they have been
    paid in the same period across every project on coproduce (a benefit looks at all of a
    person's earnings, not one project's)."""
    warnings = []
    payments = CostItem.objects.filter(
        payee=payee,
        status=CostStatus.ACTUAL,
        category=CostCategory.CONTRIBUTOR_PAYMENT,
        currency=currency,
    )
    if excluding is not None and excluding.pk:
        payments = payments.exclude(pk=excluding.pk)
    for threshold in PaymentThreshold.objects.in_force(organisation, day).filter(currency=currency):
        starts, ends = period_around(day, threshold.period)
        paid = payments.filter(date__range=(starts, ends)).aggregate(s=Sum("amount"))["s"]
        paid = paid or Decimal(0)
        if paid + amount > threshold.amount:
            warnings.append(ThresholdWarning(threshold, starts, ends, paid, amount))
    return warnings


def payments_to(person: Person, project: Project | None = None) -> QuerySet[CostItem]:
    payments = CostItem.objects.filter(
        payee=person, status=CostStatus.ACTUAL, category=CostCategory.CONTRIBUTOR_PAYMENT
    ).select_related("project", "stage")
    return payments.filter(project=project) if project is not None else payments


@dataclass(frozen=True)
class ThresholdStatus:
    threshold: PaymentThreshold
    starts: datetime.date
    ends: datetime.date
    paid: Decimal

    @property
    def over(self) -> bool:
        return self.paid > self.threshold.amount

    @property
    def near(self) -> bool:
        """Within a fifth of the limit: worth a conversation before the next payment."""
        return not self.over and self.paid * 5 >= self.threshold.amount * 4


def threshold_status(
    person: Person, project: Project, today: datetime.date | None = None
) -> list[ThresholdStatus]:
    """Where the person stands against each threshold in force now: what they have been paid
    in the current period across every project."""
    today = today or datetime.date.today()
    statuses = []
    for threshold in PaymentThreshold.objects.in_force(project.organisation_id, today):
        starts, ends = period_around(today, threshold.period)
        paid = (
            payments_to(person)
            .filter(currency=threshold.currency, date__range=(starts, ends))
            .aggregate(s=Sum("amount"))["s"]
        )
        statuses.append(ThresholdStatus(threshold, starts, ends, paid or Decimal(0)))
    return statuses
