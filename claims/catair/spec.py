"""The ACE drawback claim record layouts (CATAIR "DE", Rev 27; docs/reference/catair.md section 1), as data.

Each record is 80 characters. A field names its 1-based inclusive positions, its CATAIR data class, its
designation (M mandatory, C conditional, O optional) and, for numbers, the implied decimals. The writer,
the parser and the validator all read these tables, so a position is stated once.

Pure Python: no Django imports.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

RECORD_LENGTH = 80

# CATAIR "Record Layout Key" (CAT27 p. 24). X accepts every punctuation mark of a standard keyboard.
_PUNCTUATION = "!@#$%^&*()-_=+[{]}\\|;:'\",<.>/?`~"
CLASS_PATTERNS = {
    "S": re.compile(r"^ *$"),
    "A": re.compile(r"^[A-Z]+ *$"),
    "N": re.compile(r"^[0-9]+$"),
    "SN": re.compile(r"^ *[0-9]+$"),
    "AN": re.compile(r"^[A-Z0-9 ]*$"),
    "X": re.compile("^[A-Z0-9 " + re.escape(_PUNCTUATION) + "]*$"),
    "D": re.compile(r"^[0-9]{6}$"),
}
CLASS_NAMES = {
    "S": "spaces",
    "A": "letters",
    "N": "digits",
    "SN": "right-justified digits",
    "AN": "letters, digits and spaces",
    "X": "keyboard characters",
    "D": "a date MMDDYY",
}


class CatairError(ValueError):
    """Data cannot be written in the CATAIR layout (a value is missing, too long or of the wrong class)."""


class CatairSyntaxError(ValueError):
    """A file does not follow the CATAIR layout; `line` is the 1-based line number in the file."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Field:
    name: str
    start: int
    end: int
    cls: str  # S, A, N, SN, AN, X, D
    desig: str = "M"
    decimals: int = 0
    # CATAIR's "16(S)N or 16S" / "6D or 6S": a mandatory field that may still be all spaces.
    blank_ok: bool = False
    justify: str = "left"
    constant: str | None = None
    # A pre-flight rule other than PF-01 reports this field being blank (e.g. PF-09 for the 70 indicator).
    blank_rule: str | None = None

    @property
    def width(self) -> int:
        return self.end - self.start + 1

    def slice(self, record: str) -> str:
        return record[self.start - 1 : self.end]

    @property
    def may_be_blank(self) -> bool:
        return self.cls == "S" or self.desig != "M" or self.blank_ok


@dataclass(frozen=True)
class RecordSpec:
    code: str
    name: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.code} has no field {name}")

    def data_fields(self) -> list[Field]:
        return [f for f in self.fields if f.cls != "S" and f.constant is None]


def _f(name, start, end, cls, desig="M", **kw) -> Field:
    return Field(name, start, end, cls, desig, **kw)


def _filler(start, end) -> Field:
    return Field("filler", start, end, "S")


def _control(code: str) -> Field:
    return Field("control", 1, len(code), "A" if code.isalpha() else "AN", constant=code)


def _tracking(code: str, name: str, slot_name: str) -> RecordSpec:
    # 52/53/72/73: fifteen 5-digit tracking numbers in 3-77 (CAT27 pp. 58-60, 72-74).
    slots = tuple(
        _f(f"{slot_name}_{i + 1}", 3 + 5 * i, 7 + 5 * i, "N", "C" if i == 0 else "O") for i in range(15)
    )
    return RecordSpec(code, name, (_control(code), *slots, _filler(78, 80)))


