"""Data in and out (issue 7): spreadsheet imports, State dashboard exports, Qualiopi evidence
packs, and the tokens of the read API. Files live under MEDIA_ROOT (outside the web root) and are
served by permission-checked views only."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance.choices import ImportKind, ImportPhase, JobStatus


class DataImport(models.Model):
    """One upload of a CSV/XLSX file by admin staff: mapping, preview, then the import itself.

    ``mapping`` = {field name: column header of the file}; ``errors`` = the per-row problems
    [{"row": int, "column": str, "message": str}] of the last check; ``only_valid_rows`` is the
    explicit choice to write the valid rows and leave the others in a downloadable error report.
    """

    kind = models.CharField(_("type de données"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("fichier"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    mapping = models.JSONField(_("correspondance des colonnes"), default=dict, blank=True)
    only_valid_rows = models.BooleanField(_("n'importer que les lignes valides"), default=False)
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    # What ``status`` is about: the file's analysis (in a task), the check, or the import (issue 17 §3).
    phase = models.CharField(_("étape"), max_length=10, choices=ImportPhase.choices, default=ImportPhase.ANALYSIS)
    # Data rows read by the analysis so far (its progress), then the file's number of data rows.
    rows_read = models.PositiveIntegerField(_("lignes lues"), default=0)
    rows_total = models.PositiveIntegerField(_("lignes"), default=0)
    rows_created = models.PositiveIntegerField(_("créées"), default=0)
    rows_updated = models.PositiveIntegerField(_("mises à jour"), default=0)
    rows_in_error = models.PositiveIntegerField(_("en erreur"), default=0)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    error_report = models.FileField(_("rapport d'erreurs"), upload_to="imports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_imports", verbose_name=_("importé par")
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Set when a worker takes the job and refreshed while it runs: a running job whose heartbeat is
    # too old has lost its worker (``alternance.jobs.jobs_reap``).
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    # Set when the retention purge deleted the uploaded file and the error report (issue 17 §5).
    files_purged_at = models.DateTimeField(_("fichiers supprimés le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de données")
        verbose_name_plural = _("imports de données")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ImportKind.values), name="data_import_kind_valid"),
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="data_import_status_valid"),
            models.CheckConstraint(condition=models.Q(phase__in=ImportPhase.values), name="data_import_phase_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name} ({timezone.localtime(self.created_at):%d/%m/%Y %H:%M})"


class TdbExport(models.Model):
    """One production of the learners file for the Tableau de bord de l'apprentissage (domain §7)."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Fichier XLSX (modèle officiel)")
        JSON = "json", _("JSON de l'API (lots de 2 000)")

    school_year = models.CharField(_("année scolaire"), max_length=9, help_text=_("Par exemple 2026-2027."))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    file = models.FileField(_("fichier"), upload_to="tdb/%Y/%m/", blank=True)
    rows_exported = models.PositiveIntegerField(_("lignes exportées"), default=0)
    rows_rejected = models.PositiveIntegerField(_("lignes rejetées"), default=0)
    # [{"apprentice_id": int, "name": str, "problems": [{"column": str, "message": str}]}]
    rejections = models.JSONField(_("lignes rejetées et motifs"), default=list, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tdb_exports", verbose_name=_("demandé par")
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Set when a worker takes the job and refreshed while it runs: a running job whose heartbeat is
    # too old has lost its worker (``alternance.jobs.jobs_reap``).
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    # Set when the retention purge deleted the file (issue 17 §5): the page says so.
    files_purged_at = models.DateTimeField(_("fichier supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export du tableau de bord de l'apprentissage")
        verbose_name_plural = _("exports du tableau de bord de l'apprentissage")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(school_year__regex=r"^[0-9]{4}-[0-9]{4}$"), name="tdb_export_school_year_format"),
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="tdb_export_status_valid"),
        ]

    def __str__(self) -> str:
        return f"TDB {self.school_year} ({self.get_format_display()})"


