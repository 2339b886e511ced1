from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from coproduce.accounts.models import PartyKind
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import VersionField
from coproduce.core.forms import ChoicesOfRecords, DateInput
from coproduce.integrity.models import (
    Audience,
    Finding,
    FramingOutcome,
    OutputKind,
    ReleaseDecision,
)
from coproduce.projects.forms import StageChoiceField
from coproduce.projects.models import Project

PARTY_CHOICES = [("", "Choose one"), *PartyKind.choices]


class FindingForm(forms.Form):
    title = forms.CharField(max_length=200)
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The finding as the team states it now, before anyone outside reviews it.",
    )
    stage = StageChoiceField(queryset=Stage.objects.all(), empty_label=None)


class FindingReviseForm(forms.Form):
    title = forms.CharField(max_length=200)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why it changed. The ledger keeps the reason with the change.",
    )
    version = VersionField()


class CommentForm(forms.Form):
    commenter = forms.CharField(
        max_length=200, label="Who commented", help_text="A person, or the body they spoke for."
    )
    party = forms.ChoiceField(choices=PARTY_CHOICES, required=False, label="As which party")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class FramingRequestForm(forms.Form):
    asked_by = forms.CharField(
        max_length=200, label="Who asked", help_text="A person, or the body they spoke for."
    )
    party = forms.ChoiceField(choices=PARTY_CHOICES, required=False, label="As which party")
    request = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What they asked",
        help_text="How they wanted it framed: words to change, emphasis, timing, or leaving "
        "something out.",
    )


class FramingResponseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[c for c in FramingOutcome.choices if c[0] != FramingOutcome.PENDING],
        widget=forms.RadioSelect,
        label="The team's answer",
    )
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="What the team did"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why")


class OutputForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=OutputKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    audience = forms.ChoiceField(choices=Audience.choices, help_text="Who it is written for.")
    release_date = forms.DateField(
        widget=DateInput(),
        help_text="Before this date, only the roles the charter names can see or download it.",
    )
    file = forms.FileField(
        help_text=f"Up to {settings.MAX_OUTPUT_BYTES // 2**20} MB. Its SHA-256 is recorded in "
        "the ledger."
    )
    findings = ChoicesOfRecords(
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The findings this output reports.",
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["findings"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Finding.objects.filter(project=project)


class OutputReviseForm(forms.Form):
    file = forms.FileField(label="The new file")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why it changed. The ledger keeps the reason and both hashes.",
    )
    version = VersionField()


class EarlyReleaseForm(forms.Form):
    requested_by = forms.CharField(max_length=200, label="Who is asking")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why early")


class EarlyReleaseDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[c for c in ReleaseDecision.choices if c[0] != ReleaseDecision.PENDING],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why")
