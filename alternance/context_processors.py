"""Navigation per role, computed once per request for the base layout."""

from django.http import HttpRequest

from alternance import access
from alternance.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can_search": False}
    # The search box (issue 13 §3): staff and employer contacts; an apprentice has nothing to search.
    # A page that has counted the menu's badge already leaves it on the request (the employer's home).
    menu = menu_for(user, evaluations_to_fill=getattr(request, "evaluations_to_fill", None))
    return {"nav_items": menu, "can_search": access.can_use_search(user)}
