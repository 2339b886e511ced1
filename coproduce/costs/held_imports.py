"""Import files held between their check and the confirmation of their warnings.

An import whose rows raise warnings saves nothing until the person ticks the box that confirms
them. So that they need not choose the file again, the checked upload is kept: its bytes in a
private file under MEDIA_ROOT (never served; named by a random token, never by anything the
person sent) and a HeldImport row that binds the token to the person and the project, with the
file's size, SHA-256 and the digest of the warnings shown. The confirmation posts only the
token and the tick; the file is then checked again from the start, as any upload is
(transfer.import_file), and imported only if its warnings are still the ones shown.

A held file is deleted once imported, refused or cancelled, and when it expires (HOLD_FOR):
expired files are swept whenever a new one is held, and an expired one is never imported.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.core.warnings import NeedsConfirmation
from coproduce.costs import transfer
from coproduce.costs.models import HeldImport
from coproduce.projects.models import Project

HOLD_FOR = datetime.timedelta(hours=1)
GONE_MESSAGE = (
    "The file you checked is no longer kept (a file is kept for an hour after it is checked, "
    "and only until it is imported or cancelled). Nothing was imported: choose the file again."
)


class HeldImportGone(Exception):
    """The held file has expired, been imported or cancelled, or is no longer intact."""

    def __init__(self) -> None:
        super().__init__(GONE_MESSAGE)


def held_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "private" / "held-imports"


def _path(held: HeldImport) -> Path:
    # The token is ours (secrets.token_urlsafe), read back from the row: never the request's.
    return held_directory() / held.token


def held_import_create(
    *, by: User, project: Project, upload: UploadedFile[bytes], asked: NeedsConfirmation
) -> HeldImport:
    """Keep an upload that transfer.import_file has checked and found warnings in, for `by`
    to confirm on `project`. It replaces any file `by` held for `project` before (so one
    person keeps at most one file, of at most the upload limit, per project), and expired
    held files are swept first."""
    held_imports_clean()
    for earlier in HeldImport.objects.filter(created_by=by, project=project):
        _discard(earlier)
    token = secrets.token_urlsafe(32)
    directory = held_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / token
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("xb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return HeldImport.objects.create(
            token=token,
            project=project,
            created_by=by,
            filename=upload.name or "upload",
            size=size,
            sha256=digest.hexdigest(),
            cautions_digest=asked.digest,
            expires_at=timezone.now() + HOLD_FOR,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def held_import_get(*, by: User, project: Project, token: str) -> HeldImport | None:
    """The file `by` holds for `project` under `token`; None when there is none (any more).
    Raises PermissionDenied for a token held by someone else or for another project."""
    held = HeldImport.objects.filter(token=token).first()
    if held is None:
        return None
    if held.created_by_id != by.pk or held.project_id != project.pk:
        raise PermissionDenied("This file was checked by someone else or for another project.")
    if held.expires_at <= timezone.now():
        _discard(held)
        return None
    return held


def held_import_confirm(
    *, by: User, project: Project, held: HeldImport, confirmed: bool
) -> transfer.ImportResult:
    """Import the held file, checked again from the start, if `confirmed` confirms the warnings
    it raises now (the ones shown, or it asks again: NeedsConfirmation, the file still held).

    The row is claimed by deleting it first, so a second confirmation of the same file (a
    double click, a replay) finds nothing and imports nothing. Raises HeldImportGone when the
    file has gone or changed, ImportRejected (the file no longer held) when a row fails.
    """
    if not HeldImport.objects.filter(pk=held.pk, created_by=by, project=project).delete()[0]:
        raise HeldImportGone
    path = _path(held)
    if not _intact(held, path):
        path.unlink(missing_ok=True)
        raise HeldImportGone
    try:
        result = transfer.import_file(
            by=by,
            project=project,
            path_or_file=path,
            filename=held.filename,
            confirmed=confirmed,
            seen=held.cautions_digest,
        )
    except NeedsConfirmation as asked:
        held.pk = None
        held.cautions_digest = asked.digest
        held.save(force_insert=True)
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    return result


def held_import_cancel(*, held: HeldImport) -> None:
    """Forget a held file without importing it."""
    _discard(held)


def held_imports_clean(*, now: datetime.datetime | None = None) -> int:
    """Delete the held files that have expired, and any file in the directory left without a
    row (a process that stopped mid-import) for twice HOLD_FOR; how many files went."""
    now = now or timezone.now()
    removed = 0
    for held in HeldImport.objects.filter(expires_at__lte=now):
        _discard(held)
        removed += 1
    directory = held_directory()
    if directory.is_dir():
        live = set(HeldImport.objects.values_list("token", flat=True))
        cutoff = (now - 2 * HOLD_FOR).timestamp()
        for path in directory.iterdir():
            if path.name not in live and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _discard(held: HeldImport) -> None:
    # The row first: should its deletion be undone, a row without its file is "gone", never
    # imported (_intact), while a file without its row is swept by held_imports_clean.
    HeldImport.objects.filter(pk=held.pk).delete()
    _path(held).unlink(missing_ok=True)


def _intact(held: HeldImport, path: Path) -> bool:
    """Whether the file is the one that was checked: its size and SHA-256 unchanged."""
    try:
        if path.stat().st_size != held.size:
            return False
        with path.open("rb") as raw:
            return hashlib.file_digest(raw, "sha256").hexdigest() == held.sha256
    except FileNotFoundError:
        return False
