from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance import crypto
from alternance.choices import (
    ApprenticeStatus,
    DiplomaCode,
    ExitReason,
    Nationality,
    Role,
    Sex,
    SituationBeforeContract,
    SocialRegime,
)
from alternance.models.search import SearchKeysMixin, SearchKeysQuerySet
from alternance.validators import (
    normalize_phone,
    search_key,
    validate_department,
    validate_ine,
    validate_postal_code,
)


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Apprentice(SearchKeysMixin, models.Model):
    """A learner of the OF, with the identity the Cerfa asks for (section "L'apprenti(e)").

    The NIR is never stored in clear: only its encrypted form and whether one was given
    (the State's dashboard itself keeps only "has a NIR", domain §9).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="apprentice",
        limit_choices_to={"role": Role.APPRENTICE}, verbose_name=_("compte extranet"),
    )
    # Identity (Cerfa)
    last_name = models.CharField(_("nom de naissance"), max_length=100)
    usage_name = models.CharField(_("nom d'usage"), max_length=100, blank=True)
    first_name = models.CharField(_("premier prénom"), max_length=100)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    birth_department = models.CharField(_("département de naissance"), max_length=3, validators=[validate_department])
    birth_commune = models.CharField(_("commune de naissance"), max_length=100)
    nationality = models.PositiveSmallIntegerField(_("nationalité"), choices=Nationality.choices, default=Nationality.FRENCH)
    social_regime = models.PositiveSmallIntegerField(_("régime social"), choices=SocialRegime.choices, default=SocialRegime.URSSAF)
    nir_encrypted = models.TextField(_("NIR chiffré"), blank=True, editable=False)
    has_nir = models.BooleanField(_("NIR renseigné"), default=False, editable=False)
    ine = models.CharField(_("INE"), max_length=11, blank=True, validators=[validate_ine])
    # Contact
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(_("code postal"), max_length=5, validators=[validate_postal_code])
    city = models.CharField(_("commune"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"))
    # Declarations that lift the age limit (Cerfa)
    rqth = models.BooleanField(_("reconnaissance de la qualité de travailleur handicapé (RQTH)"), default=False)
    rqth_date = models.DateField(_("date de la RQTH"), null=True, blank=True)
    top_athlete = models.BooleanField(_("sportif de haut niveau"), default=False)
    business_project = models.BooleanField(_("projet de création ou de reprise d'entreprise"), default=False)
    # Legal representative of a non-emancipated minor (Cerfa)
    emancipated = models.BooleanField(_("mineur émancipé"), default=False)
    legal_representative_name = models.CharField(_("représentant légal (nom et prénom)"), max_length=200, blank=True)
    legal_representative_address = models.CharField(_("adresse du représentant légal"), max_length=255, blank=True)
    legal_representative_email = models.EmailField(_("e-mail du représentant légal"), blank=True)
    legal_representative_phone = models.CharField(_("téléphone du représentant légal"), max_length=20, blank=True)
    # Schooling before the contract (Cerfa codes)
    situation_before_contract = models.PositiveSmallIntegerField(
        _("situation avant ce contrat"), choices=SituationBeforeContract.choices, null=True, blank=True
    )
    last_diploma_prepared = models.PositiveSmallIntegerField(_("dernier diplôme préparé"), choices=DiplomaCode.choices, null=True, blank=True)
    last_class = models.CharField(_("dernière classe / année suivie"), max_length=2, blank=True)
    last_diploma_title = models.CharField(
        _("intitulé précis du dernier diplôme ou titre préparé"), max_length=255, blank=True,
        help_text=_("Tel qu'il figure au RNCP ou sur le diplôme, par exemple « BTS Services informatiques aux organisations »."),
    )
    highest_diploma = models.PositiveSmallIntegerField(_("diplôme le plus élevé obtenu"), choices=DiplomaCode.choices, null=True, blank=True)
    # Training
    cohort = models.ForeignKey("alternance.Cohort", on_delete=models.PROTECT, related_name="apprentices", verbose_name=_("promotion"))
    enrolment_date = models.DateField(_("date d'inscription"))
    training_start_date = models.DateField(_("date d'entrée en formation"))
    exclusion_date = models.DateField(_("date d'exclusion / abandon"), null=True, blank=True)
    # Why the learner left the OF (« Quitter l'OF »: ``alternance.apprentices.services.apprentice_leave``).
    exit_reason = models.CharField(_("motif de sortie"), max_length=20, choices=ExitReason.choices, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=ApprenticeStatus.choices, default=ApprenticeStatus.SEEKING, db_index=True)
    # Date the current status began: "without a company since", "rupturant since" (3- and 6-month limits).
    status_since = models.DateField(_("statut depuis le"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Set when the retention period ended and the identity was erased (GDPR, alternance.privacy).
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)
    # Search keys (issue 13 §3), refreshed on every write: see alternance.models.search.
    search_text = models.TextField(_("clé de recherche"), blank=True, default="", editable=False)
    phone_key = models.CharField(_("téléphone (chiffres)"), max_length=20, blank=True, default="", editable=False, db_index=True)

    objects = SearchKeysQuerySet.as_manager()
    SEARCH_SOURCE_FIELDS = ("last_name", "usage_name", "first_name", "email", "phone")
    SEARCH_KEY_FIELDS = ("search_text", "phone_key")

    class Meta:
        verbose_name = _("apprenti·e")
        verbose_name_plural = _("apprenti·es")
        ordering = ["last_name", "first_name"]
        indexes = [
            # The lists' order (name, then id for a stable page) with the status they filter on:
            # PostgreSQL reads a page's keys from the index alone, deep pages included (20 000
            # learners: the last page's keys in 3 ms instead of sorting every name, 36 ms).
            models.Index(fields=["last_name", "first_name", "id", "status"], name="apprentice_name_keys_idx"),
            models.Index(fields=["cohort", "status"], name="apprentice_cohort_status_idx"),
            models.Index(fields=["status", "status_since"], name="apprentice_status_since_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ApprenticeStatus.values), name="apprentice_status_valid"),
            models.CheckConstraint(condition=models.Q(sex__in=Sex.values), name="apprentice_sex_valid"),
            models.CheckConstraint(condition=models.Q(birth_date__lt=models.F("enrolment_date")), name="apprentice_born_before_enrolment"),
            models.CheckConstraint(
                condition=models.Q(training_start_date__gte=models.F("enrolment_date")), name="apprentice_training_after_enrolment"
            ),
            models.CheckConstraint(
                condition=models.Q(exclusion_date__isnull=True) | models.Q(exclusion_date__gte=models.F("training_start_date")),
                name="apprentice_exclusion_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ApprenticeStatus.DROPPED_OUT) | models.Q(exclusion_date__isnull=False),
                name="apprentice_dropout_has_date",
            ),
            models.CheckConstraint(condition=models.Q(has_nir=False) | ~models.Q(nir_encrypted=""), name="apprentice_nir_encrypted"),
            models.UniqueConstraint(
                fields=["ine"], condition=~models.Q(ine=""), name="apprentice_ine_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    # What ``full_name`` reads: a list that names apprentices reads these columns only (``only()``),
    # an apprentice row being 45 columns (issue 18 §2).
    NAME_FIELDS = ("id", "first_name", "last_name", "usage_name")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.usage_name or self.last_name}"

    def refresh_search_keys(self) -> None:
        self.search_text = search_key((self.last_name, self.usage_name, self.first_name), (self.email,))
        self.phone_key = normalize_phone(self.phone)[:20]

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)

    def is_minor_on(self, day: date) -> bool:
        return self.age_on(day) < 18

    # --- NIR: write-only from the outside; read back only by code that needs it (Cerfa rendering) ---
    def set_nir(self, nir: str | None) -> None:
        from alternance.validators import normalize_nir, validate_nir

        if not nir:
            self.nir_encrypted, self.has_nir = "", False
            return
        validate_nir(nir)
        self.nir_encrypted, self.has_nir = crypto.encrypt(normalize_nir(nir)), True

    def get_nir(self) -> str | None:
        return crypto.decrypt(self.nir_encrypted) if self.has_nir else None

    def clean_fields(self, exclude=None) -> None:
        # Normalise what people type ("1234 567 890 a", "2a") before the length checks.
        self.ine = (self.ine or "").upper().replace(" ", "")
        self.birth_department = (self.birth_department or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors = {}
        if self.birth_date and self.enrolment_date and self.birth_date >= self.enrolment_date:
            errors["birth_date"] = _("La date de naissance doit précéder la date d'inscription.")
        if self.enrolment_date and self.training_start_date and self.training_start_date < self.enrolment_date:
            errors["training_start_date"] = _("L'entrée en formation ne peut pas précéder l'inscription.")
        # The database's ``apprentice_exclusion_after_start``, checked here so that every path (the
        # import's dry run included, issue 18) says it in French instead of failing on the constraint.
        if self.exclusion_date and self.training_start_date and self.training_start_date > self.exclusion_date:
            errors.setdefault("training_start_date", _(
                "L'apprenti·e a quitté l'OF le %(day)s : l'entrée en formation ne peut pas être postérieure à cette date."
            ) % {"day": f"{self.exclusion_date:%d/%m/%Y}"})
        if self.status == ApprenticeStatus.DROPPED_OUT and not self.exclusion_date:
            errors["exclusion_date"] = _("Indiquez la date d'abandon ou d'exclusion.")
        if self.rqth_date and not self.rqth:
            errors["rqth_date"] = _("Une date de RQTH n'a de sens que si la RQTH est cochée.")
        if (
            self.birth_date and self.training_start_date and not self.emancipated
            and self.is_minor_on(self.training_start_date) and not self.legal_representative_name
        ):
            errors["legal_representative_name"] = _(
                "L'apprenti·e est mineur·e non émancipé·e à l'entrée en formation : indiquez son représentant légal."
            )
        if errors:
            raise ValidationError(errors)
