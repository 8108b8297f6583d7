"""Contract end: 60, 30 and 7 days before the end of a contract in force (steps are a setting)."""

from __future__ import annotations

from datetime import timedelta

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import CONTRACT, fr, full_name
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.french import de
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract

ACTIONS = {
    0: "Planifier le bilan de fin de formation avec l'entreprise et préparer la suite du parcours (embauche, poursuite d'études).",
    1: "Préparer l'attestation de fin de formation et les documents de fin de contrat ; confirmer la date du bilan.",
    2: "Fin imminente : vérifier que le bilan est fait, remettre les attestations et acter la suite du parcours.",
}
SEVERITIES = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)


def step_for(days_left: int, steps: list[int]) -> int | None:
    """Index of the notice step reached ``days_left`` days before the end (steps largest first):
    with [60, 30, 7], 60..31 days → 0, 30..8 → 1, 7..0 → 2; more than 60 → None."""
    reached = None
    for index, step in enumerate(steps):
        if days_left <= step:
            reached = index
    return reached


@rule(
    code="contract_end",
    subject_model=CONTRACT,
    scoped=True,
    title="Fin de contrat proche",
    severity=Severity.INFO,
    role=ConcernedRole.TUTOR,
    source="Fin du contrat (Cerfa) ; bilan de fin, attestation et suite du parcours : pratique de l'OF (Qualiopi 13, 29).",
)
def check(context: RuleContext) -> list[Finding]:
    """Contracts in force ending within the largest step (default 60 days), at the 60 / 30 / 7-day
    steps: the alert's stage and severity rise as the end comes closer. One query."""
    today, steps = context.today, context.settings.contract_end_steps
    if not steps:
        return []
    rows = (
        context.only(Contract.objects.filter(status__in=ACTIVE_CONTRACT_STATUSES, end_date__gte=today, end_date__lte=today + timedelta(days=steps[0])))
        .order_by("end_date", "pk")
        .values(
            "pk", "apprentice_id", "company_id", "company__name", "end_date", "apprentice__first_name", "apprentice__last_name",
            "apprentice__usage_name", "apprentice__cohort__referent_tutor_id",
        )
    )
    findings = []
    for row in rows:
        days_left = (row["end_date"] - today).days
        index = step_for(days_left, steps)
        if index is None:
            continue
        # The last step is critical, the one before it a warning, earlier ones information.
        level = max(0, 2 - (len(steps) - 1 - index))
        name = full_name(row["apprentice__first_name"], row["apprentice__last_name"], row["apprentice__usage_name"])
        findings.append(Finding(
            subject_model=CONTRACT, subject_id=row["pk"], label=f"Contrat {de(name)} chez {row['company__name']}",
            title=f"Fin de contrat dans {days_left} jours ({fr(row['end_date'])})",
            severity=SEVERITIES[level], stage=str(steps[index]),
            facts={"end_date": row["end_date"].isoformat(), "days_left": days_left, "step_days": steps[index], "steps": steps},
            recommended_action=ACTIONS[level], concerned_role=ConcernedRole.TUTOR,
            apprentice_id=row["apprentice_id"], company_id=row["company_id"], contract_id=row["pk"],
            suggested_assignee_id=row["apprentice__cohort__referent_tutor_id"],
        ))
    return findings
