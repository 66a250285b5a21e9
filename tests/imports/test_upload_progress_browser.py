"""The upload page's progress bar follows the upload while it is processed, in a real browser."""

import pytest

from imports.models import Upload
from tests.conftest import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_progress_bar_moves_and_the_page_shows_the_result(live_server, page, analyst, client_a):
    upload = Upload.objects.create(
        client=client_a,
        kind="es003",
        original_name="nightly.csv",
        sha256="0" * 64,
        status="processing",
        progress=5,
    )
    page.goto(f"{live_server.url}/login/?next=/clients/acme/uploads/{upload.pk}/")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    bar = page.locator("section[data-upload-status] progress")
    assert bar.get_attribute("value") == "5"

    # The worker reads on: the bar follows without reloading the page.
    Upload.objects.filter(pk=upload.pk).update(progress=60, rows_read=12000)
    page.wait_for_function("document.querySelector('section[data-upload-status] progress').value === 60")
    assert page.locator('[data-field="rows"]').inner_text() == "12,000"

    # The load ends: the page reloads itself with the final counts and no more polling.
    Upload.objects.filter(pk=upload.pk).update(status="loaded", progress=100, rows_read=12000, created=5000)
    page.wait_for_function("document.querySelector('[data-field=status]').textContent.trim() === 'Loaded'")
    assert page.locator("[data-upload-status]").count() == 0
    assert page.locator('[data-field="created"]').inner_text() == "5,000"
