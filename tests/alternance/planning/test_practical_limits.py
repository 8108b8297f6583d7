"""The company days of Code du travail L6222-18 al. 1 at their limits (issue 16, mutation survivors of
alternance/planning/practical.py): the cohort's first and last days, Friday/Saturday outside the
cohort, a closure's first and last days, the 44th/45th/46th day, n = 0 and 1, a one-day range;
loaded calendars keep another cohort's closures and another apprentice's exceptions out."""

from datetime import date, timedelta

import pytest

from alternance.models import CalendarOverride, ClosurePeriod
from alternance.planning import practical
from alternance.planning.practical import CohortRhythm, PracticalCalendar, company_days, nth_company_day
from tests.factories.alternance import ApprenticeFactory, CohortFactory

# Cohort CCEEE from Monday 7 September 2026 to Friday 18 June 2027 (Mon–Tue centre, Wed–Fri company).
START, END = date(2026, 9, 7), date(2027, 6, 18)
CAL = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=END,
                        closures=((date(2026, 10, 26), date(2026, 10, 27)),))


@pytest.mark.parametrize("day, expected", [
    (date(2026, 9, 4), True),    # Friday before the cohort: full time in the company
    (date(2026, 9, 5), False),   # Saturday before the cohort: not a working day
    (date(2026, 9, 6), False),   # Sunday
    (date(2026, 9, 7), False),   # the cohort's first day, Monday: centre
    (date(2026, 9, 9), True),    # Wednesday: company
    (date(2026, 10, 25), False),  # Sunday before the closure
    (date(2026, 10, 26), True),  # closure's first day: a centre Monday becomes a company day
    (date(2026, 10, 27), True),  # closure's last day
    (date(2026, 11, 2), False),  # Monday after the closure: centre again
    (date(2026, 11, 11), False),  # Armistice, a Wednesday: public holiday
    (date(2027, 6, 14), False),  # the cohort's last week, Monday: centre
    (date(2027, 6, 18), True),   # the cohort's last day, Friday
    (date(2027, 6, 21), True),   # Monday after the cohort: full time in the company
    (date(2027, 6, 26), False),  # Saturday after the cohort
], ids=lambda v: v.isoformat() if isinstance(v, date) else str(v))
def test_is_company_day_at_the_limits(day, expected):
    assert CAL.is_company_day(day) is expected


@pytest.mark.parametrize("override, expected", [("E", True), ("C", False), ("-", False)])
def test_an_exception_decides_even_on_a_holiday_or_outside_the_cohort(override, expected):
    for day in (date(2026, 11, 11), date(2026, 9, 2), date(2026, 9, 7)):
        calendar = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=END, overrides=((day, override),))
        assert calendar.is_company_day(day) is expected
        assert calendar.is_company_day(day, {}) is CAL.is_company_day(day)  # explicit mapping wins over the stored one


@pytest.mark.parametrize("n, expected", [
    (0, None), (1, date(2026, 9, 9)), (2, date(2026, 9, 10)), (3, date(2026, 9, 11)), (4, date(2026, 9, 16)),
])
def test_nth_company_day_first_days(n, expected):
    assert nth_company_day(START, n, calendar=CAL) == expected


def test_44th_45th_46th_company_days_and_the_count_up_to_them():
    """L6222-18 al. 1: 45 days; the closure adds Mon 26 and Tue 27 October."""
    d44, d45, d46 = (nth_company_day(START, n, calendar=CAL) for n in (44, 45, 46))
    assert (d44, d45, d46) == (date(2026, 12, 16), date(2026, 12, 17), date(2026, 12, 18))
    assert [company_days(START, d, calendar=CAL) for d in (d44, d45, d46)] == [44, 45, 46]
    assert practical.free_period_end(START, 45, calendar=CAL) == d45


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 9, 9), date(2026, 9, 8), 0),
    (date(2026, 9, 9), date(2026, 9, 9), 1),
    (date(2026, 9, 8), date(2026, 9, 8), 0),
    (date(2026, 9, 7), date(2026, 9, 13), 3),
], ids=["end-before-start", "one-company-day", "one-centre-day", "one-week"])
def test_company_days_over_short_ranges(start, end, expected):
    assert company_days(start, end, calendar=CAL) == expected


