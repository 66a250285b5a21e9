"""Legal date arithmetic for drawback time limits. Pure functions; no Django imports.

Product decisions (see docs/decisions in the README):
1. Export window 1313(j): "before the close of the 5-year period beginning on the date of importation".
   `strict` (default): the last eligible day is the day before the fifth anniversary.
   `inclusive`: the anniversary itself is eligible.
2. Claim window 1313(r)(1): timely when filed on or before the fifth anniversary.
3. Five years after 29 February is 28 February.
"""

import datetime as dt
import re
from enum import StrEnum

WINDOW_YEARS = 5


class ExportWindow(StrEnum):
    STRICT = "strict"
    INCLUSIVE = "inclusive"


class DateFormatError(ValueError):
    pass


def add_years(day: dt.date, years: int) -> dt.date:
    """Same month and day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def fifth_anniversary(import_date: dt.date) -> dt.date:
    return add_years(import_date, WINDOW_YEARS)


def last_export_day(import_date: dt.date, window: ExportWindow = ExportWindow.STRICT) -> dt.date:
    """Last day on which an export or destruction can still support drawback on this import."""
    anniversary = fifth_anniversary(import_date)
    if window == ExportWindow.INCLUSIVE:
        return anniversary
    return anniversary - dt.timedelta(days=1)


def last_claim_day(import_date: dt.date) -> dt.date:
    """Last filing date on which a claim designating this import is timely (1313(r)(1))."""
    return fifth_anniversary(import_date)


def import_dates_with_last_export_day_between(
    first: dt.date, last: dt.date, window: ExportWindow = ExportWindow.STRICT
) -> tuple[dt.date, dt.date]:
    """The range of import dates whose last export day falls in [first, last], for an indexed date query.

    `last_export_day` never decreases as the import date grows (29 February and 28 February of a leap year
    share an anniversary), so the answer is one contiguous range. Start from the naive inverse and step a
    day at a time until the forward function agrees; the result may be empty (start after end) only when
    `last` is before `first`.
    """
    low = add_years(first, -WINDOW_YEARS) - dt.timedelta(days=3)
    while last_export_day(low, window) < first:
        low += dt.timedelta(days=1)
    high = add_years(last, -WINDOW_YEARS) + dt.timedelta(days=3)
    while last_export_day(high, window) > last:
        high -= dt.timedelta(days=1)
    return low, high


def export_in_window(
    import_date: dt.date, export_date: dt.date, window: ExportWindow = ExportWindow.STRICT
) -> bool:
    return export_date <= last_export_day(import_date, window)


def claim_in_window(import_date: dt.date, filing_date: dt.date) -> bool:
    return filing_date <= last_claim_day(import_date)


_US = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?\s*$")


def parse_date(text: str | None, *, formats: tuple[str, ...] = ("iso", "us")) -> dt.date | None:
    """Parse `YYYY-MM-DD` and/or `MM/DD/YYYY`; blank gives None; anything else raises DateFormatError."""
    if text is None or str(text).strip() == "":
        return None
    value = str(text)
    for fmt in formats:
        match = (_ISO if fmt == "iso" else _US).match(value)
        if not match:
            continue
        try:
            if fmt == "iso":
                year, month, day = (int(g) for g in match.groups())
            else:
                month, day, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        except ValueError as exc:
            raise DateFormatError(f"not a calendar date: {text!r}") from exc
    expected = " or ".join("YYYY-MM-DD" if f == "iso" else "MM/DD/YYYY" for f in formats)
    raise DateFormatError(f"not a date in {expected}: {text!r}")
