"""Signature pages: permission matrices, the signer's page, staff actions, files, "Documents à signer"."""

from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from contracts.choices import DocumentKind, SignatureRequestStatus, SignerRole
from contracts.documents import document_read
from contracts.models import SignatureRequest
from contracts.signatures import signature_request_create
from tests.contracts.test_signatures import FIREFOX, completed, signer_of, small_pdf, store_pdf, tamper
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def frozen(time_machine):
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


def account(world, who: str):
    return {
        "coordinator": world.coordinator,
        "admin_staff": world.admin_staff,
        "cre_a": world.a.cre,
        "tutor_a": world.a.tutor,
        "tutor_b": world.b.tutor,
        "apprentice_a": world.a.apprentice_user,
        "apprentice_b": world.b.apprentice_user,
        "employer_a": world.a.employer_user,
        "employer_b": world.b.employer_user,
    }[who]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the signer's page -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("employer_a", 200),  # its own line
        ("employer_b", 404),  # another company's employer: outside its scope
        ("apprentice_a", 403),  # a co-signer: in scope, but not its line
        ("apprentice_b", 404),
        ("coordinator", 403),
        ("tutor_a", 403),
        ("tutor_b", 404),
    ],
)
def test_sign_page_of_the_employer_line_permission_matrix(client, world, pending, who, expected):
    client.force_login(account(world, who))

    response = client.get(reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.EMPLOYER).pk}))

    assert response.status_code == expected


def test_sign_page_requires_login(client, pending):
    url = reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.EMPLOYER).pk})

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_page_shows_the_document_the_requester_the_other_signers_and_the_form(client, world, pending):
    signer = signer_of(pending, SignerRole.EMPLOYER)
    client.force_login(world.a.employer_user)

    response = client.get(reverse("contracts:signature_sign", kwargs={"pk": signer.pk}))

    html = response.content.decode()
    assert response.context["signer"] == signer
    assert [(o.role, o.user) for o in response.context["others"]] == [
        (SignerRole.APPRENTICE, world.a.apprentice_user), (SignerRole.ORGANISATION, world.coordinator),
    ]
    for expected in (
        "Convention de formation", "Claire Coord", "J&#x27;ai lu le document et je le signe électroniquement",
        reverse("contracts:signature_document", kwargs={"pk": pending.pk}), ">Signer</button>",
    ):
        assert expected in html


def test_signing_records_the_ip_and_the_browser_and_redirects_with_a_message(client, world, pending):
    client.force_login(world.a.employer_user)
    url = reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.EMPLOYER).pk})

    response = client.post(url, {"confirm": "on"}, REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 302
    assert response.url == reverse("contracts:signatures_to_sign")
    assert messages_of(response) == ["Votre signature est enregistrée. Merci !"]
    signer = signer_of(pending, SignerRole.EMPLOYER)
    assert (signer.signed_at, signer.ip_address, signer.user_agent, signer.signed_sha256) == (
        NOW, "198.51.100.23", FIREFOX, pending.document_sha256,
    )


def test_a_double_post_signs_once(client, world, pending, time_machine):
    client.force_login(world.a.employer_user)
    url = reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.EMPLOYER).pk})
    client.post(url, {"confirm": "on"}, REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="first")
    time_machine.move_to(datetime(2026, 11, 28, 9, 1, tzinfo=UTC), tick=False)

    second = client.post(url, {"confirm": "on"}, REMOTE_ADDR="198.51.100.99", HTTP_USER_AGENT="second")

    assert second.status_code == 403
    signer = signer_of(pending, SignerRole.EMPLOYER)
    assert (signer.signed_at, signer.ip_address, signer.user_agent) == (NOW, "198.51.100.23", "first")


def test_signing_without_the_checkbox_shows_a_french_error_and_signs_nothing(client, world, pending):
    client.force_login(world.a.apprentice_user)
    url = reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.APPRENTICE).pk})

    response = client.post(url, {}, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "confirm": ["Cochez la case pour confirmer que vous avez lu le document et que vous le signez."]
    }
    assert signer_of(pending, SignerRole.APPRENTICE).signed_at is None


