"""Existing phone numbers of companies and their contacts in the stored form « 04 78 00 00 00 »
(issue 15 §12); a number the numbering plans refuse is kept exactly as typed."""

from django.db import migrations

from alternance.phones import check_phone, display_form
from alternance.validators import normalize_phone


def normalise(apps, schema_editor):
    for model_name, keyed in (("Company", False), ("CompanyContact", True)):
        model = apps.get_model("companies", model_name)
        changed = []
        for row in model.objects.only("pk", "phone").exclude(phone="").iterator(chunk_size=2000):
            checked = check_phone(row.phone)
            if checked.ok and display_form(checked.number) != row.phone:
                row.phone = display_form(checked.number)
                if keyed:
                    row.phone_key = normalize_phone(row.phone)[:20]
                changed.append(row)
        model.objects.bulk_update(changed, ["phone", "phone_key"] if keyed else ["phone"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("companies", "0007_interaction_answers_follow_up")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
