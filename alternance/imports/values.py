"""Interpreting one cell: dates (real Excel dates, Excel serial numbers, JJ/MM/AAAA, AAAA-MM-JJ),
booleans (Oui/Non/1/0/X), sex (M/F/H/Homme/Femme), numbers written the French way, Cerfa codes
given as a code or as their label, identifiers typed with spaces or stored by Excel as numbers.

Each parser takes a non-empty cell value and returns the Python value, or raises ``CellError``
whose message quotes the value and says how to write it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from alternance.phones import normalize_phone_number

EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 10_000, 80_000  # 1927-05-18 … 2119-01-10: plausible dates only


class CellError(Exception):
    """A cell that cannot be read; ``str()`` is the French message (value quoted, how to fix)."""


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value) -> str:
    """The cell as the person sees it, for messages and reports."""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return _("VRAI") if value else _("FAUX")
    return str(value)


def fold(text: str) -> str:
    """Lowercase, accents and punctuation removed, single spaces: « Féminin » → « feminin »."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --- text ----------------------------------------------------------------------------------------

def parse_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return shown(value)
    return " ".join(str(value).split())


def parse_identifier(value) -> str:
    """SIRET, INE, NIR…: a number Excel stored as a number becomes its digits again."""
    if isinstance(value, bool):
        raise CellError(_("« %(value)s » n'est pas un identifiant.") % {"value": shown(value)})
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_postal_code(value) -> str:
    """5 digits. A number cell of 4 digits is a code whose leading zero Excel removed (01000 →
    1000); in a text cell, 4 digits stay an error that says so (it may as well be a typo)."""
    text = parse_identifier(value).replace(" ", "")
    if isinstance(value, int | float) and re.fullmatch(r"\d{4}", text):
        return "0" + text
    if re.fullmatch(r"\d{4}", text):
        raise CellError(_(
            "« %(value)s » n'a que 4 chiffres : un code postal en a 5. S'il commence par 0 (Ain, Aisne, Allier…), "
            "le tableur a pu supprimer ce zéro : écrivez par exemple 0%(value)s."
        ) % {"value": text})
    return text


def parse_phone(value) -> str:
    """A number checked against the numbering plans as the Tableau de bord checks it, stored
    « 06 12 34 56 78 » (``alternance.phones``, issue 15 §12)."""
    text = parse_identifier(value)
    if not isinstance(value, str) and re.fullmatch(r"[1-9]\d{8}", text):
        text = "0" + text  # 0612345678 stored as a number by Excel
    try:
        return normalize_phone_number(text)
    except ValidationError as error:
        raise CellError(_("« %(value)s » : %(error)s") % {"value": shown(value), "error": error.messages[0]}) from None


def parse_email(value) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(
            _("« %(value)s » n'est pas une adresse e-mail valide : écrivez-la sous la forme prenom.nom@exemple.fr.")
            % {"value": shown(value)}
        ) from None
    return text


def parse_department(value) -> str:
    """Birth département: 75, 2A, 974, 99; a 5-digit postal or INSEE code gives its département."""
    text = parse_identifier(value).upper().replace(" ", "")
    if re.fullmatch(r"\d", text):
        return "0" + text
    if re.fullmatch(r"\d{5}", text) or re.fullmatch(r"2[AB]\d{3}", text):
        if text.startswith("97"):
            return text[:3]
        if text.startswith("20"):
            raise CellError(_("« %(value)s » : pour la Corse, indiquez le département 2A ou 2B.") % {"value": shown(value)})
        return text[:2]
    return text


# --- dates ---------------------------------------------------------------------------------------

DATE_HELP = "JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ"


def _date_or_error(year: int, month: int, day: int, value) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            _("« %(value)s » n'est pas une date qui existe (jour ou mois impossible) : vérifiez-la et écrivez-la %(help)s.")
            % {"value": shown(value), "help": DATE_HELP}
        ) from None


def _from_serial(serial: float, value) -> date:
    from openpyxl.utils.datetime import from_excel

    if not EXCEL_SERIAL_MIN <= serial <= EXCEL_SERIAL_MAX:
        raise CellError(
            _("« %(value)s » n'est pas une date : écrivez-la %(help)s.") % {"value": shown(value), "help": DATE_HELP}
        )
    return from_excel(serial).date()


