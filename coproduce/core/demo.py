"""A deterministic, realistic demo portfolio, and synthetic projects for benchmarks.

Every name, organisation and project here is invented. People, memberships, projects and plans
are written through the services, so they carry a real audit trail (the organisations and logins
themselves are created directly); the synthetic projects use bulk inserts for speed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction

from coproduce.accounts.models import Organisation, Person, User
from coproduce.accounts.services import (
    organisation_member_add,
    person_create,
    person_update_equity,
)
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.planning import services as planning
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.projects import services as projects
from coproduce.projects.models import Membership, Project

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
            organisation_member_add(
                by=admin,
                organisation=organisations[org],
                person=person,
                is_admin=name in {"Amira Okafor", "Nadia Hussain", "Catherine Moss"},
                is_equity_officer=name == "Rachel Dunmore",
                is_portfolio_viewer=name in {"Rachel Dunmore", "Amira Okafor"},
            )
        people[name] = person
    stages = {s.number: s for s in Stage.objects.all()}
    criteria = {c.code: c for c in EmphasisCriterion.objects.all()}
    for spec in PROJECTS:
        _load_project(spec, people, organisations[0], stages, criteria)


def _load_project(
    spec: ProjectSpec,
    people: dict[str, Person],
    host: Organisation,
    stages: dict[int, Stage],
    criteria: dict[str, EmphasisCriterion],
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


@transaction.atomic
def load_synthetic(count: int, *, members_per_project: int = 12, seed: int = 2019) -> int:
    """Add `count` synthetic projects (with people, contributions, involvement and scores) for
    benchmarks, using bulk inserts. Deterministic for a given seed and starting state."""
    rng = random.Random(seed)
    organisation, _ = Organisation.objects.get_or_create(
        name=SYNTHETIC_ORGANISATION, defaults={"kind": "university"}
    )
    stages = list(Stage.objects.all())
    criteria = list(EmphasisCriterion.objects.all())
    parties = ["researcher", "public", "practitioner", "policymaker", "knowledge_broker"]
    kinds = [k for k, _ in Contribution._meta.get_field("kind").choices]  # type: ignore[union-attr]
    levels = ["inform", "consult", "involve", "collaborate", "empower"]
    start = Project.objects.filter(organisation=organisation).count()
    created = 0
    for index in range(start, start + count):
        project = Project.objects.create(
            title=f"Synthetic study {index + 1:05d}",
            organisation=organisation,
            current_stage=rng.choice(stages),
            summary="Generated for benchmarks.",
        )
        people = Person.objects.bulk_create(
            Person(
                name=f"Synthetic person {index + 1}-{n + 1}",
                party=parties[n % len(parties)],
                organisation=organisation if n % len(parties) == 0 else None,
                career_stage=rng.choice(["doctoral", "early", "mid", "senior", ""]),
                contract=rng.choice(["permanent", "fixed_term", "casual", "unpaid"]),
                gender=rng.choice(["woman", "man", "non_binary", "not_say"]),
                equity_consent=rng.random() < 0.8,
            )
            for n in range(members_per_project)
        )
        Membership.objects.bulk_create(
            Membership(
                project=project,
                person=p,
                role="lead"
                if n == 0
                else rng.choice(
                    ["researcher", "coordinator", "partner", "public_contributor", "observer"]
                ),
            )
            for n, p in enumerate(people)
        )
        Contribution.objects.bulk_create(
            Contribution(
                project=project, party=party, kind=kind, description=f"{kind} from {party}"
            )
            for party in parties
            for kind in rng.sample(kinds, 2)
        )
        Involvement.objects.bulk_create(
            Involvement(
                project=project,
                party=party,
                stage=stage,
                level=rng.choice(levels),
                purpose=f"{party} at stage {stage.number}",
            )
            for party in parties
            for stage in stages
            if rng.random() < 0.6
        )
        EmphasisRating.objects.bulk_create(
            EmphasisRating(project=project, criterion=c, score=rng.randint(-2, 2)) for c in criteria
        )
        created += 1
    return created
