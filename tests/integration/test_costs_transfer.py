"""Import and export of cost items and time (coproduce.costs.transfer and `coproduce costs`).

The team's project has a second, "twin" project with the same members and organisations, so
what is exported from one can be imported into the other and compared field by field.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from coproduce.accounts.models import Organisation, Person
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import Stage
from coproduce.core.permissions import Permission, has_permission
from coproduce.core.warnings import NeedsConfirmation
from coproduce.costs import held_imports, services, spreadsheet, transfer
from coproduce.costs.management.commands.costs import ImportProgress
from coproduce.costs.models import (
    Activity,
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    HeldImport,
    Rate,
    TimeEntry,
)
from coproduce.costs.transfer import (
    COST_COLUMNS,
    TIME_COLUMNS,
    ImportRejected,
    Problem,
    Progress,
    export,
    import_file,
)
from coproduce.projects.models import Project
from coproduce.projects.services import membership_add
from tests.conftest import Team, client_for
from tests.factories import add_member, join, make_organisation, make_person, make_project

FORMATS = ["csv", "xlsx"]


@dataclass
class World:
    """The team's project with member terms, a charity partner and a member without an email,
    and a twin project with the same people and organisations."""

    team: Team
    project: Project
    twin: Project
    charity: Organisation
    dee: Person  # a public contributor without an email address or a login
    lecturer_rate: Rate

    @property
    def people(self) -> list[Person]:
        t = self.team
        return [t.alice.person, t.bob.person, t.carol.person, t.paula.person, self.dee]

    @property
    def organisations(self) -> list[Organisation]:
        return [self.team.organisation, self.charity]


@pytest.fixture
def world(team: Team) -> World:
    alice = team.alice
    charity = make_organisation("Riverside Trust", kind="charity")
    join(team.paula, charity)
    dee = make_person("Dee Contributor", by=alice)
    membership_add(by=alice, project=team.project, person=dee, role="public_contributor")
    twin = make_project(by=alice, organisation=team.organisation, title="Crisis care twin")
    for user, role in (
        (team.bob, "researcher"),
        (team.paula, "partner"),
        (team.carol, "public_contributor"),
        (team.olive, "observer"),
    ):
        add_member(twin, user, role, by=alice)
    membership_add(by=alice, project=twin, person=dee, role="public_contributor")
    lecturer = Rate.objects.get(code="staff-lecturer-2025")
    for project in (team.project, twin):
        membership = project.memberships.get(person=team.bob.person)
        services.member_terms_set(
            by=alice, membership=membership, rate=lecturer, defrayed_by=DefrayedBy.PROJECT_BUDGET
        )
    return World(team, team.project, twin, charity, dee, lecturer)


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def cost_fields(world: World, **fields: Any) -> dict[str, Any]:
    """A planned cost's service keywords, the same cost as cost_row's cells."""
    values: dict[str, Any] = {
        "status": CostStatus.PLANNED,
        "category": CostCategory.TRAVEL,
        "stage": stage(2),
        "description": "Train fares",
        "defrayed_by": DefrayedBy.PROJECT_BUDGET,
        "currency": "GBP",
        "bearer_organisation": world.team.organisation,
        "amount": Decimal("12.50"),
    }
    values.update(fields)
    return values


def add_cost(world: World, **fields: Any) -> CostItem:
    values = cost_fields(world, **fields)
    # Warnings (a payment past a threshold) are confirmed: these rows are about what is kept.
    return services.cost_item_create(
        by=world.team.alice, project=world.project, confirmed=True, **values
    )


def cost_records(project: Project) -> list[tuple[Any, ...]]:
    return list(
        CostItem.objects.filter(project=project)
        .order_by("pk")
        .values_list(*(name if name != "stage" else "stage__number" for name in COST_COLUMNS))
    )


def time_records(project: Project) -> list[tuple[Any, ...]]:
    """What people enter for time, with its activity; not the derived rate and cost."""
    return list(
        TimeEntry.objects.filter(project=project)
        .order_by("pk")
        .values_list(
            "date",
            "stage__number",
            "person_id",
            "activity__title",
            "activity__kind",
            "activity__date",
            "activity__stage__number",
            "activity__organiser",
            "description",
            "attendance_hours",
            "preparation_hours",
            "administration_hours",
            "follow_up_hours",
            "contributions",
            "defrayed_by",
        )
    )


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (CostItem, Activity, TimeEntry, AuditEvent)
    }


def exported(project: Project, kind: transfer.Layout, file_format: transfer.FileFormat) -> bytes:
    out = io.BytesIO()
    export(project=project, kind=kind, format=file_format, out=out)
    return out.getvalue()


def import_bytes(
    world: World,
    content: bytes,
    filename: str,
    project: Project | None = None,
    *,
    confirmed: bool = True,
) -> transfer.ImportResult:
    """Import `content`; its warnings are `confirmed` unless a test is about them."""
    return import_file(
        by=world.team.alice,
        project=project or world.project,
        path_or_file=io.BytesIO(content),
        filename=filename,
        confirmed=confirmed,
    )


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def xlsx_bytes(*rows: list[object]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rejected(world: World, content: bytes, filename: str = "upload.csv") -> list[Problem]:
    """Import a bad file; the problems, having checked that nothing at all was saved."""
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        import_bytes(world, content, filename)
    assert counts() == before
    return caught.value.problems


@contextmanager
def rolled_back() -> Iterator[None]:
    """Undo everything written inside, so one database serves many hypothesis examples."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


COSTS_HEADER = ",".join(COST_COLUMNS)
TIME_HEADER = ",".join(TIME_COLUMNS)


def cost_row(**cells: str) -> str:
    values = {
        "status": "planned",
        "category": "travel",
        "stage": "2",
        "description": "Train fares",
        "bearer_organisation": "Northbridge University",
        "defrayed_by": "project_budget",
        "currency": "GBP",
        "amount": "12.50",
    }
    values.update(cells)
    return ",".join(values.get(name, "") for name in COST_COLUMNS)


def time_row(**cells: str) -> str:
    values = {
        "date": "2025-03-31",
        "stage": "3",
        "person": "bob@example.org",
        "attendance_hours": "2",
    }
    values.update(cells)
    return ",".join(values.get(name, "") for name in TIME_COLUMNS)


# --- Round trips ----------------------------------------------------------------------------


