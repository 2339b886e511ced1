import pytest, re
from playwright.sync_api import Page, expect
from tests.e2e.conftest import sign_in
from tests.factories import make_organisation, make_project, make_user
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
def test_dbg(page: Page):
    org = make_organisation(); lead = make_user(organisation=org); p = make_project(by=lead, organisation=org)
    sign_in(page, lead); page.goto(f"/projects/{p.pk}/involvement/")
    page.locator("#cell-researcher-2 a").click()
    page.wait_for_timeout(1500)
    print(page.locator("#cell-researcher-2").inner_html())