def test_the_last_signature_completes_the_request(client, world, pending):
    for role, user in ((SignerRole.APPRENTICE, world.a.apprentice_user), (SignerRole.EMPLOYER, world.a.employer_user)):
        client.force_login(user)
        client.post(reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, role).pk}), {"confirm": "on"})
    client.force_login(world.coordinator)

    response = client.post(reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.ORGANISATION).pk}), {"confirm": "on"})

    assert messages_of(response)[-1] == "Votre signature est enregistrée. Tout le monde a signé : le document signé est disponible."
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.COMPLETED
    assert pending.signed_document.kind == DocumentKind.SIGNED


def test_signing_a_changed_document_is_refused_and_invalidates_the_request(client, world, document, pending):
    signer = signer_of(pending, SignerRole.APPRENTICE)
    client.force_login(world.a.apprentice_user)
    tamper(document)

    response = client.post(reverse("contracts:signature_sign", kwargs={"pk": signer.pk}), {"confirm": "on"})

    assert response.status_code == 302
    assert messages_of(response) == ["Le document a été modifié après la demande : une nouvelle demande est nécessaire."]
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.INVALIDATED
    assert signer_of(pending, SignerRole.APPRENTICE).signed_at is None


def test_opening_the_sign_page_of_a_changed_document_invalidates_the_request(client, world, document, pending):
    client.force_login(world.a.apprentice_user)
    tamper(document)

    response = client.get(reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.APPRENTICE).pk}))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.INVALIDATED


def test_a_cancelled_request_cannot_be_signed(client, world, pending):
    client.force_login(world.coordinator)
    client.post(reverse("contracts:signature_request_cancel", kwargs={"pk": pending.pk}), {"reason": "Erreur de salaire"})
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.APPRENTICE).pk}), {"confirm": "on"})

    assert response.status_code == 403
    assert signer_of(pending, SignerRole.APPRENTICE).signed_at is None


# --- staff actions -------------------------------------------------------------------------------------

def test_coordinator_requests_signatures_and_the_signers_are_emailed(
    client, world, document, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}), {"document": document.pk}
        )

    assert response.status_code == 302
    assert response.url == reverse("contracts:contract_detail", kwargs={"pk": world.a.contract.pk})
    signature_request = SignatureRequest.objects.get()
    assert (signature_request.document, signature_request.requested_by, signature_request.status) == (
        document, world.coordinator, SignatureRequestStatus.PENDING,
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.a.apprentice_user.email, world.a.employer_user.email, world.coordinator.email]
    )
    link = "http://testserver" + reverse("contracts:signature_sign", kwargs={"pk": signer_of(signature_request, SignerRole.APPRENTICE).pk})
    assert link in next(m.body for m in mail.outbox if m.to == [world.a.apprentice_user.email])


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin_staff", 302), ("cre_a", 403), ("tutor_a", 403), ("apprentice_a", 403), ("employer_a", 403), ("employer_b", 404), ("tutor_b", 404)],
)
def test_request_signatures_permission_matrix(client, world, document, who, expected):
    client.force_login(account(world, who))

    response = client.post(reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}), {"document": document.pk})

    assert response.status_code == expected
    assert SignatureRequest.objects.count() == (1 if expected == 302 else 0)


def test_request_form_refuses_a_document_of_another_contract_in_french(client, world):
    other = store_pdf(world.b.contract)
    client.force_login(world.coordinator)

    response = client.post(reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}), {"document": other.pk})

    assert messages_of(response) == ["Ce document n'est pas un document de ce contrat : choisissez-en un dans la liste."]
    assert not SignatureRequest.objects.exists()


