"""Data feeds against a real folder and a local S3-compatible server (moto's, started here on a free port):
new files are loaded through the upload service, a file seen twice is loaded once, documents attach to the
entry or export their name carries, failures are e-mailed to the feed's analyst, and the pages lead to all
of it from the client's Uploads page."""

import shutil
import socket

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from drawback.lib.entry_numbers import make
from exports.models import Export
from imports import feeds, tasks
from imports.models import DataFeed, Document, FeedFile, ImportEntry, ImportLine, Upload
from tests.factories import ClientFactory, ExportFactory, ImportEntryFactory, UserFactory
from tests.imports.helpers import FIXTURES, sample_rows, write_rows

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def root(settings, tmp_path):
    settings.FEED_FOLDER_ROOT = tmp_path / "feeds"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.FEED_FOLDER_ROOT


@pytest.fixture
def analyst(firm):
    return UserFactory(username="alice", role="analyst", firm=firm, email="alice@firm.example")


@pytest.fixture
def poll(django_capture_on_commit_callbacks):
    """Look at a feed now, with what runs after commit (the e-mails) run too."""

    def run(feed):
        with django_capture_on_commit_callbacks(execute=True):
            return feeds.feed_poll(feed_id=feed.pk)

    return run


def folder_feed(client, analyst, *, kind="es003", location="es003", **fields) -> DataFeed:
    values = {"name": f"{kind} drop", "source": "folder", "location": location, "kind": kind, **fields}
    return feeds.feed_save(client=client, by=analyst, values=values)


def drop(root, client, location, name, content: bytes):
    folder = root / client.code / location
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return folder / name


def test_a_folder_feed_loads_new_files_through_the_upload_service_once(poll, root, client_a, analyst):
    feed = folder_feed(client_a, analyst, pattern="ES003_*.csv")
    sample = (FIXTURES / "es003_sample.csv").read_bytes()
    drop(root, client_a, "es003", "ES003_2026-11.csv", sample)
    drop(root, client_a, "es003", "notes.txt", b"not for this feed")
    drop(root, client_a, "es003", "ES003_2026-12.csv.part", sample)  # still being written
    result = poll(feed)
    file = FeedFile.objects.get()
    assert (file.name, file.status) == ("ES003_2026-11.csv", FeedFile.Status.LOADED)
    upload = file.upload
    assert upload.feed == feed and upload.status == Upload.Status.LOADED and upload.created == 38
    assert ImportLine.objects.filter(client=client_a).count() == 38
    assert "1 new file(s): 1 loaded" in result.summary()

    # Seen again unchanged: skipped without being read. The same bytes under another name: not loaded.
    assert poll(feed).summary() == "No new file (1 seen before)."
    drop(root, client_a, "es003", "ES003_2026-11 (copy).csv", sample)
    poll(feed)
    copy = FeedFile.objects.get(name="ES003_2026-11 (copy).csv")
    assert copy.status == FeedFile.Status.DUPLICATE and copy.upload == upload
    assert Upload.objects.count() == 1
    feed.refresh_from_db()
    assert feed.last_polled_at is not None and "already loaded" in feed.last_result


def test_a_changed_file_is_loaded_again_and_updates_without_duplicating(poll, root, client_a, analyst):
    feed = folder_feed(client_a, analyst)
    path = drop(root, client_a, "es003", "es003.csv", (FIXTURES / "es003_sample.csv").read_bytes())
    poll(feed)
    headers, rows = sample_rows("es003_sample.csv")
    rows[0]["Country of Origin Code"] = "VN"
    write_rows(path, headers, rows)
    poll(feed)
    assert FeedFile.objects.filter(status=FeedFile.Status.LOADED).count() == 2
    assert ImportLine.objects.filter(client=client_a).count() == 38
    assert FeedFile.objects.order_by("pk").last().upload.updated == 1


def test_a_rejected_file_is_recorded_and_told_to_the_analyst(poll, root, client_a, analyst):
    feed = folder_feed(client_a, analyst)
    header = (FIXTURES / "es003_sample.csv").read_text().splitlines()[0]
    drop(root, client_a, "es003", "empty.csv", (header + "\n").encode())
    poll(feed)
    file = FeedFile.objects.get()
    assert file.status == FeedFile.Status.REJECTED and "no data rows" in file.message
    assert file.upload.status == Upload.Status.REJECTED  # the same checks as a browser upload
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@firm.example"]
    assert "empty.csv" in mail.outbox[0].body and "no data rows" in mail.outbox[0].body


