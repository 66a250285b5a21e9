"""Rules on entries and lines: check digits, the 5-year limit, Chapter 99 duties, entry documents."""

import datetime as dt
from decimal import Decimal

from claims.models import Finding
from imports.models import Document
from tests.claims.risk_data import TODAY, assess, entry_with_papers, findings, only
from tests.factories import (
    DocumentFactory,
    FilerCodeOffsetFactory,
    ImportEntryFactory,
    ImportLineFactory,
    LineCh99DutyFactory,
)


def test_clean_data_gives_no_findings(risk_clean):
    summary = assess(risk_clean.client)
    assert findings(risk_clean.client) == []
    assert summary.created == 0 and summary.errors == summary.warnings == summary.info == 0


# R-CHECK-DIGIT ---------------------------------------------------------------------------------------


def test_bad_check_digit_is_an_error_with_the_entry_refund_at_stake(risk_clean):
    # CBP's example B76-0324527 has check digit 8 (CATAIR App. E); 9 is wrong.
    entry = entry_with_papers(risk_clean.client, entry_number="B7603245279", import_date=dt.date(2024, 5, 1))
    ImportLineFactory(entry=entry, quantity=Decimal("10"), duty=Decimal("200.00"), entered_value=Decimal("0"))
    ImportLineFactory(entry=entry, quantity=Decimal("10"), duty=Decimal("100.00"), entered_value=Decimal("0"))
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-CHECK-DIGIT")
    assert finding.severity == Finding.Severity.ERROR
    assert finding.entry_id == entry.pk
    assert "B76-0324527-9" in finding.message and "gives 8" in finding.message
    assert finding.amount_at_stake == Decimal("297.00")  # 99% of 200 + 100, all units available


def test_approved_filer_offset_accepts_the_shifted_digit(risk_clean):
    # CBP's sample import entries E5X-5319301-6 are computed +2 (catair.md 4.2).
    entry_with_papers(risk_clean.client, entry_number="E5X53193016")
    assess(risk_clean.client)
    assert only(risk_clean.client, "R-CHECK-DIGIT").basis == "expected 4"
    FilerCodeOffsetFactory(filer_code="E5X", offset=2)
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-CHECK-DIGIT", status="open") == []


def test_malformed_entry_number_is_an_error(risk_clean):
    entry_with_papers(risk_clean.client, entry_number="B76-12")
    assess(risk_clean.client)
    assert "not a 3-character filer code" in only(risk_clean.client, "R-CHECK-DIGIT").message


# R-FIVE-YEAR -----------------------------------------------------------------------------------------


def _line(client, imported, **kwargs):
    entry = entry_with_papers(client, import_date=imported)
    return ImportLineFactory(entry=entry, **kwargs)


def test_line_near_its_five_year_limit_is_a_warning_with_the_refund_at_stake(risk_clean):
    line = _line(
        risk_clean.client,
        dt.date(2021, 7, 15),
        quantity=Decimal("100"),
        quantity_available=Decimal("40"),
        duty=Decimal("1650.00"),
        mpf=Decimal("30.00"),
        entered_value=Decimal("10000.00"),
    )
    LineCh99DutyFactory(line=line, number="9903.88.03", amount=Decimal("2500.00"))  # 301 List 3: eligible
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-FIVE-YEAR")
    assert finding.severity == Finding.Severity.WARNING
    assert finding.line_id == line.pk
    # 99% x (1650 + 2500 + 30) x 40/100 units left
    assert finding.amount_at_stake == Decimal("1655.28")
    assert "43 days left" in finding.message and "2026-07-14" in finding.message


def test_line_past_its_claim_deadline_is_an_error(risk_clean):
    _line(risk_clean.client, dt.date(2021, 1, 10), duty=Decimal("100.00"), entered_value=Decimal("0"))
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-FIVE-YEAR")
    assert finding.severity == Finding.Severity.ERROR
    assert finding.basis == "past"
    assert finding.amount_at_stake == Decimal("99.00")
    assert "can no longer be claimed" in finding.message


def test_anniversary_day_strict_and_inclusive(risk_clean):
    # Imported 2021-06-01: today is the fifth anniversary. Strict (product decision 1): the export window
    # closed yesterday but a claim is still timely today (decision 2).
    _line(risk_clean.client, dt.date(2021, 6, 1), duty=Decimal("10.00"), entered_value=Decimal("0"))
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-FIVE-YEAR")
    assert (finding.severity, finding.basis) == (Finding.Severity.WARNING, "claim only")
    firm = risk_clean.client.firm
    firm.export_window = "inclusive"
    firm.save()
    risk_clean.client.refresh_from_db()
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-FIVE-YEAR")
    assert finding.basis == "closing" and "0 days left" in finding.message


def test_leap_day_import_expires_on_28_february(risk_clean):
    _line(risk_clean.client, dt.date(2020, 2, 29), duty=Decimal("10.00"), entered_value=Decimal("0"))
    assess(risk_clean.client, today=dt.date(2025, 2, 28))
    assert only(risk_clean.client, "R-FIVE-YEAR").severity == Finding.Severity.WARNING
    assess(risk_clean.client, today=dt.date(2025, 3, 1))
    assert only(risk_clean.client, "R-FIVE-YEAR").severity == Finding.Severity.ERROR


