import hashlib
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.validators import validate_deca_number, validate_siret
from contracts.choices import (
    PROFESSIONALISATION_TYPE_LABELS,
    PUBLIC_EMPLOYER_STATUS_LABELS,
    BatchStatus,
    ContractKind,
    ContractStatus,
    ContractType,
    DerogationType,
    DismissalGround,
    DocumentAccessChannel,
    DocumentKind,
    EmployeeCategory,
    EmploymentTerm,
    InstalmentKind,
    MinorHoursDerogation,
    OpcoDecision,
    RuptureInitiative,
    RuptureKind,
    SignatureRequestStatus,
    SignerRole,
)
from contracts.deadlines import DayCount

MAX_WEEKLY_HOURS = Decimal("40")  # Code du travail L3121-20 via the Cerfa generator's check (domain §2)
MAX_DAILY_HOURS = Decimal("12")  # Code du travail L3121-18 and L3121-19: 10 h, up to 12 h by agreement


class Contract(models.Model):
    """An apprenticeship contract (Cerfa FA13 n° 10103) or a professionalisation contract (EJ20).

    Holds every date of the Cerfa; amendments (avenants, types 31–38) are new rows linked to the
    contract they amend. The state machine, pre-flight checks and salary grid are in services.
    """

    kind = models.CharField(_("nature"), max_length=20, choices=ContractKind.choices, default=ContractKind.APPRENTICESHIP)
    employment_term = models.CharField(
        _("durée du contrat"), max_length=12, choices=EmploymentTerm.choices, default=EmploymentTerm.FIXED_TERM,
        help_text=_("Un contrat de professionnalisation est un CDD ou un CDI (L6325-5) ; pour un CDI, les dates sont "
                    "celles de l'action de professionnalisation."),
    )
    employee_category = models.CharField(
        _("catégorie du salarié"), max_length=24, choices=EmployeeCategory.choices, blank=True,
        help_text=_("Fixe la période d'essai d'un CDI : 2 mois pour un ouvrier ou un employé, 3 pour un agent de maîtrise "
                    "ou un technicien, 4 pour un cadre (L1221-19). Non renseignée : 4 mois, la borne légale la plus haute."),
    )
    # Contrat pro: the professionalisation action (the whole CDD) lasts 6 to 12 months (L6325-11),
    # up to 24 by branch agreement (L6325-12) and 36 for the publics of L6325-1-1 (L6325-11).
    pro_branch_agreement = models.BooleanField(
        _("accord de branche portant la durée jusqu'à 24 mois"), default=False,
        help_text=_("Contrat de professionnalisation : un accord de branche permet d'allonger l'action jusqu'à 24 mois (L6325-12)."),
    )
    pro_public_l6325_1_1 = models.BooleanField(
        _("public visé à l'article L6325-1-1 (durée jusqu'à 36 mois)"), default=False,
        help_text=_("Jeunes de 16 à 25 ans sans qualification (second cycle non validé), bénéficiaires du RSA, "
                    "de l'ASS, de l'AAH ou sortant d'un contrat aidé (L6325-1-1, L6325-11)."),
    )
    apprentice = models.ForeignKey("alternance.Apprentice", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("apprenti·e"))
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("employeur"))
    programme = models.ForeignKey("alternance.Programme", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("formation"))
    master = models.ForeignKey(
        "companies.CompanyContact", on_delete=models.PROTECT, related_name="contracts_as_master",
        null=True, blank=True, verbose_name=_("maître d'apprentissage n° 1"),
    )
    second_master = models.ForeignKey(
        "companies.CompanyContact", on_delete=models.PROTECT, related_name="contracts_as_second_master",
        null=True, blank=True, verbose_name=_("maître d'apprentissage n° 2"),
    )
    status = models.CharField(_("état"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT, db_index=True)
    contract_type = models.PositiveSmallIntegerField(_("type de contrat ou d'avenant"), choices=ContractType.choices, default=ContractType.FIRST)
    derogation_type = models.PositiveSmallIntegerField(_("type de dérogation"), choices=DerogationType.choices, null=True, blank=True)
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments", verbose_name=_("contrat modifié par cet avenant")
    )
    previous_contract_number = models.CharField(
        _("numéro du contrat précédent"), max_length=15, blank=True, validators=[validate_deca_number]
    )
    # Dates (Cerfa)
    signature_date = models.DateField(_("date de conclusion (signature)"), null=True, blank=True)
    start_date = models.DateField(_("date de début d'exécution"))
    practical_training_start_date = models.DateField(_("début de la formation pratique chez l'employeur"), null=True, blank=True)
    amendment_effective_date = models.DateField(_("date d'effet de l'avenant"), null=True, blank=True)
    end_date = models.DateField(_("date de fin du contrat"))
    training_start_date = models.DateField(_("début de la formation au CFA"), null=True, blank=True)
    exams_end_date = models.DateField(_("date prévue de fin des épreuves"), null=True, blank=True)
    # The last day of the free rupture period (the 45th company day on the apprentice's real
    # calendar), kept by ``alternance.planning.free_period`` for the OPCO board's employer
    # participation; None when the calendar holds no such day.
    free_period_end = models.DateField(_("fin de la période des 45 jours en entreprise"), null=True, blank=True, editable=False)
    training_hours = models.PositiveIntegerField(_("durée de la formation (heures)"), null=True, blank=True)
    # Work
    weekly_hours = models.DecimalField(
        _("durée hebdomadaire du travail"), max_digits=4, decimal_places=2, default=Decimal("35"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(MAX_WEEKLY_HOURS)],
    )
    daily_hours = models.DecimalField(
        _("durée quotidienne maximale du travail"), max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(MAX_DAILY_HOURS)],
        help_text=_("Heures par jour au plus (le Cerfa ne la demande pas) : 8 h au plus pour un·e mineur·e (L3162-1)."),
    )
    minor_hours_derogation = models.CharField(
        _("dérogation aux durées maximales des mineurs"), max_length=20, choices=MinorHoursDerogation.choices, blank=True,
        help_text=_("Au-delà de 8 h par jour ou 35 h par semaine pour un·e mineur·e (L3162-1, R3162-1)."),
    )
    minor_compensatory_rest = models.TextField(
        _("repos compensateur des heures au-delà de 8 h par jour"), blank=True,
        help_text=_("Les heures au-delà de 8 h par jour donnent un repos au moins équivalent (L3162-1) : décrivez-le."),
    )
    dangerous_work = models.BooleanField(_("travail sur machines dangereuses ou exposition à des risques"), default=False)
    gross_monthly_salary = models.DecimalField(_("salaire brut mensuel à l'embauche"), max_digits=8, decimal_places=2, null=True, blank=True)
    collective_minimum_salary = models.DecimalField(
        _("salaire minimum conventionnel (SMC) mensuel"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("Minimum de la convention collective pour l'emploi occupé ; utilisé dès 21 ans s'il dépasse le SMIC."),
    )
    pension_fund = models.CharField(_("caisse de retraite complémentaire"), max_length=120, blank=True)
    benefit_food = models.DecimalField(_("avantage en nature : nourriture (€ par repas)"), max_digits=6, decimal_places=2, null=True, blank=True)
    benefit_housing = models.DecimalField(_("avantage en nature : logement (€ par mois)"), max_digits=7, decimal_places=2, null=True, blank=True)
    benefit_other = models.CharField(_("autre avantage en nature"), max_length=120, blank=True)
    remote_training_hours = models.PositiveIntegerField(_("heures de formation à distance prévues"), null=True, blank=True)
    # Cerfa FA13 n° 10103*12 fields (issue 15 §7).
    public_unemployment_insurance = models.BooleanField(
        _("employeur public : adhésion de l'apprenti au régime spécifique d'assurance chômage"), null=True, blank=True,
        help_text=_("Employeurs du secteur public seulement (Code du travail L5424-1 et L5424-2) ; sans objet pour un employeur privé."),
    )
    employer_holds_documents = models.BooleanField(
        _("l'employeur atteste disposer des pièces justificatives du dépôt"), default=False,
        help_text=_("Cerfa : « L'employeur atteste disposer de l'ensemble des pièces justificatives nécessaires au dépôt du contrat »."),
    )
    signature_place = models.CharField(_("fait à"), max_length=100, blank=True, help_text=_("Commune où le contrat est signé (Cerfa : « Fait à »)."))
    # Rupture
    rupture_date = models.DateField(_("date de rupture"), null=True, blank=True)
    rupture_kind = models.CharField(_("type de rupture"), max_length=20, choices=RuptureKind.choices, blank=True)
    rupture_initiative = models.CharField(_("initiative de la rupture"), max_length=12, choices=RuptureInitiative.choices, blank=True)
    rupture_cause = models.TextField(_("cause de la rupture"), blank=True)
    dismissal_ground = models.CharField(_("motif du licenciement"), max_length=20, choices=DismissalGround.choices, blank=True)
    mediator_referral_date = models.DateField(_("saisine du médiateur le"), null=True, blank=True)
    # Resignation through the mediator (L6222-18 al. 3, D6222-21-1): the day the apprentice told
    # the employer, at least 5 days after the referral and at least 7 days before the rupture.
    # Also the written notice of an early end after the diploma (L6222-19), at least 2 months before.
    employer_informed_date = models.DateField(_("employeur informé par écrit par l'apprenti·e le"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["status", "end_date"], name="contract_status_end_idx"),
            models.Index(fields=["company", "status"], name="contract_company_status_idx"),
            models.Index(fields=["apprentice", "-start_date"], name="contract_apprentice_start_idx"),
            # The contracts list's default order (latest start, then id): a deep page's keys read
            # backward along this index alone, without sorting every contract (the last of 752 pages
            # at 20 000 learners: 10 ms → 1,6 ms, issue 18 §2).
            models.Index(fields=["start_date", "id"], name="contract_start_keys_idx"),
            # The admin staff's « Contrats à traiter » (alternance.selectors.CONTRACTS_TO_HANDLE_STATUSES,
            # a test keeps them equal): the first by start date, read along this small index instead
            # of the 17 000 other contracts filtered out of the start date's index (12 ms at 20 000).
            models.Index(
                fields=["start_date", "id"], name="contract_to_handle_idx",
                condition=models.Q(status__in=["draft", "awaiting_signatures", "signed", "sent_to_opco"]),
            ),
            # The weekly meeting's contracts signed and broken in a week (issue 18 §2).
            models.Index(fields=["signature_date"], name="contract_signature_idx", condition=models.Q(signature_date__isnull=False)),
            models.Index(fields=["rupture_date"], name="contract_rupture_idx", condition=models.Q(rupture_date__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ContractStatus.values), name="contract_status_valid"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")), name="contract_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(weekly_hours__gt=0, weekly_hours__lte=MAX_WEEKLY_HOURS), name="contract_weekly_hours_max_40"
            ),
            models.CheckConstraint(
                condition=models.Q(daily_hours__isnull=True) | models.Q(daily_hours__gt=0, daily_hours__lte=MAX_DAILY_HOURS),
                name="contract_daily_hours_max_12",
            ),
            # Signature before the start, for initial contracts (an amendment may be signed later).
            models.CheckConstraint(
                condition=models.Q(signature_date__isnull=True)
                | models.Q(signature_date__lte=models.F("start_date"))
                | models.Q(contract_type__gte=31),
                name="contract_signed_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(practical_training_start_date__isnull=True)
                | models.Q(practical_training_start_date__gte=models.F("start_date"), practical_training_start_date__lte=models.F("end_date")),
                name="contract_practical_start_within_contract",
            ),
            models.CheckConstraint(
                condition=models.Q(rupture_date__isnull=True)
                | models.Q(rupture_date__gte=models.F("start_date"), rupture_date__lte=models.F("end_date")),
                name="contract_rupture_within_contract",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ContractStatus.BROKEN) | (models.Q(rupture_date__isnull=False) & ~models.Q(rupture_kind="")),
                name="contract_broken_has_rupture",
            ),
            models.CheckConstraint(
                condition=models.Q(contract_type__lt=31) | models.Q(amends__isnull=False), name="contract_amendment_links_contract"
            ),
            models.CheckConstraint(
                condition=~models.Q(rupture_kind=RuptureKind.DISMISSAL) | ~models.Q(dismissal_ground=""),
                name="contract_dismissal_has_ground",
            ),
            models.CheckConstraint(
                condition=models.Q(second_master__isnull=True) | ~models.Q(second_master=models.F("master")),
                name="contract_two_distinct_masters",
            ),
            # The mediator's steps precede the rupture, in order (the minimum delays are settings,
            # checked by contracts.services.contract_record_rupture).
            models.CheckConstraint(
                condition=models.Q(mediator_referral_date__isnull=True)
                | models.Q(rupture_date__isnull=True)
                | models.Q(mediator_referral_date__lte=models.F("rupture_date")),
                name="contract_mediator_before_rupture",
            ),
            models.CheckConstraint(
                condition=models.Q(employer_informed_date__isnull=True)
                | models.Q(rupture_date__isnull=True)
                | models.Q(employer_informed_date__lte=models.F("rupture_date")),
                name="contract_employer_informed_before_rupture",
            ),
            models.CheckConstraint(
                condition=models.Q(employer_informed_date__isnull=True)
                | models.Q(mediator_referral_date__isnull=True)
                | models.Q(employer_informed_date__gte=models.F("mediator_referral_date")),
                name="contract_employer_informed_after_mediator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.apprentice} chez {self.company.name} ({self.start_date:%d/%m/%Y})"

    def label_of_status(self, status: str) -> str:
        """A status as staff read it for this contract: a public employer's contract is deposited
        with the DDETS, not sent to an OPCO (reads ``company``: select it with the contract)."""
        if self.company.is_public and status in PUBLIC_EMPLOYER_STATUS_LABELS:
            return str(PUBLIC_EMPLOYER_STATUS_LABELS[status])
        return str(ContractStatus(status).label) if status else ""

    @property
    def status_label(self) -> str:
        return self.label_of_status(self.status)

    @property
    def goes_through_opco(self) -> bool:
        """False for a public employer: no OPCO file to send, no OPCO funding schedule."""
        return not self.company.is_public

    @property
    def is_amendment(self) -> bool:
        return self.contract_type in ContractType.amendment_values()

    @property
    def is_professionalisation(self) -> bool:
        return self.kind == ContractKind.PROFESSIONALISATION

    @property
    def contract_type_label(self) -> str:
        """The type of contract in the words of its own kind (a contrat pro is not an « apprentissage »)."""
        if self.is_professionalisation and self.contract_type in PROFESSIONALISATION_TYPE_LABELS:
            return str(PROFESSIONALISATION_TYPE_LABELS[self.contract_type])
        return self.get_contract_type_display()

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            errors["end_date"] = _("La date de fin du contrat doit être postérieure à sa date de début.")
        if self.signature_date and self.start_date and not self.is_amendment and self.signature_date > self.start_date:
            errors["signature_date"] = _("Le contrat doit être signé au plus tard le jour de son début d'exécution.")
        if self.practical_training_start_date and self.start_date and self.end_date and not (
            self.start_date <= self.practical_training_start_date <= self.end_date
        ):
            errors["practical_training_start_date"] = _(
                "La formation pratique chez l'employeur doit commencer entre le début et la fin du contrat."
            )
        if self.rupture_date and self.start_date and self.end_date and not (self.start_date <= self.rupture_date <= self.end_date):
            errors["rupture_date"] = _("La date de rupture doit se situer entre le début et la fin du contrat.")
        if self.status == ContractStatus.BROKEN and not (self.rupture_date and self.rupture_kind):
            errors["rupture_date"] = _("Un contrat rompu doit porter sa date et son type de rupture.")
        if self.rupture_kind == RuptureKind.DISMISSAL and not self.dismissal_ground:
            errors["dismissal_ground"] = _("Indiquez le motif du licenciement.")
        if self.is_amendment and not self.amends_id:
            errors["amends"] = _("Un avenant doit indiquer le contrat qu'il modifie.")
        if self.company_id:
            for field in ("master", "second_master"):
                contact = getattr(self, field)
                if contact is not None and contact.company_id != self.company_id:
                    errors[field] = _("Le maître d'apprentissage doit être un salarié de l'employeur du contrat.")
                elif contact is not None and not contact.is_master:
                    errors[field] = _("Ce contact n'est pas déclaré maître d'apprentissage.")
        if self.master_id and self.second_master_id and self.master_id == self.second_master_id:
            errors["second_master"] = _("Le second maître d'apprentissage doit être une autre personne.")
        if errors:
            raise ValidationError(errors)


class ContractStatusChange(models.Model):
    """History row written by every state transition (who, when, from, to, why)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ContractStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ContractStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("changement d'état du contrat")
        verbose_name_plural = _("historique des contrats")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.from_status or '—'} → {self.to_status}"


class OpcoFile(models.Model):
    """The OPCO side of a contract: the Cerfa box filled by the OPCO and the funding follow-up."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="opco_file", verbose_name=_("contrat"))
    opco = models.CharField(_("OPCO"), max_length=20, blank=True, help_text=_("OPCO de l'employeur au moment de l'envoi."))
    sent_date = models.DateField(_("date d'envoi à l'OPCO"), null=True, blank=True)
    complete_file_date = models.DateField(_("date de réception du dossier complet"), null=True, blank=True)
    decision = models.CharField(_("décision"), max_length=10, choices=OpcoDecision.choices, default=OpcoDecision.PENDING)
    decision_date = models.DateField(_("date de décision"), null=True, blank=True)
    deposit_number = models.CharField(_("numéro de dépôt"), max_length=15, blank=True, db_index=True)
    amendment_number = models.CharField(_("numéro d'avenant"), max_length=20, blank=True)
    # The Cerfa's « cadre réservé à l'organisme en charge du dépôt du contrat » (issue 15 §7): the
    # OPCO for a private employer; blank prints the OPCO of the file.
    deposit_organisation_name = models.CharField(_("organisme en charge du dépôt"), max_length=200, blank=True)
    deposit_organisation_siret = models.CharField(
        _("SIRET de l'organisme en charge du dépôt"), max_length=14, blank=True, validators=[validate_siret]
    )
    npec_amount = models.DecimalField(_("montant NPEC annuel"), max_digits=9, decimal_places=2, null=True, blank=True)
    employer_participation_amount = models.DecimalField(
        _("participation employeur"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    employer_participation_invoiced_date = models.DateField(_("participation employeur facturée le"), null=True, blank=True)
    employer_participation_paid_date = models.DateField(_("participation employeur payée le"), null=True, blank=True)
    rupture_notified_date = models.DateField(_("rupture notifiée à l'OPCO le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier OPCO")
        verbose_name_plural = _("dossiers OPCO")
        indexes = [models.Index(fields=["decision", "complete_file_date"], name="opcofile_decision_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(complete_file_date__isnull=True)
                | (models.Q(sent_date__isnull=False) & models.Q(complete_file_date__gte=models.F("sent_date"))),
                name="opcofile_complete_after_sent",
            ),
            models.CheckConstraint(
                condition=models.Q(decision=OpcoDecision.PENDING) | models.Q(decision_date__isnull=False),
                name="opcofile_decision_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(decision_date__isnull=True)
                | (models.Q(sent_date__isnull=False) & models.Q(decision_date__gte=models.F("sent_date"))),
                name="opcofile_decision_after_sent",
            ),
            models.CheckConstraint(condition=models.Q(npec_amount__isnull=True) | models.Q(npec_amount__gte=0), name="opcofile_npec_positive"),
        ]

    def __str__(self) -> str:
        return f"Dossier OPCO — {self.contract}"

    def clean(self) -> None:
        errors = {}
        if self.complete_file_date and (not self.sent_date or self.complete_file_date < self.sent_date):
            errors["complete_file_date"] = _("Le dossier complet ne peut être reçu qu'après son envoi : indiquez d'abord la date d'envoi.")
        if self.decision != OpcoDecision.PENDING and not self.decision_date:
            errors["decision_date"] = _("Indiquez la date de la décision de l'OPCO.")
        if self.decision_date and (not self.sent_date or self.decision_date < self.sent_date):
            errors["decision_date"] = _("La décision de l'OPCO ne peut pas précéder l'envoi du dossier.")
        if errors:
            raise ValidationError(errors)


class FundingRule(models.Model):
    """How the OPCO pays a contract, for contracts concluded from ``valid_from`` (domain.md §4).

    ``schedule`` lists the instalments of each contract year: [{"kind": "advance", "percent": 40,
    "due_month": 0}, …] where ``due_month`` is the month of the contract year when it falls due
    (0 = at the start, on invoice). Kept as data so that a new funding reform is a new row.
    """

    valid_from = models.DateField(_("contrats conclus à partir du"), unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    per_day = models.BooleanField(_("financement au jour (jours exacts du contrat)"), default=False)
    schedule = models.JSONField(_("échéancier par année de contrat"))
    balance_claim_months = models.PositiveSmallIntegerField(
        _("délai pour réclamer le solde après la fin (mois)"), null=True, blank=True,
        help_text=_("Au-delà, le solde de la dernière année est perdu [à vérifier]."),
    )
    # Employer participation (Code du travail L6332-14 I 1°, R6332-25-1 and R6332-25-2, décret
    # 2025-585 [à vérifier]): invoiced by the OF once the 45 first days of practical training in the
    # company are over — the free rupture period's count (ContractSettings.free_period_company_days,
    # alternance.planning.practical), so no delay of its own here.
    employer_participation_amount = models.DecimalField(
        _("participation employeur"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("R6332-25-1 : montant forfaitaire par contrat (750 € pour les contrats conclus à partir du 1er juillet 2025)."),
    )
    employer_participation_min_level = models.PositiveSmallIntegerField(
        _("à partir du niveau"), null=True, blank=True,
        help_text=_("Niveau du cadre national des certifications à partir duquel la participation est due (6 = bac + 3)."),
    )
    employer_participation_rupture_percent = models.DecimalField(
        _("rupture pendant les 45 premiers jours : part du NPEC au prorata (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("R6332-25-2 : 50 % du niveau de prise en charge au prorata des jours du contrat effectués [à vérifier]."),
    )
    employer_participation_rupture_cap = models.DecimalField(
        _("rupture pendant les 45 premiers jours : plafond"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("R6332-25-2 : dans la limite de 750 €."),
    )
    employer_participation_new_employer_amount = models.DecimalField(
        _("nouveau contrat après une rupture, chez un autre employeur"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("R6332-25-1 al. 2 : 200 € pour le nouvel employeur après la rupture d'un contrat chez un autre employeur [à vérifier]."),
    )
    remote_training_reduction_percent = models.DecimalField(
        _("minoration si formation à distance ≥ 80 %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("règle de financement OPCO")
        verbose_name_plural = _("règles de financement OPCO")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.label} (contrats à partir du {self.valid_from:%d/%m/%Y})"

    @classmethod
    def in_force_on(cls, day: date) -> "FundingRule | None":
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()

    def clean(self) -> None:
        if not isinstance(self.schedule, list) or not self.schedule:
            raise ValidationError({"schedule": _("Décrivez au moins une échéance.")})
        total = sum(Decimal(str(item.get("percent", 0))) for item in self.schedule)
        if total != 100:
            raise ValidationError({"schedule": _("Les parts de l'échéancier doivent totaliser 100 %% (total : %(total)s %%).") % {"total": total}})
        if any(item.get("kind") not in InstalmentKind.values for item in self.schedule):
            raise ValidationError({"schedule": _("Chaque échéance doit être : %(kinds)s.") % {"kinds": ", ".join(InstalmentKind.values)}})


class OpcoInstalment(models.Model):
    """One payment expected from the OPCO for a contract year (advance, month 7, month 10, balance)."""

    opco_file = models.ForeignKey(OpcoFile, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("dossier OPCO"))
    contract_year = models.PositiveSmallIntegerField(_("année de contrat"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    kind = models.CharField(_("échéance"), max_length=10, choices=InstalmentKind.choices)
    percent = models.DecimalField(_("part (%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("montant"), max_digits=9, decimal_places=2)
    due_date = models.DateField(_("échéance"))
    invoiced_date = models.DateField(_("facturé le"), null=True, blank=True)
    invoice_number = models.CharField(_("numéro de facture"), max_length=40, blank=True)
    paid_date = models.DateField(_("payé le"), null=True, blank=True)
    paid_amount = models.DecimalField(_("montant reçu"), max_digits=9, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("versement OPCO")
        verbose_name_plural = _("versements OPCO")
        ordering = ["opco_file", "contract_year", "due_date"]
        indexes = [
            models.Index(fields=["due_date", "paid_date"], name="instalment_due_paid_idx"),
            # The OPCO board reads only the unpaid instalments (a few % of them once contracts run):
            # partial indexes give the planner their number and a path to them (issue 18 §2).
            models.Index(fields=["due_date"], condition=models.Q(paid_date__isnull=True, invoiced_date__isnull=True), name="instalment_to_invoice_idx"),
            models.Index(fields=["invoiced_date"], condition=models.Q(paid_date__isnull=True, invoiced_date__isnull=False), name="instalment_unpaid_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["opco_file", "contract_year", "kind"], name="instalment_one_per_year_kind"),
            models.CheckConstraint(condition=models.Q(percent__gt=0, percent__lte=100), name="instalment_percent_range"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(paid_date__isnull=True) | models.Q(invoiced_date__isnull=False), name="instalment_paid_after_invoice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} année {self.contract_year} — {self.amount} €"


# The OPCO board's order (``OpcoBoardItem.ORDER``), the columns of its indexes.
OPCO_BOARD_ORDER = ("sort_date", "last_name_key", "first_name_key", "contract_id", "group_rank", "instalment_year",
                    "instalment_due", "instalment_id", "row_rank")
_OPCO_BOARD_INDEX = [f.removesuffix("_id") for f in OPCO_BOARD_ORDER]


class OpcoBoardItem(models.Model):
    """One line of the OPCO board (``contracts.opco.Board``), kept: what is due on one contract, file
    or instalment, with the days it enters the board and is late (issue 18 §2).

    A line depends only on its contract, file and instalments, its apprentice's name, its employer
    (public or not), the OPCO deadlines of ``ContractSettings`` and the funding rules — never on
    today: the board of any day reads the lines whose ``shown_from`` has come, the "late" tab those
    between ``late_from`` and ``late_until``. ``contracts.opco_board`` computes them and keeps them
    (on every save of those rows, by the bulk writers, nightly), like the attendance tallies.
    """

    # One of ``contracts.opco.BoardFilter``'s stages (every tab but "late").
    stage = models.CharField(max_length=24)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="opco_board_items")
    instalment = models.ForeignKey(OpcoInstalment, on_delete=models.CASCADE, null=True, related_name="board_items")
    deadline = models.DateField(null=True)
    # The board's order, stored so that one index gives a page without sorting the tab: deadline
    # (none last: ``date.max``), apprentice's names, contract, then the file's order within it.
    sort_date = models.DateField()
    last_name_key = models.CharField(max_length=100)
    first_name_key = models.CharField(max_length=100)
    group_rank = models.PositiveSmallIntegerField()
    instalment_year = models.PositiveSmallIntegerField()
    instalment_due = models.DateField()
    row_rank = models.PositiveSmallIntegerField()
    # On the board from this day (``date.min``: from the start); in the "late" tab from ``late_from``
    # (never when NULL) until the day before ``late_until`` (no end when NULL).
    shown_from = models.DateField()
    late_from = models.DateField(null=True)
    late_until = models.DateField(null=True)

    ORDER = OPCO_BOARD_ORDER

    class Meta:
        verbose_name = _("ligne du suivi OPCO")
        verbose_name_plural = _("lignes du suivi OPCO")
        indexes = [
            # One tab's page: an index range read in the board's order, stopped after the page.
            models.Index(fields=["stage", *_OPCO_BOARD_INDEX], name="opco_board_tab_idx"),
            # The "late" tab (every stage but the employer participation, never late).
            models.Index(fields=_OPCO_BOARD_INDEX, condition=models.Q(late_from__isnull=False),
                         name="opco_board_late_idx"),
            # The badges: the lines shown by today, counted from the index alone.
            models.Index(fields=["shown_from", "stage", "late_from", "late_until"], name="opco_board_counts_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["stage", "contract"], condition=models.Q(instalment__isnull=True),
                                    name="opco_board_one_per_contract_stage"),
            models.UniqueConstraint(fields=["stage", "instalment"], condition=models.Q(instalment__isnull=False),
                                    name="opco_board_one_per_instalment_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.contract_id}/{self.instalment_id or '-'} {self.deadline}"


class Document(models.Model):
    """A stored file (Cerfa, convention, report, proof…) with its SHA-256, attached to what it concerns.

    Files live in MEDIA_ROOT, outside the web root, and are served only through permission checks.
    """

    kind = models.CharField(_("type"), max_length=30, choices=DocumentKind.choices, db_index=True)
    title = models.CharField(_("titre"), max_length=255)
    file = models.FileField(_("fichier"), upload_to="documents/%Y/%m/")
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0, editable=False)
    content_type = models.CharField(_("type de contenu"), max_length=100, blank=True)
    apprentice = models.ForeignKey(
        "alternance.Apprentice", on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("apprenti·e")
    )
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("contrat"))
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("entreprise")
    )
    # A signed attendance sheet (issue 19 §3) belongs to its session, a monthly one of a whole cohort
    # to the cohort; an apprentice's monthly sheet to the apprentice.
    training_session = models.ForeignKey(
        "alternance.TrainingSession", on_delete=models.CASCADE, null=True, blank=True, related_name="documents",
        verbose_name=_("séance"),
    )
    cohort = models.ForeignKey(
        "alternance.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("promotion"),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    # Generated documents (PDFs rendered by the app) are versioned per contract and kind.
    is_generated = models.BooleanField(_("généré par l'application"), default=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    period_start = models.DateField(_("période du"), null=True, blank=True)
    period_end = models.DateField(_("période au"), null=True, blank=True)
    instalment = models.ForeignKey(
        "contracts.OpcoInstalment", on_delete=models.SET_NULL, null=True, blank=True, related_name="documents",
        verbose_name=_("versement OPCO"),
    )
    # What a generated document was made from (contracts.freshness): the values it printed, by
    # French label, and the SHA-256 of their canonical JSON. Empty for uploaded documents and for
    # kinds not followed (their data is a period of the register, not the contract's record).
    source_values = models.JSONField(_("données imprimées"), default=dict, blank=True, editable=False)
    source_fingerprint = models.CharField(_("empreinte des données"), max_length=64, blank=True, editable=False)
    # Where the signature boxes of a generated PDF are (page, role, rectangle in PDF points), as the
    # renderer laid them out: the signed PDF stamps each signature in its box.
    signature_boxes = models.JSONField(_("cases de signature"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["apprentice", "kind"], name="document_apprentice_kind_idx"),
            models.Index(fields=["contract", "kind"], name="document_contract_kind_idx"),
            models.Index(fields=["cohort", "kind", "period_start"], name="document_cohort_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(apprentice__isnull=False) | models.Q(contract__isnull=False) | models.Q(company__isnull=False)
                | models.Q(training_session__isnull=False) | models.Q(cohort__isnull=False),
                name="document_belongs_to_something",
            ),
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256_format"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="document_version_positive"),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True) | models.Q(period_end__isnull=True) | models.Q(period_end__gte=models.F("period_start")),
                name="document_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.title}"

    def compute_checksum(self) -> None:
        """Fill sha256 and size from the file content (called before saving a new file)."""
        digest = hashlib.sha256()
        self.file.open("rb")
        self.file.seek(0)
        for chunk in self.file.chunks():
            digest.update(chunk)
        self.file.seek(0)
        self.sha256 = digest.hexdigest()
        self.size = self.file.size

    def clean(self) -> None:
        if not (self.apprentice_id or self.contract_id or self.company_id or self.training_session_id or self.cohort_id):
            raise ValidationError(_("Rattachez le document à un·e apprenti·e, un contrat ou une entreprise."))
        if self.contract_id and self.apprentice_id and self.contract.apprentice_id != self.apprentice_id:
            raise ValidationError({"apprentice": _("Le document et son contrat concernent deux apprenti·es différent·es.")})


class SmicRate(models.Model):
    """The SMIC in force from a date (gross, 35 h = 151.67 h a month), with Mayotte's.

    Dated reference data: an administrator adds the new value when it is published, no release
    needed (domain.md §2.1). The contract uses the SMIC in force at its start.
    """

    valid_from = models.DateField(_("en vigueur à partir du"), unique=True)
    hourly = models.DecimalField(_("SMIC horaire brut"), max_digits=6, decimal_places=2)
    monthly = models.DecimalField(_("SMIC mensuel brut (35 h)"), max_digits=8, decimal_places=2)
    mayotte_monthly = models.DecimalField(_("SMIC mensuel brut à Mayotte"), max_digits=8, decimal_places=2)
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("valeur du SMIC")
        verbose_name_plural = _("valeurs du SMIC")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hourly__gt=0, monthly__gt=0, mayotte_monthly__gt=0), name="smic_positive"),
        ]

    def __str__(self) -> str:
        return f"SMIC au {self.valid_from:%d/%m/%Y} : {self.monthly} € / mois"

    @classmethod
    def in_force_on(cls, day: date) -> "SmicRate | None":
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()


class ContractSettings(models.Model):
    """Thresholds and deadlines of the contract rules that staff may change (one row).

    Each default carries its source; those tagged [check] in domain.md were found only in
    secondary sources, hence editable here rather than buried in code.
    """

    opco_sending_days = models.PositiveSmallIntegerField(
        _("délai d'envoi du dossier à l'OPCO (jours après le début)"), default=5,
        help_text=_("Code du travail D6224-1 ; générateur officiel : 5 jours ouvrables."),
    )
    opco_sending_count = models.CharField(_("décompte du délai d'envoi"), max_length=12, choices=DayCount.choices, default=DayCount.OUVRABLES)
    opco_decision_days = models.PositiveSmallIntegerField(
        _("délai de décision de l'OPCO (jours après le dossier complet)"), default=20,
        help_text=_("Code du travail D6224-2 [à vérifier] : 20 jours ; le silence vaut refus."),
    )
    opco_decision_count = models.CharField(_("décompte du délai de décision"), max_length=12, choices=DayCount.choices, default=DayCount.CALENDAIRES)
    free_period_company_days = models.PositiveSmallIntegerField(
        _("période de rupture libre (jours de formation pratique en entreprise)"), default=45,
        help_text=_("Code du travail L6222-18 [à vérifier] : 45 jours, consécutifs ou non, en entreprise."),
    )
    # The limits for learners without an employer (3 months before a first contract, 6 after a
    # rupture) are RuleSettings.seeking_limit_days / rupturant_limit_days: one setting per limit.
    diploma_notice_months = models.PositiveSmallIntegerField(
        _("fin anticipée après obtention du diplôme : préavis écrit de l'apprenti·e (mois, au moins)"), default=2,
        help_text=_("Code du travail L6222-19 [à vérifier] : l'employeur est informé par écrit au moins deux mois avant."),
    )
    mediator_inform_days = models.PositiveSmallIntegerField(
        _("démission : délai entre la saisine du médiateur et l'information de l'employeur (jours calendaires, au moins)"),
        default=5, help_text=_("Code du travail L6222-18 al. 3 et D6222-21-1 [à vérifier] : 5 jours calendaires."),
    )
    mediator_effective_days = models.PositiveSmallIntegerField(
        _("démission : délai entre l'information de l'employeur et la rupture (jours calendaires, au moins)"),
        default=7, help_text=_("Code du travail D6222-21-1 [à vérifier] : 7 jours calendaires, soit 12 jours après la saisine."),
    )
    ma_max_apprentices = models.PositiveSmallIntegerField(_("apprentis par maître d'apprentissage"), default=2, help_text=_("R6223-6 [à vérifier]"))
    ma_max_extended = models.PositiveSmallIntegerField(_("apprentis prolongés après échec, en plus"), default=1)
    tutor_max_alternants = models.PositiveSmallIntegerField(_("alternants par tuteur (tous contrats)"), default=3)
    ma_experience_years_with_diploma = models.PositiveSmallIntegerField(_("expérience du MA avec diplôme du domaine (années)"), default=1)
    ma_experience_years_without_diploma = models.PositiveSmallIntegerField(_("expérience du MA sans diplôme du domaine (années)"), default=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("paramètres des contrats")
        verbose_name_plural = _("paramètres des contrats")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="contract_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Paramètres des contrats"))

    @classmethod
    def load(cls) -> "ContractSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row

    def rules(self):
        from contracts.preflight import ContractRules

        return ContractRules(
            ma_max_apprentices=self.ma_max_apprentices,
            ma_max_extended=self.ma_max_extended,
            tutor_max_alternants=self.tutor_max_alternants,
            ma_experience_years_with_diploma=self.ma_experience_years_with_diploma,
            ma_experience_years_without_diploma=self.ma_experience_years_without_diploma,
        )


class OpcoReminder(models.Model):
    """A reminder sent to the OPCO (missing decision, unpaid instalment) or to the employer."""

    opco_file = models.ForeignKey(OpcoFile, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("dossier OPCO"))
    instalment = models.ForeignKey(OpcoInstalment, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders")
    sent_on = models.DateField(_("envoyée le"))
    subject = models.CharField(_("objet"), max_length=255)
    note = models.TextField(_("note"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("relance OPCO")
        verbose_name_plural = _("relances OPCO")
        ordering = ["-sent_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.sent_on:%d/%m/%Y})"


class SignatureRequest(models.Model):
    """A simple electronic signature request on one document (apprentice, employer, OF).

    The SHA-256 of the document at request time is kept: a document changed after a signature
    no longer matches and the request is invalidated.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signature_requests", verbose_name=_("document"))
    document_sha256 = models.CharField(_("empreinte du document demandé"), max_length=64)
    status = models.CharField(_("état"), max_length=12, choices=SignatureRequestStatus.choices, default=SignatureRequestStatus.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    close_reason = models.TextField(_("motif"), blank=True)
    signed_document = models.OneToOneField(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="signed_from", verbose_name=_("document signé")
    )

    class Meta:
        verbose_name = _("demande de signature")
        verbose_name_plural = _("demandes de signature")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"], condition=models.Q(status="pending"), name="signature_one_pending_request_per_document"
            ),
            models.CheckConstraint(condition=models.Q(document_sha256__regex=r"^[0-9a-f]{64}$"), name="signature_request_sha256_format"),
        ]

    def __str__(self) -> str:
        return f"Signature — {self.document} ({self.get_status_display()})"


class Signer(models.Model):
    """One expected signature of a request: who, in what capacity, and the evidence once signed."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE, related_name="signers")
    role = models.CharField(_("qualité"), max_length=12, choices=SignerRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("signataire"))
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=400, blank=True)
    signed_sha256 = models.CharField(_("empreinte du document signé"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("signataire")
        verbose_name_plural = _("signataires")
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "role"], name="signer_one_per_role"),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | (~models.Q(signed_sha256="") & models.Q(ip_address__isnull=False)),
                name="signer_signed_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.user}"


class DocumentAccess(models.Model):
    """One download of a document whose content is sensitive (issue 17 §6): an absence proof
    (health data, RGPD art. 9) or a document printing the NIR. Written by
    ``contracts.documents.document_access_log`` only, never edited; listed on the record
    (« Consulté par … le … ») for the staff who may see the document."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="accesses", verbose_name=_("document"))
    # SET_NULL: an account is deactivated, not deleted; if one ever is, the line stays with its name.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("consulté par")
    )
    user_name = models.CharField(_("nom de la personne"), max_length=255)
    accessed_at = models.DateTimeField(_("consulté le"))
    channel = models.CharField(_("par"), max_length=10, choices=DocumentAccessChannel.choices)

    class Meta:
        verbose_name = _("consultation d'un document")
        verbose_name_plural = _("consultations de documents")
        ordering = ["-accessed_at", "-pk"]
        indexes = [models.Index(fields=["document", "-accessed_at"], name="document_access_doc_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(channel__in=DocumentAccessChannel.values), name="document_access_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} — {self.user_name} — {self.accessed_at:%d/%m/%Y %H:%M}"


class DocumentBatch(models.Model):
    """Documents generated for a whole cohort in a Celery task, with progress and the ZIP when done."""

    cohort = models.ForeignKey("alternance.Cohort", on_delete=models.CASCADE, related_name="document_batches")
    kind = models.CharField(_("type de document"), max_length=30, choices=DocumentKind.choices)
    status = models.CharField(_("état"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(_("documents à produire"), default=0)
    done = models.PositiveIntegerField(_("documents produits"), default=0)
    archive = models.FileField(_("archive ZIP"), upload_to="batches/%Y/%m/", blank=True)
    error = models.TextField(_("erreur"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker takes the batch and refreshed after each document: a running batch whose
    # heartbeat is too old has lost its worker (``alternance.jobs.jobs_reap``).
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    # {contract id: document id} of the documents this batch has stored: a batch started again
    # after its worker died reuses them instead of storing a second version.
    generated = models.JSONField(_("documents produits par ce lot"), default=dict, blank=True)
    # Set when the retention purge deleted the ZIP (issue 17 §5); the documents stay on their contracts.
    files_purged_at = models.DateTimeField(_("archive supprimée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("génération par lot")
        verbose_name_plural = _("générations par lot")
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=models.Q(done__lte=models.F("total")), name="batch_done_within_total")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.cohort} ({self.done}/{self.total})"


class RemunerationGrid(models.Model):
    """The minimum remuneration rates in force for contracts starting from ``valid_from``.

    ``apprenticeship``: {"1": [<18, 18–20, 21–25, 26+], "2": […], "3": […]} in percent of the
    SMIC (of the SMC from 21 when higher); ``professionalisation``: {"under_21": [without, with
    qualification], "from_21_to_25": […], "from_26_smc_percent": 85}. Dated reference data an
    administrator extends when the rates change (domain.md §2.1, §6).
    """

    valid_from = models.DateField(_("contrats commençant à partir du"), unique=True)
    apprenticeship = models.JSONField(_("taux de l'apprentissage"))
    professionalisation = models.JSONField(_("taux du contrat de professionnalisation"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("grille de rémunération")
        verbose_name_plural = _("grilles de rémunération")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"Grille de rémunération au {self.valid_from:%d/%m/%Y}"

    @classmethod
    def in_force_on(cls, day: date) -> "RemunerationGrid | None":
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()

    def apprenticeship_rates(self):
        from contracts.salary import ApprenticeshipRates

        return ApprenticeshipRates(by_year={int(year): tuple(Decimal(str(v)) for v in rates) for year, rates in self.apprenticeship.items()})

    def professionalisation_rates(self):
        from contracts.salary import ProfessionalisationRates

        pro = self.professionalisation
        return ProfessionalisationRates(
            under_21=tuple(Decimal(str(v)) for v in pro["under_21"]),
            from_21_to_25=tuple(Decimal(str(v)) for v in pro["from_21_to_25"]),
            from_26_smc_percent=Decimal(str(pro["from_26_smc_percent"])),
        )

    def clean(self) -> None:
        try:
            rates = self.apprenticeship_rates()
            if set(rates.by_year) != {1, 2, 3} or any(len(row) != 4 for row in rates.by_year.values()):
                raise ValueError
            self.professionalisation_rates()
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            raise ValidationError(
                _("Grille invalide : l'apprentissage attend les années 1, 2 et 3 avec 4 taux chacune ; le contrat de "
                  "professionnalisation attend under_21, from_21_to_25 (2 taux) et from_26_smc_percent.")
            ) from None


class HiringAidRule(models.Model):
    """One rule of the State's hiring aid for apprenticeship contracts (aide à l'embauche), for
    contracts concluded between ``valid_from`` and ``valid_to`` (issue 15 §10).

    Dated data, never a constant in code: a new decree is a new row (staff edit them in the
    admin). Conditions left empty do not apply. When several rules match a contract, the
    employer gets the most favourable one (the RQTH rule supersedes the size-based rule).
    Every seeded row is tagged « [à vérifier] » until checked against the Journal officiel.
    """

    valid_from = models.DateField(_("contrats conclus à partir du"))
    valid_to = models.DateField(_("jusqu'au (inclus)"), null=True, blank=True)
    label = models.CharField(_("libellé"), max_length=200)
    company_headcount_min = models.PositiveIntegerField(_("effectif de l'entreprise au moins"), null=True, blank=True)
    company_headcount_max = models.PositiveIntegerField(_("effectif de l'entreprise au plus"), null=True, blank=True)
    diploma_level_max = models.PositiveSmallIntegerField(
        _("niveau du diplôme préparé au plus"), null=True, blank=True, help_text=_("Niveau du cadre national des certifications (3 à 8)."),
    )
    requires_rqth = models.BooleanField(_("réservée aux apprenti·es reconnu·es travailleurs handicapés (RQTH)"), default=False)
    private_employers_only = models.BooleanField(_("employeurs privés seulement"), default=True)
    amount_first_year = models.DecimalField(_("montant pour la 1re année du contrat"), max_digits=8, decimal_places=2)
    source = models.CharField(_("texte source"), max_length=255)
    to_check = models.BooleanField(_("à vérifier"), default=True, help_text=_("Règle non encore vérifiée sur le texte officiel."))

    class Meta:
        verbose_name = _("règle d'aide à l'embauche")
        verbose_name_plural = _("règles d'aide à l'embauche")
        ordering = ["-valid_from", "-amount_first_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="hiring_aid_rule_period_in_order",
            ),
            models.CheckConstraint(condition=models.Q(amount_first_year__gte=0), name="hiring_aid_rule_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.label
