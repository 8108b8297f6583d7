"""Reads of the alerts register, scoped by the access policy."""

from django.db.models import QuerySet

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, Severity
from alerts.models import Alert, AlertEvent
from alternance import access
from alternance.models import User
from alternance.selectors import name_search

ALERT_SORTS = {
    "raised": ("raised_at", "pk"),
    "-raised": ("-raised_at", "-pk"),
}


def alert_list(user: User, *, q: str = "", status: str = "", severity: str = "", sort: str = "") -> QuerySet:
    qs = access.visible(user, Alert).select_related("assignee")
    qs = name_search(qs, q, ("title", "subject_label"))
    if status == "open":
        qs = qs.filter(status__in=OPEN_ALERT_STATUSES)
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if severity in Severity.values:
        qs = qs.filter(severity=severity)
    return qs.order_by(*ALERT_SORTS.get(sort, ALERT_SORTS["-raised"]))


def alert_get(user: User, pk: int) -> Alert:
    qs = Alert.objects.select_related("apprentice", "company", "contract", "assignee", "validated_by")
    return access.get_visible_or_404(user, qs, pk=pk)


def alert_related(user: User, alert: Alert) -> dict:
    return {
        "events": list(access.visible(user, AlertEvent).filter(alert=alert).select_related("author").order_by("created_at", "pk")),
        "facts": sorted((alert.facts or {}).items()) if isinstance(alert.facts, dict) else [],
    }
