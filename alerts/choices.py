from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Vigilance")
    CRITICAL = "critical", _("Critique")


class AlertStatus(models.TextChoices):
    NEW = "new", _("Nouvelle")
    VALIDATED = "validated", _("Validée")
    ASSIGNED = "assigned", _("Attribuée")
    RESOLVED = "resolved", _("Résolue")
    DISMISSED = "dismissed", _("Écartée")


OPEN_ALERT_STATUSES = (AlertStatus.NEW, AlertStatus.VALIDATED, AlertStatus.ASSIGNED)


class ConcernedRole(models.TextChoices):
    """Who a rule says should act on its alerts."""

    TUTOR = "tutor", _("Formateur·rice référent·e de la promotion")
    CRE = "cre", _("CRE référent·e de l'entreprise")
    ADMIN_STAFF = "admin_staff", _("Équipe administrative")
    COORDINATOR = "coordinator", _("Responsable alternance")


class RunStatus(models.TextChoices):
    """Outcome of one nightly run of the rules (alerts.NightlyRun)."""

    RUNNING = "running", _("En cours")
    SUCCEEDED = "succeeded", _("Terminée")
    PARTIAL = "partial", _("Terminée avec des erreurs")
    FAILED = "failed", _("En échec")
    SKIPPED = "skipped", _("Ignorée (une autre exécution était en cours)")
