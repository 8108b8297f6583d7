"""Middleware of the project."""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse


class HealthCheckMiddleware:
    """Answer /healthz before the session and authentication middleware touch the database.

    A probe that carries a session cookie would otherwise get a 500 from the session lookup when
    the database is down, instead of the 503 that tells the load balancer to stop routing to us.
    """

    path = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == self.path and request.method in ("GET", "HEAD"):
            from alternance.views.health import healthz

            return healthz(request)
        return self.get_response(request)


class RejectNulCharacterMiddleware:
    """Answer 400 to an address holding a NUL character (``%00``) in its path or query string.

    No link of the product carries one, and PostgreSQL refuses it in any text a query compares, so
    every search box, filter or lookup that passed it on would fail with a 500 (issue 17 §16).
    ``SuspiciousOperation`` gives Django's 400 page and a line in the ``django.security`` log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        texts = [request.path, *(text for key, values in request.GET.lists() for text in (key, *values))]
        if any("\x00" in text for text in texts):
            raise SuspiciousOperation("NUL character in the address")
        return self.get_response(request)
