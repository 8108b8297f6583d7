"""Static reference data of the demo organisation: names, places, programmes, sectors, texts.

Kept in the module (not drawn from Faker) so that a given ``--seed`` gives the same organisation
whatever the installed Faker version.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from alternance.choices import DiplomaCode, QualificationLevel

FEMALE_FIRST_NAMES = (
    "Léa", "Emma", "Chloé", "Manon", "Camille", "Inès", "Jade", "Sarah", "Louise", "Lina", "Zoé", "Clara",
    "Lucie", "Anaïs", "Mathilde", "Julie", "Océane", "Maëlys", "Yasmine", "Nina", "Margaux", "Eva", "Romane",
    "Juliette", "Alice", "Laura", "Marine", "Pauline", "Justine", "Morgane", "Elisa", "Lou", "Mélissa", "Salomé",
    "Amandine", "Charlotte", "Noémie", "Célia", "Axelle", "Aya", "Fatoumata", "Sofia", "Agathe", "Émilie",
    "Héloïse", "Anna", "Rose", "Amel", "Imane", "Kenza", "Lisa", "Marie", "Nour", "Assia", "Clémence", "Léna",
)
MALE_FIRST_NAMES = (
    "Lucas", "Hugo", "Louis", "Nathan", "Enzo", "Théo", "Mathis", "Tom", "Jules", "Gabriel", "Arthur", "Raphaël",
    "Noah", "Maxime", "Thomas", "Antoine", "Alexandre", "Quentin", "Baptiste", "Clément", "Mehdi", "Yanis",
    "Adam", "Rayan", "Ethan", "Paul", "Victor", "Valentin", "Romain", "Kylian", "Matteo", "Sacha", "Axel",
    "Bilal", "Amine", "Florian", "Kévin", "Dylan", "Julien", "Nicolas", "Samuel", "Corentin", "Loïc", "Malik",
    "Ibrahim", "Léo", "Evan", "Timothée", "Aurélien", "Benjamin", "Damien", "Moussa", "Karim", "Simon",
)
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Benali", "Haddad", "Diallo", "Traoré", "Nguyen", "Tran", "Da Silva", "Ferreira", "Pereira", "Cohen",
    "Mansouri", "Benaïssa", "Kaya", "Yilmaz", "Camara", "Diop", "Rossi", "Lopez", "Sanchez", "Perez",
)

# (commune, postal code, département) — the demo CFA sits in the Lyon area.
PLACES = (
    ("Lyon", "69003", "69"), ("Lyon", "69007", "69"), ("Lyon", "69008", "69"), ("Lyon", "69009", "69"),
    ("Villeurbanne", "69100", "69"), ("Vénissieux", "69200", "69"), ("Bron", "69500", "69"),
    ("Saint-Priest", "69800", "69"), ("Vaulx-en-Velin", "69120", "69"), ("Caluire-et-Cuire", "69300", "69"),
    ("Écully", "69130", "69"), ("Oullins", "69600", "69"), ("Meyzieu", "69330", "69"), ("Décines-Charpieu", "69150", "69"),
    ("Rillieux-la-Pape", "69140", "69"), ("Villefranche-sur-Saône", "69400", "69"), ("Givors", "69700", "69"),
    ("Vienne", "38200", "38"), ("Bourgoin-Jallieu", "38300", "38"), ("Grenoble", "38000", "38"),
    ("Saint-Étienne", "42000", "42"), ("Bourg-en-Bresse", "01000", "01"), ("Ambérieu-en-Bugey", "01500", "01"),
)
# Birth places: mostly local, some from elsewhere in France, overseas or abroad (département 99).
BIRTH_PLACES = (
    ("69", "Lyon"), ("69", "Lyon"), ("69", "Lyon"), ("69", "Villeurbanne"), ("69", "Vénissieux"),
    ("38", "Grenoble"), ("42", "Saint-Étienne"), ("01", "Bourg-en-Bresse"), ("75", "Paris"), ("13", "Marseille"),
    ("59", "Lille"), ("2A", "Ajaccio"), ("974", "Saint-Denis"), ("99", "Alger"), ("99", "Casablanca"), ("99", "Lisbonne"),
)
STREETS = (
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard des Belges", "rue Paul Bert",
    "cours Gambetta", "rue Garibaldi", "avenue Berthelot", "rue de Marseille", "rue Pasteur", "chemin des Vignes",
    "rue du Stade", "allée des Tilleuls", "rue de la Gare", "place Bellecour", "rue Anatole France",
)


@dataclass(frozen=True)
class ProgrammeSpec:
    """A certification of the demo catalogue, with plausible RNCP/CFD codes and funding level."""

    title: str
    short_title: str
    rncp_code: str
    cfd_code: str
    diploma_code: int
    level: int
    duration_months: int
    training_hours: int
    npec: Decimal  # yearly NPEC (€), demo value in the range of the France compétences referential
    ages: tuple[int, int]  # age range at training start
    previous_diploma: int  # typical highest diploma before entering
    sectors: tuple[str, ...]  # keys of SECTORS where its apprentices are placed
    rhythm: tuple[str, str]  # (label, pattern)


PROGRAMMES = (
    ProgrammeSpec(
        "BTS Services informatiques aux organisations", "BTS SIO", "RNCP35340", "32031213", DiplomaCode.BTS,
        QualificationLevel.LEVEL_5, 24, 1350, Decimal("8120"), (18, 21), DiplomaCode.BAC_GENERAL, ("it", "services"),
        ("2 jours CFA / 3 jours entreprise", "CCEEE"),
    ),
    ProgrammeSpec(
        "BTS Management commercial opérationnel", "BTS MCO", "RNCP38362", "32031212", DiplomaCode.BTS,
        QualificationLevel.LEVEL_5, 24, 1350, Decimal("6950"), (18, 22), DiplomaCode.BAC_PRO, ("retail", "hospitality"),
        ("2 jours CFA / 3 jours entreprise", "CCEEE"),
    ),
    ProgrammeSpec(
        "BUT Informatique — parcours réalisation d'applications", "BUT Info", "RNCP35475", "25932603", DiplomaCode.DUT,
        QualificationLevel.LEVEL_6, 36, 1800, Decimal("9300"), (18, 20), DiplomaCode.BAC_GENERAL, ("it",),
        ("1 semaine CFA / 2 semaines entreprise", "CCCCC|EEEEE|EEEEE"),
    ),
    ProgrammeSpec(
        "Licence professionnelle Métiers du numérique : conception, rédaction et réalisation web", "LP Web",
        "RNCP30122", "25032012", DiplomaCode.LICENCE_PRO, QualificationLevel.LEVEL_6, 12, 550, Decimal("7600"),
        (20, 24), DiplomaCode.BTS, ("it", "services"), ("1 semaine CFA / 2 semaines entreprise", "CCCCC|EEEEE|EEEEE"),
    ),
    ProgrammeSpec(
        "Titre professionnel Développeur web et web mobile", "TP DWWM", "RNCP37674", "36T32604", DiplomaCode.OTHER_BAC2,
        QualificationLevel.LEVEL_5, 12, 700, Decimal("8500"), (19, 29), DiplomaCode.BAC_TECHNO, ("it", "services"),
        ("1 jour CFA / 4 jours entreprise", "CEEEE"),
    ),
    ProgrammeSpec(
        "CAP Équipier polyvalent du commerce", "CAP EPC", "RNCP38385", "50031225", DiplomaCode.CAP,
        QualificationLevel.LEVEL_3, 24, 840, Decimal("6300"), (16, 19), DiplomaCode.DNB, ("retail", "hospitality", "trades"),
        ("2 jours CFA / 3 jours entreprise", "CCEEE"),
    ),
)


# Competence blocks of each demo programme's RNCP certification (France compétences numbering:
# RNCP code + « BC » + 2 digits), by the programme's RNCP code.
COMPETENCE_BLOCKS: dict[str, tuple[str, ...]] = {
    "RNCP35340": (
        "Support et mise à disposition de services informatiques",
        "Administration des systèmes et des réseaux ou conception et développement d'applications",
        "Cybersécurité des services informatiques",
    ),
    "RNCP38362": (
        "Développer la relation client et assurer la vente conseil",
        "Animer et dynamiser l'offre commerciale",
        "Assurer la gestion opérationnelle",
        "Manager l'équipe commerciale",
    ),
    "RNCP35475": (
        "Réaliser un développement d'application",
        "Optimiser des applications informatiques",
        "Administrer des systèmes informatiques communicants complexes",
        "Gérer des données de l'information",
        "Conduire un projet",
        "Travailler dans une équipe informatique",
    ),
    "RNCP30122": (
        "Usages numériques",
        "Exploitation de données à des fins d'analyse",
        "Expression et communication écrites et orales",
        "Conception et réalisation de sites et d'applications web",
    ),
    "RNCP37674": (
        "Développer la partie front-end d'une application web ou web mobile sécurisée",
        "Développer la partie back-end d'une application web ou web mobile sécurisée",
    ),
    "RNCP38385": (
        "Réceptionner et suivre les commandes",
        "Mettre en valeur et approvisionner",
        "Conseiller et accompagner le client dans son parcours d'achat",
    ),
}


@dataclass(frozen=True)
class SiteSpec:
    """A training site of the demo OF: UAI digits (the check letter is computed), the NIC of the
    establishment under the OF's SIREN (its Luhn digit is computed), its address."""

    name: str
    uai_digits: str
    nic_prefix: int
    address: str
    postal_code: str
    city: str


