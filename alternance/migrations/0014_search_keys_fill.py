"""Fill the search keys of existing apprentices and candidates; trigram indexes on PostgreSQL (issue 13 §3)."""

from django.db import migrations

from alternance.search.pg import create_trigram_indexes, drop_trigram_indexes
from alternance.validators import normalize_phone, search_key

TRIGRAM_INDEXES = {
    "apprentice_search_trgm": "alternance_apprentice",
    "candidate_search_trgm": "alternance_candidate",
}


def fill(apps, schema_editor):
    Apprentice = apps.get_model("alternance", "Apprentice")
    Candidate = apps.get_model("alternance", "Candidate")
    rows = []
    for row in Apprentice.objects.only("last_name", "usage_name", "first_name", "email", "phone").iterator(chunk_size=2000):
        row.search_text = search_key((row.last_name, row.usage_name, row.first_name), (row.email,))
        row.phone_key = normalize_phone(row.phone)[:20]
        rows.append(row)
    Apprentice.objects.bulk_update(rows, ["search_text", "phone_key"], batch_size=500)
    rows = []
    for row in Candidate.objects.only("last_name", "first_name", "email", "phone").iterator(chunk_size=2000):
        row.search_text = search_key((row.last_name, row.first_name), (row.email,))
        row.phone_key = normalize_phone(row.phone)[:20]
        rows.append(row)
    Candidate.objects.bulk_update(rows, ["search_text", "phone_key"], batch_size=500)
    create_trigram_indexes(schema_editor, TRIGRAM_INDEXES)


def unfill(apps, schema_editor):
    drop_trigram_indexes(schema_editor, TRIGRAM_INDEXES)


class Migration(migrations.Migration):
    dependencies = [("alternance", "0013_search_keys")]
    operations = [migrations.RunPython(fill, unfill)]
