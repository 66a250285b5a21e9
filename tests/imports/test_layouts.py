"""Recognising a file's layout from its header row, and loading other layouts through column mappings."""

import pytest
from django.core.exceptions import ValidationError

from exports.models import Export
from imports.ingest.core import detect_kinds
from imports.ingest.reader import read_headers
from imports.models import ColumnMapping
from imports.services import column_mapping_save
from tests.imports.helpers import FIXTURES, load, sample_rows, write_rows

MAPPING = {
    "itn": "AES ITN #",
    "export_date": "Ship Date",
    "destination": "Dest Ctry",
    "hts": "Sched B",
    "quantity": "Qty",
    "uom": "UOM",
    "value": "FOB Value USD",
}


@pytest.mark.parametrize(
    "name, kind",
    [
        ("es003_sample.csv", "es003"),
        ("es003_sample.xlsx", "es003"),
        ("aes_sample.csv", "aes"),
        ("aes_sample.xlsx", "aes"),
        ("hts_sample.csv", "hts"),
        ("hts_sample.json", "hts"),
        ("imports.csv", "imports"),
        ("exports.csv", "exports"),
        ("fees_sample.csv", "fees"),
    ],
)
def test_each_sample_is_recognised_from_its_header_row(name, kind):
    assert detect_kinds(read_headers(FIXTURES / name, name))[0] == kind


def test_a_file_of_another_kind_is_named_in_the_message(db, client_a):
    result = load("es003", FIXTURES / "aes_sample.csv", client_a)
    [error] = result.errors
    assert error.rule == "unknown_layout"
    assert "It looks like kind aes (AES/EEI export listing)." in error.message


def own_layout(tmp_path):
    """The AES sample as one client's filing program exports it: same data, its own column names."""
    headers, rows = sample_rows("aes_sample.csv")
    renamed = {
        "ITN": "AES ITN #",
        "Date of Export": "Ship Date",
        "Country of Ultimate Destination": "Dest Ctry",
        "Schedule B/HTS Number": "Sched B",
        "Quantity 1": "Qty",
        "Unit of Measure 1": "UOM",
        "Value of Goods (USD)": "FOB Value USD",
    }
    new_headers = [renamed.get(h, h) for h in headers]
    new_rows = [{renamed.get(k, k): v for k, v in row.items()} for row in rows]
    return write_rows(tmp_path / "own_layout.csv", new_headers, new_rows)


def test_saved_mapping_loads_a_clients_own_layout(db, client_a, acme_twin, tmp_path, analyst):
    path = own_layout(tmp_path)
    assert load("aes", path, client_a).errors[0].rule == "unknown_layout"

    mapping = column_mapping_save(
        client=client_a, kind="aes", name="Acme filer", mapping=MAPPING, user=analyst
    )
    result = load("aes", path, client_a, mapping=mapping.mapping, mapping_name=mapping.name)
    assert result.summary()["created"] == 25
    load("aes", FIXTURES / "aes_sample.csv", acme_twin)
    ours = sorted(
        Export.objects.filter(client=client_a).values_list("export_ref", "export_date", "quantity", "value")
    )
    theirs = sorted(
        Export.objects.filter(client=acme_twin).values_list("export_ref", "export_date", "quantity", "value")
    )
    assert ours == theirs
    # Fields the mapping leaves out are still read under their documented names.
    assert (
        Export.objects.get(client=client_a, export_ref="X20261120494882").exporter_name
        == "ACME OUTFITTERS INC"
    )


def test_saved_mapping_is_used_automatically_for_matching_headers(db, client_a, tmp_path, analyst):
    column_mapping_save(client=client_a, kind="aes", name="Acme filer", mapping=MAPPING, user=analyst)
    result = load(
        "aes",
        own_layout(tmp_path),
        client_a,
        saved_mappings=[
            (m.name, m.mapping) for m in ColumnMapping.objects.filter(client=client_a, kind="aes")
        ],
    )
    assert result.mapping_name == "Acme filer" and result.counts.created == 25


def test_mapping_must_cover_required_fields_of_its_kind(db, client_a, analyst):
    with pytest.raises(ValidationError, match="Map a column to: Date of Export"):
        column_mapping_save(
            client=client_a, kind="aes", name="x", mapping={**MAPPING, "export_date": ""}, user=analyst
        )
    with pytest.raises(ValidationError, match="Not fields of this kind: colour"):
        column_mapping_save(
            client=client_a, kind="aes", name="x", mapping={**MAPPING, "colour": "C"}, user=analyst
        )
    with pytest.raises(ValidationError, match="ITN or Shipment Reference Number or Bill of Lading Number"):
        column_mapping_save(
            client=client_a, kind="aes", name="x", mapping={**MAPPING, "itn": ""}, user=analyst
        )


def test_mapping_naming_a_missing_column_is_reported(db, client_a, tmp_path):
    result = load("aes", FIXTURES / "aes_sample.csv", client_a, mapping={**MAPPING, "itn": "Nope"})
    [error] = result.errors
    assert error.rule == "unknown_layout" and "Nope" in error.message
