"""Writes for the charter and decisions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from coproduce.accounts.models import PartyKind, Person, User
from coproduce.audit.services import audit_record, audited_save, snapshot, stored
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import check_version, next_version
from coproduce.core.warnings import Caution, require_confirmation
from coproduce.costs.models import Activity
from coproduce.governance.charter import (
    DEFAULT_EARLY_ACCESS,
    DEFAULT_METHODS,
    SECTION_CODES,
    starting_sections,
)
from coproduce.governance.models import (
    Charter,
    CharterAcknowledgement,
    CharterVersion,
    Decision,
    DecisionKind,
    DecisionMethod,
    Dissent,
)
from coproduce.projects.models import Membership, Project, ProjectRole
from coproduce.projects.services import lock_project


@transaction.atomic
def charter_start(*, by: User, project: Project) -> Charter:
    """Start the project's charter from the template (version 1)."""
    lock_project(project.pk)
    if Charter.objects.filter(project=project).exists():
        raise ValidationError("This project already has a charter.")
    charter = Charter(project=project, created_by=by)
    audited_save(charter, by=by, action="charter.start")
    _new_version(
        by=by,
        charter=charter,
        sections=starting_sections(),
        methods={k: list(v) for k, v in DEFAULT_METHODS.items()},
        early_access=list(DEFAULT_EARLY_ACCESS),
        change_note="Started from the coproduce template.",
    )
    return charter


@transaction.atomic
def charter_revise(
    *,
    by: User,
    charter: Charter,
    sections: Mapping[str, str],
    methods: Mapping[str, Sequence[str]],
    early_access: Sequence[str],
    change_note: str,
    version: int | None = None,
) -> CharterVersion:
    """Agree a new version of the charter. Refused if someone else saved one since the editor
    opened it (`version`), or if nothing changed."""
    current = stored(charter)
    check_version(current, version)
    latest = charter.versions.order_by("-number").first()
    assert latest is not None
    clean_sections = {code: sections.get(code, "").strip() for code in SECTION_CODES}
    clean_methods = _check_methods(methods)
    clean_access = _check_access(early_access)
    if (clean_sections, clean_methods, clean_access) == (
        latest.sections,
        latest.methods,
        latest.early_access,
    ):
        raise ValidationError("Nothing changed: this is the text of the current version.")
    if not change_note.strip():
        raise ValidationError({"change_note": "Say what changed and why, for the members."})
    before = snapshot(current)
    next_version(charter, current)
    audited_save(charter, by=by, action="charter.revise", before=before)
    return _new_version(
        by=by,
        charter=charter,
        sections=clean_sections,
        methods=clean_methods,
        early_access=clean_access,
        change_note=change_note.strip(),
    )


