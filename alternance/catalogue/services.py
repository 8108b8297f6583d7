"""Writes of the catalogue (issue 13 §2): programmes and their competence blocks, sites, cohorts.

Every service is keyword-only and atomic, checks the access policy, validates with
``full_clean()`` before saving and raises French ``ValidationError``s that say how to fix the
input. Uniqueness conflicts name the existing record (``Conflict.existing``) so that the page can
link to it. Archiving is refused while active learners remain (counted by the selectors' one
definition); an archived record leaves the choices for new records and stays on the old ones.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alternance import access
from alternance.catalogue import selectors
from alternance.choices import Role
from alternance.models import Cohort, CompetenceBlock, Programme, Site, User
from alternance.planning import free_period

PROGRAMME_FIELDS = (
    "title", "short_title", "certification_kind", "rncp_code", "cfd_code", "diploma_code", "level", "duration_months", "training_hours",
    "admissions_open",
)
SITE_FIELDS = ("name", "uai", "siret", "address", "postal_code", "city")
COHORT_FIELDS = (
    "programme", "site", "name", "start_date", "end_date", "exams_end_date", "rhythm_label", "rhythm_pattern",
    "referent_tutor", "capacity",
    # Default times of the generated training sessions (issue 19 §1).
    "session_morning_start", "session_morning_end", "session_afternoon_start", "session_afternoon_end",
)
BLOCK_FIELDS = ("code", "title", "order")


class Conflict(ValidationError):
    """The input would duplicate ``existing`` (its page is offered instead)."""

    def __init__(self, message: dict, existing: models.Model) -> None:
        super().__init__(message)
        self.existing = existing


def _require_manager(by: User) -> None:
    access.require(access.can_manage_catalogue(by))


def _assign(instance: models.Model, data: dict, fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            value = data[name]
            setattr(instance, name, value.strip() if isinstance(value, str) else value)


def _unique(model: type[models.Model], instance: models.Model, field: str, message: str, **scope) -> None:
    value = getattr(instance, field)
    if value in (None, ""):
        return
    lookup = {f"{field}__iexact": value} if isinstance(value, str) else {field: value}
    existing = model.objects.filter(**lookup, **scope).exclude(pk=instance.pk).first()
    if existing is not None:
        raise Conflict({field: message % {"value": value, "existing": str(existing)}}, existing)


def _save(instance: models.Model, *, unique_checks: tuple = ()) -> models.Model:
    # Normalised values first (clean_fields), so that the uniqueness check compares stored forms.
    instance.full_clean(validate_unique=False, validate_constraints=False)
    for args in unique_checks:
        _unique(type(instance), instance, args[0], args[1], **(args[2] if len(args) > 2 else {}))
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        # Recorded meanwhile by someone else: the unique index decides; say it like the check above.
        for args in unique_checks:
            _unique(type(instance), instance, args[0], args[1], **(args[2] if len(args) > 2 else {}))
        raise
    return instance


def _learners_error(count: int, singular: str, plural: str) -> ValidationError:
    return ValidationError(ngettext(singular, plural, count) % {"count": count}, code="active_learners")


# --- programmes ------------------------------------------------------------------------------------

_PROGRAMME_UNIQUE = (("title", _("Une formation s'intitule déjà « %(value)s » : ouvrez-la, ou précisez l'intitulé (parcours, option)."),),)


@transaction.atomic
def programme_create(*, by: User, data: dict) -> Programme:
    _require_manager(by)
    programme = Programme()
    _assign(programme, data, PROGRAMME_FIELDS)
    return _save(programme, unique_checks=_PROGRAMME_UNIQUE)


@transaction.atomic
def programme_update(*, programme: Programme, by: User, data: dict) -> Programme:
    """Edit a programme. Its RNCP code may change only while it has no competence block: the
    blocks' codes are made of it (remove them first, then add the new certification's blocks)."""
    _require_manager(by)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    old_rncp = locked.rncp_code
    _assign(locked, data, PROGRAMME_FIELDS)
    locked.full_clean(validate_unique=False, validate_constraints=False)
    if locked.rncp_code != old_rncp:
        blocks = CompetenceBlock.objects.filter(programme=locked).count()
        if blocks:
            raise ValidationError({"rncp_code": ngettext(
                "Cette formation a %(count)s bloc de compétences codé à partir de %(old)s : supprimez-le avant de changer "
                "le code RNCP, puis ajoutez les blocs de la nouvelle certification.",
                "Cette formation a %(count)s blocs de compétences codés à partir de %(old)s : supprimez-les avant de changer "
                "le code RNCP, puis ajoutez les blocs de la nouvelle certification.",
                blocks,
            ) % {"count": blocks, "old": old_rncp}})
    if locked.is_archived and locked.admissions_open:
        raise ValidationError({"admissions_open": _("Cette formation est archivée : restaurez-la avant d'ouvrir les candidatures.")})
    return _save(locked, unique_checks=_PROGRAMME_UNIQUE)


@transaction.atomic
def programme_archive(*, programme: Programme, by: User, now: datetime | None = None) -> Programme:
    """Archive a programme: refused while learners of its cohorts are in training or applications
    to it are in progress; its public application page closes."""
    _require_manager(by)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.is_archived:
        raise ValidationError(_("Cette formation est déjà archivée : rechargez la page."))
    learners = selectors.programme_active_learners(locked)
    if learners:
        raise _learners_error(
            learners,
            "Les promotions de cette formation comptent encore %(count)s apprenti·e en formation : archivez la formation "
            "quand sa formation est terminée.",
            "Les promotions de cette formation comptent encore %(count)s apprenti·es en formation : archivez la formation "
            "quand leur formation est terminée.",
        )
    candidates = selectors.programme_open_candidates(locked)
    if candidates:
        raise ValidationError(ngettext(
            "%(count)s candidature à cette formation est en cours : traitez-la (inscription, refus ou désistement) avant d'archiver la formation.",
            "%(count)s candidatures à cette formation sont en cours : traitez-les (inscription, refus ou désistement) avant d'archiver la formation.",
            candidates,
        ) % {"count": candidates}, code="open_candidates")
    Programme.objects.filter(pk=locked.pk).update(archived_at=now or timezone.now(), admissions_open=False)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def programme_restore(*, programme: Programme, by: User) -> Programme:
    _require_manager(by)
    if not Programme.objects.filter(pk=programme.pk, archived_at__isnull=False).update(archived_at=None):
        raise ValidationError(_("Cette formation n'est pas archivée : rechargez la page."))
    programme.refresh_from_db()
    return programme


# --- competence blocks -----------------------------------------------------------------------------


def _block_unique(programme: Programme) -> tuple:
    return (("code", _("Le bloc %(value)s existe déjà pour cette formation : modifiez-le plutôt que d'en ajouter un second."),
             {"programme": programme}),)


@transaction.atomic
def block_create(*, programme: Programme, by: User, data: dict) -> CompetenceBlock:
    _require_manager(by)
    block = CompetenceBlock(programme=programme)
    _assign(block, data, BLOCK_FIELDS)
    if block.order is None:
        block.order = (programme.competence_blocks.aggregate(models.Max("order"))["order__max"] or 0) + 1
    return _save(block, unique_checks=_block_unique(programme))


@transaction.atomic
def block_update(*, block: CompetenceBlock, by: User, data: dict) -> CompetenceBlock:
    _require_manager(by)
    locked = CompetenceBlock.objects.select_for_update().select_related("programme").get(pk=block.pk)
    _assign(locked, data, BLOCK_FIELDS)
    if locked.order is None:
        locked.order = block.order
    return _save(locked, unique_checks=_block_unique(locked.programme))


@transaction.atomic
def block_delete(*, block: CompetenceBlock, by: User) -> None:
    _require_manager(by)
    CompetenceBlock.objects.filter(pk=block.pk).delete()


# --- sites -----------------------------------------------------------------------------------------

_SITE_UNIQUE = (
    ("name", _("Un site s'appelle déjà « %(value)s » : ouvrez-le, ou donnez un autre nom à celui-ci."),),
    ("uai", _("Le code UAI %(value)s est déjà celui du site « %(existing)s » : ouvrez-le, ou vérifiez le code."),),
)


@transaction.atomic
def site_create(*, by: User, data: dict) -> Site:
    _require_manager(by)
    site = Site()
    _assign(site, data, SITE_FIELDS)
    return _save(site, unique_checks=_SITE_UNIQUE)


@transaction.atomic
def site_update(*, site: Site, by: User, data: dict) -> Site:
    _require_manager(by)
    locked = Site.objects.select_for_update().get(pk=site.pk)
    _assign(locked, data, SITE_FIELDS)
    return _save(locked, unique_checks=_SITE_UNIQUE)


@transaction.atomic
def site_archive(*, site: Site, by: User, now: datetime | None = None) -> Site:
    """Archive a site: refused while learners of its cohorts are in training."""
    _require_manager(by)
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if locked.is_archived:
        raise ValidationError(_("Ce site est déjà archivé : rechargez la page."))
    learners = selectors.site_active_learners(locked)
    if learners:
        raise _learners_error(
            learners,
            "Les promotions de ce site comptent encore %(count)s apprenti·e en formation : archivez le site quand sa "
            "formation est terminée, ou rattachez sa promotion à un autre site.",
            "Les promotions de ce site comptent encore %(count)s apprenti·es en formation : archivez le site quand leur "
            "formation est terminée, ou rattachez leurs promotions à un autre site.",
        )
    Site.objects.filter(pk=locked.pk).update(archived_at=now or timezone.now())
    locked.refresh_from_db()
    return locked


@transaction.atomic
def site_restore(*, site: Site, by: User) -> Site:
    _require_manager(by)
    if not Site.objects.filter(pk=site.pk, archived_at__isnull=False).update(archived_at=None):
        raise ValidationError(_("Ce site n'est pas archivé : rechargez la page."))
    site.refresh_from_db()
    return site


# --- cohorts ---------------------------------------------------------------------------------------

_COHORT_UNIQUE = (("name", _("Une promotion s'appelle déjà « %(value)s » : ouvrez-la, ou ajoutez l'année ou le groupe au nom."),),)


def _check_cohort_links(cohort: Cohort, *, before: Cohort | None) -> None:
    """A new cohort (or a cohort moved to another programme, site or tutor) uses a programme and a
    site still in the catalogue, and an active tutor; a cohort keeps what it already had."""
    errors = {}
    programme = cohort.programme if cohort.programme_id else None
    if programme is not None and programme.is_archived and (before is None or before.programme_id != programme.pk):
        errors["programme"] = _("La formation « %(title)s » est archivée : restaurez-la d'abord, ou choisissez une autre formation.") % {
            "title": programme.title}
    site = cohort.site if cohort.site_id else None
    if site is not None and site.is_archived and (before is None or before.site_id != site.pk):
        errors["site"] = _("Le site « %(name)s » est archivé : restaurez-le d'abord, ou choisissez un autre site.") % {"name": site.name}
    tutor = cohort.referent_tutor if cohort.referent_tutor_id else None
    if tutor is not None and (tutor.role != Role.TUTOR or not tutor.is_active) and (
        before is None or before.referent_tutor_id != tutor.pk
    ):
        errors["referent_tutor"] = _("Choisissez un compte actif de formateur·rice référent·e.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cohort_create(*, by: User, data: dict) -> Cohort:
    _require_manager(by)
    cohort = Cohort()
    _assign(cohort, data, COHORT_FIELDS)
    _check_cohort_links(cohort, before=None)
    return _save(cohort, unique_checks=_COHORT_UNIQUE)


@transaction.atomic
def cohort_update(*, cohort: Cohort, by: User, data: dict) -> Cohort:
    _require_manager(by)
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    before = Cohort(programme_id=locked.programme_id, site_id=locked.site_id, referent_tutor_id=locked.referent_tutor_id)
    calendar_before = (locked.rhythm_pattern, locked.start_date, locked.end_date)
    _assign(locked, data, COHORT_FIELDS)
    _check_cohort_links(locked, before=before)
    saved = _save(locked, unique_checks=_COHORT_UNIQUE)
    if (saved.rhythm_pattern, saved.start_date, saved.end_date) != calendar_before:
        free_period.refresh_cohorts([saved.pk])  # its learners' company days moved
    return saved


@transaction.atomic
def cohort_archive(*, cohort: Cohort, by: User, now: datetime | None = None) -> Cohort:
    """Archive a cohort: refused while some of its learners are in training."""
    _require_manager(by)
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if locked.is_archived:
        raise ValidationError(_("Cette promotion est déjà archivée : rechargez la page."))
    learners = selectors.cohort_active_learners(locked)
    if learners:
        raise _learners_error(
            learners,
            "Cette promotion compte encore %(count)s apprenti·e en formation : archivez-la quand sa formation est terminée.",
            "Cette promotion compte encore %(count)s apprenti·es en formation : archivez-la quand leur formation est terminée.",
        )
    Cohort.objects.filter(pk=locked.pk).update(archived_at=now or timezone.now())
    locked.refresh_from_db()
    return locked


@transaction.atomic
def cohort_restore(*, cohort: Cohort, by: User) -> Cohort:
    _require_manager(by)
    if not Cohort.objects.filter(pk=cohort.pk, archived_at__isnull=False).update(archived_at=None):
        raise ValidationError(_("Cette promotion n'est pas archivée : rechargez la page."))
    cohort.refresh_from_db()
    return cohort
