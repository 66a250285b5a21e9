"""Upload pages: form, history, progress polling hook, errors, rejects, column-mapping form, tenancy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ColumnMapping, ImportLine, TariffLine, Upload
from tests.imports.helpers import FIXTURES, sample_rows, write_rows
from tests.imports.test_layouts import own_layout

pytestmark = pytest.mark.django_db


def upload_file(name, content=None):
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes())


@pytest.fixture
def web(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_staff_page_has_the_form_and_history(web, analyst, client_a):
    Upload.objects.create(
        client=client_a, kind="es003", original_name="old.csv", sha256="0" * 64, status="loaded"
    )
    page = web(analyst).get("/clients/acme/uploads/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "Recognise from the header row" in page
    assert "old.csv" in page and "Loaded" in page


def test_upload_with_kind_recognised_from_the_header(
    web, analyst, client_a, django_capture_on_commit_callbacks
):
    http = web(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post("/clients/acme/uploads/", {"kind": "", "file": upload_file("es003_sample.xlsx")})
    upload = Upload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clients/acme/uploads/{upload.pk}/"
    assert (upload.kind, upload.status, upload.created) == ("es003", "loaded", 38)
    page = http.get(response["Location"]).content.decode()
    assert "Loaded" in page and "38" in page
    assert "data-upload-status" not in page  # finished: nothing to poll


def test_running_upload_page_polls_its_status(web, analyst, client_a):
    upload = Upload.objects.create(
        client=client_a,
        kind="es003",
        original_name="big.csv",
        sha256="0" * 64,
        status="processing",
        progress=35,
    )
    page = web(analyst).get(f"/clients/acme/uploads/{upload.pk}/").content.decode()
    assert f'data-upload-status="/api/v1/uploads/{upload.pk}/"' in page
    assert '<progress max="100" value="35"' in page
    assert "js/uploads.js" in page


def test_unrecognised_file_without_a_kind_is_refused(web, analyst, client_a):
    response = web(analyst).post(
        "/clients/acme/uploads/", {"kind": "", "file": upload_file("x.csv", b"Colour,Size\nred,9\n")}
    )
    assert response.status_code == 200
    assert "matches no known layout" in response.content.decode()
    assert Upload.objects.count() == 0


def test_errors_and_rejects_link_on_the_detail_page(
    web, analyst, client_a, tmp_path, django_capture_on_commit_callbacks
):
    headers, rows = sample_rows("es003_sample.csv")
    rows[1]["Entry Date"] = "11/31/2023"
    content = write_rows(tmp_path / "bad.csv", headers, rows).read_bytes()
    http = web(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            "/clients/acme/uploads/", {"kind": "es003", "file": upload_file("bad.csv", content)}
        )
    page = http.get(response["Location"]).content.decode()
    assert "Rejected: nothing stored" in page
    assert "entry_inconsistent" in page and "Entry Date" in page
    upload = Upload.objects.get()
    rejects = http.get(f"/clients/acme/uploads/{upload.pk}/rejects.csv")
    assert rejects.status_code == 200 and b"11/31/2023" in b"".join(rejects.streaming_content)
    assert f"/clients/acme/uploads/{upload.pk}/rejects.csv" in page
    assert ImportLine.objects.count() == 0


def test_mapping_form_for_an_unknown_layout(
    web, analyst, client_a, tmp_path, django_capture_on_commit_callbacks
):
    http = web(analyst)
    content = own_layout(tmp_path).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            "/clients/acme/uploads/", {"kind": "aes", "file": upload_file("own.csv", content)}
        )
    upload = Upload.objects.get()
    page = http.get(response["Location"]).content.decode()
    assert "Map this file's columns" in page
    # Documented headers the file does have are preselected; the others offer the file's own headers.
    assert '<option value="Shipment Reference Number" selected>' in page
    assert '<option value="Ship Date">Ship Date</option>' in page

    form = {
        "name": "Acme filer",
        "field_itn": "AES ITN #",
        "field_shipment_ref": "Shipment Reference Number",
        "field_export_date": "Ship Date",
        "field_destination": "Dest Ctry",
        "field_hts": "Sched B",
        "field_quantity": "Qty",
        "field_uom": "UOM",
        "field_value": "FOB Value USD",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(f"/clients/acme/uploads/{upload.pk}/mapping/", form)
    again = Upload.objects.exclude(pk=upload.pk).get()
    assert response["Location"] == f"/clients/acme/uploads/{again.pk}/"
    assert (again.status, again.created, again.mapping.name) == ("loaded", 25, "Acme filer")
    assert ColumnMapping.objects.get().mapping["export_date"] == "Ship Date"


def test_mapping_form_reports_missing_required_fields(
    web, analyst, client_a, tmp_path, django_capture_on_commit_callbacks
):
    http = web(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        http.post(
            "/clients/acme/uploads/",
            {"kind": "aes", "file": upload_file("own.csv", own_layout(tmp_path).read_bytes())},
        )
    upload = Upload.objects.get()
    response = http.post(
        f"/clients/acme/uploads/{upload.pk}/mapping/", {"name": "x", "field_itn": "AES ITN #"}
    )
    assert response.status_code == 200 and "Map a column to: Date of Export" in response.content.decode()
    assert Upload.objects.count() == 1


def test_client_user_sees_history_but_cannot_upload(web, client_user_a, client_a):
    http = web(client_user_a)
    page = http.get("/clients/acme/uploads/").content.decode()
    assert "History" in page and "multipart/form-data" not in page
    response = http.post("/clients/acme/uploads/", {"kind": "es003", "file": upload_file("es003_sample.csv")})
    assert response.status_code == 404 and Upload.objects.count() == 0


def test_other_clients_pages_are_404(
    web, client_user_b, client_a, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        web(analyst).post(
            "/clients/acme/uploads/", {"kind": "es003", "file": upload_file("es003_sample.csv")}
        )
    upload = Upload.objects.get()
    http = web(client_user_b)
    for url in (
        "/clients/acme/uploads/",
        f"/clients/acme/uploads/{upload.pk}/",
        f"/clients/acme/uploads/{upload.pk}/rejects.csv",
        f"/clients/borealis/uploads/{upload.pk}/",
        "/tariff/uploads/",
    ):
        assert http.get(url).status_code == 404, url
    assert http.post(f"/clients/acme/uploads/{upload.pk}/mapping/", {"name": "x"}).status_code == 404


def test_tariff_page_for_staff(web, analyst, platform_admin, django_capture_on_commit_callbacks):
    """The tariff's rates decide every firm's claims: a firm's analyst reads its history but cannot load it
    (one upload once set 6109.10.00 to 99% for every firm); a platform administrator loads it."""
    http = web(analyst)
    page = http.get("/tariff/uploads/").content.decode()
    assert "Upload the USITC HTS schedule" not in page and "only a platform administrator loads it" in page
    with django_capture_on_commit_callbacks(execute=True):
        refused = http.post("/tariff/uploads/", {"file": upload_file("hts_sample.csv")})
    assert refused.status_code == 403 and not Upload.objects.exists() and not TariffLine.objects.exists()

    admin = web(platform_admin)
    assert "Upload the USITC HTS schedule" in admin.get("/tariff/uploads/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/tariff/uploads/", {"file": upload_file("hts_sample.csv")})
    upload = Upload.objects.get()
    assert response["Location"] == f"/tariff/uploads/{upload.pk}/"
    assert upload.client is None and TariffLine.objects.count() == 16
    assert "hts_sample.csv" in http.get("/tariff/uploads/").content.decode()  # every firm sees it
