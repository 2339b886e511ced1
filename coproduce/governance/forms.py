from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coproduce.accounts.models import PartyKind
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import VersionField
from coproduce.core.forms import ChoicesOfRecords, ConfirmField, DateInput
from coproduce.costs.models import Activity
from coproduce.governance.charter import SECTIONS
from coproduce.governance.models import CharterVersion, DecisionKind, DecisionMethod
from coproduce.projects.forms import StageChoiceField
from coproduce.projects.models import Membership, Project, ProjectRole
from coproduce.risks.forms import MemberChoiceField


class MembersField(ChoicesOfRecords[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.person.name} ({obj.person.get_party_display()})"


class CharterForm(forms.Form):
    """Every section's text, the methods allowed for each kind of decision, and who may see
    outputs early: one form for a new version."""

    change_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What changed, and why",
        help_text="Members see this when they are asked to acknowledge the new version.",
    )
    early_access = forms.MultipleChoiceField(
        choices=ProjectRole.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Who may see outputs before their release date",
    )
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in SECTIONS:
            self.fields[f"section_{section.code}"] = forms.CharField(
                label=section.title,
                help_text=section.explains,
                widget=forms.Textarea(attrs={"rows": 5}),
                required=False,
            )
        for kind, label in DecisionKind.choices:
            self.fields[f"methods_{kind}"] = forms.MultipleChoiceField(
                choices=DecisionMethod.choices,
                widget=forms.CheckboxSelectMultiple,
                label=f"Methods allowed for {label.lower()}",
                required=False,
            )

    @staticmethod
    def initial_for(version: CharterVersion, concurrency: int) -> dict[str, Any]:
        initial: dict[str, Any] = {"early_access": version.early_access, "version": concurrency}
        initial.update({f"section_{code}": text for code, text in version.sections.items()})
        initial.update({f"methods_{kind}": methods for kind, methods in version.methods.items()})
        return initial

    def section_fields(self) -> list[forms.BoundField]:
        return [self[f"section_{s.code}"] for s in SECTIONS]

    def method_fields(self) -> list[forms.BoundField]:
        return [self[f"methods_{kind}"] for kind in DecisionKind.values]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "sections": {s.code: data[f"section_{s.code}"] for s in SECTIONS},
            "methods": {kind: data[f"methods_{kind}"] for kind in DecisionKind.values},
            "early_access": data["early_access"],
            "change_note": data["change_note"],
            "version": data["version"],
        }


class DecisionForm(forms.Form):
    title = forms.CharField(max_length=300, label="What was decided")
    detail = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    kind = forms.ChoiceField(choices=DecisionKind.choices, label="Kind of decision")
    method = forms.ChoiceField(
        choices=DecisionMethod.choices,
        label="How it was decided",
        help_text="The charter says which methods the team allows for each kind of decision.",
    )
    stage = StageChoiceField(queryset=Stage.objects.all(), empty_label=None)
    decided_on = forms.DateField(widget=DateInput())
    activity = forms.ModelChoiceField(
        queryset=Activity.objects.none(),
        required=False,
        label="Where it was decided",
        help_text="The meeting or workshop, if it was logged.",
    )
    present = MembersField(
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members present",
    )
    other_parties = forms.MultipleChoiceField(
        choices=PartyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Other parties present",
        help_text="Parties present through people who are not project members.",
    )
    accountable = MemberChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        help_text="Who is accountable for carrying it out.",
    )
    version = VersionField()
    confirmed = ConfirmField()

    def __init__(self, *args: Any, project: Project, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(project=project).select_related("person")
        for name in ("present", "accountable"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = members
        activity = self.fields["activity"]
        assert isinstance(activity, forms.ModelChoiceField)
        activity.queryset = Activity.objects.filter(project=project).order_by("-date")
        if not editing:
            del self.fields["version"]


# A row with any of these given is a dissent to record, or an error; never silently dropped.
DISSENT_FIELDS = ("membership", "name", "party", "reason")


class DissentForm(forms.Form):
    membership = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, label="Member who dissented"
    )
    name = forms.CharField(max_length=200, required=False, label="Or their name, if not a member")
    party = forms.ChoiceField(
        choices=[("", "Choose one"), *PartyKind.choices], required=False, label="Their party"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why they dissented"
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Membership.objects.filter(project=project).select_related("person")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(data.get(k) for k in DISSENT_FIELDS)
        if not filled:
            return data
        if not data.get("membership") and not data.get("name"):
            raise ValidationError("Choose the member who dissented, or give their name.")
        if data.get("membership") and (data.get("name") or data.get("party")):
            # Not silently dropped: a member's name and party are those of the member.
            self.add_error(
                "name" if data.get("name") else "party",
                "Choose a member or give the name and party of someone who is not one, not both.",
            )
        if not data.get("membership") and not data.get("party"):
            self.add_error("party", "Give the party of someone who is not a member.")
        if not data.get("reason"):
            self.add_error("reason", "Record why they dissented.")
        return data

    @property
    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in DISSENT_FIELDS)


DissentFormSet = forms.formset_factory(DissentForm, extra=2)
