"""In a browser: an analyst files a claim and sees CBP's answer after checking CBP."""

import pytest
from playwright.sync_api import expect

from claims.cbp.sandbox import SandboxGateway
from claims.models import Claim
from tests.claims.cbp_support import make_claim
from tests.conftest import PASSWORD

S = Claim.Status


@pytest.mark.browser
def test_file_then_poll_shows_cbps_answer(live_server, page, client_a, analyst, settings):
    settings.CBP_GATEWAY = "sandbox"
    settings.CBP_SANDBOX_SPEED = "100000"  # CBP's five minutes pass in a few milliseconds
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "990.00"})

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/claims/{claim.pk}/cbp/")
    expect(page.locator("#cbp-claim-status")).to_have_text("Ready to file")

    page.click("#file-with-cbp")
    expect(page.locator("#cbp-claim-status")).to_have_text("Filed with CBP")
    claim.refresh_from_db()
    sent_at = claim.cbp_transmissions.get().sent_at
    first = SandboxGateway().plan(claim, sent_at=sent_at).events[0][2]  # the seeded answer for this claim

    page.click("#check-cbp-now")
    expected = {"accepted": "Accepted by CBP", "rejected": "Rejected by CBP"}[first]
    expect(page.locator("#cbp-claim-status")).to_have_text(expected)
    expect(page.locator("#notifications-badge")).to_contain_text("unread")
