"""The demo's leads: a questionnaire with contact details and a sent assessment whose estimate ran."""

import io

import pytest

from dashboards import demo_prospects
from drawback.prospects.models import Estimate, Lead

pytestmark = pytest.mark.django_db


def test_demo_leads_load_once(firm, django_capture_on_commit_callbacks):
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
