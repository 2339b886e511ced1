"""The participant register behind the firewall: what is stored (ciphertext only), who sees
what, the access log, the locked pages without a usable key, bad input, the counts with
disclosure control, the `coproduce participants` command and the demo's participants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django import DjangoDbBlocker

from coproduce.accounts.models import User
from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import Stage
from coproduce.core.demo import DEMO_LEAD_EMAIL, DEMO_PASSWORD, load_portfolio
from coproduce.participants import crypto, queries, services
from coproduce.participants.checks import participant_key
from coproduce.participants.demo import load_participants
from coproduce.participants.models import (
    AccessAction,
    AccessLogIsAppendOnly,
    Participant,
    ParticipantAccess,
    ParticipantStatus,
)
from coproduce.projects.models import Membership, Project
from coproduce.projects.services import membership_add
from tests.conftest import Team, client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
NAME = "Winifred Quarrington-Zell"
CONTACT = "07700 900123, winifred.qz@example.net"
NOTES = "Prefers calls after four; uses a hearing loop."
LONG = "x" * 100_000


@pytest.fixture(autouse=True)
def participant_key_set(settings: Any) -> None:
    settings.PARTICIPANT_KEY = KEY


@pytest.fixture
def dana(team: Team) -> User:
    """The project's data custodian: a researcher the lead named custodian."""
    user = make_user("dana@example.org", name="Dana Custodian", organisation=team.organisation)
    membership_add(
        by=team.alice,
        project=team.project,
        person=user.person,
        role="researcher",
        is_data_custodian=True,
    )
    return user


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def url(name: str, team: Team, **kwargs: int) -> str:
    return reverse(f"participants:{name}", kwargs={"project_id": team.project.pk, **kwargs})


def add(team: Team, by: User, **fields: Any) -> Participant:
    values: dict[str, Any] = {
        "site": "North clinic",
        "stage": stage(3),
        "name": NAME,
        "contact": CONTACT,
        "notes": NOTES,
        **fields,
    }
    return services.participant_add(by=by, project=team.project, **values)


def form_post(**overrides: str) -> dict[str, str]:
    data = {
        "code": "",
        "name": NAME,
        "contact": CONTACT,
        "notes": NOTES,
        "site": "North clinic",
        "stage": str(stage(3).pk),
        "status": "recruited",
    }
    data.update(overrides)
    return data


def text(response: Any) -> str:
    return str(response.content.decode())


