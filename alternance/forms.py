"""Forms of the core app. Forms validate input only; writes go through services."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
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


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset whose email leaves through the Celery task (retried on SMTP errors), so a
    slow or failing mail server never blocks the request. In-process when no broker is set."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        from alternance.outbox import email_queue

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        email_queue(subject=subject, body=body, to=[to_email], html_body=html_body)  # kept in the outbox until sent
