"""Template tags of the signatures: the "Documents à signer" block of the extranet home pages."""

from django import template

from contracts.signatures import signatures_to_sign_count as count_for

register = template.Library()


@register.simple_tag(takes_context=True)
def signatures_to_sign_count(context) -> int:
    """How many signatures wait for the current user (``signatures_to_sign_count``)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return count_for(user)


@register.inclusion_tag("contracts/signatures/home_block.html", takes_context=True)
def signatures_to_sign_block(context) -> dict:
    return {"signatures_count": signatures_to_sign_count(context)}
