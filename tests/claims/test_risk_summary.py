"""The risk summary: counts by rule and severity, money at stake, oldest open finding, top lines."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from claims.models import Finding
from claims.risk.selectors import risk_summary
from claims.risk.services import finding_acknowledge
from claims.selectors import finding_counts_by_client
from imports.models import ImportLine
from tests.claims.risk_data import assess, entry_with_papers, only
from tests.factories import ExportFactory, ImportLineFactory


def test_summary_numbers(risk_clean, client_b, analyst):
    client = risk_clean.client
    old = entry_with_papers(client, import_date=dt.date(2021, 7, 15))
    near = ImportLineFactory(entry=old, line_number=1, duty=Decimal("1650.00"))  # R-FIVE-YEAR 1633.50
    small = ImportLineFactory(  # R-FIVE-YEAR 990.00 and R-DUTY-RATE 99% x 650 = 643.50 on the same line
        entry=old, line_number=2, duty=Decimal("1000.00")
    )
    bad = entry_with_papers(client, entry_number="B7603245279", import_date=dt.date(2024, 5, 1))
    ImportLineFactory(entry=bad, duty=Decimal("165.00"), entered_value=Decimal("1000.00"))  # error 163.35
    ExportFactory(client=client, export_ref="BARE", export_date=dt.date(2025, 7, 1))  # warning, no amount
    ExportFactory(client=client_b, export_ref="OTHER-CLIENT")  # must not count
    assess(client)
    assess(client_b)
    finding_acknowledge(finding=only(client, "R-EXPORT-DOCS"), user=analyst, comment="B/L requested")
    # A resolved finding does not count.
    fixed = ImportLineFactory(entry=risk_clean.entry, line_number=2, duty=Decimal("10.00"))
    assess(client)
    ImportLine.objects.filter(pk=fixed.pk).update(duty=Decimal("1650.00"))
    assess(client)
    oldest = only(client, "R-DUTY-RATE")
    Finding.objects.filter(pk=oldest.pk).update(first_seen_at=timezone.now() - dt.timedelta(days=30))

    summary = risk_summary(client=client)

    assert summary["by_severity"] == {
        "error": {"open": 1, "acknowledged": 0, "amount": Decimal("163.35")},
        "warning": {"open": 3, "acknowledged": 1, "amount": Decimal("3267.00")},
        "info": {"open": 0, "acknowledged": 0, "amount": Decimal("0")},
    }
    rows = {
        (r["rule"], r["severity"]): (r["open"], r["acknowledged"], r["amount"]) for r in summary["by_rule"]
    }
    assert rows == {
        ("R-CHECK-DIGIT", "error"): (1, 0, Decimal("163.35")),
        ("R-DUTY-RATE", "warning"): (1, 0, Decimal("643.50")),
        ("R-FIVE-YEAR", "warning"): (2, 0, Decimal("2623.50")),
        ("R-EXPORT-DOCS", "warning"): (0, 1, Decimal("0")),
    }
    assert summary["money_at_stake"] == Decimal("3430.35")
    assert summary["oldest_open"]["id"] == oldest.pk
    assert [(t["line_id"], t["amount"]) for t in summary["top_lines"]] == [
        (near.pk, Decimal("1633.50")),
        (small.pk, Decimal("990.00")),
    ]
    assert summary["top_lines"][1]["rules"] == ["R-DUTY-RATE", "R-FIVE-YEAR"]
    assert summary["top_lines"][0]["entry_number"] == old.display_number

    counts = finding_counts_by_client(clients=type(client).objects.all())
    assert counts[client.pk] == {"error": 1, "warning": 3}
    assert counts[client_b.pk] == {"error": 0, "warning": 2}  # no proof, no import to support it


def test_summary_of_a_client_never_assessed(client_a):
    summary = risk_summary(client=client_a)
    assert summary["money_at_stake"] == 0 and summary["by_rule"] == [] and summary["top_lines"] == []
    assert summary["oldest_open"] is None and summary["last_assessed_at"] is None
