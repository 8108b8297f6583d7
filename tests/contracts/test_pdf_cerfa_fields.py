"""The Cerfa data sheet has every field of the official form (issue 15 §7), field by field.

``reference/cerfa_10103-12_blank.txt`` is the text of the blank form Cerfa FA13 n° 10103*12 as
``pdftotext`` reads it (the PDF published on service-public.fr, without ``-layout``). ``LABELS``
lists the form's field labels; the first test proves each one is on the blank form, the second that
our sheet, rendered by WeasyPrint and read back with ``pdftotext``, prints it. The comparison
ignores case, runs of whitespace, the apostrophe's shape and the space after « N° ».
"""

import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from companies.models import Company
from contracts.choices import ContractType
from contracts.models import Contract, OpcoFile
from contracts.pdf import cerfa_pdf, format_hours_minutes, previous_contract_number
from tests.factories.contracts import ContractFactory, OpcoFileFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
BLANK = Path(__file__).parent / "reference" / "cerfa_10103-12_blank.txt"

# The blank form's labels, section by section. « | » joins the parts of a label that the blank's
# two-column layout interleaves with another field's words.
LABELS = [
    # L'employeur
    "Mode contractuel de l'apprentissage", "L'employeur", "Nom et prénom ou dénomination",
    "N°SIRET de l'établissement d'exécution du contrat", "Adresse de l'établissement d'exécution du contrat", "Code postal",
    "Commune", "Téléphone", "Courriel", "Type d'employeur", "Employeur spécifique", "Code activité de l'entreprise (NAF)",
    "Effectif total salariés de l'entreprise", "Code IDCC de la convention collective applicable",
    "Pour les employeurs du secteur public, adhésion de l'apprenti au régime spécifique d'assurance chômage",
    # L'apprenti(e)
    "L'apprenti(e)", "Nom de naissance de l'apprenti(e)", "Nom d'usage", "Le premier prénom de l'apprenti(e) selon l'état civil",
    "NIR de l'apprenti(e)", "Date de naissance", "Adresse de l'apprenti(e)", "Sexe", "Département de naissance",
    "Commune de naissance", "Nationalité", "Régime social", "Déclare être inscrit sur la liste des sportifs de haut niveau",
    "Déclare bénéficier de la reconnaissance travailleur handicapé",
    "Représentant légal (à renseigner si l'apprenti est mineur non émancipé)", "Nom de naissance et prénom",
    "Adresse du représentant légal", "Situation avant ce contrat", "Dernier diplôme ou titre préparé",
    "Dernière classe / année suivie", "Intitulé précis du dernier diplôme ou titre préparé",
    "Diplôme ou titre le plus élevé obtenu", "Déclare avoir un projet de création ou de reprise d'entreprise",
    # Le maître d'apprentissage
    "Le maître d'apprentissage", "Maître d'apprentissage n°1", "Maître d'apprentissage n°2", "Nom de naissance", "Prénom",
    "Emploi occupé", "Niveau de diplôme ou titre le plus élevé obtenu",
    "L'employeur atteste sur l'honneur que le maître d'apprentissage répond à l'ensemble des critères d'éligibilité à cette fonction",
    # Le contrat
    "Le contrat", "Type de contrat ou d'avenant", "Type de dérogation",
    "Numéro du contrat précédent ou du contrat sur lequel porte l'avenant", "Date de conclusion",
    "Date de signatures du présent contrat", "Date de début d'exécution du | contrat",
    "Date de début de formation pratique chez l'employeur", "Si avenant, date d'effet", "Durée hebdomadaire du travail",
    "Date de fin du contrat ou de la période | d'apprentissage",
    "Travail sur machines dangereuses ou exposition à des risques particuliers", "Rémunération",
    "Salaire brut mensuel à l'embauche", "Caisse de retraite complémentaire", "Avantages en nature, le cas échéant",
    "Nourriture", "Logement", "Autre",
    # La formation
    "La formation", "CFA d'entreprise", "Dénomination du CFA responsable", "N°UAI du CFA", "N°SIRET CFA",
    "Adresse du CFA responsable", "Diplôme ou titre visé par l'apprenti", "Intitulé précis", "Code du diplôme", "Code RNCP",
    "Organisation de la formation en CFA", "Date de début de formation en CFA", "Date prévue de fin des épreuves ou examens",
    "Durée de la formation", "Lieu principal de réalisation de la formation", "Dénomination du lieu de formation principal",
    "N°UAI", "N°SIRET", "Adresse du lieu de formation principal", "Visa du CFA (cachet et signature du directeur)",
    # Attestation and signatures
    "L'employeur atteste disposer de l'ensemble des pièces justificatives nécessaires au dépôt du contrat", "Fait à",
    "Signature de l'employeur", "Signature de l'apprenti(e)", "Signature du représentant légal de l'apprenti(e) mineur(e)",
    # The box of the organisation in charge of the deposit
    "Cadre réservé à l'organisme en charge du dépôt du contrat", "Nom de l'organisme", "N°SIRET de l'organisme",
    "Date de réception du dossier complet", "Date de la décision", "N° de dépôt", "Numéro d'avenant",
]


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    text = " ".join(text.split()).casefold()
    return text.replace("n° ", "n°")


