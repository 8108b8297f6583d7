"""Simple electronic signature: requests, signatures with their evidence, integrity, the signed PDF."""

import hashlib
import io
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from alternance.choices import Role
from contracts.choices import DocumentKind, SignatureRequestStatus, SignerRole
from contracts.documents import document_read, document_store
from contracts.models import Document, SignatureRequest, Signer
from contracts.signatures import (
    SignatureError,
    signature_request_cancel,
    signature_request_create,
    signature_request_verify,
    signature_sign,
    signatures_to_sign,
    signatures_to_sign_count,
)
from tests.factories.alternance import UserFactory
from tests.factories.companies import CompanyContactFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # 10:00 in Paris
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

_PDF_CACHE: dict[int, bytes] = {}


def small_pdf(pages: int = 2) -> bytes:
    """A real PDF of ``pages`` pages rendered by WeasyPrint (cached: rendering takes a moment)."""
    if pages not in _PDF_CACHE:
        from weasyprint import HTML

        body = "".join(f'<p style="break-before: page">Convention de formation — page {n + 1}</p>' for n in range(pages))
        _PDF_CACHE[pages] = HTML(string=f"<html><body>{body}</body></html>").write_pdf()
    return _PDF_CACHE[pages]


def store_pdf(contract, *, title: str = "Convention de formation", kind: str = DocumentKind.CONVENTION, content: bytes | None = None) -> Document:
    return document_store(
        content=content or small_pdf(), filename="convention.pdf", kind=kind, title=title, contract=contract, generated=True
    )


def tamper(document: Document, content: bytes = b"%PDF-1.7 modified") -> None:
    with open(document.file.path, "wb") as handle:
        handle.write(content)


def signer_of(signature_request: SignatureRequest, role: str) -> Signer:
    return Signer.objects.select_related("request").get(request=signature_request, role=role)


def sign(signature_request: SignatureRequest, role: str, *, ip: str = "203.0.113.7", user_agent: str = FIREFOX) -> Signer:
    signer = signer_of(signature_request, role)
    return signature_sign(signer=signer, by=signer.user, ip_address=ip, user_agent=user_agent, confirmed=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def document(world):
    return store_pdf(world.a.contract)


@pytest.fixture
def pending(world, document):
    return signature_request_create(document=document, by=world.coordinator)


# --- request ---------------------------------------------------------------------------------------

def test_a_request_names_the_apprentice_the_master_and_the_requesting_staff_member(world, document):
    signature_request = signature_request_create(document=document, by=world.coordinator)

    signature_request.refresh_from_db()
    assert (signature_request.status, signature_request.document_sha256, signature_request.requested_by) == (
        SignatureRequestStatus.PENDING, hashlib.sha256(small_pdf()).hexdigest(), world.coordinator,
    )
    assert [(s.role, s.user) for s in signature_request.signers.order_by("pk")] == [
        (SignerRole.APPRENTICE, world.a.apprentice_user),
        (SignerRole.EMPLOYER, world.a.employer_user),
        (SignerRole.ORGANISATION, world.coordinator),
    ]


def test_the_organisation_may_be_represented_by_another_staff_member(world, document):
    signature_request = signature_request_create(document=document, by=world.coordinator, organisation_signer=world.admin_staff)

    assert signer_of(signature_request, SignerRole.ORGANISATION).user == world.admin_staff


def test_a_tutor_cannot_sign_for_the_organisation(world, document):
    with pytest.raises(SignatureError, match="ne peut pas signer pour l'organisme de formation"):
        signature_request_create(document=document, by=world.coordinator, organisation_signer=world.a.tutor)

    assert not SignatureRequest.objects.exists()


def test_signers_are_emailed_the_link_to_sign_on_commit(world, document, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signature_request = signature_request_create(document=document, by=world.coordinator, site_url="https://alternance.example.org")

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [world.a.apprentice_user.email, world.a.employer_user.email, world.coordinator.email]
    )
    for message in mail.outbox:
        signer = Signer.objects.get(request=signature_request, user__email=message.to[0])
        assert message.subject == "Document à signer : Convention de formation"
        assert "https://alternance.example.org" + reverse("contracts:signature_sign", kwargs={"pk": signer.pk}) in message.body


def test_no_email_leaves_when_the_request_is_refused(world, document, celery_eager, django_capture_on_commit_callbacks):
    world.a.apprentice.user = None
    world.a.apprentice.save(update_fields=["user"])

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SignatureError):
        signature_request_create(document=document, by=world.coordinator)

    assert mail.outbox == []


