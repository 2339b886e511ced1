"""The writes and reads of question 3 (coproduce/costs/services.py and queries.py) against the
database: cost items, rate cards, thresholds, activities and time, payment warnings, the budget
and the burden report. Every bad input gets a clear message on the right field, and nothing is
saved."""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from coproduce.accounts.models import Organisation, Person, User
from coproduce.accounts.services import person_update_equity
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import Stage
from coproduce.core import demo
from coproduce.core.warnings import NeedsConfirmation
from coproduce.costs import queries, transfer
from coproduce.costs.budget import Overspend, PlanActual
from coproduce.costs.burden import NOT_DISCLOSED, BurdenReport, PersonLoad
from coproduce.costs.models import (
    Activity,
    CostItem,
    MemberTerms,
    PaymentThreshold,
    Rate,
    TimeEntry,
    total_hours,
)
from coproduce.costs.money import present, time_cost
from coproduce.costs.services import (
    AttendeeTime,
    activity_delete,
    activity_save,
    cost_item_create,
    cost_item_delete,
    cost_item_update,
    member_terms_set,
    organisation_disclosure_update,
    rate_copy_defaults,
    rate_save,
    threshold_save,
    time_entry_create,
    time_entry_delete,
)
from coproduce.projects.models import Membership, Project
from coproduce.projects.services import membership_remove
from tests.conftest import Team
from tests.factories import add_member, join, make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2023, 3, 6)  # before any shipped threshold is in force
SUNDAY = datetime.date(2023, 3, 12)
ON_THE_DAY = datetime.date(2024, 5, 14)
WATCHED_MODELS = [CostItem, Activity, TimeEntry, MemberTerms, Rate, PaymentThreshold, AuditEvent]


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED_MODELS}