def test_request_refusal_is_shown_as_a_message(client, world, document):
    world.a.apprentice.user = None
    world.a.apprentice.save(update_fields=["user"])
    client.force_login(world.coordinator)

    response = client.post(reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}), {"document": document.pk})

    assert messages_of(response) == [
        "L'apprenti·e Alice Martin n'a pas de compte extranet actif : invitez-le ou invitez-la d'abord à l'extranet, "
        "puis demandez les signatures."
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("coordinator", 302), ("cre_a", 403), ("tutor_a", 403), ("employer_a", 403), ("apprentice_a", 403), ("employer_b", 404), ("tutor_b", 404)],
)
def test_cancel_permission_matrix(client, world, pending, who, expected):
    client.force_login(account(world, who))

    response = client.post(reverse("contracts:signature_request_cancel", kwargs={"pk": pending.pk}), {"reason": "Erreur de date"})

    assert response.status_code == expected
    pending.refresh_from_db()
    assert pending.status == (SignatureRequestStatus.CANCELLED if expected == 302 else SignatureRequestStatus.PENDING)


def test_cancel_with_a_reason_then_request_again(client, world, document, pending):
    client.force_login(world.coordinator)

    client.post(reverse("contracts:signature_request_cancel", kwargs={"pk": pending.pk}), {"reason": "Erreur de date"})
    client.post(reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}), {"document": document.pk})

    assert list(SignatureRequest.objects.order_by("pk").values_list("status", "close_reason", "closed_by")) == [
        (SignatureRequestStatus.CANCELLED, "Erreur de date", world.coordinator.pk),
        (SignatureRequestStatus.PENDING, "", None),
    ]


def test_cancel_without_a_reason_is_refused_in_french(client, world, pending):
    client.force_login(world.coordinator)

    response = client.post(reverse("contracts:signature_request_cancel", kwargs={"pk": pending.pk}), {"reason": ""})

    assert messages_of(response) == ["Indiquez le motif de l'annulation."]
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.PENDING


# --- files ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("apprentice_a", 200), ("employer_a", 200), ("coordinator", 200), ("cre_a", 200), ("tutor_a", 200),
        ("tutor_b", 404), ("employer_b", 404), ("apprentice_b", 404),
    ],
)
def test_document_under_signature_is_streamed_to_signers_and_staff_only(client, world, pending, who, expected):
    client.force_login(account(world, who))

    response = client.get(reverse("contracts:signature_document", kwargs={"pk": pending.pk}))

    assert response.status_code == expected
    if expected == 200:
        assert (response["Content-Type"], b"".join(response.streaming_content)) == ("application/pdf", small_pdf())
        assert response["Content-Disposition"].startswith("inline")


def test_document_may_be_downloaded(client, world, pending):
    client.force_login(world.a.apprentice_user)

    response = client.get(reverse("contracts:signature_document", kwargs={"pk": pending.pk}) + "?telecharger=1")

    assert response["Content-Disposition"] == 'attachment; filename="convention-de-formation.pdf"'


@pytest.mark.parametrize(
    ("who", "expected"), [("apprentice_a", 200), ("employer_a", 200), ("tutor_a", 200), ("employer_b", 404), ("tutor_b", 404)]
)
def test_signed_pdf_download_permission_matrix(client, world, pending, who, expected):
    done = completed(pending)
    client.force_login(account(world, who))

    response = client.get(reverse("contracts:signature_signed_document", kwargs={"pk": done.pk}))

    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == document_read(done.signed_document)


def test_signed_pdf_is_404_before_everybody_signed(client, world, pending):
    client.force_login(world.coordinator)

    assert client.get(reverse("contracts:signature_signed_document", kwargs={"pk": pending.pk})).status_code == 404


# --- "Documents à signer" ------------------------------------------------------------------------------

def listed(client, user) -> list[tuple[str, str]]:
    client.force_login(user)
    response = client.get(reverse("contracts:signatures_to_sign"))
    assert response.status_code == 200
    return [(s.request.document.title, s.role) for s in response.context["signers"]]


