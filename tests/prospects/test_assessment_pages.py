"""The full assessment through its pages: each step checked on its own, back and forward without losing
answers, the resume link (signed, expiring, opening only its own assessment), uploads with the limits of a
client's documents, and sending it (a lead, the staff told, the estimate started)."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile

from drawback.prospects.models import Assessment, AssessmentFile, Lead, LeadEvent
from drawback.prospects.services import resume_token
from tests.conftest import FIXTURES

from .conftest import PDF, QUESTIONNAIRE, STEP_POSTS, fill, make_assessment

pytestmark = pytest.mark.django_db


def start(client) -> Assessment:
    response = client.post("/assessment/")
    assert response.status_code == 302 and response["Location"] == "/assessment/step/company/"
    return Assessment.objects.get()


def post_step(client, slug, data=None, go="next"):
    return client.post(
        f"/assessment/step/{slug}/", {**(STEP_POSTS[slug] if data is None else data), "go": go}
    )


def test_each_step_is_checked_on_its_own(client, firm):
    assessment = start(client)
    bad = {**STEP_POSTS["company"], "importer_number": "123"}
    response = post_step(client, "company", bad)
    assert response.status_code == 200
    assert "importer/exporter number must be an EIN" in response.content.decode()
    assessment.refresh_from_db()
    assert "company" not in assessment.answers and assessment.drafts["company"]["importer_number"] == ["123"]
    response = post_step(client, "company")
    assert response.status_code == 302 and response["Location"] == "/assessment/step/contacts/"
    assessment.refresh_from_db()
    assert assessment.answers["company"]["importer_number"] == "12-3456789AB"
    # A contacts step with no contact, or two contacts sharing an e-mail, does not pass.
    empty = {
        k: v for k, v in STEP_POSTS["contacts"].items() if not k.startswith("contacts-0") and "-1-" not in k
    }
    assert "Please submit at least 1 form" in post_step(client, "contacts", empty).content.decode()
    twice = {**STEP_POSTS["contacts"], "contacts-1-email": "dana@gulfcoast.example.com"}
    assert "an e-mail address of their own" in post_step(client, "contacts", twice).content.decode()
    # Accelerated payment stated without its bond is refused, naming the bond.
    privileges = {**STEP_POSTS["privileges"], "privileges-1-surety_code": ""}
    assert "activity code 1A bond" in post_step(client, "privileges", privileges).content.decode()
    # An application CBP has not decided needs the day it was made, and has no grant date yet; a granted
    # manufacturing ruling needs its number and type. The third row, left empty, is no row.
    applied = {
        **STEP_POSTS["privileges"],
        "privileges-1-status": "applied",
        "privileges-2-status": "granted",
    }
    html = post_step(client, "privileges", applied).content.decode()
    assert "Say when you applied." in html and "has no such date yet" in html
    ruling = {
        **STEP_POSTS["privileges"],
        "privileges-0-kind": "manufacturing_ruling",
        "privileges-0-reference": "",
    }
    html = post_step(client, "privileges", ruling).content.decode()
    assert "Give the ruling" in html and "specific or general" in html
    fixed = {
        **applied,
        "privileges-1-applied_on": "2026-10-01",
        "privileges-1-granted_on": "",
        "privileges-1-reference": "",
    }
    assert post_step(client, "privileges", fixed).status_code == 302
    assessment.refresh_from_db()
    stated = assessment.answers["privileges"]
    assert [(row["kind"], row["status"]) for row in stated] == [
        ("waiver_prior_notice", "granted"),
        ("accelerated_payment", "applied"),
    ]
    assert stated[1]["applied_on"] == "2026-10-01" and stated[1]["granted_on"] is None


def test_back_and_forward_keep_every_answer_even_unfinished_ones(client, firm):
    assessment = start(client)
    post_step(client, "company")
    post_step(client, "contacts")
    half_done = {"entries_per_year": "not a number", "brokers": "Harbor Brokers"}
    response = post_step(client, "imports", half_done, go="back")
    assert response.status_code == 302 and response["Location"] == "/assessment/step/products/"
    page = client.get("/assessment/step/imports/").content.decode()
    assert 'value="not a number"' in page and "Harbor Brokers" in page
    page = client.get("/assessment/step/company/").content.decode()
    assert "Gulf Coast Apparel LLC" in page and "12-3456789AB" in page
    page = client.get("/assessment/step/contacts/").content.decode()
    assert "lee@gulfcoast.example.com" in page
    # The progress bar marks what is done and moves to any step, keeping what was typed.
    response = post_step(client, "products", go="step:data")
    assert response["Location"] == "/assessment/step/data/"
    assessment.refresh_from_db()
    assert set(assessment.answers) == {"company", "contacts", "products"}


def test_finish_later_emails_a_link_that_opens_that_assessment_only(
    client, firm, django_capture_on_commit_callbacks
):
    mine = start(client)
    post_step(client, "company")
    response = post_step(client, "contacts", go="later")
    assert response["Location"] == "/assessment/save/"
    page = client.get("/assessment/save/").content.decode()
    assert 'value="dana@gulfcoast.example.com"' in page  # the first contact's address, offered
    other = make_assessment(firm, None, files=(), submit=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/assessment/save/", {"email": "dana@gulfcoast.example.com"})
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["dana@gulfcoast.example.com"]
    link = re.search(r"http://testserver(/assessment/resume/\S+/)", message.body).group(1)
    # Another browser, with another assessment held: the link opens the one it names.
    other_browser = client.__class__()
    other_browser.post("/assessment/")
    response = other_browser.get(link)
    assert response.status_code == 302 and response["Location"] == "/assessment/step/products/"
    page = other_browser.get("/assessment/step/company/").content.decode()
    assert "Gulf Coast Apparel LLC" in page
    assert other_browser.session["prospect_assessment"] == str(mine.token) != str(other.token)
    # A changed link opens nothing.
    assert other_browser.get(link[:-3] + "xx/").status_code == 404
    forged = signing.dumps(str(other.token), salt="another purpose")
    assert other_browser.get(f"/assessment/resume/{forged}/").status_code == 404


def test_an_expired_link_offers_a_new_one_to_the_address_on_file(
    client, firm, django_capture_on_commit_callbacks
):
    assessment = make_assessment(firm, None, files=(), submit=False)
    Assessment.objects.filter(pk=assessment.pk).update(email="dana@gulfcoast.example.com")
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        link = f"/assessment/resume/{resume_token(assessment)}/"
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=15)):
        response = client.get(link)
        assert response.status_code == 410 and "This link has expired" in response.content.decode()
        assert "prospect_assessment" not in client.session
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(link)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox[-1].to == ["dana@gulfcoast.example.com"]


def test_uploads_have_the_limits_of_client_documents(client, firm, settings):
    start(client)
    documents = "/assessment/step/documents/"
    ok = client.post(
        "/assessment/files/", {"kind": "entry_summary", "file": SimpleUploadedFile("7501.pdf", PDF)}
    )
    assert ok.status_code == 302 and ok["Location"] == documents
    again = client.post("/assessment/files/", {"kind": "other", "file": SimpleUploadedFile("copy.pdf", PDF)})
    assert again.status_code == 302 and AssessmentFile.objects.count() == 1  # the same file is kept once
    fake = client.post(
        "/assessment/files/",
        {"kind": "invoice", "file": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00binary")},
    )
    assert fake.status_code == 200 and "not a PDF" in fake.content.decode()
    exe = client.post("/assessment/files/", {"kind": "other", "file": SimpleUploadedFile("run.exe", b"MZ")})
    assert "are not accepted" in exe.content.decode()
    settings.DOCUMENT_MAX_BYTES = 1000
    big = client.post(
        "/assessment/files/", {"kind": "other", "file": SimpleUploadedFile("big.csv", b"a,b\n" * 400)}
    )
    assert "larger than" in big.content.decode()
    assert AssessmentFile.objects.count() == 1
    stored = AssessmentFile.objects.get()
    assert stored.file.name.startswith("prospects/") and "7501" not in stored.file.name  # a random name
    assert client.post(f"/assessment/files/{stored.token}/delete/").status_code == 302
    assert not AssessmentFile.objects.exists()


def test_sending_makes_a_lead_tells_the_staff_and_joins_the_questionnaire(
    client, firm, staff, hts, django_capture_on_commit_callbacks
):
    client.post("/questionnaire/", QUESTIONNAIRE)
    questionnaire_lead = Lead.objects.get()
    assessment = start(client)
    for slug in STEP_POSTS:
        assert post_step(client, slug).status_code == 302
    with (FIXTURES / "es003_sample.csv").open("rb") as handle:
        client.post("/assessment/files/", {"kind": "ace_report", "file": handle})
    review = client.get("/assessment/step/review/").content.decode()
    assert (
        "Gulf Coast Apparel LLC" in review
        and "Waiver of prior notice" in review
        and "es003_sample.csv" in review
    )
    refused = client.post("/assessment/step/review/", {"go": "submit"})
    assert "Tick the box to send the assessment" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/assessment/step/review/", {"go": "submit", "consent": "on"})
    assert response["Location"] == "/assessment/sent/"
    assessment.refresh_from_db()
    lead = Lead.objects.get()
    assert lead == questionnaire_lead == assessment.lead  # one lead: the same visitor
    assert (lead.company, lead.contact_name, lead.email) == (
        "Gulf Coast Apparel LLC",
        "Dana Reyes",
        "dana@gulfcoast.example.com",
    )
    assert lead.consent and "may contact me" in lead.consent_text and lead.consent_at
    assert LeadEvent.objects.filter(lead=lead, action="assessment").exists()
    (staff_mail,) = [m for m in mail.outbox if "New drawback assessment" in m.subject]
    assert staff_mail.to == [staff.email] and f"/leads/{lead.pk}/" in staff_mail.body
    assert assessment.latest_estimate().status == "done"
    # Sent: the steps are closed, the page shows the file and the estimate waits for the staff's release.
    assert client.get("/assessment/step/company/")["Location"] == "/assessment/sent/"
    assert post_step(client, "company")["Location"] == "/assessment/sent/"
    page = client.get("/assessment/sent/").content.decode()
    assert "es003_sample.csv" in page and "our team reviews it" in page and "98,987.22" not in page


def test_a_step_missing_keeps_the_send_button_off(client, firm):
    start(client)
    post_step(client, "company")
    page = client.get("/assessment/step/review/").content.decode()
    assert "Some steps are not complete yet" in page and 'value="step:contacts"' in page
    response = client.post("/assessment/step/review/", {"go": "submit", "consent": "on"})
    assert "Some steps are not complete yet: contacts" in response.content.decode()
    assert not Lead.objects.exists()


def test_no_assessment_in_the_session_starts_over(client, firm):
    assert client.get("/assessment/step/company/")["Location"] == "/assessment/"
    assert client.get("/assessment/sent/")["Location"] == "/assessment/"
    assert client.get("/assessment/sent/progress/").status_code == 404
    fill(make_assessment(firm, None, files=(), submit=False))
    assert client.get("/assessment/step/nonsense/").status_code == 302
