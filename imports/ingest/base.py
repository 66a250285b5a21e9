"""Building blocks shared by the parsers: column layouts, cell readers that name the rule they check, and
the errors a row can carry.

Every cell reader takes the text as read (never a float: XLSX numbers arrive as their shortest decimal
text, see reader.py) and either returns a typed value or raises CellError with a rule code and a message a
trade-compliance analyst can act on.
"""

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from drawback.lib import entry_numbers
from drawback.lib.countries import is_country
from drawback.lib.dates import DateFormatError, parse_date
from drawback.lib.hts import HtsFormatError, chapter99_code, normalize_hts
from drawback.lib.identifiers import IdentifierError, normalize_importer_number, same_party

# Largest amount the money columns hold (max_digits=16, decimal_places=2).
MONEY_LIMIT = Decimal("1e14")


class CellError(ValueError):
    """A cell breaks a rule; `rule` is a short stable code, the message says what is wrong."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


class FromNumber(str):
    """Text of a cell that the spreadsheet stored as a number: leading zeros may have been lost."""


@dataclass
class RowError:
    """One problem found in a file: where it is, what the cell held and which rule it broke."""

    row: int
    column: str
    value: str
    rule: str
    message: str
    # Rows rejected only because another row of the same line or entry failed carry `counted=False`:
    # they appear in the rejects download but are not separate problems.
    counted: bool = True
    raw: dict = field(default_factory=dict)

    def describe(self, file_name: str = "") -> str:
        where = f"{file_name}: " if file_name else ""
        column = f" column {self.column!r}" if self.column else ""
        value = f" value {self.value!r}" if self.value != "" else ""
        return f"{where}row {self.row}{column}{value}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Field:
    """One of our fields and the column headers that carry it (the first is the documented name)."""

    key: str
    headers: tuple[str, ...]
    required: bool = False
    help: str = ""

    @property
    def label(self) -> str:
        return self.headers[0]


def norm_header(text: object) -> str:
    """Headers are matched without case, surrounding blanks, doubled spaces or a byte-order mark."""
    return re.sub(r"\s+", " ", str(text or "").replace("\ufeff", "")).strip().lower()


class Columns:
    """Where each of our fields sits in a file's rows."""

    def __init__(self, headers: list[str], index: dict[str, int]):
        self.headers = headers
        self.index = index

    def has(self, key: str) -> bool:
        return key in self.index

    def header(self, key: str) -> str:
        i = self.index.get(key)
        return self.headers[i] if i is not None else key

    def get(self, row: list[str], key: str) -> str:
        i = self.index.get(key)
        if i is None or i >= len(row):
            return ""
        return row[i]

    def mapping(self) -> dict[str, str]:
        return {key: self.headers[i] for key, i in self.index.items()}


def resolve(
    headers: list[str],
    fields: Iterable[Field],
    mapping: dict[str, str] | None = None,
    required_any: Iterable[tuple[str, ...]] = (),
) -> tuple[Columns | None, list[str]]:
    """Match a header row to our fields. Returns (columns, []) or (None, the missing column names).

    A saved mapping names the file's header for some of our fields; the documented names still apply to
    the fields it leaves out.
    """
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        positions.setdefault(norm_header(header), i)
    index: dict[str, int] = {}
    missing: list[str] = []
    fields = list(fields)
    for f in fields:
        wanted = (mapping or {}).get(f.key)
        candidates = (wanted,) if wanted else f.headers
        for name in candidates:
            i = positions.get(norm_header(name))
            if i is not None:
                index[f.key] = i
                break
        else:
            # A saved mapping that names a column the file lacks does not fit this file.
            if f.required or wanted:
                missing.append(wanted or f.label)
    by_key = {f.key: f for f in fields}
    for group in required_any:
        if not any(k in index for k in group):
            missing.append(" or ".join(by_key[k].label for k in group))
    if missing:
        return None, missing
    return Columns(list(headers), index), []


# --- cell readers -------------------------------------------------------------------------------------


def text(value: str, *, max_length: int, required: bool = False, what: str = "value") -> str:
    value = value.strip()
    if required and not value:
        raise CellError("required", f"{what} is required")
    if len(value) > max_length:
        raise CellError("too_long", f"{what} is longer than {max_length} characters")
    return value


