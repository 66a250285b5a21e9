"""The manufacturing record pages: bills of materials, production lots and rejected returns as loaded, for
firm staff and the client's own users, never another client's or another firm's."""

import pytest
from django.urls import reverse

from claims.manufacturing.models import BillOfMaterials, ProductionLot
from imports.services import upload_ingest_now
from tests.factories import FirmFactory, UserFactory

from .helpers import SAMPLES, load, load_samples, manufacturer, rows, write

pytestmark = pytest.mark.django_db


def urls(code):
    bom = BillOfMaterials.objects.get(client__code=code, article_part="OV-200")
    lot = ProductionLot.objects.get(client__code=code, lot="LOT-2401")
    return [
        reverse("claims:boms", args=[code]),
        reverse("claims:bom", args=[code, bom.pk]),
        reverse("claims:lots", args=[code]),
        reverse("claims:lot", args=[code, lot.pk]),
        reverse("claims:returns", args=[code]),
    ]


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_bill_of_materials_list_shows_article_ruling_counts_and_file(client, client_a, analyst):
    load_samples(client_a, kinds=("imports", "exports"))
    upload, _ = upload_ingest_now(client=client_a, kind="bom", path=SAMPLES / "bom.csv", user=analyst)
    load_samples(client_a, kinds=("production", "returns"))
    client.force_login(analyst)

    html = text(client.get(reverse("claims:boms", args=["acme"])))

    assert 'data-part="OV-200"' in html
    assert "8516.60.40.60" in html and "H301234" in html
    assert reverse("client-upload-detail", args=["acme", upload.pk]) in html
    row = html.split('data-part="OV-200"')[1].split("</tr>")[0]
    # 2 components, 1 waste row, no co-product, 2 lots.
    assert [c.split(">")[-1] for c in row.split("</td>") if 'class="num"' in c] == ["2", "1", "0", ""]
    assert f"{reverse('claims:lots', args=['acme'])}?bom=" in row
    # The upload links to what it loaded; another file's bill is not among them.
    BillOfMaterials.objects.create(
        client=client_a, article_part="OTHER-1", article_hts="8516604060", article_uom="NO", ruling="H301234"
    )
    detail = text(client.get(reverse("client-upload-detail", args=["acme", upload.pk])))
    link = f"{reverse('claims:boms', args=['acme'])}?upload={upload.pk}"
    assert link in detail
    of_upload = text(client.get(link))
    assert 'data-part="OV-200"' in of_upload and 'data-part="OTHER-1"' not in of_upload


def test_the_bill_shows_components_waste_and_what_is_designated_per_article(client, client_a, analyst):
    manufacturer(client_a)
    client.force_login(analyst)
    bom = BillOfMaterials.objects.get(client=client_a)

    html = text(client.get(reverse("claims:bom", args=["acme", bom.pk])))

    plastic = html.split('data-hts="3923900080"')[1].split("</tr>")[0]
    # 4 KG used less the valuable waste: 0.4 KG of scrap worth $0.50 against $2.90 -> 4 - 0.4 x 0.50/2.90.
    assert "$2.90" in plastic and ">02<" in plastic and "less the valuable waste" in plastic
    assert ">4 KG<" in plastic and ">3.931034 KG<" in plastic  # designated, then allowed
    bolts = html.split('data-hts="7318152095"')[1].split("</tr>")[0]
    assert "2.5 KG" in bolts and ">01<" in bolts
    assert "HSG-SCRAP" in html and "$0.20" in html  # 0.4 KG x $0.50 per article
    assert "the article takes the whole value" in html
    assert "LOT-2401" in html and "LOT-2502" in html


