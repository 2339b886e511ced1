from __future__ import annotations

import datetime
import io
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.accounts.models import Organisation, PartyKind, Person
from coproduce.catalogue.models import Stage
from coproduce.core.forms import apply_errors, ask_to_confirm, row_errors, submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import (
    Permission,
    has_permission,
    require_organisation_permission,
    require_project_permission,
)
from coproduce.core.removal import Removal, confirm_removal
from coproduce.core.warnings import NeedsConfirmation
from coproduce.costs import charts, held_imports, queries, services, transfer
from coproduce.costs.forms import (
    ActivityForm,
    AttendeeFormSet,
    CostItemForm,
    DisclosureForm,
    ImportConfirmForm,
    ImportForm,
    MemberTermsForm,
    PaymentForm,
    RateForm,
    ThresholdForm,
    TimeEntryForm,
)
from coproduce.costs.models import (
    Activity,
    CostCategory,
    CostItem,
    CostStatus,
    HeldImport,
    MemberTerms,
    PaymentThreshold,
    Rate,
    TimeEntry,
)
from coproduce.projects.models import Membership, Project

PAGE_SIZE = 50
ACTIVITIES_PER_PAGE = 20  # each shows every attendee's hours


def _page(
    request: AuthenticatedHttpRequest, items: QuerySet[Any] | list[Any], size: int = PAGE_SIZE
) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