# The running header and footer of every page: pdftotext puts them among a row split by a page break.
RUNNING = re.compile(r"^(Fiche de données du contrat — établi le .*|Page \d+ / \d+|.* — UAI \w+ — SIRET \d+)$")


def pdftotext(data: bytes) -> str:
    """The sheet's text as ``pdftotext`` reads it, without the running header and footer."""
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return "\n".join(line for line in text.splitlines() if not RUNNING.match(line.strip()))


def test_every_label_of_the_list_is_on_the_blank_form():
    blank = normalise(BLANK.read_text(encoding="utf-8"))
    missing = [label for label in LABELS if any(normalise(part) not in blank for part in label.split(" | "))]
    assert missing == []


def test_the_sheet_prints_every_field_label_of_the_blank_form(contract):
    sheet = normalise(pdftotext(cerfa_pdf(contract, today=TODAY)))
    missing = [label for label in LABELS if normalise(label.replace(" | ", " ")) not in sheet]
    assert missing == []


def test_the_sheet_prints_the_new_fields_values(contract, settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "address": "12 rue des Écoles, 75005 Paris"}
    Company.objects.filter(pk=contract.company_id).update(is_public=True)
    Contract.objects.filter(pk=contract.pk).update(
        public_unemployment_insurance=True, employer_holds_documents=True, signature_place="Lyon", weekly_hours=Decimal("17.5"),
    )
    contract.apprentice.last_diploma_title = "Baccalauréat professionnel Systèmes numériques"
    contract.apprentice.save(update_fields=["last_diploma_title"])
    OpcoFileFactory(contract=contract, opco="Atlas", deposit_organisation_name="", deposit_organisation_siret="73282932000074")
    contract = Contract.objects.get(pk=contract.pk)

    sheet = normalise(pdftotext(cerfa_pdf(contract, today=TODAY)))

    for expected in (
        "mode contractuel de l'apprentissage employeur « public »",
        "adhésion de l'apprenti au régime spécifique d'assurance chômage oui",
        "intitulé précis du dernier diplôme ou titre préparé baccalauréat professionnel systèmes numériques",
        "adresse du cfa responsable 12 rue des écoles, 75005 paris",
        "organisation de la formation en cfa 2 jours cfa / 3 jours entreprise",
        "le cfa responsable est le lieu de formation principal oui",
        "nécessaires au dépôt du contrat oui",
        "fait à lyon, le 25/08/2026",
        "durée hebdomadaire du travail (heures, minutes) 17 h 30",
        "nom de l'organisme atlas",
        "n°siret de l'organisme 73282932000074",
    ):
        assert expected in sheet, expected
    assert "17,5 h" not in sheet


def test_a_private_employer_has_no_public_unemployment_insurance(contract):
    sheet = normalise(pdftotext(cerfa_pdf(contract, today=TODAY)))
    assert "adhésion de l'apprenti au régime spécifique d'assurance chômage sans objet (employeur privé)" in sheet
    assert "mode contractuel de l'apprentissage employeur privé" in sheet


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (Decimal("35"), "35 h 00"), (Decimal("17.5"), "17 h 30"), (Decimal("17.33"), "17 h 20"), (Decimal("39.99"), "39 h 59"),
        (Decimal("40"), "40 h 00"), (Decimal("1"), "1 h 00"), (Decimal("0.25"), "0 h 15"), (None, "—"),
    ],
)
def test_hours_are_printed_in_hours_and_minutes(hours, expected):
    assert format_hours_minutes(hours).replace("\u00a0", " ") == expected


# --- the number of the previous or amended contract ----------------------------------------------

def amendment_of(contract: Contract, **fields) -> Contract:
    return ContractFactory(
        apprentice=contract.apprentice, company=contract.company, master=contract.master, programme=contract.programme,
        contract_type=ContractType.AMEND_OTHER, amends=contract, amendment_effective_date=date(2027, 1, 4), **fields,
    )


def test_an_amendment_prints_the_deposit_number_of_the_amended_contract(contract):
    OpcoFileFactory(contract=contract, deposit_number="075202609000001")
    amendment = amendment_of(contract)

    sheet = normalise(pdftotext(cerfa_pdf(Contract.objects.get(pk=amendment.pk), today=TODAY)))

    assert "numéro du contrat précédent ou du contrat sur lequel porte l'avenant 075202609000001" in sheet


def test_an_amendment_of_an_amendment_goes_up_to_the_deposited_contract(contract):
    OpcoFileFactory(contract=contract, deposit_number="075202609000001")
    first = amendment_of(contract)
    second = amendment_of(first)

    assert previous_contract_number(second) == "075202609000001"


def test_an_amendment_of_a_contract_not_deposited_yet_falls_back_on_the_number_entered(contract):
    amendment = amendment_of(contract, previous_contract_number="075202608000009")
    assert not OpcoFile.objects.filter(contract=contract).exists()

    assert previous_contract_number(amendment) == "075202608000009"


def test_a_succession_contract_prints_the_number_entered(contract):
    Contract.objects.filter(pk=contract.pk).update(contract_type=ContractType.SUCCESSION_OTHER_EMPLOYER, previous_contract_number="075202409000042")

    assert previous_contract_number(Contract.objects.get(pk=contract.pk)) == "075202409000042"
