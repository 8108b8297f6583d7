"""The private ICS feed's content, parsed back with icalendar: the exact events and dates for an
apprentice, an employer contact with two apprentices (and nothing of another company's), a
tutor and the coordinator; stable UIDs, time zone, calendar name; constant query counts."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import ApprenticeStatus, KeyDateKind, Role, VisitKind
from alternance.models import CalendarOverride, ClosurePeriod, KeyDate
from alternance.planning import calendar as planning
from alternance.planning import ics
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory, CohortFactory, UserFactory, VisitFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)


def contract(apprentice, company, start: date):
    return ContractFactory(
        apprentice=apprentice, company=company, status=ContractStatus.IN_PROGRESS, start_date=start,
        practical_training_start_date=start, signature_date=start - timedelta(days=7), end_date=date(2028, 8, 31),
    )


@pytest.fixture
def data():
    """Two short cohorts (16 Nov – 18 Dec 2026), company X with Alice (cohort A, CCEEE) and Zoé
    (cohort B, EEECC, contract from 25 Nov), company Y with Bruno (cohort A)."""
    tutor_a = UserFactory(role=Role.TUTOR, email="tuteur-a@example.test", first_name="Tuteur", last_name="A")
    tutor_b = UserFactory(role=Role.TUTOR, email="tuteur-b@example.test")
    cohort_a = CohortFactory(name="Promo A", rhythm_pattern="CCEEE", start_date=date(2026, 11, 16), end_date=date(2026, 12, 18),
                             referent_tutor=tutor_a)
    cohort_b = CohortFactory(name="Promo B", rhythm_pattern="EEECC", start_date=date(2026, 11, 16), end_date=date(2026, 12, 18),
                             referent_tutor=tutor_b)
    company_x, company_y = CompanyFactory(name="Entreprise X"), CompanyFactory(name="Entreprise Y")
    employer_x = UserFactory(role=Role.EMPLOYER, email="employeur-x@example.test")
    employer_y = UserFactory(role=Role.EMPLOYER, email="employeur-y@example.test")
    CompanyContactFactory(company=company_x, user=employer_x)
    CompanyContactFactory(company=company_y, user=employer_y)
    alice_user = UserFactory(role=Role.APPRENTICE, email="alice@example.test")
    alice = ApprenticeFactory(first_name="Alice", last_name="Martin", cohort=cohort_a, user=alice_user,
                              status=ApprenticeStatus.UNDER_CONTRACT)
    zoe = ApprenticeFactory(first_name="Zoé", last_name="Bernard", cohort=cohort_b, status=ApprenticeStatus.UNDER_CONTRACT)
    bruno = ApprenticeFactory(first_name="Bruno", last_name="Durand", cohort=cohort_a, status=ApprenticeStatus.UNDER_CONTRACT)
    alice_contract = contract(alice, company_x, date(2026, 11, 16))
    zoe_contract = contract(zoe, company_x, date(2026, 11, 25))
    bruno_contract = contract(bruno, company_y, date(2026, 11, 16))

    noel = ClosurePeriod.objects.create(label="Vacances de Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3))
    pedago = ClosurePeriod.objects.create(label="Journées pédagogiques", start_date=date(2026, 12, 7), end_date=date(2026, 12, 8),
                                          cohort=cohort_a)
    CalendarOverride.objects.create(apprentice=alice, day=date(2026, 12, 9), place="C", reason="Rattrapage")
    CalendarOverride.objects.create(apprentice=alice, day=date(2026, 11, 23), place="E", reason="Salon professionnel")
    CalendarOverride.objects.create(apprentice=bruno, day=date(2026, 12, 10), place="C", reason="Rattrapage de Bruno")
    exam = KeyDate.objects.create(cohort=cohort_a, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2026, 12, 15),
                                  start_time=time(9, 0), end_time=time(12, 0), location="Salle 2")
    alice_review = KeyDate.objects.create(cohort=cohort_a, apprentice=alice, kind=KeyDateKind.MID_TERM_REVIEW,
                                          label="Bilan d'Alice", day=date(2026, 12, 16))
    bruno_review = KeyDate.objects.create(cohort=cohort_a, apprentice=bruno, kind=KeyDateKind.MID_TERM_REVIEW,
                                          label="Bilan de Bruno", day=date(2026, 12, 16))
    meeting_b = KeyDate.objects.create(cohort=cohort_b, kind=KeyDateKind.MEETING, label="Réunion entreprises",
                                       day=date(2026, 12, 3), start_time=time(14, 0))
    # Outside the window (60 days back, 12 months ahead): never in the feed.
    KeyDate.objects.create(cohort=cohort_a, kind=KeyDateKind.OTHER, label="Trop ancien", day=date(2026, 9, 28))
    KeyDate.objects.create(cohort=cohort_a, kind=KeyDateKind.OTHER, label="Trop lointain", day=date(2027, 11, 29))
    alice_visit = VisitFactory(apprentice=alice, contract=alice_contract, planned_date=date(2026, 12, 10), kind=VisitKind.FIRST)
    bruno_visit = VisitFactory(apprentice=bruno, contract=bruno_contract, planned_date=date(2026, 12, 11))
    zoe_visit = VisitFactory(apprentice=zoe, contract=zoe_contract, planned_date=date(2026, 12, 1), done_date=date(2026, 12, 2))
    return {
        "tutor_a": tutor_a, "employer_x": employer_x, "employer_y": employer_y, "alice_user": alice_user,
        "alice": alice, "zoe": zoe, "bruno": bruno, "noel": noel, "pedago": pedago, "exam": exam,
        "alice_review": alice_review, "bruno_review": bruno_review, "meeting_b": meeting_b,
        "alice_visit": alice_visit, "bruno_visit": bruno_visit, "zoe_visit": zoe_visit,
    }


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def events(calendar: icalendar.Calendar) -> set[tuple]:
    return {
        (str(e["uid"]), str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"))
        for e in calendar.walk("VEVENT")
    }


def feed(user) -> icalendar.Calendar:
    return parse(ics.feed_for_user(user, today=TODAY, now=NOW))


def day_events(uid_prefix: str, summary: str, days: list[date]) -> set[tuple]:
    return {(f"{uid_prefix}-{d:%Y%m%d}@alternance", summary, d, d + timedelta(days=1)) for d in days}


D = date
ALICE_CENTRE = [D(2026, 11, 16), D(2026, 11, 17), D(2026, 11, 24), D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 9),
                D(2026, 12, 14), D(2026, 12, 15)]
# Zoé: Thursdays and Fridays, from her contract with X (25 Nov).
ZOE_CENTRE = [D(2026, 11, 26), D(2026, 11, 27), D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 10), D(2026, 12, 11),
              D(2026, 12, 17), D(2026, 12, 18)]


def timed(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    return datetime.combine(day, start, tzinfo=PARIS), datetime.combine(day, end, tzinfo=PARIS)


def test_apprentice_feed_holds_its_centre_days_closures_key_dates_and_visits(data):
    calendar = feed(data["alice_user"])

    alice = data["alice"].pk
    expected = day_events(f"centre-{alice}", "Au centre de formation", ALICE_CENTRE) | {
        (f"closure-{data['pedago'].pk}@alternance", "Centre fermé : Journées pédagogiques", D(2026, 12, 7), D(2026, 12, 9)),
        (f"closure-{data['noel'].pk}@alternance", "Centre fermé : Vacances de Noël", D(2026, 12, 19), D(2027, 1, 4)),
        (f"keydate-{data['exam'].pk}@alternance", "Épreuve E4", *timed(D(2026, 12, 15), time(9), time(12))),
        (f"keydate-{data['alice_review'].pk}@alternance", "Bilan d'Alice", D(2026, 12, 16), D(2026, 12, 17)),
        (f"visit-{data['alice_visit'].pk}@alternance", "Visite prévue : Première visite", D(2026, 12, 10), D(2026, 12, 11)),
    }
    assert events(calendar) == expected
    assert str(calendar["X-WR-CALNAME"]) == "Alternance — Alice Martin"
    exam = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == f"keydate-{data['exam'].pk}@alternance")
    assert exam.decoded("dtstart").tzinfo.key == "Europe/Paris"
    assert str(exam["location"]) == "Salle 2"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert all(e.get("DTSTAMP") is not None for e in calendar.walk("VEVENT"))


def test_employer_feed_holds_both_apprentices_during_its_contracts_and_nothing_of_another_company(data):
    calendar = feed(data["employer_x"])

    alice, zoe = data["alice"].pk, data["zoe"].pk
    expected = (
        day_events(f"centre-{alice}", "Au centre de formation — Alice Martin", ALICE_CENTRE)
        | day_events(f"centre-{zoe}", "Au centre de formation — Zoé Bernard", ZOE_CENTRE)
        | {
            (f"closure-{data['pedago'].pk}@alternance", "Centre fermé : Journées pédagogiques", D(2026, 12, 7), D(2026, 12, 9)),
            (f"closure-{data['noel'].pk}@alternance", "Centre fermé : Vacances de Noël", D(2026, 12, 19), D(2027, 1, 4)),
            (f"keydate-{data['exam'].pk}@alternance", "Épreuve E4 — Alice Martin", *timed(D(2026, 12, 15), time(9), time(12))),
            (f"keydate-{data['alice_review'].pk}@alternance", "Bilan d'Alice — Alice Martin", D(2026, 12, 16), D(2026, 12, 17)),
            (f"keydate-{data['meeting_b'].pk}@alternance", "Réunion entreprises — Zoé Bernard",
             *timed(D(2026, 12, 3), time(14), time(15))),
            (f"visit-{data['alice_visit'].pk}@alternance", "Visite prévue : Première visite — Alice Martin",
             D(2026, 12, 10), D(2026, 12, 11)),
            (f"visit-{data['zoe_visit'].pk}@alternance", "Visite réalisée : Première visite — Zoé Bernard",
             D(2026, 12, 2), D(2026, 12, 3)),
        }
    )
    assert events(calendar) == expected
    content = ics.feed_for_user(data["employer_x"], today=TODAY, now=NOW).decode()
    assert "Bruno" not in content and f"centre-{data['bruno'].pk}-" not in content
    noel = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == f"closure-{data['noel'].pk}@alternance")
    assert "Concerne : Alice Martin, Zoé Bernard." in str(noel["description"])
    pedago = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == f"closure-{data['pedago'].pk}@alternance")
    assert "Concerne : Alice Martin." in str(pedago["description"])


def test_other_employer_sees_only_its_own_apprentice(data):
    uids = {uid for uid, *_ in events(feed(data["employer_y"]))}

    assert f"keydate-{data['bruno_review'].pk}@alternance" in uids
    assert f"visit-{data['bruno_visit'].pk}@alternance" in uids
    assert not [uid for uid in uids if uid.startswith((f"centre-{data['alice'].pk}-", f"centre-{data['zoe'].pk}-"))]
    assert f"keydate-{data['alice_review'].pk}@alternance" not in uids
    assert f"visit-{data['alice_visit'].pk}@alternance" not in uids
    # Bruno's exception puts him at the centre on 10 December.
    assert f"centre-{data['bruno'].pk}-20261210@alternance" in uids


def test_tutor_feed_holds_its_visits_and_its_cohorts_key_dates(data):
    calendar = feed(data["tutor_a"])

    expected = {
        (f"visit-{data['alice_visit'].pk}@alternance", "Visite prévue : Première visite — Alice Martin", D(2026, 12, 10), D(2026, 12, 11)),
        (f"visit-{data['bruno_visit'].pk}@alternance", "Visite prévue : Première visite — Bruno Durand", D(2026, 12, 11), D(2026, 12, 12)),
        (f"keydate-{data['exam'].pk}@alternance", "Épreuve E4 — Promo A", *timed(D(2026, 12, 15), time(9), time(12))),
        (f"keydate-{data['alice_review'].pk}@alternance", "Bilan d'Alice — Alice Martin", D(2026, 12, 16), D(2026, 12, 17)),
        (f"keydate-{data['bruno_review'].pk}@alternance", "Bilan de Bruno — Bruno Durand", D(2026, 12, 16), D(2026, 12, 17)),
        (f"closure-{data['pedago'].pk}@alternance", "Centre fermé : Journées pédagogiques", D(2026, 12, 7), D(2026, 12, 9)),
        (f"closure-{data['noel'].pk}@alternance", "Centre fermé : Vacances de Noël", D(2026, 12, 19), D(2027, 1, 4)),
    }
    assert events(calendar) == expected


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE])
def test_office_staff_get_the_whole_of_closures_only(data, role):
    user = UserFactory(role=role, email=f"{role}@example.test")

    calendar = feed(user)

    assert events(calendar) == {
        (f"closure-{data['noel'].pk}@alternance", "Centre fermé : Vacances de Noël", D(2026, 12, 19), D(2027, 1, 4)),
    }


def test_uids_are_stable_from_one_download_to_the_next(data):
    first = {uid for uid, *_ in events(feed(data["employer_x"]))}
    second = {uid for uid, *_ in events(parse(ics.feed_for_user(data["employer_x"], today=TODAY, now=NOW + timedelta(hours=5))))}

    assert first == second


def test_feed_window_is_60_days_back_and_12_months_ahead():
    assert planning.feed_window(TODAY) == (D(2026, 9, 29), D(2027, 11, 28))


def test_employer_feed_queries_do_not_grow_with_apprentices(data):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            ics.feed_for_user(data["employer_x"], today=TODAY, now=NOW)
        return len(queries)

    two = count()
    company_x = data["alice"].contracts.get().company
    for index in range(3):
        extra = ApprenticeFactory(cohort=data["alice"].cohort, status=ApprenticeStatus.UNDER_CONTRACT, last_name=f"Nom{index}")
        extra_contract = contract(extra, company_x, date(2026, 11, 16))
        VisitFactory(apprentice=extra, contract=extra_contract, planned_date=date(2026, 12, 14))
        KeyDate.objects.create(cohort=extra.cohort, apprentice=extra, kind=KeyDateKind.OTHER, label="RDV", day=date(2026, 12, 14))
        CalendarOverride.objects.create(apprentice=extra, day=date(2026, 12, 16), place="C", reason="x")

    assert count() == two
    assert len([uid for uid, *_ in events(feed(data["employer_x"])) if uid.startswith("centre-")]) == 16 + 3 * 9


def test_deactivated_account_gets_an_empty_valid_calendar(data):
    user = data["alice_user"]
    user.is_active = False
    user.save()

    calendar = feed(user)

    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


def test_tutor_events_are_its_own_visits_and_name_who_and_each_closures_scope(data):
    """A visit of one of its apprentices made by another tutor is not in its calendar; a cohort-wide key
    date names the cohort, a personal one the apprentice; a closure says whom it closes for."""
    other_tutor = UserFactory(role=Role.TUTOR, email="remplacant@example.test")
    VisitFactory(apprentice=data["alice"], tutor=other_tutor, planned_date=date(2026, 12, 12))

    events = planning.events_for_user(data["tutor_a"], date(2026, 11, 1), date(2027, 1, 31))

    assert [(e.uid, e.who) for e in events] == [
        (f"closure-{data['pedago'].pk}@alternance", ""),
        (f"visit-{data['alice_visit'].pk}@alternance", "Alice Martin"),
        (f"visit-{data['bruno_visit'].pk}@alternance", "Bruno Durand"),
        (f"keydate-{data['exam'].pk}@alternance", "Promo A"),
        (f"keydate-{data['alice_review'].pk}@alternance", "Alice Martin"),
        (f"keydate-{data['bruno_review'].pk}@alternance", "Bruno Durand"),
        (f"closure-{data['noel'].pk}@alternance", ""),
    ]
    closures = [e for e in events if e.uid.startswith("closure-")]
    assert [(e.obj, e.description) for e in closures] == [
        (data["pedago"], "Fermeture : Promo A."), (data["noel"], "Fermeture : tout l'organisme.")]


def described(calendar: icalendar.Calendar) -> dict[str, tuple[str, str]]:
    """Each event's description and place, by UID without its domain."""
    return {str(e["uid"]).split("@")[0]: (str(e.get("description", "")), str(e.get("location", "")))
            for e in calendar.walk("VEVENT")}


