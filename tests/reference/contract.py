"""Reference implementation of the `designate` contract (docs/reference/data-contract.md).

Independent, slow and exact: every amount is a `fractions.Fraction` from the CSV text to the final sum, the
optimum is found by an exact max-profit flow per line-method assignment (`exact_lp`), and nothing here
imports product code. It exists so that the product's `designate` command can be compared with a second,
separately written reading of the same documents.

Rules applied (data-contract.md "The command", every product decision at its default setting):
unused-merchandise drawback only; direct identification (provision 58, 19 U.S.C. 1313(j)(1)) for an export
that names its import line, substitution (provision 59, 1313(j)(2)) for every other export; one method per
import line (19 CFR 190.51(a)(3), decision 10); no quantity used twice (1313(v)); the time windows
(decisions 1-3, 12); the substitution standard with the "Other" rules and the Schedule B first-8 rule
(1313(j)(2), (j)(5), (j)(6)); the unit-of-measure match (190.51(a)(2)(xi)); the CA/MX/CL rule (1313(j)(4),
decision 11); the lesser-of rule per class (decision 4); Chapter 99 eligibility (decision 8); MPF/HMF
(decision 7); 99% (190.51(b)(1)); recovered materials on destruction (1313(x)); per-class rounding
(decision 6).

Readings
--------
Where the documents leave a point open, this module reads it as follows. Each reading is a place where
the product may legitimately differ; a difference is reported, not silently accepted.

R1  Export window, strict (decision 1): an export or destruction is eligible only when its date is before
    the fifth anniversary of the import date. Five years after 29 February is 28 February (decision 3).
R2  Claim window (decision 2, 1313(r)(1)): an import line can be designated only when the filing date is on
    or before the fifth anniversary of its import date.
R3  "Before the claim is filed" (1313(j)(1)/(2), 190.31(b), 190.32(a), DBK-026): the export date must be
    strictly before the filing date; an export on the filing date itself is not eligible (only dates are
    known, so the conservative reading is taken; the product never over-claims).
R4  Substitution ordering (190.51(e)(1)(iii), decision 12): a substitution export on the import date is
    eligible, one before it is not. Direct identification needs the same (goods cannot leave before they
    arrive; catair.md PF-10).
R5  Substitution standard (1313(j)(2)(A), (j)(5), (j)(6); domain.md 2.2): when the description of the import's
    8-digit row does not begin with "Other", the first 8 digits of the export's HTS or Schedule B number
    must equal the import's 8 digits. When it does, the export's 10 digits must equal the import's 10 digits
    and the import's 10-digit description must not begin with "Other" ("Other/Other": no substitution).
    "Begins with Other" = after leading spaces and punctuation, the word "other", any case (formats.md (d)).
    The description is read from that row (data-contract.md): a 10-digit row with an empty description does
    not begin with "Other". When the import's 8-digit description begins with "Other" and the tariff file
    has no 10-digit row for the import, the 10-digit test cannot be passed, so substitution is refused.
R6  Direct identification does not compare HTS numbers: the exported goods are the imported goods, and the
    export may be reported under a Schedule B number that differs from the import's HTS.
R7  Unit of measure (190.51(a)(2)(xi); catair.md 42-record): the export's unit must equal the import line's
    unit (codes compared after trimming, case-insensitive), for substitution and for direct identification
    alike: the designated quantity is counted in the line's unit and there is no conversion in the contract.
R8  CA/MX/CL (1313(j)(4), decision 11): a substitution *export* (not a destruction) to CA, MX or CL is
    ineligible unless `excepted_goods` is true; direct identification to those countries is unaffected.
    A direct-identification export is never used for substitution, even when its own line is ineligible.
R9  Lesser-of per class (decision 4, 190.32(b), CSMS 19-000050, catair.md 43-record): with EGVU = entered
    value / line quantity and SVU = export value / export quantity, every ad valorem amount of the line is
    scaled by min(1, SVU / EGVU). Ad valorem amounts are: the ad valorem part of the Chapter 1-97 duty, every
    eligible Chapter 99 duty (trade-remedy duties are ad valorem; the catair.md GIST example and DBK-032 scale
    them), MPF and HMF (ad valorem fees; the GIST 398/399 records are scaled by the same ratio). The specific
    part of the duty is not reduced.
R10 Rate structure: read from the `General Rate of Duty` of the import's 10-digit row when that cell is
    filled, else of its 8-digit row. `Free` or `N%`: all duty is ad valorem. `N¢/unit` or `$N/unit`: all duty
    is specific. Compound (`a¢/unit + b%`, either order): the specific part is min(duty, a x quantity) when
    the rate's unit is the line's unit, the rest is ad valorem; when the units differ the split cannot be
    made and the line is treated as of unknown structure. Unknown structure (text rates, anything else):
    the whole duty is ad valorem at its effective rate (decision 4).
R11 Destruction (1313(x), 190.11, domain.md 3.3 and 3.6, DBK-045): the recovered value is spread evenly over
    the destroyed quantity (r = recovered value / destroyed quantity) and deducted from the per-unit values
    on both sides before the comparison: ad valorem amounts are scaled by max(0, V - r) / EGVU, where
    V = EGVU for direct identification and V = min(EGVU, SVU) for substitution (SVU = value at destruction /
    quantity). The specific part is not reduced. When EGVU is 0 the ratio is taken as 1 (nothing ad valorem
    can have been paid on a zero value).
R12 Chapter 99 (decision 8, chapter99.md section 3): an amount counts only when its number falls in a row of
    imports/data/chapter99.csv marked `yes` whose basis does not start with PARTIAL; `no`, `unknown`,
    PARTIAL and numbers in no row are not eligible. An import date outside the row's effective dates keeps
    the row's answer (chapter99.md section 3 step 4: warn, do not drop).
R13 Classes and rounding (decision 6, 190.51(a)(2)(vii), catair.md 43-record): three classes, duty (364,
    Chapter 1-97 duty together with eligible Chapter 99 duty), MPF (399) and HMF (398). The claim total is
    each class summed exactly over all rows, rounded half-up to cents, then added.
R14 Objective: "the maximum total refund" is read as the maximum exact (unrounded) refund; the reported
    total is the per-class rounding of that optimum. `max_rounded_total` also computes the largest claim
    total reachable when the rounding itself is optimised, because that can be a cent or two higher.
R15 MPF and HMF columns hold the amounts already attributed to the line; the refund per unit is 99% of
    amount / line quantity (190.51(b)(2) apportionment happened upstream).
R16 Line election (19 CFR 190.51(a)(3), decision 10): a line's method is fixed by its designation, not by
    an export naming it. When a line could serve both its direct-identification exports and substitution
    exports, the optimum picks whichever method earns more; the line's other exports stay undesignated.
R17 A non-zero `recovered_value` on an export (not a destruction) is bad input: recovered materials exist
    only in a destruction (1313(x)), and contradictory data are reported, not silently ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from math import floor
from pathlib import Path

from tests.reference.exact_lp import max_profit_flow, simplex

REPO = Path(__file__).resolve().parents[2]
CHAPTER99_CSV = REPO / "imports" / "data" / "chapter99.csv"

NINETY_NINE = Fraction(99, 100)
CLASSES = ("duty", "mpf", "hmf")
USMCA_CHILE = {"CA", "MX", "CL"}


@dataclass(frozen=True)
class Options:
    """Alternative readings, for comparing with a program that reads an open point the other way.

    The defaults are this module's readings. Each flag names the reading it replaces and the disagreement
    it belongs to in test_differential.py.
    """

    # R5 alternative (D1): a 10-digit row with a blank description reads as its 8-digit subheading
    blank_statistical_description_inherits: bool = False
    # R16 alternative (D2): a line with an eligible direct-identification export that earns a refund is used
    # for nothing else
    direct_identification_locks_line: bool = False


DEFAULT_OPTIONS = Options()


# --------------------------------------------------------------------------------------------------------
# Input problems
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file + (f" row {self.row}" if self.row is not None else "")
        where += f" column {self.column}" if self.column else ""
        return f"{where}: {self.rule}"


class InputError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


# --------------------------------------------------------------------------------------------------------
# Text parsing
# --------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ENTRY = re.compile(r"^[A-Z0-9]{3}\d{8}$")
_LETTER_VALUE = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)


def parse_number(text: str) -> Fraction:
    """A plain decimal number (no currency sign, no exponent) as an exact Fraction."""
    text = text.strip()
    if not _NUMBER.match(text):
        raise ValueError(f"not a decimal number: {text!r}")
    return Fraction(Decimal(text))


def parse_date(text: str) -> dt.date:
    text = text.strip()
    if not _DATE.match(text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return dt.date.fromisoformat(text)


def hts_digits(text: str) -> str:
    """`7102.39.0010`, `7102.39.00.10` and `7102390010` all give `7102390010`."""
    return re.sub(r"[.\s]", "", text.strip())


def entry_check_digit(filer: str, sequence: str) -> int:
    """CATAIR Appendix B / App. E: Luhn mod 10 over the converted filer code and the 7-digit sequence."""
    digits = [_LETTER_VALUE[c] if c.isalpha() else int(c) for c in (filer + sequence)]
    even = sum(2 * d - 9 if 2 * d > 9 else 2 * d for d in digits[1::2])
    odd = sum(digits[0::2])
    return (10 - (even + odd) % 10) % 10


def normalize_entry(text: str) -> str:
    """Entry number without dashes or spaces, upper case: `B76-0324527-8` -> `B7603245278`."""
    return re.sub(r"[\s-]", "", text).upper()


def anniversary(day: dt.date, years: int = 5) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February (decision 3)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 2, 28)


_OTHER = re.compile(r"^[\W_]*other\b", re.IGNORECASE)


def begins_with_other(description: str) -> bool:
    return bool(_OTHER.match(description or ""))


def round_half_up_cents(amount: Fraction) -> int:
    """Whole cents, half-up (amounts here are never negative)."""
    return floor(amount * 100 + Fraction(1, 2))


def cents_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def decimal_text(value: Fraction, max_places: int = 12) -> str:
    """Exact decimal text of a terminating fraction (raises if it does not terminate within max_places)."""
    for places in range(0, max_places + 1):
        scaled = value * 10**places
        if scaled.denominator == 1:
            q = Decimal(scaled.numerator).scaleb(-places)
            return format(q, "f")
    raise ValueError(f"{value} has no exact decimal form within {max_places} places")


# --------------------------------------------------------------------------------------------------------
# CSV reading under the contract's general rules
# --------------------------------------------------------------------------------------------------------


def _text_of(source: str | Path | bytes) -> str:
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        return source.decode("utf-8-sig")
    return source[1:] if source.startswith("\ufeff") else source


def read_table(source, *, label: str, required: Iterable[str], problems: list[Problem]):
    """Rows as dicts keyed by lower-case column name; (line number, dict) pairs. Blank lines skipped."""
    reader = csv.reader(io.StringIO(_text_of(source), newline=""))
    header = None
    rows = []
    for raw in reader:
        if not any(cell.strip() for cell in raw):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in raw]
            seen = set()
            for name in header:
                if name and name in seen:
                    problems.append(Problem(label, reader.line_num, name, "column appears twice"))
                seen.add(name)
            missing = [name for name in required if name not in header]
            for name in missing:
                problems.append(Problem(label, None, name, "required column missing"))
            continue
        cells = {name: (raw[i].strip() if i < len(raw) else "") for i, name in enumerate(header) if name}
        rows.append((reader.line_num, cells))
    if header is None:
        problems.append(Problem(label, None, None, "file is empty (no header row)"))
        return []
    return rows


# --------------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ch99Amount:
    number: str  # 9903.NN.NN
    amount: Fraction


@dataclass
class ImportLine:
    row: int
    entry_text: str
    entry: str  # normalized
    line: int
    import_date: dt.date
    hts: str  # 10 digits
    quantity: Fraction
    uom: str
    entered_value: Fraction
    duty: Fraction
    ch99: list[Ch99Amount] = field(default_factory=list)
    mpf: Fraction = Fraction(0)
    hmf: Fraction = Fraction(0)
    country: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.entry, self.line)


@dataclass
class Export:
    row: int
    ref: str
    date: dt.date
    hts: str
    quantity: Fraction
    uom: str
    value: Fraction
    destination: str
    disposition: str  # export | destroy
    recovered: Fraction
    di_key: tuple[str, int] | None
    excepted: bool


@dataclass(frozen=True)
class TariffRow:
    hts: str  # 8 or 10 digits
    description: str
    general_rate: str
    unit: str


@dataclass(frozen=True)
class Heading:
    ch99_from: str
    ch99_to: str
    program: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    eligible: str
    basis: str


IMPORT_REQUIRED = (
    "entry_number",
    "line_number",
    "import_date",
    "hts",
    "quantity",
    "uom",
    "entered_value",
    "duty",
)
EXPORT_REQUIRED = ("export_ref", "export_date", "hts", "quantity", "uom", "value", "destination")
TARIFF_REQUIRED = ("hts number", "description", "general rate of duty")


def _num(cells, name, label, row, problems, *, positive=False, optional=False) -> Fraction:
    text = cells.get(name, "")
    if text == "":
        if optional:
            return Fraction(0)
        problems.append(Problem(label, row, name, "value required"))
        return Fraction(0)
    try:
        value = parse_number(text)
    except ValueError:
        problems.append(Problem(label, row, name, f"not a decimal number: {text!r}"))
        return Fraction(0)
    if positive and value <= 0:
        problems.append(Problem(label, row, name, "must be greater than 0"))
    elif value < 0:
        problems.append(Problem(label, row, name, "must not be negative"))
    return value


def _date(cells, name, label, row, problems) -> dt.date:
    try:
        return parse_date(cells.get(name, ""))
    except ValueError as exc:
        problems.append(Problem(label, row, name, str(exc)))
        return dt.date(1900, 1, 1)


def _entry(text, label, row, column, problems) -> str:
    entry = normalize_entry(text)
    if not _ENTRY.match(entry):
        problems.append(
            Problem(label, row, column, f"entry number {text!r} is not filer code + 7 digits + check")
        )
        return entry
    if entry_check_digit(entry[:3], entry[3:10]) != int(entry[10]):
        problems.append(Problem(label, row, column, f"entry number {text!r}: check digit mismatch (App. E)"))
    return entry


def _line_number(text, label, row, column, problems) -> int:
    if not re.fullmatch(r"\d+", text or "") or int(text) < 1:
        problems.append(Problem(label, row, column, f"line number must be an integer >= 1, got {text!r}"))
        return 0
    return int(text)


def parse_ch99(text: str) -> list[Ch99Amount]:
    """`9903.88.03=2500.00;9903.01.24=300.00` (numbers with or without dots)."""
    out = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"expected number=amount, got {part!r}")
        number, amount = (p.strip() for p in part.split("=", 1))
        digits = hts_digits(number)
        if not re.fullmatch(r"9903\d{4}(\d{2})?", digits):
            raise ValueError(f"not a Chapter 99 number: {number!r}")
        value = parse_number(amount)
        if value < 0:
            raise ValueError(f"negative Chapter 99 amount {amount!r}")
        out.append(Ch99Amount(f"{digits[:4]}.{digits[4:6]}.{digits[6:8]}", value))
    return out


def read_imports(source, problems: list[Problem], label: str = "imports.csv") -> list[ImportLine]:
    lines = []
    seen: dict[tuple[str, int], int] = {}
    for row, cells in read_table(source, label=label, required=IMPORT_REQUIRED, problems=problems):
        entry = _entry(cells.get("entry_number", ""), label, row, "entry_number", problems)
        number = _line_number(cells.get("line_number", ""), label, row, "line_number", problems)
        hts = hts_digits(cells.get("hts", ""))
        if not re.fullmatch(r"\d{10}", hts) or not 1 <= int(hts[:2]) <= 97:
            problems.append(
                Problem(label, row, "hts", f"must be a 10-digit Chapter 1-97 number, got {hts!r}")
            )
        try:
            ch99 = parse_ch99(cells.get("ch99", ""))
        except ValueError as exc:
            problems.append(Problem(label, row, "ch99", str(exc)))
            ch99 = []
        uom = cells.get("uom", "").upper()
        if not uom:
            problems.append(Problem(label, row, "uom", "value required"))
        line = ImportLine(
            row=row,
            entry_text=cells.get("entry_number", ""),
            entry=entry,
            line=number,
            import_date=_date(cells, "import_date", label, row, problems),
            hts=hts,
            quantity=_num(cells, "quantity", label, row, problems, positive=True),
            uom=uom,
            entered_value=_num(cells, "entered_value", label, row, problems),
            duty=_num(cells, "duty", label, row, problems),
            ch99=ch99,
            mpf=_num(cells, "mpf", label, row, problems, optional=True),
            hmf=_num(cells, "hmf", label, row, problems, optional=True),
            country=cells.get("country_of_origin", "").upper(),
        )
        if line.key in seen:
            problems.append(
                Problem(label, row, "line_number", f"line {line.key} already on row {seen[line.key]}")
            )
        seen[line.key] = row
        lines.append(line)
    return lines


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"", "false", "no", "n", "0"}


def read_exports(source, problems: list[Problem], label: str = "exports.csv") -> list[Export]:
    exports = []
    refs: dict[str, int] = {}
    for row, cells in read_table(source, label=label, required=EXPORT_REQUIRED, problems=problems):
        ref = cells.get("export_ref", "")
        if not ref:
            problems.append(Problem(label, row, "export_ref", "value required"))
        elif ref in refs:
            problems.append(Problem(label, row, "export_ref", f"duplicate of row {refs[ref]}"))
        refs[ref] = row
        disposition = (cells.get("disposition", "") or "export").lower()
        if disposition not in ("export", "destroy"):
            problems.append(
                Problem(label, row, "disposition", f"must be export or destroy, got {disposition!r}")
            )
        destination = cells.get("destination", "").upper()
        if disposition == "export" and not destination:
            problems.append(Problem(label, row, "destination", "required for an export"))
        hts = hts_digits(cells.get("hts", ""))
        if not re.fullmatch(r"\d{10}", hts):
            problems.append(
                Problem(label, row, "hts", f"must be a 10-digit HTS or Schedule B number, got {hts!r}")
            )
        entry_text, line_text = cells.get("entry_number", ""), cells.get("line_number", "")
        di_key = None
        if entry_text or line_text:
            if not (entry_text and line_text):
                problems.append(
                    Problem(label, row, "entry_number", "entry_number and line_number go together")
                )
            else:
                di_key = (
                    _entry(entry_text, label, row, "entry_number", problems),
                    _line_number(line_text, label, row, "line_number", problems),
                )
        excepted_text = cells.get("excepted_goods", "").lower()
        if excepted_text not in _TRUE | _FALSE:
            problems.append(
                Problem(label, row, "excepted_goods", f"must be true or false, got {excepted_text!r}")
            )
        uom = cells.get("uom", "").upper()
        if not uom:
            problems.append(Problem(label, row, "uom", "value required"))
        recovered = _num(cells, "recovered_value", label, row, problems, optional=True)
        if recovered and disposition != "destroy":
            # Recovered materials exist only in a destruction (1313(x)); on an export the data contradict
            # themselves, so they are reported rather than ignored (reading R17).
            problems.append(
                Problem(label, row, "recovered_value", "only a destruction has a recovered value")
            )
        exports.append(
            Export(
                row=row,
                ref=ref,
                date=_date(cells, "export_date", label, row, problems),
                hts=hts,
                quantity=_num(cells, "quantity", label, row, problems, positive=True),
                uom=uom,
                value=_num(cells, "value", label, row, problems),
                destination=destination,
                disposition=disposition,
                recovered=recovered,
                di_key=di_key,
                excepted=excepted_text in _TRUE,
            )
        )
    return exports


def read_tariff(source, problems: list[Problem], label: str = "tariff") -> dict[str, TariffRow]:
    rows: dict[str, TariffRow] = {}
    for _row, cells in read_table(source, label=label, required=TARIFF_REQUIRED, problems=problems):
        digits = hts_digits(cells.get("hts number", ""))
        if len(digits) not in (8, 10) or not digits.isdigit():
            continue  # headings, indent-only rows
        rows.setdefault(
            digits,
            TariffRow(
                digits,
                cells.get("description", ""),
                cells.get("general rate of duty", ""),
                cells.get("unit of quantity", ""),
            ),
        )
    return rows


def load_chapter99(path: Path = CHAPTER99_CSV) -> list[Heading]:
    out = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            out.append(
                Heading(
                    row["ch99_from"].strip(),
                    row["ch99_to"].strip(),
                    row["program"].strip(),
                    dt.date.fromisoformat(row["effective_from"]) if row["effective_from"].strip() else None,
                    dt.date.fromisoformat(row["effective_to"]) if row["effective_to"].strip() else None,
                    row["drawback_eligible"].strip().lower(),
                    row["basis"].strip(),
                )
            )
    return out


def ch99_eligible(number: str, headings: list[Heading]) -> tuple[bool, str]:
    """Reading R12."""
    for h in headings:
        if h.ch99_from <= number <= h.ch99_to:
            if h.eligible == "yes" and not h.basis.upper().startswith("PARTIAL"):
                return True, h.program
            return (
                False,
                f"{h.program}: {h.eligible}{' (partial)' if h.basis.upper().startswith('PARTIAL') else ''}",
            )
    return False, "no Chapter 99 heading"


# --------------------------------------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------------------------------------

_UNIT_CODES = {
    "kg": "KG",
    "g": "G",
    "t": "T",
    "liter": "L",
    "liters": "L",
    "l": "L",
    "no.": "NO",
    "no": "NO",
    "each": "NO",
    "item": "NO",
    "doz.": "DOZ",
    "doz": "DOZ",
    "pr.": "PRS",
    "pair": "PRS",
    "m2": "M2",
    "m²": "M2",
    "m": "M",
    "m3": "M3",
    "carat": "CT",
    "ct": "CT",
    "gross": "GRS",
    "pf. liter": "PFL",
}
_SPECIFIC = r"(?:(?P<cents>\d+(?:\.\d+)?)\s*¢|\$\s*(?P<dollars>\d+(?:\.\d+)?))\s*/\s*(?P<unit>[^+]+?)"
_ADVAL = r"(?P<pct>\d+(?:\.\d+)?)\s*%"
_RE_ADVAL = re.compile(rf"^{_ADVAL}$")
_RE_SPECIFIC = re.compile(rf"^{_SPECIFIC}$")
_RE_COMPOUND_1 = re.compile(rf"^{_SPECIFIC}\s*\+\s*{_ADVAL}$")
_RE_COMPOUND_2 = re.compile(rf"^{_ADVAL}\s*\+\s*{_SPECIFIC}$")


@dataclass(frozen=True)
class Rate:
    kind: str  # adval | specific | compound | unknown
    specific: Fraction = Fraction(0)  # dollars per unit
    unit: str = ""  # line UOM code the specific amount is per
    adval: Fraction = Fraction(0)


def parse_rate(text: str) -> Rate:
    text = (text or "").strip()
    if text.lower() == "free":
        return Rate("adval")
    m = _RE_ADVAL.match(text)
    if m:
        return Rate("adval", adval=Fraction(Decimal(m["pct"])) / 100)
    for regex, kind in (
        (_RE_SPECIFIC, "specific"),
        (_RE_COMPOUND_1, "compound"),
        (_RE_COMPOUND_2, "compound"),
    ):
        m = regex.match(text)
        if m:
            amount = Fraction(Decimal(m["cents"])) / 100 if m["cents"] else Fraction(Decimal(m["dollars"]))
            unit = _UNIT_CODES.get(m["unit"].strip().lower(), "?" + m["unit"].strip())
            adval = Fraction(Decimal(m["pct"])) / 100 if kind == "compound" else Fraction(0)
            return Rate(kind, amount, unit, adval)
    return Rate("unknown")


def split_duty(line: ImportLine, tariff: dict[str, TariffRow]) -> tuple[Fraction, Fraction, str]:
    """(specific part, ad valorem part, structure) of the line's Chapter 1-97 duty (reading R10)."""
    row10 = tariff.get(line.hts)
    row8 = tariff.get(line.hts[:8])
    text = row10.general_rate if row10 and row10.general_rate.strip() else (row8.general_rate if row8 else "")
    rate = parse_rate(text)
    if rate.kind == "specific":
        return line.duty, Fraction(0), "specific"
    if rate.kind == "compound" and rate.unit == line.uom:
        spec = min(line.duty, rate.specific * line.quantity)
        return spec, line.duty - spec, "compound"
    if rate.kind == "compound":
        return Fraction(0), line.duty, "unknown (compound rate per another unit)"
    return Fraction(0), line.duty, "ad valorem" if rate.kind == "adval" else "unknown"


