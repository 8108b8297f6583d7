"""Shared building blocks of the project's views (the project package serves every app)."""

from django.core.exceptions import PermissionDenied
from django.views.generic import ListView

from alternance import access

PAGE_SIZE = 25


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


def int_param(value: str | None) -> int | None:
    """A positive integer from a GET parameter, or None when absent or malformed."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


class StaffListView(StaffOnlyMixin, ListView):
    """A paginated list of the back office, filtered by simple GET parameters.

    Subclasses set ``filter_names`` and implement ``get_queryset`` with a selector; the template
    receives ``filters`` (the current values) and ``sort`` to fill the filter form and the links.
    """

    paginate_by = PAGE_SIZE
    filter_names: tuple[str, ...] = ("q", "status", "sort")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.filters = {name: request.GET.get(name, "").strip() for name in self.filter_names}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        context["is_filtered"] = any(value for name, value in self.filters.items() if name != "sort")
        return context
