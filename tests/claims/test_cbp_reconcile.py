"""Reconciliation of what CBP paid and liquidated against the claim, and deemed liquidation."""

import datetime as dt
from decimal import Decimal

import pytest

from claims.cbp import services
from claims.cbp.models import Liquidation, Payment
from claims.models import Claim, Finding
from tests.claims.cbp_support import make_claim

S = Claim.Status


@pytest.fixture
def claim(client_a, analyst):
    claim = make_claim(
        client=client_a,
        preparer=analyst,
        status=S.ACCELERATED_PAID,
        classes={"364": "1000.00", "399": "20.00"},
    )
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2025, 4, 7))
    claim.refresh_from_db()
    return claim


def pay(claim, kind, amounts, on="2025-05-01"):
    return Payment.objects.create(
        claim=claim,
        kind=kind,
        paid_on=dt.date.fromisoformat(on),
        amounts=amounts,
        total=sum(Decimal(a) for a in amounts.values()),
    )


def open_findings(claim):
    return {
        f.rule: (f.amount_at_stake, f.message)
        for f in Finding.objects.filter(fingerprint__startswith=f"cbp-recon:{claim.pk}:", status="open")
    }


def test_accelerated_payment_short_in_one_class_is_flagged_per_class(claim):
    pay(claim, Payment.Kind.ACCELERATED, {"364": "1000.00", "399": "18.00"})
    recon = services.claim_reconcile(claim=claim, today=dt.date(2025, 6, 1))
    by_class = {row.accounting_class: row for row in recon.rows}
    assert by_class["364"].flags == [] and by_class["399"].difference == Decimal("-2.00")
    assert recon.total.paid == Decimal("1018.00") and recon.total.claimed == Decimal("1020.00")
    assert open_findings(claim) == {
        "CBP-RECON-AP": (
            Decimal("2.00"),
            f"Claim {claim.display_number} class 399: accelerated payment $18.00 against $20.00 claimed.",
        )
    }


def test_liquidation_below_the_claim_and_an_unpaid_bill(claim):
    pay(claim, Payment.Kind.ACCELERATED, {"364": "1000.00", "399": "20.00"})
    Liquidation.objects.create(
        claim=claim,
        liquidated_on=dt.date(2026, 3, 2),
        amounts={"364": "950.00", "399": "20.00"},
        total=Decimal("970.00"),
    )
    recon = services.claim_reconcile(claim=claim, today=dt.date(2026, 3, 10))
    assert recon.balance == Decimal("-50.00")  # CBP paid 50.00 more than it liquidated
    assert (recon.protest_deadline, recon.refund_due_date) == (dt.date(2026, 8, 29), dt.date(2026, 5, 31))
    assert set(open_findings(claim)) == {"CBP-RECON-LIQ"}  # the bill is not late yet

    recon = services.claim_reconcile(claim=claim, today=dt.date(2026, 6, 1))
    findings = open_findings(claim)
    assert findings["CBP-RECON-BALANCE"][0] == Decimal("50.00")
    assert "$50.00 still owed to CBP after the refund due date 2026-05-31" in findings["CBP-RECON-BALANCE"][1]

    pay(claim, Payment.Kind.BILL, {"364": "50.00"}, on="2026-06-05")
    recon = services.claim_reconcile(claim=claim, today=dt.date(2026, 6, 10))
    assert recon.balance == Decimal("0.00")
    assert set(open_findings(claim)) == {"CBP-RECON-LIQ"}  # the reduction itself stays on record
    assert Finding.objects.get(rule="CBP-RECON-BALANCE").status == Finding.Status.RESOLVED


def test_reconciling_twice_keeps_one_finding(claim):
    pay(claim, Payment.Kind.ACCELERATED, {"364": "900.00", "399": "20.00"})
    services.claim_reconcile(claim=claim)
    services.claim_reconcile(claim=claim)
    assert Finding.objects.filter(rule="CBP-RECON-AP").count() == 1


def test_claim_is_deemed_liquidated_one_year_after_the_complete_claim(client_a, analyst):
    # DBK-028: complete claim 2025-04-07 on imports liquidated and final -> deemed liquidated 2026-04-07.
    claim = make_claim(
        client=client_a,
        preparer=analyst,
        status=S.ACCEPTED,
        classes={"364": "300.00"},
        entry_liquidated_on=dt.date(2024, 6, 1),
    )
    Claim.objects.filter(pk=claim.pk).update(filed_on=dt.date(2025, 4, 7))
    assert services.claims_deem_liquidated(today=dt.date(2026, 4, 6)) == []
    assert services.claims_deem_liquidated(today=dt.date(2026, 4, 7)) == [claim]
    claim.refresh_from_db()
    assert claim.status == S.DEEMED_LIQUIDATED
    liquidation = claim.liquidation
    assert (liquidation.deemed, liquidation.liquidated_on, liquidation.total) == (
        True,
        dt.date(2026, 4, 7),
        Decimal("300.00"),
    )
    assert claim.transitions.get(to_status=S.DEEMED_LIQUIDATED).reason.endswith("(19 U.S.C. 1504(a)(2)(A))")


def test_no_deemed_liquidation_while_the_imports_are_open_or_liquidation_is_extended(client_a, analyst):
    # DBK-029: an import entry that is not liquidated (or still within its protest period) stops the clock.
    open_imports = make_claim(client=client_a, preparer=analyst, status=S.ACCEPTED, sequence=1)
    late_final = make_claim(
        client=client_a,
        preparer=analyst,
        status=S.ACCEPTED,
        sequence=2,
        entry_liquidated_on=dt.date(2026, 1, 5),
    )
    extended = make_claim(
        client=client_a,
        preparer=analyst,
        status=S.ACCEPTED,
        sequence=3,
        entry_liquidated_on=dt.date(2024, 6, 1),
    )
    Claim.objects.all().update(filed_on=dt.date(2025, 4, 7))
    Liquidation.objects.create(claim=extended, extended=True, extended_on=dt.date(2026, 2, 1))
    assert services.claims_deem_liquidated(today=dt.date(2026, 4, 8)) == []
    assert services.claim_deemed_liquidation_date(claim=Claim.objects.get(pk=extended.pk)) == dt.date(
        2029, 4, 7
    )
    assert services.claim_deemed_liquidation_date(claim=Claim.objects.get(pk=open_imports.pk)) is None
    assert services.claim_deemed_liquidation_date(claim=Claim.objects.get(pk=late_final.pk)) is None
