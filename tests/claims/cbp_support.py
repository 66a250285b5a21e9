"""Building filed-claim scenarios for the CBP tests."""

from decimal import Decimal

from claims import ledger
from claims.cbp import services
from claims.models import Claim, ClaimClassTotal, Designation
from drawback.lib.entry_numbers import make
from tests.factories import ExportFactory, ImportEntryFactory, ImportLineFactory


def make_claim(
    *,
    client,
    preparer,
    sequence: int = 1,
    status: str = Claim.Status.READY_TO_FILE,
    classes: dict[str, str] | None = None,
    accelerated_payment: bool = False,
    line_mpf: str = "0",
    entry_liquidated_on=None,
) -> Claim:
    """A claim with one designation and its class totals, put straight into `status`.

    The status is set by update, as a factory would: these tests start where review ends and must not
    depend on the review rules that lead there.
    """
    classes = classes if classes is not None else {"364": "990.00"}
    claim = Claim.objects.create(
        client=client,
        number=make(client.firm.filer_code, sequence),
        provision="59",
        preparer=preparer,
        accelerated_payment=accelerated_payment,
    )
    entry = ImportEntryFactory(client=client, liquidation_date=entry_liquidated_on)
    line = ImportLineFactory(entry=entry, mpf=Decimal(line_mpf))
    export = ExportFactory(client=client)
    Designation.objects.create(
        claim=claim,
        import_line=line,
        export=export,
        provision="59",
        method="substitution",
        quantity=Decimal("50"),
        refund=sum(Decimal(a) for a in classes.values()),
        amounts={cls: {"claim": amount, "calculated": amount} for cls, amount in classes.items()},
    )
    # Hold the designated quantities as a built claim does, so CBP's rejection can release them.
    ledger.reserve(ledger.claim_holding(claim))
    for cls, amount in classes.items():
        ClaimClassTotal.objects.create(
            claim=claim, accounting_class=cls, claim_amount=Decimal(amount), calculated_amount=Decimal(amount)
        )
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.refresh_from_db()
    return claim


def poll_and_apply(gateway) -> services.PollResult:
    """One beat of the poll job against `gateway`: store, then apply claim by claim."""
    result = services.cbp_poll(gateway=gateway)
    for claim_id in services.cbp_pending_claim_ids():
        services.cbp_claim_messages_process(claim_id=claim_id)
    return result
