"""A deterministic, realistic demo portfolio, and synthetic projects for benchmarks.

Every name, organisation and project here is invented. People, memberships, projects and plans
are written through the services, so they carry a real audit trail (the organisations and logins
themselves are created directly); the synthetic projects use bulk inserts for speed.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from coproduce.accounts.models import Organisation, OrganisationMembership, Person, User
from coproduce.accounts.services import (
    invitation_accept,
    invitation_send,
    membership_sharing_update,
    organisation_founder_join,
    organisation_member_record,
    organisation_member_update,
    person_create,
    person_update_equity,
)
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.costs import services as costs
from coproduce.costs.models import (
    Activity,
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    MemberTerms,
    Rate,
    RateKind,
    RateUnit,
    ThresholdPeriod,
    TimeEntry,
)
from coproduce.costs.money import time_cost
from coproduce.costs.services import AttendeeTime
from coproduce.governance.demo import load_governance
from coproduce.integrity.demo import load_chain_check, load_integrity
from coproduce.participants.demo import load_participants
from coproduce.planning import services as planning
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.projects import services as projects
from coproduce.projects.models import Membership, Project
from coproduce.risks.demo import load_register

DEMO_PASSWORD = "coproduce-demo"
DEMO_LEAD_EMAIL = "amira.okafor@northbridge.example"
SYNTHETIC_ORGANISATION = "Synthetic Benchmark University"

ORGANISATIONS = [
    ("Northbridge University", "university"),
    ("Riverside NHS Foundation Trust", "health_service"),
    ("Department for Communities", "government"),
    ("Eastfield Community Health Forum", "community"),
    ("Mindful Futures", "charity"),
    ("Northern Health Research Fund", "funder"),
]

# name, party, organisation index or None, role title, (career, contract, gender), consent, login
PEOPLE: list[tuple[str, str, int | None, str, tuple[str, str, str], bool, bool]] = [
    (
        "Amira Okafor",
        "researcher",
        0,
        "Professor of Health Services Research",
        ("senior", "permanent", "woman"),
        True,
        True,
    ),
    (
        "Tom Heywood",
        "researcher",
        0,
        "Research Associate",
        ("early", "fixed_term", "man"),
        True,
        True,
    ),
    (
        "Priya Raman",
        "researcher",
        0,
        "Research Fellow",
        ("early", "fixed_term", "woman"),
        True,
        True,
    ),
    (
        "Joanna Kowalska",
        "researcher",
        0,
        "Doctoral Researcher",
        ("doctoral", "fixed_term", "woman"),
        True,
        False,
    ),
    ("Daniel Mensah", "researcher", 0, "Senior Lecturer", ("mid", "permanent", "man"), True, False),
    (
        "Helen Ashworth",
        "researcher",
        0,
        "Reader in Social Policy",
        ("senior", "permanent", "woman"),
        True,
        False,
    ),
    (
        "Sam Ellery",
        "researcher",
        0,
        "Research Assistant",
        ("early", "casual", "non_binary"),
        True,
        False,
    ),
    (
        "Grace Liu",
        "researcher",
        0,
        "Lecturer in Public Health",
        ("mid", "permanent", "woman"),
        False,
        False,
    ),
    (
        "Owen Pritchard",
        "researcher",
        0,
        "Doctoral Researcher",
        ("doctoral", "fixed_term", "man"),
        True,
        False,
    ),
    (
        "Fatima Bello",
        "knowledge_broker",
        0,
        "Public Involvement Lead",
        ("mid", "fixed_term", "woman"),
        True,
        True,
    ),
    (
        "Rachel Dunmore",
        "researcher",
        0,
        "Equality and Research Culture Officer",
        ("mid", "permanent", "woman"),
        True,
        True,
    ),
    (
        "Marcus Reid",
        "practitioner",
        1,
        "Consultant Psychiatrist",
        ("senior", "permanent", "man"),
        False,
        False,
    ),
    (
        "Nadia Hussain",
        "practitioner",
        1,
        "Community Mental Health Nurse",
        ("mid", "permanent", "woman"),
        True,
        True,
    ),
    (
        "Bernard Oyelaran",
        "practitioner",
        1,
        "Service Manager, Crisis Team",
        ("senior", "permanent", "man"),
        True,
        False,
    ),
    (
        "Chloe Barnes",
        "practitioner",
        1,
        "Occupational Therapist",
        ("early", "permanent", "woman"),
        True,
        False,
    ),
    (
        "Ian Fletcher",
        "practitioner",
        1,
        "Falls Prevention Lead",
        ("mid", "permanent", "man"),
        False,
        False,
    ),
    (
        "Catherine Moss",
        "policymaker",
        2,
        "Deputy Director, Housing Strategy",
        ("senior", "permanent", "woman"),
        False,
        True,
    ),
    ("Raj Patel", "policymaker", 2, "Policy Adviser", ("mid", "fixed_term", "man"), True, False),
    (
        "Eleanor Shaw",
        "policymaker",
        2,
        "Analyst, Warm Homes Programme",
        ("early", "permanent", "woman"),
        True,
        False,
    ),
    ("Winston Clarke", "civil_society", 3, "Forum Chair", ("", "unpaid", "man"), True, False),
    (
        "Aisha Rahman",
        "civil_society",
        3,
        "Community Organiser",
        ("", "casual", "woman"),
        True,
        False,
    ),
    (
        "Lena Novak",
        "civil_society",
        4,
        "Programme Manager",
        ("mid", "permanent", "woman"),
        True,
        False,
    ),
    ("Patrick Doyle", "funder", 5, "Programme Manager", ("mid", "permanent", "man"), False, False),
    (
        "Maureen Kelly",
        "public",
        None,
        "Lived experience adviser",
        ("", "unpaid", "woman"),
        True,
        True,
    ),
    ("Jamal Osei", "public", None, "Lived experience adviser", ("", "unpaid", "man"), True, False),
    (
        "Rosa Delgado",
        "public",
        None,
        "Carer and public contributor",
        ("", "unpaid", "woman"),
        True,
        False,
    ),
    ("Ken Watanabe", "public", None, "Public contributor", ("", "casual", "man"), False, False),
    ("Bethany Cole", "public", None, "Young carer adviser", ("", "unpaid", "woman"), True, False),
    ("Alfie Morgan", "public", None, "Young carer adviser", ("", "unpaid", "man"), True, False),
    ("Gloria Mbeki", "public", None, "Tenant representative", ("", "unpaid", "woman"), True, False),
    ("Harold Jennings", "public", None, "Patient partner", ("", "unpaid", "man"), False, False),
    ("Yusuf Demir", "public", None, "Community researcher", ("", "casual", "man"), True, False),
    ("Sofia Ricci", "public", None, "Patient partner", ("", "unpaid", "not_say"), True, False),
    (
        "Leah Thompson",
        "practitioner",
        None,
        "Head of Pastoral Care, Eastfield Academy",
        ("mid", "permanent", "woman"),
        True,
        False,
    ),
    # The crisis care team grew in its data collection stage. It is large enough that the burden
    # analysis can show every group, and its coordination has drifted onto junior women on
    # fixed-term contracts: the imbalance the paper warns about.
    (
        "Ewa Zielinska",
        "researcher",
        0,
        "Research Assistant",
        ("early", "fixed_term", "woman"),
        True,
        False,
    ),
    (
        "Hannah Price",
        "researcher",
        0,
        "Doctoral Researcher",
        ("doctoral", "fixed_term", "woman"),
        True,
        False,
    ),
    (
        "Mei Lin Tan",
        "researcher",
        0,
        "Research Associate",
        ("early", "fixed_term", "woman"),
        True,
        False,
    ),
    (
        "Niamh Byrne",
        "practitioner",
        1,
        "Trainee Clinical Psychologist",
        ("early", "not_say", "woman"),
        True,
        False,
    ),
    (
        "Robert Ainsley",
        "practitioner",
        1,
        "Consultant Clinical Psychologist",
        ("senior", "permanent", "man"),
        True,
        False,
    ),
    (
        "Simon Hart",
        "researcher",
        0,
        "Senior Lecturer in Mental Health Nursing",
        ("mid", "permanent", "man"),
        True,
        False,
    ),
    (
        "Gwen Parry",
        "practitioner",
        1,
        "Crisis Team Clinical Lead",
        ("mid", "permanent", "woman"),
        False,
        False,
    ),
    (
        "Derek Lawson",
        "public",
        None,
        "Peer support worker and public contributor",
        ("", "unpaid", "man"),
        False,
        False,
    ),
    (
        "Chris Adeyemi",
        "public",
        None,
        "Lived experience adviser",
        ("", "unpaid", "not_say"),
        True,
        False,
    ),
]


@dataclass(frozen=True)
class ProjectSpec:
    title: str
    summary: str
    funder: str
    stage: int
    approach: str
    why: str
    outcomes: str
    start: datetime.date
    # Who does the work behind the meetings: preparing, arranging, writing up.
    organisers: list[str]
    members: list[tuple[str, str]]  # person name, role
    contributions: list[tuple[str, str, str, list[int]]]  # party, kind, description, stages
    involvement: list[
        tuple[str, int, str, str, str, str]
    ]  # party, stage, level, purpose, alt, why not
    emphasis: dict[str, tuple[int, str]]


PROJECTS = [
    ProjectSpec(
        title="Shaping crisis care together",
        summary="Co-designing a new out-of-hours mental health crisis service with people who have used crisis care, their families and the staff who run it.",
        funder="Northern Health Research Fund",
        stage=3,
        approach="co_design",
        why="People who have been in crisis know what helps and what harms; the service will only be used if they shape it.",
        outcomes="Fewer repeat crisis presentations; a service people say they would return to; staff confidence in the new pathway.",
        start=datetime.date(2025, 2, 3),
        organisers=[
            "Joanna Kowalska",
            "Ewa Zielinska",
            "Hannah Price",
            "Mei Lin Tan",
            "Niamh Byrne",
        ],
        members=[
            ("Amira Okafor", "lead"),
            ("Tom Heywood", "coordinator"),
            ("Joanna Kowalska", "researcher"),
            ("Fatima Bello", "coordinator"),
            ("Marcus Reid", "partner"),
            ("Nadia Hussain", "partner"),
            ("Bernard Oyelaran", "partner"),
            ("Maureen Kelly", "public_contributor"),
            ("Jamal Osei", "public_contributor"),
            ("Rosa Delgado", "public_contributor"),
            ("Sofia Ricci", "public_contributor"),
            ("Patrick Doyle", "observer"),
            ("Ewa Zielinska", "researcher"),
            ("Hannah Price", "researcher"),
            ("Mei Lin Tan", "researcher"),
            ("Simon Hart", "researcher"),
            ("Niamh Byrne", "partner"),
            ("Robert Ainsley", "partner"),
            ("Gwen Parry", "partner"),
            ("Derek Lawson", "public_contributor"),
            ("Chris Adeyemi", "public_contributor"),
        ],
        contributions=[
            (
                "researcher",
                "methods_expertise",
                "Experience-based co-design and qualitative evaluation.",
                [1, 3, 4],
            ),
            (
                "researcher",
                "topic_expertise",
                "Evidence reviews on crisis alternatives to emergency departments.",
                [2, 5],
            ),
            (
                "practitioner",
                "access",
                "Access to the crisis team's sites and anonymised service data.",
                [3],
            ),
            (
                "practitioner",
                "topic_expertise",
                "How the current pathway really works at 3am.",
                [2, 4, 5],
            ),
            (
                "public",
                "lived_experience",
                "First-hand experience of crisis care and of caring for someone in crisis.",
                [1, 2, 3, 4, 5, 6],
            ),
            (
                "public",
                "networks",
                "Links to peer support groups who rarely take part in research.",
                [3, 6],
            ),
            (
                "knowledge_broker",
                "time",
                "Two days a week to organise meetings and support contributors.",
                [1, 2, 3, 4, 5, 6, 7],
            ),
            (
                "funder",
                "money",
                "Programme grant covering contributor payments and venue costs.",
                [1, 2, 3, 4, 5, 6, 7],
            ),
        ],
        involvement=[
            (
                "public",
                1,
                "collaborate",
                "Recruit and shape the lived experience panel.",
                "Advisory group of charity representatives",
                "Would not include people with recent crisis experience.",
            ),
            ("public", 2, "collaborate", "Set the priority questions for the new service.", "", ""),
            (
                "public",
                3,
                "involve",
                "Co-facilitate experience interviews with peer researchers.",
                "Researcher-only interviews",
                "People talk more openly to peers.",
            ),
            (
                "public",
                4,
                "collaborate",
                "Joint analysis workshops on the interview themes.",
                "",
                "",
            ),
            ("public", 5, "empower", "Choose which service features go forward.", "", ""),
            ("practitioner", 1, "involve", "Shape the team and agree access.", "", ""),
            ("practitioner", 2, "collaborate", "Frame questions the service can act on.", "", ""),
            ("practitioner", 3, "consult", "Check data collection fits shift patterns.", "", ""),
            (
                "practitioner",
                7,
                "collaborate",
                "Lead the implementation of the new pathway.",
                "",
                "",
            ),
            (
                "researcher",
                3,
                "empower",
                "Collect and manage the data to ethical standards.",
                "",
                "",
            ),
            (
                "knowledge_broker",
                6,
                "involve",
                "Plan accessible outputs for services and public.",
                "",
                "",
            ),
            ("funder", 1, "inform", "Keep the funder informed of team changes.", "", ""),
        ],
        emphasis={
            "controversy": (1, "Crisis care is debated, but the service wants the findings."),
            "conflicts_of_interest": (-1, "The trust runs the service we evaluate."),
            "urgency": (2, "Commissioning decision due next year."),
            "funder_values": (1, "The fund asks for co-design."),
            "programme_definition": (2, "The service is not yet designed."),
            "effectiveness_question": (1, ""),
            "dependence_on_cooperation": (2, "We need staff and site access throughout."),
        },
    ),
    ProjectSpec(
        title="Evaluating the Warm Homes grant",
        summary="An independent evaluation of a national grant for insulating the homes of low-income households, carried out with the government department that runs it.",
        funder="Department for Communities",
        stage=4,
        approach="ikt",
        why="The department needs findings it can use in the next spending review, and holds the data.",
        outcomes="Evidence on who the grant reaches and whether homes stay warmer; a better-targeted scheme.",
        start=datetime.date(2024, 10, 7),
        organisers=["Priya Raman", "Owen Pritchard"],
        members=[
            ("Helen Ashworth", "lead"),
            ("Priya Raman", "researcher"),
            ("Owen Pritchard", "researcher"),
            ("Amira Okafor", "observer"),
            ("Catherine Moss", "partner"),
            ("Raj Patel", "partner"),
            ("Eleanor Shaw", "partner"),
            ("Gloria Mbeki", "public_contributor"),
            ("Yusuf Demir", "public_contributor"),
        ],
        contributions=[
            (
                "policymaker",
                "money",
                "Funds the evaluation through a call-off contract.",
                [1, 2, 3, 4, 5, 6],
            ),
            (
                "policymaker",
                "political_context",
                "Timing of the spending review and ministers' priorities.",
                [2, 5, 6],
            ),
            (
                "policymaker",
                "access",
                "Administrative data on applications and installations.",
                [3],
            ),
            (
                "researcher",
                "methods_expertise",
                "Quasi-experimental evaluation and survey design.",
                [2, 3, 4],
            ),
            (
                "public",
                "lived_experience",
                "What applying for the grant is like for tenants.",
                [2, 3],
            ),
        ],
        involvement=[
            (
                "policymaker",
                2,
                "collaborate",
                "Agree evaluation questions the department can act on.",
                "",
                "",
            ),
            ("policymaker", 3, "consult", "Advise on data linkage and its limits.", "", ""),
            (
                "policymaker",
                4,
                "inform",
                "Hear emerging findings at set points.",
                "Joint analysis",
                "Independence: the department runs the scheme being evaluated.",
            ),
            ("policymaker", 5, "consult", "Comment on the feasibility of recommendations.", "", ""),
            (
                "policymaker",
                6,
                "inform",
                "Receive the report before publication under the agreed protocol.",
                "",
                "",
            ),
            (
                "public",
                2,
                "consult",
                "Test whether the questions matter to tenants.",
                "Published tenant surveys",
                "They say nothing about the grant's application process.",
            ),
            ("public", 3, "involve", "Peer interviews with grant applicants.", "", ""),
            ("researcher", 4, "empower", "Analyse and interpret independently.", "", ""),
        ],
        emphasis={
            "controversy": (-2, "The scheme is politically contested."),
            "conflicts_of_interest": (-2, "The department delivers the scheme."),
            "urgency": (1, "Spending review next year."),
            "funder_values": (-1, "The contract asks for an independent view."),
            "programme_definition": (-1, "The scheme rules are fixed."),
            "effectiveness_question": (-1, "The question is whether it works."),
            "dependence_on_cooperation": (1, "We need the department's data."),
        },
    ),
    ProjectSpec(
        title="Breathe Easy Eastfield",
        summary="A community health study of damp, mould and children's breathing in Eastfield, designed and carried out with local residents.",
        funder="Northern Health Research Fund",
        stage=2,
        approach="co_production",
        why="Residents raised the problem and know which homes and streets are affected; trust in outside researchers is low.",
        outcomes="Better evidence for residents' claims to landlords and the council; children's asthma better managed.",
        start=datetime.date(2026, 1, 12),
        organisers=["Sam Ellery", "Winston Clarke"],
        members=[
            ("Daniel Mensah", "lead"),
            ("Sam Ellery", "coordinator"),
            ("Joanna Kowalska", "researcher"),
            ("Winston Clarke", "partner"),
            ("Aisha Rahman", "partner"),
            ("Ken Watanabe", "public_contributor"),
            ("Harold Jennings", "public_contributor"),
            ("Yusuf Demir", "public_contributor"),
            ("Gloria Mbeki", "public_contributor"),
            ("Fatima Bello", "coordinator"),
        ],
        contributions=[
            (
                "civil_society",
                "networks",
                "The forum's contacts with tenants' associations and faith groups.",
                [1, 3, 6],
            ),
            (
                "civil_society",
                "political_context",
                "History of residents' complaints to landlords and the council.",
                [2],
            ),
            (
                "public",
                "lived_experience",
                "Living in affected homes and caring for children with asthma.",
                [2, 3, 4],
            ),
            (
                "researcher",
                "methods_expertise",
                "Environmental sampling and health survey methods.",
                [2, 3, 4],
            ),
        ],
        involvement=[
            ("civil_society", 1, "collaborate", "Co-chair the study steering group.", "", ""),
            ("civil_society", 2, "collaborate", "Set questions with residents.", "", ""),
            ("public", 1, "involve", "Join the steering group.", "", ""),
            (
                "public",
                2,
                "empower",
                "Choose the study questions at open meetings.",
                "Survey of residents' priorities",
                "Open meetings build trust a survey cannot.",
            ),
        ],
        emphasis={
            "controversy": (-1, "Landlords may dispute the findings."),
            "urgency": (2, "Children are ill now."),
            "dependence_on_cooperation": (2, "We need residents to let us into their homes."),
        },
    ),
    ProjectSpec(
        title="Young carers' voices in school health",
        summary="Working with young carers and school staff to decide what a school health service should offer pupils who care for family members.",
        funder="Mindful Futures",
        stage=1,
        approach="co_creation",
        why="Young carers are rarely asked; their needs are invisible in school health planning.",
        outcomes="A school health offer young carers helped design; a model other schools can follow.",
        start=datetime.date(2026, 6, 1),
        organisers=["Owen Pritchard"],
        members=[
            ("Priya Raman", "lead"),
            ("Owen Pritchard", "researcher"),
            ("Lena Novak", "partner"),
            ("Leah Thompson", "partner"),
            ("Bethany Cole", "public_contributor"),
            ("Alfie Morgan", "public_contributor"),
        ],
        contributions=[],
        involvement=[],
        emphasis={},
    ),
    ProjectSpec(
        title="Putting falls prevention into practice",
        summary="Supporting a hospital trust to roll out a falls prevention programme that an earlier study found effective, and learning what helps it stick.",
        funder="Riverside NHS Foundation Trust",
        stage=7,
        approach="engagement",
        why="Implementation fails when staff are not part of adapting the programme to their wards.",
        outcomes="Fewer inpatient falls; a record of what adaptation worked.",
        start=datetime.date(2024, 4, 15),
        organisers=["Tom Heywood"],
        members=[
            ("Grace Liu", "lead"),
            ("Tom Heywood", "researcher"),
            ("Ian Fletcher", "partner"),
            ("Chloe Barnes", "partner"),
            ("Harold Jennings", "public_contributor"),
        ],
        contributions=[
            ("practitioner", "time", "Ward staff time for training and audit.", [7]),
            (
                "researcher",
                "topic_expertise",
                "The original trial's findings and fidelity measures.",
                [5, 7],
            ),
        ],
        involvement=[
            ("practitioner", 7, "empower", "Ward teams adapt and run the programme.", "", ""),
            ("researcher", 7, "consult", "Advise on fidelity and measure falls.", "", ""),
            ("public", 6, "consult", "Check patient leaflets are clear.", "", ""),
        ],
        emphasis={
            "programme_definition": (-1, "The programme is well defined."),
            "dependence_on_cooperation": (2, "Nothing happens without ward staff."),
            "urgency": (1, ""),
            "effectiveness_question": (
                2,
                "We know it works; the question is how to make it work here.",
            ),
        },
    ),
]


def demo_exists() -> bool:
    return User.objects.filter(email=DEMO_LEAD_EMAIL).exists()


@transaction.atomic
def load_portfolio() -> None:
    """Create the demo organisations, people and projects (the caller checks they are absent)."""
    admin = User.objects.create_user(
        DEMO_LEAD_EMAIL, DEMO_PASSWORD, first_name="Amira", last_name="Okafor"
    )
    organisations = [
        Organisation.objects.create(name=name, kind=kind) for name, kind in ORGANISATIONS
    ]
    people: dict[str, Person] = {}
    for name, party, org, title, (career, contract, gender), consent, login in PEOPLE:
        user = admin if name == "Amira Okafor" else None
        if login and user is None:
            first, last = name.split(" ", 1)
            email = f"{first}.{last}".lower().replace(" ", "") + "@" + _domain(org)
            user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
        person = person_create(
            by=admin,
            name=name,
            party=party,
            role_title=title,
            user=user,
            organisation=organisations[org] if org is not None else None,
            email=user.email if user else "",
        )
        person_update_equity(
            by=user or admin,
            person=person,
            career_stage=career,
            contract=contract,
            gender=gender,
            gender_self_description="",
            equity_consent=consent,
        )
        if org is not None:
            _join(admin, organisations[org], person, counted=consent)
        people[name] = person
    stages = {s.number: s for s in Stage.objects.all()}
    criteria = {c.code: c for c in EmphasisCriterion.objects.all()}
    rates = {r.code: r for r in Rate.objects.filter(organisation__isnull=True, kind=RateKind.STAFF)}
    _load_rate_card(admin, organisations[0])
    for spec in PROJECTS:
        _load_project(spec, people, organisations[0], stages, criteria, rates)
    # Study participants and their data custodians, once the projects and teams exist.
    load_participants()
    # A check of the audit and ledger chains once everything is written, so the integrity
    # pages say when they were last checked.
    load_chain_check()


DEMO_ADMINS = {"Amira Okafor", "Nadia Hussain", "Catherine Moss"}
DEMO_EQUITY_OFFICERS = {"Rachel Dunmore"}
DEMO_PORTFOLIO_VIEWERS = {"Rachel Dunmore", "Amira Okafor"}


def _join(
    admin: User, organisation: Organisation, person: Person, *, counted: bool
) -> OrganisationMembership:
    """A demo person joins as anyone does: the lead founds her organisation, people with a
    login accept an invitation (and those who consented choose to be counted), and people
    without one are recorded."""
    if person.user is None:
        return organisation_member_record(by=admin, organisation=organisation, person=person)
    if person.user == admin:
        membership = organisation_member_update(
            by=admin,
            membership=organisation_founder_join(by=admin, organisation=organisation),
            is_admin=True,
            is_equity_officer=False,
            is_portfolio_viewer=person.name in DEMO_PORTFOLIO_VIEWERS,
        )
    else:
        invitation = invitation_send(
            by=admin,
            organisation=organisation,
            email=person.user.email,
            is_admin=person.name in DEMO_ADMINS,
            is_equity_officer=person.name in DEMO_EQUITY_OFFICERS,
            is_portfolio_viewer=person.name in DEMO_PORTFOLIO_VIEWERS,
        )
        membership = invitation_accept(by=person.user, invitation=invitation)
    if counted:
        membership = membership_sharing_update(
            by=person.user, membership=membership, counted_in_figures=True, seen_by_name=False
        )
    return membership


def _load_rate_card(by: User, host: Organisation) -> None:
    """The host's own card beside the shipped defaults: its half-day advisory fee and its
    finance office's yearly review line. Neither is used by the demo's costs, so the figures
    stay those of the shipped rates."""
    costs.rate_save(
        by=by,
        organisation=host,
        kind=RateKind.CONTRIBUTOR,
        label="Advisory panel half day (Northbridge)",
        unit=RateUnit.HALF_DAY,
        hours_in_unit=Decimal("3.5"),
        amount=Decimal("90.00"),
        currency="GBP",
        year=2025,
        source="Northbridge public involvement payment policy, 2025",
        note="Travel is reimbursed separately at cost.",
    )
    costs.threshold_save(
        by=by,
        organisation=host,
        name="Finance review of yearly payments to one person",
        period=ThresholdPeriod.YEAR,
        amount=Decimal("5000.00"),
        currency="GBP",
        valid_from=datetime.date(2025, 1, 1),
        valid_to=None,
        source="Northbridge finance regulations, section 12",
        note="Above this, the finance office checks the payments before the next one.",
    )


def _load_project(
    spec: ProjectSpec,
    people: dict[str, Person],
    host: Organisation,
    stages: dict[int, Stage],
    criteria: dict[str, EmphasisCriterion],
    rates: dict[str, Rate],
) -> None:
    # A lead without a login cannot act; the demo lead creates the project and hands it over.
    lead = people[spec.members[0][0]]
    by = lead.user or User.objects.get(email=DEMO_LEAD_EMAIL)
    project = projects.project_create(
        by=by,
        title=spec.title,
        organisation=host,
        current_stage=stages[spec.stage],
        approach=spec.approach,
        summary=spec.summary,
        funder=spec.funder,
        why_coproduce=spec.why,
        intended_outcomes=spec.outcomes,
        start_date=spec.start,
    )
    creator = Membership.objects.get(project=project)
    for name, role in spec.members:
        person = people[name]
        if person.pk == creator.person_id:
            projects.membership_update(
                by=by, membership=creator, role=role, is_data_custodian=role == "lead"
            )
        else:
            projects.membership_add(
                by=by, project=project, person=person, role=role, is_data_custodian=role == "lead"
            )
    for party, kind, description, numbers in spec.contributions:
        planning.contribution_create(
            by=by,
            project=project,
            party=party,
            kind=kind,
            description=description,
            stages=[stages[n] for n in numbers],
        )
    for party, number, level, purpose, alternative, why_not in spec.involvement:
        planning.involvement_save(
            by=by,
            project=project,
            party=party,
            stage=stages[number],
            level=level,
            purpose=purpose,
            alternative=alternative,
            alternative_rejected_because=why_not,
        )
    for code, (score, note) in spec.emphasis.items():
        planning.emphasis_rate(
            by=by, project=project, criterion=criteria[code], score=score, note=note
        )
    _load_history(spec, project, by=by, host=host, people=people, stages=stages, rates=rates)
    # The risk register, stage estimates and forecast runs, once the planned budget exists.
    load_register(project)
    # The charter, decisions and meeting series, then the findings and outputs.
    load_governance(project)
    load_integrity(project)
    # The demo lead steps out of projects that are not theirs only after setting them up, so
    # the change log never shows a non-member editing the plan.
    if not any(name == creator.person.name for name, _ in spec.members):
        projects.membership_remove(by=by, membership=creator)


def _domain(org: int | None) -> str:
    return {
        0: "northbridge.example",
        1: "riverside-nhs.example",
        2: "communities.example",
        3: "eastfield-forum.example",
    }.get(org if org is not None else -1, "public.example")


# The demo's history: activities, time, costs and payments.

HISTORY_ENDS = datetime.date(2026, 11, 20)
"""Every dated record in the demo falls on or before this day, so the demo reads as history."""

GBP = "GBP"
HALF_DAY_FEE = Decimal(75)
DAY_FEE = Decimal(150)
HOURLY_FEE = Decimal(25)
TEAM_ROLES = {"lead", "researcher", "coordinator"}
BUDGET_LINES: dict[str, str] = {
    CostCategory.STAFF_TIME: "Staff",
    CostCategory.KNOWLEDGE_BROKER: "Staff",
    CostCategory.CONTRIBUTOR_PAYMENT: "Public involvement",
    CostCategory.ACCESSIBILITY_CARE: "Public involvement",
    CostCategory.TRAINING: "Public involvement",
    CostCategory.TRAVEL: "Travel and subsistence",
    CostCategory.VENUE_CATERING: "Meetings and events",
}

# What a project does at each stage it goes through: kind, title, hours of attendance (0 for a
# review done at home) and who is invited. The organisers always take part.
STAGE_WORK: dict[int, list[tuple[str, str, str, str]]] = {
    1: [
        ("meeting", "Steering group: terms of reference", "2", "everyone"),
        ("workshop", "Getting to know each other and agreeing ground rules", "3", "working"),
    ],
    2: [
        ("workshop", "Setting the research questions together", "3", "working"),
        ("meeting", "Steering group: agreeing the questions", "2", "everyone"),
    ],
    3: [
        ("workshop", "Peer interviewer training", "6", "public"),
        ("interview", "Peer-led interviews, first round", "3", "public"),
        ("review", "Comments on the interview guide", "0", "public"),
    ],
    4: [
        ("workshop", "Joint analysis workshop", "3", "working"),
        ("review", "Comments on the emerging themes", "0", "working"),
        ("meeting", "Steering group: emerging findings", "2", "everyone"),
    ],
    5: [
        ("workshop", "Recommendations workshop", "6", "working"),
        ("review", "Comments on the draft recommendations", "0", "working"),
    ],
    6: [
        ("review", "Comments on the plain-language summary", "0", "public"),
        ("event", "Sharing the findings", "3", "everyone"),
    ],
    7: [
        ("meeting", "Implementation group", "2", "partners"),
        ("workshop", "Adapting the programme on the wards", "3", "partners"),
        ("review", "Comments on the ward audit results", "0", "partners"),
    ],
}

# A member's time is costed at the shipped staff rate nearest their role title (first match).
# Practice and policy partners are valued at the nearest illustrative academic grade.
RATE_BY_TITLE = (
    ("doctoral", "staff-doctoral-2025"),
    ("professor", "staff-professor-2025"),
    ("reader", "staff-senior-lecturer-2025"),
    ("senior lecturer", "staff-senior-lecturer-2025"),
    ("lecturer", "staff-lecturer-2025"),
    ("involvement lead", "staff-knowledge-broker-2025"),
    ("research", "staff-research-associate-2025"),
    ("trainee", "staff-research-associate-2025"),
    ("consultant", "staff-senior-lecturer-2025"),
    ("director", "staff-senior-lecturer-2025"),
    ("manager", "staff-lecturer-2025"),
    ("head of", "staff-lecturer-2025"),
    ("lead", "staff-lecturer-2025"),
    ("adviser", "staff-lecturer-2025"),
    ("nurse", "staff-research-associate-2025"),
    ("therapist", "staff-research-associate-2025"),
    ("analyst", "staff-research-associate-2025"),
    ("organiser", "staff-research-associate-2025"),
)


def staff_rate_code(person: Person) -> str | None:
    """The shipped staff rate for a member's time; None for public contributors, who are paid
    through recorded payments instead, and for volunteers."""
    if person.party == "public":
        return None
    title = person.role_title.lower()
    return next((code for keyword, code in RATE_BY_TITLE if keyword in title), None)


def _pick(rng: random.Random, *values: str) -> Decimal:
    return Decimal(rng.choice(values))


@dataclass(frozen=True)
class _Team:
    """A demo project as its history is written: who is in it, in what role, and who acts."""

    project: Project
    spec: ProjectSpec
    by: User
    host: Organisation
    roles: dict[str, str]  # person name -> project role
    people: dict[str, Person]
    stages: dict[int, Stage]

    @property
    def public(self) -> list[Person]:
        return [self.people[n] for n, role in self.roles.items() if role == "public_contributor"]

    def invited(self, audience: str) -> list[Person]:
        wanted = {
            "everyone": set(self.roles.values()),
            "working": set(self.roles.values()) - {"observer"},
            "public": TEAM_ROLES | {"public_contributor"},
            "partners": TEAM_ROLES | {"partner"},
        }[audience]
        names = [n for n, role in self.roles.items() if role in wanted or n in self.spec.organisers]
        return [self.people[n] for n in names]


def _load_history(
    spec: ProjectSpec,
    project: Project,
    *,
    by: User,
    host: Organisation,
    people: dict[str, Person],
    stages: dict[int, Stage],
    rates: dict[str, Rate],
) -> None:
    """Member terms, a planned budget, and the activities, time, costs and payments of the
    stages the project has been through, all through the services."""
    rng = random.Random(spec.title)
    team = _Team(project, spec, by, host, dict(spec.members), people, stages)
    terms = _set_terms(team, rates)
    _plan_budget(team, terms)
    span = (HISTORY_ENDS - spec.start).days
    for number in range(1, spec.stage + 1):
        begins = spec.start + datetime.timedelta(days=span * (number - 1) // spec.stage)
        ends = spec.start + datetime.timedelta(days=span * number // spec.stage)
        _load_stage(team, rng, number, begins, ends)


def _set_terms(team: _Team, rates: dict[str, Rate]) -> dict[str, MemberTerms]:
    """Staff time at a rate by grade, paid by the project if they work for the host, by their
    own organisation (in kind) if not; doctoral researchers' time is absorbed (unfunded);
    public contributors have no rate, because they are paid through payments."""
    terms = {}
    memberships = Membership.objects.filter(project=team.project, person__name__in=team.roles)
    for membership in memberships.select_related("person"):
        person = membership.person
        code = staff_rate_code(person)
        if person.party == "public":
            defrayed_by = DefrayedBy.PROJECT_BUDGET
        elif code == "staff-doctoral-2025":
            defrayed_by = DefrayedBy.UNFUNDED
        elif person.organisation_id == team.host.pk:
            defrayed_by = DefrayedBy.PROJECT_BUDGET
        else:
            defrayed_by = DefrayedBy.PARTNER_IN_KIND
        terms[person.name] = costs.member_terms_set(
            by=team.by,
            membership=membership,
            rate=rates[code] if code else None,
            defrayed_by=defrayed_by,
        )
    return terms


def _plan_budget(team: _Team, terms: dict[str, MemberTerms]) -> None:
    """The planned budget for the stages reached and the next two: the host's grant, and the
    partners' time they give in kind."""
    public, size = team.public, len(team.roles)
    # Time is planned per group at the group's average hourly rate. Absorbed (unfunded) time is
    # never planned: it shows only in the actuals.
    groups: dict[tuple[str, str, Organisation], list[Decimal]] = {}
    for name, t in terms.items():
        in_kind = t.defrayed_by == DefrayedBy.PARTNER_IN_KIND
        bearer = team.people[name].organisation if in_kind else team.host
        if t.rate is not None and t.defrayed_by != DefrayedBy.UNFUNDED and bearer is not None:
            broker = t.rate.code == "staff-knowledge-broker-2025"
            category: str = CostCategory.KNOWLEDGE_BROKER if broker else CostCategory.STAFF_TIME
            groups.setdefault((category, t.defrayed_by, bearer), []).append(t.rate.amount)

    def plan(
        stage: Stage,
        category: str,
        description: str,
        *,
        amount: Decimal | None = None,
        hours: Decimal | None = None,
        rate: Decimal | None = None,
        defrayed_by: str = DefrayedBy.PROJECT_BUDGET,
        bearer: Organisation = team.host,
    ) -> None:
        in_kind = defrayed_by == DefrayedBy.PARTNER_IN_KIND
        costs.cost_item_create(
            by=team.by,
            project=team.project,
            status=CostStatus.PLANNED,
            category=category,
            stage=stage,
            description=description,
            defrayed_by=defrayed_by,
            currency=GBP,
            bearer_organisation=bearer,
            budget_line="" if in_kind else BUDGET_LINES[category],
            amount=amount,
            hours=hours,
            rate=rate,
        )

    for number in range(1, min(team.spec.stage + 2, 7) + 1):
        stage = team.stages[number]
        sessions = 2 if number in {2, 3, 4} else 1
        plan(
            stage,
            CostCategory.VENUE_CATERING,
            "Rooms and refreshments for meetings and workshops",
            amount=Decimal(120 + 15 * size * sessions),
        )
        plan(
            stage,
            CostCategory.TRAVEL,
            "Travel for contributors and the team",
            amount=Decimal(60 + 25 * len(public) * sessions),
        )
        if public:
            plan(
                stage,
                CostCategory.CONTRIBUTOR_PAYMENT,
                f"Payments to {len(public)} public contributors, {sessions} half day(s) each",
                amount=HALF_DAY_FEE * len(public) * sessions,
            )
            plan(
                stage,
                CostCategory.ACCESSIBILITY_CARE,
                "Care cover, interpreters and accessible papers",
                amount=Decimal(90 * sessions),
            )
        if number in {1, 3}:
            plan(
                stage,
                CostCategory.TRAINING,
                "Involvement training for contributors and researchers",
                amount=Decimal(650),
            )
        for (category, defrayed_by, bearer), rates in groups.items():
            in_kind = defrayed_by == DefrayedBy.PARTNER_IN_KIND
            each = 8 if in_kind else 20
            people = f"{len(rates)} {'person' if len(rates) == 1 else 'people'}"
            plan(
                stage,
                category,
                f"{bearer if in_kind else 'Team'} time: {people}, {each} hours each",
                hours=Decimal(each * len(rates)),
                rate=(sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.01")),
                defrayed_by=defrayed_by,
                bearer=bearer,
            )


def _load_stage(
    team: _Team,
    rng: random.Random,
    number: int,
    begins: datetime.date,
    ends: datetime.date,
) -> None:
    work = STAGE_WORK[number]
    stage = team.stages[number]
    day = begins
    for index, (kind, title, hours, audience) in enumerate(work):
        if kind == "interview":
            # Interviews follow the training within the week: two payments in one week.
            day = day + datetime.timedelta(days=2)
        else:
            day = begins + (ends - begins) * (index + 1) // (len(work) + 1)
            # Tuesdays and Wednesdays, when most people can come.
            day = day - datetime.timedelta(days=day.weekday()) + datetime.timedelta(1 + index % 2)
        attendees = [
            _attendee_time(rng, team, person, attendance=Decimal(hours))
            for person in team.invited(audience)
        ]
        activity = costs.activity_save(
            by=team.by,
            project=team.project,
            kind=kind,
            title=title,
            date=day,
            stage=stage,
            attendees=attendees,
            organiser=team.people[team.spec.organisers[0]],
            duration=Decimal(hours),
            confirmed=True,  # the history as it happened: its warnings were checked
        )
        _activity_costs(team, rng, activity, attendees)
    # The organisers' work between meetings: arranging them in funded hours, and writing them up
    # in the evenings, absorbed.
    between = ends - datetime.timedelta(days=ends.weekday() + 4)
    lead_organiser = team.people[team.spec.organisers[0]]
    costs.time_entry_create(
        by=team.by,
        project=team.project,
        person=lead_organiser,
        stage=stage,
        date=between,
        description="Arranging rooms, travel and contributor payments",
        administration_hours=_pick(rng, "3", "4", "5"),
    )
    for name in team.spec.organisers:
        costs.time_entry_create(
            by=team.by,
            project=team.project,
            person=team.people[name],
            stage=stage,
            date=between,
            description="Writing up notes and chasing actions, in the evenings",
            follow_up_hours=_pick(rng, "2.5", "3", "4", "5"),
            defrayed_by=DefrayedBy.UNFUNDED,
        )


def _attendee_time(
    rng: random.Random, team: _Team, person: Person, *, attendance: Decimal
) -> AttendeeTime:
    role = team.roles.get(person.name, "")
    at_home = not attendance
    if person.name in team.spec.organisers:
        preparation = _pick(rng, "1.5", "2") if at_home else _pick(rng, "2", "2.5", "3", "4")
        administration = _pick(rng, "1.5", "2", "2.5", "3")
        follow_up = _pick(rng, "1", "1.5", "2", "2.5")
        said = rng.randint(0, 3)
    elif role == "lead":
        preparation, administration, follow_up = _pick(rng, "1", "1.5"), Decimal(0), Decimal("0.5")
        said = rng.randint(6, 12)
    else:
        preparation = _pick(rng, "1", "1.5", "2") if at_home else _pick(rng, "0", "0.5", "1")
        administration = Decimal(0)
        follow_up = _pick(rng, "0.5", "1") if at_home else _pick(rng, "0", "0", "0.5")
        said = {"partner": rng.randint(3, 9), "public_contributor": rng.randint(2, 7)}.get(
            role, rng.randint(0, 4)
        )
    return AttendeeTime(
        person=person,
        attendance_hours=attendance,
        preparation_hours=preparation,
        administration_hours=administration,
        follow_up_hours=follow_up,
        contributions=None if at_home else said,
    )


def _activity_costs(
    team: _Team, rng: random.Random, activity: Activity, attendees: list[AttendeeTime]
) -> None:
    """What an activity cost: the room, travel, care, training, and a payment to each public
    contributor at the NIHR rates."""
    by, project, stage, day = team.by, team.project, activity.stage, activity.date

    def spend(category: str, description: str, amount: Decimal, **fields: Any) -> CostItem:
        fields.setdefault("bearer_organisation", None if "bearer_person" in fields else team.host)
        fields.setdefault("defrayed_by", DefrayedBy.PROJECT_BUDGET)
        funded = fields["defrayed_by"] == DefrayedBy.PROJECT_BUDGET
        fields.setdefault("budget_line", BUDGET_LINES.get(category, "") if funded else "")
        return costs.cost_item_create(
            by=by,
            project=project,
            status=CostStatus.ACTUAL,
            category=category,
            stage=stage,
            description=description,
            currency=GBP,
            date=day,
            amount=amount,
            **fields,
            confirmed=True,  # the history as it happened: its warnings were checked
        )

    in_person = activity.kind != "review"
    partner = next(
        (
            p.organisation
            for p in (a.person for a in attendees)
            if p.organisation is not None and p.organisation_id != team.host.pk
        ),
        None,
    )
    if activity.kind == "meeting" and partner is not None:
        spend(
            CostCategory.VENUE_CATERING,
            f"Meeting room and refreshments given by {partner}",
            Decimal(90),
            bearer_organisation=partner,
            defrayed_by=DefrayedBy.PARTNER_IN_KIND,
        )
    elif in_person:
        spend(
            CostCategory.VENUE_CATERING,
            f"Room hire and lunch: {activity.title}",
            Decimal(140 + 11 * len(attendees)),
        )
    if "training" in activity.title.lower() or (activity.kind == "workshop" and stage.number == 1):
        spend(CostCategory.TRAINING, f"Facilitator's fee: {activity.title}", Decimal(650))
    if activity.kind == "interview" or (activity.kind == "meeting" and partner is not None):
        # Junior researchers rarely claim their mileage: the cost stays with them.
        spend(
            CostCategory.TRAVEL,
            f"Mileage, not claimed: {activity.title}",
            _pick(rng, "12.60", "18.90", "27.00"),
            bearer_person=team.people[team.spec.organisers[0]],
            defrayed_by=DefrayedBy.UNFUNDED,
        )
    for attendee in attendees:
        person = attendee.person
        if team.roles.get(person.name) != "public_contributor":
            continue
        # NIHR rates: a day, a half day, or by the hour for shorter work such as reading.
        hours: Decimal | None = None
        if attendee.attendance_hours >= 6:
            rate, amount = "day rate", DAY_FEE
        elif attendee.attendance_hours >= 3:
            rate, amount = "half-day rate", HALF_DAY_FEE
        else:
            rate, amount, hours = "hourly rate", attendee.hours * HOURLY_FEE, attendee.hours
        costs.cost_item_create(
            by=by,
            project=project,
            status=CostStatus.ACTUAL,
            category=CostCategory.CONTRIBUTOR_PAYMENT,
            stage=stage,
            description=f"{activity.title}: payment at the NIHR {rate}",
            defrayed_by=DefrayedBy.PROJECT_BUDGET,
            currency=GBP,
            bearer_organisation=team.host,
            payee=person,
            budget_line="Public involvement",
            date=day,
            amount=amount,
            hours=hours,
            rate=HOURLY_FEE if hours is not None else None,
            confirmed=True,  # the history as it happened: its warnings were checked
        )
        if in_person and rng.random() < 0.3:
            spend(
                CostCategory.TRAVEL,
                f"Bus and taxi fares, reimbursed: {activity.title}",
                _pick(rng, "6.40", "9.80", "14.20", "22.50"),
                bearer_person=person,
            )
        if in_person and "carer" in person.role_title.lower():
            spend(
                CostCategory.ACCESSIBILITY_CARE,
                "Replacement care so a carer could take part",
                Decimal(48),
            )


# Synthetic volume, for benchmarks.

SYNTHETIC_BATCH = 20
"""Projects per round of inserts: memory stays flat at any scale."""
BUSY_ORGANISATION = "Busy Benchmark Trust"
BUSY_PROJECT_TITLE = "Busy study"
PARTIES = ["researcher", "public", "practitioner", "policymaker", "knowledge_broker"]


def _hours(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v).quantize(Decimal("0.01")) for v in values)


