"""After liquidation: CBP requests still open are closed, the CBP page speaks of the liquidation (not of a
deemed liquidation to come), amounts read as money, and documents sent with a CBP request are links."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.cbp import services
from claims.cbp.gateway import Response
from claims.cbp.models import CbpRequest
from claims.models import Claim
from tests.claims.cbp_support import make_claim

S = Claim.Status
TODAY = dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def claim(client_a, analyst):
    claim = make_claim(
        client=client_a, preparer=analyst, status=S.ACCEPTED, classes={"364": "349039.32", "399": "1200.00"}
    )
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2026, 1, 5))
    claim.refresh_from_db()
    return claim


def deliver(claim, message_id, kind, cbp_date, payload):
    services.cbp_message_store(
        response=Response(
            message_id=message_id, claim_number=claim.number, kind=kind, cbp_date=cbp_date, payload=payload
        ),
        gateway_name="test",
    )
    services.cbp_claim_messages_process(claim_id=claim.pk)
    claim.refresh_from_db()


def cf29(claim):
    deliver(
        claim,
        "cf29-1",
        "cf29",
        dt.date(2026, 11, 1),
        {
            "issued_on": "2026-11-01",
            "reference": "CF29-1",
            "text": "CBP proposes to liquidate class 364 lower.",
        },
    )
    return claim.cbp_requests.get()


def liquidate(claim):
    deliver(
        claim,
        "liq-1",
        "liquidation",
        dt.date(2026, 12, 1),
        {"liquidated_on": "2026-12-01", "amounts": {"364": "331587.35", "399": "1200.00"}},
    )


def test_open_cf29_is_closed_when_the_claim_liquidates(claim, analyst):
    request = cf29(claim)
    assert request.status == "open" and claim.status == S.ACTION_PROPOSED
    liquidate(claim)
    request.refresh_from_db()
    assert claim.status == S.LIQUIDATED
    assert (request.status, request.closed_on) == (CbpRequest.Status.CLOSED, dt.date(2026, 12, 1))
    assert not request.is_overdue(dt.date(2027, 1, 1))
    with pytest.raises(ValidationError, match="closed when the claim liquidated on 12/01/2026"):
        services.cbp_request_respond(request=request, by=analyst, text="Too late")


def test_deemed_liquidation_closes_open_requests_too(client_a, analyst):
    claim = make_claim(
        client=client_a,
        preparer=analyst,
        sequence=2,
        status=S.ACCEPTED,
        entry_liquidated_on=dt.date(2024, 1, 2),
    )
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2025, 11, 1))  # a year has passed
    answered, open_ = (
        CbpRequest.objects.create(
            claim=claim,
            kind=kind,
            issued_on=dt.date(2026, 10, 1),
            due_on=dt.date(2026, 10, 21),
            status=status,
        )
        for kind, status in (("cf29", "responded"), ("cf28", "open"))
    )
    assert [c.pk for c in services.claims_deem_liquidated()] == [claim.pk]
    answered.refresh_from_db()
    open_.refresh_from_db()
    assert (open_.status, open_.closed_on) == ("closed", dt.date(2026, 11, 1))
    assert answered.status == "responded"


def test_cbp_page_after_liquidation_speaks_of_the_liquidation_in_money(client, analyst, claim):
    liquidate(claim)
    client.force_login(analyst)
    html = client.get(reverse("cbp:claim_cbp", args=[claim.pk])).content.decode()
    assert "deemed liquidated only on deposit" not in html
    assert "no longer applies: CBP liquidated the claim on 2026-12-01" in html
    assert "$349,039.32" in html and "$331,587.35" in html and "349039.32" not in html
    assert "Protest deadline" in html and "2027-05-30" in html


def test_closed_cf29_page_says_why_it_cannot_be_answered(client, analyst, claim):
    request = cf29(claim)
    liquidate(claim)
    client.force_login(analyst)
    html = client.get(reverse("cbp:request_detail", args=[request.pk])).content.decode()
    assert "Closed unanswered: the claim liquidated on 2026-12-01" in html
    assert 'name="response_text"' not in html


def test_documents_of_a_cbp_request_are_download_links(client, analyst, client_user_a, client_user_b, claim):
    request = cf29(claim)
    document = services.cbp_request_document_attach(
        request=request,
        file=SimpleUploadedFile("bol-123.pdf", b"%PDF-1.4 bill of lading", "application/pdf"),
        by=analyst,
    )
    url = reverse("cbp:request_document_download", args=[request.pk, document.pk])
    for user in (analyst, client_user_a):
        client.force_login(user)
        assert (
            f'href="{url}"' in client.get(reverse("cbp:request_detail", args=[request.pk])).content.decode()
        )
        response = client.get(url)
        assert (
            response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 bill of lading"
        )
    client.force_login(client_user_b)
    assert client.get(url).status_code == 404
