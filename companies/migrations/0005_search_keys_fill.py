"""Fill the search keys of existing companies and contacts; trigram indexes on PostgreSQL (issue 13 §3)."""

from django.db import migrations

from alternance.search.pg import create_trigram_indexes, drop_trigram_indexes
from alternance.validators import normalize_phone, search_key

TRIGRAM_INDEXES = {
    "company_search_trgm": "companies_company",
    "contact_search_trgm": "companies_companycontact",
}


def fill(apps, schema_editor):
    Company = apps.get_model("companies", "Company")
    CompanyContact = apps.get_model("companies", "CompanyContact")
    rows = []
    for row in Company.objects.only("name").iterator(chunk_size=2000):
        row.search_text = search_key((row.name,))
        rows.append(row)
    Company.objects.bulk_update(rows, ["search_text"], batch_size=500)
    rows = []
    for row in CompanyContact.objects.only("last_name", "first_name", "email", "phone").iterator(chunk_size=2000):
        row.search_text = search_key((row.last_name, row.first_name), (row.email,))
        row.phone_key = normalize_phone(row.phone)[:20]
        rows.append(row)
    CompanyContact.objects.bulk_update(rows, ["search_text", "phone_key"], batch_size=500)
    create_trigram_indexes(schema_editor, TRIGRAM_INDEXES)


def unfill(apps, schema_editor):
    drop_trigram_indexes(schema_editor, TRIGRAM_INDEXES)


class Migration(migrations.Migration):
    dependencies = [("companies", "0004_search_keys")]
    operations = [migrations.RunPython(fill, unfill)]