def test_co_products_get_their_relative_value_share(client, client_a, analyst, tmp_path):
    load_samples(client_a, kinds=("imports", "exports"))
    headers, data = rows("bom")
    for row in data:
        row["article_value"] = "300"
    data.append(
        {
            **data[0],
            "item_type": "coproduct",
            "part": "GRILL-RACK",
            "hts": "",
            "quantity_per_unit": "2",
            "uom": "NO",
            "unit_value": "50",
            "appears_in": "",
        }
    )
    result = load("bom", write(tmp_path / "bom.csv", headers, data), client_a)
    assert result.loaded, [e.describe() for e in result.errors]
    client.force_login(analyst)
    bom = BillOfMaterials.objects.get(client=client_a)

    html = text(client.get(reverse("claims:bom", args=["acme", bom.pk])))

    shares = html.split('id="bom-shares"')[1].split("</table>")[0]
    # At separation: the oven $300 and two racks of $50: the oven carries 300/400.
    oven = shares.split('data-product="OV-200"')[1].split("</tr>")[0]
    rack = shares.split('data-product="GRILL-RACK"')[1].split("</tr>")[0]
    assert ">0.75<" in oven and "$300.00" in oven
    assert ">0.25<" in rack and "$100.00" in rack
    assert ">03<" in html  # relative value basis on the components without waste


def test_a_lot_shows_its_components_import_lines_and_exports(client, client_a, analyst):
    manufacturer(client_a)
    client.force_login(analyst)
    lot = ProductionLot.objects.get(client=client_a, lot="LOT-2401")

    html = text(client.get(reverse("claims:lot", args=["acme", lot.pk])))

    assert "2024-07-01 to 2025-02-28" in html and "Erie, PA" in html
    assert reverse("imports:entry_detail", args=["acme", "M4K41000015"]) + "#line-1" in html
    assert reverse("imports:entry_detail", args=["acme", "M4K41000015"]) + "#line-2" in html
    assert "1,600" in html.split('data-hts="3923900080"')[1].split("</tr>")[0]
    export = client_a.exports.get(export_ref="X20250310000401")
    assert reverse("exports:export_detail", args=["acme", export.pk]) in html

    listing = text(client.get(reverse("claims:lots", args=["acme"])))
    assert 'data-lot="LOT-2401"' in listing and 'data-lot="LOT-2502"' in listing


def test_the_returns_list_shows_reason_provision_line_dates_proof_and_export(client, client_a, analyst):
    manufacturer(client_a)
    client.force_login(analyst)

    html = text(client.get(reverse("claims:returns", args=["acme"])))

    row = html.split('data-return="RMA-2025-001"')[1].split("</tr>")[0]
    assert "Defective at the time of importation" in row and ">55<" in row
    assert "M4K-4100003-1 line 2" in row
    assert "2025-10-20" in row and "2025-11-05" in row and "QA inspection report QR-2025-117" in row
    export = client_a.exports.get(export_ref="X20251120000020")
    assert reverse("exports:export_detail", args=["acme", export.pk]) in row


def test_search_and_filters_narrow_the_lists(client, client_a, analyst):
    manufacturer(client_a)
    client.force_login(analyst)
    boms, lots, returns = (reverse(f"claims:{n}", args=["acme"]) for n in ("boms", "lots", "returns"))

    assert "OV-200" in text(client.get(boms, {"q": "OV-2"}))
    assert "No bill of materials matches" in text(client.get(boms, {"q": "ZZ"}))
    assert 'data-part="OV-200"' in text(client.get(boms, {"hts": "3923.90"}))  # a component's HTS
    assert "No bill of materials matches" in text(client.get(boms, {"hts": "8401"}))
    html = text(client.get(lots, {"finished_from": "2025-03-01"}))
    assert 'data-lot="LOT-2502"' in html and 'data-lot="LOT-2401"' not in html
    assert 'data-lot="LOT-2401"' in text(client.get(lots, {"q": "LOT-24"}))
    assert 'data-lot="LOT-2401"' in text(client.get(lots, {"q": "8516"}))
    assert "RMA-2025-001" in text(client.get(returns, {"q": "M4K-4100003"}))
    assert "No rejected return matches" in text(client.get(returns, {"reason": "retail"}))


