"""Pre-flight check of a contract before signature and before sending it to the OPCO.

One function lists every problem of a contract, each with the rule and its source, split into
blocking errors and warnings (issue "Contracts", §2). It is pure: it takes the contract with its
related rows, the thresholds (``ContractRules``, from the settings staff edit), the SMIC in force
at the start and the current load of each maître d'apprentissage, and an explicit ``today``.
The selector ``contracts.selectors.contract_preflight`` gathers those inputs from the database.

Sources: domain.md §2 (Cerfa FA13 n° 10103 fields and the official generator's cross-field checks,
[sure]), §6 (contrat de professionnalisation, [check]) and §9 (identifier formats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from alternance.choices import CertificationKind
from alternance.models.apprentices import age_on
from alternance.validators import validate_cfd, validate_idcc, validate_naf, validate_rncp, validate_siret, validate_uai
from contracts.choices import ContractKind, ContractType, DerogationType, EmploymentTerm
from contracts.salary import apprenticeship_periods, holds_pro_qualification, professionalisation_periods

ERROR = "error"
WARNING = "warning"

SOURCE_CERFA = "Cerfa FA13 n° 10103 (notice et générateur officiel)"
SOURCE_CT_AGE = "Code du travail L6222-1 et L6222-2 ; générateur officiel du Cerfa"
SOURCE_CT_DURATION = "Code du travail L6222-7-1 ; générateur officiel du Cerfa"
SOURCE_CT_START = "Code du travail L6222-12 ; générateur officiel du Cerfa"
SOURCE_CT_HOURS = "Code du travail L3121-20 ; générateur officiel du Cerfa"
SOURCE_CT_TRAINING = "Code du travail L6211-2 (25 % de la durée du contrat sur 1 607 h par an)"
SOURCE_CT_MA = "Code du travail R6223-22 à R6223-24 (compétence et nombre d'apprentis par maître)"
SOURCE_CT_SALARY = "Code du travail D6222-26 à D6222-29 (rémunération minimale de l'apprenti)"
SOURCE_CT_WITHOUT_EMPLOYER = "Code du travail L6222-12-1 (3 mois au CFA sans employeur au plus)"
SOURCE_PRO = "Code du travail L6325-11 à L6325-14 (contrat de professionnalisation) [à vérifier]"
SOURCE_PRO_DURATION = "Code du travail L6325-11 (6 à 12 mois ; 36 mois pour les publics de L6325-1-1) et L6325-12 (24 mois par accord de branche)"
SOURCE_CT_APPRENTICESHIP_TRAINING = "Code du travail L6211-1 (l'apprentissage prépare un diplôme ou un titre enregistré au RNCP) et L6314-1"
SOURCE_MINOR_HOURS = (
    "Code du travail L6222-25 et L3162-1 (mineurs : 8 h par jour, 35 h par semaine) ; R3162-1 (secteurs dérogatoires, "
    "10 h par jour et 40 h par semaine au plus, repos compensateur)"
)
SOURCE_DOCUMENTS = "Documents générés par l'application : ils doivent montrer les données actuelles du contrat"
SOURCE_FORMATS = "Formats des identifiants (INSEE, Éducation nationale, France compétences)"


@dataclass(frozen=True)
class ContractRules:
    """Thresholds of the checks; the [check] ones are settings staff can change (ContractSettings)."""

    min_age: int = 15
    max_age: int = 29  # above: only with RQTH, business project, top-level athlete
    max_age_succession: int = 34
    min_duration_months: int = 6
    max_duration_months: int = 36  # longer only with a dérogation
    max_duration_months_with_derogation: int = 54
    max_months_to_practical_start: int = 3
    max_months_to_training_start: int = 3
    max_months_after_exams: int = 3
    seeking_limit_days: int = 90  # L6222-12-1: 3 months at the CFA without an employer (RuleSettings)
    max_weekly_hours: Decimal = Decimal("40")
    yearly_hours_basis: int = 1607
    min_training_share: Decimal = Decimal("25")  # percent
    pro_min_training_share: Decimal = Decimal("15")
    pro_max_training_share: Decimal = Decimal("25")
    pro_min_training_hours: int = 150
    pro_min_duration_months: int = 6  # L6325-11
    pro_max_duration_months: int = 12  # L6325-11
    pro_max_duration_months_branch: int = 24  # L6325-12, by branch agreement
    pro_max_duration_months_public: int = 36  # L6325-11, publics of L6325-1-1
    minor_max_daily_hours: Decimal = Decimal("8")  # L3162-1
    minor_max_weekly_hours: Decimal = Decimal("35")  # L3162-1
    minor_derogation_max_daily_hours: Decimal = Decimal("10")  # R3162-1: 8 h + 2 h
    minor_derogation_max_weekly_hours: Decimal = Decimal("40")  # R3162-1 and L3162-1: 35 h + 5 h
    ma_max_apprentices: int = 2
    ma_max_extended: int = 1
    tutor_max_alternants: int = 3
    ma_experience_years_with_diploma: int = 1
    ma_experience_years_without_diploma: int = 2


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # ERROR (blocks) or WARNING
    message: str
    source: str
    field: str = ""

    @property
    def is_blocking(self) -> bool:
        return self.severity == ERROR


@dataclass
class PreflightReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


@dataclass(frozen=True)
class MasterLoad:
    """Other current contracts supervised by a maître d'apprentissage (outside the contract checked)."""

    apprentices: int = 0
    extended: int = 0  # of which contracts extended after an exam failure (avenant type 33)
    alternants_all_kinds: int = 0


