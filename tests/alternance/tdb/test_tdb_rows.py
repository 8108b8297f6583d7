"""Rows of the Tableau de bord built from our records: who belongs to a school year, the values of
each column, up to four successive contracts (a fifth is reported), amendments merged, rejected
rows with messages naming the record to fix, and a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import ApprenticeStatus, ExitReason
from alternance.tdb.columns import NAMES
from alternance.tdb.rows import training_year
from alternance.tdb.school_year import SchoolYear, parse_school_year, school_year_of
from alternance.tdb.services import TdbExportBlocked, tdb_check, tdb_file
from companies.models import Company
from contracts.choices import ContractKind, ContractStatus, DismissalGround, RuptureKind
from tests.alternance.tdb.tdb_support import contract, learner, under_contract
from tests.factories.alternance import CohortFactory, ProgrammeFactory, SiteFactory
from tests.factories.companies import CompanyFactory

pytestmark = pytest.mark.django_db


def rows_by_id(check):
    return {row.apprentice_id: row for row in check.ok_rows + check.rejected_rows}


def cohort(start: date, end: date, **programme):
    return CohortFactory(programme=ProgrammeFactory(**programme), start_date=start, end_date=end, exams_end_date=None)


# --- school years ----------------------------------------------------------------------------------


def test_a_school_year_runs_from_september_to_august():
    year = parse_school_year(" 2026-2027 ")
    assert (year.label, year.start, year.end) == ("2026-2027", date(2026, 9, 1), date(2027, 8, 31))
    assert school_year_of(date(2026, 8, 31)) == SchoolYear(2025)
    assert school_year_of(date(2026, 9, 1)) == SchoolYear(2026)
    for wrong in ("2026-2028", "2026/2027", "26-27", ""):
        with pytest.raises(ValueError, match="AAAA-AAAA"):
            parse_school_year(wrong)


@pytest.mark.parametrize(
    ("training_start", "first_year", "expected"),
    [
        (date(2026, 9, 1), 2026, 1),
        (date(2026, 9, 1), 2027, 2),
        (date(2026, 9, 1), 2028, 3),
        (date(2025, 9, 1), 2026, 2),
        (date(2027, 1, 15), 2026, 1),  # starts after the census date of its first school year
        (date(2027, 1, 15), 2027, 1),  # not a whole year on 31/12/2027
        (date(2027, 1, 15), 2028, 2),
    ],
)
def test_annee_formation_counts_whole_years_from_the_entry_to_31_december(training_start, first_year, expected):
    assert training_year(training_start, SchoolYear(first_year)) == expected


def test_a_learner_belongs_to_the_school_years_its_training_meets():
    current = cohort(date(2026, 9, 1), date(2028, 6, 30))
    finished = cohort(date(2024, 9, 1), date(2026, 6, 30))
    future = cohort(date(2027, 9, 1), date(2029, 6, 30))
    spring = cohort(date(2027, 3, 1), date(2028, 2, 29), duration_months=12)
    running = cohort(date(2025, 9, 1), date(2027, 6, 30))
    in_year = learner(cohort=current)
    gone_before = learner(cohort=finished)
    not_yet = learner(cohort=future)
    spring_start = learner(cohort=spring)
    left_in_august = learner(cohort=running, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 8, 15))
    left_in_october = learner(cohort=running, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 15))

    year_2026 = rows_by_id(tdb_check(school_year="2026-2027"))
    year_2025 = rows_by_id(tdb_check(school_year="2025-2026"))

    assert set(year_2026) == {in_year.pk, spring_start.pk, left_in_october.pk}
    assert set(year_2025) == {gone_before.pk, left_in_august.pk, left_in_october.pk}
    assert not_yet.pk not in year_2026 | year_2025
    assert year_2026[left_in_october.pk].values["date_exclusion_formation"] == date(2026, 10, 15)
    assert year_2025[left_in_august.pk].values["date_exclusion_formation"] == date(2026, 8, 15)
    assert (year_2026[spring_start.pk].values["annee_formation"], year_2026[left_in_october.pk].values["annee_formation"]) == (1, 2)


def test_the_cause_of_exclusion_is_the_reason_chosen_when_the_learner_left_the_of():
    running = cohort(date(2025, 9, 1), date(2027, 6, 30))
    with_reason = learner(cohort=running, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 15),
                          exit_reason=ExitReason.REORIENTATION)
    without_reason = learner(cohort=running, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 16))
    staying = learner(cohort=running)

    rows = rows_by_id(tdb_check(school_year="2026-2027"))

    assert [rows[a.pk].values["cause_exclusion_formation"] for a in (with_reason, without_reason, staying)] == [
        "Réorientation vers une autre formation", None, None]


# --- values ----------------------------------------------------------------------------------------


def test_a_row_carries_the_learner_the_training_and_the_organisation(settings):
    settings.TDB_EXPORT = {**settings.TDB_EXPORT, "type_cfa": "09", "referent_handicap_nom": "Dumas",
                           "referent_handicap_prenom": "Sylvie", "referent_handicap_email": "handicap@cfa.test"}
    training = cohort(date(2025, 9, 1), date(2027, 6, 30), title="BTS Management commercial opérationnel",
                      short_title="BTS MCO", rncp_code="RNCP38362", cfd_code="32031213", duration_months=24)
    apprentice = learner(
        cohort=training, last_name="Martin", usage_name="Martin-Durand", first_name="Alice", sex="F",
        birth_date=date(2005, 3, 14), email="alice@example.test", address="12 rue des Lilas", postal_code="75011",
        ine="1234567890a", phone="06 12 34 56 78", rqth=True, rqth_date=date(2024, 5, 2),
        legal_representative_email="parent@example.test", enrolment_date=date(2025, 6, 20), training_start_date=date(2025, 9, 1),
    )

    [row] = tdb_check(school_year="2026-2027").ok_rows

    expected = dict.fromkeys(NAMES)
    expected.update(
        nom_apprenant="Martin-Durand", prenom_apprenant="Alice", date_de_naissance_apprenant=date(2005, 3, 14),
        sexe_apprenant="F", email_contact="alice@example.test", adresse_apprenant="12 rue des Lilas",
        code_postal_apprenant="75011", ine_apprenant="1234567890A", tel_apprenant="0612345678", rqth_apprenant=True,
        date_rqth_apprenant=date(2024, 5, 2), responsable_apprenant_mail1="parent@example.test",
        dernier_organisme_uai="0751234J",  # already in training with us in 2025-2026
        type_cfa="09",
        etablissement_responsable_uai="0751234J", etablissement_responsable_siret="73282932000074",
        etablissement_formateur_uai="0751234J", etablissement_formateur_siret="73282932000074",
        annee_scolaire="2026-2027", annee_formation=2, formation_rncp="RNCP38362", formation_cfd="32031213",
        date_inscription_formation=date(2025, 6, 20), date_entree_formation=date(2025, 9, 1),
        date_fin_formation=date(2027, 6, 30), duree_theorique_formation_mois=24, libelle_court_formation="BTS MCO",
        nom_referent_handicap_formation="Dumas", prenom_referent_handicap_formation="Sylvie",
        email_referent_handicap_formation="handicap@cfa.test",
    )
    assert row.apprentice_id == apprentice.pk
    assert row.values == expected


def test_the_training_place_is_the_cohorts_site_else_the_settings(settings):
    settings.TDB_EXPORT = {**settings.TDB_EXPORT, "lieu_formation_uai": "0751235K", "lieu_formation_siret": "73282932000074",
                           "lieu_formation_adresse": "1 rue du Centre, Paris", "lieu_formation_code_postal": "75011"}
    on_site = learner(cohort=CohortFactory(site=SiteFactory(uai="0693045K", siret="35600000000048", address="3 rue Crépet",
                                                            postal_code="69007", city="Lyon")))
    at_the_of = learner()

    rows = rows_by_id(tdb_check(school_year="2026-2027"))

    def place(apprentice):
        return [rows[apprentice.pk].values[f"etablissement_lieu_de_formation_{c}"] for c in ("uai", "siret", "adresse", "code_postal")]

    assert place(on_site) == ["0693045K", "35600000000048", "3 rue Crépet, Lyon", "69007"]
    assert place(at_the_of) == ["0751235K", "73282932000074", "1 rue du Centre, Paris", "75011"]


def test_a_first_year_learner_has_no_previous_establishment():
    apprentice = learner()
    [row] = tdb_check(school_year="2026-2027").ok_rows
    assert (row.apprentice_id, row.values["dernier_organisme_uai"], row.values["annee_formation"]) == (apprentice.pk, None, 1)


def test_four_successive_contracts_with_ruptures_land_in_columns_1_to_4():
    apprentice = learner()
    under_contract(apprentice)
    alpha, beta, gamma, delta = (CompanyFactory(name=name) for name in ("Alpha", "Bêta", "Gamma", "Delta"))
    contract(apprentice, company=alpha, start=date(2026, 9, 1), end=date(2028, 6, 30), rupture=date(2026, 10, 10),
             kind_of_rupture=RuptureKind.FREE_PERIOD)
    contract(apprentice, company=beta, start=date(2026, 11, 2), end=date(2028, 6, 30), rupture=date(2027, 1, 20),
             kind_of_rupture=RuptureKind.RESIGNATION, mediator_referral_date=date(2027, 1, 5))
    contract(apprentice, company=gamma, start=date(2027, 2, 1), end=date(2028, 6, 30), rupture=date(2027, 4, 30),
             kind_of_rupture=RuptureKind.DISMISSAL, dismissal_ground=DismissalGround.SERIOUS_MISCONDUCT)
    contract(apprentice, company=delta, start=date(2027, 5, 15), end=date(2028, 6, 30))

    [row] = tdb_check(school_year="2026-2027").ok_rows

    contracts = {name: row.values[name] for name in NAMES if "contrat" in name or "siret_employeur" in name}
    assert contracts == {
        "contrat_date_debut": date(2026, 9, 1), "contrat_date_fin": date(2028, 6, 30), "siret_employeur": alpha.siret,
        "contrat_date_rupture": date(2026, 10, 10),
        "cause_rupture_contrat": "rupture pendant les 45 premiers jours de formation pratique en entreprise",
        "contrat_date_debut_2": date(2026, 11, 2), "contrat_date_fin_2": date(2028, 6, 30), "siret_employeur_2": beta.siret,
        "contrat_date_rupture_2": date(2027, 1, 20), "cause_rupture_contrat_2": "démission de l'apprenti après saisine du médiateur",
        "contrat_date_debut_3": date(2027, 2, 1), "contrat_date_fin_3": date(2028, 6, 30), "siret_employeur_3": gamma.siret,
        "contrat_date_rupture_3": date(2027, 4, 30), "cause_rupture_contrat_3": "licenciement pour faute grave",
        "contrat_date_debut_4": date(2027, 5, 15), "contrat_date_fin_4": date(2028, 6, 30), "siret_employeur_4": delta.siret,
        "contrat_date_rupture_4": None, "cause_rupture_contrat_4": None,
    }
    assert row.ruptured == (True, True, True, False)


def test_a_fifth_contract_rejects_the_row_with_the_list_instead_of_dropping_it():
    apprentice = learner()
    for number, (start, rupture) in enumerate([
        (date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 5), date(2026, 11, 30)), (date(2026, 12, 5), date(2027, 1, 31)),
        (date(2027, 2, 5), date(2027, 3, 31)), (date(2027, 4, 5), None),
    ], start=1):
        contract(apprentice, company=CompanyFactory(name=f"Employeur {number}"), start=start, end=date(2028, 6, 30), rupture=rupture)

    check = tdb_check(school_year="2026-2027")

    assert check.ok_rows == []
    [row] = check.rejected_rows
    assert [p.column for p in row.problems] == ["contrats"]
    assert "5 contrats d'apprentissage" in row.problems[0].message
    assert "Employeur 5 du 05/04/2027 au 30/06/2028" in row.problems[0].message
    assert row.values["siret_employeur_4"] == Company.objects.get(name="Employeur 4").siret


def test_an_amendment_is_the_same_contract_with_its_latest_end():
    apprentice = learner()
    original = contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30))
    contract(apprentice, company=original.company, start=date(2026, 9, 1), end=date(2028, 8, 31), contract_type=33,
             amends=original, amendment_effective_date=date(2027, 3, 1), signature_date=date(2027, 2, 20))

    [row] = tdb_check(school_year="2026-2027").ok_rows

    assert (row.values["contrat_date_debut"], row.values["contrat_date_fin"], row.values["siret_employeur"]) == (
        date(2026, 9, 1), date(2028, 8, 31), original.company.siret,
    )
    assert row.values["contrat_date_debut_2"] is None


def test_only_signed_apprenticeship_contracts_started_by_the_end_of_the_year_count():
    apprentice = learner()
    kept = contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), status=ContractStatus.ENDED)
    contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), status=ContractStatus.DRAFT, signature_date=None)
    contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), status=ContractStatus.AWAITING_SIGNATURES)
    contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), status=ContractStatus.REFUSED)
    contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), kind=ContractKind.PROFESSIONALISATION)
    contract(apprentice, start=date(2027, 9, 1), end=date(2028, 6, 30))  # next school year

    [row] = tdb_check(school_year="2026-2027").ok_rows

    assert (row.values["contrat_date_debut"], row.values["siret_employeur"], row.values["contrat_date_debut_2"]) == (
        kept.start_date, kept.company.siret, None,
    )


def test_a_learner_under_a_professionalisation_contract_only_is_not_reported():
    pro = learner(last_name="Pro")
    contract(pro, start=date(2026, 9, 1), end=date(2027, 8, 31), kind=ContractKind.PROFESSIONALISATION)
    seeking = learner(last_name="Sanscontrat")

    check = tdb_check(school_year="2026-2027")

    assert [row.apprentice_id for row in check.ok_rows] == [seeking.pk]
    assert check.professionalisation_only == [(pro.pk, pro.full_name)]


def test_the_rupture_cause_is_the_rupture_type_never_the_internal_note():
    apprentice = learner()
    contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), rupture=date(2026, 12, 1),
             kind_of_rupture=RuptureKind.DISMISSAL, dismissal_ground=DismissalGround.MEDICAL_INAPTITUDE,
             rupture_cause="Dépression, arrêt de travail (confidentiel)")
    [row] = tdb_check(school_year="2026-2027").ok_rows
    assert row.values["cause_rupture_contrat"] == "inaptitude constatée par la médecine du travail"
    assert "confidentiel" not in str(row.values)


@pytest.mark.parametrize(("remote", "expected"), [(None, None), (0, True), (400, True), (1350, False)])
def test_formation_presentielle_is_no_only_when_the_training_is_all_remote(remote, expected):
    apprentice = learner()
    contract(apprentice, start=date(2026, 9, 1), end=date(2028, 6, 30), training_hours=1350, remote_training_hours=remote)
    [row] = tdb_check(school_year="2026-2027").ok_rows
    assert row.values["formation_presentielle"] is expected


# --- rejected rows ---------------------------------------------------------------------------------


def test_a_wrong_employer_siret_rejects_the_row_and_names_the_company():
    good = learner(last_name="Alpha")
    contract(good, start=date(2026, 9, 1), end=date(2028, 6, 30))
    bad = learner(last_name="Beta")
    contract(bad, start=date(2026, 9, 1), end=date(2026, 12, 31), rupture=date(2026, 11, 15))
    second = contract(bad, company=CompanyFactory(name="Garage Bêta"), start=date(2027, 1, 4), end=date(2028, 6, 30))
    # A 14-digit SIRET whose check key is wrong (the database only checks the 14 digits).
    Company.objects.filter(pk=second.company_id).update(siret="12345678901234")

    check = tdb_check(school_year="2026-2027")

    assert [row.apprentice_id for row in check.ok_rows] == [good.pk]
    [row] = check.rejected_rows
    assert row.rejection() == {
        "apprentice_id": bad.pk,
        "name": bad.full_name,
        "problems": [{
            "column": "siret_employeur_2",
            "message": "SIRET employeur du contrat 2 invalide (« 12345678901234 ») : 14 chiffres (SIREN + NIC) avec une clé "
                       "de contrôle valide attendu. Corrigez la fiche de l'entreprise Garage Bêta.",
            "source": "company",
            "source_id": second.company_id,
        }],
    }


def test_a_phone_number_the_dashboard_refuses_rejects_the_row_and_names_the_learner():
    # 07 00 to 07 29 are not allocated: the dashboard answers « Numéro de téléphone invalide ».
    apprentice = learner(first_name="Zoé", last_name="Roux", phone="07 00 12 34 56")
    [row] = tdb_check(school_year="2026-2027").rejected_rows
    [problem] = row.problems
    assert (row.apprentice_id, problem.column, problem.source.kind, problem.source.pk) == (apprentice.pk, "tel_apprenant", "apprentice", apprentice.pk)
    assert problem.message == (
        "Téléphone de l'apprenti·e invalide (« 07 00 12 34 56 ») : un numéro attribué du plan de numérotation (par "
        "exemple 06 12 34 56 78, ou +262 692 12 34 56 outre-mer) attendu. Corrigez la fiche de l'apprenti·e Zoé Roux."
    )


@pytest.mark.parametrize(("typed", "written"), [
    ("06 12 34 56 78", "0612345678"),
    ("00 33 6 12 34 56 78", "0612345678"),  # the international prefix 00 is read as the dashboard reads it
    ("06 92 12 34 56", "+262692123456"),  # Réunion: the dashboard stores overseas numbers in E.164
    ("+262 692 12 34 56", "+262692123456"),
    ("05 90 12 34 56", "+590590123456"),  # Guadeloupe
])
def test_the_phone_is_written_as_the_dashboard_stores_it(typed, written):
    learner(phone=typed)
    [row] = tdb_check(school_year="2026-2027").ok_rows
    assert row.values["tel_apprenant"] == written


def test_wrong_organisation_settings_block_the_export(settings):
    learner()
    settings.ORGANISATION = {**settings.ORGANISATION, "uai": "0751234A"}
    settings.TDB_EXPORT = {**settings.TDB_EXPORT, "formateur_uai": ""}

    check = tdb_check(school_year="2026-2027")

    assert check.blocked and check.ok_rows == [] and check.rejected_rows == []
    assert [(p.column, p.source.label) for p in check.organisation_problems] == [
        ("etablissement_responsable_uai", "OF_UAI"), ("etablissement_formateur_uai", "TDB_FORMATEUR_UAI"),
    ]
    with pytest.raises(TdbExportBlocked, match="OF_UAI"):
        tdb_file(school_year="2026-2027", fmt="xlsx")


# --- queries ---------------------------------------------------------------------------------------


def test_building_the_rows_takes_two_queries_whatever_the_number_of_learners():
    def build() -> int:
        with CaptureQueriesContext(connection) as queries:
            tdb_check(school_year="2026-2027")
        return len(queries.captured_queries)

    first = learner()
    contract(first, start=date(2026, 9, 1), end=date(2026, 12, 31), rupture=date(2026, 11, 15))
    assert build() == 2
    for index in range(4):
        apprentice = learner(cohort=first.cohort)
        contract(apprentice, start=date(2026, 9, 1), end=date(2026, 12, 31), rupture=date(2026, 11, 15))
        contract(apprentice, start=date(2027, 1, 4), end=date(2028, 6, 30))
    assert build() == 2
    assert len(tdb_check(school_year="2026-2027").ok_rows) == 5
