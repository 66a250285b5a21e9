"""HTS numbers, units and duty-rate text from the USITC schedule. Pure functions; no Django imports."""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation


class HtsFormatError(ValueError):
    pass


def normalize_hts(text: str | None) -> str:
    """`7102.39.0010` / `7102390010` -> `7102390010`; dots and spaces dropped, digits only kept."""
    cleaned = re.sub(r"[.\s]", "", str(text or ""))
    if not cleaned.isdigit():
        raise HtsFormatError(f"HTS number must contain digits and dots only: {text!r}")
    return cleaned


def require_hts10(text: str | None) -> str:
    hts = normalize_hts(text)
    if len(hts) != 10:
        raise HtsFormatError(f"HTS number must have 10 digits, has {len(hts)}: {text!r}")
    return hts


def dotted(hts: str) -> str:
    """`7102390010` -> `7102.39.00.10`, `71023900` -> `7102.39.00`, `99038803` -> `9903.88.03`."""
    parts = [hts[:4], hts[4:6], hts[6:8], hts[8:10]]
    return ".".join(p for p in parts if p)


def is_chapter99(hts: str) -> bool:
    return hts.startswith("99")


def chapter99_code(hts: str) -> str:
    """Normalise a Chapter 99 number to the table's `9903.NN.NN` form (first 8 digits)."""
    digits = normalize_hts(hts)[:8]
    if len(digits) != 8 or not digits.startswith("99"):
        raise HtsFormatError(f"not a Chapter 99 number: {hts!r}")
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:8]}"


_LEADING_PUNCT = re.compile(r"^[\s\W_]+")


def begins_with_other(description: str | None) -> bool:
    """True when the article description begins with "Other" (1313(j)(5)); case and leading marks ignored."""
    text = _LEADING_PUNCT.sub("", description or "")
    return re.match(r"other\b", text, flags=re.IGNORECASE) is not None


# USITC "Unit of Quantity" words -> ACE unit-of-measure codes. The first unit listed is the primary one.
_UNIT_CODES = {
    "no.": "NO",
    "no": "NO",
    "number": "NO",
    "x": "X",
    "kg": "KG",
    "kg.": "KG",
    "g": "G",
    "gm": "G",
    "t": "T",
    "mt": "T",
    "doz.": "DOZ",
    "doz": "DOZ",
    "dozen": "DOZ",
    "pcs": "PCS",
    "pcs.": "PCS",
    "prs.": "PRS",
    "prs": "PRS",
    "pairs": "PRS",
    "dpr.": "DPR",
    "dpr": "DPR",
    "doz. prs.": "DPR",
    "carat": "CT",
    "ct": "CT",
    "ct.": "CT",
    "liters": "L",
    "liter": "L",
    "l": "L",
    "pf.liters": "PFL",
    "pf. liters": "PFL",
    "m": "M",
    "m2": "M2",
    "m²": "M2",
    "m3": "M3",
    "m³": "M3",
    "sq. m": "M2",
    "gross": "GRS",
    "gr": "GRS",
    "thousand": "THS",
    "ths": "THS",
    "bbl": "BBL",
    "kwh": "KWH",
    "head": "HD",
    "doz. pcs": "DPC",
    "kg amc": "KG",
    "cy kg": "KG",
    "ag": "G",
    "au": "G",
}


def unit_codes(unit_text: str | None) -> list[str]:
    """ACE unit codes named by a USITC unit cell: `doz. kg` -> [DOZ, KG]; `["No.","kg"]` -> [NO, KG]."""
    raw = (unit_text or "").strip()
    if not raw:
        return []
    if raw.startswith("["):
        try:
            words = [str(w) for w in json.loads(raw)]
        except ValueError:
            words = [raw]
    else:
        words = []
        rest = raw.lower()
        # Greedy match of known multi-word units first (e.g. "doz. prs.").
        multi = sorted((k for k in _UNIT_CODES if " " in k), key=len, reverse=True)
        while rest:
            rest = rest.strip(" ,;")
            if not rest:
                break
            for key in multi:
                if rest.startswith(key):
                    words.append(key)
                    rest = rest[len(key) :]
                    break
            else:
                word, _, rest = rest.partition(" ")
                words.append(word)
    codes = []
    for word in words:
        code = _UNIT_CODES.get(word.strip().lower())
        codes.append(code if code else word.strip().upper())
    return codes


@dataclass(frozen=True)
class SpecificPart:
    """A per-unit part of a rate: `amount` US dollars per `unit` (an ACE unit code or the text)."""

    amount: Decimal
    unit: str


@dataclass(frozen=True)
class Rate:
    """A general (column 1) rate split into its parts. `ad_valorem` is a fraction (0.025 for 2.5%)."""

    text: str
    ad_valorem: Decimal = Decimal("0")
    specific: tuple[SpecificPart, ...] = field(default_factory=tuple)
    free: bool = False
    parsed: bool = True

    @property
    def kind(self) -> str:
        if not self.parsed:
            return "text"
        if self.free:
            return "free"
        if self.specific and self.ad_valorem:
            return "compound"
        if self.specific:
            return "specific"
        return "ad_valorem"


_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_CENTS = re.compile(r"^(\d+(?:\.\d+)?)\s*¢\s*/\s*(.+)$")
_DOLLARS = re.compile(r"^\$\s*(\d+(?:\.\d+)?)\s*/\s*(.+)$")


def parse_rate(text: str | None) -> Rate:
    """Parse `Free`, `2.5%`, `1.4¢/kg`, `$1.035/kg`, `3.7¢/kg + 5%`; anything else is kept as text."""
    raw = (text or "").strip()
    if raw == "":
        return Rate(text=raw, parsed=False)
    # The general column sometimes carries footnote marks such as "2.5% 1/".
    cleaned = re.sub(r"\s+\d+/\s*$", "", raw)
    if cleaned.lower() == "free":
        return Rate(text=raw, free=True)
    ad_valorem = Decimal("0")
    specific: list[SpecificPart] = []
    try:
        for part in (p.strip() for p in cleaned.split("+")):
            if m := _PERCENT.match(part):
                ad_valorem += Decimal(m.group(1)) / 100
            elif m := _CENTS.match(part):
                specific.append(SpecificPart(Decimal(m.group(1)) / 100, _unit(m.group(2))))
            elif m := _DOLLARS.match(part):
                specific.append(SpecificPart(Decimal(m.group(1)), _unit(m.group(2))))
            else:
                return Rate(text=raw, parsed=False)
    except InvalidOperation:
        return Rate(text=raw, parsed=False)
    return Rate(text=raw, ad_valorem=ad_valorem, specific=tuple(specific))


def _unit(text: str) -> str:
    codes = unit_codes(text.strip().rstrip("."))
    return codes[0] if codes else text.strip()
