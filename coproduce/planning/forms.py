from __future__ import annotations

from typing import Any

from django import forms

from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.core.forms import ChoicesOfRecords
from coproduce.planning.models import (
    LEVEL_HINTS,
    Contribution,
    EmphasisRating,
    EmphasisScore,
    Involvement,
)


class StagesField(ChoicesOfRecords[Stage]):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.number}. {obj.name}"


class ContributionForm(forms.ModelForm[Contribution]):
    stages = StagesField(
        queryset=Stage.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Stages it is needed at",
        help_text="Tick every stage where this contribution is needed.",
    )

    class Meta:
        model = Contribution
        fields = ["party", "kind", "description", "stages"]
        labels = {"party": "Who brings it", "kind": "What they bring"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"description": "In a sentence or two: what exactly, and how much."}


class InvolvementForm(forms.ModelForm[Involvement]):
    class Meta:
        model = Involvement
        fields = ["level", "purpose", "alternative", "alternative_rejected_because"]
        widgets = {
            "level": forms.RadioSelect,
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "alternative": forms.Textarea(attrs={"rows": 2}),
            "alternative_rejected_because": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        level.choices = [  # type: ignore[attr-defined]
            (value, f"{label}: {LEVEL_HINTS[value]}")
            for value, label in level.choices  # type: ignore[attr-defined]
            if value
        ]
        level.help_text = "The IAP2 spectrum, from the least to the most shared decision-making."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("alternative", "").strip()
            and not data.get("alternative_rejected_because", "").strip()
        ):
            self.add_error(
                "alternative_rejected_because",
                "Say why the alternative was not chosen, or leave the alternative empty.",
            )
        return data


SCORE_CHOICES = [("", "Not scored"), *EmphasisScore.choices]


class EmphasisForm(forms.Form):
    """One score and note per criterion. "Not scored" withdraws an earlier score."""

    def __init__(
        self,
        *args: Any,
        criteria: list[EmphasisCriterion],
        ratings: dict[int, EmphasisRating],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            rating = ratings.get(criterion.pk)
            self.fields[f"score_{criterion.code}"] = forms.TypedChoiceField(
                label=criterion.name,
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                initial=rating.score if rating else None,
                help_text=f"Less when {_lower_first(criterion.less_when)} "
                f"More when {_lower_first(criterion.more_when)}",
            )
            self.fields[f"note_{criterion.code}"] = forms.CharField(
                label=f"Note on {criterion.name.lower()} (optional)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=rating.note if rating else "",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for criterion in self.criteria:
            if data.get(f"note_{criterion.code}", "").strip() and data.get(
                f"score_{criterion.code}"
            ) in (None, ""):
                self.add_error(f"score_{criterion.code}", "Choose a score to go with your note.")
        return data

    def answers(self) -> list[tuple[EmphasisCriterion, int | None, str]]:
        """Each criterion the form answered; a score of None means "Not scored" was chosen.
        Criteria the submission leaves out altogether are left as they are."""
        return [
            (c, self.cleaned_data[f"score_{c.code}"], self.cleaned_data[f"note_{c.code}"])
            for c in self.criteria
            if f"score_{c.code}" in self.data
        ]

    def bound_pairs(self) -> list[tuple[EmphasisCriterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"score_{c.code}"], self[f"note_{c.code}"]) for c in self.criteria]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