def whole_database() -> Iterator[tuple[str, str]]:
    """(table, row as text) for every row of every table, read with plain SQL. Sessions are
    decoded first: their data is signed and compressed, which would hide a leak."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                yield table, " ".join(as_text(value) for value in row)
    for session in Session.objects.all():
        yield "django_session (decoded)", repr(SessionStore().decode(session.session_data))


def as_text(value: object) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)


def identifying_strings() -> list[str]:
    return [NAME, "Quarrington", "winifred.qz", "900123", "hearing loop"]


# Stored as ciphertext --------------------------------------------------------------------------


def test_custodian_adds_a_participant_through_the_page_and_sees_their_details(
    team: Team, dana: User
) -> None:
    client = client_for(dana)

    response = client.post(url("add", team), form_post())

    participant = Participant.objects.get(project=team.project)
    assert participant.code == "P-001"
    assert response.status_code == 302
    assert response["Location"] == url("detail", team, participant_id=participant.pk)
    page = text(client.get(response["Location"]))
    assert NAME in page and "winifred.qz@example.net" in page and "hearing loop" in page
    assert "P-001 added to the register." in page


def test_raw_database_columns_hold_ciphertext_never_the_details(team: Team, dana: User) -> None:
    client_for(dana).post(url("add", team), form_post())
    participant = Participant.objects.get(project=team.project)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_ciphertext, contact_ciphertext, notes_ciphertext "
            "FROM participants_participant WHERE id = %s",
            [participant.pk],
        )
        columns = cursor.fetchone()

    assert columns is not None
    for column in columns:
        assert column.startswith(crypto.TOKEN_PREFIX)
        assert not any(s.lower() in column.lower() for s in identifying_strings())
    assert [crypto.decrypt(c) for c in columns] == [NAME, CONTACT, NOTES]


def test_no_table_anywhere_holds_the_details_in_plain_text(team: Team, dana: User) -> None:
    client = client_for(dana)
    client.post(url("add", team), form_post())  # the success message waits in the session
    participant = Participant.objects.get(project=team.project)
    client.post(
        url("edit", team, participant_id=participant.pk),
        form_post(name="Winifred Quarrington-Zell Smythe", version="1"),
    )

    rows = list(whole_database())
    leaks = [
        (table, s)
        for table, row in rows
        for s in [*identifying_strings(), "Smythe"]
        if s.lower() in row.lower()
    ]

    # The scan reads what it should: the session's waiting message, the access log, the audit.
    assert any("P-001 saved." in row for table, row in rows if "decoded" in table)
    assert {"participants_participantaccess", "audit_auditevent"} <= {t for t, _ in rows}
    assert leaks == []


def test_database_refuses_plain_text_in_an_identifying_column(team: Team, dana: User) -> None:
    participant = add(team, dana)

    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(name_ciphertext=NAME)


def test_change_log_names_the_details_that_changed_never_their_values(
    team: Team, dana: User
) -> None:
    participant = add(team, dana)
    services.participant_update(
        by=dana,
        participant=participant,
        site="Riverside crisis team",
        stage=stage(3),
        status="active",
        name=NAME,
        contact="07700 900456",
        notes=NOTES,
    )

    events = AuditEvent.objects.filter(target_type="participants.participant").order_by("seq")
    logged = json.dumps([[e.target_label, e.changes] for e in events])

    assert [e.action for e in events] == ["participant.add", "participant.update"]
    assert events[1].changes == {
        "site": {"from": "North clinic", "to": "Riverside crisis team"},
        "status": {"from": "recruited", "to": "active"},
        "contact": {"changed": True},
    }
    assert {"name", "contact", "notes"} <= set(events[0].changes)
    assert not any(s.lower() in logged.lower() for s in [*identifying_strings(), "900456"])
    assert crypto.TOKEN_PREFIX not in logged


def test_unchanged_details_keep_their_ciphertext(team: Team, dana: User) -> None:
    participant = add(team, dana)
    before = Participant.objects.values_list("name_ciphertext", "notes_ciphertext").get()

    services.participant_update(
        by=dana,
        participant=participant,
        site="North clinic",
        stage=stage(3),
        status="recruited",
        name=NAME,
        contact="someone else",
        notes=NOTES,
    )

    assert Participant.objects.values_list("name_ciphertext", "notes_ciphertext").get() == before


# Who sees what --------------------------------------------------------------------------------


CUSTODIAN_PAGES = ("register", "add", "export", "access_log")
CUSTODIAN_PARTICIPANT_PAGES = ("detail", "edit")


def custodian_urls(team: Team, participant: Participant) -> list[str]:
    return [
        *(url(name, team) for name in CUSTODIAN_PAGES),
        *(url(name, team, participant_id=participant.pk) for name in CUSTODIAN_PARTICIPANT_PAGES),
    ]


@pytest.mark.parametrize("persona", ["alice", "bob", "paula", "carol", "olive"])
def test_members_who_are_not_custodians_see_counts_only(
    team: Team, dana: User, persona: str
) -> None:
    participant = add(team, dana)
    client = client_for(getattr(team, persona))

    counts = client.get(url("counts", team))

    assert counts.status_code == 200
    assert "Dana Custodian" in text(counts)  # whom to ask
    assert url("register", team) not in text(counts)
    for target in custodian_urls(team, participant):
        for method in (client.get, client.post):
            response = method(target)
            assert response.status_code == 403, (target, response.status_code)
            assert NAME not in text(response)
    withdraw = url("withdraw", team, participant_id=participant.pk)
    assert client.post(withdraw).status_code == 403
    assert ParticipantAccess.objects.exclude(user=dana).count() == 0
    assert Participant.objects.get().status == "recruited"


def test_lead_who_is_not_a_custodian_is_refused_by_the_services_too(team: Team) -> None:
    with pytest.raises(PermissionDenied):
        add(team, team.alice)

    assert not Participant.objects.exists()


def test_outsider_gets_page_not_found_for_every_participant_page(team: Team, dana: User) -> None:
    participant = add(team, dana)
    client = client_for(team.oscar)

    for target in [url("counts", team), *custodian_urls(team, participant)]:
        for method in (client.get, client.post):
            response = method(target)
            assert response.status_code == 404, target
            assert "Crisis care study" not in text(response)


def test_superuser_sees_counts_but_not_identifying_details(team: Team, dana: User) -> None:
    participant = add(team, dana)
    root = User.objects.create_superuser("root@example.org", "correct horse battery staple")
    client = client_for(root)

    assert client.get(url("counts", team)).status_code == 200
    for target in custodian_urls(team, participant):
        assert client.get(target).status_code == 403, target


def test_anonymous_visitors_are_sent_to_sign_in(team: Team, dana: User) -> None:
    participant = add(team, dana)
    client = client_for(None)

    for target in [url("counts", team), *custodian_urls(team, participant)]:
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_lead_can_make_herself_a_custodian_and_then_sees_the_register(
    team: Team, dana: User
) -> None:
    add(team, dana)
    client = client_for(team.alice)
    assert client.get(url("register", team)).status_code == 403
    membership = Membership.objects.get(project=team.project, person__user=team.alice)

    client.post(
        reverse(
            "projects:member_edit",
            kwargs={"project_id": team.project.pk, "membership_id": membership.pk},
        ),
        {"role": "lead", "is_data_custodian": "on"},
    )

    assert NAME in text(client.get(url("register", team)))


# The access log -------------------------------------------------------------------------------


def test_every_custodian_view_records_an_access(team: Team, dana: User) -> None:
    participant = add(team, dana)  # the service records the add
    client = client_for(dana)

    for target in (
        url("register", team),
        url("detail", team, participant_id=participant.pk),
        url("edit", team, participant_id=participant.pk),
        url("export", team),
    ):
        assert client.get(target).status_code == 200, target

    accesses = ParticipantAccess.objects.order_by("pk")
    assert [(a.action, a.participant_code) for a in accesses] == [
        (AccessAction.ADD, "P-001"),
        (AccessAction.LIST, ""),
        (AccessAction.VIEW, "P-001"),
        (AccessAction.EDIT, "P-001"),
        (AccessAction.EXPORT, ""),
    ]
    assert {a.user_email for a in accesses} == {"dana@example.org"}
    log = text(client.get(url("access_log", team)))
    assert log.count("dana@example.org") == 5
    assert "Viewed a participant&#x27;s details" in log
    assert "Downloaded the identifying details" in log


def test_the_add_form_alone_records_nothing(team: Team, dana: User) -> None:
    client_for(dana).get(url("add", team))

    assert not ParticipantAccess.objects.exists()


def test_access_log_cannot_be_changed_or_deleted(team: Team, dana: User) -> None:
    add(team, dana)
    access = ParticipantAccess.objects.get()

    with pytest.raises(AccessLogIsAppendOnly):
        access.save()
    with pytest.raises(AccessLogIsAppendOnly):
        access.delete()
    with pytest.raises(AccessLogIsAppendOnly):
        ParticipantAccess.objects.update(action="view")
    with pytest.raises(AccessLogIsAppendOnly):
        ParticipantAccess.objects.all().delete()


def test_identifying_pages_are_never_cached(team: Team, dana: User) -> None:
    participant = add(team, dana)
    client = client_for(dana)

    for target in custodian_urls(team, participant):
        assert "no-store" in client.get(target)["Cache-Control"], target


def test_export_lists_every_participant_with_their_details(team: Team, dana: User) -> None:
    add(team, dana)
    add(team, dana, name="Second Person", site="Riverside crisis team")

    response = client_for(dana).get(url("export", team))

    rows = response.content.decode().splitlines()
    assert rows[0] == "code,site,stage,status,name,contact,notes"
    assert rows[1].startswith(f"P-001,North clinic,3,recruited,{NAME},")
    assert rows[2].startswith("P-002,Riverside crisis team,3,recruited,Second Person,")
    assert "attachment" in response["Content-Disposition"]


# Without a usable key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Participant details are locked: the encryption key is not set"),
        ("not-a-key", "is not a valid Fernet key"),
        (f"{KEY},broken", "Key number 2 in COPRODUCE_PARTICIPANT_KEY is not a valid Fernet key"),
    ],
)
def test_without_a_usable_key_custodian_pages_are_locked_and_counts_still_work(
    team: Team, dana: User, settings: Any, key: str, message: str
) -> None:
    participant = add(team, dana)
    settings.PARTICIPANT_KEY = key
    client = client_for(dana)
    accesses = ParticipantAccess.objects.count()

    for target in [u for u in custodian_urls(team, participant) if "access" not in u]:
        response = client.get(target)
        assert response.status_code == 503, target
        assert message in text(response), target
        assert NAME not in text(response)
    counts = client.get(url("counts", team))
    assert counts.status_code == 200
    assert message in text(counts)  # custodians are told why
    assert message not in text(client_for(team.alice).get(url("counts", team)))
    assert client.get(url("access_log", team)).status_code == 200
    assert ParticipantAccess.objects.count() == accesses


def test_missing_key_names_the_setting_and_how_to_make_a_key(
    team: Team, dana: User, settings: Any
) -> None:
    settings.PARTICIPANT_KEY = ""

    page = text(client_for(dana).get(url("register", team)))

    assert "COPRODUCE_PARTICIPANT_KEY" in page
    assert "coproduce participants new-key" in page


def test_without_a_key_adding_and_editing_save_nothing(
    team: Team, dana: User, settings: Any
) -> None:
    participant = add(team, dana)
    settings.PARTICIPANT_KEY = ""
    client = client_for(dana)
    before = (
        list(Participant.objects.values()),
        AuditEvent.objects.count(),
        ParticipantAccess.objects.count(),
    )

    added = client.post(url("add", team), form_post(name="Someone New"))
    edited = client.post(
        url("edit", team, participant_id=participant.pk), form_post(site="Elsewhere")
    )
    withdrawn = client.post(
        url("withdraw", team, participant_id=participant.pk), {"erase_details": "on"}
    )

    assert (added.status_code, edited.status_code, withdrawn.status_code) == (503, 503, 503)
    assert (
        list(Participant.objects.values()),
        AuditEvent.objects.count(),
        ParticipantAccess.objects.count(),
    ) == before


def test_without_a_key_the_service_refuses_and_stores_nothing(
    team: Team, dana: User, settings: Any
) -> None:
    settings.PARTICIPANT_KEY = ""

    with pytest.raises(crypto.KeyMissing):
        add(team, dana)

    assert not Participant.objects.exists()
    assert not AuditEvent.objects.filter(target_type="participants.participant").exists()


def test_wrong_key_locks_the_pages_with_a_clear_message_and_records_nothing(
    team: Team, dana: User, settings: Any
) -> None:
    participant = add(team, dana)
    settings.PARTICIPANT_KEY = OTHER_KEY
    client = client_for(dana)
    accesses = ParticipantAccess.objects.count()

    for target in (
        url("register", team),
        url("detail", team, participant_id=participant.pk),
        url("edit", team, participant_id=participant.pk),
        url("export", team),
    ):
        response = client.get(target)
        assert response.status_code == 503, target
        assert "encrypted with a different key" in text(response)
    assert ParticipantAccess.objects.count() == accesses
    assert client.get(url("add", team)).status_code == 200  # a new one can still be added


def test_old_key_listed_after_the_new_one_still_opens_the_details(
    team: Team, dana: User, settings: Any
) -> None:
    participant = add(team, dana)
    settings.PARTICIPANT_KEY = f"{OTHER_KEY},{KEY}"

    page = text(client_for(dana).get(url("detail", team, participant_id=participant.pk)))

    assert NAME in page


def test_start_up_check_warns_when_the_key_is_missing_or_broken(settings: Any) -> None:
    assert participant_key() == []
    settings.PARTICIPANT_KEY = ""
    (missing,) = participant_key()
    settings.PARTICIPANT_KEY = "broken"
    (broken,) = participant_key()

    assert missing.id == broken.id == "participants.W001"
    assert "COPRODUCE_PARTICIPANT_KEY" in missing.msg
    assert "not a valid Fernet key" in broken.msg


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": LONG}, "name", "at most 200 characters"),
        ({"contact": LONG}, "contact", "at most 500 characters"),
        ({"notes": LONG}, "notes", "at most 4000 characters"),
        ({"site": ""}, "site", "This field is required."),
        ({"site": LONG}, "site", "at most 100 characters"),
        ({"stage": "999999"}, "stage", "Select a valid choice."),
        ({"stage": "three"}, "stage", "Select a valid choice."),
        ({"status": "dead"}, "status", "Select a valid choice."),
        ({"code": "Winifred"}, "code", "Use capital letters, a hyphen and a number"),
        ({"code": "P-" + "1" * 30}, "code", "at most 20 characters"),
        ({"name": "Nul\x00here"}, "name", "Null characters are not allowed."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_saves_nothing(
    team: Team, dana: User, overrides: dict[str, str], field: str, message: str
) -> None:
    before = (Participant.objects.count(), AuditEvent.objects.count())

    response = client_for(dana).post(url("add", team), form_post(**overrides))

    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert response.context["form"].has_error(field)
    assert (Participant.objects.count(), AuditEvent.objects.count()) == before
    assert not ParticipantAccess.objects.exists()


def test_a_code_already_used_is_refused_on_the_form(team: Team, dana: User) -> None:
    add(team, dana, code="P-007")

    response = client_for(dana).post(url("add", team), form_post(code="p-007"))

    assert "P-007 is already used in this project." in text(response)
    assert Participant.objects.count() == 1


def test_changing_a_code_to_one_already_used_is_refused(team: Team, dana: User) -> None:
    add(team, dana)
    second = add(team, dana)

    response = client_for(dana).post(
        url("edit", team, participant_id=second.pk), form_post(code="P-001", version="1")
    )

    assert "P-001 is already used in this project." in text(response)
    assert Participant.objects.get(pk=second.pk).code == "P-002"


def test_codes_are_given_in_turn_after_the_highest_so_far(team: Team, dana: User) -> None:
    codes = [
        add(team, dana).code,
        add(team, dana, code="P-041").code,
        add(team, dana, code="NC-3").code,
        add(team, dana).code,
    ]

    assert codes == ["P-001", "P-041", "NC-3", "P-042"]


def test_codes_are_per_project(team: Team, dana: User) -> None:
    other = Membership.objects.get(project__title="Oscar's own study").project
    membership_add(
        by=team.oscar, project=other, person=dana.person, role="observer", is_data_custodian=True
    )

    first = add(team, dana)
    elsewhere = services.participant_add(
        by=dana, project=other, site="South", stage=stage(1), name="Someone"
    )

    assert first.code == elsewhere.code == "P-001"


def test_a_participant_of_another_project_is_not_found(team: Team, dana: User) -> None:
    other = Membership.objects.get(project__title="Oscar's own study").project
    membership_add(
        by=team.oscar, project=other, person=dana.person, role="observer", is_data_custodian=True
    )
    theirs = services.participant_add(
        by=dana, project=other, site="South", stage=stage(1), name="Someone"
    )

    response = client_for(dana).get(url("detail", team, participant_id=theirs.pk))

    assert response.status_code == 404
    assert not ParticipantAccess.objects.filter(participant=theirs, action="view").exists()


def test_service_refuses_overlong_details_before_encrypting(team: Team, dana: User) -> None:
    with pytest.raises(ValidationError) as caught:
        add(team, dana, name="x" * 201, notes="y" * 4001)

    assert set(caught.value.message_dict) == {"name", "notes"}
    assert not Participant.objects.exists()


def test_a_stale_edit_is_refused_and_shows_the_saved_version(team: Team, dana: User) -> None:
    participant = add(team, dana)
    client = client_for(dana)
    client.post(
        url("edit", team, participant_id=participant.pk),
        form_post(site="Riverside crisis team", version="1"),
    )

    response = client.post(
        url("edit", team, participant_id=participant.pk),
        form_post(site="Harbour Street", version="1"),
    )

    page = text(response)
    assert "Someone else saved a change to this since you opened it." in page
    assert "The version saved now" in page and "Riverside crisis team" in page
    assert Participant.objects.get().site == "Riverside crisis team"


# Withdrawal ------------------------------------------------------------------------------------


def test_withdrawal_keeps_the_participant_in_the_counts(team: Team, dana: User) -> None:
    participant = add(team, dana)

    response = client_for(dana).post(url("withdraw", team, participant_id=participant.pk))

    participant.refresh_from_db()
    assert response.status_code == 302
    assert participant.status == ParticipantStatus.WITHDRAWN
    assert participant.withdrawn_at is not None
    assert services.details(participant).name == NAME
    event = AuditEvent.objects.filter(action="participant.withdraw").get()
    assert event.changes["status"] == {"from": "recruited", "to": "withdrawn"}


def test_withdrawal_with_erasure_erases_the_details_for_good(team: Team, dana: User) -> None:
    participant = add(team, dana)

    client_for(dana).post(
        url("withdraw", team, participant_id=participant.pk), {"erase_details": "on"}
    )

    participant.refresh_from_db()
    assert services.details(participant) == services.Details(name="", contact="", notes="")
    event = AuditEvent.objects.filter(action="participant.withdraw").get()
    assert event.changes["name"] == {"erased": True}


def test_withdrawing_an_old_copy_keeps_changes_made_since(team: Team, dana: User) -> None:
    old_copy = add(team, dana)
    services.participant_update(
        by=dana,
        participant=Participant.objects.get(pk=old_copy.pk),
        site="Riverside crisis team",
        stage=stage(3),
        status="active",
        name=NAME,
        contact=CONTACT,
        notes=NOTES,
    )

    withdrawn = services.participant_withdraw(by=dana, participant=old_copy)

    stored = Participant.objects.get(pk=old_copy.pk)
    assert (stored.site, stored.status, stored.version) == ("Riverside crisis team", "withdrawn", 3)
    assert withdrawn.version == 3


def test_withdrawing_twice_is_refused_with_a_message(team: Team, dana: User) -> None:
    participant = add(team, dana)
    client = client_for(dana)
    client.post(url("withdraw", team, participant_id=participant.pk))

    response = client.post(url("withdraw", team, participant_id=participant.pk))

    assert response.status_code == 200
    assert "P-001 has already withdrawn." in text(response)


def test_returning_from_withdrawn_clears_the_date(team: Team, dana: User) -> None:
    participant = services.participant_withdraw(by=dana, participant=add(team, dana))

    services.participant_update(
        by=dana,
        participant=participant,
        site="North clinic",
        stage=stage(3),
        status="active",
        name=NAME,
        contact="",
        notes="",
    )

    participant.refresh_from_db()
    assert (participant.status, participant.withdrawn_at) == ("active", None)


# Counts and disclosure control ------------------------------------------------------------------


def register_many(team: Team, by: User, sites: dict[str, int], **fields: Any) -> None:
    for site, count in sites.items():
        for _ in range(count):
            add(team, by, site=site, **fields)


def table(team: Team, code: str) -> queries.CountTable:
    counts = queries.participant_counts(team.project)
    return next(t for t in counts.tables if t.code == code)


def test_small_sites_are_counted_together_without_their_names(team: Team, dana: User) -> None:
    register_many(team, dana, {"North clinic": 6, "Riverside": 5, "Tiny Hamlet Surgery": 2})

    sites = table(team, "site")
    page = text(client_for(team.alice).get(url("counts", team)))

    # Riverside (5) is hidden too: the total minus North clinic would reveal the 2.
    assert [(r.label, r.count) for r in sites.rows] == [
        ("North clinic", 6),
        (queries.SMALLER_SITES, 7),
    ]
    assert "Tiny Hamlet Surgery" not in page and "Riverside" not in page
    assert "13" in page


def test_stages_and_statuses_below_the_threshold_are_not_shown(team: Team, dana: User) -> None:
    register_many(team, dana, {"North clinic": 6})
    register_many(team, dana, {"North clinic": 2}, stage=stage(2), status="active")

    stages = table(team, "stage")
    statuses = table(team, "status")

    assert all(r.count is None for r in stages.rows)  # 6 and 2: the 6 would reveal the 2
    assert stages.hidden_total == 8
    assert [(r.label, r.count) for r in statuses.rows] == [
        ("Recruited", None),
        ("Taking part", None),
        ("Completed", None),
        ("Withdrawn", None),
    ]


def test_a_register_below_the_threshold_shows_no_numbers(team: Team, dana: User) -> None:
    register_many(team, dana, {"North clinic": 4})

    counts = queries.participant_counts(team.project)
    page = text(client_for(team.bob).get(url("counts", team)))

    assert counts.total is None
    assert all(r.count is None for t in counts.tables for r in t.rows)
    assert all(t.hidden_total is None for t in counts.tables)
    assert "Fewer than 5 participants are registered" in page
    assert "North clinic" not in page


def test_the_organisations_threshold_applies(team: Team, dana: User) -> None:
    team.organisation.disclosure_threshold = 3
    team.organisation.save()
    register_many(team, dana, {"North clinic": 3, "Riverside": 3})

    sites = table(team, "site")

    assert [(r.label, r.count) for r in sites.rows] == [("North clinic", 3), ("Riverside", 3)]


def test_counts_take_a_fixed_number_of_queries(
    team: Team, dana: User, django_assert_max_num_queries: Any
) -> None:
    register_many(team, dana, {f"Site {n}": 6 for n in range(8)})
    project = team.project

    with django_assert_max_num_queries(5):
        queries.participant_counts(project)


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(0, 30), max_size=8),
    threshold=st.integers(3, 10),
    hide=st.booleans(),
)
def test_no_shown_count_lets_anyone_work_out_a_small_group(
    counts: dict[str, int], threshold: int, hide: bool
) -> None:
    categories = [(c, c) for c in "ABC"]
    result = queries.count_table(
        "t", "T", counts, threshold, categories=categories, hide_small_labels=hide
    )

    total = sum(counts.values())
    shown = [
        r.count for r in result.rows if r.count is not None and r.label != queries.SMALLER_SITES
    ]
    assert all(count >= threshold for count in shown)
    hidden = total - sum(shown)
    if total < threshold:
        assert shown == [] and result.hidden_total is None
    else:
        assert hidden == 0 or hidden >= threshold
    if result.hidden_total is not None:
        assert result.hidden_total == hidden


def test_threshold_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="never below 3"):
        queries.count_table("t", "T", {"A": 1}, 2)


# The command ----------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("participants", *args, stdout=out)
    return out.getvalue()


def test_new_key_prints_a_working_key(settings: Any) -> None:
    key = run("new-key").strip()

    settings.PARTICIPANT_KEY = key
    assert crypto.decrypt(crypto.encrypt("hello")) == "hello"
    assert key != run("new-key").strip()


def test_check_key_opens_every_participant(team: Team, dana: User, settings: Any) -> None:
    add(team, dana)

    assert "opens the details of all 1 participants" in run("check-key")
    settings.PARTICIPANT_KEY = OTHER_KEY
    with pytest.raises(CommandError, match="encrypted with a different key"):
        run("check-key")


def test_rotate_key_moves_every_participant_to_the_new_key(
    team: Team, dana: User, settings: Any
) -> None:
    participant = add(team, dana)
    settings.PARTICIPANT_KEY = f"{OTHER_KEY},{KEY}"

    output = run("rotate-key")

    assert "Re-encrypted the details of 1 participant " in output
    settings.PARTICIPANT_KEY = OTHER_KEY
    participant.refresh_from_db()
    assert services.details(participant).name == NAME
    assert participant.version == 1


def test_commands_without_a_key_say_what_to_do(settings: Any) -> None:
    settings.PARTICIPANT_KEY = ""

    with pytest.raises(CommandError, match="coproduce participants new-key"):
        run("rotate-key")
    assert run("new-key").strip()


# The demo ---------------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo portfolio, loaded once for the class and rolled back after it."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, PARTICIPANT_KEY=KEY),
        transaction.atomic(),
    ):
        load_portfolio()
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestDemoParticipants:
    def crisis_url(self, name: str) -> str:
        project = Project.objects.get(title="Shaping crisis care together")
        return reverse(f"participants:{name}", kwargs={"project_id": project.pk})

    def test_the_main_project_has_a_custodian_who_is_not_the_lead(self, demo: None) -> None:
        custodians = Membership.objects.filter(
            project__title="Shaping crisis care together", is_data_custodian=True
        )

        assert [(m.person.name, m.role) for m in custodians] == [("Tom Heywood", "coordinator")]

    def test_two_projects_have_participants_behind_the_firewall(self, demo: None) -> None:
        counts = dict(
            Participant.objects.values_list("project__title").annotate(n=Count("pk")).order_by()
        )

        assert counts == {
            "Shaping crisis care together": 27,
            "Young carers' voices in school health": 12,
        }
        assert Participant.objects.filter(status="withdrawn").count() == 2

    def test_the_demo_lead_sees_counts_and_the_custodian_sees_names(self, demo: None) -> None:
        amira = client_for_demo(DEMO_LEAD_EMAIL)
        tom = client_for_demo("tom.heywood@northbridge.example")

        counts = amira.get(self.crisis_url("counts"))

        assert counts.status_code == 200
        assert "27" in text(counts) and "Tom Heywood" in text(counts)
        assert amira.get(self.crisis_url("register")).status_code == 403
        register = tom.get(self.crisis_url("register"))
        assert register.status_code == 200
        assert "P-027" in text(register) and "07700 900" in text(register)

    def test_demo_counts_show_suppression(self, demo: None) -> None:
        project = Project.objects.get(title="Shaping crisis care together")

        counts = queries.participant_counts(project)

        sites = {row.label: row.count for row in counts.tables[0].rows}
        statuses = {row.label: row.count for row in counts.tables[2].rows}
        assert "Eastfield GP surgery" not in sites  # 3 people: hidden, with Harbour Street
        # 17, not 9: the sites that a stage or status would give away beside them are hidden
        # too (linked suppression across the three tables).
        assert sites[queries.SMALLER_SITES] == 17
        assert statuses["Withdrawn"] is None and statuses["Recruited"] is None

    def test_without_a_key_the_demo_skips_participants_with_a_note(
        self, demo: None, settings: Any, capsys: pytest.CaptureFixture[str]
    ) -> None:
        settings.PARTICIPANT_KEY = ""
        before = Participant.objects.count()

        load_participants()

        printed = capsys.readouterr().out
        assert "Skipped the demo's study participants." in printed
        assert "COPRODUCE_PARTICIPANT_KEY" in printed
        assert Participant.objects.count() == before


def client_for_demo(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=DEMO_PASSWORD)
    return client


def test_export_cells_that_a_spreadsheet_would_run_are_escaped(team: Team, dana: User) -> None:
    add(team, dana, name="=HYPERLINK(1)", contact="+44 7700 900123")

    rows = client_for(dana).get(url("export", team)).content.decode().splitlines()

    assert rows[1].startswith("P-001,North clinic,3,recruited,'=HYPERLINK(1),'+44 7700 900123,")


def test_an_empty_register_says_so(team: Team, dana: User) -> None:
    page = text(client_for(team.alice).get(url("counts", team)))

    assert "No participants are registered yet." in page
    assert "Not shown" not in page


def test_a_site_minus_a_stage_does_not_leave_a_few_participants(team: Team, dana: User) -> None:
    # North clinic 6 (5 at stage 1, 1 at stage 2), Riverside 5 (all at stage 2): stage 1 (5)
    # is all North clinic, so North clinic minus stage 1 would be one participant.
    register_many(team, dana, {"North clinic": 5}, stage=stage(1))
    register_many(team, dana, {"North clinic": 1, "Riverside": 5}, stage=stage(2))

    counts = queries.participant_counts(team.project)

    shown = {
        (t.code, r.label): r.count
        for t in counts.tables
        for r in t.rows
        if r.count is not None and r.label != queries.SMALLER_SITES
    }
    north, stage_one = ("site", "North clinic"), ("stage", str(stage(1)))
    assert not (north in shown and stage_one in shown)
    assert counts.total == 11
