"""Company days from the rhythm: the 45-day free period counts company days only (domain §3)."""

from datetime import date

from alternance.planning.practical import PracticalCalendar, company_days, nth_company_day
from alternance.planning.rhythm import place_on

MONDAY = date(2026, 9, 7)
CALENDAR = PracticalCalendar(pattern="CCEEE", cohort_start=MONDAY, cohort_end=date(2028, 6, 30))


def test_weekly_pattern_gives_the_place_of_each_day():
    places = [place_on(date(2026, 9, d), pattern="CCEEE", cycle_start=MONDAY) for d in range(7, 14)]

    assert places == ["C", "C", "E", "E", "E", "-", "-"]


def test_multi_week_pattern_cycles_from_the_cohort_start_week():
    pattern = "CCCCC|EEEEE|EEEEE"
    mondays = [date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21), date(2026, 9, 28)]

    assert [place_on(d, pattern=pattern, cycle_start=date(2026, 9, 9)) for d in mondays] == ["C", "E", "E", "C"]


def test_public_holidays_are_neither_centre_nor_company():
    # Wednesday 11 November 2026 would be a company day.
    assert place_on(date(2026, 11, 11), pattern="CCEEE", cycle_start=MONDAY) == "-"


def test_company_days_skip_centre_days_weekends_and_holidays():
    # 2 to 13 November 2026 with CCEEE: company days Wed 4, Thu 5, Fri 6, (Wed 11 holiday) Thu 12, Fri 13.
    assert company_days(date(2026, 11, 2), date(2026, 11, 13), calendar=CALENDAR) == 5


def test_45th_company_day_with_three_company_days_a_week():
    # Wed–Fri from Wed 9 Sept 2026: 3 a week, 44 by Fri 18 Dec (11 Nov is a holiday), the 45th on Wed 23 Dec.
    day = nth_company_day(date(2026, 9, 9), 45, calendar=CALENDAR)

    assert day == date(2026, 12, 23)
    assert company_days(date(2026, 9, 9), day, calendar=CALENDAR) == 45
