"""Validators and normalisers for the identifiers of the domain (domain.md §9).

Each validator raises a French ``ValidationError`` that says what is expected, so the user can
fix the input. Normalisers turn what people type (spaces, dots, lowercase) into the stored form.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-]", "", str(value or "")).upper()


# --- SIRET (14 digits, Luhn; La Poste's SIREN 356000000 uses "sum of digits % 5 == 0") ---

def normalize_siret(value: str) -> str:
    return _compact(value)


def validate_siret(value: str) -> None:
    """SIRET of an establishment: 14 digits with a valid check (La Poste exception included).

    Source: INSEE; python-stdnum implements the Luhn check and the La Poste rule (domain §9).
    """
    compact = normalize_siret(value)
    if not re.fullmatch(r"\d{14}", compact):
        raise ValidationError(
            _("Le SIRET doit comporter exactement 14 chiffres (SIREN 9 + NIC 5), par exemple 732 829 320 00074."),
            code="siret_format",
        )
    try:
        stdnum_siret.validate(compact)
    except StdnumError:
        raise ValidationError(
            _("Le SIRET %(value)s n'est pas valide (clé de contrôle incorrecte) : vérifiez-le sur l'avis de situation INSEE."),
            code="siret_checksum",
            params={"value": compact},
        ) from None


# --- UAI: 7 characters + check letter ---

def uai_check_letter(first_seven: str) -> str:
    return UAI_LETTERS[int(first_seven) % 23]


def normalize_uai(value: str) -> str:
    return _compact(value)


def validate_uai(value: str) -> None:
    """UAI of a school / CFA: 7 digits + letter = "ABCDEFGHJKLMNPRSTUVWXYZ"[int(7 digits) % 23]."""
    compact = _compact(value)
    if not re.fullmatch(r"\d{7}[A-Z]", compact):
        raise ValidationError(
            _("Le code UAI doit comporter 7 chiffres suivis d'une lettre, par exemple 0751234J."), code="uai_format"
        )
    if uai_check_letter(compact[:7]) != compact[7]:
        raise ValidationError(
            _("Le code UAI %(value)s a une lettre de contrôle incorrecte (attendue : %(letter)s)."),
            code="uai_checksum",
            params={"value": compact, "letter": uai_check_letter(compact[:7])},
        )


# --- RNCP: "RNCP" + 3 to 5 digits; accepted without the prefix ---

def normalize_rncp(value: str) -> str:
    compact = _compact(value)
    if re.fullmatch(r"\d{3,5}", compact):
        return f"RNCP{compact}"
    return compact


def validate_rncp(value: str) -> None:
    if not re.fullmatch(r"RNCP\d{3,5}", normalize_rncp(value)):
        raise ValidationError(
            _("Le code RNCP doit être « RNCP » suivi de 3 à 5 chiffres, par exemple RNCP35341."), code="rncp_format"
        )


# --- RNCP competence block: the certification's RNCP code + "BC" + 2 digits (RNCP35341BC01) ---

def validate_competence_block_code(value: str) -> None:
    """A block of competences as France compétences codes it: the RNCP code, « BC », a 2-digit number."""
    if not re.fullmatch(r"RNCP\d{3,5}BC\d{2}", _compact(value)):
        raise ValidationError(
            _("Le code d'un bloc de compétences s'écrit code RNCP + « BC » + 2 chiffres, par exemple RNCP35341BC01."),
            code="competence_block_format",
        )


# --- CFD: 8 characters [A-Z0-9]{3}\d{3}[A-Z0-9]{2} ---

def validate_cfd(value: str) -> None:
    if not re.fullmatch(r"[A-Z0-9]{3}\d{3}[A-Z0-9]{2}", _compact(value)):
        raise ValidationError(
            _("Le code CFD (code diplôme) doit comporter 8 caractères, par exemple 32031213 ou 50022141."),
            code="cfd_format",
        )


# --- NAF: 4 digits + 1 letter, shown 62.01Z, stored 6201Z ---

def normalize_naf(value: str) -> str:
    return _compact(value)


def validate_naf(value: str) -> None:
    if not re.fullmatch(r"\d{4}[A-Z]", normalize_naf(value)):
        raise ValidationError(
            _("Le code NAF doit comporter 4 chiffres et une lettre, par exemple 62.01Z ou 6201Z."), code="naf_format"
        )


def format_naf(value: str) -> str:
    return f"{value[:2]}.{value[2:]}" if value and len(value) == 5 else value


# --- IDCC: 1 to 4 digits, stored and shown on 4 (9999 = none, 9998 = not yet in force) ---

def normalize_idcc(value: str) -> str:
    compact = _compact(value)
    return compact.zfill(4) if compact.isdigit() and len(compact) <= 4 else compact


def validate_idcc(value: str) -> None:
    if not re.fullmatch(r"\d{4}", normalize_idcc(value)):
        raise ValidationError(
            _("L'IDCC est un numéro de 1 à 4 chiffres (9999 si aucune convention collective), par exemple 1486."),
            code="idcc_format",
        )


# --- INE: 11 characters ---

INE_PATTERNS = (r"\d{10}[A-Z]", r"\d{9}[A-Z]{2}", r"\d{4}A\d{5}[A-Z]")


def validate_ine(value: str) -> None:
    compact = _compact(value)
    if not any(re.fullmatch(p, compact) for p in INE_PATTERNS):
        raise ValidationError(
            _("L'INE doit comporter 11 caractères (10 chiffres + 1 lettre, ou 9 chiffres + 2 lettres), par exemple 1234567890A."),
            code="ine_format",
        )


# --- NIR: 13 characters + 2-digit key; Corsica 2A → 19, 2B → 18 for the key ---

def normalize_nir(value: str) -> str:
    return _compact(value)


def nir_key(first_thirteen: str) -> int:
    numeric = first_thirteen.replace("2A", "19").replace("2B", "18")
    return 97 - int(numeric) % 97


def validate_nir(value: str) -> None:
    """NIR (numéro de sécurité sociale): 13 characters + key = 97 − (number mod 97)."""
    compact = normalize_nir(value)
    if not re.fullmatch(r"[1-478]\d{4}(\d{2}|2A|2B)\d{6}\d{2}", compact):
        raise ValidationError(
            _("Le NIR doit comporter 15 caractères (13 + clé de 2 chiffres), par exemple %(example)s.") % {"example": NIR_EXAMPLE},
            code="nir_format",
        )
    if nir_key(compact[:13]) != int(compact[13:]):
        raise ValidationError(_("La clé du NIR est incorrecte : vérifiez le numéro sur la carte Vitale."), code="nir_key")


# --- NIR masked wherever it would be copied (errors, reports): issue 17 §5 ---
# The NIR is a specially regulated identifier (CNIL; décret n° 2019-341): outside its encrypted
# column it is shown masked. Kept: sex, year and month of birth (enough to find the row among the
# others); masked: department, commune, order number and key.

NIR_EXAMPLE = "1 04 05 75 056 123 45"  # the example the messages give (not a person's number)
NIR_GROUPS = (1, 2, 2, 2, 3, 3, 2)
NIR_KEPT = 5
MASK = "•"
_NIR_SEPARATORS = " .-\u00a0\u202f"
# A NIR-shaped run of characters not glued to other letters or digits; ``_mask_match`` checks its shape.
_NIR_CANDIDATE = re.compile(rf"(?<![\w])[1-478](?:[{_NIR_SEPARATORS}]?[0-9AaBb]){{12,14}}(?![\w])")
_NIR_SHAPE = re.compile(r"[1-478]\d{4}(\d{2}|2A|2B)\d{6}(\d{2})?")


def mask_nir(value) -> str:
    """« 1 85 05 78 006 084 36 » → « 1 85 05 •• ••• ••• •• », whatever its spacing; a value too
    short to be a NIR is masked whole (it may be a truncated one)."""
    compact = "".join(ch for ch in str(value) if ch not in _NIR_SEPARATORS).upper()
    if not compact:
        return ""
    if len(compact) < 10:
        return MASK * len(compact)
    masked = compact[:NIR_KEPT] + MASK * (len(compact) - NIR_KEPT)
    groups, position = [], 0
    for size in NIR_GROUPS:
        if position >= len(masked):
            break
        groups.append(masked[position:position + size])
        position += size
    if position < len(masked):
        groups.append(masked[position:])
    return " ".join(groups)


def _mask_match(match: re.Match) -> str:
    text = match.group(0)
    compact = "".join(ch for ch in text if ch not in _NIR_SEPARATORS).upper()
    if text == NIR_EXAMPLE or len(compact) not in (13, 15) or not _NIR_SHAPE.fullmatch(compact):
        return text
    return mask_nir(text)


def mask_identifiers(text: str) -> str:
    """``text`` with every NIR-shaped number masked (13 characters, or 15 with the key; Corsica
    2A/2B), wherever it sits in a message or a cell. The INE is left as it is: it is not a
    regulated identifier, it is shown on the learner's record and it is what finds the row."""
    return _NIR_CANDIDATE.sub(_mask_match, text) if text else text