@pytest.mark.parametrize("given, start, expected", [
    (date(2026, 9, 14), date(2026, 9, 1), date(2026, 9, 14)), (None, date(2026, 9, 1), date(2026, 9, 1)),
])
def test_practical_start_is_the_cerfa_date_else_the_contract_start(given, start, expected):
    assert practical.practical_start(practical_training_start_date=given, start_date=start) == expected


def test_window_spans_the_horizon_after_the_latest_start():
    assert practical._window([]) is None
    assert practical._window([date(2026, 9, 7), date(2026, 9, 1)]) == (date(2026, 9, 1), date(2028, 11, 15))


@pytest.mark.django_db
@pytest.mark.parametrize("max_ids", [practical.MAX_IDS_IN_QUERY, 1], ids=["ids-in-query", "range-only-query"])
def test_loaded_calendars_keep_other_cohorts_closures_and_other_apprentices_exceptions_out(monkeypatch, max_ids):
    monkeypatch.setattr(practical, "MAX_IDS_IN_QUERY", max_ids)
    a = CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END)
    b = CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END)
    alice, zoe, outsider = ApprenticeFactory(cohort=a), ApprenticeFactory(cohort=b), ApprenticeFactory(cohort=a)
    ClosurePeriod.objects.create(label="A", start_date=date(2026, 10, 26), end_date=date(2026, 10, 27), cohort=a)
    ClosurePeriod.objects.create(label="OF", start_date=date(2026, 12, 21), end_date=date(2026, 12, 22))
    ClosurePeriod.objects.create(label="Trop tard", start_date=date(2027, 1, 4), end_date=date(2027, 1, 5))
    CalendarOverride.objects.create(apprentice=alice, day=date(2026, 9, 9), place="-", reason="Arrêt")
    CalendarOverride.objects.create(apprentice=outsider, day=date(2026, 9, 10), place="-", reason="Arrêt")
    CalendarOverride.objects.create(apprentice=zoe, day=date(2027, 1, 6), place="-", reason="Hors fenêtre")

    subjects = [CohortRhythm(alice.pk, a.pk, "CCEEE", START, END), CohortRhythm(zoe.pk, b.pk, "CCEEE", START, END)]
    calendars = practical.load_calendars(subjects, first_day=START, last_day=date(2026, 12, 31))

    assert set(calendars) == {alice.pk, zoe.pk}
    assert calendars[alice.pk].closures == ((date(2026, 10, 26), date(2026, 10, 27)), (date(2026, 12, 21), date(2026, 12, 22)))
    assert calendars[zoe.pk].closures == ((date(2026, 12, 21), date(2026, 12, 22)),)
    assert calendars[alice.pk].overrides == ((date(2026, 9, 9), "-"),)
    assert calendars[zoe.pk].overrides == ()
    assert calendars[zoe.pk].is_company_day(date(2026, 10, 26)) is False
    assert practical.load_calendars([], first_day=START, last_day=END) == {}


def test_the_cohorts_last_day_is_inside_the_cohort_even_on_a_centre_day():
    """Domain §3 (module docstring, rules 4 and 5): on the cohort's last day its rhythm decides, the day after
    the apprentice is full time in the company. A cohort ending on a centre Monday."""
    calendar = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=date(2027, 6, 14))
    assert [calendar.is_company_day(date(2027, 6, d)) for d in (13, 14, 15)] == [False, False, True]


def test_zero_days_on_a_calendar_without_any_company_day_is_none():
    """n = 0 is refused before any search, even where no company day exists within the horizon."""
    centre_only = PracticalCalendar(pattern="CCCCC", cohort_start=START, cohort_end=date(2029, 12, 31))
    assert nth_company_day(START, 0, calendar=centre_only) is None
    assert nth_company_day(START, 1, calendar=centre_only) is None


def _row(prefix="", **values):
    return {f"{prefix}{key}": value for key, value in values.items()}


@pytest.mark.parametrize("prefix", ["", "contract__"])
def test_rhythm_of_row_reads_every_field_with_or_without_prefix(prefix):
    row = _row(prefix, apprentice_id=7, apprentice__cohort_id=3, apprentice__cohort__rhythm_pattern="CCEEE",
               apprentice__cohort__start_date=START, apprentice__cohort__end_date=END)
    rhythm = practical.rhythm_of_row(row, prefix) if prefix else practical.rhythm_of_row(row)
    assert rhythm == CohortRhythm(apprentice_id=7, cohort_id=3, pattern="CCEEE", start=START, end=END)


