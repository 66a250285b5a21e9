"""Entry (and drawback claim) numbers: filer code + 7 digits + check digit (CATAIR Appendix B / App. E).

Pure functions; no Django imports.
"""

import re
from dataclasses import dataclass

_LETTER = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
_SHAPE = re.compile(r"^[A-Z0-9]{3}[0-9]{8}$")


class EntryNumberError(ValueError):
    pass


@dataclass(frozen=True)
class EntryNumber:
    filer: str
    sequence: str
    check: int

    def __str__(self) -> str:
        return f"{self.filer}{self.sequence}{self.check}"

    @property
    def display(self) -> str:
        return f"{self.filer}-{self.sequence}-{self.check}"


def check_digit(filer: str, sequence: str, offset: int = 0) -> int:
    """Luhn mod-10 over the 10 converted digits, plus the filer's approved offset (mod 10)."""
    digits = [_LETTER[c] if c.isalpha() else int(c) for c in (filer + sequence).upper()]
    if len(digits) != 10:
        raise EntryNumberError("filer code and sequence must give 10 characters")
    even = sum((2 * d + 1) % 10 if 2 * d > 9 else 2 * d for d in digits[1::2])
    odd = sum(digits[0::2])
    return ((10 - (even + odd) % 10) % 10 + offset) % 10


def normalize(text: str) -> str:
    """`B76-0324527-8` or ` b76 03245278 ` -> `B7603245278` (shape checked, not the check digit)."""
    cleaned = re.sub(r"[\s\-]", "", str(text or "")).upper()
    if not _SHAPE.match(cleaned):
        raise EntryNumberError(
            f"entry number must be a 3-character filer code, 7 digits and a check digit: {text!r}"
        )
    return cleaned


def parse(text: str, offsets: dict[str, int] | None = None) -> EntryNumber:
    """Parse and verify the check digit; `offsets` maps filer codes to approved +1..+9 offsets."""
    cleaned = normalize(text)
    filer, sequence, check = cleaned[:3], cleaned[3:10], int(cleaned[10])
    expected = check_digit(filer, sequence, (offsets or {}).get(filer, 0))
    if check != expected:
        raise EntryNumberError(f"check digit of {text!r} is {check}, expected {expected} (CATAIR App. E)")
    return EntryNumber(filer, sequence, check)


def make(filer: str, sequence: int | str, offset: int = 0) -> str:
    """Build a valid number from a filer code and a sequence number."""
    seq = f"{int(sequence):07d}"
    return f"{filer.upper()}{seq}{check_digit(filer, seq, offset)}"


def display(number: str) -> str:
    """`B7603245278` -> `B76-0324527-8`."""
    return f"{number[:3]}-{number[3:10]}-{number[10:]}" if len(number) == 11 else number
