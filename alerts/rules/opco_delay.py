"""OPCO delays: file not sent, no decision, instalments not invoiced or unpaid, balance at risk,
employer participation not invoiced (domain §3, §4). A public employer's contract goes to the DDETS,
not to an OPCO (issue 15 §6): only its deposit delay is followed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Max, Q

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import CONTRACT, add_months, fr, fr_euros, full_name
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.french import de
from alternance.planning import practical
from contracts import funding as funding_rules
from contracts.choices import ACTIVE_CONTRACT_STATUSES, ContractStatus, InstalmentKind, OpcoDecision
from contracts.deadlines import add_days
from contracts.models import Contract, FundingRule, OpcoFile, OpcoInstalment

CONTRACT_FIELDS = (
    "pk", "apprentice_id", "company_id", "company__name", "company__opco", "start_date", "end_date", "rupture_date",
    "signature_date", "apprentice__first_name", "apprentice__last_name", "apprentice__usage_name", "company__is_public",
)
# The same fields read through a related row (an OPCO file, or an instalment's file).
PREFIXED = tuple(f"contract__{name}" for name in CONTRACT_FIELDS)
DEFAULT_BALANCE_CLAIM_MONTHS = 4  # domain §4 [check]: balance lost 4 months after the contract end
CRITICAL_CODES = {"not_sent", "no_decision", "balance_lost"}


def contract_of(row: dict, prefix: str = "") -> dict:
    """The contract's fields of a row read through ``prefix`` + ``contract__`` keys."""
    return {name: row[f"{prefix}contract__{name}"] for name in CONTRACT_FIELDS}


def rule_for(rules: list[tuple[date, int | None]], day: date) -> tuple[date, int | None] | None:
    """The funding rule in force for a contract concluded on ``day`` (rules sorted by date, latest first)."""
    return next((r for r in rules if r[0] <= day), None)


