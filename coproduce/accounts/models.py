from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from coproduce.projects.models import Project


class UserManager(BaseUserManager["User"]):
    """Users sign in with their email address; there is no username."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A login. The person behind it, and everything they do in projects, is a Person."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email


class OrganisationKind(models.TextChoices):
    UNIVERSITY = "university", "University or research institute"
    FUNDER = "funder", "Funder"
    HEALTH_SERVICE = "health_service", "Health or care service"
    GOVERNMENT = "government", "Government or public body"
    CHARITY = "charity", "Charity or voluntary organisation"
    COMPANY = "company", "Company"
    COMMUNITY = "community", "Community group"
    OTHER = "other", "Other"


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def of_user(self, user: User) -> OrganisationQuerySet:
        """The organisations the user is a member of (all of them for superusers)."""
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__person__user=user).distinct()


class Organisation(models.Model):
    """A university, funder, health service body, charity, company or community group."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    disclosure_threshold = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(3, "The disclosure threshold cannot be below 3 people.")],
        help_text="Groups with fewer people than this are never shown in burden analyses.",
    )
    burden_warning_ratio = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.25"),
        validators=[MinValueValidator(Decimal("1.01"), "The warning ratio must be above 1.")],
        help_text="Warn when early-career, non-permanent staff, or women and non-binary people "
        "carry at least this burden ratio.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disclosure_threshold__gte=3),
                name="organisation_disclosure_threshold_at_least_3",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartyKind(models.TextChoices):
    """The kind of party a person takes part as."""

    RESEARCHER = "researcher", "Researcher"
    PUBLIC = "public", "Public contributor or patient"
    PRACTITIONER = "practitioner", "Practitioner"
    POLICYMAKER = "policymaker", "Policymaker"
    FUNDER = "funder", "Funder"
    KNOWLEDGE_BROKER = "knowledge_broker", "Knowledge broker"
    CIVIL_SOCIETY = "civil_society", "Civil society"
    OTHER = "other", "Other"


class CareerStage(models.TextChoices):
    DOCTORAL = "doctoral", "Doctoral"
    EARLY = "early", "Early career"
    MID = "mid", "Mid career"
    SENIOR = "senior", "Senior"
    NOT_SAY = "not_say", "Prefer not to say"


class Contract(models.TextChoices):
    PERMANENT = "permanent", "Permanent or tenured"
    FIXED_TERM = "fixed_term", "Fixed term"
    CASUAL = "casual", "Casual or hourly"
    UNPAID = "unpaid", "Unpaid or not employed"
    NOT_SAY = "not_say", "Prefer not to say"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    SELF_DESCRIBED = "self_described", "I describe myself another way"
    NOT_SAY = "not_say", "Prefer not to say"


class PersonQuerySet(models.QuerySet["Person"]):
    def with_organisation(self) -> PersonQuerySet:
        return self.select_related("organisation")

    def addable_to(self, project: Project) -> PersonQuerySet:
        """People who share an organisation with someone in the project and are not in it."""
        shared = Organisation.objects.filter(memberships__person__memberships__project=project)
        return (
            self.filter(Q(org_memberships__organisation__in=shared) | Q(organisation__in=shared))
            .exclude(memberships__project=project)
            .distinct()
            .select_related("organisation")
        )