def test_refused_when_the_apprentice_has_no_extranet_account(world, document):
    world.a.apprentice.user = None
    world.a.apprentice.save(update_fields=["user"])

    with pytest.raises(SignatureError) as refused:
        signature_request_create(document=document, by=world.coordinator)

    assert str(refused.value) == (
        "L'apprenti·e Alice Martin n'a pas de compte extranet actif : invitez-le ou invitez-la d'abord à l'extranet, "
        "puis demandez les signatures."
    )
    assert not SignatureRequest.objects.exists()


def test_refused_when_the_company_has_no_employer_account(world, document):
    world.a.employer_contact.user = None
    world.a.employer_contact.save(update_fields=["user"])
    # A representative without an account, and one with an account at another company: neither signs.
    CompanyContactFactory(company=world.a.company, is_master=False, is_employer_representative=True)
    CompanyContactFactory(company=world.b.company, is_employer_representative=True, user=UserFactory(role=Role.EMPLOYER))

    with pytest.raises(SignatureError) as refused:
        signature_request_create(document=document, by=world.coordinator)

    assert str(refused.value) == (
        "L'entreprise Boulangerie Alpha n'a aucun compte extranet pour signer : invitez à l'extranet le maître "
        "d'apprentissage ou un représentant de l'employeur, puis demandez les signatures."
    )
    assert not SignatureRequest.objects.exists()


def test_an_employer_representative_signs_when_the_master_has_no_active_account(world, document):
    world.a.employer_contact.active = False
    world.a.employer_contact.save(update_fields=["active"])
    boss = UserFactory(role=Role.EMPLOYER, email="direction@alpha.test")
    CompanyContactFactory(company=world.a.company, is_master=False, is_employer_representative=True, user=boss)

    signature_request = signature_request_create(document=document, by=world.coordinator)

    assert signer_of(signature_request, SignerRole.EMPLOYER).user == boss


def test_one_pending_request_per_document_with_a_french_message(world, pending, document):
    with pytest.raises(SignatureError) as refused:
        signature_request_create(document=document, by=world.coordinator)

    assert str(refused.value) == (
        "Une demande de signature est déjà en cours pour ce document : attendez les signatures ou annulez-la d'abord."
    )
    assert list(SignatureRequest.objects.values_list("pk", flat=True)) == [pending.pk]


def test_refused_when_the_stored_file_no_longer_matches_its_digest(world, document):
    tamper(document)

    with pytest.raises(SignatureError, match="ne correspond plus à son empreinte"):
        signature_request_create(document=document, by=world.coordinator)


def test_refused_for_a_document_outside_a_contract_or_not_a_pdf(world):
    company_document = document_store(content=small_pdf(), filename="kbis.pdf", kind=DocumentKind.OTHER, title="Kbis", company=world.a.company)
    text_document = store_pdf(world.a.contract, title="Notes", kind=DocumentKind.OTHER, content=b"pas un PDF")

    with pytest.raises(SignatureError, match="Seuls les documents d'un contrat"):
        signature_request_create(document=company_document, by=world.coordinator)
    with pytest.raises(SignatureError, match="Seul un document PDF lisible"):
        signature_request_create(document=text_document, by=world.coordinator)


# --- signing: the round trip and its evidence ----------------------------------------------------

def test_full_round_trip_produces_the_signed_pdf_with_its_certificate_page(
    world, document, now, celery_eager, django_capture_on_commit_callbacks
):
    signature_request = signature_request_create(document=document, by=world.coordinator)

    sign(signature_request, SignerRole.APPRENTICE, ip="203.0.113.7")
    sign(signature_request, SignerRole.EMPLOYER, ip="198.51.100.23")
    with django_capture_on_commit_callbacks(execute=True):
        sign(signature_request, SignerRole.ORGANISATION, ip="192.0.2.44")

    signature_request.refresh_from_db()
    signed = signature_request.signed_document
    assert (signature_request.status, signature_request.closed_at) == (SignatureRequestStatus.COMPLETED, NOW)
    assert (signed.kind, signed.version, signed.is_generated, signed.contract, signed.title) == (
        DocumentKind.SIGNED, 1, True, world.a.contract, "Convention de formation (signé)",
    )
    reader = PdfReader(io.BytesIO(document_read(signed)))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(small_pdf())).pages) + 1
    assert "Convention de formation — page 1" in reader.pages[0].extract_text()
    certificate = " ".join(reader.pages[-1].extract_text().split())
    for expected in (
        "Certificat de signature électronique",
        signature_request.document_sha256,
        world.a.apprentice_user.get_full_name(), world.a.employer_user.get_full_name(), world.coordinator.get_full_name(),
        "203.0.113.7", "198.51.100.23", "192.0.2.44",
        "28/11/2026 10:00:00",  # Europe/Paris
        "article 1367 du Code civil", "eIDAS", f"Demande n° : {signature_request.pk}",
    ):
        assert expected in certificate
    # The requester is told that everybody signed.
    assert [(m.to, m.subject) for m in mail.outbox] == [([world.coordinator.email], "Document signé par tous : Convention de formation")]


