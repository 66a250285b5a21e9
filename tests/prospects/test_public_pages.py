"""The public pages: `/` for visitors and for signed-in people, the questionnaire and its result, the FAQ
with its sanitised answers and its search."""

import datetime as dt

import pytest

from drawback.prospects.faq import render_markdown
from drawback.prospects.models import FaqCategory, FaqEntry, Lead, LeadEvent

from .conftest import QUESTIONNAIRE

pytestmark = pytest.mark.django_db


def test_visitors_get_the_landing_page_and_signed_in_people_their_home(client, firm, analyst, client_user_a):
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("19 U.S.C. 1313", "Two-minute questionnaire", "Full assessment", "reviewed twice", "Log in"):
        assert text in html
    for link in ('href="/questionnaire/"', 'href="/assessment/"', 'href="/faq/"', 'href="/login/"'):
        assert link in html
    client.force_login(analyst)
    assert client.get("/").context["rows"] is not None  # the firm's client list, as before
    client.force_login(client_user_a)
    assert client.get("/")["Location"] == "/clients/acme/"


def test_questionnaire_shows_the_estimate_with_its_arithmetic_and_stores_a_lead(client, firm):
    response = client.post("/questionnaire/", QUESTIONNAIRE)
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/questionnaire/result/{lead.token}/"
    assert lead.firm == firm and lead.rating == "high" and lead.email == "" and not lead.consent
    assert lead.questionnaire["duties"] == "100k_500k"
    assert LeadEvent.objects.filter(lead=lead, action="questionnaire").exists()
    html = client.get(response["Location"]).content.decode()
    assert 'data-rating="high"' in html
    assert "$9,900 – $123,750" in html  # per year; some Section 301 duty: all eligible
    assert "$39,600 – $618,750" in html  # five-year look-back
    for step in ("10% to 25%", "99%", "4 to 5 years", "19 CFR 190.51(b)(1)", "19 U.S.C. 1313(r)(1)"):
        assert step in html
    assert 'href="/faq/#five-year-limit"' in html and 'href="/faq/"' in html


def test_questionnaire_asks_again_for_what_is_missing(client, firm):
    response = client.post("/questionnaire/", {**QUESTIONNAIRE, "duties": ""})
    assert response.status_code == 200 and "Some answers are missing" in response.content.decode()
    assert not Lead.objects.exists()


def test_contact_details_need_consent_and_record_it(client, firm):
    client.post("/questionnaire/", QUESTIONNAIRE)
    lead = Lead.objects.get()
    url = f"/questionnaire/result/{lead.token}/"
    details = {"name": "Dana Reyes", "company": "Gulf Coast Apparel", "email": "dana@example.com"}
    refused = client.post(url, details)
    assert "Tick the box so we may contact you" in refused.content.decode()
    lead.refresh_from_db()
    assert lead.email == ""
    assert client.post(url, {**details, "consent": "on"}).status_code == 302
    lead.refresh_from_db()
    assert (lead.contact_name, lead.company, lead.email, lead.consent) == (
        "Dana Reyes",
        "Gulf Coast Apparel",
        "dana@example.com",
        True,
    )
    assert f"I agree that {firm.name} may contact me" in lead.consent_text and lead.consent_at
    assert "We have your details" in client.get(url).content.decode()


def test_a_result_is_seen_only_by_the_browser_that_answered(client, firm):
    client.post("/questionnaire/", QUESTIONNAIRE)
    lead = Lead.objects.get()
    other = client.__class__()
    assert other.get(f"/questionnaire/result/{lead.token}/").status_code == 404
    assert client.get("/questionnaire/result/00000000-0000-4000-8000-000000000000/").status_code == 404


@pytest.fixture
def faq(reference_tables):
    category = FaqCategory.objects.create(name="Tests", order=99)
    return FaqEntry.objects.create(
        category=category,
        question="Is a bond needed for accelerated payment?",
        slug="bond-test",
        answer="Yes: an **activity code 1A** bond (19 CFR 190.92).",
        last_reviewed=dt.date(2026, 12, 1),
    )


def test_faq_is_public_grouped_and_searchable(client, faq):
    html = client.get("/faq/").content.decode()
    assert 'id="bond-test"' in html and "<strong>activity code 1A</strong>" in html
    assert "Last reviewed December 1, 2026" in html
    assert "What is duty drawback?" in html  # seeded by the data migration
    found = client.get("/faq/", {"q": "1A bond"}).content.decode()
    assert "Is a bond needed" in found and "What is duty drawback?" not in found
    none = client.get("/faq/", {"q": "zeppelin"}).content.decode()
    assert "No answer mentions" in none
    faq.published = False
    faq.save()
    assert "Is a bond needed" not in client.get("/faq/").content.decode()


def test_seeded_answers_cite_the_law(reference_tables):
    for entry in FaqEntry.objects.exclude(slug="what-it-costs"):
        assert "U.S.C." in entry.answer or "CFR" in entry.answer or "CSMS" in entry.answer, entry.slug
    assert FaqEntry.objects.count() >= 15


@pytest.mark.parametrize(
    "markdown,kept,removed",
    [
        ("Hello <script>alert(1)</script>", "Hello", "<script"),
        ('<img src=x onerror="alert(1)">', "", "onerror"),
        ("[click](javascript:alert(1))", "click", "javascript:"),
        ('<a href="https://www.cbp.gov" onclick="x()">CBP</a>', 'href="https://www.cbp.gov"', "onclick"),
        ("<iframe src='https://evil.example'></iframe>text", "text", "<iframe"),
        ('<p style="position:fixed">styled</p>', "styled", "style="),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<table>", "<script"),
    ],
)
def test_faq_answers_are_sanitised(markdown, kept, removed):
    html = str(render_markdown(markdown))
    assert kept in html and removed not in html


def test_links_in_answers_are_marked_nofollow():
    html = str(render_markdown("[CBP](https://www.cbp.gov/trade)"))
    assert 'rel="nofollow noopener noreferrer"' in html


def test_firm_admins_edit_the_faq_in_the_admin(client, firm_admin, faq, analyst):
    client.force_login(firm_admin)
    page = client.get(f"/admin/prospects/faqentry/{faq.pk}/change/")
    assert page.status_code == 200 and "As shown on the FAQ page" in page.content.decode()
    client.force_login(analyst)
    assert client.get(f"/admin/prospects/faqentry/{faq.pk}/change/").status_code in (302, 403)
