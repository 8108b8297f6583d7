"""The columns of the Tableau de bord de l'apprentissage learners file, straight from the official
template (``modele/tdb_modele_import_2025-01-29.xlsx``, sheet « Modèle », row 1; rules from the
sheet « Description des données »).

``header`` is the template's header cell, kept byte for byte — including its marks (`` *`` =
required, `` **`` = required when applicable) and its irregular spacing (``contrat_date_fin_2**``
has no space). ``name`` is the field name of the State's API (``POST /api/v3/dossiers-apprenants``):
the header without its marks. ``number_format``, ``width`` and the header fill are those of the
template, so that the file we produce opens exactly like the template in a spreadsheet.
A test compares this list with the template file itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path

TEMPLATE_PATH = Path(__file__).resolve().parent / "modele" / "tdb_modele_import_2025-01-29.xlsx"
SHEET_NAME = "Modèle"

# Cell formats of the template: Excel's built-in short date (format 14, shown as JJ/MM/AAAA by a
# French Excel), text ("@": keeps the leading zeros of postal codes, UAI, SIRET) and General.
DATE_FORMAT = "mm-dd-yy"
TEXT_FORMAT = "@"
GENERAL_FORMAT = "General"

# The API takes at most 2 000 records per call (domain §7).
API_BATCH_SIZE = 2000


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    INT = "int"
    BOOL = "bool"


class Need(StrEnum):
    REQUIRED = "required"  # "*" in the template: "Oui"
    CONDITIONAL = "conditional"  # "**": "Oui, s'il y a …" / "Oui, le cas échéant"
    OPTIONAL = "optional"  # no mark: "Non"


class Section(StrEnum):
    """The four coloured groups of the template's header row (the fill is the template's)."""

    APPRENTICE = "FFDCB7FB"
    ORGANISATION = "FFF8CBAD"
    TRAINING = "FFFCE900"
    CONTRACT = "FFBDD7EE"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    number_format: str
    width: float
    section: Section
    label: str  # what the column holds, in French, for the messages shown to staff

    @cached_property
    def name(self) -> str:
        return re.sub(r"\s*\*+$", "", self.header).strip()

    @cached_property
    def need(self) -> Need:
        if self.header.endswith("**"):
            return Need.CONDITIONAL
        if self.header.endswith("*"):
            return Need.REQUIRED
        return Need.OPTIONAL


A, ORG, T, C = Section.APPRENTICE, Section.ORGANISATION, Section.TRAINING, Section.CONTRACT
D, X, G = DATE_FORMAT, TEXT_FORMAT, GENERAL_FORMAT


def _contract_columns(number: int, headers: tuple[str, str, str, str, str], widths: tuple[float, ...]) -> list[Column]:
    nth = "1er" if number == 1 else f"{number}e"
    debut, fin, siret, rupture, cause = headers
    return [
        Column(debut, Kind.DATE, D, widths[0], C, f"Date de début du {nth} contrat"),
        Column(fin, Kind.DATE, D, widths[1], C, f"Date de fin du {nth} contrat"),
        Column(siret, Kind.TEXT, X, widths[2], C, f"SIRET employeur du contrat {number}"),
        Column(rupture, Kind.DATE, D, widths[3], C, f"Date de rupture du contrat {number}"),
        Column(cause, Kind.TEXT, G, widths[4], C, f"Cause de rupture du contrat {number}"),
    ]


COLUMNS: tuple[Column, ...] = (
    # Informations concernant l'apprenant
    Column("nom_apprenant *", Kind.TEXT, G, 14.86328125, A, "Nom de l'apprenti·e"),
    Column("prenom_apprenant *", Kind.TEXT, G, 17.73046875, A, "Prénom de l'apprenti·e"),
    Column("date_de_naissance_apprenant *", Kind.DATE, D, 26.1328125, A, "Date de naissance"),
    Column("sexe_apprenant *", Kind.TEXT, G, 14.86328125, A, "Sexe"),
    Column("code_postal_de_naissance_apprenant", Kind.TEXT, X, 30.73046875, A, "Code postal de naissance"),
    Column("email_contact *", Kind.TEXT, G, 22.73046875, A, "E-mail de l'apprenti·e"),
    Column("adresse_apprenant *", Kind.TEXT, G, 17.86328125, A, "Adresse de l'apprenti·e"),
    Column("code_postal_apprenant *", Kind.TEXT, X, 20.73046875, A, "Code postal de l'apprenti·e"),
    Column("ine_apprenant", Kind.TEXT, X, 12.3984375, A, "INE"),
    Column("tel_apprenant", Kind.TEXT, X, 12.1328125, A, "Téléphone de l'apprenti·e"),
    Column("rqth_apprenant", Kind.BOOL, G, 13.3984375, A, "RQTH"),
    Column("date_rqth_apprenant", Kind.DATE, D, 18.0, A, "Date de la RQTH"),
    Column("responsable_apprenant_mail1", Kind.TEXT, G, 24.86328125, A, "E-mail du représentant légal"),
    Column("responsable_apprenant_mail2", Kind.TEXT, G, 24.86328125, A, "E-mail du second représentant légal"),
    Column("dernier_organisme_uai", Kind.TEXT, X, 19.1328125, A, "UAI de l'établissement de l'année précédente"),
    Column("derniere_situation", Kind.TEXT, X, 15.59765625, A, "Situation de l'année précédente (code SIFA)"),
    Column("type_cfa", Kind.TEXT, X, 7.59765625, A, "Type de CFA"),
    # Informations concernant l'organisme de formation
    Column("etablissement_responsable_uai *", Kind.TEXT, X, 27.265625, ORG, "UAI de l'établissement responsable"),
    Column("etablissement_responsable_siret *", Kind.TEXT, X, 28.59765625, ORG, "SIRET de l'établissement responsable"),
    Column("etablissement_formateur_uai *", Kind.TEXT, X, 25.86328125, ORG, "UAI de l'établissement formateur"),
    Column("etablissement_formateur_siret *", Kind.TEXT, X, 27.265625, ORG, "SIRET de l'établissement formateur"),
    Column("etablissement_lieu_de_formation_uai", Kind.TEXT, X, 31.0, ORG, "UAI du lieu de formation"),
    Column("etablissement_lieu_de_formation_siret", Kind.TEXT, X, 32.3984375, ORG, "SIRET du lieu de formation"),
    Column("etablissement_lieu_de_formation_adresse", Kind.TEXT, G, 34.86328125, ORG, "Adresse du lieu de formation"),
    Column("etablissement_lieu_de_formation_code_postal", Kind.TEXT, X, 38.265625, ORG, "Code postal du lieu de formation"),
    # Informations concernant la formation suivie
    Column("annee_scolaire *", Kind.TEXT, G, 13.86328125, T, "Année scolaire"),
    Column("annee_formation *", Kind.INT, G, 15.86328125, T, "Année de formation"),
    Column("formation_rncp *", Kind.TEXT, G, 14.3984375, T, "Code RNCP de la formation"),
    Column("formation_cfd", Kind.TEXT, X, 12.0, T, "Code CFD de la formation"),
    Column("date_inscription_formation *", Kind.DATE, D, 23.86328125, T, "Date d'inscription"),
    Column("date_entree_formation *", Kind.DATE, D, 21.0, T, "Date d'entrée en formation"),
    Column("date_fin_formation *", Kind.DATE, D, 17.59765625, T, "Date de fin de formation"),
    Column("duree_theorique_formation_mois *", Kind.INT, G, 29.3984375, T, "Durée théorique de la formation (mois)"),
    Column("libelle_court_formation", Kind.TEXT, G, 19.59765625, T, "Libellé court de la formation"),
    Column("obtention_diplome_formation", Kind.BOOL, G, 25.1328125, T, "Obtention du diplôme"),
    Column("date_obtention_diplome_formation", Kind.DATE, D, 29.73046875, T, "Date d'obtention du diplôme"),
    Column("date_exclusion_formation **", Kind.DATE, D, 23.73046875, T, "Date d'exclusion ou d'abandon"),
    Column("cause_exclusion_formation", Kind.TEXT, G, 26.86328125, T, "Cause de l'exclusion"),
    Column("formation_presentielle", Kind.BOOL, G, 19.265625, T, "Formation en présentiel"),
    Column("nom_referent_handicap_formation", Kind.TEXT, G, 29.0, T, "Nom du référent handicap"),
    Column("prenom_referent_handicap_formation", Kind.TEXT, G, 31.86328125, T, "Prénom du référent handicap"),
    Column("email_referent_handicap_formation", Kind.TEXT, G, 29.73046875, T, "E-mail du référent handicap"),
    # Informations concernant l'employeur et le contrat (up to four successive contracts)
    *_contract_columns(
        1,
        ("contrat_date_debut **", "contrat_date_fin **", "siret_employeur **", "contrat_date_rupture **", "cause_rupture_contrat"),
        (19.0, 16.265625, 16.265625, 20.3984375, 26.86328125),
    ),
    *_contract_columns(
        2,
        ("contrat_date_debut_2 **", "contrat_date_fin_2**", "siret_employeur_2 **", "contrat_date_rupture_2 **", "cause_rupture_contrat_2"),
        (20.86328125, 17.73046875, 18.1328125, 22.3984375, 26.86328125),
    ),
    *_contract_columns(
        3,
        ("contrat_date_debut_3 **", "contrat_date_fin_3 **", "siret_employeur_3 **", "contrat_date_rupture_3 **", "cause_rupture_contrat_3"),
        (20.86328125, 18.1328125, 18.1328125, 22.3984375, 26.86328125),
    ),
    *_contract_columns(
        4,
        ("contrat_date_debut_4 **", "contrat_date_fin_4 **", "siret_employeur_4 **", "contrat_date_rupture_4 **", "cause_rupture_contrat_4"),
        (20.86328125, 18.1328125, 18.1328125, 22.3984375, 26.86328125),
    ),
)

HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)
NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}

# The template has room for four successive contracts (suffixes "", "_2", "_3", "_4").
MAX_CONTRACTS = 4
CONTRACT_SUFFIXES = ("", "_2", "_3", "_4")


def contract_field(field: str, number: int) -> str:
    """Name of a contract column: ``contract_field("contrat_date_debut", 2)`` → ``contrat_date_debut_2``."""
    return f"{field}{CONTRACT_SUFFIXES[number - 1]}"
