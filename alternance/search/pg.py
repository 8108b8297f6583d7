"""PostgreSQL-only trigram indexes on the search keys (issue 13 §3), for the data migrations.

« Contains this word » (``LIKE '% dup%'``) can use a pg_trgm GIN index on PostgreSQL; SQLite (the
zero-setup default) has no such index and scans, which stays fast at a CFA's size. The indexes are
created only on PostgreSQL, and only if the pg_trgm extension can be enabled (it is a "trusted"
extension since PostgreSQL 13: the database owner may create it); without it the search still
works, with the btree indexes on the identifiers.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def create_trigram_indexes(schema_editor, tables: dict[str, str]) -> None:
    """``tables``: index name → table name; each index is on the table's ``search_text`` column."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 — no privilege: keep the search without trigram indexes
        logger.warning("Extension pg_trgm indisponible : la recherche par nom se fera sans index trigramme.")
        return
    for index, table in tables.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ("search_text" gin_trgm_ops)'
        )


def drop_trigram_indexes(schema_editor, tables: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in tables:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