def errors(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return raised.value.message_dict


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def cost_fields(team: Team, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "by": team.alice,
        "project": team.project,
        "status": "planned",
        "category": "travel",
        "stage": stage(1),
        "description": "Train fares to the workshop",
        "defrayed_by": "project_budget",
        "currency": "GBP",
        "bearer_person": team.bob.person,
        "amount": Decimal("120.00"),
    }
    fields.update(overrides)
    return fields


def payment(
    team: Team, amount: str, day: datetime.date, *, project: Project | None = None, **extra: Any
) -> CostItem:
    """An actual payment to Carol, borne by the project's host."""
    project = project or team.project
    fields = cost_fields(
        team,
        project=project,
        status="actual",
        category="contributor_payment",
        description="Payment for the workshop",
        bearer_person=None,
        bearer_organisation=project.organisation,
        payee=team.carol.person,
        date=day,
        amount=Decimal(amount),
        confirmed=True,  # these tests are about what is saved; cautions are tested apart
    )
    fields.update(extra)
    return cost_item_create(**fields)


def organisation_rate(team: Team, amount: str = "33.33", **overrides: Any) -> Rate:
    fields: dict[str, Any] = {
        "kind": "staff",
        "label": "Research fellow",
        "unit": "hour",
        "hours_in_unit": Decimal(1),
        "amount": Decimal(amount),
        "currency": "GBP",
        "year": 2025,
        "source": "Northbridge costing policy 2025",
    }
    fields.update(overrides)
    return rate_save(by=team.alice, organisation=team.organisation, **fields)


def membership(team: Team, user: User) -> Membership:
    return Membership.objects.get(project=team.project, person=user.person)


def terms(team: Team, user: User, rate: Rate | None, defrayed_by: str = "project_budget") -> None:
    member_terms_set(
        by=team.alice, membership=membership(team, user), rate=rate, defrayed_by=defrayed_by
    )


def shipped(code: str) -> Rate:
    return Rate.objects.get(organisation__isnull=True, code=code)


def entry_of(activity: Activity, user: User) -> TimeEntry:
    return TimeEntry.objects.get(activity=activity, person=user.person)


# Cost items: the happy paths


def test_cost_item_create_with_an_amount_saves_and_audits(team: Team) -> None:
    # Act
    item = cost_item_create(**cost_fields(team, description="  Train fares  "))

    # Assert
    item.refresh_from_db()
    assert item.amount == Decimal("120.00")
    assert (item.hours, item.rate) == (None, None)
    assert item.description == "Train fares"
    assert item.bearer == team.bob.person
    assert item.created_by == team.alice
    event = AuditEvent.objects.get(action="cost_item.create")
    assert (event.project_id, event.target_id) == (team.project.pk, str(item.pk))
    assert event.changes["amount"]["to"] == "120"  # canonical: 120.00 and 120 are one amount


def test_cost_item_create_prices_hours_at_the_rate_exactly(team: Team) -> None:
    # Act: 2.5 h x 33.33 = 83.325, which must not be rounded when stored.
    item = cost_item_create(
        **cost_fields(team, amount=None, hours=Decimal("2.5"), rate=Decimal("33.33"))
    )

    # Assert
    item.refresh_from_db()
    assert item.amount == Decimal("83.325")
    assert (item.hours, item.rate) == (Decimal("2.50"), Decimal("33.33"))
    assert present(item.amount, item.currency) == "£83.32"  # half to even, only when shown


def test_cost_item_create_refuses_an_amount_that_disagrees_with_hours_and_rate(
    team: Team,
) -> None:
    # Act
    with pytest.raises(ValidationError) as raised:
        cost_item_create(
            **cost_fields(team, amount=Decimal(1200), hours=Decimal(10), rate=Decimal(25))
        )

    # Assert: both fields are named, the figures are given, and nothing is saved.
    errors = raised.value.message_dict
    assert set(errors) >= {"amount", "hours"}
    assert "the amount is 1200 but 10 hours at 25 make 250" in errors["amount"][0]
    assert not CostItem.objects.exists()


def test_cost_item_create_accepts_an_amount_equal_to_hours_times_rate(team: Team) -> None:
    item = cost_item_create(
        **cost_fields(team, amount=Decimal("21.00"), hours=Decimal(2), rate=Decimal("10.50"))
    )

    assert item.amount == Decimal("21.00")


def test_cost_item_create_upper_cases_the_currency(team: Team) -> None:
    item = cost_item_create(**cost_fields(team, currency="eur"))

    item.refresh_from_db()
    assert item.currency == "EUR"


def test_cost_item_create_accepts_organisations_of_the_project(team: Team) -> None:
    # Arrange: a charity Bob is affiliated with (his own organisation stays Northbridge).
    charity = make_organisation("Carers Network", kind="charity")
    join(team.bob, charity)

    # Act
    hosted = cost_item_create(
        **cost_fields(team, bearer_person=None, bearer_organisation=team.organisation)
    )
    affiliated = cost_item_create(
        **cost_fields(team, bearer_person=None, bearer_organisation=charity)
    )

    # Assert
    assert hosted.bearer == team.organisation
    assert affiliated.bearer == charity
    assert audit_actions().count("cost_item.create") == 2


def test_cost_item_create_actual_payment_with_payee_and_date(team: Team) -> None:
    item = payment(team, "25.00", ON_THE_DAY)

    item.refresh_from_db()
    assert (item.status, item.payee, item.date) == ("actual", team.carol.person, ON_THE_DAY)


# Cost items: every bad input is refused with a message on its field, and nothing is saved

BAD_COST_ITEMS: list[tuple[str, Callable[[Team], dict[str, Any]], str, str]] = [
    (
        "negative amount",
        lambda team: {"amount": Decimal("-0.01")},
        "amount",
        "greater than or equal to 0",
    ),
    (
        "negative hours",
        lambda team: {"amount": None, "hours": Decimal("-2"), "rate": Decimal("30")},
        "hours",
        "Hours must be more than zero.",
    ),
    (
        "zero hours",
        lambda team: {"amount": None, "hours": Decimal(0), "rate": Decimal("30")},
        "hours",
        "Hours must be more than zero.",
    ),
    (
        "negative rate",
        lambda team: {"amount": None, "hours": Decimal(2), "rate": Decimal("-30")},
        "rate",
        "A rate cannot be negative.",
    ),
    (
        "unknown currency",
        lambda team: {"currency": "XYZ"},
        "currency",
        "XYZ is not an ISO 4217 currency code",
    ),
    (
        "unknown currency in lower case",
        lambda team: {"currency": "xyz"},
        "currency",
        "XYZ is not an ISO 4217 currency code",
    ),
    (
        "bearer outside the project",
        lambda team: {"bearer_person": team.oscar.person},
        "bearer_person",
        "The bearer must be a member of this project.",
    ),
    (
        "organisation unrelated to the project",
        lambda team: {
            "bearer_person": None,
            "bearer_organisation": make_organisation("Faraway Trust", kind="charity"),
        },
        "bearer_organisation",
        "The bearer must be the host organisation or an organisation of a project member.",
    ),
    (
        "both a person and an organisation bear it",
        lambda team: {"bearer_organisation": team.organisation},
        "bearer_person",
        "Choose who bears this cost: one person or one organisation, not both.",
    ),
    (
        "nobody bears it",
        lambda team: {"bearer_person": None},
        "bearer_person",
        "Choose who bears this cost: one person or one organisation.",
    ),
    (
        "actual without a date",
        lambda team: {"status": "actual"},
        "date",
        "An actual cost needs the date it was incurred.",
    ),
    (
        "contributor payment without a payee",
        lambda team: {"status": "actual", "date": ON_THE_DAY, "category": "contributor_payment"},
        "payee",
        "Say who was paid.",
    ),
    (
        "payee outside the project",
        lambda team: {"payee": team.oscar.person, "category": "contributor_payment"},
        "payee",
        "The person paid must be a member of this project.",
    ),
    (
        "hours without a rate",
        lambda team: {"hours": Decimal(2)},
        "rate",
        "Give both hours and an hourly rate, or neither and an amount.",
    ),
    (
        "rate without hours",
        lambda team: {"rate": Decimal("30")},
        "hours",
        "Give both hours and an hourly rate, or neither and an amount.",
    ),
    (
        "hours without a rate or an amount",
        lambda team: {"amount": None, "hours": Decimal(2)},
        "rate",
        "Give both hours and an hourly rate, or neither and an amount.",
    ),
    (
        "no amount",
        lambda team: {"amount": None},
        "amount",
        "Give an amount, or hours and an hourly rate.",
    ),
    (
        "amount finer than the stored precision",
        lambda team: {"amount": Decimal("1.00001")},
        "amount",
        "no more than 4 decimal places",
    ),
    (
        "blank description",
        lambda team: {"description": "   "},
        "description",
        "This field cannot be blank.",
    ),
    (
        "unknown category",
        lambda team: {"category": "bribes"},
        "category",
        "is not a valid choice",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [case[1:] for case in BAD_COST_ITEMS],
    ids=[case[0] for case in BAD_COST_ITEMS],
)
def test_cost_item_create_refuses_bad_input_and_saves_nothing(
    team: Team, overrides: Callable[[Team], dict[str, Any]], field: str, message: str
) -> None:
    # Arrange
    fields = cost_fields(team, **overrides(team))
    before = row_counts()

    # Act
    with pytest.raises(ValidationError) as raised:
        cost_item_create(**fields)

    # Assert
    assert any(message in text for text in errors(raised).get(field, [])), errors(raised)
    assert row_counts() == before


def test_cost_item_update_refuses_a_negative_amount_and_keeps_the_row(team: Team) -> None:
    # Arrange
    item = cost_item_create(**cost_fields(team))
    before = row_counts()

    # Act
    with pytest.raises(ValidationError) as raised:
        cost_item_update(by=team.alice, item=item, amount=Decimal("-5"))

    # Assert
    assert "amount" in errors(raised)
    assert CostItem.objects.get(pk=item.pk).amount == Decimal("120.00")
    assert row_counts() == before


def test_cost_item_update_records_what_changed(team: Team) -> None:
    item = cost_item_create(**cost_fields(team))

    cost_item_update(by=team.bob, item=item, amount=Decimal("99.50"))

    event = AuditEvent.objects.get(action="cost_item.update")
    assert event.changes == {"amount": {"from": "120", "to": "99.5"}}
    assert CostItem.objects.get(pk=item.pk).amount == Decimal("99.50")


# Rate cards


def test_rate_save_adds_a_line_to_the_card(team: Team) -> None:
    # Act
    rate = organisation_rate(team, currency="gbp")

    # Assert
    rate.refresh_from_db()
    assert (rate.organisation, rate.currency, rate.amount) == (
        team.organisation,
        "GBP",
        Decimal("33.33"),
    )
    assert rate.hourly == Decimal("33.3300")
    assert rate.created_by == team.alice
    assert AuditEvent.objects.get(action="rate.create").organisation_id == team.organisation.pk


@pytest.mark.parametrize("source", [None, "", "   "])
def test_rate_save_without_a_source_is_refused(team: Team, source: str | None) -> None:
    # Arrange
    fields: dict[str, Any] = {"source": source} if source is not None else {}
    before = row_counts()

    # Act
    with pytest.raises(ValidationError) as raised:
        rate_save(
            by=team.alice,
            organisation=team.organisation,
            kind="staff",
            label="Grade 7",
            amount=Decimal("30.00"),
            year=2025,
            **fields,
        )

    # Assert
    assert errors(raised) == {"source": ["Say where this rate comes from."]}
    assert row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("-1.00")}, "amount"),
        ({"currency": "ABC"}, "currency"),
        ({"hours_in_unit": Decimal("0.10")}, "hours_in_unit"),
        ({"kind": "bonus"}, "kind"),
    ],
)
def test_rate_save_refuses_bad_values(team: Team, overrides: dict[str, Any], field: str) -> None:
    before = row_counts()

    with pytest.raises(ValidationError) as raised:
        organisation_rate(team, **overrides)

    assert field in errors(raised)
    assert row_counts() == before