# Hours are drawn from small pools of exact values (repeats weight the draw). Organisers carry
# the preparation, administration and follow-up, as in the demo's crisis care project.
ATTENDANCE = _hours("0", "0", "1", "1.5", "2", "2", "3", "3.5", "6")
PREPARATION = _hours("0", "0", "0", "0.5", "0.5", "1", "1.5", "2")
ADMINISTRATION = _hours("0", "0", "0", "0", "0", "0.5", "1")
FOLLOW_UP = _hours("0", "0", "0", "0.5", "1")
ORGANISER_PREPARATION = _hours("0.5", "1", "2", "2.5", "3", "4")
ORGANISER_ADMINISTRATION = _hours("0", "1", "1.5", "2", "3")
ORGANISER_FOLLOW_UP = _hours("0", "0.5", "1", "2")
ONE_HOUR = Decimal("1.00")
# Rows bypass the model fields, so values are plain database values, not choice enums.
UNFUNDED = DefrayedBy.UNFUNDED.value
TIME_ENTRY_COLUMNS = (
    "project",
    "person",
    "activity",
    "stage",
    "date",
    "description",
    "attendance_hours",
    "preparation_hours",
    "administration_hours",
    "follow_up_hours",
    "contributions",
    "defrayed_by",
    "rate",
    "rate_amount",
    "rate_hours",
    "currency",
    "cost",
    "created_at",
    "created_by",
)


