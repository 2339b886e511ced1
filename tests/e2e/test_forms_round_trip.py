"""Every edit form round-trips, found by crawling the demo as its lead, not from a list.

A person opens an existing record, changes nothing and saves: nothing in the database may
change. They change one field and save: that field, and only that field, reads back changed.
Both run in real Chromium, so what is tested is what a browser does with the page (a date it
cannot parse is blanked, a `maxlength` cuts what is typed, a choice that is not offered is
replaced by the first one) rather than what the server meant to send.

The crawl starts at the home page and follows every link on the site, one page per URL pattern
in each project or organisation (a person's rights differ between them); an edit form is any
POST form on an edit or revise route, or one whose button starts with "Save" on a page that is
not an "add" page. The URLconf is the check on the crawl: every route named as an edit must
have been reached.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from coproduce.accounts.models import User
from coproduce.core.demo import DEMO_LEAD_EMAIL, DEMO_PASSWORD, load_portfolio

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# One page of each kind in each project or organisation meets every form and bounds the crawl.
PAGES_PER_ROUTE = 1
MAX_PAGES = 400
# Not pages: sign-out acts on a GET-less POST, downloads are files.
SKIPPED_ROUTES = {"accounts:logout", "healthz"}
# Bookkeeping that a save may move without changing what was recorded.
BOOKKEEPING_FIELDS = {"updated_at", "version", "last_login"}
BOOKKEEPING_APPS = {"audit", "sessions", "admin", "contenttypes", "django_tasks_database"}
# Edit routes the demo lead cannot reach, with the reason.
NOT_THE_LEADS = {
    # Another person's equity answers are for the organisation's equity officers only.
    "accounts:equity": "equity officers only",
    # The demo keeps the lead out of participants' identifying details: in both projects with
    # participants, another member is the data custodian (coproduce/participants/demo.py).
    "participants:edit": "data custodians only",
}

FIELDS_JS = """form => Array.from(form.elements)
  .filter(e => e.name && !e.disabled && !['submit', 'button', 'hidden', 'file', 'reset']
    .includes(e.type))
  .map(e => ({
    name: e.name, type: e.type, tag: e.tagName.toLowerCase(), id: e.id,
    value: e.value, checked: e.checked, attribute: e.getAttribute('value'),
    options: e.tagName === 'SELECT'
      ? Array.from(e.options).map(o => o.value) : null,
    step: e.getAttribute('step'), min: e.getAttribute('min'), max: e.getAttribute('max'),
    maxlength: e.getAttribute('maxlength'),
  }))"""


@dataclass(frozen=True)
class EditForm:
    url: str
    route: str
    index: int  # among the page's POST forms
    button: str


def route_of(path: str) -> tuple[str, str] | None:
    """The route's name and the project or organisation it is in: a person's rights differ
    between projects, so a few pages of each route are visited in each."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    scope = match.kwargs.get("project_id") or match.kwargs.get("organisation_id") or ""
    return match.view_name, str(scope)