@rule(
    code="opco_delay",
    subject_model=CONTRACT,
    scoped=True,
    title="Retard OPCO",
    severity=Severity.WARNING,
    role=ConcernedRole.ADMIN_STAFF,
    source="Code du travail D6224-1 (envoi sous 5 jours ouvrables), D6224-2 (décision sous 20 jours) ; "
           "réforme du financement de juillet 2025 (échéancier, solde sous 4 mois) ; participation employeur "
           "facturable à l'issue des 45 premiers jours de formation pratique en entreprise (R6332-25-2, décret 2025-585, "
           "L6222-18 al. 1) [à vérifier].",
)
def check(context: RuleContext) -> list[Finding]:
    """One finding per contract listing its OPCO delays: not sent N days (default 5 jours ouvrables)
    after the start; no decision N days (default 20) after the complete file; an instalment due and
    not invoiced, or invoiced and unpaid after the payment delay; the last year's balance not claimed
    as its claim limit approaches (or passed); the employer participation not invoiced once the
    first 45 company days are over (the day after the 45th company day on the apprentice's real
    calendar, or after a rupture within them — ``contracts.funding.participation_invoiceable_from``),
    past the same grace as an instalment (``opco_invoice_grace_days``). Eight queries."""
    s, cs, today = context.settings, context.contract_settings, context.today
    delays: dict[int, list[dict]] = defaultdict(list)
    contracts: dict[int, dict] = {}

    def add(contract: dict, code: str, label: str, **facts) -> None:
        contracts[contract["pk"]] = contract
        delays[contract["pk"]].append({"code": code, "label": label, **facts})

    # 1. signed contracts already started whose file has not been sent
    for c in context.only(Contract.objects.filter(
        Q(opco_file__isnull=True) | Q(opco_file__sent_date__isnull=True),
        status__in=ACTIVE_CONTRACT_STATUSES, start_date__lt=today,
    )).values(*CONTRACT_FIELDS):
        deadline = add_days(c["start_date"], cs.opco_sending_days, cs.opco_sending_count)
        # A public employer deposits the contract with the DDETS, in the same delay [à vérifier].
        where = "Contrat non déposé auprès de la DDETS (employeur public)" if c["company__is_public"] else "Dossier non envoyé à l'OPCO"
        if today > deadline:
            add(c, "not_sent", f"{where} : limite le {fr(deadline)} ({cs.opco_sending_days} jours {cs.opco_sending_count})",
                deadline=deadline.isoformat(), start_date=c["start_date"].isoformat())

    # 2. complete files without a decision
    for row in context.only(
        OpcoFile.objects.filter(decision=OpcoDecision.PENDING, complete_file_date__isnull=False, complete_file_date__lt=today,
                                contract__company__is_public=False), "contract_id"
    ).values(
        "complete_file_date", "opco", *PREFIXED
    ):
        deadline = add_days(row["complete_file_date"], cs.opco_decision_days, cs.opco_decision_count)
        if today > deadline:
            add(contract_of(row), "no_decision",
                f"Pas de décision de l'OPCO ({row['opco'] or '—'}) depuis le dossier complet du {fr(row['complete_file_date'])} (limite {fr(deadline)}, le silence vaut refus)",
                complete_file_date=row["complete_file_date"].isoformat(), deadline=deadline.isoformat())
    # 3. instalments due not invoiced, invoiced and unpaid
    invoice_due = today - timedelta(days=s.opco_invoice_grace_days)
    payment_due = today - timedelta(days=s.opco_payment_days)
    for row in context.only(OpcoInstalment.objects.filter(
        Q(invoiced_date__isnull=True, due_date__lt=invoice_due) | Q(invoiced_date__isnull=False, paid_date__isnull=True, invoiced_date__lt=payment_due),
        opco_file__decision=OpcoDecision.ACCEPTED, opco_file__contract__company__is_public=False,
    ), "opco_file__contract_id").exclude(kind=InstalmentKind.BALANCE, invoiced_date__isnull=True).order_by("due_date").values(
        "pk", "kind", "contract_year", "due_date", "invoiced_date", "amount", *(f"opco_file__{p}" for p in PREFIXED)
    ):
        contract = contract_of(row, "opco_file__")
        what = f"{InstalmentKind(row['kind']).label} année {row['contract_year']} ({fr_euros(row['amount'])})"
        if row["invoiced_date"] is None:
            add(contract, "instalment_not_invoiced", f"{what} échu le {fr(row['due_date'])} et non facturé",
                instalment_id=row["pk"], due_date=row["due_date"].isoformat())
        else:
            add(contract, "instalment_unpaid", f"{what} facturé le {fr(row['invoiced_date'])} et non payé après {s.opco_payment_days} jours",
                instalment_id=row["pk"], invoiced_date=row["invoiced_date"].isoformat())
    # 4. funding rules (claim limit of the balance) and 5. balances not claimed
    rules = [(r["valid_from"], r["balance_claim_months"])
             for r in FundingRule.objects.order_by("-valid_from").values("valid_from", "balance_claim_months")]
    balances = (
        context.only(OpcoInstalment.objects.filter(kind=InstalmentKind.BALANCE, invoiced_date__isnull=True, opco_file__decision=OpcoDecision.ACCEPTED,
                                                   opco_file__contract__company__is_public=False), "opco_file__contract_id")
        .filter(Q(opco_file__contract__status=ContractStatus.ENDED) | Q(opco_file__contract__status=ContractStatus.BROKEN)
                | Q(opco_file__contract__end_date__lt=today))
        .annotate(last_year=Max("opco_file__instalments__contract_year"))
        .order_by("pk").values("pk", "contract_year", "last_year", "amount", *(f"opco_file__{p}" for p in PREFIXED))
    )
    for row in balances:
        if row["contract_year"] != row["last_year"]:
            continue
        contract = contract_of(row, "opco_file__")
        last_day = contract["rupture_date"] or contract["end_date"]
        if last_day > today:
            continue
        funding = rule_for(rules, contract["signature_date"] or contract["start_date"])
        months = funding[1] if funding and funding[1] is not None else (DEFAULT_BALANCE_CLAIM_MONTHS if not funding else None)
        if months is None:
            continue  # this funding rule has no claim limit
        limit = add_months(last_day, months)
        if today > limit:
            add(contract, "balance_lost", f"Solde ({fr_euros(row['amount'])}) non réclamé : limite dépassée le {fr(limit)}",
                claim_limit=limit.isoformat(), instalment_id=row["pk"])
        elif today >= limit - timedelta(days=s.balance_warning_days):
            add(contract, "balance_at_risk", f"Solde ({fr_euros(row['amount'])}) à réclamer avant le {fr(limit)} ({(limit - today).days} jours)",
                claim_limit=limit.isoformat(), instalment_id=row["pk"])
    # 6. employer participation not invoiced once the first 45 company days are over (R6332-25-2)
    participations = list(context.only(OpcoFile.objects.filter(
        employer_participation_amount__isnull=False, employer_participation_invoiced_date__isnull=True, decision=OpcoDecision.ACCEPTED,
        contract__company__is_public=False,
    ), "contract_id").values(
        "employer_participation_amount", "contract__practical_training_start_date", "contract__apprentice__cohort_id",
        "contract__apprentice__cohort__rhythm_pattern", "contract__apprentice__cohort__start_date",
        "contract__apprentice__cohort__end_date", *PREFIXED,
    ))
    calendars = practical.calendars_for_rows(participations, prefix="contract__")
    for row in participations:
        contract = contract_of(row)
        start = practical.practical_start(practical_training_start_date=row["contract__practical_training_start_date"], start_date=contract["start_date"])
        end = practical.free_period_end(start, cs.free_period_company_days, calendar=calendars[contract["apprentice_id"]])
        invoiceable = funding_rules.participation_invoiceable_from(free_period_end=end, rupture_date=contract["rupture_date"])
        if invoiceable is not None and invoiceable < invoice_due:
            add(contract, "participation_not_invoiced",
                f"Participation employeur ({fr_euros(row['employer_participation_amount'])}) facturable depuis le {fr(invoiceable)} et non facturée",
                invoiceable_from=invoiceable.isoformat())

    findings = []
    for pk, found in sorted(delays.items()):
        c = contracts[pk]
        codes = sorted({d["code"] for d in found})
        name = full_name(c["apprentice__first_name"], c["apprentice__last_name"], c["apprentice__usage_name"])
        findings.append(Finding(
            subject_model=CONTRACT, subject_id=pk, label=f"Contrat {de(name)} chez {c['company__name']}",
            title=("Retard de dépôt DDETS" if c["company__is_public"] else "Retard OPCO") + f" : {found[0]['label']}"
            + (f" (+{len(found) - 1})" if len(found) > 1 else ""),
            severity=Severity.CRITICAL if CRITICAL_CODES & set(codes) else Severity.WARNING, stage=",".join(codes),
            facts={"delays": found, "opco": c["company__opco"]},
            recommended_action=(
                "Déposer le contrat auprès de la DDETS et tracer le dépôt." if c["company__is_public"]
                else "Envoyer ou relancer le dossier auprès de l'OPCO, émettre les factures en attente et tracer la relance."
            ),
            concerned_role=ConcernedRole.ADMIN_STAFF, apprentice_id=c["apprentice_id"], company_id=c["company_id"], contract_id=pk,
        ))
    return findings
