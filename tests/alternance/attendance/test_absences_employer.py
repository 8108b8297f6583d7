"""The employer's email on an unjustified absence: sent once, after the commit, by the Celery task,
to the maître(s) d'apprentissage and the active HR contacts with an email of the contract covering
the day — not for a lateness or a presence, not twice, not without a contract, not when the OF
turned it off."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.attendance.register import RegisterEntry, attendance_record, attendance_register_save
from alternance.attendance.services import employer_recipients
from alternance.attendance.tasks import notify_employer_of_absences
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord, AttendanceSettings
from contracts.choices import ContractStatus
from tests.alternance.attendance.test_absences_support import NOW
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyContactFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.SITE_URL = "https://alternance.example.test/"


@pytest.fixture
def world():
    world = make_world()
    company = world.a.company
    master = world.a.employer_contact
    master.email = "maitre@alpha.test"
    master.save()
    CompanyContactFactory(company=company, is_master=False, is_hr=True, email="rh@alpha.test", last_name="Aubert")
    CompanyContactFactory(company=company, is_master=False, is_hr=True, email="MAITRE@alpha.test", last_name="Bis")  # same person
    CompanyContactFactory(company=company, is_master=False, is_hr=True, email="ancienne-rh@alpha.test", active=False)
    CompanyContactFactory(company=company, is_master=False, is_hr=True, email="")
    CompanyContactFactory(company=company, is_master=False, is_employer_representative=True, email="patron@alpha.test")
    CompanyContactFactory(company=world.b.company, is_master=False, is_hr=True, email="rh@beta.test")
    return world


# A Tuesday: a centre day of the world's cohort (rhythm CCEEE), within the justification deadline on NOW.
CENTRE_DAY = date(2026, 11, 24)


def register(world, entries, *, day=CENTRE_DAY, half=HalfDay.MORNING):
    return attendance_register_save(cohort=world.a.cohort, day=day, half=half, entries=entries, by=world.a.tutor)


def notified_at(apprentice, day=CENTRE_DAY, half=HalfDay.MORNING):
    return AttendanceRecord.objects.get(apprentice=apprentice, day=day, half=half).employer_notified_at


def test_an_absence_in_the_register_emails_the_master_and_hr_once(world, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT), RegisterEntry(world.a.seeking.pk, AttendanceStatus.PRESENT)])

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["maitre@alpha.test", "rh@alpha.test"]
    assert email.subject == "Absence de Alice Martin le 24/11/2026 (matin)"
    apprentice_pk = world.a.apprentice.pk
    for text in (
        "CFA Démo Alternance vous informe que Alice Martin a été absent·e au centre de formation le mardi 24 novembre 2026 (matin).",
        "Un justificatif peut encore suivre",
        f"https://alternance.example.test/apprenti-es/{apprentice_pk}/\n",
        f"https://alternance.example.test/apprenti-es/{apprentice_pk}/releve-assiduite/2026/11/",
        "Entreprise : Boulangerie Alpha.",
    ):
        assert text in email.body
    assert notified_at(world.a.apprentice) == NOW


def test_lateness_and_presence_send_nothing(world, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.LATE, minutes_late=10)])
        attendance_record(apprentice=world.a.apprentice, day=CENTRE_DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT, by=world.a.tutor)

    assert mail.outbox == []
    assert notified_at(world.a.apprentice) is None


def test_saving_the_register_again_sends_no_second_email(world, celery_eager, django_capture_on_commit_callbacks):
    entries = [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT)]
    with django_capture_on_commit_callbacks(execute=True):
        register(world, entries)
    first = notified_at(world.a.apprentice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        register(world, entries)  # unchanged
    assert callbacks == []  # no task even started
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.PRESENT)])
        register(world, entries)  # corrected twice: still the same half-day, already reported

    assert len(mail.outbox) == 1
    assert notified_at(world.a.apprentice) == first


def test_the_task_run_twice_reports_the_absence_once(world, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT)])
    record = AttendanceRecord.objects.get(apprentice=world.a.apprentice, day=CENTRE_DAY)

    with django_capture_on_commit_callbacks(execute=True):
        again = notify_employer_of_absences(record_ids=[record.pk, 999999])

    assert again == 0
    assert len(mail.outbox) == 1


def test_the_individual_entry_reports_an_absence_too(world, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        attendance_record(apprentice=world.a.apprentice, day=CENTRE_DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT,
                          reason="Non prévenu", by=world.a.tutor)

    assert [(email.subject, email.to) for email in mail.outbox] == [
        ("Absence de Alice Martin le 24/11/2026 (après-midi)", ["maitre@alpha.test", "rh@alpha.test"]),
    ]


def test_a_lateness_turned_into_an_absence_is_reported(world, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.LATE, minutes_late=90)])
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT)])

    assert len(mail.outbox) == 1


def test_no_contract_covering_the_day_means_no_email(world, celery_eager, django_capture_on_commit_callbacks):
    # A centre day of the cohort before the contract starts (moved to November for the test).
    type(world.a.contract).objects.filter(pk=world.a.contract.pk).update(start_date=date(2026, 11, 2), practical_training_start_date=date(2026, 11, 2))
    before_contract = date(2026, 10, 27)
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.seeking.pk, AttendanceStatus.ABSENT)])  # no contract at all
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT)], day=before_contract)

    assert mail.outbox == []
    assert notified_at(world.a.seeking) is None
    assert notified_at(world.a.apprentice, day=before_contract) is None


def test_an_ended_or_draft_contract_does_not_count(world, celery_eager, django_capture_on_commit_callbacks):
    ended = ApprenticeFactory(cohort=world.a.cohort, last_name="Fini")
    ContractFactory(apprentice=ended, company=world.a.company, master=world.a.employer_contact, status=ContractStatus.ENDED)
    draft = ApprenticeFactory(cohort=world.a.cohort, last_name="Brouillon")
    ContractFactory(apprentice=draft, company=world.a.company, master=world.a.employer_contact, status=ContractStatus.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(ended.pk, AttendanceStatus.ABSENT), RegisterEntry(draft.pk, AttendanceStatus.ABSENT)])

    assert mail.outbox == []


def test_the_setting_turns_the_email_off(world, celery_eager, django_capture_on_commit_callbacks):
    AttendanceSettings.objects.update_or_create(pk=1, defaults={"notify_employer_on_unjustified": False})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT)])

    assert len(callbacks) == 1  # the alerts' re-evaluation of the apprentice (issue 14 §3), no email task
    assert mail.outbox == []
    assert notified_at(world.a.apprentice) is None


def test_an_already_justified_half_day_is_not_reported(world, celery_eager, django_capture_on_commit_callbacks):
    AttendanceRecord.objects.create(apprentice=world.a.apprentice, day=CENTRE_DAY, half=HalfDay.MORNING, status=AttendanceStatus.LATE,
                                    minutes_late=5, justification=JustificationStatus.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        register(world, [RegisterEntry(world.a.apprentice.pk, AttendanceStatus.ABSENT)])

    assert mail.outbox == []


def test_recipients_include_the_second_master_and_skip_inactive_masters(world):
    contract = world.a.contract
    contract.second_master = CompanyContactFactory(company=world.a.company, email="second@alpha.test", last_name="Second")
    contract.master.active = False
    contract.master.save()

    assert employer_recipients(contract) == ["second@alpha.test", "rh@alpha.test", "MAITRE@alpha.test"]


def test_the_register_query_count_stays_constant_with_absences(world):
    def queries(size: int) -> int:
        apprentices = [ApprenticeFactory(cohort=world.a.cohort) for _ in range(size)]
        entries = [RegisterEntry(a.pk, AttendanceStatus.ABSENT) for a in apprentices]
        with CaptureQueriesContext(connection) as captured:
            attendance_register_save(cohort=world.a.cohort, day=date(2026, 11, 23 + size % 2), half=HalfDay.MORNING, entries=entries,
                                     by=world.a.tutor)
        return len(captured)

    AttendanceSettings.load()
    assert queries(2) == queries(12)
