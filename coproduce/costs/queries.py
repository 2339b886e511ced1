"""Reads for question 3. The database does the summing (aggregate queries over the rows); the
calculations in budget.py and burden.py work on the small results."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Round

from coproduce.accounts.models import Organisation, OrganisationMembership, PartyKind, Person
from coproduce.catalogue.models import Stage
from coproduce.costs.budget import CostLine, CurrencyBudget, budget_against_actual
from coproduce.costs.burden import HOUR_KINDS, NOT_DISCLOSED, BurdenReport, PersonLoad, analyse
from coproduce.costs.models import (
    HOUR_FIELDS,
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    PaymentThreshold,
    ThresholdPeriod,
    TimeEntry,
)
from coproduce.projects.models import Membership, Project

# An entry's hours, added up as plain SQL: Django would cast each partial sum of decimal
# columns to NUMERIC on SQLite, which a million times over costs more than the sum itself.
# The same sum as models.total_hours, over the same HOUR_FIELDS.
ENTRY_HOURS = Func(
    *(F(name) for name in HOUR_FIELDS.values()),
    template="(%(expressions)s)",
    arg_joiner=" + ",
    output_field=FloatField(),
)
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
    """The organisation's projects together, protected also against each project's own page,
    which the same viewer may see. Equity answers count here only for the people who chose,
    as members of this organisation, to be counted in its figures; the project pages keep
    using each person's general consent, and the protection knows both."""
    return burden(
        Project.objects.filter(organisation=organisation),
        threshold=organisation.disclosure_threshold,
        warning_ratio=organisation.burden_warning_ratio,
        counted_by=organisation,
    )


