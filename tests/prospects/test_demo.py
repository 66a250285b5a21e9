"""The demo's leads: a questionnaire with contact details and a sent assessment whose estimate ran."""

import io

import pytest

from dashboards import demo, demo_prospects
from drawback.prospects.models import Estimate, Lead
from imports.services import upload_ingest_now

pytestmark = pytest.mark.django_db


def test_demo_leads_load_once(firm, reference_tables, tmp_path, django_capture_on_commit_callbacks):
    tariff = tmp_path / "hts_demo.csv"
    tariff.write_text(demo.tariff_csv(), encoding="utf-8")
    upload_ingest_now(client=None, kind="hts", path=tariff)  # as seed_demo loads it first
    with django_capture_on_commit_callbacks(execute=True):
        demo_prospects.load(io.StringIO())
        demo_prospects.load(io.StringIO())
    assert sorted(Lead.objects.values_list("company", flat=True)) == [
        "Gulf Coast Apparel LLC",
        "Lakeside Outdoor Gear",
    ]
    estimate = Estimate.objects.get()
    assert estimate.status == Estimate.Status.DONE and estimate.refund > 0
    assert Lead.objects.get(company="Lakeside Outdoor Gear").consent
