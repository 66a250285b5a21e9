"""In a real browser: a claim goes from draft through pre-flight and both reviews to ready-to-file, each step
by the person allowed to take it, is filed with CBP, and shows CBP's answer after a poll."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from claims.cbp.sandbox import SandboxGateway
from claims.models import Claim
from tests.conftest import PASSWORD
from tests.factories import build_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# An earlier transactional test may have flushed the checklists the migration seeded; seeding is repeatable.
seed_checklists = importlib.import_module("reviews.migrations.0002_seed_checklists").seed


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r".*/(?!login).*"))


def test_draft_through_both_reviews_to_filing_and_cbps_answer(
    page, live_server, client_a, analyst, reviewer, reviewer2, settings
):
    settings.CBP_GATEWAY = "sandbox"
    settings.CBP_SANDBOX_SPEED = "100000"  # CBP's five minutes pass in a few milliseconds
    seed_checklists(apps, None)
    claim = build_claim(client=client_a, preparer=analyst)
    claim_url = f"{live_server.url}/clients/acme/claims/{claim.pk}/"

    log_in(page, live_server, "alice")
    page.goto(claim_url)
    assert page.inner_text("#claim-status") == "Draft"
    page.click("text=Run pre-flight and validate")
    assert page.inner_text("#claim-status") == "Validated (pre-flight passed)"
    assert "0 error(s)" in page.inner_text("#preflight")
    page.click("text=Send to first review")
    assert page.inner_text("#claim-status") == "First review"

    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/reviews/level-1/")
    page.click(f"tr:has-text('{claim.display_number}') >> text=Review")
    # The review form is a new page: wait for it (a busy machine draws it after the click returns).
    expect(page.locator("input[name=item]")).to_have_count(7)
    boxes = page.query_selector_all("input[name=item]")
    for box in boxes:
        box.check()
    page.click("button[value=approve]")
    assert "First review of claim" in page.inner_text("main") and "approved" in page.inner_text("main")

    log_in(page, live_server, "rob")
    page.goto(f"{live_server.url}/reviews/level-2/")
    page.click(f"tr:has-text('{claim.display_number}') >> text=Review")
    page.wait_for_selector("input[name=item]")
    for box in page.query_selector_all("input[name=item]"):
        box.check()
    page.fill("textarea[name=comment]", "Ready for CBP")
    page.click("button[value=approve]")

    page.goto(claim_url)
    assert page.inner_text("#claim-status") == "Ready to file"
    assert "Ready for CBP" in page.inner_text("#reviews")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_TO_FILE

    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/claims/{claim.pk}/cbp/")
    page.click("#file-with-cbp")
    expect(page.locator("#cbp-claim-status")).to_have_text("Filed with CBP")
    claim.refresh_from_db()
    sent_at = claim.cbp_transmissions.get().sent_at
    answer = SandboxGateway().plan(claim, sent_at=sent_at).events[0][2]  # the seeded answer for this claim
    page.click("#check-cbp-now")
    expect(page.locator("#cbp-claim-status")).to_have_text(
        {"accepted": "Accepted by CBP", "rejected": "Rejected by CBP"}[answer]
    )
    page.goto(claim_url)
    assert page.inner_text("#claim-status") in ("Accepted by CBP", "Rejected by CBP")