# The window of exceptions loaded for a contract: [practical start, practical start + HORIZON_DAYS] —
# each end at −1 / = / +1 day. Practical start Thursday 10 September 2026, contract start Monday 7.
PRACTICAL = date(2026, 9, 10)
LAST = date(2028, 11, 18)  # PRACTICAL + 800 days


@pytest.fixture
def apprentice_with_window_exceptions():
    apprentice = ApprenticeFactory(cohort=CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END))
    for day in (PRACTICAL - timedelta(days=1), PRACTICAL, LAST, LAST + timedelta(days=1)):
        CalendarOverride.objects.create(apprentice=apprentice, day=day, place="E", reason="Test")
    return apprentice


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "contract__"])
def test_rows_calendars_load_exceptions_from_the_practical_start_to_the_horizon(apprentice_with_window_exceptions, prefix):
    apprentice = apprentice_with_window_exceptions
    assert PRACTICAL + timedelta(days=practical.HORIZON_DAYS) == LAST
    row = _row(prefix, apprentice_id=apprentice.pk, apprentice__cohort_id=apprentice.cohort_id,
               apprentice__cohort__rhythm_pattern="CCEEE", apprentice__cohort__start_date=START,
               apprentice__cohort__end_date=END, start_date=START, practical_training_start_date=PRACTICAL)
    calendars = practical.calendars_for_rows([row], prefix=prefix)
    assert calendars[apprentice.pk].overrides == ((PRACTICAL, "E"), (LAST, "E"))


@pytest.mark.django_db
def test_rows_without_practical_start_load_from_the_contract_start(apprentice_with_window_exceptions):
    apprentice = apprentice_with_window_exceptions
    row = _row(apprentice_id=apprentice.pk, apprentice__cohort_id=apprentice.cohort_id,
               apprentice__cohort__rhythm_pattern="CCEEE", apprentice__cohort__start_date=START,
               apprentice__cohort__end_date=END, start_date=PRACTICAL - timedelta(days=1), practical_training_start_date=None)
    assert practical.calendars_for_rows([row])[apprentice.pk].overrides == ((PRACTICAL - timedelta(days=1), "E"), (PRACTICAL, "E"))


@pytest.mark.django_db
@pytest.mark.parametrize("practical_date, first", [(PRACTICAL, PRACTICAL), (None, START)])
def test_contract_calendars_load_from_the_practical_start_else_the_contract_start(apprentice_with_window_exceptions, practical_date, first):
    from contracts.models import Contract
    from tests.factories.contracts import ContractFactory

    apprentice = apprentice_with_window_exceptions
    ContractFactory(apprentice=apprentice, start_date=START, practical_training_start_date=practical_date, training_start_date=START)
    calendars = practical.calendars_for_contracts(Contract.objects.select_related("apprentice__cohort"))
    expected = ((PRACTICAL - timedelta(days=1), "E"), (PRACTICAL, "E"))
    if practical_date:
        expected = ((PRACTICAL, "E"), (LAST, "E"))
    assert calendars[apprentice.pk].overrides == expected
    assert min(day for day, _ in calendars[apprentice.pk].overrides) >= first


@pytest.mark.django_db
def test_a_closure_is_loaded_when_it_ends_on_the_windows_first_day_not_the_day_before():
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END)
    apprentice = ApprenticeFactory(cohort=cohort)
    ClosurePeriod.objects.create(label="Veille", start_date=date(2026, 10, 19), end_date=date(2026, 10, 25))
    ClosurePeriod.objects.create(label="Premier jour", start_date=date(2026, 10, 20), end_date=date(2026, 10, 26))
    ClosurePeriod.objects.create(label="Dernier jour", start_date=date(2026, 12, 31), end_date=date(2027, 1, 4))
    ClosurePeriod.objects.create(label="Lendemain", start_date=date(2027, 1, 1), end_date=date(2027, 1, 8))
    calendars = practical.load_calendars([CohortRhythm(apprentice.pk, cohort.pk, "CCEEE", START, END)],
                                         first_day=date(2026, 10, 26), last_day=date(2026, 12, 31))
    assert calendars[apprentice.pk].closures == ((date(2026, 10, 20), date(2026, 10, 26)), (date(2026, 12, 31), date(2027, 1, 4)))