def _check_methods(methods: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    allowed = set(DecisionMethod.values)
    result = {}
    for kind in DecisionKind.values:
        chosen = [m for m in DecisionMethod.values if m in set(methods.get(kind, []))]
        if set(methods.get(kind, [])) - allowed:
            raise ValidationError("Unknown decision method.")
        if not chosen:
            label = DecisionKind(kind).label
            raise ValidationError({f"methods_{kind}": f"Allow at least one method for {label}."})
        result[kind] = chosen
    return result


def _check_access(roles: Sequence[str]) -> list[str]:
    chosen = [r for r in ProjectRole.values if r in set(roles)]
    if set(roles) - set(ProjectRole.values):
        raise ValidationError("Unknown project role.")
    if ProjectRole.LEAD not in chosen:
        raise ValidationError({"early_access": "The lead always sees outputs before release."})
    return chosen


def _new_version(
    *,
    by: User,
    charter: Charter,
    sections: dict[str, str],
    methods: dict[str, list[str]],
    early_access: list[str],
    change_note: str,
) -> CharterVersion:
    number = (
        charter.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = CharterVersion(
        charter=charter,
        number=number,
        sections=sections,
        methods=methods,
        early_access=early_access,
        change_note=change_note,
        created_by=by,
    )
    version.full_clean()
    version.save()
    audit_record(
        by=by,
        action="charter.version",
        target=version,
        changes={"number": {"from": number - 1, "to": number}, "note": change_note},
        project_id=charter.project_id,
    )
    return version


@transaction.atomic
def charter_acknowledge(
    *, by: User, version: CharterVersion, person: Person
) -> CharterAcknowledgement:
    """A member acknowledges the current version (only the current one can be acknowledged)."""
    latest = version.charter.versions.order_by("-number").first()
    if latest is None or latest.pk != version.pk:
        raise ValidationError(
            "A newer version of the charter has been agreed since you opened it: read that one."
        )
    if not Membership.objects.filter(project_id=version.charter.project_id, person=person).exists():
        raise ValidationError("Only members of the project acknowledge its charter.")
    acknowledgement, created = CharterAcknowledgement.objects.get_or_create(
        version=version, person=person
    )
    if created:
        audit_record(
            by=by,
            action="charter.acknowledge",
            target=version,
            changes={"acknowledged_by": person.name},
            project_id=version.charter.project_id,
        )
    return acknowledgement


@dataclass(frozen=True)
class DissentInput:
    party: str
    reason: str
    name: str = ""
    membership: Membership | None = None


def _dissents_set(*, by: User, decision: Decision, dissents: Sequence[DissentInput]) -> None:
    """Keep the recorded dissents that are unchanged, remove those no longer given and add the
    new ones; the change log has an entry only when something changed."""
    wanted = [
        (
            d.membership.pk if d.membership else None,
            d.membership.person.name if d.membership else d.name.strip(),
            d.membership.person.party if d.membership else d.party,
            d.reason.strip(),
        )
        for d in dissents
    ]
    kept: list[tuple[Any, ...]] = []
    removed = 0
    for row in decision.dissents.all():
        key = (row.membership_id, row.name, row.party, row.reason)
        if key in wanted and wanted.count(key) > kept.count(key):
            kept.append(key)
        else:
            row.delete()
            removed += 1
    added = list(wanted)
    for key in kept:
        added.remove(key)
    memberships = {d.membership.pk: d.membership for d in dissents if d.membership}
    Dissent.objects.bulk_create(
        Dissent(
            decision=decision,
            membership=memberships.get(member) if member else None,
            name=name,
            party=party,
            reason=reason,
        )
        for member, name, party, reason in added
    )
    if added or removed:
        audit_record(
            by=by,
            action="decision.dissent",
            target=decision,
            changes={
                "dissents": [{"name": name, "reason": reason} for _, name, _, reason in wanted]
            },
        )


def _absent_dissenters(present_ids: set[int], dissenter_ids: Iterable[int | None]) -> set[int]:
    return {pk for pk in dissenter_ids if pk is not None and pk not in present_ids}


def _absent_dissenter_cautions(
    present: Sequence[Membership], dissents: Sequence[DissentInput], decision: Decision | None
) -> list[Caution]:
    """A member recorded as dissenting but not as present: one of the two is likely wrong."""
    absent = _absent_dissenters(
        {m.pk for m in present}, (d.membership.pk if d.membership else None for d in dissents)
    )
    if decision is not None and decision.pk:
        absent -= _absent_dissenters(
            set(decision.present.values_list("pk", flat=True)),
            decision.dissents.values_list("membership_id", flat=True),
        )
    names = {d.membership.pk: d.membership.person.name for d in dissents if d.membership}
    return [
        Caution(
            f"{names[pk]} is recorded as dissenting but not as present. Tick them as present, "
            "or check the dissent.",
            field="present",
        )
        for pk in sorted(absent, key=lambda pk: names[pk])
    ]


@transaction.atomic
def decision_save(
    *,
    by: User,
    project: Project,
    title: str,
    kind: str,
    method: str,
    stage: Stage,
    decided_on: datetime.date,
    detail: str = "",
    activity: Activity | None = None,
    present: Iterable[Membership] = (),
    other_parties: Sequence[str] = (),
    accountable: Membership | None = None,
    dissents: Sequence[DissentInput] = (),
    decision: Decision | None = None,
    version: int | None = None,
    confirmed: bool = False,
) -> Decision:
    """Record a decision, or change a recorded one (`decision`, opened at `version`). A
    dissenting member not recorded as present must be `confirmed` (on an edit, only one who
    was not already so)."""
    present = list(present)
    for membership in [*present, *([accountable] if accountable else [])]:
        if membership.project_id != project.pk:
            raise ValidationError("Everyone present and accountable must be a project member.")
    if activity is not None and activity.project_id != project.pk:
        raise ValidationError({"activity": "Choose an activity of this project."})
    if set(other_parties) - set(PartyKind.values):
        raise ValidationError({"other_parties": "Unknown party."})
    for dissent in dissents:
        if not dissent.reason.strip():
            raise ValidationError("Record why each person dissented.")
        if dissent.membership is not None and dissent.membership.project_id != project.pk:
            raise ValidationError("A dissenting member must be a project member.")
    require_confirmation(_absent_dissenter_cautions(present, dissents, decision), confirmed)
    fields: dict[str, Any] = {
        "title": title.strip(),
        "detail": detail.strip(),
        "kind": kind,
        "method": method,
        "stage": stage,
        "decided_on": decided_on,
        "activity": activity,
        "other_parties": [p for p in PartyKind.values if p in set(other_parties)],
        "accountable": accountable,
    }
    if decision is None:
        decision = Decision(project=project, created_by=by, **fields)
        audited_save(decision, by=by, action="decision.record")
    else:
        current = stored(decision)
        check_version(current, version)
        before = snapshot(current)
        next_version(decision, current)
        for name, value in fields.items():
            setattr(decision, name, value)
        audited_save(decision, by=by, action="decision.update", before=before)
    decision.present.set(present)
    _dissents_set(by=by, decision=decision, dissents=dissents)
    return decision
