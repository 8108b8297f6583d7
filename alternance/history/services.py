"""Writes of the history of changes that model signals do not cover.

Saves of a registered model are logged by django-auditlog's signals. State machines move rows
with a compare-and-set ``QuerySet.update()`` and batch writers use ``bulk_create`` /
``bulk_update``: neither sends a signal, so their services call ``record_update`` (one row) or
``record_bulk`` (many rows, one INSERT per thousand entries) here.

Who acted: the logged-in user (``HistoryMiddleware``, or ``actor=`` passed explicitly); when no
person acted, a system label (``system_actor("nightly")`` around the nightly run, ``"import"``
around an import, ``"task"`` around every Celery task, ``"public"`` for the public application
page, ``"system"`` otherwise).
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

from alternance.history.registry import SYSTEM_LABELS, is_registered, model_options

_system_label: ContextVar[str | None] = ContextVar("history_system_label", default=None)

BATCH_SIZE = 1000


@contextlib.contextmanager
def system_actor(label: str) -> Iterator[None]:
    """Name what runs without a person (a key of ``SYSTEM_LABELS``) for the entries written inside."""
    if label not in SYSTEM_LABELS:
        raise ValueError(f"Unknown system label: {label}")
    token = _system_label.set(label)
    try:
        yield
    finally:
        _system_label.reset(token)


def _live_context() -> dict | None:
    """auditlog's context of the current request (or ``set_actor`` block) — only while it lasts:
    auditlog leaves the value behind when the block ends and only disconnects its receiver."""
    context = auditlog_value.get(None)
    if not context:
        return None
    uid = context.get("signal_duid")
    return context if any(key[0] == uid for key, *_rest in pre_save.receivers) else None


def request_actor():
    """The user logged in for the current request, if any (set by ``HistoryMiddleware``)."""
    context = _live_context()
    return context.get("actor") if context else None


def _system_label_now() -> str:
    label = _system_label.get()
    if label:
        return label
    # Inside a request without a logged-in user: the public pages (the application form).
    return "public" if _live_context() is not None else "system"


def prepare_entry(sender, instance: LogEntry, **kwargs) -> None:
    """pre_save of every LogEntry (auditlog's and ours).

    - an entry without a person gets its system label;
    - the changes keep the model's own fields only: auditlog's diff of a creation also lists the
      reverse relations (« contracts: alternance.Contract.None ») and the primary key;
    - a creation does not list masked fields: auditlog compares them with nothing and would mark
      them « changed » on every record, and marking them only when set would tell their value
      (an RQTH box is either ticked or not). It does not list fields left empty either.
    """
    if instance._state.adding and isinstance(instance.changes, dict) and instance.content_type_id:
        model = instance.content_type.model_class()
        if model is not None:
            concrete = {f.name for f in model._meta.concrete_fields if not f.primary_key}
            masked = set(model_options(model)["mask_fields"]) if is_registered(model) else set()
            creation = instance.action == LogEntry.Action.CREATE
            instance.changes = {
                name: values for name, values in instance.changes.items()
                if name in concrete and not (creation and (name in masked or values[1] in (None, "")))
            } or None
    if instance.actor_id or request_actor() is not None:
        return  # a person: auditlog's middleware receiver fills ``actor`` right after this one
    data = dict(instance.additional_data or {})
    data.setdefault("system", _system_label_now())
    instance.additional_data = data


class HistoryMiddleware(AuditlogMiddleware):
    """auditlog's middleware, that also forgets the request's user once the response is made (a
    worker thread serving the next request, or a test calling a service after a request, must not
    inherit it)."""

    def __call__(self, request):
        previous = auditlog_value.get(None)
        try:
            return super().__call__(request)
        finally:
            auditlog_value.set(previous)


# Every Celery task runs as "Tâche automatique" unless it names itself more precisely.
_task_tokens: dict[str, object] = {}


def task_started(task_id=None, **kwargs) -> None:
    if _system_label.get() is None and task_id:
        _task_tokens[task_id] = _system_label.set("task")


def task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        with contextlib.suppress(ValueError):
            _system_label.reset(token)


# --- values as auditlog stores them (AUDITLOG_STORE_JSON_CHANGES) ------------------------------------

def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = next((f for f in model._meta.concrete_fields if f.attname == name), None)
    return field if getattr(field, "concrete", False) else None


def json_value(field: models.Field, value):
    """The value as auditlog's diff stores it: primitives as they are, a related row by its key,
    a date-time as naive UTC, anything else as its string."""
    if value is None:
        return None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(field, models.DateTimeField) and isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, timezone=UTC)
        return smart_str(value)
    if isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return smart_str(value)


def _clean_changes(model: type[models.Model], changes: dict, *, creation: bool = False) -> dict:
    """Field names normalised (``owner_cre_id`` → ``owner_cre``), excluded fields dropped, masked
    fields emptied, values made JSON; fields whose value did not change are dropped."""
    options = model_options(model)
    cleaned = {}
    for name, (old, new) in changes.items():
        field = _field(model, name)
        if field is None:
            continue
        if field.name in options["exclude_fields"] or (options["include_fields"] and field.name not in options["include_fields"]):
            continue
        old, new = json_value(field, old), json_value(field, new)
        if old == new or (creation and (new in (None, "") or field.name in options["mask_fields"])):
            continue  # a creation lists what was filled in, never a masked field (see ``prepare_entry``)
        cleaned[field.name] = ["", ""] if field.name in options["mask_fields"] else [old, new]
    return cleaned


def changes_between(obj: models.Model, values: dict) -> dict:
    """``{field: (current value on obj, new value)}`` for the values an ``update()`` is about to write."""
    changes = {}
    for name, new in values.items():
        field = _field(type(obj), name)
        if field is None:
            continue
        changes[field.name] = (getattr(obj, field.attname), new)
    return changes


def _entry(obj: models.Model, *, action: int, changes: dict | None, actor, system: str | None, data: dict) -> LogEntry:
    model = type(obj)
    additional = dict(data)
    actor = actor or request_actor()
    if actor is None:
        additional["system"] = system or _system_label_now()
    try:
        representation = smart_str(obj)
    except Exception:  # noqa: BLE001 — a representation that needs a missing row must not stop a write
        representation = f"{model._meta.verbose_name} n° {obj.pk}"
    return LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(obj.pk), object_id=obj.pk if isinstance(obj.pk, int) else None, object_repr=representation,
        action=action, changes=changes, actor=actor, actor_email=getattr(actor, "email", None),
        additional_data=additional or None, timestamp=timezone.now(),
    )


def record_change(
    obj: models.Model, *, changes: dict, actor=None, kind: str | None = None, note: str = "", system: str | None = None,
    action: int = LogEntry.Action.UPDATE,
) -> LogEntry | None:
    """Log one change of ``obj`` written without a model signal. ``changes`` maps field names to
    ``(old, new)``; nothing is logged when no value changed (unless ``kind`` or ``note`` say what
    happened: a merge, a comment)."""
    cleaned = _clean_changes(type(obj), changes)
    if not cleaned and not kind and not note:
        return None
    data = {key: value for key, value in (("kind", kind), ("note", note)) if value}
    entry = _entry(obj, action=action, changes=cleaned or None, actor=actor, system=system, data=data)
    entry.save()
    return entry


def record_update(obj: models.Model, values: dict, *, actor=None, kind: str | None = None, note: str = "",
                  system: str | None = None) -> LogEntry | None:
    """Log the ``values`` a compare-and-set ``update()`` wrote on ``obj`` (call it with ``obj``
    still holding the old values)."""
    return record_change(obj, changes=changes_between(obj, values), actor=actor, kind=kind, note=note, system=system)


def record_bulk(rows: Iterable[tuple[models.Model, dict | None]], *, action: int = LogEntry.Action.UPDATE, actor=None,
                system: str | None = None, kind: str | None = None,
                action_of: Callable[[models.Model], int] | None = None,
                when_of: Callable[[models.Model], datetime] | None = None) -> int:
    """Log many changes at once (bulk writes): ``rows`` of ``(obj, {field: (old, new)})``; for a
    creation, ``changes`` may be ``None`` to take every field's value from ``obj``. ``action_of``
    tells each row's action when they mix creations and updates, ``when_of`` its date (the demo's
    past edits; now otherwise). One INSERT per thousand entries
    (``obj``'s string must not need a query: load what it shows beforehand). Returns how many
    entries were written."""
    entries = []
    data = {"kind": kind} if kind else {}
    for obj, changes in rows:
        action = action_of(obj) if action_of else action
        if changes is None:
            changes = {f.name: (None, getattr(obj, f.attname)) for f in type(obj)._meta.concrete_fields if not f.primary_key}
        cleaned = _clean_changes(type(obj), changes, creation=action == LogEntry.Action.CREATE)
        if not cleaned and action == LogEntry.Action.UPDATE:
            continue
        entry = _entry(obj, action=action, changes=cleaned or None, actor=actor, system=system, data=data)
        if when_of is not None:
            entry.timestamp = when_of(obj)
        entries.append(entry)
    LogEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    return len(entries)


def record_merge(kept: models.Model, merged: models.Model, actor, moved_counts: dict[str, int]) -> LogEntry:
    """Log the merge of the duplicate ``merged`` into ``kept`` (issue 13 §3), on both records:
    ``moved_counts`` maps what moved (« contrats », « échanges »…, already in French) to how many.
    Call it before ``merged`` is deleted (its own deletion is then logged by auditlog)."""
    moved = {label: count for label, count in moved_counts.items() if count}
    data = {"kind": "merge", "merged": {"pk": merged.pk, "repr": smart_str(merged)}, "moved": moved}
    entry = _entry(kept, action=LogEntry.Action.UPDATE, changes=None, actor=actor, system=None, data=data)
    entry.save()
    into = {"kind": "merge", "into": {"pk": kept.pk, "repr": smart_str(kept)}, "moved": moved}
    _entry(merged, action=LogEntry.Action.UPDATE, changes=None, actor=actor, system=None, data=into).save()
    return entry


def merge_received(sender, *, kept: models.Model, merged, actor, moved: dict[str, int], **kwargs) -> None:
    """Receiver of ``alternance.merges.signals.record_merged`` (connected in ``AlternanceConfig.ready``):
    the merge shows in the kept record's history, and the deleted duplicate's own history (still
    reachable from the full history page) says where it went. ``merged`` is the merge's snapshot of
    the deleted row (model label, pk, label)."""
    from django.apps import apps as django_apps

    moved = {label: count for label, count in moved.items() if count}
    _entry(kept, action=LogEntry.Action.UPDATE, changes=None, actor=actor, system=None,
           data={"kind": "merge", "merged": {"pk": merged.pk, "repr": merged.label}, "moved": moved}).save()
    model = django_apps.get_model(merged.model)
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(merged.pk), object_id=merged.pk,
        object_repr=merged.label, action=LogEntry.Action.UPDATE, changes=None, actor=actor,
        actor_email=getattr(actor, "email", None), timestamp=timezone.now(),
        additional_data={"kind": "merge", "into": {"pk": kept.pk, "repr": smart_str(kept)}, "moved": moved},
    )
