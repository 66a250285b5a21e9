"""Rules that hold lines and exports against the tariff: format, presence, unit, duty, replacement duties."""

import datetime as dt
from decimal import Decimal

from claims.models import Finding
from claims.risk import Tolerance
from imports.models import TariffLine
from tests.claims.risk_data import assess, entry_with_papers, export_with_papers, findings, only
from tests.factories import ImportLineFactory, LineCh99DutyFactory


def _line(client, **kwargs):
    entry = entry_with_papers(client, import_date=kwargs.pop("import_date", dt.date(2025, 9, 1)))
    return ImportLineFactory(entry=entry, **kwargs)


# R-HTS-FORMAT ----------------------------------------------------------------------------------------


def test_classification_not_ten_digits_is_an_error_on_lines_and_exports(risk_clean):
    line = _line(risk_clean.client, hts="610910001", duty=Decimal("100.00"), entered_value=Decimal("0"))
    export = export_with_papers(risk_clean.client, hts="61091000")
    assess(risk_clean.client)
    found = {f.subject_kind: f for f in _with_kind(findings(risk_clean.client, "R-HTS-FORMAT"))}
    assert found["line"].line_id == line.pk and found["line"].severity == Finding.Severity.ERROR
    assert found["line"].amount_at_stake == Decimal("99.00")
    assert found["export"].export_id == export.pk and found["export"].severity == Finding.Severity.ERROR
    assert "'61091000' is not a 10-digit number" in found["export"].message


def _with_kind(items):
    for f in items:
        f.subject_kind = f.fingerprint.split(":")[1]
    return items


# R-TARIFF-MISSING ------------------------------------------------------------------------------------


def test_without_a_tariff_the_tariff_rules_are_skipped_and_their_findings_kept(risk_clean):
    _line(risk_clean.client, hts="6109100099")  # suffix unknown: R-HTS-UNKNOWN warning
    assess(risk_clean.client)
    kept = only(risk_clean.client, "R-HTS-UNKNOWN")
    TariffLine.objects.all().delete()
    summary = assess(risk_clean.client)
    assert "R-HTS-UNKNOWN" in summary.skipped_rules and "R-DUTY-RATE" in summary.skipped_rules
    warning = only(risk_clean.client, "R-TARIFF-MISSING")
    assert warning.severity == Finding.Severity.WARNING
    kept.refresh_from_db()
    assert kept.status == Finding.Status.OPEN  # not resolved: the rule did not run


# R-HTS-UNKNOWN ---------------------------------------------------------------------------------------


def test_unknown_classifications(risk_clean):
    suffix = _line(risk_clean.client, hts="6109100099")  # 8-digit known, suffix not
    heading = _line(risk_clean.client, hts="9999990000", uom="NO")  # 8-digit unknown
    other = _line(risk_clean.client, hts="3923900099", uom="KG")  # under an "Other" 8-digit
    export = export_with_papers(risk_clean.client, hts="9999990000", uom="NO")
    assess(risk_clean.client)
    by_line = {f.line_id: f for f in findings(risk_clean.client, "R-HTS-UNKNOWN") if f.line_id}
    assert by_line[suffix.pk].severity == Finding.Severity.WARNING
    assert by_line[heading.pk].severity == Finding.Severity.ERROR
    assert by_line[other.pk].severity == Finding.Severity.ERROR
    assert "1313(j)(5)" in by_line[other.pk].message
    exported = [f for f in findings(risk_clean.client, "R-HTS-UNKNOWN") if f.export_id]
    assert [(f.export_id, f.severity) for f in exported] == [(export.pk, Finding.Severity.WARNING)]


def test_schedule_b_number_under_a_known_subheading_is_not_reported(risk_clean):
    # (j)(6): the first 8 digits of a Schedule B number are what substitution compares.
    export_with_papers(risk_clean.client, hts="6109100040")
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-HTS-UNKNOWN") == []


# R-UOM -----------------------------------------------------------------------------------------------


def test_unit_not_the_hts_unit(risk_clean):
    second = _line(risk_clean.client, hts="6109100012", uom="KG")
    wrong = _line(risk_clean.client, hts="6109100012", uom="NO")
    export = export_with_papers(risk_clean.client, hts="6109100012", uom="PCS")
    assess(risk_clean.client)
    by_line = {f.line_id: f for f in findings(risk_clean.client, "R-UOM") if f.line_id}
    assert by_line[second.pk].severity == Finding.Severity.WARNING
    assert "second unit" in by_line[second.pk].message
    assert by_line[wrong.pk].severity == Finding.Severity.ERROR
    assert "DOZ/KG" in by_line[wrong.pk].message
    assert by_line[wrong.pk].amount_at_stake == Decimal("1633.50")
    exported = [f for f in findings(risk_clean.client, "R-UOM") if f.export_id]
    assert [(f.export_id, f.severity) for f in exported] == [(export.pk, Finding.Severity.WARNING)]


def test_ten_digit_without_its_own_unit_uses_the_subheading_unit(risk_clean):
    TariffLine.objects.filter(hts="2009892000").update(unit_of_quantity="")
    TariffLine.objects.filter(hts="20098920").update(unit_of_quantity="liters")
    _line(risk_clean.client, hts="2009892000", uom="L", quantity=Decimal("1000"), duty=Decimal("5.00"))
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-UOM") == []


# R-DUTY-RATE -----------------------------------------------------------------------------------------


