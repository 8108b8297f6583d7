"""Forms of the core app. Forms validate input only; writes go through services."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Login by email address (users have no username); the email is matched case-insensitively
    by ``UserManager.get_by_natural_key``."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie ; en cas d'oubli, "
            "utilisez le lien « Mot de passe oublié ? »."
        ),
        "inactive": _("Ce compte est désactivé. Contactez l'équipe alternance pour le réactiver."),
    }
