"""French number formats for the templates: amounts in euros with their thousands separator
(« 3 720,00 € ») where ``floatformat`` alone would print « 3720,00 »."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

from alternance.french import de as _de

register = template.Library()


@register.filter
def de(name) -> str:
    """« de Martin », « d'Eva »: the preposition with its elision (``{{ name|de }}``)."""
    return _de(name)

NBSP = "\u00a0"


@register.filter
def euros(value, decimals: int = 2) -> str:
    """« 3 720,00 € »: French grouping and decimal comma, a non-breaking space before the sign.
    Empty for a missing value (the template decides what to show instead)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number_format(amount, int(decimals), use_l10n=True, force_grouping=True)}{NBSP}€"


@register.filter
def nombre(value) -> str:
    """« 12 345 »: an integer with the French thousands separator (a row count, a progress)."""
    if value is None or value == "":
        return ""
    return number_format(int(value), 0, use_l10n=True, force_grouping=True)
