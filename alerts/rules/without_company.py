"""Learners without a company: enrolled without a contract (3 months), rupturants (6 months)."""

from __future__ import annotations

from datetime import timedelta

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import APPRENTICE, fr, full_name
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.choices import ApprenticeStatus
from alternance.models import Apprentice
from contracts.choices import ContractStatus
from contracts.models import Contract


@rule(
    code="without_company",
    subject_model=APPRENTICE,
    scoped=True,
    title="Apprenti·e sans entreprise",
    severity=Severity.WARNING,
    role=ConcernedRole.CRE,
    source="Code du travail L6222-12-1 (3 mois pour signer un contrat) et L6222-18-2 (6 mois après une rupture) ; "
           "Tableau de bord de l'apprentissage : INSCRIT → ABANDON après 90 jours, RUPTURANT → ABANDON après 180 jours (domaine §3).",
)
def check(context: RuleContext) -> list[Finding]:
    """Learners seeking a company since ``status_since`` approaching (default 15 days before) and
    passing the limit (default 90 days); rupturants approaching and passing 180 days. The day count
    is today − status_since: day 89 is "approaching", day 90 "passed". Two queries."""
    s, today = context.settings, context.today
    limits = {ApprenticeStatus.SEEKING: s.seeking_limit_days, ApprenticeStatus.RUPTURANT: s.rupturant_limit_days}
    earliest = min(limits.values()) - s.limit_warning_days
    rows = list(
        context.only(Apprentice.objects.filter(status__in=limits, exclusion_date__isnull=True, status_since__lte=today - timedelta(days=earliest)))
        .order_by("pk").values("pk", "first_name", "last_name", "usage_name", "status", "status_since", "cohort__name", "cohort__referent_tutor_id")
    )
    flagged = [r for r in rows if (today - r["status_since"]).days >= limits[r["status"]] - s.limit_warning_days]
    # The former employer of a rupturant (its CRE follows the learner) — one query.
    broken = {}
    for c in (
        Contract.objects.filter(apprentice_id__in=[r["pk"] for r in flagged if r["status"] == ApprenticeStatus.RUPTURANT], status=ContractStatus.BROKEN)
        .order_by("apprentice_id", "-rupture_date", "-pk").values("pk", "apprentice_id", "company_id", "company__name", "company__owner_cre_id", "rupture_date")
    ):
        broken.setdefault(c["apprentice_id"], c)
    findings = []
    for r in flagged:
        days, limit = (today - r["status_since"]).days, limits[r["status"]]
        passed = days >= limit
        rupturant = r["status"] == ApprenticeStatus.RUPTURANT
        previous = broken.get(r["pk"]) if rupturant else None
        deadline = r["status_since"] + timedelta(days=limit)
        if rupturant:
            title = (f"Rupturant·e depuis {days} jours : délai de {limit} jours dépassé le {fr(deadline)}" if passed
                     else f"Rupturant·e depuis {days} jours : {limit - days} jours avant la limite du {fr(deadline)}")
        else:
            title = (f"Sans entreprise depuis {days} jours : délai de {limit} jours dépassé le {fr(deadline)}" if passed
                     else f"Sans entreprise depuis {days} jours : {limit - days} jours avant la limite du {fr(deadline)}")
        findings.append(Finding(
            subject_model=APPRENTICE, subject_id=r["pk"], label=full_name(r["first_name"], r["last_name"], r["usage_name"]),
            title=title, severity=Severity.CRITICAL if passed else Severity.WARNING,
            stage=f"{'rupturant' if rupturant else 'seeking'}_{'passed' if passed else 'approaching'}",
            facts={"status": r["status"], "since": r["status_since"].isoformat(), "days": days, "limit_days": limit,
                   "deadline": deadline.isoformat(), "cohort": r["cohort__name"],
                   "former_employer": previous["company__name"] if previous else None},
            recommended_action=(
                "Proposer des entreprises du portefeuille, organiser des entretiens et tracer l'accompagnement (Qualiopi 12) ; "
                "au-delà du délai, statuer sur la poursuite du parcours." if not rupturant else
                "Accompagner la recherche d'un nouvel employeur (l'OF garde l'apprenti·e 6 mois après la rupture) et tracer les démarches."
            ),
            concerned_role=ConcernedRole.CRE, apprentice_id=r["pk"],
            company_id=previous["company_id"] if previous else None,
            suggested_assignee_id=previous["company__owner_cre_id"] if previous else None,
        ))
    return findings