def _export_record(code: str, core: bool) -> RecordSpec:
    # 70 (TFTEA) and 60 (core) share a layout; 60 has filler at 78 (catair.md 1.10, 1.13).
    return RecordSpec(
        code,
        "Export/Destroy Articles",
        (
            _control(code),
            _f("indicator", 3, 3, "AN", blank_rule="PF-09"),
            _f("hts", 4, 13, "AN", blank_rule="PF-09"),
            _f("quantity", 14, 29, "SN", decimals=4, blank_ok=True, justify="right"),
            _f("uom", 30, 32, "X"),
            _f("date", 33, 38, "D", blank_ok=True),
            _f("notice_of_intent", 39, 39, "AN", "C"),
            _f("waiver_of_rights", 40, 40, "AN", "C"),
            _f("exporter_name", 41, 70, "AN"),
            _f("country", 71, 72, "AN", "C"),
            _f("bol_indicator", 73, 73, "AN", "O"),
            _f("bol_carrier", 74, 77, "AN", "O"),
            _filler(78, 80) if core else _f("schedule_b", 78, 78, "AN", "C"),
            *(() if core else (_filler(79, 80),)),
        ),
    )


def _description_record(code: str) -> RecordSpec:
    return RecordSpec(
        code,
        "Export/Destroy Descriptions",
        (_control(code), _f("description", 3, 52, "X"), _f("unique_identifier", 53, 80, "AN")),
    )


