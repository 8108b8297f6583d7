"""Cohort batches: the task renders every eligible contract, counts progress, builds the ZIP;
a failure marks the batch failed with its message; the pages are scoped and poll while running."""

import io
import zipfile
from datetime import date, datetime
from unittest import mock

import pytest
from django.urls import reverse

from alternance.choices import Role
from contracts.batches import batch_contracts
from contracts.choices import BatchStatus, ContractStatus, DocumentKind, RuptureKind
from contracts.documents import document_read
from contracts.models import Document, DocumentBatch
from contracts.pdf import document_filename
from contracts.tasks import generate_cohort_documents
from tests.factories.alternance import ApprenticeFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def cohort_contracts(world):
    """Cohort A: Alice Martin's contract in progress, plus one ended, one signed, one draft, one
    broken and one awaiting signatures; only the first three are eligible (returned in name order)."""
    cohort, company = world.a.cohort, world.a.company

    def contract_with(last_name: str, status: str, **extra):
        apprentice = ApprenticeFactory(cohort=cohort, last_name=last_name, first_name="Test")
        return ContractFactory(apprentice=apprentice, company=company, status=status, **extra)

    ended = contract_with("Bernard", ContractStatus.ENDED)
    signed = contract_with("Zola", ContractStatus.SIGNED)
    contract_with("Draft", ContractStatus.DRAFT, signature_date=None)
    contract_with("Rompu", ContractStatus.BROKEN, rupture_date=date(2026, 10, 15), rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    contract_with("Attente", ContractStatus.AWAITING_SIGNATURES)
    return [ended, world.a.contract, signed]


def start(client, user, cohort, kind=DocumentKind.CERFA):
    client.force_login(user)
    return client.post(reverse("contracts:cohort_documents", args=[cohort.pk]), {"kind": kind})


def test_eligible_contracts_are_signed_or_later_in_name_order(world, cohort_contracts):
    assert list(batch_contracts(world.a.cohort)) == cohort_contracts


def test_batch_generates_every_eligible_contract_and_packs_the_zip(client, world, cohort_contracts, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, world.admin_staff, world.a.cohort)

    batch = DocumentBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:batch_detail", args=[batch.pk])
    assert (batch.status, batch.total, batch.done, batch.kind, batch.requested_by) == (
        BatchStatus.DONE, 3, 3, DocumentKind.CERFA, world.admin_staff
    )
    assert batch.finished_at is not None and batch.error == ""
    documents = Document.objects.filter(kind=DocumentKind.CERFA)
    assert sorted(documents.values_list("contract_id", flat=True)) == sorted(c.pk for c in cohort_contracts)
    with batch.archive.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert archive.namelist() == [document_filename(DocumentKind.CERFA, c) for c in cohort_contracts]
    first = documents.get(contract=cohort_contracts[0])
    assert archive.read(archive.namelist()[0]) == document_read(first)


def test_batch_page_offers_the_zip_once_done(client, world, cohort_contracts, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client, world.coordinator, world.a.cohort, DocumentKind.REMUNERATION_SCHEDULE)
    batch = DocumentBatch.objects.get()

    page = client.get(reverse("contracts:batch_detail", args=[batch.pk])).content.decode()
    download = client.get(reverse("contracts:batch_download", args=[batch.pk]))

    assert "3 / 3" in page and 'hx-trigger="every' not in page
    assert reverse("contracts:batch_download", args=[batch.pk]) in page
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()) == 3


def test_progress_partial_shows_x_of_y_and_polls_while_running(client, world):
    batch = DocumentBatch.objects.create(
        cohort=world.a.cohort, kind=DocumentKind.CERFA, status=BatchStatus.RUNNING, total=5, done=2, requested_by=world.coordinator
    )
    client.force_login(world.coordinator)

    content = client.get(reverse("contracts:batch_progress", args=[batch.pk])).content.decode()

    assert "2 / 5" in content
    assert f'hx-get="{reverse("contracts:batch_progress", args=[batch.pk])}"' in content
    assert 'hx-trigger="every 2s"' in content
    assert reverse("contracts:batch_download", args=[batch.pk]) not in content
    assert client.get(reverse("contracts:batch_download", args=[batch.pk])).status_code == 404