def test_a_feed_that_cannot_be_read_says_so(poll, root, client_a, analyst):
    feed = folder_feed(client_a, analyst, location="not-there")
    result = poll(feed)
    assert "could not be read" in result.summary() and len(mail.outbox) == 1


def test_documents_dropped_in_a_feed_attach_to_what_they_prove(poll, root, client_a, analyst):
    entry = ImportEntryFactory(client=client_a, entry_number=make("B76", 324527))
    export = ExportFactory(client=client_a, export_ref="X20250601000123")
    feed = folder_feed(
        client_a, analyst, kind=DataFeed.DOCUMENTS, location="scans", doc_type="bill_of_lading"
    )
    drop(root, client_a, "scans", f"7501 {entry.display_number}.pdf", PDF + b"entry")
    drop(root, client_a, "scans", "BOL_X20250601000123_signed.pdf", PDF + b"export")
    drop(root, client_a, "scans", "holiday.pdf", PDF + b"nothing")
    poll(feed)
    by_name = {f.name: f for f in FeedFile.objects.all()}
    assert by_name[f"7501 {entry.display_number}.pdf"].status == FeedFile.Status.ATTACHED
    assert list(ImportEntry.objects.get(pk=entry.pk).documents.values_list("original_name", flat=True)) == [
        f"7501 {entry.display_number}.pdf"
    ]
    assert Export.objects.get(pk=export.pk).documents.get().doc_type == Document.Type.BILL_OF_LADING
    assert by_name["holiday.pdf"].status == FeedFile.Status.UNMATCHED
    assert Document.objects.filter(client=client_a).count() == 3
    assert len(mail.outbox) == 1 and "holiday.pdf" in mail.outbox[0].body


def test_a_feed_reads_only_inside_its_clients_folder(root, client_a, analyst):
    for location in ("../borealis", "es003/../../borealis", "../../../etc"):
        with pytest.raises(ValidationError):
            folder_feed(client_a, analyst, location=location)
    assert feeds.clean_location("/es003/") == "es003"  # relative to the client's folder, whatever is typed


def test_the_beat_job_polls_each_due_feed_once(root, client_a, analyst):
    feed = folder_feed(client_a, analyst, every_minutes=30)
    drop(root, client_a, "es003", "es003.csv", (FIXTURES / "es003_sample.csv").read_bytes())
    assert tasks.feeds_poll_due.delay().get() == [feed.pk]
    assert tasks.feeds_poll_due.delay().get() == []  # not due again for 30 minutes
    assert FeedFile.objects.get().status == FeedFile.Status.LOADED


# --- an S3-compatible prefix, on a real server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, root):
    import boto3

    settings.AWS_S3_ENDPOINT_URL = s3_server
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "test-key"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret"
    settings.FEED_S3_BUCKET = "drawback-feeds"
    settings.FEED_S3_PREFIX = "feeds/"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    s3.create_bucket(Bucket="drawback-feeds")
    yield s3
    for item in s3.list_objects_v2(Bucket="drawback-feeds").get("Contents", []):
        s3.delete_object(Bucket="drawback-feeds", Key=item["Key"])
    s3.delete_bucket(Bucket="drawback-feeds")


def test_an_s3_feed_loads_new_objects_once(poll, bucket, client_a, client_b, analyst):
    feed = feeds.feed_save(
        client=client_a,
        by=analyst,
        values={"name": "AES", "source": "s3", "location": "aes", "kind": "aes", "pattern": "*.csv"},
    )
    sample = (FIXTURES / "aes_sample.csv").read_bytes()
    bucket.put_object(Bucket="drawback-feeds", Key="feeds/acme/aes/aes_2026-11.csv", Body=sample)
    bucket.put_object(Bucket="drawback-feeds", Key="feeds/acme/aes/older/aes_2026-10.csv", Body=sample)
    bucket.put_object(Bucket="drawback-feeds", Key="feeds/borealis/aes/theirs.csv", Body=sample)
    poll(feed)
    file = FeedFile.objects.get()
    assert (file.name, file.status) == ("aes_2026-11.csv", FeedFile.Status.LOADED)
    assert Export.objects.filter(client=client_a).count() == file.upload.created > 0
    assert not Export.objects.filter(client=client_b).exists()
    assert poll(feed).summary() == "No new file (1 seen before)."
    bucket.put_object(Bucket="drawback-feeds", Key="feeds/acme/aes/aes_again.csv", Body=sample)
    poll(feed)
    assert FeedFile.objects.get(name="aes_again.csv").status == FeedFile.Status.DUPLICATE
    assert Upload.objects.count() == 1


