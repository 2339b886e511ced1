"""Reads of organisation equity figures. Only members who accepted membership and chose to be
counted enter them; only those who also chose to be seen by name appear by name.

The counts cover the members counted but not named. Were the named members counted too, an
officer could take their known answers from the counts and find out the answers of the few
left: the difference of two things shown would isolate a group smaller than the threshold."""

from __future__ import annotations

from dataclasses import dataclass

from coproduce.accounts.equity import EquityFigures, equity_figures
from coproduce.accounts.models import Organisation, OrganisationMembership, Person

ANSWER_FIELDS = ("career_stage", "contract", "gender")


def organisation_equity_figures(organisation: Organisation) -> EquityFigures:
    answers = (
        OrganisationMembership.objects.counted_by(organisation)
        .filter(seen_by_name=False)
        .values(*(f"person__{name}" for name in ANSWER_FIELDS))
    )
    return equity_figures(
        ({name: row[f"person__{name}"] for name in ANSWER_FIELDS} for row in answers),
        threshold=organisation.disclosure_threshold,
    )


@dataclass(frozen=True)
class NamedAnswers:
    person: Person
    career_stage: str
    contract: str
    gender: str


def organisation_named_answers(organisation: Organisation) -> list[NamedAnswers]:
    """The answers of the members who chose to be seen by name, in words."""
    people = Person.objects.filter(
        org_memberships__organisation=organisation,
        org_memberships__seen_by_name=True,
        user__isnull=False,
    ).order_by("name", "pk")
    return [
        NamedAnswers(
            person=person,
            career_stage=person.get_career_stage_display() or "Not answered",
            contract=person.get_contract_display() or "Not answered",
            gender=(person.gender_self_description or person.get_gender_display())
            or "Not answered",
        )
        for person in people
    ]
