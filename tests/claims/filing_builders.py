"""Claims with designations for the filing tests: a small, real-shaped (j)(2) claim and helpers to vary it."""

import datetime as dt
from decimal import Decimal

from claims.models import Claim, ClaimClassTotal, Designation
from drawback.accounts.models import Privilege
from drawback.lib.entry_numbers import make
from drawback.lib.money import to_cents
from imports.models import LineCh99Duty
from tests.factories import ExportFactory, ImportEntryFactory, ImportLineFactory


def make_claim(client, preparer, *, seq: int = 1, provision: str = "59", **fields) -> Claim:
    return Claim.objects.create(
        client=client,
        number=make(client.firm.filer_code, seq),
        provision=provision,
        preparer=preparer,
        drawback_port=fields.pop("drawback_port", "3901"),
        **fields,
    )


def set_status(claim: Claim, status: str) -> Claim:
    """Put a test claim straight into a status (the state machine itself is tested elsewhere)."""
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.refresh_from_db()
    return claim


def designate(
    claim: Claim,
    line,
    export,
    quantity: str,
    amounts: dict[str, tuple[str, str]],
    *,
    egvu: str | None = None,
    svu: str | None = None,
    method: str = "substitution",
    explanation: list | None = None,
) -> Designation:
    return Designation.objects.create(
        claim=claim,
        import_line=line,
        export=export,
        provision=claim.provision,
        method=method,
        quantity=Decimal(quantity),
        refund=sum((Decimal(c) for c, _ in amounts.values()), Decimal("0")),
        amounts={cls: {"claim": c, "calculated": k} for cls, (c, k) in amounts.items()},
        entered_value_per_unit=Decimal(egvu) if egvu else None,
        substituted_value_per_unit=Decimal(svu) if svu else None,
        explanation=explanation or [],
    )


def total_classes(claim: Claim) -> dict[str, Decimal]:
    """Store the claim's class totals as the engine does: exact sums rounded once, half-up (decision 6)."""
    claims: dict[str, Decimal] = {}
    calcs: dict[str, Decimal] = {}
    for d in claim.designations.all():
        for cls, values in d.amounts.items():
            claims[cls] = claims.get(cls, Decimal("0")) + Decimal(values["claim"])
            calcs[cls] = calcs.get(cls, Decimal("0")) + Decimal(values["calculated"])
    claim.class_totals.all().delete()
    for cls in claims:
        ClaimClassTotal.objects.create(
            claim=claim,
            accounting_class=cls,
            claim_amount=to_cents(claims[cls]),
            calculated_amount=to_cents(calcs[cls]),
        )
    return {cls: to_cents(v) for cls, v in claims.items()}


def grant_accelerated_payment(client, *, bond_type: str = "8", **fields) -> Privilege:
    defaults = {
        "reference": "AP-2023-0042",
        "granted_on": dt.date(2023, 1, 1),
        "surety_code": "457",
        "bond_effective_on": dt.date(2023, 1, 1),
    }
    defaults.update(fields)
    return Privilege.objects.create(
        client=client, kind=Privilege.Kind.ACCELERATED_PAYMENT, bond_type=bond_type, **defaults
    )


def unused_substitution_claim(client, preparer, *, seq: int = 1) -> Claim:
    """A 1313(j)(2) claim (provision 59): two import lines, one with Chapter 99 duties, an export and a
    destruction, classes 364 (duty), 398 (HMF) and 399 (MPF)."""
    n = seq - 1  # each claim of a test gets its own entries and exports
    entry1 = ImportEntryFactory(
        client=client, import_date=dt.date(2024, 3, 1), entry_number=make("E5X", 5319301 + n)
    )
    entry2 = ImportEntryFactory(
        client=client, import_date=dt.date(2024, 5, 10), entry_number=make("B76", 324527 + n)
    )
    shirts = ImportLineFactory(
        entry=entry1,
        line_number=1,
        hts="6109100012",
        description="Men's cotton T-shirts, knitted — style 4411",
        quantity=Decimal("100"),
        uom="DOZ",
        entered_value=Decimal("10000.00"),
        duty=Decimal("1650.00"),
        mpf=Decimal("34.640000"),
        hmf=Decimal("12.500000"),
    )
    LineCh99Duty.objects.create(line=shirts, ordinal=2, number="9903.01.25", amount=Decimal("1000.00"))
    LineCh99Duty.objects.create(line=shirts, ordinal=1, number="9903.88.15", amount=Decimal("750.00"))
    sweaters = ImportLineFactory(
        entry=entry2,
        line_number=3,
        hts="6110202079",
        description="Cotton sweaters",
        quantity=Decimal("40"),
        uom="DOZ",
        entered_value=Decimal("8000.00"),
        duty=Decimal("1320.00"),
    )
    shipped = ExportFactory(
        client=client,
        export_ref=f"X20250601{123 + n:06d}",
        export_date=dt.date(2025, 6, 1),
        destination="DE",
        hts="6109100012",
        description="T-shirts and sweaters",
        quantity=Decimal("60"),
        uom="DOZ",
        exporter_name="Acme Outfitters, Inc.",
    )
    destroyed = ExportFactory(
        client=client,
        export_ref=f"DEST-2025-07-{n}" if n else "DEST-2025-07",
        export_date=dt.date(2025, 7, 15),
        destination="",
        hts="61091000",
        description="Damaged T-shirts",
        quantity=Decimal("10"),
        uom="DOZ",
        disposition="destroy",
    )
    claim = make_claim(client, preparer, seq=seq, provision="59")
    designate(
        claim,
        shirts,
        shipped,
        "40",
        {
            "364": ("1336.6666666", "1336.6666666"),
            "398": ("4.95", "4.95"),
            "399": ("13.717440", "13.717440"),
        },
        egvu="100.000000",
        svu="120.000000",
        explanation=[
            {"step": 1, "rule": "19 U.S.C. 1313(j)(2)", "text": "Substitution: same 8-digit HTS 6109.10.00"},
            {"step": 2, "rule": "19 CFR 190.51(b)", "text": "99% of duty per unit x 40 DOZ"},
        ],
    )
    designate(
        claim,
        sweaters,
        shipped,
        "20",
        {"364": ("653.40", "653.40")},
        egvu="200.000000",
        svu="150.000000",
        explanation=["Lesser of: 150.00 / 200.00 of the per-unit duty (product decision 4)"],
    )
    designate(
        claim,
        shirts,
        destroyed,
        "10",
        {"364": ("334.1666667", "334.1666667"), "399": ("3.429360", "3.429360")},
        egvu="100.000000",
        svu="100.000000",
    )
    total_classes(claim)
    return claim
