from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, ConcernedRole, Severity


class Alert(models.Model):
    """A point of vigilance raised by a nightly rule, with the facts behind it.

    The subject is any row (apprentice, contract, company, user…) through a generic key; the
    denormalised ``apprentice`` / ``company`` / ``contract`` links let the access policy scope
    alerts without joins over every subject type. One open alert per (rule, subject) is
    guaranteed by a partial unique constraint, so a rule run twice raises nothing new.
    """

    rule_code = models.CharField(_("règle"), max_length=60, db_index=True)
    severity = models.CharField(_("gravité"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(_("objet"), max_length=255)
    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("apprenti·e")
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("entreprise")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("contrat")
    )
    title = models.CharField(_("intitulé"), max_length=255)
    facts = models.JSONField(_("faits constatés"), default=dict, blank=True)
    recommended_action = models.TextField(_("action recommandée"), blank=True)
    concerned_role = models.CharField(_("qui doit agir"), max_length=20, choices=ConcernedRole.choices)
    status = models.CharField(_("état"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_alerts",
        verbose_name=_("attribuée à"),
    )
    raised_at = models.DateTimeField(_("levée le"))
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(_("close le"), null=True, blank=True)
    resolution_reason = models.TextField(_("motif de clôture"), blank=True)

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["status", "rule_code"], name="alert_status_rule_idx"),
            models.Index(fields=["assignee", "status"], name="alert_assignee_status_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="alert_subject_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "subject_type", "subject_id"],
                condition=models.Q(status__in=OPEN_ALERT_STATUSES),
                name="alert_one_open_per_rule_and_subject",
            ),
            models.CheckConstraint(condition=models.Q(status__in=AlertStatus.values), name="alert_status_valid"),
            models.CheckConstraint(condition=models.Q(severity__in=Severity.values), name="alert_severity_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=AlertStatus.ASSIGNED) | models.Q(assignee__isnull=False), name="alert_assigned_has_assignee"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OPEN_ALERT_STATUSES) | models.Q(resolved_at__isnull=False), name="alert_closed_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.rule_code}] {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALERT_STATUSES

    @classmethod
    def subject_key(cls, obj: models.Model) -> tuple[ContentType, int]:
        return ContentType.objects.get_for_model(obj), obj.pk


class AlertEvent(models.Model):
    """History of an alert: status changes and comments (who, when, from, to, comment)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=AlertStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=AlertStatus.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("événement d'alerte")
        verbose_name_plural = _("historique des alertes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.from_status or '—'} → {self.to_status or 'commentaire'}"
