from django.db import models
from django.utils.translation import gettext_lazy as _


class Opco(models.TextChoices):
    """The 11 OPCOs (domain §4). Values are the short names of reference/idcc_opco.csv."""

    AFDAS = "AFDAS", "AFDAS"
    AKTO = "AKTO", "AKTO"
    ATLAS = "Atlas", "Atlas"
    CONSTRUCTYS = "Constructys", "Constructys (OPCO Construction)"
    OCAPIAT = "OCAPIAT", "OCAPIAT"
    OPCO_2I = "OPCO 2i", "OPCO 2i"
    OPCO_EP = "OPCO EP", "OPCO EP (entreprises de proximité)"
    MOBILITES = "OPCO Mobilités", "OPCO Mobilités"
    SANTE = "OPCO Santé", "OPCO Santé"
    COMMERCE = "OPCO Commerce", "OPCO Commerce (L'Opcommerce)"
    UNIFORMATION = "Uniformation", "Uniformation (OPCO Cohésion sociale)"


class EmployerType(models.IntegerChoices):
    """Cerfa "type d'employeur": 11–16 private, 21–30 public."""

    TRADES_REGISTER = 11, _("Entreprise inscrite au répertoire des métiers")
    RCS = 12, _("Entreprise inscrite uniquement au registre du commerce et des sociétés")
    MSA = 13, _("Entreprise dont les salariés relèvent de la mutualité sociale agricole")
    LIBERAL = 14, _("Profession libérale")
    ASSOCIATION = 15, _("Association")
    OTHER_PRIVATE = 16, _("Autre employeur privé")
    STATE = 21, _("Service de l'État (administrations centrales et services déconcentrés)")
    COMMUNE = 22, _("Commune")
    DEPARTMENT = 23, _("Département")
    REGION = 24, _("Région")
    HOSPITAL = 25, _("Établissement public hospitalier")
    SCHOOL = 26, _("Établissement public local d'enseignement")
    STATE_PUBLIC_BODY = 27, _("Établissement public administratif de l'État")
    LOCAL_PUBLIC_BODY = 28, _("Établissement public administratif local (y compris EPCI)")
    OTHER_PUBLIC = 29, _("Autre employeur public")
    INDUSTRIAL_PUBLIC = 30, _("Établissement public industriel et commercial")


class SpecificEmployer(models.IntegerChoices):
    NONE = 0, _("Aucun de ces cas")
    TEMP_AGENCY = 1, _("Entreprise de travail temporaire")
    EMPLOYERS_GROUP = 2, _("Groupement d'employeurs")
    SEASONAL = 3, _("Employeur saisonnier")
    FAMILY = 4, _("Apprentissage familial : l'employeur est un ascendant de l'apprenti")


class InteractionKind(models.TextChoices):
    CALL = "call", _("Appel")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Rendez-vous")
    VISIT = "visit", _("Visite en entreprise")
    EVENT = "event", _("Événement, salon")
    OTHER = "other", _("Autre")


class InteractionOutcome(models.TextChoices):
    POSITIVE = "positive", _("Positif")
    NEUTRAL = "neutral", _("Neutre")
    NEGATIVE = "negative", _("Négatif / point de tension")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Ouverte")
    FILLED = "filled", _("Pourvue")
    CLOSED = "closed", _("Fermée")


class PlacementStatus(models.TextChoices):
    """The pipeline of one learner with one company (issue 5 §3)."""

    PROPOSED = "proposed", _("Proposé·e")
    INTERVIEW = "interview", _("Entretien")
    HIRED = "hired", _("Embauché·e")
    REFUSED = "refused", _("Refusé·e")
    WITHDRAWN = "withdrawn", _("Abandonné")


# A placement still in progress: at most one per (apprentice, company).
OPEN_PLACEMENT_STATUSES = (PlacementStatus.PROPOSED, PlacementStatus.INTERVIEW)
