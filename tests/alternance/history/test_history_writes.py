"""History of changes (issue 13 §4): every registered record logs its creation, edits and
archiving — also through the compare-and-set and bulk writes that send no signal — with the
right author, or a system label when no person acted."""

from datetime import date, datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts import services as alert_services
from alternance.choices import AttendanceStatus, Role
from alternance.history.selectors import history_for
from alternance.history.services import record_bulk, record_merge, system_actor
from alternance.models import Apprentice, AttendanceRecord, Programme
from companies import services as company_services
from companies.models import Company
from contracts.models import Contract
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CandidateFactory,
    CohortFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


def entries_of(obj) -> list[LogEntry]:
    return list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk).order_by("pk"))


FACTORIES = [
    (ApprenticeFactory, "phone", "06 11 22 33 44"),
    (CandidateFactory, "phone", "06 11 22 33 44"),
    (CompanyFactory, "phone", "01 44 55 66 77"),
    (CompanyContactFactory, "job_title", "Directrice"),
    (ProgrammeFactory, "short_title", "BTS NDRC"),
    (CohortFactory, "rhythm_label", "1 semaine / 2 semaines"),
    (lambda: UserFactory(role=Role.TUTOR), "phone", "06 00 00 00 00"),
    (ContractFactory, "pension_fund", "Malakoff Humanis"),
    (AttendanceRecordFactory, "reason", "Panne de train"),
    (AlertFactory, "recommended_action", "Rappeler"),
]


@pytest.mark.parametrize(("factory", "field", "value"), FACTORIES)
def test_each_registered_record_logs_its_creation_and_its_edits(factory, field, value):
    author = UserFactory(role=Role.COORDINATOR, email="auteur@example.test")
    obj = factory()
    with set_actor(author):
        setattr(obj, field, value)
        obj.save()

    created, edited = entries_of(obj)
    assert created.action == LogEntry.Action.CREATE
    assert edited.action == LogEntry.Action.UPDATE and edited.actor == author
    assert edited.changes[field][1] == value
    assert "password" not in (created.changes or {}) and "last_login" not in (created.changes or {})


def test_archiving_and_restoring_a_company_are_labelled_so():
    coordinator = UserFactory(role=Role.COORDINATOR)
    company = CompanyFactory()
    with set_actor(coordinator):  # the page's request (archiving saves the row: auditlog's signal logs it)
        company_services.company_archive(company=company, by=coordinator, reason="Fermeture de l'établissement")
    company_services.company_restore(company=Company.objects.get(pk=company.pk), by=coordinator)

    actions = [(e.action_label, e.author) for e in history_for(coordinator, company).entries]
    assert actions[:2] == [("Restauration", str(coordinator)), ("Archivage", str(coordinator))]


def test_deactivating_a_contact_by_compare_and_set_is_an_archiving_by_its_author():
    cre = UserFactory(role=Role.CRE)
    contact = CompanyContactFactory(company=CompanyFactory(owner_cre=cre))
    company_services.contact_set_active(contact=contact, by=cre, active=False)

    entry = history_for(cre, contact.company).entries[0]
    assert (entry.action_label, entry.author, entry.subject) == ("Archivage", str(cre), f"Contact entreprise : {contact}")
    assert [(f.label, f.old, f.new) for f in entry.fields] == [("Actif", "Oui", "Non")]


def test_a_contract_transition_is_in_the_contract_history_with_its_author():
    world = make_world()
    contract = world.a.contract
    from contracts import services as contract_services
    from contracts.choices import ContractStatus

    before = contract.status
    target = sorted(s for s in contract_services.TRANSITIONS[before] if s != ContractStatus.BROKEN)[0]
    contract_services._move(contract, to=target, by=world.admin_staff)

    entry = history_for(world.coordinator, Contract.objects.get(pk=contract.pk)).entries[0]
    assert entry.author == str(world.admin_staff)
    assert (entry.fields[0].label, entry.fields[0].old, entry.fields[0].new) == (
        "État", ContractStatus(before).label, ContractStatus(target).label,
    )