def test_duty_that_the_ad_valorem_rate_does_not_explain(risk_clean):
    under = _line(risk_clean.client, duty=Decimal("1500.00"), quantity_available=Decimal("50"))
    _line(risk_clean.client, duty=Decimal("1640.00"))  # 10 off, inside max($1, 1% of 1650)
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-DUTY-RATE")
    assert finding.line_id == under.pk and finding.severity == Finding.Severity.WARNING
    assert "gives $1,650.00" in finding.message and "under by $150.00" in finding.message
    assert finding.amount_at_stake == Decimal("74.25")  # 99% x 150 x 50/100 units left


def test_tolerance_is_configurable(risk_clean, settings):
    _line(risk_clean.client, duty=Decimal("1500.00"))  # 150 under the 16.5% rate
    assess(risk_clean.client)
    assert only(risk_clean.client, "R-DUTY-RATE").status == Finding.Status.OPEN
    assess(risk_clean.client, tolerance=Tolerance(absolute=Decimal("1"), percent=Decimal("10")))
    assert findings(risk_clean.client, "R-DUTY-RATE")[0].status == Finding.Status.RESOLVED
    settings.RISK_DUTY_TOLERANCE_USD = "150.00"
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-DUTY-RATE")[0].status == Finding.Status.RESOLVED
    settings.RISK_DUTY_TOLERANCE_USD = "149.99"
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-DUTY-RATE")[0].status == Finding.Status.OPEN


def test_specific_compound_and_free_rates(risk_clean):
    juice = _line(  # 0.5 cents/liter x 1000 L = 5.00
        risk_clean.client, hts="2009892000", uom="L", quantity=Decimal("1000"), duty=Decimal("5.00")
    )
    bolts = _line(  # 2.5 cents/kg x 1000 + 5% x 2000 = 125.00
        risk_clean.client,
        hts="7318152095",
        uom="KG",
        quantity=Decimal("1000"),
        entered_value=Decimal("2000.00"),
        duty=Decimal("150.00"),
    )
    diamonds = _line(  # Free
        risk_clean.client, hts="7102390010", uom="CT", quantity=Decimal("10"), duty=Decimal("30.00")
    )
    assess(risk_clean.client)
    flagged = {f.line_id: f for f in findings(risk_clean.client, "R-DUTY-RATE")}
    assert set(flagged) == {bolts.pk, diamonds.pk}
    assert juice.pk not in flagged
    assert "gives $125.00" in flagged[bolts.pk].message
    assert "gives $0.00" in flagged[diamonds.pk].message


def test_rates_that_cannot_be_recomputed_give_one_information_per_classification(risk_clean):
    _line(risk_clean.client, hts="9403990000", uom="KG", duty=Decimal("12.00"))
    _line(risk_clean.client, hts="9403990000", uom="KG", duty=Decimal("99.00"))
    _line(risk_clean.client, hts="2009892000", uom="KG", quantity=Decimal("5"), duty=Decimal("1.00"))
    _line(risk_clean.client, spi="A", duty=Decimal("0"))  # preference: general rate does not apply
    assess(risk_clean.client)
    found = findings(risk_clean.client, "R-DUTY-RATE")
    assert [f.severity for f in found] == [Finding.Severity.INFO, Finding.Severity.INFO]
    text = {f.fingerprint.split(":", 2)[2]: f.message for f in found}
    assert "Duty on 2 line(s) under 9403.99.00.00" in text["9403990000:text"]
    assert "per a unit the lines do not report" in text["2009892000:unit KG"]


# R-CH99-REPLACEMENT ----------------------------------------------------------------------------------


def test_replacement_duty_hiding_the_column_1_duty(risk_clean):
    # CSMS 66319804: Japan auto parts at 15% all-in (9903.94.43, Section 232: not eligible) with $0 on
    # the Chapter 1-97 row although 8708.99.81 carries 2.5%.
    line = _line(
        risk_clean.client,
        hts="8708998180",
        uom="KG",
        entered_value=Decimal("10000.00"),
        duty=Decimal("0"),
        quantity_available=Decimal("50"),
        import_date=dt.date(2025, 10, 1),
    )
    LineCh99DutyFactory(line=line, number="9903.94.43", amount=Decimal("1500.00"))
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-CH99-REPLACEMENT")
    assert finding.severity == Finding.Severity.WARNING and finding.basis == "ineligible"
    assert finding.amount_at_stake == Decimal("123.75")  # 99% x 2.5% x 10000 x 50/100
    assert "post-summary correction" in finding.message


def test_replacement_duty_on_an_eligible_heading_warns_without_amount(risk_clean):
    line = _line(
        risk_clean.client, duty=Decimal("0"), import_date=dt.date(2025, 9, 1), entered_value=Decimal("10000")
    )
    LineCh99DutyFactory(line=line, number="9903.02.20", amount=Decimal("1500.00"))  # EU 15% all-in
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-CH99-REPLACEMENT")
    assert finding.basis == "eligible" and finding.amount_at_stake is None


def test_split_reported_replacement_duty_is_fine(risk_clean):
    line = _line(
        risk_clean.client,
        hts="8708998180",
        uom="KG",
        entered_value=Decimal("10000.00"),
        duty=Decimal("250.00"),
    )
    LineCh99DutyFactory(line=line, number="9903.94.43", amount=Decimal("1250.00"))
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-CH99-REPLACEMENT") == []
