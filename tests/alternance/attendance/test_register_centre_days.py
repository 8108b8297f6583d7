"""The register records only what happened at the centre (issue 14 §1).

The page opens only on the cohort's centre days and lists only the apprentices at the centre that
day (exceptions and closures included); any other day says why and points to the sessions around
it. The services refuse a half-day on a day the apprentice was not at the centre, whoever calls
them. The cohort's rhythm is CCEEE: Monday and Tuesday at the centre.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alternance.attendance.register import RegisterEntry, attendance_record, attendance_register_save
from alternance.choices import AttendanceStatus, HalfDay, Role
from alternance.models import AttendanceRecord, CalendarOverride, ClosurePeriod
from tests.factories.alternance import ApprenticeFactory, CohortFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
SATURDAY, SUNDAY, NEXT_MONDAY = date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30)


@pytest.fixture
def cohort():
    return CohortFactory(name="CAP Cuisine 2026", referent_tutor=UserFactory(email="tuteur-jours@example.test", role=Role.TUTOR))


@pytest.fixture
def now(time_machine):
    """Saturday 28 November 2026, 11:00 in Paris."""
    time_machine.move_to(datetime(2026, 11, 28, 11, 0, tzinfo=PARIS), tick=False)


def open_register(client, cohort, day: date, half: str = "am"):
    client.force_login(cohort.referent_tutor)
    return client.get(reverse("attendance_register", args=[cohort.pk]), {"day": day.isoformat(), "half": half})


def text(response) -> str:
    return " ".join(response.content.decode().replace("&#x27;", "'").split())


# --- the page ---------------------------------------------------------------------------------------


def test_on_a_saturday_the_register_says_why_and_links_to_the_last_session(client, cohort, now):
    ApprenticeFactory(cohort=cohort, last_name="Ana")

    response = open_register(client, cohort, SATURDAY)

    page = text(response)
    assert response.status_code == 200
    assert "Pas de registre le samedi 28 novembre 2026 : la promotion n'est pas au centre de formation ce jour-là (Repos)." in page
    # The next session (Monday 30) is still to come: named, not linked; the last one is linked.
    assert "Prochaine séance au centre : le lundi 30 novembre 2026." in page
    assert f'?day={TUESDAY.isoformat()}&amp;half=am">Ouvrir la dernière séance, le mardi 24 novembre 2026</a>' in response.content.decode()
    assert 'name="status_' not in page


def test_a_past_company_day_links_to_the_next_session(client, cohort, now):
    response = open_register(client, cohort, WEDNESDAY)

    page = text(response)
    assert "(Entreprise)." in page
    assert f'?day={NEXT_MONDAY.isoformat()}' not in response.content.decode()  # Monday 30 is after today
    response = open_register(client, cohort, date(2026, 11, 18))  # a Wednesday: next session Monday 23, in the past
    assert f'?day={MONDAY.isoformat()}&amp;half=am">Ouvrir la séance suivante, le lundi 23 novembre 2026</a>' in response.content.decode()


def test_a_public_holiday_names_the_holiday(client, now):
    every_day = CohortFactory(rhythm_pattern="CCCCC", rhythm_label="5 jours au centre")

    page = text(open_register(client, every_day, date(2026, 11, 11)))

    assert "(Jour férié — Armistice)." in page


def test_a_closure_of_the_centre_closes_the_register(client, cohort, now):
    ClosurePeriod.objects.create(label="Inventaire", start_date=MONDAY, end_date=MONDAY, cohort=cohort)

    page = text(open_register(client, cohort, MONDAY))

    assert "(Entreprise — Centre fermé — Inventaire)." in page
    assert open_register(client, cohort, TUESDAY).status_code == 200
    assert "Pas de registre" not in text(open_register(client, cohort, TUESDAY))


def test_outside_the_cohort_dates_there_is_no_register(client, cohort, now):
    page = text(open_register(client, cohort, date(2026, 8, 31)))  # a Monday before the start (1 September)

    assert "(Hors période de formation)." in page


def test_an_apprentice_at_its_company_by_exception_is_named_apart_and_not_taken(client, cohort, now):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    CalendarOverride.objects.create(apprentice=bob, day=MONDAY, place="E", reason="Salon")

    response = open_register(client, cohort, MONDAY)

    html = response.content.decode()
    assert f'name="status_{ana.pk}"' in html and f'name="status_{bob.pk}"' not in html
    assert f"Pas au centre ce jour-là : {bob.full_name} (Entreprise — Salon)" in text(response)
    client.post(reverse("attendance_register", args=[cohort.pk]), {
        "day": MONDAY.isoformat(), "half": "am", f"status_{bob.pk}": "absent", "others_present": "1",
    })
    assert list(AttendanceRecord.objects.values_list("apprentice__last_name", "status")) == [("Ana", "present")]


def test_posting_a_register_on_a_saturday_writes_nothing(client, cohort, now):
    ana = ApprenticeFactory(cohort=cohort, last_name="Ana")
    client.force_login(cohort.referent_tutor)

    response = client.post(reverse("attendance_register", args=[cohort.pk]), {
        "day": SATURDAY.isoformat(), "half": "am", f"status_{ana.pk}": "absent",
    })

    assert response.status_code == 400
    assert AttendanceRecord.objects.count() == 0


def test_the_tutor_home_register_button_leads_to_a_page_that_opens_on_any_day(client, cohort, time_machine):
    """Every day of a week (Monday to Sunday): the page answers 200, a form on the centre days only."""
    ApprenticeFactory(cohort=cohort)
    for offset in range(7):
        day = date(2026, 11, 23 + offset)
        time_machine.move_to(datetime(day.year, day.month, day.day, 23, 30, tzinfo=PARIS), tick=False)
        client.force_login(cohort.referent_tutor)
        response = client.get(reverse("attendance_register", args=[cohort.pk]))
        assert response.status_code == 200, day
        assert ('name="status_' in response.content.decode()) is (day in (MONDAY, TUESDAY)), day


# --- the rule of the data ----------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "allowed"), [
    (date(2026, 11, 22), False),  # Sunday (limit − 1)
    (MONDAY, True),
    (TUESDAY, True),
    (WEDNESDAY, False),  # company day (limit + 1)
    (SATURDAY, False),
])
def test_a_single_half_day_is_refused_outside_the_centre_days(cohort, day, allowed):
    ana = ApprenticeFactory(cohort=cohort)

    def record():
        return attendance_record(apprentice=ana, day=day, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT, by=cohort.referent_tutor)

    if allowed:
        record()
        assert AttendanceRecord.objects.filter(apprentice=ana, day=day).count() == 1
    else:
        with pytest.raises(ValidationError) as error:
            record()
        assert error.value.error_list[0].code == "not_a_centre_day"
        assert AttendanceRecord.objects.count() == 0


def test_the_register_service_refuses_the_whole_session_when_one_apprentice_was_elsewhere(cohort):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    CalendarOverride.objects.create(apprentice=bob, day=MONDAY, place="E", reason="Salon")

    with pytest.raises(ValidationError) as error:
        attendance_register_save(cohort=cohort, day=MONDAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
            RegisterEntry(ana.pk, AttendanceStatus.PRESENT), RegisterEntry(bob.pk, AttendanceStatus.ABSENT),
        ])

    assert error.value.messages == [
        f"{bob.full_name} n'est pas au centre de formation le lundi 23 novembre 2026 (Entreprise — Salon) : on ne peut "
        "y enregistrer ni présence ni absence. Choisissez un jour de formation au centre."
    ]
    assert AttendanceRecord.objects.count() == 0  # nothing half-written


def test_an_apprentice_sent_to_the_centre_on_a_company_day_can_be_recorded(cohort):
    ana = ApprenticeFactory(cohort=cohort)
    CalendarOverride.objects.create(apprentice=ana, day=WEDNESDAY, place="C", reason="Rattrapage")

    record = attendance_record(apprentice=ana, day=WEDNESDAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT,
                               by=cohort.referent_tutor)

    assert AttendanceRecord.objects.get(pk=record.pk).day == WEDNESDAY


def test_the_single_entry_page_explains_the_refusal_and_keeps_the_input(client, cohort, now):
    ana = ApprenticeFactory(cohort=cohort)
    client.force_login(cohort.referent_tutor)

    response = client.post(reverse("attendance_record", args=[ana.pk]), {
        "day": SATURDAY.isoformat(), "half": "pm", "status": "absent", "minutes_late": "", "reason": "Pas venu",
    })

    page = text(response)
    assert response.status_code == 200
    assert f"{ana.full_name} n'est pas au centre de formation le samedi 28 novembre 2026 (Repos)" in page
    assert 'value="Pas venu"' in page
    assert AttendanceRecord.objects.count() == 0
