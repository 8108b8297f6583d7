"""History of changes (issue 13 §4): who changed which record, when, which fields from what to what.

Built on django-auditlog (one ``LogEntry`` per change, with the actor and the field-level diff):

- ``registry``: which models are logged and how (masked personal fields, excluded bookkeeping
  fields, what counts as an archiving) — the one place to extend;
- ``services``: the writes that bypass model signals (compare-and-set ``update()``, ``bulk_*``)
  log explicitly through ``record_update`` / ``record_bulk``; ``record_merge`` for the merge of
  duplicates; ``system_actor`` names what ran without a person (nightly run, import, demo);
- ``selectors``: ``history_for(user, obj)`` renders the entries in French for a record's page
  (``templates/includes/history.html``), ``history_page`` for the full, paginated history.
"""
