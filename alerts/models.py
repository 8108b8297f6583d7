from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, ConcernedRole, RunStatus, Severity


class Alert(models.Model):
    """A point of vigilance raised by a nightly rule, with the facts behind it.

    The subject is any row (apprentice, contract, company, user…) through a generic key; the
    denormalised ``apprentice`` / ``company`` / ``contract`` links let the access policy scope
    alerts without joins over every subject type. One open alert per (rule, subject) is
    guaranteed by a partial unique constraint, so a rule run twice raises nothing new.
    """

    rule_code = models.CharField(_("règle"), max_length=60, db_index=True)
    severity = models.CharField(_("gravité"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(_("objet"), max_length=255)
    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("apprenti·e")
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("entreprise")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("contrat")
    )
    title = models.CharField(_("intitulé"), max_length=255)
    facts = models.JSONField(_("faits constatés"), default=dict, blank=True)
    recommended_action = models.TextField(_("action recommandée"), blank=True)
    concerned_role = models.CharField(_("qui doit agir"), max_length=20, choices=ConcernedRole.choices)
    status = models.CharField(_("état"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_alerts",
        verbose_name=_("attribuée à"),
    )
    raised_at = models.DateTimeField(_("levée le"))
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(_("close le"), null=True, blank=True)
    resolution_reason = models.TextField(_("motif de clôture"), blank=True)
    # Who closed it (None when the nightly run resolved it because its condition disappeared).
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("close par")
    )
    auto_resolved = models.BooleanField(_("résolue automatiquement"), default=False)
    # For an alert closed by a person while its condition still held: True as long as the nightly
    # run still finds the same situation (it is then not raised again); False once it cleared, so
    # that the situation coming back raises a new alert.
    condition_active = models.BooleanField(_("situation toujours constatée"), default=True)
    # Routing: nothing is assigned automatically; the rule suggests who should act (cohort's
    # referent tutor, company's owner CRE…) and the coordinator decides.
    suggested_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggested_alerts",
        verbose_name=_("personne suggérée"),
    )
    # The alert of the same rule and subject closed before this one was raised (history of a
    # situation that comes back).
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("alerte précédente")
    )

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["status", "rule_code"], name="alert_status_rule_idx"),
            models.Index(fields=["assignee", "status"], name="alert_assignee_status_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="alert_subject_idx"),
            # The weekly meeting's alerts raised and closed in a week, and the register's order (the
            # latest first, ties by id): a page read backwards along the index (issue 18 §2).
            models.Index(fields=["raised_at", "id"], name="alert_raised_keys_idx"),
            models.Index(fields=["resolved_at"], name="alert_resolved_idx", condition=models.Q(resolved_at__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "subject_type", "subject_id"],
                condition=models.Q(status__in=OPEN_ALERT_STATUSES),
                name="alert_one_open_per_rule_and_subject",
            ),
            models.CheckConstraint(condition=models.Q(status__in=AlertStatus.values), name="alert_status_valid"),
            models.CheckConstraint(condition=models.Q(severity__in=Severity.values), name="alert_severity_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=AlertStatus.ASSIGNED) | models.Q(assignee__isnull=False), name="alert_assigned_has_assignee"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OPEN_ALERT_STATUSES) | models.Q(resolved_at__isnull=False), name="alert_closed_has_date"
            ),
            models.CheckConstraint(
                condition=models.Q(auto_resolved=False) | models.Q(status=AlertStatus.RESOLVED, closed_by__isnull=True),
                name="alert_auto_resolved_is_resolved_by_nobody",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.rule_code}] {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALERT_STATUSES

    @classmethod
    def subject_key(cls, obj: models.Model) -> tuple[ContentType, int]:
        return ContentType.objects.get_for_model(obj), obj.pk


# Who an alert should go to (issue 14 §5): the person its rule suggested; failing that, the rule's
# natural owner: the cohort's referent tutor for a learner's alert (directly or through its
# contract), the company's CRE for a company's alert. A query expression: one query for a whole list.
DEFAULT_ASSIGNEE = Coalesce(
    "suggested_assignee_id",
    "apprentice__cohort__referent_tutor_id",
    "contract__apprentice__cohort__referent_tutor_id",
    "company__owner_cre_id",
    output_field=models.BigIntegerField(),
)


class AlertEvent(models.Model):
    """History of an alert: status changes and comments (who, when, from, to, comment)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=AlertStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=AlertStatus.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("événement d'alerte")
        verbose_name_plural = _("historique des alertes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.from_status or '—'} → {self.to_status or 'commentaire'}"


class RuleSettings(models.Model):
    """Thresholds of the nightly alert rules that staff may change (one row, like ContractSettings).

    One row for every rule rather than one model per rule: the coordinator edits all thresholds on
    one page, a rule reads its values from one object passed in its context, and a new threshold is
    one field and one migration. The OPCO deadlines (sending, decision) and the maître
    d'apprentissage capacity are *not* repeated here: they are read from ``ContractSettings``, the
    one place staff already set them. Each default carries its source; no legal value was found
    for most of them (domain §3), they are then the OF's own choices.
    """

    # --- absences (no legal threshold: OF's choice, domain §3) -----------------------------------
    absence_window_days = models.PositiveSmallIntegerField(
        _("fenêtre glissante des absences (jours)"), default=30, help_text=_("Choix de l'OF (aucun seuil légal trouvé).")
    )
    absence_max_unjustified = models.PositiveSmallIntegerField(
        _("demi-journées d'absence non justifiées déclenchant l'alerte"), default=3,
        help_text=_("Alerte à partir de ce nombre dans la fenêtre glissante. Choix de l'OF."),
    )
    absence_consecutive_days = models.PositiveSmallIntegerField(
        _("jours d'absence consécutifs au centre déclenchant l'alerte"), default=3, help_text=_("Choix de l'OF.")
    )
    attendance_min_rate = models.PositiveSmallIntegerField(
        _("taux d'assiduité mensuel minimal (%)"), default=80,
        help_text=_("Demi-journées présentes (retards compris) sur demi-journées relevées, par mois civil. Choix de l'OF."),
    )
    attendance_min_records = models.PositiveSmallIntegerField(
        _("demi-journées relevées minimum pour calculer un taux mensuel"), default=6,
        help_text=_("En dessous, le mois n'est pas évalué (début de mois, entrée tardive)."),
    )
    # --- rupture risk ------------------------------------------------------------------------------
    rupture_risk_threshold = models.PositiveSmallIntegerField(
        _("score de risque de rupture déclenchant l'alerte"), default=3,
        help_text=_("Somme des poids des signaux (voir la règle). Qualiopi indicateur 12 : prévention des ruptures."),
    )
    rupture_risk_critical = models.PositiveSmallIntegerField(_("score de risque « critique »"), default=5)
    rupture_risk_lookback_days = models.PositiveSmallIntegerField(
        _("ancienneté maximale des signaux (visites, échanges) en jours"), default=90
    )
    low_grid_score = models.DecimalField(
        _("moyenne de grille de visite jugée basse"), max_digits=3, decimal_places=1, default=2,
        help_text=_("Sur l'échelle de 1 à 4 de la grille de visite standard : moyenne inférieure ou égale."),
    )
    # --- contract end ------------------------------------------------------------------------------
    contract_end_notice_days = models.CharField(
        _("paliers d'alerte avant la fin du contrat (jours)"), max_length=40, default="60,30,7",
        help_text=_("Liste décroissante séparée par des virgules : bilan de fin, attestation, suite du parcours."),
    )
    # --- OPCO (sending and decision deadlines: ContractSettings) ------------------------------------
    opco_payment_days = models.PositiveSmallIntegerField(
        _("délai de paiement attendu de l'OPCO après facture (jours)"), default=30,
        help_text=_("Avance versée sous 30 jours après la facture de l'OF (réforme de juillet 2025) [à vérifier]."),
    )
    opco_invoice_grace_days = models.PositiveSmallIntegerField(
        _("délai pour facturer une échéance échue (jours)"), default=0, help_text=_("Choix de l'OF.")
    )
    balance_warning_days = models.PositiveSmallIntegerField(
        _("alerte avant la date limite de réclamation du solde (jours)"), default=30,
        help_text=_("Le solde de la dernière année est perdu s'il n'est pas réclamé dans les 4 mois suivant la fin [à vérifier]."),
    )
    # The employer participation is invoiceable once the free rupture period is over (R6332-25-2):
    # that limit is ContractSettings.free_period_company_days, counted on the real calendar — no
    # setting of its own here (one setting per limit).
    # --- visits (no legal frequency: OF's choice, domain §3) ----------------------------------------
    first_visit_warning_days = models.PositiveSmallIntegerField(
        _("alerte avant la fin de la période de 45 jours sans première visite (jours)"), default=10,
        help_text=_("Première visite avant la fin de la période de rupture libre : pratique des OF (domaine §3)."),
    )
    visit_interval_days = models.PositiveSmallIntegerField(
        _("intervalle maximal entre deux visites (jours)"), default=180,
        help_text=_("Aucune fréquence légale : choix de l'OF (souvent au moins une visite par an)."),
    )
    # --- learners without a company (Tableau de bord: INSCRIT → ABANDON after 90 days; RUPTURANT → 180) ---
    seeking_limit_days = models.PositiveSmallIntegerField(
        _("délai pour trouver un employeur (jours)"), default=90,
        help_text=_("Code du travail L6222-12-1 : 3 mois ; le Tableau de bord compte 90 jours [à vérifier]."),
    )
    rupturant_limit_days = models.PositiveSmallIntegerField(
        _("délai après une rupture (jours)"), default=180,
        help_text=_("Code du travail L6222-18-2 : 6 mois ; le Tableau de bord compte 180 jours [à vérifier]."),
    )
    limit_warning_days = models.PositiveSmallIntegerField(
        _("alerte avant ces délais (jours)"), default=15, help_text=_("Choix de l'OF.")
    )
    # --- workload ----------------------------------------------------------------------------------
    cre_max_active_contracts = models.PositiveSmallIntegerField(
        _("contrats actifs par CRE au maximum"), default=100,
        help_text=_("Article de référence : 1 CRE pour 80 à 100 contrats actifs (domaine §5)."),
    )
    # --- nightly run -------------------------------------------------------------------------------
    nightly_hour = models.PositiveSmallIntegerField(
        _("heure de la vérification nocturne (Europe/Paris)"), default=2,
        help_text=_("Information : l'ordonnanceur Celery lit NIGHTLY_CHECKS_HOUR au démarrage (voir le README)."),
    )
    nightly_minute = models.PositiveSmallIntegerField(_("minute de la vérification nocturne"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("paramètres des alertes")
        verbose_name_plural = _("paramètres des alertes")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="rule_settings_single_row"),
            models.CheckConstraint(condition=models.Q(nightly_hour__lte=23, nightly_minute__lte=59), name="rule_settings_time_valid"),
            models.CheckConstraint(condition=models.Q(attendance_min_rate__lte=100), name="rule_settings_rate_percent"),
            models.CheckConstraint(condition=models.Q(absence_window_days__gte=1), name="rule_settings_window_positive"),
        ]

    def __str__(self) -> str:
        return str(_("Paramètres des alertes"))

    @classmethod
    def load(cls) -> "RuleSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row

    @property
    def contract_end_steps(self) -> list[int]:
        """The notice steps, largest first ("60,30,7" → [60, 30, 7])."""
        return sorted({int(part) for part in str(self.contract_end_notice_days).split(",") if part.strip().isdigit()}, reverse=True)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not self.contract_end_steps:
            raise ValidationError({"contract_end_notice_days": _("Indiquez au moins un palier, par exemple « 60,30,7 ».")})
        if self.rupture_risk_critical < self.rupture_risk_threshold:
            raise ValidationError({"rupture_risk_critical": _("Le score critique doit être au moins égal au score d'alerte.")})


class NightlyRun(models.Model):
    """One run of the rules (nightly task or command): when, for which day, what it did.

    At most one run is ``running`` at a time (partial unique constraint): the row itself is the
    lock on databases without advisory locks; on PostgreSQL a ``pg_try_advisory_lock`` is taken
    as well, and a ``running`` row left by a killed worker is then recognised as stale.
    """

    started_at = models.DateTimeField(_("début"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    today = models.DateField(_("date de référence"))
    status = models.CharField(_("état"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(_("lancée par"), max_length=20, default="task")
    counts = models.JSONField(_("décompte par règle"), default=dict, blank=True)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)

    class Meta:
        verbose_name = _("vérification nocturne")
        verbose_name_plural = _("vérifications nocturnes")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="running"), name="nightly_run_one_running"),
            models.CheckConstraint(condition=models.Q(status__in=RunStatus.values), name="nightly_run_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status="running") | models.Q(finished_at__isnull=False), name="nightly_run_finished_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.today:%d/%m/%Y} — {self.get_status_display()}"

    # What started the run, as the run list says it (the stored value is the caller's key).
    TRIGGER_LABELS = {
        "task": _("la tâche de nuit"),
        "command": _("une commande d'administration"),
        "seed_demo": _("le chargement des données de démonstration"),
    }

    @property
    def trigger_label(self) -> str:
        return str(self.TRIGGER_LABELS.get(self.trigger, _("un autre programme")))


class DigestRun(models.Model):
    """One sending of the daily alert digests: its window (from the end of the previous one, at most
    24 hours back) and who received an email. The next digest starts where this one ended."""

    window_start = models.DateTimeField(_("depuis"))
    window_end = models.DateTimeField(_("jusqu'à"), db_index=True)
    emails_sent = models.PositiveIntegerField(_("courriels envoyés"), default=0)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)

    class Meta:
        verbose_name = _("envoi du récapitulatif quotidien")
        verbose_name_plural = _("envois du récapitulatif quotidien")
        ordering = ["-window_end", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(window_end__gte=models.F("window_start")), name="digest_window_order"),
        ]

    def __str__(self) -> str:
        return f"Récapitulatif du {self.window_end:%d/%m/%Y %H:%M} ({self.emails_sent})"
