"""OPCO funding rules as data (domain.md §4): the July 2025 reform and the schedule before it."""

from django.db import migrations

from contracts.reference_data import FUNDING_RULES, load_funding_rules


def load(apps, schema_editor):
    load_funding_rules(apps.get_model("contracts", "FundingRule"))


def unload(apps, schema_editor):
    apps.get_model("contracts", "FundingRule").objects.filter(valid_from__in=[r["valid_from"] for r in FUNDING_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_documents_signatures_funding")]
    operations = [migrations.RunPython(load, unload)]
