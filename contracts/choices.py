from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractKind(models.TextChoices):
    APPRENTICESHIP = "apprenticeship", _("Contrat d'apprentissage")
    PROFESSIONALISATION = "professionalisation", _("Contrat de professionnalisation")


class EmployeeCategory(models.TextChoices):
    """The employee's category, which sets the longest trial period of a CDI (Code du travail
    L1221-19): 2 months for workers and employees, 3 for supervisors and technicians, 4 for executives."""

    WORKER_EMPLOYEE = "worker_employee", _("Ouvrier ou employé")
    SUPERVISOR_TECHNICIAN = "supervisor_technician", _("Agent de maîtrise ou technicien")
    EXECUTIVE = "executive", _("Cadre")


class EmploymentTerm(models.TextChoices):
    """Fixed-term or open-ended: a contrat de professionnalisation is either (Code du travail L6325-5);
    an apprenticeship contract too (L6222-7), the Cerfa FA13 does not ask it."""

    FIXED_TERM = "fixed_term", _("Contrat à durée déterminée (CDD)")
    OPEN_ENDED = "open_ended", _("Contrat à durée indéterminée (CDI)")


class MinorHoursDerogation(models.TextChoices):
    """Why a minor may work beyond 8 h a day or 35 h a week (Code du travail L3162-1, R3162-1)."""

    BUILDING_SITES = "building_sites", _("Activités sur les chantiers de bâtiment (R3162-1)")
    PUBLIC_WORKS = "public_works", _("Activités sur les chantiers de travaux publics (R3162-1)")
    LANDSCAPING = "landscaping", _("Création, aménagement et entretien sur les chantiers d'espaces paysagers (R3162-1)")
    LABOUR_INSPECTION = "labour_inspection", _("Dérogation accordée par l'inspection du travail après avis du médecin du travail (L3162-1)")


class ContractStatus(models.TextChoices):
    """Lifecycle of a contract (the transitions are in the contracts issue's state machine)."""

    DRAFT = "draft", _("Brouillon")
    AWAITING_SIGNATURES = "awaiting_signatures", _("En attente de signatures")
    SIGNED = "signed", _("Signé")
    SENT_TO_OPCO = "sent_to_opco", _("Transmis à l'OPCO")
    ACCEPTED = "accepted", _("Pris en charge par l'OPCO")
    REFUSED = "refused", _("Refusé par l'OPCO")
    IN_PROGRESS = "in_progress", _("En cours")
    ENDED = "ended", _("Terminé")
    BROKEN = "broken", _("Rompu")


# A public employer (companies.Company.is_public) does not go through an OPCO: its contract is
# deposited with the DDETS (issue 15 §6) [à vérifier: dépôt par la plateforme CELIA]. The same
# steps of the lifecycle, named for that path.
PUBLIC_EMPLOYER_STATUS_LABELS = {
    ContractStatus.SENT_TO_OPCO: _("Déposé auprès de la DDETS"),
    ContractStatus.ACCEPTED: _("Dépôt enregistré par la DDETS"),
    ContractStatus.REFUSED: _("Dépôt refusé par la DDETS"),
}


# Statuses in which the apprentice is employed under the contract (counted as "active contracts").
ACTIVE_CONTRACT_STATUSES = (ContractStatus.ACCEPTED, ContractStatus.IN_PROGRESS, ContractStatus.SENT_TO_OPCO, ContractStatus.SIGNED)
# Statuses of a contract still being prepared.
PENDING_CONTRACT_STATUSES = (ContractStatus.DRAFT, ContractStatus.AWAITING_SIGNATURES)