# --- Postal code and INSEE commune code ---

def validate_postal_code(value: str) -> None:
    if not re.fullmatch(r"\d{5}", str(value or "").strip()):
        raise ValidationError(_("Le code postal doit comporter 5 chiffres, par exemple 75011."), code="postal_code")


def validate_insee_commune(value: str) -> None:
    if not re.fullmatch(r"([0-9]{2}|2A|2B)[0-9]{3}", _compact(value)):
        raise ValidationError(
            _("Le code commune INSEE comporte 5 caractères (2A/2B pour la Corse), par exemple 75056."), code="insee"
        )


def validate_department(value: str) -> None:
    """Birth département on the Cerfa: 2–3 characters (01–95, 2A, 2B, 971–976), 99 = born abroad."""
    if not re.fullmatch(r"(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6]|99)", _compact(value)):
        raise ValidationError(
            _("Le département de naissance doit être un code comme 75, 2A, 974 ou 99 (né à l'étranger)."),
            code="department",
        )


DECA_RE = r"(\d{3}|02A|02B)\d{4}(0[1-9]|1[0-2])[A-Z0-9]{2}\d{4}"


def validate_deca_number(value: str) -> None:
    """Number of a registered apprenticeship contract (DECA): dépt(3)+year(4)+month(2)+2 chars+4 digits."""
    if not re.fullmatch(DECA_RE, _compact(value)):
        raise ValidationError(
            _("Le numéro de contrat (DECA) doit avoir la forme 075202501000123 : département sur 3, année, mois, 2 caractères, 4 chiffres."),
            code="deca",
        )


