"""CRE overload: a CRE whose portfolio holds more active contracts than the threshold (default 100)."""

from __future__ import annotations

from django.db.models import Count, Q

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import USER
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.choices import Role
from alternance.models import User
from contracts.choices import ACTIVE_CONTRACT_STATUSES


@rule(
    code="cre_overload",
    subject_model=USER,
    title="CRE en surcharge",
    severity=Severity.WARNING,
    role=ConcernedRole.COORDINATOR,
    source="Organisation de référence : 1 CRE pour 80 à 100 contrats actifs (domaine §5) ; seuil modifiable.",
)
def check(context: RuleContext) -> list[Finding]:
    """Active CREs whose portfolio companies hold more active contracts than the threshold. One query."""
    s = context.settings
    active = Q(portfolio__contracts__status__in=ACTIVE_CONTRACT_STATUSES)
    rows = (
        User.objects.filter(role=Role.CRE, is_active=True)
        .annotate(active_contracts=Count("portfolio__contracts", filter=active, distinct=True),
                  companies=Count("portfolio", filter=active, distinct=True))
        .filter(active_contracts__gt=s.cre_max_active_contracts)
        .order_by("pk").values("pk", "first_name", "last_name", "email", "active_contracts", "companies")
    )
    return [
        Finding(
            subject_model=USER, subject_id=r["pk"], label=f"{r['first_name']} {r['last_name']}".strip() or r["email"],
            title=f"Portefeuille de {r['active_contracts']} contrats actifs (seuil : {s.cre_max_active_contracts})",
            severity=Severity.CRITICAL if r["active_contracts"] > 1.2 * s.cre_max_active_contracts else Severity.WARNING,
            stage="over",
            facts={"active_contracts": r["active_contracts"], "threshold": s.cre_max_active_contracts, "companies_with_contracts": r["companies"],
                   "excess": r["active_contracts"] - s.cre_max_active_contracts},
            recommended_action="Rééquilibrer les portefeuilles entre CRE (réattribuer des entreprises) ou renforcer l'équipe.",
            concerned_role=ConcernedRole.COORDINATOR,
        )
        for r in rows
    ]
