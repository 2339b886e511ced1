"""The demo's burden pages, as one viewer sees them together: no sum or difference of their
figures gives away a group below the threshold. Before linked suppression, the crisis care
page's "Northbridge University" (8 people) minus "Researcher" (7 people) was its one
knowledge broker."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django.urls import reverse

from coproduce.accounts.models import Organisation
from coproduce.core.permissions import Permission, has_permission
from coproduce.costs import queries
from coproduce.projects.models import Membership, Project
from tests.integration.test_demo_costs import IMBALANCED, demo  # noqa: F401  (the fixture)
from tests.unit.test_burden_disclosure import leaks, shown_figures


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoBurdenDisclosure:
    def test_crisis_care_page_no_longer_gives_away_its_one_knowledge_broker(self) -> None:
        project = Project.objects.get(title=IMBALANCED)
        report = queries.burden_for_project(project)
        brokers = [p.person_id for p in report.people if p.party == "knowledge_broker"]

        figures = shown_figures("project", report, report.people)

        assert len(brokers) == 1
        broker = frozenset(brokers)
        assert not [
            (a.label, b.label)
            for a, b in itertools.permutations(figures, 2)
            if b.people <= a.people and a.people - b.people == broker
        ]
        everyone = [p.person_id for p in report.people]
        assert leaks(figures, everyone, report.threshold) == []

    def test_every_demo_project_page_isolates_no_small_group(self) -> None:
        for project in Project.objects.all():
            report = queries.burden_for_project(project)
            figures = shown_figures("project", report, report.people)
            everyone = [p.person_id for p in report.people]

            assert leaks(figures, everyone, report.threshold) == [], project.title

    def test_organisation_page_beside_each_project_page_isolates_no_small_group(self) -> None:
        for organisation in Organisation.objects.filter(projects__isnull=False).distinct():
            report = queries.burden_for_organisation(organisation)
            org_figures = shown_figures("organisation", report, report.people)
            everyone = [p.person_id for p in report.people]
            for project in organisation.projects.all():
                page = queries.burden_for_project(project)
                # Person by person, as the attacker's best case: the same people on both
                # pages, each grouped as that page groups them (the organisation's page by
                # the choice to be counted by it, the project's by general consent); a
                # figure is the set of people it adds up, whatever their hours.
                figures = org_figures + shown_figures(project.title, page, page.people, check=False)

                assert leaks(figures, everyone, report.threshold) == [], project.title

    def test_the_page_a_member_sees_says_why_groups_are_hidden(self, client: Client) -> None:
        project = Project.objects.get(title=IMBALANCED)
        viewer = next(
            m.person.user
            for m in Membership.objects.filter(project=project, person__user__isnull=False)
            if not has_permission(m.person.user, Permission.BURDEN_NAMED, project=project)
        )
        client.force_login(viewer)

        page = client.get(reverse("costs:burden", args=[project.pk])).content.decode()

        assert "hidden to protect a small group elsewhere on the page" in page
        assert "Person by person" not in page
