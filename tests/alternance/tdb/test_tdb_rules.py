"""Every format rule of the Tableau de bord template (sheet « Description des données »), each with
a passing and a failing row; the consistency rules; the messages say which record to fix."""

from datetime import date

import pytest

from alternance.tdb.columns import BY_NAME, COLUMNS, Need
from alternance.tdb.rules import FORMAT_CHECKS, organisation_problems, validate_row
from tests.alternance.tdb.tdb_support import row_of, valid_values


def problems_of(values=None, **facts):
    return validate_row(row_of(values if values is not None else valid_values(), **facts))


def test_the_complete_example_row_passes_every_rule():
    assert problems_of() == []


def test_every_column_of_the_template_has_a_format_rule():
    assert set(FORMAT_CHECKS) == {column.name for column in COLUMNS}


# (column, a value the rule accepts, a value it refuses) — one line per rule of the sheet.
FORMAT_CASES = [
    ("nom_apprenant", "Dupuis-Lenôtre d'Arc", 12),
    ("prenom_apprenant", "Gaston", 4),
    ("date_de_naissance_apprenant", date(1998, 1, 24), "24/01/1998"),
    ("sexe_apprenant", "M", "X"),
    ("sexe_apprenant", "F", "Homme"),
    ("email_contact", "gaston.dupuis@domain.tld", "gaston.dupuis@domain"),
    ("email_contact", "gaston.o'neil@domain.tld", "gaston..dupuis@domain.tld"),
    ("email_contact", "g@sub.domain.tld", "gaston@domain.t"),
    ("email_contact", "g_d+cfa@domain.tld", "gaston@domain.123"),
    ("adresse_apprenant", "64 bis, route de Paris", 64),
    ("code_postal_apprenant", "01000", "100000"),
    ("code_postal_apprenant", "75011", "7501A"),
    ("ine_apprenant", "1234567890A", "12345678901"),
    ("ine_apprenant", "123456789AB", "1234567890"),
    ("ine_apprenant", "1234A12345B", "1234B12345B"),
    ("tel_apprenant", "0612345678", "061234567"),
    ("tel_apprenant", "+33612345678", "+3361234567"),
    ("tel_apprenant", "0730123456", "0729999999"),
    ("tel_apprenant", "+262692123456", "0700123456"),
    ("tel_apprenant", "0590123456", "0899123456"),
    ("rqth_apprenant", False, "OUI"),
    ("date_rqth_apprenant", date(2023, 8, 22), "2023-08-22"),
    ("responsable_apprenant_mail1", "marc.dupuis@domain.tld", "marc.dupuis"),
    ("responsable_apprenant_mail2", "jeanne@domain.tld", "jeanne@@domain.tld"),
    ("dernier_organisme_uai", "0751234J", "075123J"),
    ("dernier_organisme_uai", "075", "7"),
    ("dernier_organisme_uai", "974", "979"),
    ("derniere_situation", "4101", "41"),
    ("derniere_situation", "5909", "5910"),
    ("type_cfa", "09", "11"),
    ("type_cfa", "10", "00"),
    ("etablissement_responsable_uai", "0751234J", "0751234A"),
    ("etablissement_responsable_siret", "73282932000074", "73282932000075"),
    ("etablissement_formateur_uai", "0751234J", "751234J"),
    ("etablissement_formateur_siret", "73282932000074", "7328293200007"),
    ("etablissement_lieu_de_formation_uai", "0751234J", "0751234"),
    ("etablissement_lieu_de_formation_uai", "0751234A", "075123JJ"),
    ("etablissement_lieu_de_formation_siret", "73282932000074", "7328293200007A"),
    ("etablissement_lieu_de_formation_adresse", "3 rue de l'Atelier", 3),
    ("etablissement_lieu_de_formation_code_postal", "44000", "440000"),
    ("annee_scolaire", "2024-2025", "2024-2026"),
    ("annee_scolaire", "2024/2025", "2025-2024"),
    ("annee_scolaire", "2024-2024", "0999-1000"),
    ("annee_formation", 5, 6),
    ("annee_formation", 0, -1),
    ("formation_rncp", "RNCP12345", "RNCP1"),
    ("formation_rncp", "RNCP12", "RNCP123456"),
    ("formation_rncp", "12345", "RNCP12A"),
    ("formation_cfd", "50022145", "5002214"),
    ("formation_cfd", "3203X213", "3203X2134"),
    ("formation_cfd", "32031213", "3203-213"),
    ("date_inscription_formation", date(2022, 9, 28), "2022-09-28"),
    ("date_entree_formation", date(2022, 9, 28), "28/09/2022"),
    ("date_fin_formation", date(2025, 6, 30), "2025"),
    ("duree_theorique_formation_mois", 48, 49),
    ("duree_theorique_formation_mois", 1, 0),
    ("libelle_court_formation", "CAP PATISSIER", "C"),
    ("obtention_diplome_formation", False, "VRAI"),
    ("date_obtention_diplome_formation", date(2025, 7, 4), "04/07/2025"),
    ("date_exclusion_formation", date(2025, 6, 1), "01/06/2025"),
    ("cause_exclusion_formation", "Absences répétées et injustifiées", 12),
    ("formation_presentielle", False, "NON"),
    ("nom_referent_handicap_formation", "Dumas", 5),
    ("prenom_referent_handicap_formation", "Sylvie", 5),
    ("email_referent_handicap_formation", "sylvie.dumas@domain.tld", "sylvie.dumas"),
    ("contrat_date_debut", date(2023, 1, 11), "11/01/2023"),
    ("contrat_date_fin", date(2024, 6, 30), "30/06/2024"),
    ("siret_employeur", "51137177500293", "51137177500294"),
    ("contrat_date_rupture", date(2024, 6, 11), "11/06/2024"),
    ("cause_rupture_contrat", "démission", 3),
    ("contrat_date_debut_2", date(2024, 7, 1), "2024-07-01"),
    ("contrat_date_fin_2", date(2025, 6, 30), "2025-06-30"),
    ("siret_employeur_2", "47241089300060", "4724108930006"),
    ("contrat_date_rupture_2", date(2025, 1, 15), "2025-01-15"),
    ("cause_rupture_contrat_2", "résiliation", 0),
]


