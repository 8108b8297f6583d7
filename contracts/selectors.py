"""Reads of contracts: the list with its filters and a contract with its history and OPCO file."""

from dataclasses import replace
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
    DerogationType,
    OpcoDecision,
)
from contracts.hiring_aid import HiringAid, contract_hiring_aid
from contracts.models import (
    Contract,
    ContractSettings,
    ContractStatusChange,
    HiringAidRule,
    OpcoFile,
    RemunerationGrid,
    SmicRate,
)
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
    from companies.choices import Opco

    return {
        "status_choices": ContractStatus.choices,
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
    from alerts.models import RuleSettings
    from contracts.freshness import document_preflight_problems
    from contracts.preflight import ERROR, SOURCE_CT_SALARY, SOURCE_DOCUMENTS, WARNING, Finding

    previous = previous_apprenticeship(contract) if contract.contract_type in SUCCESSION_TYPES else None
    # One setting per limit: the 3 months without an employer are the alerts' seeking limit.
    # Read without creating the row (a page view writes nothing): the field's default until staff save it.
    seeking_limit_days = RuleSettings.objects.filter(pk=1).values_list("seeking_limit_days", flat=True).first()
    rules = replace(
        ContractSettings.load().rules(),
        seeking_limit_days=RuleSettings._meta.get_field("seeking_limit_days").default if seeking_limit_days is None else seeking_limit_days,
    )
    report = check_contract(
        contract,
        stage=stage,
        today=today,
        organisation=settings.ORGANISATION,
        smic_monthly=smic_for_contract(contract),
        smc_monthly=contract.collective_minimum_salary,
        minimum_periods=contract_remuneration(contract, previous=previous) if contract.apprentice.birth_date else None,
        master_loads=master_loads_for(contract),
        rules=rules,
    )
    if contract.contract_type in SUCCESSION_TYPES and contract.kind == ContractKind.APPRENTICESHIP and previous is None:
        report.findings.append(Finding(
            "salary.previous_contract_unknown", WARNING,
            _("Contrat qui en suit un autre : le contrat précédent de l'apprenti·e n'est pas enregistré ici. Vérifiez que le "
              "salaire atteint au moins le minimum de la dernière année de ce contrat (sauf si l'âge donne plus)."),
            SOURCE_CT_SALARY, "gross_monthly_salary",
        ))
    for code, message in document_preflight_problems(contract, stage=stage):
        report.findings.append(Finding(code, ERROR, message, SOURCE_DOCUMENTS, "documents"))
    return report


# A new contract after a previous one (Cerfa types 21, 22, 23): D6222-29 sets its salary floor.
SUCCESSION_TYPES = (ContractType.SUCCESSION_SAME_EMPLOYER, ContractType.SUCCESSION_OTHER_EMPLOYER, ContractType.SUCCESSION_AFTER_RUPTURE)


def previous_apprenticeship(contract: Contract) -> Contract | None:
    """The apprentice's apprenticeship contract before ``contract`` (started earlier, signed, not an
    amendment): the one whose last year sets the salary floor of a new contract (D6222-29)."""
    return (
        Contract.objects.filter(apprentice_id=contract.apprentice_id, kind=ContractKind.APPRENTICESHIP, amends__isnull=True,
                                start_date__lt=contract.start_date)
        .exclude(status__in=(*PENDING_CONTRACT_STATUSES, ContractStatus.REFUSED))
        .exclude(pk__in=[pk for pk in (contract.pk, contract.amends_id) if pk])
        .select_related("apprentice", "company", "programme")
        .order_by("-start_date", "-pk")
        .first()
    )


def counted_from(contract: Contract) -> date | None:
    """For a contract shorter than its programme's training cycle, the day the cycle would have
    started for the contract to end with it: the apprentice counts, for the salary, as having done
    the difference (D6222-28-1). None otherwise.

    D6222-28-1 names its cases: a length reduced by convention (L6222-7-1 al. 3, the Cerfa's
    dérogation 21 « réduction », or 50 « cumul »), a cycle begun at the CFA before the contract
    (L6222-12-1) or continued after a rupture (R6222-23-1) — in both of those the contract runs to
    the end of the learner's cycle (its cohort's end). A contract that simply stops before the end
    of the cycle counts nothing as done."""
    from contracts.funding import add_months

    cycle = contract.programme.duration_months
    after_end = contract.end_date + timedelta(days=1)
    if not cycle or add_months(contract.start_date, cycle) <= after_end:
        return None
    reduced = contract.derogation_type in (DerogationType.SHORTER, DerogationType.SEVERAL)
    cohort = contract.apprentice.cohort
    if not reduced and not (cohort and contract.end_date >= cohort.end_date):
        return None
    return add_months(after_end, -cycle)


def previous_last_year_rate(previous: Contract) -> Decimal | None:
    """The minimum rate of the last year the previous contract ran (to its rupture or its end)."""
    periods = contract_remuneration(previous, previous=None)
    if not periods:
        return None
    last_day = previous.rupture_date or previous.end_date
    return [p for p in periods if p.start <= last_day][-1].rate


_LOOK_UP = object()


def contract_remuneration(contract: Contract, *, previous: "Contract | None | object" = _LOOK_UP) -> list | None:
    """The legal minimum remuneration periods of the contract, as the Cerfa presents them: the SMIC
    in force at its start (Mayotte's for Mayotte), the SMC entered on the contract, and the rates of
    the grid in force at its start. None when no SMIC or no grid is recorded for that date.

    An apprenticeship shorter than its training cycle counts the difference as done (D6222-28-1);
    a contract after a previous one pays at least the rate of that contract's last year, unless
    the age gives more (D6222-29). ``previous``: that contract when the caller already looked it
    up, None to ignore it (the previous contract's own floor is not chained further)."""
    smic = smic_for_contract(contract)
    grid = RemunerationGrid.in_force_on(contract.start_date)
    if smic is None or grid is None:
        return None
    return _periods_computer(contract, grid, previous=previous)(smic)


def _periods_computer(contract: Contract, grid: RemunerationGrid, *, previous: "Contract | None | object" = _LOOK_UP):
    """``smic_monthly → periods`` of ``contract`` with the rates of ``grid`` (pure once built):
    the D6222-28-1 years counted as done and the D6222-29 floor of ``previous`` included."""
    from contracts.salary import apprenticeship_periods, holds_pro_qualification, professionalisation_periods

    common = {
        "birth_date": contract.apprentice.birth_date, "start": contract.start_date, "end": contract.end_date,
        "smc_monthly": contract.collective_minimum_salary,
    }
    if contract.kind == ContractKind.PROFESSIONALISATION:
        qualified = holds_pro_qualification(contract.apprentice.highest_diploma)
        rates = grid.professionalisation_rates()
        return lambda smic: professionalisation_periods(**common, smic_monthly=smic, qualified=qualified, rates=rates)
    if previous is _LOOK_UP:
        previous = previous_apprenticeship(contract) if contract.contract_type in SUCCESSION_TYPES else None
    rates = grid.apprenticeship_rates()
    floor = {"counted_from": counted_from(contract), "minimum_rate": previous_last_year_rate(previous) if previous is not None else None}
    return lambda smic: apprenticeship_periods(**common, smic_monthly=smic, rates=rates, **floor)


def contract_remuneration_schedule(contract: Contract) -> list | None:
    """The minimum remuneration periods of the remuneration schedule: as ``contract_remuneration``,
    but each amount with the SMIC in force on the first day of its period, periods cut at each
    revaluation (``contracts.salary.periods_at_smic_in_force``). Two queries (grid, SMIC values).
    None when no SMIC or no grid is recorded for the contract's start."""
    from contracts.salary import SmicValue, periods_at_smic_in_force

    grid = RemunerationGrid.in_force_on(contract.start_date)
    if grid is None:
        return None
    mayotte = contract.company.postal_code.startswith("976")
    values = [
        SmicValue(valid_from=row.valid_from, monthly=row.mayotte_monthly if mayotte else row.monthly)
        for row in SmicRate.objects.filter(valid_from__lte=contract.end_date).order_by("valid_from")
    ]
    periods = periods_at_smic_in_force(
        start=contract.start_date, end=contract.end_date, smic_values=values, compute=_periods_computer(contract, grid)
    )
    return periods or None


# --- hiring aid (issue 15 §10) -------------------------------------------------------------------

def hiring_aid_rules(user: User) -> list[HiringAidRule]:
    return list(access.visible(user, HiringAidRule))


def contract_hiring_aid_of(user: User, contract: Contract) -> HiringAid:
    """The hiring aid of one contract under the rules in force at its conclusion (one query)."""
    return contract_hiring_aid(contract, hiring_aid_rules(user))


def hiring_aid_rows(user: User) -> list[tuple[Contract, HiringAid]]:
    """Every apprenticeship contract the user may see, signed or later, with its hiring aid, for
    the CRE's export (two queries: the rules, the contracts with what the rule reads)."""
    rules = hiring_aid_rules(user)
    contracts = (
        access.visible(user, Contract)
        .filter(kind=ContractKind.APPRENTICESHIP, amends__isnull=True)
        .exclude(status__in=(ContractStatus.DRAFT, ContractStatus.AWAITING_SIGNATURES))
        .select_related("apprentice__cohort__programme", "company", "programme")
        .order_by("start_date", "pk")
    )
    return [(contract, contract_hiring_aid(contract, rules)) for contract in contracts]
