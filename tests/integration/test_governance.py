"""The charter, decisions and whose voice counts, through their pages and services: what is
saved, what is refused (and that nothing is lost or half-saved), what is warned about, and who
may do it."""

from __future__ import annotations

import datetime
import html
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import STALE
from coproduce.costs.models import Activity
from coproduce.costs.services import AttendeeTime, activity_save
from coproduce.governance.charter import (
    DEFAULT_EARLY_ACCESS,
    DEFAULT_METHODS,
    SECTIONS,
    starting_sections,
)
from coproduce.governance.models import (
    Charter,
    CharterAcknowledgement,
    CharterVersion,
    Decision,
    DecisionKind,
    Dissent,
)
from coproduce.governance.services import (
    DissentInput,
    charter_acknowledge,
    charter_revise,
    charter_start,
    decision_save,
)
from coproduce.planning.services import involvement_save
from coproduce.projects.models import Membership, Project
from tests.conftest import Team, client_for
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db

PUBLICATION = starting_sections()["publication"]


def url(name: str, team: Team, **kwargs: int) -> str:
    return reverse(f"governance:{name}", kwargs={"project_id": team.project.pk, **kwargs})


def text(response: Any) -> str:
    """The page as a reader sees it: entities such as &#x27; turned back into characters."""
    return html.unescape(response.content.decode())


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def member(team: Team, user: Any) -> Membership:
    return Membership.objects.get(project=team.project, person=user.person)


def start(team: Team) -> Charter:
    return charter_start(by=team.alice, project=team.project)


def latest(team: Team) -> CharterVersion:
    version = CharterVersion.objects.filter(charter__project=team.project).first()
    assert version is not None
    return version


def charter_post(team: Team, version: int, **overrides: Any) -> dict[str, Any]:
    """The charter form as the current version fills it, with `overrides` (section_publication=
    ..., methods_design=[...], early_access=[...], change_note=...)."""
    current = latest(team)
    data: dict[str, Any] = {f"section_{code}": t for code, t in current.sections.items()}
    data.update({f"methods_{kind}": list(m) for kind, m in current.methods.items()})
    data["early_access"] = list(current.early_access)
    data["change_note"] = "Clearer wording."
    data["version"] = str(version)
    data.update(overrides)
    return data


def revise(team: Team, *, by: Any = None, version: int | None = None, **changes: Any) -> Any:
    current = latest(team)
    return charter_revise(
        by=by or team.alice,
        charter=current.charter,
        sections={**current.sections, **changes.get("sections", {})},
        methods={**current.methods, **changes.get("methods", {})},
        early_access=changes.get("early_access", current.early_access),
        change_note=changes.get("change_note", "A change."),
        version=version,
    )


# The charter ----------------------------------------------------------------------------------


def test_charter_starts_from_the_template_with_every_section_and_the_default_rules(
    team: Team,
) -> None:
    client = client_for(team.bob)

    empty = text(client.get(url("charter", team)))
    response = client.post(url("charter_start", team))

    assert "This project has no charter yet" in empty
    assert response.status_code == 302
    assert response["Location"] == url("charter", team)
    version = latest(team)
    assert version.number == 1
    assert version.sections == starting_sections()
    assert set(version.sections) == {s.code for s in SECTIONS}
    assert version.methods == {str(k): [str(m) for m in v] for k, v in DEFAULT_METHODS.items()}
    assert version.methods["publication"] == ["consensus", "lead"]
    assert version.early_access == ["lead", "researcher"] == list(DEFAULT_EARLY_ACCESS)
    assert version.created_by == team.bob
    page = text(client.get(url("charter", team)))
    for section in SECTIONS:
        assert section.title in page
        assert section.explains in page
        assert section.starting_text in page
    assert "Who may see outputs before their release date:</strong> Lead, Researcher." in page
    assert "Charter started from the template" in page
    assert set(
        AuditEvent.objects.filter(
            project_id=team.project.pk, action__startswith="charter."
        ).values_list("action", flat=True)
    ) == {"charter.start", "charter.version"}