def test_to_sign_page_lists_exactly_the_users_pending_signatures(client, world, pending):
    # What could leak: side B's request (its apprentice and employer), and the co-signers' lines.
    signature_request_create(document=store_pdf(world.b.contract, title="Convention B"), by=world.admin_staff)
    signed_already = signature_request_create(document=store_pdf(world.a.contract, title="Avenant", kind=DocumentKind.AMENDMENT), by=world.coordinator)
    client.force_login(world.a.apprentice_user)
    client.post(reverse("contracts:signature_sign", kwargs={"pk": signer_of(signed_already, SignerRole.APPRENTICE).pk}), {"confirm": "on"})

    assert listed(client, world.a.apprentice_user) == [("Convention de formation", SignerRole.APPRENTICE)]
    assert listed(client, world.a.employer_user) == [("Convention de formation", SignerRole.EMPLOYER), ("Avenant", SignerRole.EMPLOYER)]
    assert listed(client, world.b.employer_user) == [("Convention B", SignerRole.EMPLOYER)]
    assert listed(client, world.coordinator) == [("Convention de formation", SignerRole.ORGANISATION), ("Avenant", SignerRole.ORGANISATION)]
    assert listed(client, world.admin_staff) == [("Convention B", SignerRole.ORGANISATION)]
    assert listed(client, world.a.tutor) == []


def test_to_sign_page_requires_login(client):
    response = client.get(reverse("contracts:signatures_to_sign"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def count_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("contracts:signatures_to_sign")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER, Role.COORDINATOR])
def test_to_sign_page_query_count_does_not_grow_with_rows(client, world, pending, role):
    user = world.user(role)
    with_one = count_queries(client, user)
    for n in range(3):
        signature_request_create(document=store_pdf(world.a.contract, title=f"Document {n}", kind=DocumentKind.OTHER), by=world.coordinator)

    with_four = count_queries(client, user)

    assert len(listed(client, user)) == 4
    assert with_four == with_one


# --- the contract page's panel and the home pages --------------------------------------------------------

def test_contract_panel_shows_requests_the_request_form_and_the_cancel_form_to_staff(client, world, pending):
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_detail", kwargs={"pk": world.a.contract.pk}))

    html = response.content.decode()
    assert [r.pk for r in response.context["signature_requests"]] == [pending.pk]
    assert reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}) in html
    assert reverse("contracts:signature_request_cancel", kwargs={"pk": pending.pk}) in html


def test_contract_panel_hides_staff_forms_from_the_apprentice_and_links_its_line(client, world, pending):
    client.force_login(world.a.apprentice_user)

    response = client.get(reverse("contracts:contract_detail", kwargs={"pk": world.a.contract.pk}))

    html = response.content.decode()
    assert response.context["signature_request_form"] is None
    assert reverse("contracts:signature_request_create", kwargs={"pk": world.a.contract.pk}) not in html
    assert reverse("contracts:signature_request_cancel", kwargs={"pk": pending.pk}) not in html
    assert reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.APPRENTICE).pk}) in html
    assert reverse("contracts:signature_sign", kwargs={"pk": signer_of(pending, SignerRole.EMPLOYER).pk}) not in html


def test_contract_panel_shows_a_request_whose_document_changed_as_invalidated(client, world, document, pending):
    tamper(document)
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_detail", kwargs={"pk": world.a.contract.pk}))

    assert "Invalidée (document modifié)" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == SignatureRequestStatus.INVALIDATED


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER])
def test_home_page_shows_the_number_of_documents_to_sign(client, world, pending, role):
    signature_request_create(document=store_pdf(world.b.contract, title="Convention B"), by=world.coordinator)
    client.force_login(world.user(role))

    html = client.get(reverse("home")).content.decode()

    assert "Documents à signer" in html
    assert reverse("contracts:signatures_to_sign") in html
    assert "Voir le document à signer" in html  # exactly one (side B's request is not counted)


def test_an_altered_document_under_signature_is_refused_like_every_download(client, world, pending):
    """One download path checks the SHA-256 for all (issue 17 §13): the signature page's view of the
    document answers 409 as /telecharger/ does, and never sends the altered bytes."""
    with open(pending.document.file.path, "wb") as handle:
        handle.write(b"%PDF-1.4 altered after it was stored")
    client.force_login(world.a.apprentice_user)

    for query in ("", "?telecharger=1"):
        response = client.get(reverse("contracts:signature_document", kwargs={"pk": pending.pk}) + query)

        assert response.status_code == 409
        assert "ne correspond plus à l'empreinte SHA-256" in response.content.decode()
        assert b"altered after" not in response.content
