"""ACE pre-flight: every completeness rule of 19 CFR 190.51 we hold data for, and the ACE drawback
validations we can reproduce locally (catair.md 3.3, PF-03 to PF-20), run before a claim may reach review.

Each rule is one function that looks at the claim's data and yields PreflightIssue objects tied to the
designation, import line or export they concern. An error blocks the claim; a warning is shown to the
preparer and the reviewers. The CATAIR record syntax (PF-01/PF-02) is checked by writing the claim file
with claims.catair and validating it.

Rule ids follow catair.md 3.3 where a PF rule exists; rules that come from the regulation alone carry
the section they enforce (e.g. CFR-190.35).
"""

import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone

from claims.engine.model import USMCA, USMCA_CHILE
from drawback.accounts.models import Privilege
from drawback.lib.dates import ExportWindow, add_years, claim_in_window, export_in_window, last_export_day
from drawback.lib.entry_numbers import EntryNumberError
from drawback.lib.entry_numbers import parse as parse_entry_number
from drawback.lib.identifiers import is_valid_importer_number
from drawback.lib.money import DRAWBACK_RATE, format_usd, to_cents
from drawback.lib.workdays import add_working_days, notice_filed_in_time
from exports.models import Export, NoticeOfIntent
from imports.models import (
    Chapter99Heading,
    Document,
    FilerCodeOffset,
    ImportLine,
    LineCh99Duty,
    TariffLine,
    documents_of_type,
)

from .ledger import held_by_export, held_by_line
from .lifecycle import RELEASED_STATUSES
from .models import ACCOUNTING_CLASSES, DRAWBACK_PORTS, Claim, ClaimClassTotal, Designation

ERROR, WARNING, INFO = "error", "warning", "info"
ZERO = Decimal("0")
HALF_CENT = Decimal("0.005")

# --- provision tables (catair.md 2.1-2.2; CAT27 Appendix A) -------------------------------------------------
TFTEA_PROVISIONS = frozenset(f"{n}" for n in range(51, 78))
CORE_PROVISIONS = frozenset(f"{n:02d}" for n in range(1, 24))
SUBSTITUTION = frozenset(
    {"02", "09", "10", "13", "16", "22", "23", "52", "59", "60", "61", "62", "63", "66", "72"}
    | {"73", "74", "75", "76", "77"}
)
RETAIL_RETURN = frozenset({"06", "20", "56", "70"})  # 10-record pos 77 chooses the method
MANUFACTURING = frozenset(
    {"01", "02", "11", "12", "21", "22", "51", "52", "61", "62", "71", "72", "75", "76"}
)
UNUSED = frozenset({"08", "09", "15", "16", "23", "58", "59", "65", "66", "73", "74", "77"})
REJECTED = frozenset({"03", "04", "05", "06", "17", "18", "19", "20", "53", "54", "55", "56", "67", "68"})
REJECTED |= frozenset({"69", "70"})
UNUSED_SUBSTITUTION = frozenset({"59", "66", "73", "74", "77"})
BOM_CERTIFICATION = frozenset({"51", "52", "57", "61", "62", "71", "72", "75", "76"})
# Product decision 7: MPF and HMF only on the provisions CATAIR lets claim them.
MPF_HMF_CLAIMABLE = frozenset({"08", "09", "15", "16", "58", "59", "65", "66", "73", "74", "76", "77"})
NO_ONE_PERCENT_CUT = frozenset({"07", "57"})  # 1313(d): 100% of the tax
NO_IMPORT_LINES = frozenset({"07", "57"})  # CAT27 40-record Note 1
# 1313(j)(4): a substitution export to these countries is not an exportation (product decision 11).
SUBSTITUTION_BARRED_DESTINATIONS = USMCA_CHILE
EXCEPTION_PROVISIONS = frozenset({"73", "77"})
FILING_PORTS = frozenset(code for code, _ in DRAWBACK_PORTS)
APPENDIX_D_CLASSES = frozenset(
    {"039", "053", "054", "055", "056", "057", "079", "090", "102", "103", "104", "105", "106", "107"}
    | {"108", "109", "110"}
)
# Which payment on the import line bounds each accounting class (catair.md 1.8; 90-record groups).
DUTY_CLASSES, TAX_CLASSES = frozenset({"364", "369"}), frozenset({"365", "374", "674", "675"})
CLASS_GROUPS = {"364": "duty", "369": "duty", "398": "hmf", "399": "mpf"}
# Record limits (catair.md 4.1).
MAX_IMPORTS = 10_000
MAX_EXPORTS = 10_000
MAX_CLASSIFICATIONS_PER_IMPORT = 32
MAX_REVENUE_RECORDS_PER_IMPORT = 20
MAX_TRACKING_NUMBER = 99_999
# FD12 (CSMS 68402148): Section 232 vehicle-part duties under 1313(a)/(b) only on claims from this date.
SECTION_232_PARTS_FROM = dt.date(2025, 11, 1)
NOTICE_WORKING_DAYS = {Export.Disposition.EXPORT: 5, Export.Disposition.DESTROY: 7}


def group_of(accounting_class: str) -> str:
    return CLASS_GROUPS.get(accounting_class, "tax")


def is_substitution(provision: str) -> bool:
    return provision in SUBSTITUTION


