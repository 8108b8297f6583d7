"""Phone numbers: validated against the real numbering plans, stored in one form, shown the French way.

Rule (issue 15 §12): a phone number is accepted exactly when the State's Tableau de bord de
l'apprentissage accepts it, so that a learner we record is never refused by the dashboard for
« Numéro de téléphone invalide ».

Source: mission-apprentissage/flux-retour-cfas, ``shared/models/parts/zodPrimitives.ts``
(``extensions.phone``) and ``shared/utils/phone.ts`` (``getDomTomISOCountryCodeFromPhoneNumber``),
version of 20 August 2026 (commit 12cb59e9). Their check, with libphonenumber's full metadata:

1. spaces, dots, dashes and brackets are removed;
2. a number without country code is read in the plan of metropolitan France, unless its national
   prefix is one of the overseas departments (0590/0690 Guadeloupe, 0594/0694 Guyane, 0596/0696
   Martinique, 0262/0269/0692/0693 La Réunion and Mayotte);
3. not a possible length → « Format invalide »; not an allocated range (e.g. 07 00 to 07 29,
   unallocated by the ARCEP) → « Numéro de téléphone invalide »;
4. premium-rate, pager, voicemail and shared-cost numbers are refused (« numéro spécial »);
5. what they store: ``0`` + national number for metropolitan France, E.164 otherwise
   (+262692123456).

We use ``phonenumbers`` (the Python port of the same Google library and metadata).

Stored form (our decision): the French display form, « 06 12 34 56 78 », for every number that
the dashboard reads back in the French plan (metropolitan and the overseas departments above,
whose national prefixes are distinct: « 06 92 12 34 56 » is Réunion), and the international
format otherwise (« +32 470 12 34 56 », « +262 639 … » for a Mayotte mobile typed with its
country code). People read and type the national form; it is unambiguous; the export turns it
into what the dashboard stores (``tdb_form``) and the search keys keep their national digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberFormat, PhoneNumberType

SOURCE_TDB_PHONE = "Tableau de bord de l'apprentissage, schéma v3 (flux-retour-cfas, zodPrimitives.ts, 20/08/2026)"

_SEPARATORS = re.compile(r"[\-.()\s]")
# getDomTomISOCountryCodeFromPhoneNumber: the first three digits after the national 0.
_OVERSEAS_PREFIXES = {
    "690": "GP", "590": "GP",
    "694": "GF", "594": "GF",
    "696": "MQ", "596": "MQ",
    "692": "RE", "693": "RE", "262": "RE", "269": "RE",
}
# The dashboard refuses these types as « numéro spécial ».
_SPECIAL_TYPES = {
    PhoneNumberType.PREMIUM_RATE, PhoneNumberType.PAGER, PhoneNumberType.VOICEMAIL, PhoneNumberType.SHARED_COST,
}

FORMAT_ERROR = _(
    "Ce numéro de téléphone n'a pas le bon nombre de chiffres : saisissez 10 chiffres (par exemple 06 12 34 56 78) "
    "ou le format international (+33 6 12 34 56 78, +262 692 12 34 56)."
)
UNALLOCATED_ERROR = _(
    "Ce numéro de téléphone n'existe pas dans le plan de numérotation : vérifiez ses chiffres (10 en France, par exemple "
    "06 12 34 56 78 ; les numéros en 07 00 à 07 29 ne sont pas attribués) ou son indicatif (+262 pour La Réunion)."
)
SPECIAL_ERROR = _(
    "Ce numéro est un numéro spécial (surtaxé, messagerie, coût partagé) : saisissez un numéro de fixe ou de mobile."
)


def default_region(compact: str) -> str:
    """The region a number without country code is read in (the dashboard's rule, step 2)."""
    national = compact[1:] if compact.startswith("0") else compact
    return _OVERSEAS_PREFIXES.get(national[:3], "FR")


@dataclass(frozen=True)
class PhoneCheck:
    """The outcome of reading a typed number: ``error`` is None when the number is accepted."""

    number: phonenumbers.PhoneNumber | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_phone(value: str | None) -> PhoneCheck:
    """Read ``value`` as the Tableau de bord does (steps 1–4 of the module's docstring)."""
    compact = _SEPARATORS.sub("", str(value or "").strip())
    try:
        number = phonenumbers.parse(compact, default_region(compact))
    except phonenumbers.NumberParseException:
        return PhoneCheck(None, str(FORMAT_ERROR))
    if not phonenumbers.is_possible_number(number):
        return PhoneCheck(number, str(FORMAT_ERROR))
    if not phonenumbers.is_valid_number(number):
        return PhoneCheck(number, str(UNALLOCATED_ERROR))
    if phonenumbers.number_type(number) in _SPECIAL_TYPES:
        return PhoneCheck(number, str(SPECIAL_ERROR))
    return PhoneCheck(number, None)


def tdb_form(number: phonenumbers.PhoneNumber) -> str:
    """What the dashboard stores (step 5): 0 + national number in France, E.164 elsewhere."""
    if phonenumbers.region_code_for_number(number) == "FR":
        return f"0{number.national_number}"
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display_form(number: phonenumbers.PhoneNumber) -> str:
    """« 06 12 34 56 78 » when the dashboard reads these ten digits back as the same number,
    else the international format."""
    national = f"0{number.national_number}"
    if len(national) == 10:
        again = check_phone(national)
        if again.ok and again.number.country_code == number.country_code and again.number.national_number == number.national_number:
            return " ".join([national[:2]] + [national[i:i + 2] for i in range(2, 10, 2)])
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def normalize_phone_number(value: str | None) -> str:
    """The stored form of a typed number; empty stays empty. Raises a French ``ValidationError``
    (saying how to fix it) when the dashboard would refuse the number."""
    if not str(value or "").strip():
        return ""
    checked = check_phone(value)
    if not checked.ok:
        raise ValidationError(checked.error, code="phone")
    return display_form(checked.number)


def validate_phone_number(value: str | None) -> None:
    normalize_phone_number(value)


def format_phone(value: str | None) -> str:
    """A stored number as shown: its display form when it is valid, else as typed (numbers typed
    before the check existed are kept as they were and flagged by the Tableau de bord pre-check)."""
    checked = check_phone(value) if value else None
    return display_form(checked.number) if checked and checked.ok else (value or "")