def varied_costs(world: World) -> None:
    team = world.team
    add_cost(world)
    add_cost(
        world,
        status=CostStatus.ACTUAL,
        category=CostCategory.CONTRIBUTOR_PAYMENT,
        stage=stage(4),
        description='Payment for "reviewing", with thanks, Zoë',
        bearer_organisation=None,
        bearer_person=team.alice.person,
        payee=world.dee,
        date=datetime.date(2025, 3, 31),
        amount=None,
        hours=Decimal("3.50"),
        rate=Decimal("25.00"),
        budget_line="PPI, line 4",
    )
    add_cost(
        world,
        description='=HYPERLINK("https://example.org")\nsecond line',
        bearer_organisation=world.charity,
        defrayed_by=DefrayedBy.PARTNER_IN_KIND,
        currency="JPY",
        amount=Decimal("1234567.8901"),
    )
    add_cost(
        world,
        description="-5% discount, '+' and @mentions",
        bearer_organisation=None,
        bearer_person=world.dee,
        defrayed_by=DefrayedBy.UNFUNDED,
        amount=Decimal("12345678901.2345"),  # 15 digits: as many as SQLite and Excel keep
    )


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS)
def test_cost_items_exported_then_imported_are_the_same(
    world: World, file_format: transfer.FileFormat
) -> None:
    varied_costs(world)
    content = exported(world.project, "costs", file_format)
    events = AuditEvent.objects.count()

    result = import_bytes(world, content, f"costs.{file_format}", project=world.twin)

    assert result == transfer.ImportResult("costs", rows=4, cost_items=4)
    assert cost_records(world.twin) == cost_records(world.project)
    assert len(cost_records(world.twin)) == 4
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None
    assert (event.action, event.project_id, event.actor) == (
        "costs.import",
        world.twin.pk,
        world.team.alice,
    )
    assert event.changes == {
        "rows": {"from": None, "to": 4},
        "file": {"from": None, "to": f"costs.{file_format}"},
        "layout": {"from": None, "to": "costs"},
    }


@pytest.mark.django_db
def test_csv_export_names_people_by_email_or_name_and_defuses_formulas(world: World) -> None:
    varied_costs(world)

    text = exported(world.project, "costs", "csv").decode()

    lines = text.splitlines()
    assert lines[0] == COSTS_HEADER
    assert lines[1] == (
        "planned,travel,2,Train fares,,Northbridge University,,project_budget,,,GBP,12.5000,,"
    )
    assert ",alice@example.org,,Dee Contributor," in lines[2]
    assert ",3.50,25.00" in lines[2] and ",87.5000," in lines[2]
    assert '"\'=HYPERLINK(""https://example.org"")' in text
    assert "'-5% discount" in text


def log_time(world: World) -> None:
    team = world.team
    services.activity_save(
        by=team.alice,
        project=world.project,
        kind="workshop",
        title="Priority setting, round 1",
        date=datetime.date(2025, 2, 3),
        stage=stage(2),
        attendees=[
            services.AttendeeTime(
                person=team.bob.person,
                attendance_hours=Decimal("3.00"),
                preparation_hours=Decimal("1.25"),
            ),
            services.AttendeeTime(
                person=world.dee, attendance_hours=Decimal("3.00"), contributions=7
            ),
        ],
    )
    services.activity_save(
        by=team.alice,
        project=world.project,
        kind="meeting",
        title="Steering group",
        date=datetime.date(2025, 2, 10),
        stage=stage(3),
        attendees=[services.AttendeeTime(person=team.carol.person, attendance_hours=Decimal(1))],
    )
    services.time_entry_create(
        by=team.alice,
        project=world.project,
        person=team.paula.person,
        stage=stage(3),
        date=datetime.date(2025, 2, 11),
        description="Drafting the lay summary",
        administration_hours=Decimal("0.75"),
        follow_up_hours=Decimal("0.50"),
        defrayed_by=DefrayedBy.PARTNER_IN_KIND,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS)
def test_time_exported_then_imported_is_the_same(
    world: World, file_format: transfer.FileFormat
) -> None:
    log_time(world)
    content = exported(world.project, "time", file_format)

    result = import_bytes(world, content, f"time.{file_format}", project=world.twin)

    assert result == transfer.ImportResult("time", rows=4, activities=2, time_entries=4)
    assert time_records(world.twin) == time_records(world.project)
    assert Activity.objects.filter(project=world.twin).count() == 2
    # Derived from the twin's member terms, which match: so the same rates and costs.
    derived = ("person_id", "rate", "currency", "cost")
    assert list(
        TimeEntry.objects.filter(project=world.twin).order_by("pk").values_list(*derived)
    ) == list(TimeEntry.objects.filter(project=world.project).order_by("pk").values_list(*derived))


@pytest.mark.django_db
def test_imported_time_is_costed_like_time_logged_in_the_browser(world: World) -> None:
    half_day = Rate.objects.get(code="nihr-half-day-2024")  # 75 GBP for 3.5 hours
    carol = world.project.memberships.get(person=world.team.carol.person)
    services.member_terms_set(
        by=world.team.alice, membership=carol, rate=half_day, defrayed_by=DefrayedBy.UNFUNDED
    )
    costed = ("rate", "currency", "cost", "defrayed_by")
    for email, person in (
        ("bob@example.org", world.team.bob.person),  # a lecturer's hourly rate
        ("carol@example.org", world.team.carol.person),  # a half-day rate, paid by no one
        ("paula@example.org", world.team.paula.person),  # no terms: hours without a cost
    ):
        logged = services.time_entry_create(
            by=world.team.alice,
            project=world.project,
            person=person,
            stage=stage(3),
            date=datetime.date(2025, 3, 31),
            description="",
            attendance_hours=Decimal("2.50"),
        )
        row = time_row(person=email, attendance_hours="2.50")

        import_bytes(world, csv_bytes(TIME_HEADER, row), "t.csv")

        imported = TimeEntry.objects.filter(project=world.project, person=person).latest("pk")
        assert imported.pk != logged.pk
        assert [getattr(imported, name) for name in costed] == [
            getattr(logged, name) for name in costed
        ]
    bob, carol_entry, paula = (
        TimeEntry.objects.filter(project=world.project, person=p).latest("pk")
        for p in (world.team.bob.person, world.team.carol.person, world.team.paula.person)
    )
    assert (bob.rate, bob.cost) == (Decimal("40.0000"), Decimal("100.000000"))
    assert (carol_entry.cost, carol_entry.defrayed_by) == (Decimal("53.571429"), "unfunded")
    assert (paula.rate, paula.cost, paula.defrayed_by) == (None, None, "unfunded")


