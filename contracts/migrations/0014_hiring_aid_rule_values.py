"""Load the hiring aid rules (issue 15 §10), each tagged « [à vérifier] »."""

from django.db import migrations

from contracts.reference_data import load_hiring_aid_rules


def load(apps, schema_editor):
    load_hiring_aid_rules(apps.get_model("contracts", "HiringAidRule"))


def unload(apps, schema_editor):
    apps.get_model("contracts", "HiringAidRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0013_hiring_aid_rule")]
    operations = [migrations.RunPython(load, unload)]