@dataclass(frozen=True)
class _Member:
    """A synthetic project member, with what an hour of their time costs and who pays for it."""

    person: Person
    role: str
    organiser: bool
    rate: Rate | None
    hourly: Decimal | None
    defrayed_by: str


def _synthetic_members(
    rng: random.Random,
    label: str,
    count: int,
    organisation: Organisation,
    rates: dict[str, Rate],
) -> list[_Member]:
    """Unsaved people for one project: a lead, then the parties in turn. Researchers after the
    lead and the knowledge broker organise; they are more often junior, on fixed terms, women."""
    members = []
    for n in range(count):
        party = PARTIES[n % len(PARTIES)]
        organiser = n > 0 and party in {"researcher", "knowledge_broker"}
        if organiser:
            equity = (
                rng.choice(["doctoral", "early", "early", "mid"]),
                rng.choice(["fixed_term", "fixed_term", "casual", "permanent"]),
                rng.choice(["woman", "woman", "non_binary", "man"]),
            )
        else:
            equity = (
                rng.choice(["doctoral", "early", "mid", "senior", "senior", ""]),
                rng.choice(["permanent", "permanent", "fixed_term", "casual", "unpaid"]),
                rng.choice(["woman", "man", "man", "non_binary", "not_say"]),
            )
        person = Person(
            name=f"Synthetic person {label}-{n + 1}",
            party=party,
            organisation=organisation if party in {"researcher", "knowledge_broker"} else None,
            career_stage=equity[0],
            contract=equity[1],
            gender=equity[2],
            equity_consent=rng.random() < 0.8,
        )
        if n == 0:
            role, code = "lead", rng.choice(["staff-professor-2025", "staff-senior-lecturer-2025"])
        elif party == "researcher":
            role = rng.choice(["researcher", "coordinator"])
            code = (
                "staff-doctoral-2025"
                if equity[0] == "doctoral"
                else rng.choice(["staff-research-associate-2025", "staff-lecturer-2025"])
            )
        elif party == "knowledge_broker":
            role, code = "coordinator", "staff-knowledge-broker-2025"
        elif party == "public":
            role, code = "public_contributor", ""
        else:
            role, code = rng.choice(["partner", "observer"]), "staff-lecturer-2025"
        if code == "staff-doctoral-2025":
            defrayed_by = DefrayedBy.UNFUNDED.value
        elif party in {"public", "researcher", "knowledge_broker"}:
            defrayed_by = DefrayedBy.PROJECT_BUDGET.value
        else:
            defrayed_by = DefrayedBy.PARTNER_IN_KIND.value
        rate = rates.get(code)
        hourly = rate.hourly if rate is not None else None
        members.append(_Member(person, role, organiser, rate, hourly, defrayed_by))
    return members


