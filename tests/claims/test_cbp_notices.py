"""CBP's outcomes are CBP's word: no one person moves a claim to liquidated or closed. They come from the
gateway, or from CBP's notice entered with its date, amounts and document by one member of the firm and
confirmed by another; a liquidation becomes final (closed) only when its protest period has passed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.cbp import notices, services
from claims.cbp.models import CbpNotice, Liquidation, Payment
from claims.lifecycle import MoveRefused, claim_transition
from claims.models import Claim
from tests.claims.cbp_support import make_claim

S = Claim.Status
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def accepted(client_a, analyst):
    claim = make_claim(client=client_a, preparer=analyst, status=S.ACCEPTED, classes={"364": "990.00"})
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2025, 6, 2))
    claim.refresh_from_db()
    return claim


def notice_pdf(name="liquidation-notice.pdf"):
    return SimpleUploadedFile(name, PDF + name.encode(), "application/pdf")


def test_one_analyst_cannot_liquidate_and_close_a_claim_through_the_api(accepted, analyst, firm_admin):
    """The attack: liquidated, then closed, through the API, with no liquidation record and nobody else."""
    api = APIClient()
    for user in (analyst, firm_admin):
        api.force_login(user)
        response = api.post(f"/api/v1/claims/{accepted.pk}/transitions/", {"to": "liquidated"}, format="json")
        assert response.status_code == 400 and "only CBP's word" in response.json()["detail"]
    Claim.objects.filter(pk=accepted.pk).update(status=S.LIQUIDATED)
    response = api.post(f"/api/v1/claims/{accepted.pk}/transitions/", {"to": "closed"}, format="json")
    assert response.status_code == 400
    accepted.refresh_from_db()
    assert accepted.status == S.LIQUIDATED and not accepted.transitions.exists()
    detail = api.get(f"/api/v1/claims/{accepted.pk}/").json()
    assert "closed" not in str(detail["actions"])


@pytest.mark.parametrize(
    "src, dst",
    [
        (S.FILED, S.ACCEPTED),
        (S.FILED, S.REJECTED),
        (S.ACCEPTED, S.INFO_REQUESTED),
        (S.ACCEPTED, S.ACCELERATED_PAID),
        (S.ACCEPTED, S.LIQUIDATED),
        (S.ACCEPTED, S.DEEMED_LIQUIDATED),
        (S.LIQUIDATED, S.CLOSED),
        (S.PROTEST_FILED, S.LIQUIDATED),
    ],
)
def test_moves_on_cbps_word_are_refused_to_every_person(accepted, firm_admin, src, dst):
    Claim.objects.filter(pk=accepted.pk).update(status=src)
    accepted.status = src
    with pytest.raises(MoveRefused, match="only CBP's word"):
        claim_transition(claim=accepted, to=dst, by=firm_admin)
    claim_transition(claim=accepted, to=dst, by=None, reason="CBP's message")  # the gateway's way


def test_a_liquidation_notice_applies_only_when_a_second_person_confirms_it(accepted, analyst, reviewer):
    notice = notices.cbp_notice_enter(
        claim=accepted,
        kind=CbpNotice.Kind.LIQUIDATION,
        notice_date=dt.date(2026, 5, 29),
        amounts={"364": "950.00"},
        reference="BULLETIN 2026-22",
        file=notice_pdf(),
        by=analyst,
    )
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED and not Liquidation.objects.exists()
    assert notice.document in accepted.documents.all()
    with pytest.raises(ValidationError, match="someone other than the person who entered it"):
        notices.cbp_notice_confirm(notice=notice, by=analyst)
    notices.cbp_notice_confirm(notice=notice, by=reviewer)
    accepted.refresh_from_db()
    notice.refresh_from_db()
    assert accepted.status == S.LIQUIDATED and notice.status == CbpNotice.Status.CONFIRMED
    liquidation = accepted.liquidation
    assert liquidation.liquidated_on == dt.date(2026, 5, 29) and liquidation.total == Decimal("950.00")
    move = accepted.transitions.get(to_status=S.LIQUIDATED)
    assert move.by is None
    assert "entered by alice, confirmed by rita" in move.reason
    # The difference from the claim is a reconciliation finding, as with CBP's own file.
    assert accepted.client.findings.filter(rule="CBP-RECON-LIQ").exists()
    with pytest.raises(ValidationError, match="already confirmed"):
        notices.cbp_notice_confirm(notice=notice, by=reviewer)


def test_a_payment_notice_records_the_payment(accepted, analyst, reviewer):
    notice = notices.cbp_notice_enter(
        claim=accepted,
        kind=CbpNotice.Kind.ACCELERATED_PAYMENT,
        notice_date=dt.date(2025, 7, 1),
        amounts={"364": "990.00"},
        file=notice_pdf("ach.pdf"),
        by=analyst,
    )
    notices.cbp_notice_confirm(notice=notice, by=reviewer)
    accepted.refresh_from_db()
    assert accepted.status == S.ACCELERATED_PAID
    assert Payment.objects.get(claim=accepted).total == Decimal("990.00")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("amounts", {"364": "12.345"}, "dollars and cents"),
        ("amounts", {"999": "1.00"}, "not a drawback accounting class"),
        ("amounts", {}, "at least one"),
        ("notice_date", dt.date(2025, 1, 1), "between the filing and today"),
    ],
)
def test_a_notice_needs_cbps_date_and_amounts_in_cents(accepted, analyst, field, value, message):
    values = {"notice_date": dt.date(2026, 5, 29), "amounts": {"364": "950.00"}, field: value}
    with pytest.raises(ValidationError, match=message):
        notices.cbp_notice_enter(claim=accepted, kind="liquidation", file=notice_pdf(), by=analyst, **values)
    assert not CbpNotice.objects.exists()


def test_a_discarded_notice_changes_nothing(accepted, analyst):
    notice = notices.cbp_notice_enter(
        claim=accepted,
        kind="liquidation",
        notice_date=dt.date(2026, 5, 29),
        amounts={"364": "950.00"},
        file=notice_pdf(),
        by=analyst,
    )
    notices.cbp_notice_discard(notice=notice, by=analyst)
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED and notice.status == CbpNotice.Status.DISCARDED


def test_the_cbp_page_leads_from_entry_to_confirmation(client, accepted, analyst, reviewer):
    client.force_login(analyst)
    page = client.get(f"/claims/{accepted.pk}/cbp/").content.decode()
    assert 'id="cbp-notice-form"' in page and "Class 364 amount" in page
    response = client.post(
        f"/claims/{accepted.pk}/cbp/notices/",
        {
            "kind": "liquidation",
            "notice_date": "2026-05-29",
            "amount_364": "950.00",
            "reference": "BULLETIN 2026-22",
            "document": notice_pdf(),
        },
        follow=True,
    )
    notice = CbpNotice.objects.get()
    page = response.content.decode()
    assert f'id="confirm-notice-{notice.pk}"' not in page and "waiting for a colleague" in page
    client.force_login(reviewer)
    page = client.get(f"/claims/{accepted.pk}/cbp/").content.decode()
    assert f'id="confirm-notice-{notice.pk}"' in page
    client.post(f"/cbp-notices/{notice.pk}/confirm/")
    accepted.refresh_from_db()
    assert accepted.status == S.LIQUIDATED


def test_the_api_enters_and_confirms_a_notice(accepted, analyst, reviewer):
    api = APIClient()
    api.force_login(analyst)
    response = api.post(
        f"/api/v1/claims/{accepted.pk}/cbp-notices/",
        {
            "kind": "liquidation",
            "notice_date": "2026-05-29",
            "amounts": '{"364": "950.00"}',
            "document": notice_pdf(),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    notice_id = response.json()["id"]
    assert api.post(f"/api/v1/cbp-notices/{notice_id}/confirm/").status_code == 400
    api.force_login(reviewer)
    assert api.post(f"/api/v1/cbp-notices/{notice_id}/confirm/").json()["status"] == "confirmed"


def test_a_liquidation_becomes_final_after_its_protest_period(accepted):
    Claim.objects.filter(pk=accepted.pk).update(status=S.LIQUIDATED)
    Liquidation.objects.create(claim=accepted, liquidated_on=dt.date(2026, 1, 5), amounts={}, total=0)
    # 180 days after 5 January 2026 is 4 July 2026 (19 U.S.C. 1514(c)(3)).
    assert services.claims_close_final(today=dt.date(2026, 7, 4)) == []
    assert services.claims_close_final(today=dt.date(2026, 7, 5)) == [accepted]
    accepted.refresh_from_db()
    assert accepted.status == S.CLOSED
    assert "no protest by 2026-07-04" in accepted.transitions.get(to_status=S.CLOSED).reason
