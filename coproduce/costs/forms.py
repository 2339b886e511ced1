from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db.models import Q

from coproduce.accounts.models import Organisation, Person
from coproduce.catalogue.models import Stage
from coproduce.core.forms import ConfirmField, DateInput
from coproduce.costs.models import (
    HOUR_FIELDS,
    ActivityKind,
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    PaymentThreshold,
    Rate,
    RateKind,
)
from coproduce.costs.money import CURRENCIES
from coproduce.costs.services import (
    RATE_FIELDS,
    THRESHOLD_FIELDS,
    project_organisations,
    usable_rates,
)
from coproduce.projects.forms import StageChoiceField
from coproduce.projects.models import Project

NOT_NEGATIVE = [MinValueValidator(Decimal(0), "This cannot be negative.")]


def hours_field(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=2,
        required=False,
        validators=NOT_NEGATIVE,
        widget=forms.NumberInput(attrs={"min": "0", "inputmode": "decimal"}),
        **kwargs,
    )


def money_field(label: str, places: int = 2, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12 + places,
        decimal_places=places,
        validators=NOT_NEGATIVE,
        widget=forms.NumberInput(attrs={"min": "0", "inputmode": "decimal"}),
        **kwargs,
    )


class CurrencyField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", "ISO 4217 code, such as GBP, EUR or USD.")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "class": "input--short"})

    def clean(self, value: Any) -> str:
        code = str(super().clean(value)).strip().upper()
        if code not in CURRENCIES:
            raise ValidationError(f"{code or 'That'} is not an ISO 4217 currency code.")
        return code


def _plain(amount: Decimal) -> Decimal:
    """75.0000 as 75.00: the stored places, without the trailing zeros past the penny."""
    return (
        amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) else amount
    )


class CostItemForm(forms.Form):
    """A planned or actual cost. Plain form, not a ModelForm: the bearer is one choice over
    people and organisations, and amount-or-hours-at-a-rate is decided by the service."""

    status = forms.ChoiceField(choices=CostStatus.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(choices=[("", "Choose a category"), *CostCategory.choices])
    stage = StageChoiceField(queryset=Stage.objects.all(), empty_label="Choose a stage")
    description = forms.CharField(max_length=300)
    bearer = forms.ChoiceField(
        label="Who bears this cost",
        help_text="The person or organisation who carries it, whoever pays in the end.",
    )
    defrayed_by = forms.ChoiceField(
        label="Paid for by",
        choices=DefrayedBy.choices,
        widget=forms.RadioSelect,
        help_text="Unfunded or absorbed means nobody's budget covers it.",
    )
    budget_line = forms.CharField(
        max_length=120, required=False, help_text="Optional. The line in the grant budget."
    )
    date = forms.DateField(
        required=False, widget=DateInput(), help_text="Required for actual costs."
    )
    currency = CurrencyField()
    # Four places, as stored: an imported amount such as 10.1250 can be edited as it is.
    amount = money_field(
        "Amount", places=4, required=False, help_text="Or give hours and a rate below."
    )
    hours = hours_field("Hours")
    rate = money_field("Hourly rate", required=False)
    confirmed = ConfirmField()

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        people = Person.objects.filter(memberships__project=project).order_by("name")
        self.people = {str(p.pk): p for p in people}
        self.organisations = {str(o.pk): o for o in project_organisations(project)}
        self.fields["bearer"].choices = [  # type: ignore[attr-defined]
            ("", "Choose who bears it"),
            ("Organisations", [(f"org:{k}", str(o)) for k, o in self.organisations.items()]),
            ("People in the project", [(f"person:{k}", str(p)) for k, p in self.people.items()]),
        ]
        self.fields["currency"].initial = project.currency

    @classmethod
    def initial_for(cls, item: CostItem) -> dict[str, Any]:
        bearer = (
            f"person:{item.bearer_person_id}"
            if item.bearer_person_id
            else f"org:{item.bearer_organisation_id}"
        )
        fields = ("status", "category", "stage", "description", "defrayed_by", "budget_line")
        initial: dict[str, Any] = {name: getattr(item, name) for name in fields}
        initial.update(
            bearer=bearer,
            date=item.date,
            currency=item.currency,
            amount=None if item.hours is not None else _plain(item.amount),
            hours=item.hours,
            rate=item.rate,
        )
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, _, key = str(data.pop("bearer", "")).partition(":")
        data["bearer_person"] = self.people.get(key) if kind == "person" else None
        data["bearer_organisation"] = self.organisations.get(key) if kind == "org" else None
        return data


class PaymentForm(forms.Form):
    """A payment to a contributor, paid by the project's host organisation."""

    payee = forms.ModelChoiceField(
        queryset=Person.objects.none(), label="Who is paid", empty_label="Choose a member"
    )
    date = forms.DateField(widget=DateInput())
    stage = StageChoiceField(queryset=Stage.objects.all(), empty_label="Choose a stage")
    description = forms.CharField(
        max_length=300, help_text='For example "Advisory group meeting, 3 hours".'
    )
    rate = forms.ModelChoiceField(
        queryset=Rate.objects.none(),
        required=False,
        label="Rate (optional)",
        empty_label="No rate: I will give the amount",
        help_text="Choose a rate and a number of units, or give the amount below.",
    )
    units = forms.DecimalField(
        max_digits=6, decimal_places=2, required=False, validators=NOT_NEGATIVE
    )
    amount = money_field("Amount", required=False)
    currency = CurrencyField()
    defrayed_by = forms.ChoiceField(
        label="Paid for by",
        choices=DefrayedBy.choices,
        initial=DefrayedBy.PROJECT_BUDGET,
        widget=forms.RadioSelect,
    )
    confirmed = ConfirmField()

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payee"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            memberships__project=project
        ).order_by("name")
        self.fields["rate"].queryset = usable_rates(project).filter(  # type: ignore[attr-defined]
            kind=RateKind.CONTRIBUTOR
        )
        self.fields["currency"].initial = project.currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rate, units = data.pop("rate", None), data.pop("units", None)
        if data.get("amount") is None:
            if rate is None or not units:
                raise ValidationError("Give the amount, or choose a rate and a number of units.")
            if data.get("currency") and data["currency"] != rate.currency:
                raise ValidationError(
                    f"The rate is in {rate.currency} but the payment is in {data['currency']}: "
                    "choose a rate in the payment's currency, or give the amount."
                )
            data["amount"] = rate.amount * units
        return data


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Choose a kind"), *ActivityKind.choices])
    title = forms.CharField(max_length=200, help_text='For example "Steering group 4".')
    date = forms.DateField(widget=DateInput())
    stage = StageChoiceField(queryset=Stage.objects.all(), empty_label="Choose a stage")
    organiser = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    duration = hours_field(
        "Length in hours",
        help_text="Used as each attendee's attendance when you leave theirs blank.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirmed = ConfirmField()

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("organiser")
        # A past activity keeps its organiser even if they have since left the project.
        self.fields["organiser"] = forms.ModelChoiceField(
            queryset=Person.objects.filter(
                Q(memberships__project=project) | Q(pk=getattr(current, "pk", None))
            )
            .distinct()
            .order_by("name"),
            required=False,
            empty_label="Nobody in particular",
        )


class AttendeeForm(forms.Form):
    """One member's row in the activity form."""

    person = forms.TypedChoiceField(choices=[], coerce=int, widget=forms.HiddenInput)
    attended = forms.BooleanField(required=False)
    attendance_hours = hours_field("Attendance")
    preparation_hours = hours_field("Preparation")
    administration_hours = hours_field("Administration")
    follow_up_hours = hours_field("Follow-up")
    contributions = forms.IntegerField(
        required=False,
        min_value=0,
        label="Contributions",
        widget=forms.NumberInput(attrs={"min": "0"}),
    )

    def __init__(self, *args: Any, people: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A row stands for one of the people the page listed; any other id is refused rather
        # than its row silently dropped.
        person = self.fields["person"]
        assert isinstance(person, forms.TypedChoiceField)
        person.choices = [(pk, pk) for pk in people]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ATTENDEE_FIGURES if data.get(name) not in (None, "")]
        if given and not data.get("attended"):
            # Not silently dropped: hours typed for someone not ticked would be lost.
            self.add_error("attended", "Tick them as attended, or clear the hours given for them.")
        return data


ATTENDEE_FIGURES = (
    "attendance_hours",
    "preparation_hours",
    "administration_hours",
    "follow_up_hours",
    "contributions",
)

AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=0)


class TimeEntryForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), empty_label="Choose a member")
    date = forms.DateField(widget=DateInput())
    stage = StageChoiceField(queryset=Stage.objects.all(), empty_label="Choose a stage")
    description = forms.CharField(
        max_length=200, help_text='What the work was, for example "Wrote the lay summary".'
    )
    attendance_hours = hours_field("Attendance")
    preparation_hours = hours_field("Preparation")
    administration_hours = hours_field("Administration")
    follow_up_hours = hours_field("Follow-up")
    defrayed_by = forms.ChoiceField(
        label="Paid for by",
        required=False,
        choices=[("", "As the member's terms say"), *DefrayedBy.choices],
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            memberships__project=project
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in HOUR_FIELDS.values():
            data[name] = data.get(name) or Decimal(0)
        return data


class MemberTermsForm(forms.Form):
    rate = forms.ModelChoiceField(
        queryset=Rate.objects.none(),
        required=False,
        empty_label="No rate: count their hours but give them no money value",
        help_text="Public contributors are usually paid through payments, so leave them without "
        "a rate and nothing is counted twice.",
    )
    defrayed_by = forms.ChoiceField(
        label="Their time is paid for by", choices=DefrayedBy.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rate"].queryset = usable_rates(project).select_related(  # type: ignore[attr-defined]
            "organisation"
        )


class RateForm(forms.ModelForm[Rate]):
    currency = CurrencyField()

    class Meta:
        model = Rate
        fields = list(RATE_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2}), "kind": forms.RadioSelect}


class ThresholdForm(forms.ModelForm[PaymentThreshold]):
    currency = CurrencyField()

    class Meta:
        model = PaymentThreshold
        fields = list(THRESHOLD_FIELDS)
        widgets = {
            "valid_from": DateInput(),
            "valid_to": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class DisclosureForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = ["disclosure_threshold", "burden_warning_ratio"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File to import",
        help_text="A cost items or time file, as .csv (UTF-8) or .xlsx, with the columns in the "
        "import format. Every row is checked first: if any row has a problem, nothing is saved.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ImportConfirmForm(forms.Form):
    """Confirm the warnings of a file already uploaded and checked: it is held on the server
    (coproduce.costs.held_imports) under `token`, so it need not be chosen again."""

    token = forms.CharField(
        max_length=64,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"\A[A-Za-z0-9_-]+\Z", "This is not a held file's token.")],
    )
    confirmed = ConfirmField()