@pytest.mark.django_db
def test_time_rows_group_into_activities_and_accept_labels(world: World) -> None:
    content = csv_bytes(
        TIME_HEADER,
        time_row(activity_title="Workshop A", activity_kind="Workshop"),
        time_row(person="Dee Contributor", activity_title="Workshop A", activity_kind="workshop"),
        time_row(person="carol@example.org", description="Reading", preparation_hours="1"),
        time_row(activity_title="Workshop A", activity_kind="workshop", stage="4"),
    )

    result = import_bytes(world, content, "time.csv")

    assert (result.activities, result.time_entries) == (2, 4)
    workshop = Activity.objects.get(project=world.project, stage__number=3)
    assert (workshop.title, workshop.kind, workshop.organiser) == ("Workshop A", "workshop", None)
    assert sorted(workshop.time_entries.values_list("person__name", flat=True)) == [
        "Bob Researcher",
        "Dee Contributor",
    ]
    standalone = TimeEntry.objects.get(project=world.project, activity__isnull=True)
    assert (standalone.description, standalone.hours) == ("Reading", Decimal("3.00"))


@pytest.mark.django_db
def test_imported_rows_pass_the_models_own_validation(world: World) -> None:
    """The bulk import skips full_clean for speed; its checks must be at least as strict."""
    varied_costs(world)
    log_time(world)
    for kind in ("costs", "time"):
        import_bytes(world, exported(world.project, kind, "csv"), f"{kind}.csv", world.twin)

    for item in CostItem.objects.filter(project=world.twin):
        item.full_clean()
        services._check_cost_item(item)
    for activity in Activity.objects.filter(project=world.twin):
        activity.full_clean()
    for entry in TimeEntry.objects.filter(project=world.twin):
        entry.full_clean()
        assert entry.hours > 0
    assert CostItem.objects.filter(project=world.twin).count() == 4
    assert TimeEntry.objects.filter(project=world.twin).count() == 4


@pytest.mark.django_db
def test_a_byte_order_mark_spaced_headers_and_blank_rows_are_accepted(world: World) -> None:
    header = COSTS_HEADER.replace("bearer_organisation", "Bearer Organisation")
    content = b"\xef\xbb\xbf" + csv_bytes(header, cost_row(), ",,,,,,,,,,,,,", cost_row())

    result = import_bytes(world, content, "costs.csv")

    assert result.cost_items == 2


DOCS = Path(__file__).resolve().parents[2] / "docs" / "import-format.md"


@pytest.mark.django_db
def test_the_examples_in_the_format_document_import(world: World) -> None:
    costs, time = re.findall(r"```csv\n(.*?)```", DOCS.read_text(), re.DOTALL)

    cost_result = import_bytes(world, costs.encode(), "costs.csv")
    time_result = import_bytes(world, time.encode(), "time.csv")

    assert (cost_result.cost_items, time_result.time_entries, time_result.activities) == (3, 3, 1)
    staff = CostItem.objects.get(project=world.project, category="staff_time")
    assert (staff.hours, staff.rate, staff.amount) == (
        Decimal("3.50"),
        Decimal("40.00"),
        Decimal("140.0000"),
    )
    assert staff.bearer_person == world.team.bob.person
    payment = CostItem.objects.get(project=world.project, category="contributor_payment")
    assert payment.payee == world.dee


@pytest.mark.django_db
def test_imported_rows_are_recorded_as_created_by_the_importer_now(world: World) -> None:
    started = timezone.now()

    import_bytes(world, csv_bytes(COSTS_HEADER, cost_row(), cost_row()), "costs.csv")

    items = CostItem.objects.filter(project=world.project)
    assert {item.created_by for item in items} == {world.team.alice}
    for item in items:
        assert started <= item.created_at <= timezone.now()
        assert item.updated_at == item.created_at


# --- Property: import(export(x)) == x --------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=80
).filter(lambda s: s.strip() != "")


@st.composite
def cost_item_fields(draw: st.DrawFn, world: World) -> dict[str, Any]:
    status = draw(st.sampled_from(CostStatus.values))
    category = draw(st.sampled_from(CostCategory.values))
    bearer = draw(st.sampled_from([*world.people, *world.organisations]))
    payee = draw(st.none() | st.sampled_from(world.people))
    if category == CostCategory.CONTRIBUTOR_PAYMENT and status == CostStatus.ACTUAL:
        payee = payee or world.dee
    dates = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 12, 31))
    fields: dict[str, Any] = {
        "status": status,
        "category": category,
        "stage": stage(draw(st.integers(1, 7))),
        "description": draw(TEXT),
        "bearer_person": bearer if isinstance(bearer, Person) else None,
        "bearer_organisation": bearer if isinstance(bearer, Organisation) else None,
        "payee": payee,
        "defrayed_by": draw(st.sampled_from(DefrayedBy.values)),
        "budget_line": draw(st.just("") | TEXT.map(lambda s: s[:120])),
        "date": draw(dates) if status == CostStatus.ACTUAL else draw(st.none() | dates),
        "currency": draw(st.sampled_from(["GBP", "EUR", "USD", "JPY", "CHF"])),
    }
    if draw(st.booleans()):
        # SQLite stores decimals as binary floating point, exact to 15 significant digits, so
        # the examples stay within that (PostgreSQL keeps all 18).
        fields["hours"] = draw(st.decimals(Decimal("0.01"), Decimal("9999.99"), places=2))
        fields["rate"] = draw(st.decimals(Decimal(0), Decimal("99999.99"), places=2))
    else:
        fields["amount"] = draw(st.decimals(Decimal(0), Decimal("99999999999.9999"), places=4))
    return fields


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_import_of_an_export_gives_back_the_same_cost_items(world: World, data: Any) -> None:
    items = data.draw(st.lists(cost_item_fields(world), min_size=1, max_size=6))
    with rolled_back():
        for fields in items:
            services.cost_item_create(
                by=world.team.alice, project=world.project, confirmed=True, **fields
            )
        original = cost_records(world.project)

        for file_format in FORMATS:
            with rolled_back():
                content = exported(world.project, "costs", file_format)
                import_bytes(world, content, f"x.{file_format}", project=world.twin)
                assert cost_records(world.twin) == original, file_format


# --- Bad input ------------------------------------------------------------------------------


