"""Navigation per role, computed once per request for the base layout."""

from django.http import HttpRequest

from alternance.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": menu_for(user)}
