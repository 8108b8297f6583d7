"""GDPR (issue 17 §8): subject access export (ZIP read back and compared exactly), retention at
−1 / = / +1 day, anonymisation that leaves the steering figures identical, who may do what."""

import hashlib
import io
import json
import zipfile
from dataclasses import asdict
from datetime import date, datetime, time

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.urls import reverse

from alternance.choices import JobStatus, Role
from alternance.models import Apprentice, AttendanceRecord, PersonalDataExport, User
from alternance.privacy import selectors, services
from alternance.privacy.retention import add_years
from alternance.privacy.tasks import anonymise_expired_records
from alternance.steering.indicators import breakdown, indicators
from companies.models import CompanyContact
from contracts.models import Contract, Document
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.contracts import DocumentFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

# The world's contracts end on 31/08/2028 and its cohorts on 30/06/2028: retention (5 years) ends on
# 31/08/2033 for its contracted apprentices.
CONTRACT_END = date(2028, 8, 31)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=PARIS)


def test_add_years_keeps_the_day_and_moves_29_february_to_28():
    assert add_years(date(2028, 8, 31), 5) == date(2033, 8, 31)
    assert add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)


@pytest.mark.parametrize(("offset", "due"), [(-1, False), (0, False), (1, True)])
def test_an_apprentice_is_due_the_day_after_the_retention_end(world, time_machine, offset, due):
    apprentice = world.a.apprentice
    retention_end = add_years(CONTRACT_END, 5)
    today = date.fromordinal(retention_end.toordinal() + offset)
    time_machine.move_to(at(today), tick=False)

    listed = [r.subject.pk for r in selectors.apprentices_due(today=today, user=world.coordinator)]
    counts = anonymise_expired_records()

    assert (apprentice.pk in listed) is due
    apprentice.refresh_from_db()
    assert (apprentice.anonymised_at is not None) is due
    assert counts["apprentices"] == len(listed)
    if due:
        [record] = [r for r in selectors.apprentices_due(today=date(2033, 8, 31), user=world.coordinator) if r.subject.pk == apprentice.pk] or [None]
        assert record is None  # anonymised records leave the list


@pytest.mark.parametrize(("offset", "due"), [(-1, False), (0, False), (1, True)])
def test_a_contact_is_due_the_day_after_three_years_from_the_last_relationship(world, offset, due):
    contact = world.a.employer_contact
    last_day = selectors.contact_last_days(CompanyContact.objects.filter(pk=contact.pk))[contact.pk]
    today = date.fromordinal(add_years(last_day, 3).toordinal() + offset)

    listed = [r.subject.pk for r in selectors.contacts_due(today=today, user=world.coordinator)]

    assert (contact.pk in listed) is due


def test_a_running_contract_keeps_the_apprentice_out_of_the_list(world):
    Contract.objects.filter(apprentice=world.a.apprentice).update(end_date=date(2040, 8, 31))

    due = selectors.apprentices_due(today=date(2034, 1, 1), user=world.coordinator)

    assert world.a.apprentice.pk not in [r.subject.pk for r in due]


