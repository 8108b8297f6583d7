"""Which records keep a history of changes, and how (issue 13 §4). The one place to extend.

To log a new model: add one ``_register(...)`` line in ``register_models`` (and, if its services
write with ``QuerySet.update()`` or ``bulk_*``, call ``alternance.history.services.record_update``
or ``record_bulk`` there: those writes send no signal). Its page then shows
``history_for(request.user, obj)`` with ``{% include "includes/history.html" %}``.

Personal data: the NIR is recorded as changed without any value, old or new (neither the cipher
nor the clear number reaches the log), and so is the RQTH (health data, RGPD art. 9) and its
date. The IP address a candidate applied from is masked too. Passwords and login times of
accounts are not logged at all.
"""

from collections.abc import Callable

from auditlog.registry import auditlog
from django.db import models
from django.utils.translation import gettext_lazy as _

MASK_CALLABLE = "alternance.history.registry.hide_value"

# Who acted when no person did: the label stored in the entry's ``additional_data["system"]``.
SYSTEM_LABELS = {
    "nightly": _("Tâche de nuit"),
    "import": _("Import"),
    "demo": _("Données de démonstration"),
    "task": _("Tâche automatique"),
    "public": _("Formulaire public (sans connexion)"),
    "system": _("Système"),
}


def hide_value(value: str) -> str:
    """auditlog's mask: nothing of the value is kept (its default keeps half of it)."""
    return ""


# Related rows whose ``__str__`` reads another row: loaded with it when a history shows them.
STR_SELECT_RELATED: dict[str, tuple[str, ...]] = {
    "contracts.contract": ("apprentice", "company"),
    "companies.companycontact": ("company",),
    "companies.placement": ("apprentice", "company"),
    "alternance.attendancerecord": ("apprentice",),
}


def _set(field: str) -> Callable[[object, object], str | None]:
    """An archiving is the field going from empty to set; a restoration, back to empty."""
    def kind(old, new) -> str | None:
        if old in (None, "") and new not in (None, ""):
            return "archive"
        if old not in (None, "") and new in (None, ""):
            return "restore"
        return None
    return kind


def _flag_off(old, new) -> str | None:
    """Deactivating (active → inactive) archives the record; reactivating restores it."""
    if old is True and new is False:
        return "archive"
    if old is False and new is True:
        return "restore"
    return None


# model label → (field, rule) telling an update that archives or restores the record.
ARCHIVE_MARKERS: dict[str, tuple[str, Callable]] = {
    "companies.company": ("archived_at", _set("archived_at")),
    "companies.companycontact": ("active", _flag_off),
    "alternance.user": ("is_active", _flag_off),
    # Leaving the OF (date and reason) instead of deleting the record.
    "alternance.apprentice": ("exclusion_date", _set("exclusion_date")),
}


# Timestamps of bookkeeping are never history (the entry has its own time).
ALWAYS_EXCLUDED = ("created_at", "updated_at")


def _register(model: type[models.Model], *, exclude: tuple[str, ...] = (), mask: tuple[str, ...] = ()) -> None:
    # The search keys (folded name, phone digits) are derived from other fields: never a change of their own.
    derived = getattr(model, "SEARCH_KEY_FIELDS", ())
    auditlog.register(
        model, exclude_fields=[*ALWAYS_EXCLUDED, *derived, *exclude], mask_fields=list(mask), mask_callable=MASK_CALLABLE,
    )


def register_models() -> None:
    """Called once from ``AlternanceConfig.ready``."""
    from alerts.models import Alert
    from alternance.models import (
        Apprentice,
        AttendanceRecord,
        Candidate,
        Cohort,
        CompetenceBlock,
        Programme,
        Site,
        TrainingSession,
        User,
    )
    from companies.models import Company, CompanyContact, Placement
    from contracts.models import Contract

    # Master records (issue 13 §2).
    _register(Apprentice, mask=("nir_encrypted", "has_nir", "rqth", "rqth_date"))
    _register(Candidate, exclude=("cv_sha256", "cv_size"), mask=("client_ip",))
    _register(Company)
    _register(CompanyContact)
    _register(Programme)
    _register(Cohort)
    # Accounts: never the password nor the login times.
    _register(User, exclude=("password", "last_login", "date_joined"))
    _register(Site)
    _register(CompetenceBlock)
    # Follow-up records (issue 13 §4: contracts, attendance and alerts).
    _register(Contract)
    _register(AttendanceRecord, exclude=("recorded_at",))
    # The facts of an alert are recomputed each night by its rule: not a change anyone made. Its rule
    # never changes and is shown by the page as its title (its code is not for people).
    _register(Alert, exclude=("facts", "rule_code"))
    # The CRM exchanges are themselves a dated log (the company's timeline): not logged again.
    _register(Placement)
    # Training sessions (issue 19 §1): who moved, split, cancelled or restored a session, and why.
    _register(TrainingSession, exclude=("updated_at", "signin_secret"))


def is_registered(model: type[models.Model]) -> bool:
    return auditlog.contains(model)


def model_options(model: type[models.Model]) -> dict:
    return auditlog.get_model_fields(model)