# What the dashboard accepts today though the template's description (or our former checks) said
# otherwise (schema v3 of 20/08/2026): each must now pass.
ACCEPTED_BY_THE_DASHBOARD = [
    ("nom_apprenant", "Dupuis2"),  # names: any non-empty text (z.string().trim().min(1))
    ("nom_apprenant", "---"),
    ("prenom_apprenant", "G4ston"),
    ("sexe_apprenant", "H"),  # read as M
    ("sexe_apprenant", "2"),  # read as F
    ("code_postal_de_naissance_apprenant", "4440"),  # codePostalOrNull: never refused
    ("code_postal_apprenant", "1000"),  # padded to 01000
    ("adresse_apprenant", "—"),
    ("tel_apprenant", "612345678"),  # read in the French plan without its 0
    ("tel_apprenant", "+262 692 12 34 56"),  # overseas plans (the former regex refused +262)
    ("tel_apprenant", "0262 12 34 56"),
    ("tel_apprenant", "0033612345678"),
    ("ine_apprenant", "1234567890a"),
    ("dernier_organisme_uai", "0751234A"),  # format only (« UAI ou département »)
    ("dernier_organisme_uai", "2A"),
    ("type_cfa", "9"),  # padded to 09
    ("annee_scolaire", "2024 / 2025"),
    ("annee_formation", 0),
    ("formation_rncp", "RNCP12"),
    ("formation_rncp", "rncp 35340"),
    ("formation_cfd", "3203X213"),
    ("formation_cfd", "3203x213"),
    ("nom_referent_handicap_formation", "Dum4s"),
]


