"""Federal working days, for notice periods counted in working days. Pure functions; no Django imports.

19 CFR 190.35 asks for the notice of intent (CBP Form 7553) at least 5 working days before an export and
190.71 at least 7 working days before a destruction. CBP counts federal working days: Monday to Friday
except the legal public holidays of 5 U.S.C. 6103(a), which move to the Friday before when they fall on a
Saturday and to the Monday after when they fall on a Sunday (Executive Order 11582).
"""

import datetime as dt
from functools import cache

SATURDAY, SUNDAY = 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == SATURDAY:
        return day - dt.timedelta(days=1)
    if day.weekday() == SUNDAY:
        return day + dt.timedelta(days=1)
    return day


@cache
def federal_holidays(year: int) -> frozenset[dt.date]:
    """Days federal offices are closed in `year` (observed dates), per 5 U.S.C. 6103(a)."""
    monday, thursday = 0, 3
    fixed = [dt.date(year, 1, 1), dt.date(year, 7, 4), dt.date(year, 11, 11), dt.date(year, 12, 25)]
    if year >= 2021:  # Juneteenth National Independence Day Act, June 17, 2021
        fixed.append(dt.date(year, 6, 19))
    days = {_observed(d) for d in fixed}
    # New Year's Day of the next year observed on 31 December when 1 January is a Saturday.
    if dt.date(year + 1, 1, 1).weekday() == SATURDAY:
        days.add(dt.date(year, 12, 31))
    days |= {
        _nth_weekday(year, 1, monday, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, monday, 3),  # Washington's Birthday
        _last_weekday(year, 5, monday),  # Memorial Day
        _nth_weekday(year, 9, monday, 1),  # Labor Day
        _nth_weekday(year, 10, monday, 2),  # Columbus Day
        _nth_weekday(year, 11, thursday, 4),  # Thanksgiving Day
    }
    return frozenset(d for d in days if d.year == year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY and day not in federal_holidays(day.year)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The date `n` working days after `day` (before it when n is negative); `day` itself is not counted."""
    step = dt.timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def notice_filed_in_time(filed_on: dt.date, action_on: dt.date, working_days: int) -> bool:
    """True when a notice filed on `filed_on` is at least `working_days` working days before `action_on`.

    Read as: counting forward `working_days` working days from the filing date lands on or before the
    action date (a notice filed on a Friday allows an export on the following Friday for 5 working days).
    """
    return add_working_days(filed_on, working_days) <= action_on
