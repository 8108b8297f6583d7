from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import Role, VisitKind, VisitMode


class Visit(models.Model):
    """A tutor's company visit or review (first visit, follow-up, mid-term and end reviews).

    ``grid_answers`` holds the standard visit grid: {criterion code: {"score": int, "comment": str}};
    the criteria and scale are configured data (tutors' workspace issue). ``at_risk`` feeds the
    rupture-risk rule.
    """

    apprentice = models.ForeignKey("alternance.Apprentice", on_delete=models.CASCADE, related_name="visits", verbose_name=_("apprenti·e"))
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.SET_NULL, null=True, blank=True, related_name="visits", verbose_name=_("contrat")
    )
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
        limit_choices_to={"role": Role.TUTOR}, verbose_name=_("formateur·rice"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=VisitKind.choices)
    mode = models.CharField(_("modalité"), max_length=10, choices=VisitMode.choices, default=VisitMode.ON_SITE)
    planned_date = models.DateField(_("date prévue"), null=True, blank=True)
    done_date = models.DateField(_("date de réalisation"), null=True, blank=True)
    grid_answers = models.JSONField(_("grille de visite"), default=dict, blank=True)
    master_feedback = models.TextField(_("point de vue du maître d'apprentissage"), blank=True)
    actions_agreed = models.TextField(_("actions convenues"), blank=True)
    at_risk = models.BooleanField(_("risque de rupture signalé"), default=False)
    risk_comment = models.TextField(_("motif du risque"), blank=True)
    report = models.TextField(_("compte rendu"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visite")
        verbose_name_plural = _("visites")
        ordering = ["-planned_date", "-done_date"]
        indexes = [
            models.Index(fields=["apprentice", "kind"], name="visit_apprentice_kind_idx"),
            models.Index(fields=["tutor", "planned_date"], name="visit_tutor_planned_idx"),
            models.Index(fields=["done_date"], name="visit_done_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=VisitKind.values), name="visit_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(planned_date__isnull=False) | models.Q(done_date__isnull=False), name="visit_has_a_date"
            ),
            models.CheckConstraint(condition=models.Q(at_risk=False) | ~models.Q(risk_comment=""), name="visit_risk_has_comment"),
        ]

    def __str__(self) -> str:
        day = self.done_date or self.planned_date
        return f"{self.get_kind_display()} — {self.apprentice} ({day:%d/%m/%Y})"

    @property
    def is_done(self) -> bool:
        return self.done_date is not None

    def clean(self) -> None:
        errors = {}
        if not self.planned_date and not self.done_date:
            errors["planned_date"] = _("Indiquez la date prévue ou la date de réalisation de la visite.")
        if self.at_risk and not self.risk_comment.strip():
            errors["risk_comment"] = _("Expliquez en quelques mots le risque de rupture signalé.")
        if self.tutor_id and self.tutor.role != Role.TUTOR:
            errors["tutor"] = _("La visite doit être confiée à un·e formateur·rice référent·e.")
        if errors:
            raise ValidationError(errors)
