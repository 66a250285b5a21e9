"""Bills of materials, production lots and returns through the upload pipeline: layout, row-level reasons,
all-or-nothing, partial loading, idempotent reloads, XLSX, the command line, and the client boundary."""

import json
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from claims.models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn
from imports.models import Upload

from .helpers import SAMPLES, load, load_samples, rows, write

pytestmark = pytest.mark.django_db


def errors_of(result):
    return [(e.row, e.column, e.rule) for e in result.errors if e.counted]


def test_the_sample_files_load_with_their_links(client_a):
    results = load_samples(client_a)

    assert results["bom"].summary() == {"rows": 3, "created": 1, "updated": 0, "unchanged": 0, "errors": 0}
    bom = BillOfMaterials.objects.get(client=client_a)
    assert (bom.article_part, bom.article_hts, bom.article_uom, bom.ruling) == (
        "OV-200",
        "8516604060",
        "NO",
        "H301234",
    )
    assert [(i.kind, i.hts, str(i.quantity), i.uom) for i in bom.items.all()] == [
        ("component", "7318152095", "2.5000", "KG"),
        ("component", "3923900080", "4.0000", "KG"),
        ("waste", "3923900080", "0.4000", "KG"),
    ]
    assert results["production"].summary()["created"] == 2
    lot = ProductionLot.objects.get(lot="LOT-2401")
    assert lot.export_refs == ["X20250310000401"] and str(lot.finished_on) == "2025-02-28"
    used = lot.components.get(position=1)
    assert (used.import_line.entry.entry_number, used.import_line.line_number) == ("M4K41000015", 1)
    ret = RejectedReturn.objects.get()
    assert (ret.provision, ret.unused, ret.import_line.line_number) == ("55", True, 2)


def test_reloading_the_same_files_changes_nothing(client_a):
    load_samples(client_a)
    again = {kind: load(kind, SAMPLES / f"{kind}.csv", client_a) for kind in ("bom", "production", "returns")}

    assert [r.summary()["unchanged"] for r in again.values()] == [1, 2, 1]
    assert [r.summary()["created"] + r.summary()["updated"] for r in again.values()] == [0, 0, 0]
    assert (BillOfMaterials.objects.count(), BomItem.objects.count()) == (1, 3)
    assert (ProductionLot.objects.count(), LotComponent.objects.count()) == (2, 4)
    assert RejectedReturn.objects.count() == 1


def test_a_changed_bill_of_materials_replaces_its_rows(client_a, tmp_path):
    load_samples(client_a, ("bom",))
    headers, data = rows("bom")
    data = data[:2]
    data[0]["quantity_per_unit"] = "3"

    result = load("bom", write(tmp_path / "bom.csv", headers, data), client_a)

    assert result.summary()["updated"] == 1
    items = BomItem.objects.filter(bom__article_part="OV-200")
    assert [str(i.quantity) for i in items] == ["3.0000", "4.0000"]


def test_an_xlsx_bill_of_materials_loads_like_the_csv(client_a, tmp_path):
    headers, data = rows("bom")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in data:
        sheet.append(
            [
                float(row[h]) if h in ("quantity_per_unit", "unit_value") and row[h] else row[h]
                for h in headers
            ]
        )
    path = tmp_path / "bom.xlsx"
    book.save(path)

    result = load("bom", path, client_a)

    assert result.loaded and result.summary()["created"] == 1
    assert [str(i.unit_value) for i in BomItem.objects.all()] == ["4.200000", "2.900000", "0.500000"]


@pytest.mark.parametrize(
    ("change", "row", "column", "rule"),
    [
        ({1: {"item_type": "part"}}, 3, "item_type", "item_type"),
        ({0: {"hts": ""}}, 2, "hts", "required"),
        ({0: {"hts": "7318.15"}}, 2, "hts", "hts_format"),
        ({0: {"quantity_per_unit": "-1"}}, 2, "quantity_per_unit", "quantity_not_positive"),
        ({2: {"unit_value": ""}}, 4, "unit_value", "required"),
        ({2: {"hts": "8471300100"}}, 4, "hts", "waste_without_component"),
        ({1: {"ruling": "H999999"}}, 3, "ruling", "article_inconsistent"),
        ({2: {"appears_in": "Y"}}, 4, "appears_in", "appears_in_component_only"),
        ({1: {"item_type": "coproduct", "unit_value": "10"}}, 3, "article_value", "required"),
        ({1: {"hts": "7318152095", "part": "BLT-8"}}, 3, "hts", "duplicate_item"),
        ({0: {"article_hts": ""}}, 2, "article_hts", "required"),
    ],
)
def test_a_bad_bill_of_materials_stores_nothing_and_says_where(client_a, tmp_path, change, row, column, rule):
    headers, data = rows("bom")
    for index, values in change.items():
        data[index].update(values)

    result = load("bom", write(tmp_path / "bom.csv", headers, data), client_a)

    assert not result.loaded
    assert (row, column, rule) in errors_of(result)
    described = [e.describe("bom.csv") for e in result.errors if e.counted]
    assert any(d.startswith(f"bom.csv: row {row} column '{column}'") for d in described)
    assert not BillOfMaterials.objects.exists() and not BomItem.objects.exists()


def test_an_article_without_components_is_refused(client_a, tmp_path):
    headers, data = rows("bom")

    result = load("bom", write(tmp_path / "bom.csv", headers, data[2:]), client_a)

    assert errors_of(result) == [(2, "item_type", "no_component")]


