"""Forms of the sign-in (issue 19 §2): the code typed by the apprentice, the trainer's marks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.signin.codes import DIGITS, normalise


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code affiché dans la salle"), max_length=12,
        help_text=_("Les 6 chiffres affichés à l'écran, par exemple 123 456. Ils changent toutes les 30 secondes."),
        widget=forms.TextInput(attrs={
            "inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "class": "form-control form-control-lg",
            "autofocus": True,
        }),
        error_messages={"required": _("Saisissez les 6 chiffres affichés à l'écran.")},
    )

    def clean_code(self) -> str:
        code = normalise(self.cleaned_data["code"])
        if len(code) != DIGITS or not code.isdigit():
            raise forms.ValidationError(_("Le code compte 6 chiffres, par exemple 123 456 : vérifiez ce que vous avez saisi."))
        return code


class MarkForm(forms.Form):
    """Note the presence of an apprentice who cannot sign."""

    apprentice = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Motif"), max_length=200, initial=_("Pas de téléphone"),
        error_messages={"required": _("Indiquez pourquoi l'apprenti·e ne signe pas, par exemple « pas de téléphone ».")},
    )
    minutes = forms.IntegerField(
        label=_("Minutes de retard"), min_value=0, initial=0, required=False,
        error_messages={"min_value": _("Le retard ne peut pas être négatif : mettez 0 si l'apprenti·e était à l'heure."),
                        "invalid": _("Saisissez un nombre de minutes, par exemple 15.")},
    )

    def clean_minutes(self) -> int:
        return self.cleaned_data["minutes"] or 0


class StrikeForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"), max_length=200,
        error_messages={"required": _("Indiquez pourquoi vous retirez cette signature, par exemple « absent de la salle ».")},
    )


class CloseForm(forms.Form):
    attest = forms.BooleanField(
        label=_("J'atteste que cette feuille d'émargement est exacte et je la signe."),
        error_messages={"required": _("Cochez l'attestation pour signer et clore la feuille.")},
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la réouverture"), max_length=200,
        error_messages={"required": _("Indiquez pourquoi vous rouvrez l'émargement, par exemple « apprenti·e oublié·e ».")},
    )
