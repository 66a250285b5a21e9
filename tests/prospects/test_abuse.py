"""Public forms are where strangers come in: every public POST is rate-limited per address, carries a
honeypot and CSRF protection; nothing of a prospect can be listed or guessed; and unconverted prospects'
files and workspace data go after the retention period."""

import datetime as dt
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client as HttpClient

from drawback.accounts.models import Client
from drawback.prospects.models import Assessment, AssessmentFile, Lead, PublicPostCount
from drawback.prospects.retention import prospects_retention_purge
from drawback.prospects.services import lead_update, resume_token
from imports.models import ImportLine, Upload

from .conftest import QUESTIONNAIRE, STEP_POSTS, make_assessment
from .test_conversion import FORM, convert

pytestmark = pytest.mark.django_db
VISITOR = "192.0.2.7"


def started(client):
    client.post("/assessment/", REMOTE_ADDR="198.51.100.1")
    return Assessment.objects.order_by("pk").last()


def questionnaire_lead(client):
    client.post("/questionnaire/", QUESTIONNAIRE, REMOTE_ADDR="198.51.100.1")
    return Lead.objects.get()


# Every public route that takes a POST: how to reach it (set up from another address) and what to post.
PUBLIC_POSTS = {
    "questionnaire": lambda c, f: ("/questionnaire/", QUESTIONNAIRE),
    "questionnaire_result": lambda c, f: (
        f"/questionnaire/result/{questionnaire_lead(c).token}/",
        {"name": "x"},
    ),
    "assessment": lambda c, f: ("/assessment/", {}),
    "assessment_step": lambda c, f: (
        started(c) and "/assessment/step/company/",
        {**STEP_POSTS["company"], "go": "next"},
    ),
    "assessment_file_upload": lambda c, f: (started(c) and "/assessment/files/", {"kind": "other"}),
    "assessment_file_delete": lambda c, f: (started(c) and f"/assessment/files/{uuid.uuid4()}/delete/", {}),
    "assessment_save": lambda c, f: (started(c) and "/assessment/save/", {"email": "dana@example.com"}),
    "assessment_resume": lambda c, f: (
        f"/assessment/resume/{resume_token(make_assessment(f, None, files=(), submit=False))}/",
        {},
    ),
    "invitation": lambda c, f: ("/invitation/MQ/set-password/", {"new_password1": "x", "new_password2": "x"}),
}


@pytest.fixture
def limits(settings):
    settings.PUBLIC_POSTS_PER_HOUR = 3
    settings.PUBLIC_SUBMISSIONS_PER_HOUR = 0  # off: this test is about the limit on every post
    settings.PUBLIC_EMAILS_PER_HOUR = 0
    return settings


@pytest.mark.parametrize("route", PUBLIC_POSTS)
def test_every_public_post_is_rate_limited_per_address(client, firm, limits, route):
    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 5, tzinfo=dt.UTC), tick=False):
        url, data = PUBLIC_POSTS[route](client, firm)
        for _ in range(3):
            assert client.post(url, data, REMOTE_ADDR=VISITOR).status_code != 429
        refused = client.post(url, data, REMOTE_ADDR=VISITOR)
        assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
        assert client.post(url, data, REMOTE_ADDR="203.0.113.9").status_code != 429  # another address
    with time_machine.travel(dt.datetime(2026, 12, 6, 11, 0, tzinfo=dt.UTC), tick=False):
        assert client.post(url, data, REMOTE_ADDR=VISITOR).status_code != 429  # the next hour


def test_questionnaires_past_the_hourly_limit_store_nothing(client, firm, settings):
    settings.PUBLIC_SUBMISSIONS_PER_HOUR = 2
    for _ in range(2):
        assert client.post("/questionnaire/", QUESTIONNAIRE).status_code == 302
    assert client.post("/questionnaire/", QUESTIONNAIRE).status_code == 429
    assert client.post("/assessment/").status_code == 429  # starting an assessment is a submission too
    assert Lead.objects.count() == 2 and not Assessment.objects.exists()
    # Counted hashed, never the address itself.
    assert not PublicPostCount.objects.filter(key__contains="127.0.0.1").exists()


