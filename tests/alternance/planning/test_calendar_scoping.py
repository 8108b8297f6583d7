"""What belongs to whom on a calendar (issue 16, mutation survivors of alternance/planning/calendar.py):
an OF closure of one cohort never moves another cohort's apprentices, another apprentice's
personal key date never shows on an apprentice's calendar, and a cohort's printable year shows
only its cohort-wide key dates. Every case sets up the row that must be excluded."""

from datetime import date

import pytest

from alternance.choices import ApprenticeStatus, KeyDateKind, Role
from alternance.models import CalendarOverride, ClosurePeriod, KeyDate
from alternance.planning import calendar as planning
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory, CohortFactory, UserFactory, VisitFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

MON, TUE, WED = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)  # CCEEE: Mon–Tue at the centre


@pytest.fixture
def two_cohorts():
    """Cohorts A and B with the same rhythm; A closed Mon 7 – Tue 8 Dec 2026; an OF-wide closure on Mon 14."""
    a = CohortFactory(name="Promo A", rhythm_pattern="CCEEE", start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    b = CohortFactory(name="Promo B", rhythm_pattern="CCEEE", start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    ClosurePeriod.objects.create(label="Travaux A", start_date=MON, end_date=TUE, cohort=a)
    ClosurePeriod.objects.create(label="Pont", start_date=date(2026, 12, 14), end_date=date(2026, 12, 14))
    alice = ApprenticeFactory(cohort=a, first_name="Alice", last_name="Martin", status=ApprenticeStatus.UNDER_CONTRACT)
    zoe = ApprenticeFactory(cohort=b, first_name="Zoé", last_name="Bernard", status=ApprenticeStatus.UNDER_CONTRACT)
    return a, b, alice, zoe


def test_places_on_applies_a_cohort_closure_to_that_cohorts_apprentices_only(two_cohorts):
    _a, _b, alice, zoe = two_cohorts

    on_monday = planning.places_on([alice, zoe], MON)
    on_bridge = planning.places_on([alice, zoe], date(2026, 12, 14))

    assert (on_monday[alice.pk].place, on_monday[alice.pk].source, on_monday[alice.pk].note) == (
        "E", planning.SOURCE_CLOSURE, "Centre fermé — Travaux A")
    assert (on_monday[zoe.pk].place, on_monday[zoe.pk].source, on_monday[zoe.pk].note) == ("C", planning.SOURCE_RHYTHM, "")
    # The OF-wide closure applies to both cohorts.
    assert [on_bridge[p].source for p in (alice.pk, zoe.pk)] == [planning.SOURCE_CLOSURE, planning.SOURCE_CLOSURE]


def test_places_on_applies_each_apprentices_own_exception_of_that_day(two_cohorts):
    _a, _b, alice, zoe = two_cohorts
    CalendarOverride.objects.create(apprentice=zoe, day=MON, place="E", reason="Salon")
    CalendarOverride.objects.create(apprentice=alice, day=TUE, place="C", reason="Rattrapage")  # another day

    on_monday = planning.places_on([alice, zoe], MON)

    assert (on_monday[zoe.pk].place, on_monday[zoe.pk].source, on_monday[zoe.pk].note) == ("E", planning.SOURCE_OVERRIDE, "Salon")
    assert (on_monday[alice.pk].place, on_monday[alice.pk].source) == ("E", planning.SOURCE_CLOSURE)
    assert planning.places_on([alice, zoe], TUE)[alice.pk].source == planning.SOURCE_OVERRIDE
    assert planning.places_on([alice, zoe], TUE)[zoe.pk].source == planning.SOURCE_RHYTHM
    assert planning.places_on([], MON) == {}


def test_place_without_override_reads_the_apprentices_own_cohort_closures(two_cohorts):
    _a, _b, alice, zoe = two_cohorts

    assert planning.place_without_override(alice, TUE).source == planning.SOURCE_CLOSURE
    assert planning.place_without_override(zoe, TUE) == planning.DayPlace("C", "Centre de formation", "", planning.SOURCE_RHYTHM)


def test_calendars_list_the_closures_of_their_cohort_and_the_of(two_cohorts):
    a, b, alice, zoe = two_cohorts
    coordinator = UserFactory(role=Role.COORDINATOR)

    assert [c.label for c in planning.apprentice_month(zoe, 2026, 12, user=coordinator, today=MON).closures] == ["Pont"]
    assert [c.label for c in planning.cohort_month(a, 2026, 12, user=coordinator, today=MON).closures] == ["Travaux A", "Pont"]
    assert [c.label for c in planning.cohort_year(b, 2026, user=coordinator).closures] == ["Pont"]
    assert [c.label for c in planning.apprentice_year(alice, 2026, user=coordinator).closures] == ["Travaux A", "Pont"]


def test_year_calendars_turn_the_cohorts_closed_days_into_company_days(two_cohorts):
    a, b, _alice, _zoe = two_cohorts
    coordinator = UserFactory(role=Role.COORDINATOR)

    december_a = planning.cohort_year(a, 2026, user=coordinator).months[3]
    december_b = planning.cohort_year(b, 2026, user=coordinator).months[3]

    assert december_a.title == "décembre 2026"
    assert [(cell.place, cell.source) for cell in december_a.cells[6:8]] == [("E", planning.SOURCE_CLOSURE)] * 2
    assert [(cell.place, cell.source) for cell in december_b.cells[6:8]] == [("C", planning.SOURCE_RHYTHM)] * 2
    assert december_b.cells[13].source == planning.SOURCE_CLOSURE  # the OF-wide bridge, Monday 14


def test_employer_feed_keeps_the_centre_days_of_an_apprentice_of_another_cohort_during_a_cohort_closure(two_cohorts):
    a, _b, alice, zoe = two_cohorts
    employer = UserFactory(role=Role.EMPLOYER, email="employeur@example.test")
    company = CompanyFactory()
    CompanyContactFactory(company=company, user=employer)
    for apprentice in (alice, zoe):
        ContractFactory(apprentice=apprentice, company=company, status=ContractStatus.IN_PROGRESS, start_date=date(2026, 9, 1),
                        practical_training_start_date=date(2026, 9, 1), end_date=date(2028, 8, 31))

    events = planning.events_for_user(employer, MON, WED)

    centre = sorted((e.day, e.who) for e in events if e.kind == planning.EVENT_CENTRE)
    assert centre == [(MON, "Zoé Bernard"), (TUE, "Zoé Bernard")]
    closures = [e for e in events if e.kind == planning.EVENT_CLOSURE]
    assert [e.title for e in closures] == ["Centre fermé : Travaux A"]
    assert closures[0].description.endswith("Concerne : Alice Martin.")
    bridge = [e for e in planning.events_for_user(employer, date(2026, 12, 14), date(2026, 12, 14)) if e.kind == planning.EVENT_CLOSURE]
    assert bridge[0].description.endswith("Concerne : Alice Martin, Zoé Bernard.")


def test_apprentice_year_shows_its_own_and_the_cohorts_key_dates_not_another_apprentices():
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1), end_date=date(2027, 6, 30))
    other_cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1), end_date=date(2027, 6, 30))
    alice = ApprenticeFactory(cohort=cohort, first_name="Alice")
    bruno = ApprenticeFactory(cohort=cohort, first_name="Bruno")
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2027, 5, 18))
    KeyDate.objects.create(cohort=cohort, apprentice=alice, kind=KeyDateKind.OTHER, label="Bilan d'Alice", day=date(2027, 1, 12))
    KeyDate.objects.create(cohort=cohort, apprentice=bruno, kind=KeyDateKind.OTHER, label="Bilan de Bruno", day=date(2027, 1, 13))
    KeyDate.objects.create(cohort=other_cohort, kind=KeyDateKind.EXAM, label="Autre promo", day=date(2027, 1, 14))
    coordinator = UserFactory(role=Role.COORDINATOR)

    alice_year = planning.apprentice_year(alice, 2026, user=coordinator)
    cohort_year = planning.cohort_year(cohort, 2026, user=coordinator)

    assert [e.title for e in alice_year.events] == ["Bilan d'Alice", "Épreuve E4"]
    january = alice_year.months[4]
    assert (january.title, january.event_days) == ("janvier 2027", {12})
    assert [e.title for e in cohort_year.events] == ["Épreuve E4"]
    assert cohort_year.months[4].event_days == set()


def test_apprentice_year_shows_its_own_exceptions_closures_and_visits_only(two_cohorts):
    _a, _b, alice, zoe = two_cohorts
    CalendarOverride.objects.create(apprentice=alice, day=WED, place="C", reason="Rattrapage")
    CalendarOverride.objects.create(apprentice=zoe, day=date(2026, 12, 10), place="C", reason="Autre")
    VisitFactory(apprentice=alice, planned_date=date(2026, 12, 10))
    VisitFactory(apprentice=zoe, planned_date=date(2026, 12, 11))

    year = planning.apprentice_year(alice, 2026, user=UserFactory(role=Role.COORDINATOR))

    december = year.months[3]
    assert [(cell.place, cell.source) for cell in december.cells[6:10]] == [
        ("E", planning.SOURCE_CLOSURE), ("E", planning.SOURCE_CLOSURE), ("C", planning.SOURCE_OVERRIDE), ("E", planning.SOURCE_RHYTHM)]
    assert [(e.day, e.kind) for e in year.events] == [(date(2026, 12, 10), planning.EVENT_VISIT)]
    assert december.event_days == {10}
    assert (WED, december.cells[8]) in year.notes
