"""The costs pages in the browser's place: forms, warnings and who sees what."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.costs.models import CostItem, PaymentThreshold, Rate, TimeEntry
from coproduce.costs.services import AttendeeTime, activity_save, cost_item_create
from tests.conftest import Team, client_for


def url(name: str, team: Team, **kwargs: int) -> str:
    return reverse(name, kwargs={"project_id": team.project.pk, **kwargs})


def plan(team: Team, amount: str, *, stage: int = 1, status: str = "planned") -> CostItem:
    return cost_item_create(
        by=team.alice,
        project=team.project,
        status=status,
        category="venue_catering",
        stage=team.project.current_stage.__class__.objects.get(number=stage),
        description=f"Venue {amount}",
        defrayed_by="project_budget",
        currency="GBP",
        bearer_organisation=team.organisation,
        date=datetime.date(2026, 5, 1) if status == "actual" else None,
        amount=Decimal(amount),
    )


@pytest.mark.django_db
def test_budget_page_shows_plan_actual_and_overspend_warning(team: Team) -> None:
    plan(team, "100.00")
    plan(team, "150.00", status="actual")

    page = client_for(team.carol).get(url("costs:budget", team)).content.decode()

    assert "£100.00" in page and "£150.00" in page
    assert "Stage 1 is past its plan" in page
    assert "50%" in page  # 150 against 100
    assert "<svg" in page  # the chart, drawn on the server


@pytest.mark.django_db
def test_budget_page_without_costs_explains_what_to_plan(team: Team) -> None:
    page = client_for(team.alice).get(url("costs:budget", team)).content.decode()
    assert "No costs yet" in page
    assert url("costs:cost_item_add", team) in page


@pytest.mark.django_db
def test_cost_item_form_saves_hours_at_a_rate_exactly(team: Team) -> None:
    response = client_for(team.alice).post(
        url("costs:cost_item_add", team),
        {
            "status": "planned",
            "category": "staff_time",
            "stage": team.project.current_stage.pk,
            "description": "Coordinator time for recruitment",
            "bearer": f"org:{team.organisation.pk}",
            "defrayed_by": "project_budget",
            "currency": "gbp",
            "hours": "2.5",
            "rate": "33.33",
        },
    )

    assert response.status_code == 302
    item = CostItem.objects.get(project=team.project)
    assert item.amount == Decimal("83.325")
    assert item.currency == "GBP"


@pytest.mark.django_db
def test_cost_item_form_rejects_bad_input_and_saves_nothing(team: Team) -> None:
    events = AuditEvent.objects.count()
    response = client_for(team.alice).post(
        url("costs:cost_item_add", team),
        {
            "status": "actual",
            "category": "travel",
            "stage": team.project.current_stage.pk,
            "description": "Taxi",
            "bearer": f"person:{team.oscar.person.pk}",
            "defrayed_by": "unfunded",
            "currency": "XYZ",
            "amount": "-4",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "XYZ is not an ISO 4217 currency code" in page
    assert "cannot be negative" in page
    assert CostItem.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_cost_item_bearer_outside_project_is_refused_by_name(team: Team) -> None:
    response = client_for(team.alice).post(
        url("costs:cost_item_add", team),
        {
            "status": "planned",
            "category": "travel",
            "stage": team.project.current_stage.pk,
            "description": "Taxi",
            "bearer": f"person:{team.oscar.person.pk}",
            "defrayed_by": "unfunded",
            "currency": "GBP",
            "amount": "4",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert CostItem.objects.count() == 0


@pytest.mark.django_db
def test_payment_past_a_threshold_needs_confirmation(team: Team) -> None:
    PaymentThreshold.objects.create(
        organisation=team.organisation,
        name="Test weekly limit",
        period="week",
        amount=Decimal("20.00"),
        currency="GBP",
        valid_from=datetime.date(2020, 1, 1),
        source="Test",
    )
    form = {
        "payee": team.carol.person.pk,
        "date": "2026-05-06",
        "stage": team.project.current_stage.pk,
        "description": "Advisory group, 3 hours",
        "amount": "75.00",
        "currency": "GBP",
        "defrayed_by": "project_budget",
    }
    client = client_for(team.alice)

    first = client.post(url("costs:payment_add", team), form)

    assert first.status_code == 200
    assert "past the Test weekly limit" in first.content.decode()
    assert CostItem.objects.count() == 0

    confirmed = client.post(url("costs:payment_add", team), {**form, "confirmed": "on"})

    assert confirmed.status_code == 302
    payment = CostItem.objects.get()
    assert payment.payee == team.carol.person
    assert payment.bearer_organisation == team.organisation


@pytest.mark.django_db
def test_payment_from_a_rate_and_units(team: Team) -> None:
    half_day = Rate.objects.get(code="nihr-half-day-2024")
    response = client_for(team.alice).post(
        url("costs:payment_add", team),
        {
            "payee": team.carol.person.pk,
            "date": "2026-05-06",
            "stage": team.project.current_stage.pk,
            "description": "Two workshops",
            "rate": half_day.pk,
            "units": "2",
            "currency": "GBP",
            "defrayed_by": "project_budget",
            "confirmed": "on",
        },
    )
    assert response.status_code == 302
    assert CostItem.objects.get().amount == Decimal("150.00")


def activity_form(team: Team, rows: dict[int, dict[str, str]]) -> dict[str, str]:
    people = sorted(
        (m.person for m in team.project.memberships.select_related("person")),
        key=lambda p: (p.name, p.pk),
    )
    data = {
        "kind": "meeting",
        "title": "Steering group 1",
        "date": "2026-04-01",
        "stage": str(team.project.current_stage.pk),
        "duration": "2",
        "attendee-TOTAL_FORMS": str(len(people)),
        "attendee-INITIAL_FORMS": str(len(people)),
    }
    for index, person in enumerate(people):
        data[f"attendee-{index}-person"] = str(person.pk)
        for field, value in rows.get(person.pk, {}).items():
            data[f"attendee-{index}-{field}"] = value
    return data


@pytest.mark.django_db
def test_one_form_logs_a_meeting_with_everyone_who_came(team: Team) -> None:
    rows = {
        team.alice.person.pk: {"attended": "on", "preparation_hours": "1"},
        team.bob.person.pk: {"attended": "on", "administration_hours": "1.5"},
        team.carol.person.pk: {"attended": "on", "attendance_hours": "1.5", "contributions": "4"},
    }

    response = client_for(team.bob).post(url("costs:activity_add", team), activity_form(team, rows))

    assert response.status_code == 302
    entries = {e.person_id: e for e in TimeEntry.objects.filter(project=team.project)}
    assert set(entries) == set(rows)
    assert entries[team.alice.person.pk].attendance_hours == Decimal(2)  # the meeting's length
    assert entries[team.alice.person.pk].preparation_hours == Decimal(1)
    assert entries[team.carol.person.pk].attendance_hours == Decimal("1.5")
    assert entries[team.carol.person.pk].contributions == 4


@pytest.mark.django_db
def test_activity_form_with_negative_hours_saves_nothing(team: Team) -> None:
    rows = {team.alice.person.pk: {"attended": "on", "preparation_hours": "-1"}}

    response = client_for(team.alice).post(
        url("costs:activity_add", team), activity_form(team, rows)
    )

    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    assert TimeEntry.objects.count() == 0


@pytest.mark.django_db
def test_activity_form_without_attendees_says_so(team: Team) -> None:
    response = client_for(team.alice).post(url("costs:activity_add", team), activity_form(team, {}))
    assert "Add at least one attendee" in response.content.decode()


@pytest.mark.django_db
def test_activity_edit_shows_who_came(team: Team) -> None:
    activity = activity_save(
        by=team.alice,
        project=team.project,
        kind="workshop",
        title="Workshop",
        date=datetime.date(2026, 4, 2),
        stage=team.project.current_stage,
        attendees=[AttendeeTime(person=team.carol.person, attendance_hours=Decimal(2))],
    )
    page = client_for(team.alice).get(url("costs:activity_edit", team, activity_id=activity.pk))
    assert "checked" in page.content.decode()
    listing = client_for(team.olive).get(url("costs:activities", team)).content.decode()
    assert "Workshop" in listing and "Carol Contributor" in listing
    assert url("costs:activity_add", team) not in listing  # observers cannot log


@pytest.mark.django_db
def test_names_on_the_burden_page_only_for_leads(team: Team) -> None:
    activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title="Meeting",
        date=datetime.date(2026, 4, 2),
        stage=team.project.current_stage,
        attendees=[AttendeeTime(person=team.bob.person, attendance_hours=Decimal(5))],
    )
    lead = client_for(team.alice).get(url("costs:burden", team)).content.decode()
    contributor = client_for(team.carol).get(url("costs:burden", team)).content.decode()

    assert "Person by person" in lead and "Bob Researcher" in lead
    assert "Person by person" not in contributor
    assert "Bob Researcher" not in contributor
    # Six people, threshold 5: every equity group is hidden.
    assert "Not shown: fewer than 5 people" in contributor


@pytest.mark.django_db
def test_my_record_shows_only_my_payments(team: Team) -> None:
    cost_item_create(
        by=team.alice,
        project=team.project,
        status="actual",
        category="contributor_payment",
        stage=team.project.current_stage,
        description="Reading group fee",
        defrayed_by="project_budget",
        currency="GBP",
        bearer_organisation=team.organisation,
        payee=team.carol.person,
        date=datetime.date(2026, 4, 2),
        amount=Decimal("25.00"),
        confirmed=True,  # past the shipped £20 a week limit
    )
    carol = client_for(team.carol).get(url("costs:my_record", team)).content.decode()
    bob = client_for(team.bob).get(url("costs:my_record", team)).content.decode()
    assert "Reading group fee" in carol and "£25.00" in carol
    assert "Reading group fee" not in bob


@pytest.mark.django_db
def test_terms_cost_later_time_at_the_chosen_rate(team: Team) -> None:
    membership = team.project.memberships.get(person=team.bob.person)
    rate = Rate.objects.get(code="staff-lecturer-2025")
    response = client_for(team.alice).post(
        url("costs:terms_edit", team, membership_id=membership.pk),
        {"rate": rate.pk, "defrayed_by": "partner_in_kind"},
    )
    assert response.status_code == 302
    entry = activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title="Meeting",
        date=datetime.date(2026, 4, 2),
        stage=team.project.current_stage,
        attendees=[AttendeeTime(person=team.bob.person, attendance_hours=Decimal("1.5"))],
    ).time_entries.get()
    assert entry.cost == Decimal("1.5") * rate.hourly
    assert entry.defrayed_by == "partner_in_kind"


def make_admin(team: Team) -> None:
    team.organisation.memberships.filter(person=team.alice.person).update(is_admin=True)


@pytest.mark.django_db
def test_rate_without_source_is_refused(team: Team) -> None:
    make_admin(team)
    response = client_for(team.alice).post(
        reverse("organisation_costs:rate_add", kwargs={"organisation_id": team.organisation.pk}),
        {
            "kind": "staff",
            "label": "Grade 8",
            "unit": "hour",
            "hours_in_unit": "1",
            "amount": "48",
            "currency": "GBP",
            "year": "2026",
            "source": "",
        },
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Rate.objects.filter(organisation=team.organisation).exists()


@pytest.mark.django_db
def test_organisation_burden_is_for_portfolio_viewers(team: Team) -> None:
    page = reverse("organisation_costs:burden", kwargs={"organisation_id": team.organisation.pk})
    assert client_for(team.bob).get(page).status_code == 403
    membership = team.organisation.memberships.get(person=team.bob.person)
    membership.is_portfolio_viewer = True
    membership.save()
    response = client_for(team.bob).get(page)
    assert response.status_code == 200
    assert "Who carries the work across" in response.content.decode()


@pytest.mark.django_db
def test_disclosure_threshold_cannot_go_below_three(team: Team) -> None:
    make_admin(team)
    response = client_for(team.alice).post(
        reverse("organisation_costs:disclosure", kwargs={"organisation_id": team.organisation.pk}),
        {"disclosure_threshold": "2", "burden_warning_ratio": "1.25"},
    )
    assert response.status_code == 200
    assert "cannot be below 3" in response.content.decode()
    team.organisation.refresh_from_db()
    assert team.organisation.disclosure_threshold == 5


@pytest.mark.django_db
def test_export_then_upload_in_the_browser_gives_the_same_costs(team: Team) -> None:
    plan(team, "100.00")
    plan(team, "42.50", status="actual")
    client = client_for(team.alice)

    exported = client.get(url("costs:export", team) + "?kind=costs&format=csv")
    assert exported.status_code == 200
    assert exported["Content-Disposition"].endswith('-costs.csv"')
    CostItem.objects.all().delete()

    upload = SimpleUploadedFile("costs.csv", exported.content, content_type="text/csv")
    response = client.post(url("costs:import", team), {"file": upload})

    assert response.status_code == 302
    assert sorted(CostItem.objects.values_list("amount", flat=True)) == [
        Decimal("42.5"),
        Decimal("100"),
    ]


@pytest.mark.django_db
def test_upload_with_a_bad_row_lists_it_and_saves_nothing(team: Team) -> None:
    plan(team, "100.00")
    client = client_for(team.alice)
    exported = client.get(url("costs:export", team) + "?kind=costs&format=csv").content
    bad = exported.replace(b",GBP,", b",XYZ,")

    response = client.post(
        url("costs:import", team),
        {"file": SimpleUploadedFile("costs.csv", bad, content_type="text/csv")},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert "Row 2, column currency" in page
    assert CostItem.objects.count() == 1


@pytest.mark.django_db
def test_only_editors_may_import_and_export(team: Team) -> None:
    # The files name each person with their hours and payments.
    assert client_for(team.olive).get(url("costs:import", team)).status_code == 403
    time_file = url("costs:export", team) + "?kind=time&format=xlsx"
    assert client_for(team.carol).get(time_file).status_code == 403
    exported = client_for(team.bob).get(time_file)
    assert exported.status_code == 200
    assert exported.content[:2] == b"PK"  # an XLSX file is a zip
    assert client_for(team.bob).get(url("costs:export", team) + "?kind=x").status_code == 404


@pytest.mark.django_db
def test_members_who_do_not_log_time_see_only_their_own_hours(team: Team) -> None:
    activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title="Advisory group",
        date=datetime.date(2026, 4, 2),
        stage=team.project.current_stage,
        attendees=[
            AttendeeTime(person=team.carol.person, attendance_hours=Decimal("2.25")),
            AttendeeTime(person=team.paula.person, attendance_hours=Decimal("3.75")),
        ],
    )

    carol = client_for(team.carol).get(url("costs:activities", team)).content.decode()
    budget = client_for(team.carol).get(url("costs:budget", team)).content.decode()

    assert "2.25" in carol and "Paula Partner" in carol
    assert "3.75" not in carol
    assert "By who bears it" not in budget


@pytest.mark.django_db
def test_cost_item_with_four_places_can_be_edited_as_it_is(team: Team) -> None:
    item = plan(team, "10.1250")
    client = client_for(team.alice)
    page = client.get(url("costs:cost_item_edit", team, item_id=item.pk))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["stage"] = item.stage_id

    response = client.post(url("costs:cost_item_edit", team, item_id=item.pk), data)

    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert item.amount == Decimal("10.125")


@pytest.mark.django_db
def test_editing_a_payment_past_a_threshold_needs_confirmation(team: Team) -> None:
    PaymentThreshold.objects.create(
        organisation=team.organisation,
        name="Test weekly limit",
        period="week",
        amount=Decimal("50.00"),
        currency="GBP",
        valid_from=datetime.date(2020, 1, 1),
        source="Test",
    )
    payment = cost_item_create(
        by=team.alice,
        project=team.project,
        status="actual",
        category="contributor_payment",
        stage=team.project.current_stage,
        description="Reading group fee",
        defrayed_by="project_budget",
        currency="GBP",
        bearer_organisation=team.organisation,
        payee=team.carol.person,
        date=datetime.date(2026, 4, 2),
        amount=Decimal("25.00"),
        confirmed=True,  # past the shipped £20 a week limit
    )
    form = {
        "status": "actual",
        "category": "contributor_payment",
        "stage": team.project.current_stage.pk,
        "description": "Reading group fee",
        "bearer": f"org:{team.organisation.pk}",
        "defrayed_by": "project_budget",
        "date": "2026-04-02",
        "currency": "GBP",
        "amount": "500.00",
    }
    client = client_for(team.alice)
    edit = url("costs:cost_item_edit", team, item_id=payment.pk)

    first = client.post(edit, form)

    assert first.status_code == 200
    assert "past the Test weekly limit" in first.content.decode()
    payment.refresh_from_db()
    assert payment.amount == Decimal("25.00")
    assert client.post(edit, {**form, "confirmed": "on"}).status_code == 302
    payment.refresh_from_db()
    assert payment.amount == Decimal("500.00")


@pytest.mark.django_db
def test_payment_rate_in_another_currency_is_refused(team: Team) -> None:
    half_day = Rate.objects.get(code="nihr-half-day-2024")
    response = client_for(team.alice).post(
        url("costs:payment_add", team),
        {
            "payee": team.carol.person.pk,
            "date": "2026-05-06",
            "stage": team.project.current_stage.pk,
            "description": "Two workshops",
            "rate": half_day.pk,
            "units": "2",
            "currency": "EUR",
            "defrayed_by": "project_budget",
        },
    )
    assert "The rate is in GBP but the payment is in EUR" in response.content.decode()
    assert CostItem.objects.count() == 0


# Cautions: shown, nothing saved until ticked, saved when ticked; an unchanged edit never asks.


def cost_form(team: Team, **fields: str) -> dict[str, object]:
    form: dict[str, object] = {
        "status": "actual",
        "category": "venue_catering",
        "stage": team.project.current_stage.pk,
        "description": "Room hire",
        "bearer": f"org:{team.organisation.pk}",
        "defrayed_by": "project_budget",
        "date": "2026-05-01",
        "currency": "GBP",
        "amount": "80.00",
    }
    form.update(fields)
    return form


def next_year_and_a_day() -> str:
    return (datetime.date.today() + datetime.timedelta(days=367)).isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date", "message"),
    [
        (None, "more than a year from today. Is the year right?"),
        ("2019-12-31", "before the project began on 1 January 2020. Is the date right?"),
    ],
)
def test_an_actual_cost_with_an_implausible_date_is_saved_only_once_confirmed(
    team: Team, date: str | None, message: str
) -> None:
    team.project.start_date = datetime.date(2020, 1, 1)
    team.project.save()
    client = client_for(team.alice)
    form = cost_form(team, date=date or next_year_and_a_day())

    first = client.post(url("costs:cost_item_add", team), form)

    assert first.status_code == 200
    page = first.content.decode()
    assert message in page
    assert "I have checked this, save anyway" in page
    assert CostItem.objects.count() == 0

    assert (
        client.post(url("costs:cost_item_add", team), {**form, "confirmed": "on"}).status_code
        == 302
    )
    assert CostItem.objects.count() == 1


@pytest.mark.django_db
def test_a_planned_cost_far_ahead_is_not_questioned(team: Team) -> None:
    form = cost_form(team, status="planned", date=next_year_and_a_day())

    response = client_for(team.alice).post(url("costs:cost_item_add", team), form)

    assert response.status_code == 302


@pytest.mark.django_db
def test_editing_a_confirmed_cost_without_changing_its_date_does_not_ask_again(
    team: Team,
) -> None:
    client = client_for(team.alice)
    form = cost_form(team, date=next_year_and_a_day())
    client.post(url("costs:cost_item_add", team), {**form, "confirmed": "on"})
    item = CostItem.objects.get()
    edit = url("costs:cost_item_edit", team, item_id=item.pk)

    unchanged = client.post(edit, form)
    described = client.post(edit, {**form, "description": "Room hire, two days"})

    assert (unchanged.status_code, described.status_code) == (302, 302)
    item.refresh_from_db()
    assert item.description == "Room hire, two days"


@pytest.mark.django_db
def test_attendance_longer_than_the_meeting_is_saved_only_once_confirmed(team: Team) -> None:
    client = client_for(team.alice)
    rows = {team.carol.person.pk: {"attended": "on", "attendance_hours": "3"}}
    form = activity_form(team, rows)  # a 2 hour meeting

    first = client.post(url("costs:activity_add", team), form)

    assert first.status_code == 200
    assert (
        "Carol Contributor attended for 3 hours, longer than the 2 hours the meeting lasted"
        in first.content.decode()
    )
    assert TimeEntry.objects.count() == 0
    assert (
        client.post(url("costs:activity_add", team), {**form, "confirmed": "on"}).status_code == 302
    )
    assert TimeEntry.objects.get().attendance_hours == Decimal(3)


@pytest.mark.django_db
def test_editing_an_activity_asks_only_about_attendance_that_changed(team: Team) -> None:
    client = client_for(team.alice)
    rows = {team.carol.person.pk: {"attended": "on", "attendance_hours": "3"}}
    client.post(url("costs:activity_add", team), {**activity_form(team, rows), "confirmed": "on"})
    activity = TimeEntry.objects.get().activity
    assert activity is not None
    edit = url("costs:activity_edit", team, activity_id=activity.pk)
    alice = team.alice.person.pk

    unchanged = client.post(edit, activity_form(team, rows))
    longer = client.post(
        edit,
        activity_form(team, {**rows, alice: {"attended": "on", "attendance_hours": "2.5"}}),
    )

    assert unchanged.status_code == 302
    assert longer.status_code == 200
    page = longer.content.decode()
    assert "Alice Lead attended for 2.5 hours" in page
    assert "Carol Contributor attended" not in page
    assert TimeEntry.objects.count() == 1
