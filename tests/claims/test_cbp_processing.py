"""Applying CBP's messages: once only, in a sensible order, and nothing lost when processing fails."""

import datetime as dt
from decimal import Decimal

import pytest

from claims.cbp import services
from claims.cbp.gateway import Response
from claims.cbp.models import CbpMessage, Payment
from claims.models import Claim, ClaimTransition
from tests.claims.cbp_support import make_claim

S = Claim.Status


@pytest.fixture
def claim(client_a, analyst):
    return make_claim(
        client=client_a, preparer=analyst, status=S.FILED, classes={"364": "700.00"}, accelerated_payment=True
    )


def accepted(claim, message_id="dx-1"):
    return Response(
        message_id=message_id,
        claim_number=claim.number,
        kind="accepted",
        cbp_date=None,
        payload={
            "disposition": "A",
            "conditions": [{"code": "", "severity": "", "text": "DRAWBACK HAS BEEN ADDED"}],
        },
    )


def ap_payment(claim, message_id="ap-1", amount="700.00"):
    return Response(
        message_id=message_id,
        claim_number=claim.number,
        kind="payment",
        cbp_date=dt.date(2026, 2, 1),
        payload={"payment_kind": "accelerated", "paid_on": "2026-02-01", "amounts": {"364": amount}},
    )


def liquidation(claim, message_id="liq-1"):
    return Response(
        message_id=message_id,
        claim_number=claim.number,
        kind="liquidation",
        cbp_date=dt.date(2026, 12, 1),
        payload={"liquidated_on": "2026-12-01", "amounts": {"364": "700.00"}},
    )


def store(response):
    return services.cbp_message_store(response=response, gateway_name="test")


def status(claim):
    claim.refresh_from_db()
    return claim.status


def test_the_same_message_delivered_twice_is_stored_once_and_applied_once(claim):
    message, created = store(accepted(claim))
    again, created_again = store(accepted(claim))
    assert (created, created_again) == (True, False) and again.pk == message.pk
    store(ap_payment(claim))
    services.cbp_claim_messages_process(claim_id=claim.pk)
    store(ap_payment(claim))  # a third delivery after it was applied
    services.cbp_claim_messages_process(claim_id=claim.pk)
    assert Payment.objects.filter(claim=claim).count() == 1
    assert status(claim) == S.ACCELERATED_PAID


def test_processing_a_message_twice_has_no_second_effect(claim):
    message, _ = store(accepted(claim))
    assert services.cbp_response_process(message=message) is True
    assert services.cbp_response_process(message=message) is False
    assert ClaimTransition.objects.filter(claim=claim, to_status=S.ACCEPTED).count() == 1


def test_payment_before_the_acceptance_is_held_then_applied(claim):
    payment, _ = store(ap_payment(claim))
    services.cbp_claim_messages_process(claim_id=claim.pk)
    payment.refresh_from_db()
    assert payment.processed_at is None and payment.error == "held: waiting for CBP's acceptance of the claim"
    assert not Payment.objects.exists() and status(claim) == S.FILED

    store(accepted(claim))  # arrives with a later poll
    assert services.cbp_claim_messages_process(claim_id=claim.pk) == 2
    assert status(claim) == S.ACCELERATED_PAID
    payment.refresh_from_db()
    assert payment.processed_at is not None and payment.error == ""


def test_messages_read_together_apply_in_cbps_order(claim):
    # The payment and the acceptance arrive in the same poll, payment first.
    store(ap_payment(claim))
    store(accepted(claim))
    services.cbp_claim_messages_process(claim_id=claim.pk)
    moves = list(ClaimTransition.objects.filter(claim=claim).values_list("to_status", flat=True))
    assert moves == [S.ACCEPTED, S.ACCELERATED_PAID]


def test_accelerated_payment_after_liquidation_is_recorded_without_moving_back(claim):
    store(accepted(claim))
    store(liquidation(claim))
    services.cbp_claim_messages_process(claim_id=claim.pk)
    assert status(claim) == S.LIQUIDATED
    message, _ = store(ap_payment(claim))
    services.cbp_claim_messages_process(claim_id=claim.pk)
    message.refresh_from_db()
    assert status(claim) == S.LIQUIDATED
    assert Payment.objects.get(claim=claim).total == Decimal("700.00")
    assert message.note == "recorded; the claim stays liquidated"


def test_a_crash_after_storing_and_before_applying_loses_nothing(claim, monkeypatch):
    message, _ = store(accepted(claim))
    real = services.APPLY["accepted"]

    def dies_half_way(msg):
        real(msg)  # the claim moves...
        raise RuntimeError("worker lost")  # ...and the process dies before the message is marked

    monkeypatch.setitem(services.APPLY, "accepted", dies_half_way)
    services.cbp_claim_messages_process(claim_id=claim.pk)
    message.refresh_from_db()
    assert status(claim) == S.FILED  # the half-done move was rolled back with the failure
    assert not ClaimTransition.objects.filter(claim=claim).exists()
    assert message.processed_at is None and message.attempts == 1
    assert message.error.startswith("failed: RuntimeError")

    monkeypatch.setitem(services.APPLY, "accepted", real)
    assert services.cbp_pending_claim_ids() == [claim.pk]  # the next poll picks it up
    services.cbp_claim_messages_process(claim_id=claim.pk)
    assert status(claim) == S.ACCEPTED
    assert ClaimTransition.objects.filter(claim=claim, to_status=S.ACCEPTED).count() == 1


def test_rejection_after_acceptance_is_closed_with_the_reason(claim):
    store(accepted(claim))
    services.cbp_claim_messages_process(claim_id=claim.pk)
    rejection, _ = store(
        Response(message_id="dx-2", claim_number=claim.number, kind="rejected", cbp_date=None, payload={})
    )
    services.cbp_claim_messages_process(claim_id=claim.pk)
    rejection.refresh_from_db()
    assert status(claim) == S.ACCEPTED
    assert rejection.processed_at is not None
    assert rejection.error == "not applied: Rejected (DX) for a claim that is accepted by CBP"


def test_message_for_an_unknown_claim_is_refused(claim):
    with pytest.raises(services.UnknownClaimError, match="no claim HDS-0999999-"):
        store(
            Response(message_id="x", claim_number="HDS09999990", kind="accepted", cbp_date=None, payload={})
        )
    assert not CbpMessage.objects.exists()


def test_filing_needs_a_claim_ready_to_file(client_a, analyst):
    from claims.cbp.sandbox import SandboxGateway

    draft = make_claim(client=client_a, preparer=analyst, status=S.SECOND_REVIEW)
    with pytest.raises(services.FilingError, match="only a claim ready to file can be filed"):
        services.claim_file(claim=draft, by=analyst, gateway=SandboxGateway())
    assert not draft.cbp_transmissions.exists()