def _months_after(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _duration_months(start: date, end: date) -> Decimal:
    """Whole and partial months between start and the day after end (a 2-year contract = 24)."""
    after_end = end + timedelta(days=1)
    months = (after_end.year - start.year) * 12 + (after_end.month - start.month)
    if after_end.day < start.day:
        months -= 1
    anchor = _months_after(start, months)
    # The part of the month under way, over that month's own length: 1 August to 30 January is
    # 5 months and 30 days of a 31-day month, not 6 months (a fixed 30-day month said 6.0).
    month_length = (_months_after(start, months + 1) - anchor).days
    remainder = Decimal((after_end - anchor).days) / Decimal(month_length)
    return Decimal(months) + remainder


def _format_problems(add, value, validator, code: str, label: str, field_name: str) -> None:
    if not value:
        return
    try:
        validator(value)
    except ValidationError as error:
        add(code, ERROR, f"{label} : {' '.join(error.messages)}", SOURCE_FORMATS, field_name)


def _hours(value: Decimal) -> str:
    """« 35 h », « 7,5 h »: hours as the French UI writes them."""
    return f"{value.normalize():f}".replace(".", ",") + " h"


def _length_words(start: date, end: date) -> str:
    """« 12 mois et 1 jour »: a length in whole months and days (a decimal « 12.0 » hides the day)."""
    after_end = end + timedelta(days=1)
    months = (after_end.year - start.year) * 12 + (after_end.month - start.month)
    if _months_after(start, months) > after_end:
        months -= 1
    days = (after_end - _months_after(start, months)).days
    text = f"{months} mois"
    if days:
        text += " et " + ngettext("%(days)s jour", "%(days)s jours", days) % {"days": days}
    return text


def _check_pro_duration(add, contract, months: Decimal, rules: ContractRules) -> None:
    """Length of a contrat de professionnalisation: the CDD, or the professionalisation action at the
    start of a CDI, lasts 6 to 12 months (L6325-11); up to 24 months when a branch agreement says so
    (L6325-12) and 36 months for the publics of L6325-1-1 (L6325-11)."""
    if contract.pro_public_l6325_1_1:
        limit, why = rules.pro_max_duration_months_public, "pour un public de l'article L6325-1-1"
    elif contract.pro_branch_agreement:
        limit, why = rules.pro_max_duration_months_branch, "avec l'accord de branche"
    else:
        limit, why = rules.pro_max_duration_months, "sans accord de branche"
    what = "le contrat" if contract.employment_term == EmploymentTerm.FIXED_TERM else "l'action de professionnalisation du CDI"
    length = _length_words(contract.start_date, contract.end_date)
    if months < rules.pro_min_duration_months:
        add("pro.duration_short", ERROR, f"Contrat de professionnalisation : {what} dure {length} ; "
            f"{rules.pro_min_duration_months} mois au minimum. Reportez la date de fin.", SOURCE_PRO_DURATION, "end_date")
    elif months > limit:
        hint = (
            "Raccourcissez-le." if limit == rules.pro_max_duration_months_public
            else f"Raccourcissez-le, ou cochez « accord de branche » ({rules.pro_max_duration_months_branch} mois) ou "
                 f"« public visé à l'article L6325-1-1 » ({rules.pro_max_duration_months_public} mois) si c'est le cas."
        )
        add("pro.duration_long", ERROR, f"Contrat de professionnalisation : {what} dure {length} ; {limit} mois "
            f"au maximum {why}. {hint}", SOURCE_PRO_DURATION, "end_date")


def _check_minor_hours(add, contract, rules: ContractRules) -> None:
    """Working time of an apprentice under 18 on the first day of the contract (L6222-25, L3162-1):
    at most 8 h a day and 35 h a week. Beyond, only in the sectors of R3162-1 (building sites, public
    works, landscaping sites) or by the labour inspectorate's leave (L3162-1), within 10 h a day and
    40 h a week, the hours beyond 8 h a day giving an equivalent compensatory rest."""
    weekly, daily = contract.weekly_hours, contract.daily_hours
    over_week = weekly is not None and weekly > rules.minor_max_weekly_hours
    over_day = daily is not None and daily > rules.minor_max_daily_hours
    if daily is None:
        add("hours.minor_daily_missing", WARNING, f"Apprenti·e mineur·e au début du contrat : indiquez la durée quotidienne "
            f"du travail ({_hours(rules.minor_max_daily_hours)} au plus par jour).", SOURCE_MINOR_HOURS, "daily_hours")
    if not (over_week or over_day):
        return
    hours = " et ".join(
        text for flag, text in (
            (over_day, f"{_hours(daily)} par jour" if daily is not None else ""),
            (over_week, f"{_hours(weekly)} par semaine"),
        ) if flag
    )
    limits = f"{_hours(rules.minor_max_daily_hours)} par jour et {_hours(rules.minor_max_weekly_hours)} par semaine"
    caps = f"{_hours(rules.minor_derogation_max_daily_hours)} par jour et {_hours(rules.minor_derogation_max_weekly_hours)} par semaine"
    if (daily is not None and daily > rules.minor_derogation_max_daily_hours) or weekly > rules.minor_derogation_max_weekly_hours:
        add("hours.minor_over_derogation", ERROR, f"Apprenti·e mineur·e : {hours}, au-delà de ce que permet même une "
            f"dérogation ({caps}). Réduisez la durée du travail.", SOURCE_MINOR_HOURS, "weekly_hours" if over_week else "daily_hours")
    elif not contract.minor_hours_derogation:
        add("hours.minor", ERROR, f"Apprenti·e mineur·e : {hours}, au-delà de {limits}. Réduisez la durée, ou, si l'activité "
            "se déroule sur un chantier de bâtiment, de travaux publics ou d'espaces paysagers (création, aménagement, "
            "entretien — R3162-1) ou avec l'accord de l'inspection du travail, indiquez la dérogation et le repos "
            f"compensateur prévu ({caps} au plus).", SOURCE_MINOR_HOURS, "minor_hours_derogation")
    elif (over_day or daily is None) and not contract.minor_compensatory_rest.strip():
        add("hours.minor_compensatory_rest", ERROR, f"Apprenti·e mineur·e : {hours} au titre de la dérogation « "
            f"{contract.get_minor_hours_derogation_display()} » : enregistrez le repos compensateur, au moins égal aux heures "
            f"au-delà de {_hours(rules.minor_max_daily_hours)} par jour.", SOURCE_MINOR_HOURS, "minor_compensatory_rest")


def check_contract(
    contract,
    *,
    stage: str,
    today: date,
    organisation: dict,
    smic_monthly: Decimal | None,
    smc_monthly: Decimal | None = None,
    master_loads: dict[int, MasterLoad] | None = None,
    rules: ContractRules | None = None,
    minimum_periods: list | None = None,
) -> PreflightReport:
    """Every problem of ``contract`` for ``stage`` ("signature" or "opco").

    Before signature the signature date may still be empty; before the OPCO everything the Cerfa
    asks must be there. ``organisation`` holds the OF's name, UAI and SIRET (settings).
    """
    rules = rules or ContractRules()
    master_loads = master_loads or {}
    report = PreflightReport()

    def add(code: str, severity: str, message: str, source: str, field_name: str = "") -> None:
        report.findings.append(Finding(code, severity, message, source, field_name))

    apprentice, company, programme = contract.apprentice, contract.company, contract.programme
    masters = [m for m in (contract.master, contract.second_master) if m is not None]
    is_pro = contract.kind == ContractKind.PROFESSIONALISATION
    start, end = contract.start_date, contract.end_date

    # --- 1. Completeness of the Cerfa -----------------------------------------------------------
    required = [
        ("employer_name", company.name, "Employeur : raison sociale", "company"),
        ("employer_siret", company.siret, "Employeur : SIRET de l'établissement d'exécution", "company"),
        ("employer_address", company.address, "Employeur : adresse", "company"),
        ("employer_postal_code", company.postal_code, "Employeur : code postal", "company"),
        ("employer_naf", company.naf_code, "Employeur : code NAF", "company"),
        ("employer_idcc", company.idcc, "Employeur : IDCC de la convention collective", "company"),
        ("employer_headcount", company.headcount is not None, "Employeur : effectif total", "company"),
        ("employer_contact", company.phone or company.email, "Employeur : téléphone ou courriel", "company"),
        ("apprentice_birth_name", apprentice.last_name, "Apprenti·e : nom de naissance", "apprentice"),
        ("apprentice_first_name", apprentice.first_name, "Apprenti·e : premier prénom", "apprentice"),
        ("apprentice_birth_date", apprentice.birth_date, "Apprenti·e : date de naissance", "apprentice"),
        ("apprentice_birth_place", apprentice.birth_department and apprentice.birth_commune, "Apprenti·e : département et commune de naissance", "apprentice"),
        ("apprentice_address", apprentice.address and apprentice.postal_code and apprentice.city, "Apprenti·e : adresse complète", "apprentice"),
        ("apprentice_email", apprentice.email, "Apprenti·e : courriel", "apprentice"),
        ("apprentice_situation", apprentice.situation_before_contract, "Apprenti·e : situation avant ce contrat", "apprentice"),
        ("apprentice_last_diploma", apprentice.last_diploma_prepared, "Apprenti·e : dernier diplôme ou titre préparé", "apprentice"),
        ("apprentice_last_class", apprentice.last_class, "Apprenti·e : dernière classe / année suivie", "apprentice"),
        ("apprentice_highest_diploma", apprentice.highest_diploma, "Apprenti·e : diplôme le plus élevé obtenu", "apprentice"),
        ("contract_practical_start", contract.practical_training_start_date, "Contrat : début de la formation pratique chez l'employeur", "practical_training_start_date"),
        ("contract_salary", contract.gross_monthly_salary, "Contrat : salaire brut mensuel à l'embauche", "gross_monthly_salary"),
        ("contract_pension_fund", contract.pension_fund, "Contrat : caisse de retraite complémentaire", "pension_fund"),
        ("training_start", contract.training_start_date, "Formation : date de début au CFA", "training_start_date"),
        ("training_exams_end", contract.exams_end_date, "Formation : date prévue de fin des épreuves", "exams_end_date"),
        ("training_hours", contract.training_hours, "Formation : durée en heures", "training_hours"),
        # A contrat pro may prepare a CQP or a branch qualification without RNCP code (L6314-1, L6325-1).
        # (an apprenticeship on such a programme gets « training.not_rncp » below).
        ("training_rncp", programme.rncp_code or programme.certification_kind != CertificationKind.RNCP, "Formation : code RNCP", "programme"),
        ("training_cfd", programme.cfd_code or is_pro, "Formation : code diplôme (CFD)", "programme"),
        ("of_uai", organisation.get("uai"), "CFA responsable : UAI", ""),
        ("of_siret", organisation.get("siret"), "CFA responsable : SIRET", ""),
        ("master_1", contract.master_id, "Maître d'apprentissage n° 1", "master"),
    ]
    if stage == "opco":
        required.append(("contract_signature_date", contract.signature_date, "Contrat : date de conclusion (signature)", "signature_date"))
    for code, value, label, field_name in required:
        if not value:
            add(f"missing.{code}", ERROR, f"{label} : à renseigner.", SOURCE_CERFA, field_name)
    if not apprentice.has_nir:
        add("missing.apprentice_nir", WARNING, "Apprenti·e : NIR non renseigné (il figure sur le Cerfa si l'apprenti·e en a un).", SOURCE_CERFA, "apprentice")
    for index, master in enumerate(masters, 1):
        for code, value, label in (
            ("birth_date", master.birth_date, "date de naissance"),
            ("job", master.job_title, "emploi occupé"),
            ("diploma", master.highest_diploma, "diplôme ou titre le plus élevé"),
            ("level", master.diploma_level is not None, "niveau de ce diplôme"),
            ("email", master.email, "courriel"),
        ):
            if not value:
                add(f"missing.master_{index}_{code}", ERROR, f"Maître d'apprentissage n° {index} : {label} à renseigner.", SOURCE_CERFA, "master")
        if not master.eligibility_statement:
            add(f"master_{index}.statement", ERROR, f"Maître d'apprentissage n° {index} : l'attestation de l'employeur sur les conditions requises manque.", SOURCE_CERFA, "master")
    if not is_pro and not programme.rncp_code and programme.certification_kind != CertificationKind.RNCP:
        add("training.not_rncp", ERROR, f"La formation « {programme.title} » ({programme.get_certification_kind_display()}) n'a pas "
            "de code RNCP : un contrat d'apprentissage prépare un diplôme ou un titre enregistré au RNCP. Indiquez son code "
            "RNCP s'il en a un, ou choisissez un contrat de professionnalisation.", SOURCE_CT_APPRENTICESHIP_TRAINING, "programme")
    if contract.contract_type in (ContractType.SUCCESSION_SAME_EMPLOYER, ContractType.SUCCESSION_OTHER_EMPLOYER, ContractType.SUCCESSION_AFTER_RUPTURE) and not contract.previous_contract_number:
        add("missing.previous_contract_number", ERROR, "Contrat de succession : indiquez le numéro du contrat précédent.", SOURCE_CERFA, "previous_contract_number")

    # --- 2. Apprentice age at start, with the legal exceptions -------------------------------
    if apprentice.birth_date and start:
        age = age_on(apprentice.birth_date, start)
        exception = apprentice.rqth or apprentice.business_project or apprentice.top_athlete
        succession = contract.contract_type in (21, 22, 23)
        if age < rules.min_age:
            add("age.too_young", ERROR, f"L'apprenti·e aura {age} ans au début du contrat : l'âge minimum est {rules.min_age} ans.", SOURCE_CT_AGE, "start_date")
        elif age < 16 and contract.derogation_type != DerogationType.UNDER_16:
            add("age.under_16", WARNING, "Apprenti·e de moins de 16 ans : possible seulement s'il a terminé le collège (dérogation 11).", SOURCE_CT_AGE, "derogation_type")
        if age > rules.max_age and not is_pro and not exception:
            if succession and age <= rules.max_age_succession:
                add("age.over_29_succession", WARNING, f"Apprenti·e de {age} ans : admis pour un contrat qui en suit un autre, dans un délai d'un an et jusqu'à {rules.max_age_succession} ans.", SOURCE_CT_AGE, "contract_type")
            else:
                add("age.over_29", ERROR, f"L'apprenti·e aura {age} ans au début du contrat : au-delà de {rules.max_age} ans, il faut une RQTH, un projet de création ou de reprise d'entreprise ou le statut de sportif de haut niveau.", SOURCE_CT_AGE, "start_date")
        if age < 18 and not apprentice.emancipated and not apprentice.legal_representative_name:
            add("minor.legal_representative", ERROR, "Apprenti·e mineur·e non émancipé·e : le représentant légal doit figurer au contrat.", SOURCE_CERFA, "apprentice")

    # --- 3. Dates: signature, duration, practical and CFA training start, exams -----------------
    if start and end:
        months = _duration_months(start, end)
        derogation_longer = contract.derogation_type in (DerogationType.LONGER, DerogationType.SEVERAL)
        if is_pro and not contract.is_amendment:
            _check_pro_duration(add, contract, months, rules)
        elif not contract.is_amendment:
            # Never under 6 months, even when a dérogation shortens it relative to the training cycle.
            if months < rules.min_duration_months:
                add("duration.too_short", ERROR, f"Le contrat dure {months:.1f} mois : {rules.min_duration_months} mois au minimum.", SOURCE_CT_DURATION, "end_date")
            if months > rules.max_duration_months_with_derogation:
                add("duration.too_long", ERROR, f"Le contrat dure {months:.1f} mois : {rules.max_duration_months_with_derogation} mois au maximum, même avec dérogation.", SOURCE_CT_DURATION, "end_date")
            elif months > rules.max_duration_months and not derogation_longer:
                add("duration.over_3_years", ERROR, f"Le contrat dure {months:.1f} mois : au-delà de {rules.max_duration_months // 12} ans, indiquez la dérogation « allongement de la durée » (22).", SOURCE_CT_DURATION, "derogation_type")
        if contract.signature_date and not contract.is_amendment and contract.signature_date > start:
            add("dates.signature_after_start", ERROR, "La date de conclusion doit précéder ou égaler le début d'exécution.", SOURCE_CERFA, "signature_date")
        practical = contract.practical_training_start_date
        if practical:
            limit = _months_after(start, rules.max_months_to_practical_start)
            if practical < start or practical > limit or practical > end:
                add("dates.practical_start", ERROR, f"La formation pratique chez l'employeur doit commencer entre le {start:%d/%m/%Y} et le {min(limit, end):%d/%m/%Y}.", SOURCE_CT_START, "practical_training_start_date")
            if contract.signature_date and practical < contract.signature_date:
                add("dates.practical_before_signature", ERROR, "La formation pratique ne peut pas commencer avant la signature du contrat.", SOURCE_CERFA, "practical_training_start_date")
        training_start = contract.training_start_date
        if training_start:
            limit = _months_after(start, rules.max_months_to_training_start)
            if training_start > limit:
                add("dates.training_start_late", ERROR, f"La formation au CFA doit commencer au plus tard 3 mois après le début du contrat (le {limit:%d/%m/%Y}).", SOURCE_CT_START, "training_start_date")
            if contract.signature_date and training_start < contract.signature_date and not contract.is_amendment:
                add("dates.training_before_signature", WARNING, "La formation au CFA commence avant la signature : vérifiez que l'apprenti·e était inscrit·e sous statut de stagiaire.", SOURCE_CERFA, "training_start_date")
        # A first contract: the learner may start at the CFA without an employer for 3 months at
        # most (L6222-12-1); the limit is the alerts' seeking limit (RuleSettings.seeking_limit_days).
        entered = apprentice.training_start_date
        if contract.contract_type == ContractType.FIRST and entered and (start - entered).days > rules.seeking_limit_days:
            add("dates.without_employer_too_long", WARNING,
                f"L'apprenti·e est entré·e en formation le {entered:%d/%m/%Y}, {(start - entered).days} jours avant le début "
                f"du contrat : sans employeur, la formation au CFA est limitée à {rules.seeking_limit_days} jours (3 mois). "
                "Vérifiez la date d'entrée en formation ou le statut de l'apprenti·e pendant cette période.",
                SOURCE_CT_WITHOUT_EMPLOYER, "start_date")
        if contract.exams_end_date:
            limit = _months_after(contract.exams_end_date, rules.max_months_after_exams)
            if end > limit:
                add("dates.end_after_exams", ERROR, f"Le contrat doit finir au plus tard 3 mois après la fin des épreuves (le {limit:%d/%m/%Y}).", SOURCE_CERFA, "end_date")

    # --- 4. Working time and training hours --------------------------------------------------
    if contract.weekly_hours is not None and contract.weekly_hours > rules.max_weekly_hours:
        add("hours.weekly_max", ERROR, f"Durée hebdomadaire de {contract.weekly_hours} h : {rules.max_weekly_hours} h au maximum.", SOURCE_CT_HOURS, "weekly_hours")
    if apprentice.birth_date and start and age_on(apprentice.birth_date, start) < 18:
        _check_minor_hours(add, contract, rules)
    if contract.training_hours and start and end:
        contract_hours = Decimal((end - start).days + 1) / Decimal(365) * rules.yearly_hours_basis
        share = Decimal(contract.training_hours) / contract_hours * 100 if contract_hours else Decimal(0)
        if is_pro:
            if share < rules.pro_min_training_share or contract.training_hours < rules.pro_min_training_hours:
                add("training.pro_share", ERROR, f"Contrat de professionnalisation : la formation ({contract.training_hours} h, {share:.1f} %) doit représenter au moins {rules.pro_min_training_share} % de la durée et {rules.pro_min_training_hours} h.", SOURCE_PRO, "training_hours")
            elif share > rules.pro_max_training_share:
                add("training.pro_share_high", WARNING, f"La formation représente {share:.1f} % de la durée : au-delà de {rules.pro_max_training_share} %, un accord de branche doit le prévoir.", SOURCE_PRO, "training_hours")
        elif share < rules.min_training_share:
            add("training.share", ERROR, f"La formation ({contract.training_hours} h) représente {share:.1f} % de la durée du contrat : {rules.min_training_share} % au minimum sur la base de {rules.yearly_hours_basis} h par an.", SOURCE_CT_TRAINING, "training_hours")

    # --- 5. Maîtres d'apprentissage: adult, eligible, under capacity ---------------------------
    for index, master in enumerate(masters, 1):
        if master.birth_date and start and age_on(master.birth_date, start) < 18:
            add(f"master_{index}.minor", ERROR, f"Le maître d'apprentissage n° {index} doit être majeur au début du contrat.", SOURCE_CERFA, "master")
        years = master.experience_years or 0
        related_diploma = master.diploma_level is not None and master.diploma_level >= programme.level
        needed = rules.ma_experience_years_with_diploma if related_diploma else rules.ma_experience_years_without_diploma
        if master.experience_years is None:
            add(f"master_{index}.experience_missing", WARNING, f"Maître d'apprentissage n° {index} : années d'expérience non renseignées.", SOURCE_CT_MA, "master")
        elif years < needed:
            add(f"master_{index}.eligibility", WARNING, f"Maître d'apprentissage n° {index} : {years} {'an' if years < 2 else 'ans'} d'expérience ; il en faut {needed} {'avec' if related_diploma else 'sans'} diplôme du niveau de la formation (sauf accord de branche).", SOURCE_CT_MA, "master")
        load = master_loads.get(master.pk, MasterLoad())
        if is_pro:
            if load.alternants_all_kinds + 1 > rules.tutor_max_alternants:
                add(f"master_{index}.capacity", ERROR, f"Le tuteur n° {index} suit déjà {load.alternants_all_kinds} alternant·es : {rules.tutor_max_alternants} au maximum.", SOURCE_PRO, "master")
        else:
            extended_here = contract.contract_type == ContractType.AMEND_EXTENSION_EXAM_FAILURE
            ordinary = load.apprentices - load.extended + (0 if extended_here else 1)
            extended = load.extended + (1 if extended_here else 0)
            if ordinary > rules.ma_max_apprentices or extended > rules.ma_max_extended:
                add(f"master_{index}.capacity", ERROR, f"Le maître d'apprentissage n° {index} encadre déjà {load.apprentices} apprenti·e{'s' if load.apprentices > 1 else ''} : {rules.ma_max_apprentices} au maximum, plus {rules.ma_max_extended} dont la formation est prolongée après un échec.", SOURCE_CT_MA, "master")
            elif load.alternants_all_kinds + 1 > rules.tutor_max_alternants:
                add(f"master_{index}.capacity_all", WARNING, f"Le maître d'apprentissage n° {index} suivrait {load.alternants_all_kinds + 1} alternant·es tous contrats confondus : {rules.tutor_max_alternants} au maximum.", SOURCE_CT_MA, "master")

    # --- 6. Identifier formats -------------------------------------------------------------------
    _format_problems(add, company.siret, validate_siret, "format.siret", "SIRET de l'employeur", "company")
    _format_problems(add, company.naf_code, validate_naf, "format.naf", "Code NAF", "company")
    _format_problems(add, company.idcc, validate_idcc, "format.idcc", "IDCC", "company")
    _format_problems(add, organisation.get("uai"), validate_uai, "format.uai", "UAI du CFA", "")
    _format_problems(add, organisation.get("siret"), validate_siret, "format.of_siret", "SIRET du CFA", "")
    _format_problems(add, programme.rncp_code, validate_rncp, "format.rncp", "Code RNCP", "programme")
    _format_problems(add, programme.cfd_code, validate_cfd, "format.cfd", "Code diplôme (CFD)", "programme")
    # A public employer deposits the contract with the DDETS, not with an OPCO (Code du travail
    # D6224-1): no OPCO to find for it.
    if not company.opco and company.idcc not in ("9999", "9998") and not company.is_public:
        add("opco.unknown", WARNING, f"L'OPCO de l'IDCC {company.idcc} est inconnu : imposez-le sur la fiche entreprise.", "reference/idcc_opco.csv", "company")

    # --- 7. Salary at least the legal minimum -----------------------------------------------------
    if smic_monthly is None:
        add("salary.no_smic", WARNING, f"Aucun SMIC de référence n'est enregistré pour le {start:%d/%m/%Y} : ajoutez-le dans les données de référence.", SOURCE_CT_SALARY, "")
    elif apprentice.birth_date and start and end and contract.gross_monthly_salary is not None:
        periods = minimum_periods
        if periods is None:  # computed here with the rates of domain.md §2.1 when the caller did not
            if is_pro:
                qualified = holds_pro_qualification(apprentice.highest_diploma)
                periods = professionalisation_periods(birth_date=apprentice.birth_date, start=start, end=end, smic_monthly=smic_monthly, smc_monthly=smc_monthly, qualified=qualified)
            else:
                periods = apprenticeship_periods(birth_date=apprentice.birth_date, start=start, end=end, smic_monthly=smic_monthly, smc_monthly=smc_monthly)
        minimum = periods[0].monthly_amount
        if contract.gross_monthly_salary < minimum:
            add("salary.below_minimum", ERROR, f"Le salaire à l'embauche ({contract.gross_monthly_salary} €) est inférieur au minimum légal ({minimum} €, {periods[0].rate} % du {periods[0].base}).", SOURCE_CT_SALARY, "gross_monthly_salary")
    return report


__all__ = ["ERROR", "WARNING", "ContractRules", "Finding", "MasterLoad", "PreflightReport", "check_contract"]
