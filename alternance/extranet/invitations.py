"""Extranet accounts for people outside the OF (issue 6, part 1): staff invite an apprentice or an
employer contact by email; the single-use, expiring link lets the person set its password.

One login per person: an employer who is MA at one establishment and HR at another, or who follows
several apprentices, has one ``User`` linked from each of its ``CompanyContact`` rows.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.choices import Role
from alternance.models import Apprentice, Invitation, User
from alternance.models.invitations import hash_token
from companies.models import CompanyContact

DEFAULT_VALID_DAYS = 7
USED_MESSAGE = gettext_lazy(
    "Ce lien d'invitation a déjà servi. Connectez-vous avec votre mot de passe ; si vous ne l'avez pas "
    "défini, demandez une nouvelle invitation à l'équipe alternance de votre centre de formation."
)
REVOKED_MESSAGE = gettext_lazy(
    "Ce lien d'invitation a été remplacé par une invitation plus récente. Utilisez le dernier e-mail reçu "
    "ou demandez une nouvelle invitation à l'équipe alternance de votre centre de formation."
)
EXPIRED_MESSAGE = gettext_lazy(
    "Ce lien d'invitation a expiré. Demandez une nouvelle invitation à l'équipe alternance de votre centre de formation."
)


class InvitationNotFound(Exception):
    """No invitation has this token (mistyped or forged link)."""


# Inviting an account that already logs in would mail its holder a link to replace its password on
# someone else's initiative (issue 17 §15): refused, or, for a record just linked to it, nothing sent.
ALREADY_ACTIVE_MESSAGE = gettext_lazy(
    "Ce compte est déjà actif : %(email)s se connecte déjà à l'extranet avec son mot de passe, aucune invitation "
    "n'a été envoyée. Si la personne l'a oublié, elle utilise « Mot de passe oublié ? » sur la page de connexion."
)
LINKED_TO_ACTIVE_MESSAGE = gettext_lazy(
    "Ce compte est déjà actif : la fiche est maintenant rattachée au compte existant de %(email)s, qui s'y connecte "
    "avec son mot de passe habituel ; aucun e-mail n'a été envoyé."
)


def _refuse_if_active(user: User) -> None:
    if account_is_active(user):
        raise ValidationError(str(ALREADY_ACTIVE_MESSAGE) % {"email": user.email})


class InvitationGone(Exception):
    """The invitation existed but can no longer be used (used, revoked or expired)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def valid_days() -> int:
    """How long a link stays valid; setting ``INVITATION_VALID_DAYS`` (default 7 days)."""
    return int(getattr(settings, "INVITATION_VALID_DAYS", DEFAULT_VALID_DAYS))


# --- reads ---------------------------------------------------------------------------------------

def invitation_pending_for(user: User | None) -> Invitation | None:
    """The invitation of this account still waiting to be used, if any (shown as « Invité le … »)."""
    if user is None:
        return None
    now = timezone.now()
    return (
        Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )


def account_is_active(user: User | None) -> bool:
    """The person already logs in: an active account with a password."""
    return user is not None and user.is_active and user.has_usable_password()