# --- the pages


def test_staff_add_a_feed_from_the_uploads_page_and_see_its_files(client, root, client_a, analyst):
    client.force_login(analyst)
    uploads = client.get("/clients/acme/uploads/").content.decode()
    assert 'href="/clients/acme/feeds/new/"' in uploads
    response = client.post(
        "/clients/acme/feeds/new/",
        {
            "name": "Broker ES-003",
            "source": "folder",
            "location": "es003",
            "kind": "es003",
            "pattern": "*.csv",
            "doc_type": "other",
            "every_minutes": "60",
            "analyst": analyst.pk,
            "is_active": "on",
        },
    )
    feed = DataFeed.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clients/acme/feeds/{feed.pk}/"
    drop(root, client_a, "es003", "es003.csv", (FIXTURES / "es003_sample.csv").read_bytes())
    page = client.post(f"/clients/acme/feeds/{feed.pk}/poll/", follow=True).content.decode()
    assert "1 new file(s): 1 loaded" in page and "es003.csv" in page
    uploads = client.get("/clients/acme/uploads/").content.decode()
    assert "Broker ES-003" in uploads and "feed Broker ES-003" in uploads


def test_client_users_see_the_loads_but_not_the_feeds(client, root, client_a, analyst, client_user_a):
    feed = folder_feed(client_a, analyst)
    client.force_login(client_user_a)
    assert 'id="data-feeds"' not in client.get("/clients/acme/uploads/").content.decode()
    for url in ("/clients/acme/feeds/new/", f"/clients/acme/feeds/{feed.pk}/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/clients/acme/feeds/{feed.pk}/poll/").status_code == 404


def test_a_feed_folder_copied_whole_is_still_loaded_once(poll, root, client_a, analyst, tmp_path):
    """Copying a folder over again (new times of change, same bytes) loads nothing twice."""
    feed = folder_feed(client_a, analyst)
    path = drop(root, client_a, "es003", "es003.csv", (FIXTURES / "es003_sample.csv").read_bytes())
    poll(feed)
    shutil.copy(path, tmp_path / "keep.csv")
    path.unlink()
    shutil.copy(tmp_path / "keep.csv", path)
    import os

    os.utime(path, ns=(1, 1))
    poll(feed)
    assert [f.status for f in FeedFile.objects.order_by("pk")] == [
        FeedFile.Status.LOADED,
        FeedFile.Status.DUPLICATE,
    ]


def test_a_feed_file_of_another_importer_is_refused_whole(poll, root, client_a, analyst):
    """The check a browser upload makes of the file's importer number applies to a feed's files too."""
    borealis = ClientFactory(
        firm=client_a.firm, code="borealis", legal_name="Borealis Trading LLC", importer_number="98-7654321AA"
    )
    feed = folder_feed(borealis, analyst)
    drop(root, borealis, "es003", "es003.csv", (FIXTURES / "es003_sample.csv").read_bytes())
    poll(feed)
    file = FeedFile.objects.get()
    assert file.status == FeedFile.Status.REJECTED and file.upload.status == Upload.Status.REJECTED
    assert "not Borealis Trading LLC's" in file.message and "but that of Acme Outfitters Inc" in file.message
    assert not ImportLine.objects.exists()
    assert len(mail.outbox) == 1 and "not Borealis Trading LLC's" in mail.outbox[0].body


def test_a_feed_file_in_the_clients_saved_layout_is_recognised(poll, root, client_a, analyst, tmp_path):
    """A mapping saved from the upload page reads the client's next files in that layout, feeds included."""
    from imports.services import column_mapping_save
    from tests.imports.test_layouts import MAPPING, own_layout

    column_mapping_save(client=client_a, kind="aes", name="Acme filer", mapping=MAPPING, user=analyst)
    feed = folder_feed(client_a, analyst, kind="aes", location="aes")
    drop(root, client_a, "aes", "aes.csv", own_layout(tmp_path).read_bytes())
    poll(feed)
    upload = FeedFile.objects.get().upload
    assert (upload.status, upload.created) == (Upload.Status.LOADED, 25)
    assert "saved mapping 'Acme filer'" in upload.message
    assert Export.objects.filter(client=client_a).count() == 25
