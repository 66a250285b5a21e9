"""Documents: what may be uploaded, where it is kept, how it is downloaded, attached and deleted."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from claims.models import Finding
from imports.documents import document_check, document_create
from imports.models import Document

from .conftest import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 20
CSV = b"entry_number,line\nB7603245278,1\n"


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("entry.pdf", PDF, "application/pdf"),
        ("scan.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("fax.tif", TIFF, "image/tiff"),
        ("lines.csv", CSV, "text/csv"),
        ("notes.txt", "Überweisung ­— café\n".encode(), "text/plain"),
        ("notes.txt", "Windows text caf\xe9\r\n".encode("cp1252"), "text/plain"),
        ("book.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_accepted_files_get_their_real_content_type(name, content, content_type):
    assert document_check(file=upload(name, content if content is not None else xlsx_bytes())) == content_type


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("invoice.exe", b"MZ\x90\x00", "extension"),
        ("invoice", PDF, "extension"),
        ("invoice.html", b"<html></html>", "extension"),
        ("invoice.pdf", b"MZ\x90\x00 not a pdf", "content"),  # renamed executable
        ("scan.png", PDF, "content"),  # a PDF called .png
        ("book.xlsx", b"PK\x03\x04 broken zip", "content"),
        ("book.xlsx", None, "content"),  # a zip that is not a workbook (filled in below)
        ("lines.csv", b"a,b\n\x00\x01\x02binary", "content"),
        ("notes.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "content"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_refused_files_say_why(name, content, code):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        content = buffer.getvalue()
    with pytest.raises(ValidationError) as exc:
        document_check(file=upload(name, content))
    assert exc.value.code == code


def test_size_limit_comes_from_settings(settings):
    settings.DOCUMENT_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationError, match="larger than") as exc:
        document_check(file=upload("big.pdf", PDF))
    assert exc.value.code == "too_large"
    settings.DOCUMENT_MAX_BYTES = len(PDF)
    assert document_check(file=upload("big.pdf", PDF)) == "application/pdf"


def test_upload_page_stores_file_under_a_random_name_and_attaches_it(data, client, analyst):
    client.force_login(analyst)
    a = data.a
    response = client.post(
        "/clients/acme/documents/",
        {
            "file": upload("../../etc/7501 scan.pdf", PDF + b"7501"),
            "doc_type": "entry_summary",
            "note": "signed copy",
            "entry_number": a.entry.display_number,
            "export_ref": a.export.export_ref,
        },
    )
    assert response.status_code == 302
    document = Document.objects.get(client=a.client, doc_type="entry_summary")
    assert document.original_name == "7501 scan.pdf"
    assert document.uploaded_by == analyst and document.note == "signed copy"
    assert document.size == len(PDF) + 4 and document.content_type == "application/pdf"
    assert "7501" not in document.file.name and "etc" not in document.file.name
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".pdf")
    assert default_storage.open(document.file.name).read() == PDF + b"7501"
    assert list(document.import_entries.all()) == [a.entry]
    assert list(document.exports.all()) == [a.export]


def test_upload_refusal_is_shown_and_nothing_is_stored(data, client, analyst):
    client.force_login(analyst)
    before = Document.objects.count()
    response = client.post(
        "/clients/acme/documents/", {"file": upload("x.pdf", b"GIF89a"), "doc_type": "other"}
    )
    assert response.status_code == 400
    assert "not a PDF" in response.content.decode()
    assert Document.objects.count() == before


def test_upload_cannot_attach_to_another_clients_entry(data, client, analyst):
    """Even staff who see both clients: the entry is looked up inside the client the page is for."""
    client.force_login(analyst)
    response = client.post(
        "/clients/acme/documents/",
        {"file": upload("x.pdf", PDF + b"x"), "doc_type": "other", "entry_number": data.b.entry.entry_number},
    )
    assert response.status_code == 400
    assert "Not found for this client" in response.content.decode()
    assert not data.b.entry.documents.filter(original_name="x.pdf").exists()
    assert not Document.objects.filter(original_name="x.pdf").exists()


def test_service_refuses_targets_of_another_client(data, analyst):
    with pytest.raises(ValidationError):
        document_create(
            client=data.a.client,
            user=analyst,
            file=upload("x.pdf", PDF + b"y"),
            doc_type="other",
            entries=[data.b.entry],
        )
    assert not Document.objects.filter(original_name="x.pdf").exists()


def test_same_file_again_is_attached_not_stored_twice(data, client, analyst):
    client.force_login(analyst)
    a = data.a
    content = a.document.file.open("rb").read()
    response = client.post(
        "/clients/acme/documents/",
        {"file": upload("again.pdf", content), "doc_type": "invoice", "export_ref": a.export.export_ref},
        follow=True,
    )
    assert "already on file" in response.content.decode()
    assert Document.objects.filter(client=a.client).count() == 1
    assert list(a.export.documents.all()) == [a.document]


def test_same_file_again_as_another_type_records_that_type(data, client, analyst, client_a):
    """An invoice on file uploaded again as the bill of lading of an export proves the export too."""
    from claims.risk.services import assess_client

    client.force_login(analyst)
    a = data.a
    assert a.document.doc_type == "invoice"
    assess_client(client=client_a)
    assert Finding.objects.filter(
        client=client_a, rule="R-EXPORT-DOCS", export=a.export, status="open"
    ).exists()
    content = a.document.file.open("rb").read()
    response = client.post(
        "/clients/acme/documents/",
        {"file": upload("bol.pdf", content), "doc_type": "bill_of_lading", "export_ref": a.export.export_ref},
        follow=True,
    )
    html = response.content.decode()
    assert (
        f"already on file as {a.document.original_name}; it is now recorded as Commercial invoice; "
        f"Bill of lading / air waybill, attached to export {a.export.export_ref}." in html
    )
    a.document.refresh_from_db()
    assert a.document.types_display == "Commercial invoice; Bill of lading / air waybill"
    listed = client.get("/clients/acme/documents/?type=bill_of_lading").content.decode()
    assert a.document.original_name in listed
    assess_client(client=client_a)
    assert not Finding.objects.filter(
        client=client_a, rule="R-EXPORT-DOCS", export=a.export, status="open"
    ).exists()


def test_same_file_for_another_client_is_that_clients_own_document(data, client, analyst):
    client.force_login(analyst)
    content = data.a.document.file.open("rb").read()
    client.post("/clients/borealis/documents/", {"file": upload("copy.pdf", content), "doc_type": "invoice"})
    copy = Document.objects.get(client=data.b.client, original_name="copy.pdf")
    assert copy.pk != data.a.document.pk


def test_download_streams_the_stored_file_as_an_attachment(data, client, client_user_a):
    client.force_login(client_user_a)
    response = client.get(f"/clients/acme/documents/{data.a.document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "ALPHA-invoice.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF + b"% ALPHA\n"


def test_stored_files_have_no_public_url(data, client, analyst):
    client.force_login(analyst)
    assert client.get(f"/media/{data.a.document.file.name}").status_code == 404
    assert client.get(f"/{data.a.document.file.name}").status_code == 404


def test_attach_and_detach_on_pages(data, client, analyst):
    client.force_login(analyst)
    a = data.a
    url = f"/clients/acme/documents/{a.document.pk}/"
    assert client.post(url + "attach/", {"export_ref": a.export.export_ref}).status_code == 302
    assert list(a.export.documents.all()) == [a.document]
    response = client.post(url + "attach/", {"entry_number": "ZZZ99999999"}, follow=True)
    assert "Not found for this client: entry ZZZ99999999" in response.content.decode()
    assert client.post(url + "detach/", {"export": a.export.pk}).status_code == 302
    assert not a.export.documents.exists()
    assert list(a.entry.documents.all()) == [a.document]  # only what was asked is detached


def test_staff_delete_removes_record_and_stored_file(
    data, client, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    name = data.a.document.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/clients/acme/documents/{data.a.document.pk}/delete/")
    assert response.status_code == 302
    assert not Document.objects.filter(pk=data.a.document.pk).exists()
    assert not default_storage.exists(name)


def test_delete_needs_post(data, client, analyst):
    client.force_login(analyst)
    assert client.get(f"/clients/acme/documents/{data.a.document.pk}/delete/").status_code == 405
    assert Document.objects.filter(pk=data.a.document.pk).exists()


def test_documents_list_filters_by_type(data, client, analyst):
    from .conftest import make_document

    make_document(data.a.client, name="bol.pdf", content=PDF + b"bol", doc_type=Document.Type.BILL_OF_LADING)
    client.force_login(analyst)
    names = [
        d.original_name
        for d in client.get("/clients/acme/documents/", {"type": "bill_of_lading"}).context["page"].items
    ]
    assert names == ["bol.pdf"]
    assert len(client.get("/clients/acme/documents/").context["page"].items) == 2


@override_settings(DOCUMENT_MAX_BYTES=10)
def test_api_upload_reports_refusals_as_400(data, api, analyst):
    api.force_login(analyst)
    response = api.post(
        "/api/v1/clients/acme/documents/",
        {"file": upload("x.pdf", PDF), "doc_type": "other"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "larger than" in str(response.json())


def test_api_upload_attach_download_delete(data, api, analyst, django_capture_on_commit_callbacks):
    api.force_login(analyst)
    a = data.a
    response = api.post(
        "/api/v1/clients/acme/documents/",
        {
            "file": upload("aes.pdf", PDF + b"aes"),
            "doc_type": "aes_confirmation",
            "entry_numbers": [a.entry.display_number],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["entry_numbers"] == [a.entry.entry_number] and body["export_ids"] == []
    assert body["size"] == len(PDF) + 3 and body["uploaded_by"] == "alice"
    again = api.post(
        "/api/v1/clients/acme/documents/",
        {"file": upload("aes-copy.pdf", PDF + b"aes"), "doc_type": "aes_confirmation"},
        format="multipart",
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    attached = api.post(
        f"/api/v1/clients/acme/documents/{body['id']}/attach/", {"export_ids": [a.export.pk]}, format="json"
    )
    assert attached.status_code == 200 and attached.json()["export_ids"] == [a.export.pk]
    missing = api.post(
        f"/api/v1/clients/acme/documents/{body['id']}/attach/",
        {"export_ids": [data.b.export.pk]},
        format="json",
    )
    assert missing.status_code == 400 and not data.b.export.documents.exists()
    download = api.get(body["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF + b"aes"
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/clients/acme/documents/{body['id']}/").status_code == 204
    assert not Document.objects.filter(pk=body["id"]).exists()