def test_rate_save_cannot_change_a_shipped_default(team: Team) -> None:
    # Arrange
    default = shipped("nihr-hourly-2024")
    before = row_counts()

    # Act
    with pytest.raises(ValidationError, match="Shipped default rates cannot be changed"):
        rate_save(
            by=team.alice, organisation=team.organisation, rate=default, amount=Decimal("1.00")
        )

    # Assert
    assert shipped("nihr-hourly-2024").amount == Decimal("25.00")
    assert row_counts() == before


def test_rate_save_cannot_change_another_organisations_rate(team: Team) -> None:
    elsewhere = make_organisation("Southfield University")
    theirs = rate_save(
        by=team.oscar,
        organisation=elsewhere,
        kind="staff",
        label="Lecturer",
        amount=Decimal("41.00"),
        year=2025,
        source="Southfield scales",
    )

    with pytest.raises(ValidationError):
        rate_save(by=team.alice, organisation=team.organisation, rate=theirs, amount=Decimal(1))

    assert Rate.objects.get(pk=theirs.pk).amount == Decimal("41.00")


def test_rate_save_edits_an_own_rate_and_records_the_change(team: Team) -> None:
    rate = Rate.objects.get(pk=organisation_rate(team).pk)  # as an edit form loads it

    rate_save(by=team.alice, organisation=team.organisation, rate=rate, amount=Decimal("35.00"))

    assert Rate.objects.get(pk=rate.pk).amount == Decimal("35.00")
    event = AuditEvent.objects.get(action="rate.update")
    assert event.changes == {"amount": {"from": "33.33", "to": "35"}}


def test_rate_save_edit_that_changes_nothing_records_nothing(team: Team) -> None:
    rate = Rate.objects.get(pk=organisation_rate(team, amount="40.00").pk)
    before = AuditEvent.objects.count()

    rate_save(by=team.alice, organisation=team.organisation, rate=rate, amount=Decimal(40))

    assert AuditEvent.objects.count() == before


def test_rate_copy_defaults_is_idempotent(team: Team) -> None:
    # Arrange
    defaults = Rate.objects.filter(organisation__isnull=True)
    assert defaults.count() == 9  # the shipped card (costs/data/rates-2025.json)

    # Act
    first = rate_copy_defaults(by=team.alice, organisation=team.organisation)
    second = rate_copy_defaults(by=team.alice, organisation=team.organisation)

    # Assert
    assert len(first) == 9
    assert second == []
    card = Rate.objects.filter(organisation=team.organisation)
    assert sorted(card.values_list("label", "year", "amount", "source")) == sorted(
        defaults.values_list("label", "year", "amount", "source")
    )
    assert audit_actions().count("rate.create") == 9
    assert defaults.count() == 9


# Payment thresholds and disclosure settings


def threshold_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Test weekly limit",
        "period": "week",
        "amount": Decimal("100.00"),
        "currency": "GBP",
        "valid_from": datetime.date(2023, 1, 2),
        "valid_to": datetime.date(2023, 12, 31),
        "source": "A test figure",
    }
    fields.update(overrides)
    return fields


def test_threshold_save_creates_an_organisation_threshold(team: Team) -> None:
    threshold = threshold_save(
        by=team.alice, organisation=team.organisation, **threshold_fields(currency="gbp")
    )

    threshold.refresh_from_db()
    assert (threshold.organisation, threshold.currency) == (team.organisation, "GBP")
    assert audit_actions()[-1] == "threshold.create"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"source": "  "}, "source", "Say where this threshold comes from."),
        ({"amount": Decimal("-1")}, "amount", "greater than or equal to 0"),
        ({"currency": "QQQ"}, "currency", "QQQ is not an ISO 4217 currency code"),
        ({"period": "fortnight"}, "period", "is not a valid choice"),
    ],
)
def test_threshold_save_refuses_bad_values(
    team: Team, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = row_counts()

    with pytest.raises(ValidationError) as raised:
        threshold_save(
            by=team.alice, organisation=team.organisation, **threshold_fields(**overrides)
        )

    assert any(message in text for text in errors(raised)[field])
    assert row_counts() == before


def test_threshold_save_refuses_an_end_before_the_start(team: Team) -> None:
    before = row_counts()

    with pytest.raises(ValidationError):
        threshold_save(
            by=team.alice,
            organisation=team.organisation,
            **threshold_fields(valid_to=datetime.date(2022, 12, 31)),
        )

    assert row_counts() == before


def test_threshold_save_end_before_start_message_is_clear(team: Team) -> None:
    with pytest.raises(ValidationError) as raised:
        threshold_save(
            by=team.alice,
            organisation=team.organisation,
            **threshold_fields(valid_to=datetime.date(2022, 12, 31)),
        )

    assert "valid_to" in errors(raised)
    assert "threshold_ends_after_it_starts" not in str(raised.value)


def test_threshold_save_cannot_change_a_shipped_threshold(team: Team) -> None:
    shipped_threshold = PaymentThreshold.objects.get(code="uk-permitted-work-lower")

    with pytest.raises(ValidationError, match="Shipped thresholds cannot be changed"):
        threshold_save(
            by=team.alice,
            organisation=team.organisation,
            threshold=shipped_threshold,
            amount=Decimal("1.00"),
        )

    assert PaymentThreshold.objects.get(pk=shipped_threshold.pk).amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("threshold", "ratio", "field"),
    [(2, Decimal("1.25"), "disclosure_threshold"), (5, Decimal("1.00"), "burden_warning_ratio")],
)
def test_organisation_disclosure_update_refuses_a_threshold_below_three(
    team: Team, threshold: int, ratio: Decimal, field: str
) -> None:
    before = row_counts()

    with pytest.raises(ValidationError) as raised:
        organisation_disclosure_update(
            by=team.alice,
            organisation=team.organisation,
            disclosure_threshold=threshold,
            burden_warning_ratio=ratio,
        )

    assert field in errors(raised)
    stored_organisation = Organisation.objects.get(pk=team.organisation.pk)
    assert stored_organisation.disclosure_threshold == 5
    assert stored_organisation.burden_warning_ratio == Decimal("1.25")
    assert row_counts() == before


