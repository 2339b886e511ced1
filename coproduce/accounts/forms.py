from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from coproduce.accounts.models import CareerStage, Contract, Gender, Person


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive.",
        "inactive": "This account is inactive. Ask your organisation's administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )


class EquityForm(forms.ModelForm[Person]):
    career_stage = forms.ChoiceField(
        choices=[("", "Not answered"), *CareerStage.choices],
        required=False,
        widget=forms.RadioSelect,
        label="Career stage",
    )
    contract = forms.ChoiceField(
        choices=[("", "Not answered"), *Contract.choices],
        required=False,
        widget=forms.RadioSelect,
        label="Contract",
    )
    gender = forms.ChoiceField(
        choices=[("", "Not answered"), *Gender.choices],
        required=False,
        widget=forms.RadioSelect,
        label="Gender",
    )

    class Meta:
        model = Person
        fields = [
            "career_stage",
            "contract",
            "gender",
            "gender_self_description",
            "equity_consent",
        ]
        labels = {"gender_self_description": "If you describe yourself another way (optional)"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("gender_self_description", "").strip()
            and data.get("gender") != Gender.SELF_DESCRIBED
        ):
            self.add_error(
                "gender_self_description",
                "Choose 'I describe myself another way' to add your own description.",
            )
        return data