BAD_COST_CELLS = [
    ({"currency": "XYZ"}, "currency", "XYZ is not an ISO 4217 currency code"),
    ({"currency": ""}, "currency", "give an ISO 4217 code"),
    ({"hours": "-2", "rate": "10", "amount": ""}, "hours", "Hours must be more than zero."),
    ({"hours": "2", "amount": ""}, "rate", "Give both hours and an hourly rate"),
    ({"rate": "25.00", "amount": ""}, "hours", "Give both hours and an hourly rate"),
    ({"rate": "-1", "hours": "1", "amount": ""}, "rate", "A rate cannot be negative."),
    ({"amount": "-0.01"}, "amount", "An amount cannot be negative."),
    ({"amount": ""}, "amount", "Give an amount, or hours and an hourly rate."),
    ({"amount": '"1,234.50"'}, "amount", "'1,234.50' is not a number"),
    ({"amount": "£12"}, "amount", "no currency sign"),
    ({"amount": "1.00001"}, "amount", "more than 4 decimal places"),
    ({"amount": "1" * 15}, "amount", "too large"),
    (
        {"hours": "2", "rate": "10", "amount": "21"},
        "amount",
        "the amount is 21 but 2 hours at 10 make 20",
    ),
    (
        {"bearer_person": "oscar@example.org", "bearer_organisation": ""},
        "bearer_person",
        "No member of this project has the email or name 'oscar@example.org'.",
    ),
    (
        {"bearer_organisation": "Elsewhere Ltd"},
        "bearer_organisation",
        "'Elsewhere Ltd' is not the host organisation or an organisation of a project member.",
    ),
    ({"bearer_person": "bob@example.org"}, "bearer_person", "one organisation, not both."),
    ({"bearer_organisation": ""}, "bearer_person", "Choose who bears this cost"),
    ({"payee": "Nobody Known"}, "payee", "No member of this project"),
    ({"status": "actual"}, "date", "An actual cost needs the date it was incurred."),
    (
        {"status": "actual", "date": "2025-01-01", "category": "contributor_payment"},
        "payee",
        "Say who was paid",
    ),
    ({"status": "spent"}, "status", "'spent' is not one of: planned, actual."),
    ({"category": ""}, "category", "This cell is empty; give one of: staff_time,"),
    ({"defrayed_by": "the funder"}, "defrayed_by", "is not one of: project_budget"),
    ({"stage": "9"}, "stage", "'9' is not a stage number: use 1 to 7."),
    ({"stage": "two"}, "stage", "'two' is not a stage number"),
    ({"date": "31/03/2025"}, "date", "'31/03/2025' is not a date"),
    ({"description": ""}, "description", "This cell is empty, and it is required."),
    ({"description": "x" * 301}, "description", "Too long: 301 characters; at most 300."),
    ({"description": "a\x00b"}, "description", "NUL character"),
    ({"budget_line": "b" * 121}, "budget_line", "Too long: 121 characters; at most 120."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("cells", "column", "message"), BAD_COST_CELLS)
def test_a_bad_cost_cell_is_reported_by_row_and_column_and_nothing_is_saved(
    world: World, cells: dict[str, str], column: str, message: str
) -> None:
    content = csv_bytes(COSTS_HEADER, cost_row(), cost_row(**cells))

    problems = rejected(world, content)

    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"Row 3, column {column}: ")