@dataclass(frozen=True)
class PreflightIssue:
    """One finding of the pre-flight check, tied to what it concerns."""

    rule: str
    severity: str
    message: str
    designation_id: int | None = None
    import_line_id: int | None = None
    export_id: int | None = None
    accounting_class: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ClaimData:
    """Everything the rules read, loaded once."""

    claim: Claim
    on: dt.date
    designations: list[Designation]
    lines: dict[int, ImportLine]
    exports: dict[int, Export]
    totals: dict[str, ClaimClassTotal]
    privileges: list[Privilege]
    filer_offsets: dict[str, int]
    ch99: dict[int, list[LineCh99Duty]] = field(default_factory=dict)

    @property
    def line_ids(self):
        """The claim's import lines as a subquery (a claim may hold 10,000 of them)."""
        return Designation.objects.filter(claim_id=self.claim.pk).order_by().values("import_line_id")

    @property
    def export_ids(self):
        return Designation.objects.filter(claim_id=self.claim.pk).order_by().values("export_id")

    @property
    def provision(self) -> str:
        return self.claim.provision

    @property
    def window(self) -> ExportWindow:
        return ExportWindow(self.claim.client.firm.export_window)

    def privilege(self, kind: str, day: dt.date) -> Privilege | None:
        """The privilege of this kind approved and in force on the day (Client.privilege, from memory)."""
        in_force = [p for p in self.privileges if p.kind == kind and p.in_force_on(day)]
        return max(in_force, key=lambda p: (p.granted_on, p.pk), default=None)


def amounts_of(designation: Designation) -> dict[str, tuple[Decimal, Decimal]]:
    """{class: (claim, calculated)} from the designation's exact amounts."""
    result = {}
    for cls, pair in (designation.amounts or {}).items():
        try:
            result[str(cls)] = (
                Decimal(str(pair.get("claim", "0"))),
                Decimal(str(pair.get("calculated", "0"))),
            )
        except (InvalidOperation, AttributeError):
            result[str(cls)] = (Decimal("NaN"), Decimal("NaN"))
    return result


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _where(d: Designation) -> dict:
    return {"designation_id": d.pk, "import_line_id": d.import_line_id, "export_id": d.export_id}


def _line_label(line: ImportLine) -> str:
    return f"entry {line.entry.display_number} line {line.line_number}"


# --- the rules ----------------------------------------------------------------------------------------------

Rule = Callable[[ClaimData], Iterable[PreflightIssue]]


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    check: Rule


RULES: list[RuleSpec] = []


def rule(rule_id: str, title: str):
    def register(fn: Rule) -> Rule:
        RULES.append(RuleSpec(rule_id, title, fn))
        return fn

    return register


# Rules of the file validator (claims.catair.validate) that pre-flight checks on the stored data itself.
CHECKED_ON_DATA = frozenset({"PF-03", "PF-04", "PF-05", "PF-06", "PF-10", "PF-12", "PF-15", "PF-17", "PF-18"})


@rule("PF-01", "CATAIR record syntax and structure (claim file writer)")
def check_catair_syntax(d: ClaimData) -> Iterator[PreflightIssue]:
    if not d.designations:
        return  # nothing to write; PF-19 reports the empty claim
    # Looked up at call time so that a test can stand in for the writer.
    catair = importlib.import_module("claims.catair")
    sender = catair.Sender.for_checks(filer_code=d.claim.number[:3], port=d.claim.drawback_port)
    try:
        text = catair.claim_to_catair(claim=d.claim, transmission_date=d.on, sender=sender)
    except Exception as exc:  # any failure of the writer is a finding, not a crash of the check
        yield PreflightIssue("PF-01", ERROR, f"The CATAIR claim file could not be written: {exc}")
        return
    firm = d.claim.client.firm
    for problem in catair.validate_claim_file(
        text, offsets=d.filer_offsets, claim_offsets={firm.filer_code: firm.claim_check_digit_offset}
    ):
        # The rules checked below on the stored data name the line or export; the file's view of them
        # would say the same twice.
        if getattr(problem, "rule", "PF-01") not in CHECKED_ON_DATA:
            yield PreflightIssue("PF-01", ERROR, str(getattr(problem, "message", problem)))


