"""The « Inviter à l'extranet » button and the account state, on the apprentice and company pages
(the flags come from the access policy, so those views need not know about invitations)."""

from django import template

from alternance import access
from alternance.extranet import invitations
from companies.models import CompanyContact

register = template.Library()


@register.inclusion_tag("alternance/invitations/invite_button.html", takes_context=True)
def extranet_invite(context, person, url_name: str):
    """``person``: an ``Apprentice`` or a ``CompanyContact`` (both have ``email`` and ``user``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    account = person.user
    active = invitations.account_is_active(account)
    pending = None if active else invitations.invitation_pending_for(account)
    allowed = (
        access.can_invite_company_contact(user, person) if isinstance(person, CompanyContact) else access.can_invite_extranet_user(user)
    )
    can_invite = (
        allowed
        and bool(person.email or account)
        and getattr(person, "active", True)
        and not active
    )
    return {
        "person": person,
        "url_name": url_name,
        "active": active,
        "pending": pending,
        "can_invite": can_invite,
        "show": access.can_invite_extranet_user(user),
        "csrf_token": context.get("csrf_token"),
    }