class Person(models.Model):
    """Anyone who takes part, with or without a login.

    Work attributes (party, organisation, role title) are visible to project colleagues.
    Equity attributes are self-declared, optional, and shown next to a name only to the person
    and to their organisation's equity officers; they enter aggregate analysis only with the
    recorded consent.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="Optional. Used only to contact them.")
    party = models.CharField(
        "kind of party", max_length=20, choices=PartyKind.choices, default=PartyKind.RESEARCHER
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    role_title = models.CharField(max_length=200, blank=True)

    career_stage = models.CharField(max_length=20, choices=CareerStage.choices, blank=True)
    contract = models.CharField(max_length=20, choices=Contract.choices, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, blank=True)
    gender_self_description = models.CharField(max_length=100, blank=True)
    equity_consent = models.BooleanField(
        "consent to aggregate use",
        default=False,
        help_text="May these answers be counted, never named, in analyses of who carries the work?",
    )
    equity_consent_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PersonQuerySet.as_manager()

    # Never written to the change log with their values (see audit.services.snapshot).
    audit_private = (
        "career_stage",
        "contract",
        "gender",
        "gender_self_description",
        "equity_consent",
        "equity_consent_at",
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(gender="self_described") | Q(gender_self_description=""),
                name="person_self_description_only_when_self_described",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationMembershipQuerySet(models.QuerySet["OrganisationMembership"]):
    def counted_by(self, organisation: Organisation) -> OrganisationMembershipQuerySet:
        """The memberships whose people chose to be counted in the organisation's figures: the
        only people whose equity answers the organisation's own pages (equity, burden) use."""
        return self.filter(
            organisation=organisation, counted_in_figures=True, person__user__isnull=False
        )


class OrganisationMembership(models.Model):
    """A person's standing in an organisation on coproduce.

    Someone with a login becomes a member only by accepting an invitation; someone without one
    is recorded by an administrator. Administrators manage the membership. Equity officers see
    the equity answers of members who chose to be counted, in aggregate, and by name only those
    who chose to be seen by name. Portfolio viewers see the organisation's projects in aggregate.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="org_memberships")
    is_equity_officer = models.BooleanField(default=False)
    is_portfolio_viewer = models.BooleanField(default=False)
    is_admin = models.BooleanField(
        "administrator", default=False, help_text="May add members and change their standing."
    )
    counted_in_figures = models.BooleanField(
        "counted in the organisation's figures",
        default=False,
        help_text="The member's equity answers may be counted, never named, in the figures the "
        "organisation's equity officers see.",
    )
    seen_by_name = models.BooleanField(
        "seen by name",
        default=False,
        help_text="The organisation's equity officers may see the member's answers next to "
        "their name.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"], name="organisation_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(seen_by_name=False) | Q(counted_in_figures=True),
                name="organisation_membership_named_only_when_counted",
                violation_error_message="Choose to be counted in the organisation's figures "
                "before choosing to be seen by name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.organisation}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def addressed_to(self, user: User) -> InvitationQuerySet:
        """Invitations sent to the user's email address."""
        return self.filter(email=user.email.lower())

    def visible_to(self, user: User) -> InvitationQuerySet:
        """Those addressed to the user, and those of the organisations the user administers."""
        administered = OrganisationMembership.objects.filter(
            person__user=user, is_admin=True
        ).values("organisation_id")
        return self.filter(Q(email=user.email.lower()) | Q(organisation_id__in=administered))


class Invitation(models.Model):
    """An organisation's offer of membership, with the standing it offers, to an email address.

    Nothing about the person reaches the organisation until they accept: a pending invitation
    names only the address it was sent to. The equity officer role is offered only by its own
    explicit tick, and only an accepted invitation that ticked it makes someone an equity
    officer.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("email address")
    is_admin = models.BooleanField("administrator", default=False)
    is_equity_officer = models.BooleanField("equity officer", default=False)
    is_portfolio_viewer = models.BooleanField("portfolio viewer", default=False)
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was accepted, declined or withdrawn."
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_address",
                violation_error_message="An invitation to this address is already waiting for "
                "an answer.",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(responded_at__isnull=False),
                name="invitation_answered_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.email} from {self.organisation}"

    @property
    def roles(self) -> list[str]:
        """The standing offered, in words."""
        offered = [
            ("Administrator", self.is_admin),
            ("Equity officer", self.is_equity_officer),
            ("Portfolio viewer", self.is_portfolio_viewer),
        ]
        return [label for label, ticked in offered if ticked] or ["Member"]