RECORDS: dict[str, RecordSpec] = {
    spec.code: spec
    for spec in (
        # --- ABI batch and block envelope (BBC23; catair.md 1.2) ---
        RecordSpec(
            "A",
            "Batch Control Header",
            (
                _control("A"),
                _f("site_code", 2, 5, "AN"),
                _f("sender_id", 6, 8, "AN"),
                _f("password", 9, 14, "AN"),
                _f("transmission_date", 15, 20, "D", "O"),
                _filler(21, 25),
                _f("application_id", 26, 27, "AN"),
                _filler(28, 37),
                _f("office_code", 38, 39, "AN", "C"),
                _filler(40, 59),
                _f("user_data", 60, 80, "X", "O"),
            ),
        ),
        RecordSpec(
            "B",
            "Block Control Header",
            (
                _control("B"),
                _filler(2, 3),
                _f("port", 4, 7, "AN"),
                _f("filer_code", 8, 10, "AN"),
                _f("application_id", 11, 12, "AN"),
                _filler(13, 44),
                _f("filer_office", 45, 46, "AN", "C"),
                _f("preparer_port", 47, 50, "AN", "C"),
                _f("preparer_filer", 51, 53, "AN", "C"),
                _f("preparer_office", 54, 55, "AN", "C"),
                _f("preparer_indicator", 56, 56, "AN", "C"),
                _filler(57, 59),
                _f("user_data", 60, 80, "X", "O"),
            ),
        ),
        RecordSpec(
            "Y",
            "Block Control Trailer",
            (
                _control("Y"),
                _filler(2, 3),
                _f("port", 4, 7, "AN"),
                _f("filer_code", 8, 10, "AN"),
                _f("application_id", 11, 12, "AN"),
                _filler(13, 44),
                _f("filer_office", 45, 46, "AN", "C"),
                _filler(47, 80),
            ),
        ),
        RecordSpec(
            "Z",
            "Batch Control Trailer",
            (
                _control("Z"),
                _f("site_code", 2, 5, "AN"),
                _f("sender_id", 6, 8, "AN"),
                _filler(9, 14),
                _f("transmission_date", 15, 20, "D", "C"),
                _filler(21, 37),
                _f("office_code", 38, 39, "AN", "C"),
                _filler(40, 80),
            ),
        ),
        # --- 10 Drawback Entry Summary (CAT27 pp. 27-36; catair.md 1.3) ---
        RecordSpec(
            "10",
            "Drawback Entry Summary",
            (
                _control("10"),
                _f("action", 3, 3, "A"),
                _f("filer_code", 4, 6, "AN"),
                _filler(7, 8),
                _f("entry_number", 9, 16, "AN", justify="right"),
                _filler(17, 17),
                _f("port", 18, 21, "AN"),
                _f("broker_reference", 22, 30, "X", "O", justify="right"),
                _filler(31, 33),
                _f("provision", 34, 35, "X"),
                _f("bond_waiver", 36, 36, "AN", "C"),
                _f("bond_waiver_reason", 37, 39, "AN", "C"),
                _f("accelerated_payment", 40, 40, "AN", "C"),
                _f("one_time_waiver", 41, 41, "AN", "C"),
                _f("waiver_prior_notice", 42, 42, "AN", "C"),
                _f("commercial_ruling", 43, 43, "AN", "C"),
                _f("petroleum_certification", 44, 44, "AN", "C"),
                _f("manufacturing_petroleum_certification", 45, 45, "AN", "C"),
                _f("oil_spill_certification", 46, 46, "AN", "C"),
                _f("nafta", 47, 47, "AN", "C"),
                _f("electronic_signature", 48, 48, "AN"),
                _f("claimant_id", 49, 60, "X"),
                _f("notify_party", 61, 72, "X", "C"),
                _f("wine_certification", 73, 73, "AN", "C"),
                _f("bom_certification", 74, 74, "AN", "C"),
                _f("destroyed_valuation_certification", 75, 75, "AN", "C"),
                _f("usmca", 76, 76, "AN", "C"),
                _f("retail_substitution", 77, 77, "AN", "C"),
                _f("superfund_certification", 78, 78, "AN", "C"),
                _filler(79, 80),
            ),
        ),
        # --- 31 Bond Information (CAT27 pp. 37-38) ---
        RecordSpec(
            "31",
            "Bond Information",
            (
                _control("31"),
                _f("bond_type", 3, 3, "AN"),
                _f("bond_designation", 4, 4, "AN"),
                _filler(5, 5),
                _f("surety_code", 6, 8, "AN"),
                _f("bond_amount", 9, 18, "SN", "C", justify="right"),
                _f("bond_number", 19, 28, "AN", "C"),
                _filler(29, 80),
            ),
        ),
        # --- 40-43 Imports grouping (CAT27 pp. 39-52) ---
        RecordSpec(
            "40",
            "Imports Entry Summary Details",
            (
                _control("40"),
                _f("action", 3, 3, "AN"),
                _filler(4, 5),
                _f("filer_code", 6, 8, "AN", "C"),
                _filler(9, 10),
                _f("entry_number", 11, 18, "AN", "C", justify="right"),
                _f("line_number", 19, 23, "SN", "C", justify="right"),
                _f("certificate_of_delivery", 24, 24, "AN", "C"),
                _f("manufacture_ruling", 25, 34, "AN", "C"),
                _filler(35, 36),
                _f("basis_of_claim", 37, 38, "AN", "C"),
                _f("date_received", 39, 44, "D", "C"),
                _f("date_used", 45, 50, "D", "C"),
                _f("itin", 51, 55, "N", "C", justify="right"),
                _f("accounting_method", 56, 57, "N"),
                _filler(58, 80),
            ),
        ),
        RecordSpec(
            "41",
            "Import Classification",
            (
                _control("41"),
                _f("hts", 3, 12, "AN", justify="right"),
                _f("description", 13, 62, "X"),
                _filler(63, 80),
            ),
        ),
        RecordSpec(
            "42",
            "Import Quantity & UOM",
            (
                _control("42"),
                _f("quantity", 3, 18, "SN", decimals=4, blank_ok=True, justify="right"),
                _f("uom", 19, 21, "X"),
                _f("allowable_quantity", 22, 37, "SN", "C", decimals=4, justify="right"),
                _f("entered_value_per_unit", 38, 53, "SN", decimals=4, blank_ok=True, justify="right"),
                _f("substituted_value_per_unit", 54, 69, "SN", "C", decimals=4, justify="right"),
                _filler(70, 80),
            ),
        ),
        RecordSpec(
            "43",
            "Import Revenue Claimed",
            (
                _control("43"),
                _f("accounting_class", 3, 5, "AN"),
                _f("claim_amount", 6, 13, "SN", decimals=2, justify="right"),
                _f("calculated_amount", 14, 21, "SN", decimals=2, justify="right"),
                _f("adjusted_claim_amount", 22, 29, "SN", "O", decimals=2, justify="right"),
                _f("qualifier", 30, 31, "AN", "C"),
                _filler(32, 80),
            ),
        ),
        # --- 50-53 Manufactured/Produced Articles (CAT27 pp. 53-60) ---
        RecordSpec(
            "50",
            "Manufactured/Produced Articles",
            (
                _control("50"),
                _f("action", 3, 3, "AN"),
                _f("manufacture_ruling", 4, 13, "AN", blank_ok=True),
                _filler(14, 15),
                _f("hts", 16, 25, "AN", justify="right"),
                _f("quantity", 26, 41, "SN", decimals=4, blank_ok=True, justify="right"),
                _f("uom", 42, 44, "X"),
                _f("production_date", 45, 50, "D", blank_ok=True),
                _f("factory_location", 51, 80, "AN"),
            ),
        ),
        RecordSpec(
            "51",
            "Manufactured/Produced Descriptions",
            (
                _control("51"),
                _f("description", 3, 52, "X"),
                _f("manufacture_ruling", 53, 62, "AN", "C"),
                _f("mtin", 63, 67, "N", "C", justify="right"),
                _filler(68, 80),
            ),
        ),
        _tracking("52", "Linking Import to Manufactured/Produced", "itin"),
        _tracking("53", "Linking Manufactured to Manufactured", "mtin"),
        # --- 60-64 core export/destroy grouping (CAT27 pp. 61-66) ---
        _export_record("60", core=True),
        _description_record("61"),
        RecordSpec(
            "62",
            "Notice of Intent",
            (
                _control("62"),
                _f("intended_port", 3, 6, "AN", "C"),
                _f("examination", 7, 7, "AN", blank_ok=True),
                _f("destruction_location", 8, 37, "AN", "C"),
                _f("examination_result", 38, 38, "AN", "C"),
                _filler(39, 80),
            ),
        ),
        RecordSpec(
            "63",
            "Examination & Witness Record",
            (
                _control("63"),
                _f("indicator", 3, 3, "AN"),
                _f("name", 4, 43, "AN"),
                _f("badge", 44, 55, "AN"),
                _f("phone", 56, 65, "AN"),
                _f("date", 66, 71, "D", blank_ok=True),
                _filler(72, 80),
            ),
        ),
        RecordSpec(
            "64",
            "NAFTA/USMCA Coding Group",
            (
                _control("64"),
                _f("foreign_entry_number", 3, 22, "AN"),
                _f("entry_date", 23, 28, "D", blank_ok=True),
                _f("foreign_duty", 29, 38, "SN", decimals=2, justify="right"),
                _f("exchange_rate", 39, 48, "SN", decimals=6, justify="right"),
                _f("tariff_1", 49, 58, "AN"),
                _f("tariff_2", 59, 68, "AN", "C"),
                _f("tariff_3", 69, 78, "AN", "C"),
                _f("country", 79, 80, "AN"),
            ),
        ),
        # --- 70-73 TFTEA export/destroy grouping (CAT27 pp. 67-74) ---
        _export_record("70", core=False),
        _description_record("71"),
        _tracking("72", "Linking Export/Destroy to Import articles", "itin"),
        _tracking("73", "Linking Export/Destroy to Manufactured", "mtin"),
        # --- 89/90 Totals (CAT27 pp. 75-77) ---
        RecordSpec(
            "89",
            "Revenue Totals by Accounting Class Code",
            (
                _control("89"),
                _f("class_1", 3, 5, "N"),
                _f("amount_1", 6, 16, "SN", decimals=2, justify="right"),
                _filler(17, 18),
                _f("class_2", 19, 21, "AN", "C"),
                _f("amount_2", 22, 32, "SN", "C", decimals=2, justify="right"),
                _filler(33, 34),
                _f("class_3", 35, 37, "AN", "C"),
                _f("amount_3", 38, 48, "SN", "C", decimals=2, justify="right"),
                _filler(49, 50),
                _f("class_4", 51, 53, "AN", "C"),
                _f("amount_4", 54, 64, "SN", "C", decimals=2, justify="right"),
                _filler(65, 80),
            ),
        ),
        RecordSpec(
            "90",
            "Revenue Totals",
            (
                _control("90"),
                _f("duty_total", 3, 13, "SN", "C", decimals=2, justify="right"),
                _filler(14, 14),
                _f("user_fee_total", 15, 25, "SN", "C", decimals=2, justify="right"),
                _filler(26, 26),
                _f("ir_tax_total", 27, 37, "SN", "C", decimals=2, justify="right"),
                _filler(38, 80),
            ),
        ),
    )
}

