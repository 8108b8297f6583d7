from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import DiplomaCode, QualificationLevel, Role
from alternance.validators import normalize_rncp, validate_cfd, validate_rhythm_pattern, validate_rncp


class Programme(models.Model):
    """A certification the OF prepares (diploma or professional title), as the Cerfa names it."""

    title = models.CharField(_("intitulé"), max_length=255, unique=True)
    short_title = models.CharField(_("intitulé court"), max_length=60, blank=True)
    rncp_code = models.CharField(_("code RNCP"), max_length=9, validators=[validate_rncp], db_index=True)
    cfd_code = models.CharField(_("code diplôme (CFD)"), max_length=8, validators=[validate_cfd], blank=True)
    diploma_code = models.PositiveSmallIntegerField(_("type de diplôme (Cerfa)"), choices=DiplomaCode.choices)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=QualificationLevel.choices)
    duration_months = models.PositiveSmallIntegerField(_("durée (mois)"))
    training_hours = models.PositiveIntegerField(_("heures de formation"))
    # Whether the public application page of this programme is open (issue 13 §1).
    admissions_open = models.BooleanField(_("candidatures ouvertes"), default=False)

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        ordering = ["title"]
        constraints = [
            # Training length between 6 months and 4 years (Cerfa generator), TDB accepts 1–48.
            models.CheckConstraint(condition=models.Q(duration_months__gte=6, duration_months__lte=48), name="programme_duration_6_48"),
            models.CheckConstraint(condition=models.Q(training_hours__gt=0), name="programme_training_hours_positive"),
            models.CheckConstraint(condition=models.Q(level__in=QualificationLevel.values), name="programme_level_valid"),
            models.CheckConstraint(condition=models.Q(rncp_code__regex=r"^RNCP[0-9]{3,5}$"), name="programme_rncp_format"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.rncp_code})"

    def clean_fields(self, exclude=None) -> None:
        # Normalise what people type ("RNCP 35341", "35341", "32031213 ") before the length checks.
        self.rncp_code = normalize_rncp(self.rncp_code)
        self.cfd_code = (self.cfd_code or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.duration_months is not None and not 6 <= self.duration_months <= 48:
            raise ValidationError({"duration_months": _("La durée d'une formation en alternance va de 6 à 48 mois.")})


class Cohort(models.Model):
    """A promotion: learners following one programme over the same period, with one referent tutor."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("formation"))
    name = models.CharField(_("nom"), max_length=120, unique=True)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    exams_end_date = models.DateField(_("fin prévue des épreuves"), null=True, blank=True)
    referent_tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referred_cohorts",
        limit_choices_to={"role": Role.TUTOR},
        verbose_name=_("formateur·rice référent·e"),
    )
    rhythm_label = models.CharField(_("rythme d'alternance"), max_length=80, help_text=_("Par exemple : 2 jours CFA / 3 jours entreprise."))
    rhythm_pattern = models.CharField(
        _("motif du rythme"),
        max_length=200,
        validators=[validate_rhythm_pattern],
        help_text=_("Semaine par semaine, séparées par « | » : C = centre, E = entreprise, - = repos. Ex. CCEEE."),
    )

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-start_date", "name"]
        indexes = [models.Index(fields=["start_date", "end_date"], name="cohort_dates_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")), name="cohort_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(exams_end_date__isnull=True) | models.Q(exams_end_date__gte=models.F("start_date")),
                name="cohort_exams_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("La date de fin doit être postérieure à la date de début.")})
        if self.exams_end_date and self.start_date and self.exams_end_date < self.start_date:
            raise ValidationError({"exams_end_date": _("La fin des épreuves ne peut pas précéder le début de la promotion.")})
        if self.referent_tutor_id and self.referent_tutor.role != Role.TUTOR:
            raise ValidationError({"referent_tutor": _("Choisissez un compte ayant le rôle formateur·rice référent·e.")})
