"""Hand-made IEEPA entries for the CAPE tests."""

import datetime as dt
from decimal import Decimal as D

from drawback.lib.entry_numbers import make
from imports.models import LineCh99Duty
from tests.factories import ImportEntryFactory, ImportLineFactory

RECIPROCAL = "9903.01.25"  # IEEPA reciprocal: drawback eligible by the Chapter 99 table
FENTANYL = "9903.01.20"  # IEEPA China fentanyl: no drawback
SECTION_301 = "9903.88.03"  # Section 301 List 3: drawback eligible

_serial = iter(range(8_100_000, 9_000_000))


def ensure_chapter99() -> None:
    """The Chapter 99 table is seeded by a migration; a test flushing the database (transaction=True) before
    this one in the same process leaves it empty. IEEPA is recognised through it."""
    from imports.chapter99 import chapter99_load
    from imports.models import Chapter99Heading

    if not Chapter99Heading.objects.exists():
        chapter99_load()


def ieepa_entry(
    client,
    *,
    ieepa=D("1000.00"),
    heading=RECIPROCAL,
    s301=D("250.00"),
    duty=D("1650.00"),
    entry_type="01",
    liquidation_status="",
    liquidation_date=None,
    import_date=dt.date(2025, 6, 2),
    hts="6109100012",
    quantity=D("100"),
):
    """An entry of one line: Chapter 1-97 duty, a Section 301 row and an IEEPA row (ES-003 order)."""
    ensure_chapter99()
    entry = ImportEntryFactory(
        client=client,
        entry_number=make("B76", next(_serial)),
        entry_type=entry_type,
        import_date=import_date,
        liquidation_status=liquidation_status,
        liquidation_date=liquidation_date,
    )
    line = ImportLineFactory(entry=entry, line_number=1, duty=duty, hts=hts, quantity=quantity)
    ordinal = 1
    if s301:
        LineCh99Duty.objects.create(line=line, ordinal=ordinal, number=SECTION_301, amount=s301)
        ordinal += 1
    if ieepa:
        LineCh99Duty.objects.create(line=line, ordinal=ordinal, number=heading, amount=ieepa)
    return entry