def test_resume_emails_have_their_own_lower_limit(
    client, firm, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PUBLIC_EMAILS_PER_HOUR = 1
    started(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/assessment/save/", {"email": "a@example.com"}).status_code == 200
        assert client.post("/assessment/save/", {"email": "b@example.com"}).status_code == 429
    assert [m.to for m in mailoutbox] == [["a@example.com"]]


def test_the_address_behind_a_proxy(client, firm, settings):
    settings.PUBLIC_POSTS_PER_HOUR = 1
    settings.PUBLIC_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client.post("/questionnaire/", QUESTIONNAIRE, HTTP_X_REAL_IP="192.0.2.1").status_code == 302
    assert client.post("/questionnaire/", QUESTIONNAIRE, HTTP_X_REAL_IP="192.0.2.2").status_code == 302
    assert client.post("/questionnaire/", QUESTIONNAIRE, HTTP_X_REAL_IP="192.0.2.2").status_code == 429


HONEYPOT_POSTS = {
    "questionnaire": lambda c, f: ("/questionnaire/", QUESTIONNAIRE),
    "contact": lambda c, f: (
        f"/questionnaire/result/{questionnaire_lead(c).token}/",
        {"name": "Bot", "email": "bot@example.com", "consent": "on"},
    ),
    "assessment": lambda c, f: ("/assessment/", {}),
    "assessment_step": lambda c, f: (started(c) and "/assessment/step/company/", STEP_POSTS["company"]),
    "assessment_file_upload": lambda c, f: (started(c) and "/assessment/files/", {"kind": "other"}),
    "assessment_save": lambda c, f: (started(c) and "/assessment/save/", {"email": "bot@example.com"}),
}


@pytest.mark.parametrize("route", HONEYPOT_POSTS)
def test_a_filled_honeypot_is_refused_and_stores_nothing(client, firm, route, mailoutbox):
    url, data = HONEYPOT_POSTS[route](client, firm)
    before = (
        Lead.objects.count(),
        Assessment.objects.count(),
        sorted(Lead.objects.values_list("email", flat=True)),
    )
    drafts = list(Assessment.objects.values_list("drafts", flat=True))
    response = client.post(url, {**data, "website": "http://spam.example"})
    assert response.status_code == 400 and "Submission refused" in response.content.decode()
    after = (
        Lead.objects.count(),
        Assessment.objects.count(),
        sorted(Lead.objects.values_list("email", flat=True)),
    )
    assert after == before and list(Assessment.objects.values_list("drafts", flat=True)) == drafts
    assert mailoutbox == []


def test_public_forms_need_the_csrf_token(firm):
    browser = HttpClient(enforce_csrf_checks=True)
    assert browser.post("/questionnaire/", QUESTIONNAIRE).status_code == 403
    assert browser.post("/assessment/").status_code == 403
    assert not Lead.objects.exists() and not Assessment.objects.exists()
    page = browser.get("/questionnaire/")
    token = page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert browser.post("/questionnaire/", {**QUESTIONNAIRE, "csrfmiddlewaretoken": token}).status_code == 302


def test_identifiers_are_random_and_files_belong_to_their_assessment(client, firm):
    make_assessment(firm, None, files=("pdf",), submit=False)
    theirs = AssessmentFile.objects.get()
    started(client)
    assert client.post(f"/assessment/files/{theirs.token}/delete/").status_code == 404
    assert AssessmentFile.objects.filter(pk=theirs.pk).exists()
    tokens = [a.token for a in Assessment.objects.all()] + [theirs.token]
    assert all(t.version == 4 for t in tokens)
    # Nothing public lists leads or assessments, and staff pages send visitors to log in.
    assert client.get("/leads/")["Location"].startswith("/login/")


def _old(assessment, days):
    Assessment.objects.filter(pk=assessment.pk).update(
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=days)
    )


def test_retention_deletes_unconverted_prospects_files_and_workspace(
    firm, hts, staff, settings, django_capture_on_commit_callbacks
):
    settings.PROSPECT_RETENTION_DAYS = 30
    old = make_assessment(firm, django_capture_on_commit_callbacks)
    recent = make_assessment(firm, django_capture_on_commit_callbacks, files=("pdf",))
    converted = make_assessment(firm, django_capture_on_commit_callbacks, files=("pdf",))
    lead_update(lead=converted.lead, by=staff, status="qualified", owner=None)
    client = convert(converted.lead, staff, django_capture_on_commit_callbacks, code="kept")
    old_files = [Path(f.file.path) for f in old.files.all()]
    upload_files = [Path(u.file.path) for u in Upload.objects.filter(client=old.workspace)]
    assert all(p.exists() for p in old_files + upload_files)
    _old(old, 31)
    _old(converted, 400)
    Assessment.objects.filter(pk=recent.pk).update(
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=29)
    )
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert prospects_retention_purge() == 1
            assert prospects_retention_purge() == 0  # safe to run again
    old.refresh_from_db()
    assert old.files_deleted_at and not old.files.exists() and old.workspace is None
    assert not any(p.exists() for p in old_files + upload_files)
    assert not Client.objects.filter(is_workspace=True).exists()
    assert not ImportLine.objects.exclude(client=client).exists()
    assert old.lead.events.filter(action="retention").exists()
    assert Lead.objects.filter(pk=old.lead_id).exists()  # the lead stays for the follow-up
    assert recent.files.exists() and converted.files.exists()
    assert Client.objects.filter(code="kept").exists()


def test_retention_runs_daily_from_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["prospects-retention"]
    assert entry["task"] == "drawback.prospects.tasks.prospects_retention_purge"
    assert entry["schedule"] == 24 * 3600.0
    assert FORM["code"]  # the conversion form used above
