"""Django's PostgreSQL backend, with its queries prepared on the server (issue 18 §2).

A page of the product runs a handful of queries whose joins and access scopes take PostgreSQL
longer to plan than to run: at 20 000 learners, the apprentice's home spent 6,5 ms in the database
for 9 queries, most of it parsing and planning the same SQL text on every request. psycopg prepares
a statement once it has run ``prepare_threshold`` times on a connection, and the connection lives
``DATABASE_CONN_MAX_AGE`` seconds: from then on PostgreSQL reuses its parse (and, when it judges
it no worse, its plan). That needs the parameters sent apart from the SQL (``server_side_binding``),
which caps a statement at 65 535 parameters: Django 5.2 does not know it (fixed in Django 6.1,
ticket #36822), so ``bulk_create``, ``bulk_update`` and deletions of many rows are cut into batches
that stay under it here.

``settings.base`` picks this backend for a PostgreSQL ``DATABASE_URL``; ``DATABASE_PREPARE_THRESHOLD=off``
goes back to Django's default (parameters merged on the client, nothing prepared), e.g. behind a
PgBouncer in transaction mode older than 1.21.
"""

from django.db.backends.postgresql import base, operations

# The extended query protocol numbers parameters on 16 bits.
MAX_SERVER_SIDE_PARAMETERS = 2**16 - 1


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        if not self.connection.features.uses_server_side_binding:
            return super().bulk_batch_size(fields, objs)
        # As Django 6.1 does with ``max_query_params``, with a margin: a ``bulk_update`` sends two
        # parameters per field of a row (``CASE WHEN pk = %s THEN %s``) and Django passes the
        # primary key twice plus the fields, so halving covers every caller (an insert sends one per
        # field, a deletion one per row).
        return max(MAX_SERVER_SIDE_PARAMETERS // (2 * max(len(fields), 1)), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
