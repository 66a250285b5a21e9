"""Chapter 99 eligibility by trade action and entry date. Pure; no Django imports.

Product decision 8: a heading marked `unknown`, or a partial opening (basis starting `PARTIAL`), is not
eligible by default; a number in no heading is not eligible and held for an analyst. Dates outside the
heading's effective window keep the heading's answer but carry a warning (in-transit and FTZ entries,
post-summary corrections; chapter99.md section 3 step 4).
"""

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    program: str
    ch99_from: str
    ch99_to: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    drawback_eligible: str  # yes / no / unknown
    basis: str = ""

    @property
    def is_partial(self) -> bool:
        return self.basis.strip().upper().startswith("PARTIAL")


@dataclass(frozen=True)
class Ch99Decision:
    number: str
    eligible: bool
    heading: Heading | None
    reason: str
    warning: str = ""


class Chapter99Table:
    """Lookup over non-overlapping `9903.NN.NN` ranges."""

    def __init__(self, headings: Iterable[Heading]):
        self._headings = sorted(headings, key=lambda h: h.ch99_from)
        self._starts = [h.ch99_from for h in self._headings]

    def heading(self, number: str) -> Heading | None:
        i = bisect_right(self._starts, number) - 1
        if i >= 0 and self._headings[i].ch99_from <= number <= self._headings[i].ch99_to:
            return self._headings[i]
        return None

    def decide(self, number: str, entry_date: dt.date) -> Ch99Decision:
        heading = self.heading(number)
        if heading is None:
            return Ch99Decision(
                number,
                False,
                None,
                f"{number} is in no Chapter 99 heading of the table; held for an analyst, not claimed",
            )
        warning = ""
        if (heading.effective_from and entry_date < heading.effective_from) or (
            heading.effective_to and entry_date > heading.effective_to
        ):
            warning = (
                f"entry date {entry_date.isoformat()} is outside the effective dates of "
                f"{heading.program} ({heading.effective_from or '?'} to {heading.effective_to or 'open'})"
            )
        answer = heading.drawback_eligible.strip().lower()
        if answer == "yes":
            return Ch99Decision(
                number, True, heading, f"{heading.program}: drawback eligible ({heading.basis})", warning
            )
        if answer == "no" and heading.is_partial:
            reason = f"{heading.program}: partial opening only, not claimed by default ({heading.basis})"
        elif answer == "no":
            reason = f"{heading.program}: not eligible for drawback ({heading.basis})"
        else:
            reason = (
                f"{heading.program}: eligibility unknown, not claimed until a firm admin decides "
                f"({heading.basis})"
            )
        return Ch99Decision(number, False, heading, reason, warning)
