"""Training sessions (issue 19 §1): one block of training at the centre for one cohort.

A session has a date, a start and an end time, a trainer, a subject, an optional RNCP competence
block of the programme, a room. Sessions are generated from the cohort's alternance calendar
(``alternance.sessions.services.sessions_generate``) or typed by staff; they are moved, split,
cancelled (with a reason) and restored through the services of ``alternance.sessions``.

Invariants: the end follows the start (database); a cancelled session has a reason (database);
one cohort never has two non-cancelled sessions overlapping (the services check it inside the
transaction, the cohort row locked: SQLite has no exclusion constraint). ``origin_day`` and
``origin_half`` name the calendar slot a generated session came from, once: generating again never
recreates it, even after it was moved, split or cancelled (unique per cohort).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance.choices import HalfDay, Role, SessionStatus

# Who may train a session: a member of the OF's staff.
TRAINER_ROLES = (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


class TrainingSession(models.Model):
    cohort = models.ForeignKey(
        "alternance.Cohort", on_delete=models.CASCADE, related_name="training_sessions", verbose_name=_("promotion")
    )
    day = models.DateField(_("date"))
    start_time = models.TimeField(_("heure de début"))
    end_time = models.TimeField(_("heure de fin"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="trained_sessions",
        verbose_name=_("formateur·rice"),
    )
    subject = models.CharField(_("sujet"), max_length=200, blank=True)
    competence_block = models.ForeignKey(
        "alternance.CompetenceBlock", on_delete=models.SET_NULL, null=True, blank=True, related_name="training_sessions",
        verbose_name=_("bloc de compétences"),
    )
    room = models.CharField(_("salle"), max_length=80, blank=True)
    status = models.CharField(_("état"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=200, blank=True)
    origin_day = models.DateField(_("créneau d'origine (jour)"), null=True, blank=True, editable=False)
    origin_half = models.CharField(
        _("créneau d'origine (demi-journée)"), max_length=2, choices=HalfDay.choices, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créée par")
    )
    # Read through timezone.now (time-machine pins it), never the database's clock.
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["day", "start_time", "pk"]
        indexes = [
            models.Index(fields=["cohort", "day"], name="session_cohort_day_idx"),
            models.Index(fields=["trainer", "day"], name="session_trainer_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")), name="session_end_after_start"),
            models.CheckConstraint(condition=models.Q(status__in=SessionStatus.values), name="session_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=SessionStatus.CANCELLED) | ~models.Q(cancel_reason=""),
                name="session_cancelled_has_reason",
            ),
            models.UniqueConstraint(
                fields=["cohort", "origin_day", "origin_half"], condition=models.Q(origin_day__isnull=False),
                name="session_one_per_origin_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M} {self.subject}".strip()

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def time_display(self) -> str:
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def title(self) -> str:
        """What a calendar shows: the subject, or « Séance de formation » when none is set yet."""
        return self.subject or str(_("Séance de formation"))

    def clean(self) -> None:
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("L'heure de fin doit suivre l'heure de début : par exemple de 09:00 à 12:30.")
        if self.trainer_id and self.trainer.role not in TRAINER_ROLES:
            errors["trainer"] = _("Choisissez un membre de l'équipe du centre comme formateur·rice.")
        if self.competence_block_id and self.cohort_id and self.competence_block.programme_id != self.cohort.programme_id:
            errors["competence_block"] = _("Ce bloc n'appartient pas à la formation de la promotion : choisissez-en un dans la liste.")
        if self.status == SessionStatus.CANCELLED and not self.cancel_reason.strip():
            errors["cancel_reason"] = _("Indiquez le motif de l'annulation.")
        if errors:
            raise ValidationError(errors)