def parse_date(value) -> date:
    """A real date cell, an Excel serial number (date shown as a number), or a text date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(_("« %(value)s » n'est pas une date : écrivez-la %(help)s.") % {"value": shown(value), "help": DATE_HELP})
    if isinstance(value, int | float):
        return _from_serial(float(value), value)
    text = str(value).strip()
    if match := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text):
        day, month, year = map(int, match.groups())
        return _date_or_error(year, month, day, value)
    if match := re.fullmatch(r"(\d{4})[\-/.](\d{1,2})[\-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?", text):
        year, month, day = map(int, match.groups())
        return _date_or_error(year, month, day, value)
    if match := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        year, month, day = map(int, match.groups())
        if 1900 <= year <= 2100:
            return _date_or_error(year, month, day, value)
    if re.fullmatch(r"\d{5}(?:[.,]0+)?", text):
        return _from_serial(float(text.replace(",", ".")), value)
    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}", text):
        raise CellError(
            _("« %(value)s » : l'année sur 2 chiffres est ambiguë (19xx ou 20xx ?). Écrivez l'année sur 4 chiffres, %(help)s.")
            % {"value": shown(value), "help": DATE_HELP}
        )
    raise CellError(_("« %(value)s » n'est pas une date : écrivez-la %(help)s.") % {"value": shown(value), "help": DATE_HELP})


TIME_HELP = "HH:MM (par exemple 09:00 ou 13:30) ; 9h et 9h30 sont aussi acceptés"
MINUTES_PER_DAY = 24 * 60


def _time_or_error(hours: int, minutes: int, value) -> time:
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise CellError(
            _("« %(value)s » n'est pas une heure qui existe (de 00:00 à 23:59 ; minuit s'écrit 00:00) : écrivez-la %(help)s.")
            % {"value": shown(value), "help": TIME_HELP}
        )
    return time(hours, minutes)


def parse_time(value) -> time:
    """A time of day to the minute: a real time cell, a date-and-time cell (its time), an Excel
    fraction of a day (0.375 = 09:00, rounded to the minute), or a text time « 09:00 », « 9:00 »,
    « 9h », « 9h30 », « 09:00:00 ». 24:00 is refused (a session ends at 23:59 at the latest)."""
    if isinstance(value, datetime):
        value = value.time()
    if isinstance(value, time):
        return time(value.hour, value.minute)
    if isinstance(value, bool):
        raise CellError(_("« %(value)s » n'est pas une heure : écrivez-la %(help)s.") % {"value": shown(value), "help": TIME_HELP})
    if isinstance(value, int | float):
        minutes = round(float(value) * MINUTES_PER_DAY)
        if value < 0 or minutes >= MINUTES_PER_DAY:  # 1 (a whole day) is 24:00
            raise CellError(_("« %(value)s » n'est pas une heure : écrivez-la %(help)s.") % {"value": shown(value), "help": TIME_HELP})
        return time(minutes // 60, minutes % 60)
    text = str(value).strip()
    if match := re.fullmatch(r"(\d{1,2})\s*[hH]\s*(\d{2})?", text):
        return _time_or_error(int(match.group(1)), int(match.group(2) or 0), value)
    if match := re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text):
        if match.group(3) and int(match.group(3)) != 0:
            raise CellError(_("« %(value)s » : indiquez l'heure à la minute près, sans secondes, par exemple 09:00.")
                            % {"value": shown(value)})
        return _time_or_error(int(match.group(1)), int(match.group(2)), value)
    raise CellError(_("« %(value)s » n'est pas une heure : écrivez-la %(help)s.") % {"value": shown(value), "help": TIME_HELP})


# --- booleans, sex -------------------------------------------------------------------------------

TRUE_WORDS = {"oui", "o", "1", "x", "vrai", "true", "yes", "y", "ok", "coche"}
FALSE_WORDS = {"non", "n", "0", "faux", "false", "no", "-"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = fold(value) if str(value).strip() != "-" else "-"
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(
        _("« %(value)s » n'est pas compris comme oui ou non : écrivez Oui ou Non (1/0 ou X pour oui sont aussi acceptés).")
        % {"value": shown(value)}
    )


SEX_WORDS = {
    "m": "M", "h": "M", "homme": "M", "masculin": "M", "garcon": "M", "monsieur": "M", "mr": "M", "1": "M",
    "f": "F", "femme": "F", "feminin": "F", "fille": "F", "madame": "F", "mme": "F", "mlle": "F", "mademoiselle": "F", "2": "F",
}


def parse_sex(value) -> str:
    word = fold(parse_identifier(value) if isinstance(value, int | float) else value)
    if word in SEX_WORDS:
        return SEX_WORDS[word]
    raise CellError(
        _("« %(value)s » : indiquez M (masculin) ou F (féminin) ; H, Homme, Femme, M. et Mme sont aussi acceptés.")
        % {"value": shown(value)}
    )


# --- numbers -------------------------------------------------------------------------------------

def parse_int(value) -> int:
    if isinstance(value, bool):
        raise CellError(_("« %(value)s » n'est pas un nombre entier : écrivez par exemple 35.") % {"value": shown(value)})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = re.sub(r"[\s\u202f\xa0]", "", str(value))
    text = re.sub(r"[.,]0+$", "", text)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise CellError(_("« %(value)s » n'est pas un nombre entier : écrivez-le en chiffres, par exemple 35.") % {"value": shown(value)})


def parse_decimal(value) -> Decimal:
    """French or English notation, with or without thousands separators and the € sign."""
    if isinstance(value, bool):
        raise CellError(_("« %(value)s » n'est pas un nombre.") % {"value": shown(value)})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(round(value, 6)))
    text = re.sub(r"[\s\u202f\xa0€]|EUR", "", str(value), flags=re.IGNORECASE)
    if "," in text and "." in text:
        # The last separator is the decimal one: 1.234,56 or 1,234.56.
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise InvalidOperation
        return Decimal(text)
    except InvalidOperation:
        raise CellError(
            _("« %(value)s » n'est pas un nombre : écrivez-le avec une virgule pour les décimales, par exemple 1 234,56.")
            % {"value": shown(value)}
        ) from None


# --- codes given as a code or as a label ----------------------------------------------------------

def choice_parser(choices, *, synonyms: dict[str, object] | None = None, what: str = ""):
    """A parser for a Cerfa code list: the code itself (« 54 », 54), its label (« BTS ») or a
    synonym. ``choices`` is a Django Choices class."""
    by_code = {str(value): value for value in choices.values}
    by_label = {fold(label): value for value, label in choices.choices}
    extra = {fold(word): code for word, code in (synonyms or {}).items()}

    def parse(value):
        text = parse_identifier(value) if isinstance(value, int | float) else str(value).strip()
        if text in by_code:
            return by_code[text]
        if re.fullmatch(r"\d+", text) and str(int(text)) in by_code:
            return by_code[str(int(text))]
        folded = fold(text)
        for table in (extra, by_label):
            if folded in table:
                return table[folded]
        # « 54 - BTS » / « 54 BTS »: a code followed by its label, as some ERPs export them.
        if (match := re.match(r"(\d+)\b", text)) and match.group(1) in by_code:
            return by_code[match.group(1)]
        if len(choices.choices) <= 12:
            listing = ", ".join(f"{code} ({label})" for code, label in choices.choices)
        else:
            listing = ", ".join(str(code) for code in choices.values)
        raise CellError(
            _("« %(value)s » ne correspond à aucune valeur de la liste %(what)s : utilisez un code ou son libellé exact — %(listing)s.")
            % {"value": shown(value), "what": what, "listing": listing}
        )

    return parse


# --- identifiers with their own check --------------------------------------------------------------

def parse_siret(value) -> str:
    """14 digits (spaces, dots and dashes removed) with a valid key, La Poste's rule included."""
    from alternance.validators import normalize_siret, validate_siret

    text = parse_identifier(value)
    compact = normalize_siret(text)
    try:
        validate_siret(compact)
    except ValidationError as error:
        if error.code == "siret_checksum":
            raise CellError(
                _("%(value)s n'est pas un SIRET valide (clé de contrôle). Vérifiez les 14 chiffres sur l'avis de situation INSEE.")
                % {"value": shown(value)}
            ) from None
        raise CellError(
            _("%(value)s n'est pas un SIRET : il faut 14 chiffres (SIREN 9 + NIC 5), la cellule en contient %(count)s. "
              "Recopiez-le depuis l'avis de situation INSEE, par exemple 732 829 320 00074.")
            % {"value": shown(value), "count": sum(c.isdigit() for c in compact)}
        ) from None
    return compact


def parse_ine(value) -> str:
    from alternance.validators import validate_ine

    compact = re.sub(r"[\s.\-]", "", parse_identifier(value)).upper()
    try:
        validate_ine(compact)
    except ValidationError as error:
        raise CellError(_("« %(value)s » : %(message)s") % {"value": shown(value), "message": error.messages[0]}) from None
    return compact


def parse_nir(value) -> str:
    """A NIR; the cell is quoted masked in the error (issue 17 §5: never the whole number in a message).
    The masked value of an error report sent back is recognised and explained."""
    from alternance.validators import MASK, mask_nir, normalize_nir, validate_nir

    text = parse_identifier(value)
    if MASK in text:
        raise CellError(_(
            "« %(value)s » : le NIR est masqué dans le rapport d'erreurs. Recopiez-le depuis votre fichier d'origine, "
            "ou videz la cellule pour garder le NIR déjà enregistré."
        ) % {"value": mask_nir(text)})
    compact = normalize_nir(text)
    try:
        validate_nir(compact)
    except ValidationError as error:
        raise CellError(_("« %(value)s » : %(message)s") % {"value": mask_nir(text), "message": error.messages[0]}) from None
    return compact
