"""The command line for nightly feeds: add_client and ingest."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from drawback.accounts.models import Client, Firm
from imports.models import ImportLine, TariffLine, Upload
from tests.imports.helpers import FIXTURES, sample_rows, write_rows

pytestmark = pytest.mark.django_db


def run(*args):
    """Run `ingest`; returns (exit code, stdout lines, stderr text)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


def test_add_client_creates_the_firm_when_there_is_none():
    from io import StringIO

    out = StringIO()
    call_command("add_client", "acme", "Acme Outfitters Inc", "--importer-number", "12-3456789AB", stdout=out)
    client = Client.objects.get(code="acme")
    assert (client.legal_name, client.importer_number) == ("Acme Outfitters Inc", "12-3456789AB")
    assert client.firm == Firm.objects.get()
    assert "set the firm's CBP filer code" in out.getvalue()

    call_command("add_client", "borealis", "Borealis Trading LLC", stdout=out)
    assert Firm.objects.count() == 1 and Client.objects.get(code="borealis").firm == client.firm
    with pytest.raises(CommandError, match="already exists"):
        call_command("add_client", "acme", "Other", stdout=out)
    with pytest.raises(CommandError, match="importer_number"):
        call_command("add_client", "cyan", "Cyan", "--importer-number", "12-34", stdout=out)


def test_ingest_prints_a_json_summary_last_and_exits_zero(client_a):
    code, out, err = run("--client", "acme", "--kind", "es003", str(FIXTURES / "es003_sample.csv"))

    assert code == 0 and err == ""
    assert json.loads(out[-1]) == {"rows": 46, "created": 38, "updated": 0, "unchanged": 0, "errors": 0}
    upload = Upload.objects.get()
    assert (upload.client, upload.kind, upload.status) == (client_a, "es003", Upload.Status.LOADED)
    assert upload.original_name == "es003_sample.csv" and len(upload.sha256) == 64


def test_ingest_sums_several_files(client_a):
    code, out, _ = run(
        "--client",
        "acme",
        "--kind",
        "es003",
        str(FIXTURES / "es003_sample.csv"),
        str(FIXTURES / "es003_sample.xlsx"),
    )
    assert code == 0
    assert json.loads(out[-1]) == {"rows": 92, "created": 38, "updated": 0, "unchanged": 38, "errors": 0}
    assert Upload.objects.count() == 2


def test_ingest_prints_errors_and_exits_non_zero(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows[1]["Line Tariff Goods Value Amount"] = "$12,3O0.00"
    path = write_rows(tmp_path / "bad.csv", headers, rows)

    code, out, err = run("--client", "acme", "--kind", "es003", str(path))
    assert code == 1
    assert json.loads(out[-1]) == {"rows": 46, "created": 0, "updated": 0, "unchanged": 0, "errors": 1}
    assert f"{path}: row 3 column 'Line Tariff Goods Value Amount' value '$12,3O0.00': [number_format]" in err
    assert ImportLine.objects.count() == 0

    code, out, err = run("--client", "acme", "--kind", "es003", "--allow-partial", str(path))
    assert code == 1
    assert json.loads(out[-1])["created"] == 37


def test_ingest_hts_needs_no_client(tmp_path):
    code, out, _ = run("--kind", "hts", str(FIXTURES / "hts_sample.csv"))
    assert code == 0 and json.loads(out[-1])["created"] == 16
    assert TariffLine.objects.count() == 16 and Upload.objects.get().client is None


def test_ingest_refuses_bad_arguments(client_a, tmp_path):
    with pytest.raises(CommandError, match="--client is required"):
        call_command("ingest", "--kind", "es003", str(FIXTURES / "es003_sample.csv"))
    with pytest.raises(CommandError, match="no client with code 'nope'"):
        call_command("ingest", "--client", "nope", "--kind", "es003", str(FIXTURES / "es003_sample.csv"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest", "--client", "acme", "--kind", "es003", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="no aes column mapping named 'x'"):
        call_command(
            "ingest", "--client", "acme", "--kind", "aes", "--mapping", "x", str(FIXTURES / "aes_sample.csv")
        )


def test_unknown_layout_is_an_error_with_the_expected_columns(client_a):
    code, out, err = run("--client", "acme", "--kind", "es003", str(FIXTURES / "aes_sample.csv"))
    assert code == 1 and json.loads(out[-1])["errors"] == 1
    assert "[unknown_layout]" in err and "Entry Summary Number*" in err


def test_ingest_with_a_saved_mapping(client_a, tmp_path, analyst):
    from imports.services import column_mapping_save
    from tests.imports.test_layouts import MAPPING, own_layout

    column_mapping_save(client=client_a, kind="aes", name="Acme filer", mapping=MAPPING, user=analyst)
    code, out, _ = run(
        "--client", "acme", "--kind", "aes", "--mapping", "Acme filer", str(own_layout(tmp_path))
    )
    assert code == 0 and json.loads(out[-1])["created"] == 25
    assert Upload.objects.get().mapping.name == "Acme filer"


def test_ingest_refuses_another_importers_file_and_reads_the_clients_saved_layout(
    client_a, analyst, tmp_path
):
    """The command line goes through the upload service: the importer-number check and the client's column
    mappings saved from the upload page apply there as on the page."""
    from imports.services import column_mapping_save
    from tests.factories import ClientFactory
    from tests.imports.test_layouts import MAPPING, own_layout

    ClientFactory(firm=client_a.firm, code="borealis", legal_name="Borealis", importer_number="98-7654321AA")
    code, _, err = run("--client", "borealis", "--kind", "es003", str(FIXTURES / "es003_sample.csv"))
    assert code == 1 and "not Borealis's" in err and not ImportLine.objects.exists()

    column_mapping_save(client=client_a, kind="aes", name="Acme filer", mapping=MAPPING, user=analyst)
    code, out, err = run("--client", "acme", "--kind", "aes", str(own_layout(tmp_path)))
    assert code == 0 and err == ""
    assert json.loads(out[-1])["created"] == 25