def test_each_signature_keeps_its_evidence_exactly(world, pending, now):
    long_agent = FIREFOX + " x" * 300

    sign(pending, SignerRole.APPRENTICE, ip="2001:db8::1", user_agent=long_agent)

    signer = signer_of(pending, SignerRole.APPRENTICE)
    assert (signer.signed_at, signer.ip_address, signer.user_agent, signer.signed_sha256) == (
        NOW, "2001:db8::1", long_agent[:400], pending.document_sha256,
    )
    assert list(Signer.objects.filter(request=pending, signed_at__isnull=True).values_list("role", flat=True)) == [
        SignerRole.EMPLOYER, SignerRole.ORGANISATION,
    ]
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.PENDING


def test_a_double_submission_signs_once(world, pending, now, time_machine):
    stale = signer_of(pending, SignerRole.APPRENTICE)
    same_row_again = signer_of(pending, SignerRole.APPRENTICE)
    signature_sign(signer=stale, by=stale.user, ip_address="203.0.113.7", user_agent="A", confirmed=True)
    time_machine.move_to(datetime(2026, 11, 28, 9, 5, tzinfo=UTC), tick=False)

    with pytest.raises(SignatureError):
        signature_sign(signer=same_row_again, by=same_row_again.user, ip_address="198.51.100.1", user_agent="B", confirmed=True)

    signer = signer_of(pending, SignerRole.APPRENTICE)
    assert (signer.signed_at, signer.ip_address, signer.user_agent) == (NOW, "203.0.113.7", "A")


def test_signing_requires_the_explicit_confirmation(world, pending):
    signer = signer_of(pending, SignerRole.APPRENTICE)

    with pytest.raises(SignatureError, match="Cochez la case"):
        signature_sign(signer=signer, by=signer.user, ip_address="203.0.113.7", user_agent="A", confirmed=False)

    assert signer_of(pending, SignerRole.APPRENTICE).signed_at is None


def test_nobody_signs_someone_elses_line(world, pending):
    employer_line = signer_of(pending, SignerRole.EMPLOYER)

    for intruder in (world.a.apprentice_user, world.coordinator, world.b.employer_user):
        with pytest.raises(SignatureError):
            signature_sign(signer=employer_line, by=intruder, ip_address="203.0.113.7", user_agent="A", confirmed=True)

    assert signer_of(pending, SignerRole.EMPLOYER).signed_at is None


# --- integrity -------------------------------------------------------------------------------------

def test_a_document_changed_after_the_first_signature_invalidates_the_request(world, document, pending, now):
    sign(pending, SignerRole.APPRENTICE)
    tamper(document)

    with pytest.raises(SignatureError) as refused:
        sign(pending, SignerRole.EMPLOYER)

    assert str(refused.value) == "Le document a été modifié après la demande : une nouvelle demande est nécessaire."
    pending.refresh_from_db()
    assert (pending.status, pending.closed_at, pending.closed_by, pending.close_reason) == (
        SignatureRequestStatus.INVALIDATED, NOW, world.a.employer_user,
        "Le document a été modifié après la demande : une nouvelle demande est nécessaire.",
    )
    assert signer_of(pending, SignerRole.EMPLOYER).signed_at is None
    assert pending.signed_document is None


def test_verify_accepts_an_intact_pending_request(pending):
    assert signature_request_verify(pending) is True
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.PENDING


def test_verify_invalidates_a_pending_request_whose_document_changed(document, pending, now):
    tamper(document)

    assert signature_request_verify(pending) is False
    pending.refresh_from_db()
    assert (pending.status, pending.closed_at) == (SignatureRequestStatus.INVALIDATED, NOW)


def completed(signature_request: SignatureRequest) -> SignatureRequest:
    for role in (SignerRole.APPRENTICE, SignerRole.EMPLOYER, SignerRole.ORGANISATION):
        sign(signature_request, role)
    return SignatureRequest.objects.select_related("document", "signed_document").get(pk=signature_request.pk)