@pytest.mark.django_db
@pytest.mark.parametrize("count, max_ids, ids_in_query", [(2, 3, True), (2, 2, True), (2, 1, False)],
                         ids=["limit+1", "limit", "limit-1"])
def test_exceptions_are_read_by_ids_up_to_max_ids_then_by_date_range_only(monkeypatch, count, max_ids, ids_in_query):
    """MAX_IDS_IN_QUERY (SQLite's parameter limit): up to it the query names the apprentices, above it only
    the dates — the calendars are the same either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(practical, "MAX_IDS_IN_QUERY", max_ids)
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END)
    apprentices = [ApprenticeFactory(cohort=cohort) for _ in range(count)]
    for apprentice in apprentices:
        CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 9, 9), place="-", reason="Arrêt")
    with CaptureQueriesContext(connection) as queries:
        calendars = practical.load_calendars([CohortRhythm(a.pk, cohort.pk, "CCEEE", START, END) for a in apprentices],
                                             first_day=START, last_day=END)
    override_sql = queries.captured_queries[1]["sql"]
    assert ('"apprentice_id" IN' in override_sql) is ids_in_query
    assert all(c.overrides == ((date(2026, 9, 9), "-"),) for c in calendars.values())


@pytest.fixture
def contract_from_thursday():
    """CCEEE from Monday 7 September; the contract starts that Monday, its practical training on Thursday
    10 September: the company days are Thu 10, Fri 11, Wed 16, Thu 17…"""
    from tests.factories.contracts import ContractFactory

    apprentice = ApprenticeFactory(cohort=CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END))
    return ContractFactory(apprentice=apprentice, start_date=START, practical_training_start_date=PRACTICAL, training_start_date=START)


@pytest.mark.django_db
@pytest.mark.parametrize("day, expected", [(date(2026, 9, 15), 2), (date(2026, 9, 16), 3), (date(2026, 9, 17), 4)])
def test_contract_company_days_count_from_the_practical_start(contract_from_thursday, day, expected, django_assert_num_queries):
    """L6222-18 al. 1: days of practical training, from the Cerfa's practical start (not the contract start:
    Wed 9 September is not counted)."""
    with django_assert_num_queries(2):
        assert practical.contract_company_days(contract_from_thursday, day) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("days, expected", [(2, date(2026, 9, 11)), (3, date(2026, 9, 16)), (4, date(2026, 9, 17))])
def test_contract_free_period_end_from_the_practical_start(contract_from_thursday, days, expected, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert practical.contract_free_period_end(contract_from_thursday, days) == expected


@pytest.mark.django_db
def test_contract_counts_use_the_calendars_given_without_a_query(contract_from_thursday, django_assert_num_queries):
    """A batch passes its calendars: no query, and the given calendar is the one used (here one where every
    Monday–Friday is a company day, as outside any cohort)."""
    contract = contract_from_thursday
    full_time = {contract.apprentice_id: PracticalCalendar(pattern="EEEEE", cohort_start=START, cohort_end=END)}
    with django_assert_num_queries(0):
        assert practical.contract_company_days(contract, date(2026, 9, 16), calendars=full_time) == 5  # Thu 10 → Wed 16
        assert practical.contract_free_period_end(contract, 3, calendars=full_time) == date(2026, 9, 14)


@pytest.mark.django_db
def test_without_a_practical_start_the_contract_counts_from_its_start():
    """The Cerfa's practical start is optional: the contract start (Monday 7, a centre day) is then the first
    day that can count — Wed 9, Thu 10, Fri 11 are the first three company days."""
    from tests.factories.contracts import ContractFactory

    apprentice = ApprenticeFactory(cohort=CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END))
    contract = ContractFactory(apprentice=apprentice, start_date=START, practical_training_start_date=None, training_start_date=START)
    assert practical.contract_company_days(contract, date(2026, 9, 11)) == 3
    assert practical.contract_free_period_end(contract, 3) == date(2026, 9, 11)
