"""The second factor gate (issue 17 §9), after ``OTPMiddleware`` (which sets ``user.is_verified``).

A staff account that has a second factor and has not given its code in this session reaches only
the code page (and logout); one whose role requires a second factor and has none reaches only the
enrolment page (and logout). Extranet accounts are never stopped: they cannot enrol.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from alternance.accounts import selectors

# Whether the account has a confirmed second factor, kept in its session from the login on (see
# ``remember_second_factor``): the gate then costs no query per page. The pages that add or remove
# the device update it; a device removed by a superuser is noticed by the code page.
SESSION_KEY = "has_second_factor"
VERIFY_OPEN = {"logout", "second_factor_verify"}
ENROL_OPEN = {"logout", "second_factor_enrol"}


def remember_second_factor(request, user, value: bool | None = None) -> bool:
    """Store in the session whether ``user`` has a confirmed second factor (read from the database
    unless ``value`` is given) and return it."""
    if value is None:
        value = selectors.has_second_factor(user)
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = value
    return value


def on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: staff sessions start knowing whether a code will be asked."""
    if getattr(user, "is_staff_member", False):
        remember_second_factor(request, user)


def _has_second_factor(request, user) -> bool:
    value = request.session.get(SESSION_KEY)
    return remember_second_factor(request, user) if value is None else value


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff_member and not user.is_verified():
            if _has_second_factor(request, user):
                if _url_name(request.path_info) not in VERIFY_OPEN:
                    return self._send(request, "second_factor_verify")
            elif selectors.second_factor_required(user) and _url_name(request.path_info) not in ENROL_OPEN:
                messages.warning(request, _(
                    "La double authentification est obligatoire pour votre rôle : activez-la pour continuer."
                ))
                return self._send(request, "second_factor_enrol")
        return self.get_response(request)

    @staticmethod
    def _send(request, url_name: str) -> HttpResponse:
        url = reverse(url_name)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
