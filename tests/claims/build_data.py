"""A small client for the claim building tests, worked out by hand.

Tariff 6109.10.00 "Of cotton", 16.5% (ad valorem): substitutes share the 8-digit subheading.

Lines (all DOZ):
- L1 2024-03-01, 100 at $100.00 a unit, duty 1,650.00 (16.50 a unit), MPF 34.64
- L2 2024-06-01, 100 at $50.00 a unit, duty 825.00 (8.25 a unit)
- L3 2024-04-01, 20 at $100.00 a unit, duty 330.00: named by export X-DIRECT (direct identification)
Exports:
- X-CHEAP 2025-06-01, 50 at $50.00 a unit to DE
- X-DEAR 2025-07-01, 80 at $120.00 a unit to JP
- X-DIRECT 2025-08-01, 10 of L3 to DE (provision 58)
- X-CANADA 2025-09-01, 10 at $120.00 to CA: no substitution to Canada (1313(j)(4))

Per unit, 99% (19 CFR 190.51(b)(1)) and the lesser-of (product decision 4, applied to every ad valorem class,
MPF included): L1 earns 16.335 duty + 0.342936 MPF against X-DEAR and half of that, 8.1675 + 0.171468,
against X-CHEAP (value 50 of 100); L2 earns 8.1675 against either.
- Optimum: X-DEAR 80 of L1 (1,334.23488), X-CHEAP 20 of L1 (166.77936) and 30 of L2 (245.025), X-DIRECT 10
  of L3 (163.35): class 364 = 1,878.525 -> 1,878.53, class 399 = 30.86424 -> 30.86, refund 1,909.39.
- FIFO: X-CHEAP takes L1 first (50 at 8.338968), X-DEAR the other 50 of L1 (16.677936) and 30 of L2:
  with X-DIRECT, class 364 = 1,633.50 and 399 = 25.7202 -> 25.72: 1,659.22; the optimum's uplift is 250.17.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from drawback.lib.entry_numbers import make
from imports.models import TariffLine
from tests.factories import ExportFactory, ImportEntryFactory, ImportLineFactory


def tariff() -> None:
    TariffLine.objects.get_or_create(
        hts="61091000", defaults={"description": "Of cotton", "general_rate": "16.5%", "indent": 1}
    )
    TariffLine.objects.get_or_create(
        hts="6109100012", defaults={"description": "Men's or boys': Other T-shirts", "indent": 2}
    )


def client_lines(client, *, filer: str = "B76", marker: str = "") -> SimpleNamespace:
    tariff()
    e1 = ImportEntryFactory(client=client, entry_number=make(filer, 7000001), import_date=dt.date(2024, 3, 1))
    e2 = ImportEntryFactory(client=client, entry_number=make(filer, 7000002), import_date=dt.date(2024, 6, 1))
    e3 = ImportEntryFactory(client=client, entry_number=make(filer, 7000003), import_date=dt.date(2024, 4, 1))
    common = {"hts": "6109100012", "uom": "DOZ", "description": f"{marker} cotton t-shirts".strip()}
    l1 = ImportLineFactory(
        entry=e1,
        line_number=1,
        quantity=Decimal("100"),
        entered_value=Decimal("10000.00"),
        duty=Decimal("1650.00"),
        mpf=Decimal("34.64"),
        **common,
    )
    l2 = ImportLineFactory(
        entry=e2,
        line_number=1,
        quantity=Decimal("100"),
        entered_value=Decimal("5000.00"),
        duty=Decimal("825.00"),
        **common,
    )
    l3 = ImportLineFactory(
        entry=e3,
        line_number=1,
        quantity=Decimal("20"),
        entered_value=Decimal("2000.00"),
        duty=Decimal("330.00"),
        **common,
    )
    prefix = f"{marker}-" if marker else ""
    export = {"client": client, "hts": "6109100012", "uom": "DOZ"}
    cheap = ExportFactory(
        export_ref=f"{prefix}X-CHEAP",
        export_date=dt.date(2025, 6, 1),
        quantity=Decimal("50"),
        value=Decimal("2500.00"),
        destination="DE",
        **export,
    )
    dear = ExportFactory(
        export_ref=f"{prefix}X-DEAR",
        export_date=dt.date(2025, 7, 1),
        quantity=Decimal("80"),
        value=Decimal("9600.00"),
        destination="JP",
        **export,
    )
    direct = ExportFactory(
        export_ref=f"{prefix}X-DIRECT",
        export_date=dt.date(2025, 8, 1),
        quantity=Decimal("10"),
        value=Decimal("1500.00"),
        destination="DE",
        direct_entry_number=e3.entry_number,
        direct_line_number=1,
        direct_line=l3,
        **export,
    )
    canada = ExportFactory(
        export_ref=f"{prefix}X-CANADA",
        export_date=dt.date(2025, 9, 1),
        quantity=Decimal("10"),
        value=Decimal("1200.00"),
        destination="CA",
        **export,
    )
    return SimpleNamespace(
        client=client, l1=l1, l2=l2, l3=l3, cheap=cheap, dear=dear, direct=direct, canada=canada
    )


FILING = dt.date(2026, 11, 26)
PARAMS = {"filing_date": FILING.isoformat()}


def run_build(client, user, **parameters):
    """Start a build and run it here (in these tests the transaction never commits, so nothing is queued)."""
    from claims.building import services

    build = services.claim_build_start(client=client, user=user, parameters={**PARAMS, **parameters})
    services.claim_build_run(build_id=build.pk)
    build.refresh_from_db()
    return build


def designations(build) -> list[dict]:
    """The proposal's designation rows, in proposal order."""
    from claims.building.selectors import proposal_rows

    return list(proposal_rows(build=build))


def rows_by_pair(build) -> dict[tuple[str, str], dict]:
    """Proposal rows keyed by (export ref, entry number)."""
    return {(r["export_ref"], r["entry_number"]): r for r in designations(build)}
