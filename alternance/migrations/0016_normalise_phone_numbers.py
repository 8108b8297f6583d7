"""Existing phone numbers in the stored form « 06 12 34 56 78 » (issue 15 §12).

A number the numbering plans refuse (unallocated range, wrong length) is kept exactly as typed:
the Tableau de bord pre-check flags it and names the record to fix; nothing is lost.
"""

from django.db import migrations

from alternance.phones import check_phone, display_form
from alternance.validators import normalize_phone


def _normalised(value: str) -> str | None:
    if not (value or "").strip():
        return None
    checked = check_phone(value)
    if not checked.ok:
        return None
    stored = display_form(checked.number)
    return stored if stored != value else None


def normalise(apps, schema_editor):
    for model_name, fields, keyed in (
        ("Apprentice", ("phone", "legal_representative_phone"), True),
        ("Candidate", ("phone",), True),
        ("User", ("phone",), False),
    ):
        model = apps.get_model("alternance", model_name)
        changed = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=2000):
            dirty = False
            for field in fields:
                stored = _normalised(getattr(row, field))
                if stored is not None:
                    setattr(row, field, stored)
                    dirty = True
            if dirty:
                if keyed:
                    row.phone_key = normalize_phone(row.phone)[:20]
                changed.append(row)
        update = list(fields) + (["phone_key"] if keyed else [])
        model.objects.bulk_update(changed, update, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("alternance", "0015_apprentice_last_diploma_title")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
