"""Uploads API: create, status/progress, rejects download, mappings; tenant isolation (404, never data)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ColumnMapping, ImportLine, TariffLine, Upload
from tests.imports.helpers import FIXTURES, sample_rows, write_rows

pytestmark = pytest.mark.django_db


def post_file(http, url, name, content=None, **fields):
    content = content if content is not None else (FIXTURES / name).read_bytes()
    return http.post(url, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


@pytest.fixture
def api(client):
    """Django's test client, logged in as whoever the test says."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def bad_es003(tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows[1]["Line Tariff Quantity (1)"] = "-3"
    return write_rows(tmp_path / "bad.csv", headers, rows).read_bytes()


def test_staff_upload_is_created_then_processed(api, analyst, client_a, django_capture_on_commit_callbacks):
    http = api(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(http, "/api/v1/clients/acme/uploads/", "es003_sample.csv", kind="es003")
    assert response.status_code == 201
    body = response.json()
    assert (body["client"], body["kind"], body["uploaded_by"]) == ("acme", "es003", "alice")

    detail = http.get(body["url"]).json()
    assert detail["status"] == "loaded" and detail["progress"] == 100
    assert {k: detail[k] for k in ("rows", "created", "updated", "unchanged", "errors")} == {
        "rows": 46,
        "created": 38,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
    }
    listing = http.get("/api/v1/clients/acme/uploads/").json()
    assert [u["id"] for u in listing["results"]] == [body["id"]]


def test_detail_reports_progress_while_processing(api, analyst, client_a):
    upload = Upload.objects.create(
        client=client_a,
        kind="es003",
        original_name="big.csv",
        sha256="0" * 64,
        status="processing",
        progress=42,
    )
    body = api(analyst).get(f"/api/v1/uploads/{upload.pk}/").json()
    assert (body["status"], body["progress"], body["rejects_url"]) == ("processing", 42, None)


def test_errors_and_rejects_csv(api, analyst, client_a, bad_es003, django_capture_on_commit_callbacks):
    http = api(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        body = post_file(
            http, "/api/v1/clients/acme/uploads/", "bad.csv", bad_es003, kind="es003", allow_partial="true"
        ).json()
    detail = http.get(body["url"]).json()
    assert (detail["status"], detail["created"], detail["errors"]) == ("partial", 37, 1)
    assert detail["first_errors"] == [
        {
            "row": 3,
            "column": "Line Tariff Quantity (1)",
            "value": "-3",
            "rule": "quantity_not_positive",
            "message": "quantity must be greater than zero",
        }
    ]

    response = http.get(detail["rejects_url"])
    assert response["Content-Type"] == "text/csv"
    assert 'filename="bad-rejected-rows.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["row"], r["Line Tariff Quantity (1)"]) for r in rows] == [("3", "-3")]


def test_bad_requests_are_answered_400(api, analyst, client_a):
    http = api(analyst)
    response = post_file(http, "/api/v1/clients/acme/uploads/", "empty.csv", b"", kind="es003")
    assert response.status_code == 400
    response = post_file(http, "/api/v1/clients/acme/uploads/", "hts_sample.csv", kind="hts")
    assert response.status_code == 400 and "tariff" in response.json()["kind"][0]
    response = post_file(http, "/api/v1/clients/acme/uploads/", "aes_sample.csv", kind="aes", mapping="nope")
    assert response.status_code == 400 and "nope" in response.json()["mapping"][0]
    assert Upload.objects.count() == 0


def test_client_user_reads_own_uploads_but_cannot_upload(
    api, client_user_a, analyst, client_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = post_file(
            api(analyst), "/api/v1/clients/acme/uploads/", "es003_sample.csv", kind="es003"
        ).json()
    http = api(client_user_a)
    assert http.get("/api/v1/clients/acme/uploads/").json()["count"] == 1
    assert http.get(f"/api/v1/uploads/{upload['id']}/").status_code == 200
    response = post_file(http, "/api/v1/clients/acme/uploads/", "es003_sample.csv", kind="es003")
    assert response.status_code == 404
    assert Upload.objects.count() == 1
    assert http.post("/api/v1/clients/acme/mappings/", {}, content_type="application/json").status_code == 404


def test_other_clients_uploads_are_404_everywhere(
    api, client_user_b, analyst, client_a, client_b, bad_es003, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = post_file(
            api(analyst), "/api/v1/clients/acme/uploads/", "bad.csv", bad_es003, kind="es003"
        ).json()
    http = api(client_user_b)
    for url in (
        "/api/v1/clients/acme/uploads/",
        "/api/v1/clients/acme/mappings/",
        f"/api/v1/uploads/{upload['id']}/",
        f"/api/v1/uploads/{upload['id']}/rejects.csv",
    ):
        response = http.get(url)
        assert response.status_code == 404, url
        assert b"B7679638166" not in response.content
    assert http.get("/api/v1/clients/borealis/uploads/").json()["count"] == 0


def test_tariff_uploads_are_for_firm_staff(
    api, analyst, platform_admin, client_user_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused = post_file(api(analyst), "/api/v1/tariff/uploads/", "hts_sample.json")
    assert refused.status_code == 403 and "platform administrator" in refused.json()["detail"]
    assert not TariffLine.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(api(platform_admin), "/api/v1/tariff/uploads/", "hts_sample.json")
    assert response.status_code == 201 and TariffLine.objects.count() == 16
    upload_id = response.json()["id"]
    assert api(analyst).get(f"/api/v1/uploads/{upload_id}/").status_code == 200

    http = api(client_user_a)
    assert http.get("/api/v1/tariff/uploads/").status_code == 404
    assert http.get(f"/api/v1/uploads/{upload_id}/").status_code == 404
    assert post_file(http, "/api/v1/tariff/uploads/", "hts_sample.csv").status_code == 404


def test_mapping_api_saves_and_is_used(api, analyst, client_a, tmp_path, django_capture_on_commit_callbacks):
    from tests.imports.test_layouts import MAPPING, own_layout

    http = api(analyst)
    response = http.post(
        "/api/v1/clients/acme/mappings/",
        {"kind": "aes", "name": "Acme filer", "mapping": MAPPING},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert ColumnMapping.objects.get(client=client_a).mapping == MAPPING
    bad = http.post(
        "/api/v1/clients/acme/mappings/",
        {"kind": "aes", "name": "x", "mapping": {"itn": "ITN"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "Date of Export" in bad.json()["mapping"][0]

    with django_capture_on_commit_callbacks(execute=True):
        body = post_file(
            http, "/api/v1/clients/acme/uploads/", "own.csv", own_layout(tmp_path).read_bytes(), kind="aes"
        ).json()
    detail = http.get(body["url"]).json()
    assert (detail["status"], detail["created"], detail["mapping"]) == ("loaded", 25, "Acme filer")


def test_schema_documents_the_upload_endpoints(api, analyst):
    schema = api(analyst).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/clients/{code}/uploads/",
        "/api/v1/uploads/{id}/",
        "/api/v1/uploads/{id}/rejects.csv",
        "/api/v1/tariff/uploads/",
    ):
        assert path in schema
    assert ImportLine.objects.count() == 0
