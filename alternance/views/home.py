"""Each role's home page after login."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alternance import planning, selectors


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in selectors.HOME_PAGES:
        raise PermissionDenied
    today = timezone.localdate()
    context = selectors.home_for(user, today=today)
    context["today"] = today
    context["day_off"] = planning.day_off(today)
    return render(request, f"alternance/home/{user.role}.html", context)
