"""Choices shared across the apps (TextChoices / IntegerChoices). Codes are the Cerfa's where it has some."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Responsable alternance")
    CRE = "cre", _("Chargé·e de relations entreprises")
    TUTOR = "tutor", _("Formateur·rice référent·e")
    ADMIN_STAFF = "admin_staff", _("Équipe administrative")
    APPRENTICE = "apprentice", _("Apprenti·e")
    EMPLOYER = "employer", _("Entreprise (maître d'apprentissage, RH)")


STAFF_ROLES = (Role.COORDINATOR, Role.CRE, Role.TUTOR, Role.ADMIN_STAFF)
EXTRANET_ROLES = (Role.APPRENTICE, Role.EMPLOYER)


class ApprenticeStatus(models.TextChoices):
    SEEKING = "seeking", _("En recherche d'entreprise")
    UNDER_CONTRACT = "under_contract", _("Sous contrat")
    RUPTURANT = "rupturant", _("Rupturant")
    COMPLETED = "completed", _("Formation terminée")
    DROPPED_OUT = "dropped_out", _("Abandon")


class ExitReason(models.TextChoices):
    """Why a learner left the OF before the end of its training (« Quitter l'OF »). The State's
    dashboard asks for the date and a free-text cause (``date_exclusion_formation``,
    ``cause_exclusion_formation``) and counts the learner ABANDON from that date (domain §3, §7);
    the Qualiopi indicator 32 asks for an analysis of dropout causes, hence a closed list."""

    DROPOUT = "dropout", _("Abandon à l'initiative de l'apprenti·e")
    NO_EMPLOYER = "no_employer", _("Pas de contrat signé dans le délai légal")
    REORIENTATION = "reorientation", _("Réorientation vers une autre formation")
    EMPLOYMENT = "employment", _("Accès à un emploi hors apprentissage")
    HEALTH = "health", _("Raisons de santé")
    PERSONAL = "personal", _("Raisons personnelles ou familiales")
    MOVE = "move", _("Déménagement")
    EXCLUSION = "exclusion", _("Exclusion prononcée par le centre de formation")
    OTHER = "other", _("Autre motif")


class Sex(models.TextChoices):
    MALE = "M", _("Masculin")
    FEMALE = "F", _("Féminin")


class Nationality(models.IntegerChoices):
    FRENCH = 1, _("Française")
    EU = 2, _("Union européenne")
    NON_EU = 3, _("Étranger hors Union européenne")


class SocialRegime(models.IntegerChoices):
    MSA = 1, _("MSA")
    URSSAF = 2, _("URSSAF")


class SituationBeforeContract(models.IntegerChoices):
    """Cerfa "situation avant ce contrat", codes 1–12."""

    SCHOOL = 1, _("Scolaire")
    PREP = 2, _("Prépa apprentissage")
    STUDENT = 3, _("Étudiant")
    APPRENTICESHIP = 4, _("Contrat d'apprentissage")
    PRO_CONTRACT = 5, _("Contrat de professionnalisation")
    SUBSIDISED_JOB = 6, _("Contrat aidé")
    CFA_TRAINEE_BEFORE = 7, _("En formation au CFA sous statut de stagiaire de la formation professionnelle, avant signature d'un contrat")
    CFA_TRAINEE_AFTER_RUPTURE = 8, _("En formation au CFA sans contrat, suite à rupture")
    OTHER_TRAINEE = 9, _("Autres situations sous statut de stagiaire de la formation professionnelle")
    EMPLOYEE = 10, _("Salarié")
    JOBSEEKER = 11, _("Personne à la recherche d'un emploi")
    INACTIVE = 12, _("Inactif")


class DiplomaCode(models.IntegerChoices):
    """Cerfa diploma codes (last diploma prepared / highest diploma obtained / diploma prepared)."""

    NONE = 13, _("Aucun diplôme ni titre professionnel")
    DNB = 25, _("Diplôme national du brevet (DNB)")
    CFG = 26, _("Certificat de formation générale")
    CAP = 33, _("CAP")
    BEP = 34, _("BEP")
    MC = 35, _("Mention complémentaire")
    OTHER_LEVEL_3 = 38, _("Autre diplôme ou titre de niveau bac -1 (niveau 3)")
    BAC_PRO = 41, _("Baccalauréat professionnel")
    BAC_GENERAL = 42, _("Baccalauréat général")
    BAC_TECHNO = 43, _("Baccalauréat technologique")
    OTHER_BAC = 49, _("Autre diplôme ou titre de niveau bac")
    BTS = 54, _("BTS")
    DUT = 55, _("DUT / BUT")
    OTHER_BAC2 = 58, _("Autre diplôme ou titre de niveau bac +2")
    MASTER1 = 61, _("1re année de master")
    LICENCE_PRO = 62, _("Licence professionnelle")
    LICENCE = 63, _("Licence générale")
    OTHER_BAC34 = 69, _("Autre diplôme ou titre de niveau bac +3 ou 4")
    MASTER_PRO = 71, _("Master professionnel / DESS")
    MASTER_RESEARCH = 72, _("Master recherche / DEA")
    MASTER_OTHER = 73, _("Master indifférencié")
    ENGINEER = 74, _("Diplôme d'ingénieur, diplôme d'école de commerce")
    OTHER_BAC5 = 79, _("Autre diplôme ou titre de niveau bac +5 ou plus")
    DOCTORATE = 80, _("Doctorat")


class CertificationKind(models.TextChoices):
    """What a programme prepares (Code du travail L6314-1): a certification registered in the RNCP, a
    branch's certificat de qualification professionnelle, or a qualification recognised in the
    classifications of a collective agreement. The last two may have no RNCP code: they are open to
    the contrat de professionnalisation (L6325-1), not to the apprenticeship (L6211-1)."""

    RNCP = "rncp", _("Diplôme ou titre enregistré au RNCP")
    CQP = "cqp", _("Certificat de qualification professionnelle (CQP) de branche")
    BRANCH = "branch", _("Qualification reconnue dans les classifications d'une convention collective")


class QualificationLevel(models.IntegerChoices):
    """Level of the national qualifications framework (0 = none, 3 = CAP … 8 = doctorate)."""

    NONE = 0, _("Sans niveau spécifique")
    LEVEL_3 = 3, _("Niveau 3 (CAP, BEP)")
    LEVEL_4 = 4, _("Niveau 4 (Baccalauréat)")
    LEVEL_5 = 5, _("Niveau 5 (Bac +2 : BTS, DUT)")
    LEVEL_6 = 6, _("Niveau 6 (Bac +3 : licence, BUT)")
    LEVEL_7 = 7, _("Niveau 7 (Bac +5 : master, ingénieur)")
    LEVEL_8 = 8, _("Niveau 8 (Doctorat)")


class VisitKind(models.TextChoices):
    FIRST = "first", _("Première visite")
    FOLLOW_UP = "follow_up", _("Visite de suivi")
    MID_TERM_REVIEW = "mid_term_review", _("Bilan de mi-parcours")
    END_REVIEW = "end_review", _("Bilan de fin de formation")


class VisitMode(models.TextChoices):
    ON_SITE = "on_site", _("Sur site")
    REMOTE = "remote", _("À distance")
    PHONE = "phone", _("Téléphone")


class HalfDay(models.TextChoices):
    MORNING = "am", _("Matin")
    AFTERNOON = "pm", _("Après-midi")


class SessionStatus(models.TextChoices):
    """A training session's planning state (issue 19 §1); its sign-in has its own (``SigninState``)."""

    PLANNED = "planned", _("Prévue")
    CANCELLED = "cancelled", _("Annulée")


class SigninState(models.TextChoices):
    """A session's sign-in (issue 19 §2): not open yet → open (apprentices sign) → closed and signed
    by the trainer (absences written). Only the coordinator or admin staff reopen it, with a reason."""

    NOT_OPEN = "not_open", _("Non ouvert")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos et signé")


class SignatureMethod(models.TextChoices):
    """How an apprentice's line of a sign-in sheet was signed."""

    QR = "qr", _("QR code scanné")
    CODE = "code", _("Code saisi")
    MANUAL = "manual", _("Noté par le formateur·rice")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Présent")
    ABSENT = "absent", _("Absent")
    LATE = "late", _("En retard")


class JustificationStatus(models.TextChoices):
    """Justification workflow of an absence or lateness (issue: extranet)."""

    NONE = "none", _("Non justifiée")
    PENDING = "pending", _("Justificatif en attente de validation")
    ACCEPTED = "accepted", _("Justifiée")
    REFUSED = "refused", _("Justificatif refusé")


class CalendarPlace(models.TextChoices):
    """Where an apprentice is on a working day (the letters of ``Cohort.rhythm_pattern``)."""

    CENTRE = "C", _("Centre de formation")
    COMPANY = "E", _("Entreprise")
    OFF = "-", _("Repos / fermeture")


class KeyDateKind(models.TextChoices):
    EXAM = "exam", _("Examen / épreuve")
    MID_TERM_REVIEW = "mid_term_review", _("Bilan de mi-parcours")
    END_REVIEW = "end_review", _("Bilan de fin de formation")
    MEETING = "meeting", _("Réunion (parents, entreprises, rentrée)")
    OTHER = "other", _("Autre date clé")


class ImportKind(models.TextChoices):
    APPRENTICES = "apprentices", _("Apprenti·es")
    COMPANIES = "companies", _("Entreprises et contacts")
    CONTRACTS = "contracts", _("Contrats")
    SESSIONS = "sessions", _("Séances (emploi du temps)")


class ImportPhase(models.TextChoices):
    """The step of a ``DataImport`` that its status is about (issue 17 §3): the analysis of the
    uploaded file (read in a task, with the row and size limits), the check of every row (nothing
    written), the import itself. « running » + analysis = « Analyse en cours »."""

    ANALYSIS = "analysis", _("Analyse du fichier")
    CHECK = "check", _("Vérification")
    IMPORT = "import", _("Import")


class JobStatus(models.TextChoices):
    """Lifecycle of a background job a person launched from a page (import, export, evidence pack)."""

    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("En échec")


class OutboxStatus(models.TextChoices):
    """Lifecycle of an outbox row (a task to start, an e-mail to send): written in the same
    transaction as the data, then handed to the broker (task) or delivered (e-mail)."""

    QUEUED = "queued", _("En attente")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("En échec")


class CandidateStatus(models.TextChoices):
    """Stages of an application (issue 13 §1): received → positioning → admitted / waiting list /
    refused / withdrawn → enrolled in a cohort. The transitions are in ``admissions.services``."""

    RECEIVED = "received", _("Reçue")
    POSITIONING = "positioning", _("En positionnement")
    ADMITTED = "admitted", _("Admis·e")
    WAITING_LIST = "waiting_list", _("Sur liste d'attente")
    REFUSED = "refused", _("Refusée")
    WITHDRAWN = "withdrawn", _("Désistement")
    ENROLLED = "enrolled", _("Inscrit·e en promotion")


class CandidateSource(models.TextChoices):
    PARCOURSUP = "parcoursup", _("Parcoursup")
    SCHOOL_FAIR = "school_fair", _("Salon / forum")
    WEBSITE = "website", _("Site internet")
    EMPLOYER = "employer", _("Entreprise")
    OTHER = "other", _("Autre")


class PositioningKind(models.TextChoices):
    TEST = "test", _("Test de positionnement")
    INTERVIEW = "interview", _("Entretien")
