"""The format rules of the Tableau de bord template, applied to every row before the file exists.

Source: sheet « Description des données » of ``modele/tdb_modele_import_2025-01-29.xlsx`` (column
« Format » and « Obligatoire »), completed by domain.md §9 where the sheet is loose or
inconsistent:
- UAI: the sheet says « 7 chiffres suivis d'une lettre »; we also check the letter (domain §9),
  since the dashboard loses learners over UAI mismatches;
- SIRET: « 14 chiffres (SIREN + NIC) »; we also check the Luhn key (La Poste exception included);
- RNCP: the sheet says « RNCP + 5 chiffres ou 5 chiffres »; older certifications have 3 or 4
  digits and the dashboard's own validator accepts ``RNCP\\d{3,5}`` (as domain §9): we do too;
- CFD: the sheet says « 8 chiffres » but shows its example from the CFD nomenclature, whose codes
  may hold letters: ``[A-Z0-9]{3}\\d{3}[A-Z0-9]{2}`` (domain §9, the dashboard's regex);
- INE: « 11 caractères » — 10 digits + 1 letter, 9 digits + 2 letters, or the apprenticeship
  form ``\\d{4}A\\d{5}[A-Z]`` (the sheet's third bullet counts only 10 characters; domain §9).

A value is never repaired silently beyond what the sheet itself allows (« espace/tiret/point
possible à la saisie, retrait lors du traitement » for phones and SIRETs): a value that breaks a
rule — required or optional — rejects the row, with a French message that names the record to
fix. A row that is rejected is not in the file.

Every function here is pure: values in, problems out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from alternance.tdb.columns import BY_NAME, COLUMNS, MAX_CONTRACTS, Kind, Need, contract_field
from alternance.validators import INE_PATTERNS, validate_siret, validate_uai

# --- where a value comes from (to say where to fix it) ------------------------------------------


@dataclass(frozen=True)
class Source:
    """The record a value is read from: ``kind`` is apprentice, company, contract, cohort,
    programme or setting; ``pk`` its id (None for a setting); ``label`` its name."""

    kind: str
    pk: int | None
    label: str

    def fix_hint(self) -> str:
        hints = {
            "apprentice": _("Corrigez la fiche de l'apprenti·e %(label)s."),
            "company": _("Corrigez la fiche de l'entreprise %(label)s."),
            "contract": _("Corrigez le contrat %(label)s."),
            "cohort": _("Corrigez la promotion « %(label)s » dans l'administration."),
            "programme": _("Corrigez la formation « %(label)s » dans l'administration."),
            "setting": _("Corrigez la variable d'environnement %(label)s de l'instance (fichier .env)."),
        }
        return hints[self.kind] % {"label": self.label}


@dataclass(frozen=True)
class Problem:
    column: str
    message: str
    source: Source

    def as_dict(self) -> dict:
        return {"column": self.column, "message": self.message, "source": self.source.kind, "source_id": self.source.pk}


@dataclass
class TdbRow:
    """One learner for one school year: the values of the template's columns (None = empty cell)
    and what the checks need to know beyond the cells."""

    apprentice_id: int
    name: str
    values: dict[str, object]
    sources: dict[str, Source]
    default_source: Source
    # Per contract slot (1..4): whether that contract was broken (a rupture date is then required).
    ruptured: tuple[bool, ...] = ()
    # The learner dropped out / was excluded (the exclusion date is then required).
    dropped_out: bool = False
    # Contracts beyond the fourth (the template has no column for them): descriptions for the message.
    extra_contracts: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    def source(self, column: str) -> Source:
        return self.sources.get(column, self.default_source)

    @property
    def ok(self) -> bool:
        return not self.problems

    def rejection(self) -> dict:
        """The row as stored in ``TdbExport.rejections``."""
        return {"apprentice_id": self.apprentice_id, "name": self.name, "problems": [p.as_dict() for p in self.problems]}


# --- format checks: value → None when valid, else what is expected (French) ---------------------

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
POSTAL_CODE_RE = re.compile(r"^\d{5}$")
PHONE_RE = re.compile(r"^(0\d{9}|\+33\d{9})$")
DEPARTMENT_RE = re.compile(r"^(0\d{2}|0?2[AB]|9[78]\d|99\d)$")
SIFA_SITUATION_RE = re.compile(r"^\d{4}$")
SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")
RNCP_RE = re.compile(r"^RNCP\d{3,5}$")
CFD_RE = re.compile(r"^[A-Z0-9]{3}\d{3}[A-Z0-9]{2}$")
CFA_TYPES = tuple(f"{n:02d}" for n in range(1, 11))


def normalize_phone(value: str) -> str:
    """« espace/tiret/point possible à la saisie, retrait lors du traitement » (template)."""
    return re.sub(r"[\s.\-]", "", value or "")


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def check_alpha(value) -> str | None:
    # « au moins 1 lettre, espace/tiret/accent possibles - pas de chiffre. Caractères spéciaux acceptés »
    if not _text(value) or not any(ch.isalpha() for ch in value) or any(ch.isdigit() for ch in value):
        return _("au moins une lettre, sans chiffre")
    return None


def check_email(value) -> str | None:
    return None if _text(value) and EMAIL_RE.match(value.strip()) else _("une adresse de la forme texte@texte.texte")


def check_postal_code(value) -> str | None:
    return None if isinstance(value, str) and POSTAL_CODE_RE.match(value) else _("5 chiffres")


def check_text(value) -> str | None:
    # « Chaîne de caractères alphanumériques »
    return None if _text(value) and any(ch.isalnum() for ch in value) else _("un texte avec des lettres ou des chiffres")


def check_short_label(value) -> str | None:
    # « Suite de caractères alphanumériques »; the API refuses fewer than 2 characters.
    return None if _text(value) and len(value.strip()) >= 2 else _("au moins 2 caractères")


def check_ine(value) -> str | None:
    if isinstance(value, str) and any(re.fullmatch(pattern, value) for pattern in INE_PATTERNS):
        return None
    return _("11 caractères : 10 chiffres et 1 lettre, 9 chiffres et 2 lettres, ou 4 chiffres, A, 5 chiffres et 1 lettre")


def check_phone(value) -> str | None:
    # « 10 caractères numériques commençant par 1 zéro … ou Indicateur national (+33) + 9 caractères numériques »
    if isinstance(value, str) and PHONE_RE.match(value):
        return None
    return _("10 chiffres commençant par 0, ou +33 suivi de 9 chiffres")


def check_sex(value) -> str | None:
    return None if value in ("M", "F") else _("M ou F")


# The organisation's UAI and SIRETs are on every row and employers repeat from row to row: the
# checksum checks are memoised (pure functions of a string).
@lru_cache(maxsize=8192)
def check_uai(value) -> str | None:
    try:
        validate_uai(value)
    except ValidationError:
        return _("7 chiffres suivis de la bonne lettre de contrôle, par exemple 0751234J")
    return None


def check_uai_or_department(value) -> str | None:
    # « 7 chiffres suivis d'une lettre … ou numéro de département sur 3 chiffres »
    if isinstance(value, str) and (check_uai(value) is None or DEPARTMENT_RE.match(value)):
        return None
    return _("un code UAI (7 chiffres et une lettre) ou un numéro de département sur 3 chiffres")


@lru_cache(maxsize=8192)
def check_siret(value) -> str | None:
    try:
        validate_siret(value)
    except ValidationError:
        return _("14 chiffres (SIREN + NIC) avec une clé de contrôle valide")
    return None


def check_sifa_situation(value) -> str | None:
    return None if isinstance(value, str) and SIFA_SITUATION_RE.match(value) else _("4 chiffres de la nomenclature SIFA")


def check_cfa_type(value) -> str | None:
    return None if value in CFA_TYPES else _("un code de 01 à 10 (nomenclature SIFA)")


def check_school_year(value) -> str | None:
    match = SCHOOL_YEAR_RE.match(value) if isinstance(value, str) else None
    if match and int(match.group(2)) == int(match.group(1)) + 1:
        return None
    return _("AAAA-AAAA avec deux années consécutives")


def _int_between(low: int, high: int) -> Callable[[object], str | None]:
    def check(value) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return None
        return _("un nombre entier de %(low)s à %(high)s") % {"low": low, "high": high}

    return check


def check_rncp(value) -> str | None:
    return None if isinstance(value, str) and RNCP_RE.match(value) else _("RNCP suivi de 3 à 5 chiffres, par exemple RNCP35340")


def check_cfd(value) -> str | None:
    return None if isinstance(value, str) and CFD_RE.match(value) else _("8 caractères, par exemple 32031213")


def check_date(value) -> str | None:
    # The file carries real dates (the template's date cells); the JSON writes them AAAA-MM-JJ.
    return None if isinstance(value, date) else _("une date")


def check_bool(value) -> str | None:
    return None if isinstance(value, bool) else _("VRAI ou FAUX")


def check_free_text(value) -> str | None:
    return None if _text(value) else _("un texte")


FORMAT_CHECKS: dict[str, Callable[[object], str | None]] = {
    "nom_apprenant": check_alpha,
    "prenom_apprenant": check_alpha,
    "sexe_apprenant": check_sex,
    "code_postal_de_naissance_apprenant": check_postal_code,
    "email_contact": check_email,
    "adresse_apprenant": check_text,
    "code_postal_apprenant": check_postal_code,
    "ine_apprenant": check_ine,
    "tel_apprenant": check_phone,
    "responsable_apprenant_mail1": check_email,
    "responsable_apprenant_mail2": check_email,
    "dernier_organisme_uai": check_uai_or_department,
    "derniere_situation": check_sifa_situation,
    "type_cfa": check_cfa_type,
    "etablissement_responsable_uai": check_uai,
    "etablissement_responsable_siret": check_siret,
    "etablissement_formateur_uai": check_uai,
    "etablissement_formateur_siret": check_siret,
    "etablissement_lieu_de_formation_uai": check_uai,
    "etablissement_lieu_de_formation_siret": check_siret,
    "etablissement_lieu_de_formation_adresse": check_text,
    "etablissement_lieu_de_formation_code_postal": check_postal_code,
    "annee_scolaire": check_school_year,
    "annee_formation": _int_between(1, 5),
    "formation_rncp": check_rncp,
    "formation_cfd": check_cfd,
    "duree_theorique_formation_mois": _int_between(1, 48),
    "libelle_court_formation": check_short_label,
    "cause_exclusion_formation": check_free_text,
    "nom_referent_handicap_formation": check_alpha,
    "prenom_referent_handicap_formation": check_alpha,
    "email_referent_handicap_formation": check_email,
    **{contract_field("siret_employeur", n): check_siret for n in range(1, MAX_CONTRACTS + 1)},
    **{contract_field("cause_rupture_contrat", n): check_free_text for n in range(1, MAX_CONTRACTS + 1)},
}
# Dates and booleans: their kind is their rule.
for _column in COLUMNS:
    if _column.kind is Kind.DATE:
        FORMAT_CHECKS[_column.name] = check_date
    elif _column.kind is Kind.BOOL:
        FORMAT_CHECKS[_column.name] = check_bool
del _column
assert set(FORMAT_CHECKS) == set(BY_NAME), "every column of the template has its rule"
REQUIRED_NAMES = tuple(column.name for column in COLUMNS if column.need is Need.REQUIRED)


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _shown(value) -> str:
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)


# --- the checks ---------------------------------------------------------------------------------


class _Checker:
    def __init__(self, row: TdbRow):
        self.row, self.values, self.problems = row, row.values, []

    def add(self, column: str, message: str, source: Source | None = None) -> None:
        source = source or self.row.source(column)
        self.problems.append(Problem(column=column, message=f"{message} {source.fix_hint()}", source=source))

    def missing(self, column: str, source: Source | None = None, why: str = "") -> None:
        label = BY_NAME[column].label
        text = _("%(label)s : donnée obligatoire manquante%(why)s.") % {"label": label, "why": f" ({why})" if why else ""}
        self.add(column, text, source)

    def present(self, column: str) -> bool:
        return not is_empty(self.values.get(column))

    def date(self, column: str) -> date | None:
        value = self.values.get(column)
        return value if isinstance(value, date) else None


def check_formats(values: dict[str, object], columns=None) -> list[tuple[str, str]]:
    """(column, expected) for each present value that breaks its format; ``columns`` restricts
    the check (the organisation's columns are checked once, see ``organisation_problems``)."""
    errors = []
    for name in columns or BY_NAME:
        value = values.get(name)
        if is_empty(value):
            continue
        expected = FORMAT_CHECKS[name](value)
        if expected:
            errors.append((name, expected))
    return errors


def validate_row(row: TdbRow) -> list[Problem]:
    """Every rule of the template on one row: required columns, formats, and the consistency the
    descriptions imply (dates in order, a contract's columns together, successive contracts)."""
    check = _Checker(row)
    values = row.values
    for name in REQUIRED_NAMES:
        if is_empty(values.get(name)):
            check.missing(name)
    for name, expected in check_formats(values):
        check.add(name, _("%(label)s invalide (« %(value)s ») : %(expected)s attendu.") % {
            "label": BY_NAME[name].label, "value": _shown(values[name]), "expected": expected,
        })

    # Training dates: enrolment ≤ entry ≤ planned end.
    enrolment, entry, end = check.date("date_inscription_formation"), check.date("date_entree_formation"), check.date("date_fin_formation")
    if enrolment and entry and enrolment > entry:
        check.add("date_entree_formation", _("L'entrée en formation (%(entry)s) précède l'inscription (%(enrolment)s).") % {
            "entry": _shown(entry), "enrolment": _shown(enrolment)})
    if entry and end and end < entry:
        check.add("date_fin_formation", _("La fin de formation (%(end)s) précède l'entrée en formation (%(entry)s).") % {
            "end": _shown(end), "entry": _shown(entry)})

    # « Date de reconnaissance du statut de travailleur handicapé » only with the status itself.
    if check.present("date_rqth_apprenant") and values.get("rqth_apprenant") is not True:
        check.add("date_rqth_apprenant", _("Une date de RQTH est indiquée alors que la RQTH n'est pas cochée."))
    # « Date d'obtention du diplôme … À remplir si le diplôme a été obtenu ».
    obtained = values.get("obtention_diplome_formation")
    if obtained is True and not check.present("date_obtention_diplome_formation"):
        check.missing("date_obtention_diplome_formation", why=_("le diplôme est indiqué comme obtenu"))
    if check.present("date_obtention_diplome_formation") and obtained is not True:
        check.add("date_obtention_diplome_formation", _("Une date d'obtention du diplôme est indiquée sans que le diplôme soit obtenu."))

    # « Oui, s'il y a une rupture de formation »: the exclusion date, on or after the entry.
    exclusion = check.date("date_exclusion_formation")
    if row.dropped_out and not check.present("date_exclusion_formation"):
        check.missing("date_exclusion_formation", why=_("l'apprenti·e a abandonné ou été exclu·e"))
    if exclusion and entry and exclusion < entry:
        check.add("date_exclusion_formation", _("La date d'exclusion (%(day)s) précède l'entrée en formation.") % {"day": _shown(exclusion)})
    if check.present("cause_exclusion_formation") and not check.present("date_exclusion_formation"):
        check.missing("date_exclusion_formation", why=_("une cause d'exclusion est indiquée"))

    _check_contracts(check)
    if row.extra_contracts:
        check.add(
            "contrats",
            _("%(count)s contrats d'apprentissage : le modèle n'a de colonnes que pour %(max)s contrats successifs, "
              "ce dossier ne peut pas être déclaré tel quel (au-delà du 4e : %(extra)s). Vérifiez qu'aucun avenant n'a été "
              "saisi comme un nouveau contrat (un avenant se rattache au contrat qu'il modifie) ; sinon, déclarez ce "
              "dossier directement sur le tableau de bord.") % {
                "count": MAX_CONTRACTS + len(row.extra_contracts), "max": MAX_CONTRACTS, "extra": " ; ".join(row.extra_contracts),
            },
        )
    return check.problems


def _check_contracts(check: _Checker) -> None:
    """« Oui, s'il y a un contrat » for the start, end and SIRET; « Oui, s'il y a rupture » for the
    rupture date; the 2nd contract comes « suite à la rupture du 1er », and so on."""
    row = check.row
    previous_end: date | None = None
    previous_present = True
    for number in range(1, MAX_CONTRACTS + 1):
        debut, fin, siret, rupture, cause = (
            contract_field(name, number)
            for name in ("contrat_date_debut", "contrat_date_fin", "siret_employeur", "contrat_date_rupture", "cause_rupture_contrat")
        )
        present = check.present(debut)
        others = [name for name in (fin, siret, rupture, cause) if check.present(name)]
        if not present:
            if others:
                check.missing(debut, why=_("d'autres colonnes du contrat %(n)s sont remplies") % {"n": number})
            previous_present = False
            continue
        if not previous_present:
            check.add(debut, _("Le contrat %(n)s est déclaré sans contrat %(before)s.") % {"n": number, "before": number - 1})
        if not check.present(fin):
            check.missing(fin, why=_("le contrat %(n)s a une date de début") % {"n": number})
        if not check.present(siret):
            check.missing(siret, why=_("le contrat %(n)s a une date de début") % {"n": number})
        broken = number <= len(row.ruptured) and row.ruptured[number - 1]
        if broken and not check.present(rupture):
            check.missing(rupture, why=_("le contrat %(n)s a été rompu") % {"n": number})
        if check.present(cause) and not check.present(rupture):
            check.missing(rupture, why=_("une cause de rupture est indiquée"))
        start, end, broke = check.date(debut), check.date(fin), check.date(rupture)
        if start and end and end <= start:
            check.add(fin, _("La fin du contrat %(n)s (%(end)s) ne suit pas son début (%(start)s).") % {
                "n": number, "end": _shown(end), "start": _shown(start)})
        if start and broke and (broke < start or (end and broke > end)):
            check.add(rupture, _("La rupture du contrat %(n)s (%(day)s) n'est pas entre son début et sa fin.") % {
                "n": number, "day": _shown(broke)})
        if start and previous_end and start < previous_end:
            check.add(debut, _("Le contrat %(n)s commence le %(start)s, avant la fin du contrat %(before)s (%(end)s) : "
                               "les contrats déclarés doivent se succéder.") % {
                "n": number, "start": _shown(start), "before": number - 1, "end": _shown(previous_end)})
        previous_end = broke or end
        previous_present = True


def organisation_problems(values: dict[str, object], variables: dict[str, str]) -> list[Problem]:
    """The organisation's columns (same on every row) checked once: a problem there blocks the
    whole export, since every row would carry it."""
    problems = []
    for name, variable in variables.items():
        source = Source("setting", None, variable)
        if is_empty(values.get(name)):
            if BY_NAME[name].need is Need.REQUIRED:
                problems.append(Problem(name, _("%(label)s : donnée obligatoire manquante. %(fix)s") % {
                    "label": BY_NAME[name].label, "fix": source.fix_hint()}, source))
            continue
        expected = FORMAT_CHECKS[name](values[name])
        if expected:
            problems.append(Problem(name, _("%(label)s invalide (« %(value)s ») : %(expected)s attendu. %(fix)s") % {
                "label": BY_NAME[name].label, "value": values[name], "expected": expected, "fix": source.fix_hint()}, source))
    return problems
