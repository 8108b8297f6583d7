"""Reference data of the contracts app: SMIC values, remuneration rates and OPCO funding rules
(domain.md §2.1, §4, §6).

The single source of these values: the data migrations load them, tests call
``ensure_reference_data()`` (a transactional test flushes the tables the migrations filled), and
staff add later values in the admin without a release.
"""

from decimal import Decimal

SMIC_VALUES = [
    # valid_from, hourly, monthly (35 h), Mayotte monthly, source
    ("2023-01-01", "11.27", "1709.28", "1290.68", "Revalorisation du 1er janvier 2023"),
    ("2023-05-01", "11.52", "1747.20", "1319.50", "Revalorisation anticipée du 1er mai 2023"),
    ("2024-01-01", "11.65", "1766.92", "1334.67", "Revalorisation du 1er janvier 2024"),
    ("2024-11-01", "11.88", "1801.80", "1361.97", "Revalorisation anticipée du 1er novembre 2024"),
    ("2026-01-01", "12.02", "1823.03", "1415.05", "Revalorisation au 1er janvier 2026 [à vérifier]"),
]

FUNDING_RULES = [
    {
        "valid_from": "2019-01-01",
        "label": "Contrats conclus avant le 1er juillet 2025 (tout mois commencé est dû)",
        "per_day": False,
        # [check] 40 % on invoice, 30 % at month 7, 30 % at month 10 for contracts of a year or more.
        "schedule": [
            {"kind": "advance", "percent": 40, "due_month": 0},
            {"kind": "month_7", "percent": 30, "due_month": 6},
            {"kind": "balance", "percent": 30, "due_month": 9},
        ],
        "balance_claim_months": None,
        "employer_participation_amount": None,
        "employer_participation_min_level": None,
        "employer_participation_rupture_percent": None,
        "employer_participation_rupture_cap": None,
        "employer_participation_new_employer_amount": None,
        "remote_training_reduction_percent": Decimal("0"),
        "source": "Règles antérieures à la réforme de juillet 2025 [à vérifier]",
    },
    {
        "valid_from": "2025-07-01",
        "label": "Contrats conclus à partir du 1er juillet 2025 (financement au jour)",
        "per_day": True,
        # Per contract year: 40 % advance within 30 days of the invoice, 30 % month 7, 20 % month 10,
        # 10 % balance on proof of service (invoice + certificate of completion).
        "schedule": [
            {"kind": "advance", "percent": 40, "due_month": 0},
            {"kind": "month_7", "percent": 30, "due_month": 6},
            {"kind": "month_10", "percent": 20, "due_month": 9},
            {"kind": "balance", "percent": 10, "due_month": 12},
        ],
        "balance_claim_months": 4,
        # Code du travail L6332-14 I 1°, R6332-25-1, R6332-25-2 (décret 2025-585 du 27 juin 2025)
        # [check]: 750 € per contract of level 6 and above, invoiced once the first 45 days of
        # practical training in the company are over; a rupture within them: 50 % of the NPEC pro
        # rata of the contract days done, at most 750 €; a new contract with another employer after
        # a rupture: 200 €.
        "employer_participation_amount": Decimal("750.00"),
        "employer_participation_min_level": 6,
        "employer_participation_rupture_percent": Decimal("50"),
        "employer_participation_rupture_cap": Decimal("750.00"),
        "employer_participation_new_employer_amount": Decimal("200.00"),
        "remote_training_reduction_percent": Decimal("20"),
        "source": "Réforme du financement de l'apprentissage, contrats conclus à partir du 1er juillet 2025 ; "
                  "participation employeur : Code du travail R6332-25-1 et R6332-25-2, décret 2025-585 [à vérifier]",
    },
]


REMUNERATION_GRIDS = [
    {
        "valid_from": "2019-01-01",
        # Code du travail D6222-26 (apprenticeship, since 1 January 2019) and D6325-15 ff. (contrat pro).
        "apprenticeship": {"1": [27, 43, 53, 100], "2": [39, 51, 61, 100], "3": [55, 67, 78, 100]},
        "professionalisation": {"under_21": [55, 65], "from_21_to_25": [70, 80], "from_26_smc_percent": 85},
        "source": "Code du travail D6222-26 et D6325-15 à D6325-18",
    },
]


def load_remuneration_grids(grid_model) -> None:
    for grid in REMUNERATION_GRIDS:
        values = dict(grid)
        grid_model.objects.update_or_create(valid_from=values.pop("valid_from"), defaults=values)


def load_smic_values(smic_model) -> None:
    for valid_from, hourly, monthly, mayotte, source in SMIC_VALUES:
        smic_model.objects.update_or_create(
            valid_from=valid_from,
            defaults={"hourly": Decimal(hourly), "monthly": Decimal(monthly), "mayotte_monthly": Decimal(mayotte), "source": source},
        )


