"""Documents that went stale say so (issue 14 §4): the fingerprint of the data a generated
document printed, the « périmé » badge of the contract page, the pre-flight check before the OPCO
and before signature, and the signatures stamped in their boxes of the signed PDF."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from contracts.choices import ContractStatus, DocumentKind
from contracts.documents import document_read, document_store
from contracts.freshness import contract_sources, document_source_values, documents_freshness, values_fingerprint
from contracts.models import Contract, Document, OpcoFile
from contracts.pdf import generate_document
from contracts.selectors import contract_preflight
from contracts.signatures import signature_request_create, signature_sign

pytestmark = pytest.mark.django_db

TODAY = date(2026, 8, 25)
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def fresh(contract: Contract) -> Contract:
    """The contract as the contract page reads it (related rows loaded again from the database)."""
    return Contract.objects.select_related("apprentice__cohort", "company", "programme", "master", "second_master").get(pk=contract.pk)


def values_of(kind: str, contract: Contract) -> dict:
    return document_source_values(kind, contract_sources(fresh(contract)))


def fingerprint_of(kind: str, contract: Contract) -> str:
    return values_fingerprint(values_of(kind, contract))


# --- the fingerprint ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [DocumentKind.CERFA, DocumentKind.CONVENTION, DocumentKind.REMUNERATION_SCHEDULE])
def test_the_fingerprint_is_stable_for_unchanged_data(contract, kind):
    first = fingerprint_of(kind, contract)
    contract.save()  # saved again, unchanged
    assert fingerprint_of(kind, contract) == first
    assert len(first) == 64


def _set(contract, target, field, value):
    obj = {"contract": contract, "apprentice": contract.apprentice, "company": contract.company,
           "master": contract.master, "programme": contract.programme}[target]
    type(obj).objects.filter(pk=obj.pk).update(**{field: value})


RELEVANT = [
    # (document, what, field, new value, label that changed)
    (DocumentKind.CERFA, "contract", "signature_date", date(2026, 8, 20), "Contrat : date de conclusion (signature)"),
    (DocumentKind.CERFA, "contract", "gross_monthly_salary", Decimal("1999.00"), "Contrat : salaire brut mensuel à l'embauche"),
    (DocumentKind.CERFA, "contract", "weekly_hours", Decimal("34"), "Contrat : durée hebdomadaire du travail"),
    (DocumentKind.CERFA, "apprentice", "last_name", "Nouveau", "Apprenti·e : nom de naissance"),
    (DocumentKind.CERFA, "apprentice", "phone", "0611223344", "Apprenti·e : téléphone"),
    (DocumentKind.CERFA, "company", "name", "Nouvelle raison", "Employeur : raison sociale"),
    (DocumentKind.CERFA, "company", "headcount", 250, "Employeur : effectif total"),
    (DocumentKind.CERFA, "master", "job_title", "Cheffe d'atelier", "Maître d'apprentissage n° 1 : emploi occupé"),
    (DocumentKind.CERFA, "programme", "rncp_code", "RNCP99999", "Formation : code RNCP"),
    # Fields of the Cerfa n° 10103*12 (issue 15 §7).
    (DocumentKind.CERFA, "contract", "signature_place", "Lyon", "Contrat : fait à"),
    (DocumentKind.CERFA, "contract", "employer_holds_documents", True,
     "Contrat : l'employeur atteste disposer des pièces justificatives du dépôt"),
    (DocumentKind.CERFA, "contract", "public_unemployment_insurance", True,
     "Contrat : employeur public : adhésion de l'apprenti au régime spécifique d'assurance chômage"),
    (DocumentKind.CERFA, "apprentice", "last_diploma_title", "Bac pro Systèmes numériques",
     "Apprenti·e : intitulé précis du dernier diplôme ou titre préparé"),
    (DocumentKind.CONVENTION, "contract", "training_start_date", date(2026, 9, 7), "Contrat : début de la formation au CFA"),
    (DocumentKind.CONVENTION, "apprentice", "city", "Lyon", "Apprenti·e : commune"),
    (DocumentKind.CONVENTION, "company", "address", "2 rue Neuve", "Employeur : adresse"),
    (DocumentKind.CONVENTION, "master", "last_name", "Nouveau", "Maître d'apprentissage n° 1"),
    (DocumentKind.CONVENTION, "programme", "title", "BTS renommé", "Formation : intitulé"),
    (DocumentKind.REMUNERATION_SCHEDULE, "apprentice", "last_name", "Nouveau", "Apprenti·e : nom de naissance"),
    (DocumentKind.REMUNERATION_SCHEDULE, "contract", "collective_minimum_salary", Decimal("2500.00"),
     "Rémunération : salaire minimum conventionnel"),
    (DocumentKind.REMUNERATION_SCHEDULE, "company", "siret", "73282932000074", "Employeur : SIRET"),
]


@pytest.mark.parametrize(("kind", "target", "field", "value", "label"), RELEVANT)
def test_the_fingerprint_changes_with_each_printed_field(contract, kind, target, field, value, label):
    before = values_of(kind, contract)
    _set(contract, target, field, value)
    after = values_of(kind, contract)
    assert values_fingerprint(after) != values_fingerprint(before)
    assert label in [changed for changed in before if before[changed] != after.get(changed)]


IRRELEVANT = [
    (DocumentKind.CONVENTION, "apprentice", "phone", "0611223344"),
    (DocumentKind.CONVENTION, "contract", "gross_monthly_salary", Decimal("1999.00")),
    (DocumentKind.REMUNERATION_SCHEDULE, "company", "address", "2 rue Neuve"),
    (DocumentKind.REMUNERATION_SCHEDULE, "apprentice", "email", "autre@example.test"),
    (DocumentKind.CERFA, "contract", "status", ContractStatus.SIGNED),
    (DocumentKind.CERFA, "company", "sensitive_reason", "Client suivi par la direction"),
]


@pytest.mark.parametrize(("kind", "target", "field", "value"), IRRELEVANT)
def test_the_fingerprint_ignores_what_the_document_does_not_print(contract, kind, target, field, value):
    before = fingerprint_of(kind, contract)
    _set(contract, target, field, value)
    assert fingerprint_of(kind, contract) == before


def test_the_opco_frame_and_the_date_of_issue_do_not_make_the_cerfa_outdated(contract):
    before = fingerprint_of(DocumentKind.CERFA, contract)
    OpcoFile.objects.create(
        contract=contract, sent_date=date(2026, 9, 3), deposit_number="075202609000123", decision_date=date(2026, 9, 20)
    )
    assert fingerprint_of(DocumentKind.CERFA, contract) == before


def test_the_deposit_number_of_the_amended_contract_is_followed_on_the_amendments_cerfa(contract):
    from contracts.choices import ContractType
    from tests.factories.contracts import ContractFactory

    amendment = ContractFactory(
        apprentice=contract.apprentice, company=contract.company, master=contract.master, programme=contract.programme,
        contract_type=ContractType.AMEND_OTHER, amends=contract, amendment_effective_date=date(2027, 1, 4),
    )
    before = values_of(DocumentKind.CERFA, amendment)
    OpcoFile.objects.create(contract=contract, sent_date=date(2026, 9, 3), deposit_number="075202609000123")
    after = values_of(DocumentKind.CERFA, amendment)

    label = "Contrat : numéro du contrat précédent ou du contrat sur lequel porte l'avenant"
    assert (before[label], after[label]) == ("", "075202609000123")


def test_the_of_settings_printed_count(contract, settings):
    before = fingerprint_of(DocumentKind.CONVENTION, contract)
    settings.ORGANISATION = {**settings.ORGANISATION, "name": "CFA renommé"}
    assert fingerprint_of(DocumentKind.CONVENTION, contract) != before


def test_a_generated_document_records_its_data_and_goes_stale_when_it_changes(contract):
    document = generate_document(kind=DocumentKind.CERFA, contract=contract, by=None, today=TODAY)
    document.refresh_from_db()
    assert document.source_fingerprint == fingerprint_of(DocumentKind.CERFA, contract)
    assert document.source_values["Apprenti·e : nom de naissance"] == contract.apprentice.last_name
    assert documents_freshness(fresh(contract), [document])[document.pk].changed == ()

    _set(contract, "contract", "signature_date", date(2026, 8, 20))
    _set(contract, "apprentice", "last_name", "Nouveau")
    state = documents_freshness(fresh(contract), [document])[document.pk]
    assert state.outdated
    assert state.changed == ("Apprenti·e : nom de naissance", "Contrat : date de conclusion (signature)")


# --- the documents panel ---------------------------------------------------------------------------

def test_the_panel_marks_an_outdated_document_with_what_changed_and_offers_to_regenerate(client, contract):
    from tests.factories.alternance import CoordinatorFactory

    client.force_login(CoordinatorFactory())
    document = generate_document(kind=DocumentKind.CERFA, contract=contract, by=None, today=TODAY)
    url = reverse("contracts:contract_detail", args=[contract.pk])
    page = client.get(url).content.decode()
    assert "périmé — régénérez-le" not in page

    _set(contract, "contract", "signature_date", date(2026, 8, 20))
    page = client.get(url).content.decode()
    assert f'data-outdated="{document.pk}">périmé — régénérez-le</span>' in page
    assert "Donnée modifiée depuis sa génération :" in page
    assert "Contrat : date de conclusion (signature)." in page
    regenerate = reverse("contracts:document_generate_cerfa", args=[contract.pk])
    assert f'action="{regenerate}"' in page

    client.post(regenerate)
    latest = Document.objects.filter(contract=contract, kind=DocumentKind.CERFA).order_by("-version").first()
    assert latest.version == 2
    page = client.get(url).content.decode()
    assert f'data-outdated="{latest.pk}"' not in page
    assert f'data-outdated="{document.pk}"' in page  # version 1 stays, marked


def _followed(contract, kind=DocumentKind.CERFA):
    """A followed document stored with the current data (no PDF rendering: the page only reads it)."""
    values = values_of(kind, contract)
    return document_store(
        content=b"%PDF-1.4 test", filename="doc.pdf", kind=kind, title="Fiche", contract=contract, generated=True,
        source_values=values, source_fingerprint=values_fingerprint(values),
    )


def test_the_contract_page_makes_as_many_queries_with_one_or_many_documents(client, contract):
    from tests.factories.alternance import CoordinatorFactory

    client.force_login(CoordinatorFactory())
    url = reverse("contracts:contract_detail", args=[contract.pk])
    _followed(contract)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _set(contract, "apprentice", "last_name", "Nouveau")  # the first one is outdated now
    for kind in (DocumentKind.CERFA, DocumentKind.CONVENTION, DocumentKind.REMUNERATION_SCHEDULE, DocumentKind.CONVENTION):
        _followed(contract, kind)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("périmé — régénérez-le") == 1
    assert len(many) == len(one)


# --- the pre-flight check ------------------------------------------------------------------------------

def test_before_the_opco_a_missing_cerfa_or_convention_blocks(contract):
    report = contract_preflight(contract, stage="opco", today=TODAY)
    documents = [f for f in report.errors if f.code.startswith("document.")]
    assert [(f.code, f.message) for f in documents] == [
        ("document.missing.cerfa", "La fiche Cerfa n'a pas été générée : générez-la dans le panneau « Documents » du contrat avant l'envoi à l'OPCO."),
        ("document.missing.convention",
         "La convention de formation n'a pas été générée : générez-la dans le panneau « Documents » du contrat avant l'envoi à l'OPCO."),
    ]
    assert "document.missing.cerfa" not in contract_preflight(contract, stage="signature", today=TODAY).codes()


def test_before_the_opco_an_outdated_cerfa_blocks_with_what_changed(contract):
    generate_document(kind=DocumentKind.CERFA, contract=contract, by=None, today=TODAY)
    generate_document(kind=DocumentKind.CONVENTION, contract=contract, by=None, today=TODAY)
    assert not [c for c in contract_preflight(fresh(contract), stage="opco", today=TODAY).codes() if c.startswith("document.")]

    _set(contract, "contract", "signature_date", date(2026, 8, 20))
    report = contract_preflight(fresh(contract), stage="opco", today=TODAY)
    documents = [(f.code, f.message) for f in report.errors if f.code.startswith("document.")]
    assert documents == [(
        "document.outdated.cerfa",
        "La fiche Cerfa (version 1) est périmée : des données ont changé depuis sa génération (Contrat : date de conclusion "
        "(signature)). Régénérez-la dans le panneau « Documents » du contrat avant l'envoi à l'OPCO.",
    )]
    # Only the latest version counts: regenerating clears it.
    generate_document(kind=DocumentKind.CERFA, contract=fresh(contract), by=None, today=TODAY)
    assert not [c for c in contract_preflight(fresh(contract), stage="opco", today=TODAY).codes() if c.startswith("document.")]


def test_before_signature_a_pending_request_on_an_outdated_document_blocks():
    from tests.factories.web import make_world

    world = make_world()
    contract = world.a.contract
    document = generate_document(kind=DocumentKind.CONVENTION, contract=contract, by=None, today=TODAY)
    signature_request_create(document=document, by=world.coordinator)
    assert not [c for c in contract_preflight(fresh(contract), stage="signature", today=TODAY).codes() if c.startswith("document.")]

    _set(contract, "company", "address", "2 rue Neuve")
    report = contract_preflight(fresh(contract), stage="signature", today=TODAY)
    documents = [(f.code, f.message) for f in report.errors if f.code.startswith("document.")]
    assert documents == [(
        "document.signature_outdated.convention",
        f"La demande de signature en cours porte sur un document périmé, « {document.title} » (version 1) : des données "
        "ont changé depuis sa génération (Employeur : adresse). Annulez la demande, régénérez le document et demandez à "
        "nouveau les signatures.",
    )]


# --- the signed PDF --------------------------------------------------------------------------------

def test_the_signed_pdf_shows_each_signature_in_its_box(time_machine):
    from tests.factories.web import make_world

    time_machine.move_to(NOW, tick=False)
    world = make_world()
    document = generate_document(kind=DocumentKind.CONVENTION, contract=world.a.contract, by=None, today=TODAY)
    assert sorted(box["role"] for box in document.signature_boxes) == ["apprentice", "employer", "organisation"]
    signature_request = signature_request_create(document=document, by=world.coordinator)
    for signer in signature_request.signers.select_related("user").order_by("pk"):
        signature_sign(signer=signer, by=signer.user, ip_address="203.0.113.7", user_agent="Firefox", confirmed=True)
    signature_request.refresh_from_db()

    original = PdfReader(io.BytesIO(document_read(document)))
    signed = PdfReader(io.BytesIO(document_read(signature_request.signed_document)))
    assert len(signed.pages) == len(original.pages) + 1
    box_page = document.signature_boxes[0]["page"]
    text = " ".join(signed.pages[box_page].extract_text().split())
    for user, role in (
        (world.a.apprentice_user, "apprenti·e"), (world.a.employer_user, "employeur"), (world.coordinator, "organisme de formation"),
    ):
        assert f"Signé électroniquement par {user.get_full_name()} ({role}) le 28/11/2026 à 10:00 (heure de Paris)" in text
    # The original text is still there, the certificate page still ends the file with the original's hash.
    assert "Pour l'employeur" in text
    certificate = " ".join(signed.pages[-1].extract_text().split())
    assert "Certificat de signature électronique" in certificate
    assert signature_request.document_sha256 == document.sha256 in certificate
    assert {s.signed_sha256 for s in signature_request.signers.all()} == {document.sha256}
    assert not any("Signé électroniquement" in page.extract_text() for page in original.pages)


def test_the_cerfa_sheet_has_the_boxes_of_the_employer_the_apprentice_and_the_cfas_visa(contract):
    document = generate_document(kind=DocumentKind.CERFA, contract=contract, by=None, today=TODAY)
    assert sorted(box["role"] for box in document.signature_boxes) == ["apprentice", "employer", "organisation"]


def test_a_signer_without_a_box_is_only_on_the_certificate(time_machine):
    from tests.factories.web import make_world

    time_machine.move_to(NOW, tick=False)
    world = make_world()
    # The remuneration schedule has no signature box (the Cerfa sheet and the convention have).
    document = generate_document(kind=DocumentKind.REMUNERATION_SCHEDULE, contract=world.a.contract, by=None, today=TODAY)
    assert document.signature_boxes == []
    signature_request = signature_request_create(document=document, by=world.coordinator)
    for signer in signature_request.signers.select_related("user").order_by("pk"):
        signature_sign(signer=signer, by=signer.user, ip_address="203.0.113.7", user_agent="Firefox", confirmed=True)
    signature_request.refresh_from_db()
    signed = PdfReader(io.BytesIO(document_read(signature_request.signed_document)))
    assert not any("Signé électroniquement par" in page.extract_text() for page in signed.pages[:-1])
    assert world.coordinator.get_full_name() in signed.pages[-1].extract_text()


def test_no_signature_request_on_an_outdated_document():
    from contracts.signatures import SignatureError
    from tests.factories.web import make_world

    world = make_world()
    document = generate_document(kind=DocumentKind.CONVENTION, contract=world.a.contract, by=None, today=TODAY)
    _set(world.a.contract, "apprentice", "city", "Lyon")
    with pytest.raises(SignatureError) as refused:
        signature_request_create(document=Document.objects.get(pk=document.pk), by=world.coordinator)
    assert str(refused.value) == (
        "Ce document est périmé : des données ont changé depuis sa génération (Apprenti·e : commune). Régénérez-le dans le "
        "panneau « Documents », puis demandez les signatures sur la nouvelle version."
    )


def test_a_pending_request_on_a_document_gone_stale_is_flagged_not_invalidated(client):
    from contracts.choices import SignatureRequestStatus
    from tests.factories.web import make_world

    world = make_world()
    contract = world.a.contract
    document = generate_document(kind=DocumentKind.CONVENTION, contract=contract, by=None, today=TODAY)
    signature_request = signature_request_create(document=document, by=world.coordinator)
    client.force_login(world.coordinator)
    url = reverse("contracts:contract_detail", args=[contract.pk])
    assert f'data-outdated-request="{signature_request.pk}"' not in client.get(url).content.decode()

    _set(contract, "apprentice", "city", "Lyon")
    page = client.get(url).content.decode()
    assert f'data-outdated-request="{signature_request.pk}"' in page
    assert "Le document à signer ne montre plus les données actuelles (Apprenti·e : commune)" in page
    signature_request.refresh_from_db()
    assert signature_request.status == SignatureRequestStatus.PENDING


def test_the_employer_sees_the_document_is_outdated_without_a_button_it_cannot_use(client):
    from tests.factories.web import make_world

    world = make_world()
    contract = world.a.contract
    document = generate_document(kind=DocumentKind.CONVENTION, contract=contract, by=None, today=TODAY)
    _set(contract, "apprentice", "city", "Lyon")
    client.force_login(world.a.employer_user)
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert f'data-outdated="{document.pk}">périmé</span>' in page
    assert "Régénérer" not in page


# --- the remuneration schedule follows the SMIC (issue 15 §8) -------------------------------------

@pytest.mark.parametrize(
    ("valid_from", "outdated"),
    [(date(2028, 8, 30), True), (date(2028, 8, 31), True), (date(2028, 9, 1), False)],
    ids=["end-1: applies", "end: applies to the last day", "end+1: after the contract"],
)
def test_a_new_smic_value_that_applies_to_a_period_makes_the_schedule_outdated(contract, valid_from, outdated):
    """The fixture's contract runs to 31/08/2028: a SMIC entered from a day of the contract changes
    the amount of a period, one in force after its end changes nothing."""
    from contracts.models import SmicRate

    document = generate_document(kind=DocumentKind.REMUNERATION_SCHEDULE, contract=contract, by=None, today=TODAY)
    SmicRate.objects.create(valid_from=valid_from, hourly=Decimal("12.50"), monthly=Decimal("1895.88"), mayotte_monthly=Decimal("1470.00"))

    freshness = documents_freshness(fresh(contract), [Document.objects.get(pk=document.pk)])

    expected = ("Rémunération : périodes, SMIC en vigueur et montants minimaux",) if outdated else ()
    assert freshness[document.pk].changed == expected


def test_a_new_smic_value_does_not_make_the_cerfa_outdated(contract):
    """The Cerfa states percentages with the SMIC of the start: a later revaluation is no reason to sign it again."""
    from contracts.models import SmicRate

    document = generate_document(kind=DocumentKind.CERFA, contract=contract, by=None, today=TODAY)
    SmicRate.objects.create(valid_from=date(2027, 1, 1), hourly=Decimal("12.50"), monthly=Decimal("1895.88"), mayotte_monthly=Decimal("1470.00"))

    assert documents_freshness(fresh(contract), [Document.objects.get(pk=document.pk)])[document.pk].changed == ()
