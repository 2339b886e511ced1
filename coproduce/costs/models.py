"""Question 3: what co-production costs and who bears it.

A cost item is planned or actual money; an activity is a piece of co-production work whose
attendees' hours become time entries; rate cards say what an hour of someone's time is worth
and what public contributors are paid; payment thresholds say when a payment may put a
contributor's benefits at risk. Burden (who carries all of this) is computed from these rows,
never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from coproduce.accounts.models import Organisation, Person
from coproduce.catalogue.models import Stage
from coproduce.costs.money import DEFAULT_CURRENCY, validate_currency
from coproduce.projects.models import Membership, Project

ZERO = Decimal(0)


def currency_field() -> models.CharField[str, str]:
    return models.CharField(
        max_length=3,
        default=DEFAULT_CURRENCY,
        validators=[validate_currency],
        help_text="ISO 4217 code, such as GBP, EUR or USD.",
    )


def hours_field(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        verbose_name,
        max_digits=6,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO, "Hours cannot be negative.")],
    )


class CostCategory(models.TextChoices):
    STAFF_TIME = "staff_time", "Staff time"
    CONTRIBUTOR_PAYMENT = "contributor_payment", "Contributor payment"
    TRAVEL = "travel", "Travel"
    VENUE_CATERING = "venue_catering", "Venue and catering"
    ACCESSIBILITY_CARE = "accessibility_care", "Accessibility and care"
    TRAINING = "training", "Training"
    ADMINISTRATION = "administration", "Administration"
    KNOWLEDGE_BROKER = "knowledge_broker", "Knowledge broker"
    OTHER = "other", "Other"


class DefrayedBy(models.TextChoices):
    """Who pays in the end."""

    PROJECT_BUDGET = "project_budget", "Project budget line"
    PARTNER_IN_KIND = "partner_in_kind", "Partner in kind"
    UNFUNDED = "unfunded", "Unfunded or absorbed"


class CostStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTUAL = "actual", "Actual"


class RateKind(models.TextChoices):
    CONTRIBUTOR = "contributor", "Public contributor payment"
    STAFF = "staff", "Staff time by grade"


class RateUnit(models.TextChoices):
    HOUR = "hour", "Per hour"
    HALF_DAY = "half_day", "Per half day"
    DAY = "day", "Per day"


class RateQuerySet(models.QuerySet["Rate"]):
    def for_organisation(self, organisation: Organisation | int) -> RateQuerySet:
        """The organisation's own rates and the shipped defaults."""
        return self.filter(Q(organisation=organisation) | Q(organisation__isnull=True))


class Rate(models.Model):
    """One line of a rate card: a payment rate for public contributors, or the hourly cost of
    staff at a grade. Rates without an organisation are the shipped, cited defaults, which
    organisations copy and adjust; they are never edited in place."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="rates"
    )
    code = models.SlugField(
        max_length=60, blank=True, help_text="Identifies a shipped default across releases."
    )
    kind = models.CharField(max_length=20, choices=RateKind.choices)
    label = models.CharField(max_length=120, help_text='For example "Half day" or "Grade 7".')
    unit = models.CharField(max_length=10, choices=RateUnit.choices, default=RateUnit.HOUR)
    hours_in_unit = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text="How many hours one unit covers, to cost time by the hour.",
    )
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    currency = currency_field()
    year = models.PositiveSmallIntegerField(help_text="The year the rate applies to.")
    source = models.CharField(
        max_length=300, help_text="Where the rate comes from: a published guidance or a policy."
    )
    note = models.TextField(
        blank=True,
        default="Check the current guidance before relying on this rate.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RateQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-year", "label", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_amount_not_negative"),
            models.CheckConstraint(condition=~Q(source=""), name="rate_has_source"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True) & ~Q(code=""),
                name="rate_default_code_unique",
            ),
        ]

    def __str__(self) -> str:
        unit = self.get_unit_display().lower()
        return f"{self.label} ({self.year}): {self.amount} {self.currency} {unit}"

    @property
    def hourly(self) -> Decimal:
        """The cost of one hour at this rate, exact to 4 places (the time-entry precision)."""
        return (self.amount / self.hours_in_unit).quantize(Decimal("0.0001"))


class ThresholdPeriod(models.TextChoices):
    WEEK = "week", "Week (Monday to Sunday)"
    MONTH = "month", "Calendar month"
    YEAR = "year", "Calendar year"


class PaymentThresholdQuerySet(models.QuerySet["PaymentThreshold"]):
    def in_force(self, organisation: Organisation | int, on: object) -> PaymentThresholdQuerySet:
        return self.filter(
            Q(organisation=organisation) | Q(organisation__isnull=True),
            Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        )


class PaymentThreshold(models.Model):
    """A limit on a contributor's earnings in a period above which a benefit, or a tax
    position, may be affected. Dated: a threshold applies to payments between its dates."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="thresholds"
    )
    code = models.SlugField(max_length=60, blank=True)
    name = models.CharField(max_length=200)
    period = models.CharField(max_length=10, choices=ThresholdPeriod.choices)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    currency = currency_field()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300)
    note = models.TextField(
        blank=True,
        default="Thresholds change every year: check the current figure before relying on it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentThresholdQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="threshold_has_source"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="threshold_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True) & ~Q(code=""),
                name="threshold_default_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from:%Y})"


