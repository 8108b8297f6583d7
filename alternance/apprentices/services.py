"""Writes of the apprentice records (issue 13 §2): create a learner (alone, or from an admitted
candidate through ``apprentice_enrol``), edit it — the whole record, its contact details, or on the
extranet its own phone and address —, let it leave the OF (date, reason) and bring it back.

Every service is keyword-only and atomic and validates with ``full_clean()``; the rules that depend
on the day take ``today`` from the caller (views read the clock).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.triggers import facts_changed
from alternance.apprentices.selectors import Duplicates, find_duplicates, normalize_ine
from alternance.choices import ApprenticeStatus, ExitReason
from alternance.models import Apprentice, Cohort, User
from alternance.models.apprentices import age_on
from alternance.planning import free_period
from companies.models import CompanyContact
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.services import apprentice_sync_status

# What the staff form edits (everything but the NIR, which is write-only, and the status, which
# follows the contracts and the « Quitter l'OF » action).
RECORD_FIELDS = (
    "last_name", "usage_name", "first_name", "sex", "birth_date", "birth_department", "birth_commune", "nationality",
    "social_regime", "ine", "address", "postal_code", "city", "phone", "email",
    "rqth", "rqth_date", "top_athlete", "business_project",
    "emancipated", "legal_representative_name", "legal_representative_address", "legal_representative_email",
    "legal_representative_phone",
    "situation_before_contract", "last_diploma_prepared", "last_diploma_title", "last_class", "highest_diploma",
    "cohort", "enrolment_date", "training_start_date",
)
# What a cohort's referent tutor may edit (issue 13 §2: « the contact details of its cohorts' apprentices »).
CONTACT_FIELDS = ("address", "postal_code", "city", "phone", "email")
# What an apprentice edits on the extranet (« its own phone and address »).
OWN_FIELDS = ("address", "postal_code", "city", "phone")
# Fields whose change re-runs the age rule (an old record stays editable in its other fields).
AGE_FIELDS = ("birth_date", "training_start_date", "rqth", "top_athlete", "business_project")


# --- age ---------------------------------------------------------------------------------------------


def minimum_birth_date(*, today: date) -> date:
    """Latest birth date accepted: ``ADMISSIONS_MIN_AGE`` years old on 31 December of the year of
    application (an apprenticeship may start from 15, Code du travail L6222-1) [check]."""
    return date(today.year - settings.ADMISSIONS_MIN_AGE, 12, 31)


def age_check(birth_date: date | None, *, today: date) -> None:
    """A birth date in the past, old enough for an apprenticeship (candidates and apprentices)."""
    if birth_date is None:
        return
    if birth_date >= today:
        raise ValidationError({"birth_date": _("La date de naissance est dans le futur : vérifiez le jour, le mois et l'année.")})
    if birth_date > minimum_birth_date(today=today):
        raise ValidationError({"birth_date": _(
            "Avec cette date de naissance, la personne aura %(age)s ans au 31 décembre %(year)s : l'apprentissage commence "
            "à %(minimum)s ans. Vérifiez l'année de naissance (par exemple 2008 et non 2018)."
        ) % {"age": age_on(birth_date, date(today.year, 12, 31)), "year": today.year, "minimum": settings.ADMISSIONS_MIN_AGE}})


def apprentice_age_check(*, birth_date: date | None, training_start_date: date | None, exemption: bool, today: date) -> None:
    """``age_check``, and at most ``APPRENTICE_MAX_AGE`` years old at the entry into training unless
    the learner has an RQTH, a business creation or takeover project, or is a top athlete
    (Code du travail L6222-1 and L6222-2; the contract pre-flight check applies the same limit)."""
    age_check(birth_date, today=today)
    if birth_date is None or training_start_date is None or exemption:
        return
    age = age_on(birth_date, training_start_date)
    if age > settings.APPRENTICE_MAX_AGE:
        raise ValidationError({"birth_date": _(
            "Avec cette date de naissance, la personne aura %(age)s ans à l'entrée en formation le %(day)s : l'apprentissage "
            "est ouvert jusqu'à %(maximum)s ans, au-delà seulement avec une RQTH, un projet de création ou de reprise "
            "d'entreprise ou le statut de sportif de haut niveau. Vérifiez l'année de naissance, ou cochez la situation "
            "qui s'applique plus bas."
        ) % {"age": age, "day": f"{training_start_date:%d/%m/%Y}", "maximum": settings.APPRENTICE_MAX_AGE}})


# --- duplicates ------------------------------------------------------------------------------------------


class DuplicateApprentice(ValidationError):
    """Creating this apprentice would duplicate existing records (listed in ``duplicates``). A same
    INE blocks (the INE belongs to one person); a same name and birth date may be a homonym, which
    the user confirms explicitly (``homonym_only``)."""

    def __init__(self, duplicates: Duplicates, *, ine: str = "") -> None:
        if duplicates.same_ine:
            other = duplicates.same_ine[0]
            message = _(
                "L'INE %(ine)s est déjà celui de %(name)s (promotion %(cohort)s) : un INE n'appartient qu'à une personne. "
                "Ouvrez la fiche existante, ou corrigez l'INE saisi."
            ) % {"ine": ine, "name": other.full_name, "cohort": other.cohort.name}
        else:
            message = _(
                "Une personne de mêmes nom, prénom et date de naissance existe déjà (fiches ci-dessous) : ouvrez la fiche "
                "existante plutôt que d'en créer une deuxième. S'il s'agit bien d'une autre personne (homonyme), cochez "
                "« Créer quand même » et enregistrez à nouveau."
            )
        super().__init__(message)
        self.duplicates = duplicates
        self.homonym_only = not duplicates.same_ine


def _same_ine_check(ine: str, *, exclude_pk: int | None = None) -> None:
    ine = normalize_ine(ine)
    if not ine:
        return
    others = Apprentice.objects.filter(ine=ine).select_related("cohort")
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    holders = tuple(others[:1])
    if holders:
        raise DuplicateApprentice(Duplicates(candidates=[], apprentices=list(holders), same_ine=holders), ine=ine)


# --- creating ------------------------------------------------------------------------------------------


@transaction.atomic
def apprentice_enrol(
    *, data: dict, cohort: Cohort, enrolment_date: date, training_start_date: date, nir: str = "",
) -> Apprentice:
    """A new learner of ``cohort``, « without company »: status "seeking a company" since its entry
    into training — the 3 months to sign a contract (Code du travail L6222-12-1) run from the start
    of the training cycle, and the placement desk, the alert rule and ``seeking_horizon`` count
    them from ``status_since``. Shared by the staff's creation form and the enrolment of an
    admitted candidate. Refused when another apprentice holds the same INE."""
    _same_ine_check(data.get("ine", ""))
    apprentice = Apprentice(
        **data, cohort=cohort, enrolment_date=enrolment_date, training_start_date=training_start_date,
        status=ApprenticeStatus.SEEKING, status_since=training_start_date,
    )
    _set_nir(apprentice, nir)
    apprentice.full_clean()
    apprentice.save()
    return apprentice


@transaction.atomic
def apprentice_create(
    *, data: dict, cohort: Cohort, enrolment_date: date, training_start_date: date, by: User, today: date,
    nir: str = "", confirm_homonym: bool = False,
) -> Apprentice:
    """An apprentice keyed in by the staff. Refused for a birth date out of the age limits
    (``apprentice_age_check``), for an INE already held by another apprentice, and — unless the user
    confirms a homonym — when a candidate or an apprentice has the same name and birth date
    (``DuplicateApprentice`` lists them)."""
    apprentice_age_check(
        birth_date=data.get("birth_date"), training_start_date=training_start_date, today=today,
        exemption=bool(data.get("rqth") or data.get("top_athlete") or data.get("business_project")),
    )
    ine = normalize_ine(data.get("ine", ""))
    duplicates = find_duplicates(
        ine=ine, last_name=data.get("last_name", ""), first_name=data.get("first_name", ""), birth_date=data.get("birth_date"),
    )
    if duplicates.same_ine or (duplicates and not confirm_homonym):
        raise DuplicateApprentice(duplicates, ine=ine)
    return apprentice_enrol(
        data=data, cohort=cohort, enrolment_date=enrolment_date, training_start_date=training_start_date, nir=nir,
    )


def _set_nir(apprentice: Apprentice, nir: str) -> None:
    try:
        apprentice.set_nir(nir)
    except ValidationError as error:
        raise ValidationError({"nir": error.messages}) from None


# --- editing ---------------------------------------------------------------------------------------------


def _dates_check(apprentice: Apprentice) -> None:
    if apprentice.exclusion_date and apprentice.training_start_date and apprentice.training_start_date > apprentice.exclusion_date:
        raise ValidationError({"training_start_date": _(
            "L'apprenti·e a quitté l'OF le %(day)s : l'entrée en formation ne peut pas être postérieure à cette date."
        ) % {"day": f"{apprentice.exclusion_date:%d/%m/%Y}"}})


@transaction.atomic
def apprentice_update(
    *, apprentice: Apprentice, data: dict, by: User, today: date, nir: str = "", clear_nir: bool = False,
) -> Apprentice:
    """The whole record, by the staff who may (``access.can_edit_apprentice``). The NIR is replaced
    when one is typed, cleared on request, kept otherwise (it is never sent back to the browser).
    The age rule runs again when the birth date, the entry into training or an exemption changes;
    an INE already held by another apprentice is refused with its name."""
    locked = Apprentice.objects.select_for_update().get(pk=apprentice.pk)
    before = {name: getattr(locked, name) for name in AGE_FIELDS}
    old_start, old_cohort = locked.training_start_date, locked.cohort_id
    for name, value in data.items():
        if name not in RECORD_FIELDS:
            raise ValueError(f"{name} is not an editable field of an apprentice")
        setattr(locked, name, value)
    if any(getattr(locked, name) != value for name, value in before.items()):
        apprentice_age_check(
            birth_date=locked.birth_date, training_start_date=locked.training_start_date, today=today,
            exemption=bool(locked.rqth or locked.top_athlete or locked.business_project),
        )
    _same_ine_check(locked.ine, exclude_pk=locked.pk)
    _dates_check(locked)
    # A learner still « without company since its entry into training » keeps counting from the new date.
    if locked.status == ApprenticeStatus.SEEKING and locked.status_since == old_start:
        locked.status_since = locked.training_start_date
    if clear_nir:
        locked.set_nir(None)
    elif nir:
        _set_nir(locked, nir)
    locked.full_clean()
    locked.save()
    if locked.cohort_id != old_cohort:
        free_period.refresh_apprentices([locked.pk])  # another rhythm: its contracts' company days moved
    return locked


def _update_fields(apprentice: Apprentice, data: dict, allowed: tuple[str, ...]) -> Apprentice:
    locked = Apprentice.objects.select_for_update().get(pk=apprentice.pk)
    for name, value in data.items():
        if name not in allowed:
            raise ValueError(f"{name} is not editable here")
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=[*data, "updated_at"])
    return locked


@transaction.atomic
def apprentice_contact_update(*, apprentice: Apprentice, data: dict, by: User) -> Apprentice:
    """Address, postal code, city, phone and e-mail only (a cohort's referent tutor)."""
    return _update_fields(apprentice, data, CONTACT_FIELDS)


@transaction.atomic
def apprentice_own_details_update(*, apprentice: Apprentice, data: dict, by: User) -> Apprentice:
    """The apprentice's own phone and address, from « Mes coordonnées » on the extranet."""
    if apprentice.user_id != by.pk:
        raise ValidationError(_("Vous ne pouvez modifier que vos propres coordonnées."))
    return _update_fields(apprentice, data, OWN_FIELDS)


@transaction.atomic
def contact_own_phone_update(*, user: User, phone: str) -> list[CompanyContact]:
    """An employer account's own phone, on each establishment it represents (its active contact
    rows: the same person, the same phone)."""
    contacts = list(CompanyContact.objects.select_for_update().filter(user=user, active=True).order_by("pk"))
    if not contacts:
        raise ValidationError(_("Ce compte ne représente plus aucune entreprise : demandez au centre de formation de mettre à jour vos coordonnées."))
    for contact in contacts:
        contact.phone = phone
        contact.full_clean()
        contact.save(update_fields=["phone"])
    return contacts


# --- leaving the OF, and coming back ------------------------------------------------------------------


@transaction.atomic
def apprentice_leave(*, apprentice: Apprentice, day: date | None, reason: str, by: User, today: date) -> Apprentice:
    """The learner leaves the OF on ``day`` for ``reason`` (the record is kept, never deleted): status
    « Abandon » since that day, with the exclusion date the State's dashboard reads (ABANDON from
    that date onwards, domain §3). Refused before the entry into training, in the future, and while a
    contract is in force (record its rupture first: the employer and the OPCO must be told)."""
    if reason not in ExitReason.values:
        raise ValidationError({"reason": _("Choisissez le motif de la sortie dans la liste.")})
    if day is None:
        raise ValidationError({"day": _("Indiquez la date de sortie (jj/mm/aaaa).")})
    if day > today:
        raise ValidationError({"day": _(
            "La date de sortie est dans le futur : enregistrez la sortie le jour venu (au plus tard le %(today)s)."
        ) % {"today": f"{today:%d/%m/%Y}"}})
    if day < apprentice.training_start_date:
        raise ValidationError({"day": _(
            "La date de sortie ne peut pas précéder l'entrée en formation (%(start)s) : saisissez une date à partir de celle-ci."
        ) % {"start": f"{apprentice.training_start_date:%d/%m/%Y}"}})
    in_force = apprentice.contracts.filter(status__in=ACTIVE_CONTRACT_STATUSES, end_date__gte=day).select_related("company").first()
    if in_force:
        raise ValidationError(_(
            "Le contrat avec %(company)s est en cours : enregistrez d'abord sa rupture sur la page du contrat, puis la sortie de l'OF."
        ) % {"company": in_force.company.name})
    updated = Apprentice.objects.filter(pk=apprentice.pk, exclusion_date__isnull=True).update(
        status=ApprenticeStatus.DROPPED_OUT, status_since=day, exclusion_date=day, exit_reason=reason, updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("Cette sortie est déjà enregistrée (la fiche a été modifiée entre-temps) : rechargez la page."))
    facts_changed("apprentice_left", apprentice_ids=[apprentice.pk])
    apprentice.refresh_from_db()
    return apprentice


@transaction.atomic
def apprentice_reopen(*, apprentice: Apprentice, by: User, today: date) -> Apprentice:
    """A learner who left comes back (the coordinator's call): the exit is erased, and its status
    follows its contracts again — seeking a company since today when it has none."""
    updated = Apprentice.objects.filter(pk=apprentice.pk, exclusion_date__isnull=False).update(
        status=ApprenticeStatus.SEEKING, status_since=max(today, apprentice.training_start_date), exclusion_date=None,
        exit_reason="", updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("Cette fiche n'est pas (ou plus) sortie de l'OF : rechargez la page."))
    apprentice.refresh_from_db()
    apprentice_sync_status(apprentice=apprentice)
    facts_changed("apprentice_left", apprentice_ids=[apprentice.pk])
    return apprentice