def person_loads(
    projects: QuerySet[Project],
    *,
    with_projects: bool = False,
    counted_by: Organisation | None = None,
) -> list[PersonLoad]:
    """Each person's totals over the projects: everyone who is a member or logged time.

    Three aggregate queries: time by person and currency (the big one), money borne by person
    and currency, and the people themselves; a fourth, the memberships, `with_projects`, and
    a fifth, the organisation's counted members, `counted_by`.
    Equity attributes are masked here, before they leave the database layer, for everyone
    who has not consented: to aggregate use in general, or with `counted_by` to being counted
    in that organisation's figures (their answers as the project pages show them, by general
    consent, go in `project_answers`). Each person's `projects` are those whose own burden
    page counts them (member, logged time or bore a cost there).
    """
    project_ids = projects.values("pk")
    in_projects: dict[int, set[int]] = {}
    time = _time_by_person(project_ids, in_projects)
    borne: dict[int, dict[str, Decimal]] = {}
    for cost in (
        CostItem.objects.filter(
            project__in=project_ids, status=CostStatus.ACTUAL, bearer_person__isnull=False
        )
        .values("bearer_person_id", "currency", "project_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        person_borne = borne.setdefault(cost["bearer_person_id"], {})
        currency = cost["currency"]
        person_borne[currency] = person_borne.get(currency, Decimal(0)) + cost["total"]
        in_projects.setdefault(cost["bearer_person_id"], set()).add(cost["project_id"])
    if with_projects:
        for person_id, project_id in (
            Membership.objects.filter(project__in=project_ids)
            .values_list("person_id", "project_id")
            .order_by()
        ):
            in_projects.setdefault(person_id, set()).add(project_id)
    columns = PERSON_COLUMNS
    people = list(
        Person.objects.filter(memberships__project__in=project_ids)
        .distinct()
        .order_by()  # the analysis sorts; sorting here too costs a temporary B-tree
        .values(*columns)
    )
    # People who logged time or bore costs and have since left the projects still count.
    former = sorted((set(time) | set(borne)) - {person["pk"] for person in people})
    for start in range(0, len(former), 500):
        people += Person.objects.filter(pk__in=former[start : start + 500]).values(*columns)
    counted: set[int] | None = None
    if counted_by is not None:
        counted = set(
            OrganisationMembership.objects.counted_by(counted_by).values_list(
                "person_id", flat=True
            )
        )
    loads = []
    for person in people:
        consented = person["equity_consent"]
        answers = _answers(person, consented)
        project_answers = None
        if counted is not None:
            project_answers = answers
            answers = _answers(person, person["pk"] in counted)
        career_stage, contract, gender = answers
        totals = time.get(person["pk"]) or _Time()
        loads.append(
            PersonLoad(
                person_id=person["pk"],
                name=person["name"],
                party=person["party"],
                organisation=person["organisation__name"] or "",
                career_stage=career_stage,
                contract=contract,
                gender=gender,
                project_answers=project_answers if project_answers != answers else None,
                hours=totals.hours(),
                unfunded_hours=totals.unfunded(),
                time_value=totals.value(),
                money_borne=borne.get(person["pk"], {}),
                projects=frozenset(in_projects.get(person["pk"], ()))
                if with_projects
                else frozenset(),
            )
        )
    return loads


@dataclass
class _Time:
    """Running sums for one person, in whole units: hundredths of an hour, millionths of the
    currency."""

    hour_units: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    unfunded_units: int = 0
    value_units: dict[str, int] = field(default_factory=dict)

    def hours(self) -> dict[str, Decimal]:
        kinds = zip(HOUR_KINDS, self.hour_units, strict=True)
        return {kind: Decimal(units).scaleb(-2) for kind, units in kinds if units}

    def unfunded(self) -> Decimal:
        return Decimal(self.unfunded_units).scaleb(-2)

    def value(self) -> dict[str, Decimal]:
        return {currency: Decimal(units).scaleb(-6) for currency, units in self.value_units.items()}


def _time_by_person(
    project_ids: QuerySet[Project, Any], in_projects: dict[int, set[int]]
) -> dict[int, _Time]:
    """Each person's hours by kind, unfunded hours and time value, in one aggregate query;
    the projects each person logged time on go into `in_projects`.

    Grouped by project as well, in the order of the time_entry_burden index, so the database
    reads that index alone and in order, without sorting; a person's projects add up here.
    The database also turns each sum into a whole number of units (hundredths of an hour,
    millionths of the currency), so the rows come back as plain integers: at a million entries
    that is several times faster than converting every value to a Decimal on the way out. It is
    exact: PostgreSQL sums decimals exactly; SQLite keeps them as binary doubles, and the error
    of a double sum stays far below half a unit while the sum is below 2 ** 53 units (90
    billion hours, 9 billion pounds), so rounding to the unit gives the exact decimal sum.
    """
    unfunded = Q(defrayed_by=DefrayedBy.UNFUNDED)

    def units(total: Combinable, places: int) -> Cast:
        return Cast(Round(total * 10**places), BigIntegerField())

    query = (
        TimeEntry.objects.filter(project__in=project_ids)
        .values("project_id", "person_id", "currency")
        .annotate(
            attendance=units(Sum("attendance_hours"), 2),
            preparation=units(Sum("preparation_hours"), 2),
            administration=units(Sum("administration_hours"), 2),
            follow_up=units(Sum("follow_up_hours"), 2),
            unfunded=units(Sum(ENTRY_HOURS, filter=unfunded), 2),
            value=units(Sum("cost"), 6),
        )
        .values_list(
            "project_id",
            "person_id",
            "currency",
            "attendance",
            "preparation",
            "administration",
            "follow_up",
            "unfunded",
            "value",
        )
        .order_by()
    )
    sql, params = query.query.sql_with_params()
    time: dict[int, _Time] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for (
            project_id,
            person_id,
            currency,
            attendance,
            preparation,
            administration,
            follow_up,
            *rest,
        ) in cursor:
            totals = time.get(person_id)
            if totals is None:
                totals = time[person_id] = _Time()
                in_projects[person_id] = {project_id}
            else:
                in_projects[person_id].add(project_id)
            hours = totals.hour_units
            hours[0] += attendance or 0
            hours[1] += preparation or 0
            hours[2] += administration or 0
            hours[3] += follow_up or 0
            unfunded_units, value = rest
            totals.unfunded_units += unfunded_units or 0
            if currency and value is not None:
                totals.value_units[currency] = totals.value_units.get(currency, 0) + value
    return time


def _answers(person: dict[str, Any], consented: bool) -> tuple[str, str, str]:
    """Career stage, contract and gender, each NOT_DISCLOSED unless consented to and given."""
    return (
        _disclosed(person["career_stage"], consented),
        _disclosed(person["contract"], consented),
        _disclosed(person["gender"], consented),
    )


def _disclosed(value: str, consented: bool) -> str:
    return value if consented and value and value != "not_say" else NOT_DISCLOSED


def burden(
    projects: QuerySet[Project],
    *,
    threshold: int,
    warning_ratio: Decimal,
    counted_by: Organisation | None = None,
) -> BurdenReport:
    """The burden page over the projects: a project's own (by general consent), or with
    `counted_by` that organisation's, linked to each of its projects' pages."""
    linked = counted_by is not None
    loads = person_loads(projects, with_projects=linked, counted_by=counted_by)
    organisations = {load.organisation: load.organisation for load in loads if load.organisation}
    return analyse(
        loads,
        threshold=threshold,
        warning_ratio=warning_ratio,
        labels={
            "party": dict(PartyKind.choices),
            "organisation": {**organisations, "none": "No organisation"},
        },
        linked=linked,
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
    payee: Person | int,
    day: datetime.date,
    amount: Decimal,
    currency: str,
    excluding: CostItem | None = None,
    excluding_pk: int | None = None,
    pending: Sequence[tuple[datetime.date, Decimal]] = (),
) -> list[ThresholdWarning]:
    """The thresholds this payment would take the payee past, counting what they have been
    paid in the same period across every project on coproduce (a benefit looks at all of a
    person's earnings, not one project's), leaving out the payment being edited (`excluding`,
    or its `excluding_pk`), and counting `pending` payments to them in the same
    currency that are about to be saved with it (the earlier rows of an import file)."""
    warnings = []
    payments = CostItem.objects.filter(
        payee=payee,
        status=CostStatus.ACTUAL,
        category=CostCategory.CONTRIBUTOR_PAYMENT,
        currency=currency,
    )
    excluded = excluding.pk if excluding is not None else excluding_pk
    if excluded:
        payments = payments.exclude(pk=excluded)
    for threshold in PaymentThreshold.objects.in_force(organisation, day).filter(currency=currency):
        starts, ends = period_around(day, threshold.period)
        paid = payments.filter(date__range=(starts, ends)).aggregate(s=Sum("amount"))["s"]
        paid = (paid or Decimal(0)) + sum(
            (paid_then for then, paid_then in pending if starts <= then <= ends), Decimal(0)
        )
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