@rule("PF-03", "Drawback filing port")
def check_filing_port(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.claim.drawback_port not in FILING_PORTS:
        yield PreflightIssue(
            "PF-03",
            ERROR,
            f"Drawback filing port {d.claim.drawback_port!r} is not a drawback office "
            "(1001 New York, 2809 San Francisco, 3901 Chicago, 5301 Houston).",
        )


@rule("PF-04", "Claim number and check digit")
def check_claim_number(d: ClaimData) -> Iterator[PreflightIssue]:
    firm = d.claim.client.firm
    offsets = {**d.filer_offsets}
    if firm.claim_check_digit_offset:
        offsets[firm.filer_code] = firm.claim_check_digit_offset
    try:
        number = parse_entry_number(d.claim.number, offsets)
    except EntryNumberError as exc:
        yield PreflightIssue("PF-04", ERROR, f"Claim number: {exc}.")
        return
    if number.filer != firm.filer_code:
        yield PreflightIssue(
            "PF-04",
            ERROR,
            f"Claim number {d.claim.display_number} uses filer code {number.filer}, not the firm's "
            f"{firm.filer_code}.",
        )


@rule("PF-05", "Import entry numbers and check digits")
def check_entry_numbers(d: ClaimData) -> Iterator[PreflightIssue]:
    seen = set()
    for line in d.lines.values():
        if line.entry_id in seen:
            continue
        seen.add(line.entry_id)
        try:
            parse_entry_number(line.entry.entry_number, d.filer_offsets)
        except EntryNumberError as exc:
            yield PreflightIssue("PF-05", ERROR, f"Import entry: {exc}.", import_line_id=line.pk)


@rule("PF-06", "Provision code")
def check_provision(d: ClaimData) -> Iterator[PreflightIssue]:
    provision = d.provision
    replaces_core = d.claim.replaces_id and d.claim.replaces.provision in CORE_PROVISIONS
    if provision in CORE_PROVISIONS and not replaces_core:
        yield PreflightIssue(
            "PF-06",
            ERROR,
            f"Provision {provision} is a core (Part 191) code; new claims use TFTEA codes 51-77 "
            "(CSMS 18-000585).",
        )
    elif provision not in TFTEA_PROVISIONS | CORE_PROVISIONS:
        yield PreflightIssue("PF-06", ERROR, f"Provision {provision!r} is not in CATAIR Appendix A.")
    if provision in NO_IMPORT_LINES and d.designations:
        yield PreflightIssue(
            "PF-06",
            ERROR,
            "Provision 57 (1313(d)) claims report no import entry lines (CAT27 40-record Note 1).",
        )
    for des in d.designations:
        if des.provision != provision:
            yield PreflightIssue(
                "PF-06",
                ERROR,
                f"Designation is under provision {des.provision}, the claim under {provision}; "
                "one claim covers one provision.",
                **_where(des),
            )


@rule("PF-06-METHOD", "Designation method fits the provision")
def check_method(d: ClaimData) -> Iterator[PreflightIssue]:
    provision = d.provision
    if provision in RETAIL_RETURN:
        methods = {des.method for des in d.designations}
        if len(methods) > 1:
            yield PreflightIssue(
                "PF-06-METHOD",
                ERROR,
                "A retail-return claim is either direct identification or substitution (10-record "
                "pos 77), not both.",
            )
        return
    expected = "substitution" if is_substitution(provision) else "direct"
    label = "substitution" if expected == "substitution" else "direct identification"
    for des in d.designations:
        if des.method != expected:
            yield PreflightIssue(
                "PF-06-METHOD",
                ERROR,
                f"Provision {provision} is {label}; this designation is by {des.method or 'no method'}.",
                **_where(des),
            )


@rule("PF-06-CLASS", "Accounting classes the provision allows")
def check_classes(d: ClaimData) -> Iterator[PreflightIssue]:
    for des in d.designations:
        for cls in amounts_of(des):
            if cls in {"398", "399"} and d.provision not in MPF_HMF_CLAIMABLE:
                yield PreflightIssue(
                    "PF-06-CLASS",
                    ERROR,
                    f"Class {cls} ({ACCOUNTING_CLASSES[cls]}) is not claimable under provision "
                    f"{d.provision}: "
                    "MPF and HMF only on the unused-merchandise provisions (product decision 7).",
                    accounting_class=cls,
                    **_where(des),
                )
            elif cls not in ACCOUNTING_CLASSES and cls not in APPENDIX_D_CLASSES:
                yield PreflightIssue(
                    "PF-06-CLASS",
                    ERROR,
                    f"{cls!r} is not an accounting class code.",
                    accounting_class=cls,
                    **_where(des),
                )
            elif cls in APPENDIX_D_CLASSES:
                yield PreflightIssue(
                    "PF-06-CLASS",
                    WARNING,
                    f"Class {cls} is a user-fee class: CBP accepts it on a TFTEA claim but reviews it and "
                    "pays "
                    "no accelerated payment on it.",
                    accounting_class=cls,
                    **_where(des),
                )


@rule("PF-08", "Classification and unit of measure")
def check_classification(d: ClaimData) -> Iterator[PreflightIssue]:
    substitution_unused = d.provision in UNUSED_SUBSTITUTION
    tariff = {}
    if substitution_unused:
        codes = {line.hts[:8] for line in d.lines.values()} | {line.hts for line in d.lines.values()}
        tariff = {t.hts: t.begins_with_other for t in TariffLine.objects.filter(hts__in=codes)}
    for des in d.designations:
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        if len(line.hts) != 10 or not line.hts.isdigit():
            yield PreflightIssue(
                "PF-08",
                ERROR,
                f"{_line_label(line)}: HTS {line.hts!r} is not the 10-digit number the claim reports.",
                **_where(des),
            )
        if not substitution_unused:
            continue
        if export.uom != line.uom:
            yield PreflightIssue(
                "PF-08",
                ERROR,
                f"Export {export.export_ref} is in {export.uom}, {_line_label(line)} in {line.uom}; a (j)(2) "
                "claim reports the export in the import's unit (19 CFR 190.51(a)(2)).",
                **_where(des),
            )
        if d.provision == "74":
            continue  # wine: same colour and price band instead of the 8-digit test (1313(j)(5)(C))
        if export.hts[:8] != line.hts[:8]:
            yield PreflightIssue(
                "PF-08",
                ERROR,
                f"Export HTS/Schedule B {export.hts[:8]} and {_line_label(line)} HTS {line.hts[:8]} are "
                "not in the same 8-digit subheading (19 U.S.C. 1313(j)(2)).",
                **_where(des),
            )
        elif tariff.get(line.hts[:8]):
            if export.hts != line.hts or tariff.get(line.hts):
                yield PreflightIssue(
                    "PF-08",
                    ERROR,
                    f"Subheading {line.hts[:8]} begins with 'Other': substitution needs the same 10-digit "
                    "number whose description does not begin with 'Other' (19 U.S.C. 1313(j)(5)).",
                    **_where(des),
                )


@rule("PF-09", "Export and destruction records")
def check_export_records(d: ClaimData) -> Iterator[PreflightIssue]:
    for export in d.exports.values():
        where = {"export_id": export.pk}
        if len(export.hts) not in (8, 10) or not export.hts.isdigit():
            yield PreflightIssue(
                "PF-09",
                ERROR,
                f"Export {export.export_ref}: HTS/Schedule B {export.hts!r} is not a number "
                "of 8 or 10 digits.",
                **where,
            )
        if not export.export_ref.strip():
            yield PreflightIssue("PF-09", ERROR, "An export has no unique export identifier.", **where)
        if export.disposition == Export.Disposition.EXPORT and len(export.destination.strip()) != 2:
            yield PreflightIssue(
                "PF-09", ERROR, f"Export {export.export_ref} has no country of ultimate destination.", **where
            )
        if export.disposition == Export.Disposition.DESTROY and export.destination.strip():
            yield PreflightIssue(
                "PF-09",
                ERROR,
                f"Destruction {export.export_ref} carries a destination country; a destruction reports none.",
                **where,
            )


@rule("PF-10-WINDOW", "Export or destruction within 5 years of import")
def check_export_window(d: ClaimData) -> Iterator[PreflightIssue]:
    for des in d.designations:
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        if not export_in_window(line.import_date, export.export_date, d.window):
            yield PreflightIssue(
                "PF-10-WINDOW",
                ERROR,
                f"Export {export.export_ref} on {export.export_date} is after "
                f"{last_export_day(line.import_date, d.window)}, "
                f"the last day of the 5-year period of {_line_label(line)} imported {line.import_date} "
                "(19 U.S.C. 1313(j); product decision 1).",
                **_where(des),
            )


@rule("PF-10-ORDER", "Export not before the designated import")
def check_export_order(d: ClaimData) -> Iterator[PreflightIssue]:
    for des in d.designations:
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        if export.export_date < line.import_date:
            basis = (
                "19 CFR 190.51(e)(1)(iii)"
                if des.method == "substitution"
                else "goods cannot leave before they were imported"
            )
            yield PreflightIssue(
                "PF-10-ORDER",
                ERROR,
                f"Export {export.export_ref} on {export.export_date} precedes the import of "
                f"{_line_label(line)} "
                f"on {line.import_date} ({basis}).",
                **_where(des),
            )


@rule("PF-10-BEFORE-FILING", "Export or destruction before the claim is filed")
def check_export_before_filing(d: ClaimData) -> Iterator[PreflightIssue]:
    for export in d.exports.values():
        if export.export_date > d.on:
            yield PreflightIssue(
                "PF-10-BEFORE-FILING",
                ERROR,
                f"Export {export.export_ref} is dated {export.export_date}, after the filing date {d.on}; "
                "goods must be exported or destroyed before the claim (19 U.S.C. 1313(j)(1)(A)).",
                export_id=export.pk,
            )


@rule("PF-10-CLAIM", "Claim filed within 5 years of each designated import")
def check_claim_window(d: ClaimData) -> Iterator[PreflightIssue]:
    for line in d.lines.values():
        if not claim_in_window(line.import_date, d.on):
            yield PreflightIssue(
                "PF-10-CLAIM",
                ERROR,
                f"{_line_label(line)} was imported {line.import_date}; a claim filed {d.on} is more than 5 "
                "years "
                "later and the designation is abandoned (19 U.S.C. 1313(r)(1); product decisions 2-3).",
                import_line_id=line.pk,
            )


@rule("PF-10-RETAIL", "Retail returns: import within 1 year before the export")
def check_retail_year(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision not in RETAIL_RETURN:
        return
    for des in d.designations:
        if des.method != "substitution":
            continue
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        if line.import_date < add_years(export.export_date, -1):
            yield PreflightIssue(
                "PF-10-RETAIL",
                ERROR,
                f"{_line_label(line)} was imported {line.import_date}, more than 1 year before export "
                f"{export.export_ref} on {export.export_date} (19 U.S.C. 1313(c)(2)).",
                **_where(des),
            )


@rule("PF-10-R", "Replacement: exports within 5 years of the resubmission")
def check_replacement_window(d: ClaimData) -> Iterator[PreflightIssue]:
    if not d.claim.replaces_id:
        return
    for export in d.exports.values():
        if add_years(export.export_date, 5) < d.on:
            yield PreflightIssue(
                "PF-10-R",
                ERROR,
                f"Export {export.export_ref} on {export.export_date} is more than 5 years before the "
                "replacement's "
                f"transmission on {d.on} (CAT27 10-record Note 2).",
                export_id=export.pk,
            )


@rule("PF-11-LINE", "Import quantity not designated twice")
def check_line_quantity(d: ClaimData) -> Iterator[PreflightIssue]:
    held = defaultdict(lambda: ZERO, held_by_line(d.line_ids))
    for line_id, line in d.lines.items():
        if held[line_id] > line.quantity:
            yield PreflightIssue(
                "PF-11-LINE",
                ERROR,
                f"{_line_label(line)}: {_qty(held[line_id])} {line.uom} designated across live claims, "
                "more than "
                f"its {_qty(line.quantity)} (19 U.S.C. 1313(v)).",
                import_line_id=line_id,
            )
        elif line.quantity - held[line_id] != line.quantity_available:
            yield PreflightIssue(
                "PF-11-LINE",
                WARNING,
                f"{_line_label(line)}: available quantity {_qty(line.quantity_available)} does not match its "
                f"quantity less live designations ({_qty(line.quantity - held[line_id])}); "
                "check designations recorded outside this system.",
                import_line_id=line_id,
            )


@rule("PF-11-EXPORT", "Export quantity not claimed twice")
def check_export_quantity(d: ClaimData) -> Iterator[PreflightIssue]:
    held = defaultdict(lambda: ZERO, held_by_export(d.export_ids))
    for export_id, export in d.exports.items():
        if held[export_id] > export.quantity:
            yield PreflightIssue(
                "PF-11-EXPORT",
                ERROR,
                f"Export {export.export_ref}: {_qty(held[export_id])} {export.uom} claimed across live "
                "claims, "
                f"more than its {_qty(export.quantity)} (19 U.S.C. 1313(v)).",
                export_id=export_id,
            )


@rule("PF-11-METHOD", "One method per import line")
def check_one_method(d: ClaimData) -> Iterator[PreflightIssue]:
    others = (
        Designation.objects.filter(import_line_id__in=d.line_ids)
        .exclude(claim_id=d.claim.pk)
        .exclude(claim__status__in=RELEASED_STATUSES)
        .order_by()
        .values_list("import_line_id", "method")
        .distinct()
    )
    methods: dict[int, set[str]] = defaultdict(set)
    for line_id, method in others:
        methods[line_id].add(method)
    for des in d.designations:
        line = d.lines[des.import_line_id]
        clash = (methods[line.pk] | ({line.designation_method} - {""})) - {des.method}
        if clash:
            yield PreflightIssue(
                "PF-11-METHOD",
                ERROR,
                f"{_line_label(line)} is designated by {', '.join(sorted(clash))} elsewhere and by "
                f"{des.method} "
                "here; a line is designated by one method only (19 CFR 190.51(a)(3)).",
                **_where(des),
            )


def _paid(d: ClaimData, line: ImportLine, group: str) -> Decimal:
    if group == "duty":
        return line.duty + sum((c.amount for c in d.ch99.get(line.pk, [])), ZERO)
    return {"hmf": line.hmf, "mpf": line.mpf}.get(group, line.other_taxes)


def _rate(d: ClaimData) -> Decimal:
    return Decimal("1") if d.provision in NO_ONE_PERCENT_CUT else DRAWBACK_RATE


@rule("PF-12", "Claim and calculated amounts per line and class")
def check_line_amounts(d: ClaimData) -> Iterator[PreflightIssue]:
    calculated: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    quantity: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for des in d.designations:
        quantity[des.import_line_id] += des.quantity
        for cls, (claim, calc) in amounts_of(des).items():
            if not claim.is_finite() or not calc.is_finite() or claim < 0 or calc < 0:
                yield PreflightIssue(
                    "PF-12",
                    ERROR,
                    f"Class {cls}: amounts must be positive numbers.",
                    accounting_class=cls,
                    **_where(des),
                )
                continue
            if claim > calc:
                yield PreflightIssue(
                    "PF-12",
                    ERROR,
                    f"Class {cls}: claim amount {claim} exceeds the calculated amount {calc} (CAT27 "
                    "43-record).",
                    accounting_class=cls,
                    **_where(des),
                )
            calculated[(des.import_line_id, group_of(cls))] += calc
    for (line_id, group), calc in calculated.items():
        line = d.lines[line_id]
        if not line.quantity:
            continue
        bound = _rate(d) * _paid(d, line, group) * quantity[line_id] / line.quantity
        if calc > bound + HALF_CENT:
            yield PreflightIssue(
                "PF-12",
                ERROR,
                f"{_line_label(line)}: {group} calculated {format_usd(calc)} for {_qty(quantity[line_id])} "
                f"{line.uom} exceeds {format_usd(bound)}, {_rate(d) * 100:.0f}% of what the line paid for "
                "that quantity (19 CFR 190.51(b); ACE F551-F555).",
                import_line_id=line_id,
            )


@rule("PF-13", "Refund per line across all claims")
def check_amounts_across_claims(d: ClaimData) -> Iterator[PreflightIssue]:
    from .ledger import IN_FORCE_STATUSES

    excluded = {d.claim.pk} | ({d.claim.replaces_id} if d.claim.replaces_id else set())
    superseded = Claim.objects.filter(corrections__status__in=IN_FORCE_STATUSES).values("pk")
    others = (
        Designation.objects.filter(import_line_id__in=d.line_ids)
        .exclude(claim_id__in=excluded)
        .exclude(claim__status__in=RELEASED_STATUSES)
        .exclude(claim_id__in=superseded)
        .filter(Q(claim__replaces__isnull=True) | Q(claim__status__in=IN_FORCE_STATUSES))
        .order_by()
        .only("import_line_id", "amounts")
    )
    claimed: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for des in [*d.designations, *others]:
        for cls, (claim, _) in amounts_of(des).items():
            if claim.is_finite():
                claimed[(des.import_line_id, group_of(cls))] += claim
    for (line_id, group), total in claimed.items():
        line = d.lines[line_id]
        bound = _rate(d) * _paid(d, line, group)
        if total > bound + HALF_CENT:
            yield PreflightIssue(
                "PF-13",
                ERROR,
                f"{_line_label(line)}: {group} claimed {format_usd(total)} across all claims, more than "
                f"{format_usd(bound)} the line can refund (ACE F014-F555 family).",
                import_line_id=line_id,
            )


@rule("PF-14", "Totals per accounting class")
def check_class_totals(d: ClaimData) -> Iterator[PreflightIssue]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for des in d.designations:
        for cls, (claim, calc) in amounts_of(des).items():
            if claim.is_finite() and calc.is_finite():
                sums[cls][0] += claim
                sums[cls][1] += calc
    if d.designations and not d.totals:
        yield PreflightIssue("PF-14", ERROR, "The claim has no totals per accounting class.")
    for cls, total in sorted(d.totals.items()):
        if total.claim_amount == 0:
            yield PreflightIssue(
                "PF-14",
                ERROR,
                f"Class {cls} claims $0.00; a class with nothing claimed is not reported (CAT27 43/89 "
                "records).",
                accounting_class=cls,
            )
        if total.claim_amount > total.calculated_amount:
            yield PreflightIssue(
                "PF-14",
                ERROR,
                f"Class {cls}: total claimed {format_usd(total.claim_amount)} exceeds the calculated "
                f"{format_usd(total.calculated_amount)}.",
                accounting_class=cls,
            )
        if cls not in sums:
            yield PreflightIssue(
                "PF-14", ERROR, f"Class {cls} has a total but no designation claims it.", accounting_class=cls
            )
    for cls, (claim, calc) in sorted(sums.items()):
        if to_cents(claim) == 0:
            continue
        total = d.totals.get(cls)
        if total is None:
            yield PreflightIssue(
                "PF-14",
                ERROR,
                f"Class {cls} is claimed on designations but has no total.",
                accounting_class=cls,
            )
        elif (total.claim_amount, total.calculated_amount) != (to_cents(claim), to_cents(calc)):
            yield PreflightIssue(
                "PF-14",
                ERROR,
                f"Class {cls}: total {format_usd(total.claim_amount)} / "
                f"{format_usd(total.calculated_amount)} differs from the designations, {format_usd(claim)} / "
                f"{format_usd(calc)} each class rounded once (19 CFR 190.51(a)(2)(vii); product decision 6).",
                accounting_class=cls,
            )


@rule("PF-15", "Accelerated payment privilege and bond")
def check_accelerated_payment(d: ClaimData) -> Iterator[PreflightIssue]:
    if not d.claim.accelerated_payment:
        return
    privilege = d.privilege(Privilege.Kind.ACCELERATED_PAYMENT, d.on)
    if privilege is None:
        yield PreflightIssue(
            "PF-15",
            ERROR,
            "Accelerated payment is requested but the client holds no accelerated payment privilege in "
            "force on "
            f"{d.on} (19 CFR 190.92).",
        )
        return
    if privilege.bond_type not in {"8", "9"} or len(privilege.surety_code.strip()) != 3:
        yield PreflightIssue(
            "PF-15",
            ERROR,
            "Accelerated payment needs a continuous (8) or single-transaction (9) bond with a 3-character "
            "surety code (CAT27 31-record; ACE I286).",
        )
    if privilege.bond_effective_on is None or privilege.bond_effective_on > d.on:
        yield PreflightIssue(
            "PF-15",
            ERROR,
            f"The activity 1A bond must be effective on or before the request date {d.on} (CSMS 48380692; "
            "ACE I285).",
        )
    if privilege.bond_type == "9":
        if not privilege.bond_amount or not privilege.bond_number.strip():
            yield PreflightIssue(
                "PF-15", ERROR, "A single-transaction bond needs its amount and number (CAT27 31-record)."
            )
        else:
            claimed = sum((t.claim_amount for t in d.totals.values()), ZERO)
            if privilege.bond_amount < claimed:
                yield PreflightIssue(
                    "PF-15",
                    WARNING,
                    f"The single-transaction bond of {format_usd(privilege.bond_amount)} is less than the "
                    f"{format_usd(claimed)} "
                    "claimed "
                    "(ACE I287 BOND INSUFFICIENT).",
                )
    if privilege.bond_type == "8" and privilege.bond_amount is not None:
        # A continuous bond stands behind every accelerated claim until it is liquidated.
        from claims.privileges.selectors import bond_position

        bond = bond_position(client=d.claim.client, on=d.on, exclude_claim=d.claim)
        claimed = sum((t.claim_amount for t in d.totals.values()), ZERO)
        if bond is not None and bond.privilege.pk == privilege.pk and bond.used + claimed > bond.amount:
            yield PreflightIssue(
                "PF-15",
                WARNING,
                f"The continuous bond of {format_usd(bond.amount)} already stands behind "
                f"{format_usd(bond.used)} of accelerated payments on {bond.used_claims} filed claim(s) "
                f"not yet liquidated; this claim's {format_usd(claimed)} would take it "
                f"{format_usd(bond.used + claimed - bond.amount)} over (ACE I287 BOND INSUFFICIENT).",
            )


def _notice_problem(export: Export, notices: list[NoticeOfIntent]) -> tuple[str, str] | None:
    """(severity, message) when no notice covers the export, or None."""
    working_days = NOTICE_WORKING_DAYS[export.disposition]
    wanted = (
        {NoticeOfIntent.Action.DESTROY}
        if export.disposition == Export.Disposition.DESTROY
        else {NoticeOfIntent.Action.EXPORT, NoticeOfIntent.Action.RETURN}
    )
    mine = [n for n in notices if n.intended_action in wanted]
    if not mine:
        return ERROR, (
            f"{export.get_disposition_display()} {export.export_ref} on {export.export_date} has no notice "
            "of intent "
            f"(CBP 7553) and the claim is not under a waiver of prior notice (19 CFR 190.35, 190.71, 190.91)."
        )
    timely = [n for n in mine if notice_filed_in_time(n.filed_on, export.export_date, working_days)]
    if not timely:
        latest = add_working_days(export.export_date, -working_days)
        return ERROR, (
            f"The 7553 for {export.export_ref} was filed {max(n.filed_on for n in mine)}; it had to reach "
            "CBP "
            f"{working_days} working days before {export.export_date}, by {latest}."
        )
    if any(n.cbp_decision == NoticeOfIntent.Decision.EXAMINE for n in timely) and not any(
        n.cbp_decision in {NoticeOfIntent.Decision.WAIVED, NoticeOfIntent.Decision.EXAMINED} for n in timely
    ):
        return ERROR, (
            f"CBP said it would examine {export.export_ref} and no examination is recorded; goods that leave "
            "without it lose their drawback (19 CFR 190.35(c))."
        )
    if any(n.exam_result == NoticeOfIntent.Result.DISCREPANT for n in timely):
        return (
            WARNING,
            f"CBP's examination of {export.export_ref} was discrepant; check the quantities claimed.",
        )
    return None


@rule("CFR-190.35", "Notice of intent (CBP 7553) or waiver of prior notice")
def check_notice_of_intent(d: ClaimData) -> Iterator[PreflightIssue]:
    unused_or_rejected = d.provision in UNUSED | REJECTED
    manufacturing = d.provision in MANUFACTURING
    if not unused_or_rejected and not manufacturing:
        return
    notices: dict[int, list[NoticeOfIntent]] = defaultdict(list)
    for notice in NoticeOfIntent.objects.filter(export_id__in=d.export_ids).order_by():
        notices[notice.export_id].append(notice)
    for export in d.exports.values():
        if manufacturing and export.disposition != Export.Disposition.DESTROY:
            continue  # manufacturing exports need no prior notice; destructions do (19 CFR 190.71)
        problem = _notice_problem(export, notices[export.pk])
        if problem is None:
            continue
        # The waiver replaces the notice for the export, so it must have been in force when the goods left.
        waiver = d.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE, export.export_date)
        if unused_or_rejected and waiver is not None:
            if d.claim.waiver_prior_notice:
                continue
            problem = (
                ERROR,
                f"{export.export_ref} relies on the waiver of prior notice; mark the claim as filed under "
                "the "
                "waiver (10-record WPN indicator).",
            )
        yield PreflightIssue("CFR-190.35", problem[0], problem[1], export_id=export.pk)


@rule("CFR-190.91", "Waiver of prior notice in force")
def check_waiver(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.claim.waiver_prior_notice and d.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE, d.on) is None:
        yield PreflightIssue(
            "CFR-190.91",
            ERROR,
            "The claim is marked as under a waiver of prior notice, but the client holds none in force on "
            f"{d.on}.",
        )


@rule("CFR-190.8", "Manufacturing drawback ruling")
def check_manufacturing_ruling(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision in MANUFACTURING and d.privilege(Privilege.Kind.MANUFACTURING_RULING, d.on) is None:
        yield PreflightIssue(
            "CFR-190.8",
            ERROR,
            f"Provision {d.provision} is manufacturing drawback: the client needs a general or specific "
            f"manufacturing ruling in force on {d.on}, cited on the claim (19 CFR 190.7-190.8, "
            "190.51(a)(2)(ix)).",
        )


@rule("CFR-190.51-BOM", "Bill of materials or formula")
def check_bill_of_materials(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision not in BOM_CERTIFICATION:
        return
    # The bill of materials is evidence for this claim's articles: it must be attached to one of its exports
    # or designated entries. One on file for the client but attached to neither is only a warning.
    documents = Document.objects.filter(
        documents_of_type([Document.Type.BILL_OF_MATERIALS]), client=d.claim.client
    ).distinct()
    entries = d.line_ids.values("import_line__entry_id")
    linked = documents.filter(Q(exports__in=d.export_ids) | Q(import_entries__in=entries)).exists()
    if linked:
        return
    # Designations built from the client's bills of materials name their lot: the loaded bill of materials
    # is the evidence (claims.manufacturing's pre-flight checks each one).
    if d.designations and all((x.manufacture or {}).get("lot") for x in d.designations):
        return
    if documents.exists():
        yield PreflightIssue(
            "CFR-190.51-BOM",
            WARNING,
            "The client has a bill of materials on file, but none is attached to this claim's exports or "
            "entries.",
        )
    else:
        yield PreflightIssue(
            "CFR-190.51-BOM",
            ERROR,
            f"Provision {d.provision} needs a bill of materials or formula (10-record pos 74 certification; "
            "19 U.S.C. 1313(b)); none is on file.",
        )


@rule("PF-17", "USMCA and Chile: substitution exports")
def check_usmca(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision not in UNUSED_SUBSTITUTION:
        return
    for export in d.exports.values():
        if export.destination not in SUBSTITUTION_BARRED_DESTINATIONS:
            continue
        if not export.excepted_goods:
            yield PreflightIssue(
                "PF-17",
                ERROR,
                f"Export {export.export_ref} to {export.destination} is not an exportation for substitution "
                "drawback (19 U.S.C. 1313(j)(4); product decision 11) unless the goods are excepted.",
                export_id=export.pk,
            )
        elif export.destination in USMCA and d.provision not in EXCEPTION_PROVISIONS:
            # Chile's excepted goods have no code of their own and stay under the claim's provision.
            yield PreflightIssue(
                "PF-17",
                WARNING,
                f"Export {export.export_ref} to {export.destination} is marked as excepted goods; CATAIR "
                "files such claims under provision 77 (1313(j)(2) USMCA Exceptions).",
                export_id=export.pk,
            )


@rule("PF-18", "Claimant ID")
def check_claimant(d: ClaimData) -> Iterator[PreflightIssue]:
    number = d.claim.client.importer_number
    if not is_valid_importer_number(number) or len(number) > 12:
        yield PreflightIssue(
            "PF-18",
            ERROR,
            f"Claimant ID {number!r} is not an EIN with suffix (NN-NNNNNNNXX), an SSN or a CBP-assigned "
            "number.",
        )


@rule("PF-19", "Record limits")
def check_record_limits(d: ClaimData) -> Iterator[PreflightIssue]:
    if not d.designations:
        yield PreflightIssue("PF-19", ERROR, "The claim designates no import line against any export.")
        return
    if len(d.lines) > min(MAX_IMPORTS, MAX_TRACKING_NUMBER):
        yield PreflightIssue(
            "PF-19", ERROR, f"{len(d.lines)} import lines; a claim holds at most {MAX_IMPORTS:,} (CAT27)."
        )
    if len(d.exports) > MAX_EXPORTS:
        yield PreflightIssue(
            "PF-19", ERROR, f"{len(d.exports)} exports; a claim holds at most {MAX_EXPORTS:,} (CAT27)."
        )
    classes: dict[int, set[str]] = defaultdict(set)
    for des in d.designations:
        classes[des.import_line_id] |= set(amounts_of(des))
    for line_id, line in d.lines.items():
        records = 1 + len(d.ch99.get(line_id, []))
        if records > MAX_CLASSIFICATIONS_PER_IMPORT:
            yield PreflightIssue(
                "PF-19",
                ERROR,
                f"{_line_label(line)} needs {records} classification records; at most "
                f"{MAX_CLASSIFICATIONS_PER_IMPORT} (CAT27 Rev 27).",
                import_line_id=line_id,
            )
        if len(classes[line_id]) > MAX_REVENUE_RECORDS_PER_IMPORT:
            yield PreflightIssue(
                "PF-19",
                ERROR,
                f"{_line_label(line)} claims {len(classes[line_id])} classes; at most "
                f"{MAX_REVENUE_RECORDS_PER_IMPORT} revenue records per import.",
                import_line_id=line_id,
            )


@rule("PF-20", "Section 232 vehicle parts under manufacturing drawback")
def check_section_232_parts(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision not in {"51", "52", "71", "72"} or d.on >= SECTION_232_PARTS_FROM:
        return
    ranges = list(
        Chapter99Heading.objects.filter(program__icontains="MHDV").values_list("ch99_from", "ch99_to")
    )
    for line_id, duties in d.ch99.items():
        for duty in duties:
            if duty.amount and any(lo <= duty.number <= hi for lo, hi in ranges):
                yield PreflightIssue(
                    "PF-20",
                    ERROR,
                    f"{_line_label(d.lines[line_id])} carries Section 232 vehicle-parts duty {duty.number}; "
                    f"manufacturing claims may include it only from {SECTION_232_PARTS_FROM} (ACE FD12).",
                    import_line_id=line_id,
                )


@rule("DIRECT-ID", "Direct identification traced to the import line")
def check_direct_identification(d: ClaimData) -> Iterator[PreflightIssue]:
    for des in d.designations:
        if des.method != "direct":
            continue
        export = d.exports[des.export_id]
        if export.direct_line_id and export.direct_line_id != des.import_line_id:
            yield PreflightIssue(
                "DIRECT-ID",
                ERROR,
                f"Export {export.export_ref} is recorded as goods of another import line; direct "
                "identification "
                "designates the line the goods came from.",
                **_where(des),
            )
        elif not export.direct_line_id:
            yield PreflightIssue(
                "DIRECT-ID",
                WARNING,
                f"Export {export.export_ref} records no import entry and line; keep the records that trace "
                "it to "
                f"{_line_label(d.lines[des.import_line_id])}.",
                **_where(des),
            )


@rule("DATA", "Designated data belongs to the claimant")
def check_same_client(d: ClaimData) -> Iterator[PreflightIssue]:
    for des in d.designations:
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        if line.client_id != d.claim.client_id or export.client_id != d.claim.client_id:
            yield PreflightIssue(
                "DATA", ERROR, "This designation uses another client's import line or export.", **_where(des)
            )


@rule("PF-R", "Replacement keeps the header on file")
def check_replacement_header(d: ClaimData) -> Iterator[PreflightIssue]:
    replaced = d.claim.replaces
    if replaced is None:
        return
    fields = {
        "claim number": (d.claim.number, replaced.number),
        "claimant": (d.claim.client_id, replaced.client_id),
        "drawback filing port": (d.claim.drawback_port, replaced.drawback_port),
        "accelerated payment indicator": (d.claim.accelerated_payment, replaced.accelerated_payment),
    }
    for name, (mine, theirs) in fields.items():
        if mine != theirs:
            yield PreflightIssue(
                "PF-R",
                ERROR,
                f"A replacement must keep the {name} of the claim on file (CAT27 10-record Note 2).",
            )


@rule("CAPE", "Entry waiting for its IEEPA refund (CAPE)")
def check_cape_hold(d: ClaimData) -> Iterator[PreflightIssue]:
    from claims.cape.guards import held_lines

    held = held_lines(d.claim.client, d.lines.keys())
    for des in d.designations:
        if des.import_line_id in held:
            yield PreflightIssue(
                "CAPE",
                ERROR,
                f"{_line_label(d.lines[des.import_line_id])}: {held[des.import_line_id]}. CAPE rejects an "
                "entry associated with a drawback claim: remove the designation, or release the entry to "
                "drawback on the client's CAPE page (recorded).",
                **_where(des),
            )


@rule("CAPE-IEEPA-REFUNDED", "IEEPA duties CBP refunded counted on drawback")
def check_ieepa_refunded(d: ClaimData) -> Iterator[PreflightIssue]:
    from claims.cape.guards import refunded_counted

    for des, state, counted in refunded_counted(d.designations, client=d.claim.client, on=d.on):
        yield PreflightIssue(
            "CAPE-IEEPA-REFUNDED",
            ERROR,
            f"{_line_label(d.lines[des.import_line_id])} counts {format_usd(counted)} of IEEPA duties: "
            f"{state.decision.reason}. The same dollar cannot be recovered twice: designate the line again "
            "on its reliquidated duties (build again).",
            accounting_class="364",
            **_where(des),
        )


# Rules that depend on the filing date, re-run when the claim is filed.
FILING_TIME_RULES = frozenset({"PF-10-BEFORE-FILING", "PF-10-CLAIM", "PF-10-R"})


def _load(claim: Claim, on: dt.date) -> ClaimData:
    claim = Claim.objects.select_related("client__firm", "replaces").get(pk=claim.pk)
    designations = list(
        claim.designations.select_related("import_line__entry", "export").order_by(
            "export_id", "import_line_id"
        )
    )
    lines = {des.import_line_id: des.import_line for des in designations}
    exports = {des.export_id: des.export for des in designations}
    ch99: dict[int, list[LineCh99Duty]] = defaultdict(list)
    line_ids = Designation.objects.filter(claim_id=claim.pk).order_by().values("import_line_id")
    for duty in LineCh99Duty.objects.filter(line_id__in=line_ids).order_by("line_id", "ordinal"):
        ch99[duty.line_id].append(duty)
    return ClaimData(
        claim=claim,
        on=on,
        designations=designations,
        lines=lines,
        exports=exports,
        totals={t.accounting_class: t for t in claim.class_totals.all()},
        privileges=list(claim.client.privileges.all()),
        filer_offsets=dict(FilerCodeOffset.objects.values_list("filer_code", "offset")),
        ch99=dict(ch99),
    )


def claim_preflight(
    *, claim: Claim, on: dt.date | None = None, only: Iterable[str] | None = None
) -> list[PreflightIssue]:
    """Run the pre-flight rules on the claim as if filed on `on` (today by default). Reads only.

    Returns every issue found, errors first; an empty list means the claim may go to review.
    """
    data = _load(claim, on or timezone.localdate())
    wanted = set(only) if only is not None else None
    issues: list[PreflightIssue] = []
    for spec in RULES:
        if wanted is None or spec.id in wanted:
            issues.extend(spec.check(data))
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(issues, key=lambda i: order[i.severity])


def issue_counts(issues: Iterable[PreflightIssue]) -> dict[str, int]:
    counts = {ERROR: 0, WARNING: 0, INFO: 0}
    for issue in issues:
        counts[issue.severity] += 1
    return counts


# Rules on the records behind manufacturing and rejected-merchandise designations (bills of materials, lots,
# rulings, returns) live with those records; importing them registers them.
from claims.manufacturing import preflight as _manufacturing_rules  # noqa: E402, F401