# The same bad cost, as import cells and as service keywords: the two must say the same.
SAME_RULE_CASES = [
    ({"bearer_organisation": ""}, {"bearer_organisation": None}),
    ({"bearer_person": "bob@example.org"}, {"bearer_person": "bob"}),
    ({"status": "actual"}, {"status": "actual"}),
    (
        {"status": "actual", "date": "2025-01-01", "category": "contributor_payment"},
        {"status": "actual", "date": datetime.date(2025, 1, 1), "category": "contributor_payment"},
    ),
    ({"hours": "2", "amount": ""}, {"hours": Decimal(2), "amount": None}),
    ({"rate": "25", "amount": ""}, {"rate": Decimal(25), "amount": None}),
    ({"amount": ""}, {"amount": None}),
    (
        {"hours": "2", "rate": "10", "amount": "21"},
        {"hours": Decimal(2), "rate": Decimal(10), "amount": Decimal(21)},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("cells", "keywords"), SAME_RULE_CASES)
def test_the_import_refuses_a_cost_with_the_services_own_rule_and_message(
    world: World, cells: dict[str, str], keywords: dict[str, Any]
) -> None:
    if keywords.get("bearer_person") == "bob":
        keywords["bearer_person"] = world.team.bob.person
    fields = cost_fields(world, **keywords)
    with pytest.raises(ValidationError) as refused:
        services.cost_item_create(by=world.team.alice, project=world.project, **fields)

    problems = rejected(world, csv_bytes(COSTS_HEADER, cost_row(**cells)))

    by_service = {m for messages in refused.value.message_dict.values() for m in messages}
    assert {p.message for p in problems} == by_service


BAD_TIME_CELLS = [
    ({"attendance_hours": "-1"}, "attendance_hours", "Hours cannot be negative."),
    ({"attendance_hours": "0"}, None, "Give some hours: at least one of attendance_hours"),
    ({"follow_up_hours": "1.234"}, "follow_up_hours", "more than 2 decimal places"),
    ({"attendance_hours": "10000"}, "attendance_hours", "at most 4 digits before the point"),
    ({"person": "oscar@example.org"}, "person", "No member of this project"),
    ({"person": ""}, "person", "give the person's email or exact name"),
    ({"date": ""}, "date", "give a date such as 2025-03-31"),
    ({"stage": "0"}, "stage", "not a stage number"),
    ({"contributions": "-3"}, "contributions", "Contributions cannot be negative."),
    ({"contributions": "2.5"}, "contributions", "'2.5' is not a whole number."),
    ({"activity_title": "Workshop"}, "activity_kind", "Say what kind of activity this was"),
    ({"activity_kind": "meeting"}, "activity_kind", "An activity kind needs an activity_title"),
    ({"activity_title": "W", "activity_kind": "party"}, "activity_kind", "'party' is not one of"),
    ({"defrayed_by": "nobody"}, "defrayed_by", "'nobody' is not one of"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("cells", "column", "message"), BAD_TIME_CELLS)
def test_a_bad_time_cell_is_reported_by_row_and_column_and_nothing_is_saved(
    world: World, cells: dict[str, str], column: str | None, message: str
) -> None:
    content = csv_bytes(TIME_HEADER, time_row(), time_row(**cells))

    problems = rejected(world, content)

    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert message in problems[0].message


@pytest.mark.django_db
def test_a_person_listed_twice_for_one_activity_is_rejected(world: World) -> None:
    workshop = {"activity_title": "Workshop A", "activity_kind": "workshop"}
    content = csv_bytes(
        TIME_HEADER,
        time_row(**workshop),
        time_row(person="carol@example.org", **workshop),
        time_row(person="Bob@Example.org", **workshop),
        time_row(person="bob@example.org", date="2025-04-01", **workshop),  # another day
    )

    problems = rejected(world, content)

    assert [str(p) for p in problems] == [
        "Row 4, column person: Bob@Example.org is listed twice for the activity 'Workshop A' "
        "on 2025-03-31: give each person one row per activity."
    ]


@pytest.mark.django_db
def test_a_name_shared_by_two_members_must_be_given_as_an_email(world: World) -> None:
    for _ in range(2):
        sam = make_person("Sam Smith", by=world.team.alice)
        membership_add(by=world.team.alice, project=world.project, person=sam, role="partner")

    problems = rejected(world, csv_bytes(TIME_HEADER, time_row(person="Sam Smith")))

    assert [str(p) for p in problems] == [
        "Row 2, column person: 2 members of this project have the name 'Sam Smith': use their "
        "email address."
    ]


@pytest.mark.django_db
def test_a_time_file_with_rates_is_told_that_rates_come_from_member_terms(world: World) -> None:
    content = csv_bytes(TIME_HEADER + ",rate", time_row() + ",55.00")

    problems = rejected(world, content)

    assert [(p.row, p.column) for p in problems] == [(1, "rate")]
    assert "time is costed at the rate in each member's terms" in problems[0].message


BAD_HEADERS = [
    (COSTS_HEADER.replace(",currency", ""), [(1, "currency")], "This column is missing"),
    (COSTS_HEADER + ",colour", [(1, "colour")], "not a column of the cost items layout"),
    (COSTS_HEADER + ",status", [(1, "status")], "This column appears twice."),
    (
        COSTS_HEADER.replace("bearer_person,bearer_organisation,", ""),
        [(1, "bearer_person")],
        "Add a bearer_person or a bearer_organisation column",
    ),
    ("name,price,quantity", [(1, None)], "must name the columns of the cost items layout"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("header", "where", "message"), BAD_HEADERS)
def test_a_wrong_header_names_the_column(
    world: World, header: str, where: list[tuple[int, str | None]], message: str
) -> None:
    problems = rejected(world, csv_bytes(header, "x"))

    assert [(p.row, p.column) for p in problems] == where
    assert message in problems[0].message


def zipped(name: str, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, b"\0" * size)
    return out.getvalue()


BAD_FILES = [
    (b"", "e.csv", None, "The file is empty"),
    (b"\xef\xbb\xbf", "bom.csv", None, "The file is empty"),
    (csv_bytes(COSTS_HEADER), "h.csv", None, "no data rows: there is nothing to import"),
    (
        csv_bytes(COSTS_HEADER, cost_row(description="Café")).replace(b"\xc3\xa9", b"\xe9"),
        "latin1.csv",
        2,
        "not UTF-8 text",
    ),
    ("status\r\n".encode("utf-16"), "u16.csv", None, "UTF-16"),
    (csv_bytes(COSTS_HEADER, cost_row(), 'planned,"travel"x,'), "q.csv", 3, "not valid CSV"),
    (csv_bytes(COSTS_HEADER, "planned,travel,2"), "short.csv", 2, "This row has 3 cells"),
    (csv_bytes(COSTS_HEADER, cost_row() + ",extra"), "wide.csv", 2, "values in 15 columns"),
    (csv_bytes(COSTS_HEADER, cost_row()), "costs.txt", None, "'.txt' is not supported"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 60, "old.xls", None, "old Excel (.xls) file"),
    (csv_bytes(COSTS_HEADER, cost_row()), "costs.xlsx", None, "not an XLSX workbook"),
    (xlsx_bytes(list(COST_COLUMNS)), "costs.csv", None, "zipped file such as an XLSX"),
    (zipped("hello.txt", 10), "broken.xlsx", None, "not a readable XLSX workbook"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "filename", "row", "message"), BAD_FILES)
def test_a_file_that_cannot_be_read_gets_a_clear_message(
    world: World, content: bytes, filename: str, row: int | None, message: str
) -> None:
    problems = rejected(world, content, filename)

    assert len(problems) == 1
    assert problems[0].row == row
    assert message in problems[0].message


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_unread(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "MAX_FILE_BYTES", 1024 * 1024)
    content = csv_bytes(COSTS_HEADER, *[cost_row()] * 20_000)

    problems = rejected(world, content)

    assert [str(p) for p in problems] == [
        f"The file is {len(content) / 1024 / 1024:.1f} MB; the limit is 1 MB. Split it into "
        "several files."
    ]


@pytest.mark.django_db
def test_a_workbook_that_unpacks_too_far_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 1024 * 1024)

    problems = rejected(world, zipped("xl/worksheets/sheet1.xml", 5 * 1024 * 1024), "bomb.xlsx")

    assert "The workbook unpacks to 5 MB; the limit is 1 MB" in problems[0].message


@pytest.mark.django_db
def test_a_file_over_the_row_limit_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "MAX_ROWS", 10)

    problems = rejected(world, csv_bytes(COSTS_HEADER, *[cost_row()] * 11))

    assert [str(p) for p in problems] == ["The file has more than 10 rows. Split it up."]


@pytest.mark.django_db
def test_bad_xlsx_cells_are_reported_like_csv_ones(world: World) -> None:
    good: list[object] = [
        "planned",
        "travel",
        2,
        "Fares",
        "",
        "Northbridge University",
        None,
        "project_budget",
        None,
        datetime.date(2025, 1, 2),
        "GBP",
        12.5,
        None,
        None,
    ]
    bad = list(good)
    bad[2], bad[9], bad[11] = 2.5, datetime.datetime(2025, 1, 2, 9, 30), "lots"
    content = xlsx_bytes(list(COST_COLUMNS), good, [], bad)

    problems = rejected(world, content, "costs.xlsx")

    assert [str(p) for p in problems] == [
        "Row 4, column stage: '2.5' is not a stage number: use 1 to 7.",
        "Row 4, column date: 2025-01-02T09:30:00 has a time of day; give a date only.",
        "Row 4, column amount: 'lots' is not a number. Write it like 1234.56: a full stop for "
        "decimals, no thousands separators, no currency sign.",
    ]


@pytest.mark.django_db
def test_xlsx_numbers_are_read_exactly(world: World) -> None:
    row: list[object] = [
        "planned",
        "travel",
        2,
        "Fares",
        "",
        "Northbridge University",
        None,
        "project_budget",
        None,
        None,
        "GBP",
        0.1,
        None,
        None,
    ]
    priced = list(row)
    priced[11:14] = [None, 0.3, 0.7]
    content = xlsx_bytes(list(COST_COLUMNS), row, priced)

    import_bytes(world, content, "c.xlsx")

    assert sorted(
        CostItem.objects.filter(project=world.project).values_list("amount", flat=True)
    ) == [Decimal("0.1"), Decimal("0.21")]


def test_xlsx_keeps_amounts_longer_than_excel_numbers_exact_as_text() -> None:
    long, short = Decimal("99999999999999.9999"), Decimal("12345678901.2345")
    out = io.BytesIO()
    transfer._write_xlsx(["a", "b"], iter([(long, short)]), out, title="T")
    out.seek(0)

    cells = next(iter(load_workbook(out, read_only=True).worksheets[0].iter_rows(min_row=2)))

    assert [cell.value for cell in cells] == ["99999999999999.9999", 12345678901.2345]
    assert [transfer._as_decimal(cell.value) for cell in cells] == [long, short]


@pytest.mark.django_db
def test_problems_are_listed_up_to_a_hundred_and_the_rest_counted(world: World) -> None:
    content = csv_bytes(COSTS_HEADER, *[cost_row(currency="ZZZ")] * 150)

    with pytest.raises(ImportRejected) as caught:
        import_bytes(world, content, "many.csv")

    assert len(caught.value.problems) == 100
    assert caught.value.total == 150
    assert caught.value.problems[-1].row == 101
    assert str(caught.value).endswith("\n... and 50 more.")


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS)
def test_one_bad_row_among_thousands_saves_nothing(world: World, file_format: str) -> None:
    rows = [time_row(date=f"2025-01-{1 + n % 28:02d}") for n in range(3_000)]
    rows[1_499] = time_row(attendance_hours="-0.5")
    content = csv_bytes(TIME_HEADER, *rows)
    if file_format == "xlsx":
        content = xlsx_bytes(*[line.split(",") for line in content.decode().splitlines()])

    problems = rejected(world, content, f"big.{file_format}")

    assert [str(p) for p in problems] == [
        "Row 1501, column attendance_hours: Hours cannot be negative."
    ]
    assert TimeEntry.objects.filter(project=world.project).count() == 0


