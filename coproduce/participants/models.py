"""Study participants behind the firewall.

A **participant** is a person the study studies (an interviewee, a survey respondent), not a
member of the team. The register knows them by a pseudonymous code such as P-007, the site they
were recruited at, the stage of the study they take part in and where they are in it. Their
identifying details (name, contact details, notes) are stored only as Fernet tokens
(`crypto.py`): the database never holds them in plain text, and a check constraint on each
column refuses anything that is not a token.

Only the project's data custodians see the identifying details, and every time they do, a
**participant access** row records who, what and when. Everyone else in the project sees
counts by site, stage and status, with small groups suppressed (`queries.py`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import Versioned
from coproduce.participants.crypto import TOKEN_PREFIX
from coproduce.projects.models import Project

# A short prefix and a number: a code must never carry initials, birth dates or anything else
# that would identify the person.
CODE_PATTERN = r"^[A-Z]{1,5}-[0-9]{1,6}$"
CODE_PREFIX = "P"
CODE_HELP = (
    "A short prefix of capital letters, a hyphen and a number, such as P-007. Leave it empty "
    "to have the next free code given. Never use initials, dates of birth or anything else "
    "that could identify the person."
)
NAME_MAX = 200
CONTACT_MAX = 500
NOTES_MAX = 4000
SITE_MAX = 100


class ParticipantStatus(models.TextChoices):
    RECRUITED = "recruited", "Recruited"
    ACTIVE = "active", "Taking part"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Participant(Versioned):
    """A person the study studies, known to everyone but the data custodians only by a code."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participants")
    code = models.CharField(
        max_length=20,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                "Use capital letters, a hyphen and a number, such as P-007.",
            )
        ],
        help_text=CODE_HELP,
    )
    site = models.CharField(
        max_length=SITE_MAX,
        help_text="Where they were recruited, such as North clinic. Not an address.",
    )
    stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The stage of the study they take part in.",
    )
    status = models.CharField(
        max_length=20, choices=ParticipantStatus.choices, default=ParticipantStatus.RECRUITED
    )
    # Fernet tokens only (crypto.encrypt); never read these without crypto.decrypt.
    name_ciphertext = models.TextField()
    contact_ciphertext = models.TextField()
    notes_ciphertext = models.TextField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Never in the change log, not even as ciphertext: the services record only which of the
    # identifying details changed (see audit.services.snapshot).
    audit_private = ("name_ciphertext", "contact_ciphertext", "notes_ciphertext")

    class Meta:
        ordering = ["code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="participant_code_unique"),
            models.CheckConstraint(
                condition=Q(name_ciphertext__startswith=TOKEN_PREFIX)
                & Q(contact_ciphertext__startswith=TOKEN_PREFIX)
                & Q(notes_ciphertext__startswith=TOKEN_PREFIX),
                name="participant_details_encrypted",
            ),
            models.CheckConstraint(
                condition=Q(status=ParticipantStatus.WITHDRAWN) | Q(withdrawn_at__isnull=True),
                name="participant_withdrawn_at_only_when_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        # The change log and the access log show this: the code, never a name.
        return self.code


class AccessAction(models.TextChoices):
    LIST = "list", "Opened the list of identifying details"
    VIEW = "view", "Viewed a participant's details"
    ADD = "add", "Added a participant"
    EDIT = "edit", "Opened or saved a participant's details for editing"
    WITHDRAW = "withdraw", "Recorded a withdrawal"
    EXPORT = "export", "Downloaded the identifying details"


class ParticipantAccessQuerySet(models.QuerySet["ParticipantAccess"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AccessLogIsAppendOnly("The participant access log cannot be changed")

    def delete(self) -> NoReturn:
        raise AccessLogIsAppendOnly("The participant access log cannot be deleted")


class AccessLogIsAppendOnly(Exception):
    pass


class ParticipantAccess(models.Model):
    """One time a data custodian saw or changed identifying details: who, what, when.

    Append-only, like the audit log. The custodian's email and the participant's code are
    copied, so each row keeps its meaning if the login or the participant is later removed.
    `participant` is empty for pages that show many participants at once (the list, the
    download).
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="participant_accesses"
    )
    participant = models.ForeignKey(
        Participant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accesses",
    )
    participant_code = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_email = models.CharField(max_length=254)
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ParticipantAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "participant accesses"

    def __str__(self) -> str:
        target = f" {self.participant_code}" if self.participant_code else ""
        return f"{self.user_email} {self.action}{target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AccessLogIsAppendOnly("The participant access log cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AccessLogIsAppendOnly("The participant access log cannot be deleted")