@pytest.mark.parametrize(("column", "value"), ACCEPTED_BY_THE_DASHBOARD, ids=[f"{c}:{v!r}" for c, v in ACCEPTED_BY_THE_DASHBOARD])
def test_what_the_dashboard_accepts_passes_our_check(column, value):
    values = valid_values()
    values[column] = value
    assert problems_of(values) == []


@pytest.mark.parametrize(("column", "good", "bad"), FORMAT_CASES, ids=[f"{c}:{b!r}" for c, _g, b in FORMAT_CASES])
def test_a_format_rule_accepts_the_good_value_and_rejects_the_bad_one(column, good, bad):
    values = valid_values()
    if column in ("contrat_date_rupture_2", "cause_rupture_contrat_2"):
        values.update(contrat_date_rupture_2=date(2025, 1, 15), cause_rupture_contrat_2="résiliation")
    # The dates that go with a boolean are left out, so that only the boolean's own rule speaks.
    if column == "rqth_apprenant":
        values["date_rqth_apprenant"] = None
    if column == "obtention_diplome_formation":
        values["date_obtention_diplome_formation"] = None

    values[column] = good
    assert problems_of(values) == []

    values[column] = bad
    problems = problems_of(values)
    assert [p.column for p in problems] == [column]
    assert f"« {bad} »" in problems[0].message
    assert problems[0].message.startswith(f"{BY_NAME[column].label} invalide")


REQUIRED = [column.name for column in COLUMNS if column.need is Need.REQUIRED]


def test_the_required_columns_are_the_starred_ones_of_the_template():
    assert REQUIRED == [
        "nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "sexe_apprenant", "email_contact",
        "adresse_apprenant", "code_postal_apprenant", "etablissement_responsable_uai", "etablissement_responsable_siret",
        "etablissement_formateur_uai", "etablissement_formateur_siret", "annee_scolaire", "annee_formation",
        "formation_rncp", "date_inscription_formation", "date_entree_formation", "date_fin_formation",
        "duree_theorique_formation_mois",
    ]


@pytest.mark.parametrize("column", REQUIRED)
def test_a_required_column_left_empty_rejects_the_row(column):
    values = valid_values()
    values[column] = None
    problems = problems_of(values)
    assert column in [p.column for p in problems]
    missing = next(p for p in problems if p.column == column)
    assert "donnée obligatoire manquante" in missing.message


def test_optional_columns_may_stay_empty():
    values = valid_values()
    for column in COLUMNS:
        if column.need is Need.OPTIONAL:
            values[column.name] = None
    values["date_obtention_diplome_formation"] = None  # goes with obtention_diplome_formation
    assert problems_of(values) == []


def test_the_message_names_the_record_to_fix():
    values = valid_values()
    values["siret_employeur_2"] = "47241089300061"
    [problem] = problems_of(values)
    assert problem.message == (
        "SIRET employeur du contrat 2 invalide (« 47241089300061 ») : 14 chiffres (SIREN + NIC) avec une clé de contrôle "
        "valide attendu. Corrigez la fiche de l'entreprise Garage Bêta."
    )
    assert (problem.source.kind, problem.source.pk) == ("company", 11)
    assert problem.as_dict() == {"column": "siret_employeur_2", "message": problem.message, "source": "company", "source_id": 11}


# --- consistency rules: a passing and a failing row each ----------------------------------------


def _with(**changes):
    values = valid_values()
    values.update(changes)
    return values