# Tracking records and their slot prefix.
TRACKING_RECORDS = {"52": "itin", "53": "mtin", "72": "itin", "73": "mtin"}
TRACKING_SLOTS = 15
CLASSES_PER_89 = 4


def record_code(line: str) -> str:
    """The record identifier: one letter for the A/B/Y/Z envelope, two digits otherwise."""
    if line[:1] in ("A", "B", "Y", "Z"):
        return line[:1]
    return line[:2]


# ---------------------------------------------------------------------------------------------- encoding


def _format_number(spec: RecordSpec, f: Field, value) -> str:
    amount = Decimal(value) if not isinstance(value, Decimal) else value
    if amount < 0:
        raise CatairError(f"{spec.code} {f.name}: negative value {value}")
    scaled = amount.scaleb(f.decimals)
    if scaled != scaled.to_integral_value():
        raise CatairError(f"{spec.code} {f.name}: {value} has more than {f.decimals} decimal places")
    digits = str(int(scaled))
    if len(digits) > f.width:
        raise CatairError(f"{spec.code} {f.name}: {value} does not fit {f.width} digits")
    # CBP's samples zero-fill numbers ("00304525"); zeros are valid (S)N and N alike.
    return digits.rjust(f.width, "0")


def _format_text(spec: RecordSpec, f: Field, value) -> str:
    text = str(value)
    if text != text.upper():
        raise CatairError(f"{spec.code} {f.name}: {text!r} must be upper case")
    if len(text) > f.width:
        raise CatairError(f"{spec.code} {f.name}: {text!r} is longer than {f.width} characters")
    padded = text.rjust(f.width) if f.justify == "right" else text.ljust(f.width)
    if not CLASS_PATTERNS[f.cls].match(padded) and not (f.cls == "A" and padded.strip() == ""):
        raise CatairError(f"{spec.code} {f.name}: {text!r} is not {CLASS_NAMES[f.cls]}")
    return padded