def test_a_second_charter_is_refused(team: Team) -> None:
    start(team)
    client = client_for(team.alice)

    response = client.post(url("charter_start", team), follow=True)

    assert "This project already has a charter." in text(response)
    assert Charter.objects.filter(project=team.project).count() == 1
    assert CharterVersion.objects.filter(charter__project=team.project).count() == 1


def test_a_revision_makes_a_new_version_and_keeps_the_old_one(team: Team) -> None:
    start(team)
    client = client_for(team.alice)
    new_text = PUBLICATION.replace("every finding", "all findings")

    form = client.get(url("charter_edit", team))
    response = client.post(
        url("charter_edit", team),
        charter_post(
            team,
            1,
            section_publication=new_text,
            methods_design=["consensus"],
            change_note="Design decisions need consensus.",
        ),
    )

    assert form.context["form"]["section_publication"].value() == PUBLICATION
    assert response.status_code == 302
    versions = list(CharterVersion.objects.filter(charter__project=team.project))
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].sections["publication"] == new_text
    assert versions[0].methods["design"] == ["consensus"]
    assert versions[0].change_note == "Design decisions need consensus."
    assert versions[1].sections["publication"] == PUBLICATION  # the old text is kept
    assert versions[1].methods["design"] == ["consensus", "vote", "steering_group"]
    charter = Charter.objects.get(project=team.project)
    assert charter.version == 2
    page = text(client.get(url("charter", team)))
    assert "Version 2, agreed" in page
    assert "Version 2 agreed. Members are asked to acknowledge it." in page
    assert new_text in page


def test_a_revision_that_changes_nothing_is_refused(team: Team) -> None:
    start(team)

    response = client_for(team.alice).post(url("charter_edit", team), charter_post(team, 1))

    assert response.status_code == 200
    assert "Nothing changed: this is the text of the current version." in text(response)
    assert CharterVersion.objects.filter(charter__project=team.project).count() == 1
    assert Charter.objects.get(project=team.project).version == 1


def test_whitespace_alone_is_not_a_change(team: Team) -> None:
    start(team)

    with pytest.raises(ValidationError, match="Nothing changed"):
        revise(team, sections={"publication": f"  {PUBLICATION}\n"})


def test_a_revision_needs_a_change_note(team: Team) -> None:
    start(team)
    changed = PUBLICATION + " Authors choose the journal."

    response = client_for(team.alice).post(
        url("charter_edit", team),
        charter_post(team, 1, section_publication=changed, change_note=""),
    )
    with pytest.raises(ValidationError) as refused:
        revise(team, sections={"publication": changed}, change_note="   ")

    assert response.status_code == 200
    assert response.context["form"].has_error("change_note")
    assert "Say what changed and why" in refused.value.message_dict["change_note"][0]
    assert CharterVersion.objects.filter(charter__project=team.project).count() == 1


def test_the_lead_must_stay_in_early_access(team: Team) -> None:
    start(team)

    response = client_for(team.bob).post(
        url("charter_edit", team), charter_post(team, 1, early_access=["researcher", "partner"])
    )

    assert response.status_code == 200
    assert "The lead always sees outputs before release." in text(response)
    assert latest(team).number == 1


def test_every_kind_of_decision_needs_an_allowed_method(team: Team) -> None:
    start(team)

    response = client_for(team.alice).post(
        url("charter_edit", team), charter_post(team, 1, methods_publication=[])
    )

    assert response.status_code == 200
    assert "Allow at least one method for Publication and authorship." in text(response)
    assert latest(team).number == 1


def test_a_stale_charter_edit_is_refused_and_keeps_the_input(team: Team) -> None:
    start(team)
    bob = client_for(team.bob)
    opened = bob.get(url("charter_edit", team)).context["form"]["version"].value()
    alices = PUBLICATION + " Alice's addition."
    bobs = PUBLICATION + " Bob's addition."
    revise(team, version=opened, sections={"publication": alices})

    response = bob.post(
        url("charter_edit", team),
        charter_post(team, opened, section_publication=bobs, change_note="Bob's note"),
    )

    page = text(response)
    assert response.status_code == 200
    assert STALE in page
    assert "See what the other change was" in page
    assert response.context["form"]["section_publication"].value() == bobs  # nothing lost
    assert "Bob's note" in page
    assert response.context["form"]["version"].value() == "2"
    assert latest(team).sections["publication"] == alices
    assert CharterVersion.objects.filter(charter__project=team.project).count() == 2

    again = bob.post(
        url("charter_edit", team),
        charter_post(team, 2, section_publication=bobs, change_note="Bob's note"),
    )

    assert again.status_code == 302
    assert latest(team).number == 3
    assert latest(team).sections["publication"] == bobs


