"""The claim page offers, in every status, the actions the status allows for the user's role, shows the
filing package and the CBP panel, and the CBP pages lead back to it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from claims.cbp.models import CbpRequest, Liquidation, Protest
from claims.filing.services import claim_package_build
from claims.models import Claim
from tests.claims.cbp_support import make_claim

S = Claim.Status
TODAY = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today(settings, tmp_path):
    settings.CBP_GATEWAY = "sandbox"
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(TODAY, tick=False):
        yield


def page(client, user, claim) -> str:
    client.force_login(user)
    response = client.get(reverse("claims:detail", args=[claim.client.code, claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def buttons(html: str) -> set[str]:
    """The labels of the buttons and button-links of the page's actions and CBP panel."""
    found = re.findall(r"<button[^>]*>([^<]+)</button>", html)
    found += re.findall(r'<a class="button[^"]*"[^>]*>([^<]+)</a>', html)
    return {label.strip() for label in found} - {"Log out", "Mark all read"}


def liquidate(claim, on=dt.date(2026, 10, 1), amount="990.00"):
    Liquidation.objects.create(claim=claim, liquidated_on=on, amounts={"364": amount}, total=Decimal(amount))


def test_ready_to_file_shows_package_and_filing_and_the_cbp_panel(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.READY_TO_FILE)
    html = page(client, analyst, claim)
    assert {"Build the filing package", "File with CBP", "Withdraw"} <= buttons(html)
    assert 'id="cbp-panel"' in html and 'id="file-with-cbp"' in html
    assert 'id="package"' in html and "Not built yet." in html
    assert reverse("filing:claim_files", args=[client_a.code, claim.pk]) in html


def test_built_package_is_listed_with_download_links_and_can_be_rebuilt(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.READY_TO_FILE)
    documents = claim_package_build(claim=claim, by=analyst)
    html = page(client, analyst, claim)
    for document in documents:
        assert reverse("filing:claim_file_download", args=[client_a.code, claim.pk, document.pk]) in html
    assert "Rebuild the filing package" in buttons(html)


def test_filed_claim_checks_cbp_and_keeps_its_package(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.READY_TO_FILE)
    claim_package_build(claim=claim, by=analyst)
    Claim.objects.filter(pk=claim.pk).update(status=S.FILED, filed_on=dt.date(2026, 11, 20))
    html = page(client, analyst, claim)
    labels = buttons(html)
    assert "Check CBP now" in labels
    assert not {"Build the filing package", "Rebuild the filing package", "File with CBP"} & labels
    assert "-summary.pdf</a>" in html


def test_open_cbp_request_is_answered_from_the_claim_page(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.ACTION_PROPOSED)
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2026, 1, 5))
    request = CbpRequest.objects.create(
        claim=claim, kind="cf29", issued_on=dt.date(2026, 11, 20), due_on=dt.date(2026, 12, 10)
    )
    html = page(client, analyst, claim)
    assert "Answer the CF-29 notice of action" in buttons(html)
    assert reverse("cbp:request_detail", args=[request.pk]) in html
    assert "Create a correction" in buttons(html)


def test_liquidated_claim_offers_a_protest_until_the_deadline(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.LIQUIDATED)
    liquidate(claim, on=dt.date(2026, 10, 1))
    html = page(client, analyst, claim)
    assert "Record the protest" in buttons(html)
    assert 'name="number"' in html and 'name="filed_on"' in html and 'name="grounds"' in html
    Liquidation.objects.filter(claim=claim).update(liquidated_on=dt.date(2026, 5, 1))  # 180 days passed
    assert "Record the protest" not in buttons(page(client, analyst, claim))


def test_deemed_liquidated_claim_may_be_protested_too(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.DEEMED_LIQUIDATED)
    Liquidation.objects.create(
        claim=claim, liquidated_on=dt.date(2026, 11, 1), deemed=True, amounts={"364": "990.00"}
    )
    assert "Record the protest" in buttons(page(client, analyst, claim))