class ContractType(models.IntegerChoices):
    """Cerfa "type de contrat ou d'avenant"."""

    FIRST = 11, _("Premier contrat d'apprentissage de l'apprenti")
    SUCCESSION_SAME_EMPLOYER = 21, _("Nouveau contrat, précédent contrat terminé, même employeur")
    SUCCESSION_OTHER_EMPLOYER = 22, _("Nouveau contrat, précédent contrat terminé, autre employeur")
    SUCCESSION_AFTER_RUPTURE = 23, _("Nouveau contrat, précédent contrat rompu, autre employeur")
    AMEND_EMPLOYER_LEGAL_CHANGE = 31, _("Avenant : modification de la situation juridique de l'employeur")
    AMEND_SEASONAL_EMPLOYER = 32, _("Avenant : changement d'employeur dans le cadre d'un contrat saisonnier")
    AMEND_EXTENSION_EXAM_FAILURE = 33, _("Avenant : prolongation suite à échec à l'examen")
    AMEND_EXTENSION_RQTH = 34, _("Avenant : prolongation suite à la reconnaissance de la qualité de travailleur handicapé")
    AMEND_DIPLOMA_CHANGE = 35, _("Avenant : modification du diplôme préparé")
    AMEND_OTHER = 36, _("Avenant : autres changements (maître d'apprentissage, durée du travail…)")
    AMEND_WORKPLACE = 37, _("Avenant : modification du lieu d'exécution du contrat")
    AMEND_TRAINING_PLACE = 38, _("Avenant : modification du lieu principal de réalisation de la formation")

    @classmethod
    def amendment_values(cls) -> list[int]:
        return [v for v in cls.values if v >= 31]


# The same codes worded for a contrat de professionnalisation (Cerfa EJ20 n° 12434): the
# apprenticeship labels (« Premier contrat d'apprentissage ») must not print on a contrat pro.
PROFESSIONALISATION_TYPE_LABELS = {
    ContractType.FIRST: _("Premier contrat de professionnalisation"),
    ContractType.SUCCESSION_SAME_EMPLOYER: _("Nouveau contrat de professionnalisation, précédent contrat terminé, même employeur"),
    ContractType.SUCCESSION_OTHER_EMPLOYER: _("Nouveau contrat de professionnalisation, précédent contrat terminé, autre employeur"),
    ContractType.SUCCESSION_AFTER_RUPTURE: _("Nouveau contrat de professionnalisation, précédent contrat rompu, autre employeur"),
}


class DerogationType(models.IntegerChoices):
    UNDER_16 = 11, _("Âge de l'apprenti inférieur à 16 ans")
    OVER_29 = 12, _("Âge supérieur à 29 ans")
    SHORTER = 21, _("Réduction de la durée du contrat ou de la période d'apprentissage")
    LONGER = 22, _("Allongement de la durée du contrat ou de la période d'apprentissage")
    SEVERAL = 50, _("Cumul de dérogations")
    OTHER = 60, _("Autre dérogation")


class RuptureKind(models.TextChoices):
    FREE_PERIOD = "free_period", _("Pendant les 45 premiers jours de formation pratique en entreprise")
    TRIAL_PERIOD = "trial_period", _("Pendant la période d'essai (contrat de professionnalisation)")
    MUTUAL_AGREEMENT = "mutual_agreement", _("Accord commun écrit")
    RESIGNATION = "resignation", _("Démission de l'apprenti après saisine du médiateur")
    DISMISSAL = "dismissal", _("Licenciement")
    # L6222-19: the apprentice who obtains the diploma or title may end the contract before its
    # term, having informed the employer in writing at least two months before.
    DIPLOMA_OBTAINED = "diploma_obtained", _("Obtention du diplôme ou du titre préparé (fin anticipée à l'initiative de l'apprenti·e)")
    OTHER = "other", _("Autre (liquidation judiciaire, décès de l'employeur…)")


# Rupture kinds of one kind of contract only: the 45-day free rupture and the resignation through the
# mediator are apprenticeship rules (L6222-18); a contrat pro is a CDD or CDI with its trial period
# (L1242-10 for a CDD, L1221-19 for a CDI) and ordinary employment-law ruptures (domain.md §6). The
# early end after the diploma is an apprenticeship rule too (L6222-19, in the apprenticeship chapter).
APPRENTICESHIP_ONLY_RUPTURE_KINDS = frozenset({RuptureKind.FREE_PERIOD, RuptureKind.RESIGNATION, RuptureKind.DIPLOMA_OBTAINED})
PROFESSIONALISATION_ONLY_RUPTURE_KINDS = frozenset({RuptureKind.TRIAL_PERIOD})


def rupture_kinds_for(kind: str) -> list[tuple[str, str]]:
    """The rupture kinds offered for a contract of ``kind`` (a ContractKind value)."""
    excluded = APPRENTICESHIP_ONLY_RUPTURE_KINDS if kind == ContractKind.PROFESSIONALISATION else PROFESSIONALISATION_ONLY_RUPTURE_KINDS
    return [(value, label) for value, label in RuptureKind.choices if value not in excluded]


