"""Shared building blocks of the project's views (the project package serves every app)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import ListView

from alternance import access
from alternance.exports import EXPORT_FORMATS, export_response

PAGE_SIZE = 25


def client_ip(request) -> str | None:
    """The address of the person on the other end: evidence of a signature, key of the public
    application page's rate limit.

    Without a proxy it is the socket's address (``REMOTE_ADDR``): a header could be forged. Behind
    ``TRUSTED_PROXIES`` reverse proxies (a TLS terminator, a load balancer), the socket's address is
    the last proxy's, so the client's is the one the first trusted proxy appended to
    ``X-Forwarded-For`` — counted from the right, the entries a client may have sent itself are
    never read."""
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def staff_only(user) -> None:
    """Back-office pages are for the OF's staff: extranet accounts (apprentice, employer) get 403.

    Anonymous users never reach this point: ``LoginRequiredMiddleware`` sends them to the login page.
    """
    if not access.can_use_back_office(user):
        raise PermissionDenied


class StaffOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        staff_only(request.user)
        return super().dispatch(request, *args, **kwargs)


MAX_DB_INTEGER = 2**63 - 1


def int_param(value: str | None) -> int | None:
    """A positive integer from a GET parameter, or None when absent or malformed."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    # Beyond a database integer the lookup itself would fail (issue 17 §16): no such row either.
    return number if 0 < number <= MAX_DB_INTEGER else None


def date_param(value: str | None) -> date | None:
    """An ISO date (AAAA-MM-JJ) from a GET parameter, or None when absent or malformed."""
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


class StaffListView(StaffOnlyMixin, ListView):
    """A paginated list of the back office, filtered by simple GET parameters.

    Subclasses set ``filter_names`` and implement ``get_queryset`` with a selector; the template
    receives ``filters`` (the current values) and ``sort`` to fill the filter form and the links.
    With ``export_name`` and ``export_row``, ``?export=csv|xlsx`` downloads the whole filtered list
    (not just the page), with the same scope and filters.
    """

    paginate_by = PAGE_SIZE
    filter_names: tuple[str, ...] = ("q", "status", "sort")
    export_name: str | None = None
    export_header: tuple[str, ...] = ()

    def export_row(self, obj) -> tuple:
        raise ImproperlyConfigured(f"{type(self).__name__} sets export_name: it must define export_row().")

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export", "")
        if self.export_name and fmt in EXPORT_FORMATS:
            rows = (self.export_row(obj) for obj in self.get_queryset().iterator(chunk_size=2000))
            name = f"{self.export_name}-{timezone.localdate():%Y-%m-%d}"
            return export_response(fmt, name=name, header=[str(h) for h in self.export_header], rows=rows)
        return super().get(request, *args, **kwargs)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.filters = {name: request.GET.get(name, "").strip() for name in self.filter_names}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        context["is_filtered"] = any(value for name, value in self.filters.items() if name != "sort")
        return context


def local_next_url(request, fallback: str, *, field: str = "next") -> str:
    """The ``next`` the form posted (or the query string gave) when it stays on this site, else
    ``fallback``: ``//evil.example/…`` or ``https://evil.example/…`` never becomes a redirect
    (issue 17 §12). Every view that redirects to a ``next`` goes through here."""
    candidate = request.POST.get(field) or request.GET.get(field) or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return fallback