@pytest.mark.django_db
def test_good_thousands_are_imported_in_batches_with_progress(world: World) -> None:
    rows = [
        time_row(
            date=f"2025-01-{1 + n // 4 % 28:02d}",
            person=person,
            activity_title=f"Session {n // 4}",
            activity_kind="meeting",
        )
        for n, person in enumerate(
            ["bob@example.org", "carol@example.org", "Dee Contributor", "paula@example.org"] * 1_250
        )
    ]
    steps: list[Progress] = []

    result = import_file(
        by=world.team.alice,
        project=world.project,
        path_or_file=io.BytesIO(csv_bytes(TIME_HEADER, *rows)),
        filename="big.csv",
        progress=steps.append,
    )

    assert (result.rows, result.activities, result.time_entries) == (5_000, 1_250, 5_000)
    assert Activity.objects.filter(project=world.project).count() == 1_250
    assert steps[0] == Progress("checking", 1_000, None)
    assert Progress("checking", 5_000, 5_000) in steps
    assert steps[-1] == Progress("saving", 5_000, 5_000)
    assert AuditEvent.objects.filter(action="costs.import").count() == 1


@pytest.mark.django_db
def test_a_file_changed_between_checking_and_saving_saves_nothing(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "costs.csv"
    path.write_bytes(csv_bytes(COSTS_HEADER, cost_row(), cost_row()))
    before = counts()

    def spoil_after_checking(step: Progress) -> None:
        if step.phase == "checking" and step.rows_total is not None:
            path.write_bytes(csv_bytes(COSTS_HEADER, cost_row(), cost_row(currency="XYZ")))

    with pytest.raises(ImportRejected) as caught:
        import_file(
            by=world.team.alice,
            project=world.project,
            path_or_file=path,
            progress=spoil_after_checking,
        )

    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "currency")]
    assert counts() == before


# --- Command line ---------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("costs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_exports_csv_to_standard_output(world: World) -> None:
    varied_costs(world)

    out, _ = run("export", "--project", str(world.project.pk), "--kind", "costs")

    assert out == exported(world.project, "costs", "csv").decode()
    assert out.splitlines()[0] == COSTS_HEADER


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS)
def test_command_exports_to_a_file_and_imports_it(
    world: World, tmp_path: Path, file_format: str
) -> None:
    log_time(world)
    path = tmp_path / f"time.{file_format}"
    twin = str(world.twin.pk)

    _, err = run(
        "export",
        "--project",
        str(world.project.pk),
        "--kind",
        "time",
        "--format",
        file_format,
        "--output",
        str(path),
    )
    out, _ = run("import", str(path), "--project", twin, "--as", "bob@example.org")

    assert err == f"Wrote 4 rows to {path}.\n"
    assert out == (
        f"Imported 4 rows from time.{file_format} into Crisis care twin: 4 time entries in "
        "2 activities.\n"
    )
    assert time_records(world.twin) == time_records(world.project)


@pytest.mark.django_db
def test_command_prints_every_problem_and_fails(world: World, tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    path.write_bytes(csv_bytes(COSTS_HEADER, cost_row(currency="XYZ"), cost_row(stage="8")))
    err = StringIO()
    before = counts()

    with pytest.raises(CommandError, match=r"Nothing was imported from costs\.csv: 2 problems\."):
        call_command(
            "costs",
            "import",
            str(path),
            "--project",
            str(world.project.pk),
            "--as",
            "alice@example.org",
            stderr=err,
        )

    assert err.getvalue().splitlines() == [
        "Row 2, column currency: XYZ is not an ISO 4217 currency code. Use three capital "
        "letters, like GBP.",
        "Row 3, column stage: '8' is not a stage number: use 1 to 7.",
    ]
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("olive@example.org", "olive@example.org may not edit the costs of Crisis care study."),
        ("oscar@example.org", "oscar@example.org may not edit the costs of Crisis care study."),
        ("nobody@example.org", "No active user has the email nobody@example.org."),
    ],
)
def test_command_import_needs_a_user_allowed_to_edit_costs(
    world: World, tmp_path: Path, who: str, message: str
) -> None:
    path = tmp_path / "costs.csv"
    path.write_bytes(csv_bytes(COSTS_HEADER, cost_row()))

    with pytest.raises(CommandError) as caught:
        run("import", str(path), "--project", str(world.project.pk), "--as", who)

    assert str(caught.value) == message
    assert CostItem.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_xlsx_to_standard_output_and_unknown_projects(world: World) -> None:
    with pytest.raises(CommandError, match=r"XLSX is binary: give --output FILE\."):
        run("export", "--project", str(world.project.pk), "--kind", "costs", "--format", "xlsx")
    with pytest.raises(CommandError, match=r"There is no project 999999\."):
        run("export", "--project", "999999", "--kind", "time")


