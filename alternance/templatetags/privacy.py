"""``{% personal_data_export_button person %}``: the subject access export button of an apprentice's
or a contact's page, shown to those the access policy allows (the view checks it again)."""

from django import template

from alternance import access
from alternance.models import Apprentice

register = template.Library()


@register.inclusion_tag("alternance/privacy/_export_button.html", takes_context=True)
def personal_data_export_button(context, person):
    user = context["request"].user
    allowed = access.can_handle_personal_data_requests(user) and person.anonymised_at is None
    url_name = "privacy_export_apprentice" if isinstance(person, Apprentice) else "privacy_export_contact"
    return {"allowed": allowed, "person": person, "url_name": url_name, "csrf_token": context.get("csrf_token")}
