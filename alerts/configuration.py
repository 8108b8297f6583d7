"""Write of the alert thresholds edited by staff (the lifecycle services live in alerts.services)."""

from django.db import transaction

from alerts.models import RuleSettings
from alternance import access
from alternance.models import User

EDITABLE_FIELDS = tuple(f.name for f in RuleSettings._meta.concrete_fields if f.name not in ("id", "updated_at"))


@transaction.atomic
def rule_settings_update(*, by: User, **values) -> RuleSettings:
    """Save new thresholds of the nightly rules (coordinator and admin staff; the next run reads them).

    ``full_clean()`` applies the model's checks (steps list, critical score ≥ alert score) before saving.
    """
    access.require(access.can_manage_reference_data(by))
    row = RuleSettings.objects.select_for_update().filter(pk=1).first() or RuleSettings(pk=1)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Champs inconnus : {sorted(unknown)}")
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row
