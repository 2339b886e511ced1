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


class InvitationForm(forms.Form):
    """Invite an email address to join, offering a standing. Nothing here looks the address up:
    the answer is the same whether or not it has an account."""

    email = forms.EmailField(label="Email address", max_length=254)
    is_admin = forms.BooleanField(
        required=False, label="Administrator", help_text="May invite members and manage them."
    )
    is_equity_officer = forms.BooleanField(
        required=False,
        label="Equity officer",
        help_text="Sees the equity figures of members who chose to be counted, and the answers "
        "of those who chose to be seen by name. Offer this only to someone whose role needs it.",
    )
    is_portfolio_viewer = forms.BooleanField(
        required=False,
        label="Portfolio viewer",
        help_text="Sees the organisation's projects in aggregate.",
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class RecordMemberForm(forms.Form):
    """Record someone who has no account, so they can take part in projects."""

    name = forms.CharField(max_length=200, label="Their name")
    party = forms.ChoiceField(
        choices=[("", "Choose one"), *PartyKind.choices], label="They take part as"
    )
    role_title = forms.CharField(max_length=200, required=False, label="Role title (optional)")


class MembershipSharingForm(forms.ModelForm[OrganisationMembership]):
    class Meta:
        model = OrganisationMembership
        fields = ["counted_in_figures", "seen_by_name"]
        labels = {
            "counted_in_figures": "Count my answers in the organisation's figures",
            "seen_by_name": "Let the organisation's equity officers see my answers by name",
        }
        help_texts = {
            "counted_in_figures": "Your career stage, contract and gender are added to counts "
            "that hide any group of fewer than the organisation's threshold. Nobody sees them "
            "next to your name.",
            "seen_by_name": "Only if you also choose to be counted.",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("seen_by_name") and not data.get("counted_in_figures"):
            self.add_error(
                "seen_by_name",
                "Choose to be counted in the organisation's figures before choosing to be "
                "seen by name.",
            )
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        # clean() names the field; the model's constraint stays as the database's guard.
        pass


class OrganisationMembershipForm(forms.ModelForm[OrganisationMembership]):
    class Meta:
        model = OrganisationMembership
        fields = ["is_admin", "is_equity_officer", "is_portfolio_viewer"]
        help_texts = {
            "is_equity_officer": "Can be taken away here. It is given only by an invitation "
            "that offers it, which the person accepts.",
            "is_portfolio_viewer": "May see the organisation's projects in aggregate.",
        }
