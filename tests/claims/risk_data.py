"""A client's data that passes every risk rule, and helpers to break it one rule at a time."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from claims.models import Finding
from claims.risk.services import assess_client
from drawback.accounts.models import Client
from exports.models import Export
from imports.models import Document, ImportEntry, ImportLine
from tests.factories import (
    DocumentFactory,
    ExportFactory,
    ImportEntryFactory,
    ImportLineFactory,
    TariffLineFactory,
)

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def risk_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def risk_tariff(db):
    """The rows of the USITC schedule the tests classify goods under (as in tests/fixtures/hts_sample.csv)."""
    rows = [
        ("61091000", "Of cotton", "", "16.5%"),
        ("6109100004", "Men's or boys': T-shirts, all white, short hemmed sleeves", "doz. kg", ""),
        ("6109100012", "Men's or boys': Other T-shirts", "doz. kg", ""),
        ("39239000", "Other", "", "3%"),
        ("3923900080", "Other", "kg", ""),
        ("71023900", "Other", "", "Free"),
        ("7102390010", "Weighing not over 0.5 carat each", "carat", ""),
        ("7102390050", "Weighing over 0.5 carat each", "carat", ""),
        ("20098920", "Juice of any other single fruit", "", "0.5¢/liter"),
        ("2009892000", "", "liters", ""),
        ("73181520", "Bolts and their nuts or washers", "", "2.5¢/kg + 5%"),
        ("7318152095", "Bolts", "kg", ""),
        ("87089981", "Parts and accessories of motor vehicles", "", "2.5%"),
        ("8708998180", "Parts", "kg", ""),
        ("94039900", "Parts of furniture", "", "The rate applicable to the article of which it is a part"),
        ("9403990000", "Parts", "kg", ""),
    ]
    for hts, description, unit, rate in rows:
        TariffLineFactory(hts=hts, description=description, unit_of_quantity=unit, general_rate=rate)


@dataclass
class Clean:
    client: Client
    entry: ImportEntry
    line: ImportLine
    export: Export


def entry_with_papers(client: Client, **kwargs) -> ImportEntry:
    entry = ImportEntryFactory(client=client, **kwargs)
    entry.documents.add(DocumentFactory(client=client, doc_type=Document.Type.ENTRY_SUMMARY))
    return entry


def export_with_papers(client: Client, **kwargs) -> Export:
    export = ExportFactory(client=client, **kwargs)
    export.documents.add(DocumentFactory(client=client, doc_type=Document.Type.BILL_OF_LADING))
    return export


@pytest.fixture
def risk_clean(client_a, risk_tariff, risk_media) -> Clean:
    """One entry with its 7501, one T-shirt line at 16.5%, one export to Germany with its bill of lading."""
    entry = entry_with_papers(client_a, import_date=dt.date(2024, 3, 1))
    line = ImportLineFactory(
        entry=entry,
        line_number=1,
        hts="6109100012",
        quantity=Decimal("100"),
        uom="DOZ",
        entered_value=Decimal("10000.00"),
        duty=Decimal("1650.00"),
    )
    export = export_with_papers(
        client_a,
        export_ref="X20250601000001",
        itn="X20250601000001",
        export_date=dt.date(2025, 6, 1),
        hts="6109100012",
        quantity=Decimal("50"),
        uom="DOZ",
        value=Decimal("6000.00"),
        destination="DE",
    )
    return Clean(client_a, entry, line, export)


def assess(client: Client, today: dt.date = TODAY, **kwargs):
    return assess_client(client=client, today=today, **kwargs)


def findings(client: Client, rule: str | None = None, **filters) -> list[Finding]:
    qs = Finding.objects.filter(client=client, **filters)
    if rule:
        qs = qs.filter(rule=rule)
    return list(qs.order_by("fingerprint"))


def only(client: Client, rule: str) -> Finding:
    found = findings(client, rule, status__in=["open", "acknowledged"])
    assert len(found) == 1, [f.message for f in found]
    return found[0]