@require_project_permission(Permission.PROJECT_VIEW)
def budget(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    budgets = queries.budget(project)
    stage_names = dict(Stage.objects.values_list("number", "name"))
    items = CostItem.objects.filter(project=project).select_related(
        "stage", "bearer_person", "bearer_organisation", "payee"
    )
    status = request.GET.get("status")
    if status in CostStatus.values:
        items = items.filter(status=status)
    return render(
        request,
        "costs/budget.html",
        {
            "project": project,
            "budgets": [
                (b, charts.budget_chart(b, stage_names), _stage_rows(b, stage_names))
                for b in budgets
            ],
            "categories": dict(CostCategory.choices),
            "page": _page(request, items),
            "status": status,
        },
    )


def _stage_rows(budget: Any, stage_names: dict[int, str]) -> list[tuple[int, str, Any, bool]]:
    overspent = {o.stage for o in budget.overspends}
    return [
        (number, name, budget.by_stage[number], number in overspent)
        for number, name in stage_names.items()
        if number in budget.by_stage
    ]


@require_project_permission(Permission.COSTS_EDIT)
def cost_item_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    status = request.GET.get("status", CostStatus.PLANNED)
    initial = {
        "status": status if status in CostStatus.values else CostStatus.PLANNED,
        "stage": project.current_stage,
        "bearer": f"org:{project.organisation_id}",
        "defrayed_by": "project_budget",
    }
    form = CostItemForm(form_data(request), project=project, initial=initial)
    save = partial(services.cost_item_create, by=request.user, project=project)
    if submit(request, form, save) is not None:
        messages.success(request, "Cost saved.")
        return redirect("costs:budget", project_id=project.pk)
    return render(request, "costs/cost_item_form.html", {"project": project, "form": form})


@require_project_permission(Permission.COSTS_EDIT)
def cost_item_edit(
    request: AuthenticatedHttpRequest, project: Project, item_id: int
) -> HttpResponse:
    item = get_object_or_404(CostItem, project=project, pk=item_id)
    form = CostItemForm(form_data(request), project=project, initial=CostItemForm.initial_for(item))
    save = partial(services.cost_item_update, by=request.user, item=item)
    if submit(request, form, save) is not None:
        messages.success(request, "Cost saved.")
        return redirect("costs:budget", project_id=project.pk)
    return render(
        request,
        "costs/cost_item_form.html",
        {"project": project, "form": form, "item": item},
    )


@require_http_methods(["GET", "POST"])
@require_project_permission(Permission.COSTS_EDIT)
def cost_item_delete(
    request: AuthenticatedHttpRequest, project: Project, item_id: int
) -> HttpResponse:
    item = get_object_or_404(CostItem, project=project, pk=item_id)

    def remove() -> HttpResponse:
        services.cost_item_delete(by=request.user, item=item)
        messages.success(request, "Cost removed.")
        return redirect("costs:budget", project_id=project.pk)

    removal = Removal(
        what=f"the cost “{item.description}”",
        consequence="It leaves the budget and its totals. The change log keeps a record of it.",
        button="Yes, remove this cost",
        cancel_url=reverse("costs:cost_item_edit", args=[project.pk, item.pk]),
    )
    return confirm_removal(request, project, removal, remove)


@require_project_permission(Permission.COSTS_EDIT)
def payment_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """A contributor payment. If it would take them past a benefit or tax threshold, the form
    comes back with the caution and asks the payer to confirm they have checked."""
    form = PaymentForm(
        form_data(request),
        project=project,
        initial={"stage": project.current_stage, "payee": request.GET.get("payee")},
    )
    record = partial(
        services.cost_item_create,
        by=request.user,
        project=project,
        status=CostStatus.ACTUAL,
        category=CostCategory.CONTRIBUTOR_PAYMENT,
        bearer_organisation=project.organisation,
    )
    saved = submit(request, form, record)
    if saved is not None:
        messages.success(request, f"Payment to {saved.payee} recorded.")
        return redirect("costs:budget", project_id=project.pk)
    return render(request, "costs/payment_form.html", {"project": project, "form": form})


@require_project_permission(Permission.PROJECT_VIEW)
def activity_list(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    activities = (
        Activity.objects.filter(project=project)
        .select_related("stage", "organiser")
        .prefetch_related(
            Prefetch(
                "time_entries",
                queryset=TimeEntry.objects.select_related("person").order_by("person__name"),
            )
        )
    )
    return render(
        request,
        "costs/activity_list.html",
        {"project": project, "page": _page(request, activities, ACTIVITIES_PER_PAGE)},
    )


@require_project_permission(Permission.COSTS_EDIT)
def activity_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    return _activity_form(request, project, None)


@require_project_permission(Permission.COSTS_EDIT)
def activity_edit(
    request: AuthenticatedHttpRequest, project: Project, activity_id: int
) -> HttpResponse:
    activity = get_object_or_404(Activity, project=project, pk=activity_id)
    return _activity_form(request, project, activity)


def _activity_form(
    request: AuthenticatedHttpRequest, project: Project, activity: Activity | None
) -> HttpResponse:
    """One form for the activity and every member's hours at it: tick who came."""
    entries = {e.person_id: e for e in activity.time_entries.all()} if activity else {}
    # Everyone in the project, and anyone who took part and has since left.
    people = list(
        Person.objects.filter(Q(memberships__project=project) | Q(pk__in=list(entries)))
        .distinct()
        .order_by("name", "pk")
    )
    initial = {"stage": project.current_stage, "date": datetime.date.today()}
    if activity is not None:
        initial = {
            name: getattr(activity, name)
            for name in ("kind", "title", "date", "stage", "organiser", "notes", "duration")
        }
    form = ActivityForm(form_data(request), project=project, initial=initial)
    rows = AttendeeFormSet(
        form_data(request),
        prefix="attendee",
        initial=[_row(p, entries.get(p.pk)) for p in people],
        form_kwargs={"people": [p.pk for p in people]},
    )
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        by_id = {p.pk: p for p in people}
        duration = form.cleaned_data["duration"]
        attendees = [
            _attendee(row, by_id, duration)
            for row in rows.cleaned_data
            if row.get("attended") and row.get("person") in by_id
        ]
        try:
            saved = services.activity_save(
                by=request.user,
                project=project,
                activity=activity,
                attendees=attendees,
                **form.cleaned_data,
            )
        except NeedsConfirmation as error:
            ask_to_confirm(form, error)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{saved.title} saved with {len(attendees)} attendees.")
            return redirect("costs:activities", project_id=project.pk)
    names = {p.pk: p for p in people}
    return render(
        request,
        "costs/activity_form.html",
        {
            "project": project,
            "form": form,
            "rows": [(names.get(r.initial.get("person", 0)), r) for r in rows.forms],
            "row_errors": row_errors(
                (
                    (str(names[r.initial["person"]]), r)
                    for r in rows.forms
                    if r.initial.get("person") in names
                ),
                formset=rows,
            ),
            "management_form": rows.management_form,
            "activity": activity,
        },
    )


def _row(person: Person, entry: TimeEntry | None) -> dict[str, Any]:
    if entry is None:
        return {"person": person.pk}
    return {
        "person": person.pk,
        "attended": True,
        "attendance_hours": entry.attendance_hours,
        "preparation_hours": entry.preparation_hours,
        "administration_hours": entry.administration_hours,
        "follow_up_hours": entry.follow_up_hours,
        "contributions": entry.contributions,
    }


def _attendee(
    row: dict[str, Any], people: dict[int, Person], duration: Decimal | None
) -> services.AttendeeTime:
    attendance = row.get("attendance_hours")
    return services.AttendeeTime(
        person=people[row["person"]],
        attendance_hours=attendance if attendance is not None else duration or Decimal(0),
        preparation_hours=row.get("preparation_hours") or Decimal(0),
        administration_hours=row.get("administration_hours") or Decimal(0),
        follow_up_hours=row.get("follow_up_hours") or Decimal(0),
        contributions=row.get("contributions"),
    )


@require_http_methods(["GET", "POST"])
@require_project_permission(Permission.COSTS_EDIT)
def activity_delete(
    request: AuthenticatedHttpRequest, project: Project, activity_id: int
) -> HttpResponse:
    activity = get_object_or_404(Activity, project=project, pk=activity_id)

    def remove() -> HttpResponse:
        services.activity_delete(by=request.user, activity=activity)
        messages.success(request, "Activity and its time removed.")
        return redirect("costs:activities", project_id=project.pk)

    removal = Removal(
        what=f"the activity “{activity.title}”",
        consequence="Everyone's time recorded at it goes with it, and leaves the budget and the "
        "burden figures. The change log keeps a record of it.",
        button="Yes, remove this activity and its time",
        cancel_url=reverse("costs:activity_edit", args=[project.pk, activity.pk]),
    )
    return confirm_removal(request, project, removal, remove)


@require_project_permission(Permission.COSTS_EDIT)
def time_entry_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = TimeEntryForm(
        form_data(request),
        project=project,
        initial={"stage": project.current_stage, "date": datetime.date.today()},
    )
    save = partial(services.time_entry_create, by=request.user, project=project)
    if submit(request, form, save) is not None:
        messages.success(request, "Time logged.")
        return redirect("costs:activities", project_id=project.pk)
    return render(request, "costs/time_entry_form.html", {"project": project, "form": form})


@require_project_permission(Permission.COSTS_EDIT)
def export_file(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Download the project's cost items or time as CSV or XLSX, in the import format. For
    editors only: the files name each person with their hours and payments."""
    kind = request.GET.get("kind", "costs")
    file_format = request.GET.get("format", "csv")
    if kind not in ("costs", "time") or file_format not in ("csv", "xlsx"):
        raise Http404("No such export")
    buffer = io.BytesIO()
    transfer.export(project=project, kind=kind, format=file_format, out=buffer)  # type: ignore[arg-type]
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    name = f"{slugify(project.title)[:40]}-{kind}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_project_permission(Permission.COSTS_EDIT)
def import_upload(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Upload a cost items or time file: every row is checked first, and either all of them
    are saved or none, with each problem listed by row and column. A file whose rows have
    warnings is held on the server until they are confirmed (import_confirm)."""
    form = ImportForm(form_data(request), request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _import_page(request, project, form=form)
    upload = form.cleaned_data["file"]
    try:
        result = transfer.import_file(
            by=request.user, project=project, path_or_file=upload, filename=upload.name
        )
    except transfer.ImportRejected as error:
        return _import_page(request, project, form=form, rejected=error)
    except NeedsConfirmation as asked:
        held = held_imports.held_import_create(
            by=request.user, project=project, upload=upload, asked=asked
        )
        return _import_page(request, project, confirm=_confirm_form(held, asked), asked=asked)
    return _imported(request, project, result, upload.name)


@require_project_permission(Permission.COSTS_EDIT)
@require_POST
def import_confirm(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Import, or cancel, a file held since its upload, once its warnings are confirmed; the
    form posts only the held file's token (someone else's is refused) and the tick."""
    form = ImportConfirmForm(request.POST)
    held = None
    if form.is_valid():
        token = form.cleaned_data["token"]
        held = held_imports.held_import_get(by=request.user, project=project, token=token)
    if held is None:
        return _import_page(request, project, form=ImportForm(), gone=True)
    if "cancel" in request.POST:
        held_imports.held_import_cancel(held=held)
        messages.info(request, f"Nothing was imported from {held.filename}.")
        return redirect("costs:budget", project_id=project.pk)
    try:
        result = held_imports.held_import_confirm(
            by=request.user, project=project, held=held, confirmed=form.cleaned_data["confirmed"]
        )
    except held_imports.HeldImportGone:
        return _import_page(request, project, form=ImportForm(), gone=True)
    except transfer.ImportRejected as error:
        return _import_page(request, project, form=ImportForm(), rejected=error)
    except NeedsConfirmation as asked:
        return _import_page(request, project, confirm=_confirm_form(held, asked), asked=asked)
    return _imported(request, project, result, held.filename)


def _confirm_form(held: HeldImport, asked: NeedsConfirmation) -> ImportConfirmForm:
    form = ImportConfirmForm({"token": held.token})
    form.full_clean()
    ask_to_confirm(form, asked)
    form.held = held  # type: ignore[attr-defined]
    return form


def _import_page(
    request: AuthenticatedHttpRequest,
    project: Project,
    *,
    form: ImportForm | None = None,
    confirm: ImportConfirmForm | None = None,
    asked: NeedsConfirmation | None = None,
    rejected: transfer.ImportRejected | None = None,
    gone: bool = False,
) -> HttpResponse:
    context = {
        "project": project,
        "form": form,
        "confirm": confirm,
        "unlisted": asked.unlisted if asked else 0,
        "rejected": rejected,
        "gone": held_imports.GONE_MESSAGE if gone else None,
    }
    return render(request, "costs/import_form.html", context)


def _imported(
    request: AuthenticatedHttpRequest, project: Project, result: transfer.ImportResult, name: str
) -> HttpResponse:
    messages.success(request, f"Imported all {result.rows:,} rows of {name}.")
    target = "costs:budget" if result.layout == "costs" else "costs:activities"
    return redirect(target, project_id=project.pk)


@require_project_permission(Permission.PROJECT_VIEW)
def burden(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    report = queries.burden_for_project(project)
    named = has_permission(request.user, Permission.BURDEN_NAMED, project=project)
    return render(
        request,
        "costs/burden.html",
        {
            "project": project,
            "report": report,
            "tables": [(t, charts.burden_chart(t)) for t in report.tables],
            "named": named,
            "people_page": _page(request, report.people_by_hours()) if named else None,
            "parties": dict(PartyKind.choices),
        },
    )


@require_project_permission(Permission.PROJECT_VIEW)
def my_record(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """A member's own contribution: their hours, what they have been paid, and whether recent
    payments came near a benefit threshold. Only ever about the person signed in."""
    person = Person.objects.filter(user=request.user).first()
    entries = TimeEntry.objects.filter(project=project, person=person).select_related(
        "activity", "stage"
    )
    load = next(
        (
            p
            for p in queries.person_loads(Project.objects.filter(pk=project.pk))
            if person and p.person_id == person.pk
        ),
        None,
    )
    payments = queries.payments_to(person, project) if person else CostItem.objects.none()
    return render(
        request,
        "costs/my_record.html",
        {
            "project": project,
            "person": person,
            "load": load,
            "chart": charts.person_hours_chart(load) if load and load.total_hours else None,
            "page": _page(request, entries),
            "payments": payments,
            "threshold_checks": queries.threshold_status(person, project) if person else [],
        },
    )


@require_project_permission(Permission.MEMBERS_MANAGE)
def terms(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    memberships = (
        Membership.objects.filter(project=project)
        .select_related("person", "terms__rate")
        .order_by("person__name")
    )
    return render(request, "costs/terms.html", {"project": project, "memberships": memberships})


@require_project_permission(Permission.MEMBERS_MANAGE)
def terms_edit(
    request: AuthenticatedHttpRequest, project: Project, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("person"), project=project, pk=membership_id
    )
    current = MemberTerms.objects.filter(membership=membership).first()
    initial = (
        {"rate": current.rate, "defrayed_by": current.defrayed_by}
        if current
        else {"defrayed_by": "project_budget"}
    )
    form = MemberTermsForm(form_data(request), project=project, initial=initial)
    save = partial(services.member_terms_set, by=request.user, membership=membership)
    if submit(request, form, save) is not None:
        messages.success(request, f"Terms for {membership.person} saved.")
        return redirect("costs:terms", project_id=project.pk)
    return render(
        request,
        "costs/terms_form.html",
        {"project": project, "form": form, "membership": membership},
    )


@require_organisation_permission(Permission.ORGANISATION_VIEW)
def rate_card(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    may_manage = has_permission(
        request.user, Permission.ORGANISATION_MANAGE, organisation=organisation
    )
    return render(
        request,
        "costs/rate_card.html",
        {
            "organisation": organisation,
            "own_rates": Rate.objects.filter(organisation=organisation),
            "default_rates": Rate.objects.filter(organisation__isnull=True),
            "thresholds": PaymentThreshold.objects.filter(organisation=organisation),
            "default_thresholds": PaymentThreshold.objects.filter(organisation__isnull=True),
            "may_manage": may_manage,
            "disclosure_form": DisclosureForm(instance=organisation) if may_manage else None,
        },
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
def rate_edit(
    request: AuthenticatedHttpRequest, organisation: Organisation, rate_id: int | None = None
) -> HttpResponse:
    rate = get_object_or_404(Rate, organisation=organisation, pk=rate_id) if rate_id else None
    form = RateForm(form_data(request), instance=rate)
    save = partial(services.rate_save, by=request.user, organisation=organisation, rate=rate)
    if submit(request, form, save) is not None:
        messages.success(request, "Rate saved.")
        return redirect("organisation_costs:rates", organisation_id=organisation.pk)
    return render(
        request,
        "costs/rate_form.html",
        {"organisation": organisation, "form": form, "rate": rate},
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
@require_POST
def rate_copy_defaults(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    copies = services.rate_copy_defaults(by=request.user, organisation=organisation)
    messages.success(request, f"{len(copies)} default rates copied to your card.")
    return redirect("organisation_costs:rates", organisation_id=organisation.pk)


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
def threshold_edit(
    request: AuthenticatedHttpRequest,
    organisation: Organisation,
    threshold_id: int | None = None,
) -> HttpResponse:
    threshold = (
        get_object_or_404(PaymentThreshold, organisation=organisation, pk=threshold_id)
        if threshold_id
        else None
    )
    form = ThresholdForm(form_data(request), instance=threshold)
    save = partial(
        services.threshold_save, by=request.user, organisation=organisation, threshold=threshold
    )
    if submit(request, form, save) is not None:
        messages.success(request, "Threshold saved.")
        return redirect("organisation_costs:rates", organisation_id=organisation.pk)
    return render(
        request,
        "costs/threshold_form.html",
        {"organisation": organisation, "form": form, "threshold": threshold},
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
@require_POST
def disclosure_edit(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    form = DisclosureForm(request.POST, instance=organisation)
    save = partial(
        services.organisation_disclosure_update, by=request.user, organisation=organisation
    )
    if submit(request, form, save) is not None:
        messages.success(request, "Disclosure settings saved.")
        return redirect("organisation_costs:rates", organisation_id=organisation.pk)
    return render(
        request,
        "costs/disclosure_form.html",
        {"organisation": organisation, "form": form},
    )


@require_organisation_permission(Permission.ORGANISATION_PORTFOLIO)
def organisation_burden(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    """The organisation's projects together, in groups only: never named people."""
    report = queries.burden_for_organisation(organisation)
    return render(
        request,
        "costs/organisation_burden.html",
        {
            "organisation": organisation,
            "report": report,
            "tables": [(t, charts.burden_chart(t)) for t in report.tables],
            "projects": Project.objects.filter(organisation=organisation).count(),
        },
    )