def _time_entry_row(
    rng: random.Random,
    *,
    project_id: int,
    member: _Member,
    stage_id: int,
    day: datetime.date,
    created_at: object,
    activity_id: int | None = None,
) -> tuple[object, ...]:
    """One time entry as a row of TIME_ENTRY_COLUMNS: hours by kind (at least one above zero),
    and its cost at the member's rate, exactly."""
    heavy = member.organiser
    attendance = rng.choice(ATTENDANCE)
    preparation = rng.choice(ORGANISER_PREPARATION if heavy else PREPARATION)
    administration = rng.choice(ORGANISER_ADMINISTRATION if heavy else ADMINISTRATION)
    follow_up = rng.choice(ORGANISER_FOLLOW_UP if heavy else FOLLOW_UP)
    if not (attendance or preparation or administration or follow_up):
        attendance = ONE_HOUR
    rate = member.rate
    hours = attendance + preparation + administration + follow_up
    cost = time_cost(hours, rate.amount, rate.hours_in_unit) if rate is not None else None
    return (
        project_id,
        member.person.pk,
        activity_id,
        stage_id,
        day,
        "",
        attendance,
        preparation,
        administration,
        follow_up,
        None if rng.random() < 0.4 else rng.randrange(9),
        UNFUNDED if rng.random() < 0.12 else member.defrayed_by,
        member.hourly,
        rate.amount if rate is not None else None,
        rate.hours_in_unit if rate is not None else None,
        GBP if rate is not None else "",
        cost,
        created_at,
        None,
    )