def test_the_history_page_shows_the_words_inserted_and_deleted(team: Team) -> None:
    start(team)
    revise(
        team,
        sections={"publication": PUBLICATION.replace("every finding", "all findings")},
        early_access=["lead", "researcher", "partner"],
        change_note="Plainer words; partners see drafts.",
    )

    page = text(client_for(team.olive).get(url("charter_history", team)))

    assert "From version 1 to version 2" in page
    assert "Plainer words; partners see drafts." in page
    assert "<del>every finding</del>" in page
    assert "<ins>all findings</ins>" in page
    assert ">Publication rights</h3>" in page
    assert ">Who may see outputs before release</h3>" in page
    assert "Partner</ins>" in page
    assert ">Data access and confidentiality</h3>" not in page  # unchanged sections are left out


def test_the_history_page_compares_any_two_versions(team: Team) -> None:
    start(team)
    revise(team, sections={"credit": "Everyone is credited by name."})
    revise(team, sections={"data": "Only custodians see names."})
    client = client_for(team.alice)

    one_to_three = text(client.get(url("charter_history", team), {"from": 1, "to": 3}))
    same = text(client.get(url("charter_history", team), {"from": 2, "to": 2}))
    unknown = client.get(url("charter_history", team), {"from": 9, "to": "x"})

    assert "From version 1 to version 3" in one_to_three
    assert ">Credit and authorship</h3>" in one_to_three
    assert ">Data access and confidentiality</h3>" in one_to_three
    assert "Nothing changed between these versions." in same
    assert unknown.status_code == 200
    assert "there is nothing earlier to compare it with" in text(unknown)


def test_acknowledgements_list_who_has_not_acknowledged_the_current_version(team: Team) -> None:
    start(team)
    version = latest(team)

    for user in (team.bob, team.paula):
        response = client_for(user).post(url("charter_acknowledge", team, number=1))
        assert response.status_code == 302

    assert set(
        CharterAcknowledgement.objects.filter(version=version).values_list(
            "person__name", flat=True
        )
    ) == {"Bob Researcher", "Paula Partner"}
    page = text(client_for(team.alice).get(url("charter", team)))
    assert (
        "3 of 5 members have not acknowledged it:</strong> Alice Lead, Carol Contributor, "
        "Olive Observer." in page
    )
    assert "I have read version 1 and accept it" in page
    assert "You have acknowledged this version." in text(
        client_for(team.bob).get(url("charter", team))
    )
    for user in (team.alice, team.carol):
        charter_acknowledge(by=user, version=version, person=user.person)
    one_left = text(client_for(team.olive).get(url("charter", team)))
    assert "1 of 5 members has not acknowledged it:</strong> Olive Observer." in one_left


def test_a_new_version_needs_everyone_to_acknowledge_again(team: Team) -> None:
    start(team)
    for user in (team.alice, team.bob, team.paula, team.carol, team.olive):
        charter_acknowledge(by=user, version=latest(team), person=user.person)
    everyone = text(client_for(team.alice).get(url("charter", team)))

    revise(team, sections={"credit": "Everyone is credited by name."})

    page = text(client_for(team.alice).get(url("charter", team)))
    assert "Every member has acknowledged this version." in everyone
    assert "5 of 5 members have not acknowledged it" in page
    assert "Acknowledgements of version 2" in page


def test_acknowledging_an_old_version_is_refused(team: Team) -> None:
    start(team)
    revise(team, sections={"credit": "Everyone is credited by name."})
    client = client_for(team.carol)

    response = client.post(url("charter_acknowledge", team, number=1), follow=True)

    assert "A newer version of the charter has been agreed since you opened it" in text(response)
    assert not CharterAcknowledgement.objects.filter(person=team.carol.person).exists()


