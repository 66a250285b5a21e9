"""The import-date range whose last export day falls in a window (inverse of last_export_day)."""

import datetime as dt

import pytest

from drawback.lib.dates import ExportWindow, import_dates_with_last_export_day_between, last_export_day


def brute_force(first, last, window):
    day, hits = dt.date(2018, 1, 1), []
    while day <= dt.date(2026, 12, 31):
        if first <= last_export_day(day, window) <= last:
            hits.append(day)
        day += dt.timedelta(days=1)
    return hits[0], hits[-1]


@pytest.mark.parametrize("window", list(ExportWindow))
@pytest.mark.parametrize(
    "first,last",
    [
        (dt.date(2029, 2, 28), dt.date(2029, 5, 29)),  # 29 Feb 2024 imports reach their limit in this window
        (dt.date(2029, 3, 1), dt.date(2029, 3, 1)),
        (dt.date(2028, 2, 29), dt.date(2028, 5, 29)),  # the window starts on a leap day
        (dt.date(2027, 12, 15), dt.date(2028, 3, 14)),
    ],
)
def test_range_matches_every_day_checked_one_by_one(first, last, window):
    assert import_dates_with_last_export_day_between(first, last, window) == brute_force(first, last, window)


def test_strict_window_ends_the_day_before_the_anniversary():
    # Product decision 1: an import of 2021-06-10 can be exported until 2026-06-09 (strict).
    low, high = import_dates_with_last_export_day_between(dt.date(2026, 6, 9), dt.date(2026, 6, 9))
    assert low == high == dt.date(2021, 6, 10)
    low, high = import_dates_with_last_export_day_between(
        dt.date(2026, 6, 9), dt.date(2026, 6, 9), ExportWindow.INCLUSIVE
    )
    assert low == high == dt.date(2021, 6, 9)