# Headers a product identifier comes under in the files users bring (matched without case).
PART_HEADERS = (
    "part",
    "part_number",
    "part number",
    "part no",
    "sku",
    "style",
    "product_code",
    "product code",
)
PART_MAX_LENGTH = 60  # ImportLine.part, as the returns' and bills' part numbers


def part(value: str) -> str:
    """A line's product identifier (part number, SKU or style), trimmed."""
    return text(value, max_length=PART_MAX_LENGTH, what="part (product identifier)")


_STEPS = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}
_NOT_PLAIN = re.compile(r"[$,()\s]").search


def _decimal(value: str, what: str, plain: bool = False) -> Decimal:
    text = value.strip()
    if plain and _NOT_PLAIN(text):
        # The canonical files carry plain decimal numbers (data-contract.md); report files use `$1,234.56`.
        raise CellError(
            "number_format", f"{what} must be a plain decimal number (no $ or thousands separators)"
        )
    if "$" in text or "," in text or " " in text:
        text = text.replace("$", "").replace(",", "").replace(" ", "")
    negative = False
    if text[:1] == "(" and text[-1:] == ")":
        negative, text = True, text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("number_format", f"{what} is not a number") from None
    if not number.is_finite():
        raise CellError("number_format", f"{what} is not a number")
    return -number if negative else number


def money(
    value: str, *, required: bool = True, what: str = "amount", places: int = 2, plain: bool = False
) -> Decimal | None:
    """US dollars: `$1,234.56`, `1234.56` or `1234.5`; at least zero, at most `places` decimals (cents for
    amounts paid; apportioned fees keep up to six)."""
    if not value or not value.strip():
        if required:
            raise CellError("required", f"{what} is required")
        return None
    # Fast path for the usual `$1,234.56` / `1234.56`; anything unusual goes through _decimal's checks.
    text = value[1:] if value[:1] == "$" and not plain else value
    if "," in text and not plain:
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        amount = _decimal(value, what, plain)
    if amount < 0:
        raise CellError("negative", f"{what} cannot be negative")
    if amount >= MONEY_LIMIT:
        raise CellError("too_large", f"{what} is too large")
    rounded = amount.quantize(_STEPS[places])
    if rounded != amount:
        unit = "amounts are in cents" if places == 2 else f"at most {places}"
        raise CellError("precision", f"{what} has more than {places} decimals ({unit})")
    return rounded


def quantity(value: str, *, what: str = "quantity", plain: bool = False) -> Decimal:
    """A quantity in the line's unit: greater than zero, at most four decimals."""
    if not value or not value.strip():
        raise CellError("required", f"{what} is required")
    number = _decimal(value, what, plain)
    if number <= 0:
        raise CellError("quantity_not_positive", f"{what} must be greater than zero")
    if number >= MONEY_LIMIT:
        raise CellError("too_large", f"{what} is too large")
    if number.quantize(_STEPS[4]) != number:
        raise CellError("precision", f"{what} has more than four decimals")
    return number.quantize(_STEPS[0]) if number == number.to_integral_value() else number


def positive_int(value: str, *, what: str, maximum: int = 2_000_000_000) -> int:
    if value.isdigit() and 0 < int(value) <= maximum:
        return int(value)
    cleaned = value.strip()
    if cleaned.endswith(".0"):  # a whole number saved by a spreadsheet as 3.0
        cleaned = cleaned[:-2]
    if not cleaned:
        raise CellError("required", f"{what} is required")
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise CellError("integer_format", f"{what} must be a whole number of at least 1")
    number = int(cleaned)
    if number > maximum:
        raise CellError("too_large", f"{what} is larger than {maximum}")
    return number


