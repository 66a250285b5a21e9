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


# --- Liquidation, protest and CBP request deadlines (domain.md 6.10-6.12) ---

DEEMED_LIQUIDATION_YEARS = 1  # 19 U.S.C. 1504(a)(2)(A); 19 CFR 190.81(e)(2)(i)
EXTENDED_LIQUIDATION_YEARS = 4  # 19 U.S.C. 1504(b): outer limit of all extensions
PROTEST_DAYS = 180  # 19 U.S.C. 1514(c)(3); 19 CFR 190.84
REFUND_DAYS = 90  # 19 U.S.C. 1504(a)(3): refund paid within 90 days after liquidation
CF28_RESPONSE_DAYS = 30  # CBP Form 28, request for information
CF29_RESPONSE_DAYS = 20  # CBP Form 29, notice of proposed action (19 CFR 152.2 practice)


def deemed_liquidation_date(
    complete_claim_date: dt.date,
    extended: bool = False,
    suspended: bool = False,
    *,
    imports_final: bool = True,
) -> dt.date | None:
    """The date a claim CBP has not liquidated is liquidated by operation of law, or None.

    One year after the complete claim (1504(a)(2)(A)). When CBP has extended liquidation (1504(b), one
    year at a time) the claim is deemed liquidated at the latest four years after the complete claim;
    CBP's notices do not always say how many extensions remain, so the outer limit is given. A suspended
    claim (1504(c)) and a claim whose designated imports are not yet liquidated and final
    (1504(a)(2)(B), 19 CFR 190.81(b)) have no deemed-liquidation date.
    """
    if suspended or not imports_final:
        return None
    years = EXTENDED_LIQUIDATION_YEARS if extended else DEEMED_LIQUIDATION_YEARS
    return add_years(complete_claim_date, years)


def protest_deadline(liquidation_date: dt.date) -> dt.date:
    """Last day to protest a liquidation: 180 days after it (19 U.S.C. 1514(c)(3))."""
    return liquidation_date + dt.timedelta(days=PROTEST_DAYS)


def civil_action_deadline(denial_date: dt.date) -> dt.date:
    """Last day to contest a denied protest in the Court of International Trade: 180 days after the denial
    is mailed (28 U.S.C. 2636(a)(1)); the decision date stands in for the mailing date."""
    return denial_date + dt.timedelta(days=PROTEST_DAYS)


def refund_due_date(liquidation_date: dt.date) -> dt.date:
    """Day by which CBP should pay the refund found on liquidation (19 U.S.C. 1504(a)(3))."""
    return liquidation_date + dt.timedelta(days=REFUND_DAYS)


def cbp_request_due_date(kind: str, issued_on: dt.date) -> dt.date:
    """Response due date of a CBP Form 28 (30 days) or Form 29 (20 days) issued on `issued_on`."""
    days = {"cf28": CF28_RESPONSE_DAYS, "cf29": CF29_RESPONSE_DAYS}[kind]
    return issued_on + dt.timedelta(days=days)


# --- Notice of intent (CBP Form 7553) working-day periods (19 CFR 190.35; domain.md 6.4) ---

NOI_EXPORT_WORKING_DAYS = 5  # file at least 5 working days before export
NOI_DESTRUCTION_WORKING_DAYS = 7  # and 7 before destruction
CBP_NOI_ANSWER_WORKING_DAYS = {"export": 2, "destruction": 4}  # CBP's time to say it will examine


def is_working_day(day: dt.date, holidays: frozenset[dt.date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_before(day: dt.date, count: int, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    """The date `count` working days (Monday to Friday, less `holidays`) before `day`."""
    current = day
    while count > 0:
        current -= dt.timedelta(days=1)
        if is_working_day(current, holidays):
            count -= 1
    return current


def working_days_after(day: dt.date, count: int, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    current = day
    while count > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, holidays):
            count -= 1
    return current


def notice_of_intent_due(
    intended_date: dt.date, *, destruction: bool = False, holidays: frozenset[dt.date] = frozenset()
) -> dt.date:
    """Last day to file CBP Form 7553 for an export (5 working days before) or a destruction (7).

    Federal holidays are not built in: pass them as `holidays` (the product does not yet keep a holiday
    calendar, so without them the date may be a day or two late around a holiday).
    """
    days = NOI_DESTRUCTION_WORKING_DAYS if destruction else NOI_EXPORT_WORKING_DAYS
    return working_days_before(intended_date, days, holidays)
