"""The v1 API: shapes (money as strings, ISO dates), filters, sorts, paging, the schema and its docs page."""

import re
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command

from imports.models import ImportLine
from tests.factories import ExportFactory, ImportEntryFactory, ImportLineFactory


@pytest.fixture
def staff_api(api, analyst):
    api.force_login(analyst)
    return api


def test_entry_detail_has_lines_with_every_class_as_exact_strings(data, staff_api):
    a = data.a
    ImportLine.objects.filter(pk=a.line.pk).update(mpf=Decimal("12.345678"), other_taxes=Decimal("3.10"))
    body = staff_api.get(f"/api/v1/clients/acme/entries/{a.entry.display_number}/").json()
    assert body["entry_number"] == a.entry.entry_number and body["import_date"] == "2024-03-01"
    assert body["line_count"] == 2 and body["documents"] == [a.document.pk]
    first, second = body["lines"]
    assert (first["duty"], first["mpf"], first["other_taxes"]) == ("1650.00", "12.345678", "3.10")
    assert first["quantity"] == "100.0000" and first["entered_value"] == "10000.00"
    assert second["ch99_duties"] == [{"ordinal": 1, "number": "9903.88.03", "amount": "250.00"}]


def test_lines_api_has_the_pages_filters(data, staff_api):
    lines = staff_api.get("/api/v1/clients/acme/lines/", {"hts": "7318", "has_ch99": "true"}).json()
    assert [x["id"] for x in lines["results"]] == [data.a.line2.pk]
    assert lines["results"][0]["entry_number"] == data.a.entry.entry_number
    assert lines["count"] == 1 and lines["count_is_lower_bound"] is False
    by_origin = staff_api.get("/api/v1/clients/acme/lines/", {"origin": "cn"}).json()["results"]
    assert [x["id"] for x in by_origin] == [data.a.line2.pk]
    bad = staff_api.get("/api/v1/clients/acme/lines/", {"imported_from": "not a date"})
    assert bad.status_code == 400 and "imported_from" in bad.json()


def test_lines_api_pages_with_cursor_links(client_a, staff_api):
    entry = ImportEntryFactory(client=client_a)
    for n in range(1, 8):
        ImportLineFactory(entry=entry, line_number=n, duty=Decimal(n))
    first = staff_api.get("/api/v1/clients/acme/lines/", {"sort": "-duty", "page_size": 3}).json()
    assert [x["duty"] for x in first["results"]] == ["7.00", "6.00", "5.00"]
    assert first["previous"] is None and "sort=-duty" in first["next"] and "page_size=3" in first["next"]
    second = staff_api.get(first["next"]).json()
    assert [x["duty"] for x in second["results"]] == ["4.00", "3.00", "2.00"]
    back = staff_api.get(second["previous"]).json()
    assert [x["duty"] for x in back["results"]] == ["7.00", "6.00", "5.00"]
    last = staff_api.get(second["next"]).json()
    assert [x["duty"] for x in last["results"]] == ["1.00"] and last["next"] is None
    assert staff_api.get("/api/v1/clients/acme/lines/", {"cursor": "garbage"}).status_code == 404


def test_entries_api_search_and_sort(client_a, staff_api):
    from drawback.lib.entry_numbers import make

    for seq in (5, 3, 9):
        ImportEntryFactory(client=client_a, entry_number=make("B76", seq))
    ImportEntryFactory(client=client_a, entry_number=make("C11", 1))
    body = staff_api.get("/api/v1/clients/acme/entries/", {"q": "b76", "sort": "-entry"}).json()
    assert [e["entry_number"][:10] for e in body["results"]] == ["B760000009", "B760000005", "B760000003"]


def test_exports_api_filters_and_money(client_a, staff_api):
    ExportFactory(
        client=client_a, export_ref="E1", destination="CA", value=Decimal("10.50"), hts="6109100012"
    )
    ExportFactory(client=client_a, export_ref="E2", destination="", disposition="destroy")
    body = staff_api.get("/api/v1/clients/acme/exports/", {"destination": "ca"}).json()
    assert [x["export_ref"] for x in body["results"]] == ["E1"] and body["results"][0]["value"] == "10.50"
    destroyed = staff_api.get("/api/v1/clients/acme/exports/", {"disposition": "destroy"}).json()["results"]
    assert [x["export_ref"] for x in destroyed] == ["E2"]


def test_findings_api_filters_by_severity(data, staff_api):
    from claims.models import Finding

    Finding.objects.create(client=data.a.client, rule="R-W", severity="warning", message="w", fingerprint="w")
    body = staff_api.get("/api/v1/clients/acme/findings/", {"severity": "warning"}).json()
    assert [f["rule"] for f in body["results"]] == ["R-W"]
    assert staff_api.get("/api/v1/clients/acme/findings/").json()["count"] == 2


def test_schema_endpoint_serves_the_openapi_document(api, analyst):
    api.force_login(analyst)
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/clients/{client_code}/lines/",
        "/api/v1/clients/{client_code}/documents/{id}/download/",
    ):
        assert path in schema["paths"]
    line_params = {
        p["name"] for p in schema["paths"]["/api/v1/clients/{client_code}/lines/"]["get"]["parameters"]
    }
    assert {"q", "hts", "imported_from", "origin", "method", "has_ch99", "sort", "cursor"} <= line_params


def test_schema_is_valid_without_warnings(tmp_path):
    # --fail-on-warn turns every schema warning into an error; --validate checks it against the OpenAPI spec.
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "Drawback API" in out.read_text()


def test_docs_page_works_offline(api, analyst):
    api.force_login(analyst)
    html = api.get("/api/docs/").content.decode()
    assert "swagger-ui" in html.lower()
    external = re.findall(r"""(?:src|href)=["'](https?:)?//[^"']+""", html)
    assert external == [], "the docs page must not load anything from another site"
    assert "/static/drf_spectacular_sidecar/" in html
