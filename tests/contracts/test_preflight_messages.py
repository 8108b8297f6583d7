"""Every finding of the pre-flight check, exactly as staff read it: code, severity, message, source
and the field the screen points at (issue 16, mutation testing). One scenario per rule family."""

from datetime import date
from decimal import Decimal as D

import pytest

from alternance.choices import CertificationKind
from contracts.choices import ContractKind, ContractType, MinorHoursDerogation
from contracts.preflight import (
    ERROR,
    SOURCE_CERFA,
    SOURCE_CT_AGE,
    SOURCE_CT_APPRENTICESHIP_TRAINING,
    SOURCE_CT_DURATION,
    SOURCE_CT_HOURS,
    SOURCE_CT_MA,
    SOURCE_CT_START,
    SOURCE_CT_TRAINING,
    SOURCE_CT_WITHOUT_EMPLOYER,
    SOURCE_FORMATS,
    SOURCE_MINOR_HOURS,
    SOURCE_PRO,
    WARNING,
    ContractRules,
    MasterLoad,
    check_contract,
)
from tests.factories.companies import CompanyContactFactory

ORGANISATION = {"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"}
SMIC = D("1823.03")


def run(contract, stage="opco", **kwargs):
    arguments = {"today": date(2026, 8, 20), "organisation": ORGANISATION, "smic_monthly": SMIC, **kwargs}
    return check_contract(contract, stage=stage, **arguments)


def everything_missing(contract):
    company, apprentice, programme = contract.company, contract.apprentice, contract.programme
    company.name = company.siret = company.address = company.postal_code = company.naf_code = company.idcc = ""
    company.headcount, company.phone, company.email, company.opco = None, "", "", "OPCO EP"
    apprentice.last_name = apprentice.first_name = apprentice.email = apprentice.last_class = ""
    apprentice.birth_date, apprentice.birth_department, apprentice.address = None, "", ""
    apprentice.situation_before_contract = apprentice.last_diploma_prepared = apprentice.highest_diploma = None
    apprentice.has_nir = False
    contract.practical_training_start_date = contract.gross_monthly_salary = contract.training_start_date = None
    contract.exams_end_date = contract.training_hours = contract.signature_date = None
    contract.pension_fund = ""
    contract.master = None
    programme.rncp_code = programme.cfd_code = ""
    programme.certification_kind = CertificationKind.RNCP
    return {"organisation": {"name": "CFA Démo"}}


def masters_incomplete(contract):
    second = CompanyContactFactory(company=contract.company)
    for master in (contract.master, second):
        master.birth_date, master.job_title, master.highest_diploma, master.diploma_level = None, "", "", None
        master.email, master.eligibility_statement, master.experience_years = "", False, None
    contract.second_master = second


def partial_contact_and_birth_place(contract):
    contract.company.email, contract.company.headcount = "", 0
    contract.apprentice.birth_commune, contract.apprentice.city = "", ""


def postal_code_and_department_missing(contract):
    contract.company.phone, contract.company.email = "", "contact@example.fr"
    contract.apprentice.birth_department, contract.apprentice.postal_code = "", ""


def succession_over_29_without_number_on_a_cqp(contract):
    contract.apprentice.birth_date = date(1994, 1, 1)
    contract.contract_type = ContractType.SUCCESSION_SAME_EMPLOYER
    contract.gross_monthly_salary = SMIC
    contract.programme.certification_kind, contract.programme.rncp_code = CertificationKind.CQP, ""
    contract.programme.title = "CQP Technicien de maintenance"


def fourteen_without_representative(contract):
    contract.apprentice.birth_date = date(2012, 1, 1)
    contract.weekly_hours, contract.daily_hours = D("35"), D("7")


def fifteen(contract):
    contract.apprentice.birth_date = date(2011, 1, 1)
    contract.apprentice.legal_representative_name = "Claire Martin"
    contract.weekly_hours, contract.daily_hours = D("35"), D("7")