# Member terms


def test_member_terms_set_refuses_another_organisations_rate(team: Team) -> None:
    elsewhere = make_organisation("Southfield University")
    theirs = rate_save(
        by=team.oscar,
        organisation=elsewhere,
        kind="staff",
        label="Lecturer",
        amount=Decimal("41.00"),
        year=2025,
        source="Southfield scales",
    )
    before = row_counts()

    with pytest.raises(ValidationError) as raised:
        terms(team, team.bob, theirs)

    assert "rate" in errors(raised)
    assert row_counts() == before


def test_member_terms_set_creates_then_updates(team: Team) -> None:
    terms(team, team.bob, shipped("staff-lecturer-2025"))
    terms(team, team.bob, organisation_rate(team), "partner_in_kind")

    saved = MemberTerms.objects.get(membership=membership(team, team.bob))
    assert (saved.rate.label, saved.defrayed_by) == ("Research fellow", "partner_in_kind")
    assert [a for a in audit_actions() if a.startswith("member_terms")] == [
        "member_terms.create",
        "member_terms.update",
    ]


# Activities and time


@pytest.fixture
def costed(team: Team) -> Team:
    """Bob costed at 33.33 an hour from the project budget; Paula at the shipped half-day rate
    (75.00 for 3.5 hours) as a partner in kind; Carol with no terms."""
    terms(team, team.bob, organisation_rate(team))
    terms(team, team.paula, shipped("nihr-half-day-2024"), "partner_in_kind")
    return team


def workshop(team: Team, attendees: list[AttendeeTime], **overrides: Any) -> Activity:
    fields: dict[str, Any] = {
        "by": team.alice,
        "project": team.project,
        "kind": "workshop",
        "title": "Interview guide workshop",
        "date": ON_THE_DAY,
        "stage": stage(2),
        "attendees": attendees,
    }
    fields.update(overrides)
    return activity_save(**fields)


def test_activity_save_costs_each_attendee_at_their_rate(costed: Team) -> None:
    # Arrange
    team = costed
    attendees = [
        AttendeeTime(team.bob.person, Decimal(2), preparation_hours=Decimal("0.5")),
        AttendeeTime(team.paula.person, Decimal("3.5"), contributions=4),
        AttendeeTime(team.carol.person, Decimal(2)),
    ]

    # Act
    activity = workshop(team, attendees)

    # Assert
    assert activity.time_entries.count() == 3
    bob = entry_of(activity, team.bob)
    assert (bob.hours, bob.rate, bob.currency) == (Decimal("2.50"), Decimal("33.33"), "GBP")
    assert bob.cost == Decimal("83.325")
    assert (bob.defrayed_by, bob.stage, bob.date) == ("project_budget", stage(2), ON_THE_DAY)
    paula = entry_of(activity, team.paula)
    hourly = Decimal("75.00") / Decimal("3.5")
    assert paula.rate == hourly.quantize(Decimal("0.0001")) == Decimal("21.4286")
    # Costed from the card's half-day rate as written, not from the rounded hourly figure.
    assert paula.cost == Decimal("75")
    assert (paula.defrayed_by, paula.contributions) == ("partner_in_kind", 4)
    carol = entry_of(activity, team.carol)
    assert (carol.rate, carol.cost, carol.currency) == (None, None, "")
    assert carol.defrayed_by == "unfunded"


def test_every_path_costs_time_from_the_rate_as_written(costed: Team) -> None:
    """Paula is costed at the shipped half day: 75.00 for 3.5 hours. Two hours of her time cost
    75 x 2 / 3.5 = 42.857143 whichever way they come in: logged as time, given when an activity
    is first saved, changed to 2 hours when an activity is edited, imported from a file, or
    made by the demo. The rounded hourly rate (21.4286) would give 42.8572."""
    # Arrange
    team = costed
    paula = team.paula.person
    two = Decimal(2)
    expected = Decimal("42.857143")

    # Act: each path
    logged = time_entry_create(
        by=team.alice,
        project=team.project,
        person=paula,
        stage=stage(2),
        date=ON_THE_DAY,
        description="Reviewed the guide",
        attendance_hours=two,
    )
    created = entry_of(workshop(team, [AttendeeTime(paula, two)]), team.paula)
    edited_activity = workshop(team, [AttendeeTime(paula, Decimal(1))], title="Steering group")
    workshop(team, [AttendeeTime(paula, two)], activity=edited_activity, title="Steering group")
    edited = entry_of(edited_activity, team.paula)
    header = ",".join(transfer.TIME_COLUMNS)
    row = {"date": "2024-05-14", "stage": "2", "person": "paula@example.org"}
    row["attendance_hours"] = "2"
    line = ",".join(row.get(name, "") for name in transfer.TIME_COLUMNS)
    transfer.import_file(
        by=team.alice,
        project=team.project,
        path_or_file=io.BytesIO(f"{header}\r\n{line}\r\n".encode()),
        filename="time.csv",
    )
    imported = TimeEntry.objects.filter(person=paula).latest("pk")
    rate = shipped("nihr-half-day-2024")
    member = demo._Member(paula, "partner", False, rate, rate.hourly, "partner_in_kind")
    demo_row = dict(
        zip(
            demo.TIME_ENTRY_COLUMNS,
            demo._time_entry_row(
                random.Random(1),
                project_id=team.project.pk,
                member=member,
                stage_id=stage(2).pk,
                day=ON_THE_DAY,
                created_at=None,
            ),
            strict=True,
        )
    )
    demo_hours = total_hours(demo_row)

    # Assert
    costs = [e.cost for e in (logged, created, edited, imported)]
    assert costs == [expected] * 4
    assert {(e.rate_amount, e.rate_hours) for e in (logged, created, edited, imported)} == {
        (Decimal("75.00"), Decimal("3.50"))
    }
    assert demo_row["cost"] == time_cost(demo_hours, Decimal(75), Decimal("3.5"))
    assert demo_row["cost"] == entry_at(team, paula, demo_hours).cost


