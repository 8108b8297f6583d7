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

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance.choices import HalfDay, Role, SessionStatus, SignatureMethod, SigninState

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
    # The sign-in (issue 19 §2). The rotating codes derive from ``signin_secret``, drawn afresh at each
    # opening: a code shown before a reopening is worthless after it.
    signin_state = models.CharField(
        _("émargement"), max_length=10, choices=SigninState.choices, default=SigninState.NOT_OPEN
    )
    signin_secret = models.CharField(max_length=64, blank=True, editable=False)
    signin_opened_at = models.DateTimeField(_("émargement ouvert le"), null=True, blank=True, editable=False)
    signin_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("émargement ouvert par"),
    )
    # The trainer's signature of the closed sheet: who, when, from where (the evidence kept for a
    # simple electronic signature, as for the apprentices' lines).
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("feuille signée par"),
    )
    closed_at = models.DateTimeField(_("feuille signée le"), null=True, blank=True, editable=False)
    closed_ip = models.GenericIPAddressField(_("adresse IP de la signature"), null=True, blank=True, editable=False)
    closed_user_agent = models.CharField(_("navigateur de la signature"), max_length=400, blank=True, editable=False)
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
            models.CheckConstraint(condition=models.Q(signin_state__in=SigninState.values), name="session_signin_state_valid"),
            models.CheckConstraint(
                condition=models.Q(signin_state=SigninState.NOT_OPEN) | (~models.Q(signin_secret="") & models.Q(signin_opened_at__isnull=False)),
                name="session_signin_opened_has_secret",
            ),
            models.CheckConstraint(
                condition=~models.Q(signin_state=SigninState.CLOSED) | models.Q(closed_at__isnull=False),
                name="session_signin_closed_is_signed",
            ),
            models.CheckConstraint(
                condition=models.Q(signin_state=SigninState.NOT_OPEN) | models.Q(status=SessionStatus.PLANNED),
                name="session_signin_only_planned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M} {self.subject}".strip()

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def signin_open(self) -> bool:
        return self.signin_state == SigninState.OPEN

    @property
    def signin_closed(self) -> bool:
        return self.signin_state == SigninState.CLOSED

    @property
    def signin_started(self) -> bool:
        """Opened once (open or closed): its day and times are evidence now, no longer editable."""
        return self.signin_state != SigninState.NOT_OPEN

    @property
    def time_display(self) -> str:
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def duration_minutes(self) -> int:
        start, end = (datetime.combine(self.day, moment) for moment in (self.start_time, self.end_time))
        return int((end - start).total_seconds() // 60)

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


class SessionSignature(models.Model):
    """One apprentice's line of a session's sign-in sheet (issue 19 §2).

    Signed by the apprentice from its phone (the code of the moment, scanned or typed: its time, IP
    address, browser and the code used are the evidence of a simple electronic signature), or noted
    by the trainer for someone who cannot sign (no phone), with the reason. One line per apprentice
    and session (database): a second sign-in is refused. ``minutes_late`` is the arrival after the
    session's start when it passed the OF's tolerance (``AttendanceSettings``), 0 otherwise.
    """

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("séance"))
    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, related_name="session_signatures", verbose_name=_("apprenti·e")
    )
    method = models.CharField(_("mode"), max_length=10, choices=SignatureMethod.choices)
    signed_at = models.DateTimeField(_("signé le"))
    minutes_late = models.PositiveSmallIntegerField(_("minutes de retard"), default=0)
    code_used = models.CharField(_("code utilisé"), max_length=12, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=400, blank=True)
    manual_reason = models.CharField(_("motif de la saisie par le formateur·rice"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("saisi par")
    )

    class Meta:
        verbose_name = _("signature d'émargement")
        verbose_name_plural = _("signatures d'émargement")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "apprentice"], name="signature_one_per_session_apprentice"),
            models.CheckConstraint(condition=models.Q(method__in=SignatureMethod.values), name="signature_method_valid"),
            models.CheckConstraint(
                condition=(models.Q(method=SignatureMethod.MANUAL) & ~models.Q(manual_reason=""))
                | (~models.Q(method=SignatureMethod.MANUAL) & ~models.Q(code_used="")),
                name="signature_has_code_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.apprentice_id} — séance {self.session_id} — {self.signed_at:%d/%m/%Y %H:%M}"

    @property
    def is_manual(self) -> bool:
        return self.method == SignatureMethod.MANUAL
