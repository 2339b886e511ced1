from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from coproduce.accounts.models import Organisation, PartyKind, Person, User
from coproduce.catalogue.models import Stage
from coproduce.core.forms import DateInput
from coproduce.projects.models import Membership, Project, ProjectRole
from coproduce.projects.services import PROJECT_FIELDS


class StageChoiceField(forms.ModelChoiceField[Stage]):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.number}. {obj.name}"


class ProjectForm(forms.ModelForm[Project]):
    current_stage = StageChoiceField(
        queryset=Stage.objects.all(),
        empty_label=None,
        help_text="Where the study is now. Later it moves on through a stage gate, which "
        "reviews the open risks of the stage it leaves.",
    )

    class Meta:
        model = Project
        fields = list(PROJECT_FIELDS)
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "why_coproduce": forms.Textarea(attrs={"rows": 3}),
            "intended_outcomes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"summary": "Two or three sentences a member of the public would follow."}

    # Budget settings have sensible defaults, so a new project does not have to think about
    # them until it plans costs.
    OPTIONAL = ("currency", "overspend_margin")

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "GBP").upper()

    def clean_overspend_margin(self) -> int:
        margin = self.cleaned_data.get("overspend_margin")
        return 10 if margin is None else int(margin)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.of_user(user)
        if self.instance.pk:
            # Editors from partner organisations keep the host; only its members can move it.
            organisations = Organisation.objects.filter(
                Q(pk__in=organisations.values("pk")) | Q(pk=self.instance.organisation_id)
            )
        for name in self.OPTIONAL:
            self.fields[name].required = False
        if self.instance.pk:
            # A project moves on only through its stage gate (risks:stage_gate).
            del self.fields["current_stage"]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["organisation"].help_text = (
            "The organisation that hosts the study. You can choose any you are a member of."
            if organisations.exists()
            else "You are not a member of any organisation yet: add yours under Organisations."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date.")
        return data


class AddMemberForm(forms.Form):
    """Add an existing person, or create someone on the spot, in one form."""

    person = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label="Choose a person",
        help_text="People in your organisations who are not yet in this project.",
    )
    new_name = forms.CharField(
        max_length=200,
        required=False,
        label="Their name",
        help_text="For someone without a coproduce account, such as a public contributor.",
    )
    new_email = forms.EmailField(required=False, label="Their email address (optional)")
    new_party = forms.ChoiceField(
        choices=[("", "Choose one"), *PartyKind.choices], required=False, label="They take part as"
    )
    new_role_title = forms.CharField(max_length=200, required=False, label="Role title (optional)")
    role = forms.ChoiceField(
        choices=[("", "Choose a role"), *ProjectRole.choices],
        label="Project role",
        help_text="What they may do in this project. Only a lead can make someone a lead.",
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.addable_to(project)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, name = data.get("person"), data.get("new_name", "").strip()
        if person and name:
            self.add_error("new_name", "Choose an existing person or add someone new, not both.")
        elif not person and not name and "person" not in self.errors:
            self.add_error("person", "Choose an existing person, or give the name of someone new.")
        if name and not data.get("new_party"):
            self.add_error("new_party", "Say what kind of party the new person takes part as.")
        return data


class MembershipForm(forms.ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ["role", "is_data_custodian"]
