"""In a real browser, using only the links and buttons of the pages: a claim ready to file gets its filing
package, is filed with the sandbox CBP, is accepted, answers a CF-28, receives a CF-29, liquidates (the CF-29
closes), and its liquidation is protested; CBP's decision is entered by the analyst and confirmed by a
reviewer. The sandbox answers on its clock, which the test moves forward (time_machine moves the whole
server's clock, so every date the pages check stays consistent)."""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from claims.cbp import gateway as cbp_gateway
from claims.cbp.sandbox import SandboxGateway
from claims.models import Claim
from tests.claims.filing_builders import set_status, unused_substitution_claim
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FILING_DAY = dt.datetime(2025, 9, 1, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def sandbox(monkeypatch, settings, tmp_path):
    """CBP that accepts, asks for information after 10 days, proposes a lower liquidation after 300 and
    liquidates after 340 (claims.cbp.sandbox), every time."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CBP_GATEWAY = "sandbox"
    settings.SESSION_COOKIE_AGE = 5 * 365 * 24 * 3600  # the session outlives the year the test moves through
    gateway = SandboxGateway(reject_percent=0, cf28_percent=100, adjust_percent=100)
    monkeypatch.setattr(cbp_gateway, "get_gateway", lambda: gateway)
    monkeypatch.setattr("claims.cbp.services.get_gateway", lambda: gateway)
    return gateway


def status(page) -> str:
    return page.inner_text("#claim-status")


def check_cbp(page, expected: str) -> None:
    page.click("#check-cbp-now")
    expect(page.locator("#claim-status")).to_have_text(expected)


def open_claim(page, live_server, user, claim) -> None:
    """Log in and reach the claim by the links: the client, its Claims tab, the claim."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.click(f"text={claim.client.legal_name}")
    page.click("nav.tabs >> text=Claims")
    page.click(f"text={claim.display_number}")


def test_ready_to_file_to_liquidation_and_a_decided_protest(
    live_server, page, sandbox, client_a, analyst, reviewer
):
    with time_machine.travel(FILING_DAY, tick=True) as clock:
        claim = set_status(unused_substitution_claim(client_a, analyst), Claim.Status.READY_TO_FILE)

        open_claim(page, live_server, analyst, claim)
        assert status(page) == "Ready to file"

        page.click("#build-package")
        expect(page.locator(".message.success")).to_contain_text(
            f"Filing package of claim {claim.display_number} built"
        )
        expect(page.locator("#package")).to_contain_text("-catair.txt")

        page.click("#file-with-cbp")
        expect(page.locator("#claim-status")).to_have_text("Filed with CBP")

        clock.shift(dt.timedelta(minutes=10))
        check_cbp(page, "Accepted by CBP")

        clock.shift(dt.timedelta(days=11))
        check_cbp(page, "Information requested (CF-28)")
        page.click("text=Answer the CF-28 request for information")
        page.fill("textarea[name=response_text]", "Bills of lading and invoices uploaded to DIS.")
        page.click("text=Record response")
        page.click("#back-to-claim")
        assert status(page) == "Accepted by CBP"

        clock.shift(dt.timedelta(days=290))
        check_cbp(page, "Action proposed (CF-29)")
        expect(page.locator("#cbp-request-table")).to_contain_text("CF-29 notice of action")

        clock.shift(dt.timedelta(days=40))
        check_cbp(page, "Liquidated")
        liquidation = page.inner_text("#liquidation")
        assert re.search(r"Liquidated on \d{4}-\d\d-\d\d at \$[\d,]+\.\d\d", liquidation), liquidation
        assert "no longer applies" in page.inner_text("#deemed-liquidation")
        expect(page.locator("#cbp-request-table")).to_contain_text("Closed on liquidation")

        page.click("text=Record a protest")
        page.fill("input[name=number]", "3901-26-100123")
        page.fill("textarea[name=grounds]", "Class 364 was reduced although the line's duty supports it.")
        page.click("#record-protest")
        expect(page.locator("#claim-status")).to_have_text("Protest filed")
        expect(page.locator("#protests")).to_contain_text("3901-26-100123")

        page.check("input[name=decision][value=denied]")
        page.fill("textarea[name=note]", "The claimed duty exceeds the duty paid on the designated line.")
        page.click("#record-protest-decision")
        # CBP's word entered by one person changes nothing until a second confirms it.
        expect(page.locator("#protests")).to_contain_text("applies once a colleague confirms it")
        assert status(page) == "Protest filed"
        expect(page.locator("#confirm-protest-decision")).to_have_count(0)

        page.context.clear_cookies()
        open_claim(page, live_server, reviewer, claim)
        page.click("text=Confirm CBP's decision on the protest")
        page.click("#confirm-protest-decision")
        expect(page.locator("#claim-status")).to_have_text("Closed")
        expect(page.locator("#protests")).to_contain_text("Denied")
        expect(page.locator("#protests")).to_contain_text("entered by alice, confirmed by rita")

    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLOSED
    assert [t.to_status for t in claim.transitions.order_by("at", "id")] == [
        "filed",
        "accepted",
        "info_requested",
        "accepted",
        "action_proposed",
        "liquidated",
        "protest_filed",
        "closed",
    ]
    assert claim.transitions.get(to_status="closed").by is None  # on CBP's word, confirmed by two people