def test_acknowledging_twice_records_it_once(team: Team) -> None:
    start(team)
    client = client_for(team.carol)

    client.post(url("charter_acknowledge", team, number=1))
    client.post(url("charter_acknowledge", team, number=1))

    assert CharterAcknowledgement.objects.filter(person=team.carol.person).count() == 1
    assert AuditEvent.objects.filter(action="charter.acknowledge").count() == 1


def test_only_members_acknowledge_a_charter(team: Team) -> None:
    start(team)

    with pytest.raises(ValidationError, match="Only members"):
        charter_acknowledge(by=team.oscar, version=latest(team), person=team.oscar.person)
    response = client_for(team.oscar).post(url("charter_acknowledge", team, number=1))

    assert response.status_code == 404
    assert not CharterAcknowledgement.objects.exists()


# Decisions ------------------------------------------------------------------------------------


def an_activity(team: Team, title: str = "Steering meeting", on: int = 10) -> Activity:
    return activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title=title,
        date=datetime.date(2025, 3, on),
        stage=stage(2),
        attendees=[AttendeeTime(team.alice.person, attendance_hours=Decimal(2))],
    )


def dissent_forms(*rows: dict[str, str], total: int = 2, initial: int = 0) -> dict[str, str]:
    data = {
        "dissent-TOTAL_FORMS": str(max(total, len(rows))),
        "dissent-INITIAL_FORMS": str(initial),
        "dissent-MIN_NUM_FORMS": "0",
        "dissent-MAX_NUM_FORMS": "1000",
    }
    for n in range(max(total, len(rows))):
        row = rows[n] if n < len(rows) else {}
        for name in ("membership", "name", "party", "reason"):
            data[f"dissent-{n}-{name}"] = row.get(name, "")
    return data


def decision_post(team: Team, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Interview carers as well as patients",
        "detail": "Carers see the crisis from outside.",
        "kind": "design",
        "method": "consensus",
        "stage": str(stage(2).pk),
        "decided_on": "2025-03-10",
        "activity": "",
        "present": [],
        "other_parties": [],
        "accountable": "",
        **dissent_forms(),
    }
    data.update(overrides)
    return data


def a_decision(team: Team, **fields: Any) -> Decision:
    values: dict[str, Any] = {
        "title": "Interview carers as well as patients",
        "kind": DecisionKind.DESIGN,
        "method": "consensus",
        "stage": stage(2),
        "decided_on": datetime.date(2025, 3, 10),
        "present": [member(team, team.alice)],
    }
    values.update(fields)
    return decision_save(by=team.alice, project=team.project, **values)


