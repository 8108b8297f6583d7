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
    # The employer's part of the grid (criteria with ``for_employer``), filled on the extranet by
    # the maître d'apprentissage: {criterion code: {"score": int, "comment": str}}.
    employer_grid_answers = models.JSONField(_("grille remplie par l'employeur"), default=dict, blank=True)
    employer_comment = models.TextField(_("commentaire de l'employeur"), blank=True)
    employer_submitted_at = models.DateTimeField(_("évaluation employeur envoyée le"), null=True, blank=True)
    employer_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("évaluation employeur remplie par"),
    )
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
            # The visits planned and not done, soonest first: the weekly meeting's late visits (issue 18 §2).
            models.Index(fields=["planned_date", "id"], name="visit_planned_not_done_idx", condition=models.Q(done_date__isnull=True)),
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


# The grid's scale starts at 1 ("très insuffisant") for every criterion; ``scale_max`` sets its top.
# The rupture-risk rule reads the average on this scale (alerts.RuleSettings.low_grid_score, 1–4).
GRID_SCALE_MIN = 1


class VisitCriterion(models.Model):
    """One criterion of the standard visit grid (domain §5: "a standardised company-visit grid").

    Configured data rather than code: the OF adds, rewords, reorders or retires criteria without a
    release. A visit stores its answers in ``Visit.grid_answers`` under the criterion's ``code``, so
    a retired criterion (``active=False``) stays readable on past visits. Every scale reads the same
    way, 1 = worst, ``scale_max`` = best, so that the average means something to the rupture-risk rule.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    help_text = models.TextField(_("aide à la notation"), blank=True)
    scale_max = models.PositiveSmallIntegerField(_("note maximale"), default=4, help_text=_("L'échelle va de 1 à cette note."))
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("actif"), default=True)
    for_employer = models.BooleanField(
        _("rempli par l'employeur"), default=False, help_text=_("Critère que le maître d'apprentissage renseigne lui-même.")
    )

    class Meta:
        verbose_name = _("critère de la grille de visite")
        verbose_name_plural = _("critères de la grille de visite")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scale_max__gte=2, scale_max__lte=10), name="visit_criterion_scale_2_10"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def scale(self) -> range:
        return range(GRID_SCALE_MIN, self.scale_max + 1)

    def clean(self) -> None:
        if self.scale_max is not None and not 2 <= self.scale_max <= 10:
            raise ValidationError({"scale_max": _("Choisissez une note maximale entre 2 et 10.")})
