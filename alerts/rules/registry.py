"""The rule registry: what a rule is, what it returns, and the list of registered rules.

A rule is a pure function of the database state and an explicit ``today`` (style §8): it takes a
:class:`RuleContext` (``today`` and the thresholds) and returns :class:`Finding` objects. It
never writes; :mod:`alerts.services` reconciles its findings with the open alerts. Each rule runs
a fixed number of queries (aggregates / ``values()`` then Python), whatever the number of
apprentices or contracts — the query-count tests and the benchmark command check it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from alerts.choices import ConcernedRole, Severity

SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the database: the reference day and the thresholds."""

    today: date
    settings: Any  # alerts.models.RuleSettings (or an object with the same attributes in tests)
    contract_settings: Any  # contracts.models.ContractSettings
    # When set, a rule registered ``scoped=True`` restricts its querysets to these subjects (ids of
    # its ``subject_model``): the re-evaluation after a write (alerts.services.subjects_reevaluate)
    # reads one apprentice's or one contract's rows, not the whole CFA's. None: every subject.
    subject_ids: frozenset[int] | None = None

    def only(self, queryset, field: str = "pk"):
        """``queryset`` restricted to the subjects of this context (unchanged when not restricted)."""
        return queryset if self.subject_ids is None else queryset.filter(**{f"{field}__in": sorted(self.subject_ids)})


@dataclass(frozen=True)
class Finding:
    """One situation a rule found, ready to become (or to keep) an open alert.

    ``subject_model`` is an ``app_label.model`` string, ``facts`` a JSON-able dict that explains
    the finding (counts, dates, signals). ``stage`` is the step of the situation (e.g. "30" days
    before the end, "passed" the 3-month limit): an alert closed by a person is not raised again
    for the same stage, but it is when the situation worsens to another stage.
    """

    subject_model: str
    subject_id: int
    label: str
    title: str
    severity: str
    facts: dict
    recommended_action: str
    concerned_role: str
    stage: str = ""
    apprentice_id: int | None = None
    company_id: int | None = None
    contract_id: int | None = None
    suggested_assignee_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.subject_model, self.subject_id)


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    default_severity: str
    concerned_role: str
    source: str
    check: Callable[[RuleContext], list[Finding]] = field(compare=False)
    description: str = ""
    # The model of the subjects of its findings ("app_label.model"), and whether the rule honours
    # ``RuleContext.subject_ids`` (otherwise a partial re-evaluation runs it whole and filters).
    subject_model: str = ""
    scoped: bool = False

    def __call__(self, context: RuleContext) -> list[Finding]:
        return self.check(context)


RULES: dict[str, Rule] = {}


def rule(*, code: str, title: str, severity: str, role: str, source: str, subject_model: str = "", scoped: bool = False) -> Callable:
    """Register a rule function under ``code`` (its docstring is the rule's description)."""
    if role not in ConcernedRole.values or severity not in Severity.values:
        raise ValueError(f"Rôle ou gravité inconnu pour la règle {code}")

    def register(function: Callable[[RuleContext], list[Finding]]) -> Callable[[RuleContext], list[Finding]]:
        if code in RULES:
            raise ValueError(f"La règle {code} est déjà enregistrée.")
        RULES[code] = Rule(
            code=code, title=title, default_severity=severity, concerned_role=role, source=source, check=function,
            description=(function.__doc__ or "").strip(), subject_model=subject_model, scoped=scoped,
        )
        function.rule_code = code
        return function

    return register


def worst(*severities: str) -> str:
    return max(severities, key=lambda s: SEVERITY_RANK[s])