def plausible_dates(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The window a date in a data file must fall in: from 1 January DATA_DATE_YEARS_BACK years ago to
    DATA_DATE_DAYS_AHEAD days from today. Outside it a date is a typing or export error (9999-12-31,
    1800-01-01), never a drawback fact: an import older than the window is past every drawback limit
    (5 years to claim, 19 U.S.C. 1313(r); liquidation, protest and record keeping follow within years), and
    ACE's scheduled liquidation dates are less than a year ahead."""
    from django.conf import settings
    from django.utils import timezone

    today = today or timezone.localdate()
    earliest = dt.date(today.year - settings.DATA_DATE_YEARS_BACK, 1, 1)
    return earliest, today + dt.timedelta(days=settings.DATA_DATE_DAYS_AHEAD)


class DateReader:
    """Dates with a cache: an ES-003 file repeats the same few dates on every row of an entry. A date
    outside the plausible window (plausible_dates) is an error of its row."""

    def __init__(self, formats: tuple[str, ...], window: tuple[dt.date, dt.date] | None = None):
        self.formats = formats
        self.window = window or plausible_dates()
        self.cache: dict[str, dt.date | None | CellError] = {}
        self.expected = " or ".join("YYYY-MM-DD" if f == "iso" else "MM/DD/YYYY" for f in formats)

    def __call__(self, value: str, *, required: bool = False, what: str = "date") -> dt.date | None:
        hit = self.cache.get(value)
        if hit is None and value not in self.cache:
            try:
                hit = parse_date(value, formats=self.formats)
            except DateFormatError:
                hit = CellError("date_format", "")
            else:
                if hit is not None and not self.window[0] <= hit <= self.window[1]:
                    hit = CellError("date_out_of_range", hit.isoformat())
            self.cache[value] = hit
        if isinstance(hit, CellError):
            if hit.rule == "date_out_of_range":
                first, last = self.window
                raise CellError(
                    hit.rule, f"{what} {hit.message} is outside the plausible window {first} to {last}"
                )
            raise CellError(hit.rule, f"{what} is not a date in {self.expected}")
        if hit is None and required:
            raise CellError("required", f"{what} is required")
        return hit


class EntryNumberReader:
    """Entry numbers with their check digit verified (CATAIR App. E; product decision 9: a filer code
    with an approved +N offset, recorded in FilerCodeOffset, is checked with that offset)."""

    def __init__(self, offsets: dict[str, int]):
        self.offsets = offsets
        self.cache: dict[str, str | CellError] = {}

    def __call__(self, value: str) -> str:
        hit = self.cache.get(value)
        if hit is None:
            if not value.strip():
                hit = CellError("required", "entry number is required")
            else:
                try:
                    hit = str(entry_numbers.parse(value, self.offsets))
                except entry_numbers.EntryNumberError as exc:
                    rule = "check_digit" if str(exc).startswith("check digit") else "entry_number_format"
                    hit = CellError(rule, str(exc))
            self.cache[value] = hit
        if isinstance(hit, CellError):
            raise hit
        return hit


def hts10(value: str, *, what: str = "HTS number") -> str:
    """A 10-digit Chapter 1-97 (or Schedule B) number, dots optional."""
    if len(value) == 10 and value.isascii() and value.isdigit() and value[:2] != "99":
        return value
    if not value.strip():
        raise CellError("required", f"{what} is required")
    try:
        digits = normalize_hts(value)
    except HtsFormatError:
        raise CellError("hts_format", f"{what} must contain digits and dots only") from None
    if isinstance(value, FromNumber) and len(digits) == 9:
        digits = "0" + digits  # a spreadsheet dropped the leading zero of chapters 01-09
    if len(digits) != 10:
        raise CellError("hts_format", f"{what} must have 10 digits, has {len(digits)}")
    if digits.startswith("99"):
        raise CellError(
            "hts_chapter99", f"{what} is a Chapter 99 number, not the Chapter 1-97 classification"
        )
    return digits


@functools.lru_cache(maxsize=4096)
def ch99_number(value: str) -> str:
    """A Chapter 99 number in the table's `9903.NN.NN` form."""
    try:
        digits = normalize_hts(value)
    except HtsFormatError:
        raise CellError("ch99_format", "Chapter 99 number must contain digits and dots only") from None
    if len(digits) not in (8, 10) or not digits.startswith("99"):
        raise CellError("ch99_format", "Chapter 99 number must be 9903.NN.NN (8 digits)")
    return chapter99_code(digits)


def country(value: str, *, required: bool = False, what: str = "country") -> str:
    code = value.strip().upper()
    if len(code) == 2 and code.isascii() and code.isalpha():
        if not is_country(code):
            raise CellError("country_unknown", f"{what} {code} is not an ISO 3166 country code")
        return code
    if not code:
        if required:
            raise CellError("required", f"{what} is required")
        return ""
    raise CellError("country_format", f"{what} must be a two-letter ISO 3166 code")


def uom(value: str) -> str:
    code = value.strip().upper()
    if 0 < len(code) <= 10 and code.isascii() and code.isalnum():
        return code
    if not code:
        raise CellError("required", "unit of measure is required")
    if not re.fullmatch(r"[A-Z0-9]{1,10}", code):
        raise CellError("uom_format", "unit of measure must be an HTS unit code such as NO, KG, DOZ or M2")
    return code


_TRUE = {"y", "yes", "true", "t", "1", "x"}
_FALSE = {"n", "no", "false", "f", "0", ""}


def boolean(value: str, *, what: str = "indicator") -> bool:
    cleaned = value.strip().lower()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise CellError("boolean_format", f"{what} must be Y or N (true/false)")


def digits_code(value: str, *, length: int, what: str) -> str:
    """A numeric code such as a port (4) or entry type (2); a spreadsheet may have dropped leading zeros."""
    code = value.strip()
    if not code:
        return ""
    if code.endswith(".0"):
        code = code[:-2]
    if code.isdigit() and len(code) < length:
        code = code.zfill(length)
    if not (code.isdigit() and len(code) == length):
        raise CellError(f"{what.replace(' ', '_')}_format", f"{what} must be {length} digits")
    return code


def importer_number(value: str, *, what: str = "importer number") -> str:
    if not value.strip():
        return ""
    try:
        return normalize_importer_number(value)
    except IdentifierError as exc:
        raise CellError("importer_number_format", str(exc)) from None


# A file whose rows name another importer or exporter is refused whole (nothing is stored, even with
# partial loading): a row of the wrong party is not a row to correct but a file loaded for the wrong client.
PARTY_MISMATCH = "party_mismatch"


class PartyCheck:
    """The importer (or exporter) number of a file's rows, checked against the client it is loaded for.

    `see` each row's normalised number; `refusal` is the file's error when any row names another party,
    with the rows and (if the firm has one) the client the number belongs to."""

    def __init__(self, *, client, key: str, what: str, own: str, ein_only: bool = False):
        self.client, self.key, self.what = client, key, what
        try:
            self.own = normalize_importer_number(own) if own else ""
        except IdentifierError:
            self.own = own
        self.ein_only = ein_only
        self.foreign: dict[str, list[int]] = {}

    def see(self, row: int, number: str | None) -> None:
        if number and self.own and not same_party(number, self.own, ein_only=self.ein_only):
            rows = self.foreign.setdefault(number, [])
            if len(rows) < 1000:
                rows.append(row)

    def refusal(self, ctx) -> "RowError | None":
        if not self.foreign:
            return None
        number, rows = max(self.foreign.items(), key=lambda item: len(item[1]))
        owner = self._owner(number)
        if self.ein_only and number[2:3] == "-" and len(number) == 12:
            number = number[:10]  # an EIN as the file gave it, without the suffix CBP adds
        shown = ", ".join(str(r) for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        others = f" (and {len(self.foreign) - 1} other number(s))" if len(self.foreign) > 1 else ""
        message = (
            f"This file is not {self.client.legal_name}'s: its {self.what} {number}{others} is not the "
            f"client's ({self.own}){f' but that of {owner}' if owner else ''}, on rows {shown}. The whole "
            "file is refused and nothing was stored; load it for the client it belongs to."
        )
        return ctx.error(rows[0], self.key, number, PARTY_MISMATCH, message)

    def _owner(self, number: str) -> str:
        """The firm's other client with this number, named to help the analyst load the file there."""
        from drawback.accounts.models import Client

        for other in Client.objects.filter(firm_id=self.client.firm_id).exclude(pk=self.client.pk):
            for own in (other.importer_number, other.exporter_number):
                if own and same_party(number, own, ein_only=self.ein_only):
                    return other.legal_name
        return ""
