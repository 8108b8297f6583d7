"""Builders shared by the Tableau de bord tests (test_tdb_*.py): coherent learners and contracts
on top of the shared factories, and a complete valid row for the pure rule tests."""

from __future__ import annotations

from datetime import date, timedelta

from alternance.choices import ApprenticeStatus
from alternance.tdb.columns import NAMES
from alternance.tdb.rules import Source, TdbRow
from contracts.choices import ContractStatus, RuptureKind
from tests.factories.alternance import ApprenticeFactory, CohortFactory, ProgrammeFactory
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import ContractFactory

TEMPLATE_SIRET = "73282932000074"  # a valid SIRET (Luhn) used as the organisation's in the tests
OF_UAI = "0751234J"


def learner(*, cohort=None, **fields):
    """A learner of a cohort running 1 Sept 2026 → 30 June 2028 (BTS, 24 months) unless told."""
    if cohort is None:
        programme = ProgrammeFactory()
        cohort = CohortFactory(programme=programme)
    return ApprenticeFactory(cohort=cohort, **fields)


def contract(apprentice, *, start: date, end: date, company=None, status=ContractStatus.IN_PROGRESS,
             rupture: date | None = None, kind_of_rupture: str = RuptureKind.MUTUAL_AGREEMENT, **fields):
    """A signed-or-later contract from ``start`` to ``end``; broken on ``rupture`` when given."""
    values = dict(
        apprentice=apprentice, company=company or CompanyFactory(), status=status, start_date=start, end_date=end,
        signature_date=start - timedelta(days=5), practical_training_start_date=None, training_start_date=start,
    )
    if rupture:
        values.update(status=ContractStatus.BROKEN, rupture_date=rupture, rupture_kind=kind_of_rupture, rupture_cause="Note interne")
    values.update(fields)
    return ContractFactory(**values)


def under_contract(apprentice) -> None:
    apprentice.status = ApprenticeStatus.UNDER_CONTRACT
    apprentice.save(update_fields=["status"])


def valid_values() -> dict:
    """Every column of the template filled with a value its rule accepts (the template's own
    example row, with a UAI and SIRETs whose check keys are right), one contract broken and a
    second one running."""
    values = dict.fromkeys(NAMES)
    values.update(
        nom_apprenant="Dupuis", prenom_apprenant="Gaston", date_de_naissance_apprenant=date(1998, 1, 24), sexe_apprenant="F",
        code_postal_de_naissance_apprenant="44400", email_contact="gaston.dupuis@domain.tld",
        adresse_apprenant="64 bis, route de Paris", code_postal_apprenant="44000", ine_apprenant="1234567890A",
        tel_apprenant="0612345678", rqth_apprenant=True, date_rqth_apprenant=date(2023, 8, 22),
        responsable_apprenant_mail1="marc.dupuis@domain.tld", responsable_apprenant_mail2="jeanne.dupuis@domain.tld",
        dernier_organisme_uai=OF_UAI, derniere_situation="4101", type_cfa="10",
        etablissement_responsable_uai=OF_UAI, etablissement_responsable_siret=TEMPLATE_SIRET,
        etablissement_formateur_uai=OF_UAI, etablissement_formateur_siret=TEMPLATE_SIRET,
        etablissement_lieu_de_formation_uai=OF_UAI, etablissement_lieu_de_formation_siret=TEMPLATE_SIRET,
        etablissement_lieu_de_formation_adresse="64 bis, route de Paris", etablissement_lieu_de_formation_code_postal="44000",
        annee_scolaire="2024-2025", annee_formation=2, formation_rncp="RNCP12345", formation_cfd="50022145",
        date_inscription_formation=date(2022, 9, 28), date_entree_formation=date(2022, 9, 28), date_fin_formation=date(2025, 6, 30),
        duree_theorique_formation_mois=12, libelle_court_formation="CAP PATISSIER", obtention_diplome_formation=True,
        date_obtention_diplome_formation=date(2025, 7, 4), date_exclusion_formation=date(2025, 6, 1),
        cause_exclusion_formation="Absences répétées et injustifiées", formation_presentielle=True,
        nom_referent_handicap_formation="Dumas", prenom_referent_handicap_formation="Sylvie",
        email_referent_handicap_formation="sylvie.dumas@domain.tld",
        contrat_date_debut=date(2023, 1, 11), contrat_date_fin=date(2024, 6, 30), siret_employeur="51137177500293",
        contrat_date_rupture=date(2024, 6, 11), cause_rupture_contrat="Absences répétées et injustifiées",
        contrat_date_debut_2=date(2024, 7, 1), contrat_date_fin_2=date(2025, 6, 30), siret_employeur_2="47241089300060",
    )
    return values


def row_of(values: dict, **facts) -> TdbRow:
    apprentice = Source("apprentice", 1, "Gaston Dupuis")
    sources = {
        "siret_employeur": Source("company", 10, "Boulangerie Alpha"),
        "siret_employeur_2": Source("company", 11, "Garage Bêta"),
        "contrat_date_debut_2": Source("contract", 21, "n° 21 (Garage Bêta)"),
    }
    defaults = {"ruptured": (True, False), "dropped_out": False, "extra_contracts": ()}
    defaults.update(facts)
    return TdbRow(apprentice_id=1, name="Gaston Dupuis", values=values, sources=sources, default_source=apprentice, **defaults)
