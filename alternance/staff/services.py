"""Writes of the staff accounts (issue 13): the coordinator creates an account (no password: the
person chooses it from an emailed single-use link), edits it and changes its role, deactivates and
reactivates it, and hands what a departed account held over to active colleagues.

A deactivated account keeps its history (who followed a cohort, who logged a call) but can no longer
log in (Django's authentication refuses an inactive account, an open session included), use its API
keys or ICS feed; its pending invitation links stop working. Nothing it holds moves by itself: its
page lists its companies, open alerts and cohorts for the coordinator to reassign.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts import services as alert_services
from alerts.models import Alert
from alternance import access
from alternance.choices import STAFF_ROLES, Role
from alternance.extranet import invitations
from alternance.history.services import record_update
from alternance.models import Cohort, Invitation, User
from alternance.staff.selectors import cohorts_of, open_alerts_of, portfolio_of
from companies.models import Company

STAFF_FIELDS = ("first_name", "last_name", "email", "phone", "role")
INVITATION_TEMPLATE = "alternance/staff/email_invitation.txt"


def email_owner(email: str, *, exclude_pk: int | None = None) -> User | None:
    """The account (any role) that already uses this address, whatever its case."""
    qs = User.objects.filter(email__iexact=(email or "").strip())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _email_taken(existing: User) -> ValidationError:
    name = existing.get_full_name() or existing.email
    if existing.role in STAFF_ROLES:
        state = _("actif") if existing.is_active else _("désactivé")
        message = _(
            "L'adresse %(email)s est déjà celle du compte de %(name)s (%(role)s, %(state)s). Ouvrez ce compte pour le "
            "modifier ou le réactiver, ou saisissez une autre adresse."
        ) % {"email": existing.email, "name": name, "role": existing.get_role_display(), "state": state}
    else:
        message = _(
            "L'adresse %(email)s est déjà celle du compte extranet de %(name)s (%(role)s) : un compte de l'équipe "
            "doit avoir sa propre adresse. Saisissez une autre adresse e-mail."
        ) % {"email": existing.email, "name": name, "role": existing.get_role_display()}
    return ValidationError({"email": message})


def _cleaned(*, email: str, first_name: str, last_name: str, role: str, phone: str) -> dict:
    data = {
        "email": (email or "").strip().lower(), "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(), "phone": (phone or "").strip(), "role": role,
    }
    errors = {}
    if not data["first_name"]:
        errors["first_name"] = _("Indiquez le prénom de la personne.")
    if not data["last_name"]:
        errors["last_name"] = _("Indiquez le nom de la personne.")
    if not data["email"]:
        errors["email"] = _("Indiquez l'adresse e-mail de la personne : elle y reçoit le lien pour choisir son mot de passe.")
    if role not in STAFF_ROLES:
        errors["role"] = _("Choisissez un rôle de l'équipe : responsable alternance, CRE, formateur·rice référent·e ou équipe administrative.")
    if errors:
        raise ValidationError(errors)
    return data


def _require_staff_account(member: User) -> None:
    if member.role not in STAFF_ROLES:
        raise ValidationError(_("Ce compte est un compte extranet (apprenti·e ou entreprise) : il se gère depuis la fiche de la personne."))


def _invite(member: User, by: User) -> Invitation:
    return invitations.send_invitation(
        user=member, by=by, subject=_("Votre compte sur l'application alternance"), template_name=INVITATION_TEMPLATE,
    )


@transaction.atomic
def staff_member_create(*, by: User, email: str, first_name: str, last_name: str, role: str, phone: str = "") -> User:
    """Create an active staff account without a usable password and email it a link to choose one
    (after the commit). An address already used by any account is refused, naming that account."""
    access.require(access.can_manage_staff(by))
    data = _cleaned(email=email, first_name=first_name, last_name=last_name, role=role, phone=phone)
    existing = email_owner(data["email"])
    if existing is not None:
        raise _email_taken(existing)
    member = User(**data, is_active=True)
    member.set_unusable_password()
    member.full_clean()
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # The same address recorded meanwhile by someone else (the unique index decides).
        raise _email_taken(email_owner(data["email"])) from None
    _invite(member, by)
    return member


def _last_active_coordinator(member: User) -> bool:
    if member.role != Role.COORDINATOR or not member.is_active:
        return False
    others = User.objects.select_for_update().filter(role=Role.COORDINATOR, is_active=True).exclude(pk=member.pk)
    return not list(others.values_list("pk", flat=True))


def _last_coordinator_error(member: User, action: str) -> ValidationError:
    return ValidationError(_(
        "%(name)s est le dernier compte de responsable alternance actif : créez ou réactivez d'abord un autre compte de "
        "responsable alternance, puis %(action)s."
    ) % {"name": member.get_full_name() or member.email, "action": action})


def _check_role_change(member: User, *, role: str, by: User, today: date) -> None:
    """A role carries what the account holds: a CRE its portfolio, a tutor its cohorts; an account
    must hand them over before it changes role (the models require a CRE and a tutor there)."""
    # The last coordinator first: alone, it learns what to do (create another one), not just "not yourself".
    if _last_active_coordinator(member):
        raise ValidationError({"role": _last_coordinator_error(member, _("changez son rôle")).messages})
    if member.pk == by.pk:
        raise ValidationError({"role": _("Vous ne pouvez pas changer votre propre rôle : un·e autre responsable alternance peut le faire.")})
    errors = []
    if member.role == Role.CRE:
        count = Company.objects.filter(portfolio_of(member)).count()
        if count:
            errors.append(ngettext(
                "Ce compte est encore le ou la CRE de %(count)s entreprise : réaffectez-la depuis la fiche du compte avant de changer son rôle.",
                "Ce compte est encore le ou la CRE de %(count)s entreprises : réaffectez-les depuis la fiche du compte avant de changer son rôle.",
                count,
            ) % {"count": count})
    if member.role == Role.TUTOR:
        count = Cohort.objects.filter(cohorts_of(member, today=today)).count()
        if count:
            errors.append(ngettext(
                "Ce compte est encore le ou la référent·e de %(count)s promotion en cours : réaffectez-la depuis la fiche du compte avant de changer son rôle.",
                "Ce compte est encore le ou la référent·e de %(count)s promotions en cours : réaffectez-les depuis la fiche du compte avant de changer son rôle.",
                count,
            ) % {"count": count})
    if role not in alert_services.ASSIGNABLE_ROLES:
        count = Alert.objects.filter(open_alerts_of(member)).count()
        if count:
            errors.append(ngettext(
                "Ce compte a encore %(count)s alerte ouverte qui lui est attribuée, et ce rôle n'en reçoit pas : réaffectez-la depuis la fiche du compte.",
                "Ce compte a encore %(count)s alertes ouvertes qui lui sont attribuées, et ce rôle n'en reçoit pas : réaffectez-les depuis la fiche du compte.",
                count,
            ) % {"count": count})
    if errors:
        raise ValidationError({"role": errors})


@transaction.atomic
def staff_member_update(
    *, member: User, by: User, today: date, email: str, first_name: str, last_name: str, role: str, phone: str = "",
) -> User:
    """Edit a staff account, its role included (see ``_check_role_change``); ``today`` decides which
    cohorts are still running."""
    access.require(access.can_manage_staff(by))
    locked = User.objects.select_for_update().get(pk=member.pk)
    _require_staff_account(locked)
    data = _cleaned(email=email, first_name=first_name, last_name=last_name, role=role, phone=phone)
    existing = email_owner(data["email"], exclude_pk=locked.pk)
    if existing is not None:
        raise _email_taken(existing)
    if data["role"] != locked.role:
        _check_role_change(locked, role=data["role"], by=by, today=today)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    try:
        with transaction.atomic():
            locked.save(update_fields=list(STAFF_FIELDS))
    except IntegrityError:
        raise _email_taken(email_owner(data["email"], exclude_pk=locked.pk)) from None
    return locked


@transaction.atomic
def staff_member_deactivate(*, member: User, by: User) -> User:
    """Close an account (compare-and-set). Refused on one's own account and on the last active
    coordinator; its pending invitation links are revoked (accepting one would reopen it)."""
    access.require(access.can_manage_staff(by))
    _require_staff_account(member)
    if _last_active_coordinator(member):
        raise _last_coordinator_error(member, _("désactivez celui-ci"))
    if member.pk == by.pk:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte : un·e autre responsable alternance peut le faire."))
    if not User.objects.filter(pk=member.pk, is_active=True).update(is_active=False):
        raise ValidationError(_("Ce compte est déjà désactivé : rechargez la page pour voir son état actuel."))
    Invitation.objects.filter(user=member, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_update(member, {"is_active": False}, actor=by)  # compare-and-set: no signal (history of changes)
    member.is_active = False
    return member


@transaction.atomic
def staff_member_reactivate(*, member: User, by: User) -> User:
    """Reopen a deactivated account (compare-and-set); it logs in again with its password."""
    access.require(access.can_manage_staff(by))
    _require_staff_account(member)
    if not User.objects.filter(pk=member.pk, is_active=False).update(is_active=True):
        raise ValidationError(_("Ce compte est déjà actif : rechargez la page pour voir son état actuel."))
    record_update(member, {"is_active": True}, actor=by)
    member.is_active = True
    return member


@transaction.atomic
def staff_member_invite(*, member: User, by: User) -> Invitation:
    """Send a new link to choose a password to an active account that has none yet (the previous
    link stops working). Someone with a password uses « Mot de passe oublié ? » instead."""
    access.require(access.can_manage_staff(by))
    _require_staff_account(member)
    if not member.is_active:
        raise ValidationError(_("Ce compte est désactivé : réactivez-le avant de renvoyer l'invitation."))
    if member.has_usable_password():
        raise ValidationError(_(
            "Ce compte a déjà un mot de passe : si la personne l'a perdu, elle utilise « Mot de passe oublié ? » sur la page de connexion."
        ))
    return _invite(member, by)


# --- handing over what an account holds -----------------------------------------------------------

@transaction.atomic
def staff_alerts_reassign(*, alerts: Iterable[Alert], assignee: User, by: User) -> int:
    """Give open alerts to another person, each through the alerts' lifecycle service (its checks
    and its history row); all or nothing. Returns how many changed hands."""
    moved = 0
    for alert in Alert.objects.select_for_update(of=("self",)).select_related("assignee").filter(pk__in=[a.pk for a in alerts]).order_by("pk"):
        if alert.assignee_id == assignee.pk:
            continue
        before = alert.assignee.get_full_name() if alert.assignee else _("personne")
        alert_services.alert_assign(
            alert=alert, assignee=assignee, by=by,
            comment=_("Réaffectée : %(before)s → %(after)s.") % {"before": before, "after": assignee.get_full_name() or assignee.email},
        )
        moved += 1
    return moved


@transaction.atomic
def cohorts_reassign_referent(*, cohorts: Iterable[Cohort], to_tutor: User, by: User) -> int:
    """Make an active tutor the referent of cohorts; returns how many changed hands."""
    access.require(access.can_manage_staff(by))
    if to_tutor.role != Role.TUTOR or not to_tutor.is_active:
        raise ValidationError({"to_tutor": _("Choisissez un compte actif de formateur·rice référent·e.")})
    moved = 0
    for cohort in Cohort.objects.select_for_update().filter(pk__in=[c.pk for c in cohorts]).exclude(referent_tutor=to_tutor).order_by("pk"):
        cohort.referent_tutor = to_tutor
        cohort.full_clean()
        cohort.save(update_fields=["referent_tutor"])
        moved += 1
    return moved
