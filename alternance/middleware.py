"""Middleware of the project."""

from collections.abc import Callable

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