def too_short_and_dates_wrong(contract):
    contract.end_date, contract.exams_end_date = date(2027, 2, 15), date(2026, 11, 10)
    contract.signature_date = date(2026, 9, 5)
    contract.practical_training_start_date = date(2026, 9, 4)
    contract.training_start_date = date(2026, 9, 2)
    contract.training_hours = 400


def too_long(contract):
    contract.end_date = contract.exams_end_date = date(2031, 6, 30)
    contract.training_hours = 4000


def over_3_years_and_practical_late(contract):
    contract.end_date = contract.exams_end_date = date(2029, 9, 30)
    contract.training_hours = 4000
    contract.practical_training_start_date = date(2026, 12, 2)
    contract.training_start_date = date(2026, 12, 2)


def without_employer_too_long(contract):
    contract.apprentice.training_start_date = date(2026, 6, 2)


def adult_hours_and_training_share(contract):
    contract.weekly_hours = D("41.5")
    contract.training_hours = 700


def minor_over_derogation(contract):
    contract.apprentice.birth_date, contract.apprentice.legal_representative_name = date(2009, 1, 1), "Claire Martin"
    contract.weekly_hours, contract.daily_hours = D("41"), D("10.5")


def minor_over_derogation_weekly_only(contract):
    contract.apprentice.birth_date, contract.apprentice.legal_representative_name = date(2009, 1, 1), "Claire Martin"
    contract.weekly_hours, contract.daily_hours = D("40.5"), D("8")


def minor_derogation_without_rest(contract):
    contract.apprentice.birth_date, contract.apprentice.legal_representative_name = date(2009, 1, 1), "Claire Martin"
    contract.weekly_hours, contract.daily_hours = D("38"), D("9.5")
    contract.minor_hours_derogation, contract.minor_compensatory_rest = MinorHoursDerogation.BUILDING_SITES, "  "


def minor_over_week_without_daily_hours(contract):
    contract.apprentice.birth_date, contract.apprentice.legal_representative_name = date(2009, 1, 1), "Claire Martin"
    contract.weekly_hours, contract.daily_hours = D("36"), None


def pro(contract, training_hours):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = date(2027, 8, 31), date(2027, 6, 30), training_hours
    contract.gross_monthly_salary = D("1500")


def pro_share_low(contract):
    pro(contract, 200)


def pro_share_high_and_tutor_full(contract):
    pro(contract, 500)
    return {"master_loads": {contract.master_id: MasterLoad(alternants_all_kinds=3)}}


def pro_under_150_hours(contract):
    pro(contract, 149)
    return {"rules": ContractRules(pro_min_training_share=D("5"))}


def master_minor_and_inexperienced(contract):
    contract.master.birth_date, contract.master.experience_years = date(2009, 1, 1), 0
    return {"master_loads": {contract.master_id: MasterLoad(apprentices=1, alternants_all_kinds=1)}}


def master_without_diploma_one_year_and_two_apprentices(contract):
    contract.master.diploma_level, contract.master.experience_years = 4, 1
    return {"master_loads": {contract.master_id: MasterLoad(apprentices=2, alternants_all_kinds=2)}}


def master_with_three_alternants_of_all_kinds(contract):
    return {"master_loads": {contract.master_id: MasterLoad(apprentices=1, alternants_all_kinds=3)}}


def master_with_an_extended_contract(contract):
    return {"master_loads": {contract.master_id: MasterLoad(apprentices=2, extended=1, alternants_all_kinds=2)}}


def second_extended_contract(contract):
    contract.contract_type, contract.amends_id = ContractType.AMEND_EXTENSION_EXAM_FAILURE, 1
    return {"master_loads": {contract.master_id: MasterLoad(apprentices=1, extended=1, alternants_all_kinds=1)}}


