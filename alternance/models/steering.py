from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardSnapshot(models.Model):
    """The steering dashboard's figures of one day, computed once for the whole organisation.

    Derived data, like the attendance tallies: the dashboard opens only to the roles that see every
    row, so its figures are the same for each of them. They span the whole OF (18 000 contracts,
    14 000 visit obligations on a real calendar, 541 cohorts at 20 000 learners): computing them costs
    about a second, reading them one query. ``alternance.steering.snapshot`` writes them — the worker
    every few minutes, the page itself when they are missing or too old, « Actualiser » on demand — and
    the page says when they were computed.
    """

    day = models.DateField(_("date"), unique=True)
    computed_at = models.DateTimeField(_("calculés le"))
    figures = models.JSONField(_("chiffres"))  # every row: the cohorts and loads pages
    summary = models.JSONField(_("résumé"))  # what the dashboard page shows (a few kilobytes)

    class Meta:
        verbose_name = _("chiffres du tableau de bord")
        verbose_name_plural = _("chiffres du tableau de bord")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} ({self.computed_at:%H:%M:%S})"