def edit_routes() -> set[str]:
    """Every route in the URLconf whose name says it edits a record."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and is_edit_route(pattern.name or ""):
                names.add(namespace + (pattern.name or ""))

    walk(get_resolver().url_patterns, "")
    return names


def is_edit_route(name: str) -> bool:
    return bool(re.search(r"(^|_)(edit|revise)$", name.rpartition(":")[2]))


def is_add_page(route: str) -> bool:
    return bool(re.search(r"(^|:|_)(add|create|new|register|start)$", route))


def crawl(page: Page) -> list[tuple[str, str]]:
    """Every same-site HTML page the signed-in person can reach, a few per route."""
    seen: set[str] = set()
    per_route: dict[tuple[str, str], int] = {}
    queue = ["/"]
    pages: list[tuple[str, str]] = []
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        found = route_of(urlsplit(url).path)
        if found is None or found[0] in SKIPPED_ROUTES:
            continue
        route = found[0]
        if per_route.get(found, 0) >= PAGES_PER_ROUTE:
            continue
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # an export: a file, not a page
            raise
        assert response is not None
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert response.status < 500, f"{url} answered {response.status}"
        if response.status != 200:
            continue
        per_route[found] = per_route.get(found, 0) + 1
        pages.append((url, route))
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)
    return pages


def post_forms(page: Page) -> Locator:
    return page.locator("form[method=post], form[method=POST]")


def edit_forms_on(page: Page, url: str, route: str) -> list[EditForm]:
    if is_add_page(route):
        return []
    found = []
    forms = post_forms(page)
    for index in range(forms.count()):
        buttons = forms.nth(index).locator("button[type=submit], input[type=submit]")
        labels = [buttons.nth(i).inner_text().strip() for i in range(buttons.count())]
        save = next(
            (label for label in labels if label.startswith("Save") or is_edit_route(route)),
            None,
        )
        if save and page.evaluate(FIELDS_JS, forms.nth(index).element_handle()):
            found.append(EditForm(url, route, index, save))
    return found


def form_state(page: Page, form: EditForm) -> dict[str, Any]:
    """What the browser would submit for each field, as the person sees it."""
    fields = page.evaluate(FIELDS_JS, post_forms(page).nth(form.index).element_handle())
    state: dict[str, Any] = {}
    for field in fields:
        if field["type"] in ("radio", "checkbox"):
            if field["type"] == "radio":
                state.setdefault(field["name"], None)
                if field["checked"]:
                    state[field["name"]] = field["value"]
            else:
                state[f"{field['name']}={field['value']}"] = field["checked"]
        else:
            state[field["name"]] = field["value"]
    return state


# htmx marks the element of a request in flight, then the target while it swaps and settles.
HTMX_IDLE_JS = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def save(page: Page, form: EditForm) -> None:
    """Submit the form and wait until its answer is on the page: a new page for a plain form,
    the swapped-in fragment for an htmx one. Reading the page or the database any earlier
    would judge the form before it was saved."""
    element = post_forms(page).nth(form.index)
    button = element.get_by_role("button", name=form.button, exact=True)
    if element.get_attribute("hx-post"):
        with page.expect_response(lambda response: response.request.method == "POST"):
            button.click()
        page.wait_for_function(HTMX_IDLE_JS)
    else:
        with page.expect_navigation():
            button.click()
    page.wait_for_load_state()


def asks_for_new_input(page: Page, before: dict[str, Any]) -> bool:
    """Whether the only errors are required fields that the form shows empty on purpose: a
    revision asks each time what changed and why, and refusing it without is right."""
    links = page.locator(".error-summary li")
    if not links.count():
        return False
    for index in range(links.count()):
        item = links.nth(index)
        target = item.locator("a").get_attribute("href") if item.locator("a").count() else None
        if not target or not item.inner_text().endswith("This field is required."):
            return False
        field = page.locator(target)
        name = field.get_attribute("name") if field.count() else None
        if name is None or before.get(name) not in ("", None):
            return False
    return True


def error_messages(page: Page) -> list[str]:
    summary = page.locator(".error-summary")
    return [summary.inner_text()] if summary.count() else []


def database() -> dict[tuple[str, Any], dict[str, Any]]:
    """Every stored value outside the change log and bookkeeping, by (model, primary key)."""
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in BOOKKEEPING_APPS:
            continue
        names = [
            f.attname for f in model._meta.concrete_fields if f.attname not in BOOKKEEPING_FIELDS
        ]
        for values in model._default_manager.values_list("pk", *names):
            rows[(model._meta.label, values[0])] = dict(zip(names, values[1:], strict=True))
    return rows


def differences(before: dict[Any, Any], after: dict[Any, Any]) -> list[str]:
    changes = []
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            changes.append(f"{key}: {'added' if old is None else 'removed'}")
        elif old != new:
            changes += [
                f"{key}.{name}: {old[name]!r} -> {new[name]!r}"
                for name in old
                if old[name] != new[name]
            ]
    return sorted(changes)


@pytest.fixture
def demo_lead(framework: None) -> User:
    import_module("coproduce.costs.migrations.0002_load_rates_2025_1").load(apps, None)
    load_portfolio()
    return User.objects.get(email=DEMO_LEAD_EMAIL)


@pytest.fixture
def signed_in(page: Page, demo_lead: User) -> Iterator[Page]:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(DEMO_LEAD_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    yield page


def discover(page: Page) -> list[EditForm]:
    forms: list[EditForm] = []
    for url, route in crawl(page):
        page.goto(url)
        forms += edit_forms_on(page, url, route)
    reached = {form.route for form in forms}
    missed = edit_routes() - reached - NOT_THE_LEADS.keys()
    assert not missed, f"the crawl never reached these edit forms: {sorted(missed)}"
    return forms


def test_every_typed_input_keeps_the_value_the_server_sent(signed_in: Page) -> None:
    """A date, number or email the browser cannot parse is shown blank and saved blank."""
    page = signed_in
    rejected = []
    for url, _ in crawl(page):
        page.goto(url)
        rejected += [
            f"{url} {field['name']} ({field['type']}): sent {field['attribute']!r}"
            for index in range(post_forms(page).count())
            for field in page.evaluate(FIELDS_JS, post_forms(page).nth(index).element_handle())
            if field["attribute"]
            and field["type"] not in ("radio", "checkbox")
            and field["value"] != field["attribute"]
        ]
    assert not rejected, "\n".join(rejected)


def test_saving_an_unchanged_edit_form_changes_nothing(signed_in: Page) -> None:
    page = signed_in
    failures = []
    for form in discover(page):
        page.goto(form.url)
        shown = form_state(page, form)
        before = database()
        save(page, form)
        errors = [] if asks_for_new_input(page, shown) else error_messages(page)
        problems = errors + differences(before, database())
        if problems:
            failures.append(f"{form.url} [{form.button}]:\n  " + "\n  ".join(problems))
    assert not failures, "\n".join(failures)


def changed_value(field: dict[str, Any]) -> str | None:
    """A different value the field accepts, or None when it has no other."""
    kind, value = field["type"], field["value"]
    if field["tag"] == "select":
        others = [o for o in field["options"] if o and o != value]
        return others[0] if others else None
    if kind == "date":
        day = datetime.date.fromisoformat(value) if value else datetime.date(2026, 1, 15)
        return (day + datetime.timedelta(days=1)).isoformat()
    if kind == "number":
        try:
            number = Decimal(value or field["min"] or "0")
        except InvalidOperation:
            return None
        step = Decimal(field["step"]) if field["step"] not in (None, "any") else Decimal(1)
        bumped = number + step
        if field["max"] is not None and bumped > Decimal(field["max"]):
            bumped = number - step
        if field["min"] is not None and bumped < Decimal(field["min"]):
            return None
        return str(bumped)
    if kind == "email":
        return "changed." + value if value else "changed@example.org"
    if kind in ("text", "textarea", "search", "url"):
        if kind == "url":
            return (value.rstrip("/") + "/changed") if value else "https://example.org/changed"
        return (value + " (changed)") if value else "Changed"
    return None


def change(page: Page, form: EditForm, field: dict[str, Any]) -> Any | None:
    """Change one field as a person would; returns the new state key and value."""
    locator = post_forms(page).nth(form.index).locator(f"[name='{field['name']}']")
    if field["type"] == "checkbox":
        box = (
            locator
            if field["attribute"] is None
            else locator.and_(page.locator(f"[value='{field['attribute']}']"))
        )
        box.set_checked(not field["checked"])
        return f"{field['name']}={field['value']}", not field["checked"]
    if field["type"] == "radio":
        return None  # handled per group below
    new = changed_value(field)
    if new is None:
        return None
    if field["tag"] == "select":
        locator.select_option(new)
    else:
        locator.fill(new)
    return field["name"], new


def radio_groups(fields: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for field in fields:
        if field["type"] == "radio":
            groups.setdefault(field["name"], []).append(field)
    return groups


def test_changing_one_field_changes_only_that_field(signed_in: Page) -> None:
    page = signed_in
    failures = []
    # One form of each kind: every field of every form is changed in turn.
    by_route: dict[tuple[str, str], EditForm] = {}
    for form in discover(page):
        by_route.setdefault((form.route, form.button), form)
    for form in by_route.values():
        page.goto(form.url)
        fields = page.evaluate(FIELDS_JS, post_forms(page).nth(form.index).element_handle())
        names = [f for f in fields if f["type"] != "radio" and not f["name"].startswith("confirm")]
        radios = radio_groups(fields)
        for target in [*names, *radios]:
            page.goto(form.url)
            old = form_state(page, form)
            if not isinstance(target, str):
                # Its value now, after the saves before it.
                fresh = page.evaluate(FIELDS_JS, post_forms(page).nth(form.index).element_handle())
                target = next((f for f in fresh if f["name"] == target["name"]), None)
                if target is None:
                    continue
            if isinstance(target, str):
                group = radios[target]
                current = old.get(target)
                other = next((r["value"] for r in group if r["value"] != current), None)
                if other is None:
                    continue
                post_forms(page).nth(form.index).locator(
                    f"input[type=radio][name='{target}'][value='{other}']"
                ).check()
                key, new = target, other
            else:
                changed = change(page, form, target)
                if changed is None:
                    continue
                key, new = changed
            expected = {**old, key: new}
            before = database()
            save(page, form)
            after = database()
            errors = error_messages(page)
            label = f"{form.url} [{form.button}] {key} -> {new!r}"
            if errors:
                # Refused: then nothing may have been saved.
                if differences(before, after):
                    failures.append(f"{label}: refused but saved {differences(before, after)}")
                continue
            if not differences(before, after):
                failures.append(f"{label}: saved without an error but nothing was stored")
                continue
            page.goto(form.url)
            now = form_state(page, form)
            # Fields of the same row may follow: ticking someone as attended fills their hours.
            row = re.match(r"^[a-z_]+-\d+-", key)
            wrong = {
                k: (expected.get(k), now.get(k))
                for k in expected
                if expected[k] != now.get(k)
                and not (row and k.startswith(row.group(0)) and k != key)
            }
            if wrong:
                failures.append(f"{label}: reads back {wrong}")
    assert not failures, "\n".join(failures)
