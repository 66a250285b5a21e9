"""The sandbox gateway behaves like CBP on a frozen clock: acceptance, CF-28, accelerated payment weeks
later, CF-29 and liquidation a year later, refund or bill; rejections carry real ACE condition codes."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from claims.cbp import services
from claims.cbp.models import CbpMessage, CbpRequest, Payment
from claims.cbp.sandbox import SandboxGateway
from claims.models import Claim, ClaimTransition, Finding
from drawback.accounts.models import Privilege
from tests.claims.cbp_support import make_claim, poll_and_apply

S = Claim.Status
FILED_AT = dt.datetime(2026, 1, 5, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(FILED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ap_privilege(client_a):
    return Privilege.objects.create(
        client=client_a,
        kind=Privilege.Kind.ACCELERATED_PAYMENT,
        granted_on=dt.date(2024, 1, 1),
        bond_type="8",
        surety_code="123",
        bond_effective_on=dt.date(2024, 1, 1),
    )


def status(claim):
    claim.refresh_from_db()
    return claim.status


def test_full_life_on_a_frozen_clock(clock, client_a, analyst, ap_privilege):
    claim = make_claim(
        client=client_a,
        preparer=analyst,
        classes={"364": "1000.00", "399": "20.00"},
        accelerated_payment=True,
        line_mpf="25.00",
    )
    sandbox = SandboxGateway(reject_percent=0, cf28_percent=100, adjust_percent=100)

    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    assert status(claim) == S.FILED and claim.filed_on == dt.date(2026, 1, 5)
    assert poll_and_apply(sandbox).read == 0  # CBP has not answered yet

    clock.shift(dt.timedelta(minutes=6))
    poll_and_apply(sandbox)
    assert status(claim) == S.ACCEPTED

    clock.shift(dt.timedelta(days=10))
    poll_and_apply(sandbox)
    assert status(claim) == S.INFO_REQUESTED
    cf28 = CbpRequest.objects.get(claim=claim, kind="cf28")
    assert (cf28.issued_on, cf28.due_on, cf28.assigned_to) == (
        dt.date(2026, 1, 15),
        dt.date(2026, 2, 14),
        analyst,
    )
    services.cbp_request_respond(request=cf28, by=analyst, text="Bills of lading attached.", gateway=sandbox)
    assert status(claim) == S.ACCEPTED

    clock.shift(dt.timedelta(days=11))  # three weeks after filing
    poll_and_apply(sandbox)
    assert status(claim) == S.ACCELERATED_PAID
    ap = Payment.objects.get(claim=claim, kind=Payment.Kind.ACCELERATED)
    assert ap.paid_on == dt.date(2026, 1, 26)
    assert ap.class_amounts == {"364": Decimal("1000.00"), "399": Decimal("20.00")}

    clock.shift(dt.timedelta(days=280))  # day 301: CBP proposes a lower amount
    poll_and_apply(sandbox)
    assert status(claim) == S.ACTION_PROPOSED
    cf29 = CbpRequest.objects.get(claim=claim, kind="cf29")
    assert cf29.due_on == cf29.issued_on + dt.timedelta(days=20)
    assert "950.00" in cf29.request_text
    services.cbp_request_respond(request=cf29, by=analyst, text="We accept the reduction.", gateway=sandbox)
    assert status(claim) == S.ACCELERATED_PAID  # back to where it was before the notice

    clock.shift(dt.timedelta(days=40))  # day 341: liquidation, before the one-year deemed date
    poll_and_apply(sandbox)
    assert status(claim) == S.LIQUIDATED
    claim.refresh_from_db()
    assert claim.liquidation.liquidated_on == dt.date(2026, 12, 11)
    assert claim.liquidation.class_amounts == {"364": Decimal("950.00"), "399": Decimal("20.00")}
    finding = Finding.objects.get(rule="CBP-RECON-LIQ")
    assert finding.amount_at_stake == Decimal("50.00") and "protest by 2027-06-09" in finding.message

    clock.shift(dt.timedelta(days=30))  # the bill for accelerated payment above the liquidated amount
    poll_and_apply(sandbox)
    bill = Payment.objects.get(claim=claim, kind=Payment.Kind.BILL)
    assert bill.class_amounts == {"364": Decimal("50.00")}
    recon = services.claim_reconcile(claim=claim)
    assert recon.balance == Decimal("0.00") and recon.total.paid == Decimal("970.00")

    moves = list(ClaimTransition.objects.filter(claim=claim).values_list("to_status", flat=True))
    assert moves == [
        S.FILED,
        S.ACCEPTED,
        S.INFO_REQUESTED,
        S.ACCEPTED,
        S.ACCELERATED_PAID,
        S.ACTION_PROPOSED,
        S.ACCELERATED_PAID,
        S.LIQUIDATED,
    ]
    # Every poll returned every message due so far; each was applied once.
    assert CbpMessage.objects.filter(claim=claim).count() == 6
    assert not CbpMessage.objects.filter(claim=claim, processed_at=None).exists()


def test_seeded_rejection_carries_the_ace_condition_code(clock, client_a, analyst):
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "500.00"})
    sandbox = SandboxGateway(reject_percent=100)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(minutes=10))
    poll_and_apply(sandbox)
    assert status(claim) == S.REJECTED
    message = CbpMessage.objects.get(claim=claim)
    # No MPF on this claim, so the seeded code is F266; the final record is R/F999.
    assert [c["code"] for c in message.conditions] == ["F266", "F999"]
    assert message.conditions[0]["text"] == "EXPORT / DESTROY INDICATOR MISSING"
    reason = ClaimTransition.objects.get(claim=claim, to_status=S.REJECTED).reason
    assert "F266 EXPORT / DESTROY INDICATOR MISSING" in reason
    assert "E1 F266" in message.payload["dx"]  # the DX text CBP would send


def test_excess_mpf_is_rejected_with_f555_whatever_the_seed(clock, client_a, analyst):
    claim = make_claim(
        client=client_a, preparer=analyst, classes={"364": "500.00", "399": "30.00"}, line_mpf="25"
    )
    sandbox = SandboxGateway(reject_percent=0)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(minutes=10))
    poll_and_apply(sandbox)
    assert status(claim) == S.REJECTED
    assert CbpMessage.objects.get(claim=claim).conditions[0] == {
        "code": "F555",
        "severity": "F",
        "text": "EXCESS MPF CLAIMED",
    }


def test_corrected_claim_filed_again_is_accepted(clock, client_a, analyst):
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "500.00"})
    sandbox = SandboxGateway(reject_percent=100)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(minutes=10))
    poll_and_apply(sandbox)
    assert status(claim) == S.REJECTED
    Claim.objects.filter(pk=claim.pk).update(status=S.READY_TO_FILE)  # corrected and reviewed again
    claim.refresh_from_db()
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(minutes=10))
    poll_and_apply(sandbox)
    assert status(claim) == S.ACCEPTED  # the seeded rejection applies to the first transmission only


def test_bond_problem_is_informational_and_withholds_accelerated_payment(clock, client_a, analyst):
    # Accelerated payment requested while the 1A bond is not yet in effect (CSMS 48380692): ACE accepts
    # with I285 and pays nothing early.
    Privilege.objects.create(
        client=client_a,
        kind=Privilege.Kind.ACCELERATED_PAYMENT,
        granted_on=dt.date(2024, 1, 1),
        bond_type="8",
        surety_code="123",
        bond_effective_on=dt.date(2027, 1, 1),
    )
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "800.00"}, accelerated_payment=True)
    sandbox = SandboxGateway(reject_percent=0, cf28_percent=0, adjust_percent=0)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(days=30))
    poll_and_apply(sandbox)
    assert status(claim) == S.ACCEPTED
    accepted = CbpMessage.objects.get(claim=claim, kind="accepted")
    assert [c["code"] for c in accepted.conditions] == ["I285", ""]
    assert not Payment.objects.filter(claim=claim).exists()


def test_single_transaction_bond_below_the_claim_gives_i287(clock, client_a, analyst):
    Privilege.objects.create(
        client=client_a,
        kind=Privilege.Kind.ACCELERATED_PAYMENT,
        granted_on=dt.date(2024, 1, 1),
        bond_type="9",
        surety_code="123",
        bond_effective_on=dt.date(2024, 1, 1),
        bond_amount=Decimal("500"),
        bond_number="24B000123",
    )
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "800.00"}, accelerated_payment=True)
    sandbox = SandboxGateway(reject_percent=0, cf28_percent=0)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(minutes=10))
    poll_and_apply(sandbox)
    accepted = CbpMessage.objects.get(claim=claim, kind="accepted")
    assert accepted.conditions[0] == {"code": "I287", "severity": "I", "text": "BOND INSUFFICIENT"}


def test_without_accelerated_payment_the_refund_follows_liquidation(clock, client_a, analyst):
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "400.00"})
    sandbox = SandboxGateway(reject_percent=0, cf28_percent=0, adjust_percent=0)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    clock.shift(dt.timedelta(days=371))
    poll_and_apply(sandbox)
    assert status(claim) == S.LIQUIDATED
    refund = Payment.objects.get(claim=claim)
    assert (refund.kind, refund.total, refund.paid_on) == (
        Payment.Kind.LIQUIDATION_REFUND,
        Decimal("400.00"),
        dt.date(2027, 1, 10),
    )
    assert not Finding.objects.filter(
        fingerprint__startswith=f"cbp-recon:{claim.pk}:", status="open"
    ).exists()


def test_plans_are_deterministic_per_claim_number_and_seed(client_a, analyst):
    numbers = [
        make_claim(client=client_a, preparer=analyst, sequence=n, status=S.FILED) for n in range(1, 41)
    ]
    first = SandboxGateway(seed="demo")
    second = SandboxGateway(seed="demo")

    def outcome(gw, claim):
        return [(name, kind) for _, name, kind, _ in gw.plan(claim, sent_at=FILED_AT).events]

    assert [outcome(first, c) for c in numbers] == [outcome(second, c) for c in numbers]
    rejected = [c for c in numbers if outcome(first, c)[0][1] == "rejected"]
    assert 0 < len(rejected) < 15  # about one in ten


def test_speed_up_compresses_sandbox_time(client_a, analyst):
    # At 86,400x a real second is a sandbox day: acceptance after 5 sandbox minutes is due at once.
    claim = make_claim(client=client_a, preparer=analyst, classes={"364": "100.00"})
    real_now = [FILED_AT]
    sandbox = SandboxGateway(clock=lambda: real_now[0], speed=86400, reject_percent=0, cf28_percent=0)
    services.claim_file(claim=claim, by=analyst, gateway=sandbox)
    assert sandbox.poll([claim]) == []
    real_now[0] = FILED_AT + dt.timedelta(seconds=1)
    assert [r.kind for r in sandbox.poll([claim])] == ["accepted"]
    real_now[0] = FILED_AT + dt.timedelta(seconds=371)
    assert [r.kind for r in sandbox.poll([claim])] == ["accepted", "liquidation", "payment"]