# --------------------------------------------------------------------------------------------------------
# Eligibility and per-unit refund
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairRefund:
    line: tuple[str, int]
    export_ref: str
    provision: str  # "58" | "59"
    unit: dict  # class -> exact refund per unit of the line (99% applied)

    @property
    def per_unit(self) -> Fraction:
        return sum(self.unit.values(), Fraction(0))


def substitution_standard(
    line: ImportLine, export: Export, tariff: dict[str, TariffRow], options: Options = DEFAULT_OPTIONS
) -> str | None:
    """None when the export may substitute for the line, else the reason (reading R5)."""
    row8 = tariff[line.hts[:8]]
    if not begins_with_other(row8.description):
        return None if export.hts[:8] == line.hts[:8] else "different 8-digit subheading"
    row10 = tariff.get(line.hts)
    if row10 is None:
        return "8-digit description begins with Other and the tariff has no 10-digit row for the import"
    description10 = row10.description
    if options.blank_statistical_description_inherits and not description10.strip():
        description10 = row8.description
    if begins_with_other(description10):
        return "Other/Other: no substitution (1313(j)(5)(B))"
    return None if export.hts == line.hts else "8-digit description begins with Other: 10 digits must match"


class Instance:
    """The three input files and the filing date, read and checked."""

    def __init__(
        self,
        imports,
        exports,
        tariff,
        filing_date: dt.date,
        chapter99: list[Heading] | None = None,
        options: Options = DEFAULT_OPTIONS,
    ):
        self.options = options
        problems: list[Problem] = []
        self.lines = read_imports(imports, problems)
        self.exports = read_exports(exports, problems)
        self.tariff = read_tariff(tariff, problems)
        self.filing_date = filing_date
        self.headings = chapter99 if chapter99 is not None else load_chapter99()
        keys = {line.key for line in self.lines}
        for export in self.exports:
            if export.di_key and export.di_key not in keys and export.di_key[1]:
                problems.append(
                    Problem(
                        "exports.csv",
                        export.row,
                        "entry_number",
                        f"names line {export.di_key} not in imports",
                    )
                )
        for line in self.lines:
            if len(line.hts) == 10 and line.hts[:8] not in self.tariff:
                problems.append(
                    Problem(
                        "imports.csv", line.row, "hts", f"tariff file has no 8-digit row for {line.hts[:8]}"
                    )
                )
        if problems:
            raise InputError(problems)
        self.line_by_key = {line.key: line for line in self.lines}
        self.export_by_ref = {export.ref: export for export in self.exports}

    @classmethod
    def from_dir(cls, directory: Path, filing_date: dt.date) -> Instance:
        return cls(
            Path(directory) / "imports.csv",
            Path(directory) / "exports.csv",
            Path(directory) / "hts.csv",
            filing_date,
        )

    # ---- eligibility --------------------------------------------------------------------------------

    def assess(self, line: ImportLine, export: Export) -> PairRefund | str | None:
        """PairRefund when the pair is eligible, a reason string when not, None when it is no pair at all."""
        direct = export.di_key is not None
        if direct and export.di_key != line.key:
            return None
        fifth = anniversary(line.import_date)
        if self.filing_date > fifth:
            return "claim filed after the fifth anniversary of the import (R2)"
        if export.date >= fifth:
            return "export on or after the fifth anniversary of the import (R1)"
        if export.date >= self.filing_date:
            return "export not before the filing date (R3)"
        if export.date < line.import_date:
            return "export before the import date (R4)"
        if export.uom != line.uom:
            return f"unit {export.uom} differs from the line's {line.uom} (R7)"
        if not direct:
            reason = substitution_standard(line, export, self.tariff, self.options)
            if reason:
                return reason + " (R5)"
            if export.disposition == "export" and export.destination in USMCA_CHILE and not export.excepted:
                return f"substitution export to {export.destination} (1313(j)(4), R8)"
        return PairRefund(line.key, export.ref, "58" if direct else "59", self.unit_refund(line, export))

    def unit_refund(self, line: ImportLine, export: Export) -> dict:
        q = line.quantity
        spec, adval, _ = split_duty(line, self.tariff)
        ch99 = sum((c.amount for c in line.ch99 if ch99_eligible(c.number, self.headings)[0]), Fraction(0))
        egvu = line.entered_value / q
        recovered = export.recovered / export.quantity if export.disposition == "destroy" else Fraction(0)
        value = egvu if export.di_key is not None else min(egvu, export.value / export.quantity)
        factor = Fraction(1) if egvu == 0 else max(Fraction(0), value - recovered) / egvu
        return {
            "duty": NINETY_NINE * (spec / q + (adval + ch99) / q * factor),
            "mpf": NINETY_NINE * line.mpf / q * factor,
            "hmf": NINETY_NINE * line.hmf / q * factor,
        }

    @cached_property
    def assessments(self) -> dict[tuple[tuple[str, int], str], PairRefund | str]:
        out = {}
        for line in self.lines:
            for export in self.exports:
                result = self.assess(line, export)
                if result is not None:
                    out[(line.key, export.ref)] = result
        return out

    @cached_property
    def pairs(self) -> dict[tuple[tuple[str, int], str], PairRefund]:
        return {k: v for k, v in self.assessments.items() if isinstance(v, PairRefund)}

    # ---- optimum ------------------------------------------------------------------------------------

    def method_choices(self) -> list[dict[tuple[str, int], str]]:
        """Every assignment of a method to the lines that have profitable pairs of both kinds."""
        kinds: dict[tuple[str, int], set[str]] = {}
        for pair in self.pairs.values():
            if pair.per_unit > 0:
                kinds.setdefault(pair.line, set()).add(pair.provision)
        if self.options.direct_identification_locks_line:
            locked = {p.line for p in self.pairs.values() if p.provision == "58" and p.per_unit > 0}
            return [dict.fromkeys(sorted(locked), "58")]
        both = sorted(k for k, v in kinds.items() if len(v) == 2)
        return [
            dict(zip(both, combo, strict=True)) for combo in itertools.product(("58", "59"), repeat=len(both))
        ]

    def allowed_pairs(self, choice: dict[tuple[str, int], str]) -> list[PairRefund]:
        return [
            p
            for p in self.pairs.values()
            if p.per_unit > 0 and choice.get(p.line, p.provision) == p.provision
        ]

    def solve_choice(self, choice) -> tuple[Fraction, dict]:
        allowed = self.allowed_pairs(choice)
        supply = {line.key: line.quantity for line in self.lines}
        demand = {export.ref: export.quantity for export in self.exports}
        profit = {(p.line, p.export_ref): p.per_unit for p in allowed}
        return max_profit_flow(supply, demand, profit)

    @cached_property
    def optimum(self) -> Optimum:
        results = []
        for choice in self.method_choices():
            value, flows = self.solve_choice(choice)
            results.append((value, choice, flows))
        best_value = max(r[0] for r in results)
        best = next(r for r in results if r[0] == best_value)
        return Optimum(self, best_value, best[1], best[2], [r for r in results if r[0] == best_value])

    # ---- totals of any designation ------------------------------------------------------------------

    def class_sums(self, quantities: dict[tuple[tuple[str, int], str], Fraction]) -> dict[str, Fraction]:
        sums = dict.fromkeys(CLASSES, Fraction(0))
        for key, qty in quantities.items():
            pair = self.pairs[key]
            for c in CLASSES:
                sums[c] += qty * pair.unit[c]
        return sums


