"""Eligibility rules: time windows, the substitution standard, unit of measure, the CA/MX/CL bar.

Each rule returns a `Check`: whether it passed and the step (citation + text) a reviewer reads. The date
conventions are the product decisions 1-3 and 12 (drawback.lib.dates).
"""

import datetime as dt
from dataclasses import dataclass

from drawback.lib import dates
from drawback.lib.dates import ExportWindow
from drawback.lib.hts import dotted

from .model import USMCA_CHILE, Election, Export, ImportLine, Settings, Step
from .tariff import TariffIndex

CIT_J1 = "19 U.S.C. 1313(j)(1)(A)"
CIT_J2 = "19 U.S.C. 1313(j)(2)(B)"
CIT_CLAIM = "19 U.S.C. 1313(r)(1); 19 CFR 190.51(e)(1)"
CIT_ORDER = "19 CFR 190.51(e)(1)(iii)"
CIT_STANDARD = "19 U.S.C. 1313(j)(2)(A), (j)(5), (j)(6); 19 CFR 190.2"
CIT_UOM = "19 CFR 190.51(a)(2)"
CIT_USMCA = "19 U.S.C. 1313(j)(4); 19 CFR 182.42(c)"
CIT_ELECTION = "19 CFR 190.51(a)(3)"
CIT_RETAIL = "19 U.S.C. 1313(c)(2)"


@dataclass(frozen=True)
class Check:
    ok: bool
    step: Step


def official_filing_date(*, transmitted: dt.date, documents_uploaded: dt.date | None) -> dt.date:
    """A claim is filed when CBP has it complete, uploaded documents included (19 CFR 190.51(e)(1)(i))."""
    if documents_uploaded is None:
        return transmitted
    return max(transmitted, documents_uploaded)


def claim_timely(import_date: dt.date, filing_date: dt.date) -> Check:
    """Product decision 2: timely when filed on or before the fifth anniversary (28 Feb for 29 Feb)."""
    last = dates.last_claim_day(import_date)
    ok = filing_date <= last
    word = "on or before" if ok else "after"
    return Check(
        ok,
        Step(
            CIT_CLAIM,
            f"claim filed {filing_date.isoformat()} {word} {last.isoformat()}, five years after import "
            f"{import_date.isoformat()}" + ("" if ok else ": the designation is abandoned"),
        ),
    )


def export_in_window(
    import_date: dt.date, export_date: dt.date, window: ExportWindow, *, citation: str = CIT_J1
) -> Check:
    """Product decision 1: export before the close of the 5-year period beginning on the import date."""
    last = dates.last_export_day(import_date, window)
    ok = export_date <= last
    rule = "strict: the anniversary is outside" if window == ExportWindow.STRICT else "inclusive"
    return Check(
        ok,
        Step(
            f"{citation}; product decision 1 ({rule})",
            f"export {export_date.isoformat()} {'on or before' if ok else 'after'} the last day "
            f"{last.isoformat()} of the 5-year period from import {import_date.isoformat()}",
        ),
    )


def export_before_claim(export_date: dt.date, settings: Settings, *, citation: str = CIT_J1) -> Check:
    filing = settings.filing_date
    ok = export_date <= filing if settings.export_on_filing_date else export_date < filing
    return Check(
        ok,
        Step(
            citation,
            f"export {export_date.isoformat()} {'before' if ok else 'not before'} the claim filed "
            f"{filing.isoformat()}",
        ),
    )


def substitution_not_before_import(import_date: dt.date, export_date: dt.date) -> Check:
    """Product decision 12: a substitution export may not precede the designated import; same day is fine."""
    ok = export_date >= import_date
    return Check(
        ok,
        Step(
            CIT_ORDER,
            f"export {export_date.isoformat()} {'not before' if ok else 'before'} the designated import "
            f"{import_date.isoformat()}",
        ),
    )


def direct_not_before_import(import_date: dt.date, export_date: dt.date) -> Check:
    ok = export_date >= import_date
    return Check(
        ok,
        Step(
            CIT_J1,
            f"export {export_date.isoformat()} {'on or after' if ok else 'before'} the import "
            f"{import_date.isoformat()} of the identified goods",
        ),
    )


