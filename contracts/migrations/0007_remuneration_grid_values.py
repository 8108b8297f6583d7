"""Load the remuneration rates in force since 1 January 2019 (domain.md §2.1, §6)."""

from django.db import migrations

from contracts.reference_data import REMUNERATION_GRIDS, load_remuneration_grids


def load(apps, schema_editor):
    load_remuneration_grids(apps.get_model("contracts", "RemunerationGrid"))


def unload(apps, schema_editor):
    apps.get_model("contracts", "RemunerationGrid").objects.filter(valid_from__in=[g["valid_from"] for g in REMUNERATION_GRIDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_remuneration_grid")]
    operations = [migrations.RunPython(load, unload)]