def claim_total_cents(sums: dict[str, Fraction]) -> int:
    """Each class rounded half-up to cents, then added (decision 6, R13)."""
    return sum(round_half_up_cents(v) for v in sums.values())


@dataclass
class Optimum:
    instance: Instance
    value: Fraction  # exact maximum refund
    choice: dict
    flows: dict  # (line key, export ref) -> quantity
    ties: list  # every (value, choice, flows) reaching the optimum

    @property
    def class_sums(self) -> dict[str, Fraction]:
        return self.instance.class_sums(self.flows)

    @property
    def total_cents(self) -> int:
        return claim_total_cents(self.class_sums)

    @property
    def total_text(self) -> str:
        return cents_text(self.total_cents)

    def rows(self) -> list[dict]:
        """The designation in designations.csv form (sorted as the contract says)."""
        out = []
        for (key, ref), qty in self.flows.items():
            line = self.instance.line_by_key[key]
            pair = self.instance.pairs[(key, ref)]
            out.append(
                {
                    "entry_number": line.entry_text,
                    "line_number": str(line.line),
                    "export_ref": ref,
                    "provision": pair.provision,
                    "quantity": decimal_text(qty),
                    "refund": qty * pair.per_unit,
                }
            )
        out.sort(key=lambda r: (r["export_ref"], normalize_entry(r["entry_number"]), int(r["line_number"])))
        return out


