"""Login security (issue 17 §9): the organisation's second-factor rule and the password reset log
that throttles the reset e-mails."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import STAFF_ROLES


class SecuritySettings(models.Model):
    """One row (pk 1), edited by the coordinator on « Sécurité des connexions »: the staff roles whose
    accounts must log in with a second factor. Extranet accounts (apprentices, employers) are never
    forced: they log in a few times a year and have no one at the OF to reset a lost phone."""

    second_factor_roles = models.JSONField(_("rôles tenus à la double authentification"), default=list, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("paramètres de sécurité")
        verbose_name_plural = _("paramètres de sécurité")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="security_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Sécurité des connexions"))

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = [role for role in self.second_factor_roles or [] if role not in STAFF_ROLES]
        if unknown or not isinstance(self.second_factor_roles, list):
            raise ValidationError({"second_factor_roles": _("Choisissez parmi les rôles de l'équipe.")})


class PasswordResetRequest(models.Model):
    """One « Mot de passe oublié ? » request: counted per address typed and per client address over
    the last hour to cap the e-mails. The address is kept as a keyed hash only (it may be no
    account's) and rows older than a day are deleted as new ones come."""

    email_digest = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    mailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("demande de réinitialisation de mot de passe")
        verbose_name_plural = _("demandes de réinitialisation de mot de passe")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"