def formats_wrong(contract):
    contract.company.siret, contract.company.naf_code, contract.company.idcc = "73282932000075", "62", "ABCD"
    contract.programme.rncp_code, contract.programme.cfd_code = "RNCP12", "3203121"
    return {"organisation": {**ORGANISATION, "uai": "0751234K", "siret": "123"}}


def opco_unknown(contract):
    contract.company.opco, contract.company.idcc = "", "1486"


def opco_unknown_idcc_9999(contract):
    contract.company.opco, contract.company.idcc = "", "9999"


def opco_unknown_idcc_9998(contract):
    contract.company.opco, contract.company.idcc = "", "9998"


def opco_unknown_public_employer(contract):
    contract.company.opco, contract.company.idcc, contract.company.is_public = "", "1486", True


SCENARIOS = {
    function.__name__: function
    for function in (
        everything_missing, masters_incomplete, partial_contact_and_birth_place, postal_code_and_department_missing,
        succession_over_29_without_number_on_a_cqp, fourteen_without_representative, fifteen,
        too_short_and_dates_wrong, too_long, over_3_years_and_practical_late, without_employer_too_long,
        adult_hours_and_training_share, minor_over_derogation, minor_over_derogation_weekly_only,
        minor_derogation_without_rest, minor_over_week_without_daily_hours, pro_share_low,
        pro_share_high_and_tutor_full, pro_under_150_hours, master_minor_and_inexperienced,
        master_without_diploma_one_year_and_two_apprentices, master_with_three_alternants_of_all_kinds,
        master_with_an_extended_contract, second_extended_contract, formats_wrong, opco_unknown,
        opco_unknown_idcc_9999, opco_unknown_idcc_9998, opco_unknown_public_employer,
    )
}


