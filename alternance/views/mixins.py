"""Shared building blocks of the project's views (the project package serves every app)."""

from collections.abc import Callable, Sequence
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView

from alternance import access
from alternance.exports import EXPORT_CHUNK_ROWS, EXPORT_FORMATS, export_response, list_export_start

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
# Dates a filter may hold: the range of the calendars' months (``planning.parse_month``). Beyond it
# no row exists, and a day added to ``date.max`` or taken from ``date.min`` overflows (issue 17 §16).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)


def int_param(value: str | None, *, maximum: int = MAX_DB_INTEGER) -> int | None:
    """A positive integer from a GET parameter, or None when absent, malformed or above ``maximum``
    (a count of days must stay below what ``timedelta`` holds)."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    # Beyond a database integer the lookup itself would fail (issue 17 §16): no such row either.
    return number if 0 < number <= min(maximum, MAX_DB_INTEGER) else None


def date_param(value: str | None) -> date | None:
    """An ISO date (AAAA-MM-JJ) from a GET parameter, or None when absent, malformed or outside
    1900–2200."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def drop_invalid_params(values: dict[str, str], checks: dict[str, tuple[Callable[[str], object], str]]) -> list[str]:
    """Empty each entry of ``values`` (the GET filters of a page) that is set but that its parser
    (``int_param``, ``date_param``…) rejects; the labels of the dropped ones, for ``warn_ignored``.

    A crafted or outdated address thus filters nothing on that criterion instead of failing, and the
    page's form and links no longer carry the bad value (issue 17 §16)."""
    dropped = []
    for name, (parse, label) in checks.items():
        if values.get(name) and parse(values[name]) is None:
            values[name] = ""
            dropped.append(str(label))
    return dropped


def warn_ignored(request, labels: Sequence[str]) -> None:
    """The French message of a page shown without the filters ``drop_invalid_params`` dropped
    (never added to a download: it would show up on some later page)."""
    if labels:
        messages.warning(request, ngettext(
            "Le filtre « %(names)s » de l'adresse n'est pas valide : il a été ignoré.",
            "Les filtres « %(names)s » de l'adresse ne sont pas valides : ils ont été ignorés.",
            len(labels),
        ) % {"names": " », « ".join(labels)})


class KeysFirstPaginator(Paginator):
    """A page of a query set read in two steps: its keys first, in the list's order, by a narrow
    query (only the tables the filters and the sort need), then its rows by key, with their joins and
    annotations (issue 18 §2). The database then sorts narrow rows in memory instead of the whole wide
    join on disk before an OFFSET: the last page of 18 780 contracts went from 123 ms to 9 ms + 1 ms.
    A combined (UNION) or DISTINCT query set is paginated as usual."""

    def page(self, number):
        rows = self.object_list
        if not isinstance(rows, QuerySet) or rows.query.combinator or rows.query.distinct:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        by_key = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
        return self._get_page([by_key[key] for key in keys if key in by_key], number, self)


class LenientPaginationMixin:
    """For a ``ListView``: a ``?page=`` that is not a number shows the first page, one past the end
    the last — as the lists paginated with ``Paginator.get_page`` do — rather than a 404 (issue 17 §16)."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans(),
                                       allow_empty_first_page=self.get_allow_empty())
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class StaffListView(StaffOnlyMixin, LenientPaginationMixin, ListView):
    """A paginated list of the back office, filtered by simple GET parameters.

    Subclasses set ``filter_names`` and implement ``get_queryset`` with a selector; the template
    receives ``filters`` (the current values) and ``sort`` to fill the filter form and the links.
    With ``export_name`` and ``export_row``, ``?export=csv|xlsx`` downloads the whole filtered list
    (not just the page), with the same scope and filters. Up to ``EXPORT_INLINE_MAX_ROWS`` rows
    (one COUNT decides) the file comes in the response; above, the page offers to prepare it in the
    background (a POST starts a ``ListExport`` job, which rebuilds the list through ``for_export``).
    ``typed_filters`` names the filters that hold an id, a number or a date, with their parser and
    their label: a value the parser rejects is dropped (``drop_invalid_params``) and the page says so.
    """

    paginate_by = PAGE_SIZE
    paginator_class = KeysFirstPaginator
    filter_names: tuple[str, ...] = ("q", "status", "sort")
    typed_filters: dict[str, tuple[Callable[[str], object], str]] = {}

    def list_filter_form(self):
        """The filters that pick one row among hundreds (a cohort, a CRE), as searchable fields
        (``alternance.search.fields.ListFilterForm``), or None. The list reads the chosen ids from
        ``self.chosen``; the template renders ``list_filters.<name>``."""
        return None
    export_name: str | None = None
    export_header: tuple[str, ...] = ()

    def export_row(self, obj) -> tuple:
        raise ImproperlyConfigured(f"{type(self).__name__} sets export_name: it must define export_row().")

    def export_rows(self):
        """Every row of the filtered list, fetched by chunks: linear in rows, bounded in memory."""
        return (self.export_row(obj) for obj in self.get_queryset().iterator(chunk_size=EXPORT_CHUNK_ROWS))

    @classmethod
    def for_export(cls, *, user, params: QueryDict) -> "StaffListView":
        """The list as ``user`` sees it with the filters ``params``, outside a request: what the
        background export writes (the same selector, scope and filters as the page)."""
        request = HttpRequest()
        request.method, request.user, request.GET = "GET", user, params
        view = cls()
        view.setup(request)
        return view

    def _export_params(self) -> str:
        params = self.request.GET.copy()
        for name in ("export", "page"):
            params.pop(name, None)
        return params.urlencode()

    def _exportable(self) -> bool:
        # A list that writes its own files (the OPCO board) names them with a method, not a string.
        return isinstance(self.export_name, str) and bool(self.export_name)

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export", "")
        if self._exportable() and fmt in EXPORT_FORMATS:
            rows_total = self.get_queryset().count()
            if rows_total > settings.EXPORT_INLINE_MAX_ROWS:
                return render(request, "alternance/list_exports/confirm.html", {
                    "rows_total": rows_total, "inline_max": settings.EXPORT_INLINE_MAX_ROWS, "fmt": fmt, "file_name": f"{self.export_name}.{fmt}",
                    "back_url": request.path + (f"?{params}" if (params := self._export_params()) else ""),
                })
            name = f"{self.export_name}-{timezone.localdate():%Y-%m-%d}"
            return export_response(fmt, name=name, header=[str(h) for h in self.export_header], rows=self.export_rows())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        """« Préparer le fichier »: the export of a long list as a background job (see ``get``)."""
        fmt = request.POST.get("export", "")
        if not self._exportable() or fmt not in EXPORT_FORMATS:
            return HttpResponseBadRequest(_("Choisissez le format du fichier : CSV ou XLSX."))
        export = list_export_start(
            user=request.user, title=self.export_name, view=f"{type(self).__module__}.{type(self).__qualname__}",
            params=self._export_params(), fmt=fmt, rows_total=self.get_queryset().count(),
        )
        return redirect("list_export_detail", pk=export.pk)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.filters = {name: request.GET.get(name, "").strip() for name in self.filter_names}
        self.ignored_filters = drop_invalid_params(self.filters, self.typed_filters)
        self.list_filters = self.list_filter_form()
        self.chosen = self.list_filters.chosen_ids() if self.list_filters is not None else {}

    def get_context_data(self, **kwargs):
        warn_ignored(self.request, self.ignored_filters)
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        context["list_filters"] = self.list_filters
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
