"""Forms of the absences pages (issue 6). They validate input only; ``attendance.services`` writes
(and checks what needs the data: deadline, proof type read from the file's content, size)."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from alternance.attendance.services import DEADLINE_DAYS_BOUNDS, PROOF_MAX_SIZE_BOUNDS, SIGNIN_TOLERANCE_BOUNDS
from alternance.models import AttendanceSettings

# What the phone's file picker offers (camera or files). Only a hint: the type is checked by content.
PROOF_ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class JustificationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "off"}),
        help_text=_("Par exemple : rendez-vous médical, panne de transport, convocation."),
        error_messages={
            "required": _("Indiquez le motif (par exemple : rendez-vous médical, panne de transport)."),
            "max_length": _("Le motif est trop long : 255 caractères au plus."),
        },
    )
    proof = forms.FileField(
        label=_("Justificatif"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-lg", "accept": PROOF_ACCEPT}),
        help_text=_("Un PDF ou une photo (JPEG ou PNG) lisible du document."),
        error_messages={
            "required": _("Joignez votre justificatif : un PDF ou une photo (JPEG ou PNG)."),
            "empty": _("Le fichier est vide : déposez votre justificatif (PDF, JPEG ou PNG)."),
            "invalid": _("Aucun fichier reçu : choisissez à nouveau votre justificatif."),
        },
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accepter")), ("refuse", _("Refuser"))],
        error_messages={"required": _("Choisissez d'accepter ou de refuser le justificatif."),
                        "invalid_choice": _("Choisissez d'accepter ou de refuser le justificatif.")},
    )
    comment = forms.CharField(
        label=_("Commentaire"), required=False, max_length=255,
        error_messages={"max_length": _("Le commentaire est trop long : 255 caractères au plus.")},
    )


def _bounded_int(label, bounds: tuple[int, int], message, help_text) -> forms.IntegerField:
    low, high = bounds
    text = message % {"low": low, "high": high}
    return forms.IntegerField(
        label=label, min_value=low, max_value=high, help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={"required": text, "min_value": text, "max_value": text, "invalid": _("Saisissez un nombre entier.")},
    )


class AttendanceSettingsForm(forms.Form):
    """The OF's absence rules. Initial values come from ``AttendanceSettings.load()``."""

    justification_deadline_days = _bounded_int(
        capfirst(AttendanceSettings._meta.get_field("justification_deadline_days").verbose_name),
        DEADLINE_DAYS_BOUNDS,
        _("Choisissez un délai de %(low)s à %(high)s jours."),
        _("Jours calendaires après la demi-journée pendant lesquels l'apprenti·e peut déposer un justificatif en ligne "
          "(0 : le jour même seulement). Aucun délai légal n'existe : c'est la règle du centre."),
    )
    proof_max_size_mb = _bounded_int(
        capfirst(AttendanceSettings._meta.get_field("proof_max_size_mb").verbose_name),
        PROOF_MAX_SIZE_BOUNDS,
        _("Choisissez une taille de %(low)s à %(high)s Mo."),
        _("De 1 à 20 Mo. Une photo prise au téléphone pèse en général 2 à 5 Mo."),
    )
    signin_late_tolerance_minutes = _bounded_int(
        capfirst(AttendanceSettings._meta.get_field("signin_late_tolerance_minutes").verbose_name),
        SIGNIN_TOLERANCE_BOUNDS,
        _("Choisissez une tolérance de %(low)s à %(high)s minutes."),
        _("De 0 à 60 minutes. Avec 10, une signature 10 minutes après le début de la séance est à l'heure, "
          "11 minutes après est un retard de 11 minutes."),
    )
    notify_employer_on_unjustified = forms.BooleanField(
        label=capfirst(AttendanceSettings._meta.get_field("notify_employer_on_unjustified").verbose_name),
        required=False,
        help_text=_("Un e-mail part une seule fois, à la saisie de l'absence, vers le maître d'apprentissage et les "
                    "contacts RH de l'entreprise dont le contrat couvre ce jour."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    @classmethod
    def initial_from(cls, row: AttendanceSettings) -> dict:
        return {name: getattr(row, name) for name in cls.base_fields}
