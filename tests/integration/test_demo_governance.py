"""The demo's charters, decisions, voice, findings, outputs and ledger."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from coproduce.accounts.models import Person, User
from coproduce.core.demo import DEMO_LEAD_EMAIL, HISTORY_ENDS, PROJECTS, load_portfolio
from coproduce.costs.models import CostItem
from coproduce.governance import queries, voice
from coproduce.governance.demo import DESIGN_GROUP, MAIN_PROJECT, STORIES
from coproduce.governance.models import Charter, Decision, Dissent
from coproduce.integrity import queries as integrity
from coproduce.integrity.demo import pdf
from coproduce.integrity.models import (
    ChainCheck,
    EarlyReleaseRequest,
    Finding,
    FramingOutcome,
    FramingRequest,
    LedgerEntry,
    Output,
)
from coproduce.projects.models import Project

DOMINANT = {"Marcus Reid", "Robert Ainsley"}


@pytest.fixture(scope="class")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker, media: Path) -> Iterator[None]:
    """The demo portfolio, loaded once for the class and rolled back after it: it writes
    hundreds of records through the services, which takes seconds. Each test runs in a
    savepoint inside this transaction. Output files go to a temporary MEDIA_ROOT."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        load_portfolio()
        yield
        transaction.set_rollback(True)


def main_project() -> Project:
    return Project.objects.get(title=MAIN_PROJECT)


