"""Document views: generation (permissions, stored rows), the attendance form, the download
permission matrix and integrity check, and the documents panel of the contract page."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from contracts.choices import DocumentKind, InstalmentKind
from contracts.documents import document_store
from contracts.models import Document
from tests.factories.alternance import TutorFactory
from tests.factories.contracts import OpcoInstalmentFactory
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


def stored(contract, content: bytes = b"%PDF-1.7 cerfa", kind=DocumentKind.CERFA) -> Document:
    return document_store(content=content, filename="cerfa.pdf", kind=kind, title=f"Cerfa {contract.pk}", contract=contract, generated=True)


# --- download -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("role", "side", "expected"),
    [
        (Role.COORDINATOR, "a", 200),
        (Role.ADMIN_STAFF, "b", 200),
        (Role.CRE, "b", 200),
        (Role.TUTOR, "a", 200),
        (Role.TUTOR, "b", 404),
        (Role.EMPLOYER, "a", 200),
        (Role.EMPLOYER, "b", 404),
        (Role.APPRENTICE, "a", 200),
        (Role.APPRENTICE, "b", 404),
    ],
)
def test_download_permission_matrix(client, world, role, side, expected):
    documents = {"a": stored(world.a.contract, b"%PDF A"), "b": stored(world.b.contract, b"%PDF B")}
    client.force_login(world.user(role))

    response = client.get(reverse("contracts:document_download", args=[documents[side].pk]))

    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == (b"%PDF A" if side == "a" else b"%PDF B")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")


def test_anonymous_download_goes_to_the_login_page(client, world):
    document = stored(world.a.contract)

    response = client.get(reverse("contracts:document_download", args=[document.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_tampered_file_is_refused_with_409(client, world):
    document = stored(world.a.contract, b"%PDF original")
    with open(document.file.path, "wb") as handle:
        handle.write(b"%PDF tampered")
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:document_download", args=[document.pk]))

    assert response.status_code == 409
    assert "ne correspond plus à l'empreinte SHA-256" in response.content.decode()
    assert b"tampered" not in response.content


# --- generation ---------------------------------------------------------------------------------

GENERATION_URLS = ["document_generate_cerfa", "document_generate_convention", "document_generate_remuneration_schedule"]


@pytest.mark.parametrize("name", GENERATION_URLS)
@pytest.mark.parametrize("role", [Role.TUTOR, Role.CRE, Role.APPRENTICE, Role.EMPLOYER])
def test_generation_is_refused_with_403_to_who_sees_the_contract_but_may_not_generate(client, world, name, role):
    client.force_login(world.user(role))

    response = client.post(reverse(f"contracts:{name}", args=[world.a.contract.pk]))

    assert response.status_code == 403
    assert not Document.objects.exists()


@pytest.mark.parametrize("role", [Role.TUTOR, Role.EMPLOYER, Role.APPRENTICE])
def test_generation_outside_the_scope_is_404(client, world, role):
    client.force_login(world.user(role))

    response = client.post(reverse("contracts:document_generate_cerfa", args=[world.b.contract.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("document_generate_cerfa", DocumentKind.CERFA),
        ("document_generate_convention", DocumentKind.CONVENTION),
        ("document_generate_remuneration_schedule", DocumentKind.REMUNERATION_SCHEDULE),
    ],
)
def test_admin_staff_generates_a_document(client, world, name, kind):
    client.force_login(world.admin_staff)
    contract = world.a.contract

    response = client.post(reverse(f"contracts:{name}", args=[contract.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:contract_detail", args=[contract.pk]) + "#documents"
    assert list(Document.objects.values_list("contract", "kind", "version", "uploaded_by")) == [
        (contract.pk, kind, 1, world.admin_staff.pk)
    ]


def test_generation_views_are_post_only(client, world):
    client.force_login(world.coordinator)

    assert client.get(reverse("contracts:document_generate_cerfa", args=[world.a.contract.pk])).status_code == 405


def test_attendance_certificate_form_generates_the_document_of_the_period(client, world):
    client.force_login(world.coordinator)
    url = reverse("contracts:document_generate_attendance_certificate", args=[world.a.contract.pk])

    response = client.post(url, {"period_start": "2026-11-01", "period_end": "2026-11-30"})

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.kind, document.period_start, document.period_end) == (
        DocumentKind.ATTENDANCE_CERTIFICATE, date(2026, 11, 1), date(2026, 11, 30)
    )


def test_attendance_certificate_form_refuses_a_reversed_period_and_keeps_the_input(client, world):
    client.force_login(world.coordinator)
    url = reverse("contracts:document_generate_attendance_certificate", args=[world.a.contract.pk])

    response = client.post(url, {"period_start": "2026-11-30", "period_end": "2026-11-01"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "La période commence après sa fin" in content
    assert 'value="2026-11-30"' in content and 'value="2026-11-01"' in content
    assert not Document.objects.exists()


def test_attendance_certificate_form_says_a_date_is_missing(client, world):
    client.force_login(world.coordinator)
    url = reverse("contracts:document_generate_attendance_certificate", args=[world.a.contract.pk])

    response = client.post(url, {"period_start": "2026-11-01"})

    assert response.status_code == 400
    assert "Indiquez le dernier jour de la période." in response.content.decode()


def test_attendance_certificate_is_refused_to_a_tutor(client, world):
    client.force_login(world.a.tutor)
    url = reverse("contracts:document_generate_attendance_certificate", args=[world.a.contract.pk])

    assert client.post(url, {"period_start": "2026-11-01", "period_end": "2026-11-30"}).status_code == 403
    assert client.get(url).status_code == 403


def test_completion_certificate_for_an_instalment_of_the_contract(client, world, time_machine):
    instalment = OpcoInstalmentFactory(opco_file=world.a.contract.opco_file, kind=InstalmentKind.ADVANCE)
    time_machine.move_to(datetime(2027, 3, 1, 10, 0, tzinfo=PARIS), tick=False)  # the day after the period's end
    client.force_login(world.admin_staff)

    response = client.post(reverse("contracts:document_generate_completion_certificate", args=[world.a.contract.pk, instalment.pk]))

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.kind, document.instalment_id, document.period_start, document.period_end) == (
        DocumentKind.COMPLETION_CERTIFICATE, instalment.pk, date(2026, 9, 1), date(2027, 2, 28)
    )


def test_completion_certificate_of_a_period_not_over_is_refused_with_its_first_day(client, world):
    """Today 28/11/2026; the advance's period runs to 28/02/2027: no certificate, no document."""
    instalment = OpcoInstalmentFactory(opco_file=world.a.contract.opco_file, kind=InstalmentKind.ADVANCE)
    client.force_login(world.admin_staff)

    page = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk])).content.decode()
    response = client.post(reverse("contracts:document_generate_completion_certificate", args=[world.a.contract.pk, instalment.pk]), follow=True)

    assert "Période en cours : certificat possible à partir du 01/03/2027" in page
    assert reverse("contracts:document_generate_completion_certificate", args=[world.a.contract.pk, instalment.pk]) not in page
    assert [str(m) for m in response.context["messages"]] == [
        "Le certificat de réalisation atteste une formation réalisée : la période du 01/09/2026 au 28/02/2027 n'est pas "
        "terminée. Il pourra être établi à partir du 01/03/2027."
    ]
    assert not Document.objects.filter(kind=DocumentKind.COMPLETION_CERTIFICATE).exists()