def _insert_rows(
    model: type[Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert plain rows (ids, Decimal, date, str, None, in `columns` order) with one prepared
    statement, in batches.

    For benchmark volumes only: building a model instance per row and preparing every field,
    as bulk_create does, costs several times the insert itself (measured on SQLite: about
    100 microseconds a row against 20), which at a million time entries is minutes.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(_column(model, name)) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, 10_000):
            cursor.executemany(sql, batch)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _stage_day(rng: random.Random, start: datetime.date, current: int) -> tuple[int, datetime.date]:
    """A stage reached, and a day in it: the time from start to HISTORY_ENDS split evenly."""
    span = (HISTORY_ENDS - start).days
    number = 1 + int(rng.random() * current)
    return number, start + datetime.timedelta(
        days=int(span * (number - 1 + rng.random()) / current)
    )


@transaction.atomic
def load_synthetic(
    count: int,
    *,
    members_per_project: int = 12,
    entries_per_project: int = 20,
    seed: int = 2019,
) -> int:
    """Add `count` synthetic projects for benchmarks: people with varied (mostly consented)
    equity attributes, member terms, contributions, involvement, scores, a few cost items and
    `entries_per_project` time entries each. Deterministic for a given seed and starting state.
    Bulk inserts, a batch of projects at a time, with no query per row."""
    rng = random.Random(seed)
    organisation, _ = Organisation.objects.get_or_create(
        name=SYNTHETIC_ORGANISATION, defaults={"kind": "university"}
    )
    context = _SyntheticContext.load()
    start = Project.objects.filter(organisation=organisation).count()
    for first in range(start, start + count, SYNTHETIC_BATCH):
        numbers = range(first + 1, min(first + SYNTHETIC_BATCH, start + count) + 1)
        _synthetic_batch(
            rng, context, organisation, numbers, members_per_project, entries_per_project
        )
    return count


@dataclass(frozen=True)
class _SyntheticContext:
    """The reference rows every synthetic project uses, read once."""

    stages: list[Stage]
    criteria: list[EmphasisCriterion]
    rates: dict[str, Rate]
    kinds: list[str]

    @classmethod
    def load(cls) -> _SyntheticContext:
        return cls(
            stages=list(Stage.objects.all()),
            criteria=list(EmphasisCriterion.objects.all()),
            rates={r.code: r for r in Rate.objects.filter(organisation__isnull=True)},
            kinds=[k for k, _ in Contribution._meta.get_field("kind").choices],  # type: ignore[union-attr]
        )


def _synthetic_batch(
    rng: random.Random,
    context: _SyntheticContext,
    organisation: Organisation,
    numbers: range,
    members_per_project: int,
    entries_per_project: int,
) -> None:
    stages = context.stages
    levels = ["inform", "consult", "involve", "collaborate", "empower"]
    projects = Project.objects.bulk_create(
        Project(
            title=f"Synthetic study {number:05d}",
            organisation=organisation,
            current_stage=rng.choice(stages),
            start_date=datetime.date(2021, 1, 4) + datetime.timedelta(days=rng.randrange(1500)),
            summary="Generated for benchmarks.",
        )
        for number in numbers
    )
    teams = [
        _synthetic_members(rng, str(number), members_per_project, organisation, context.rates)
        for number in numbers
    ]
    Person.objects.bulk_create(m.person for team in teams for m in team)
    memberships = Membership.objects.bulk_create(
        Membership(project=project, person=m.person, role=m.role)
        for project, team in zip(projects, teams, strict=True)
        for m in team
    )
    members = [m for team in teams for m in team]
    MemberTerms.objects.bulk_create(
        MemberTerms(membership_id=membership.pk, rate=m.rate, defrayed_by=m.defrayed_by)
        for membership, m in zip(memberships, members, strict=True)
    )
    Contribution.objects.bulk_create(
        Contribution(project=project, party=party, kind=kind, description=f"{kind} from {party}")
        for project in projects
        for party in PARTIES
        for kind in rng.sample(context.kinds, 2)
    )
    Involvement.objects.bulk_create(
        Involvement(
            project=project,
            party=party,
            stage=stage,
            level=rng.choice(levels),
            purpose=f"{party} at stage {stage.number}",
        )
        for project in projects
        for party in PARTIES
        for stage in stages
        if rng.random() < 0.6
    )
    EmphasisRating.objects.bulk_create(
        EmphasisRating(project=project, criterion=c, score=rng.randint(-2, 2))
        for project in projects
        for c in context.criteria
    )
    CostItem.objects.bulk_create(
        item
        for project, team in zip(projects, teams, strict=True)
        for item in _synthetic_costs(rng, project, team, stages, context.rates)
    )
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for project, team in zip(projects, teams, strict=True):
        assert project.start_date is not None
        # Organisers log three times as often as anyone else.
        pool = [m for m in team for _ in range(3 if m.organiser else 1)]
        for _ in range(entries_per_project):
            number, day = _stage_day(rng, project.start_date, project.current_stage.number)
            rows.append(
                _time_entry_row(
                    rng,
                    project_id=project.pk,
                    member=rng.choice(pool),
                    stage_id=stages[number - 1].pk,
                    day=day,
                    created_at=created_at,
                )
            )
    _insert_rows(TimeEntry, TIME_ENTRY_COLUMNS, rows)


def _synthetic_costs(
    rng: random.Random,
    project: Project,
    team: list[_Member],
    stages: list[Stage],
    rates: dict[str, Rate],
) -> list[CostItem]:
    """A small plan and a few actual costs: staff time at a rate, a venue, a payment to a
    public contributor, travel someone paid for themselves."""
    assert project.start_date is not None
    host = project.organisation
    stage = project.current_stage
    public = [m.person for m in team if m.role == "public_contributor"]
    organisers = [m.person for m in team if m.organiser] or [team[0].person]
    ra = rates.get("staff-research-associate-2025")
    day = project.start_date + datetime.timedelta(days=rng.randrange(30, 300))

    def item(status: str, category: str, description: str, **fields: Any) -> CostItem:
        fields.setdefault("bearer_organisation", None if "bearer_person" in fields else host)
        fields.setdefault("defrayed_by", DefrayedBy.PROJECT_BUDGET)
        if fields.get("hours") is not None:
            fields["amount"] = fields["hours"] * fields["rate"]
        return CostItem(
            project=project,
            status=status,
            category=category,
            stage=stage if status == CostStatus.ACTUAL else rng.choice(stages),
            description=description,
            currency=GBP,
            date=day if status == CostStatus.ACTUAL else None,
            **fields,
        )

    items = [
        item(
            CostStatus.PLANNED,
            CostCategory.VENUE_CATERING,
            "Rooms",
            amount=Decimal(rng.randrange(200, 900)),
        ),
        item(
            CostStatus.ACTUAL,
            CostCategory.VENUE_CATERING,
            "Room hire",
            amount=Decimal(rng.randrange(150, 600)),
        ),
        item(
            CostStatus.ACTUAL,
            CostCategory.TRAVEL,
            "Mileage, not claimed",
            amount=Decimal("18.90"),
            bearer_person=rng.choice(organisers),
            defrayed_by=DefrayedBy.UNFUNDED,
        ),
    ]
    if ra is not None:
        items.append(
            item(
                CostStatus.PLANNED,
                CostCategory.STAFF_TIME,
                "Research associate time",
                hours=Decimal(rng.randrange(20, 120)),
                rate=ra.amount,
            )
        )
    if public:
        items += [
            item(
                CostStatus.PLANNED,
                CostCategory.CONTRIBUTOR_PAYMENT,
                "Contributor payments",
                amount=HALF_DAY_FEE * 4 * len(public),
            ),
            item(
                CostStatus.ACTUAL,
                CostCategory.CONTRIBUTOR_PAYMENT,
                "Workshop, half-day rate",
                amount=HALF_DAY_FEE,
                payee=rng.choice(public),
            ),
        ]
    return items


@transaction.atomic
def load_busy_project(entries: int = 5000, *, members: int = 30, seed: int = 5000) -> Project:
    """One project with `entries` time entries, every one logged at an activity of up to 20
    attendees, and payments for its workshops: for timing the project pages at volume. The
    demo lead, if loaded, leads it, so the demo sign-in can open it."""
    rng = random.Random(seed)
    organisation, _ = Organisation.objects.get_or_create(
        name=BUSY_ORGANISATION, defaults={"kind": "health_service"}
    )
    context = _SyntheticContext.load()
    stages = context.stages
    project = Project.objects.create(
        title=BUSY_PROJECT_TITLE,
        organisation=organisation,
        current_stage=stages[4],
        start_date=datetime.date(2023, 9, 4),
        summary=f"Generated for benchmarks: {entries} time entries.",
    )
    team = _synthetic_members(rng, "busy", members, organisation, context.rates)
    Person.objects.bulk_create(m.person for m in team)
    memberships = Membership.objects.bulk_create(
        Membership(project=project, person=m.person, role=m.role) for m in team
    )
    MemberTerms.objects.bulk_create(
        MemberTerms(membership_id=membership.pk, rate=m.rate, defrayed_by=m.defrayed_by)
        for membership, m in zip(memberships, team, strict=True)
    )
    lead = Person.objects.filter(user__email=DEMO_LEAD_EMAIL).first()
    if lead is not None:
        Membership.objects.create(project=project, person=lead, role="lead")
    per_activity = min(20, members)
    kinds = ["meeting", "workshop", "review", "interview"]
    activities = []
    assert project.start_date is not None
    for index in range(math.ceil(entries / per_activity)):
        number, day = _stage_day(rng, project.start_date, project.current_stage.number)
        kind = kinds[index % len(kinds)]
        activities.append(
            Activity(
                project=project,
                kind=kind,
                title=f"{kind.title()} {index + 1}",
                date=day,
                stage=stages[number - 1],
                organiser=team[-1].person,
            )
        )
    Activity.objects.bulk_create(activities)
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    payments = []
    for index, activity in enumerate(activities):
        attendees = min(per_activity, entries - index * per_activity)
        for member in rng.sample(team, attendees):
            rows.append(
                _time_entry_row(
                    rng,
                    project_id=project.pk,
                    member=member,
                    stage_id=activity.stage_id,
                    day=activity.date,
                    created_at=created_at,
                    activity_id=activity.pk,
                )
            )
            if activity.kind == "workshop" and member.role == "public_contributor":
                payments.append(
                    CostItem(
                        project=project,
                        status=CostStatus.ACTUAL,
                        category=CostCategory.CONTRIBUTOR_PAYMENT,
                        stage_id=activity.stage_id,
                        description=f"{activity.title}: payment at the NIHR half-day rate",
                        bearer_organisation=organisation,
                        payee=member.person,
                        defrayed_by=DefrayedBy.PROJECT_BUDGET,
                        date=activity.date,
                        currency=GBP,
                        amount=HALF_DAY_FEE,
                    )
                )
    _insert_rows(TimeEntry, TIME_ENTRY_COLUMNS, rows)
    CostItem.objects.bulk_create(payments)
    CostItem.objects.bulk_create(
        item
        for _ in range(4)
        for item in _synthetic_costs(rng, project, team, stages, context.rates)
    )
    return project