def substitution_standard(import_hts: str, export_hts: str, tariff: TariffIndex) -> Check:
    """Same 8-digit subheading; under an "Other" subheading the same 10-digit number, which itself may not
    begin with "Other" (1313(j)(5)); the export's Schedule B number is compared by its first 8 (or all 10)
    digits (1313(j)(6))."""
    test = tariff.other_test(import_hts)
    d8, d10 = dotted(test.hts8), dotted(import_hts)
    if test.barred:
        return Check(
            False,
            Step(
                CIT_STANDARD,
                f"'Other/Other': {d8} ('{test.description8}') and {d10} ('{test.description10}') both begin "
                "with 'Other'; no (j)(2) substitution for this line, direct identification only",
            ),
        )
    if test.other8:
        ok = export_hts == import_hts
        return Check(
            ok,
            Step(
                CIT_STANDARD,
                f"{d8} begins with 'Other', so the same 10-digit number is required: export "
                f"{dotted(export_hts)} {'matches' if ok else 'does not match'} {d10} "
                f"('{test.description10}')",
            ),
        )
    ok = export_hts[:8] == test.hts8
    return Check(
        ok,
        Step(
            CIT_STANDARD,
            f"same 8-digit subheading: export {dotted(export_hts)} (first 8 digits {dotted(export_hts[:8])}) "
            f"{'matches' if ok else 'does not match'} {d8} ('{test.description8}')",
        ),
    )


def same_uom(line: ImportLine, export: Export) -> Check:
    ok = line.uom.strip().upper() == export.uom.strip().upper()
    return Check(
        ok,
        Step(
            CIT_UOM,
            f"unit of measure {export.uom} {'equals' if ok else 'differs from'} the line's {line.uom}",
        ),
    )


def substitution_destination(export: Export) -> Check:
    """Product decision 11: no (j)(2) to Canada, Mexico or Chile unless the goods are excepted goods."""
    if export.is_destruction:
        return Check(True, Step(CIT_USMCA, "destruction: the CA/MX/CL bar does not apply"))
    dest = export.destination.strip().upper()
    if dest not in USMCA_CHILE:
        return Check(True, Step(CIT_USMCA, f"destination {dest} is not Canada, Mexico or Chile"))
    if export.excepted_goods:
        return Check(
            True,
            Step(
                CIT_USMCA + "; 19 U.S.C. 4534(a)",
                f"destination {dest}: marked as statutory excepted goods, (j)(2) allowed",
            ),
        )
    return Check(
        False,
        Step(CIT_USMCA, f"destination {dest}: a (j)(2) substitution export there is not an exportation"),
    )


def line_election_allows(line: ImportLine, wanted: Election) -> Check:
    if line.election is None or line.election == wanted:
        return Check(True, Step(CIT_ELECTION, f"line available for {wanted.value}"))
    return Check(
        False,
        Step(
            CIT_ELECTION,
            f"line already designated by {line.election.value}; it cannot be used for {wanted.value}",
        ),
    )


def retail_return_window(import_date: dt.date, export_date: dt.date) -> Check:
    """1313(c)(2): a retail-return claim may designate an import made within 1 year before the export."""
    first = dates.add_years(export_date, -1)
    ok = first <= import_date <= export_date
    return Check(
        ok,
        Step(
            CIT_RETAIL,
            f"import {import_date.isoformat()} {'within' if ok else 'outside'} the year before export "
            f"{export_date.isoformat()} (from {first.isoformat()})",
        ),
    )


def retail_return_standard(import_hts: str, import_sku: str, export_hts: str, export_sku: str) -> Check:
    """1313(c)(2): same 8-digit classification and the same specific product identifier (SKU)."""
    ok = import_hts[:8] == export_hts[:8] and import_sku.strip() != "" and import_sku == export_sku
    return Check(
        ok,
        Step(
            CIT_RETAIL,
            f"8-digit {dotted(import_hts[:8])} / {dotted(export_hts[:8])}, product identifier "
            f"'{import_sku}' / '{export_sku}': {'same' if ok else 'not the same'}",
        ),
    )
