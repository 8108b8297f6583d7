"""Reads of the alerts screens (register, inbox, alert page, runs, digest), scoped by the access policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, Severity
from alerts.models import DEFAULT_ASSIGNEE, Alert, AlertEvent, DigestRun, NightlyRun, RuleSettings
from alerts.rules import get_rules
from alternance import access
from alternance.choices import Role
from alternance.models import Apprentice, Cohort, User
from alternance.selectors import name_search
from companies.models import Company
from contracts.models import Contract

# Who may receive an alert (mirrors alerts.services.ASSIGNABLE_ROLES, which the service enforces).
ASSIGNABLE_ROLES = (Role.CRE, Role.TUTOR, Role.ADMIN_STAFF)
SEVERITY_RANK = Case(
    When(severity=Severity.CRITICAL, then=Value(2)), When(severity=Severity.WARNING, then=Value(1)), default=Value(0),
    output_field=IntegerField(),
)
ALERT_SORTS = {
    "raised": ("raised_at", "pk"),
    "-raised": ("-raised_at", "-pk"),
    "severity": ("severity_rank", "-raised_at", "-pk"),
    "-severity": ("-severity_rank", "-raised_at", "-pk"),
    "rule": ("rule_code", "-raised_at", "-pk"),
    "-rule": ("-rule_code", "-raised_at", "-pk"),
}
UNASSIGNED = "none"


def rule_choices() -> list[tuple[str, str]]:
    """Registered rules as (code, title), in run order (register filter, nightly runs page)."""
    return [(rule.code, rule.title) for rule in get_rules()]


def rule_titles() -> dict[str, str]:
    return dict(rule_choices())


def assignable_users(user: User) -> QuerySet:
    """Active CRE, tutor and admin staff accounts that ``user`` may see (assignment choices)."""
    return access.visible(user, User).filter(role__in=ASSIGNABLE_ROLES, is_active=True).order_by("last_name", "first_name", "email")


def cohort_choices(user: User) -> QuerySet:
    return access.visible(user, Cohort).order_by("name")


def alert_list(
    user: User, *, q: str = "", status: str = "", severity: str = "", rule: str = "", cohort: int | None = None,
    assignee: str = "", sort: str = "",
) -> QuerySet:
    """The register: alerts ``user`` may see, filtered; one query for the page (assignee joined)."""
    qs = access.visible(user, Alert).select_related("assignee")
    qs = name_search(qs, q, ("title", "subject_label"))
    if status == "open":
        qs = qs.filter(status__in=OPEN_ALERT_STATUSES)
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if severity in Severity.values:
        qs = qs.filter(severity=severity)
    if rule:
        qs = qs.filter(rule_code=rule)
    if cohort:
        qs = qs.filter(apprentice__cohort_id=cohort)
    if assignee == UNASSIGNED:
        qs = qs.filter(assignee__isnull=True)
    elif assignee.isdigit():
        qs = qs.filter(assignee_id=int(assignee))
    qs = qs.annotate(severity_rank=SEVERITY_RANK)
    return qs.order_by(*ALERT_SORTS.get(sort, ALERT_SORTS["-raised"]))


def default_assignee(user: User, alert: Alert) -> User | None:
    """The person the assign form preselects for ``alert`` (``models.DEFAULT_ASSIGNEE``), if ``user``
    may give it to that person (``assignable_users``)."""
    pk = Alert.objects.filter(pk=alert.pk).annotate(default_assignee_id=DEFAULT_ASSIGNEE).values_list("default_assignee_id", flat=True).first()
    return assignable_users(user).filter(pk=pk).first() if pk else None


def common_default_assignee(user: User, alerts: QuerySet) -> User | None:
    """The person the bulk assign form preselects: the default assignee of every alert of
    ``alerts`` when they share one (else nobody: each alert may go to its own, see the bulk action)."""
    # The first alert's person, then whether any alert has another one or none: two queries that stop
    # at the first row found (issue 18 §2: a DISTINCT over the whole register took 60 ms at 20 000).
    defaults = alerts.order_by().annotate(default_assignee_id=DEFAULT_ASSIGNEE)
    first = defaults.values_list("default_assignee_id", flat=True).first()
    if first is None:
        return None
    if defaults.filter(~Q(default_assignee_id=first) | Q(default_assignee_id__isnull=True)).exists():
        return None
    return assignable_users(user).filter(pk=first).first()


def _inbox_condition(user: User) -> Q:
    """Mine: assigned to me; for tutors and CREs also suggested for me and not yet given to anyone."""
    condition = Q(assignee=user)
    if getattr(user, "role", None) in (Role.TUTOR, Role.CRE):
        condition |= Q(suggested_assignee=user, assignee__isnull=True)
    return condition


def inbox(user: User) -> QuerySet:
    """The open alerts of "Mes alertes", most serious first."""
    return (
        access.visible(user, Alert).filter(_inbox_condition(user), status__in=OPEN_ALERT_STATUSES)
        .select_related("assignee").annotate(severity_rank=SEVERITY_RANK).order_by("-severity_rank", "-raised_at", "-pk")
    )


def inbox_count(user: User) -> int:
    """The navigation badge: one COUNT query."""
    if not access.can_use_back_office(user):
        return 0
    return access.visible(user, Alert).filter(_inbox_condition(user), status__in=OPEN_ALERT_STATUSES).count()


def alert_get(user: User, pk: int) -> Alert:
    qs = Alert.objects.select_related("apprentice", "company", "contract", "assignee", "validated_by", "closed_by", "suggested_assignee")
    return access.get_visible_or_404(user, qs, pk=pk)


# --- readable facts ------------------------------------------------------------------------------

FACT_LABELS: dict[str, Any] = {
    "signals": gettext_lazy("Signaux"),
    "unjustified_in_window": gettext_lazy("Absences non justifiées dans la fenêtre"),
    "cohort": gettext_lazy("Promotion"),
    "employer": gettext_lazy("Employeur"),
    "former_employer": gettext_lazy("Ancien employeur"),
    "end_date": gettext_lazy("Fin du contrat"),
    "days_left": gettext_lazy("Jours restants"),
    "step_days": gettext_lazy("Palier atteint (jours avant l'échéance)"),
    "steps": gettext_lazy("Paliers"),
    "active_contracts": gettext_lazy("Contrats actifs"),
    "threshold": gettext_lazy("Seuil"),
    "companies_with_contracts": gettext_lazy("Entreprises avec des contrats"),
    "excess": gettext_lazy("Dépassement"),
    "apprentices": gettext_lazy("Apprenti·es"),
    "extended": gettext_lazy("Apprenti·es en prolongation"),
    "max_apprentices": gettext_lazy("Maximum d'apprenti·es"),
    "max_extended": gettext_lazy("Maximum en prolongation"),
    "apprentice_ids": gettext_lazy("Apprenti·es concerné·es (n°)"),
    "delays": gettext_lazy("Retards"),
    "opco": gettext_lazy("OPCO"),
    "score": gettext_lazy("Score"),
    "factors": gettext_lazy("Facteurs de risque"),
    "kind": gettext_lazy("Nature"),
    "practical_start": gettext_lazy("Début en entreprise"),
    "free_period_end": gettext_lazy("Fin de la période de 45 jours"),
    "trial_period_end": gettext_lazy("Fin de la période d'essai"),
    "start": gettext_lazy("Début du contrat"),
    "company_days": gettext_lazy("Jours en entreprise"),
    "last_visit": gettext_lazy("Dernière visite"),
    "days_since": gettext_lazy("Jours depuis"),
    "interval_days": gettext_lazy("Intervalle maximal (jours)"),
    "status": gettext_lazy("Statut"),
    "since": gettext_lazy("Depuis le"),
    "days": gettext_lazy("Jours écoulés"),
    "limit_days": gettext_lazy("Délai (jours)"),
    "deadline": gettext_lazy("Échéance"),
    "history": gettext_lazy("Alertes précédentes sur la même situation"),
}
FACT_VALUES = {
    "first_visit": gettext_lazy("première visite"),
    "interval": gettext_lazy("intervalle entre deux visites"),
    "seeking": gettext_lazy("en recherche d'entreprise"),
    "rupturant": gettext_lazy("rupturant·e"),
}
HIDDEN_FACTS = {"stage"}  # internal to the reconciliation
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _readable(value: Any) -> str | list[str]:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, str):
        if ISO_DATE.match(value):
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        return str(FACT_VALUES.get(value, value))
    if isinstance(value, dict):
        if "label" in value:
            return str(value["label"]) + (f" (+{value['weight']})" if "weight" in value else "")
        if "status" in value and "raised_at" in value:  # an entry of facts["history"]
            text = _("n° %(id)s, levée le %(raised)s, %(status)s le %(closed)s") % {
                "id": value.get("id"), "raised": _readable(value.get("raised_at")),
                "status": AlertStatus(value["status"]).label.lower() if value.get("status") in AlertStatus.values else value.get("status"),
                "closed": _readable(value.get("closed_at")),
            }
            return text + (f" : {value['reason']}" if value.get("reason") else "")
        return ", ".join(f"{FACT_LABELS.get(k, k)} : {_readable(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        items = [_readable(item) for item in value]
        if any(isinstance(value_item, dict) for value_item in value):
            return [item if isinstance(item, str) else ", ".join(item) for item in items]
        return ", ".join(item if isinstance(item, str) else ", ".join(item) for item in items) or "—"
    return str(value)


@dataclass(frozen=True)
class FactRow:
    label: str
    value: str | list[str]

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


def readable_facts(facts: Any) -> list[FactRow]:
    """The JSON facts of an alert as French (label, value) rows; lists of signals become bullet lists."""
    if not isinstance(facts, dict):
        return []
    # A stable order whatever the database did with the keys (PostgreSQL's jsonb reorders them):
    # known facts in the order above, then the others alphabetically.
    order = {key: index for index, key in enumerate(FACT_LABELS)}
    keys = sorted((key for key in facts if key not in HIDDEN_FACTS), key=lambda key: (order.get(key, len(order)), key))
    return [FactRow(str(FACT_LABELS.get(key, key)), _readable(facts[key])) for key in keys]


def alert_related(user: User, alert: Alert) -> dict:
    """What the alert page shows besides the alert: history, facts, links the user may follow."""
    return {
        "events": list(access.visible(user, AlertEvent).filter(alert=alert).select_related("author").order_by("created_at", "pk")),
        "facts": sorted((alert.facts or {}).items()) if isinstance(alert.facts, dict) else [],
        "fact_rows": readable_facts(alert.facts),
        "rule_title": rule_titles().get(alert.rule_code, alert.rule_code),
        "can_open_apprentice": bool(alert.apprentice_id) and access.visible(user, Apprentice).filter(pk=alert.apprentice_id).exists(),
        "can_open_company": bool(alert.company_id) and access.visible(user, Company).filter(pk=alert.company_id).exists(),
        "can_open_contract": bool(alert.contract_id) and access.visible(user, Contract).filter(pk=alert.contract_id).exists(),
        "previous_visible": bool(alert.previous_id) and access.visible(user, Alert).filter(pk=alert.previous_id).exists(),
    }


# --- coordinator pages --------------------------------------------------------------------------------

def nightly_run_list(user: User) -> QuerySet:
    return access.visible(user, NightlyRun).order_by("-started_at", "-pk")


def rule_settings_get(user: User) -> RuleSettings:
    """The one settings row (created with its defaults on first access), 404 outside the scope."""
    RuleSettings.load()
    return access.get_visible_or_404(user, RuleSettings, pk=1)


def last_digest(user: User) -> DigestRun | None:
    return access.visible(user, DigestRun).order_by("-window_end", "-pk").first()