def test_the_subject_access_zip_holds_the_records_and_the_documents(world, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(at(date(2026, 11, 30)), tick=False)
    apprentice = world.a.apprentice
    apprentice.set_nir("205037511122243")
    apprentice.save()
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 10, 5), reason="Rendez-vous médical")
    document = DocumentFactory(contract=world.a.contract, title="Convention signée")
    client_user = world.coordinator

    from django.test import Client

    client = Client()
    client.force_login(client_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy_export_apprentice", args=[apprentice.pk]))
    export = PersonalDataExport.objects.get(apprentice=apprentice)
    assert response.status_code == 302 and response["Location"] == reverse("privacy_export_detail", args=[export.pk])
    assert (export.status, export.created_by, export.files_included) == (JobStatus.DONE, client_user, len(list(selectors.apprentice_records(apprentice)["documents"])))

    download = client.get(reverse("privacy_export_download", args=[export.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    data = json.loads(archive.read("donnees.json"))

    documents = list(selectors.apprentice_records(apprentice)["documents"])
    expected_files = sorted(["donnees.json", "donnees.html", *(services._document_name(d) for d in documents)])
    assert sorted(archive.namelist()) == expected_files
    for d in documents:
        assert hashlib.sha256(archive.read(services._document_name(d))).hexdigest() == d.sha256
    assert data["export"] == {"id": export.pk, "generated_at": data["export"]["generated_at"], "requested_by": str(client_user), "subject": "apprentice"}
    assert data["identity"]["last_name"] == apprentice.last_name
    assert data["identity"]["email"] == apprentice.email
    assert data["identity"]["nir"] == "2 ••• •• •• ••• ••• 43"
    assert "205037511122243" not in archive.read("donnees.json").decode()
    assert [c["start_date"] for c in data["contracts"]] == [c.start_date.isoformat() for c in Contract.objects.filter(apprentice=apprentice).order_by("start_date", "pk")]
    assert [(r["day"], r["half"], r["status"], r["reason"]) for r in data["attendance"]] == [
        (r.day.isoformat(), r.half, r.status, r.reason) for r in AttendanceRecord.objects.filter(apprentice=apprentice).order_by("day", "half", "pk")
    ]
    assert {"file": services._document_name(document), "kind": document.kind, "title": "Convention signée",
            "created_at": data["documents"][-1]["created_at"], "size": document.size, "sha256": document.sha256} in data["documents"]
    html = archive.read("donnees.html").decode()
    assert apprentice.last_name in html and "Présences et absences" in html and "Rendez-vous médical" in html


def test_an_anonymisation_erases_the_identity_and_keeps_every_steering_figure(world, time_machine):
    apprentice, contact = world.a.apprentice, world.a.employer_contact
    apprentice.set_nir("205037511122243")
    apprentice.save()
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 10, 5), reason="Rendez-vous médical")
    document = DocumentFactory(contract=world.a.contract, apprentice=apprentice)
    path = document.file.path
    figures_day = date(2027, 3, 1)
    before = ([asdict(i) for i in indicators(world.coordinator, today=figures_day)],
              {k: [asdict(r) for r in v] for k, v in breakdown(world.coordinator, today=figures_day).items()})
    contracts_before = list(Contract.objects.order_by("pk").values("pk", "start_date", "end_date", "status", "company_id", "programme_id", "apprentice_id", "master_id"))
    counts_before = (Apprentice.objects.count(), AttendanceRecord.objects.count(), Contract.objects.count(), CompanyContact.objects.count())
    time_machine.move_to(at(date(2034, 1, 2)), tick=False)

    anonymise_expired_records()

    apprentice.refresh_from_db()
    contact.refresh_from_db()
    assert (apprentice.last_name, apprentice.first_name, apprentice.email) == ("Anonyme", f"n° {apprentice.pk}", f"anonyme-{apprentice.pk}@anonymise.invalid")
    assert (apprentice.address, apprentice.city, apprentice.postal_code, apprentice.birth_commune, apprentice.phone) == ("", "", "75000", "", "")
    assert (apprentice.nir_encrypted, apprentice.has_nir, apprentice.birth_date) == ("", False, date(2005, 1, 1))
    assert AttendanceRecord.objects.get(apprentice=apprentice, day=date(2026, 10, 5)).reason == ""
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not __import__("os").path.exists(path)
    assert (contact.last_name, contact.email, contact.phone, contact.active) == ("Anonyme", "", "", False)
    user = User.objects.get(pk=world.a.apprentice_user.pk)
    assert (user.email, user.is_active, user.has_usable_password()) == (f"anonyme-{user.pk}@anonymise.invalid", False, False)
    assert not LogEntry.objects.filter(object_pk=str(apprentice.pk), content_type__model="apprentice").exists()
    after = ([asdict(i) for i in indicators(world.coordinator, today=figures_day)],
             {k: [asdict(r) for r in v] for k, v in breakdown(world.coordinator, today=figures_day).items()})
    assert after == before
    assert list(Contract.objects.order_by("pk").values("pk", "start_date", "end_date", "status", "company_id", "programme_id", "apprentice_id", "master_id")) == contracts_before
    assert (Apprentice.objects.count(), AttendanceRecord.objects.count(), Contract.objects.count(), CompanyContact.objects.count()) == counts_before


ALL_ROLES = (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_coordinator_and_admin_staff_open_the_gdpr_pages(world, client, role):
    export = PersonalDataExport.objects.create(apprentice=world.a.apprentice, created_by=world.coordinator, status=JobStatus.DONE,
                                               archive=ContentFile(b"PK", name="donnees.zip"))
    client.force_login(world.user(role))
    allowed = role in (Role.COORDINATOR, Role.ADMIN_STAFF)
    gets = [reverse("privacy_due"), reverse("privacy_export_detail", args=[export.pk]), reverse("privacy_export_status", args=[export.pk]),
            reverse("privacy_export_download", args=[export.pk])]
    posts = [reverse("privacy_export_apprentice", args=[world.a.apprentice.pk]), reverse("privacy_export_contact", args=[world.a.employer_contact.pk]),
             reverse("privacy_anonymise_apprentice", args=[world.a.apprentice.pk]), reverse("privacy_anonymise_all")]

    statuses = [client.get(url).status_code for url in gets] + [client.post(url).status_code for url in posts]

    assert statuses == ([200, 200, 200, 200, 302, 302, 302, 302] if allowed else [403] * 8)
    if not allowed:
        assert PersonalDataExport.objects.count() == 1
        assert Apprentice.objects.get(pk=world.a.apprentice.pk).anonymised_at is None


def test_anonymising_a_record_still_in_retention_changes_nothing(world, client, time_machine):
    time_machine.move_to(at(date(2030, 1, 1)), tick=False)
    client.force_login(world.coordinator)

    response = client.post(reverse("privacy_anonymise_apprentice", args=[world.a.apprentice.pk]), follow=True)

    assert "La durée de conservation de ce dossier n&#x27;est pas terminée" in response.content.decode()
    assert Apprentice.objects.get(pk=world.a.apprentice.pk).anonymised_at is None


def test_an_anonymisation_deletes_the_signed_sheets_printing_the_name(world, time_machine):
    """Issue 19 §3: the sheets of the sessions it signed or was expected at and its cohort's monthly
    sheets go (rendered again on demand with the anonymised name); another cohort's stay."""
    from contracts.choices import DocumentKind
    from contracts.documents import document_store
    from tests.factories.alternance import signed_session

    apprentice = world.a.apprentice
    signed = signed_session(apprentice, date(2026, 10, 5), time(9, 0), time(12, 0))
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 10, 6), status="absent")
    absent_at = signed_session(apprentice, date(2026, 10, 6), time(9, 0), time(12, 0), signed=False)
    elsewhere = signed_session(world.b.apprentice, date(2026, 10, 5), time(9, 0), time(12, 0))

    def stored(kind, **owner):
        return document_store(content=b"%PDF feuille", filename="f.pdf", kind=kind, title="Feuille", generated=True, **owner)

    gone = [stored(DocumentKind.SIGNIN_SHEET, training_session=signed), stored(DocumentKind.SIGNIN_SHEET, training_session=absent_at),
            stored(DocumentKind.MONTHLY_SIGNIN_SHEET, cohort=world.a.cohort, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))]
    kept = [stored(DocumentKind.SIGNIN_SHEET, training_session=elsewhere),
            stored(DocumentKind.MONTHLY_SIGNIN_SHEET, cohort=world.b.cohort, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))]
    from alternance.privacy.services import apprentice_anonymise

    apprentice_anonymise(apprentice=apprentice, now=at(date(2034, 1, 2)))

    assert Apprentice.objects.get(pk=apprentice.pk).anonymised_at is not None
    assert not Document.objects.filter(pk__in=[d.pk for d in gone]).exists()
    assert set(Document.objects.filter(pk__in=[d.pk for d in kept]).values_list("pk", flat=True)) == {d.pk for d in kept}