EXPECTED = {
    'everything_missing': [
        ('missing.employer_name', ERROR, 'Employeur : raison sociale : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.employer_siret', ERROR, "Employeur : SIRET de l'établissement d'exécution : à renseigner.", SOURCE_CERFA, 'company'),
        ('missing.employer_address', ERROR, 'Employeur : adresse : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.employer_postal_code', ERROR, 'Employeur : code postal : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.employer_naf', ERROR, 'Employeur : code NAF : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.employer_idcc', ERROR, 'Employeur : IDCC de la convention collective : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.employer_headcount', ERROR, 'Employeur : effectif total : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.employer_contact', ERROR, 'Employeur : téléphone ou courriel : à renseigner.', SOURCE_CERFA, 'company'),
        ('missing.apprentice_birth_name', ERROR, 'Apprenti·e : nom de naissance : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_first_name', ERROR, 'Apprenti·e : premier prénom : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_birth_date', ERROR, 'Apprenti·e : date de naissance : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_birth_place', ERROR, 'Apprenti·e : département et commune de naissance : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_address', ERROR, 'Apprenti·e : adresse complète : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_email', ERROR, 'Apprenti·e : courriel : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_situation', ERROR, 'Apprenti·e : situation avant ce contrat : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_last_diploma', ERROR, 'Apprenti·e : dernier diplôme ou titre préparé : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_last_class', ERROR, 'Apprenti·e : dernière classe / année suivie : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_highest_diploma', ERROR, 'Apprenti·e : diplôme le plus élevé obtenu : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.contract_practical_start', ERROR, "Contrat : début de la formation pratique chez l'employeur : à renseigner.", SOURCE_CERFA, 'practical_training_start_date'),
        ('missing.contract_salary', ERROR, "Contrat : salaire brut mensuel à l'embauche : à renseigner.", SOURCE_CERFA, 'gross_monthly_salary'),
        ('missing.contract_pension_fund', ERROR, 'Contrat : caisse de retraite complémentaire : à renseigner.', SOURCE_CERFA, 'pension_fund'),
        ('missing.training_start', ERROR, 'Formation : date de début au CFA : à renseigner.', SOURCE_CERFA, 'training_start_date'),
        ('missing.training_exams_end', ERROR, 'Formation : date prévue de fin des épreuves : à renseigner.', SOURCE_CERFA, 'exams_end_date'),
        ('missing.training_hours', ERROR, 'Formation : durée en heures : à renseigner.', SOURCE_CERFA, 'training_hours'),
        ('missing.training_rncp', ERROR, 'Formation : code RNCP : à renseigner.', SOURCE_CERFA, 'programme'),
        ('missing.training_cfd', ERROR, 'Formation : code diplôme (CFD) : à renseigner.', SOURCE_CERFA, 'programme'),
        ('missing.of_uai', ERROR, 'CFA responsable : UAI : à renseigner.', SOURCE_CERFA, ''),
        ('missing.of_siret', ERROR, 'CFA responsable : SIRET : à renseigner.', SOURCE_CERFA, ''),
        ('missing.master_1', ERROR, "Maître d'apprentissage n° 1 : à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.contract_signature_date', ERROR, 'Contrat : date de conclusion (signature) : à renseigner.', SOURCE_CERFA, 'signature_date'),
        ('missing.apprentice_nir', WARNING, "Apprenti·e : NIR non renseigné (il figure sur le Cerfa si l'apprenti·e en a un).", SOURCE_CERFA, 'apprentice'),
    ],
    'masters_incomplete': [
        ('missing.master_1_birth_date', ERROR, "Maître d'apprentissage n° 1 : date de naissance à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_1_job', ERROR, "Maître d'apprentissage n° 1 : emploi occupé à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_1_diploma', ERROR, "Maître d'apprentissage n° 1 : diplôme ou titre le plus élevé à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_1_level', ERROR, "Maître d'apprentissage n° 1 : niveau de ce diplôme à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_1_email', ERROR, "Maître d'apprentissage n° 1 : courriel à renseigner.", SOURCE_CERFA, 'master'),
        ('master_1.statement', ERROR, "Maître d'apprentissage n° 1 : l'attestation de l'employeur sur les conditions requises manque.", SOURCE_CERFA, 'master'),
        ('missing.master_2_birth_date', ERROR, "Maître d'apprentissage n° 2 : date de naissance à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_2_job', ERROR, "Maître d'apprentissage n° 2 : emploi occupé à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_2_diploma', ERROR, "Maître d'apprentissage n° 2 : diplôme ou titre le plus élevé à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_2_level', ERROR, "Maître d'apprentissage n° 2 : niveau de ce diplôme à renseigner.", SOURCE_CERFA, 'master'),
        ('missing.master_2_email', ERROR, "Maître d'apprentissage n° 2 : courriel à renseigner.", SOURCE_CERFA, 'master'),
        ('master_2.statement', ERROR, "Maître d'apprentissage n° 2 : l'attestation de l'employeur sur les conditions requises manque.", SOURCE_CERFA, 'master'),
        ('master_1.experience_missing', WARNING, "Maître d'apprentissage n° 1 : années d'expérience non renseignées.", SOURCE_CT_MA, 'master'),
        ('master_2.experience_missing', WARNING, "Maître d'apprentissage n° 2 : années d'expérience non renseignées.", SOURCE_CT_MA, 'master'),
    ],
    'partial_contact_and_birth_place': [
        ('missing.apprentice_birth_place', ERROR, 'Apprenti·e : département et commune de naissance : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_address', ERROR, 'Apprenti·e : adresse complète : à renseigner.', SOURCE_CERFA, 'apprentice'),
    ],
    'postal_code_and_department_missing': [
        ('missing.apprentice_birth_place', ERROR, 'Apprenti·e : département et commune de naissance : à renseigner.', SOURCE_CERFA, 'apprentice'),
        ('missing.apprentice_address', ERROR, 'Apprenti·e : adresse complète : à renseigner.', SOURCE_CERFA, 'apprentice'),
    ],
    'succession_over_29_without_number_on_a_cqp': [
        ('training.not_rncp', ERROR, "La formation « CQP Technicien de maintenance » (Certificat de qualification professionnelle (CQP) de branche) n'a pas de code RNCP : un contrat d'apprentissage prépare un diplôme ou un titre enregistré au RNCP. Indiquez son code RNCP s'il en a un, ou choisissez un contrat de professionnalisation.", SOURCE_CT_APPRENTICESHIP_TRAINING, 'programme'),
        ('missing.previous_contract_number', ERROR, 'Contrat de succession : indiquez le numéro du contrat précédent.', SOURCE_CERFA, 'previous_contract_number'),
        ('age.over_29_succession', WARNING, "Apprenti·e de 32 ans : admis pour un contrat qui en suit un autre, dans un délai d'un an et jusqu'à 34 ans.", SOURCE_CT_AGE, 'contract_type'),
    ],
    'fourteen_without_representative': [
        ('age.too_young', ERROR, "L'apprenti·e aura 14 ans au début du contrat : l'âge minimum est 15 ans.", SOURCE_CT_AGE, 'start_date'),
        ('minor.legal_representative', ERROR, 'Apprenti·e mineur·e non émancipé·e : le représentant légal doit figurer au contrat.', SOURCE_CERFA, 'apprentice'),
    ],
    'fifteen': [
        ('age.under_16', WARNING, "Apprenti·e de moins de 16 ans : possible seulement s'il a terminé le collège (dérogation 11).", SOURCE_CT_AGE, 'derogation_type'),
    ],
    'too_short_and_dates_wrong': [
        ('duration.too_short', ERROR, 'Le contrat dure 5.5 mois : 6 mois au minimum.', SOURCE_CT_DURATION, 'end_date'),
        ('dates.signature_after_start', ERROR, "La date de conclusion doit précéder ou égaler le début d'exécution.", SOURCE_CERFA, 'signature_date'),
        ('dates.practical_before_signature', ERROR, 'La formation pratique ne peut pas commencer avant la signature du contrat.', SOURCE_CERFA, 'practical_training_start_date'),
        ('dates.training_before_signature', WARNING, "La formation au CFA commence avant la signature : vérifiez que l'apprenti·e était inscrit·e sous statut de stagiaire.", SOURCE_CERFA, 'training_start_date'),
        ('dates.end_after_exams', ERROR, 'Le contrat doit finir au plus tard 3 mois après la fin des épreuves (le 10/02/2027).', SOURCE_CERFA, 'end_date'),
    ],
    'too_long': [
        ('duration.too_long', ERROR, 'Le contrat dure 58.0 mois : 54 mois au maximum, même avec dérogation.', SOURCE_CT_DURATION, 'end_date'),
    ],
    'over_3_years_and_practical_late': [
        ('duration.over_3_years', ERROR, 'Le contrat dure 37.0 mois : au-delà de 3 ans, indiquez la dérogation « allongement de la durée » (22).', SOURCE_CT_DURATION, 'derogation_type'),
        ('dates.practical_start', ERROR, "La formation pratique chez l'employeur doit commencer entre le 01/09/2026 et le 01/12/2026.", SOURCE_CT_START, 'practical_training_start_date'),
        ('dates.training_start_late', ERROR, 'La formation au CFA doit commencer au plus tard 3 mois après le début du contrat (le 01/12/2026).', SOURCE_CT_START, 'training_start_date'),
    ],
    'without_employer_too_long': [
        ('dates.without_employer_too_long', WARNING, "L'apprenti·e est entré·e en formation le 02/06/2026, 91 jours avant le début du contrat : sans employeur, la formation au CFA est limitée à 90 jours (3 mois). Vérifiez la date d'entrée en formation ou le statut de l'apprenti·e pendant cette période.", SOURCE_CT_WITHOUT_EMPLOYER, 'start_date'),
    ],
    'adult_hours_and_training_share': [
        ('hours.weekly_max', ERROR, 'Durée hebdomadaire de 41.5 h : 40 h au maximum.', SOURCE_CT_HOURS, 'weekly_hours'),
        ('training.share', ERROR, 'La formation (700 h) représente 21.7 % de la durée du contrat : 25 % au minimum sur la base de 1607 h par an.', SOURCE_CT_TRAINING, 'training_hours'),
    ],
    'minor_over_derogation': [
        ('hours.weekly_max', ERROR, 'Durée hebdomadaire de 41 h : 40 h au maximum.', SOURCE_CT_HOURS, 'weekly_hours'),
        ('hours.minor_over_derogation', ERROR, 'Apprenti·e mineur·e : 10,5 h par jour et 41 h par semaine, au-delà de ce que permet même une dérogation (10 h par jour et 40 h par semaine). Réduisez la durée du travail.', SOURCE_MINOR_HOURS, 'weekly_hours'),
    ],
    'minor_over_derogation_weekly_only': [
        ('hours.weekly_max', ERROR, 'Durée hebdomadaire de 40.5 h : 40 h au maximum.', SOURCE_CT_HOURS, 'weekly_hours'),
        ('hours.minor_over_derogation', ERROR, 'Apprenti·e mineur·e : 40,5 h par semaine, au-delà de ce que permet même une dérogation (10 h par jour et 40 h par semaine). Réduisez la durée du travail.', SOURCE_MINOR_HOURS, 'weekly_hours'),
    ],
    'minor_derogation_without_rest': [
        ('hours.minor_compensatory_rest', ERROR, 'Apprenti·e mineur·e : 9,5 h par jour et 38 h par semaine au titre de la dérogation « Activités sur les chantiers de bâtiment (R3162-1) » : enregistrez le repos compensateur, au moins égal aux heures au-delà de 8 h par jour.', SOURCE_MINOR_HOURS, 'minor_compensatory_rest'),
    ],
    'minor_over_week_without_daily_hours': [
        ('hours.minor_daily_missing', WARNING, 'Apprenti·e mineur·e au début du contrat : indiquez la durée quotidienne du travail (8 h au plus par jour).', SOURCE_MINOR_HOURS, 'daily_hours'),
        ('hours.minor', ERROR, "Apprenti·e mineur·e : 36 h par semaine, au-delà de 8 h par jour et 35 h par semaine. Réduisez la durée, ou, si l'activité se déroule sur un chantier de bâtiment, de travaux publics ou d'espaces paysagers (création, aménagement, entretien — R3162-1) ou avec l'accord de l'inspection du travail, indiquez la dérogation et le repos compensateur prévu (10 h par jour et 40 h par semaine au plus).", SOURCE_MINOR_HOURS, 'minor_hours_derogation'),
    ],
    'pro_share_low': [
        ('training.pro_share', ERROR, 'Contrat de professionnalisation : la formation (200 h, 12.4 %) doit représenter au moins 15 % de la durée et 150 h.', SOURCE_PRO, 'training_hours'),
    ],
    'pro_share_high_and_tutor_full': [
        ('training.pro_share_high', WARNING, 'La formation représente 31.1 % de la durée : au-delà de 25 %, un accord de branche doit le prévoir.', SOURCE_PRO, 'training_hours'),
        ('master_1.capacity', ERROR, 'Le tuteur n° 1 suit déjà 3 alternant·es : 3 au maximum.', SOURCE_PRO, 'master'),
    ],
    'pro_under_150_hours': [
        ('training.pro_share', ERROR, 'Contrat de professionnalisation : la formation (149 h, 9.3 %) doit représenter au moins 5 % de la durée et 150 h.', SOURCE_PRO, 'training_hours'),
    ],
    'master_minor_and_inexperienced': [
        ('master_1.minor', ERROR, "Le maître d'apprentissage n° 1 doit être majeur au début du contrat.", SOURCE_CERFA, 'master'),
        ('master_1.eligibility', WARNING, "Maître d'apprentissage n° 1 : 0 an d'expérience ; il en faut 1 avec diplôme du niveau de la formation (sauf accord de branche).", SOURCE_CT_MA, 'master'),
    ],
    'master_without_diploma_one_year_and_two_apprentices': [
        ('master_1.eligibility', WARNING, "Maître d'apprentissage n° 1 : 1 an d'expérience ; il en faut 2 sans diplôme du niveau de la formation (sauf accord de branche).", SOURCE_CT_MA, 'master'),
        ('master_1.capacity', ERROR, "Le maître d'apprentissage n° 1 encadre déjà 2 apprenti·es : 2 au maximum, plus 1 dont la formation est prolongée après un échec.", SOURCE_CT_MA, 'master'),
    ],
    'master_with_three_alternants_of_all_kinds': [
        ('master_1.capacity_all', WARNING, "Le maître d'apprentissage n° 1 suivrait 4 alternant·es tous contrats confondus : 3 au maximum.", SOURCE_CT_MA, 'master'),
    ],
    'master_with_an_extended_contract': [
    ],
    'second_extended_contract': [
        ('master_1.capacity', ERROR, "Le maître d'apprentissage n° 1 encadre déjà 1 apprenti·e : 2 au maximum, plus 1 dont la formation est prolongée après un échec.", SOURCE_CT_MA, 'master'),
    ],
    'formats_wrong': [
        ('format.siret', ERROR, "SIRET de l'employeur : Le SIRET 73282932000075 n'est pas valide (clé de contrôle incorrecte) : vérifiez-le sur l'avis de situation INSEE.", SOURCE_FORMATS, 'company'),
        ('format.naf', ERROR, 'Code NAF : Le code NAF doit comporter 4 chiffres et une lettre, par exemple 62.01Z ou 6201Z.', SOURCE_FORMATS, 'company'),
        ('format.idcc', ERROR, "IDCC : L'IDCC est un numéro de 1 à 4 chiffres (9999 si aucune convention collective), par exemple 1486.", SOURCE_FORMATS, 'company'),
        ('format.uai', ERROR, 'UAI du CFA : Le code UAI 0751234K a une lettre de contrôle incorrecte (attendue : J).', SOURCE_FORMATS, ''),
        ('format.of_siret', ERROR, 'SIRET du CFA : Le SIRET doit comporter exactement 14 chiffres (SIREN 9 + NIC 5), par exemple 732 829 320 00074.', SOURCE_FORMATS, ''),
        ('format.rncp', ERROR, 'Code RNCP : Le code RNCP doit être « RNCP » suivi de 3 à 5 chiffres, par exemple RNCP35341.', SOURCE_FORMATS, 'programme'),
        ('format.cfd', ERROR, 'Code diplôme (CFD) : Le code CFD (code diplôme) doit comporter 8 caractères, par exemple 32031213 ou 50022141.', SOURCE_FORMATS, 'programme'),
    ],
    'opco_unknown': [
        ('opco.unknown', WARNING, "L'OPCO de l'IDCC 1486 est inconnu : imposez-le sur la fiche entreprise.", 'reference/idcc_opco.csv', 'company'),
    ],
    'opco_unknown_idcc_9999': [
    ],
    'opco_unknown_idcc_9998': [
    ],
    'opco_unknown_public_employer': [
    ],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_finding_with_its_message_source_and_field(contract, name):
    kwargs = SCENARIOS[name](contract) or {}

    report = run(contract, **kwargs)

    assert [(f.code, f.severity, f.message, f.source, f.field) for f in report.findings] == EXPECTED[name]
    assert report.ok is not any(severity == ERROR for _code, severity, *_rest in EXPECTED[name])
    assert [f.code for f in report.errors] == [code for code, severity, *_rest in EXPECTED[name] if severity == ERROR]
    assert [f.code for f in report.warnings] == [code for code, severity, *_rest in EXPECTED[name] if severity == WARNING]
