"""Each role's home page after login."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alternance import selectors
from alternance.choices import Role
from alternance.extranet import selectors as extranet_selectors
from alternance.planning import calendar as planning

# The selector of each role's home page; an unknown role gets 403. The apprentice's and the employer's
# are their extranet spaces (issue 6, parts 3 and 4).
HOME_PAGES = {
    Role.COORDINATOR: selectors.coordinator_home,
    Role.CRE: selectors.cre_home,
    Role.TUTOR: selectors.tutor_home,
    Role.ADMIN_STAFF: selectors.admin_staff_home,
    Role.APPRENTICE: extranet_selectors.apprentice_space,
    Role.EMPLOYER: extranet_selectors.employer_space,
}


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in HOME_PAGES:
        raise PermissionDenied
    today = timezone.localdate()
    # The employer's apprentices come by pages (a group's HR follows dozens).
    pages = {"page": request.GET.get("page")} if user.role == Role.EMPLOYER else {}
    context = HOME_PAGES[user.role](user, today=today, **pages)
    if "evaluations_to_fill" in context:
        # The menu's « Évaluations » badge counts the same rows (``employer_space``): no second count.
        request.evaluations_to_fill = context["evaluations_to_fill"]
    context["today"] = today
    context["day_off"] = planning.day_off(today)
    return render(request, f"alternance/home/{user.role}.html", context)
