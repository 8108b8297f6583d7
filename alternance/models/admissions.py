"""Admissions (issue 13 §1): a candidate to a programme and the history of its stages.

A candidate applies on the public page (or is keyed in by the staff), goes through positioning
(a test or an interview), is admitted, wait-listed, refused or withdraws, and an admitted one is
enrolled in a cohort — which creates its ``Apprentice`` record, linked here so the history stays.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import CandidateSource, CandidateStatus, DiplomaCode, PositioningKind, Sex
from alternance.models.search import SearchKeysMixin, SearchKeysQuerySet
from alternance.validators import normalize_phone, search_key, validate_department, validate_ine, validate_postal_code


class Candidate(SearchKeysMixin, models.Model):
    programme = models.ForeignKey("alternance.Programme", on_delete=models.PROTECT, related_name="candidates", verbose_name=_("formation"))
    status = models.CharField(_("étape"), max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.RECEIVED, db_index=True)
    status_since = models.DateField(_("à cette étape depuis le"))
    source = models.CharField(_("origine de la candidature"), max_length=20, choices=CandidateSource.choices)
    # Identity and contact (what the Cerfa and the apprentice record will need)
    last_name = models.CharField(_("nom de naissance"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    birth_department = models.CharField(_("département de naissance"), max_length=3, validators=[validate_department])
    birth_commune = models.CharField(_("commune de naissance"), max_length=100)
    ine = models.CharField(_("INE"), max_length=11, blank=True, validators=[validate_ine])
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=20)
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(_("code postal"), max_length=5, validators=[validate_postal_code])
    city = models.CharField(_("commune"), max_length=100)
    last_diploma = models.PositiveSmallIntegerField(_("dernier diplôme obtenu"), choices=DiplomaCode.choices)
    # The CV: stored outside the web root with its SHA-256, served only through a permission check.
    cv = models.FileField(_("CV"), upload_to="candidates/%Y/%m/", blank=True)
    cv_sha256 = models.CharField(_("empreinte SHA-256 du CV"), max_length=64, blank=True, editable=False)
    cv_size = models.PositiveIntegerField(_("taille du CV (octets)"), default=0, editable=False)
    # Public application: when the candidate accepted the personal-data notice, and from where
    # (the address counts applications for the rate limit).
    consent_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("candidature reçue le"))
    client_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    # Positioning
    positioning_kind = models.CharField(_("type de positionnement"), max_length=10, choices=PositioningKind.choices, blank=True)
    positioning_date = models.DateField(_("date du positionnement"), null=True, blank=True)
    positioning_result = models.CharField(_("résultat du positionnement"), max_length=200, blank=True)
    positioning_comment = models.TextField(_("commentaire"), blank=True)
    # Enrolment
    cohort = models.ForeignKey(
        "alternance.Cohort", on_delete=models.PROTECT, null=True, blank=True, related_name="candidates", verbose_name=_("promotion")
    )
    apprentice = models.OneToOneField(
        "alternance.Apprentice", on_delete=models.SET_NULL, null=True, blank=True, related_name="candidate", verbose_name=_("apprenti·e")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Search keys (issue 13 §3), refreshed on every write: see alternance.models.search.
    search_text = models.TextField(_("clé de recherche"), blank=True, default="", editable=False)
    phone_key = models.CharField(_("téléphone (chiffres)"), max_length=20, blank=True, default="", editable=False, db_index=True)

    objects = SearchKeysQuerySet.as_manager()
    SEARCH_SOURCE_FIELDS = ("last_name", "first_name", "email", "phone")
    SEARCH_KEY_FIELDS = ("search_text", "phone_key")

    class Meta:
        verbose_name = _("candidat·e")
        verbose_name_plural = _("candidat·es")
        ordering = ["-submitted_at", "last_name", "first_name"]
        indexes = [
            models.Index(fields=["programme", "status"], name="candidate_programme_status_idx"),
            models.Index(fields=["last_name", "first_name", "birth_date"], name="candidate_identity_idx"),
            models.Index(fields=["email", "submitted_at"], name="candidate_email_submitted_idx"),
            models.Index(fields=["client_ip", "submitted_at"], name="candidate_ip_submitted_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=CandidateStatus.values), name="candidate_status_valid"),
            models.CheckConstraint(condition=models.Q(source__in=CandidateSource.values), name="candidate_source_valid"),
            models.CheckConstraint(condition=models.Q(sex__in=Sex.values), name="candidate_sex_valid"),
            # An enrolled candidate has its cohort and its apprentice record; no one else has them.
            models.CheckConstraint(
                condition=~models.Q(status=CandidateStatus.ENROLLED) | models.Q(cohort__isnull=False, apprentice__isnull=False),
                name="candidate_enrolled_has_apprentice",
            ),
            models.CheckConstraint(
                condition=models.Q(cv="") | models.Q(cv_sha256__regex=r"^[0-9a-f]{64}$"), name="candidate_cv_has_sha256",
            ),
            models.UniqueConstraint(fields=["ine"], condition=~models.Q(ine=""), name="candidate_ine_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def refresh_search_keys(self) -> None:
        self.search_text = search_key((self.last_name, self.first_name), (self.email,))
        self.phone_key = normalize_phone(self.phone)[:20]

    def clean_fields(self, exclude=None) -> None:
        self.ine = (self.ine or "").upper().replace(" ", "")
        self.birth_department = (self.birth_department or "").strip().upper()
        self.email = (self.email or "").strip().lower()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.cohort_id and self.programme_id and self.cohort.programme_id != self.programme_id:
            raise ValidationError({"cohort": _("Choisissez une promotion de la formation demandée par le ou la candidat·e.")})


class CandidateEvent(models.Model):
    """One move of a candidate along the pipeline: who, when, from, to, why."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="events", verbose_name=_("candidat·e"))
    from_status = models.CharField(_("de"), max_length=20, choices=CandidateStatus.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=20, choices=CandidateStatus.choices)
    at = models.DateTimeField(_("le"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par"))
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("étape de candidature")
        verbose_name_plural = _("étapes de candidature")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(to_status__in=CandidateStatus.values), name="candidate_event_to_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} : {self.get_to_status_display()}"
