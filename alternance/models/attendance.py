from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus


class AttendanceRecord(models.Model):
    """Attendance of one apprentice for one half-day at the OF (register or individual entry)."""

    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, related_name="attendance_records", verbose_name=_("apprenti·e")
    )
    day = models.DateField(_("date"))
    half = models.CharField(_("demi-journée"), max_length=2, choices=HalfDay.choices)
    status = models.CharField(_("présence"), max_length=10, choices=AttendanceStatus.choices)
    minutes_late = models.PositiveSmallIntegerField(_("minutes de retard"), default=0)
    justification = models.CharField(
        _("justification"), max_length=10, choices=JustificationStatus.choices, default=JustificationStatus.NONE
    )
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    proof = models.ForeignKey(
        "contracts.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("justificatif")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("saisi par")
    )
    recorded_at = models.DateTimeField(_("saisi le"), auto_now_add=True)
    # Justification workflow (issue 6): the apprentice submits a proof, staff accept or refuse it.
    justification_submitted_at = models.DateTimeField(_("justificatif déposé le"), null=True, blank=True)
    justification_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("justificatif examiné par"),
    )
    justification_reviewed_at = models.DateTimeField(_("justificatif examiné le"), null=True, blank=True)
    review_comment = models.CharField(_("commentaire de l'examen"), max_length=255, blank=True)
    # When the employer contact was told of this unjustified absence (one email per record).
    employer_notified_at = models.DateTimeField(_("employeur prévenu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-day", "half"]
        indexes = [
            models.Index(fields=["apprentice", "day"], name="attendance_apprentice_day_idx"),
            models.Index(fields=["day", "status"], name="attendance_day_status_idx"),
            # The justifications waiting for a decision: the reviewers' queue and the menu's badge
            # on every page (a handful among the whole register). In the queue's order with its id:
            # a page's keys are read from the index alone (2 363 pending at 20 000 learners).
            models.Index(
                fields=["justification_submitted_at", "day", "id"], condition=models.Q(justification="pending"),
                name="attendance_pending_keys_idx",
            ),
            # The absences and lateness, in id order (the API's list and its count, issue 18 §2): a
            # tenth of the register, read from this index alone instead of scanning every half-day.
            models.Index(
                fields=["id"], condition=models.Q(status__in=("absent", "late")), name="attendance_absence_id_idx",
            ),
            # One apprentice's absences and lateness, latest first (the extranet homes, « Mes absences »,
            # the employer's page of an apprentice): a tenth of its half-days, read without the present
            # ones (an employer's 57 apprentices: 112 rows instead of 1 468 at 20 000 learners).
            models.Index(
                fields=["apprentice", "-day"], condition=models.Q(status__in=("absent", "late")),
                name="attendance_absences_idx",
            ),
            # The few absences reported to an employer, among the whole register (Qualiopi 12).
            models.Index(
                fields=["employer_notified_at"], condition=models.Q(employer_notified_at__isnull=False),
                name="attendance_notified_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["apprentice", "day", "half"], name="attendance_one_per_half_day"),
            models.CheckConstraint(condition=models.Q(status__in=AttendanceStatus.values), name="attendance_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status=AttendanceStatus.LATE, minutes_late__gt=0)
                | (~models.Q(status=AttendanceStatus.LATE) & models.Q(minutes_late=0)),
                name="attendance_minutes_late_only_when_late",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AttendanceStatus.PRESENT) | models.Q(justification=JustificationStatus.NONE),
                name="attendance_present_not_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.apprentice} — {self.day:%d/%m/%Y} {self.get_half_display()} : {self.get_status_display()}"

    @property
    def is_justified(self) -> bool:
        return self.justification == JustificationStatus.ACCEPTED

    def clean(self) -> None:
        errors = {}
        if self.status == AttendanceStatus.LATE and not self.minutes_late:
            errors["minutes_late"] = _("Indiquez le nombre de minutes de retard.")
        if self.status != AttendanceStatus.LATE and self.minutes_late:
            errors["minutes_late"] = _("Les minutes de retard ne concernent qu'un retard : remettez 0.")
        if self.status == AttendanceStatus.PRESENT and self.justification != JustificationStatus.NONE:
            errors["justification"] = _("Une présence n'a pas à être justifiée.")
        if errors:
            raise ValidationError(errors)


class AttendanceSettings(models.Model):
    """Absence rules the OF sets itself (one row). No legal deadline exists for reporting absences
    to the employer nor for justifying them (domain §3): these are the OF's internal rules."""

    justification_deadline_days = models.PositiveSmallIntegerField(
        _("délai pour justifier une absence (jours calendaires)"), default=7,
        help_text=_("Passé ce délai, l'apprenti·e ne peut plus déposer de justificatif en ligne."),
    )
    notify_employer_on_unjustified = models.BooleanField(
        _("prévenir l'employeur d'une absence non justifiée"), default=True,
        help_text=_("Un e-mail part vers les contacts de l'entreprise dès la saisie de l'absence."),
    )
    proof_max_size_mb = models.PositiveSmallIntegerField(_("taille maximale d'un justificatif (Mo)"), default=5)
    signin_late_tolerance_minutes = models.PositiveSmallIntegerField(
        _("tolérance de retard à l'émargement (minutes)"), default=10,
        help_text=_("Une signature au-delà de ce délai après le début de la séance est notée en retard, avec l'heure."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("paramètres des absences")
        verbose_name_plural = _("paramètres des absences")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="attendance_settings_single_row"),
            models.CheckConstraint(condition=models.Q(proof_max_size_mb__gte=1, proof_max_size_mb__lte=20), name="attendance_proof_size_1_20"),
            models.CheckConstraint(condition=models.Q(signin_late_tolerance_minutes__lte=60), name="attendance_signin_tolerance_0_60"),
        ]

    def __str__(self) -> str:
        return str(_("Paramètres des absences"))

    @classmethod
    def load(cls) -> "AttendanceSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class AttendanceTally(models.Model):
    """Half-days recorded and attended (present or late) per cohort and day: the register summed.

    Derived data, kept in step by ``alternance.attendance.tallies`` (the register's services, the demo, and the
    nightly run for the last weeks), so that the dashboard reads a few thousand rows instead of
    scanning the register — 430 000 rows over its 58-day window at 20 000 learners.
    """

    cohort = models.ForeignKey("alternance.Cohort", on_delete=models.CASCADE, related_name="+", verbose_name=_("promotion"))
    day = models.DateField(_("date"))
    recorded = models.PositiveIntegerField(_("demi-journées relevées"))
    attended = models.PositiveIntegerField(_("demi-journées présentes ou en retard"))

    class Meta:
        verbose_name = _("cumul de présence")
        verbose_name_plural = _("cumuls de présence")
        ordering = ["day", "cohort"]
        indexes = [models.Index(fields=["day"], name="attendance_tally_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "day"], name="attendance_tally_one_per_cohort_day"),
            models.CheckConstraint(condition=models.Q(attended__lte=models.F("recorded")), name="attendance_tally_attended_le_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} — {self.day:%d/%m/%Y} : {self.attended}/{self.recorded}"