def encode(code: str, values: dict | None = None) -> str:
    """One 80-character record from field values.

    None or '' gives spaces; numbers are Decimal or int; dates are dates; text must already be upper case.
    """
    spec = RECORDS[code]
    values = values or {}
    unknown = set(values) - {f.name for f in spec.fields}
    if unknown:
        raise CatairError(f"{code} has no field(s) {sorted(unknown)}")
    out = []
    for f in spec.fields:
        if f.cls == "S":
            out.append(" " * f.width)
            continue
        value = f.constant if f.constant is not None else values.get(f.name)
        if value is None or value == "":
            if not f.may_be_blank:
                raise CatairError(f"{code} {f.name} is mandatory")
            out.append(" " * f.width)
        elif f.cls in ("N", "SN"):
            out.append(_format_number(spec, f, value))
        elif f.cls == "D":
            if not isinstance(value, dt.date):
                raise CatairError(f"{code} {f.name}: {value!r} is not a date")
            out.append(value.strftime("%m%d%y"))
        else:
            out.append(_format_text(spec, f, value))
    record = "".join(out)
    assert len(record) == RECORD_LENGTH, (code, len(record))
    return record


# ---------------------------------------------------------------------------------------------- decoding


def parse_mmddyy(raw: str) -> dt.date:
    """MMDDYY -> date; years 00-68 are 20YY, 69-99 are 19YY (the POSIX %y pivot)."""
    if len(raw) != 6 or not raw.isdigit():
        raise ValueError(f"{raw!r} is not MMDDYY")
    yy = int(raw[4:])
    return dt.date(2000 + yy if yy < 69 else 1900 + yy, int(raw[:2]), int(raw[2:4]))


