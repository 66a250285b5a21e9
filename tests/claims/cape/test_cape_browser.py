"""In a real browser: an analyst sees the entries CAPE should take, downloads the declaration, records its
submission, uploads CBP's result, and then builds a drawback claim that uses the accepted entries' other
duties only."""

import csv
import re
from decimal import Decimal as D

import pytest

from claims.cape.models import CapeEntry
from claims.models import Claim
from imports.models import LineCh99Duty
from tests.claims.build_data import client_lines
from tests.conftest import PASSWORD

from .cape_data import RECIPROCAL, ieepa_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_declares_loads_cbps_result_and_builds_on_other_duties(
    page, live_server, client_a, analyst, tmp_path
):
    data = client_lines(client_a)
    LineCh99Duty.objects.create(line=data.l1, ordinal=1, number=RECIPROCAL, amount=D("1000.00"))
    LineCh99Duty.objects.create(line=data.l2, ordinal=1, number=RECIPROCAL, amount=D("500.00"))
    other = ieepa_entry(client_a, hts="9405100000")  # goods no export matches; CBP rejects it
    e1, e2 = data.l1.entry, data.l2.entry

    page.goto(f"{live_server.url}/login/?next=/clients/acme/cape/")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    for entry in (e1, e2, other):
        row = page.locator(f'#cape-entries tr[data-entry="{entry.entry_number}"]')
        assert row.get_attribute("data-path") == "cape" and row.get_attribute("data-held") == "yes"
    page.click("#cape-write")
    assert "3 entries declared on CAPE-acme-001.csv" in page.inner_text("main")

    with page.expect_download() as download:
        page.click('#cape-declarations a:has-text("CAPE-acme-001.csv")')
    rows = list(csv.reader(open(download.value.path(), newline="")))
    assert rows[0] == ["Entry Number"]
    assert sorted(r[0] for r in rows[1:]) == sorted([e1.entry_number, e2.entry_number, other.entry_number])

    page.fill('#cape-declarations input[name="ace_reference"]', "CAPE-4471")
    page.click('#cape-declarations button:has-text("Record the submission")')
    assert "submission recorded" in page.inner_text("main")
    assert "CAPE-4471" in page.inner_text("#cape-declarations")

    result = tmp_path / "cape-result.csv"
    result.write_text(
        "Entry Number,Status,Reason,Date\n"
        f"{e1.entry_number},Accepted,,2026-11-20\n"
        f"{e2.entry_number},Accepted,,2026-11-20\n"
        f"{other.entry_number},Rejected,IOR ON DECLARATION DOES NOT MATCH ENTRY SUMMARY,\n"
    )
    page.set_input_files('#cape-result input[name="file"]', str(result))
    page.click("#cape-upload")
    page.wait_for_url(re.compile(r".*/uploads/\d+/$"))
    page.wait_for_function("document.querySelector('main').innerText.includes('Loaded')")
    page.click("text=IEEPA refunds (CAPE) of Acme Outfitters Inc")
    assert (
        page.locator(f'#cape-entries tr[data-entry="{e1.entry_number}"]').get_attribute("data-held") == "no"
    )
    rejected = page.locator(f'#cape-entries tr[data-entry="{other.entry_number}"]')
    assert rejected.get_attribute("data-status") == "rejected"
    assert "IOR ON DECLARATION DOES NOT MATCH" in rejected.inner_text()
    assert set(CapeEntry.objects.values_list("status", flat=True)) == {"accepted", "rejected"}

    page.click("nav.tabs >> text=Claims")
    page.click("#build-claim")
    page.fill("input[name=filing_date]", "2026-11-26")
    page.click("text=Run the optimizer")
    page.wait_for_selector("#proposal-refund")
    # The same refund as if the lines had paid no IEEPA duty (tests/claims/build_data.py): CAPE refunds it.
    assert page.inner_text("#proposal-refund") == "$1,909.39"
    page.click("#save-claims")
    page.wait_for_selector("#saved-claims")
    duty = sum(
        (
            t.claim_amount
            for c in Claim.objects.all()
            for t in c.class_totals.all()
            if t.accounting_class == "364"
        ),
        D("0"),
    )
    assert duty == D("1878.53")  # class 364 without any IEEPA dollar