# --------------------------------------------------------------------------------------------------------
# Rounding questions that need side constraints (exact simplex)
# --------------------------------------------------------------------------------------------------------


def _lp_model(instance: Instance, choice: dict):
    allowed = instance.allowed_pairs(choice)
    keys = [(p.line, p.export_ref) for p in allowed]
    cons = []
    for line in instance.lines:
        coeffs = {i: Fraction(1) for i, k in enumerate(keys) if k[0] == line.key}
        if coeffs:
            cons.append((coeffs, "<=", line.quantity))
    for export in instance.exports:
        coeffs = {i: Fraction(1) for i, k in enumerate(keys) if k[1] == export.ref}
        if coeffs:
            cons.append((coeffs, "<=", export.quantity))
    return keys, allowed, cons


def class_ranges_on_optimal_face(instance: Instance) -> dict[str, tuple[Fraction, Fraction]]:
    """Min and max of each class sum over all designations reaching the exact optimum."""
    opt = instance.optimum
    ranges: dict[str, list[Fraction]] = {}
    for _value, choice, _flows in opt.ties:
        keys, allowed, cons = _lp_model(instance, choice)
        n = len(keys)
        total = ({i: p.per_unit for i, p in enumerate(allowed)}, ">=", opt.value)
        for c in CLASSES:
            obj = [p.unit[c] for p in allowed]
            hi = simplex(obj, cons + [total], n)
            lo = simplex([-a for a in obj], cons + [total], n)
            assert hi.status == lo.status == "optimal", (hi.status, lo.status)
            r = ranges.setdefault(c, [hi.value, -lo.value])
            r[0] = max(r[0], hi.value)
            r[1] = min(r[1], -lo.value)
    return {c: (r[1], r[0]) for c, r in ranges.items()}


