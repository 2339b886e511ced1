"""Recording audit events. Every service that writes calls `audit_record` in its transaction."""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from django.db import models, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile

from coproduce.accounts.models import User
from coproduce.audit.chain import link
from coproduce.audit.models import AUDIT_CHAIN, AuditEvent, ChainHead


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `instance`, as JSON-ready values (foreign keys by id).

    Fields a model lists in `audit_private` are never included: the change log is read by
    project leads, and some values (equity attributes) must not appear next to a name there.
    """
    private = set(getattr(instance, "audit_private", ()))
    names = (
        list(fields)
        if fields is not None
        else [
            f.attname
            for f in instance._meta.concrete_fields
            if not f.primary_key
            and f.editable  # bookkeeping such as an edit's version number
            and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)
        ]
    )
    return {name: _jsonable(getattr(instance, name)) for name in names if name not in private}


def stored[M: models.Model](instance: M) -> M:
    """The row as it is in the database, locked until the transaction ends.

    Update services read the "before" state and check their rules against this, never against
    the instance they were given: a ModelForm has already written the new values onto it.
    """
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for every field whose value differs."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def audit_record(
    *,
    by: User,
    action: str,
    target: models.Model,
    changes: Mapping[str, Any],
    project_id: int | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=by,
        actor_label=by.email,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:300],
        project_id=project_id if project_id is not None else _owner_id(target, "projects.project"),
        organisation_id=_owner_id(target, "accounts.organisation"),
        # Through JSON and back, so the hash covers exactly what the database will return.
        changes=json.loads(json.dumps(dict(changes))),
    )
    return chain_append(AUDIT_CHAIN, event, AuditEvent.chain_content)


class ChainEntry(Protocol):
    seq: int
    prev_hash: str
    hash: str

    def save(self) -> None: ...


def chain_append[E: ChainEntry](
    name: str, entry: E, content: Callable[[E], Mapping[str, Any]]
) -> E:
    """Append `entry` to the named chain: give it the next seq, the previous hash and its own
    hash, and save it. The UPDATE on the head comes first, so concurrent writers queue."""
    with transaction.atomic():
        if not ChainHead.objects.filter(name=name).update(length=F("length") + 1):
            raise RuntimeError(f"The {name} chain has no head row: run the migrations.")
        head = ChainHead.objects.get(name=name)
        entry.seq, entry.prev_hash = head.length, head.last_hash
        entry.hash = link(head.last_hash, content(entry))
        entry.save()
        ChainHead.objects.filter(name=name).update(last_hash=entry.hash)
    return entry


def audited_delete(instance: models.Model, *, by: User, action: str) -> None:
    """Record what a record held, then delete it."""
    changes = {name: {"from": value, "to": None} for name, value in snapshot(instance).items()}
    audit_record(by=by, action=action, target=instance, changes=changes)
    instance.delete()


def _owner_id(instance: models.Model, owner: str) -> int | None:
    """The project (or organisation) a record is or belongs to, so that its change log shows
    the event."""
    if instance._meta.label_lower == owner:
        return int(instance.pk)
    owner_id = getattr(instance, f"{owner.split('.')[1]}_id", None)
    return int(owner_id) if owner_id is not None else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        # 40 and 40.00 are the same amount: one canonical form, so an unchanged edit records
        # nothing.
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def audited_save(
    instance: models.Model,
    *,
    by: User,
    action: str,
    before: Mapping[str, Any] | None = None,
    project_id: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Validate and save `instance`, then record the fields that changed since `before`.

    Call inside the service's transaction; `before` is the `snapshot` taken before editing
    (None for a new record, so every field counts as changed). Saving an edit that changed
    nothing records nothing.
    """
    instance.full_clean()
    instance.save()
    after = snapshot(instance, before.keys() if before is not None else None)
    changes = changed_fields(before or {}, after)
    if changes or before is None:
        audit_record(by=by, action=action, target=instance, changes=changes, project_id=project_id)
    return changes
