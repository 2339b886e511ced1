"""The demo portfolio's study participants, behind the firewall.

`load_participants` is called by `coproduce.core.demo.load_portfolio` once the demo projects
exist. In "Shaping crisis care together" the coordinator, Tom Heywood, is the data custodian and
the lead, Amira Okafor, is not: signed in as the lead, the demo shows the firewall (counts only);
signed in as Tom, it shows the register. In "Young carers' voices in school health" the lead,
Priya Raman, is the custodian.

Every name, telephone number, email address and note here is invented. Telephone numbers are in
the range Ofcom keeps for drama (07700 900000 to 900999) and email addresses use example.net.
Nothing is random, so the demo is the same every time it is loaded. Without a usable
participant key the custodians are still chosen but no participants are added, and a note says
why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coproduce.accounts.models import User
from coproduce.catalogue.models import Stage
from coproduce.participants import crypto, services
from coproduce.participants.models import ParticipantStatus
from coproduce.projects.models import Membership, Project
from coproduce.projects.services import membership_update

FIRST_NAMES = (
    "Ada", "Bilal", "Carys", "Dominic", "Eilidh", "Femi", "Gareth", "Hiba", "Idris", "Jolene",
    "Kwame", "Lorna", "Mateusz", "Nerys", "Obi", "Pooja", "Quentin", "Roisin", "Stellan",
    "Tamsin", "Uzma", "Vaughan", "Wren", "Xander", "Yasmin", "Zofia", "Ayo",
)  # fmt: skip
LAST_NAMES = (
    "Abernethy", "Brightwater", "Castellane", "Drummond-Hale", "Eckersley", "Farraday",
    "Greenhalgh", "Hollinshead", "Ingleby", "Jessop", "Kilbride", "Lomax", "Merriweather",
)  # fmt: skip
NOTES = (
    "Prefers a call after 4pm; works mornings.",
    "Needs step-free access and a quiet room.",
    "",
    "Text before calling: shares a phone with family.",
    "Would like a Polish interpreter at interviews.",
    "Happy to be contacted about the follow-up study.",
    "",
    "Not on Fridays (hospital appointments).",
)
YOUNG_NAMES = (
    "Ellie", "Jayden", "Amara", "Callum", "Keira", "Rhys", "Zainab", "Owen", "Tia", "Kofi",
    "Maisie", "Arjun",
)  # fmt: skip


@dataclass(frozen=True)
class Group:
    """Participants recruited together: how many, where, at which stage, and where each of
    them now is (statuses are dealt out in turn)."""

    site: str
    stage: int
    statuses: tuple[str, ...]


R, A, C, W = (
    ParticipantStatus.RECRUITED.value,
    ParticipantStatus.ACTIVE.value,
    ParticipantStatus.COMPLETED.value,
    ParticipantStatus.WITHDRAWN.value,
)
# 27 participants. The smallest site and the two withdrawals are below the threshold of 5, so
# the counts page shows suppression, and (for the statuses) secondary suppression too.
CRISIS_CARE = (
    Group("North clinic", 3, (A, A, A, A, C, C, C, R, R, W)),
    Group("Riverside crisis team", 3, (A, A, A, A, C, C, R, R)),
    Group("Harbour Street peer support café", 2, (C, C, A, A, A, R)),
    Group("Eastfield GP surgery", 3, (A, R, W)),
)
YOUNG_CARERS = (
    Group("Hillside Academy", 2, (A, A, A, R, R)),
    Group("St Anne's High School", 2, (A, A, R, R)),
    Group("Eastfield Young Carers Hub", 2, (A, R, R)),
)


def load_participants() -> None:
    """Choose the demo's data custodians and register its participants."""
    crisis = Project.objects.get(title="Shaping crisis care together")
    carers = Project.objects.get(title="Young carers' voices in school health")
    amira = User.objects.get(email="amira.okafor@northbridge.example")
    tom = User.objects.get(email="tom.heywood@northbridge.example")
    priya = User.objects.get(email="priya.raman@northbridge.example")
    _custodian(crisis, amira, custodian=False)
    _custodian(crisis, tom, custodian=True)
    _custodian(carers, priya, custodian=True)
    problem = crypto.key_problem()
    if problem is not None:
        print(f"Skipped the demo's study participants. {problem}")
        return
    _register(crisis, tom, CRISIS_CARE, _adult)
    _register(carers, priya, YOUNG_CARERS, _young_carer)


def _custodian(project: Project, user: User, *, custodian: bool) -> None:
    """Set a member's custodian flag, acting as the project's lead with a login."""
    membership = Membership.objects.get(project=project, person__user=user)
    lead = (
        Membership.objects.filter(project=project, role="lead", person__user__isnull=False)
        .select_related("person__user")
        .first()
    )
    assert lead is not None and lead.person.user is not None
    membership_update(
        by=lead.person.user,
        membership=membership,
        role=membership.role,
        is_data_custodian=custodian,
    )


type Identity = tuple[str, str, str]  # name, contact, notes


def _adult(number: int) -> Identity:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[(number * 5) % len(LAST_NAMES)]
    phone = f"07700 900{100 + number * 7:03d}"
    contact = (
        phone
        if number % 3
        else f"{phone}\n{first.lower()}.{last.lower().replace('-', '')}@example.net"
    )
    return f"{first} {last}", contact, NOTES[number % len(NOTES)]


def _young_carer(number: int) -> Identity:
    first = YOUNG_NAMES[number % len(YOUNG_NAMES)]
    last = LAST_NAMES[(number * 3 + 1) % len(LAST_NAMES)]
    contact = f"Parent or carer: 07700 900{600 + number * 11:03d}"
    notes = "Consent form signed by parent; assent recorded by the school." if number % 2 else ""
    return f"{first} {last}", contact, notes


def _register(
    project: Project, by: User, groups: tuple[Group, ...], person: Callable[[int], Identity]
) -> None:
    stages = {s.number: s for s in Stage.objects.all()}
    number = 0
    for group in groups:
        for status in group.statuses:
            name, contact, notes = person(number)
            participant = services.participant_add(
                by=by,
                project=project,
                site=group.site,
                stage=stages[group.stage],
                name=name,
                contact=contact,
                notes=notes,
                status=A if status == W else status,
            )
            if status == W:
                # The first to withdraw asked for their details to be erased.
                services.participant_withdraw(
                    by=by, participant=participant, erase_details=number == 9
                )
            number += 1
