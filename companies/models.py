from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance.choices import QualificationLevel, Role
from alternance.models.search import SearchKeysMixin, SearchKeysQuerySet
from alternance.validators import (
    format_naf,
    normalize_idcc,
    normalize_naf,
    normalize_phone,
    normalize_siret,
    search_key,
    validate_idcc,
    validate_naf,
    validate_postal_code,
    validate_siret,
)
from companies.choices import (
    OPEN_PLACEMENT_STATUSES,
    EmployerType,
    InteractionKind,
    InteractionOutcome,
    OfferStatus,
    Opco,
    PlacementStatus,
    SpecificEmployer,
)
from companies.opco import idcc_label, opco_for_idcc


class Company(SearchKeysMixin, models.Model):
    """An employer establishment (the SIRET where the contract is performed), in the CREs' CRM."""

    siret = models.CharField(_("SIRET"), max_length=14, unique=True, validators=[validate_siret])
    name = models.CharField(_("raison sociale"), max_length=255)
    is_public = models.BooleanField(_("employeur public"), default=False)
    employer_type = models.PositiveSmallIntegerField(_("type d'employeur"), choices=EmployerType.choices, default=EmployerType.RCS)
    specific_employer = models.PositiveSmallIntegerField(
        _("employeur spécifique"), choices=SpecificEmployer.choices, default=SpecificEmployer.NONE
    )
    naf_code = models.CharField(_("code NAF"), max_length=5, validators=[validate_naf], db_index=True)
    idcc = models.CharField(
        _("IDCC"), max_length=4, validators=[validate_idcc], help_text=_("9999 : aucune convention collective ; 9998 : pas encore en vigueur.")
    )
    opco = models.CharField(_("OPCO"), max_length=20, choices=Opco.choices, blank=True, db_index=True)
    opco_overridden = models.BooleanField(
        _("OPCO saisi manuellement"), default=False,
        help_text=_("Cochez pour imposer l'OPCO ; sinon il est déduit de l'IDCC."),
    )
    headcount = models.PositiveIntegerField(_("effectif total"), null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(_("code postal"), max_length=5, validators=[validate_postal_code], db_index=True)
    city = models.CharField(_("commune"), max_length=100, db_index=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    owner_cre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="portfolio",
        limit_choices_to={"role": Role.CRE}, verbose_name=_("CRE référent·e"),
    )
    sensitive = models.BooleanField(_("entreprise sensible"), default=False, db_index=True)
    sensitive_reason = models.TextField(_("motif de la sensibilité"), blank=True)
    # Archived instead of deleted (contracts, documents and the CRM log keep pointing at it): an
    # archived company leaves the default lists and pickers, stays reachable and can be restored.
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("archivée par")
    )
    archived_reason = models.TextField(_("motif de l'archivage"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Search key (issue 13 §3), refreshed on every write: see alternance.models.search.
    search_text = models.TextField(_("clé de recherche"), blank=True, default="", editable=False)

    objects = SearchKeysQuerySet.as_manager()
    SEARCH_SOURCE_FIELDS = ("name",)
    SEARCH_KEY_FIELDS = ("search_text",)

    class Meta:
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="company_name_idx"),
            models.Index(fields=["owner_cre", "name"], name="company_owner_name_idx"),
            # The list of the companies in activity in its order: PostgreSQL reads a page's keys from
            # this index alone, the last ones included (12 000 companies: 11 ms → 2 ms; issue 18 §2).
            models.Index(fields=["name", "id"], condition=models.Q(archived_at__isnull=True), name="company_active_name_keys_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(siret__regex=r"^[0-9]{14}$"), name="company_siret_14_digits"),
            models.CheckConstraint(condition=models.Q(naf_code__regex=r"^[0-9]{4}[A-Z]$"), name="company_naf_format"),
            models.CheckConstraint(condition=models.Q(idcc__regex=r"^[0-9]{4}$"), name="company_idcc_format"),
            models.CheckConstraint(condition=models.Q(sensitive=False) | ~models.Q(sensitive_reason=""), name="company_sensitive_has_reason"),
            models.CheckConstraint(condition=models.Q(opco="") | models.Q(opco__in=Opco.values), name="company_opco_valid"),
            models.CheckConstraint(
                condition=models.Q(archived_at__isnull=True) | ~models.Q(archived_reason=""), name="company_archived_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})"

    def save(self, *args, **kwargs):
        self.derive_opco()
        super().save(*args, **kwargs)

    def refresh_search_keys(self) -> None:
        self.search_text = search_key((self.name,))

    @property
    def siren(self) -> str:
        """The company's SIREN: the first 9 digits of the establishment's SIRET (domain §9)."""
        return self.siret[:9]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def naf_display(self) -> str:
        return format_naf(self.naf_code)

    @property
    def idcc_label(self) -> str:
        return idcc_label(self.idcc)

    def derive_opco(self) -> None:
        """OPCO from the IDCC unless staff imposed one (domain §2: no OPCO field on the Cerfa)."""
        if not self.opco_overridden:
            self.opco = opco_for_idcc(self.idcc)

    def clean_fields(self, exclude=None) -> None:
        # Normalise what people type ("732 829 320 00074", "62.01Z", "16") before the field checks,
        # whose max_length would otherwise refuse the spaced or dotted forms.
        self.siret = normalize_siret(self.siret)
        self.naf_code = normalize_naf(self.naf_code)
        self.idcc = normalize_idcc(self.idcc)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        self.derive_opco()
        errors = {}
        if self.sensitive and not (self.sensitive_reason or "").strip():
            errors["sensitive_reason"] = _("Indiquez pourquoi l'entreprise est signalée sensible (turnover, tensions, relances…).")
        if self.opco_overridden and not self.opco:
            errors["opco"] = _("Choisissez l'OPCO à imposer, ou décochez « OPCO saisi manuellement ».")
        if self.owner_cre_id and self.owner_cre.role != Role.CRE:
            errors["owner_cre"] = _("Le ou la référent·e d'une entreprise doit avoir le rôle CRE.")
        if errors:
            raise ValidationError(errors)


class CompanyContact(SearchKeysMixin, models.Model):
    """A person at a company: employer representative, maître d'apprentissage (MA), HR — or several.

    One person may hold several of these roles (one record, several flags) and has one extranet
    login (``user``) even across several establishments.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("entreprise"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="company_contacts",
        limit_choices_to={"role": Role.EMPLOYER}, verbose_name=_("compte extranet"),
    )
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    job_title = models.CharField(_("emploi occupé"), max_length=150, blank=True)
    is_employer_representative = models.BooleanField(_("représentant de l'employeur"), default=False)
    is_master = models.BooleanField(_("maître d'apprentissage / tuteur"), default=False)
    is_hr = models.BooleanField(_("ressources humaines"), default=False)
    # Maître d'apprentissage (Cerfa): birth date (adult), highest diploma and level, experience
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    highest_diploma = models.CharField(_("diplôme ou titre le plus élevé obtenu"), max_length=150, blank=True)
    diploma_level = models.PositiveSmallIntegerField(_("niveau de ce diplôme"), choices=QualificationLevel.choices, null=True, blank=True)
    experience_years = models.PositiveSmallIntegerField(_("années d'expérience dans le métier"), null=True, blank=True)
    master_training = models.CharField(
        _("formation de maître d'apprentissage suivie"), max_length=200, blank=True,
        help_text=_("Intitulé et année, par exemple « Certification maître d'apprentissage, CCI, 2024 »."),
    )
    eligibility_statement = models.BooleanField(
        _("attestation de l'employeur : le MA remplit les conditions"), default=False
    )
    active = models.BooleanField(_("actif"), default=True)
    # Set when the retention period ended and the identity was erased (GDPR, alternance.privacy).
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)
    # Search keys (issue 13 §3), refreshed on every write: see alternance.models.search.
    search_text = models.TextField(_("clé de recherche"), blank=True, default="", editable=False)
    phone_key = models.CharField(_("téléphone (chiffres)"), max_length=20, blank=True, default="", editable=False, db_index=True)

    objects = SearchKeysQuerySet.as_manager()
    SEARCH_SOURCE_FIELDS = ("last_name", "first_name", "email", "phone")
    SEARCH_KEY_FIELDS = ("search_text", "phone_key")

    class Meta:
        verbose_name = _("contact entreprise")
        verbose_name_plural = _("contacts entreprise")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["company", "is_master"], name="contact_company_master_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_employer_representative=True) | models.Q(is_master=True) | models.Q(is_hr=True),
                name="contact_has_a_role",
            ),
            models.CheckConstraint(
                condition=models.Q(is_master=False) | (models.Q(birth_date__isnull=False) & ~models.Q(job_title="")),
                name="contact_master_has_birth_date_and_job",
            ),
            models.UniqueConstraint(fields=["company", "user"], condition=models.Q(user__isnull=False), name="contact_one_per_user_per_company"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.company.name})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def refresh_search_keys(self) -> None:
        self.search_text = search_key((self.last_name, self.first_name), (self.email,))
        self.phone_key = normalize_phone(self.phone)[:20]

    def clean(self) -> None:
        errors = {}
        if not (self.is_employer_representative or self.is_master or self.is_hr):
            errors["is_master"] = _("Cochez au moins un rôle : représentant de l'employeur, maître d'apprentissage ou RH.")
        if self.is_master:
            if not self.birth_date:
                errors["birth_date"] = _("La date de naissance du maître d'apprentissage est demandée par le Cerfa.")
            if not (self.job_title or "").strip():
                errors["job_title"] = _("Indiquez l'emploi occupé par le maître d'apprentissage.")
        if self.user_id and self.user.role != Role.EMPLOYER:
            errors["user"] = _("Le compte lié doit avoir le rôle « Entreprise ».")
        if errors:
            raise ValidationError(errors)


class Interaction(models.Model):
    """One entry of the CRM log: a call, an email, a meeting… with a company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("entreprise"))
    contact = models.ForeignKey(
        CompanyContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions", verbose_name=_("contact")
    )
    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions",
        verbose_name=_("apprenti·e concerné·e"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=InteractionKind.choices)
    outcome = models.CharField(_("issue"), max_length=10, choices=InteractionOutcome.choices, default=InteractionOutcome.NEUTRAL)
    occurred_at = models.DateTimeField(_("date"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("auteur"))
    summary = models.TextField(_("résumé"))
    next_follow_up = models.DateField(_("prochaine relance"), null=True, blank=True)
    follow_up_done = models.BooleanField(_("relance faite"), default=False)
    # The follow-up (an earlier exchange of the same company) that this exchange answers: logging
    # it marks that follow-up done, in the same transaction (issue 14 §5).
    answers_follow_up = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="answered_by",
        verbose_name=_("relance traitée"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("échange")
        verbose_name_plural = _("échanges")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["company", "-occurred_at"], name="interaction_company_date_idx"),
            models.Index(fields=["author", "next_follow_up"], name="interaction_follow_up_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=InteractionKind.values), name="interaction_kind_valid"),
            models.CheckConstraint(condition=~models.Q(summary=""), name="interaction_summary_required"),
            models.CheckConstraint(condition=~models.Q(answers_follow_up=models.F("pk")), name="interaction_does_not_answer_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.company.name} ({timezone.localtime(self.occurred_at):%d/%m/%Y})"

    def clean(self) -> None:
        if self.contact_id and self.company_id and self.contact.company_id != self.company_id:
            raise ValidationError({"contact": _("Ce contact appartient à une autre entreprise.")})
        answered = self.answers_follow_up
        if answered is not None:
            if self.company_id and answered.company_id != self.company_id:
                raise ValidationError({"answers_follow_up": _("Cette relance concerne une autre entreprise : choisissez une relance de celle-ci.")})
            if not answered.next_follow_up:
                raise ValidationError({"answers_follow_up": _("Cet échange ne prévoit pas de relance : choisissez une relance ouverte.")})
        # The day of the exchange in local time (a datetime read back from the database is in UTC).
        if self.next_follow_up and self.occurred_at and self.next_follow_up < timezone.localtime(self.occurred_at).date():
            raise ValidationError({"next_follow_up": _("La prochaine relance doit être postérieure à l'échange.")})


class Offer(models.Model):
    """A company's offer of apprenticeship places for one programme (placement desk, issue 5 §3)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entreprise"))
    programme = models.ForeignKey(
        "alternance.Programme", on_delete=models.PROTECT, related_name="offers", verbose_name=_("formation")
    )
    places = models.PositiveSmallIntegerField(_("nombre de places"), default=1)
    start_date = models.DateField(_("début souhaité"))
    end_date = models.DateField(_("fin prévue"))
    status = models.CharField(_("état"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    description = models.TextField(_("description du poste"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créée par")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        ordering = ["start_date", "pk"]
        indexes = [
            models.Index(fields=["status", "programme"], name="offer_status_programme_idx"),
            models.Index(fields=["company", "status"], name="offer_company_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(places__gte=1), name="offer_places_positive"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="offer_end_after_start"),
            models.CheckConstraint(condition=models.Q(status__in=OfferStatus.values), name="offer_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.company.name} — {self.programme}"

    def clean(self) -> None:
        errors = {}
        if self.places is not None and self.places < 1:
            errors["places"] = _("Indiquez au moins une place.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("La date de fin doit être postérieure ou égale à la date de début.")
        if errors:
            raise ValidationError(errors)


class Placement(models.Model):
    """One learner proposed to one company: proposed → interview → hired / refused (or withdrawn).

    The transitions live in ``companies.services`` (style §6); ``PlacementEvent`` keeps the history.
    """

    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, related_name="placements", verbose_name=_("apprenti·e")
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="placements", verbose_name=_("entreprise"))
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="placements", verbose_name=_("offre")
    )
    status = models.CharField(_("étape"), max_length=10, choices=PlacementStatus.choices, default=PlacementStatus.PROPOSED)
    proposed_on = models.DateField(_("proposé le"))
    interview_on = models.DateField(_("entretien le"), null=True, blank=True)
    decided_on = models.DateField(_("décision le"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.SET_NULL, null=True, blank=True, related_name="placements",
        verbose_name=_("contrat"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créé par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # "Hired" by someone who may not edit contracts (a CRE): the contract to prepare was handed to
    # the administrative team, whose home page lists it until the contract leaves the draft.
    contract_handed_over_at = models.DateTimeField(_("contrat confié au service administratif le"), null=True, blank=True)
    contract_handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("confié par")
    )

    class Meta:
        verbose_name = _("mise en relation")
        verbose_name_plural = _("mises en relation")
        ordering = ["-proposed_on", "-pk"]
        indexes = [
            models.Index(fields=["apprentice", "status"], name="placement_apprentice_idx"),
            models.Index(fields=["company", "status"], name="placement_company_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=PlacementStatus.values), name="placement_status_valid"),
            models.UniqueConstraint(
                fields=["apprentice", "company"], condition=models.Q(status__in=OPEN_PLACEMENT_STATUSES),
                name="placement_one_open_per_company",
                violation_error_message=_("Cet·te apprenti·e est déjà proposé·e à cette entreprise."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.apprentice} → {self.company.name} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PLACEMENT_STATUSES

    def clean(self) -> None:
        if self.offer_id and self.company_id and self.offer.company_id != self.company_id:
            raise ValidationError({"offer": _("Cette offre appartient à une autre entreprise.")})


class PlacementEvent(models.Model):
    """History of a placement: who moved it, when, from which step to which, and why."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=PlacementStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=PlacementStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("étape de mise en relation")
        verbose_name_plural = _("historique des mises en relation")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