def test_record_a_decision_with_who_was_present_and_who_dissented(team: Team) -> None:
    meeting = an_activity(team)
    alice, paula = member(team, team.alice), member(team, team.paula)
    client = client_for(team.bob)

    response = client.post(
        url("decision_add", team),
        decision_post(
            team,
            activity=str(meeting.pk),
            present=[str(alice.pk), str(paula.pk)],
            other_parties=["public"],
            accountable=str(alice.pk),
            **dissent_forms(
                {"membership": str(paula.pk), "reason": "Carers may speak over patients."},
                {"name": "Dr Jones", "party": "policymaker", "reason": "Too costly."},
            ),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url("decisions", team)
    decision = Decision.objects.get(project=team.project)
    assert decision.title == "Interview carers as well as patients"
    assert (decision.kind, decision.method, decision.stage.number) == ("design", "consensus", 2)
    assert decision.activity == meeting
    assert set(decision.present.all()) == {alice, paula}
    assert decision.other_parties == ["public"]
    assert decision.accountable == alice
    assert decision.created_by == team.bob
    assert [(d.membership, d.name, d.party, d.reason) for d in decision.dissents.all()] == [
        (paula, "Paula Partner", "practitioner", "Carers may speak over patients."),
        (None, "Dr Jones", "policymaker", "Too costly."),
    ]
    assert AuditEvent.objects.filter(action="decision.record", target_id=str(decision.pk)).exists()
    assert AuditEvent.objects.filter(action="decision.dissent", target_id=str(decision.pk)).exists()
    page = text(client.get(url("decisions", team)))
    assert "Researcher, Public contributor or patient, Practitioner" in page
    assert "Paula Partner (Practitioner): Carers may speak over patients." in page
    assert "Dr Jones (Policymaker): Too costly." in page
    assert "at Steering meeting" in page
    assert "warning" not in page.split("Decisions and dissent", 1)[1].lower().split("<article")[0]


def test_edit_a_decision_replaces_its_dissent(team: Team) -> None:
    paula = member(team, team.paula)
    decision = a_decision(
        team,
        present=[member(team, team.alice), paula],
        dissents=[DissentInput(party="", reason="Too early.", membership=paula)],
    )
    client = client_for(team.alice)

    opened = client.get(url("decision_edit", team, decision_id=decision.pk))
    response = client.post(
        url("decision_edit", team, decision_id=decision.pk),
        decision_post(
            team,
            title="Interview carers, separately",
            present=[str(member(team, team.alice).pk)],
            version="1",
            **dissent_forms(
                {"name": "A carer", "party": "public", "reason": "Wants joint interviews."},
                initial=1,
            ),
        ),
    )

    assert opened.context["form"]["title"].value() == "Interview carers as well as patients"
    assert opened.context["dissents"].forms[0]["reason"].value() == "Too early."
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.title == "Interview carers, separately"
    assert decision.version == 2
    assert list(decision.dissents.values_list("name", "party")) == [("A carer", "public")]
    assert Dissent.objects.filter(membership=paula).count() == 0


def test_a_stale_decision_edit_is_refused_and_keeps_the_input(team: Team) -> None:
    decision = a_decision(team)
    bob = client_for(team.bob)
    edit = url("decision_edit", team, decision_id=decision.pk)
    opened = bob.get(edit).context["form"]["version"].value()
    a_decision(team, decision=decision, version=opened, title="Interview carers separately")

    response = bob.post(
        edit, decision_post(team, title="Interview carers together", version=str(opened))
    )

    assert response.status_code == 200
    assert STALE in text(response)
    assert response.context["form"]["title"].value() == "Interview carers together"
    assert response.context["form"]["version"].value() == "2"
    decision.refresh_from_db()
    assert (decision.title, decision.version) == ("Interview carers separately", 2)


def test_a_method_the_charter_does_not_allow_brings_a_warning(team: Team) -> None:
    start(team)
    a_decision(team, title="Publish in an open journal", kind="publication", method="vote")
    a_decision(team, title="Publish the summary first", kind="publication", method="consensus")

    page = text(client_for(team.olive).get(url("decisions", team)))

    assert "1 warning" in page
    assert (
        "Publish in an open journal</a>: Taken by vote, which the charter does not allow for "
        "publication and authorship." in page
    )
    assert "Publish the summary first</a>:" not in page


def test_the_warning_follows_the_current_charter(team: Team) -> None:
    start(team)
    a_decision(team, title="Publish in an open journal", kind="publication", method="vote")
    revise(team, methods={"publication": ["consensus", "lead", "vote"]})

    page = text(client_for(team.alice).get(url("decisions", team)))

    assert "does not allow" not in page


def test_without_a_charter_the_default_methods_apply(team: Team) -> None:
    a_decision(team, title="Hire a coordinator", kind="team", method="vote")

    page = text(client_for(team.alice).get(url("decisions", team)))

    assert "Taken by vote, which the charter does not allow for team membership and roles." in page


def test_a_decision_without_a_party_promised_a_say_brings_a_warning(team: Team) -> None:
    involvement_save(
        by=team.alice,
        project=team.project,
        party="public",
        stage=stage(2),
        level="involve",
        purpose="Shape the interview guide.",
    )
    a_decision(team, title="Researchers only")
    a_decision(team, title="With Carol", present=[member(team, team.carol)])
    a_decision(team, title="With a patient group", other_parties=["public"])
    a_decision(team, title="At stage three", stage=stage(3))

    page = text(client_for(team.alice).get(url("decisions", team)))

    assert "1 warning" in page
    assert (
        "Researchers only</a>: Taken at stage 2 without anyone from: public contributor or "
        "patient. "
        "The involvement plan promised them a say at this stage." in page
    )
    for title in ("With Carol</a>:", "With a patient group</a>:", "At stage three</a>:"):
        assert title not in page


def test_a_party_only_consulted_is_not_promised_a_say(team: Team) -> None:
    involvement_save(
        by=team.alice,
        project=team.project,
        party="practitioner",
        stage=stage(2),
        level="consult",
        purpose="Comment on the guide.",
    )
    a_decision(team, title="Researchers only")

    assert "without anyone from" not in text(client_for(team.alice).get(url("decisions", team)))


def test_decisions_page_lists_both_warnings_of_one_decision(team: Team) -> None:
    start(team)
    involvement_save(
        by=team.alice,
        project=team.project,
        party="practitioner",
        stage=stage(2),
        level="collaborate",
        purpose="Co-design.",
    )
    decision = a_decision(team, title="Drop the follow-up", kind="design", method="lead")

    response = client_for(team.alice).get(url("decisions", team))

    assert [w.decision for w in response.context["warnings"]] == [decision, decision]
    assert "2 warnings" in text(response)


def test_a_member_of_another_project_cannot_be_recorded_as_present(team: Team) -> None:
    other = Membership.objects.get(project__title="Oscar's own study")
    client = client_for(team.alice)

    response = client.post(
        url("decision_add", team),
        decision_post(team, present=[str(other.pk)], accountable=str(other.pk)),
    )
    with pytest.raises(ValidationError, match="must be a project member"):
        a_decision(team, present=[other])

    assert response.status_code == 200
    assert response.context["form"].has_error("present")
    assert response.context["form"].has_error("accountable")
    assert not Decision.objects.exists()


def test_an_activity_of_another_project_is_refused(team: Team) -> None:
    oscars = Project.objects.get(title="Oscar's own study")
    elsewhere = activity_save(
        by=team.oscar,
        project=oscars,
        kind="meeting",
        title="Oscar's meeting",
        date=datetime.date(2025, 3, 1),
        stage=stage(1),
        attendees=[AttendeeTime(team.oscar.person, attendance_hours=Decimal(1))],
    )

    response = client_for(team.alice).post(
        url("decision_add", team), decision_post(team, activity=str(elsewhere.pk))
    )
    with pytest.raises(ValidationError):
        a_decision(team, activity=elsewhere)

    assert response.context["form"].has_error("activity")
    assert not Decision.objects.exists()


def test_dissent_without_a_reason_is_refused_and_nothing_is_saved(team: Team) -> None:
    paula = member(team, team.paula)

    response = client_for(team.alice).post(
        url("decision_add", team),
        decision_post(team, **dissent_forms({"membership": str(paula.pk), "reason": ""})),
    )
    with pytest.raises(ValidationError, match="why each person dissented"):
        a_decision(team, dissents=[DissentInput(party="", reason="  ", membership=paula)])

    assert response.status_code == 200
    assert "Dissent 1, why they dissented: Record why they dissented." in text(response)
    assert not Decision.objects.exists()
    assert not Dissent.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="decision.").exists()


def test_dissent_from_a_non_member_needs_a_name_and_party(team: Team) -> None:
    response = client_for(team.alice).post(
        url("decision_add", team),
        decision_post(
            team, **dissent_forms({"reason": "Disagreed."}, {"name": "Someone", "reason": "No."})
        ),
    )

    page = text(response)
    assert response.status_code == 200
    assert "Choose the member who dissented, or give their name." in page
    assert "Give the party of someone who is not a member." in page
    assert not Decision.objects.exists()


# Whose voice counts ---------------------------------------------------------------------------


def meeting(team: Team, on: datetime.date, tally: dict[Any, int | None]) -> Activity:
    return activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title=f"Meeting {on:%B}",
        date=on,
        stage=stage(2),
        attendees=[
            AttendeeTime(user.person, attendance_hours=Decimal(2), contributions=n)
            for user, n in tally.items()
        ],
    )


