"""The extranet (issue 6, parts 3 and 4): the employer's page of one apprentice and the employer's
evaluations (its part of the visit grid and of the reviews). The apprentice's and the employer's
home pages are the role home pages (``alternance.views.home``), fed by ``selectors_extranet``.

Objects are fetched through the access policy (outside the scope → 404: another company's
apprentice or visit is not reachable by changing a URL) and actions checked with its predicates
(in scope but not allowed → 403). Staff opening the employer's page of an apprentice are sent to
the staff record of that apprentice (which applies their own scope).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alternance import access, selectors_extranet
from alternance.choices import Role
from alternance.forms_extranet import EmployerEvaluationForm
from alternance.planning import calendar as planning
from alternance.tutoring import evaluations


def _require_employer(user) -> None:
    """Pages of the employer's space: employer contacts only (apprentices get 403)."""
    if user.role != Role.EMPLOYER:
        raise PermissionDenied


@require_GET
def employer_apprentice(request: HttpRequest, pk: int) -> HttpResponse:
    """One apprentice as its employer follows it: calendar, absences, documents, evaluations, contacts."""
    user = request.user
    if access.can_use_back_office(user):
        # Staff have the full record; it applies their own scope (404 outside it).
        return redirect("apprentice_detail", pk=pk)
    _require_employer(user)
    apprentice = selectors_extranet.employer_apprentice_get(user, pk)
    today = timezone.localdate()
    year, month = planning.parse_month(request.GET.get("mois"), default=today)
    context = selectors_extranet.employer_apprentice_page(user, apprentice, today=today, year=year, month=month)
    context["today"] = today
    return render(request, "alternance/extranet/employer_apprentice.html", context)


@require_GET
def employer_evaluations(request: HttpRequest) -> HttpResponse:
    """The visits and reviews of my contracts: those awaiting my part, then those I sent."""
    _require_employer(request.user)
    done = Paginator(selectors_extranet.employer_evaluations_done(request.user), selectors_extranet.DONE_EVALUATIONS_PAGE)
    page = done.get_page(request.GET.get("page"))
    context = {
        "to_fill": selectors_extranet.employer_evaluations_to_fill(request.user),
        "done_page": page,
        "done": page.object_list,
        "today": timezone.localdate(),
    }
    return render(request, "alternance/extranet/employer_evaluations.html", context)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
def employer_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the employer's part of a visit's grid (once); read it back afterwards."""
    visit = selectors_extranet.employer_visit_get(request.user, pk)
    access.require(access.can_fill_employer_evaluation(request.user, visit))
    context = {"visit": visit}
    if visit.employer_submitted_at is not None:
        if request.method == "POST":
            messages.error(request, _(
                "Cette évaluation a déjà été envoyée le %(day)s : elle ne peut plus être modifiée. "
                "Pour la corriger, écrivez au formateur ou à la formatrice référent·e."
            ) % {"day": f"{timezone.localtime(visit.employer_submitted_at):%d/%m/%Y}"})
            return redirect("employer_evaluation", pk=visit.pk)
        return render(request, "alternance/extranet/employer_evaluation.html", {**context, "form": None})
    form = EmployerEvaluationForm(request.POST or None, criteria=evaluations.employer_criteria())
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.employer_evaluation_submit(
                visit=visit, by=request.user, answers=form.answers(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "already_submitted":
                messages.error(request, error.messages[0])
                return redirect("employer_evaluation", pk=visit.pk)
            _form_errors(form, error)
        else:
            messages.success(request, _("Merci : votre évaluation est envoyée au formateur ou à la formatrice référent·e."))
            return redirect("employer_evaluation", pk=visit.pk)
    return render(request, "alternance/extranet/employer_evaluation.html", {**context, "form": form})


urlpatterns = [
    path("espace-employeur/apprenti-es/<int:pk>/", employer_apprentice, name="employer_apprentice"),
    path("espace-employeur/evaluations/", employer_evaluations, name="employer_evaluations"),
    path("espace-employeur/evaluations/<int:pk>/", employer_evaluation, name="employer_evaluation"),
]
