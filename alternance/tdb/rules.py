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

**The dashboard's own schema** (issue 15 §12): the formats below follow what the Tableau de bord
accepts and refuses today — schema v3 of its learners API and upload, mission-apprentissage/
flux-retour-cfas ``shared/models/parts/dossierApprenantSchemaV3.ts``, ``zodPrimitives.ts`` and
``shared/constants/validations.ts``, version of 20 August 2026 (commit 12cb59e9, zod 3.23,
libphonenumber-js 1.12): phone numbers against the real numbering plans (``alternance.phones``),
e-mails with zod's pattern, RNCP ``(RNCP)?\\d{2,5}``, CFD ``[A-Z0-9]{8}``, UAI ``\\d{7}[A-Z]``,
``annee_formation`` 0 to 5, ``annee_scolaire`` two consecutive or identical years, names any
non-empty text (the template's « pas de chiffre » is not enforced by the dashboard), sex M/F (H,
1 and 2 read as M, M, F), postal codes padded to 5 digits. Stricter on purpose, because the
dashboard would keep the row but lose the learner's link (each has its test):
- the UAI and SIRET of the responsible and training establishments must exist in the
  dashboard's directory of organisations (upload refuses « UAI non valide » / « Siret non
  valide »): a wrong check key cannot be there, so we check the keys (domain §9);
- an employer SIRET must have a valid key: the dashboard stores any 14 digits and the contract
  then points at no company;
- the template's « obligatoire si » rules (contract columns together, dates in order) and the
  required duration in months (the dashboard empties a duration outside 1–48).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from alternance import phones
from alternance.tdb.columns import BY_NAME, COLUMNS, MAX_CONTRACTS, Kind, Need, contract_field
from alternance.validators import validate_siret, validate_uai

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

# zod 3.23's e-mail pattern (z.string().email()), case-insensitive.
EMAIL_RE = re.compile(r"^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}$", re.IGNORECASE)
POSTAL_CODE_RE = re.compile(r"^\d{5}$")
# DERNIER_ORGANISME_UAI_PATTERN (« basé sur les recommandations SIFA »): a département or a UAI.
LAST_ORGANISATION_RE = re.compile(r"^(0?[0-9][0-9]|0?2[AB]|0?9[012345]|97[1234678]|98[678]|99[0135]|[0-9]{7}[a-zA-Z])$")
UAI_RE = re.compile(r"^[0-9]{7}[A-Z]$")
# zEffectifDernierSituation: the SIFA codes of the learner's situation the year before.
SIFA_SITUATIONS = frozenset(
    ["1003", "1005", "1009", "1017", "1019", "1021", "1023", "2001", "2003", "2005", "2007", "3001", "3101", "3003", "3103", "3009", "3109", "3011", "3111", "3031", "3131", "3032", "3132", "3033", "3133", "3117", "3119", "3021", "3121", "3023", "3123", "4001", "4101", "4003", "4103", "4005", "4105", "4007", "4107", "4009", "4011", "4111", "4013", "4113", "4015", "4115", "4017", "4117", "4019", "4119", "4021", "4121", "4023", "4123", "4025", "4125", "4027", "4127", "5901", "5903", "5905", "5907", "5909"]  # noqa: SIM905
)
SCHOOL_YEAR_RE = re.compile(r"^([12][0-9]{3})-([12][0-9]{3})$")
RNCP_RE = re.compile(r"^(RNCP)?[0-9]{2,5}$")
CFD_RE = re.compile(r"^[A-Z0-9]{8}$")
INE_RE = re.compile(r"^([0-9]{9}[A-Z]{2}|[0-9_]{10}[A-Z]|[0-9]{4}A[0-9]{5}[A-Z])$")
CFA_TYPES = tuple(f"{n:02d}" for n in range(1, 11))


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def check_name(value) -> str | None:
    # z.string().trim().min(1): the template's « pas de chiffre » is not enforced by the dashboard.
    return None if _text(value) else _("un nom")


def check_email(value) -> str | None:
    # .trim().email(): zod's pattern (no dots in a row, a domain ending with 2 letters or more).
    return None if _text(value) and EMAIL_RE.match(value.strip()) else _("une adresse de la forme prenom.nom@exemple.fr")


def check_postal_code(value) -> str | None:
    # .padStart(5, "0") then 5 digits: a code whose leading zero a spreadsheet dropped is accepted.
    if isinstance(value, str | int) and not isinstance(value, bool) and POSTAL_CODE_RE.match(str(value).strip().zfill(5)):
        return None
    return _("5 chiffres")


def check_birth_postal_code(value) -> str | None:
    # codePostalOrNull(): the dashboard never refuses this column (an invalid code is emptied).
    return None


def check_text(value) -> str | None:
    # z.string().trim(): any text.
    return None if _text(value) else _("un texte")


def check_short_label(value) -> str | None:
    # « Suite de caractères alphanumériques »; the API refuses fewer than 2 characters.
    return None if _text(value) and len(value.strip()) >= 2 else _("au moins 2 caractères")


def check_ine(value) -> str | None:
    # INE_REGEX (RNIE, BEA, apprentissage), upper-cased first.
    if isinstance(value, str) and INE_RE.match(value.strip().upper()):
        return None
    return _("11 caractères : 10 chiffres et 1 lettre, 9 chiffres et 2 lettres, ou 4 chiffres, A, 5 chiffres et 1 lettre")


