"""Search keys kept on the rows the navigation search box looks for (issue 13 §3).

A search compares folded text (no accents, lower case) and national phone digits; computing them
per row at query time would defeat every index. Each searchable model stores them in columns
refreshed on every write: ``save()`` (services, forms), ``bulk_create`` and ``bulk_update`` (the
demo, the imports) all go through ``refresh_search_keys``.
"""

from django.db import models


class SearchKeysQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.refresh_search_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if set(fields) & set(self.model.SEARCH_SOURCE_FIELDS):
            for obj in objs:
                obj.refresh_search_keys()
            fields += [name for name in self.model.SEARCH_KEY_FIELDS if name not in fields]
        return super().bulk_update(objs, fields, *args, **kwargs)


class SearchKeysMixin:
    """Put before ``models.Model``; the model declares its source fields, key fields and
    ``refresh_search_keys`` (a pure function of the row's own fields)."""

    SEARCH_SOURCE_FIELDS: tuple[str, ...] = ()
    SEARCH_KEY_FIELDS: tuple[str, ...] = ()

    def refresh_search_keys(self) -> None:
        raise NotImplementedError

    def save(self, *args, **kwargs):
        self.refresh_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(self.SEARCH_SOURCE_FIELDS):
            kwargs["update_fields"] = {*update_fields, *self.SEARCH_KEY_FIELDS}
        super().save(*args, **kwargs)
