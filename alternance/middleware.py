"""Middleware of the project."""

from collections.abc import Callable

from csp.constants import SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from alternance import access


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with one exception to the policy (issue 17 §11): a PDF opened in the
    browser (calendars, documents to sign, an absence proof in the review queue) is shown by Chrome's
    built-in viewer, which embeds the file in its own page; ``object-src 'none'`` would block it
    (crbug.com/271452). For PDF responses only, ``object-src`` allows this site's own files. Every
    other directive, and every HTML page, keeps the policy of ``CONTENT_SECURITY_POLICY``."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if response.get("Content-Type", "").split(";")[0].strip() == "application/pdf":
            parts.replace = {**(parts.replace or {}), "object-src": [SELF]}
        return parts


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


class AccessKeysMiddleware:
    """Lets the access policy read the logged-in user's keys once per request
    (``access.request_keys``: an employer contact's contracts). After the authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with access.request_keys(user.pk if user is not None and user.is_authenticated else None):
            return self.get_response(request)