def test_completion_certificate_for_an_instalment_of_another_contract_is_404(client, world):
    other = OpcoInstalmentFactory(opco_file=world.b.contract.opco_file)
    client.force_login(world.coordinator)

    response = client.post(reverse("contracts:document_generate_completion_certificate", args=[world.a.contract.pk, other.pk]))

    assert response.status_code == 404
    assert not Document.objects.exists()


# --- the documents panel ------------------------------------------------------------------------

def test_panel_lists_documents_with_links_and_shows_buttons_to_staff_who_may_generate(client, world):
    document = stored(world.a.contract)
    client.force_login(world.coordinator)

    content = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk])).content.decode()

    assert reverse("contracts:document_download", args=[document.pk]) in content
    assert document.sha256[:12] in content
    assert reverse("contracts:document_generate_cerfa", args=[world.a.contract.pk]) in content
    assert reverse("contracts:document_generate_attendance_certificate", args=[world.a.contract.pk]) in content


@pytest.mark.parametrize("role", [Role.TUTOR, Role.EMPLOYER])
def test_panel_hides_generation_buttons_from_who_may_not_generate(client, world, role):
    document = stored(world.a.contract)
    client.force_login(world.user(role))

    content = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk])).content.decode()

    assert reverse("contracts:document_download", args=[document.pk]) in content
    assert reverse("contracts:document_generate_cerfa", args=[world.a.contract.pk]) not in content


def test_contract_page_query_count_does_not_grow_with_documents(client, world):
    contract = world.a.contract
    stored(contract)
    OpcoInstalmentFactory(opco_file=contract.opco_file, kind=InstalmentKind.ADVANCE)
    client.force_login(world.coordinator)
    url = reverse("contracts:contract_detail", args=[contract.pk])

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        stored(contract)
    document_store(
        content=b"x", filename="a.pdf", kind=DocumentKind.COMPLETION_CERTIFICATE, title="Certificat", contract=contract,
        generated=True, instalment=contract.opco_file.instalments.get(),
    )
    OpcoInstalmentFactory(opco_file=contract.opco_file, kind=InstalmentKind.MONTH_7, percent=30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(one)


def test_a_tutor_of_another_cohort_does_not_see_the_documents(client, world):
    stored(world.b.contract)
    other_tutor = TutorFactory()
    client.force_login(other_tutor)

    assert client.get(reverse("contracts:contract_detail", args=[world.b.contract.pk])).status_code == 404