def decode_field(f: Field, raw: str):
    """The value of one field: None when blank, Decimal/int for numbers, a date for D, else stripped text."""
    if f.cls == "S":
        return None
    if raw.strip() == "":
        return None
    if f.cls in ("N", "SN"):
        digits = raw.strip()
        if not digits.isdigit():
            raise ValueError(f"{f.name} {raw!r} is not {CLASS_NAMES[f.cls]}")
        return Decimal(digits).scaleb(-f.decimals) if f.decimals else int(digits)
    if f.cls == "D":
        try:
            return parse_mmddyy(raw)
        except ValueError as exc:
            raise ValueError(f"{f.name} {raw!r} is not a date MMDDYY") from exc
    return raw.strip()


def decode(line: str, line_number: int | None = None) -> tuple[str, dict]:
    """(record code, {field: value}) of one record; CatairSyntaxError when the record cannot be read."""
    code = record_code(line)
    spec = RECORDS.get(code)
    if spec is None:
        raise CatairSyntaxError(f"unknown record {code!r}", line_number)
    if len(line) != RECORD_LENGTH:
        raise CatairSyntaxError(f"{code}-record is {len(line)} characters, not {RECORD_LENGTH}", line_number)
    values = {}
    for f in spec.fields:
        if f.cls == "S" or f.constant is not None:
            continue
        try:
            values[f.name] = decode_field(f, f.slice(line))
        except ValueError as exc:
            raise CatairSyntaxError(f"{code}-record {exc}", line_number) from exc
    return code, values


def field_problems(line: str) -> list[str]:
    """PF-01 for one record: length, characters, fillers and each field's class. Empty when it is fine."""
    problems = []
    if len(line) != RECORD_LENGTH:
        problems.append(f"record is {len(line)} characters long, not {RECORD_LENGTH}")
    bad = sorted({c for c in line if not (" " <= c <= "~")})
    if bad:
        problems.append(f"record holds characters that are not displayable keyboard characters: {bad!r}")
    if any(c.islower() for c in line):
        problems.append("record holds lower-case letters (send upper case only)")
    spec = RECORDS.get(record_code(line))
    if spec is None or problems:
        return problems
    for f in spec.fields:
        raw = f.slice(line)
        if f.constant is not None:
            if raw != f.constant:
                problems.append(f"{f.name} at {f.start}-{f.end} must be {f.constant!r}")
            continue
        if f.cls == "S":
            if raw.strip():
                problems.append(f"filler at {f.start}-{f.end} must be spaces, holds {raw!r}")
            continue
        if raw.strip() == "":
            if not f.may_be_blank and f.blank_rule is None:
                problems.append(f"{f.name} at {f.start}-{f.end} is mandatory")
            continue
        if not CLASS_PATTERNS[f.cls].match(raw):
            problems.append(f"{f.name} at {f.start}-{f.end} must be {CLASS_NAMES[f.cls]}, holds {raw!r}")
        elif f.cls == "D":
            try:
                parse_mmddyy(raw)
            except ValueError:
                problems.append(f"{f.name} at {f.start}-{f.end} is not a valid date MMDDYY: {raw!r}")
    return problems