@pytest.fixture
def six_meetings(team: Team) -> None:
    """Everyone comes three times and speaks twice each; then only Alice, Bob and Carol come,
    and Alice and Bob do most of the talking.

    Per person: contributions Alice 21, Bob 18, Carol 9, Paula 6, Olive 6 (60 in all);
    attendance 6, 6, 6, 3, 3. Gini of contributions: sorted 6, 6, 9, 18, 21, so
    2 * (6 + 12 + 27 + 72 + 105) / (5 * 60) - 6/5 = 0.28; of attendance
    2 * 81 / (5 * 24) - 6/5 = 0.15. The top two made 39 of 60: 65%. Over the last three
    meetings they made 27 of 30 (90%) among three people, and Paula and Olive have not come
    since.
    """
    everyone = {team.alice: 2, team.bob: 2, team.paula: 2, team.carol: 2, team.olive: 2}
    few = {team.alice: 5, team.bob: 4, team.carol: 1}
    for month, tally in enumerate([everyone, everyone, everyone, few, few, few], start=1):
        meeting(team, datetime.date(2025, month, 10), tally)


def test_voice_page_shows_the_figures_and_both_warnings_with_names_to_the_lead(
    team: Team, six_meetings: None
) -> None:
    response = client_for(team.alice).get(url("voice", team))

    page = text(response)
    summary = response.context["summary"]
    assert (summary.activities, summary.people, summary.contributions) == (6, 5, 60)
    assert float(summary.contribution_gini) == 0.28
    assert float(summary.attendance_gini) == 0.15
    assert "<dt>Gini coefficient of contributions</dt><dd>0.28" in page
    assert "<dt>Gini coefficient of attendance</dt><dd>0.15</dd>" in page
    assert "65% (Alice Lead and Bob Researcher)" in page
    assert "two voices dominate" in page
    assert (
        "Over the last 3 activities, two people made 90% of all 30 contributions, among 3 "
        "people who took part." in page
    )
    assert "The two most active: Alice Lead, Bob Researcher." in page
    assert "attendance is narrowing" in page
    assert (
        "5 different people came to the 3 activities before the last 3, and 3 to the last 3" in page
    )
    assert "Not seen since: Paula Partner, Olive Observer." in page
    assert response.context["chart"] is not None
    assert len(response.context["chart"].rows) == 6
    assert "How these figures are worked out" in page