# The OF's SIREN (OF_SIRET's default, 732 829 320 00074): the sites are its establishments.
OF_SIREN = "732829320"
SITES = (
    SiteSpec("Campus Lyon Gerland", "0693045", 82, "3 rue Crépet", "69007", "Lyon"),
    SiteSpec("Campus Villeurbanne Doua", "0694123", 90, "21 avenue Gaston Berger", "69100", "Villeurbanne"),
    SiteSpec("Antenne de Grenoble", "0383456", 108, "12 avenue Alsace-Lorraine", "38000", "Grenoble"),
)


@dataclass(frozen=True)
class SectorSpec:
    """A kind of employer: NAF codes, collective agreements (IDCC → OPCO), names and MA jobs."""

    naf_codes: tuple[str, ...]
    idccs: tuple[str, ...]
    name_patterns: tuple[str, ...]  # "{name}" is replaced by a family name, "{city}" by the commune
    master_jobs: tuple[str, ...]
    master_diplomas: tuple[tuple[str, int], ...]  # (highest diploma, level)


SECTORS = {
    "it": SectorSpec(
        ("6201Z", "6202A", "6203Z", "6311Z", "6312Z", "7112B"), ("1486", "2120", "2148"),
        ("{name} Informatique", "{name} Conseil", "Digital {city}", "{name} & Associés Ingénierie", "Data {name}",
         "Cloud {city}", "{name} Solutions SAS", "Web Agency {name}"),
        ("Développeur senior", "Cheffe de projet informatique", "Administrateur systèmes et réseaux", "Lead développeur",
         "Responsable informatique", "Ingénieure logiciel"),
        (("Master informatique", 7), ("Diplôme d'ingénieur", 7), ("BTS SIO", 5), ("Licence professionnelle", 6)),
    ),
    "services": SectorSpec(
        ("6920Z", "7022Z", "7311Z", "8559A", "6622Z"), ("1486", "2098", "1672", "2931"),
        ("Cabinet {name}", "{name} Expertise", "Agence {name}", "{name} Formation", "Assurances {name}"),
        ("Responsable administrative", "Chargé de communication", "Expert-comptable", "Office manager", "Chef de projet"),
        (("Master", 7), ("Licence", 6), ("BTS", 5), ("DUT", 5)),
    ),
    "retail": SectorSpec(
        ("4711D", "4711F", "4719B", "4771Z", "4773Z", "4778C"), ("2216", "1517", "1505"),
        ("Carrefour Market {city}", "Intermarché {city}", "Boutique {name}", "{name} Mode", "Pharmacie {name}",
         "Le Comptoir {de_city}", "Bricolage {name}"),
        ("Directeur de magasin", "Responsable de rayon", "Manager commerce", "Cheffe de secteur", "Adjoint de direction"),
        (("BTS MCO", 5), ("Bac pro commerce", 4), ("Licence commerce", 6), ("CAP", 3)),
    ),
    "hospitality": SectorSpec(
        ("5610A", "5610C", "5510Z"), ("1979", "1501"),
        ("Restaurant {name}", "Brasserie {de_city}", "Hôtel {name}", "Le Bouchon {name}"),
        ("Directrice de restaurant", "Chef de cuisine", "Responsable de salle", "Gérant"),
        (("BTS hôtellerie-restauration", 5), ("CAP cuisine", 3), ("Bac pro", 4)),
    ),
    "trades": SectorSpec(
        ("1071C", "4520A", "4321A", "9602A"), ("0843", "1090", "1597", "2596"),
        ("Boulangerie {name}", "Garage {name}", "{name} Électricité", "Salon {name}"),
        ("Artisan boulanger", "Chef d'atelier", "Électricien chef d'équipe", "Coiffeuse gérante"),
        (("Brevet de maîtrise", 4), ("CAP", 3), ("Bac pro", 4)),
    ),
}
REPRESENTATIVE_JOBS = ("Gérant", "Directrice générale", "Président", "Directeur d'établissement", "Responsable d'agence")
HR_JOBS = ("Responsable ressources humaines", "Chargée de recrutement", "Gestionnaire RH", "Assistante RH")
PENSION_FUNDS = ("AG2R La Mondiale", "Malakoff Humanis", "Klesia", "Humanis", "Pro BTP", "Agirc-Arrco")

