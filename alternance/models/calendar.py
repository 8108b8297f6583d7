"""Alternance calendar data (issue 6, part 2): what the rhythm alone does not say.

The calendar itself is computed (``alternance/planning.py``): rhythm of the cohort, French public
holidays, then these rows — OF closures, key dates, per-apprentice overrides — and the visits.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance.choices import CalendarPlace, KeyDateKind


class ClosurePeriod(models.Model):
    """The OF is closed (e.g. Christmas holidays): the days the rhythm puts at the centre become
    company days — the apprentice is an employee and goes to its company unless it takes leave
    with its employer. ``cohort`` empty = the whole OF."""

    label = models.CharField(_("libellé"), max_length=120)
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"))
    cohort = models.ForeignKey(
        "alternance.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="closures",
        verbose_name=_("promotion"), help_text=_("Laissez vide pour une fermeture de tout l'organisme."),
    )

    class Meta:
        verbose_name = _("période de fermeture")
        verbose_name_plural = _("périodes de fermeture")
        ordering = ["start_date"]
        indexes = [models.Index(fields=["start_date", "end_date"], name="closure_dates_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="closure_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y})"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La fin de la fermeture ne peut pas précéder son début.")})


class KeyDate(models.Model):
    """An exam, a review, a meeting… for a whole cohort, or for one apprentice when ``apprentice`` is set."""

    cohort = models.ForeignKey(
        "alternance.Cohort", on_delete=models.CASCADE, related_name="key_dates", verbose_name=_("promotion")
    )
    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, null=True, blank=True, related_name="key_dates",
        verbose_name=_("apprenti·e"), help_text=_("Laissez vide pour toute la promotion."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=KeyDateKind.choices)
    label = models.CharField(_("libellé"), max_length=200)
    day = models.DateField(_("date"))
    start_time = models.TimeField(_("heure de début"), null=True, blank=True)
    end_time = models.TimeField(_("heure de fin"), null=True, blank=True)
    location = models.CharField(_("lieu"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("date clé")
        verbose_name_plural = _("dates clés")
        ordering = ["day", "start_time"]
        indexes = [models.Index(fields=["cohort", "day"], name="keydate_cohort_day_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=KeyDateKind.values), name="keydate_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(start_time__isnull=True) | models.Q(end_time__isnull=True)
                | models.Q(end_time__gt=models.F("start_time")),
                name="keydate_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.day:%d/%m/%Y})"

    def clean(self) -> None:
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("L'heure de fin doit suivre l'heure de début.")
        if self.apprentice_id and self.cohort_id and self.apprentice.cohort_id != self.cohort_id:
            errors["apprentice"] = _("Cet·te apprenti·e n'appartient pas à cette promotion.")
        if errors:
            raise ValidationError(errors)


class CalendarOverride(models.Model):
    """One apprentice is somewhere else than the rhythm says on one day (agreed with the employer)."""

    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, related_name="calendar_overrides", verbose_name=_("apprenti·e")
    )
    day = models.DateField(_("date"))
    place = models.CharField(_("lieu"), max_length=1, choices=CalendarPlace.choices)
    reason = models.CharField(_("motif"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("saisi par")
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("exception au calendrier")
        verbose_name_plural = _("exceptions au calendrier")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["apprentice", "day"], name="calendar_override_one_per_day"),
            models.CheckConstraint(condition=models.Q(place__in=CalendarPlace.values), name="calendar_override_place_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.apprentice} — {self.day:%d/%m/%Y} : {self.get_place_display()}"


class CalendarFeedToken(models.Model):
    """The secret of a person's private ICS feed URL. Stored hashed (SHA-256) like the invitation
    token: the clear URL is shown once, at creation; revoking it cuts every subscribed phone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens", verbose_name=_("compte")
    )
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière synchronisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("abonnement calendrier (ICS)")
        verbose_name_plural = _("abonnements calendrier (ICS)")
        ordering = ["-created_at"]
        constraints = [
            # At most one live feed per person: a new one replaces (revokes) the old.
            models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True), name="calendar_feed_one_live_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({timezone.localtime(self.created_at):%d/%m/%Y})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
