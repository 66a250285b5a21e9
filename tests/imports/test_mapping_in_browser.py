"""Column mapping from the upload page, in a real browser: a file whose header row matches no layout is kept,
the analyst says what it is and maps its columns, it loads, and the client's next file of that layout is
recognised by itself."""

import re

import pytest

from exports.models import Export
from imports.models import ColumnMapping, Upload
from tests.conftest import PASSWORD
from tests.imports.test_layouts import own_layout

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_page_keeps_an_unknown_layout_and_offers_the_mapping(client, analyst, client_a, tmp_path):
    client.force_login(analyst)
    path = own_layout(tmp_path)
    with open(path, "rb") as handle:
        page = client.post("/clients/acme/uploads/", {"kind": "", "file": handle}).content.decode()
    assert "matches no known layout: choose the kind of file, and map its columns" in page
    assert "own_layout.csv is kept" in page and 'name="map_columns"' in page and "checked" in page
    token = re.search(r'name="pending" value="([0-9a-f]+)"', page).group(1)
    response = client.post("/clients/acme/uploads/", {"kind": "aes", "pending": token, "map_columns": "on"})
    upload = Upload.objects.get()
    assert response["Location"] == f"/clients/acme/uploads/{upload.pk}/"
    assert (upload.status, upload.original_name) == ("mapping", "own_layout.csv")
    detail = client.get(response["Location"]).content.decode()
    assert "Map this file's columns" in detail and '<option value="Ship Date">Ship Date</option>' in detail


@pytest.mark.browser
def test_analyst_maps_columns_in_the_browser_and_the_next_file_is_recognised(
    live_server, page, analyst, client_a, tmp_path
):
    path = own_layout(tmp_path)
    page.goto(f"{live_server.url}/login/?next=/clients/acme/uploads/")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    assert "matches no known layout" in page.inner_text("main")

    page.select_option("select[name=kind]", "aes")
    assert page.is_checked("input[name=map_columns]")
    page.get_by_role("button", name="Upload").click()  # the file was kept: it is not sent again
    page.wait_for_selector("#map-columns")
    page.fill("input[name=name]", "Acme filer")
    for field, header in {
        "itn": "AES ITN #",
        "export_date": "Ship Date",
        "destination": "Dest Ctry",
        "hts": "Sched B",
        "quantity": "Qty",
        "uom": "UOM",
        "value": "FOB Value USD",
    }.items():
        page.select_option(f"select[name=field_{field}]", header)
    page.get_by_role("button", name="Save mapping and load").click()
    page.wait_for_selector("text=Loaded")
    assert Export.objects.filter(client=client_a).count() == 25
    assert ColumnMapping.objects.get(client=client_a).name == "Acme filer"

    # The client's next file in that layout: recognised from its header row with the saved mapping.
    page.goto(f"{live_server.url}/clients/acme/uploads/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=Columns read with the saved mapping")
    assert Upload.objects.order_by("-pk").first().mapping.name == "Acme filer"
