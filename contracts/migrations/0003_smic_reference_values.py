"""Load the SMIC values of domain.md §2.1 (staff add later ones in the app) and the settings row."""

from django.db import migrations

from contracts.reference_data import SMIC_VALUES, load_smic_values


def load(apps, schema_editor):
    load_smic_values(apps.get_model("contracts", "SmicRate"))
    apps.get_model("contracts", "ContractSettings").objects.get_or_create(pk=1)


def unload(apps, schema_editor):
    apps.get_model("contracts", "SmicRate").objects.filter(valid_from__in=[row[0] for row in SMIC_VALUES]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_smic_settings_rupture_ground")]
    operations = [migrations.RunPython(load, unload)]
