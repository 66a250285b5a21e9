"""Rules on exports: shared identifiers, repeats, direct identification, candidates, USMCA/Chile, proof."""

import datetime as dt
from decimal import Decimal

from claims.models import Finding
from exports.models import Export
from imports.models import Document, ImportLine
from tests.claims.risk_data import assess, entry_with_papers, export_with_papers, findings, only
from tests.factories import DocumentFactory, ExportFactory, ImportLineFactory

# R-EXPORT-SHARED-ID ----------------------------------------------------------------------------------


def test_same_itn_with_same_goods_is_an_error_on_the_later_export(risk_clean):
    later = export_with_papers(
        risk_clean.client,
        export_ref="SR-2",
        itn=risk_clean.export.itn,
        export_date=dt.date(2025, 6, 3),
        hts=risk_clean.export.hts,
        quantity=risk_clean.export.quantity,
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-SHARED-ID")
    assert finding.export_id == later.pk and finding.severity == Finding.Severity.ERROR
    assert f"with export {risk_clean.export.export_ref}" in finding.message


def test_reference_reused_as_another_exports_bill_of_lading_with_other_goods_is_a_warning(risk_clean):
    later = export_with_papers(
        risk_clean.client,
        export_ref="SR-3",
        bill_of_lading=risk_clean.export.export_ref.lower(),  # compared without case
        export_date=dt.date(2025, 7, 1),
        hts="6109100004",
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-SHARED-ID")
    assert finding.export_id == later.pk and finding.severity == Finding.Severity.WARNING


def test_distinct_identifiers_give_no_shared_id_finding(risk_clean):
    export_with_papers(risk_clean.client, export_ref="SR-4", itn="X20250601000002", bill_of_lading="BL-1")
    export_with_papers(risk_clean.client, export_ref="SR-5", itn="X20250601000003", bill_of_lading="BL-2")
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-EXPORT-SHARED-ID") == []


# R-EXPORT-REPEATED -----------------------------------------------------------------------------------


def test_same_date_hts_quantity_and_value_twice_is_a_warning(risk_clean):
    e = risk_clean.export
    twin = export_with_papers(
        risk_clean.client,
        export_ref="SR-6",
        export_date=e.export_date,
        hts=e.hts,
        quantity=e.quantity,
        value=e.value,
    )
    export_with_papers(  # different value: not a repeat
        risk_clean.client,
        export_ref="SR-7",
        export_date=e.export_date,
        hts=e.hts,
        quantity=e.quantity,
        value=Decimal("6100.00"),
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-REPEATED")
    assert finding.export_id == twin.pk and finding.severity == Finding.Severity.WARNING
    assert e.export_ref in finding.message


# R-EXPORT-DI-LINE ------------------------------------------------------------------------------------


def _direct(client, line: ImportLine | None = None, **kwargs):
    values = {"export_ref": "DI-1", "export_date": dt.date(2025, 1, 15), "hts": "6109100012", "uom": "DOZ"}
    if line is not None:
        values.update(direct_entry_number=line.entry.entry_number, direct_line_number=line.line_number)
    values.update(kwargs)
    return export_with_papers(client, **values)


def test_direct_identification_naming_a_missing_line_is_an_error(risk_clean):
    export = _direct(
        risk_clean.client, direct_entry_number=risk_clean.entry.entry_number, direct_line_number=9
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-DI-LINE")
    assert finding.export_id == export.pk and finding.severity == Finding.Severity.ERROR
    assert finding.basis == "missing" and "line 9 of entry" in finding.message


def test_direct_identification_with_other_goods_or_dates_is_an_error(risk_clean):
    line = risk_clean.line  # 6109.10.00.12, DOZ, imported 2024-03-01
    _direct(risk_clean.client, line, export_ref="DI-HTS", hts="6110200010")
    _direct(risk_clean.client, line, export_ref="DI-UOM", uom="KG")
    _direct(risk_clean.client, line, export_ref="DI-EARLY", export_date=dt.date(2024, 2, 1))
    _direct(risk_clean.client, line, export_ref="DI-LATE", export_date=dt.date(2029, 3, 1))
    assess(risk_clean.client)
    basis = {f.fingerprint: f.basis for f in findings(risk_clean.client, "R-EXPORT-DI-LINE")}
    assert basis == {
        "R-EXPORT-DI-LINE:export:DI-HTS": "hts",
        "R-EXPORT-DI-LINE:export:DI-UOM": "uom",
        "R-EXPORT-DI-LINE:export:DI-EARLY": "before",
        "R-EXPORT-DI-LINE:export:DI-LATE": "late",
    }
    assert all(f.line_id == line.pk for f in findings(risk_clean.client, "R-EXPORT-DI-LINE"))


def test_direct_identification_of_its_own_line_is_fine(risk_clean):
    line = risk_clean.line
    _direct(
        risk_clean.client, direct_entry_number=line.entry.entry_number, direct_line_number=line.line_number
    )
    _direct(risk_clean.client, export_ref="DI-FK", direct_line=line)
    assess(risk_clean.client)
    assert findings(risk_clean.client, "R-EXPORT-DI-LINE") == []


# R-EXPORT-NO-PRIOR-IMPORT ----------------------------------------------------------------------------


def test_substitution_export_before_every_import_of_its_group_is_an_error(risk_clean):
    # DBK-027: the only T-shirt import (6109.10.00, DOZ) is of 2024-03-01.
    early = export_with_papers(risk_clean.client, export_ref="SUB-EARLY", export_date=dt.date(2024, 1, 10))
    same_day = export_with_papers(risk_clean.client, export_ref="SUB-SAME", export_date=dt.date(2024, 3, 1))
    sibling = export_with_papers(  # another 10-digit of the same 8-digit subheading
        risk_clean.client, export_ref="SUB-8", export_date=dt.date(2024, 4, 1), hts="6109100004"
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-NO-PRIOR-IMPORT")
    assert finding.export_id == early.pk and finding.severity == Finding.Severity.ERROR
    assert finding.basis == "later" and "190.51(e)(1)(iii)" in finding.message
    assert {same_day.pk, sibling.pk}.isdisjoint({f.export_id for f in findings(risk_clean.client)})


def test_export_more_than_five_years_after_every_import_is_an_error(risk_clean):
    export_with_papers(risk_clean.client, export_ref="SUB-LATE", export_date=dt.date(2029, 3, 1))
    assess(risk_clean.client)
    assert only(risk_clean.client, "R-EXPORT-NO-PRIOR-IMPORT").basis == "expired"


def test_export_with_no_import_of_its_group_or_unit_is_a_warning(risk_clean):
    export_with_papers(risk_clean.client, export_ref="SUB-KG", uom="KG")  # same HTS, other unit
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-NO-PRIOR-IMPORT")
    assert finding.severity == Finding.Severity.WARNING and finding.basis == "none"


def test_other_subheading_needs_the_same_ten_digit_number(risk_clean):
    # DBK-008: 7102.39.00 begins "Other", so 7102.39.00.10 and .50 are different groups (H350619).
    entry = entry_with_papers(risk_clean.client, import_date=dt.date(2024, 5, 1))
    ImportLineFactory(entry=entry, hts="7102390010", uom="CT", duty=Decimal("0"))
    export_with_papers(
        risk_clean.client, export_ref="D-10", export_date=dt.date(2025, 1, 1), hts="7102390010", uom="CT"
    )
    export_with_papers(
        risk_clean.client, export_ref="D-50", export_date=dt.date(2025, 1, 1), hts="7102390050", uom="CT"
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-NO-PRIOR-IMPORT")
    assert finding.fingerprint.endswith("D-50") and "10-digit 7102.39.00.50" in finding.message


def test_other_other_classification_cannot_be_substituted(risk_clean):
    # DBK-009: 3923.90.00 "Other" / 3923.90.00.80 "Other".
    entry = entry_with_papers(risk_clean.client, import_date=dt.date(2024, 5, 1))
    ImportLineFactory(
        entry=entry, hts="3923900080", uom="KG", duty=Decimal("30.00"), entered_value=Decimal("1000")
    )
    export_with_papers(
        risk_clean.client, export_ref="OO", export_date=dt.date(2025, 1, 1), hts="3923900080", uom="KG"
    )
    assess(risk_clean.client)
    finding = only(risk_clean.client, "R-EXPORT-NO-PRIOR-IMPORT")
    assert finding.basis == "other/other" and finding.severity == Finding.Severity.ERROR


def test_lines_designated_by_direct_identification_are_not_candidates(risk_clean):
    ImportLine.objects.filter(pk=risk_clean.line.pk).update(designation_method=ImportLine.Method.DIRECT)
    assess(risk_clean.client)
    assert only(risk_clean.client, "R-EXPORT-NO-PRIOR-IMPORT").export_id == risk_clean.export.pk


# R-EXPORT-USMCA-CHILE --------------------------------------------------------------------------------


def test_substitution_exports_to_canada_mexico_and_chile_warn(risk_clean):
    canada = export_with_papers(risk_clean.client, export_ref="CA-1", destination="CA")
    chile = export_with_papers(risk_clean.client, export_ref="CL-1", destination="CL")
    export_with_papers(risk_clean.client, export_ref="MX-EXC", destination="MX", excepted_goods=True)
    _direct(risk_clean.client, risk_clean.line, export_ref="MX-DI", destination="MX")
    ExportFactory(
        client=risk_clean.client,
        export_ref="DESTROYED",
        destination="",
        disposition=Export.Disposition.DESTROY,
    )
    assess(risk_clean.client)
    found = {f.export_id: f for f in findings(risk_clean.client, "R-EXPORT-USMCA-CHILE")}
    assert set(found) == {canada.pk, chile.pk}
    assert all(f.severity == Finding.Severity.WARNING for f in found.values())
    assert "1313(j)(4)(A)" in found[canada.pk].message and "lesser of" in found[canada.pk].message
    assert "1313(j)(4)(B)" in found[chile.pk].message


# R-EXPORT-DOCS ---------------------------------------------------------------------------------------


def test_exports_and_destructions_without_proof_warn(risk_clean):
    bare = ExportFactory(client=risk_clean.client, export_ref="BARE")
    destroyed = ExportFactory(
        client=risk_clean.client,
        export_ref="DESTROYED",
        destination="",
        disposition=Export.Disposition.DESTROY,
    )
    destroyed.documents.add(DocumentFactory(client=risk_clean.client, doc_type=Document.Type.BILL_OF_LADING))
    aes = ExportFactory(client=risk_clean.client, export_ref="AES")
    aes.documents.add(DocumentFactory(client=risk_clean.client, doc_type=Document.Type.AES_CONFIRMATION))
    claimed = ExportFactory(client=risk_clean.client, export_ref="CLAIMED", quantity_available=Decimal("0"))
    assess(risk_clean.client)
    found = {f.export_id: f for f in findings(risk_clean.client, "R-EXPORT-DOCS")}
    assert set(found) == {bare.pk, destroyed.pk}
    assert "certificate of destruction" in found[destroyed.pk].message
    assert claimed.pk not in found and aes.pk not in found
