"""Suggested mapping from header names (the spellings of spreadsheets, ERPs and the State's
dashboard file) and the check of a mapping chosen by the person."""

import pytest
from django.core.exceptions import ValidationError

from alternance.imports.apprentices import ApprenticeImport
from alternance.imports.companies import CompanyImport
from alternance.imports.contracts import ContractImport
from alternance.imports.mapping import clean_mapping, normalize_header, suggest_mapping


def test_headers_are_compared_without_accents_case_punctuation_or_small_words():
    assert normalize_header("N° SIRET") == normalize_header("Numéro SIRET") == normalize_header("siret") == "siret"
    assert normalize_header("NOM DE NAISSANCE") == normalize_header("Nom naissance") == "nom naissance"
    assert normalize_header("E-mail") == normalize_header("Email") == normalize_header("e mail") == "email"


def test_erp_spellings_of_apprentice_columns_are_recognised():
    headers = ["NOM DE NAISSANCE", "Prénom", "Sexe", "Né(e) le", "Dépt naissance", "Lieu de naissance",
               "N° Sécurité sociale", "Adresse", "CP", "Ville", "Courriel", "N° INE", "Promo", "RQTH", "Commentaire"]

    mapping = suggest_mapping(headers, ApprenticeImport.fields)

    assert mapping == {
        "ine": "N° INE", "last_name": "NOM DE NAISSANCE", "first_name": "Prénom", "sex": "Sexe", "birth_date": "Né(e) le",
        "birth_department": "Dépt naissance", "birth_commune": "Lieu de naissance", "nir": "N° Sécurité sociale",
        "address": "Adresse", "postal_code": "CP", "city": "Ville", "email": "Courriel", "rqth": "RQTH", "cohort": "Promo",
    }


def test_state_dashboard_column_names_are_recognised():
    headers = ["nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "sexe_apprenant", "email_contact",
               "adresse_apprenant", "code_postal_apprenant", "ine_apprenant", "tel_apprenant", "date_inscription_formation",
               "date_entree_formation"]

    mapping = suggest_mapping(headers, ApprenticeImport.fields)

    assert mapping == {
        "ine": "ine_apprenant", "last_name": "nom_apprenant", "first_name": "prenom_apprenant", "sex": "sexe_apprenant",
        "birth_date": "date_de_naissance_apprenant", "address": "adresse_apprenant", "postal_code": "code_postal_apprenant",
        "phone": "tel_apprenant", "email": "email_contact", "enrolment_date": "date_inscription_formation",
        "training_start_date": "date_entree_formation",
    }


def test_a_longer_header_containing_one_field_name_is_matched():
    mapping = suggest_mapping(["Date de naissance de l'apprenti", "Nom"], ApprenticeImport.fields)

    assert mapping == {"last_name": "Nom", "birth_date": "Date de naissance de l'apprenti"}


def test_company_file_spellings_put_bare_name_and_email_on_the_contact():
    headers = ["N° SIRET", "Raison sociale", "Code APE", "IDCC", "Adresse", "CP", "Ville", "Nom", "Prénom", "E-mail",
               "Fonction", "Rôle", "Date de naissance", "Téléphone"]

    mapping = suggest_mapping(headers, CompanyImport.fields)

    assert mapping == {
        "siret": "N° SIRET", "name": "Raison sociale", "naf_code": "Code APE", "idcc": "IDCC", "address": "Adresse",
        "postal_code": "CP", "city": "Ville", "phone": "Téléphone", "contact_last_name": "Nom", "contact_first_name": "Prénom",
        "contact_email": "E-mail", "contact_job_title": "Fonction", "contact_roles": "Rôle", "contact_birth_date": "Date de naissance",
    }


@pytest.mark.parametrize("kind", [ApprenticeImport, CompanyImport, ContractImport])
def test_every_field_label_is_suggested_for_itself(kind):
    """The downloadable template uses the labels as headers: all of them map back."""
    headers = [str(spec.label) for spec in kind.fields]

    assert suggest_mapping(headers, kind.fields) == {spec.name: str(spec.label) for spec in kind.fields}


def test_clean_mapping_lists_every_problem():
    headers = ["Nom", "Prénom", "Courriel"]
    with pytest.raises(ValidationError) as error:
        clean_mapping({"last_name": "Nom", "first_name": "Nom", "email": "Absente", "height": "Prénom"},
                      headers=headers, kind=ApprenticeImport)

    messages = error.value.messages
    assert "Le fichier n'a pas de colonne « Absente » (champ « E-mail »)." in messages
    assert "« height » n'est pas un champ de cet import. Champs possibles : " + ", ".join(s.name for s in ApprenticeImport.fields) + "." in messages
    assert "La colonne « Nom » est associée à plusieurs champs (« Nom de naissance », « Prénom ») : gardez-en un seul." in messages
    assert "Associez une colonne au champ obligatoire « Date de naissance »." in messages
    assert "Associez une colonne au champ obligatoire « E-mail »." in messages


def test_contracts_need_the_apprentice_ine_or_email():
    headers = ["SIRET", "Début", "Fin", "MA"]
    with pytest.raises(ValidationError) as error:
        clean_mapping({"company_siret": "SIRET", "start_date": "Début", "end_date": "Fin", "master_email": "MA"},
                      headers=headers, kind=ContractImport)
    assert error.value.messages == [
        "Associez une colonne à au moins un de ces champs : « INE de l'apprenti·e » ou « E-mail de l'apprenti·e »."]
