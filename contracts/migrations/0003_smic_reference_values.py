"""Load the SMIC values of domain.md §2.1 (staff add later ones in the app) and the settings row."""

from decimal import Decimal

from django.db import migrations

SMIC_VALUES = [
    # valid_from, hourly, monthly (35 h), Mayotte monthly, source
    ("2023-01-01", "11.27", "1709.28", "1290.68", "Revalorisation du 1er janvier 2023"),
    ("2023-05-01", "11.52", "1747.20", "1319.50", "Revalorisation anticipée du 1er mai 2023"),
    ("2024-01-01", "11.65", "1766.92", "1334.67", "Revalorisation du 1er janvier 2024"),
    ("2024-11-01", "11.88", "1801.80", "1361.97", "Revalorisation anticipée du 1er novembre 2024"),
    ("2026-01-01", "12.02", "1823.03", "1415.05", "Revalorisation au 1er janvier 2026 [à vérifier]"),
]


def load(apps, schema_editor):
    SmicRate = apps.get_model("contracts", "SmicRate")
    for valid_from, hourly, monthly, mayotte, source in SMIC_VALUES:
        SmicRate.objects.update_or_create(
            valid_from=valid_from,
            defaults={"hourly": Decimal(hourly), "monthly": Decimal(monthly), "mayotte_monthly": Decimal(mayotte), "source": source},
        )
    apps.get_model("contracts", "ContractSettings").objects.get_or_create(pk=1)


def unload(apps, schema_editor):
    apps.get_model("contracts", "SmicRate").objects.filter(valid_from__in=[row[0] for row in SMIC_VALUES]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_smic_settings_rupture_ground")]
    operations = [migrations.RunPython(load, unload)]
