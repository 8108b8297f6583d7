"""The register of a cohort session: exact rows created and updated in one transaction, kept
justifications, a query count that does not grow with the cohort, and the register page."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.attendance.register import RegisterEntry, attendance_record, attendance_register_save
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus, Role
from alternance.models import AttendanceRecord
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, CohortFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 23)


@pytest.fixture
def cohort():
    return CohortFactory(name="CAP Cuisine 2026", referent_tutor=UserFactory(email="tuteur-registre@example.test", role=Role.TUTOR))


def rows(day=DAY, half=HalfDay.MORNING):
    return sorted(
        AttendanceRecord.objects.filter(day=day, half=half).values_list("apprentice__last_name", "status", "minutes_late", "justification")
    )


def test_saving_the_register_creates_one_row_per_apprentice(cohort):
    ana, bob, cyd = (ApprenticeFactory(cohort=cohort, last_name=name) for name in ("Ana", "Bob", "Cyd"))

    saved = attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
        RegisterEntry(ana.pk, AttendanceStatus.PRESENT),
        RegisterEntry(bob.pk, AttendanceStatus.ABSENT),
        RegisterEntry(cyd.pk, AttendanceStatus.LATE, minutes_late=15),
    ])

    assert len(saved) == 3
    assert rows() == [
        ("Ana", "present", 0, "none"),
        ("Bob", "absent", 0, "none"),
        ("Cyd", "late", 15, "none"),
    ]
    assert set(AttendanceRecord.objects.values_list("recorded_by", flat=True)) == {cohort.referent_tutor.pk}


def test_saving_again_updates_the_rows_and_keeps_a_justification_already_given(cohort):
    ana, bob, cyd = (ApprenticeFactory(cohort=cohort, last_name=name) for name in ("Ana", "Bob", "Cyd"))
    AttendanceRecordFactory(apprentice=ana, day=DAY, status=AttendanceStatus.ABSENT, justification=JustificationStatus.ACCEPTED, reason="Malade")
    AttendanceRecordFactory(apprentice=bob, day=DAY, status=AttendanceStatus.ABSENT, justification=JustificationStatus.PENDING)
    AttendanceRecordFactory(apprentice=cyd, day=DAY, status=AttendanceStatus.ABSENT, justification=JustificationStatus.ACCEPTED)
    other_half = AttendanceRecordFactory(apprentice=ana, day=DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT)

    attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
        RegisterEntry(ana.pk, AttendanceStatus.ABSENT),
        RegisterEntry(bob.pk, AttendanceStatus.LATE, minutes_late=20),
        RegisterEntry(cyd.pk, AttendanceStatus.PRESENT),
    ])

    assert rows() == [
        ("Ana", "absent", 0, "accepted"),
        ("Bob", "late", 20, "pending"),
        ("Cyd", "present", 0, "none"),  # a presence has nothing to justify (database constraint)
    ]
    assert AttendanceRecord.objects.get(apprentice=ana, half=HalfDay.MORNING).reason == "Malade"
    assert AttendanceRecord.objects.count() == 4
    other_half.refresh_from_db()
    assert other_half.status == AttendanceStatus.ABSENT


def test_an_invalid_row_saves_nothing(cohort):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")

    with pytest.raises(ValidationError):
        attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
            RegisterEntry(ana.pk, AttendanceStatus.ABSENT), RegisterEntry(bob.pk, AttendanceStatus.LATE, minutes_late=0),
        ])

    assert AttendanceRecord.objects.count() == 0


def test_an_apprentice_of_another_cohort_is_refused(cohort):
    stranger = ApprenticeFactory(last_name="Ailleurs")
    with pytest.raises(ValidationError):
        attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=cohort.referent_tutor,
                                 entries=[RegisterEntry(stranger.pk, AttendanceStatus.ABSENT)])
    assert AttendanceRecord.objects.count() == 0


def _queries_to_save(cohort, size: int) -> int:
    apprentices = [ApprenticeFactory(cohort=cohort) for _ in range(size)]
    # Half of the rows exist already (updates), half are new (inserts).
    for apprentice in apprentices[: size // 2]:
        AttendanceRecordFactory(apprentice=apprentice, day=DAY, status=AttendanceStatus.ABSENT)
    entries = [RegisterEntry(a.pk, AttendanceStatus.LATE, minutes_late=5) for a in apprentices]
    with CaptureQueriesContext(connection) as queries:
        attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=entries)
    assert AttendanceRecord.objects.filter(apprentice__cohort=cohort, day=DAY, half=HalfDay.MORNING, status=AttendanceStatus.LATE).count() == size
    return len(queries)


def test_the_register_query_count_does_not_grow_with_the_cohort():
    small = _queries_to_save(CohortFactory(), 2)
    large = _queries_to_save(CohortFactory(), 30)
    assert small == large


def test_recording_one_apprentices_half_day_creates_then_updates_keeping_the_justification(cohort):
    ana = ApprenticeFactory(cohort=cohort, last_name="Ana")
    tutor = cohort.referent_tutor

    attendance_record(apprentice=ana, day=DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT, reason="Train", by=tutor)
    AttendanceRecord.objects.filter(apprentice=ana).update(justification=JustificationStatus.PENDING)
    attendance_record(apprentice=ana, day=DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.LATE, minutes_late=30, by=tutor)

    assert rows(half=HalfDay.AFTERNOON) == [("Ana", "late", 30, "pending")]


# --- the register page -------------------------------------------------------------------------------


def test_the_register_page_presets_nobody_and_saves_the_marked_apprentices(client, cohort):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    cyd = ApprenticeFactory(cohort=cohort, last_name="Cyd")
    client.force_login(cohort.referent_tutor)
    url = reverse("attendance_register", args=[cohort.pk])

    page = client.get(url, {"day": DAY.isoformat(), "half": "pm"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="status_{ana.pk}" value="present" class="form-check-input" id="id_status_{ana.pk}_0">' in html
    assert " checked" not in html  # nobody is "present" before the trainer says so

    response = client.post(url, {
        "day": DAY.isoformat(), "half": "pm",
        f"status_{ana.pk}": "absent", f"minutes_{ana.pk}": "",
        f"status_{bob.pk}": "late", f"minutes_{bob.pk}": "10",
    })

    assert response.status_code == 302
    # Cyd was not marked: not taken yet, nothing written for it.
    assert rows(half=HalfDay.AFTERNOON) == [("Ana", "absent", 0, "none"), ("Bob", "late", 10, "none")]
    page = client.get(url, {"day": DAY.isoformat(), "half": "pm"}).content.decode()
    assert f'value="absent" class="form-check-input" id="id_status_{ana.pk}_1" checked' in page
    assert f'id="id_status_{cyd.pk}_0">' in page and f'id="id_status_{cyd.pk}_0" checked' not in page


def test_all_the_others_present_marks_only_the_apprentices_left_unmarked(client, cohort):
    ana, bob, cyd = (ApprenticeFactory(cohort=cohort, last_name=name) for name in ("Ana", "Bob", "Cyd"))
    client.force_login(cohort.referent_tutor)

    response = client.post(reverse("attendance_register", args=[cohort.pk]), {
        "day": DAY.isoformat(), "half": "am", f"status_{bob.pk}": "absent", "others_present": "1",
    })

    assert response.status_code == 302
    assert rows() == [("Ana", "present", 0, "none"), ("Bob", "absent", 0, "none"), ("Cyd", "present", 0, "none")]


def test_a_register_with_nobody_marked_is_refused_and_writes_nothing(client, cohort):
    ApprenticeFactory(cohort=cohort, last_name="Ana")
    client.force_login(cohort.referent_tutor)

    response = client.post(reverse("attendance_register", args=[cohort.pk]), {"day": DAY.isoformat(), "half": "am"})

    assert response.status_code == 200
    assert "Aucun·e apprenti·e n&#x27;est marqué·e" in response.content.decode()
    assert AttendanceRecord.objects.count() == 0


def test_a_register_saved_twice_keeps_one_row_per_apprentice_and_half_day(client, cohort):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    client.force_login(cohort.referent_tutor)
    url = reverse("attendance_register", args=[cohort.pk])

    client.post(url, {"day": DAY.isoformat(), "half": "am", f"status_{ana.pk}": "absent", "others_present": "1"})
    client.post(url, {"day": DAY.isoformat(), "half": "am", f"status_{ana.pk}": "late", f"minutes_{ana.pk}": "5",
                      f"status_{bob.pk}": "present"})

    assert rows() == [("Ana", "late", 5, "none"), ("Bob", "present", 0, "none")]
    assert AttendanceRecord.objects.count() == 2


def test_the_register_page_keeps_the_input_when_a_lateness_has_no_minutes(client, cohort):
    ana = ApprenticeFactory(cohort=cohort, last_name="Ana", first_name="Zoé")
    client.force_login(cohort.referent_tutor)

    response = client.post(reverse("attendance_register", args=[cohort.pk]), {
        "day": DAY.isoformat(), "half": "am", f"status_{ana.pk}": "late", f"minutes_{ana.pk}": "",
    })

    assert response.status_code == 200
    html = response.content.decode()
    assert "Zoé Ana : indiquez le nombre de minutes de retard." in html
    assert f'value="late" class="form-check-input" id="id_status_{ana.pk}_2" checked' in html
    assert AttendanceRecord.objects.count() == 0


def test_the_register_page_costs_the_same_queries_for_1_and_3_apprentices(client, cohort):
    client.force_login(cohort.referent_tutor)
    url = reverse("attendance_register", args=[cohort.pk])
    ApprenticeFactory(cohort=cohort)
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"day": DAY.isoformat()})
    ApprenticeFactory(cohort=cohort)
    ApprenticeFactory(cohort=cohort)
    with CaptureQueriesContext(connection) as three:
        assert "id_status_" in client.get(url, {"day": DAY.isoformat()}).content.decode()
    assert len(one) == len(three)


def test_a_future_day_is_refused(client, cohort):
    client.force_login(cohort.referent_tutor)
    response = client.get(reverse("attendance_register", args=[cohort.pk]), {"day": "2999-01-01"})
    assert response.status_code == 400
    assert "jour à venir" in response.content.decode()
