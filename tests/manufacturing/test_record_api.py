"""The read-only API over a client's manufacturing records: bills of materials (with the shares the rules
compute), production lots and rejected returns, scoped to the clients the user may see."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims.manufacturing.models import BillOfMaterials, ProductionLot, RejectedReturn
from imports.models import ImportLine
from tests.factories import FirmFactory, UserFactory

from .helpers import load, load_samples, manufacturer, rows, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def endpoints(code):
    bom = BillOfMaterials.objects.get(client__code=code)
    lot = ProductionLot.objects.get(client__code=code, lot="LOT-2401")
    ret = RejectedReturn.objects.get(client__code=code)
    return [
        reverse("api-bom-list", args=[code]),
        reverse("api-bom-detail", args=[code, bom.pk]),
        reverse("api-production-lot-list", args=[code]),
        reverse("api-production-lot-detail", args=[code, lot.pk]),
        reverse("api-rejected-return-list", args=[code]),
        reverse("api-rejected-return-detail", args=[code, ret.pk]),
    ]


def test_bills_of_materials_with_their_rows_and_allocation(api, client_a, analyst):
    manufacturer(client_a)
    api.force_login(analyst)

    listing = api.get(reverse("api-bom-list", args=["acme"]), {"hts": "7318"}).json()

    assert listing["count"] == 1
    (bom,) = listing["results"]
    assert (bom["article_part"], bom["article_hts"], bom["ruling"]) == ("OV-200", "8516604060", "H301234")
    assert (bom["component_count"], bom["waste_count"], bom["coproduct_count"], bom["lot_count"]) == (
        2,
        1,
        0,
        2,
    )
    assert [(i["kind"], i["hts"], i["quantity"]) for i in bom["items"]] == [
        ("component", "7318152095", "2.5000"),
        ("component", "3923900080", "4.0000"),
        ("waste", "3923900080", "0.4000"),
    ]
    detail = api.get(reverse("api-bom-detail", args=["acme", bom["id"]])).json()
    plastic = next(c for c in detail["allocation"]["components"] if c["hts"] == "3923900080")
    assert (
        plastic["designated_per_article"],
        plastic["net_of_waste_per_article"],
        plastic["basis"],
        plastic["share"],
    ) == ("4.000000", "3.931034", "02", "1.0000000000")
    assert detail["allocation"]["products"] == []
    assert api.get(reverse("api-bom-list", args=["acme"]), {"hts": "8401"}).json()["count"] == 0


def test_co_product_shares_in_the_api(api, client_a, analyst, tmp_path):
    load_samples(client_a, kinds=("imports", "exports"))
    headers, data = rows("bom")
    for row in data:
        row["article_value"] = "300"
    extra = {"item_type": "coproduct", "part": "GRILL-RACK", "hts": "", "quantity_per_unit": "2"}
    data.append({**data[0], **extra, "uom": "NO", "unit_value": "50", "appears_in": ""})
    assert load("bom", write(tmp_path / "bom.csv", headers, data), client_a).loaded
    api.force_login(analyst)
    bom = BillOfMaterials.objects.get(client=client_a)

    products = api.get(reverse("api-bom-detail", args=["acme", bom.pk])).json()["allocation"]["products"]

    assert [(p["name"], p["is_article"], p["value"], p["share"]) for p in products] == [
        ("OV-200", True, "300.000000", "0.7500000000"),
        ("GRILL-RACK", False, "100.000000", "0.2500000000"),
    ]


def test_production_lots_with_their_components_and_import_lines(api, client_a, analyst):
    manufacturer(client_a)
    api.force_login(analyst)

    lots = api.get(reverse("api-production-lot-list", args=["acme"]), {"sort": "-finished_on"}).json()

    assert [lot["lot"] for lot in lots["results"]] == ["LOT-2502", "LOT-2401"]
    first = lots["results"][1]
    assert (first["article_part"], first["quantity"], first["started_on"], first["finished_on"]) == (
        "OV-200",
        "400.0000",
        "2024-07-01",
        "2025-02-28",
    )
    assert first["export_refs"] == ["X20250310000401"]
    line = ImportLine.objects.get(client=client_a, entry__entry_number="M4K41000015", line_number=2)
    components = {c["hts"]: c for c in first["components"]}
    assert components["3923900080"]["quantity"] == "1600.0000"
    assert components["3923900080"]["entry_number"] == "M4K41000015"
    assert components["3923900080"]["import_line_id"] == line.pk


def test_rejected_returns(api, client_a, analyst):
    manufacturer(client_a)
    api.force_login(analyst)

    (ret,) = api.get(reverse("api-rejected-return-list", args=["acme"])).json()["results"]

    assert (ret["return_ref"], ret["reason"], ret["provision"]) == ("RMA-2025-001", "defective", "55")
    assert (ret["rejected_on"], ret["returned_on"], ret["export_ref"]) == (
        "2025-10-20",
        "2025-11-05",
        "X20251120000020",
    )
    assert ret["proof"] == "QA inspection report QR-2025-117" and ret["import_line_id"] is not None
    assert (
        api.get(reverse("api-rejected-return-list", args=["acme"]), {"reason": "retail"}).json()["count"] == 0
    )


def test_pages_of_the_api_follow_on(api, client_a, analyst, tmp_path):
    load_samples(client_a, kinds=("imports", "exports"))
    headers, data = rows("bom")
    many = [{**row, "article_part": f"P-{n:03d}"} for n in range(7) for row in data]
    assert load("bom", write(tmp_path / "bom.csv", headers, many), client_a).loaded
    api.force_login(analyst)

    first = api.get(reverse("api-bom-list", args=["acme"]), {"page_size": 5}).json()
    second = api.get(first["next"]).json()

    assert first["count"] == 7
    assert [b["article_part"] for b in first["results"]] == [f"P-{n:03d}" for n in range(5)]
    assert [b["article_part"] for b in second["results"]] == ["P-005", "P-006"] and second["next"] is None


def test_client_users_read_their_own_records_and_not_another_clients(
    api, client_a, client_b, client_user_a, client_user_b
):
    manufacturer(client_a)
    api.force_login(client_user_a)
    for url in endpoints("acme"):
        assert api.get(url).status_code == 200, url
    api.force_login(client_user_b)
    for url in endpoints("acme"):
        assert api.get(url).status_code == 404, url


def test_records_are_reached_through_their_own_client_only(api, client_a, client_b, analyst):
    manufacturer(client_a)
    api.force_login(analyst)
    for url in endpoints("acme"):
        # The same id under another client of the same firm.
        other = url.replace("/clients/acme/", f"/clients/{client_b.code}/")
        response = api.get(other)
        assert response.status_code == 404 or response.json()["count"] == 0, other


def test_another_firms_staff_and_anonymous_users_get_nothing(api, client_a):
    manufacturer(client_a)
    for url in endpoints("acme"):
        assert api.get(url).status_code in (401, 403), url
    outsider = UserFactory(username="otto", role="analyst", firm=FirmFactory(name="Other", filer_code="OTH"))
    api.force_login(outsider)
    for url in endpoints("acme"):
        assert api.get(url).status_code == 404, url


def test_the_records_are_read_only(api, client_a, analyst):
    manufacturer(client_a)
    api.force_login(analyst)
    list_url, detail_url = endpoints("acme")[:2]
    assert api.post(list_url, {"article_part": "X"}).status_code == 405
    assert api.delete(detail_url).status_code == 405
    assert BillOfMaterials.objects.filter(client=client_a).count() == 1
