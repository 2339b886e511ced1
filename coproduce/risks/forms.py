from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coproduce.catalogue.models import CatalogueItem, Stage
from coproduce.core.concurrency import VersionField
from coproduce.core.forms import ChoicesOfRecords
from coproduce.costs.forms import money_field
from coproduce.projects.forms import StageChoiceField
from coproduce.projects.models import Membership, Project
from coproduce.risks.estimates import order_problem
from coproduce.risks.forecast import (
    COST_SHARE_BY_IMPACT,
    DELAY_BY_IMPACT,
    PROBABILITY_BY_LIKELIHOOD,
)
from coproduce.risks.models import (
    IMPACT_HELP,
    LIKELIHOOD_HELP,
    Impact,
    Likelihood,
    Risk,
    RiskStatus,
)
from coproduce.risks.services import MIN_ITERATIONS
from coproduce.risks.simulation import MAX_ITERATIONS


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.person.name} ({obj.get_role_display()})"


def _weeks(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=1,
        required=False,
        min_value=Decimal(0),
        widget=forms.NumberInput(attrs={"min": "0", "inputmode": "decimal"}),
    )


def _optional_money(label: str) -> forms.DecimalField:
    return money_field(label, required=False)


class RiskForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    stage = StageChoiceField(queryset=Stage.objects.all(), help_text="When it could happen.")
    likelihood = forms.TypedChoiceField(
        choices=Likelihood.choices,
        coerce=int,
        widget=forms.RadioSelect,
        initial=Likelihood.POSSIBLE,
    )
    impact = forms.TypedChoiceField(
        choices=Impact.choices, coerce=int, widget=forms.RadioSelect, initial=Impact.MODERATE
    )
    owner = MemberChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        help_text="The member who watches this risk and leads its mitigation.",
    )
    mitigation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the team will do to make it less likely or less harmful.",
    )
    status = forms.ChoiceField(choices=RiskStatus.choices, initial=RiskStatus.OPEN)
    probability = forms.DecimalField(
        label="Probability of occurring",
        max_digits=4,
        decimal_places=3,
        min_value=Decimal(0),
        max_value=Decimal(1),
        required=False,
        widget=forms.NumberInput(attrs={"min": "0", "max": "1"}),
        help_text="Between 0 and 1. Leave empty to use the default for its likelihood.",
    )
    delay_low = _weeks("Delay, optimistic (weeks)")
    delay_mode = _weeks("Delay, most likely (weeks)")
    delay_high = _weeks("Delay, pessimistic (weeks)")
    cost_low = _optional_money("Extra cost, optimistic")
    cost_mode = _optional_money("Extra cost, most likely")
    cost_high = _optional_money("Extra cost, pessimistic")
    version = VersionField()

    def __init__(
        self, *args: Any, project: Project, risk: Risk | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if risk is None:
            del self.fields["version"]  # a new risk has no earlier version to be stale against
        owner = self.fields["owner"]
        assert isinstance(owner, MemberChoiceField)
        owner.queryset = Membership.objects.filter(project=project).select_related("person")
        self.fields["likelihood"].help_text = " ".join(
            f"{n}: {text}" for n, text in LIKELIHOOD_HELP.items()
        )
        self.fields["impact"].help_text = " ".join(
            f"{n}: {text}" for n, text in IMPACT_HELP.items()
        )
        for name in ("cost_low", "cost_mode", "cost_high"):
            self.fields[name].label = f"{self.fields[name].label} ({project.currency})"

    @staticmethod
    def initial_for(risk: Risk) -> dict[str, Any]:
        return {name: getattr(risk, name) for name in RiskForm.base_fields}

    def hints(self) -> dict[str, str]:
        """The forecast defaults for the likelihood and impact chosen, or for the ones the
        form started with while a choice sent is not one of the choices."""
        return default_hints(self._chosen("likelihood"), self._chosen("impact"))

    def _chosen(self, name: str) -> int:
        field = self.fields[name]
        try:
            return int(field.clean(self[name].value()))
        except ValidationError:
            return int(self.get_initial_for_field(field, name))


class AdoptForm(forms.Form):
    items = ChoicesOfRecords(
        queryset=CatalogueItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Which of these apply to your study?",
        error_messages={"required": "Tick at least one item to adopt."},
    )

    def __init__(self, *args: Any, choices: list[CatalogueItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = CatalogueItem.objects.filter(pk__in=[item.pk for item in choices])


class ReviewForm(forms.Form):
    likelihood = forms.TypedChoiceField(choices=Likelihood.choices, coerce=int)
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int)
    status = forms.ChoiceField(choices=RiskStatus.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="What changed, or why it stays as it is",
    )

    @staticmethod
    def initial_for(risk: Risk) -> dict[str, Any]:
        return {"likelihood": risk.likelihood, "impact": risk.impact, "status": risk.status}


class GateForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Note on the stage as a whole",
        help_text="What the team learned, and anything the next stage should watch.",
    )


class StageEstimateForm(forms.Form):
    duration_low = _weeks("Weeks, optimistic")
    duration_mode = _weeks("Weeks, most likely")
    duration_high = _weeks("Weeks, pessimistic")
    cost_low = _optional_money("Cost, optimistic")
    cost_mode = _optional_money("Cost, most likely")
    cost_high = _optional_money("Cost, pessimistic")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for prefix, what in (("duration", "weeks"), ("cost", "costs")):
            problem = order_problem(
                *(data.get(f"{prefix}_{p}") for p in ("low", "mode", "high")), what=what
            )
            if problem is not None:
                self.add_error(f"{prefix}_high", problem)
        return data


class ForecastForm(forms.Form):
    label = forms.CharField(
        max_length=200,
        required=False,
        help_text="A name to find this run by later, such as “before the ethics decision”.",
    )
    iterations = forms.IntegerField(
        initial=20_000,
        min_value=MIN_ITERATIONS,
        help_text=(
            f"How many futures to simulate. 20,000 gives stable percentiles in well under a "
            f"second; more than 100,000 runs in the background. The most is {MAX_ITERATIONS:,}; "
            "larger numbers are cut down to it."
        ),
    )
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="The same seed and inputs give the same result. Leave empty for a new one.",
    )
    distribution = forms.ChoiceField(
        choices=[
            ("pert", "PERT (weights the most likely estimate; recommended)"),
            ("triangular", "Triangular (more weight on the extremes)"),
        ],
        initial="pert",
        widget=forms.RadioSelect,
    )


def default_hints(risk_likelihood: int, risk_impact: int) -> dict[str, str]:
    """The defaults a risk's forecast inputs fall back on, written out for the form."""
    delay = DELAY_BY_IMPACT[risk_impact]
    shares = COST_SHARE_BY_IMPACT[risk_impact]
    return {
        "probability": str(PROBABILITY_BY_LIKELIHOOD[risk_likelihood]),
        "delay": " / ".join(f"{v:g}" for v in delay),
        "cost": " / ".join(f"{v * 100:g}%" for v in shares),
    }