def validate_rhythm_pattern(value: str) -> None:
    """Alternance rhythm: weeks separated by "|", one letter per working day (Mon–Fri or Mon–Sat):
    C = centre de formation (OF), E = entreprise, "-" = no activity. Example: "CCEEE" or "CCCCC|EEEEE|EEEEE"."""
    weeks = str(value or "").split("|")
    if not weeks or any(not re.fullmatch(r"[CE\-]{5,6}", week) for week in weeks):
        raise ValidationError(
            _("Le rythme s'écrit semaine par semaine, séparées par « | », une lettre par jour ouvré : "
              "C (centre de formation), E (entreprise) ou - (repos). Exemple : CCEEE ou CCCCC|EEEEE|EEEEE."),
            code="rhythm",
        )


# --- search keys (issue 13 §3): what a search box compares, whatever the accents, case and spacing ---

def fold_text(value: str) -> str:
    """Lower case without accents, every run of punctuation or spaces turned into one space:
    « Élodie N'Diaye-Müller » → « elodie n diaye muller ». The stored search keys and the typed
    query go through the same function, so « ELODIE », « élodie » and « Elodie » find the same row."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(value or "").replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z@._+]+", " ", bare).replace(".", " ").split())


def normalize_phone(value: str) -> str:
    """A French phone number as its 10 national digits (« +33 6 12 34 56 78 », « 06.12.34.56.78 »
    and « 0033612345678 » → 0612345678); other numbers keep their digits as typed."""
    digits = re.sub(r"\D", "", str(value or ""))
    if str(value or "").strip().startswith("+33") or digits.startswith("0033"):
        digits = "0" + digits[4:] if digits.startswith("0033") else "0" + digits[2:]
    return digits


def search_key(names: tuple[str, ...], emails: tuple[str, ...] = ()) -> str:
    """The stored search key of a row: its folded name words, each word also joined with the next
    ones so « N'Diaye » is found by « ndiaye », then its e-mails in lower case (kept whole, so a
    query with an « @ » matches from the start of the address). Starts with a space: the search
    looks for « space + word », which is a word-prefix match (« dup » finds Dupont, « pon » does not)."""
    words: list[str] = []
    for name in names:
        folded = fold_text(name).replace("@", " ").replace("_", " ").replace("+", " ").split()
        words += folded
        if len(folded) > 1:
            words.append("".join(folded))
    words += [str(email).strip().lower() for email in emails if email]
    return " " + " ".join(dict.fromkeys(words))