class EvidencePack(models.Model):
    """The Qualiopi evidence for a period: a PDF summary per indicator and a ZIP of the documents."""

    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    summary = models.JSONField(_("synthèse par indicateur"), default=dict, blank=True)
    pdf = models.FileField(_("synthèse PDF"), upload_to="qualiopi/%Y/%m/", blank=True)
    archive = models.FileField(_("archive ZIP des preuves"), upload_to="qualiopi/%Y/%m/", blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_packs", verbose_name=_("demandé par")
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Set when a worker takes the job and refreshed while it runs: a running job whose heartbeat is
    # too old has lost its worker (``alternance.jobs.jobs_reap``).
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    # Set when the retention purge deleted the PDF and the ZIP (issue 17 §5): the page says so.
    files_purged_at = models.DateTimeField(_("fichiers supprimés le"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier de preuves Qualiopi")
        verbose_name_plural = _("dossiers de preuves Qualiopi")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")), name="evidence_pack_period_valid"),
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="evidence_pack_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Qualiopi {self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y}"


class ListExport(models.Model):
    """A back-office list (apprentices, contracts, companies, alerts…) exported in the background
    because it has more rows than ``EXPORT_INLINE_MAX_ROWS`` (issue 18 §1).

    The row records which list (``view``: the dotted path of its list view), with which filters and
    sort (``params``: the page's query string), in which format and for whom: the worker rebuilds
    the same list *as the requester*, through the same selector and access scope as the page. Only
    the requester reads the file (``alternance.access``).
    """

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (Excel, point-virgule)")
        XLSX = "xlsx", _("XLSX (Excel)")

    title = models.CharField(_("liste"), max_length=100)
    view = models.CharField(_("vue de la liste"), max_length=200)
    params = models.CharField(_("filtres et tri"), max_length=2000, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    # The list's size when it was asked for (one COUNT), then the rows written so far: the progress.
    rows_total = models.PositiveIntegerField(_("lignes prévues"), default=0)
    rows_written = models.PositiveIntegerField(_("lignes écrites"), default=0)
    file = models.FileField(_("fichier"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="list_exports", verbose_name=_("demandé par")
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Refreshed with the progress while the file is written (``alternance.jobs``).
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    # Set when the retention purge deleted the file (``FILE_RETENTION_DAYS["list_exports"]``).
    files_purged_at = models.DateTimeField(_("fichier supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de liste")
        verbose_name_plural = _("exports de listes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="list_export_status_valid"),
            models.CheckConstraint(condition=models.Q(format__in=("csv", "xlsx")), name="list_export_format_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.created_at):%d/%m/%Y %H:%M})"


class PersonalDataExport(models.Model):
    """A subject access request (GDPR art. 15): a ZIP of everything recorded about one apprentice or
    one company contact, built in the background for the coordinator or admin staff. The row itself
    is the log of the export (who asked, when, about whom)."""

    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, null=True, blank=True, related_name="personal_data_exports",
        verbose_name=_("apprenti·e"),
    )
    contact = models.ForeignKey(
        "companies.CompanyContact", on_delete=models.CASCADE, null=True, blank=True, related_name="personal_data_exports",
        verbose_name=_("contact entreprise"),
    )
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    archive = models.FileField(_("archive ZIP"), upload_to="rgpd/%Y/%m/", blank=True)
    files_included = models.PositiveIntegerField(_("documents joints"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="personal_data_exports", verbose_name=_("demandé par")
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de données personnelles")
        verbose_name_plural = _("exports de données personnelles")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(apprentice__isnull=False, contact__isnull=True) | models.Q(apprentice__isnull=True, contact__isnull=False),
                name="personal_data_export_one_subject",
            ),
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="personal_data_export_status_valid"),
        ]

    def __str__(self) -> str:
        return f"RGPD {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"


class ApiToken(models.Model):
    """A staff member's key to the read API. Stored hashed (SHA-256); ``prefix`` (the first
    characters) lets people tell their keys apart. The API answers with the owner's access scope."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("compte"))
    label = models.CharField(_("nom de la clé"), max_length=100)
    prefix = models.CharField(_("début de la clé"), max_length=8, editable=False)
    token_hash = models.CharField(_("empreinte de la clé"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
