"""The manufacturing record pages in a real browser: the analyst follows the links from the client's uploads
and from the drawback type choice to the bills of materials, searches them by part, opens one, its lot and
back; a user of another client gets 404 on every one of them."""

import re

import pytest
from playwright.sync_api import expect

from claims.manufacturing.models import BillOfMaterials, ProductionLot
from tests.test_browser_upload_flow import log_in

from .helpers import load, manufacturer, rows, write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_boms(client_a, tmp_path):
    """The sample manufacturer, and a second article (a kettle) so that a search by part has to choose."""
    manufacturer(client_a)
    headers, data = rows("bom")
    kettle = [{**row, "article_part": "KT-100", "description": "Electric kettle KT-100"} for row in data]
    assert load("bom", write(tmp_path / "kettle.csv", headers, kettle), client_a).loaded
    return client_a


def test_analyst_finds_a_bill_of_materials_and_its_lot(live_server, page, analyst, two_boms):
    log_in(page, live_server, analyst.username)
    page.goto(f"{live_server.url}/clients/acme/uploads/")
    page.locator("#manufacturing-records").get_by_role("link", name="bills of materials").click()
    page.wait_for_url(re.compile(r".*/clients/acme/manufacturing/boms/$"))
    expect(page.locator("#boms tbody tr")).to_have_count(2)

    page.get_by_label("Search").fill("OV-2")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/manufacturing/boms/\?.*q=OV-2"))
    expect(page.locator("#boms tbody tr")).to_have_count(1)
    expect(page.locator('tr[data-part="KT-100"]')).to_have_count(0)

    page.locator('tr[data-part="OV-200"]').get_by_role("link", name="OV-200").click()
    bom = BillOfMaterials.objects.get(client=two_boms, article_part="OV-200")
    page.wait_for_url(re.compile(rf".*/clients/acme/manufacturing/boms/{bom.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bill of materials: OV-200")
    expect(page.locator("#bom-components")).to_contain_text("3923.90")

    page.locator("#bom-lots").get_by_role("link", name="LOT-2401").click()
    lot = ProductionLot.objects.get(client=two_boms, lot="LOT-2401")
    page.wait_for_url(re.compile(rf".*/clients/acme/manufacturing/lots/{lot.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Production lot LOT-2401")
    expect(page.locator("#lot-exports")).to_contain_text("X20250310000401")

    # Back to its bill of materials through the lot's article, then back through the history to the search.
    page.get_by_role("link", name="OV-200").click()
    page.wait_for_url(re.compile(rf".*/manufacturing/boms/{bom.pk}/$"))
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Production lot LOT-2401")
    page.go_back()
    page.go_back()
    page.wait_for_url(re.compile(r".*/manufacturing/boms/\?.*q=OV-2"))
    expect(page.get_by_label("Search")).to_have_value("OV-2")
    expect(page.locator("#boms tbody tr")).to_have_count(1)

    # The type choice page counts the records and links to them.
    page.goto(f"{live_server.url}/clients/acme/claims/types/")
    expect(page.locator("#count-boms")).to_have_text(re.compile(r"2 bills\s+of materials"))
    page.locator("#count-lots").click()
    page.wait_for_url(re.compile(r".*/clients/acme/manufacturing/lots/$"))
    expect(page.get_by_role("link", name="LOT-2401")).to_be_visible()
    page.goto(f"{live_server.url}/clients/acme/claims/types/")
    page.locator("#count-boms").click()
    page.wait_for_url(re.compile(r".*/clients/acme/manufacturing/boms/$"))
    expect(page.locator("#boms tbody tr")).to_have_count(2)


def test_a_user_of_another_client_gets_404(live_server, page, client_user_b, two_boms):
    bom = BillOfMaterials.objects.get(client=two_boms, article_part="OV-200")
    lot = ProductionLot.objects.get(client=two_boms, lot="LOT-2401")
    log_in(page, live_server, client_user_b.username)

    for path in (
        "/clients/acme/manufacturing/boms/",
        f"/clients/acme/manufacturing/boms/{bom.pk}/",
        "/clients/acme/manufacturing/lots/",
        f"/clients/acme/manufacturing/lots/{lot.pk}/",
        "/clients/acme/manufacturing/returns/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
        expect(page.locator("body")).not_to_contain_text("OV-200")