# Monthly gross SMIC (35 h), domain.md §2.1 (Légifrance decrees; 2026 value still [check]).
SMIC_MONTHLY = (
    (date(2024, 1, 1), Decimal("1766.92")),
    (date(2024, 11, 1), Decimal("1801.80")),
    (date(2026, 1, 1), Decimal("1823.03")),
)

RUPTURE_CAUSES = (
    "Inadéquation entre les missions confiées et la formation préparée.",
    "Difficultés d'intégration dans l'équipe, tensions avec le maître d'apprentissage.",
    "L'apprenti·e a trouvé un poste plus proche de son domicile.",
    "Problèmes de transport : trajets trop longs entre le domicile et l'entreprise.",
    "Baisse d'activité de l'entreprise, poste supprimé.",
    "Absences répétées en entreprise malgré plusieurs rappels.",
    "Réorientation de l'apprenti·e vers une autre formation.",
)
INTERACTION_SUMMARIES = (
    "Point téléphonique sur l'intégration de l'apprenti·e : tout se passe bien.",
    "Présentation des formations de la rentrée et du calendrier d'alternance.",
    "Envoi de trois CV de candidat·es en recherche d'entreprise.",
    "Relance pour la signature du Cerfa et de la convention de formation.",
    "Rendez-vous avec la direction : besoin de deux alternant·es pour septembre.",
    "Échange sur des retards répétés de l'apprenti·e, point prévu avec le référent.",
    "Rencontre au salon de l'alternance, entreprise intéressée par le BTS.",
    "Le maître d'apprentissage signale une charge de travail élevée, à suivre.",
    "Relance sur la facture de participation employeur.",
)
ABSENCE_REASONS = ("Maladie", "Rendez-vous médical", "Problème de transport", "Raison familiale", "Convocation administrative", "")
VISIT_REPORTS = (
    "Missions en lien avec le référentiel. Bonne intégration, autonomie croissante.",
    "Apprenti·e motivé·e ; le maître d'apprentissage souhaite plus de travail personnel au CFA.",
    "Progression correcte, quelques difficultés sur les aspects techniques, plan d'action convenu.",
    "Très bon retour de l'entreprise, perspective d'embauche à l'issue du contrat.",
)
RISK_COMMENTS = (
    "Tensions avec le maître d'apprentissage, l'apprenti·e envisage de rompre.",
    "Missions trop éloignées du diplôme, l'entreprise ne libère pas de temps pour la formation.",
    "Retards et absences en entreprise, l'employeur évoque une rupture.",
)
