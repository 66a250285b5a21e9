"""The HTS schedule as the engine needs it: descriptions for the "Other" tests and the general rate.

Rates are published on the 8-digit row; a 10-digit row may carry its own. Descriptions are read from the row
of the number itself, as data-contract.md says.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from drawback.lib.hts import Rate, begins_with_other, dotted, parse_rate


@dataclass(frozen=True)
class TariffRow:
    hts: str  # digits only: 8 (subheading) or 10 (statistical reporting number); other lengths are kept too
    description: str = ""
    general_rate: str = ""
    unit: str = ""
    indent: int = 0

    @cached_property
    def rate(self) -> Rate:
        return parse_rate(self.general_rate)


@dataclass(frozen=True)
class OtherTest:
    """The 1313(j)(5) reading of one import classification."""

    hts8: str
    hts10: str
    description8: str
    description10: str
    other8: bool
    other10: bool
    row10_found: bool

    @property
    def barred(self) -> bool:
        """ "Other/Other": no (j)(2) substitution at all (1313(j)(5)(B))."""
        return self.other8 and self.other10

    @property
    def key(self) -> str:
        """The number substitutes must share: 8 digits normally, all 10 under the "Other" rule."""
        return self.hts10 if self.other8 else self.hts8


class TariffIndex:
    """Lookup over the rows of a USITC HTS download (or the rows of it that the data uses)."""

    def __init__(self, rows: Iterable[TariffRow]):
        self._rows: dict[str, TariffRow] = {}
        self._other: dict[str, OtherTest] = {}
        self._rates: dict[str, tuple[Rate | None, str]] = {}
        for row in rows:
            # The first row for a number wins; the USITC file has no duplicates.
            self._rows.setdefault(row.hts, row)

    def __contains__(self, hts: str) -> bool:
        return hts in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, hts: str) -> TariffRow | None:
        return self._rows.get(hts)

    def has_subheading(self, hts10: str) -> bool:
        return hts10[:8] in self._rows

    def other_test(self, hts10: str) -> OtherTest:
        """Whether the 8-digit and the 10-digit descriptions begin with "Other".

        Each is read from the Description of its own row (data-contract.md): a blank 10-digit description
        does not begin with "Other". A missing 10-digit row has no number of its own to share, so under an
        "Other" subheading it reads as the subheading ("Other/Other": no substitution).
        """
        cached = self._other.get(hts10)
        if cached is not None:
            return cached
        row8 = self._rows.get(hts10[:8])
        row10 = self._rows.get(hts10)
        d8 = row8.description if row8 else ""
        d10 = row10.description if row10 else d8
        test = self._other[hts10] = OtherTest(
            hts8=hts10[:8],
            hts10=hts10,
            description8=d8,
            description10=d10,
            other8=begins_with_other(d8),
            other10=begins_with_other(d10),
            row10_found=row10 is not None,
        )
        return test

    def rate(self, hts10: str) -> tuple[Rate | None, str]:
        """The general (column 1) rate of a classification and the number it was read from."""
        if hts10 not in self._rates:
            self._rates[hts10] = self._rate(hts10)
        return self._rates[hts10]

    def _rate(self, hts10: str) -> tuple[Rate | None, str]:
        row10 = self._rows.get(hts10)
        if row10 and row10.general_rate.strip():
            return row10.rate, dotted(hts10)
        row8 = self._rows.get(hts10[:8])
        if row8 and row8.general_rate.strip():
            return row8.rate, dotted(hts10[:8])
        return None, ""
