import re
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import CertificationKind, DiplomaCode, QualificationLevel, Role
from alternance.validators import (
    normalize_rncp,
    normalize_siret,
    normalize_uai,
    validate_cfd,
    validate_competence_block_code,
    validate_postal_code,
    validate_rhythm_pattern,
    validate_rncp,
    validate_siret,
    validate_uai,
)


class Site(models.Model):
    """A place where the OF trains (Cerfa « lieu principal de réalisation de la formation », Tableau
    de bord « établissement lieu de formation »): its own UAI and SIRET, its address. A cohort is
    taught at one site; an archived site leaves the choices for new cohorts, its cohorts keep it."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    uai = models.CharField(_("code UAI"), max_length=8, unique=True, validators=[validate_uai])
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(_("code postal"), max_length=5, validators=[validate_postal_code])
    city = models.CharField(_("commune"), max_length=100)
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("site de formation")
        verbose_name_plural = _("sites de formation")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(uai__regex=r"^[0-9]{7}[A-Z]$"), name="site_uai_format"),
            models.CheckConstraint(condition=models.Q(siret__regex=r"^[0-9]{14}$"), name="site_siret_format"),
            models.CheckConstraint(condition=models.Q(postal_code__regex=r"^[0-9]{5}$"), name="site_postal_code_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})" if self.city else self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean_fields(self, exclude=None) -> None:
        # What people type ("075 1234 j", "732 829 320 00074") becomes the stored form first.
        self.uai = normalize_uai(self.uai)
        self.siret = normalize_siret(self.siret)
        self.postal_code = (self.postal_code or "").strip()
        super().clean_fields(exclude=exclude)


class Programme(models.Model):
    """A certification the OF prepares (diploma or professional title), as the Cerfa names it."""

    title = models.CharField(_("intitulé"), max_length=255, unique=True)
    short_title = models.CharField(_("intitulé court"), max_length=60, blank=True)
    certification_kind = models.CharField(
        _("type de certification"), max_length=10, choices=CertificationKind.choices, default=CertificationKind.RNCP,
        help_text=_("Un CQP ou une qualification de branche peut ne pas avoir de code RNCP : il se prépare alors en "
                    "contrat de professionnalisation seulement (L6314-1, L6325-1)."),
    )
    rncp_code = models.CharField(_("code RNCP"), max_length=9, validators=[validate_rncp], db_index=True, blank=True)
    cfd_code = models.CharField(_("code diplôme (CFD)"), max_length=8, validators=[validate_cfd], blank=True)
    diploma_code = models.PositiveSmallIntegerField(_("type de diplôme (Cerfa)"), choices=DiplomaCode.choices)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=QualificationLevel.choices)
    duration_months = models.PositiveSmallIntegerField(_("durée (mois)"))
    training_hours = models.PositiveIntegerField(_("heures de formation"))
    # Whether the public application page of this programme is open (issue 13 §1).
    admissions_open = models.BooleanField(_("candidatures ouvertes"), default=False)
    # An archived programme leaves the choices for new records (admissions, new cohorts, the public
    # list) and stays on the records that already use it.
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(archived_at__isnull=True) | models.Q(admissions_open=False), name="programme_archived_closed"
            ),
            # Training length between 6 months and 4 years (Cerfa generator), TDB accepts 1–48.
            models.CheckConstraint(condition=models.Q(duration_months__gte=6, duration_months__lte=48), name="programme_duration_6_48"),
            models.CheckConstraint(condition=models.Q(training_hours__gt=0), name="programme_training_hours_positive"),
            models.CheckConstraint(condition=models.Q(level__in=QualificationLevel.values), name="programme_level_valid"),
            # The RNCP code is required for an RNCP certification, optional for a CQP or a branch qualification.
            models.CheckConstraint(
                condition=models.Q(rncp_code__regex=r"^RNCP[0-9]{3,5}$")
                | (models.Q(rncp_code="") & ~models.Q(certification_kind=CertificationKind.RNCP)),
                name="programme_rncp_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.rncp_code or self.get_certification_kind_display()})"

    @property
    def is_rncp(self) -> bool:
        return bool(self.rncp_code)

    def clean_fields(self, exclude=None) -> None:
        # Normalise what people type ("RNCP 35341", "35341", "32031213 ") before the length checks.
        self.rncp_code = normalize_rncp(self.rncp_code)
        self.cfd_code = re.sub(r"\s", "", self.cfd_code or "").upper()
        super().clean_fields(exclude=exclude)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean(self) -> None:
        errors = {}
        if self.duration_months is not None and not 6 <= self.duration_months <= 48:
            errors["duration_months"] = _("La durée d'une formation en alternance va de 6 à 48 mois.")
        if self.certification_kind == CertificationKind.RNCP and not self.rncp_code:
            errors["rncp_code"] = _("Indiquez le code RNCP de la certification, par exemple RNCP35341 ; pour un CQP ou une "
                                    "qualification de branche sans code RNCP, choisissez ce type de certification.")
        if errors:
            raise ValidationError(errors)


class CompetenceBlock(models.Model):
    """A block of competences of the programme's RNCP certification (France compétences codes them
    « RNCP35341BC01 »): a learner may validate blocks one by one."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="competence_blocks", verbose_name=_("formation"))
    code = models.CharField(_("code du bloc"), max_length=13, validators=[validate_competence_block_code])
    title = models.CharField(_("intitulé"), max_length=255)
    order = models.PositiveSmallIntegerField(_("ordre"), default=1)

    class Meta:
        verbose_name = _("bloc de compétences")
        verbose_name_plural = _("blocs de compétences")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="competence_block_code_unique"),
            models.CheckConstraint(condition=models.Q(code__regex=r"^RNCP[0-9]{3,5}BC[0-9]{2}$"), name="competence_block_code_format"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def clean_fields(self, exclude=None) -> None:
        self.code = re.sub(r"[\s.\-]", "", self.code or "").upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        rncp = getattr(self.programme, "rncp_code", "") if self.programme_id else ""
        if rncp and self.code and not self.code.startswith(f"{rncp}BC"):
            raise ValidationError({"code": _(
                "Le code du bloc doit commencer par le code RNCP de la formation suivi de « BC » et de deux chiffres, "
                "par exemple %(example)s."
            ) % {"example": f"{rncp}BC01"}})


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
    # Nullable: cohorts created before sites existed are taught at the OF itself (its settings).
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="cohorts", verbose_name=_("site de formation"),
    )
    # Places offered; empty = no limit set. Admissions warn when an enrolment would go beyond it.
    capacity = models.PositiveSmallIntegerField(_("capacité (places)"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    rhythm_label = models.CharField(_("rythme d'alternance"), max_length=80, help_text=_("Par exemple : 2 jours CFA / 3 jours entreprise."))
    rhythm_pattern = models.CharField(
        _("motif du rythme"),
        max_length=200,
        validators=[validate_rhythm_pattern],
        help_text=_("Semaine par semaine, séparées par « | » : C = centre, E = entreprise, - = repos. Ex. CCEEE."),
    )
    # Default times of the sessions generated from the calendar (issue 19 §1).
    session_morning_start = models.TimeField(_("début des séances du matin"), default=time(9, 0))
    session_morning_end = models.TimeField(_("fin des séances du matin"), default=time(12, 30))
    session_afternoon_start = models.TimeField(_("début des séances de l'après-midi"), default=time(13, 30))
    session_afternoon_end = models.TimeField(_("fin des séances de l'après-midi"), default=time(17, 0))

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
            models.CheckConstraint(condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0), name="cohort_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(session_morning_end__gt=models.F("session_morning_start"),
                                   session_afternoon_start__gte=models.F("session_morning_end"),
                                   session_afternoon_end__gt=models.F("session_afternoon_start")),
                name="cohort_session_times_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _(
                "La promotion se termine le %(end)s, avant ou le jour même de son début (%(start)s) : "
                "saisissez une date de fin postérieure à la date de début."
            ) % {"end": f"{self.end_date:%d/%m/%Y}", "start": f"{self.start_date:%d/%m/%Y}"}})
        if self.capacity is not None and self.capacity <= 0:
            raise ValidationError({"capacity": _("La capacité est un nombre de places d'au moins 1 ; laissez le champ vide s'il n'y a pas de limite.")})
        if self.exams_end_date and self.start_date and self.exams_end_date < self.start_date:
            raise ValidationError({"exams_end_date": _("La fin des épreuves ne peut pas précéder le début de la promotion.")})
        if self.session_morning_start and self.session_morning_end and self.session_afternoon_start and self.session_afternoon_end and not (
            self.session_morning_start < self.session_morning_end <= self.session_afternoon_start < self.session_afternoon_end
        ):
            raise ValidationError({"session_afternoon_start": _(
                "Les horaires des séances doivent se suivre : début du matin, fin du matin, début de l'après-midi, "
                "fin de l'après-midi (par exemple 09:00, 12:30, 13:30, 17:00)."
            )})
        if self.referent_tutor_id and self.referent_tutor.role != Role.TUTOR:
            raise ValidationError({"referent_tutor": _("Choisissez un compte ayant le rôle formateur·rice référent·e.")})