@pytest.mark.parametrize("who", ["bob", "olive", "carol"])
def test_voice_page_hides_names_from_everyone_but_leads_and_coordinators(
    team: Team, six_meetings: None, who: str
) -> None:
    response = client_for(getattr(team, who)).get(url("voice", team))

    page = text(response)
    assert response.status_code == 200
    assert "65%" in page and "two voices dominate" in page and "attendance is narrowing" in page
    assert "Alice Lead and Bob Researcher" not in page
    assert "The two most active:" not in page
    assert "Not seen since:" not in page


def test_a_coordinator_sees_the_names(team: Team, six_meetings: None) -> None:
    coordinator = make_user("cora@example.org", name="Cora Coordinator")
    add_member(team.project, coordinator, "coordinator", by=team.alice)

    page = text(client_for(coordinator).get(url("voice", team)))

    assert "Not seen since: Paula Partner, Olive Observer." in page


def test_voice_window_can_be_chosen_and_bad_windows_fall_back_to_three(
    team: Team, six_meetings: None
) -> None:
    client = client_for(team.alice)

    two = client.get(url("voice", team), {"window": "2"})
    bad = [client.get(url("voice", team), {"window": w}) for w in ("1", "99", "x")]

    assert two.context["window"] == 2
    assert "Over the last 2 activities, two people made 90% of all 20 contributions" in text(two)
    assert [r.context["window"] for r in bad] == [3, 3, 3]


def test_voice_page_without_activities_says_so(team: Team) -> None:
    response = client_for(team.alice).get(url("voice", team))

    assert "No activities with attendance yet." in text(response)
    assert response.context["chart"] is None


def test_voice_counts_attendance_even_without_a_tally(team: Team) -> None:
    meeting(team, datetime.date(2025, 1, 10), {team.alice: None, team.bob: None})
    meeting(team, datetime.date(2025, 2, 10), {team.alice: None})

    response = client_for(team.alice).get(url("voice", team))

    summary = response.context["summary"]
    assert (summary.activities, summary.people, summary.contributions) == (2, 2, 0)
    assert "No contributions tallied" in text(response)


# Permissions ----------------------------------------------------------------------------------


