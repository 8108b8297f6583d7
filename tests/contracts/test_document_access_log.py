"""Every download of a document printing the NIR — the Cerfa, its signed version, a cohort's Cerfa
archive — is logged (who, when, how) and listed under the document on the contract's documents
panel, « Consulté par … le … », for the staff only (issue 17 §6). Other documents are not logged."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.batches import batch_run
from contracts.choices import BatchStatus, DocumentKind, SignatureRequestStatus
from contracts.documents import document_is_access_logged, document_store
from contracts.models import Document, DocumentAccess, DocumentBatch, SignatureRequest
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return make_world()


def stored(contract, kind=DocumentKind.CERFA, content: bytes = b"%PDF-1.7 cerfa") -> Document:
    return document_store(content=content, filename=f"{kind}.pdf", kind=kind, title=f"{kind} {contract.pk}", contract=contract, generated=True)


def log_rows() -> list[tuple]:
    return list(DocumentAccess.objects.order_by("pk").values_list("document_id", "user_id", "user_name", "accessed_at", "channel"))


def test_each_download_of_a_cerfa_is_logged_with_who_and_when(client, world):
    cerfa = stored(world.a.contract)
    url = reverse("contracts:document_download", args=[cerfa.pk])

    for user in (world.coordinator, world.a.employer_user, world.a.apprentice_user):
        client.force_login(user)
        assert client.get(url).status_code == 200

    assert log_rows() == [
        (cerfa.pk, world.coordinator.pk, "Claire Coord", NOW, "download"),
        (cerfa.pk, world.a.employer_user.pk, world.a.employer_user.get_full_name() or world.a.employer_user.email, NOW, "download"),
        (cerfa.pk, world.a.apprentice_user.pk, world.a.apprentice_user.get_full_name() or world.a.apprentice_user.email, NOW, "download"),
    ]


def test_a_refused_download_logs_nothing(client, world):
    cerfa = stored(world.a.contract)
    client.force_login(world.b.employer_user)

    assert client.get(reverse("contracts:document_download", args=[cerfa.pk])).status_code == 404
    assert log_rows() == []


@pytest.mark.parametrize("kind", [DocumentKind.CONVENTION, DocumentKind.REMUNERATION_SCHEDULE, DocumentKind.VISIT_REPORT])
def test_documents_without_a_nir_are_not_logged(client, world, kind):
    document = stored(world.a.contract, kind=kind)
    client.force_login(world.coordinator)

    assert client.get(reverse("contracts:document_download", args=[document.pk])).status_code == 200
    assert log_rows() == []


def test_the_signed_cerfa_is_logged_and_the_signature_pages_too(client, world):
    cerfa, convention = stored(world.a.contract), stored(world.a.contract, kind=DocumentKind.CONVENTION)
    signed = stored(world.a.contract, kind=DocumentKind.SIGNED, content=b"%PDF-1.7 signed cerfa")
    request = SignatureRequest.objects.create(
        document=cerfa, document_sha256=cerfa.sha256, status=SignatureRequestStatus.COMPLETED, signed_document=signed,
    )
    signed_convention = stored(world.a.contract, kind=DocumentKind.SIGNED, content=b"%PDF-1.7 signed convention")
    SignatureRequest.objects.create(
        document=convention, document_sha256=convention.sha256, status=SignatureRequestStatus.COMPLETED, signed_document=signed_convention,
    )
    assert [document_is_access_logged(d) for d in (cerfa, signed, convention, signed_convention)] == [True, True, False, False]
    client.force_login(world.coordinator)

    assert client.get(reverse("contracts:signature_document", args=[request.pk])).status_code == 200
    assert client.get(reverse("contracts:signature_signed_document", args=[request.pk])).status_code == 200
    assert client.get(reverse("contracts:document_download", args=[signed_convention.pk])).status_code == 200

    assert [(row[0], row[4]) for row in log_rows()] == [(cerfa.pk, "signature"), (signed.pk, "signature")]


def test_the_contract_page_lists_who_consulted_the_cerfa_for_staff_only(client, world, time_machine):
    cerfa = stored(world.a.contract)
    client.force_login(world.a.employer_user)
    client.get(reverse("contracts:document_download", args=[cerfa.pk]))
    time_machine.move_to(datetime(2026, 11, 28, 15, 45, tzinfo=PARIS), tick=False)
    client.force_login(world.coordinator)
    client.get(reverse("contracts:document_download", args=[cerfa.pk]))
    employer_name = world.a.employer_user.get_full_name() or world.a.employer_user.email

    page = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk])).content.decode()

    assert "Consulté 2 fois" in page
    assert page.index("Consulté par Claire Coord le 28/11/2026 à 15:45 (téléchargement)") < page.index(
        f"Consulté par {employer_name} le 28/11/2026 à 10:00 (téléchargement)"
    )
    for extranet in (world.a.employer_user, world.a.apprentice_user):
        client.force_login(extranet)
        own = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk])).content.decode()
        assert reverse("contracts:document_download", args=[cerfa.pk]) in own  # the document, yes
        assert "Consulté" not in own  # who read it, no


def test_the_contract_page_query_count_does_not_grow_with_the_log(client, world):
    contract = world.a.contract
    first = stored(contract)
    client.force_login(world.coordinator)
    client.get(reverse("contracts:document_download", args=[first.pk]))
    url = reverse("contracts:contract_detail", args=[contract.pk])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        document = stored(contract)
        for _ in range(3):
            client.get(reverse("contracts:document_download", args=[document.pk]))

    with CaptureQueriesContext(connection) as many:
        page = client.get(url)

    assert page.content.decode().count("Consulté par Claire Coord") == 10
    assert len(many) == len(one)


def test_a_cohort_archive_of_cerfas_is_logged_on_each_cerfa(client, world):
    batch = DocumentBatch.objects.create(cohort=world.a.cohort, kind=DocumentKind.CERFA, requested_by=world.coordinator)
    batch_run(batch=batch)
    batch.refresh_from_db()
    cerfas = list(Document.objects.filter(kind=DocumentKind.CERFA, contract__apprentice__cohort=world.a.cohort).order_by("pk"))
    assert batch.status == BatchStatus.DONE and len(cerfas) == 1
    assert sorted(batch.generated.values()) == [cerfa.pk for cerfa in cerfas]
    client.force_login(world.coordinator)

    assert client.get(reverse("contracts:batch_download", args=[batch.pk])).status_code == 200

    assert [(row[0], row[1], row[4]) for row in log_rows()] == [(cerfas[0].pk, world.coordinator.pk, "batch")]
