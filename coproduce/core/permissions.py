"""Who may do what: the one place permissions are decided.

Project roles map to sets of permissions. Organisation standing (equity officer) grants the
right to see people's equity attributes. Views use `require_project_permission`; everything
else calls `has_permission`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from coproduce.accounts.models import Organisation, OrganisationMembership
from coproduce.projects.models import Membership, Project, ProjectRole

if TYPE_CHECKING:
    from coproduce.accounts.models import Person, User
    from coproduce.planning.models import Contribution


class Permission(StrEnum):
    PROJECT_VIEW = "project.view"
    PROJECT_EDIT = "project.edit"
    MEMBERS_MANAGE = "members.manage"
    CONTRIBUTIONS_EDIT = "contributions.edit"
    # Change any party's contributions, not only one's own party's (`may_change_contribution`).
    CONTRIBUTIONS_MANAGE = "contributions.manage"
    INVOLVEMENT_EDIT = "involvement.edit"
    EMPHASIS_SCORE = "emphasis.score"
    AUDIT_VIEW = "audit.view"
    COSTS_EDIT = "costs.edit"
    BURDEN_NAMED = "burden.named"
    RISKS_EDIT = "risks.edit"
    GOVERNANCE_EDIT = "governance.edit"
    INTEGRITY_EDIT = "integrity.edit"
    RELEASE_DECIDE = "release.decide"
    PARTICIPANTS_IDENTIFY = "participants.identify"
    EQUITY_VIEW = "equity.view"
    EQUITY_EDIT = "equity.edit"
    ORGANISATION_VIEW = "organisation.view"
    ORGANISATION_MANAGE = "organisation.manage"
    ORGANISATION_PORTFOLIO = "organisation.portfolio"
    ORGANISATION_EQUITY = "organisation.equity"


P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    ProjectRole.LEAD: frozenset(
        {
            P.PROJECT_VIEW,
            P.PROJECT_EDIT,
            P.MEMBERS_MANAGE,
            P.CONTRIBUTIONS_EDIT,
            P.CONTRIBUTIONS_MANAGE,
            P.INVOLVEMENT_EDIT,
            P.EMPHASIS_SCORE,
            P.AUDIT_VIEW,
            P.COSTS_EDIT,
            P.BURDEN_NAMED,
            P.RISKS_EDIT,
            P.GOVERNANCE_EDIT,
            P.INTEGRITY_EDIT,
            P.RELEASE_DECIDE,
        }
    ),
    ProjectRole.RESEARCHER: frozenset(
        {
            P.PROJECT_VIEW,
            P.PROJECT_EDIT,
            P.CONTRIBUTIONS_EDIT,
            P.INVOLVEMENT_EDIT,
            P.EMPHASIS_SCORE,
            P.AUDIT_VIEW,
            P.COSTS_EDIT,
            P.RISKS_EDIT,
            P.GOVERNANCE_EDIT,
            P.INTEGRITY_EDIT,
        }
    ),
    ProjectRole.COORDINATOR: frozenset(
        {
            P.PROJECT_VIEW,
            P.MEMBERS_MANAGE,
            P.CONTRIBUTIONS_EDIT,
            P.CONTRIBUTIONS_MANAGE,
            P.INVOLVEMENT_EDIT,
            P.EMPHASIS_SCORE,
            P.AUDIT_VIEW,
            P.COSTS_EDIT,
            P.BURDEN_NAMED,
            P.RISKS_EDIT,
            P.GOVERNANCE_EDIT,
            P.INTEGRITY_EDIT,
        }
    ),
    ProjectRole.PARTNER: frozenset({P.PROJECT_VIEW, P.CONTRIBUTIONS_EDIT, P.EMPHASIS_SCORE}),
    ProjectRole.PUBLIC_CONTRIBUTOR: frozenset(
        {P.PROJECT_VIEW, P.CONTRIBUTIONS_EDIT, P.EMPHASIS_SCORE}
    ),
    ProjectRole.OBSERVER: frozenset({P.PROJECT_VIEW}),
}
PERSON_PERMISSIONS = frozenset({P.EQUITY_VIEW, P.EQUITY_EDIT})
ORGANISATION_PERMISSIONS = frozenset(
    {P.ORGANISATION_VIEW, P.ORGANISATION_MANAGE, P.ORGANISATION_PORTFOLIO, P.ORGANISATION_EQUITY}
)


def _standing(user: User, project: Project) -> tuple[str, bool] | None:
    """The user's role in the project and whether they are a data custodian, or None. Cached
    on the user object per request."""
    cache: dict[int, tuple[str, bool] | None] = user.__dict__.setdefault("_project_roles", {})
    if project.pk not in cache:
        cache[project.pk] = (
            Membership.objects.filter(project=project, person__user=user)
            .values_list("role", "is_data_custodian")
            .first()
        )
    return cache[project.pk]


def project_role(user: User, project: Project) -> str | None:
    """The user's role in the project, or None."""
    standing = _standing(user, project)
    return standing[0] if standing else None