def test_lists_are_paged(client, client_a, analyst, tmp_path):
    load_samples(client_a, kinds=("imports", "exports"))
    headers, data = rows("bom")
    many = [{**row, "article_part": f"P-{n:03d}"} for n in range(55) for row in data]
    assert load("bom", write(tmp_path / "bom.csv", headers, many), client_a).loaded
    client.force_login(analyst)
    url = reverse("claims:boms", args=["acme"])

    first = text(client.get(url))
    assert "55 BOMs" in first
    assert 'data-part="P-049"' in first and 'data-part="P-050"' not in first
    cursor = first.split('rel="next"')[0].rsplit("cursor=", 1)[1].split('"')[0].replace("&amp;", "&")
    second = text(client.get(url, {"cursor": cursor}))
    assert (
        'data-part="P-050"' in second and 'data-part="P-054"' in second and 'data-part="P-000"' not in second
    )


def test_client_users_read_their_own_records_only(client, client_a, client_b, client_user_a, client_user_b):
    manufacturer(client_a)
    client.force_login(client_user_a)
    for url in urls("acme"):
        assert client.get(url).status_code == 200, url
    # The type choice is firm work: not linked for them.
    assert reverse("claims:types", args=["acme"]) not in text(client.get(urls("acme")[0]))

    client.force_login(client_user_b)
    for url in urls("acme"):
        assert client.get(url).status_code == 404, url


def test_another_clients_record_under_ones_own_code_is_not_found(
    client, client_a, client_b, analyst, client_user_b
):
    manufacturer(client_a)
    bom = BillOfMaterials.objects.get(client=client_a)
    lot = ProductionLot.objects.get(client=client_a, lot="LOT-2401")
    for user in (analyst, client_user_b):
        client.force_login(user)
        assert client.get(reverse("claims:bom", args=[client_b.code, bom.pk])).status_code == 404
        assert client.get(reverse("claims:lot", args=[client_b.code, lot.pk])).status_code == 404
    client.force_login(client_user_b)
    assert "RMA-2025-001" not in text(client.get(reverse("claims:returns", args=[client_b.code])))


def test_another_firms_staff_get_not_found(client, client_a):
    manufacturer(client_a)
    outsider = UserFactory(username="otto", role="analyst", firm=FirmFactory(name="Other", filer_code="OTH"))
    client.force_login(outsider)
    for url in urls("acme"):
        assert client.get(url).status_code == 404, url


def test_the_records_are_linked_from_the_uploads_and_the_type_choice(client, client_a, analyst):
    manufacturer(client_a)
    client.force_login(analyst)
    uploads = text(client.get(reverse("client-uploads", args=["acme"])))
    for name in ("boms", "lots", "returns"):
        assert reverse(f"claims:{name}", args=["acme"]) in uploads
    types = text(client.get(reverse("claims:types", args=["acme"]), {"filing_date": "2026-12-01"}))
    for name, count in (("boms", "1 bill"), ("lots", "2 production lots"), ("returns", "1 return<")):
        link = f'href="{reverse(f"claims:{name}", args=["acme"])}" id="count-{name}">'
        assert link in types and types.split(link)[1].startswith(count.rstrip("<")), name


def test_the_admin_shows_a_firms_own_records_read_only(client, client_a, firm_admin):
    manufacturer(client_a)
    other = FirmFactory(name="Other", filer_code="OTH")
    from tests.factories import ClientFactory

    outsider = ClientFactory(firm=other, code="outsider", legal_name="Outsider Co")
    bom = BillOfMaterials.objects.get(client=client_a)
    BillOfMaterials.objects.create(
        client=outsider, article_part="OUT-1", article_hts="8516604060", article_uom="NO", ruling="H1"
    )
    client.force_login(firm_admin)

    listing = text(client.get("/admin/claims/billofmaterials/"))
    assert "OV-200" in listing and "OUT-1" not in listing
    page = text(client.get(f"/admin/claims/billofmaterials/{bom.pk}/change/"))
    assert "3923900080" in page  # its rows, shown inline
    assert "RMA-2025-001" in text(client.get("/admin/claims/rejectedreturn/"))
    assert "LOT-2401" in text(client.get("/admin/claims/productionlot/"))
    assert client.post(f"/admin/claims/billofmaterials/{bom.pk}/change/", {"ruling": "X"}).status_code == 403
    bom.refresh_from_db()
    assert bom.ruling == "H301234"