@pytest.mark.django_db
def test_command_shows_progress_when_asked(world: World, tmp_path: Path) -> None:
    path = tmp_path / "time.csv"
    path.write_bytes(csv_bytes(TIME_HEADER, *[time_row()] * 1_500))
    project = str(world.project.pk)

    _, err = run("import", str(path), "--project", project, "--as", "bob@example.org", "--progress")

    assert "\rChecking 1,000 rows" in err
    assert "\rSaving   [" + "#" * 30 + "] 100% 1,500 of 1,500 rows\n" in err


def test_progress_bar_redraws_one_line_only_when_it_changes() -> None:
    out = StringIO()
    bar = ImportProgress(OutputWrapper(out))

    for step in [
        Progress("checking", 1_000, None),
        Progress("checking", 2_000, 2_000),
        Progress("saving", 1_000, 2_000),
        Progress("saving", 1_000, 2_000),
        Progress("saving", 2_000, 2_000),
    ]:
        bar(step)
    bar.finish()

    assert out.getvalue().split("\r")[1:] == [
        "Checking 1,000 rows",
        "Checking [" + "#" * 30 + "] 100% 2,000 of 2,000 rows",
        "Saving   [" + "#" * 15 + "." * 15 + "]  50% 1,000 of 2,000 rows",
        "Saving   [" + "#" * 30 + "] 100% 2,000 of 2,000 rows\n",
    ]


# --- Warnings: the forms' cautions, row by row ------------------------------------------------


def payment_row(amount: str, day: str = "2025-06-03", **cells: str) -> str:
    """An actual contributor payment to Carol, borne by the host."""
    fields = {
        "status": "actual",
        "category": "contributor_payment",
        "description": "Workshop fee",
        "payee": "carol@example.org",
        "date": day,
        "amount": amount,
    }
    fields.update(cells)
    return cost_row(**fields)


def cautioned(world: World, content: bytes, filename: str = "upload.csv") -> list[str]:
    """Import a file with warnings, unconfirmed; the warnings, having checked nothing was saved."""
    before = counts()
    with pytest.raises(NeedsConfirmation) as caught:
        import_bytes(world, content, filename, confirmed=False)
    assert counts() == before
    return [str(caution) for caution in caught.value.cautions]


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS)
def test_an_imported_payment_past_three_weekly_thresholds_is_listed_and_saves_nothing(
    world: World, file_format: str
) -> None:
    # Arrange: £250 in the week of 3 June 2025 passes the £20 Permitted Work lower limit, the
    # £195.50 higher limit and the £196 Carer's Allowance limit.
    row = payment_row("250.00")
    if file_format == "csv":
        content = csv_bytes(COSTS_HEADER, row)
    else:
        content = xlsx_bytes(list(COST_COLUMNS), row.split(","))

    # Act
    warnings = cautioned(world, content, f"payments.{file_format}")

    # Assert
    assert len(warnings) == 3
    assert all(
        w.startswith("Row 2, column amount: This payment would take Carol") for w in warnings
    )
    assert any("UK Permitted Work lower limit of £20.00 a week" in w for w in warnings)


@pytest.mark.django_db
def test_an_imported_payment_with_warnings_is_saved_once_confirmed(world: World) -> None:
    content = csv_bytes(COSTS_HEADER, payment_row("250.00"))

    result = import_bytes(world, content, "payments.csv", confirmed=True)

    assert result.cost_items == 1
    assert CostItem.objects.get().amount == Decimal("250.00")


@pytest.mark.django_db
def test_import_counts_the_earlier_rows_of_the_same_file_against_the_thresholds(
    world: World,
) -> None:
    # Two £15 payments in one week: each under the £20 limit alone, £30 together. A third,
    # the next week, starts a new week.
    content = csv_bytes(
        COSTS_HEADER,
        payment_row("15.00", "2025-06-02"),
        payment_row("15.00", "2025-06-05"),
        payment_row("15.00", "2025-06-09"),
    )

    warnings = cautioned(world, content)

    assert len(warnings) == 1
    assert warnings[0].startswith("Row 3, column amount: This payment would take Carol")
    assert "With this payment" not in warnings[0]  # the detail lines stay out of the row text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2099-01-01", "more than a year from today"),
        ("2019-12-31", "before the project began on 1 January 2020"),
    ],
)
def test_an_imported_actual_cost_with_an_implausible_date_is_questioned(
    world: World, day: str, message: str
) -> None:
    world.project.start_date = datetime.date(2020, 1, 1)
    world.project.save()
    content = csv_bytes(COSTS_HEADER, cost_row(status="actual", date=day))

    warnings = cautioned(world, content)

    assert len(warnings) == 1
    assert warnings[0].startswith("Row 2, column date: This actual cost is dated")
    assert message in warnings[0]


@pytest.mark.django_db
def test_planned_costs_and_plausible_actual_costs_import_without_asking(world: World) -> None:
    content = csv_bytes(
        COSTS_HEADER,
        cost_row(date="2099-01-01"),  # planned: a plan may look far ahead
        cost_row(status="actual", date="2025-06-03"),
    )

    result = import_bytes(world, content, "costs.csv", confirmed=False)

    assert result.cost_items == 2


