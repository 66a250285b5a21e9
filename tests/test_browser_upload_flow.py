"""The whole first-day flow in a real browser, with a real Celery worker doing the load: an analyst uploads
an ACE ES-003 report, watches its progress reach 100%, and finds the lines listed; then a client user
tries to reach another client's page and is told it does not exist."""

import re

import pytest
from playwright.sync_api import expect

from imports.models import ImportLine, Upload
from tests.conftest import FIXTURES, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(?!login).*"))


def test_analyst_uploads_es003_and_client_user_cannot_cross(
    live_server, live_worker, page, analyst, client_a, client_b, client_user_a
):
    log_in(page, live_server, analyst.username)
    page.goto(f"{live_server.url}/clients/acme/uploads/")
    # Every status the page polls while the worker loads the file.
    seen = []

    def watch(response):
        if "/api/v1/uploads/" in response.url and response.ok:
            seen.append(response.json())

    page.on("response", watch)
    page.set_input_files("input[name=file]", str(FIXTURES / "es003_sample.csv"))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r".*/clients/acme/uploads/\d+/"))

    # The worker finishes, the page stops polling and shows the final state.
    expect(page.locator("[data-field=status]")).to_have_text("Loaded", timeout=30_000)
    upload = Upload.objects.get(client=client_a)
    assert (upload.status, upload.progress) == (Upload.Status.LOADED, 100)
    if seen:  # when the worker was quicker than the first poll there is nothing in between to watch
        progress = [s["progress"] for s in seen]
        assert progress == sorted(progress) and progress[-1] == 100
    assert page.locator('[data-field="created"]').inner_text() == str(ImportLine.objects.count())

    page.get_by_role("link", name="Import lines", exact=True).click()
    expect(page.get_by_role("link", name="B76-7963816-6").first).to_be_visible()
    assert page.get_by_text("6109.10.00.12").count() > 0

    log_in(page, live_server, client_user_a.username)
    response = page.goto(f"{live_server.url}/clients/{client_b.code}/")
    assert response.status == 404
    assert client_b.legal_name not in page.content()