def test_verify_accepts_an_intact_completed_request(pending):
    assert signature_request_verify(completed(pending)) is True


def test_verify_detects_an_original_changed_after_completion(document, pending):
    done = completed(pending)
    tamper(document)

    assert signature_request_verify(done) is False
    done.refresh_from_db()
    assert done.status == SignatureRequestStatus.COMPLETED  # the signed PDF remains the evidence


def test_verify_detects_a_signed_pdf_changed_after_completion(pending):
    done = completed(pending)
    tamper(done.signed_document)

    assert signature_request_verify(done) is False


# --- cancellation ----------------------------------------------------------------------------------

def test_staff_cancel_a_pending_request_with_a_reason_and_may_request_again(world, document, pending, now):
    signature_request_cancel(request=pending, by=world.coordinator, reason="Erreur sur la date de début")

    pending.refresh_from_db()
    assert (pending.status, pending.closed_at, pending.closed_by, pending.close_reason) == (
        SignatureRequestStatus.CANCELLED, NOW, world.coordinator, "Erreur sur la date de début",
    )
    with pytest.raises(SignatureError):
        sign(pending, SignerRole.APPRENTICE)
    again = signature_request_create(document=document, by=world.coordinator)
    assert list(SignatureRequest.objects.order_by("pk").values_list("pk", "status")) == [
        (pending.pk, SignatureRequestStatus.CANCELLED), (again.pk, SignatureRequestStatus.PENDING),
    ]


def test_cancel_requires_a_reason(world, pending):
    with pytest.raises(SignatureError, match="Indiquez le motif"):
        signature_request_cancel(request=pending, by=world.coordinator, reason="   ")

    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.PENDING


@pytest.mark.parametrize("who", ["tutor", "cre", "apprentice", "employer"])
def test_only_coordinator_and_admin_staff_cancel(world, pending, who):
    user = {"tutor": world.a.tutor, "cre": world.a.cre, "apprentice": world.a.apprentice_user, "employer": world.a.employer_user}[who]

    with pytest.raises(SignatureError):
        signature_request_cancel(request=pending, by=user, reason="Non")

    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.PENDING


# --- reads -----------------------------------------------------------------------------------------

def test_signatures_to_sign_lists_only_the_users_pending_lines(world, pending, document):
    other_side = signature_request_create(document=store_pdf(world.b.contract), by=world.coordinator)
    second = store_pdf(world.a.contract, title="Avenant", kind=DocumentKind.AMENDMENT)
    done_for_apprentice = signature_request_create(document=second, by=world.coordinator)
    sign(done_for_apprentice, SignerRole.APPRENTICE)
    cancelled = signature_request_create(document=store_pdf(world.a.contract, title="Cerfa", kind=DocumentKind.CERFA), by=world.coordinator)
    signature_request_cancel(request=cancelled, by=world.coordinator, reason="Erreur")

    assert list(signatures_to_sign(world.a.apprentice_user)) == [signer_of(pending, SignerRole.APPRENTICE)]
    assert list(signatures_to_sign(world.b.employer_user)) == [signer_of(other_side, SignerRole.EMPLOYER)]
    assert list(signatures_to_sign(world.a.employer_user)) == [
        signer_of(pending, SignerRole.EMPLOYER), signer_of(done_for_apprentice, SignerRole.EMPLOYER),
    ]
    assert list(signatures_to_sign(world.a.tutor)) == []


def test_the_count_of_signatures_to_sign_is_the_lists_and_reads_one_row_when_none_waits(
    world, pending, django_assert_num_queries,
):
    """The home pages' « Documents à signer » count: the length of the list it opens, for each user;
    one query when nothing waits; a signature still pending but out of the user's scope (its
    employer contact deactivated: it no longer signs for the company) counted by neither."""
    users = [world.a.apprentice_user, world.a.employer_user, world.b.employer_user, world.coordinator, world.a.tutor]
    assert [signatures_to_sign_count(u) for u in users] == [len(signatures_to_sign(u)) for u in users] == [1, 1, 0, 1, 0]
    with django_assert_num_queries(1):
        assert signatures_to_sign_count(world.b.employer_user) == 0
    with django_assert_num_queries(2):
        assert signatures_to_sign_count(world.a.apprentice_user) == 1

    world.a.employer_contact.active = False
    world.a.employer_contact.save(update_fields=["active"])

    assert Signer.objects.filter(user=world.a.employer_user, signed_at__isnull=True).count() == 1  # still pending
    assert (signatures_to_sign_count(world.a.employer_user), list(signatures_to_sign(world.a.employer_user))) == (0, [])
