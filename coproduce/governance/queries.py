"""Reads for the charter, decisions and voice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch

from coproduce.accounts.models import PartyKind, Person
from coproduce.costs.models import Activity, TimeEntry
from coproduce.governance.charter import DEFAULT_EARLY_ACCESS, DEFAULT_METHODS
from coproduce.governance.models import Charter, CharterVersion, Decision, DecisionMethod, Dissent
from coproduce.governance.voice import ActivityVoice
from coproduce.planning.models import Involvement, InvolvementLevel
from coproduce.projects.models import Membership, Project

# Involvement at these levels promises a party a say in decisions at that stage.
SAY_LEVELS = (InvolvementLevel.INVOLVE, InvolvementLevel.COLLABORATE, InvolvementLevel.EMPOWER)


def current_version(project: Project) -> CharterVersion | None:
    return (
        CharterVersion.objects.filter(charter__project=project)
        .select_related("charter", "created_by")
        .order_by("-number")
        .first()
    )


def charter_of(project: Project) -> Charter | None:
    return Charter.objects.filter(project=project).first()


@dataclass(frozen=True)
class Acknowledgements:
    version: CharterVersion
    acknowledged: list[tuple[Person, object]]  # (person, when)
    waiting: list[Person]


def acknowledgements(project: Project, version: CharterVersion) -> Acknowledgements:
    """Who has acknowledged the current version, and which current members have not."""
    done = {a.person_id: a.created_at for a in version.acknowledgements.select_related("person")}
    members = [
        m.person for m in Membership.objects.filter(project=project).select_related("person")
    ]
    return Acknowledgements(
        version,
        [(p, done[p.pk]) for p in members if p.pk in done],
        [p for p in members if p.pk not in done],
    )


def early_access_roles(project: Project) -> frozenset[str]:
    """The roles that may see outputs before their release, from the current charter."""
    version = current_version(project)
    return frozenset(version.early_access if version else DEFAULT_EARLY_ACCESS)


def decisions(project: Project) -> list[Decision]:
    return list(
        Decision.objects.filter(project=project)
        .select_related("stage", "activity", "accountable__person")
        .prefetch_related(
            Prefetch("present", queryset=Membership.objects.select_related("person")),
            Prefetch("dissents", queryset=Dissent.objects.all()),
        )
    )


def parties_present(decision: Decision) -> list[str]:
    """Parties with someone present: members' parties and the parties recorded as present
    through others, in the standard order."""
    present = {m.person.party for m in decision.present.all()} | set(decision.other_parties)
    return [p for p in PartyKind.values if p in present]


@dataclass(frozen=True)
class DecisionWarning:
    decision: Decision
    text: str


def decision_warnings(project: Project, items: list[Decision]) -> list[DecisionWarning]:
    """A method the charter does not allow for that kind of decision; a decision taken at a
    stage where the involvement grid promised a party "involve" or more, with nobody from that
    party present."""
    version = current_version(project)
    allowed = version.methods if version else DEFAULT_METHODS
    promised: dict[int, set[str]] = defaultdict(set)
    for party, stage_id in Involvement.objects.filter(
        project=project, level__in=SAY_LEVELS
    ).values_list("party", "stage_id"):
        promised[stage_id].add(party)
    labels = dict(PartyKind.choices)
    methods = dict(DecisionMethod.choices)
    warnings = []
    for decision in items:
        if decision.method not in allowed.get(decision.kind, []):
            warnings.append(
                DecisionWarning(
                    decision,
                    f"Taken by {methods[decision.method].lower()}, which the charter does not "
                    f"allow for {decision.get_kind_display().lower()}.",
                )
            )
        missing = sorted(promised[decision.stage_id] - set(parties_present(decision)))
        if missing:
            names = ", ".join(labels[p].lower() for p in missing)
            warnings.append(
                DecisionWarning(
                    decision,
                    f"Taken at stage {decision.stage.number} without anyone from: {names}. "
                    "The involvement plan promised them a say at this stage.",
                )
            )
    return warnings


def activity_voices(project: Project) -> list[ActivityVoice]:
    """Each activity, oldest first, with who attended and how often each contributed."""
    entries = (
        TimeEntry.objects.filter(project=project, activity__isnull=False)
        .order_by()
        .values_list("activity_id", "person_id", "contributions")
    )
    by_activity: dict[int, dict[int, int | None]] = defaultdict(dict)
    for activity_id, person_id, contributions in entries:
        by_activity[activity_id][person_id] = contributions
    activities = Activity.objects.filter(project=project, pk__in=by_activity.keys()).order_by(
        "date", "pk"
    )
    return [
        ActivityVoice(a.pk, a.title, a.date, by_activity[a.pk])
        for a in activities.only("pk", "title", "date")
    ]