def has_permission(
    user: User | Any,
    permission: Permission,
    *,
    project: Project | None = None,
    person: Person | None = None,
    organisation: Organisation | None = None,
) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if permission in PERSON_PERMISSIONS:
        if person is None:
            raise ValueError(f"{permission} needs a person")
        # The answers are self-declared: only the person changes them.
        if permission == Permission.EQUITY_EDIT:
            return person.user_id == user.pk
        return _may_see_equity(user, person)
    if permission in ORGANISATION_PERMISSIONS:
        if organisation is None:
            raise ValueError(f"{permission} needs an organisation")
        if permission == Permission.ORGANISATION_EQUITY:
            # Members' equity figures are for the equity officers they accepted, superusers
            # included.
            return _organisation_standing(user, organisation, permission)
        return user.is_superuser or _organisation_standing(user, organisation, permission)
    if project is None:
        raise ValueError(f"{permission} needs a project")
    if permission == Permission.PARTICIPANTS_IDENTIFY:
        # The firewall holds for everyone, superusers included: only the project's named data
        # custodians see who took part.
        standing = _standing(user, project)
        return standing is not None and standing[1]
    if user.is_superuser:
        return True
    role = project_role(user, project)
    return role is not None and permission in ROLE_PERMISSIONS[role]


def may_change_contribution(user: User | Any, contribution: Contribution) -> bool:
    """Whether the user may edit or remove this contribution: those who manage the plan
    (leads and coordinators) may change any; other members who record contributions may change
    the ones they recorded and those of their own party, never another party's."""
    project = contribution.project
    if has_permission(user, Permission.CONTRIBUTIONS_MANAGE, project=project):
        return True
    if not has_permission(user, Permission.CONTRIBUTIONS_EDIT, project=project):
        return False
    if contribution.created_by_id == user.pk:
        return True
    person = getattr(user, "person", None)
    return person is not None and person.party == contribution.party


def _organisation_standing(user: User, organisation: Organisation, permission: Permission) -> bool:
    memberships = OrganisationMembership.objects.filter(
        organisation=organisation, person__user=user
    )
    if permission == Permission.ORGANISATION_MANAGE:
        memberships = memberships.filter(is_admin=True)
    elif permission == Permission.ORGANISATION_PORTFOLIO:
        memberships = memberships.filter(is_portfolio_viewer=True)
    elif permission == Permission.ORGANISATION_EQUITY:
        memberships = memberships.filter(is_equity_officer=True)
    return memberships.exists()


def _may_see_equity(user: User, person: Person) -> bool:
    """The person, and the equity officers of an organisation in which the person accepted
    membership and chose to be seen by name."""
    if person.user_id == user.pk:
        return True
    return OrganisationMembership.objects.filter(
        person__user=user,
        is_equity_officer=True,
        organisation__memberships__person=person,
        organisation__memberships__seen_by_name=True,
    ).exists()


# Views take (request, project or organisation, **url_kwargs). Callable[..., ...] lets each
# view keep its own request type.
type GuardedView = Callable[..., HttpResponseBase]


def require_project_permission(
    permission: Permission,
) -> Callable[[GuardedView], Callable[..., HttpResponseBase]]:
    """Load the project named by `project_id` and check `permission` before the view runs.

    Anonymous users are sent to sign in. People outside the project get 404, so they cannot
    learn which projects exist; members without the permission get 403.
    """
    projects = Project.objects.select_related("current_stage", "organisation")
    return _require(permission, Permission.PROJECT_VIEW, "project", projects)


def require_organisation_permission(
    permission: Permission,
) -> Callable[[GuardedView], Callable[..., HttpResponseBase]]:
    """As `require_project_permission`, for views of the organisation named by
    `organisation_id`."""
    organisations = Organisation.objects.all()
    return _require(permission, Permission.ORGANISATION_VIEW, "organisation", organisations)


def signed_in_for_htmx(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Send a signed-out htmx request to the sign-in page as a whole-page navigation, rather
    than letting the sign-in page be swapped into a fragment of the page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "htmx", False) and not request.user.is_authenticated:
            page = request.htmx.current_url_abs_path or request.get_full_path()  # type: ignore[attr-defined]
            sign_in = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(f"{sign_in}?{urlencode({'next': page})}")
        return view(request, *args, **kwargs)

    return wrapper


def _require(
    permission: Permission, to_see: Permission, kind: str, queryset: QuerySet[Any]
) -> Callable[[GuardedView], Callable[..., HttpResponseBase]]:
    def decorator(view: GuardedView) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        @signed_in_for_htmx
        @login_required
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            target = queryset.filter(pk=kwargs.pop(f"{kind}_id")).first()
            if target is None or not has_permission(request.user, to_see, **{kind: target}):
                raise Http404(f"No such {kind}")
            if not has_permission(request.user, permission, **{kind: target}):
                raise PermissionDenied(f"Your role in this {kind} does not allow this.")
            if isinstance(target, Project):
                # For templates, to show only the actions this person may take.
                request.can = {str(p) for p in permissions_for(request.user, target)}  # type: ignore[attr-defined, arg-type]
            return view(request, target, **kwargs)

        return wrapper

    return decorator


def permissions_for(user: User, project: Project) -> frozenset[Permission]:
    """Everything the user may do in the project, for templates to show or hide actions."""
    granted: frozenset[Permission]
    if user.is_superuser:
        granted = frozenset(Permission) - PERSON_PERMISSIONS - ORGANISATION_PERMISSIONS
        granted -= {Permission.PARTICIPANTS_IDENTIFY}
    else:
        role = project_role(user, project)
        granted = ROLE_PERMISSIONS[role] if role else frozenset()
    if has_permission(user, Permission.PARTICIPANTS_IDENTIFY, project=project):
        granted |= {Permission.PARTICIPANTS_IDENTIFY}
    return granted