def test_alert_lifecycle_and_nightly_run_are_logged_with_the_right_author():
    world = make_world()
    alert = AlertFactory(status="new")
    alert_services.alert_validate(alert=alert, by=world.coordinator)
    entry = history_for(world.coordinator, alert).entries[0]
    assert entry.author == str(world.coordinator)
    assert {f.label for f in entry.fields} >= {"État", "Validée le"}

    alert_services.nightly_run(today=date(2026, 11, 28))
    nightly = LogEntry.objects.filter(content_type__model="alert", additional_data__system="nightly")
    assert nightly.exists()
    rendered = history_for(world.coordinator, alert_services.Alert.objects.get(pk=nightly.first().object_id)).entries
    assert any(e.author == "Tâche de nuit" and e.is_system for e in rendered)


def test_system_labels_name_what_ran_without_a_person():
    coordinator = UserFactory(role=Role.COORDINATOR)
    programme = ProgrammeFactory()
    with system_actor("import"):
        programme.short_title = "Import"
        programme.save()
    programme.short_title = "Sans personne"
    programme.save()
    with set_actor(coordinator):
        programme.short_title = "Avec personne"
        programme.save()

    authors = [(e.author, e.is_system) for e in history_for(coordinator, programme).entries]
    assert authors == [(str(coordinator), False), ("Système", True), ("Import", True), ("Système", True)]


def test_a_celery_task_without_a_person_is_labelled_automatic_task():
    from celery import shared_task

    from alternance.celery import app

    programme = ProgrammeFactory()

    @shared_task(name="tests.history_rename")
    def rename(pk: int) -> None:
        row = Programme.objects.get(pk=pk)
        row.short_title = "Par tâche"
        row.save()

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        rename.delay(programme.pk)
    finally:
        app.conf.task_always_eager = previous
    assert entries_of(programme)[-1].additional_data == {"system": "task"}


def test_record_merge_logs_the_merge_on_both_records():
    coordinator = UserFactory(role=Role.COORDINATOR)
    kept, merged = CompanyFactory(name="Garage Alpha"), CompanyFactory(name="Garage Alpha (doublon)")
    record_merge(kept, merged, coordinator, {"contrats": 2, "échanges": 5, "offres": 0})

    entry = history_for(coordinator, kept).entries[0]
    assert (entry.action_label, entry.author) == ("Fusion", str(coordinator))
    assert entry.note == f"Doublon « {merged} » fusionné dans cette fiche. Rattachés à la fiche conservée : contrats : 2, échanges : 5."
    assert history_for(coordinator, merged).entries[0].note.startswith(f"Fiche fusionnée dans « {kept} ».")


def test_attendance_register_logs_in_bulk_with_a_constant_number_of_queries():
    from alternance.attendance.register import RegisterEntry, attendance_register_save

    world = make_world()
    cohort = world.a.cohort
    members = list(Apprentice.objects.filter(cohort=cohort))
    day = date(2026, 11, 24)
    # Tuesday 24 November 2026 is a centre day of the world's cohort: the register takes it.

    def save(status, half="am"):
        with CaptureQueriesContext(connection) as captured:
            attendance_register_save(cohort=cohort, day=day, half=half,
                          entries=[RegisterEntry(apprentice_id=a.pk, status=status, minutes_late=0) for a in members], by=world.a.tutor)
        return len(captured)

    first_save = save(AttendanceStatus.PRESENT)
    entries = LogEntry.objects.filter(content_type__model="attendancerecord", object_id__in=AttendanceRecord.objects.filter(day=day).values("pk"))
    assert entries.count() == len(members) and all(e.actor_id == world.a.tutor.pk for e in entries)
    save(AttendanceStatus.ABSENT)
    updates = LogEntry.objects.filter(content_type__model="attendancerecord", action=LogEntry.Action.UPDATE)
    assert updates.count() == len(members)
    assert updates.first().changes["status"] == [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT]
    # Three more learners, the other half-day: the same number of queries.
    members += [ApprenticeFactory(cohort=cohort, enrolment_date=members[0].enrolment_date,
                                  training_start_date=members[0].training_start_date) for _ in range(3)]
    assert save(AttendanceStatus.PRESENT, half="pm") == first_save


def test_record_bulk_writes_one_insert_for_many_rows():
    programmes = [ProgrammeFactory() for _ in range(5)]
    with CaptureQueriesContext(connection) as captured:
        written = record_bulk([(p, {"short_title": (p.short_title, "Nouveau")}) for p in programmes])
    assert written == 5
    assert len([q for q in captured if q["sql"].startswith("INSERT")]) == 1
