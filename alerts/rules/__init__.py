"""Alert rules: one module per rule, registered in :mod:`alerts.rules.registry`.

Importing this package imports every rule module, so ``RULES`` lists them all.
"""

from alerts.rules import (  # noqa: F401  (imported to register the rules)
    absences,
    contract_end,
    cre_overload,
    master_capacity,
    opco_delay,
    rupture_risk,
    visits_overdue,
    without_company,
)
from alerts.rules.registry import RULES, Finding, Rule, RuleContext, rule

# Order of a nightly run and of the command's lines.
ORDER = ("absences", "rupture_risk", "contract_end", "opco_delay", "visits_overdue", "without_company", "cre_overload", "master_capacity")

__all__ = ["ORDER", "RULES", "Finding", "Rule", "RuleContext", "get_rules", "rule"]


def get_rules(codes: list[str] | None = None) -> list["Rule"]:
    """The registered rules in run order, all of them or those named (an unknown code raises KeyError)."""
    if not codes:
        ordered = [RULES[code] for code in ORDER if code in RULES]
        return ordered + [r for code, r in RULES.items() if code not in ORDER]
    return [RULES[code] for code in codes]
