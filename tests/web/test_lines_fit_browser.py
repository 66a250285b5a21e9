"""In a real browser at a laptop's width (1366 px): the import lines table fits without scrolling sideways,
and no page logs an error to the console (a missing icon was one on every page)."""

from decimal import Decimal

import pytest

from imports.models import LineCh99Duty
from tests.conftest import PASSWORD
from tests.factories import ImportEntryFactory, ImportLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lines_table_fits_a_laptop_screen_and_pages_log_no_errors(live_server, page, analyst, client_a):
    entry = ImportEntryFactory(client=client_a, entry_number="B7600000016")
    for n in range(1, 21):
        line = ImportLineFactory(
            entry=entry,
            line_number=n,
            description="Men's knitted cotton T-shirts, crew neck, short sleeves, assorted colours " * 2,
            entered_value=Decimal("1234567.89"),
            duty=Decimal("203703.70"),
            mpf=Decimal("538.40"),
            hmf=Decimal("1543.21"),
            other_taxes=Decimal("12.00"),
            quantity=Decimal("123456.5"),
            quantity_available=Decimal("98765.25"),
            designation_method="substitution",
        )
        LineCh99Duty.objects.create(line=line, ordinal=1, number="9903.88.15", amount=Decimal("92592.59"))
        LineCh99Duty.objects.create(line=line, ordinal=2, number="9903.01.25", amount=Decimal("123456.79"))
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/clients/acme/lines/")
    widths = page.evaluate(
        "(() => { const wrap = document.querySelector('.table-wrap');"
        " return [wrap.clientWidth, wrap.scrollWidth, document.documentElement.scrollWidth]; })()"
    )
    assert widths[1] <= widths[0] and widths[2] <= 1366, widths
    page.goto(f"{live_server.url}/clients/acme/entries/{entry.entry_number}/")
    assert errors == []
