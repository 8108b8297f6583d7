"""Deadlines at their boundaries: jours ouvrables across a Sunday and a public holiday (domain §3)."""

from datetime import date

import pytest

from contracts.deadlines import DayCount, add_days, days_between, is_public_holiday


@pytest.mark.parametrize(
    ("start", "days", "mode", "expected"),
    [
        # Monday 7 Sept 2026 + 5 jours ouvrables: Tue 8 … Sat 12 (Saturday counts).
        (date(2026, 9, 7), 5, DayCount.OUVRABLES, date(2026, 9, 12)),
        # Wednesday 9 Sept + 5 ouvrables: Thu 10, Fri 11, Sat 12, (Sun 13 skipped) Mon 14, Tue 15.
        (date(2026, 9, 9), 5, DayCount.OUVRABLES, date(2026, 9, 15)),
        # Friday 6 Nov 2026: Sat 7, (Sun 8) Mon 9, Tue 10, (Wed 11 Armistice) Thu 12, Fri 13.
        (date(2026, 11, 6), 5, DayCount.OUVRABLES, date(2026, 11, 13)),
        # Jours ouvrés skip Saturdays too: Fri 6 Nov → Mon 9, Tue 10, Thu 12, Fri 13, Mon 16.
        (date(2026, 11, 6), 5, DayCount.OUVRES, date(2026, 11, 16)),
        # 20 calendar days for the OPCO decision, across a holiday.
        (date(2026, 12, 10), 20, DayCount.CALENDAIRES, date(2026, 12, 30)),
        # Christmas Thursday 24 Dec 2026 + 2 ouvrables: (Fri 25 holiday) Sat 26, (Sun 27) Mon 28.
        (date(2026, 12, 24), 2, DayCount.OUVRABLES, date(2026, 12, 28)),
    ],
)
def test_add_days_falls_on_the_expected_day(start, days, mode, expected):
    assert add_days(start, days, mode) == expected


def test_sending_deadline_day_5_is_on_time_and_day_6_is_late():
    start = date(2026, 9, 9)  # Wednesday
    deadline = add_days(start, 5, DayCount.OUVRABLES)

    assert days_between(start, deadline, DayCount.OUVRABLES) == 5
    assert days_between(start, date(2026, 9, 16), DayCount.OUVRABLES) == 6


def test_days_between_ignores_sundays_and_holidays_in_ouvrables():
    # From Fri 6 Nov to Fri 13 Nov 2026: Sat 7, Mon 9, Tue 10, Thu 12, Fri 13 → 5 (Sun 8, Wed 11 skipped).
    assert days_between(date(2026, 11, 6), date(2026, 11, 13), DayCount.OUVRABLES) == 5
    assert days_between(date(2026, 11, 13), date(2026, 11, 6), DayCount.OUVRABLES) == 0


def test_french_public_holidays_include_easter_monday_and_pentecost_monday():
    assert is_public_holiday(date(2026, 4, 6))
    assert is_public_holiday(date(2026, 5, 25))
    assert not is_public_holiday(date(2026, 5, 26))


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="Mode de décompte inconnu"):
        add_days(date(2026, 9, 7), 1, "lunaires")