CLOSED_FOR_APPRENTICE = ("Le centre de formation est fermé : les jours prévus au centre se passent en entreprise, "
                         "sauf congé posé auprès de votre employeur.")
CLOSED_FOR_EMPLOYER = ("Le centre de formation est fermé : les jours prévus au centre se passent en entreprise "
                       "(sauf congé posé auprès de l'employeur). Concerne : ")


def test_every_event_says_what_it_is_and_where_for_each_reader(data):
    """Key dates: their kind, at their place; visits: mode and company, at the company only on site (a
    visit by phone has no place, one without a contract no company); closures: what they mean for the
    reader; centre days: the exception's reason."""
    from alternance.choices import VisitMode

    phone = VisitFactory(apprentice=data["alice"], contract=None, planned_date=date(2026, 12, 14), mode=VisitMode.PHONE)
    alice, zoe, noel, pedago = data["alice"], data["zoe"], data["noel"], data["pedago"]
    exam, alice_review, meeting_b = data["exam"], data["alice_review"], data["meeting_b"]
    alice_visit, zoe_visit = data["alice_visit"], data["zoe_visit"]

    apprentice = described(feed(data["alice_user"]))
    assert {uid: value for uid, value in apprentice.items() if not uid.startswith("centre-")} == {
        f"closure-{noel.pk}": (CLOSED_FOR_APPRENTICE, ""), f"closure-{pedago.pk}": (CLOSED_FOR_APPRENTICE, ""),
        f"keydate-{exam.pk}": ("Examen / épreuve", "Salle 2"), f"keydate-{alice_review.pk}": ("Bilan de mi-parcours", ""),
        f"visit-{alice_visit.pk}": ("Sur site — Entreprise X", "Entreprise X"), f"visit-{phone.pk}": ("Téléphone", ""),
    }
    assert apprentice[f"centre-{alice.pk}-20261209"] == ("Rattrapage", "")
    assert apprentice[f"centre-{alice.pk}-20261116"] == ("", "")

    employer = described(feed(data["employer_x"]))
    assert {uid: value for uid, value in employer.items() if not uid.startswith("centre-")} == {
        f"closure-{noel.pk}": (CLOSED_FOR_EMPLOYER + "Alice Martin, Zoé Bernard.", ""),
        f"closure-{pedago.pk}": (CLOSED_FOR_EMPLOYER + "Alice Martin.", ""),
        f"keydate-{exam.pk}": ("Examen / épreuve", "Salle 2"), f"keydate-{alice_review.pk}": ("Bilan de mi-parcours", ""),
        f"keydate-{meeting_b.pk}": ("Réunion (parents, entreprises, rentrée)", ""),
        f"visit-{alice_visit.pk}": ("Sur site — Entreprise X", "Entreprise X"),
        f"visit-{zoe_visit.pk}": ("Sur site — Entreprise X", "Entreprise X"),  # the visit without a contract: not theirs
    }
    assert employer[f"centre-{alice.pk}-20261209"] == ("Rattrapage", "")
    assert employer[f"centre-{zoe.pk}-20261126"] == ("", "")

    office = described(feed(UserFactory(role=Role.COORDINATOR, email="coordination@example.test")))
    assert office == {f"closure-{noel.pk}": ("Le centre de formation est fermé pour tout l'organisme.", "")}


def test_a_closure_names_the_employers_apprentices_by_full_name(data):
    """Two apprentices of company X whose first names sort the other way round from their last names."""
    from alternance.choices import ApprenticeStatus as Status

    cohort_a = data["alice"].cohort
    company_x = data["alice_visit"].contract.company
    for first, last in (("Anne", "Martin"), ("Yves", "Aubert")):
        contract(ApprenticeFactory(first_name=first, last_name=last, cohort=cohort_a, status=Status.UNDER_CONTRACT),
                 company_x, date(2026, 11, 16))
    noel = next(e for e in feed(data["employer_x"]).walk("VEVENT") if str(e["uid"]) == f"closure-{data['noel'].pk}@alternance")
    assert str(noel["description"]).endswith("Concerne : Alice Martin, Anne Martin, Yves Aubert, Zoé Bernard.")
    # A personal key date concerns its apprentice only, not the other apprentices of its cohort at this employer.
    review = next(e for e in feed(data["employer_x"]).walk("VEVENT")
                  if str(e["uid"]) == f"keydate-{data['alice_review'].pk}@alternance")
    assert str(review["summary"]) == "Bilan d'Alice — Alice Martin"