CONSISTENCY_CASES = [
    # (id, passing values, failing values, facts, column expected in the failure)
    ("inscription avant entrée", _with(), _with(date_inscription_formation=date(2022, 10, 1)), {}, "date_entree_formation"),
    ("fin après entrée", _with(), _with(date_fin_formation=date(2022, 9, 1)), {}, "date_fin_formation"),
    ("date RQTH avec RQTH", _with(), _with(rqth_apprenant=False), {}, "date_rqth_apprenant"),
    ("diplôme obtenu daté", _with(), _with(date_obtention_diplome_formation=None), {}, "date_obtention_diplome_formation"),
    ("date d'obtention sans diplôme", _with(), _with(obtention_diplome_formation=False), {}, "date_obtention_diplome_formation"),
    ("exclusion après entrée", _with(), _with(date_exclusion_formation=date(2022, 9, 1)), {}, "date_exclusion_formation"),
    ("cause d'exclusion avec sa date", _with(), _with(date_exclusion_formation=None), {}, "date_exclusion_formation"),
    ("contrat : fin sans début", _with(), _with(contrat_date_debut=None), {}, "contrat_date_debut"),
    ("contrat : début sans fin", _with(), _with(contrat_date_fin=None), {}, "contrat_date_fin"),
    ("contrat : début sans SIRET", _with(), _with(siret_employeur=None), {}, "siret_employeur"),
    ("contrat : cause sans rupture", _with(), _with(contrat_date_rupture=None), {"ruptured": (False, False)}, "contrat_date_rupture"),
    ("contrat : fin après début", _with(), _with(contrat_date_fin=date(2023, 1, 11)), {}, "contrat_date_fin"),
    ("contrat : rupture dans le contrat", _with(), _with(contrat_date_rupture=date(2024, 7, 1)), {}, "contrat_date_rupture"),
    ("contrats successifs", _with(), _with(contrat_date_debut_2=date(2024, 6, 1)), {}, "contrat_date_debut_2"),
    (
        "contrat 2 sans contrat 1", _with(),
        _with(contrat_date_debut=None, contrat_date_fin=None, siret_employeur=None, contrat_date_rupture=None, cause_rupture_contrat=None),
        {"ruptured": (False, False)}, "contrat_date_debut_2",
    ),
]


@pytest.mark.parametrize(("passing", "failing", "facts", "column"), [c[1:] for c in CONSISTENCY_CASES], ids=[c[0] for c in CONSISTENCY_CASES])
def test_a_consistency_rule_accepts_the_coherent_row_and_rejects_the_other(passing, failing, facts, column):
    assert problems_of(passing, **facts) == []
    assert column in [p.column for p in problems_of(failing, **facts)]


def test_a_broken_contract_needs_its_rupture_date():
    values = _with(contrat_date_rupture=None, cause_rupture_contrat=None)
    assert problems_of(values, ruptured=(False, False)) == []
    [problem] = problems_of(values, ruptured=(True, False))
    assert problem.column == "contrat_date_rupture"
    assert "le contrat 1 a été rompu" in problem.message


def test_a_learner_who_dropped_out_needs_the_exclusion_date():
    values = _with(date_exclusion_formation=None, cause_exclusion_formation=None)
    assert problems_of(values, dropped_out=False) == []
    [problem] = problems_of(values, dropped_out=True)
    assert problem.column == "date_exclusion_formation"


def test_a_fifth_contract_is_reported_not_dropped():
    [problem] = problems_of(extra_contracts=("Garage Delta du 01/02/2025 au 30/06/2025",))
    assert problem.column == "contrats"
    assert "5 contrats d'apprentissage" in problem.message
    assert "Garage Delta du 01/02/2025 au 30/06/2025" in problem.message


def test_the_organisation_columns_are_checked_once_and_name_their_variable():
    values = {"etablissement_responsable_uai": "0751234A", "etablissement_responsable_siret": None, "type_cfa": "09"}
    variables = {"etablissement_responsable_uai": "OF_UAI", "etablissement_responsable_siret": "OF_SIRET", "type_cfa": "TDB_TYPE_CFA"}
    problems = organisation_problems(values, variables)
    assert [(p.column, p.source.label) for p in problems] == [
        ("etablissement_responsable_uai", "OF_UAI"), ("etablissement_responsable_siret", "OF_SIRET"),
    ]
    assert problems[0].message.endswith("Corrigez la variable d'environnement OF_UAI de l'instance (fichier .env).")
