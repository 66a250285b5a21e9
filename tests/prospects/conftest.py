"""A prospect's answers and files as the public forms post them, and ways to build an assessment at any
stage (steps filled, files uploaded, sent) through the same services the pages use."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from drawback.prospects import services
from drawback.prospects.models import Assessment
from drawback.prospects.steps import BY_SLUG, answers_of, bound_form
from imports.chapter99 import chapter99_load
from imports.services import upload_ingest_now
from tests.conftest import FIXTURES
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BASE_URL = "http://testserver"

QUESTIONNAIRE = {
    "duties": "100k_500k",
    "exports": "regularly",
    "share_leaving": "10_25",
    "destroyed_returned": "no",
    "manufacturing": "no",
    "ch99_share": "some",
    "ch99_programs": ["s301"],
    "destinations": "elsewhere",
    "records": "5_plus",
    "current_claims": "none",
    "industry": "apparel",
}


def formset(prefix: str, rows: list[dict], total: int = 3) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(max(total, len(rows))),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


STEP_POSTS = {
    "company": {
        "legal_name": "Gulf Coast Apparel LLC",
        "importer_number": "12-3456789AB",
        "exporter_number": "",
        "address": "1 Dock Street\nHouston, TX 77002",
    },
    "contacts": formset(
        "contacts",
        [
            {
                "name": "Dana Reyes",
                "email": "dana@gulfcoast.example.com",
                "phone": "713 555 0100",
                "title": "CFO",
            },
            {"name": "Lee Park", "email": "lee@gulfcoast.example.com", "phone": "", "title": "Logistics"},
        ],
    ),
    "products": formset("products", [{"description": "Cotton T-shirts", "hts": "6109.10.00.12"}]),
    "imports": {"entries_per_year": "120", "duties_per_year": "250000.00", "brokers": "Harbor Brokers (B76)"},
    "exports": {"processes": ["direct"], "proof": ["aes", "bills_of_lading"], "export_share": "20"},
    "data": {"sources": ["ace_reports", "broker_files"], "erp_name": "NetSuite"},
    "privileges": formset(
        "privileges",
        [
            {"kind": "waiver_prior_notice", "reference": "WPN-2022-0007", "granted_on": "2022-05-02"},
            {
                "kind": "accelerated_payment",
                "reference": "AP-2023-0100",
                "granted_on": "2023-01-10",
                "bond_type": "8",
                "surety_code": "457",
                "bond_effective_on": "2023-01-01",
            },
        ],
    ),
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(firm):
    return UserFactory(username="sam", email="sam@firm.example.com", role="analyst", firm=firm)


@pytest.fixture
def reference_tables(db):
    """What the data migrations load (the Chapter 99 table, the FAQ), loaded again: a transactional test
    that ran before empties every table."""
    import importlib

    from django.apps import apps

    chapter99_load()
    importlib.import_module("drawback.prospects.migrations.0002_faq_seed").seed(apps, None)


@pytest.fixture
def hts(reference_tables):
    """The sample tariff: the 'Other' rule of substitution needs the descriptions."""
    upload_ingest_now(client=None, kind="hts", path=FIXTURES / "hts_sample.csv")


def fill(assessment: Assessment, steps=tuple(STEP_POSTS)) -> Assessment:
    for slug in steps:
        step = BY_SLUG[slug]
        form = bound_form(step, {k: v if isinstance(v, list) else [v] for k, v in STEP_POSTS[slug].items()})
        assert form.is_valid(), (slug, form.errors)
        services.assessment_step_save(
            assessment=assessment, step=slug, raw=STEP_POSTS[slug], answers=answers_of(step, form)
        )
    return assessment


def upload_file(assessment: Assessment, path_or_name, kind: str, content: bytes | None = None):
    if content is None:
        path = Path(path_or_name)
        name, content = path.name, path.read_bytes()
    else:
        name = path_or_name
    stored, _ = services.assessment_file_add(
        assessment=assessment, kind=kind, file=SimpleUploadedFile(name, content)
    )
    return stored


def make_assessment(firm, capture, *, files=("es003", "aes", "pdf"), submit=True) -> Assessment:
    """`capture` is pytest-django's django_capture_on_commit_callbacks: what a submission queues after commit
    (the estimate, the staff's e-mail) runs as it would after a real commit."""
    assessment = fill(services.assessment_start(firm=firm))
    if "es003" in files:
        upload_file(assessment, FIXTURES / "es003_sample.csv", "ace_report")
    if "aes" in files:
        upload_file(assessment, FIXTURES / "aes_sample.csv", "export_data")
    if "pdf" in files:
        upload_file(assessment, "7501-example.pdf", "entry_summary", PDF)
    if submit:
        with capture(execute=True):
            services.assessment_submit(assessment=assessment, consent_text="I agree.", base_url=BASE_URL)
        assessment.refresh_from_db()
    return assessment


@pytest.fixture
def assessment(firm, hts, django_capture_on_commit_callbacks):
    """A sent assessment with the ES-003 and AES samples and a PDF; its estimate ran (Celery is eager)."""
    return make_assessment(firm, django_capture_on_commit_callbacks)
