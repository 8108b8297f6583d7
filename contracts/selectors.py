"""Reads of contracts: the list with its filters and a contract with its history and OPCO file."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alternance import access
from alternance.models import User
from alternance.selectors import CONTRACTS_TO_HANDLE_STATUSES, name_search
from contracts.choices import (
    ACTIVE_CONTRACT_STATUSES,
    PENDING_CONTRACT_STATUSES,
    ContractKind,
    ContractStatus,
    ContractType,
    OpcoDecision,
)
from contracts.models import Contract, ContractSettings, ContractStatusChange, OpcoFile, RemunerationGrid, SmicRate
from contracts.preflight import MasterLoad, PreflightReport, check_contract

# Groups of statuses offered by the status filter next to the statuses themselves.
STATUS_GROUPS = {
    "active": ACTIVE_CONTRACT_STATUSES,
    "pending": PENDING_CONTRACT_STATUSES,
    "to_handle": CONTRACTS_TO_HANDLE_STATUSES,
}

CONTRACT_SORTS = {
    "start": ("start_date", "pk"),
    "-start": ("-start_date", "-pk"),
    "end": ("end_date", "pk"),
    "-end": ("-end_date", "-pk"),
    "apprentice": ("apprentice__last_name", "apprentice__first_name", "pk"),
    "-apprentice": ("-apprentice__last_name", "-apprentice__first_name", "-pk"),
    "company": ("company__name", "pk"),
    "-company": ("-company__name", "-pk"),
}


# "Missing items" filter of the contract list: label and the condition, kept to what a query can
# tell cheaply (the full pre-flight check runs on the contract page).
MISSING_FILTERS = {
    "cerfa": (
        _("Champs du Cerfa manquants"),
        Q(practical_training_start_date__isnull=True) | Q(training_start_date__isnull=True) | Q(exams_end_date__isnull=True)
        | Q(training_hours__isnull=True) | Q(gross_monthly_salary__isnull=True) | Q(pension_fund="") | Q(master__isnull=True),
    ),
    "signature": (_("Signature non enregistrée"), Q(signature_date__isnull=True) & ~Q(status__in=PENDING_CONTRACT_STATUSES)),
    "opco": (_("Signé mais pas encore transmis à l'OPCO"), Q(status=ContractStatus.SIGNED)),
    "decision": (_("Transmis, sans décision de l'OPCO"), Q(status=ContractStatus.SENT_TO_OPCO)),
}


def contract_list_choices(user: User) -> dict:
    """Choices of the contract list's filters, within the user's scope."""
    from alternance.models import Cohort
    from companies.choices import Opco

    return {
        "status_choices": ContractStatus.choices,
        "cohort_choices": list(access.visible(user, Cohort).order_by("-start_date", "name").values_list("pk", "name")),
        "opco_choices": Opco.choices,
        "missing_choices": [(key, label) for key, (label, _condition) in MISSING_FILTERS.items()],
    }


def ruptured_between(start: date, end: date) -> Q:
    """Contracts broken with a rupture date in [start, end]: the one definition behind the
    dashboard's ruptures over 12 months, the weekly page's ruptures and the list they open."""
    return Q(rupture_date__gte=start, rupture_date__lte=end)


def contract_list(
    user: User,
    *,
    today: date,
    q: str = "",
    status: str = "",
    ending_within_days: int | None = None,
    opco_pending: bool = False,
    cohort_id: int | None = None,
    company_opco: str = "",
    missing: str = "",
    rupture_from: date | None = None,
    rupture_to: date | None = None,
    sort: str = "",
) -> QuerySet:
    qs = access.visible(user, Contract).select_related("apprentice", "company", "programme")
    qs = name_search(qs, q, ("apprentice__last_name", "apprentice__first_name", "apprentice__usage_name", "company__name"))
    if status in STATUS_GROUPS:
        qs = qs.filter(status__in=STATUS_GROUPS[status])
    elif status in ContractStatus.values:
        qs = qs.filter(status=status)
    if ending_within_days is not None:
        qs = qs.filter(end_date__gte=today, end_date__lte=today + timedelta(days=ending_within_days))
    if opco_pending:
        # A file is awaiting the OPCO's decision once it has been sent (domain §3: 20-day decision).
        files = access.visible(user, OpcoFile).filter(decision=OpcoDecision.PENDING, sent_date__isnull=False)
        qs = qs.filter(Q(pk__in=files.values("contract_id")))
    if cohort_id:
        qs = qs.filter(apprentice__cohort_id=cohort_id)
    if company_opco:
        qs = qs.filter(company__opco=company_opco)
    if missing in MISSING_FILTERS:
        qs = qs.filter(MISSING_FILTERS[missing][1])
    if rupture_from or rupture_to:
        qs = qs.filter(ruptured_between(rupture_from or date.min, rupture_to or date.max))
    return qs.order_by(*CONTRACT_SORTS.get(sort, CONTRACT_SORTS["-start"]))


def contract_get(user: User, pk: int) -> Contract:
    qs = Contract.objects.select_related(
        "apprentice__cohort", "company", "programme", "master", "second_master", "amends__company"
    )
    return access.get_visible_or_404(user, qs, pk=pk)


def contract_related(user: User, contract: Contract) -> dict:
    """Status history and amendments of a contract (the panels of the page bring the rest)."""
    return {
        "status_changes": list(
            access.visible(user, ContractStatusChange).filter(contract=contract).select_related("changed_by").order_by("changed_at", "pk")
        ),
        "amendments": list(access.visible(user, Contract).filter(amends=contract).order_by("start_date", "pk")),
    }


# --- pre-flight check inputs -------------------------------------------------------------------

def master_loads_for(contract: Contract) -> dict[int, MasterLoad]:
    """Current contracts of each maître d'apprentissage of ``contract``, outside it and its
    amendment chain, overlapping its period: one aggregate query per master (at most two)."""
    loads: dict[int, MasterLoad] = {}
    excluded = [pk for pk in (contract.pk, contract.amends_id) if pk]
    for master_id in filter(None, (contract.master_id, contract.second_master_id)):
        others = (
            Contract.objects.filter(Q(master_id=master_id) | Q(second_master_id=master_id))
            .filter(status__in=(*ACTIVE_CONTRACT_STATUSES, ContractStatus.AWAITING_SIGNATURES))
            .filter(start_date__lte=contract.end_date, end_date__gte=contract.start_date)
            .exclude(pk__in=excluded)
            .exclude(amends_id__in=excluded)
        )
        counts = others.aggregate(
            apprentices=Count("apprentice", filter=Q(kind=ContractKind.APPRENTICESHIP), distinct=True),
            extended=Count(
                "apprentice", filter=Q(kind=ContractKind.APPRENTICESHIP, contract_type=ContractType.AMEND_EXTENSION_EXAM_FAILURE), distinct=True
            ),
            alternants=Count("apprentice", distinct=True),
        )
        loads[master_id] = MasterLoad(apprentices=counts["apprentices"], extended=counts["extended"], alternants_all_kinds=counts["alternants"])
    return loads


def smic_for_contract(contract: Contract) -> Decimal | None:
    """Monthly SMIC in force at the contract start; Mayotte (postal codes 976xx) has its own."""
    smic = SmicRate.in_force_on(contract.start_date)
    if smic is None:
        return None
    return smic.mayotte_monthly if contract.company.postal_code.startswith("976") else smic.monthly


def contract_preflight(contract: Contract, *, stage: str, today: date) -> PreflightReport:
    """The pre-flight check of ``contract`` with its inputs read from the database and settings,
    plus the generated documents that block the stage (missing or outdated, contracts.freshness)."""
    from contracts.freshness import document_preflight_problems
    from contracts.preflight import ERROR, SOURCE_DOCUMENTS, Finding

    report = check_contract(
        contract,
        stage=stage,
        today=today,
        organisation=settings.ORGANISATION,
        smic_monthly=smic_for_contract(contract),
        smc_monthly=contract.collective_minimum_salary,
        minimum_periods=contract_remuneration(contract) if contract.apprentice.birth_date else None,
        master_loads=master_loads_for(contract),
        rules=ContractSettings.load().rules(),
    )
    for code, message in document_preflight_problems(contract, stage=stage):
        report.findings.append(Finding(code, ERROR, message, SOURCE_DOCUMENTS, "documents"))
    return report


def contract_remuneration(contract: Contract) -> list | None:
    """The legal minimum remuneration periods of the contract, as the Cerfa presents them: the SMIC
    in force at its start (Mayotte's for Mayotte), the SMC entered on the contract, and the rates of
    the grid in force at its start. None when no SMIC or no grid is recorded for that date."""
    from contracts.salary import apprenticeship_periods, holds_pro_qualification, professionalisation_periods

    smic = smic_for_contract(contract)
    grid = RemunerationGrid.in_force_on(contract.start_date)
    if smic is None or grid is None:
        return None
    common = {
        "birth_date": contract.apprentice.birth_date, "start": contract.start_date, "end": contract.end_date,
        "smic_monthly": smic, "smc_monthly": contract.collective_minimum_salary,
    }
    if contract.kind == ContractKind.PROFESSIONALISATION:
        qualified = holds_pro_qualification(contract.apprentice.highest_diploma)
        return professionalisation_periods(**common, qualified=qualified, rates=grid.professionalisation_rates())
    return apprenticeship_periods(**common, rates=grid.apprenticeship_rates())