def test_no_five_year_finding_for_recent_or_fully_designated_lines(risk_clean):
    _line(risk_clean.client, dt.date(2021, 12, 1), duty=Decimal("10.00"), entered_value=Decimal("0"))
    _line(
        risk_clean.client,
        dt.date(2021, 1, 10),
        duty=Decimal("10.00"),
        entered_value=Decimal("0"),
        quantity_available=Decimal("0"),
    )
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-FIVE-YEAR") == []


# R-CH99-EXCLUDED -------------------------------------------------------------------------------------


def _ch99_line(client, entry_date, number, amount="1000.00", **kwargs):
    entry = entry_with_papers(client, import_date=entry_date)
    line = ImportLineFactory(entry=entry, duty=Decimal("0"), entered_value=Decimal("0"), **kwargs)
    LineCh99DutyFactory(line=line, number=number, amount=Decimal(amount))
    return line


def test_ineligible_heading_is_information_with_the_refund_left_out(risk_clean):
    # DBK-034: EO 14195 fentanyl duty is not drawback-eligible.
    line = _ch99_line(risk_clean.client, dt.date(2025, 3, 10), "9903.01.24", quantity_available=Decimal("50"))
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-CH99-EXCLUDED")
    assert finding.severity == Finding.Severity.INFO
    assert finding.line_id == line.pk
    assert finding.amount_at_stake == Decimal("495.00")  # 99% x 1000 x 50/100
    assert "IEEPA China fentanyl" in finding.message and "$1,000.00" in finding.message


def test_unknown_partial_and_unlisted_numbers_are_warnings(risk_clean):
    _ch99_line(risk_clean.client, dt.date(2026, 8, 1), "9903.05.01")  # Section 301 Brazil: unknown
    _ch99_line(risk_clean.client, dt.date(2025, 12, 1), "9903.74.08")  # MHDV parts: partial opening
    _ch99_line(risk_clean.client, dt.date(2025, 12, 1), "9903.99.99")  # in no heading
    assess(risk_clean.client, today=dt.date(2026, 9, 1))
    found = {f.basis.split()[0]: f for f in findings(risk_clean.client, "R-CH99-EXCLUDED")}
    assert set(found) == {"unknown", "partial", "no"}
    assert all(f.severity == Finding.Severity.WARNING for f in found.values())
    assert found["no"].basis == "no heading"
    assert all(f.amount_at_stake == Decimal("990.00") for f in found.values())


def test_eligible_duty_outside_its_heading_dates_warns_without_amount(risk_clean):
    # List 4A (9903.88.15) starts 2019-09-01: an entry dated 2019-06-01 should not carry it.
    entry = entry_with_papers(
        risk_clean.client, import_date=dt.date(2024, 1, 1), entry_date=dt.date(2019, 6, 1)
    )
    line = ImportLineFactory(entry=entry, duty=Decimal("0"), entered_value=Decimal("0"))
    LineCh99DutyFactory(line=line, number="9903.88.15", amount=Decimal("75.00"))
    _ch99_line(risk_clean.client, dt.date(2021, 12, 1), "9903.88.15")  # within its dates
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-CH99-EXCLUDED")
    assert finding.line_id == line.pk
    assert finding.severity == Finding.Severity.WARNING and finding.amount_at_stake is None
    assert "outside the effective dates" in finding.message


def test_eligible_chapter99_duty_and_zero_exemption_rows_give_nothing(risk_clean):
    _ch99_line(risk_clean.client, dt.date(2024, 3, 1), "9903.88.03")  # 301 List 3, eligible
    _ch99_line(risk_clean.client, dt.date(2025, 5, 1), "9903.01.33", amount="0.00")  # exemption, $0
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-CH99-EXCLUDED") == []


# R-ENTRY-DOCS ----------------------------------------------------------------------------------------


def test_entry_without_entry_summary_or_invoice_is_a_warning(risk_clean):
    entry = ImportEntryFactory(client=risk_clean.client, import_date=dt.date(2024, 1, 1))
    ImportLineFactory(entry=entry, duty=Decimal("500.00"), entered_value=Decimal("0"))
    entry.documents.add(DocumentFactory(client=risk_clean.client, doc_type=Document.Type.BILL_OF_LADING))
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-ENTRY-DOCS")
    assert finding.severity == Finding.Severity.WARNING
    assert finding.entry_id == entry.pk and finding.amount_at_stake == Decimal("495.00")
    entry.documents.add(DocumentFactory(client=risk_clean.client, doc_type=Document.Type.COMMERCIAL_INVOICE))
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-ENTRY-DOCS", status="open") == []


def test_entry_with_nothing_left_to_claim_needs_no_documents(risk_clean):
    expired = ImportEntryFactory(client=risk_clean.client, import_date=dt.date(2020, 1, 1))
    ImportLineFactory(entry=expired)
    used = ImportEntryFactory(client=risk_clean.client, import_date=dt.date(2024, 1, 1))
    ImportLineFactory(entry=used, quantity_available=Decimal("0"))
    assess(risk_clean.client, today=TODAY)
    assert findings(risk_clean.client, "R-ENTRY-DOCS") == []
