"""Writes of the login security (issue 17 §9): second factor enrolment and removal, the
organisation's rule, and the password reset throttle."""

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from alternance import access
from alternance.accounts import selectors
from alternance.choices import STAFF_ROLES
from alternance.models import PasswordResetRequest, SecuritySettings, User

DEVICE_NAME = "Application d'authentification"
BAD_CODE = gettext_lazy("Code incorrect ou expiré : saisissez les 6 chiffres affichés en ce moment par votre application.")


def _clean_code(code: str) -> str:
    return "".join((code or "").split())


@transaction.atomic
def second_factor_enrol_start(*, user: User) -> TOTPDevice:
    """The device whose QR code the enrolment page shows: the pending one, or a new secret. Only
    staff accounts enrol (extranet accounts are never offered it)."""
    access.require(user.is_staff_member)
    if selectors.has_second_factor(user):
        raise ValidationError(_("La double authentification est déjà activée sur ce compte."))
    device = selectors.pending_device(user)
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def second_factor_enrol_confirm(*, user: User, code: str) -> TOTPDevice:
    """Confirm the pending device with a code of the application: from then on, login asks a code."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ValidationError(_("Aucune activation en cours : recommencez depuis « Mon compte »."))
    if not device.verify_token(_clean_code(code)):
        raise ValidationError({"code": BAD_CODE})
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def second_factor_disable(*, user: User, code: str) -> None:
    """Remove one's own second factor, proven by a current code; refused while one's role requires it."""
    if selectors.second_factor_required(user):
        raise ValidationError(_("La double authentification est obligatoire pour votre rôle : elle ne peut pas être désactivée."))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        raise ValidationError(_("La double authentification n'est pas activée sur ce compte."))
    if not device.verify_token(_clean_code(code)):
        raise ValidationError({"code": BAD_CODE})
    TOTPDevice.objects.filter(user=user).delete()


@transaction.atomic
def second_factor_reset(*, user: User) -> int:
    """Recovery of a lost phone, by a superuser (management command): the account's devices are
    deleted; its next login asks a new enrolment if its role requires one. Returns how many."""
    count, _details = TOTPDevice.objects.filter(user=user).delete()
    return count


@transaction.atomic
def security_settings_update(*, second_factor_roles: list[str], by: User, now: datetime) -> SecuritySettings:
    """The coordinator lists the staff roles that must use a second factor."""
    access.require(access.can_manage_staff(by))
    row = SecuritySettings.objects.select_for_update().filter(pk=1).first() or SecuritySettings(pk=1)
    row.second_factor_roles = [role for role in STAFF_ROLES if role in set(second_factor_roles)]
    row.updated_at, row.updated_by = now, by
    row.full_clean()
    row.save()
    transaction.on_commit(lambda: cache.delete(selectors.SETTINGS_CACHE_KEY))
    cache.delete(selectors.SETTINGS_CACHE_KEY)
    return row


def _email_digest(email: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (email or "").strip().lower().encode(), hashlib.sha256).hexdigest()


class TooManyResetRequests(Exception):
    """This client address asked for too many resets in the last hour."""


@transaction.atomic
def password_reset_request(*, email: str, ip_address: str | None, now: datetime) -> bool:
    """Log one « Mot de passe oublié ? » request; answer whether its e-mail may leave.

    At most ``PASSWORD_RESET_MAX_PER_EMAIL`` e-mails per address typed per hour: beyond, the person
    gets the same page and no e-mail (the page never tells whether an account exists). Beyond
    ``PASSWORD_RESET_MAX_PER_ADDRESS`` requests per client address per hour, ``TooManyResetRequests``
    (the page then asks to wait: that says nothing about any account)."""
    since = now - timedelta(hours=1)
    PasswordResetRequest.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    if ip_address and PasswordResetRequest.objects.filter(ip_address=ip_address, created_at__gte=since).count() >= settings.PASSWORD_RESET_MAX_PER_ADDRESS:
        raise TooManyResetRequests
    digest = _email_digest(email)
    mailed = PasswordResetRequest.objects.filter(email_digest=digest, created_at__gte=since, mailed=True).count()
    allowed = mailed < settings.PASSWORD_RESET_MAX_PER_EMAIL
    PasswordResetRequest.objects.create(email_digest=digest, ip_address=ip_address, created_at=now, mailed=allowed)
    return allowed
