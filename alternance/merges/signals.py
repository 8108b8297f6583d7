"""``record_merged``: sent after two duplicate records were merged (inside the merge's transaction).

Arguments: ``sender`` (the model class), ``kept`` (the record that stays), ``merged`` (a
:class:`~alternance.merges.services.MergedSnapshot` of the deleted record: model label, pk, label
and its field values, personal ones masked), ``actor`` (the user) and ``moved`` (``{kind: count}``).
The change history subscribes to it to show the merge on the kept record's page.
"""

from django.dispatch import Signal

record_merged = Signal()
