"""Forms of the account pages (issue 17 §9): they validate input only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.choices import STAFF_ROLES, Role


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": _("Saisissez le code à 6 chiffres affiché par votre application d'authentification.")},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Le code compte 6 chiffres, sans lettre : recopiez-le depuis votre application."))
        return code


class SecuritySettingsForm(forms.Form):
    second_factor_roles = forms.MultipleChoiceField(
        label=_("Double authentification obligatoire pour"),
        choices=[(role.value, role.label) for role in STAFF_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Les comptes de ces rôles sans double authentification devront l'activer à leur prochaine page "
            "avant de pouvoir utiliser le site. Les apprenti·es et les entreprises n'y sont jamais tenus."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keep the choice labels lazy (French at render time), in the roles' order.
        self.fields["second_factor_roles"].choices = [(role.value, Role(role).label) for role in STAFF_ROLES]