def load_funding_rules(rule_model, *, only: tuple[str, ...] | None = None) -> None:
    """Create or update the rules. The data migrations pass their historical model: values of
    fields it does not have yet are left to the later migration that adds them (``only`` limits
    the update to those fields)."""
    fields = {field.name for field in rule_model._meta.get_fields()}
    for rule in FUNDING_RULES:
        values = {key: value for key, value in rule.items() if key in fields and (only is None or key in only)}
        rule_model.objects.update_or_create(valid_from=rule["valid_from"], defaults=values)


def ensure_reference_data() -> None:
    """Load the reference rows with the current models (tests, fresh databases)."""
    from contracts.models import ContractSettings, FundingRule, HiringAidRule, RemunerationGrid, SmicRate

    load_smic_values(SmicRate)
    load_remuneration_grids(RemunerationGrid)
    load_funding_rules(FundingRule)
    load_hiring_aid_rules(HiringAidRule)
    ContractSettings.load()


# The State's hiring aid for apprenticeship contracts (issue 15 §10), per period of conclusion of the
# contract. domain.md does not cover it: these rows were written from memory of the decrees and
# every one is tagged « [à vérifier] » (``to_check``) until checked against the Journal officiel;
# staff correct them in the admin (« Règles d'aide à l'embauche »). Conditions the rows do not model:
# for 250 employees and more, the quota of work-study contracts the company must reach.
HIRING_AID_RULES = [
    {
        "valid_from": "2023-01-01", "valid_to": "2025-02-23",
        "label": "Aide exceptionnelle 2023-2024 (prolongée jusqu'au 23 février 2025)",
        "company_headcount_min": None, "company_headcount_max": None, "diploma_level_max": 7, "requires_rqth": False,
        "amount_first_year": Decimal("6000.00"),
        "source": "Décret n° 2022-1714 du 29 décembre 2022, prolongé par le décret n° 2023-1354 du 29 décembre 2023 [à vérifier]",
    },
    {
        "valid_from": "2025-02-24", "valid_to": "2025-12-31",
        "label": "Aide exceptionnelle 2025 — entreprises de moins de 250 salariés",
        "company_headcount_min": None, "company_headcount_max": 249, "diploma_level_max": 7, "requires_rqth": False,
        "amount_first_year": Decimal("5000.00"),
        "source": "Décret n° 2025-174 du 22 février 2025 [à vérifier]",
    },
    {
        "valid_from": "2025-02-24", "valid_to": "2025-12-31",
        "label": "Aide exceptionnelle 2025 — entreprises de 250 salariés et plus",
        "company_headcount_min": 250, "company_headcount_max": None, "diploma_level_max": 7, "requires_rqth": False,
        "amount_first_year": Decimal("2000.00"),
        "source": "Décret n° 2025-174 du 22 février 2025 (sous condition de quota d'alternants) [à vérifier]",
    },
    {
        "valid_from": "2025-02-24", "valid_to": "2025-12-31",
        "label": "Aide exceptionnelle 2025 — apprenti·e reconnu·e travailleur handicapé",
        "company_headcount_min": None, "company_headcount_max": None, "diploma_level_max": 7, "requires_rqth": True,
        "amount_first_year": Decimal("6000.00"),
        "source": "Décret n° 2025-174 du 22 février 2025 [à vérifier]",
    },
    {
        "valid_from": "2026-01-01", "valid_to": None,
        "label": "Aide 2026 — entreprises de moins de 250 salariés, diplôme jusqu'au niveau 5",
        "company_headcount_min": None, "company_headcount_max": 249, "diploma_level_max": 5, "requires_rqth": False,
        "amount_first_year": Decimal("5000.00"),
        "source": "Décret de mars 2026 relatif à l'aide aux employeurs d'apprentis (référence à compléter) [à vérifier]",
    },
    {
        "valid_from": "2026-01-01", "valid_to": None,
        "label": "Aide 2026 — entreprises de 250 salariés et plus, diplôme jusqu'au niveau 5",
        "company_headcount_min": 250, "company_headcount_max": None, "diploma_level_max": 5, "requires_rqth": False,
        "amount_first_year": Decimal("2000.00"),
        "source": "Décret de mars 2026 relatif à l'aide aux employeurs d'apprentis (référence à compléter) [à vérifier]",
    },
    {
        "valid_from": "2026-01-01", "valid_to": None,
        "label": "Aide 2026 — apprenti·e reconnu·e travailleur handicapé",
        "company_headcount_min": None, "company_headcount_max": None, "diploma_level_max": 7, "requires_rqth": True,
        "amount_first_year": Decimal("6000.00"),
        "source": "Décret de mars 2026 relatif à l'aide aux employeurs d'apprentis (référence à compléter) [à vérifier]",
    },
]


def load_hiring_aid_rules(rule_model) -> None:
    for rule in HIRING_AID_RULES:
        values = dict(rule)
        rule_model.objects.update_or_create(valid_from=values.pop("valid_from"), label=values.pop("label"), defaults=values)
