"""The history of a record, as its page shows it (issue 13 §4).

``history_for(user, obj)`` returns the latest entries (most recent first) rendered in French —
who (name and role, or the system label), when (Paris time), what (création, modification,
archivage, fusion, suppression) and, per field, « libellé : ancienne valeur → nouvelle valeur »
with choice labels, related rows by their name, Oui/Non, localised dates and numbers — or
``None`` when the user may not see histories. The number of queries does not depend on the
number of entries: one for the entries (with their authors), one per kind of related row named
in them.
"""

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance import access
from alternance.history.registry import ARCHIVE_MARKERS, STR_SELECT_RELATED, SYSTEM_LABELS, model_options

DEFAULT_LIMIT = 10
PAGE_SIZE = 50

ACTION_LABELS = {
    "create": gettext_lazy("Création"),
    "update": gettext_lazy("Modification"),
    "archive": gettext_lazy("Archivage"),
    "restore": gettext_lazy("Restauration"),
    "merge": gettext_lazy("Fusion"),
    "delete": gettext_lazy("Suppression"),
}

# The pages of the full history: URL keyword → model label (``history:page``).
HISTORY_KINDS = {
    "apprenti": "alternance.apprentice",
    "candidat": "alternance.candidate",
    "entreprise": "companies.company",
    "contrat": "contracts.contract",
    "alerte": "alerts.alert",
    "compte": "alternance.user",
    "formation": "alternance.programme",
    "promotion": "alternance.cohort",
    "site": "alternance.site",
    "seance": "alternance.trainingsession",
}
KIND_OF_MODEL = {label: kind for kind, label in HISTORY_KINDS.items()}
# The record's own page, for the way back from its full history.
RECORD_PAGES = {
    "alternance.apprentice": "apprentice_detail",
    "alternance.candidate": "candidate_detail",
    "companies.company": "companies:company_detail",
    "contracts.contract": "contracts:contract_detail",
    "alerts.alert": "alerts:alert_detail",
    "alternance.user": "staff:staff_detail",
    "alternance.programme": "catalogue:programme_detail",
    "alternance.site": "catalogue:site_detail",
    "alternance.cohort": "catalogue:cohort_detail",
    "alternance.trainingsession": "signin:session",
}


def record_url(obj: models.Model) -> str:
    name = RECORD_PAGES.get(obj._meta.label_lower)
    return reverse(name, kwargs={"pk": obj.pk}) if name else ""


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    masked: bool = False


@dataclass
class HistoryEntry:
    at: datetime
    action: str
    action_label: str
    author: str
    author_role: str
    is_system: bool
    subject: str = ""
    fields: list[FieldChange] = field(default_factory=list)
    note: str = ""


@dataclass
class History:
    entries: list[HistoryEntry]
    has_more: bool
    full_url: str


# --- which entries ---------------------------------------------------------------------------------

