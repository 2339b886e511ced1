from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy

from coproduce.accounts.forms import EquityForm, SignInForm
from coproduce.accounts.models import Person
from coproduce.accounts.services import password_changed, person_update_equity
from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, has_permission


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_changed")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(by=form.user)
        return response


class PasswordChangedView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_changed.html"


@login_required
def my_equity(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        return render(request, "accounts/person_missing.html")
    return redirect("accounts:equity", person_id=person.pk)


@login_required
def equity_edit(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.with_organisation(), pk=person_id)
    if not has_permission(request.user, Permission.EQUITY_VIEW, person=person):
        # Not 403: that would tell anyone which people exist.
        raise Http404("No such person")
    may_edit = has_permission(request.user, Permission.EQUITY_EDIT, person=person)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied("Only the person themselves may change these answers.")
    form = EquityForm(form_data(request), instance=person)
    save = partial(person_update_equity, by=request.user, person=person)
    if submit(request, form, save) is not None:
        messages.success(request, "Your answers have been saved.")
        return redirect("accounts:equity", person_id=person.pk)
    return render(
        request,
        "accounts/person_equity.html",
        {"form": form, "person": person, "is_self": may_edit},
    )
