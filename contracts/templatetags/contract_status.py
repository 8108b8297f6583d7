"""``{{ status|status_of:contract }}``: a status value named for that contract's path (OPCO or,
for a public employer, DDETS) — the contract page's history of status changes."""

from django import template

register = template.Library()


@register.filter
def status_of(status: str, contract) -> str:
    return contract.label_of_status(status)