def test_claim_under_protest_asks_for_cbps_decision(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.PROTEST_FILED)
    liquidate(claim)
    Protest.objects.create(
        claim=claim,
        number="270426100123",
        filed_on=dt.date(2026, 10, 20),
        grounds="Wrong rate",
        filed_by=analyst,
    )
    html = page(client, analyst, claim)
    assert "Record CBP's decision" in buttons(html)
    assert "2704-26-100123" in html and "Wrong rate" in html
    assert 'value="allowed"' in html and 'value="denied"' in html


def test_client_user_reads_package_and_cbp_panel_without_actions(client, analyst, client_user_a, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.READY_TO_FILE)
    claim_package_build(claim=claim, by=analyst)
    html = page(client, client_user_a, claim)
    assert buttons(html) == set()
    assert 'id="cbp-panel"' in html and "-catair.txt</a>" in html


def test_cbp_and_request_pages_lead_back_to_the_claim_page(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.INFO_REQUESTED)
    request = CbpRequest.objects.create(
        claim=claim, kind="cf28", issued_on=dt.date(2026, 11, 20), due_on=dt.date(2026, 12, 20)
    )
    client.force_login(analyst)
    claim_url = reverse("claims:detail", args=[client_a.code, claim.pk])
    for url in (reverse("cbp:claim_cbp", args=[claim.pk]), reverse("cbp:request_detail", args=[request.pk])):
        assert f'href="{claim_url}"' in client.get(url).content.decode()


def test_filing_from_the_claim_page_comes_back_to_it(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.READY_TO_FILE)
    client.force_login(analyst)
    claim_url = reverse("claims:detail", args=[client_a.code, claim.pk])
    response = client.post(reverse("cbp:claim_file", args=[claim.pk]), {"next": claim_url})
    assert response.status_code == 302 and response.url == claim_url
    claim.refresh_from_db()
    assert claim.status == S.FILED


def test_a_foreign_next_address_is_not_followed(client, analyst, client_a):
    claim = make_claim(client=client_a, preparer=analyst, status=S.READY_TO_FILE)
    client.force_login(analyst)
    response = client.post(reverse("cbp:claim_file", args=[claim.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("cbp:claim_cbp", args=[claim.pk])


def test_cbp_notices_are_reached_from_the_claim_page(client, analyst, reviewer, client_a):
    """CBP's word that came outside the gateway is entered, and confirmed by a colleague, on the claim's CBP
    page: the claim page leads there while CBP may still send something."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from claims.cbp.notices import cbp_notice_enter

    claim = make_claim(client=client_a, preparer=analyst, status=S.ACCEPTED)
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2026, 1, 5))
    claim.refresh_from_db()
    cbp_page = reverse("cbp:claim_cbp", args=[claim.pk]) + "#cbp-notices"
    html = page(client, analyst, claim)
    assert "Enter a CBP notice received outside the gateway" in buttons(html) and cbp_page in html
    assert "Confirm CBP's notice entered by a colleague" not in buttons(html)
    cbp_notice_enter(
        claim=claim,
        kind="accelerated",
        notice_date=dt.date(2026, 2, 1),
        amounts={"364": "990.00"},
        file=SimpleUploadedFile("ap.pdf", b"%PDF-1.4 accelerated payment"),
        by=reviewer,
    )
    assert "Confirm CBP's notice entered by a colleague" in buttons(page(client, analyst, claim))
    assert "Confirm CBP's notice entered by a colleague" not in buttons(page(client, reviewer, claim))
    cbp = client.get(reverse("cbp:claim_cbp", args=[claim.pk])).content.decode()  # as the reviewer
    assert 'id="cbp-notices"' in cbp and "Record CBP's notice" in cbp and "waiting for a colleague" in cbp
    Claim.objects.filter(pk=claim.pk).update(status=S.CLOSED)
    assert "Enter a CBP notice received outside the gateway" not in buttons(page(client, analyst, claim))
