"""Federal working days for notice periods (19 CFR 190.35, 190.71)."""

import datetime as dt

import pytest

from drawback.lib.workdays import add_working_days, federal_holidays, is_working_day, notice_filed_in_time


def test_dbk_046_notice_deadlines():
    """Export or destruction on Friday 13 June 2025: 7553 by 6 June (5 days) or 4 June (7 days)."""
    action = dt.date(2025, 6, 13)
    assert add_working_days(action, -5) == dt.date(2025, 6, 6)
    assert add_working_days(action, -7) == dt.date(2025, 6, 4)
    assert notice_filed_in_time(dt.date(2025, 6, 6), action, 5)
    assert not notice_filed_in_time(dt.date(2025, 6, 9), action, 5)


def test_weekends_and_holidays_are_not_counted():
    # Thursday 3 July 2025; Friday 4 July is Independence Day; five working days later is Friday 11 July.
    assert add_working_days(dt.date(2025, 7, 3), 5) == dt.date(2025, 7, 11)
    assert not is_working_day(dt.date(2025, 7, 5)) and not is_working_day(dt.date(2025, 7, 4))


@pytest.mark.parametrize(
    "year, observed",
    [
        (2021, [dt.date(2021, 6, 18), dt.date(2021, 7, 5), dt.date(2021, 12, 24), dt.date(2021, 12, 31)]),
        (2026, [dt.date(2026, 7, 3), dt.date(2026, 11, 26), dt.date(2026, 1, 19), dt.date(2026, 5, 25)]),
    ],
)
def test_observed_holidays(year, observed):
    """A Saturday holiday is observed on Friday, a Sunday one on Monday; New Year 2022 fell on a Saturday."""
    assert set(observed) <= federal_holidays(year)


def test_juneteenth_only_from_2021():
    assert dt.date(2020, 6, 19) not in federal_holidays(2020)
    assert dt.date(2025, 6, 19) in federal_holidays(2025)
    assert len(federal_holidays(2025)) == 11