def test_a_failing_generation_marks_the_batch_failed_with_the_error(client, world, cohort_contracts, celery_eager, django_capture_on_commit_callbacks):
    failing = mock.patch("contracts.batches.generate_document", side_effect=RuntimeError("police introuvable"))
    with failing, django_capture_on_commit_callbacks(execute=True):
        start(client, world.admin_staff, world.a.cohort)

    batch = DocumentBatch.objects.get()
    assert (batch.status, batch.done, batch.total) == (BatchStatus.FAILED, 0, 3)
    assert batch.error == f"Échec de la génération pour Test Bernard (contrat n° {cohort_contracts[0].pk}) : police introuvable"
    assert batch.finished_at is not None and not batch.archive
    content = client.get(reverse("contracts:batch_progress", args=[batch.pk])).content.decode()
    assert "police introuvable" in content and 'hx-trigger="every' not in content


def test_task_on_a_deleted_batch_logs_and_returns(caplog):
    generate_cohort_documents.run(batch_id=987654)

    assert "987654" in caplog.text


def test_a_finished_batch_is_not_rendered_again(world, cohort_contracts):
    batch = DocumentBatch.objects.create(cohort=world.a.cohort, kind=DocumentKind.CERFA, status=BatchStatus.DONE, total=3, done=3)

    generate_cohort_documents.run(batch_id=batch.pk)

    assert not Document.objects.exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


def test_an_unknown_kind_is_refused_with_a_french_message(client, world, cohort_contracts):
    response = start(client, world.coordinator, world.a.cohort, DocumentKind.ATTENDANCE_CERTIFICATE)

    assert response.status_code == 400
    assert "Choisissez un des documents proposés dans la liste." in response.content.decode()
    assert not DocumentBatch.objects.exists()


@pytest.mark.parametrize(
    ("role", "side", "expected"),
    [
        (Role.COORDINATOR, "a", 200),
        (Role.ADMIN_STAFF, "b", 200),
        (Role.TUTOR, "a", 403),
        (Role.TUTOR, "b", 404),
        (Role.CRE, "a", 403),
        (Role.EMPLOYER, "a", 403),
        (Role.EMPLOYER, "b", 404),
    ],
)
def test_cohort_documents_page_permission_matrix(client, world, role, side, expected):
    cohort = world.a.cohort if side == "a" else world.b.cohort
    client.force_login(world.user(role))

    response = client.get(reverse("contracts:cohort_documents", args=[cohort.pk]))

    assert response.status_code == expected
    if expected == 200:
        assert "1 contrat signé, en cours ou terminé" in response.content.decode()


def test_a_tutor_cannot_start_a_batch(client, world, cohort_contracts):
    assert start(client, world.a.tutor, world.a.cohort).status_code == 403
    assert not DocumentBatch.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [(Role.COORDINATOR, 200), (Role.TUTOR, 404), (Role.EMPLOYER, 404), (Role.APPRENTICE, 404)])
def test_batch_page_permission_matrix(client, world, role, expected):
    batch = DocumentBatch.objects.create(cohort=world.a.cohort, kind=DocumentKind.CERFA, total=1, requested_by=world.admin_staff)
    client.force_login(world.user(role))

    assert client.get(reverse("contracts:batch_detail", args=[batch.pk])).status_code == expected
    assert client.get(reverse("contracts:batch_progress", args=[batch.pk])).status_code == expected


def test_anonymous_batch_page_goes_to_login(client, world):
    batch = DocumentBatch.objects.create(cohort=world.a.cohort, kind=DocumentKind.CERFA, total=1)

    response = client.get(reverse("contracts:batch_detail", args=[batch.pk]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
