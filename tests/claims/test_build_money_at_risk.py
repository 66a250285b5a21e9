"""Money at risk: lines whose 5-year period closes within 30/90/180 days, and the refund the engine would
designate to each from the client's exports not yet claimed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claims.building.money_at_risk import money_at_risk
from imports.models import TariffLine
from tests.factories import ExportFactory, ImportLineFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)


def line(client, imported: str, *, hts="6109100012", uom="DOZ", quantity="10", **kw):
    # 10 units at $100.00 entered, $10.00 duty a unit: 99% is $9.90 a unit.
    return ImportLineFactory(
        entry__client=client,
        entry__import_date=dt.date.fromisoformat(imported),
        hts=hts,
        uom=uom,
        quantity=Decimal(quantity),
        entered_value=Decimal(quantity) * 100,
        duty=Decimal(quantity) * 10,
        **kw,
    )


@pytest.fixture
def risky(client_a):
    TariffLine.objects.create(hts="61091000", description="Of cotton", general_rate="10%")
    lines = {
        # Strict window: the last export day is the day before the fifth anniversary.
        "13 days": line(client_a, "2021-12-10"),  # closes 2026-12-09
        "75 days": line(client_a, "2022-02-10"),  # closes 2027-02-09
        "155 days": line(client_a, "2022-05-01"),  # closes 2027-04-30
        "no export": line(client_a, "2022-01-15", hts="7318150000", uom="KG"),  # closes 2027-01-14
        "not yet": line(client_a, "2022-08-01"),  # closes 2027-07-31, 247 days
        "closed": line(client_a, "2021-11-01"),  # closed 2026-10-31
        "used up": line(client_a, "2021-12-20", quantity_available=Decimal("0")),
    }
    # 25 units to match, worth more a unit than the lines' entered value (no lesser-of cut).
    ExportFactory(
        client=client_a,
        export_ref="X-RISK",
        export_date=dt.date(2022, 9, 1),
        hts="6109100012",
        uom="DOZ",
        quantity=Decimal("25"),
        value=Decimal("5000"),
        destination="JP",
    )
    # Exports that cannot help: already claimed, or to be made in the future.
    ExportFactory(client=client_a, export_ref="X-USED", export_date=dt.date(2023, 1, 1), quantity_available=0)
    ExportFactory(client=client_a, export_ref="X-LATER", export_date=dt.date(2026, 12, 15))
    return lines


def test_lines_closing_within_180_days_are_bucketed_with_what_they_could_bring(client_a, risky):
    risk = money_at_risk(client=client_a, today=TODAY)

    rows = {x.line_id: x for x in risk.lines}
    names = {row.pk: name for name, row in risky.items()}
    assert {names[pk] for pk in rows} == {"13 days", "75 days", "155 days", "no export"}
    got = {names[x.line_id]: (x.days_left, x.bucket, x.refund) for x in risk.lines}
    # The export's 25 units go to the lines that close first (the optimizer's tie-break among equal refunds):
    # 10 + 10 + 5 units at $9.90.
    assert got == {
        "13 days": (13, 30, Decimal("99.00")),
        "no export": (49, 90, Decimal("0")),
        "75 days": (75, 90, Decimal("99.00")),
        "155 days": (155, 180, Decimal("49.50")),
    }
    first = rows[risky["13 days"].pk]
    assert (first.last_export_day, first.last_claim_day) == (dt.date(2026, 12, 9), dt.date(2026, 12, 10))
    assert first.quantity_available == 10 and first.uom == "DOZ"
    assert [(b.days, b.first_day, b.lines, b.refund) for b in risk.buckets] == [
        (30, 0, 1, Decimal("99.00")),
        (90, 31, 2, Decimal("99.00")),
        (180, 91, 1, Decimal("49.50")),
    ]
    assert risk.refund == Decimal("247.50")
    assert [x.days_left for x in risk.lines] == sorted(x.days_left for x in risk.lines)


def test_the_inclusive_window_setting_moves_the_limit_to_the_anniversary(client_a, risky):
    firm = client_a.firm
    firm.export_window = "inclusive"
    firm.save()
    risk = money_at_risk(client=client_a, today=TODAY)
    first = next(x for x in risk.lines if x.line_id == risky["13 days"].pk)
    assert (first.last_export_day, first.days_left) == (dt.date(2026, 12, 10), 14)


def test_nothing_at_risk_gives_empty_buckets(client_a):
    risk = money_at_risk(client=client_a, today=TODAY)
    assert risk.lines == [] and [b.lines for b in risk.buckets] == [0, 0, 0] and risk.refund == 0


def test_the_report_is_computed_once_per_version_of_the_data(client_a, risky, monkeypatch):
    """Client users open the page as often as they like: the optimizer runs again only when the data the
    report rests on changed (a quantity moved between two lines keeps the total the same, and still shows)."""
    from claims.building import money_at_risk as module
    from claims.building.money_at_risk import money_at_risk_cached
    from imports.models import ImportLine

    runs = []
    real = module.solve_problem
    monkeypatch.setattr(module, "solve_problem", lambda *a, **k: runs.append(1) or real(*a, **k))
    first = money_at_risk_cached(client=client_a, today=TODAY)
    again = money_at_risk_cached(client=client_a, today=TODAY)
    assert len(runs) == 1 and again.refund == first.refund == Decimal("247.50")
    assert [x.line_id for x in again.lines] == [x.line_id for x in first.lines]

    a, b = risky["13 days"], risky["75 days"]
    ImportLine.objects.filter(pk=a.pk).update(quantity_available=Decimal("5"))
    money_at_risk_cached(client=client_a, today=TODAY)
    ImportLine.objects.filter(pk=a.pk).update(quantity_available=Decimal("10"))
    ImportLine.objects.filter(pk=b.pk).update(quantity_available=Decimal("5"))  # same total, moved
    moved = money_at_risk_cached(client=client_a, today=TODAY)
    assert len(runs) == 3 and {x.line_id: x.quantity_available for x in moved.lines}[b.pk] == 5

    ExportFactory(
        client=client_a, export_ref="X-NEW", export_date=dt.date(2023, 2, 1), quantity=Decimal("30")
    )
    money_at_risk_cached(client=client_a, today=TODAY)
    # A tariff load stamps what it changes (imports.ingest.hts), as any admin change does.
    TariffLine.objects.filter(hts="61091000").update(general_rate="12%", updated_at=timezone.now())
    money_at_risk_cached(client=client_a, today=TODAY)
    money_at_risk_cached(client=client_a, today=TODAY + dt.timedelta(days=1))
    assert len(runs) == 6