class RuptureInitiative(models.TextChoices):
    EMPLOYER = "employer", _("Employeur")
    APPRENTICE = "apprentice", _("Apprenti·e")
    BOTH = "both", _("Les deux parties")
    OTHER = "other", _("Autre")


class OpcoDecision(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Prise en charge acceptée")
    REFUSED = "refused", _("Refusée")


class InstalmentKind(models.TextChoices):
    """OPCO funding instalments per contract year (domain §4; schedule kept as data per contract date)."""

    ADVANCE = "advance", _("Avance")
    MONTH_7 = "month_7", _("Versement du 7e mois")
    MONTH_10 = "month_10", _("Versement du 10e mois")
    BALANCE = "balance", _("Solde")


class DocumentKind(models.TextChoices):
    CERFA = "cerfa", _("Cerfa du contrat")
    CONVENTION = "convention", _("Convention de formation")
    AMENDMENT = "amendment", _("Avenant")
    RUPTURE = "rupture", _("Notification de rupture")
    OPCO_DECISION = "opco_decision", _("Décision OPCO")
    INVOICE = "invoice", _("Facture")
    COMPLETION_CERTIFICATE = "completion_certificate", _("Certificat de réalisation")
    REMUNERATION_SCHEDULE = "remuneration_schedule", _("Échéancier de rémunération")
    ATTENDANCE_CERTIFICATE = "attendance_certificate", _("Attestation d'assiduité")
    SIGNED = "signed", _("Document signé (avec certificat de signature)")
    VISIT_REPORT = "visit_report", _("Compte rendu de visite")
    EVALUATION = "evaluation", _("Évaluation")
    ABSENCE_PROOF = "absence_proof", _("Justificatif d'absence")
    ATTENDANCE_STATEMENT = "attendance_statement", _("Relevé d'assiduité")
    # Signed attendance sheets of the digital sign-in (issue 19 §3): one per closed session, and the
    # monthly sheets of a cohort and of an apprentice.
    SIGNIN_SHEET = "signin_sheet", _("Feuille d'émargement d'une séance")
    MONTHLY_SIGNIN_SHEET = "monthly_signin_sheet", _("Feuille d'émargement mensuelle")
    OTHER = "other", _("Autre document")


# Documents whose every download is logged (issue 17 §6): absence proofs (often medical: health
# data) and the documents printing the apprentice's NIR (the Cerfa, and its signed version).
ACCESS_LOGGED_KINDS = (DocumentKind.ABSENCE_PROOF, DocumentKind.CERFA)


class DocumentAccessChannel(models.TextChoices):
    """How a logged document left the server."""

    DOWNLOAD = "download", _("téléchargement")
    PREVIEW = "preview", _("aperçu dans la liste des justificatifs")
    SIGNATURE = "signature", _("page de signature")
    BATCH = "batch", _("archive d'une promotion")


class DismissalGround(models.TextChoices):
    """Grounds of a dismissal after the 45-day period (Code du travail L6222-18) [check]."""

    SERIOUS_MISCONDUCT = "serious_misconduct", _("Faute grave")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    MEDICAL_INAPTITUDE = "medical_inaptitude", _("Inaptitude constatée par le médecin du travail")
    EXCLUSION_FROM_CFA = "exclusion_from_cfa", _("Exclusion définitive de l'apprenti du CFA")
    EMPLOYER_DEATH = "employer_death", _("Décès de l'employeur maître d'apprentissage (entreprise unipersonnelle)")
    LIQUIDATION = "liquidation", _("Liquidation judiciaire sans maintien d'activité")


class SignatureRequestStatus(models.TextChoices):
    PENDING = "pending", _("En attente des signatures")
    COMPLETED = "completed", _("Signé par tous")
    CANCELLED = "cancelled", _("Annulée")
    INVALIDATED = "invalidated", _("Invalidée (document modifié)")


class SignerRole(models.TextChoices):
    APPRENTICE = "apprentice", _("Apprenti·e")
    EMPLOYER = "employer", _("Employeur")
    ORGANISATION = "organisation", _("Organisme de formation")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("En file d'attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("En échec")