@dataclass
class RoundedBest:
    cents: int
    quantities: dict
    sums: dict


def max_rounded_total(instance: Instance) -> RoundedBest:
    """The largest claim total (classes rounded half-up, then added) over every valid designation.

    Any designation beating the optimum's rounded total has an exact total within 1.5 cents per class of the
    optimum, so only method assignments within that band are searched. Branch and bound over the integer
    cent amounts k_c <= 100 * S_c(x) + 1/2, each node an exact LP.
    """
    opt = instance.optimum
    best = RoundedBest(opt.total_cents, dict(opt.flows), opt.class_sums)
    band = Fraction(len(CLASSES), 100)
    for choice in instance.method_choices():
        value, _ = instance.solve_choice(choice)
        if value < opt.value - band:
            continue
        keys, allowed, cons = _lp_model(instance, choice)
        n = len(keys)
        nk = len(CLASSES)
        # variables: x_0..x_{n-1}, k_0..k_{nk-1}
        base = list(cons)
        base.append(({i: p.per_unit for i, p in enumerate(allowed)}, ">=", opt.value - band))
        for ci, c in enumerate(CLASSES):
            coeffs = {i: -100 * p.unit[c] for i, p in enumerate(allowed)}
            coeffs[n + ci] = Fraction(1)
            base.append((coeffs, "<=", Fraction(1, 2)))
        objective = [Fraction(0)] * n + [Fraction(1)] * nk
        stack = [[]]
        while stack:
            extra = stack.pop()
            res = simplex(objective, base + extra, n + nk)
            if res.status != "optimal" or floor(res.value) <= best.cents:
                continue
            ks = res.x[n:]
            frac = next((ci for ci, k in enumerate(ks) if k.denominator != 1), None)
            if frac is None:
                quantities = {keys[i]: q for i, q in enumerate(res.x[:n]) if q > 0}
                sums = instance.class_sums(quantities)
                cents = claim_total_cents(sums)
                assert cents >= int(res.value), (cents, res.value)
                if cents > best.cents:
                    best = RoundedBest(cents, quantities, sums)
                continue
            k = ks[frac]
            stack.append(extra + [({n + frac: Fraction(1)}, "<=", Fraction(floor(k)))])
            stack.append(extra + [({n + frac: Fraction(1)}, ">=", Fraction(floor(k) + 1))])
    return best