@pytest.mark.parametrize("source", ["contract end on 29 February", "rupture", "exclusion", "cohort end"])
@pytest.mark.parametrize(("offset", "due"), [(0, False), (1, True)])
def test_the_database_keeps_every_candidate_whatever_ends_the_relationship(world, source, offset, due):
    """The SQL prefilter (issue 18 §2) never drops a learner the exact rule finds due: the latest day
    comes from each source in turn, and the retention ends on its 5th anniversary (28 February for a
    29 February), due the day after."""
    apprentice = world.a.apprentice
    contract = Contract.objects.get(apprentice=apprentice)
    latest = {"contract end on 29 February": date(2028, 2, 29), "rupture": date(2027, 11, 15),
              "exclusion": date(2028, 9, 30), "cohort end": date(2028, 10, 31)}[source]
    Cohort = type(apprentice.cohort)
    Cohort.objects.filter(pk=apprentice.cohort_id).update(end_date=latest if source == "cohort end" else date(2027, 6, 30))
    if source == "rupture":
        Contract.objects.filter(pk=contract.pk).update(end_date=date(2027, 12, 31), rupture_date=latest)
    else:
        Contract.objects.filter(pk=contract.pk).update(end_date=latest if source.startswith("contract") else date(2027, 6, 30))
    Apprentice.objects.filter(pk=apprentice.pk).update(exclusion_date=latest if source == "exclusion" else None)
    Contract.objects.filter(apprentice=apprentice).exclude(pk=contract.pk).delete()
    today = date.fromordinal(add_years(latest, 5).toordinal() + offset)

    listed = [r for r in selectors.apprentices_due(today=today, user=world.coordinator) if r.subject.pk == apprentice.pk]

    assert bool(listed) is due
    if due:
        assert listed[0].last_day == latest


@pytest.mark.parametrize(("offset", "due"), [(0, False), (1, True)])
def test_a_late_evening_interaction_is_the_contacts_last_day(world, offset, due):
    """An interaction at 23:30 in Paris (the next day in UTC) ends the relationship on its local day:
    the database's prefilter compares with the local midnight, as the exact rule does."""
    from tests.factories.companies import InteractionFactory

    contact = world.a.employer_contact
    InteractionFactory(contact=contact, company=contact.company, occurred_at=datetime(2029, 1, 15, 23, 30, tzinfo=PARIS))
    today = date.fromordinal(add_years(date(2029, 1, 15), 3).toordinal() + offset)

    listed = [r for r in selectors.contacts_due(today=today, user=world.coordinator) if r.subject.pk == contact.pk]

    assert bool(listed) is due
    if due:
        assert listed[0].last_day == date(2029, 1, 15)
