"""Where filing gets the claim's CATAIR text.

The writer of the full DE transaction is claims.catair.claim_to_catair(claim=...). Until that module is
installed, `catair_text_for` falls back to PLACEHOLDER text: a 10 header, 89 class totals and the 90
totals of the claim, under a first line that says it is a placeholder. It is NOT a valid DE transaction
(no envelope, no 31/40-73 records) and must never reach CBP; it exists so filing, the gateways and the
tests of this package can run before the writer is in place. Remove the fallback once claims.catair is
part of the code base.
"""

from decimal import Decimal

PLACEHOLDER_MARK = "PLACEHOLDER DE TEXT - CATAIR WRITER NOT INSTALLED - NOT FOR TRANSMISSION"

DUTY_CLASSES = {"364", "369"}
TAX_CLASSES = {"365", "674", "675", "374"}


def catair_text_for(*, claim) -> str:
    try:
        from claims.catair import claim_to_catair
    except ImportError:
        return placeholder_catair(claim=claim)
    return claim_to_catair(claim=claim)


def _amount(value: Decimal, width: int = 11) -> str:
    return str(int((value * 100).to_integral_value())).rjust(width)


def placeholder_catair(*, claim) -> str:
    """Header and totals only, with the placeholder mark first (see the module docstring)."""
    number = claim.number
    header = (
        "10"
        + ("R" if claim.replaces_id else "A")
        + number[:3]
        + "  "
        + number[3:].rjust(8)
        + " "
        + claim.drawback_port
        + " " * 9
        + "   "
        + claim.provision.rjust(2)
        + " " * 4
        + ("Y" if claim.accelerated_payment else " ")
        + " "
        + ("Y" if claim.waiver_prior_notice else " ")
        + " " * 5
        + "X"
        + claim.client.importer_number[:12].ljust(12)
    ).ljust(80)
    totals = [(t.accounting_class, t.claim_amount) for t in claim.class_totals.all() if t.claim_amount > 0]
    records = [PLACEHOLDER_MARK.ljust(80), header]
    for start in range(0, len(totals), 4):
        chunk = totals[start : start + 4]
        records.append(("89" + "  ".join(f"{cls}{_amount(amount)}" for cls, amount in chunk)).ljust(80))
    duty = sum((a for c, a in totals if c in DUTY_CLASSES), Decimal(0))
    tax = sum((a for c, a in totals if c in TAX_CLASSES), Decimal(0))
    fees = sum((a for c, a in totals if c not in DUTY_CLASSES | TAX_CLASSES), Decimal(0))
    records.append(f"90{_amount(duty)} {_amount(fees)} {_amount(tax)}".ljust(80))
    return "\n".join(records) + "\n"