def check_phone(value) -> str | None:
    # The numbering plans, as the dashboard reads them (alternance.phones).
    checked = phones.check_phone(value) if isinstance(value, str) else None
    if checked is not None and checked.ok:
        return None
    return _("un numéro attribué du plan de numérotation (par exemple 06 12 34 56 78, ou +262 692 12 34 56 outre-mer)")


def check_sex(value) -> str | None:
    # « M, H ou F attendu »: H, 1 and 2 are read as M, M and F.
    text = str(value).strip().replace("H", "M").replace("1", "M").replace("2", "F") if isinstance(value, str | int) else value
    return None if text in ("M", "F") else _("M ou F")


# The organisation's UAI and SIRETs are on every row and employers repeat from row to row: the
# checksum checks are memoised (pure functions of a string).
@lru_cache(maxsize=8192)
def check_uai(value) -> str | None:
    try:
        validate_uai(value)
    except ValidationError:
        return _("7 chiffres suivis de la bonne lettre de contrôle, par exemple 0751234J")
    return None


def check_uai_format(value) -> str | None:
    # uai(): 7 digits and a letter (the training place's UAI is not looked up in the directory).
    return None if isinstance(value, str) and UAI_RE.match(value.strip().upper()) else _("7 chiffres suivis d'une lettre, par exemple 0751234J")


def check_uai_or_department(value) -> str | None:
    # DERNIER_ORGANISME_UAI_PATTERN: « UAI ou département »
    if isinstance(value, str | int) and not isinstance(value, bool) and LAST_ORGANISATION_RE.match(str(value)):
        return None
    return _("un code UAI (7 chiffres et une lettre) ou un numéro de département (75, 2A, 974)")


@lru_cache(maxsize=8192)
def check_siret(value) -> str | None:
    try:
        validate_siret(value)
    except ValidationError:
        return _("14 chiffres (SIREN + NIC) avec une clé de contrôle valide")
    return None


def check_sifa_situation(value) -> str | None:
    # zEffectifDernierSituation, or 0 (= unknown).
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return None if text.isdigit() and (str(int(text)) in SIFA_SITUATIONS or int(text) == 0) else _("un code de situation de la nomenclature SIFA")


def check_cfa_type(value) -> str | None:
    # padStart(2, "0"), then 01 to 10.
    text = str(value).strip().zfill(2) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return None if text in CFA_TYPES else _("un code de 01 à 10 (nomenclature SIFA)")


def check_school_year(value) -> str | None:
    # « / » and spaces removed; « Les années doivent être consécutives ou identiques ».
    text = value.replace("/", "-").replace(" ", "").strip() if isinstance(value, str) else ""
    match = SCHOOL_YEAR_RE.match(text)
    if match and int(match.group(2)) in (int(match.group(1)), int(match.group(1)) + 1):
        return None
    return _("AAAA-AAAA avec deux années consécutives ou identiques")


def _int_between(low: int, high: int) -> Callable[[object], str | None]:
    def check(value) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return None
        return _("un nombre entier de %(low)s à %(high)s") % {"low": low, "high": high}

    return check


def check_rncp(value) -> str | None:
    # Spaces, dots and dashes removed, upper-cased, then (RNCP)?\d{2,5}.
    text = re.sub(r"[\s.\-]+", "", value).upper() if isinstance(value, str) else ""
    return None if RNCP_RE.match(text) else _("RNCP suivi de 2 à 5 chiffres, par exemple RNCP35340")


def check_cfd(value) -> str | None:
    # z.coerce.string().trim().toUpperCase(), then 8 letters or digits.
    text = str(value).strip().upper() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return None if CFD_RE.match(text) else _("8 chiffres ou lettres, par exemple 32031213")


def check_date(value) -> str | None:
    # The file carries real dates (the template's date cells); the JSON writes them AAAA-MM-JJ.
    return None if isinstance(value, date) else _("une date")


def check_bool(value) -> str | None:
    return None if isinstance(value, bool) else _("VRAI ou FAUX")


def check_free_text(value) -> str | None:
    return None if _text(value) else _("un texte")


FORMAT_CHECKS: dict[str, Callable[[object], str | None]] = {
    "nom_apprenant": check_name,
    "prenom_apprenant": check_name,
    "sexe_apprenant": check_sex,
    "code_postal_de_naissance_apprenant": check_birth_postal_code,
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
    "etablissement_lieu_de_formation_uai": check_uai_format,
    "etablissement_lieu_de_formation_siret": check_siret,
    "etablissement_lieu_de_formation_adresse": check_text,
    "etablissement_lieu_de_formation_code_postal": check_postal_code,
    "annee_scolaire": check_school_year,
    "annee_formation": _int_between(0, 5),
    "formation_rncp": check_rncp,
    "formation_cfd": check_cfd,
    "duree_theorique_formation_mois": _int_between(1, 48),
    "libelle_court_formation": check_short_label,
    "cause_exclusion_formation": check_free_text,
    "nom_referent_handicap_formation": check_free_text,
    "prenom_referent_handicap_formation": check_free_text,
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