def entry_at(team: Team, person: Person, hours: Decimal) -> TimeEntry:
    """Time logged in the browser for `hours` of attendance."""
    return time_entry_create(
        by=team.alice,
        project=team.project,
        person=person,
        stage=stage(2),
        date=ON_THE_DAY,
        description="",
        attendance_hours=hours,
    )


def test_time_cost_rounds_once_from_the_rate_as_written() -> None:
    assert time_cost(Decimal(2), Decimal(75), Decimal("3.5")) == Decimal("42.857143")
    assert time_cost(Decimal("3.5"), Decimal(75), Decimal("3.5")) == Decimal(75)
    # Half to even at the sixth place: 1 x 0.0000125 / 1.
    assert time_cost(Decimal(1), Decimal("0.0000125"), Decimal(1)) == Decimal("0.000012")


def test_activity_save_records_one_audit_event_with_the_attendance(costed: Team) -> None:
    team = costed
    before = AuditEvent.objects.count()

    activity = workshop(team, [AttendeeTime(team.bob.person, Decimal(2))])

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="activity.create")
    assert (event.target_id, event.project_id) == (str(activity.pk), team.project.pk)
    assert event.changes["attendees"]["to"] == {str(team.bob.person.pk): "2.00 h"}


def test_activity_save_edit_replaces_the_attendees(costed: Team) -> None:
    # Arrange
    team = costed
    activity = workshop(team, [AttendeeTime(team.bob.person, Decimal(2))])

    # Act
    workshop(team, [AttendeeTime(team.carol.person, Decimal(1))], activity=activity)

    # Assert
    assert list(activity.time_entries.values_list("person__name", flat=True)) == [
        "Carol Contributor"
    ]
    assert Activity.objects.count() == 1
    event = AuditEvent.objects.get(action="activity.update")
    assert event.changes == {
        "attendees": {
            "from": {str(team.bob.person.pk): "2.00 h"},
            "to": {str(team.carol.person.pk): "1.00 h"},
        }
    }


def test_activity_save_edit_drops_attendees_and_keeps_the_first_rate(costed: Team) -> None:
    # Arrange: costed at 33.33; then Bob's terms change to the lecturer rate of 40.00.
    team = costed
    activity = workshop(
        team,
        [AttendeeTime(team.bob.person, Decimal(2)), AttendeeTime(team.paula.person, Decimal(1))],
    )
    first = entry_of(activity, team.bob)
    terms(team, team.bob, shipped("staff-lecturer-2025"))

    # Act
    workshop(
        team,
        [AttendeeTime(team.bob.person, Decimal(3)), AttendeeTime(team.carol.person, Decimal(1))],
        activity=activity,
        title="Interview guide workshop (rescheduled)",
    )

    # Assert
    assert set(activity.time_entries.values_list("person__name", flat=True)) == {
        "Bob Researcher",
        "Carol Contributor",
    }
    bob = entry_of(activity, team.bob)
    assert bob.pk == first.pk
    assert (bob.hours, bob.rate, bob.cost) == (Decimal(3), Decimal("33.33"), Decimal("99.99"))
    assert Activity.objects.get(pk=activity.pk).title == "Interview guide workshop (rescheduled)"
    event = AuditEvent.objects.get(action="activity.update")
    assert set(event.changes) == {"title", "attendees"}


def test_activity_save_edit_keeps_who_logged_each_entry(costed: Team) -> None:
    team = costed
    activity = workshop(team, [AttendeeTime(team.bob.person, Decimal(2))])

    workshop(team, [AttendeeTime(team.bob.person, Decimal(3))], activity=activity, by=team.bob)

    assert entry_of(activity, team.bob).created_by == team.alice


