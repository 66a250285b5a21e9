"""The whole path from prospect to client in a real browser: a prospect answers the questionnaire and sees
the estimate with its arithmetic; fills the assessment over several steps, leaves, comes back from the
e-mailed link, uploads the ES-003 and AES samples and sends it; the firm's analyst sees the lead and its
computed estimate and converts it; the new client user sets a password from the invitation and lands on
their company's home with their data."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from drawback.accounts.models import Client
from drawback.prospects.models import Lead
from tests.conftest import FIXTURES, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_in(message, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({path}\S+/)", message.body).group(1)


def test_from_questionnaire_to_client_dashboard(live_server, page, firm, analyst, hts):
    url = live_server.url

    # --- the questionnaire, answered without an account
    page.goto(f"{url}/")
    page.get_by_role("link", name="Answer the questionnaire").click()
    for name, value in [
        ("duties", "100k_500k"),
        ("exports", "regularly"),
        ("share_leaving", "10_25"),
        ("destroyed_returned", "no"),
        ("manufacturing", "no"),
        ("ch99_share", "some"),
        ("destinations", "elsewhere"),
        ("records", "5_plus"),
        ("current_claims", "none"),
    ]:
        page.check(f'input[name="{name}"][value="{value}"]')
    page.check("input[name=ch99_programs][value=s301]")
    page.select_option("select[name=industry]", "apparel")
    page.get_by_role("button", name="See my estimate").click()
    expect(page.locator("[data-rating]")).to_have_text("high")
    expect(page.locator('[data-field="annual"]')).to_have_text("$9,900 – $123,750")
    arithmetic = page.locator("table.arithmetic")
    expect(arithmetic).to_contain_text("10% to 25%")
    expect(arithmetic).to_contain_text("99%")
    expect(arithmetic).to_contain_text("4 to 5 years")

    # --- the assessment, over several steps, then left
    page.get_by_role("link", name="Start the full assessment").click()
    page.get_by_role("button", name="Start the assessment").click()
    page.get_by_label("Legal name of the company").fill("Gulf Coast Apparel LLC")
    page.get_by_label("Importer of record (IOR) number").fill("12-3456789AB")
    page.get_by_label("Address").fill("1 Dock Street, Houston, TX 77002")
    page.get_by_role("button", name="Save and continue").click()
    page.fill("input[name=contacts-0-name]", "Dana Reyes")
    page.fill("input[name=contacts-0-email]", "dana@gulfcoast.example.com")
    page.get_by_role("button", name="Save and continue").click()
    page.fill("input[name=products-0-description]", "Cotton T-shirts")
    page.fill("input[name=products-0-hts]", "6109.10.00.12")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Customs brokers").fill("Harbor Brokers")
    page.get_by_role("button", name="Finish later (e-mail me a link)").click()
    expect(page.get_by_label("Your e-mail address")).to_have_value("dana@gulfcoast.example.com")
    page.get_by_role("button", name="E-mail me the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    # --- back from the link, in a fresh browser
    resume = link_in(next(m for m in mail.outbox if "assessment" in m.subject), "/assessment/resume/")
    page.context.clear_cookies()
    page.goto(f"{url}{resume}")
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()  # the first step not done
    page.get_by_role("button", name="2. Contacts").click()  # the answers are still there
    expect(page.locator("input[name=contacts-0-email]")).to_have_value("dana@gulfcoast.example.com")
    page.get_by_role("button", name="5. Exports").click()
    page.check("input[name=processes][value=direct]")
    page.check("input[name=proof][value=aes]")
    page.get_by_role("button", name="Save and continue").click()
    page.check("input[name=sources][value=ace_reports]")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()  # no privileges held
    for kind, name in (("ace_report", "es003_sample.csv"), ("export_data", "aes_sample.csv")):
        page.select_option("select[name=kind]", kind)
        page.set_input_files("input[name=file]", str(FIXTURES / name))
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("cell", name=name)).to_be_visible()
    page.get_by_role("button", name="Continue →").click()
    expect(page.get_by_role("heading", name="Review and send")).to_be_visible()
    page.check("input[name=consent]")
    page.get_by_role("button", name="Send the assessment").click()
    expect(page.get_by_role("heading", name="Your assessment has been sent")).to_be_visible()
    expect(page.get_by_role("cell", name="ACE ES-003 entry summary line report")).to_be_visible()

    # --- the analyst: the lead, its estimate, the conversion
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=re.compile(r"Leads")).click()
    page.get_by_role("link", name="Gulf Coast Apparel LLC").click()
    expect(page.locator('[data-field="estimate-refund"]')).to_have_text("$98,987.22")
    expect(page.get_by_role("heading", name="Look-back by year of importation")).to_be_visible()
    expect(page.get_by_role("heading", name="Lines that expire soonest")).to_be_visible()
    page.get_by_role("button", name="Release the estimate to the prospect").click()
    page.select_option("select[name=status]", "qualified")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator('[data-field="lead-status"]')).to_have_text("Qualified")
    page.get_by_label("Client code").fill("gulfcoast")
    page.get_by_role("button", name="Convert to a client").click()
    expect(page.get_by_text("is a client now")).to_be_visible()
    client = Client.objects.get(code="gulfcoast")
    assert Lead.objects.get().client == client and client.import_lines.count() == 38

    # --- the new client user: password from the invitation, then their home with their data
    invitation = link_in(
        next(m for m in mail.outbox if m.to == ["dana@gulfcoast.example.com"] and "access" in m.subject),
        "/invitation/",
    )
    page.context.clear_cookies()
    page.goto(f"{url}{invitation}")
    page.get_by_label("New password").fill("a-long-harbor-pass-7")
    page.get_by_label("Confirm the password").fill("a-long-harbor-pass-7")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url(re.compile(r".*/clients/gulfcoast/$"))
    expect(page.get_by_role("heading", name=re.compile("Gulf Coast Apparel LLC"))).to_be_visible()
    # Their company's dashboard: claims by stage (none yet) and what the data carried over still needs.
    expect(page.locator("#pipeline")).to_contain_text("Claims by stage")
    expect(page.locator("#needs-documents")).to_contain_text("25 × export without proof of export")
    page.get_by_role("link", name="Import lines", exact=True).click()
    expect(page.get_by_text("6109.10.00.12").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("38")