def invitation_get_usable(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation of this clear token, or ``InvitationNotFound`` / ``InvitationGone`` with a
    French message that says what to do."""
    qs = Invitation.objects.select_related("user")
    if for_update:
        qs = qs.select_for_update()
    invitation = qs.filter(token_hash=hash_token(token or "")).first()
    if invitation is None:
        raise InvitationNotFound
    if invitation.used_at is not None:
        raise InvitationGone(str(USED_MESSAGE))
    if invitation.revoked_at is not None:
        raise InvitationGone(str(REVOKED_MESSAGE))
    if invitation.expires_at <= timezone.now():
        raise InvitationGone(str(EXPIRED_MESSAGE))
    return invitation


# --- writes --------------------------------------------------------------------------------------

def _new_extranet_user(*, email: str, role: str, first_name: str, last_name: str) -> User:
    # Inactive and without a usable password until the person accepts the invitation.
    user = User(email=email.lower(), role=role, first_name=first_name, last_name=last_name, is_active=False)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def send_invitation(
    *, user: User, by: User, subject: str | None = None, template_name: str = "alternance/invitations/email.txt"
) -> Invitation:
    """Email ``user`` a new single-use link to set its password (after the commit); the previous
    links stop working. Extranet invitations and new staff accounts share it, each with its email."""
    now = timezone.now()
    # A new link replaces the previous ones: only the latest email works.
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user=user, invited_by=by, token_hash=hash_token(token), created_at=now, expires_at=now + timedelta(days=valid_days())
    )
    invitation.full_clean()
    invitation.save()

    from alternance.outbox import email_queue

    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})
    context = {"user": user, "by": by, "link": link, "expires_at": invitation.expires_at, "valid_days": valid_days()}
    subject = subject or _("Votre accès à l'extranet alternance")
    body = loader.render_to_string(template_name, context)
    to = [user.email]
    email_queue(subject=subject, body=body, to=to)  # the outbox: sent once the invitation commits
    return invitation


@transaction.atomic
def invite_apprentice(*, apprentice: Apprentice, by: User) -> Invitation | None:
    """Create (or reuse) the apprentice's extranet account and email it an invitation link.

    An account that already logs in is never sent a link: refused when the record already opens it;
    ``None`` (linked, nothing sent) when the record has just been linked to it by its address."""
    user = apprentice.user
    if user is None:
        if not apprentice.email:
            raise ValidationError(_("Renseignez l'adresse e-mail de l'apprenti·e avant de l'inviter."))
        user = User.objects.filter(email=apprentice.email.lower()).first()
        if user is None:
            user = _new_extranet_user(
                email=apprentice.email, role=Role.APPRENTICE, first_name=apprentice.first_name, last_name=apprentice.last_name
            )
        elif user.role != Role.APPRENTICE:
            raise ValidationError(
                _("L'adresse %(email)s est déjà celle d'un compte « %(role)s » : un même compte ne peut pas être "
                  "aussi celui d'un·e apprenti·e. Corrigez l'adresse e-mail de la fiche.")
                % {"email": user.email, "role": user.get_role_display()}
            )
        elif Apprentice.objects.filter(user=user).exclude(pk=apprentice.pk).exists():
            raise ValidationError(
                _("L'adresse %(email)s est déjà le compte d'un·e autre apprenti·e. Corrigez l'adresse e-mail de la fiche.")
                % {"email": user.email}
            )
        apprentice.user = user
        apprentice.save(update_fields=["user"])
        if account_is_active(user):
            return None
    _refuse_if_active(user)
    return send_invitation(user=user, by=by)


@transaction.atomic
def invite_company_contact(*, contact: CompanyContact, by: User) -> Invitation | None:
    """Create (or reuse) the employer account of a contact and email it an invitation link.

    As for apprentices, an account that already logs in gets no link: refused, or ``None`` when the
    contact has just been linked to it (the person then opens this establishment with its password).

    One login per person: an existing employer account with the same email is linked to this
    contact too (MA here, HR elsewhere, several establishments)."""
    if not contact.active:
        raise ValidationError(_("Ce contact est inactif : réactivez-le avant de l'inviter à l'extranet."))
    user = contact.user
    if user is None:
        if not contact.email:
            raise ValidationError(_("Renseignez l'adresse e-mail du contact avant de l'inviter."))
        user = User.objects.filter(email=contact.email.lower()).first()
        if user is None:
            user = _new_extranet_user(
                email=contact.email, role=Role.EMPLOYER, first_name=contact.first_name, last_name=contact.last_name
            )
        elif user.role != Role.EMPLOYER:
            raise ValidationError(
                _("L'adresse %(email)s est déjà celle d'un compte « %(role)s » : un contact entreprise ne peut pas "
                  "l'utiliser. Corrigez l'adresse e-mail du contact.")
                % {"email": user.email, "role": user.get_role_display()}
            )
        elif CompanyContact.objects.filter(company_id=contact.company_id, user=user).exclude(pk=contact.pk).exists():
            raise ValidationError(
                _("Un autre contact de cette entreprise utilise déjà le compte %(email)s : réunissez les rôles "
                  "sur une seule fiche de contact.") % {"email": user.email}
            )
        contact.user = user
        contact.save(update_fields=["user"])
        if account_is_active(user):
            return None
    _refuse_if_active(user)
    return send_invitation(user=user, by=by)


@transaction.atomic
def invitation_accept(*, token: str, password1: str, password2: str) -> User:
    """Set the password of an invited account and activate it; the link then no longer works.

    Raises ``InvitationNotFound`` / ``InvitationGone`` for a bad link, ``ValidationError`` (keyed by
    field, French messages from Django's password validators) for a refused password."""
    invitation = invitation_get_usable(token, for_update=True)
    user = invitation.user
    if password1 != password2:
        raise ValidationError({"password2": _("Les deux mots de passe ne correspondent pas : saisissez deux fois le même.")})
    try:
        validate_password(password1, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    now = timezone.now()
    # Compare-and-set: two submissions of the same link cannot both succeed.
    if not Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True).update(used_at=now):
        raise InvitationGone(str(USED_MESSAGE))
    user.set_password(password1)
    user.is_active = True
    user.full_clean()
    user.save()
    return user
