from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from coproduce.accounts.models import (
    CareerStage,
    Contract,
    Gender,
    Organisation,
    OrganisationMembership,
    PartyKind,
    Person,
    User,
)


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "Enter a correct email address and password. The password is case-sensitive."
        ),
        "inactive": "This account is inactive. Ask your organisation's administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )

    def clean_username(self) -> str:
        # Addresses are stored in lower case (UserManager.create_user).
        return str(self.cleaned_data["username"]).strip().lower()


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


class OrganisationForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = ["name", "kind"]
        labels = {"kind": "Kind of organisation"}


class AddOrganisationMemberForm(forms.Form):
    """Add someone who already signs in (by email), or record someone new, in one form."""

    email = forms.EmailField(
        required=False, label="Email address of someone with a coproduce account"
    )
    new_name = forms.CharField(
        max_length=200,
        required=False,
        label="Or record someone new: their name",
        help_text="They will not be able to sign in, but can take part in projects.",
    )
    new_party = forms.ChoiceField(
        choices=[("", "Choose one"), *PartyKind.choices], required=False, label="They take part as"
    )
    new_role_title = forms.CharField(max_length=200, required=False, label="Role title (optional)")
    is_admin = forms.BooleanField(required=False, label="Administrator")
    is_equity_officer = forms.BooleanField(
        required=False,
        label="Equity officer",
        help_text="May see members' equity answers next to their names.",
    )
    is_portfolio_viewer = forms.BooleanField(required=False, label="Portfolio viewer")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, name = data.get("email", ""), data.get("new_name", "").strip()
        if email and name:
            self.add_error("new_name", "Give an email address or a new name, not both.")
        elif not email and not name:
            self.add_error("email", "Give the email address of an account, or a new name.")
        elif email:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                self.add_error("email", "Nobody with this email address has an account.")
            data["user"] = user
        if name and not data.get("new_party"):
            self.add_error("new_party", "Say what kind of party the new person takes part as.")
        return data


class OrganisationMembershipForm(forms.ModelForm[OrganisationMembership]):
    class Meta:
        model = OrganisationMembership
        fields = ["is_admin", "is_equity_officer", "is_portfolio_viewer"]
        help_texts = {
            "is_equity_officer": "May see members' equity answers next to their names.",
            "is_portfolio_viewer": "May see the organisation's projects in aggregate.",
        }