BAD_ACTIVITIES: list[tuple[str, Callable[[Team], dict[str, Any]], str, str]] = [
    (
        "attendee listed twice",
        lambda team: {
            "attendees": [
                AttendeeTime(team.bob.person, Decimal(1)),
                AttendeeTime(team.bob.person, Decimal(2)),
            ]
        },
        "__all__",
        "Bob Researcher is listed twice.",
    ),
    (
        "attendee outside the project",
        lambda team: {"attendees": [AttendeeTime(team.oscar.person, Decimal(1))]},
        "__all__",
        "Oscar Outsider is not a member of this project.",
    ),
    (
        "attendee with zero hours",
        lambda team: {"attendees": [AttendeeTime(team.bob.person)]},
        "__all__",
        "Give Bob Researcher some hours, or leave them out.",
    ),
    (
        "attendee with negative hours in all",
        lambda team: {"attendees": [AttendeeTime(team.bob.person, Decimal(-1))]},
        "__all__",
        "Give Bob Researcher some hours, or leave them out.",
    ),
    (
        "attendee with one negative kind of hours",
        lambda team: {
            "attendees": [
                AttendeeTime(team.carol.person, Decimal(1)),
                AttendeeTime(team.bob.person, Decimal(3), preparation_hours=Decimal(-1)),
            ]
        },
        "preparation_hours",
        "Hours cannot be negative.",
    ),
    (
        "no attendees",
        lambda team: {"attendees": []},
        "__all__",
        "Add at least one attendee with their hours.",
    ),
    (
        "organiser outside the project",
        lambda team: {
            "attendees": [AttendeeTime(team.bob.person, Decimal(1))],
            "organiser": team.oscar.person,
        },
        "organiser",
        "The organiser must be a member of this project.",
    ),
    (
        "blank title",
        lambda team: {"attendees": [AttendeeTime(team.bob.person, Decimal(1))], "title": "  "},
        "title",
        "This field cannot be blank.",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [case[1:] for case in BAD_ACTIVITIES],
    ids=[case[0] for case in BAD_ACTIVITIES],
)
def test_activity_save_refuses_bad_input_and_saves_nothing(
    costed: Team, overrides: Callable[[Team], dict[str, Any]], field: str, message: str
) -> None:
    # Arrange
    team = costed
    before = row_counts()

    # Act
    with pytest.raises(ValidationError) as raised:
        workshop(team, **overrides(team))

    # Assert
    assert message in errors(raised).get(field, []), errors(raised)
    assert row_counts() == before


def test_activity_save_refused_edit_leaves_the_activity_as_it_was(costed: Team) -> None:
    # Arrange
    team = costed
    activity = workshop(
        team,
        [AttendeeTime(team.bob.person, Decimal(2)), AttendeeTime(team.paula.person, Decimal(1))],
    )
    before = row_counts()

    # Act: drops Paula, but Carol's negative preparation fails after the activity is saved.
    with pytest.raises(ValidationError) as raised:
        workshop(
            team,
            [
                AttendeeTime(team.carol.person, Decimal(2), preparation_hours=Decimal(-1)),
                AttendeeTime(team.bob.person, Decimal(5)),
            ],
            activity=activity,
            title="Changed",
        )

    # Assert
    assert errors(raised) == {"preparation_hours": ["Hours cannot be negative."]}
    assert row_counts() == before
    assert Activity.objects.get(pk=activity.pk).title == "Interview guide workshop"
    assert entry_of(activity, team.bob).hours == Decimal(2)
    assert entry_of(activity, team.paula).hours == Decimal(1)


def test_time_entry_create_costs_work_outside_an_activity(costed: Team) -> None:
    team = costed

    entry = time_entry_create(
        by=team.bob,
        project=team.project,
        person=team.bob.person,
        stage=stage(3),
        date=ON_THE_DAY,
        description=" Drafting the lay summary ",
        preparation_hours=Decimal("1.5"),
    )

    entry.refresh_from_db()
    assert (entry.description, entry.activity) == ("Drafting the lay summary", None)
    assert entry.cost == Decimal("49.995")
    assert entry.defrayed_by == "project_budget"
    assert AuditEvent.objects.filter(action="time_entry.create").count() == 1


@pytest.mark.parametrize(
    ("hours", "person", "field", "message"),
    [
        (
            {"attendance_hours": Decimal(2), "preparation_hours": Decimal("-0.5")},
            "bob",
            "preparation_hours",
            "Hours cannot be negative.",
        ),
        (
            {"attendance_hours": Decimal(-2)},
            "bob",
            "__all__",
            "Give some hours: at least one kind above zero.",
        ),
        ({}, "bob", "__all__", "Give some hours: at least one kind above zero."),
        (
            {"attendance_hours": Decimal(1)},
            "oscar",
            "person",
            "Time can only be logged for members of this project.",
        ),
    ],
)
def test_time_entry_create_refuses_bad_input_and_saves_nothing(
    costed: Team, hours: dict[str, Decimal], person: str, field: str, message: str
) -> None:
    # Arrange
    team = costed
    before = row_counts()

    # Act
    with pytest.raises(ValidationError) as raised:
        time_entry_create(
            by=team.alice,
            project=team.project,
            person=getattr(team, person).person,
            stage=stage(3),
            date=ON_THE_DAY,
            description="Arranging payments",
            **hours,
        )

    # Assert
    assert errors(raised)[field] == [message]
    assert row_counts() == before


def test_deletes_remove_the_rows_and_record_what_they_held(costed: Team) -> None:
    # Arrange
    team = costed
    item = cost_item_create(**cost_fields(team))
    activity = workshop(team, [AttendeeTime(team.bob.person, Decimal(2))])
    entry = time_entry_create(
        by=team.bob,
        project=team.project,
        person=team.bob.person,
        stage=stage(3),
        date=ON_THE_DAY,
        description="Drafting",
        attendance_hours=Decimal(1),
    )

    # Act
    cost_item_delete(by=team.alice, item=item)
    activity_delete(by=team.alice, activity=activity)
    time_entry_delete(by=team.alice, entry=entry)

    # Assert
    assert (CostItem.objects.count(), Activity.objects.count(), TimeEntry.objects.count()) == (
        0,
        0,
        0,
    )
    deleted = AuditEvent.objects.filter(action__endswith=".delete").order_by("pk")
    assert [e.action for e in deleted] == [
        "cost_item.delete",
        "activity.delete",
        "time_entry.delete",
    ]
    assert deleted[0].changes["amount"] == {"from": "120", "to": None}


# Payment warnings


@pytest.fixture
def weekly_limit(team: Team) -> PaymentThreshold:
    return threshold_save(by=team.alice, organisation=team.organisation, **threshold_fields())


@pytest.fixture
def paid_this_week(team: Team, weekly_limit: PaymentThreshold) -> CostItem:
    """Carol has been paid 90.00 in the week of Monday 6 March 2023: 60.00 here on the Monday
    and 30.00 on the Sunday in another organisation's project. Payments that do not count:
    the Sundays and Mondays either side, a planned payment, a payment in euros, and a payment
    to someone else."""
    elsewhere = make_project(by=team.alice, organisation=make_organisation("Southfield Trust"))
    add_member(elsewhere, team.carol, "public_contributor", by=team.alice)
    here = payment(team, "60.00", MONDAY)
    payment(team, "30.00", SUNDAY, project=elsewhere)
    payment(team, "500.00", MONDAY - datetime.timedelta(days=1))
    payment(team, "500.00", SUNDAY + datetime.timedelta(days=1))
    payment(team, "500.00", MONDAY, status="planned")
    payment(team, "500.00", MONDAY, currency="EUR")
    payment(team, "500.00", MONDAY, payee=team.paula.person)
    return here


def warnings_for(team: Team, amount: str, **extra: Any) -> list[queries.ThresholdWarning]:
    return queries.payment_warnings(
        organisation=team.organisation,
        payee=team.carol.person,
        day=datetime.date(2023, 3, 8),  # the Wednesday
        amount=Decimal(amount),
        currency="GBP",
        **extra,
    )


def test_every_way_of_saving_a_payment_past_a_threshold_needs_confirmation(team: Team) -> None:
    # £25 in a week is past the shipped £20 Permitted Work lower limit.
    before = row_counts()

    with pytest.raises(NeedsConfirmation) as raised:
        payment(team, "25.00", ON_THE_DAY, confirmed=False)

    assert row_counts() == before
    (caution,) = raised.value.cautions
    assert caution.message == (
        "This payment would take Carol Contributor past the UK Permitted Work lower limit of "
        "£20.00 a week."
    )
    assert caution.details[0] == (
        "Already paid between 13 May and 19 May 2024: £0.00. With this payment: £25.00."
    )
    saved = payment(team, "25.00", ON_THE_DAY, confirmed=True)
    with pytest.raises(NeedsConfirmation):
        cost_item_update(by=team.alice, item=saved, amount=Decimal("30.00"))
    saved.refresh_from_db()
    assert saved.amount == Decimal("25.00")
    # Unchanged, or changed only where no caution looks, it is saved without asking.
    cost_item_update(by=team.alice, item=saved, description="Workshop fee, May")
    assert CostItem.objects.get(pk=saved.pk).description == "Workshop fee, May"


def test_payment_warnings_none_when_reaching_the_threshold_exactly(
    team: Team, paid_this_week: CostItem
) -> None:
    assert warnings_for(team, "10.00") == []


def test_payment_warnings_when_one_penny_past_the_threshold(
    team: Team, paid_this_week: CostItem, weekly_limit: PaymentThreshold
) -> None:
    # Act
    (warning,) = warnings_for(team, "10.01")

    # Assert
    assert warning.threshold == weekly_limit
    assert (warning.starts, warning.ends) == (MONDAY, SUNDAY)
    assert (warning.paid_before, warning.payment) == (Decimal("90.00"), Decimal("10.01"))
    assert warning.total == Decimal("100.01")


def test_payment_warnings_excluding_the_payment_being_edited(
    team: Team, paid_this_week: CostItem
) -> None:
    (warning,) = warnings_for(team, "70.01", excluding=paid_this_week)

    assert warning.paid_before == Decimal("30.00")
    assert warnings_for(team, "70.00", excluding=paid_this_week) == []


def test_payment_warnings_ignore_other_organisations_and_other_dates(
    team: Team, paid_this_week: CostItem
) -> None:
    # Arrange: a zero limit of another organisation, and one of ours that has ended.
    threshold_save(
        by=team.alice,
        organisation=make_organisation("Strict Council"),
        **threshold_fields(amount=0),
    )
    threshold_save(
        by=team.alice,
        organisation=team.organisation,
        **threshold_fields(amount=0, valid_to=datetime.date(2023, 3, 7)),
    )

    # Act, Assert
    assert warnings_for(team, "10.00") == []


# The budget


def test_budget_adds_logged_time_as_actual_staff_time(costed: Team) -> None:
    # Arrange
    team, host = costed, costed.organisation
    planned = {"status": "planned", "bearer_person": None, "bearer_organisation": host}
    cost_item_create(
        **cost_fields(team, **planned, category="staff_time", amount=Decimal("1000.00"))
    )
    cost_item_create(
        **cost_fields(
            team, **planned, category="venue_catering", stage=stage(2), amount=Decimal("250.50")
        )
    )
    cost_item_create(
        **cost_fields(team, **planned, stage=stage(3), currency="EUR", amount=Decimal("40.00"))
    )
    cost_item_create(
        **cost_fields(
            team, status="actual", date=ON_THE_DAY, category="venue_catering", amount=Decimal(300)
        )
    )
    payment(team, "25.00", ON_THE_DAY, stage=stage(2))
    cost_item_create(
        **cost_fields(
            team, status="actual", date=ON_THE_DAY, stage=stage(4), currency="EUR", amount=15
        )
    )
    workshop(
        team,
        [AttendeeTime(team.bob.person, Decimal("2.5")), AttendeeTime(team.carol.person, 2)],
        stage=stage(1),
    )
    time_entry_create(
        by=team.bob,
        project=team.project,
        person=team.bob.person,
        stage=stage(2),
        date=ON_THE_DAY,
        description="Booking rooms",
        administration_hours=Decimal(1),
    )

    # Act
    budgets = queries.budget(team.project)

    # Assert
    gbp, eur = budgets
    assert (gbp.currency, eur.currency) == ("GBP", "EUR")
    # 300 + 25 + 2.5 x 33.33 + 1 x 33.33; Carol's hours have no rate, so no money value.
    assert gbp.total == PlanActual(planned=Decimal("1250.50"), actual=Decimal("441.655"))
    assert gbp.by_category["staff_time"] == PlanActual(Decimal("1000.00"), Decimal("116.655"))
    assert gbp.by_stage == {
        1: PlanActual(Decimal("1000.00"), Decimal("383.325")),
        2: PlanActual(Decimal("250.50"), Decimal("58.33")),
    }
    assert dict(gbp.bearers) == {
        "Northbridge University": PlanActual(Decimal("1250.50"), Decimal("25.00")),
        "Bob Researcher": PlanActual(Decimal(0), Decimal("416.655")),
    }
    assert gbp.overspends == []
    assert eur.total == PlanActual(planned=Decimal("40.00"), actual=Decimal("15.00"))
    assert eur.overspends == [Overspend(4, Decimal(0), Decimal("15.00"))]


def test_budget_overspend_uses_the_project_margin(team: Team) -> None:
    host = {"bearer_person": None, "bearer_organisation": team.organisation}
    cost_item_create(**cost_fields(team, **host, amount=Decimal("100.00")))
    cost_item_create(**cost_fields(team, status="actual", date=ON_THE_DAY, amount=Decimal(110)))

    (within,) = queries.budget(team.project)
    cost_item_create(**cost_fields(team, status="actual", date=ON_THE_DAY, amount=Decimal("0.01")))
    (past,) = queries.budget(team.project)

    assert team.project.overspend_margin == 10
    assert within.overspends == []
    assert past.overspends == [Overspend(1, Decimal("100.00"), Decimal("110.01"))]


# The burden report


def declare(
    user: User, *, consent: bool, career: str = "", contract: str = "", gender: str = ""
) -> None:
    person_update_equity(
        by=user,
        person=user.person,
        career_stage=career,
        contract=contract,
        gender=gender,
        gender_self_description="",
        equity_consent=consent,
    )


def load_of(report: BurdenReport, person: Person) -> PersonLoad:
    (found,) = [load for load in report.people if load.person_id == person.pk]
    return found


def test_burden_for_project_masks_people_who_did_not_consent(costed: Team) -> None:
    # Arrange
    team = costed
    declare(team.bob, consent=False, career="doctoral", contract="fixed_term", gender="woman")
    declare(team.paula, consent=True, career="early", contract="casual", gender="non_binary")
    declare(team.carol, consent=True, career="not_say", contract="not_say", gender="not_say")
    workshop(
        team,
        [AttendeeTime(team.bob.person, Decimal(2)), AttendeeTime(team.carol.person, Decimal(3))],
    )

    # Act
    report = queries.burden_for_project(team.project)

    # Assert
    bob, paula, carol = (load_of(report, u.person) for u in (team.bob, team.paula, team.carol))
    assert (bob.career_stage, bob.contract, bob.gender) == (NOT_DISCLOSED,) * 3
    assert (paula.career_stage, paula.contract, paula.gender) == ("early", "casual", "non_binary")
    assert (carol.career_stage, carol.contract, carol.gender) == (NOT_DISCLOSED,) * 3
    assert bob.total_hours == Decimal(2)
    assert bob.time_value == {"GBP": Decimal("66.66")}
    assert (carol.total_hours, carol.unfunded_hours, carol.time_value) == (3, 3, {})
    assert len(report.people) == 5  # every member, with or without hours
    assert report.threshold == 5


def test_burden_for_project_counts_former_members_who_logged_time(costed: Team) -> None:
    # Arrange
    team = costed
    workshop(team, [AttendeeTime(team.paula.person, Decimal("3.5"))])
    membership_remove(by=team.alice, membership=membership(team, team.paula))

    # Act
    report = queries.burden_for_project(team.project)

    # Assert
    paula = load_of(report, team.paula.person)
    assert paula.total_hours == Decimal("3.5")
    assert paula.time_value == {"GBP": Decimal("75")}
    assert len(report.people) == 5
    assert report.total_hours == Decimal("3.5")


@pytest.fixture
def twelve(team: Team) -> Team:
    """Twelve members who all consented: six doctoral or early career giving 10 hours each,
    six mid career or senior giving 2 hours each. 60 of 72 hours from half the people."""
    newcomers = [make_user(name=f"Member {i:02d}") for i in range(7)]
    for user in newcomers:
        add_member(team.project, user, "researcher", by=team.alice)
    everyone = [team.alice, team.bob, team.paula, team.carol, team.olive, *newcomers]
    careers = ["doctoral", "early"] * 3 + ["mid", "senior"] * 3
    for user, career in zip(everyone, careers, strict=True):
        declare(user, consent=True, career=career)
        time_entry_create(
            by=team.alice,
            project=team.project,
            person=user.person,
            stage=stage(2),
            date=ON_THE_DAY,
            description="Co-production work",
            attendance_hours=Decimal(10 if career in {"doctoral", "early"} else 2),
        )
    return team


def test_burden_for_project_warns_when_juniors_carry_the_work(twelve: Team) -> None:
    # Act
    report = queries.burden_for_project(twelve.project)

    # Assert: (60 / 72) / (6 / 12) = 5/3.
    assert len(report.people) == 12
    (warning,) = report.warnings
    assert (warning.dimension, warning.group) == (
        "Career stage",
        "Doctoral and early-career people",
    )
    assert warning.ratio == Fraction(5, 3)
    assert (warning.hours_share, warning.people_share) == (Fraction(5, 6), Fraction(1, 2))
    assert (warning.people, warning.hours) == (6, Decimal(60))


def test_burden_for_project_uses_the_host_disclosure_threshold(twelve: Team) -> None:
    # Arrange: a threshold of 7 hides both career groups of six.
    organisation_disclosure_update(
        by=twelve.alice,
        organisation=twelve.organisation,
        disclosure_threshold=7,
        burden_warning_ratio=Decimal("1.25"),
    )
    twelve.project.refresh_from_db()

    # Act
    report = queries.burden_for_project(twelve.project)

    # Assert
    assert report.threshold == 7
    careers = next(t for t in report.tables if t.dimension.code == "career_stage")
    assert all(r.suppressed for r in careers.rows)
    assert report.warnings == []
    assert AuditEvent.objects.filter(action="organisation.disclosure").count() == 1


def test_burden_for_project_uses_the_host_warning_ratio(twelve: Team) -> None:
    organisation_disclosure_update(
        by=twelve.alice,
        organisation=twelve.organisation,
        disclosure_threshold=5,
        burden_warning_ratio=Decimal("1.67"),
    )
    twelve.project.refresh_from_db()

    report = queries.burden_for_project(twelve.project)

    assert report.warning_ratio == Decimal("1.67")
    assert report.warnings == []  # 5/3 is 1.666...


@pytest.mark.django_db
def test_activity_edit_keeps_the_time_of_someone_who_has_left(team: Team) -> None:
    activity = activity_save(
        by=team.alice,
        project=team.project,
        kind="workshop",
        title="Workshop",
        date=ON_THE_DAY,
        stage=stage(1),
        attendees=[
            AttendeeTime(person=team.paula.person, attendance_hours=Decimal(3)),
            AttendeeTime(person=team.carol.person, attendance_hours=Decimal(2)),
        ],
    )
    membership_remove(by=team.alice, membership=membership(team, team.paula))

    activity_save(
        by=team.alice,
        project=team.project,
        activity=activity,
        kind="workshop",
        title="Workshop, renamed",
        date=ON_THE_DAY,
        stage=stage(1),
        attendees=[
            AttendeeTime(person=team.paula.person, attendance_hours=Decimal(3)),
            AttendeeTime(person=team.carol.person, attendance_hours=Decimal(2)),
        ],
    )

    assert set(activity.time_entries.values_list("person_id", flat=True)) == {
        team.paula.person.pk,
        team.carol.person.pk,
    }


@pytest.mark.django_db
def test_burden_counts_a_former_member_who_only_bore_costs(team: Team) -> None:
    cost_item_create(
        **cost_fields(
            team,
            status="actual",
            date=ON_THE_DAY,
            bearer_person=team.paula.person,
            bearer_organisation=None,
        )
    )
    membership_remove(by=team.alice, membership=membership(team, team.paula))

    report = queries.burden_for_project(team.project)

    paula = load_of(report, team.paula.person)
    assert paula.money_borne == {"GBP": Decimal("120.00")}