def names(people_ids: list[int]) -> set[str]:
    return set(Person.objects.filter(pk__in=people_ids).values_list("name", flat=True))


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoGovernance:
    def test_every_demo_project_has_a_story(self) -> None:
        assert set(STORIES) == {spec.title for spec in PROJECTS}

    def test_every_project_has_an_acknowledged_charter_and_decisions(self) -> None:
        for project in Project.objects.all():
            version = queries.current_version(project)
            assert version is not None, project.title
            acknowledgements = queries.acknowledgements(project, version)
            assert acknowledgements.acknowledged, project.title
            assert Decision.objects.filter(project=project).exists(), project.title

    def test_decisions_fall_in_their_projects_history(self) -> None:
        for decision in Decision.objects.select_related("project", "activity", "stage"):
            project = decision.project
            assert project.start_date is not None
            assert project.start_date <= decision.decided_on <= HISTORY_ENDS, decision.title
            assert decision.stage.number <= project.current_stage.number, decision.title
            if decision.activity is not None:
                assert decision.decided_on == decision.activity.date, decision.title
                assert decision.stage == decision.activity.stage, decision.title

    def test_main_charter_was_revised_and_some_members_have_not_acknowledged_it(self) -> None:
        project = main_project()
        versions = Charter.objects.get(project=project).versions.order_by("number")
        version = queries.current_version(project)
        assert version is not None

        acknowledgements = queries.acknowledgements(project, version)

        assert [v.number for v in versions] == [1, 2, 3]
        assert all(v.change_note for v in versions)
        assert "observer" in version.early_access
        assert len(acknowledgements.acknowledged) > len(acknowledgements.waiting) > 0
        assert {p.name for p in acknowledgements.waiting} >= {"Marcus Reid", "Patrick Doyle"}

    def test_a_public_contributor_dissented_with_a_reason(self) -> None:
        dissents = Dissent.objects.filter(decision__project=main_project())

        public = dissents.filter(party="public", membership__isnull=False)
        assert public.exists()
        assert not public.filter(reason="").exists()
        assert {d.name for d in public} >= {"Maureen Kelly"}
        for dissent in public:
            assert dissent.membership is not None
            assert dissent.membership.role == "public_contributor"

    def test_main_project_warns_of_a_disallowed_method_and_an_absent_promised_party(
        self,
    ) -> None:
        project = main_project()

        warnings = queries.decision_warnings(project, queries.decisions(project))

        texts = [w.text for w in warnings]
        assert len(warnings) == 2
        assert any("charter does not allow" in t and "funder" in t for t in texts)
        assert any("promised them a say" in t and "public" in t for t in texts)

    def test_other_projects_have_no_decision_warnings(self) -> None:
        for project in Project.objects.exclude(title=MAIN_PROJECT):
            assert queries.decision_warnings(project, queries.decisions(project)) == [], (
                project.title
            )

    def test_the_co_design_group_is_dominated_and_its_attendance_narrows(self) -> None:
        activities = queries.activity_voices(main_project())

        warnings = {w.kind: w for w in voice.usual_suspects(activities)}

        assert [a.title for a in activities[-6:]] == [
            f"{DESIGN_GROUP}, session {n}" for n in range(1, 7)
        ]
        assert set(warnings) == {"dominated", "narrowing"}
        assert names(warnings["dominated"].people) == DOMINANT
        dropped = names(warnings["narrowing"].people)
        assert len(dropped) >= 2
        assert "Rosa Delgado" in dropped

    def test_the_series_contributors_are_paid_at_the_hourly_rate(self) -> None:
        payments = CostItem.objects.filter(
            project=main_project(), description__startswith=DESIGN_GROUP
        )

        assert payments.count() == 6
        assert not payments.exclude(payee__party="public").exists()
        for payment in payments:
            assert payment.hours is not None and payment.rate == 25
            assert payment.amount == payment.hours * payment.rate

    def test_framing_requests_were_answered_with_reasons(self) -> None:
        requests = FramingRequest.objects.filter(finding__project=main_project())

        declined = requests.get(outcome=FramingOutcome.DECLINED)
        assert "communications" in declined.asked_by.lower()
        assert declined.reason and declined.response and declined.responded_at
        assert requests.filter(outcome=FramingOutcome.PARTLY).exclude(reason="").exists()
        assert not requests.filter(outcome=FramingOutcome.PENDING).exists()

    def test_findings_were_registered_before_review_one_revised_and_one_released(self) -> None:
        findings = Finding.objects.filter(project=main_project())

        provenances = [integrity.provenance(f) for f in findings]

        assert 3 <= len(provenances) <= 5
        assert all(p.registered_before_review for p in provenances)
        assert all(p.comments or p.framing for p in provenances)
        revised = [p for p in provenances if p.revisions]
        assert len(revised) == 1
        assert revised[0].revisions[0].payload["reason"]
        assert findings.filter(released_at__isnull=False).count() == 1
        assert "declined it, giving this reason" in " ".join(p.text() for p in provenances)

    def test_one_output_is_released_and_one_embargoed_after_a_refused_early_release(
        self,
    ) -> None:
        outputs = Output.objects.filter(project=main_project())
        today = timezone.localdate()

        released = [o for o in outputs if o.is_released()]
        embargoed = [o for o in outputs if not o.is_released()]
        assert len(released) == 1 and released[0].released_at is not None
        assert embargoed and all(o.release_date > today for o in embargoed)
        refused = EarlyReleaseRequest.objects.get(output__project=main_project())
        assert refused.decision == "refused" and refused.decision_reason
        assert refused.output in embargoed
        assert "Northern Health Research Fund" in refused.requested_by

    def test_embargoed_outputs_are_hidden_from_a_partner_and_shown_to_the_lead(self) -> None:
        project = main_project()
        lead = User.objects.get(email=DEMO_LEAD_EMAIL)
        partner = User.objects.get(person__name="Nadia Hussain")

        assert integrity.visible_outputs(lead, project).count() == 3
        assert [o.reference for o in integrity.visible_outputs(partner, project)] == ["O1"]

    def test_output_files_are_stored_in_media_root_with_their_hash(self, media: Path) -> None:
        assert Path(settings.MEDIA_ROOT) == media
        for output in Output.objects.all():
            path = Path(output.file.path)
            assert path.is_relative_to(media)
            content = path.read_bytes()
            assert content.startswith(b"%PDF-1.4") and content.endswith(b"%%EOF\n")
            assert hashlib.sha256(content).hexdigest() == output.sha256
            assert len(content) == output.size

    def test_every_output_file_is_named_by_its_hash(self) -> None:
        for output in Output.objects.all():
            assert output.file.name == f"outputs/{output.project_id}/{output.sha256}"

    def test_the_chains_are_intact_and_were_checked(self) -> None:
        audit, ledger = integrity.verify_audit_and_ledger()
        check = ChainCheck.objects.get()

        assert audit.intact and ledger.intact
        assert check.intact
        assert check.ledger_entries == LedgerEntry.objects.count() > 0

    def test_the_lead_sees_the_governance_and_integrity_pages(self) -> None:
        project = main_project()
        client = Client()
        client.force_login(User.objects.get(email=DEMO_LEAD_EMAIL))
        pages = {
            "governance:charter": ["Patrick Doyle", "Version 3"],
            "governance:decisions": ["Maureen Kelly", "promised them a say"],
            "governance:voice": ["<svg", "Attendance is narrowing"],
            "integrity:register": ["F1", "O2", "last checked"],
        }
        for name, expected in pages.items():
            response = client.get(reverse(name, kwargs={"project_id": project.pk}))

            assert response.status_code == 200, name
            html = response.content.decode()
            for text in expected:
                assert text in html, (name, text)


def test_demo_pdfs_are_the_same_bytes_for_the_same_text() -> None:
    first = pdf("A title (with brackets)", ["A paragraph " * 20, "Another."])

    assert first == pdf("A title (with brackets)", ["A paragraph " * 20, "Another."])
    assert b"\\(with brackets\\)" in first
    assert first != pdf("Another title", ["Another."])
