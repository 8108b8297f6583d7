"""Visits overdue: no first visit before the end of the 45-day free period; no visit within the interval."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max, Q

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import CONTRACT, fr, full_name
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.french import de
from alternance.planning import practical
from contracts.choices import ContractKind, ContractStatus
from contracts.models import Contract
from contracts.trial_period import trial_period

IN_COMPANY = (ContractStatus.IN_PROGRESS, ContractStatus.ACCEPTED, ContractStatus.SENT_TO_OPCO, ContractStatus.SIGNED)


@rule(
    code="visits_overdue",
    subject_model=CONTRACT,
    scoped=True,
    title="Visite en retard",
    severity=Severity.WARNING,
    role=ConcernedRole.TUTOR,
    source="Aucune fréquence légale : première visite avant la fin des 45 jours de rupture libre (L6222-18 al. 1, "
           "comptés sur le calendrier réel de l'apprenti·e), "
           "puis selon l'intervalle fixé par l'OF (domaine §3 ; Qualiopi 13).",
)
def check(context: RuleContext) -> list[Finding]:
    """Contracts in force whose first visit is not done while the end of the 45-company-day free
    period approaches (warning) or has passed (critical), and contracts whose last visit is older
    than the configured interval (default 180 days). The end of the period is the 45th company day
    on the apprentice's real calendar (``alternance.planning.practical``). Three queries."""
    s, cs, today = context.settings, context.contract_settings, context.today
    contracts = (
        context.only(Contract.objects.filter(status__in=IN_COMPANY, start_date__lte=today, end_date__gte=today))
        .annotate(last_visit=Max("visits__done_date", filter=Q(visits__done_date__lte=today)))
        .values(
            "pk", "apprentice_id", "company_id", "company__name", "start_date", "practical_training_start_date", "last_visit",
            "apprentice__first_name", "apprentice__last_name", "apprentice__usage_name", "apprentice__cohort__referent_tutor_id",
            "apprentice__cohort__rhythm_pattern", "apprentice__cohort__start_date", "apprentice__cohort__end_date",
            "apprentice__cohort_id", "kind", "employment_term", "employee_category", "end_date",
        )
    )
    contracts = list(contracts)
    calendars = practical.calendars_for_rows([c for c in contracts if c["last_visit"] is None])
    findings = []
    for c in contracts:
        last_visit = c["last_visit"]
        name = full_name(c["apprentice__first_name"], c["apprentice__last_name"], c["apprentice__usage_name"])
        common = {
            "subject_model": CONTRACT, "subject_id": c["pk"], "label": f"Contrat {de(name)} chez {c['company__name']}",
            "concerned_role": ConcernedRole.TUTOR, "apprentice_id": c["apprentice_id"], "company_id": c["company_id"],
            "contract_id": c["pk"], "suggested_assignee_id": c["apprentice__cohort__referent_tutor_id"],
        }
        if last_visit is None and c["kind"] == ContractKind.PROFESSIONALISATION:
            # A contrat pro has no 45-day free rupture (L6222-18 is an apprenticeship rule): the
            # first visit falls before the end of its trial period (L1242-10, L1221-19).
            end = trial_period(start=c["start_date"], end=c["end_date"], term=c["employment_term"], category=c["employee_category"]).last_day
            if today < end - timedelta(days=s.first_visit_warning_days):
                continue
            passed = today > end
            findings.append(Finding(
                **common,
                title=(f"Première visite non faite : période d'essai terminée le {fr(end)}" if passed
                       else f"Première visite à faire avant le {fr(end)} (fin de la période d'essai)"),
                severity=Severity.CRITICAL if passed else Severity.WARNING, stage="first_passed" if passed else "first_approaching",
                facts={"kind": "first_visit", "start": c["start_date"].isoformat(), "trial_period_end": end.isoformat(),
                       "days_left": (end - today).days},
                recommended_action="Planifier la première visite en entreprise avant la fin de la période d'essai.",
            ))
        elif last_visit is None:
            start = practical.practical_start(practical_training_start_date=c["practical_training_start_date"], start_date=c["start_date"])
            end = practical.free_period_end(start, cs.free_period_company_days, calendar=calendars[c["apprentice_id"]])
            if end is None or today < end - timedelta(days=s.first_visit_warning_days):
                continue
            passed = today > end
            findings.append(Finding(
                **common,
                title=(f"Première visite non faite : période de {cs.free_period_company_days} jours terminée le {fr(end)}" if passed
                       else f"Première visite à faire avant le {fr(end)} (fin de la période de {cs.free_period_company_days} jours)"),
                severity=Severity.CRITICAL if passed else Severity.WARNING, stage="first_passed" if passed else "first_approaching",
                facts={"kind": "first_visit", "practical_start": start.isoformat(), "free_period_end": end.isoformat(),
                       "company_days": cs.free_period_company_days, "days_left": (end - today).days},
                recommended_action="Planifier la première visite en entreprise avant la fin de la période de rupture libre.",
            ))
        elif (today - last_visit).days > s.visit_interval_days:
            findings.append(Finding(
                **common,
                title=f"Aucune visite depuis le {fr(last_visit)} ({(today - last_visit).days} jours)",
                severity=Severity.WARNING, stage="interval",
                facts={"kind": "interval", "last_visit": last_visit.isoformat(), "days_since": (today - last_visit).days,
                       "interval_days": s.visit_interval_days},
                recommended_action="Planifier une visite de suivi avec le maître d'apprentissage.",
            ))
    return findings
