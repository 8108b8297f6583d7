"""Maître d'apprentissage over capacity: more apprentices at once than the law allows."""

from __future__ import annotations

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import CONTACT, full_name
from alerts.rules.registry import Finding, RuleContext, rule
from companies.models import CompanyContact
from companies.selectors import master_apprentices


@rule(
    code="master_capacity",
    subject_model=CONTACT,
    title="Maître d'apprentissage au-delà de sa capacité",
    severity=Severity.CRITICAL,
    role=ConcernedRole.CRE,
    source="Code du travail R6223-6 : deux apprentis par maître d'apprentissage, plus un redoublant [à vérifier] "
           "(ContractSettings.ma_max_apprentices / ma_max_extended).",
)
def check(context: RuleContext) -> list[Finding]:
    """Masters (first or second) of more apprenticeship contracts in force than allowed: at most
    ``ma_max_apprentices`` ordinary ones plus ``ma_max_extended`` extended after an exam failure.
    Two queries."""
    cs, today = context.contract_settings, context.today
    # The same load as the contact pages show (one definition per figure).
    load = master_apprentices(today=today)
    over = {}
    for master, apprentices in load.items():
        extended = sum(1 for e in apprentices.values() if e)
        ordinary = len(apprentices) - extended
        if ordinary > cs.ma_max_apprentices or extended > cs.ma_max_extended:
            over[master] = (ordinary, extended, sorted(apprentices))
    if not over:
        return []
    findings = []
    for m in CompanyContact.objects.filter(pk__in=list(over)).order_by("pk").values(
        "pk", "first_name", "last_name", "company_id", "company__name", "company__owner_cre_id"
    ):
        ordinary, extended, apprentice_ids = over[m["pk"]]
        findings.append(Finding(
            subject_model=CONTACT, subject_id=m["pk"], label=f"{full_name(m['first_name'], m['last_name'])} ({m['company__name']})",
            title=f"Maître d'apprentissage de {ordinary + extended} apprenti·es (maximum {cs.ma_max_apprentices} + {cs.ma_max_extended} prolongé·e)",
            severity=Severity.CRITICAL, stage=f"{ordinary}+{extended}",
            facts={"apprentices": ordinary, "extended": extended, "max_apprentices": cs.ma_max_apprentices,
                   "max_extended": cs.ma_max_extended, "apprentice_ids": apprentice_ids},
            recommended_action="Faire désigner un autre maître d'apprentissage (avenant) ou un second maître pour les contrats en excès.",
            concerned_role=ConcernedRole.CRE, company_id=m["company_id"], suggested_assignee_id=m["company__owner_cre_id"],
        ))
    return findings