def _entries_of(obj: models.Model, related: QuerySet | None = None) -> QuerySet:
    """The entries about ``obj`` (and, on a company page, about the rows of ``related``)."""
    condition = Q(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
    if related is not None:
        condition |= Q(content_type=ContentType.objects.get_for_model(related.model), object_id__in=related.values("pk"))
    return (
        LogEntry.objects.filter(condition).exclude(action=LogEntry.Action.ACCESS)
        .select_related("actor", "content_type").order_by("-timestamp", "-pk")
    )


def related_for(obj: models.Model) -> QuerySet | None:
    """What else a record's page shows the history of: a company, its contacts; a programme, its
    competence blocks."""
    from alternance.models import CompetenceBlock, Programme
    from companies.models import Company, CompanyContact

    if isinstance(obj, Company):
        return CompanyContact.objects.filter(company=obj)
    if isinstance(obj, Programme):
        return CompetenceBlock.objects.filter(programme=obj)
    return None


def full_history_url(obj: models.Model) -> str:
    kind = KIND_OF_MODEL.get(obj._meta.label_lower)
    return reverse("history:page", kwargs={"kind": kind, "pk": obj.pk}) if kind else ""


def history_for(user, obj: models.Model, *, limit: int = DEFAULT_LIMIT) -> History | None:
    """The latest ``limit`` entries of ``obj``'s history, or ``None`` for who may not see it."""
    if not access.can_view_history(user, obj):
        return None
    rows = list(_entries_of(obj, related_for(obj))[: limit + 1])
    return History(entries=render_entries(obj, rows[:limit]), has_more=len(rows) > limit, full_url=full_history_url(obj))


def history_page(user, obj: models.Model, *, page_number) -> tuple[Page, list[HistoryEntry]]:
    """One page of the full history (``PAGE_SIZE`` entries, most recent first). The caller checks
    ``access.can_view_history``."""
    page = Paginator(_entries_of(obj, related_for(obj)), PAGE_SIZE).get_page(page_number)
    return page, render_entries(obj, list(page.object_list))


# --- rendering -------------------------------------------------------------------------------------

def _model_field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _related_names(entries: list[LogEntry]) -> dict[tuple[type, str], str]:
    """Every related row named in the entries, by (model, key): one query per related model."""
    wanted: dict[type, set] = {}
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items() if isinstance(entry.changes, dict) else ():
            model_field = _model_field(model, name)
            if model_field is None or not model_field.is_relation or not model_field.concrete:
                continue
            for value in values:
                if value not in (None, ""):
                    wanted.setdefault(model_field.related_model, set()).add(str(value))
    names = {}
    for related_model, keys in wanted.items():
        queryset = related_model._base_manager.all()
        joins = STR_SELECT_RELATED.get(related_model._meta.label_lower)
        if joins:
            queryset = queryset.select_related(*joins)
        for row in queryset.filter(pk__in=list(keys)):
            names[(related_model, str(row.pk))] = str(row)
    return names


def _empty() -> str:
    return _("(vide)")


def _format(model_field, value, names: dict) -> str:
    """One stored value in French."""
    if value is None or value == "":
        return _empty()
    if model_field is None:
        return str(value)
    if model_field.is_relation:
        return names.get((model_field.related_model, str(value))) or _("n° %(pk)s (supprimé·e)") % {"pk": value}
    if isinstance(model_field, models.BooleanField):
        truthy = value if isinstance(value, bool) else str(value).lower() in ("true", "1")
        return _("Oui") if truthy else _("Non")
    if model_field.choices:
        labels = {str(key): label for key, label in model_field.flatchoices}
        return str(labels.get(str(value), value))
    if isinstance(model_field, models.DateTimeField):
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        try:
            return formats.date_format(date.fromisoformat(str(value)[:10]), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if isinstance(model_field, (models.DecimalField, models.FloatField)):
        try:
            return formats.number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
        except InvalidOperation:
            return str(value)
    if isinstance(model_field, models.IntegerField):
        try:
            return formats.number_format(int(value), use_l10n=True, force_grouping=True)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(model_field, models.JSONField):
        return _("modifié")
    if isinstance(model_field, models.FileField):
        return os.path.basename(str(value))
    return Truncator(str(value)).chars(160)


def _action(entry: LogEntry, label: str) -> str:
    if entry.action == LogEntry.Action.CREATE:
        return "create"
    if entry.action == LogEntry.Action.DELETE:
        return "delete"
    kind = (entry.additional_data or {}).get("kind")
    if kind in ACTION_LABELS:
        return kind
    marker = ARCHIVE_MARKERS.get(label)
    if marker and isinstance(entry.changes, dict) and marker[0] in entry.changes:
        old, new = entry.changes[marker[0]]
        return marker[1](old, new) or "update"
    return "update"


def _note(entry: LogEntry) -> str:
    data = entry.additional_data or {}
    parts = []
    if data.get("kind") == "merge":
        if "merged" in data:
            parts.append(_("Doublon « %(name)s » fusionné dans cette fiche.") % {"name": data["merged"].get("repr", "")})
        if "into" in data:
            parts.append(_("Fiche fusionnée dans « %(name)s ».") % {"name": data["into"].get("repr", "")})
        moved = data.get("moved") or {}
        if moved:
            parts.append(_("Rattachés à la fiche conservée : %(list)s.") % {
                "list": ", ".join(f"{label} : {formats.number_format(count)}" for label, count in moved.items())
            })
    if data.get("kind") == "import":
        parts.append(_("Par import de fichier."))
    if data.get("note"):
        parts.append(str(data["note"]))
    return " ".join(parts)


def render_entries(obj: models.Model, entries: list[LogEntry]) -> list[HistoryEntry]:
    names = _related_names(entries)
    own_type = ContentType.objects.get_for_model(type(obj))
    rendered = []
    for entry in entries:
        model = entry.content_type.model_class()
        label = model._meta.label_lower if model else ""
        options = model_options(model) if model and _is_registered(model) else {"mask_fields": []}
        action = _action(entry, label)
        fields = []
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name, values in changes.items():
            model_field = _model_field(model, name)
            title = capfirst(str(model_field.verbose_name)) if model_field is not None else name
            old, new = (list(values) + [None, None])[:2] if isinstance(values, (list, tuple)) else (None, values)
            if name in options["mask_fields"]:
                masked = _("renseigné (valeur non conservée)") if action == "create" else _("modifié (valeur non conservée)")
                fields.append(FieldChange(title, "", masked, masked=True))
                continue
            if action == "create" and new in (None, "", False) and old in (None, "", False):
                continue  # a creation lists what was filled in, not every empty field
            fields.append(FieldChange(title, "" if action == "create" else _format(model_field, old, names),
                                      _format(model_field, new, names)))
        data = entry.additional_data or {}
        if entry.actor is not None:
            author, role, system = str(entry.actor), entry.actor.get_role_display(), False
        elif data.get("system"):
            author, role, system = str(SYSTEM_LABELS.get(data["system"], SYSTEM_LABELS["system"])), "", True
        else:
            author, role, system = (entry.actor_email or _("Compte supprimé")), "", False
        subject = ""
        if entry.content_type_id != own_type.pk:
            subject = f"{capfirst(str(model._meta.verbose_name)) if model else ''} : {entry.object_repr}"
        rendered.append(HistoryEntry(
            at=entry.timestamp, action=action, action_label=str(ACTION_LABELS[action]), author=author, author_role=role,
            is_system=system, subject=subject, fields=fields, note=_note(entry),
        ))
    return rendered


def _is_registered(model) -> bool:
    from alternance.history.registry import is_registered

    return is_registered(model)