def test_partial_loading_keeps_the_good_articles_and_rejects_a_bad_article_whole(client_a, tmp_path):
    headers, data = rows("bom")
    other = [dict(r, article_part="OV-300") for r in data]
    other[1]["item_type"] = "gadget"

    result = load("bom", write(tmp_path / "bom.csv", headers, data + other), client_a, allow_partial=True)

    assert result.loaded and result.summary()["created"] == 1 and result.error_count == 1
    assert list(BillOfMaterials.objects.values_list("article_part", flat=True)) == ["OV-200"]
    # The article's other rows are listed with it, not counted as problems of their own.
    with_it = sorted((e.row, e.rule) for e in result.errors if not e.counted)
    assert with_it == [(5, "rejected_with_article"), (7, "rejected_with_article")]


@pytest.mark.parametrize(
    ("change", "row", "column", "rule"),
    [
        ({0: {"article_part": "OV-999"}}, 2, "article_part", "unknown_article"),
        ({0: {"component_hts": "8471300100"}}, 2, "component_hts", "not_in_bom"),
        ({0: {"component_uom": "NO"}}, 2, "component_uom", "uom_mismatch"),
        ({0: {"line_number": "9"}}, 2, "entry_number", "unknown_import_line"),
        ({0: {"line_number": ""}}, 2, "line_number", "direct_pair"),
        ({0: {"finished_on": "2024-06-01"}}, 2, "finished_on", "finished_before_started"),
        ({1: {"lot_quantity": "401"}}, 3, "lot_quantity", "lot_inconsistent"),
        (
            {
                3: {
                    "entry_number": "M4K-4100003-1",
                    "line_number": "1",
                    "component_hts": "3923900080",
                    "finished_on": "2025-02-19",
                    "started_on": "2025-02-01",
                }
            },
            5,
            "finished_on",
            "lot_inconsistent",
        ),
    ],
)
def test_bad_production_records_store_nothing(client_a, tmp_path, change, row, column, rule):
    load_samples(client_a, ("imports", "exports", "bom"))
    headers, data = rows("production")
    for index, values in change.items():
        data[index].update(values)

    result = load("production", write(tmp_path / "production.csv", headers, data), client_a)

    assert not result.loaded
    assert (row, column, rule) in errors_of(result)
    assert not ProductionLot.objects.exists()


def test_merchandise_is_not_used_before_it_is_imported(client_a, tmp_path):
    load_samples(client_a, ("imports", "exports", "bom"))
    headers, data = rows("production")
    lot = [dict(r) for r in data[2:]]
    for r in lot:
        r.update(started_on="2024-06-01", finished_on="2024-06-03")

    result = load("production", write(tmp_path / "production.csv", headers, lot), client_a)

    assert errors_of(result) == [(2, "entry_number", "used_before_import")]


@pytest.mark.parametrize(
    ("change", "column", "rule"),
    [
        ({"reason": "broken"}, "reason", "reason"),
        ({"reason": "retail", "part": ""}, "part", "required"),
        ({"line_number": "7"}, "entry_number", "unknown_import_line"),
        ({"quantity": "51"}, "quantity", "exceeds_line"),
        ({"uom": "KG"}, "uom", "uom_mismatch"),
        ({"returned_on": "2025-02-19"}, "returned_on", "returned_before_import"),
        ({"proof": ""}, "proof", "required"),
        ({"entry_number": "M4K-4100003-2"}, "entry_number", "check_digit"),
    ],
)
def test_bad_returns_store_nothing(client_a, tmp_path, change, column, rule):
    load_samples(client_a, ("imports",))
    headers, data = rows("returns")
    data[0].update(change)

    result = load("returns", write(tmp_path / "returns.csv", headers, data), client_a)

    assert not result.loaded and (2, column, rule) in errors_of(result)
    assert not RejectedReturn.objects.exists()


def test_another_clients_lines_and_articles_are_not_found(client_a, client_b):
    load_samples(client_a)

    production = load("production", SAMPLES / "production.csv", client_b)
    returns = load("returns", SAMPLES / "returns.csv", client_b)

    assert {rule for _, _, rule in errors_of(production)} == {"unknown_article"}
    assert {rule for _, _, rule in errors_of(returns)} == {"unknown_import_line"}
    assert not ProductionLot.objects.filter(client=client_b).exists()
    assert not RejectedReturn.objects.filter(client=client_b).exists()


def test_the_ingest_command_loads_a_bill_of_materials(client_a):
    out, err = StringIO(), StringIO()
    call_command(
        "ingest", "--client", client_a.code, "--kind", "bom", str(SAMPLES / "bom.csv"), stdout=out, stderr=err
    )

    assert json.loads(out.getvalue().splitlines()[-1])["created"] == 1
    assert Upload.objects.get().kind == "bom"


def test_the_ingest_command_prints_bom_errors_with_file_row_column_and_rule(client_a, tmp_path):
    headers, data = rows("bom")
    data[0]["item_type"] = "part"
    path = write(tmp_path / "bom.csv", headers, data)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest", "--client", client_a.code, "--kind", "bom", str(path), stdout=out, stderr=err)

    assert exit_.value.code == 1
    assert f"{path}: row 2 column 'item_type' value 'part': [item_type]" in err.getvalue()
    assert not BillOfMaterials.objects.exists()