@pytest.mark.django_db
def test_command_lists_warnings_and_imports_only_with_confirm_warnings(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "payments.csv"
    path.write_bytes(csv_bytes(COSTS_HEADER, payment_row("25.00")))
    err = StringIO()
    project = str(world.project.pk)

    with pytest.raises(CommandError, match=r"1 warning to check.*--confirm-warnings"):
        call_command(
            "costs", "import", str(path), "--project", project, "--as", "alice@example.org",
            stderr=err,
        )  # fmt: skip
    assert CostItem.objects.count() == 0
    assert err.getvalue().startswith(
        "Row 2, column amount: This payment would take Carol Contributor past the UK "
        "Permitted Work lower limit"
    )

    out, _ = run(
        "import", str(path), "--project", project, "--as", "alice@example.org",
        "--confirm-warnings",
    )  # fmt: skip

    assert out.startswith("Imported 1 rows from payments.csv")
    assert CostItem.objects.count() == 1


# --- The import page: warnings confirmed without choosing the file again --------------------


def import_page(project: Project, view: str = "costs:import") -> str:
    return reverse(view, kwargs={"project_id": project.pk})


def upload_with_warnings(client: Any, project: Project) -> tuple[Any, str]:
    """Upload a £250 payment, which has warnings; the page and the held file's token."""
    content = csv_bytes(COSTS_HEADER, payment_row("250.00"))
    response = client.post(
        import_page(project), {"file": SimpleUploadedFile("payments.csv", content)}
    )
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found is not None, "the confirmation form carries the held file's token"
    return response, found.group(1)


def confirm(client: Any, project: Project, token: str, **extra: str) -> Any:
    return client.post(import_page(project, "costs:import_confirm"), {"token": token, **extra})


def held_files() -> list[Path]:
    directory = held_imports.held_directory()
    return sorted(directory.iterdir()) if directory.is_dir() else []


@pytest.fixture
def no_held_files() -> Iterator[None]:
    """Each test starts and ends with no held file, the media directory being shared."""
    for path in held_files():
        path.unlink()
    yield
    for path in held_files():
        path.unlink()


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_import_page_lists_the_warnings_and_imports_once_ticked_without_the_file_again(
    world: World,
) -> None:
    client = client_for(world.team.alice)

    first, token = upload_with_warnings(client, world.project)

    html = first.content.decode()
    assert first.status_code == 200
    assert "Row 2, column amount: This payment would take Carol Contributor" in html
    assert 'name="confirmed"' in html
    assert 'type="file"' not in html  # the confirmation asks for no file
    assert counts()["CostItem"] == 0
    assert len(held_files()) == 1
    before = counts()

    confirmed = confirm(client, world.project, token, confirmed="on")

    assert confirmed.status_code == 302
    assert CostItem.objects.get().amount == Decimal("250.00")
    assert counts()["AuditEvent"] == before["AuditEvent"] + 1  # one import, recorded once
    assert HeldImport.objects.count() == 0
    assert held_files() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_held_file_is_not_imported_without_the_tick_and_stays_held(world: World) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)

    again = confirm(client, world.project, token)

    assert again.status_code == 200
    assert "This payment would take Carol Contributor" in again.content.decode()
    assert CostItem.objects.count() == 0
    assert confirm(client, world.project, token, confirmed="on").status_code == 302
    assert CostItem.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_held_file_cannot_be_imported_by_another_user_or_into_another_project(
    world: World,
) -> None:
    team = world.team
    _, token = upload_with_warnings(client_for(team.alice), world.project)
    before = counts()

    # Bob may edit the project's costs, but did not upload the file; Oscar edits his own
    # project's; Alice is lead of the twin, but checked the file for the first project.
    oscars = Project.objects.get(title="Oscar's own study")
    assert has_permission(team.bob, Permission.COSTS_EDIT, project=world.project)
    assert has_permission(team.oscar, Permission.COSTS_EDIT, project=oscars)
    attempts = [
        confirm(client_for(team.bob), world.project, token, confirmed="on"),
        confirm(client_for(team.oscar), oscars, token, confirmed="on"),
        confirm(client_for(team.alice), world.twin, token, confirmed="on"),
        confirm(client_for(team.bob), world.project, token, cancel="1"),
    ]

    assert [response.status_code for response in attempts] == [403, 403, 403, 403]
    assert counts() == before
    assert HeldImport.objects.filter(token=token).exists()
    assert len(held_files()) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_confirmation_replayed_after_the_import_saves_nothing_twice(world: World) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)
    assert confirm(client, world.project, token, confirmed="on").status_code == 302
    after = counts()

    replay = confirm(client, world.project, token, confirmed="on")

    assert replay.status_code == 200
    assert "The file you checked is no longer kept" in replay.content.decode()
    assert 'type="file"' in replay.content.decode()  # it asks for the file again
    assert counts() == after


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_an_expired_held_file_asks_for_the_file_again_and_is_removed(world: World) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)
    HeldImport.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = confirm(client, world.project, token, confirmed="on")

    assert "The file you checked is no longer kept" in response.content.decode()
    assert CostItem.objects.count() == 0
    assert HeldImport.objects.count() == 0
    assert held_files() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_held_file_changed_on_the_server_is_not_imported(world: World) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)
    (path,) = held_files()
    path.write_bytes(path.read_bytes().replace(b"250.00", b"999.00"))

    response = confirm(client, world.project, token, confirmed="on")

    assert "The file you checked is no longer kept" in response.content.decode()
    assert CostItem.objects.count() == 0
    assert held_files() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_cancelling_forgets_the_held_file_and_imports_nothing(world: World) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)

    response = confirm(client, world.project, token, confirmed="on", cancel="1")

    assert response.status_code == 302
    assert CostItem.objects.count() == 0
    assert HeldImport.objects.count() == 0
    assert held_files() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_held_file_whose_warnings_changed_since_they_were_shown_asks_again(
    world: World,
) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)
    # After the check, the project's start moves past the payment's date: a new warning.
    world.project.start_date = datetime.date(2025, 7, 1)
    world.project.save()

    response = confirm(client, world.project, token, confirmed="on")

    assert response.status_code == 200
    assert "before the project began on 1 July 2025" in response.content.decode()
    assert CostItem.objects.count() == 0
    assert confirm(client, world.project, token, confirmed="on").status_code == 302
    assert CostItem.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_held_file_is_checked_again_against_the_size_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(world.team.alice)
    _, token = upload_with_warnings(client, world.project)
    monkeypatch.setattr(transfer, "MAX_FILE_BYTES", 10)

    response = confirm(client, world.project, token, confirmed="on")

    assert "Nothing was imported" in response.content.decode()
    assert "the limit is" in response.content.decode()
    assert CostItem.objects.count() == 0
    assert held_files() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_holding_a_new_file_sweeps_the_expired_ones(world: World) -> None:
    client = client_for(world.team.alice)
    upload_with_warnings(client, world.project)
    HeldImport.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    _, new = upload_with_warnings(client, world.project)

    assert list(HeldImport.objects.values_list("token", flat=True)) == [new]
    assert [path.name for path in held_files()] == [new]


@pytest.mark.django_db
@pytest.mark.usefixtures("no_held_files")
def test_a_new_upload_replaces_the_file_the_person_held_for_the_project(world: World) -> None:
    alice = client_for(world.team.alice)
    _, first = upload_with_warnings(alice, world.project)
    _, bobs = upload_with_warnings(client_for(world.team.bob), world.project)
    _, twins = upload_with_warnings(alice, world.twin)

    _, second = upload_with_warnings(alice, world.project)

    assert set(HeldImport.objects.values_list("token", flat=True)) == {bobs, twins, second}
    assert {path.name for path in held_files()} == {bobs, twins, second}
    replaced = confirm(alice, world.project, first, confirmed="on")
    assert "The file you checked is no longer kept" in replaced.content.decode()
    assert CostItem.objects.count() == 0
