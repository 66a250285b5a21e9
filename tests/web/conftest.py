"""Data for the page and API tests: two clients of one firm with entries, lines, exports, documents and
findings, plus an outside firm, and stored files kept in a temporary directory."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from claims.models import Finding
from imports.models import Document, LineCh99Duty
from tests.factories import (
    ClientFactory,
    ExportFactory,
    FirmFactory,
    ImportEntryFactory,
    ImportLineFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are created in every test here; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_document(
    client, *, name="invoice.pdf", content=PDF, user=None, doc_type=Document.Type.COMMERCIAL_INVOICE
):
    import hashlib

    document = Document(
        client=client,
        doc_type=doc_type,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    document.file.save(f"{client.code}-{name}", ContentFile(content), save=False)
    document.save()
    return document


def client_data(client, *, marker: str, filer: str):
    """An entry with two lines (one with a Chapter 99 duty), an export, a document and a finding."""
    from drawback.lib.entry_numbers import make

    entry = ImportEntryFactory(
        client=client,
        entry_number=make(filer, 1234567),
        import_date=dt.date(2024, 3, 1),
        importer_name=f"{marker} Importer",
    )
    line1 = ImportLineFactory(
        entry=entry, line_number=1, description=f"{marker} cotton t-shirts", hts="6109100012"
    )
    line2 = ImportLineFactory(
        entry=entry,
        line_number=2,
        description=f"{marker} steel bolts",
        hts="7318150000",
        country_of_origin="CN",
    )
    LineCh99Duty.objects.create(line=line2, ordinal=1, number="9903.88.03", amount=Decimal("250.00"))
    export = ExportFactory(client=client, export_ref=f"{marker}-X1", description=f"{marker} export")
    document = make_document(client, name=f"{marker}-invoice.pdf", content=PDF + f"% {marker}\n".encode())
    entry.documents.add(document)
    finding = Finding.objects.create(
        client=client,
        rule="R-TEST",
        severity=Finding.Severity.ERROR,
        message=f"{marker} finding",
        entry=entry,
        fingerprint=f"{marker}-1",
    )
    return SimpleNamespace(
        client=client, entry=entry, line=line1, line2=line2, export=export, document=document, finding=finding
    )


@pytest.fixture
def data(client_a, client_b):
    """`data.a` and `data.b`: each client's rows, each text carrying its marker (ALPHA / BRAVO)."""
    return SimpleNamespace(
        a=client_data(client_a, marker="ALPHA", filer="AAA"),
        b=client_data(client_b, marker="BRAVO", filer="BBB"),
    )


@pytest.fixture
def other_firm_analyst(db):
    """Staff of another firm on the same installation: sees none of our firm's clients."""
    other = FirmFactory(name="Other Firm", filer_code="OTH")
    ClientFactory(firm=other, code="outsider", legal_name="Outsider Co")
    return UserFactory(username="otto", role="analyst", firm=other)


@pytest.fixture
def api():
    return APIClient()
