from __future__ import annotations

from typing import Any

from django import forms

from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import VersionField
from coproduce.participants.models import (
    CODE_HELP,
    CONTACT_MAX,
    NAME_MAX,
    NOTES_MAX,
    SITE_MAX,
    Participant,
    ParticipantStatus,
)
from coproduce.participants.services import Details
from coproduce.projects.forms import StageChoiceField


class ParticipantForm(forms.Form):
    code = forms.CharField(max_length=20, required=False, help_text=CODE_HELP)
    name = forms.CharField(max_length=NAME_MAX, help_text="Encrypted before it is stored.")
    contact = forms.CharField(
        label="Contact details",
        max_length=CONTACT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Telephone, email or address, as the participant prefers. Encrypted.",
    )
    notes = forms.CharField(
        max_length=NOTES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, access needs or when not to call. Encrypted.",
    )
    site = forms.CharField(
        max_length=SITE_MAX,
        help_text="Where they were recruited, such as North clinic. Everyone in the project "
        "sees counts by site, so never write an address or a name here.",
    )
    stage = StageChoiceField(
        queryset=Stage.objects.all(),
        empty_label=None,
        label="Stage of the study",
        help_text="The stage they take part in.",
    )
    status = forms.ChoiceField(choices=ParticipantStatus.choices, initial="recruited")
    version = VersionField()

    def __init__(self, *args: Any, participant: Participant | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if participant is None:
            del self.fields["version"]  # a new participant has no earlier version

    def clean_code(self) -> str:
        return str(self.cleaned_data.get("code") or "").strip().upper()

    @staticmethod
    def initial_for(participant: Participant, details: Details) -> dict[str, Any]:
        return {
            "code": participant.code,
            "name": details.name,
            "contact": details.contact,
            "notes": details.notes,
            "site": participant.site,
            "stage": participant.stage_id,
            "status": participant.status,
            "version": participant.version,
        }


class WithdrawForm(forms.Form):
    erase_details = forms.BooleanField(
        label="Also erase their name, contact details and notes",
        required=False,
        help_text="Only if they asked for this. It cannot be undone; their code, site and "
        "stage stay, so the counts stay right.",
    )