class MemberTerms(models.Model):
    """How a project member's time is costed and who pays for it. Without terms, the member's
    hours are counted but given no money value (public contributors are usually paid through
    recorded payments instead, so their time is not counted twice)."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="terms", primary_key=True
    )
    rate = models.ForeignKey(
        Rate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    defrayed_by = models.CharField(
        "time paid for by",
        max_length=20,
        choices=DefrayedBy.choices,
        default=DefrayedBy.PROJECT_BUDGET,
        help_text="Unfunded time is work the person's organisation, or the person, absorbs.",
    )

    class Meta:
        verbose_name_plural = "member terms"

    def __str__(self) -> str:
        return f"Terms of {self.membership}"


class CostItem(models.Model):
    """A planned or actual cost: money, or hours at a rate. The bearer is the person or
    organisation who carries it; "defrayed by" says who pays in the end."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cost_items")
    status = models.CharField(max_length=10, choices=CostStatus.choices)
    category = models.CharField(max_length=30, choices=CostCategory.choices)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    bearer_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="costs_borne"
    )
    bearer_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="costs_borne"
    )
    payee = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text="For contributor payments: who is paid.",
    )
    defrayed_by = models.CharField(max_length=20, choices=DefrayedBy.choices)
    budget_line = models.CharField(max_length=120, blank=True)
    date = models.DateField(null=True, blank=True)
    currency = currency_field()
    hours = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"), "Hours must be more than zero.")],
    )
    rate = models.DecimalField(
        "hourly rate",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO, "A rate cannot be negative.")],
    )
    # Exact: hours x rate when costed by the hour, so the database can sum it. 15 digits at
    # most, because SQLite keeps decimals as doubles, exact to 15 significant digits.
    amount = models.DecimalField(
        max_digits=15, decimal_places=4, validators=[MinValueValidator(ZERO)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage__number", "date", "pk"]
        indexes = [models.Index(fields=["project", "status"], name="cost_item_project_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(bearer_person__isnull=True) ^ Q(bearer_organisation__isnull=True),
                name="cost_item_one_bearer",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_item_not_negative"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True, rate__isnull=True)
                | Q(hours__isnull=False, rate__isnull=False),
                name="cost_item_hours_with_rate",
            ),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(date__isnull=False),
                name="cost_item_actual_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.description}"

    @property
    def bearer(self) -> Person | Organisation:
        bearer = self.bearer_person or self.bearer_organisation
        assert bearer is not None
        return bearer


class ActivityKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    WORKSHOP = "workshop", "Workshop"
    REVIEW = "review", "Review of documents"
    INTERVIEW = "interview", "Interview or focus group"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class Activity(models.Model):
    """A meeting, workshop, review or other piece of co-production work. Each attendee's hours
    are a time entry."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    title = models.CharField(max_length=200)
    date = models.DateField()
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    # The meeting's length: an attendee's attendance when theirs is not given.
    duration = models.DecimalField(
        "length in hours",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO, "The length cannot be negative.")],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["project", "date"], name="activity_project_date")]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%-d %b %Y})"


class HourKind(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    PREPARATION = "preparation", "Preparation"
    ADMINISTRATION = "administration", "Administration"
    FOLLOW_UP = "follow_up", "Follow-up"


HOUR_FIELDS = {kind: f"{kind.value}_hours" for kind in HourKind}


class HasHours(Protocol):
    @property
    def attendance_hours(self) -> Decimal: ...
    @property
    def preparation_hours(self) -> Decimal: ...
    @property
    def administration_hours(self) -> Decimal: ...
    @property
    def follow_up_hours(self) -> Decimal: ...


def total_hours(hours: HasHours | Mapping[str, Decimal]) -> Decimal:
    """The four kinds of hours added up: the one definition of a time entry's hours, for
    entries, attendees, import rows and the demo alike."""
    if isinstance(hours, Mapping):
        return sum((hours[name] for name in HOUR_FIELDS.values()), ZERO)
    return (
        hours.attendance_hours
        + hours.preparation_hours
        + hours.administration_hours
        + hours.follow_up_hours
    )


class TimeEntry(models.Model):
    """Hours one person gave to the project on a date, by kind: at an activity, or on other
    co-production work. Costed at the person's rate when they have one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="time_entries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="time_entries")
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="time_entries"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    description = models.CharField(max_length=200, blank=True)
    attendance_hours = hours_field("attendance")
    preparation_hours = hours_field("preparation")
    administration_hours = hours_field("administration")
    follow_up_hours = hours_field("follow-up")
    contributions = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many times they spoke or contributed, if counted."
    )
    defrayed_by = models.CharField(
        "paid for by", max_length=20, choices=DefrayedBy.choices, default=DefrayedBy.PROJECT_BUDGET
    )
    rate = models.DecimalField(
        "hourly rate", max_digits=12, decimal_places=4, null=True, blank=True
    )
    # The rate as written on the card when the entry was costed (£75 per 3.5 hours): a changed
    # entry is re-costed from it, exactly as a new one is (money.time_cost), never from the
    # rounded hourly rate above. Entries costed before this was kept have their hourly rate
    # per 1 hour.
    rate_amount = models.DecimalField(
        "rate as written", max_digits=14, decimal_places=4, null=True, blank=True
    )
    rate_hours = models.DecimalField(
        "hours the rate covers", max_digits=4, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, blank=True)
    # money.time_cost(hours, rate_amount, rate_hours), stored so the database can sum it.
    cost = models.DecimalField(max_digits=15, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name_plural = "time entries"
        indexes = [
            # Covers the burden analysis: its one big aggregate reads this index alone, in
            # order (see costs.queries.person_loads).
            models.Index(
                fields=[
                    "project",
                    "person",
                    "currency",
                    "defrayed_by",
                    "attendance_hours",
                    "preparation_hours",
                    "administration_hours",
                    "follow_up_hours",
                    "cost",
                ],
                name="time_entry_burden",
            ),
            models.Index(fields=["project", "date"], name="time_entry_project_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=Q(activity__isnull=False),
                name="time_entry_once_per_activity",
            ),
            models.CheckConstraint(
                condition=Q(attendance_hours__gte=0)
                & Q(preparation_hours__gte=0)
                & Q(administration_hours__gte=0)
                & Q(follow_up_hours__gte=0),
                name="time_entry_hours_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True, cost__isnull=True)
                | Q(rate__isnull=False, cost__isnull=False),
                name="time_entry_cost_with_rate",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True, rate_amount__isnull=True, rate_hours__isnull=True)
                | Q(rate__isnull=False, rate_amount__isnull=False, rate_hours__gt=0),
                name="time_entry_rate_as_written",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.hours} h on {self.date}"

    @property
    def hours(self) -> Decimal:
        return total_hours(self)


class HeldImport(models.Model):
    """An import file kept between its check and the person's confirmation of its warnings.

    The bytes live in a private file named by `token` (coproduce.costs.held_imports), never by
    anything the person sent; the row binds the file to the person and project it was checked
    for, so no one else can import it. It is deleted once imported, cancelled or expired.
    """

    token = models.CharField(max_length=64, unique=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The name the file was uploaded with: it names the file in messages and the audit log
    # and decides its type (.csv or .xlsx), as for any upload.
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # The digest of the warnings the person was shown (NeedsConfirmation.digest): the tick
    # confirms those, and only those.
    cautions_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="held_import_expires_at")]

    def __str__(self) -> str:
        return f"{self.filename}, held for confirmation until {self.expires_at:%H:%M}"