def test_an_observer_may_read_but_not_change_governance(team: Team) -> None:
    start(team)
    decision = a_decision(team)
    client = client_for(team.olive)
    posts = [
        (url("charter_start", team), {}),
        (url("charter_edit", team), charter_post(team, 1, change_note="Observer's change")),
        (url("decision_add", team), decision_post(team)),
        (
            url("decision_edit", team, decision_id=decision.pk),
            decision_post(team, title="Changed", version="1"),
        ),
    ]

    statuses = [client.post(target, data).status_code for target, data in posts]
    reads = [
        client.get(url(name, team)).status_code
        for name in ("charter", "charter_history", "decisions", "voice")
    ]

    assert statuses == [403, 403, 403, 403]
    assert client.get(url("charter_edit", team)).status_code == 403
    assert reads == [200, 200, 200, 200]
    assert latest(team).number == 1
    assert Decision.objects.get().title == "Interview carers as well as patients"
    assert Decision.objects.count() == 1


@pytest.mark.parametrize("who", ["paula", "carol"])
def test_partners_and_public_contributors_cannot_edit_governance(team: Team, who: str) -> None:
    start(team)
    client = client_for(getattr(team, who))

    assert client.post(url("decision_add", team), decision_post(team)).status_code == 403
    assert client.post(url("charter_edit", team), charter_post(team, 1)).status_code == 403
    assert not Decision.objects.exists()


def test_an_outsider_gets_not_found_everywhere(team: Team) -> None:
    start(team)
    decision = a_decision(team)
    client = client_for(team.oscar)
    pages = [
        url(name, team)
        for name in (
            "charter",
            "charter_history",
            "decisions",
            "voice",
            "charter_edit",
            "decision_add",
        )
    ] + [url("decision_edit", team, decision_id=decision.pk)]
    posts = [
        (url("charter_start", team), {}),
        (url("charter_edit", team), charter_post(team, 1, change_note="x")),
        (url("charter_acknowledge", team, number=1), {}),
        (url("decision_add", team), decision_post(team)),
        (url("decision_edit", team, decision_id=decision.pk), decision_post(team, version="1")),
    ]

    assert [client.get(page).status_code for page in pages] == [404] * len(pages)
    assert [client.post(target, data).status_code for target, data in posts] == [404] * len(posts)
    assert Decision.objects.count() == 1
    assert latest(team).number == 1


def test_a_decision_of_another_project_is_not_found(team: Team) -> None:
    oscars = Project.objects.get(title="Oscar's own study")
    theirs = decision_save(
        by=team.oscar,
        project=oscars,
        title="Oscar's decision",
        kind="other",
        method="lead",
        stage=stage(1),
        decided_on=datetime.date(2025, 1, 1),
    )

    response = client_for(team.alice).get(url("decision_edit", team, decision_id=theirs.pk))

    assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(team: Team) -> None:
    response = client_for(None).get(url("charter", team))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_dissenter_not_recorded_as_present_is_saved_only_once_confirmed(team: Team) -> None:
    paula = member(team, team.paula)
    client = client_for(team.alice)
    form = decision_post(
        team,
        present=[str(member(team, team.alice).pk)],
        **dissent_forms({"membership": str(paula.pk), "reason": "Too early."}),
    )

    first = client.post(url("decision_add", team), form)

    assert first.status_code == 200
    assert "Paula Partner is recorded as dissenting but not as present" in text(first)
    assert "I have checked this, save anyway" in text(first)
    assert not Decision.objects.exists()
    assert client.post(url("decision_add", team), {**form, "confirmed": "on"}).status_code == 302
    assert Decision.objects.get().dissents.get().membership == paula


def test_editing_a_decision_does_not_ask_again_about_a_confirmed_dissenter(team: Team) -> None:
    paula = member(team, team.paula)
    decision = a_decision(
        team,
        dissents=[DissentInput(party="", reason="Too early.", membership=paula)],
        confirmed=True,
    )
    client = client_for(team.alice)

    response = client.post(
        url("decision_edit", team, decision_id=decision.pk),
        decision_post(
            team,
            title="Interview carers, separately",
            present=[str(member(team, team.alice).pk)],
            version="1",
            **dissent_forms({"membership": str(paula.pk), "reason": "Too early."}, initial=1),
        ),
    )

    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.title == "Interview carers, separately"
