"""Plain data the claims engine works on: import lines, exports, settings. Frozen dataclasses, no Django.

Amounts and quantities are Decimal as read from the source; dates are `datetime.date`.
"""

import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from drawback.lib.dates import ExportWindow
from drawback.lib.money import DRAWBACK_RATE

ZERO = Decimal("0")

# Countries whose (j)(2) substitution exports are not "exportations" (19 U.S.C. 1313(j)(4)):
# Canada and Mexico under USMCA, Chile under the US-Chile FTA Implementation Act.
USMCA = frozenset({"CA", "MX"})
USMCA_CHILE = USMCA | {"CL"}


@contextmanager
def bulk():
    """Pause the cyclic garbage collector while building or reading hundreds of thousands of small objects:
    it would run over and over for nothing, since these structures hold no cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Provision(StrEnum):
    """CATAIR Appendix A provision codes the designation engine produces (catair.md section 2.1)."""

    UNUSED_DIRECT = "58"  # 19 U.S.C. 1313(j)(1)
    UNUSED_SUBSTITUTION = "59"  # 19 U.S.C. 1313(j)(2)


class Disposition(StrEnum):
    EXPORT = "export"
    DESTROY = "destroy"


class Election(StrEnum):
    """How an import line was first designated; fixed for the rest of the line (19 CFR 190.51(a)(3))."""

    DIRECT = "direct"
    SUBSTITUTION = "substitution"


class MpfMode(StrEnum):
    """EXACT keeps per-unit MPF unrounded (the product's setting). CFR_EXAMPLE rounds the per-unit eligible
    MPF to four decimals as the worked examples of 19 CFR 190.51(b)(2) print it ($.0141 -> $14.10)."""

    EXACT = "exact"
    CFR_EXAMPLE = "cfr_example"


class Method(StrEnum):
    OPTIMAL = "optimal"
    FIFO = "fifo"
    LIFO = "lifo"
    LOHI = "lohi"


@dataclass(frozen=True)
class Settings:
    """Product decisions that are settings (domain.md, "Product decisions where the law leaves room")."""

    filing_date: dt.date
    # Decision 1: an export ON the fifth anniversary is outside the window by default.
    export_window: ExportWindow = ExportWindow.STRICT
    # 1313(j)(1)(A)/(j)(2)(B): export "before the drawback claim is filed". With dates only, an export on
    # the filing date itself is not before it; allowing it is a setting.
    export_on_filing_date: bool = False
    mpf_mode: MpfMode = MpfMode.EXACT
    drawback_rate: Decimal = DRAWBACK_RATE


class LineKey(NamedTuple):
    """An import line's identity. A named tuple: a large client has a million of them, made quickly."""

    entry_number: str  # normalised: filer code + 7 digits + check digit, no dashes
    line_number: int

    def __str__(self) -> str:
        n = self.entry_number
        shown = f"{n[:3]}-{n[3:10]}-{n[10:]}" if len(n) == 11 else n
        return f"{shown} line {self.line_number}"


@dataclass(frozen=True)
class Ch99Duty:
    number: str  # 9903.NN.NN
    amount: Decimal


@dataclass(frozen=True)
class ImportLine:
    """An entry-summary line with what it paid, and what is left of it after earlier claims."""

    entry_number: str
    line_number: int
    import_date: dt.date
    hts: str  # 10 digits, no dots
    quantity: Decimal
    uom: str
    entered_value: Decimal
    duty: Decimal  # under the Chapter 1-97 number
    ch99: tuple[Ch99Duty, ...] = ()
    mpf: Decimal = ZERO
    hmf: Decimal = ZERO
    other_taxes: Decimal = ZERO  # internal revenue taxes paid on importation (class 365)
    # Antidumping/countervailing duty deposits: never drawback (19 U.S.C. 1677h; chapter99.md section 5).
    adcvd: Decimal = ZERO
    country_of_origin: str = ""
    description: str = ""
    # Quantity not yet designated on any claim (1313(v)); None means the whole line.
    available: Decimal | None = None
    # Method fixed by an earlier designation of the line (190.51(a)(3)); None if never designated.
    election: Election | None = None
    # How the source wrote the entry number (dashes or not), echoed back in outputs.
    entry_text: str = ""

    @cached_property
    def key(self) -> LineKey:
        return LineKey(self.entry_number, self.line_number)

    @property
    def remaining(self) -> Decimal:
        return self.quantity if self.available is None else self.available

    @property
    def shown_entry(self) -> str:
        return self.entry_text or self.entry_number


@dataclass(frozen=True)
class Export:
    """An exportation or a destruction under CBP supervision."""

    ref: str
    export_date: dt.date
    hts: str  # 10-digit HTS or Schedule B number
    quantity: Decimal
    uom: str
    value: Decimal  # EEI selling price, or value at destruction (19 CFR 190.11(b), (c))
    destination: str = ""
    disposition: Disposition = Disposition.EXPORT
    recovered_value: Decimal = ZERO  # 1313(x)
    # Direct identification: the exported goods are the imported goods of this line.
    direct_line: LineKey | None = None
    excepted_goods: bool = False  # product decision 11
    available: Decimal | None = None  # quantity not yet claimed; None = all

    @property
    def remaining(self) -> Decimal:
        return self.quantity if self.available is None else self.available

    @property
    def is_destruction(self) -> bool:
        return self.disposition == Disposition.DESTROY


@dataclass(frozen=True)
class Step:
    """One rule step of an explanation: what was checked or computed, and the law or decision behind it."""

    citation: str
    text: str

    def __str__(self) -> str:
        return f"{self.citation}: {self.text}"

    def as_dict(self) -> dict:
        return {"citation": self.citation, "text": self.text}


@dataclass(frozen=True)
class Exclusion:
    """An export or import line left out (wholly or partly), with the reason."""

    subject: str  # "export" or "line"
    ref: str  # export_ref or "entry line"
    reason: str
    citation: str = ""
    quantity: Decimal | None = None  # quantity left out, when only part is


@dataclass(frozen=True)
class Designation:
    """A quantity of an import line designated against an export, with its exact (unrounded) refund."""

    line: LineKey
    export_ref: str
    provision: Provision
    quantity: Decimal
    # {accounting class: exact refund} e.g. {"364": Decimal("12.3456..."), "399": ...}
    amounts: dict[str, Decimal] = field(default_factory=dict)

    @property
    def refund(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)
